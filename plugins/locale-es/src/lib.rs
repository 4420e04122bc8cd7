//! Spanish language and culture pack (ES, MX).
//!
//! Every scenario of the SDK's catalogue in warm, courteous Spanish with "usted", worded so
//! that it reads naturally both in Spain and in Mexico. Spain writes 1.234,56 € and
//! 10/07/2025 a las 18:15 in Central European time; Mexico writes $1,234.56 (pesos) and
//! 10/07/2025 a las 10:15 in Mexico City time. Data in [`PACK`], the `LocalePack`
//! implementation forwards to it.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "es",
    direction: Direction::LeftToRight,
    markets: &[
        MarketFormat {
            market: "ES",
            money: MoneyFormat {
                decimal: ",",
                group: ".",
                pattern: "{amount} {symbol}",
                symbols: &[("EUR", "€"), ("USD", "US$"), ("GBP", "£"), ("MXN", "MXN")],
            },
            date: "{DD}/{MM}/{YYYY}",
            time: "{hh}:{mm}",
            datetime: "{date} a las {time}",
            zone: zone!("Europe/Madrid"),
        },
        // Mexico writes pesos like dollars, $1,234.56, and calls US dollars "US$". Times use
        // the 24-hour clock: the kit's 12-hour marker is "AM"/"PM", while Mexican Spanish
        // writes "a. m."/"p. m.". Mexico City has kept UTC−6 all year since 2022.
        MarketFormat {
            market: "MX",
            money: MoneyFormat {
                decimal: ".",
                group: ",",
                pattern: "{symbol}{amount}",
                symbols: &[("MXN", "$"), ("USD", "US$"), ("EUR", "€")],
            },
            date: "{DD}/{MM}/{YYYY}",
            time: "{hh}:{mm}",
            datetime: "{date} a las {time}",
            zone: zone!("America/Mexico_City"),
        },
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "y",
        "los",
        "las",
        "usted",
        "ustedes",
        "sus",
        "nuestro",
        "nuestra",
        "nuestros",
        "gracias",
        "hola",
        "saludos",
        "envío",
        "hemos",
        "están",
        "muy",
        "pero",
        "también",
        "cuando",
        "donde",
        "mucho",
        "puede",
        "podría",
        "hay",
        "aquí",
        "hoy",
        "todavía",
        "paquete",
        "artículo",
        "qué",
        "cómo",
        "ahora",
        "mismo",
        "estimado",
        "estimada",
        "mensaje",
        "producto",
        "información",
        "tienda",
        "lunes",
        "viernes",
        "ningún",
        "ninguna",
        "cupón",
        "reseña",
        "nuestras",
        "muchas",
        "muchos",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Hola, {buyer-name}:\n\n",
                $body,
                "\n\nSaludos cordiales,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Su pedido {order-number}: figura como entregado",
        "Lamentamos que todavía no tenga su paquete. Según {carrier}, el envío {tracking-number} se entregó el \
         {delivered-at:date} a las {delivered-at:time} (prueba de entrega: {tracking-url}). ¿Podría revisar su \
         buzón y los alrededores de la entrada, y preguntar a sus vecinos o en la recepción de su edificio si lo \
         recibieron en su nombre? Mientras tanto, hemos abierto una investigación con {carrier} y le informaremos \
         del resultado a más tardar el {answer-by}."
    ),
    template!(
        "lost-parcel",
        "Su pedido {order-number}: paquete extraviado",
        "Lo sentimos mucho: {carrier} nos ha confirmado que su paquete {tracking-number} se ha extraviado. Usted \
         no tiene que hacer nada. Indíquenos, por favor, a más tardar el {answer-by} si prefiere que le enviemos \
         un artículo nuevo o el reembolso completo; si no recibimos respuesta, le reembolsaremos el total \
         automáticamente."
    ),
    template!(
        "logistics-delay",
        "Su pedido {order-number}: retraso en la entrega",
        "Lamentablemente, su envío {tracking-number} con {carrier} presenta un retraso. La nueva fecha estimada \
         de entrega es el {expected-at:date}. Puede consultar el estado del envío en todo momento aquí: \
         {tracking-url}. Seguimos de cerca su paquete y le avisaremos si hay cualquier novedad."
    ),
    template!(
        "customs-hold",
        "Su pedido {order-number}: envío retenido en aduana",
        "Su envío {tracking-number} se encuentra en revisión en la aduana. Es un trámite habitual que suele \
         tardar entre dos y cinco días hábiles. Si la aduana necesita algún documento o el pago de impuestos, \
         {carrier} se pondrá en contacto con usted directamente. Puede consultar el estado aquí: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Su pedido {order-number}: artículo dañado",
        "Sentimos mucho que su artículo haya llegado dañado. Le enviamos de inmediato uno nuevo por envío exprés, \
         sin ningún cargo para usted. No es necesario que nos devuelva el artículo dañado."
    ),
    template!(
        "wrong-item",
        "Su pedido {order-number}: artículo equivocado",
        "Lamentamos que haya recibido un artículo que no corresponde a su pedido. Hoy mismo le enviamos el \
         artículo correcto por envío exprés. Puede quedarse con el artículo que recibió o donarlo; no es \
         necesario devolverlo."
    ),
    template!(
        "quality-problem",
        "Su pedido {order-number}: sobre la calidad del artículo",
        "Gracias por avisarnos, y lamentamos que el artículo no esté a la altura de lo que esperaba. ¿Podría \
         contarnos brevemente qué es exactamente lo que falla? Le ofrecemos un artículo de reemplazo gratuito \
         o el reembolso, como usted prefiera."
    ),
    template!(
        "evidence-request",
        "Su pedido {order-number}: fotos para resolver su caso",
        "Para poder ayudarle cuanto antes, ¿podría enviarnos, a más tardar el {answer-by}, dos o tres fotos o \
         una grabación corta en las que se vea el problema del artículo y del embalaje? Basta con responder a \
         este mensaje adjuntando los archivos."
    ),
    template!(
        "refund-confirmation",
        "Su pedido {order-number}: reembolso realizado",
        "Acabamos de reembolsarle {amount}. Según su banco y el método de pago, el dinero aparecerá en su \
         cuenta en un plazo de tres a cinco días hábiles."
    ),
    template!(
        "replacement-shipped",
        "Su pedido {order-number}: su artículo de reemplazo está en camino",
        "Su artículo de reemplazo ya está en camino por envío exprés con {carrier}, con el número de \
         seguimiento {tracking-number}. Puede seguir el envío aquí: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Su pedido {order-number}: nuestra propuesta",
        "Para compensarle por las molestias, le ofrecemos un reembolso parcial de {amount} y, por supuesto, \
         usted se queda con el artículo. Si prefiere un cupón, puede canjear el código {coupon-code}, por valor \
         de {coupon-amount}, en su próximo pedido. Responda simplemente a este mensaje indicándonos qué opción \
         prefiere."
    ),
    template!(
        "settlement-offer",
        "Su pedido {order-number}: lo resolvemos directamente",
        "Queremos resolver su caso de inmediato y sin complicaciones: en cuanto nos lo confirme, le \
         reembolsaremos {amount}. Es más rápido que una reclamación a través de la plataforma, y el reembolso \
         se hará el mismo día."
    ),
    template!(
        "off-hours-ack",
        "Hemos recibido su mensaje sobre el pedido {order-number}",
        "Gracias por su mensaje. En este momento estamos fuera del horario de atención, y una persona de \
         nuestro equipo le responderá personalmente a más tardar el {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Su pedido {order-number}: ¿está todo en orden?",
        "Queremos asegurarnos de que nuestra solución le ha llegado y de que todo está en orden. Si todavía \
         falta algo, basta con responder a este mensaje."
    ),
    template!(
        "proactive-care",
        "Su pedido {order-number}: estamos pendientes de su envío",
        "Su envío {tracking-number} con {carrier} está tardando más de lo habitual. Lo estamos siguiendo de \
         cerca y le escribiremos antes de que tenga que preguntarnos. Puede consultar el estado aquí: \
         {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Su pedido {order-number}: cómo devolver el artículo",
        "Puede descargar su etiqueta de devolución gratuita aquí: {return-url}. Le rogamos que nos envíe el \
         artículo a más tardar el {return-by:date}. En cuanto lo recibamos, le haremos el reembolso en un plazo \
         de dos días hábiles."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["ES", "MX"],
        title: "Warmth matters",
        text: "Spanish-speaking buyers expect a warm, human tone: greet by name, show empathy before the \
               solution and thank them; a curt, purely factual reply feels cold.",
        translations: &[(
            "zh-CN",
            "温暖的语气很重要",
            "西班牙语买家期待温暖、有人情味的语气：称呼对方的名字，先表示理解再给出解决方案，并向对方致谢；生硬、只讲事实的回复让人觉得冷淡。",
        )],
    },
    Tip {
        markets: &["ES"],
        title: "Usted or tú",
        text: "\"Usted\" is always safe in service messages; many Spanish shops use \"tú\", so if the buyer \
               writes informally you may mirror it, but never mix both in one message.",
        translations: &[(
            "zh-CN",
            "用 usted 还是 tú",
            "在客服消息中用“usted”（您）总是稳妥的；许多西班牙商店使用“tú”（你），所以如果买家写得随意，你也可以跟着用，但同一条消息里绝不要两者混用。",
        )],
    },
    Tip {
        markets: &["ES"],
        title: "Consumer rights are known",
        text: "Buyers know the 14-day right of withdrawal (\"desistimiento\") and the three-year legal \
               guarantee on goods bought since 2022; acknowledge them rather than quoting your own policy.",
        translations: &[(
            "zh-CN",
            "买家了解自己的消费者权利",
            "买家知道 14 天撤销权（“desistimiento”）以及 2022 年起购买的商品享有的三年法定保修；应承认这些权利，而不是引用你自己的政策。",
        )],
    },
    Tip {
        markets: &["ES"],
        title: "Calendar",
        text: "Carriers slow down in August and around Easter (Semana Santa); give realistic dates in those \
               periods and say so upfront.",
        translations: &[(
            "zh-CN",
            "日历",
            "八月和复活节前后（圣周，Semana Santa）承运商的速度会变慢；这些时期请给出切合实际的日期，并事先说明。",
        )],
    },
    Tip {
        markets: &["MX"],
        title: "Courtesy and patience",
        text: "Use \"usted\", courteous formulas and a friendly closing; Mexican buyers value respect and \
               patience and react badly to blunt or impersonal wording.",
        translations: &[(
            "zh-CN",
            "礼貌与耐心",
            "使用“usted”（您）、客气的措辞和友好的结束语；墨西哥买家看重尊重和耐心，对生硬或冷漠的措辞反应很差。",
        )],
    },
    Tip {
        markets: &["MX"],
        title: "Delivery realities",
        text: "Couriers often leave parcels with a neighbour, a doorman or the security booth (\"caseta de \
               vigilancia\"); suggest checking there first. Say \"pesos\" or MXN when an amount could be \
               mistaken for US dollars.",
        translations: &[(
            "zh-CN",
            "派送的实际情况",
            "快递员常把包裹交给邻居、门卫或保安亭（“caseta de vigilancia”）；建议买家先去那里查看。金额可能被误认为美元时，请写明“pesos”或 MXN。",
        )],
    },
    Tip {
        markets: &["MX"],
        title: "Profeco",
        text: "Buyers may mention Profeco, the consumer protection agency; stay calm, do not argue, and offer \
               a concrete solution with a date.",
        translations: &[(
            "zh-CN",
            "Profeco（消费者保护署）",
            "买家可能会提到墨西哥消费者保护署 Profeco；保持冷静，不要争辩，并提出一个带日期的具体解决方案。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* tu reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* la reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* tu reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* la reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "actualiz* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* tu reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* la reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "borr* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "borr* la reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* la reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "quit* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* su valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* su valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* su valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* su valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* su calificación",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* su calificación",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* su calificación",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* su comentario",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "borr* su comentario",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* su comentario",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de una reseña",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de su reseña",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de una valoración",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de una calificación",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de una opinión",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de 5 estrellas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "a cambio de cinco estrellas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una reseña positiva",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una buena reseña",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una reseña de 5 estrellas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una reseña de cinco estrellas",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una valoración positiva",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por una calificación positiva",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por dejar una reseña",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "por dejarnos una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "déjenos una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "déjanos una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* su opinión",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* una valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* su valoración",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "dej* una calificación",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "escrib* una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "publi* una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "valórenos",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "califíquenos",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "agradeceríamos una reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "agradeceríamos su reseña",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "agradeceríamos mucho una reseña",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nuestro boletín",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "boletín de noticias",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "oferta especial",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ofertas especiales",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "oferta por tiempo limitado",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "descuento exclusivo",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "promoción exclusiva",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nuestros nuevos productos",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nuestras novedades",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nueva colección",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "suscríbase",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "suscríbete",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "síganos en",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "síguenos en",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "compr* directamente con nosotros",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "compr* directamente en nuestra",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "pedir directamente a nosotros",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "haga su pedido directamente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nuestra tienda online",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nuestra tienda en línea",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nuestra página web",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nuestro sitio web",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "por whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "llámenos",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "llámanos",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "llamarnos al",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "contáctenos directamente",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "fuera de amazon",
    },
];

struct Spanish;

impl LocalePack for Spanish {
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
impl TipsInLanguage for Spanish {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Spanish, tips);
