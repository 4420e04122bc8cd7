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
    RenderRequest, Rendered, TipsInLanguage,
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
        translations: &[(
            "zh-CN",
            "问候并表示尊重",
            "先问候买家并致谢，再谈其他事情；生硬、只讲事实的回答会显得冷淡。使用表示尊敬的复数形式（طلبكم، لكم）：既礼貌，又不必猜测买家的性别，否则阿拉伯语语法会迫使你做出区分。",
        )],
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Right-to-left with numbers and Latin text",
        text: "Messages render right to left, but amounts, dates, tracking numbers, order numbers and URLs run left to right inside them. Keep tracking numbers and links on their own line or at the end of a sentence so they are not visually reordered, and never retype them by hand.",
        translations: &[(
            "zh-CN",
            "从右到左的文字中夹有数字和拉丁字母",
            "消息从右向左显示，但其中的金额、日期、物流单号、订单号和网址是从左向右排列的。请把物流单号和链接单独放一行或放在句末，以免显示顺序被打乱；切勿手动重新输入它们。",
        )],
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Prayer times and Friday",
        text: "Do not expect replies, calls or deliveries during Friday midday prayer or at prayer times, and do not promise them. Friday is the main weekly day off (in the UAE the weekend is Saturday–Sunday, with a short Friday); count business days accordingly.",
        translations: &[(
            "zh-CN",
            "礼拜时间与周五",
            "不要指望在周五正午礼拜或其他礼拜时间得到回复、电话或派送，也不要作此承诺。周五是每周主要的休息日（阿联酋的周末是周六和周日，周五工作时间较短）；计算工作日时请考虑这一点。",
        )],
    },
    Tip {
        markets: &["SA", "AE", "EG"],
        title: "Ramadan hours",
        text: "During Ramadan shops, couriers and buyers shift to the evening: deliveries slow down, buyers are often active late at night, and a promised time should allow for it. A short \"رمضان كريم\" at the start is welcome; Eid holidays stop deliveries for several days.",
        translations: &[(
            "zh-CN",
            "斋月作息",
            "斋月期间，商店、快递员和买家的活动都移到晚上：派送会变慢，买家常在深夜才上线，承诺的时间要留出余地。开头简短写一句“رمضان كريم”（斋月吉祥）会受欢迎；开斋节和宰牲节假期会使派送停摆数日。",
        )],
    },
    Tip {
        markets: &["SA"],
        title: "Couriers call before delivering",
        text: "Saudi couriers usually phone the buyer before delivery and many buyers use the national address only loosely; a 'delivered' or 'failed delivery' status often means a missed call. Suggest checking the address and phone number in the marketplace account.",
        translations: &[(
            "zh-CN",
            "快递员送货前会先打电话",
            "沙特的快递员通常在派送前给买家打电话，而许多买家填写国家地址（national address）时并不严格；“已送达”或“派送失败”的状态往往意味着买家错过了一通电话。建议买家核对其平台账户中的地址和电话号码。",
        )],
    },
    Tip {
        markets: &["AE"],
        title: "An international audience",
        text: "Most UAE residents are expatriates: if the buyer writes in English, answer in English rather than Arabic. Expectations of speed are high; next-day delivery is the norm in Dubai and Abu Dhabi.",
        translations: &[(
            "zh-CN",
            "面向国际化的买家",
            "阿联酋居民大多是外籍人士：如果买家用英语来信，请用英语而不是阿拉伯语回复。买家对速度的期望很高；在迪拜和阿布扎比，次日达是常态。",
        )],
    },
    Tip {
        markets: &["EG"],
        title: "Cash on delivery and price sensitivity",
        text: "Cash on delivery is still the most common payment in Egypt and buyers are sensitive to prices after recent devaluations; state refund amounts exactly, in EGP, and explain that card refunds can take a while to appear.",
        translations: &[(
            "zh-CN",
            "货到付款与价格敏感",
            "货到付款仍是埃及最常见的支付方式，而且近年货币贬值后买家对价格很敏感；请准确写明以埃及镑（EGP）计的退款金额，并说明银行卡退款可能要过一段时间才会到账。",
        )],
    },
    Tip {
        markets: &["EG"],
        title: "Summer time",
        text: "From the last Friday of April to the last Thursday of October Egypt is on summer time (UTC+3), reinstated in 2023 after years without it; times in the templates follow it, but a buyer's phone or an older system may still show the hour before. Give a date with the time when it matters.",
        translations: &[(
            "zh-CN",
            "夏令时",
            "埃及在停用多年后于 2023 年恢复夏令时：从四月的最后一个周五到十月的最后一个周四使用夏令时（UTC+3）。模板中的时间已按此计算，但买家的手机或较旧的系统可能仍显示早一小时的时间。时间很重要时，请同时写明日期。",
        )],
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

/// Tips in the agent's language: the Chinese of every tip for the Chinese dashboard.
impl TipsInLanguage for Arabic {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Arabic, tips);
