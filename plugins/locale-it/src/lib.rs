//! Italian language and culture pack (IT).
//!
//! Every scenario of the SDK's catalogue in courteous Italian with the formal "Lei" (written
//! with the traditional capital: Le, La, Suo). Amounts as 1.234,56 €, dates as 10/07/2025
//! alle ore 18:15 in Central European time. Deadlines read "entro le ore 10:30 del giorno
//! 11/07/2025" and dates "in data …" or "il giorno …", which avoids the elision a bare
//! article would need before 8 and 11 ("l'11/07"). Data in [`PACK`], the `LocalePack`
//! implementation forwards to it.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "it",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "IT",
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{amount} {symbol}",
            symbols: &[("EUR", "€"), ("CHF", "CHF"), ("USD", "$"), ("GBP", "£")],
        },
        date: "{DD}/{MM}/{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} alle ore {time}",
        zone: zone!("Europe/Rome"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "della",
        "delle",
        "degli",
        "dello",
        "nel",
        "nella",
        "sono",
        "siamo",
        "abbiamo",
        "grazie",
        "buongiorno",
        "gentile",
        "cordiali",
        "saluti",
        "ordine",
        "pacco",
        "spedizione",
        "rimborso",
        "questo",
        "questa",
        "anche",
        "molto",
        "perché",
        "però",
        "già",
        "ancora",
        "è",
        "gli",
        "dal",
        "sul",
        "suo",
        "ho",
        "oggi",
        "domani",
        "articolo",
        "più",
        "può",
        "potrebbe",
        "ecco",
        "stato",
        "che",
        "di",
        "nostro",
        "nostra",
        "nostri",
        "nostre",
        "tutto",
        "tutti",
        "subito",
        "dispiace",
        "prodotto",
        "sia",
        "nulla",
        "ogni",
        "hanno",
        "essere",
        "chiediamo",
        "informazioni",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Gentile {buyer-name},\n\n",
                $body,
                "\n\nCordiali saluti,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Ordine {order-number}: il pacco risulta consegnato",
        "Ci dispiace che il pacco non Le sia ancora arrivato. Secondo {carrier}, la spedizione {tracking-number} è \
         stata consegnata in data {delivered-at:date} alle ore {delivered-at:time} (prova di consegna: \
         {tracking-url}). La preghiamo di controllare la cassetta delle lettere e i dintorni dell'ingresso, e di \
         chiedere ai vicini o al portiere se qualcuno l'ha ritirato per Lei. Nel frattempo abbiamo avviato \
         un'indagine presso {carrier} e Le comunicheremo l'esito entro le ore {answer-by:time} del giorno \
         {answer-by:date}."
    ),
    template!(
        "lost-parcel",
        "Ordine {order-number}: pacco smarrito",
        "Siamo davvero spiacenti: {carrier} ci ha confermato che il Suo pacco {tracking-number} è andato smarrito. \
         Lei non deve fare nulla. Ci faccia sapere entro le ore {answer-by:time} del giorno {answer-by:date} se \
         preferisce ricevere un nuovo articolo o il rimborso completo; in assenza di risposta, provvederemo \
         automaticamente al rimborso."
    ),
    template!(
        "logistics-delay",
        "Ordine {order-number}: ritardo nella consegna",
        "Purtroppo la Sua spedizione {tracking-number} con {carrier} ha subito un ritardo. La nuova consegna è \
         prevista per il giorno {expected-at:date}. Può seguire lo stato della spedizione in qualsiasi momento \
         qui: {tracking-url}. Continuiamo a monitorarla e La avviseremo in caso di novità."
    ),
    template!(
        "customs-hold",
        "Ordine {order-number}: spedizione ferma in dogana",
        "La Sua spedizione {tracking-number} è attualmente sottoposta ai controlli doganali. Si tratta di una \
         procedura abituale, che di solito richiede dai due ai cinque giorni lavorativi. Se la dogana dovesse \
         richiedere documenti o il pagamento di dazi e imposte, sarà {carrier} a contattarLa direttamente. Può \
         verificare lo stato qui: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Ordine {order-number}: articolo danneggiato",
        "Ci dispiace molto che l'articolo Le sia arrivato danneggiato. Le inviamo subito un articolo sostitutivo \
         con spedizione espressa, senza alcun costo per Lei. Non è necessario restituire l'articolo danneggiato."
    ),
    template!(
        "wrong-item",
        "Ordine {order-number}: articolo errato",
        "Ci scusiamo per averLe inviato un articolo diverso da quello ordinato. L'articolo corretto parte oggi \
         stesso con spedizione espressa. Può tenere o donare l'articolo ricevuto per errore: non è necessario \
         restituirlo."
    ),
    template!(
        "quality-problem",
        "Ordine {order-number}: la Sua segnalazione sulla qualità",
        "La ringraziamo per la segnalazione e ci dispiace che l'articolo non sia all'altezza delle Sue \
         aspettative. Potrebbe descriverci brevemente che cosa non funziona esattamente? Le offriamo, come \
         preferisce, una sostituzione gratuita o il rimborso."
    ),
    template!(
        "evidence-request",
        "Ordine {order-number}: alcune foto per risolvere il problema",
        "Per aiutarLa il prima possibile, Le chiediamo di inviarci entro le ore {answer-by:time} del giorno \
         {answer-by:date} due o tre foto oppure un breve video dell'articolo e dell'imballaggio in cui si veda il \
         problema. È sufficiente rispondere a questo messaggio allegando i file."
    ),
    template!(
        "refund-confirmation",
        "Ordine {order-number}: rimborso effettuato",
        "Abbiamo appena effettuato un rimborso di {amount} a Suo favore. A seconda della banca e del metodo di \
         pagamento, l'importo sarà visibile sul Suo conto entro tre-cinque giorni lavorativi."
    ),
    template!(
        "replacement-shipped",
        "Ordine {order-number}: l'articolo sostitutivo è in viaggio",
        "Il Suo articolo sostitutivo è stato affidato a {carrier} con consegna espressa; il numero di \
         tracciamento è {tracking-number}. Può seguire la spedizione qui: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Ordine {order-number}: la nostra proposta",
        "Per scusarci del disagio, Le proponiamo un rimborso parziale di {amount}; l'articolo resta naturalmente \
         a Lei. Se preferisce un buono, può utilizzare il codice {coupon-code}, del valore di {coupon-amount}, \
         sul Suo prossimo ordine. Ci risponda semplicemente indicando la soluzione che preferisce."
    ),
    template!(
        "settlement-offer",
        "Ordine {order-number}: risolviamo subito per Lei",
        "Desideriamo risolvere la questione subito e senza complicazioni: non appena ci darà conferma, Le \
         rimborseremo {amount}. È più rapido di un reclamo tramite la piattaforma, e il rimborso verrà \
         effettuato in giornata."
    ),
    template!(
        "off-hours-ack",
        "Abbiamo ricevuto il Suo messaggio sull'ordine {order-number}",
        "La ringraziamo per il Suo messaggio. Al momento il nostro servizio clienti non è attivo: una persona \
         del nostro team Le risponderà personalmente entro le ore {answer-by:time} del giorno {answer-by:date}."
    ),
    template!(
        "follow-up-check",
        "Ordine {order-number}: è tutto a posto?",
        "Desideriamo assicurarci che la nostra soluzione Le sia arrivata e che ora sia tutto a posto. Se manca \
         ancora qualcosa, è sufficiente rispondere a questo messaggio."
    ),
    template!(
        "proactive-care",
        "Ordine {order-number}: stiamo seguendo la Sua spedizione",
        "La Sua spedizione {tracking-number} con {carrier} sta impiegando più tempo del solito. La stiamo \
         seguendo attivamente e La contatteremo prima ancora che debba chiedercelo. Può verificare lo stato \
         qui: {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Ordine {order-number}: come effettuare il reso",
        "Può scaricare l'etichetta di reso gratuita qui: {return-url}. La preghiamo di spedire l'articolo entro \
         il giorno {return-by:date}. Non appena riceveremo il pacco, effettueremo il rimborso entro due giorni \
         lavorativi."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["IT"],
        title: "Courtesy first",
        text: "Open with \"Gentile\" and the buyer's name, use the formal \"Lei\" and close with \"Cordiali \
               saluti\"; an abrupt or overly casual message is read as a lack of respect.",
        translations: &[(
            "zh-CN",
            "礼貌为先",
            "以“Gentile”加买家的名字开头，使用尊称“Lei”（您），以“Cordiali saluti”（此致敬礼）结尾；唐突或过于随意的消息会被视为不尊重。",
        )],
    },
    Tip {
        markets: &["IT"],
        title: "A personal tone",
        text: "Italian buyers respond to a human voice: acknowledge the inconvenience before the solution, \
               sign with a real name and avoid cold, bureaucratic phrasing.",
        translations: &[(
            "zh-CN",
            "亲切的语气",
            "意大利买家喜欢有人情味的声音：先承认给对方带来的不便，再给出解决方案，署上真实姓名，避免冷冰冰的官腔。",
        )],
    },
    Tip {
        markets: &["IT"],
        title: "Consumer rights are known",
        text: "Buyers know the 14-day \"diritto di recesso\" and the two-year \"garanzia legale di \
               conformità\"; acknowledge them rather than quoting your own return policy.",
        translations: &[(
            "zh-CN",
            "买家了解自己的消费者权利",
            "买家知道 14 天的“diritto di recesso”（撤销权）和两年的“garanzia legale di conformità”（法定合格保证）；应承认这些权利，而不是引用你自己的退货政策。",
        )],
    },
    Tip {
        markets: &["IT"],
        title: "Delivery habits",
        text: "Couriers often leave parcels with the building's porter (\"portiere\"), a neighbour or a \
               pick-up point such as a tobacconist; suggest checking these before opening an investigation.",
        translations: &[(
            "zh-CN",
            "派送习惯",
            "快递员常把包裹交给楼里的门房（“portiere”）、邻居，或烟草店之类的自提点；在发起调查之前，建议买家先到这些地方查看。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* la tua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cambi* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "aggiorn* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rimuov* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rimuov* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rimozione della recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* la tua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cancell* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "cancell* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ritir* la sua recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "ritir* la recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* il suo feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* il feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "rimuov* il feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "elimin* il feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* la sua valutazione",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "modific* la valutazione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio di una recensione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio della recensione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio della sua recensione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio di un feedback",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio di una valutazione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio di 5 stelle",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in cambio di cinque stelle",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per una recensione positiva",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per una buona recensione",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per una recensione a 5 stelle",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per una recensione a cinque stelle",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per un feedback positivo",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "per una valutazione positiva",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lasci* una recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lasci* un feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lasci* una valutazione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "lasci* un commento positivo",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "scriv* una recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "pubblic* una recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ci valuti",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "valutarci",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ci dia 5 stelle",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ci dia cinque stelle",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "gradiremmo una recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "gradiremmo molto una recensione",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "apprezzeremmo una recensione",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offerta speciale",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offerte speciali",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "offerta a tempo limitato",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "sconto esclusivo",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "promozione esclusiva",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "i nostri nuovi prodotti",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "le nostre novità",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "nuova collezione",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "si iscriva",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "iscriviti",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ci segua su",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "seguici su",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "i saldi",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "dei saldi",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ai saldi",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "saldi estivi",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "saldi invernali",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ordin* direttamente da noi",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "acquist* direttamente da noi",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "direttamente sul nostro sito",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "sul nostro sito",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nostro negozio online",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "nostro shop online",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "su whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "tramite whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ci chiami",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "chiamateci",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "chiamarci",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ci telefoni",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "fuori da amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "al di fuori di amazon",
    },
];

struct Italian;

impl LocalePack for Italian {
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
impl TipsInLanguage for Italian {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Italian, tips);
