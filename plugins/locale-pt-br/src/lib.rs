//! Brazilian Portuguese language and culture pack (BR).
//!
//! Every scenario of the SDK's catalogue in warm, personal customer-service Portuguese as
//! written in Brazil ("você"), amounts as R$ 1.234,56, dates as 10/07/2025 in Brasília time
//! (UTC−3 all year: Brazil has had no daylight saving time since 2019). Data in [`PACK`]; the
//! `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "pt-BR",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "BR",
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{symbol} {amount}",
            symbols: &[("BRL", "R$"), ("USD", "US$")],
        },
        date: "{DD}/{MM}/{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} às {time}",
        zone: zone!("America/Sao_Paulo"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "não",
        "você",
        "vocês",
        "seu",
        "seus",
        "suas",
        "uma",
        "em",
        "foi",
        "já",
        "também",
        "muito",
        "nosso",
        "nossa",
        "nossos",
        "nossas",
        "nós",
        "olá",
        "obrigado",
        "obrigada",
        "atenciosamente",
        "ao",
        "às",
        "pelo",
        "pela",
        "isso",
        "até",
        "ainda",
        "então",
        "agora",
        "hoje",
        "produto",
        "prazo",
        "qualquer",
        "pode",
        "fazer",
        "encomenda",
        "estão",
        "são",
        "abraço",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Olá, {buyer-name}!\n\n",
                $body,
                "\n\nUm abraço,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Seu pedido {order-number}: entrega registrada pela transportadora",
        "Segundo a transportadora {carrier}, a sua encomenda {tracking-number} foi entregue em {delivered-at:date} \
         às {delivered-at:time} (comprovante de entrega: {tracking-url}). Pedimos, por gentileza, que confira a \
         caixa de correio e o local onde as encomendas costumam ser deixadas, e pergunte aos vizinhos ou à \
         portaria se alguém a recebeu. Enquanto isso, já abrimos uma investigação junto à transportadora e \
         daremos um retorno até {answer-by}."
    ),
    template!(
        "lost-parcel",
        "Seu pedido {order-number}: encomenda extraviada",
        "Sentimos muito: a transportadora {carrier} confirmou que a sua encomenda {tracking-number} foi extraviada. \
         Você não precisa fazer nada. Só pedimos que nos diga, até {answer-by}, se prefere receber um novo produto \
         ou o reembolso integral. Se não tivermos resposta até lá, faremos o reembolso do valor total \
         automaticamente."
    ),
    template!(
        "logistics-delay",
        "Seu pedido {order-number}: atraso na entrega",
        "Infelizmente, a sua encomenda {tracking-number} sofreu um atraso na transportadora {carrier}. A nova previsão \
         de entrega é {expected-at:date}. Você pode acompanhar o status atualizado a qualquer momento aqui: \
         {tracking-url}. Estamos de olho no envio e avisaremos você se algo mudar."
    ),
    template!(
        "customs-hold",
        "Seu pedido {order-number}: encomenda na fiscalização aduaneira",
        "A sua encomenda {tracking-number} está passando pela fiscalização aduaneira. É um procedimento comum, que \
         costuma levar de dois a cinco dias úteis. Se for necessário apresentar algum documento ou pagar impostos \
         de importação, a transportadora {carrier} vai avisar você diretamente. Acompanhe o status aqui: \
         {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Seu pedido {order-number}: produto danificado",
        "Sentimos muito que o produto tenha chegado danificado. Vamos enviar um novo para você o quanto antes, sem \
         nenhum custo e com frete expresso. Não é necessário devolver o produto danificado."
    ),
    template!(
        "wrong-item",
        "Seu pedido {order-number}: produto enviado errado",
        "Pedimos desculpas: você recebeu um produto diferente do que comprou. O produto certo será despachado ainda \
         hoje, com frete expresso. Não é preciso devolver o item errado; você pode ficar com ele ou doá-lo."
    ),
    template!(
        "quality-problem",
        "Seu pedido {order-number}: sobre a qualidade do produto",
        "Agradecemos por nos avisar, e sentimos muito que o produto não tenha atendido às suas expectativas. Você pode \
         nos contar rapidamente o que exatamente não está funcionando? Oferecemos a troca por um novo, sem custo, \
         ou o reembolso, como você preferir."
    ),
    template!(
        "evidence-request",
        "Seu pedido {order-number}: fotos para análise",
        "Para resolvermos isso rapidamente, pedimos que nos envie, até {answer-by}, duas ou três fotos ou um vídeo \
         curto do produto e da embalagem em que o problema apareça. Basta responder a esta mensagem com os \
         arquivos anexados."
    ),
    template!(
        "refund-confirmation",
        "Seu pedido {order-number}: reembolso realizado",
        "Acabamos de fazer o reembolso de {amount}. Dependendo do banco e da forma de pagamento, o valor aparece na \
         sua conta em três a cinco dias úteis; no cartão de crédito, o estorno pode aparecer só na próxima fatura."
    ),
    template!(
        "replacement-shipped",
        "Seu pedido {order-number}: o novo produto está a caminho",
        "O produto de reposição já foi despachado com frete expresso pela transportadora {carrier}, com o código de \
         rastreio {tracking-number}. Você pode acompanhar a entrega aqui: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Seu pedido {order-number}: nossa proposta",
        "Como pedido de desculpas, oferecemos um reembolso parcial de {amount}, e você fica com o produto. Se \
         preferir um cupom, use o código {coupon-code}, no valor de {coupon-amount}, na sua próxima compra. É só \
         responder dizendo qual opção é melhor para você."
    ),
    template!(
        "settlement-offer",
        "Seu pedido {order-number}: vamos resolver isso agora",
        "Queremos resolver a sua situação de forma rápida e sem burocracia. Assim que você confirmar, faremos o \
         reembolso de {amount} no mesmo dia, sem precisar esperar por uma mediação na plataforma."
    ),
    template!(
        "off-hours-ack",
        "Recebemos sua mensagem sobre o pedido {order-number}",
        "Agradecemos a sua mensagem! No momento estamos fora do horário de atendimento, mas uma pessoa da nossa \
         equipe vai responder pessoalmente até {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Seu pedido {order-number}: está tudo certo?",
        "Queremos confirmar se a nossa solução chegou até você e se está tudo certo. Se ainda faltar alguma coisa, \
         é só responder a esta mensagem."
    ),
    template!(
        "proactive-care",
        "Seu pedido {order-number}: estamos acompanhando sua encomenda",
        "A sua encomenda {tracking-number}, enviada pela transportadora {carrier}, está demorando mais do que o \
         normal. Estamos acompanhando de perto e vamos avisar você antes mesmo que precise perguntar. Veja o status \
         atualizado aqui: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Seu pedido {order-number}: como fazer a devolução",
        "A sua etiqueta de devolução gratuita está disponível aqui: {return-url}. Pedimos que envie o produto até \
         {return-by:date}. Assim que ele chegar até nós, faremos o reembolso em até dois dias úteis."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["BR"],
        title: "Warm and personal",
        text: "Brazilian buyers expect warmth: greet them by name (\"Olá, Ana!\"), show empathy and sign with your \
               own name. \"Você\" is the norm; a cold, formulaic reply feels like a robot. Use \"o senhor\" or \
               \"a senhora\" only if the buyer writes that way.",
        translations: &[(
            "zh-CN",
            "热情而亲切",
            "巴西买家期待热情：称呼对方的名字（“Olá, Ana!”），表达理解，并署上你自己的名字。“Você”（你）是常态；冷冰冰的套话回复让人觉得像机器人。只有买家这样写时，才用“o senhor”或“a senhora”（先生/女士）。",
        )],
    },
    Tip {
        markets: &["BR"],
        title: "Delivery times and tracking",
        text: "Deliveries by Correios and other carriers can take long, especially to the North and Northeast. \
               Buyers follow the tracking code (\"código de rastreio\") closely: give it, with a realistic date, and \
               ask for patience kindly rather than promising what the carrier cannot keep.",
        translations: &[(
            "zh-CN",
            "派送时间与物流追踪",
            "巴西邮政（Correios）和其他承运商的派送可能很慢，寄往北部和东北部时尤其如此。买家会密切关注物流追踪码（“código de rastreio”）：请提供追踪码并给出切合实际的日期，和气地请对方耐心等待，而不是承诺承运商做不到的事。",
        )],
    },
    Tip {
        markets: &["BR"],
        title: "Import tax (\"taxação\")",
        text: "International parcels may be taxed on arrival and held for customs inspection; buyers fear an \
               unexpected bill. Say clearly whether import taxes are already included and who pays them.",
        translations: &[(
            "zh-CN",
            "进口税（“taxação”）",
            "国际包裹到达时可能被征税，并被海关扣留查验；买家担心收到意外的账单。请清楚说明进口税是否已包含在内、由谁支付。",
        )],
    },
    Tip {
        markets: &["BR"],
        title: "Consumer rights",
        text: "The Consumer Defence Code (CDC) gives a 7-day right of withdrawal for online purchases, and buyers \
               may mention Procon or Reclame Aqui. Acknowledge these rights and resolve quickly; do not argue.",
        translations: &[(
            "zh-CN",
            "消费者权利",
            "《消费者保护法》（CDC）规定网购享有 7 天撤销权，买家可能会提到消费者保护机构 Procon 或投诉网站 Reclame Aqui。应承认这些权利并尽快解决；不要争辩。",
        )],
    },
    Tip {
        markets: &["BR"],
        title: "Refunds on card instalments",
        text: "Many purchases are paid in instalments (\"parcelado\") on a credit card; a refund then shows as a \
               reversal (\"estorno\") on the next card statement, not instantly. Explain this up front.",
        translations: &[(
            "zh-CN",
            "信用卡分期付款的退款",
            "许多订单是用信用卡分期付款（“parcelado”）的；退款会在下一期信用卡账单上以冲正（“estorno”）的形式出现，而不是立即到账。请事先说明这一点。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "alter* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "alter* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "alter* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "mud* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "mud* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "mud* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "exclu* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "exclu* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "exclu* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "apag* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "apag* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "apag* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* a avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "edit* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "edit* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "reconsider* sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "reconsider* a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* seu comentário",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "apag* seu comentário",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "em troca de uma avaliação",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "em troca de avaliação",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "em troca de uma boa avaliação",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "em troca da sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por uma avaliação positiva",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por uma boa avaliação",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por uma avaliação 5 estrelas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por uma avaliação de 5 estrelas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por 5 estrelas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por cinco estrelas",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixe uma avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixar uma avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixe sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixe a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixar sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "deixar a sua avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "escreva uma avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "escrever uma avaliação",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "nos avalie",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "nos avaliar",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "avalie-nos",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "avalie nossa loja",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "sua avaliação é muito importante",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dê 5 estrelas",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dê cinco estrelas",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nossas promoções",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "aproveite a promoção",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "aproveite nossas",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "confira nossos produtos",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "confira nossas ofertas",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nossos lançamentos",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "oferta especial",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "queima de estoque",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "siga-nos",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "cadastre-se",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "compre direto com a gente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "comprar direto com a gente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "direto conosco",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "compre diretamente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "comprar diretamente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nossa loja virtual",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "no nosso site",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "em nosso site",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "pelo whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "no whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "pelo zap",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ligue para nós",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ligue para a gente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ligar para a gente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "contato por telefone",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nos ligue",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via pix",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "pelo pix",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "chave pix",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "fora da amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "fora da plataforma",
    },
];

struct BrazilianPortuguese;

impl LocalePack for BrazilianPortuguese {
    fn describe() -> PackInfo {
        PACK.info()
    }

    fn render(req: RenderRequest) -> Result<Rendered, RenderError> {
        PACK.render(&req)
    }

    fn culture_tips(market: String) -> Vec<CultureTip> {
        PACK.culture_tips(&market)
    }

    fn compliance_phrases(language: String) -> Vec<CompliancePhrase> {
        PACK.compliance_phrases(&language)
    }

    fn language_markers(language: String) -> Vec<String> {
        PACK.language_markers(&language)
    }
}

/// Tips in the agent's language: the Chinese of every tip for the Chinese dashboard.
impl TipsInLanguage for BrazilianPortuguese {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(BrazilianPortuguese, tips);
