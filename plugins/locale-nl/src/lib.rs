//! Dutch language and culture pack (NL, BE).
//!
//! Every scenario of the SDK's catalogue in polite customer-service Dutch with "u" (the safe
//! choice for complaints, in the Netherlands and even more so in Flanders), amounts as
//! € 1.234,56, dates as 10-07-2025 in the Netherlands and 10/07/2025 in Belgium, in Central
//! European time. Data in [`PACK`]; the `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{
    MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, Zone, zone,
};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "nl",
    direction: Direction::LeftToRight,
    markets: &[
        market("NL", "{DD}-{MM}-{YYYY}", zone!("Europe/Amsterdam")),
        // Flanders writes dates with slashes: 10/07/2025.
        market("BE", "{DD}/{MM}/{YYYY}", zone!("Europe/Brussels")),
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "het",
        "een",
        "van",
        "wij",
        "uw",
        "niet",
        "zijn",
        "hebben",
        "heeft",
        "wordt",
        "graag",
        "bedankt",
        "vriendelijke",
        "groet",
        "bestelling",
        "pakket",
        "ook",
        "nog",
        "maar",
        "voor",
        "naar",
        "kunt",
        "onze",
        "ons",
        "bij",
        "helaas",
        "deze",
        "geen",
        "uit",
        "aan",
        "wat",
        "dat",
        "op",
        "zullen",
        "vandaag",
        "wilt",
    ],
};

const fn market(code: &'static str, date: &'static str, zone: Zone) -> MarketFormat {
    MarketFormat {
        market: code,
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{symbol} {amount}",
            symbols: &[("EUR", "€")],
        },
        date,
        time: "{hh}:{mm}",
        datetime: "{date} om {time} uur",
        zone,
    }
}

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Beste {buyer-name},\n\n",
                $body,
                "\n\nMet vriendelijke groet,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Uw bestelling {order-number}: volgens de vervoerder bezorgd",
        "Volgens {carrier} is uw pakket {tracking-number} op {delivered-at:date} om {delivered-at:time} uur bezorgd \
         (afleverbewijs: {tracking-url}). Wilt u uw brievenbus en de plek waar pakketten meestal worden neergezet \
         nog even controleren, en bij de buren navragen of zij het pakket hebben aangenomen? Intussen hebben wij bij \
         {carrier} een onderzoek aangevraagd. Uiterlijk {answer-by} laten wij u weten wat de uitkomst is."
    ),
    template!(
        "lost-parcel",
        "Uw bestelling {order-number}: pakket zoekgeraakt",
        "Het spijt ons zeer: {carrier} heeft bevestigd dat uw pakket {tracking-number} onderweg is zoekgeraakt. U \
         hoeft zelf niets te doen. Wilt u ons uiterlijk {answer-by} laten weten of u liever een nieuw exemplaar \
         ontvangt of het volledige bedrag terugkrijgt? Horen wij niets van u, dan betalen wij het aankoopbedrag \
         automatisch terug."
    ),
    template!(
        "logistics-delay",
        "Uw bestelling {order-number}: vertraging bij de bezorging",
        "Uw pakket {tracking-number} heeft helaas vertraging opgelopen bij {carrier}. De nieuwe verwachte \
         bezorgdatum is {expected-at:date}. De actuele status kunt u altijd hier volgen: {tracking-url}. Wij houden \
         de zending in de gaten en laten het u weten als er iets verandert."
    ),
    template!(
        "customs-hold",
        "Uw bestelling {order-number}: pakket bij de douane",
        "Uw pakket {tracking-number} wordt op dit moment door de douane gecontroleerd. Dat is een gebruikelijke \
         procedure die meestal twee tot vijf werkdagen duurt. Heeft de douane documenten of een betaling van \
         invoerrechten van u nodig, dan laat {carrier} u dat zelf weten. De status kunt u hier volgen: \
         {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Uw bestelling {order-number}: beschadigd artikel",
        "Wat vervelend dat uw artikel beschadigd is aangekomen; onze excuses daarvoor. Wij sturen u zo snel \
         mogelijk kosteloos een nieuw exemplaar met spoedlevering. Het beschadigde artikel hoeft u niet terug te \
         sturen."
    ),
    template!(
        "wrong-item",
        "Uw bestelling {order-number}: verkeerd artikel ontvangen",
        "Onze excuses: u heeft een verkeerd artikel ontvangen. Het juiste artikel versturen wij vandaag nog met \
         spoedlevering. Het verkeerde artikel hoeft u niet terug te sturen; u mag het houden of weggeven."
    ),
    template!(
        "quality-problem",
        "Uw bestelling {order-number}: uw melding over de kwaliteit",
        "Bedankt voor uw melding, en onze excuses dat het artikel niet aan uw verwachtingen voldoet. Kunt u kort \
         beschrijven wat er precies niet goed werkt? Wij bieden u graag kosteloos een nieuw exemplaar aan of \
         betalen het bedrag terug, net wat u het liefst heeft."
    ),
    template!(
        "evidence-request",
        "Uw bestelling {order-number}: foto's van het probleem",
        "Om u snel verder te kunnen helpen, vragen wij u uiterlijk {answer-by} twee à drie foto's of een korte \
         video te sturen van het artikel en de verpakking, waarop het probleem goed te zien is. U kunt de bestanden \
         gewoon meesturen als antwoord op dit bericht."
    ),
    template!(
        "refund-confirmation",
        "Uw bestelling {order-number}: terugbetaling uitgevoerd",
        "Wij hebben zojuist {amount} aan u terugbetaald. Afhankelijk van uw bank en betaalmethode staat het bedrag \
         binnen drie tot vijf werkdagen op uw rekening."
    ),
    template!(
        "replacement-shipped",
        "Uw bestelling {order-number}: vervangend artikel is onderweg",
        "Uw vervangende artikel is met spoed verzonden via {carrier}, met trackingnummer \
         {tracking-number}. U kunt de zending hier volgen: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Uw bestelling {order-number}: ons voorstel",
        "Als excuus bieden wij u een gedeeltelijke terugbetaling van {amount} aan; het artikel mag u houden. Heeft u \
         liever een tegoedbon? Dan kunt u de code {coupon-code} ter waarde van {coupon-amount} gebruiken bij uw \
         volgende bestelling. Laat ons gerust weten welke oplossing u het liefst heeft."
    ),
    template!(
        "settlement-offer",
        "Uw bestelling {order-number}: wij lossen het meteen voor u op",
        "Wij willen dit graag snel en zonder gedoe voor u oplossen. Zodra u dit kort bevestigt, betalen wij u \
         {amount} terug, nog dezelfde dag. Dat gaat sneller dan een geschilprocedure via de marktplaats."
    ),
    template!(
        "off-hours-ack",
        "Uw bericht over bestelling {order-number} is ontvangen",
        "Bedankt voor uw bericht. Wij zijn op dit moment buiten onze openingstijden; een van onze medewerkers \
         reageert uiterlijk {answer-by} persoonlijk op uw vraag."
    ),
    template!(
        "follow-up-check",
        "Uw bestelling {order-number}: is alles in orde?",
        "Wij willen graag even nagaan of onze oplossing bij u is aangekomen en of alles nu in orde is. Mocht er nog \
         iets ontbreken, beantwoord dan gewoon dit bericht."
    ),
    template!(
        "proactive-care",
        "Uw bestelling {order-number}: wij houden uw pakket in de gaten",
        "Uw pakket {tracking-number} is bij {carrier} langer onderweg dan gebruikelijk. Wij volgen de zending \
         actief en laten van ons horen voordat u ernaar hoeft te vragen. De actuele status vindt u hier: \
         {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Uw bestelling {order-number}: zo werkt het retourneren",
        "Uw gratis retourlabel vindt u hier: {return-url}. Wilt u het artikel uiterlijk {return-by:date} \
         terugsturen? Zodra het pakket bij ons binnen is, betalen wij het bedrag binnen twee werkdagen terug."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["NL"],
        title: "Direct and to the point",
        text: "Dutch buyers value directness: say what happened, what you will do and by when, in a few short \
               sentences. Long apologies and flowery phrases read as evasive.",
        translations: &[(
            "zh-CN",
            "直接、切中要点",
            "荷兰买家看重直接：用几句简短的话说明发生了什么、你会做什么、何时完成。冗长的道歉和华丽的辞藻会显得在推诿。",
        )],
    },
    Tip {
        markets: &["NL"],
        title: "\"u\" for complaints",
        text: "Many Dutch shops write informal \"je\", but \"u\" is the safer choice for a complaint or a first \
               reply. Switch to \"je\" only if the buyer writes that way first.",
        translations: &[(
            "zh-CN",
            "投诉时用“u”",
            "许多荷兰商店使用非正式的“je”（你），但处理投诉或首次回复时，“u”（您）更稳妥。只有买家先这样写时，才改用“je”。",
        )],
    },
    Tip {
        markets: &["NL", "BE"],
        title: "Neighbours and pick-up points",
        text: "Carriers often leave parcels with a neighbour or at a pick-up point (PostNL, bpost, DHL). If a parcel \
               shows as delivered, first ask the buyer to check with the neighbours and look for a notification card.",
        translations: &[(
            "zh-CN",
            "邻居与自提点",
            "承运商常把包裹交给邻居或放在自提点（PostNL、bpost、DHL）。如果包裹显示已送达，先请买家问问邻居，并找找有没有取件通知卡。",
        )],
    },
    Tip {
        markets: &["NL", "BE"],
        title: "Fast delivery is the norm",
        text: "Next-day delivery is standard in the Benelux, so a delay of a few days already feels long. Give a \
               concrete new date rather than \"soon\".",
        translations: &[(
            "zh-CN",
            "快速送达是常态",
            "在比荷卢地区次日达是标准，所以几天的延误就已让人觉得很久。请给出一个具体的新日期，而不是“很快”。",
        )],
    },
    Tip {
        markets: &["BE"],
        title: "Courteous Flemish tone",
        text: "Flemish buyers expect \"u\" throughout and a slightly more courteous, less blunt tone than in the \
               Netherlands. Dates are written 10/07/2025.",
        translations: &[(
            "zh-CN",
            "弗拉芒人偏好的客气语气",
            "弗拉芒买家期望通篇使用“u”（您），语气比在荷兰时更客气一些、不那么直白。日期写作 10/07/2025。",
        )],
    },
    Tip {
        markets: &["BE"],
        title: "Two languages",
        text: "Belgium is bilingual: a buyer from Brussels or Wallonia may write in French. Always answer in the \
               language the buyer used; never reply in Dutch to a French message.",
        translations: &[(
            "zh-CN",
            "两种语言",
            "比利时是双语国家：来自布鲁塞尔或瓦隆的买家可能用法语来信。始终用买家所用的语言回复；绝不要用荷兰语回复法语消息。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review aan te passen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review willen aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review wijzigen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review te wijzigen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review bijwerken",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review bij te werken",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review te verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review willen verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review intrekken",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "review in te trekken",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling aan te passen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling willen aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling wijzigen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling te wijzigen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling te verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling willen verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "beoordeling intrekken",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "recensie aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "recensie verwijderen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "feedback aanpassen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "feedback verwijderen",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor een positieve review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor een positieve beoordeling",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor een goede review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor een goede beoordeling",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor een 5-sterren",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor 5 sterren",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "voor vijf sterren",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in ruil voor een review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in ruil voor uw review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in ruil voor een beoordeling",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in ruil voor een positieve",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "een review achter",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "een beoordeling achter",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "een recensie achter",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "review achterlaten",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "beoordeling achterlaten",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "schrijf een review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "een review schrijven",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "een review te schrijven",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "beoordeel ons",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "geef ons een review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "geef ons 5 sterren",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "geef ons vijf sterren",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "review op prijs",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "beoordeling op prijs",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nieuwsbrief",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "kortingsactie",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "speciale aanbieding",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "tijdelijke aanbieding",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "onze nieuwe producten",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ons assortiment",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "uitverkoop",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "volg ons op",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "rechtstreeks bij ons bestellen",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "direct bij ons bestellen",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bestel rechtstreeks",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bestel direct bij ons",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "in onze webshop",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via onze webshop",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "op onze website",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "op whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bel ons",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "belt u ons",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bel gerust",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "telefonisch contact",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "buiten amazon om",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "buiten het platform",
    },
];

struct Dutch;

impl LocalePack for Dutch {
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
impl TipsInLanguage for Dutch {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Dutch, tips);
