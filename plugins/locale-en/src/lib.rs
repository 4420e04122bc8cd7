//! English language and culture pack (US, GB, CA, AU, IE).
//!
//! Every scenario of the SDK's catalogue in plain, friendly English that reads naturally on
//! both sides of the Atlantic (no spellings that differ between US and British English).
//! Each market writes money, dates and times its own way: $1,234.56 and 7/10/2025 at
//! 12:15 PM (Eastern) in the US, £1,234.56 and 10/07/2025 at 17:15 in Great Britain,
//! 2025-07-10 in Canada, Sydney time in Australia, €1,234.56 in Ireland. Data in [`PACK`],
//! the `LocalePack` implementation forwards to it.

use helloword_sdk::locale::kit::{
    MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, Zone, zone,
};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// US Eastern time: where most US buyers live, and the time US marketplaces keep.
const EASTERN: Zone = zone!("America/New_York");

/// The pack.
pub const PACK: Pack = Pack {
    language: "en",
    direction: Direction::LeftToRight,
    markets: &[
        market(
            "US",
            &[
                ("USD", "$"),
                ("CAD", "CA$"),
                ("AUD", "A$"),
                ("GBP", "£"),
                ("EUR", "€"),
            ],
            "{M}/{D}/{YYYY}",
            "{h}:{mm} {ampm}",
            EASTERN,
        ),
        market(
            "GB",
            &[("GBP", "£"), ("EUR", "€"), ("USD", "US$")],
            "{DD}/{MM}/{YYYY}",
            "{hh}:{mm}",
            zone!("Europe/London"),
        ),
        // Canada: ISO dates (the Government of Canada's recommended all-numeric form), 12-hour clock.
        market(
            "CA",
            &[("CAD", "$"), ("USD", "US$")],
            "{YYYY}-{MM}-{DD}",
            "{h}:{mm} {ampm}",
            // Eastern time, where most Canadian buyers live.
            zone!("America/Toronto"),
        ),
        // Australia: Sydney time, AEST (UTC+10) and in the southern summer AEDT (UTC+11, from
        // the first Sunday of October to the first Sunday of April).
        market(
            "AU",
            &[("AUD", "$"), ("NZD", "NZ$"), ("USD", "US$")],
            "{DD}/{MM}/{YYYY}",
            "{h}:{mm} {ampm}",
            zone!("Australia/Sydney"),
        ),
        market(
            "IE",
            &[("EUR", "€"), ("GBP", "£"), ("USD", "US$")],
            "{DD}/{MM}/{YYYY}",
            "{hh}:{mm}",
            zone!("Europe/Dublin"),
        ),
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "the", "and", "you", "your", "our", "us", "are", "have", "has", "with", "for", "this",
        "that", "would", "could", "should", "please", "thank", "thanks", "sorry", "been", "they",
        "from", "which", "what", "when", "there", "hello", "regards", "any", "here", "order",
        "item", "refund", "package", "shipment", "delivery", "received", "know", "get", "if",
        "about", "between", "find", "send", "them", "their", "these", "also", "very", "how", "who",
        "why", "where", "than", "then", "into",
    ],
};

/// Every English-speaking market writes $1,234.56: symbol first, comma for thousands.
const fn market(
    code: &'static str,
    symbols: &'static [(&'static str, &'static str)],
    date: &'static str,
    time: &'static str,
    zone: Zone,
) -> MarketFormat {
    MarketFormat {
        market: code,
        money: MoneyFormat {
            decimal: ".",
            group: ",",
            pattern: "{symbol}{amount}",
            symbols,
        },
        date,
        time,
        datetime: "{date} at {time}",
        zone,
    }
}

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Hello {buyer-name},\n\n",
                $body,
                "\n\nKind regards,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "Your order {order-number}: marked as delivered by the carrier",
        "We're sorry your order hasn't reached you yet. According to {carrier}, shipment {tracking-number} was \
         delivered on {delivered-at:date} at {delivered-at:time}; you can see the proof of delivery here: \
         {tracking-url}. Could you please check around your home for any safe place where the driver may have \
         left it, and ask the people next door or in your building whether they took it in for you? \
         In the meantime, we have opened an investigation with {carrier} and will get back to you with the \
         outcome by {answer-by} at the latest."
    ),
    template!(
        "lost-parcel",
        "Your order {order-number}: your package was lost in transit",
        "We're very sorry: {carrier} has confirmed that your shipment {tracking-number} was lost in transit. \
         There is nothing you need to do. Please let us know by {answer-by} whether you would like a replacement \
         or a full refund; if we don't hear from you by then, we will refund you in full automatically."
    ),
    template!(
        "logistics-delay",
        "Your order {order-number}: delivery delayed",
        "Unfortunately, your shipment {tracking-number} with {carrier} is running late. The new estimated \
         delivery date is {expected-at:date}, and you can follow its progress at any time here: {tracking-url}. \
         We are keeping an eye on it and will let you know if anything changes."
    ),
    template!(
        "customs-hold",
        "Your order {order-number}: held at customs",
        "Your shipment {tracking-number} is currently being checked by customs. This is a routine step and \
         usually takes two to five business days. If customs needs any documents or a payment of duties or taxes \
         from you, {carrier} will contact you directly. You can check the status here: {tracking-url}."
    ),
    template!(
        "damaged-item",
        "Your order {order-number}: damaged item",
        "We're sorry your item arrived damaged. We are sending you a replacement right away by express shipping, \
         free of charge. There is no need to return the damaged item."
    ),
    template!(
        "wrong-item",
        "Your order {order-number}: wrong item delivered",
        "We're sorry you received the wrong item. The correct one is going out to you today by express \
         shipping. You are welcome to keep or donate the item you received; there is no need to send it back."
    ),
    template!(
        "quality-problem",
        "Your order {order-number}: the problem you reported",
        "Thank you for letting us know, and we're sorry the item hasn't lived up to your expectations. Could \
         you tell us briefly what exactly is wrong or not working? We are happy to send you a free replacement \
         or give you a refund, whichever you prefer."
    ),
    template!(
        "evidence-request",
        "Your order {order-number}: photos to help us sort this out",
        "So that we can help you quickly, could you please send us two or three photos or a short video showing \
         the problem with the item and its packaging by {answer-by}? Simply reply to this message with the files \
         attached."
    ),
    template!(
        "refund-confirmation",
        "Your order {order-number}: refund issued",
        "We have just refunded {amount} to you. Depending on your bank and payment method, it should show on \
         your statement within three to five business days."
    ),
    template!(
        "replacement-shipped",
        "Your order {order-number}: your replacement is on its way",
        "Your replacement has been sent by express shipping with {carrier}; the tracking number is \
         {tracking-number}. You can follow it here: {tracking-url}."
    ),
    template!(
        "partial-refund-offer",
        "Your order {order-number}: our offer to make this right",
        "To make up for the trouble, we would like to offer you a partial refund of {amount}, and of course you \
         keep the item. If you would rather have a coupon, you can use the code {coupon-code}, worth \
         {coupon-amount}, on your next order. Just reply and let us know which option you prefer."
    ),
    template!(
        "settlement-offer",
        "Your order {order-number}: let us resolve this for you directly",
        "We would like to resolve this for you right away and without any hassle: as soon as you confirm, we \
         will refund you {amount}. This is quicker than going through a claim with the marketplace, and we will \
         issue the refund the same day."
    ),
    template!(
        "off-hours-ack",
        "We have received your message about order {order-number}",
        "Thank you for your message. Our team is away at the moment, and one of us will reply to you personally \
         by {answer-by} at the latest."
    ),
    template!(
        "follow-up-check",
        "Your order {order-number}: is everything all right now?",
        "We just wanted to make sure our solution reached you and that everything is now in order. If anything \
         is still missing, simply reply to this message."
    ),
    template!(
        "proactive-care",
        "Your order {order-number}: we're keeping an eye on your shipment",
        "Your shipment {tracking-number} with {carrier} is taking longer than usual. We are following it \
         closely and will get in touch before you need to ask. You can see the latest status here: \
         {tracking-url}."
    ),
    template!(
        "return-instructions",
        "Your order {order-number}: how to return your item",
        "You can get your free return label here: {return-url}. Please send the item back by \
         {return-by:date}. As soon as it reaches us, we will refund you within two business days."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["US"],
        title: "Solution first",
        text: "Open with what you are doing about the problem, then explain; US buyers expect a fast, friendly, \
               can-do answer, ideally within a few hours.",
        translations: &[(
            "zh-CN",
            "先给解决方案",
            "先说明你正在如何解决问题，再作解释；美国买家期待快速、友好、积极主动的回答，最好在几小时内回复。",
        )],
    },
    Tip {
        markets: &["US"],
        title: "Easy returns are expected",
        text: "Free, no-questions-asked returns are the norm; asking a buyer to justify a return or pay return \
               shipping reads as hostile.",
        translations: &[(
            "zh-CN",
            "买家默认退货很方便",
            "免费、无需理由的退货是常态；要求买家说明退货理由或承担退货运费，会显得带有敌意。",
        )],
    },
    Tip {
        markets: &["US", "CA"],
        title: "Several time zones",
        text: "Times in templates are Eastern; if the buyer is on the West Coast or in the Mountain zone, say \
               \"Eastern time\" or give a date rather than an hour.",
        translations: &[(
            "zh-CN",
            "多个时区",
            "模板中的时间是美国东部时间；如果买家在西海岸或山地时区，请注明“Eastern time”（东部时间），或只给日期而不给具体钟点。",
        )],
    },
    Tip {
        markets: &["GB"],
        title: "Understated politeness",
        text: "Keep the tone calm and modest: no hype, few exclamation marks, \"please\" and \"thank you\" \
               throughout; over-enthusiasm sounds insincere.",
        translations: &[(
            "zh-CN",
            "含蓄的礼貌",
            "语气保持平和、谦逊：不要夸大其词，少用感叹号，通篇使用“please”和“thank you”；过度热情会显得不真诚。",
        )],
    },
    Tip {
        markets: &["GB"],
        title: "Consumer rights are known",
        text: "Buyers know the 14-day cancellation right and the 30-day right to reject faulty goods under the \
               Consumer Rights Act; acknowledge them rather than quoting your own policy.",
        translations: &[(
            "zh-CN",
            "买家了解自己的消费者权利",
            "买家知道 14 天取消权，以及《消费者权利法》（Consumer Rights Act）规定的 30 天内拒收有缺陷商品的权利；应承认这些权利，而不是引用你自己的政策。",
        )],
    },
    Tip {
        markets: &["GB", "IE", "AU"],
        title: "British spelling",
        text: "When writing free text, use British spelling (colour, apologise, cheque) and day-month dates; \
               American spelling looks careless.",
        translations: &[(
            "zh-CN",
            "英式拼写",
            "撰写自由文本时，请使用英式拼写（colour、apologise、cheque）和“日-月”顺序的日期；美式拼写会显得粗心。",
        )],
    },
    Tip {
        markets: &["CA"],
        title: "Polite and warm",
        text: "Canadian buyers expect courteous, patient answers; a sincere apology goes a long way. Buyers in \
               Quebec may prefer French: answer in the language they wrote in.",
        translations: &[(
            "zh-CN",
            "礼貌而热情",
            "加拿大买家期待有礼貌、有耐心的回答；真诚的道歉很管用。魁北克的买家可能更喜欢法语：请用买家来信所用的语言回复。",
        )],
    },
    Tip {
        markets: &["CA"],
        title: "Cross-border fees",
        text: "Duties and brokerage fees charged by carriers on parcels from the US are a frequent complaint; \
               make clear whether amounts are in Canadian or US dollars.",
        translations: &[(
            "zh-CN",
            "跨境费用",
            "承运商对从美国寄来的包裹收取的关税和清关代理费是常见的投诉点；请写清金额是加元还是美元。",
        )],
    },
    Tip {
        markets: &["AU"],
        title: "Relaxed and direct",
        text: "Australians prefer a plain-spoken, friendly tone over corporate formality; get to the point and \
               be straightforward about what went wrong.",
        translations: &[(
            "zh-CN",
            "轻松而直接",
            "澳大利亚人喜欢朴实、友好的语气，而不是公司式的客套；开门见山，坦率说明出了什么问题。",
        )],
    },
    Tip {
        markets: &["AU"],
        title: "Consumer guarantees",
        text: "Under the Australian Consumer Law a major fault entitles the buyer to a refund or replacement; \
               never write \"no refunds\". Deliveries take longer across the country, so give realistic dates.",
        translations: &[(
            "zh-CN",
            "消费者保障",
            "根据《澳大利亚消费者法》（Australian Consumer Law），商品存在重大缺陷时买家有权退款或换货；绝不要写“no refunds”（概不退款）。在澳大利亚境内派送耗时较长，请给出切合实际的日期。",
        )],
    },
    Tip {
        markets: &["AU"],
        title: "Time zones",
        text: "Times are written in Sydney time (AEDT in the southern summer, AEST otherwise). \
               Queensland keeps AEST all year, so in summer it is an hour behind Sydney, and Perth is \
               two to three hours behind: name the time zone when a time matters.",
        translations: &[(
            "zh-CN",
            "时区",
            "时间按悉尼时间书写（南半球夏季为 AEDT，其余时间为 AEST）。昆士兰全年使用 AEST，因此夏季比悉尼晚一小时，珀斯则比悉尼晚两到三小时：时间很重要时，请注明时区。",
        )],
    },
    Tip {
        markets: &["IE"],
        title: "Warm and personal",
        text: "Irish buyers respond well to a friendly, conversational tone and a real name in the signature; \
               stiff corporate wording feels cold.",
        translations: &[(
            "zh-CN",
            "热情而亲切",
            "爱尔兰买家喜欢友好、聊天式的语气和署名中的真实姓名；生硬的公司式措辞让人觉得冷淡。",
        )],
    },
    Tip {
        markets: &["IE"],
        title: "Ireland is not the UK",
        text: "Ireland is in the EU and pays in euro; buyers have the 14-day withdrawal right and the two-year \
               guarantee. Parcels sent from Great Britain can now incur customs charges and VAT.",
        translations: &[(
            "zh-CN",
            "爱尔兰不是英国",
            "爱尔兰是欧盟成员国，使用欧元；买家享有 14 天撤销权和两年保修。从大不列颠寄出的包裹现在可能产生关税和增值税。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "chang* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "chang* your feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "chang* your rating",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "updat* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "updat* your feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "updat* your rating",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "revis* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "amend* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "edit your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "edit your feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* your feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* your rating",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* the review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* the feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* the negative review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* the negative feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* the negative rating",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "remov* your negative",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "delet* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "delet* your feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "delet* the review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "withdraw* your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "take down your review",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "take your review down",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a positive review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a good review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a great review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a 5-star",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a 5 star",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a five-star",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for a five star",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for positive feedback",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in exchange for a review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in exchange for your review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in exchange for a positive",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in exchange for positive",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in return for a review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "in return for a positive",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for leaving a review",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for leaving a positive",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "for leaving feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave a review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave us a review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave a positive",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave a rating",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave us feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "leave positive feedback",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "writ* a review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "writ* us a review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "please rate us",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "please review us",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "rate your purchase",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "give us 5 stars",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "give us five stars",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "appreciate a review",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "appreciate a positive",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "newsletter",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "special offer",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "exclusive offer",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "exclusive discount",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "limited-time offer",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "limited time offer",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "our new products",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "our latest products",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "new collection",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "check out our",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "subscribe to our",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "sign up for our",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "follow us on",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "flash sale",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "order directly from us",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "buy directly from us",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "purchase directly from us",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "our online store",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "our online shop",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "our website",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "our web shop",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "on whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "via whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call us at",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call us on",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call us directly",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call us any time",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call us anytime",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call our hotline",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "call our customer service",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ring us on",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "send us a text",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "email us at",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "email us directly",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "e-mail us at",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "give us a call",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "phone us at",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "phone us on",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "outside of amazon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "outside amazon",
    },
];

struct English;

impl LocalePack for English {
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
impl TipsInLanguage for English {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(English, tips);
