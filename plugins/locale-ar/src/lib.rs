//! Arabic language and culture pack (SA, AE, EG), written right to left.
//!
//! Every scenario of the SDK's catalogue in Modern Standard Arabic, which buyers in all three
//! markets read. The buyer is greeted with the neutral "مرحباً {buyer-name}،" and addressed in
//! the respectful plural (طلبكم، لكم), which also spares the agent from guessing the buyer's
//! gender; messages close with "مع أطيب التحيات". Amounts use Western digits with the local
//! currency after them (1,234.56 ر.س.), dates are DD/MM/YYYY and times 24-hour in each market's
//! time. Data in [`PACK`], the `LocalePack` implementation forwards to it, as in the German
//! reference pack.

use helloword_sdk::locale::kit::{
    MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, Zone, zone,
};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "ar",
    direction: Direction::RightToLeft,
    markets: &[
        // Saudi Arabia: UTC+3 all year.
        market("SA", &[("SAR", "ر.س."), ("USD", "$")], zone!("Asia/Riyadh")),
        // United Arab Emirates: UTC+4 all year.
        market("AE", &[("AED", "د.إ."), ("USD", "$")], zone!("Asia/Dubai")),
        // Egypt: UTC+2, and summer time again since 2023 (UTC+3 from the last Friday of April
        // to the last Thursday of October), which the zone's rules carry.
        market(
            "EG",
            &[("EGP", "ج.م."), ("USD", "$")],
            zone!("Africa/Cairo"),
        ),
    ],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    markers: &[
        "في",
        "من",
        "على",
        "إلى",
        "عن",
        "مع",
        "أن",
        "أو",
        "هذا",
        "هذه",
        "التي",
        "الذي",
        "قد",
        "تم",
        "لا",
        "نحن",
        "لكم",
        "إليكم",
        "منكم",
        "معكم",
        "شكرا",
        "شكراً",
        "مرحبا",
        "مرحباً",
        "طلبك",
        "طلبكم",
        "يرجى",
        "يُرجى",
        "نرجو",
        "نعتذر",
        "خلال",
        "عبر",
        "الشحنة",
        "المنتج",
        "المبلغ",
        "أطيب",
        "التحيات",
    ],
};

/// A market of the pack. Amounts are written with Western digits (1,234.56), the usual
/// choice in Gulf and Egyptian e-commerce and on the marketplaces themselves; Eastern Arabic
/// digits (١٬٢٣٤٫٥٦) would also be correct Arabic but clash with order and tracking numbers,
/// which are always Western.
const fn market(
    code: &'static str,
    symbols: &'static [(&'static str, &'static str)],
    zone: Zone,
) -> MarketFormat {
    MarketFormat {
        market: code,
        money: MoneyFormat {
            decimal: ".",
            group: ",",
            pattern: "{amount} {symbol}",
            symbols,
        },
        date: "{DD}/{MM}/{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} الساعة {time}",
        zone,
    }
}

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "مرحباً {buyer-name}،\n\n",
                $body,
                "\n\nمع أطيب التحيات،\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "طلبكم رقم {order-number}: حالة التسليم حسب بيانات التتبع",
        "نأسف لعدم وصول طلبكم إليكم حتى الآن. تُظهر بيانات {carrier} أن شحنتكم رقم {tracking-number} قد سُلِّمت \
         بتاريخ {delivered-at}، ويمكنكم الاطلاع على إثبات التسليم عبر الرابط التالي:\n{tracking-url}\n\n\
         نرجو منكم التحقق من صندوق البريد ومكان ترك الطرود، وسؤال الجيران أو حارس المبنى، فربما استلم أحدهم \
         الشحنة نيابةً عنكم. وفي الوقت نفسه فتحنا تحقيقاً مع {carrier}، وسنوافيكم بالنتيجة في موعد أقصاه {answer-by}."
    ),
    template!(
        "lost-parcel",
        "طلبكم رقم {order-number}: فقدان الشحنة",
        "نعتذر إليكم بشدة؛ فقد أكدت لنا شركة {carrier} فقدان شحنتكم رقم {tracking-number} أثناء النقل.\n\n\
         لا يلزمكم القيام بأي إجراء آخر، ونرجو فقط أن تخبرونا في موعد أقصاه {answer-by} إن كنتم تفضلون إرسال منتج \
         بديل أو استرداد المبلغ كاملاً. وإن لم يصلنا ردكم حتى ذلك الموعد، فسنرد إليكم ثمن الطلب كاملاً تلقائياً."
    ),
    template!(
        "logistics-delay",
        "طلبكم رقم {order-number}: تأخر في التوصيل",
        "نعتذر عن تأخر شحنتكم رقم {tracking-number} لدى {carrier}. الموعد المتوقع الجديد للتسليم هو \
         {expected-at:date}، ويمكنكم متابعة حالة الشحنة في أي وقت عبر الرابط التالي:\n{tracking-url}\n\n\
         نحن نتابع الشحنة باستمرار، وسنبلغكم فوراً بأي مستجدات."
    ),
    template!(
        "customs-hold",
        "طلبكم رقم {order-number}: الشحنة لدى الجمارك",
        "شحنتكم رقم {tracking-number} قيد الفحص حالياً لدى الجمارك، وهو إجراء معتاد في الشحنات الدولية يستغرق \
         عادةً من يومين إلى خمسة أيام عمل.\n\n\
         إذا احتاجت الجمارك إلى مستندات أو رسوم منكم، فستتواصل معكم شركة {carrier} مباشرةً. ويمكنكم متابعة حالة \
         الشحنة عبر الرابط التالي:\n{tracking-url}"
    ),
    template!(
        "damaged-item",
        "طلبكم رقم {order-number}: وصول المنتج تالفاً",
        "نعتذر إليكم بشدة عن وصول المنتج تالفاً. سنرسل إليكم منتجاً بديلاً فوراً عبر الشحن السريع ودون أي تكلفة، \
         ولا حاجة إلى إعادة المنتج التالف."
    ),
    template!(
        "wrong-item",
        "طلبكم رقم {order-number}: وصول منتج غير الذي طلبتموه",
        "نعتذر إليكم عن وصول منتج غير الذي طلبتموه. سنشحن إليكم المنتج الصحيح اليوم عبر الشحن السريع، ولا داعي \
         لإعادة المنتج الذي وصلكم بالخطأ؛ يمكنكم الاحتفاظ به أو التبرع به."
    ),
    template!(
        "quality-problem",
        "طلبكم رقم {order-number}: ملاحظتكم حول المنتج",
        "شكراً لإبلاغنا، ونعتذر لأن المنتج لم يكن عند حسن ظنكم. نرجو أن تصفوا لنا باختصار المشكلة التي \
         واجهتموها بالتحديد، ويسعدنا أن نقدم لكم منتجاً بديلاً مجاناً أو نرد إليكم المبلغ، حسب ما تفضلونه."
    ),
    template!(
        "evidence-request",
        "طلبكم رقم {order-number}: صور للمساعدة في حل المشكلة",
        "حتى نتمكن من مساعدتكم بسرعة، نرجو إرسال صورتين أو ثلاث صور، أو مقطع فيديو قصير، للمنتج والتغليف \
         توضح المشكلة، وذلك في موعد أقصاه {answer-by}. يكفي الرد على هذه الرسالة مع إرفاق الملفات."
    ),
    template!(
        "refund-confirmation",
        "طلبكم رقم {order-number}: تم رد المبلغ",
        "تم للتو رد مبلغ {amount} إليكم. وبحسب البنك ووسيلة الدفع، سيظهر المبلغ في حسابكم خلال ثلاثة إلى خمسة \
         أيام عمل."
    ),
    template!(
        "replacement-shipped",
        "طلبكم رقم {order-number}: المنتج البديل في الطريق إليكم",
        "تم شحن المنتج البديل إليكم عبر الشحن السريع مع {carrier}.\n\n\
         رقم التتبع: {tracking-number}\n\
         رابط التتبع: {tracking-url}"
    ),
    template!(
        "partial-refund-offer",
        "طلبكم رقم {order-number}: عرض لتعويضكم",
        "اعتذاراً منا عمّا حدث، نعرض عليكم رد جزء من المبلغ بقيمة {amount} مع احتفاظكم بالمنتج. وإن كنتم تفضلون \
         قسيمة شرائية، فيمكنكم استخدام الرمز {coupon-code} بقيمة {coupon-amount} في طلبكم القادم. يكفي أن \
         تردوا على هذه الرسالة بالخيار الذي تفضلونه."
    ),
    template!(
        "settlement-offer",
        "طلبكم رقم {order-number}: نحل المشكلة مباشرةً",
        "نود حل مشكلتكم فوراً ودون أي تعقيد، وسنرد إليكم مبلغ {amount} بمجرد تأكيدكم. هذا أسرع من انتظار إجراءات \
         المطالبة عبر منصة البيع، وسننفذ الاسترداد في يوم تأكيدكم نفسه."
    ),
    template!(
        "off-hours-ack",
        "طلبكم رقم {order-number}: وصلتنا رسالتكم",
        "شكراً لرسالتكم. فريقنا خارج ساعات العمل حالياً، وسيرد عليكم أحد موظفينا شخصياً في موعد أقصاه {answer-by}."
    ),
    template!(
        "follow-up-check",
        "طلبكم رقم {order-number}: هل كل شيء على ما يرام؟",
        "نود التأكد من أن الحل الذي قدمناه قد وصلكم وأن كل شيء على ما يرام. وإن بقي أي أمر لم يُحل بعد، فيكفي \
         الرد على هذه الرسالة."
    ),
    template!(
        "proactive-care",
        "طلبكم رقم {order-number}: نتابع شحنتكم",
        "تستغرق شحنتكم رقم {tracking-number} مع {carrier} وقتاً أطول من المعتاد. نحن نتابعها باهتمام، وسنتواصل \
         معكم قبل أن تحتاجوا إلى السؤال عنها. ويمكنكم الاطلاع على حالتها عبر الرابط التالي:\n{tracking-url}"
    ),
    template!(
        "return-instructions",
        "طلبكم رقم {order-number}: خطوات إرجاع المنتج",
        "تجدون ملصق الإرجاع المجاني عبر الرابط التالي:\n{return-url}\n\n\
         يُرجى إرسال المنتج في موعد أقصاه {return-by:date}. وبمجرد وصول الشحنة إلينا، سنرد إليكم المبلغ خلال يومي \
         عمل."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Greet and show respect",
        text: "Open with a greeting and thank the buyer before anything else; a curt, purely factual answer reads as cold. Use the respectful plural (طلبكم، لكم): it is polite and avoids guessing the buyer's gender, which Arabic grammar would otherwise force.",
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Right-to-left with numbers and Latin text",
        text: "Messages render right to left, but amounts, dates, tracking numbers, order numbers and URLs run left to right inside them. Keep tracking numbers and links on their own line or at the end of a sentence so they are not visually reordered, and never retype them by hand.",
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Prayer times and Friday",
        text: "Do not expect replies, calls or deliveries during Friday midday prayer or at prayer times, and do not promise them. Friday is the main weekly day off (in the UAE the weekend is Saturday–Sunday, with a short Friday); count business days accordingly.",
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Ramadan hours",
        text: "During Ramadan shops, couriers and buyers shift to the evening: deliveries slow down, buyers are often active late at night, and a promised time should allow for it. A short \"رمضان كريم\" at the start is welcome; Eid holidays stop deliveries for several days.",
    },
    Tip {
        markets: &["SA"],
        title: "Couriers call before delivering",
        text: "Saudi couriers usually phone the buyer before delivery and many buyers use the national address only loosely; a 'delivered' or 'failed delivery' status often means a missed call. Suggest checking the address and phone number in the marketplace account.",
    },
    Tip {
        markets: &["AE"],
        title: "An international audience",
        text: "Most UAE residents are expatriates: if the buyer writes in English, answer in English rather than Arabic. Expectations of speed are high; next-day delivery is the norm in Dubai and Abu Dhabi.",
    },
    Tip {
        markets: &["EG"],
        title: "Cash on delivery and price sensitivity",
        text: "Cash on delivery is still the most common payment in Egypt and buyers are sensitive to prices after recent devaluations; state refund amounts exactly, in EGP, and explain that card refunds can take a while to appear.",
    },
    Tip {
        markets: &["EG"],
        title: "Summer time",
        text: "From the last Friday of April to the last Thursday of October Egypt is on summer time (UTC+3), reinstated in 2023 after years without it; times in the templates follow it, but a buyer's phone or an older system may still show the hour before. Give a date with the time when it matters.",
    },
];

// Arabic attaches prefixes to words (و "and", ب "by", ل "to", ال "the") and suffixes for
// pronouns (تقييمكم "your review"): a leading `*` lets a phrase start after a prefix, a `*`
// inside one lets "حذف *تقييم" match "حذف التقييم" and "حذف تقييمكم" alike. Phrases are
// written without short vowels, as agents type them, plus a few common voweled variants.
const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تعديل *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تعدل* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تعدّل* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تغيير *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*حذف* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*إزالة *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*ازالة *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تزيل* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*مسح* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*سحب *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*حذف* *مراجع",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "*تعديل *مراجع",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*مقابل *تقييم",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*مقابل *مراجع",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*مقابل 5 نجوم",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*مقابل خمس نجوم",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*إذا قيمتم",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*اذا قيمتم",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "*إذا قيّمتم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*ترك* *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*ترك* لنا *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*ترك* *مراجع",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*كتابة *تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*كتابة *مراجع",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "يرجى تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "يُرجى تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "نرجو تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "نرجو منكم تقييم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "قيمونا",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "قيّمونا",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "*يسعدنا تقييمكم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "بانتظار تقييمكم",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "نسعد بتقييمكم",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*النشرة البريدية",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*نشرتنا البريدية",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "عروض حصرية",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*عروضنا",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*منتجاتنا الجديدة",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*تخفيضات",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "خصومات حصرية",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "*اشترك* في",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*واتساب",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*واتس اب",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*اتصل* بنا",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*الاتصال بنا",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*موقعنا الإلكتروني",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*موقعنا الالكتروني",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*متجرنا الإلكتروني",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*متجرنا الالكتروني",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*بريدنا الإلكتروني",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*اطلبوا مباشرة",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*خارج المنصة",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "*هاتفيا",
    },
];

struct Arabic;

impl LocalePack for Arabic {
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

helloword_sdk::export_locale!(Arabic);
