//! German language and culture pack (DE, AT, CH).
//!
//! Every scenario of the SDK's catalogue, formal address ("Sie"), amounts as 1.234,56 € and
//! dates as 10.07.2025 in Central European time. This pack is the reference the other
//! language packs follow: data in [`PACK`], the `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{
    MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, Zone, zone,
};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "de",
    direction: Direction::LeftToRight,
    markets: &[
        market(
            "DE",
            &[("EUR", "€"), ("CHF", "CHF")],
            zone!("Europe/Berlin"),
        ),
        market(
            "AT",
            &[("EUR", "€"), ("CHF", "CHF")],
            zone!("Europe/Vienna"),
        ),
        // Switzerland writes CHF 1’234.50: apostrophe for thousands, point for decimals.
        MarketFormat {
            money: MoneyFormat {
                decimal: ".",
                group: "’",
                pattern: "{symbol} {amount}",
                symbols: &[("CHF", "CHF"), ("EUR", "EUR")],
            },
            ..market("CH", &[], zone!("Europe/Zurich"))
        },
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "sie",
        "ihre",
        "ihr",
        "wir",
        "uns",
        "mit",
        "für",
        "auf",
        "eine",
        "einen",
        "bitte",
        "vielen",
        "dank",
        "danke",
        "bestellung",
        "haben",
        "wurde",
        "ich",
        "sehr",
        "geehrte",
        "freundlichen",
        "grüßen",
    ],
};

const fn market(
    code: &'static str,
    symbols: &'static [(&'static str, &'static str)],
    zone: Zone,
) -> MarketFormat {
    MarketFormat {
        market: code,
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{amount} {symbol}",
            symbols,
        },
        date: "{DD}.{MM}.{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} um {time} Uhr",
        zone,
    }
}

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Guten Tag {buyer-name},\n\n",
                $body,
                "\n\nMit freundlichen Grüßen\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Ihre Bestellung {order-number}: Zustellung laut Sendungsverfolgung",
        "laut {carrier} wurde Ihre Sendung {tracking-number} am {delivered-at:date} um {delivered-at:time} Uhr zugestellt \
         (Zustellnachweis: {tracking-url}). Bitte prüfen Sie Briefkasten, Abstellort und fragen Sie kurz bei Ihren \
         Nachbarn nach. Parallel haben wir eine Nachforschung bei {carrier} eingeleitet und melden uns spätestens am \
         {answer-by} mit dem Ergebnis."
    ),
    template!(
        "lost-parcel",
        "Ihre Bestellung {order-number}: Sendung verloren gegangen",
        "es tut uns sehr leid: {carrier} hat uns bestätigt, dass Ihre Sendung {tracking-number} verloren gegangen ist. \
         Sie müssen nichts weiter tun. Teilen Sie uns bitte bis {answer-by} mit, ob Sie Ersatz oder die \
         vollständige Erstattung wünschen; ohne Antwort erstatten wir den Kaufpreis automatisch."
    ),
    template!(
        "logistics-delay",
        "Ihre Bestellung {order-number}: Verzögerung bei der Zustellung",
        "Ihre Sendung {tracking-number} ist bei {carrier} leider verzögert. Die neue voraussichtliche Zustellung ist \
         am {expected-at:date}. Den aktuellen Stand sehen Sie jederzeit hier: {tracking-url}. Wir behalten die Sendung \
         im Blick und melden uns, falls sich etwas ändert."
    ),
    template!(
        "customs-hold",
        "Ihre Bestellung {order-number}: Sendung beim Zoll",
        "Ihre Sendung {tracking-number} wird derzeit vom Zoll geprüft; das ist ein üblicher Vorgang und dauert meist \
         zwei bis fünf Werktage. Falls der Zoll Unterlagen oder Abgaben von Ihnen benötigt, informiert {carrier} Sie \
         direkt. Den Stand sehen Sie hier: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Ihre Bestellung {order-number}: beschädigte Ware",
        "es tut uns leid, dass Ihre Ware beschädigt angekommen ist. Wir senden Ihnen umgehend kostenlos Ersatz per \
         Expressversand; eine Rücksendung der beschädigten Ware ist nicht nötig."
    ),
    template!(
        "wrong-item",
        "Ihre Bestellung {order-number}: falscher Artikel geliefert",
        "es tut uns leid, dass Sie einen falschen Artikel erhalten haben. Der richtige Artikel geht noch heute per \
         Expressversand an Sie. Den falschen Artikel dürfen Sie behalten oder spenden; eine Rücksendung ist nicht nötig."
    ),
    template!(
        "quality-problem",
        "Ihre Bestellung {order-number}: Ihr Hinweis zur Qualität",
        "vielen Dank für Ihren Hinweis, und es tut uns leid, dass der Artikel nicht Ihren Erwartungen entspricht. \
         Beschreiben Sie uns bitte kurz, was genau nicht funktioniert. Wir bieten Ihnen einen kostenlosen Ersatz oder \
         die Erstattung an – ganz wie Sie möchten."
    ),
    template!(
        "evidence-request",
        "Ihre Bestellung {order-number}: Fotos zur Klärung",
        "damit wir Ihnen schnell helfen können, senden Sie uns bitte bis {answer-by} zwei bis drei Fotos oder ein \
         kurzes Video des Artikels und der Verpackung, auf denen das Problem zu sehen ist. Eine Antwort auf diese \
         Nachricht mit den Dateien genügt."
    ),
    template!(
        "refund-confirmation",
        "Ihre Bestellung {order-number}: Erstattung veranlasst",
        "wir haben Ihnen soeben {amount} erstattet. Je nach Bank und Zahlungsart erscheint der Betrag innerhalb von \
         drei bis fünf Werktagen auf Ihrem Konto."
    ),
    template!(
        "replacement-shipped",
        "Ihre Bestellung {order-number}: Ersatz ist unterwegs",
        "Ihr Ersatzartikel ist per Expressversand mit {carrier} unterwegs, Sendungsnummer {tracking-number}. Die \
         Sendung können Sie hier verfolgen: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Ihre Bestellung {order-number}: unser Angebot",
        "als Entschuldigung bieten wir Ihnen eine Teilerstattung von {amount} an; Sie behalten den Artikel. Wenn Ihnen \
         ein Gutschein lieber ist, lösen Sie den Code {coupon-code} im Wert von {coupon-amount} bei Ihrer nächsten \
         Bestellung ein. Antworten Sie uns einfach, welche Lösung Sie bevorzugen."
    ),
    template!(
        "settlement-offer",
        "Ihre Bestellung {order-number}: wir lösen das direkt für Sie",
        "wir möchten Ihr Anliegen sofort und unkompliziert lösen und erstatten Ihnen {amount}, sobald Sie uns kurz \
         bestätigen. Das geht schneller als ein Klärungsverfahren über den Marktplatz; die Erstattung veranlassen wir \
         noch am selben Tag."
    ),
    template!(
        "off-hours-ack",
        "Ihre Nachricht zu Bestellung {order-number} ist eingegangen",
        "vielen Dank für Ihre Nachricht. Unser Team ist gerade nicht im Dienst und antwortet Ihnen persönlich bis \
         spätestens {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Ihre Bestellung {order-number}: ist alles in Ordnung?",
        "wir möchten uns vergewissern, dass unsere Lösung bei Ihnen angekommen ist und alles in Ordnung ist. Falls noch \
         etwas fehlt, antworten Sie einfach auf diese Nachricht."
    ),
    template!(
        "proactive-care",
        "Ihre Bestellung {order-number}: wir behalten Ihre Sendung im Blick",
        "Ihre Sendung {tracking-number} mit {carrier} ist länger unterwegs als üblich. Wir verfolgen sie aktiv und \
         melden uns, bevor Sie nachfragen müssen. Den Stand sehen Sie hier: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Ihre Bestellung {order-number}: so funktioniert die Rücksendung",
        "Ihr kostenloses Rücksendeetikett finden Sie hier: {return-url}. Bitte senden Sie den Artikel bis \
         {return-by:date} zurück. Sobald die Sendung bei uns eingegangen ist, erstatten wir den Betrag innerhalb von \
         zwei Werktagen."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["DE", "AT", "CH"],
        title: "Precise facts",
        text: "Give exact dates, amounts and tracking numbers; vague promises read as evasive.",
        translations: &[(
            "zh-CN",
            "事实要精确",
            "给出确切的日期、金额和物流单号；含糊的承诺会显得在推诿。",
        )],
    },
    Tip {
        markets: &["DE", "AT", "CH"],
        title: "Formal address",
        text: "Use \"Sie\" and \"Guten Tag\"; never first-name familiarity with a buyer.",
        translations: &[(
            "zh-CN",
            "正式称呼",
            "使用“Sie”（您）和“Guten Tag”（您好）；绝不要对买家直呼其名、套近乎。",
        )],
    },
    Tip {
        markets: &["DE", "AT"],
        title: "Consumer rights are known",
        text: "Buyers know the 14-day withdrawal right and the two-year warranty; acknowledge them, do not argue.",
        translations: &[(
            "zh-CN",
            "买家了解自己的消费者权利",
            "买家知道 14 天撤销权和两年法定保修；承认这些权利，不要争辩。",
        )],
    },
    Tip {
        markets: &["CH"],
        title: "Swiss conventions",
        text: "Amounts are written CHF 1’234.50 (apostrophe for thousands, point for decimals); customs fees are a frequent complaint for parcels from the EU.",
        translations: &[(
            "zh-CN",
            "瑞士的书写习惯",
            "金额写作 CHF 1’234.50（千位用撇号，小数用点）；从欧盟寄来的包裹被收取关税和费用，是常见的投诉点。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung ändern",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung zu ändern",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung entfernen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung zu entfernen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung löschen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung zurückziehen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "bewertung zu löschen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rezension ändern",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rezension löschen",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "gegen eine positive bewertung",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "für eine positive bewertung",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "für eine 5-sterne",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "für eine gute bewertung",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "hinterlassen sie eine bewertung",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "bewerten sie uns",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "über eine bewertung freuen",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "sonderangebot",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "unsere neuen produkte",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "rabattaktion",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "direkt bei uns bestellen",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "in unserem onlineshop",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "per whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "rufen sie uns",
    },
];

struct German;

impl LocalePack for German {
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
impl TipsInLanguage for German {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(German, tips);
