//! Polish language and culture pack (PL).
//!
//! Every scenario of the SDK's catalogue in formal customer-service Polish. The buyer's gender
//! is unknown, so the templates use the neutral polite plural ("Państwo", "Państwa
//! zamówienie") rather than "Pan" or "Pani". Amounts as 1 234,56 zł (no-break space between
//! thousands), dates as 10.07.2025 in Central European time. Data in [`PACK`]; the
//! `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "pl",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "PL",
        money: MoneyFormat {
            decimal: ",",
            group: "\u{a0}",
            pattern: "{amount} {symbol}",
            symbols: &[("PLN", "zł"), ("EUR", "€")],
        },
        date: "{DD}.{MM}.{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} o godz. {time}",
        zone: zone!("Europe/Warsaw"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "się",
        "jest",
        "że",
        "jak",
        "dla",
        "przez",
        "już",
        "tylko",
        "bardzo",
        "oraz",
        "lub",
        "czy",
        "może",
        "został",
        "została",
        "zostało",
        "są",
        "będzie",
        "jeśli",
        "który",
        "która",
        "które",
        "tego",
        "od",
        "za",
        "dziś",
        "tutaj",
        "nasz",
        "nasza",
        "nasze",
        "naszym",
        "państwo",
        "państwa",
        "państwu",
        "pani",
        "dzień",
        "dobry",
        "dziękujemy",
        "prosimy",
        "przesyłka",
        "przesyłki",
        "zamówienie",
        "zamówienia",
        "pozdrawiamy",
        "serdecznie",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Dzień dobry {buyer-name},\n\n",
                $body,
                "\n\nPozdrawiamy serdecznie\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Zamówienie {order-number}: przesyłka oznaczona jako doręczona",
        "według przewoźnika {carrier} przesyłka {tracking-number} została doręczona {delivered-at:date} o godz. \
         {delivered-at:time} (potwierdzenie doręczenia: {tracking-url}). Prosimy sprawdzić skrzynkę pocztową i \
         miejsce, w którym zwykle zostawiane są paczki, a także zapytać sąsiadów, czy nie odebrali jej w Państwa \
         imieniu. Równolegle zgłosiliśmy sprawę do przewoźnika {carrier} i przekażemy Państwu wynik \
         wyjaśnień najpóźniej do {answer-by}."
    ),
    template!(
        "lost-parcel",
        "Zamówienie {order-number}: przesyłka zaginęła",
        "bardzo nam przykro – przewoźnik {carrier} potwierdził, że przesyłka {tracking-number} zaginęła. Nie muszą \
         Państwo niczego robić. Prosimy jedynie o informację do {answer-by}, czy wolą Państwo otrzymać nowy \
         egzemplarz, czy pełny zwrot pieniędzy. Jeśli nie otrzymamy odpowiedzi, automatycznie zwrócimy całą kwotę \
         zakupu."
    ),
    template!(
        "logistics-delay",
        "Zamówienie {order-number}: opóźnienie dostawy",
        "przesyłka {tracking-number} jest niestety opóźniona u przewoźnika {carrier}. Nowy przewidywany termin \
         doręczenia to {expected-at:date}. Aktualny status mogą Państwo w każdej chwili sprawdzić tutaj: \
         {tracking-url}. Na bieżąco monitorujemy przesyłkę i damy znać, jeśli coś się zmieni."
    ),
    template!(
        "customs-hold",
        "Zamówienie {order-number}: przesyłka w odprawie celnej",
        "przesyłka {tracking-number} jest obecnie sprawdzana przez urząd celny. To standardowa procedura, która \
         zwykle trwa od dwóch do pięciu dni roboczych. Jeśli służby celne będą potrzebowały od Państwa dokumentów \
         lub opłat, przewoźnik {carrier} skontaktuje się z Państwem bezpośrednio. Status przesyłki można sprawdzić \
         tutaj: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Zamówienie {order-number}: uszkodzony produkt",
        "bardzo przepraszamy, że produkt dotarł uszkodzony. Niezwłocznie i bezpłatnie wyślemy Państwu nowy \
         egzemplarz przesyłką ekspresową. Uszkodzonego produktu nie trzeba odsyłać."
    ),
    template!(
        "wrong-item",
        "Zamówienie {order-number}: niewłaściwy produkt",
        "przepraszamy za pomyłkę – otrzymali Państwo niewłaściwy produkt. Właściwy wyślemy jeszcze dziś przesyłką \
         ekspresową. Błędnego produktu nie trzeba odsyłać; mogą go Państwo zatrzymać lub komuś podarować."
    ),
    template!(
        "quality-problem",
        "Zamówienie {order-number}: zgłoszenie dotyczące jakości",
        "dziękujemy za zgłoszenie i przepraszamy, że produkt nie spełnia Państwa oczekiwań. Prosimy krótko \
         opisać, co dokładnie nie działa. Chętnie wymienimy produkt na nowy bez żadnych kosztów albo zwrócimy \
         pieniądze – zgodnie z Państwa wyborem."
    ),
    template!(
        "evidence-request",
        "Zamówienie {order-number}: prośba o zdjęcia",
        "abyśmy mogli szybko pomóc, prosimy o dwa lub trzy zdjęcia albo krótki film, na których widać \
         problem z produktem i opakowaniem. Materiały prosimy przesłać do {answer-by} – wystarczy odpowiedzieć na \
         tę wiadomość i dołączyć pliki."
    ),
    template!(
        "refund-confirmation",
        "Zamówienie {order-number}: zwrot pieniędzy zlecony",
        "właśnie zleciliśmy zwrot kwoty {amount}. W zależności od banku i metody płatności środki pojawią się na \
         Państwa koncie w ciągu trzech do pięciu dni roboczych."
    ),
    template!(
        "replacement-shipped",
        "Zamówienie {order-number}: nowy egzemplarz jest w drodze",
        "nowy egzemplarz wysłaliśmy przesyłką ekspresową przez przewoźnika {carrier}, numer przesyłki: \
         {tracking-number}. Przesyłkę mogą Państwo śledzić tutaj: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Zamówienie {order-number}: nasza propozycja",
        "w ramach przeprosin proponujemy częściowy zwrot w wysokości {amount}, a produkt pozostaje u Państwa. Jeśli \
         wolą Państwo bon, mogą Państwo wykorzystać kod {coupon-code} o wartości {coupon-amount} przy kolejnym \
         zamówieniu. Prosimy po prostu odpowiedzieć, które rozwiązanie bardziej Państwu odpowiada."
    ),
    template!(
        "settlement-offer",
        "Zamówienie {order-number}: rozwiążmy to od razu",
        "chcielibyśmy załatwić tę sprawę szybko i bez zbędnych formalności. Po Państwa krótkim potwierdzeniu \
         zwrócimy {amount} jeszcze tego samego dnia. To szybsze niż postępowanie wyjaśniające prowadzone przez \
         platformę."
    ),
    template!(
        "off-hours-ack",
        "Otrzymaliśmy Państwa wiadomość w sprawie zamówienia {order-number}",
        "dziękujemy za wiadomość. Nasz zespół jest obecnie poza godzinami pracy; konsultant odpowie Państwu \
         osobiście najpóźniej do {answer-by}."
    ),
    template!(
        "follow-up-check",
        "Zamówienie {order-number}: czy wszystko w porządku?",
        "chcielibyśmy się upewnić, że nasze rozwiązanie do Państwa dotarło i wszystko jest w porządku. Jeśli \
         czegoś jeszcze brakuje, wystarczy odpowiedzieć na tę wiadomość."
    ),
    template!(
        "proactive-care",
        "Zamówienie {order-number}: czuwamy nad Państwa przesyłką",
        "przesyłka {tracking-number} (przewoźnik: {carrier}) jest w drodze dłużej niż zwykle. Aktywnie ją \
         monitorujemy i odezwiemy się, zanim będą Państwo musieli o nią pytać. Aktualny status: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Zamówienie {order-number}: jak zwrócić produkt",
        "bezpłatną etykietę zwrotną znajdą Państwo tutaj: {return-url}. Prosimy odesłać produkt do \
         {return-by:date}. Gdy paczka do nas dotrze, zwrócimy pieniądze w ciągu dwóch dni roboczych."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["PL"],
        title: "Formal address",
        text: "Open with \"Dzień dobry\" and address the buyer as \"Pan\" or \"Pani\", or with the neutral plural \
               \"Państwo\" when the gender is unknown. Never use the informal \"ty\" with a buyer.",
        translations: &[(
            "zh-CN",
            "正式称呼",
            "以“Dzień dobry”（您好）开头，称呼买家为“Pan”（先生）或“Pani”（女士），不知道性别时用中性的复数“Państwo”。绝不要对买家使用非正式的“ty”（你）。",
        )],
    },
    Tip {
        markets: &["PL"],
        title: "Be thorough",
        text: "Polish buyers appreciate a complete answer: what happened, what you are doing, and by which date. \
               A short or vague reply usually brings a follow-up question or a formal complaint.",
        translations: &[(
            "zh-CN",
            "回答要完整",
            "波兰买家欣赏完整的回答：发生了什么、你正在做什么、在哪天之前完成。简短或含糊的回复通常会招来追问或正式投诉。",
        )],
    },
    Tip {
        markets: &["PL"],
        title: "Complaints have a deadline",
        text: "Buyers know their rights: a formal complaint (\"reklamacja\") must be answered within 14 days or it \
               counts as accepted, and online purchases can be withdrawn from within 14 days. Acknowledge these \
               rights; do not argue about them.",
        translations: &[(
            "zh-CN",
            "投诉有答复期限",
            "买家了解自己的权利：正式投诉（“reklamacja”）必须在 14 天内答复，否则视为接受；网购商品可在 14 天内撤销购买。应承认这些权利，不要就此争辩。",
        )],
    },
    Tip {
        markets: &["PL"],
        title: "Parcel lockers",
        text: "Many Polish buyers pick parcels up from lockers (\"paczkomat\") or pick-up points. A parcel marked \
               delivered may be waiting in a locker; ask the buyer to check the pick-up code in the carrier's app \
               or text message.",
        translations: &[(
            "zh-CN",
            "包裹柜",
            "许多波兰买家从包裹柜（“paczkomat”）或自提点取件。标为已送达的包裹可能正在包裹柜里等着；请买家查看承运商 App 或短信中的取件码。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmienić opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmienić swoją opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmienić ocen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmienić recenzj",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmianę opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmiany opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "zmianę oceny",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunąć opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunąć swoją opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunąć ocen",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunąć recenzj",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunąć negatywn",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunięcie opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunięcia opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunięcie negatywn",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "usunięcie oceny",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "wycofać opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "wycofanie opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "edytować opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "opini* zmieni",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "opini* usun",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za pozytywną opini",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za pozytywny komentarz",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za pozytywną ocen",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za dobrą opini",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za dobrą ocen",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za 5 gwiazdek",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "za pięć gwiazdek",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "w zamian za opini",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "w zamian za ocen",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "w zamian za recenzj",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "w zamian za pozytywn",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "wystawić opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "wystaw opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "wystawienie opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "wystawi* państwo opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "zostawić opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "zostaw opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "zostawi* państwo opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "pozostawić opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "pozostawienie opinii",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "prosimy o opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "prosimy o wystawienie",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "wdzięczni za opini",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "oceń nas",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ocenić nas",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "napisz recenzj",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "napisać recenzj",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "podzielić się opinią",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nasze promocje",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "aktualne promocje",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "wyprzedaż",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "oferta specjalna",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "specjalną ofertę",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nasze nowe produkty",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nowości w naszej ofercie",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "obserwuj nas",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zamówić bezpośrednio",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zamów bezpośrednio",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "kupić bezpośrednio u nas",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "w naszym sklepie internetowym",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "na naszej stronie",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "przez whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "na whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zadzwonić do nas",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zadzwoń do nas",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zadzwonić pod",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zadzwoń pod",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "zadzwonimy do",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "prosimy o telefon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "kontakt telefoniczny",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "poza amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "poza platformą",
    },
];

struct Polish;

impl LocalePack for Polish {
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
impl TipsInLanguage for Polish {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Polish, tips);
