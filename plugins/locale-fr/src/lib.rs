//! French language and culture pack (FR, BE, CH, LU).
//!
//! Every scenario of the SDK's catalogue, with "vous" throughout and French typography: a
//! no-break space before ":" and a narrow no-break space before "?" and ";". Amounts as
//! 1 234,56 € (narrow no-break space for thousands) in France and Belgium, 1.234,56 € in
//! Luxembourg and CHF 1’234.50 in Switzerland; dates as 10/07/2025 à 18h15 (10.07.2025 à
//! 18:15 in Switzerland), in Central European time. Data in [`PACK`], the `LocalePack`
//! implementation forwards to it.

use helloword_sdk::locale::kit::{
    MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, Zone, zone,
};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "fr",
    direction: Direction::LeftToRight,
    markets: &[
        market("FR", EURO, zone!("Europe/Paris")),
        market("BE", EURO, zone!("Europe/Brussels")),
        // Switzerland writes CHF 1’234.50 and 10.07.2025, in every language region.
        MarketFormat {
            money: MoneyFormat {
                decimal: ".",
                group: "’",
                pattern: "{symbol} {amount}",
                symbols: &[("CHF", "CHF"), ("EUR", "EUR")],
            },
            date: "{DD}.{MM}.{YYYY}",
            time: "{hh}:{mm}",
            ..market("CH", &[], zone!("Europe/Zurich"))
        },
        // Luxembourg groups thousands with a point: 1.234,56 €.
        MarketFormat {
            money: MoneyFormat {
                group: ".",
                ..market("LU", EURO, LUXEMBOURG).money
            },
            ..market("LU", EURO, LUXEMBOURG)
        },
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "vous",
        "votre",
        "vos",
        "nous",
        "notre",
        "nos",
        "est",
        "sont",
        "avec",
        "pour",
        "dans",
        "chez",
        "aux",
        "une",
        "cette",
        "merci",
        "bonjour",
        "cordialement",
        "madame",
        "monsieur",
        "sommes",
        "avons",
        "avez",
        "êtes",
        "pouvez",
        "été",
        "très",
        "aussi",
        "déjà",
        "leur",
        "colis",
        "commande",
        "reçu",
        "remboursement",
        "désolés",
        "où",
        "sans",
        "peut",
        "au",
        "tout",
        "toute",
        "toutes",
        "tous",
        "ces",
        "elle",
        "ils",
        "être",
        "fait",
        "faire",
        "lundi",
        "vendredi",
    ],
};

/// Currencies of the euro markets, euro first.
const EURO: &[(&str, &str)] = &[
    ("EUR", "€"),
    ("CHF", "CHF"),
    ("USD", "$\u{a0}US"),
    ("GBP", "£"),
];

/// Luxembourg's zone, named once for the two uses above.
const LUXEMBOURG: Zone = zone!("Europe/Luxembourg");

const fn market(
    code: &'static str,
    symbols: &'static [(&'static str, &'static str)],
    zone: Zone,
) -> MarketFormat {
    MarketFormat {
        market: code,
        money: MoneyFormat {
            decimal: ",",
            group: "\u{202f}",
            pattern: "{amount}\u{a0}{symbol}",
            symbols,
        },
        date: "{DD}/{MM}/{YYYY}",
        time: "{hh}h{mm}",
        datetime: "{date} à {time}",
        zone,
    }
}

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Bonjour {buyer-name},\n\n",
                $body,
                "\n\nBien cordialement,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Votre commande {order-number}\u{a0}: colis indiqué comme livré",
        "Nous sommes désolés que votre colis ne vous soit pas encore parvenu. D’après {carrier}, l’envoi \
         {tracking-number} a été livré le {delivered-at:date} à {delivered-at:time} (preuve de livraison\u{a0}: \
         {tracking-url}). Pourriez-vous vérifier votre boîte aux lettres et les abords de votre domicile, et \
         demander à vos voisins ou à votre gardien s’ils l’ont réceptionné pour vous\u{202f}? De notre côté, nous \
         avons ouvert une enquête auprès de {carrier} et nous reviendrons vers vous avec le résultat au plus tard \
         le {answer-by}."
    ),
    template!(
        "lost-parcel",
        "Votre commande {order-number}\u{a0}: colis perdu",
        "Nous sommes sincèrement désolés\u{a0}: {carrier} nous a confirmé la perte de votre colis \
         {tracking-number}. Vous n’avez aucune démarche à effectuer. Merci de nous indiquer d’ici le {answer-by} \
         si vous préférez recevoir un nouvel article ou un remboursement intégral\u{202f}; sans réponse de \
         votre part, nous vous rembourserons automatiquement."
    ),
    template!(
        "logistics-delay",
        "Votre commande {order-number}\u{a0}: retard de livraison",
        "Votre colis {tracking-number} a malheureusement pris du retard chez {carrier}. La nouvelle date de \
         livraison estimée est le {expected-at:date}. Vous pouvez suivre son acheminement à tout moment ici\u{a0}: \
         {tracking-url}. Nous suivons l’envoi de près et vous préviendrons si la situation évolue."
    ),
    template!(
        "customs-hold",
        "Votre commande {order-number}\u{a0}: colis en cours de dédouanement",
        "Votre colis {tracking-number} est actuellement retenu en douane pour contrôle. Il s’agit d’une \
         procédure courante, qui prend généralement de deux à cinq jours ouvrés. Si la douane a besoin de \
         documents ou du paiement de droits et taxes, {carrier} vous contactera directement. Vous pouvez suivre \
         l’état de votre envoi ici\u{a0}: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Votre commande {order-number}\u{a0}: article endommagé",
        "Nous sommes désolés que votre article soit arrivé endommagé. Nous vous envoyons dès aujourd’hui un \
         article de remplacement en livraison express, à nos frais. Inutile de nous retourner \
         l’article abîmé."
    ),
    template!(
        "wrong-item",
        "Votre commande {order-number}\u{a0}: erreur d’article",
        "Nous sommes désolés de vous avoir envoyé un article qui ne correspond pas à votre commande. Le bon \
         article part aujourd’hui même en livraison express. Vous pouvez garder ou donner l’article reçu par \
         erreur\u{a0}: inutile de nous le renvoyer."
    ),
    template!(
        "quality-problem",
        "Votre commande {order-number}\u{a0}: suite à votre signalement",
        "Merci de nous avoir signalé ce problème, et toutes nos excuses si l’article n’est pas à la hauteur de \
         vos attentes. Pourriez-vous nous décrire brièvement ce qui ne fonctionne pas\u{202f}? Nous vous \
         proposons, selon votre préférence, un remplacement gratuit ou un remboursement."
    ),
    template!(
        "evidence-request",
        "Votre commande {order-number}\u{a0}: quelques photos pour traiter votre demande",
        "Afin de vous aider au plus vite, pourriez-vous nous envoyer d’ici le {answer-by} deux ou trois photos, \
         ou une courte vidéo, montrant le problème sur l’article et son emballage\u{202f}? Il vous suffit de \
         répondre à ce message en joignant les fichiers."
    ),
    template!(
        "refund-confirmation",
        "Votre commande {order-number}\u{a0}: remboursement effectué",
        "Nous venons de vous rembourser {amount}. Selon votre banque et votre moyen de paiement, le montant \
         apparaîtra sur votre compte sous trois à cinq jours ouvrés."
    ),
    template!(
        "replacement-shipped",
        "Votre commande {order-number}\u{a0}: article de remplacement expédié",
        "Votre article de remplacement a été expédié en livraison express avec {carrier}, sous le numéro de \
         suivi {tracking-number}. Vous pouvez suivre le colis ici\u{a0}: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Votre commande {order-number}\u{a0}: notre proposition",
        "Pour nous excuser de ce désagrément, nous vous proposons un remboursement partiel de {amount}\u{202f}; \
         vous conservez bien entendu l’article. Si vous préférez un bon d’achat, vous pouvez utiliser le code \
         {coupon-code}, d’une valeur de {coupon-amount}, lors de votre prochaine commande. Il vous suffit de nous \
         répondre en nous indiquant la solution qui vous convient le mieux."
    ),
    template!(
        "settlement-offer",
        "Votre commande {order-number}\u{a0}: une solution rapide",
        "Nous souhaitons régler votre demande rapidement et simplement\u{a0}: dès que vous nous aurez donné votre \
         accord, nous vous rembourserons {amount}. C’est plus rapide qu’une réclamation auprès de la plateforme, \
         et le remboursement sera effectué le jour même."
    ),
    template!(
        "off-hours-ack",
        "Votre message concernant la commande {order-number} a bien été reçu",
        "Merci pour votre message. Notre équipe est actuellement absente\u{202f}; un conseiller vous répondra \
         personnellement au plus tard le {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Votre commande {order-number}\u{a0}: tout est-il en ordre\u{202f}?",
        "Nous souhaitons nous assurer que notre solution vous est bien parvenue et que tout est désormais en \
         ordre. S’il manque encore quelque chose, il vous suffit de répondre à ce message."
    ),
    template!(
        "proactive-care",
        "Votre commande {order-number}\u{a0}: nous surveillons votre colis",
        "Votre colis {tracking-number}, confié à {carrier}, met plus de temps que prévu à arriver. Nous suivons \
         activement son acheminement et reviendrons vers vous sans que vous ayez à nous relancer. Vous pouvez \
         consulter son état ici\u{a0}: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Votre commande {order-number}\u{a0}: comment nous retourner l’article",
        "Votre étiquette de retour gratuite est disponible ici\u{a0}: {return-url}. Merci de nous renvoyer \
         l’article au plus tard le {return-by:date}. Dès réception du colis, nous vous rembourserons sous deux \
         jours ouvrés."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["FR", "BE", "CH", "LU"],
        title: "Vouvoiement, always",
        text: "Address the buyer as \"vous\", never \"tu\", and open with \"Bonjour\" (\"Bonjour Madame …\" or \
               \"Bonjour Monsieur …\" when you know it); skipping the greeting reads as rude.",
        translations: &[(
            "zh-CN",
            "始终用“vous”称呼",
            "称呼买家时用“vous”（您），绝不用“tu”（你），开头写“Bonjour”（知道称谓时写“Bonjour Madame …”或“Bonjour Monsieur …”）；省略问候会显得无礼。",
        )],
    },
    Tip {
        markets: &["FR", "BE", "CH", "LU"],
        title: "Formal closings",
        text: "Close with \"Bien cordialement\" or \"Cordialement\" and your name; a bare signature or a casual \
               \"À+\" looks unprofessional.",
        translations: &[(
            "zh-CN",
            "正式的结束语",
            "以“Bien cordialement”或“Cordialement”加上你的名字结尾；只留一个签名或随意的“À+”（回头见）会显得不专业。",
        )],
    },
    Tip {
        markets: &["FR"],
        title: "Explain, then solve",
        text: "French buyers appreciate a structured answer that explains what happened and why before the \
               solution; a canned apology without substance is poorly received.",
        translations: &[(
            "zh-CN",
            "先解释，再解决",
            "法国买家欣赏条理清楚的回答：先说明发生了什么、原因何在，再给出解决方案；空洞的套话式道歉不受欢迎。",
        )],
    },
    Tip {
        markets: &["FR", "BE", "LU"],
        title: "Legal guarantees are known",
        text: "Buyers know the 14-day \"droit de rétractation\" and the two-year \"garantie légale de \
               conformité\"; refer to them correctly instead of quoting your own return policy.",
        translations: &[(
            "zh-CN",
            "买家了解法定保障",
            "买家知道 14 天的“droit de rétractation”（撤销权）和两年的“garantie légale de conformité”（法定合格保证）；请正确引用这些权利，而不是引用你自己的退货政策。",
        )],
    },
    Tip {
        markets: &["BE"],
        title: "Two languages",
        text: "Belgian buyers may write in French or Dutch; always answer in the language of their message, \
               never in the other national language.",
        translations: &[(
            "zh-CN",
            "两种语言",
            "比利时买家可能用法语或荷兰语来信；始终用对方消息所用的语言回复，绝不要用另一种国家语言。",
        )],
    },
    Tip {
        markets: &["BE"],
        title: "Pick-up points",
        text: "Parcels are often left at a bpost or carrier pick-up point; suggest checking the notice and the \
               nearest pick-up point before opening an investigation.",
        translations: &[(
            "zh-CN",
            "自提点",
            "包裹常被放在 bpost 或承运商的自提点；在发起调查之前，建议买家先查看取件通知和最近的自提点。",
        )],
    },
    Tip {
        markets: &["CH"],
        title: "Swiss conventions",
        text: "Amounts are written CHF 1’234.50 and dates 10.07.2025. Switzerland is outside the EU: VAT and \
               carrier handling fees on parcels from the EU are a frequent complaint, so mention them upfront.",
        translations: &[(
            "zh-CN",
            "瑞士的书写习惯",
            "金额写作 CHF 1’234.50，日期写作 10.07.2025。瑞士不在欧盟内：从欧盟寄来的包裹被收取增值税和承运商手续费是常见的投诉点，请事先说明。",
        )],
    },
    Tip {
        markets: &["CH"],
        title: "Precision and reliability",
        text: "Swiss buyers value exact dates and promises that are kept; say what will happen and when, and \
               follow up on time.",
        translations: &[(
            "zh-CN",
            "精确与可靠",
            "瑞士买家看重确切的日期和说到做到的承诺；说明接下来会发生什么、何时发生，并按时跟进。",
        )],
    },
    Tip {
        markets: &["LU"],
        title: "Multilingual buyers",
        text: "Buyers in Luxembourg use French, German and Luxembourgish; French is the usual written language \
               for commerce, but answer in the language they wrote in.",
        translations: &[(
            "zh-CN",
            "多语种买家",
            "卢森堡的买家使用法语、德语和卢森堡语；商务书面语通常是法语，但请用买家来信所用的语言回复。",
        )],
    },
    Tip {
        markets: &["LU"],
        title: "Cross-border deliveries",
        text: "Parcels usually arrive via French, Belgian or German carriers and are handed over to POST \
               Luxembourg; delays often happen at that handover, so check both tracking numbers.",
        translations: &[(
            "zh-CN",
            "跨境派送",
            "包裹通常经由法国、比利时或德国的承运商运来，再转交给卢森堡邮政（POST Luxembourg）；延误常发生在这次交接，因此两个物流单号都要查。",
        )],
    },
];

// The guard folds typographic apostrophes (’) to the straight one before matching, so the
// phrases are written with ' only.
const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* votre commentaire",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* votre évaluation",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* votre note",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modifi* l'avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "chang* votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "chang* votre note",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "mett* à jour votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "revoir votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "revoir votre note",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rectifi* votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "supprim* votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "supprim* votre commentaire",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "supprim* votre évaluation",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "supprim* l'avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* votre avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* votre commentaire",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* votre évaluation",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "retir* l'avis",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "contre un avis",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "contre une évaluation",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "contre 5 étoiles",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "contre cinq étoiles",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "en échange d'un avis",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "en échange de votre avis",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "en échange d'une évaluation",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "en contrepartie d'un avis",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "pour un avis positif",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "pour un avis 5 étoiles",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "pour un avis cinq étoiles",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "pour une évaluation positive",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "pour un commentaire positif",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laiss* un avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laissez-nous un avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laissez nous un avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laiss* une évaluation",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laiss* un commentaire positif",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "laiss* une note",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "rédig* un avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "écri* un avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "un petit avis",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "évaluez-nous",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "notez-nous",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "not* votre achat",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "évalu* votre achat",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "lettre d'information",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offre spéciale",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offres spéciales",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offre exclusive",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "réduction exclusive",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nos nouveaux produits",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nos nouveautés",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nouvelle collection",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ventes privées",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "abonnez-vous",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "inscrivez-vous à notre",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "suivez-nous sur",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "profitez de nos",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "commander directement chez nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "commandez directement chez nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "achet* directement chez nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "directement sur notre site",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "notre site internet",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "notre site web",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "notre boutique en ligne",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "par whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "sur whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "appelez-nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "appelez nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "téléphonez-nous",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nous appeler au",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "joindre par téléphone",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "en dehors d'amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "hors d'amazon",
    },
];

struct French;

impl LocalePack for French {
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
impl TipsInLanguage for French {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(French, tips);
