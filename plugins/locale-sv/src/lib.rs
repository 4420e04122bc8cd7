//! Swedish language and culture pack (SE).
//!
//! Every scenario of the SDK's catalogue in calm, friendly customer-service Swedish with "du"
//! (the normal form of address in Sweden), amounts as 1 234,56 kr (no-break space between
//! thousands), dates as 2025-07-10 in Central European time. Data in [`PACK`]; the
//! `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "sv",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "SE",
        money: MoneyFormat {
            decimal: ",",
            group: "\u{a0}",
            pattern: "{amount} {symbol}",
            symbols: &[("SEK", "kr"), ("EUR", "€")],
        },
        date: "{YYYY}-{MM}-{DD}",
        time: "{hh}:{mm}",
        datetime: "{date} kl. {time}",
        zone: zone!("Europe/Stockholm"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "och",
        "att",
        "är",
        "det",
        "inte",
        "för",
        "med",
        "på",
        "av",
        "ett",
        "som",
        "eller",
        "ska",
        "vill",
        "oss",
        "vår",
        "vårt",
        "våra",
        "din",
        "ditt",
        "dina",
        "gärna",
        "här",
        "hej",
        "tack",
        "vänliga",
        "hälsningar",
        "tyvärr",
        "också",
        "inom",
        "beställning",
        "har",
        "kommer",
        "någon",
        "något",
        "när",
        "hos",
        "efter",
        "jag",
        "vad",
        "skickar",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Hej {buyer-name}!\n\n",
                $body,
                "\n\nVänliga hälsningar\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Din beställning {order-number}: levererad enligt {carrier}",
        "Enligt {carrier} levererades ditt paket {tracking-number} den {delivered-at:date} kl. {delivered-at:time} \
         (leveransbevis: {tracking-url}). Titta gärna i brevlådan och på platsen där paket brukar lämnas, och hör \
         med dina grannar om någon av dem har tagit emot det. Samtidigt har vi begärt en utredning hos {carrier}, \
         och vi återkommer med besked senast {answer-by}."
    ),
    template!(
        "lost-parcel",
        "Din beställning {order-number}: paketet har kommit bort",
        "Vi beklagar verkligen: {carrier} har bekräftat att ditt paket {tracking-number} har kommit bort. Du behöver \
         inte göra något. Meddela oss gärna senast {answer-by} om du vill ha en ny vara skickad eller pengarna \
         tillbaka. Om vi inte hör något från dig betalar vi automatiskt tillbaka hela köpesumman."
    ),
    template!(
        "logistics-delay",
        "Din beställning {order-number}: leveransen är försenad",
        "Tyvärr är ditt paket {tracking-number} försenat hos {carrier}. Ny beräknad leveransdag är \
         {expected-at:date}. Du kan följa den aktuella statusen här: {tracking-url}. Vi håller koll på \
         försändelsen och hör av oss om något ändras."
    ),
    template!(
        "customs-hold",
        "Din beställning {order-number}: paketet är i tullen",
        "Ditt paket {tracking-number} granskas just nu av tullen. Det är en vanlig kontroll som brukar ta två till \
         fem arbetsdagar. Om tullen behöver dokument eller avgifter från dig kontaktar {carrier} dig direkt. Du kan \
         följa statusen här: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Din beställning {order-number}: skadad vara",
        "Vi är ledsna över att varan kom fram skadad. Vi skickar en ny vara till dig så snart som möjligt, kostnadsfritt \
         och med expressfrakt. Den skadade varan behöver du inte skicka tillbaka."
    ),
    template!(
        "wrong-item",
        "Din beställning {order-number}: fel vara levererad",
        "Vi ber om ursäkt – du har fått fel vara. Rätt vara skickas till dig med expressfrakt redan i dag. Den felaktiga \
         varan behöver du inte skicka tillbaka – behåll den eller ge bort den."
    ),
    template!(
        "quality-problem",
        "Din beställning {order-number}: angående varans kvalitet",
        "Tack för att du hörde av dig, och vi beklagar att varan inte lever upp till dina förväntningar. Beskriv \
         gärna kort vad det är som inte fungerar. Vi erbjuder dig en ny vara utan kostnad eller pengarna tillbaka – \
         du väljer."
    ),
    template!(
        "evidence-request",
        "Din beställning {order-number}: bilder på problemet",
        "För att vi ska kunna hjälpa dig snabbt ber vi dig skicka ett par bilder eller en kort video där \
         problemet syns på varan och förpackningen, senast {answer-by}. Det räcker att du svarar på det här \
         meddelandet och bifogar filerna."
    ),
    template!(
        "refund-confirmation",
        "Din beställning {order-number}: återbetalningen är gjord",
        "Vi har nu betalat tillbaka {amount} till dig. Beroende på bank och betalsätt syns beloppet på ditt konto \
         inom tre till fem bankdagar."
    ),
    template!(
        "replacement-shipped",
        "Din beställning {order-number}: ersättningsvaran är på väg",
        "Din ersättningsvara har skickats med expressfrakt via {carrier}, och spårningsnumret är {tracking-number}. Du \
         kan följa försändelsen här: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Din beställning {order-number}: vårt förslag",
        "Som en ursäkt erbjuder vi dig en delåterbetalning på {amount}, och du behåller varan. Vill du hellre ha en \
         rabattkod? Använd då koden {coupon-code}, värd {coupon-amount}, vid ditt nästa köp. Svara bara och berätta \
         vilket alternativ du föredrar."
    ),
    template!(
        "settlement-offer",
        "Din beställning {order-number}: vi löser det direkt",
        "Vi vill lösa det här snabbt och smidigt för dig. Så snart du bekräftar betalar vi tillbaka {amount}, \
         samma dag. Det går fortare än ett tvisteärende via marknadsplatsen."
    ),
    template!(
        "off-hours-ack",
        "Vi har tagit emot ditt meddelande om beställning {order-number}",
        "Tack för ditt meddelande. Vår kundtjänst är stängd just nu, men en av oss svarar dig personligen senast \
         {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Din beställning {order-number}: är allt i ordning?",
        "Vi vill bara försäkra oss om att vår lösning har nått fram till dig och att allt är i ordning. Om något \
         fortfarande saknas är det bara att svara på det här meddelandet."
    ),
    template!(
        "proactive-care",
        "Din beställning {order-number}: vi håller koll på ditt paket",
        "Ditt paket {tracking-number} med {carrier} har varit på väg längre än vanligt. Vi följer det aktivt och hör av \
         oss innan du behöver fråga. Aktuell status hittar du här: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Din beställning {order-number}: så returnerar du varan",
        "Din kostnadsfria returetikett hittar du här: {return-url}. Skicka tillbaka varan senast \
         {return-by:date}. När paketet har kommit fram till oss betalar vi tillbaka beloppet inom två arbetsdagar."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["SE"],
        title: "\"du\" and first names",
        text: "Swedes address everyone with \"du\" and greet with \"Hej\"; the formal \"ni\" sounds distant or \
               old-fashioned. Using the buyer's first name is normal.",
        translations: &[(
            "zh-CN",
            "用“du”并直呼名字",
            "瑞典人对所有人都用“du”（你）称呼，并以“Hej”问候；正式的“ni”（您）听起来疏远或老派。直接称呼买家的名字很正常。",
        )],
    },
    Tip {
        markets: &["SE"],
        title: "Calm and factual",
        text: "Keep the tone calm and matter-of-fact: state what happened and the next step. Exaggerated apologies, \
               superlatives or pressure read as insincere; understatement works better.",
        translations: &[(
            "zh-CN",
            "冷静、实事求是",
            "语气保持冷静、就事论事：说明发生了什么和下一步。夸张的道歉、最高级的形容词或施压都会显得不真诚；轻描淡写效果更好。",
        )],
    },
    Tip {
        markets: &["SE"],
        title: "Equals, not a hierarchy",
        text: "Sweden is egalitarian: treat the buyer as an equal, be transparent about what went wrong and avoid \
               anything that sounds like selling.",
        translations: &[(
            "zh-CN",
            "平等相待，而非上下级",
            "瑞典崇尚平等：把买家当作平等的一方，坦诚说明哪里出了问题，避免任何听起来像推销的话。",
        )],
    },
    Tip {
        markets: &["SE"],
        title: "Pick-up points",
        text: "Many parcels go to a pick-up point (\"ombud\") or parcel locker rather than the door. \"Delivered\" \
               may mean delivered to the pick-up point, so ask the buyer to check the notification in the carrier's \
               app or text message.",
        translations: &[(
            "zh-CN",
            "自提点",
            "许多包裹送到自提点（“ombud”）或包裹柜，而不是送上门。“已送达”可能指已送到自提点，所以请买家查看承运商 App 或短信中的通知。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ändra recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ändra din recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ändra omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ändra ditt omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ändra ditt betyg",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort din recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort ditt omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort ditt negativa",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ta bort din negativa",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "radera recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "radera din recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "radera ditt omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "uppdatera din recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "uppdatera ditt omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "dra tillbaka din recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "dra tillbaka ditt omdöme",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för en positiv recension",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för en bra recension",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för ett positivt omdöme",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för ett bra omdöme",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "mot en positiv recension",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "mot ett positivt omdöme",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "i utbyte mot en recension",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "i utbyte mot ett omdöme",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för fem stjärnor",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "för 5 stjärnor",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämna en recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämna gärna en recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämnade en recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämna ett omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämna gärna ett omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lämnade ett omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "skriv en recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "skriva en recension",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "betygsätt oss",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ge oss ett omdöme",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ge oss fem stjärnor",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ge oss 5 stjärnor",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nyhetsbrev",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "kampanj",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "specialerbjudande",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "extrapris",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "våra nya produkter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "vårt sortiment",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "följ oss på",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "beställ direkt från oss",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "beställa direkt från oss",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "handla direkt hos oss",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "i vår webbutik",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "på vår webbplats",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "på vår hemsida",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "på whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ring oss",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ringa oss",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "utanför amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "utanför plattformen",
    },
];

struct Swedish;

impl LocalePack for Swedish {
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
impl TipsInLanguage for Swedish {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Swedish, tips);
