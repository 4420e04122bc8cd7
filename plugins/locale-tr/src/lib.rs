//! Turkish language and culture pack (TR).
//!
//! Every scenario of the SDK's catalogue, formal address ("Sayın …", "siz"), amounts as
//! 1.234,56 ₺ and dates as 10.07.2025 with 24-hour times in Türkiye time (UTC+3, no summer
//! time since 2016). Data in [`PACK`], the `LocalePack` implementation forwards to it, as in
//! the German reference pack.
//!
//! Turkish attaches case suffixes to numbers and names by vowel harmony ("18:15'te",
//! "DHL'e"), which a template cannot know in advance; the templates therefore never put a
//! suffix on a variable: "{carrier} kayıtlarına göre", "{amount} tutarında", a datetime
//! after a label ("Teslim tarihi: …") or before "öncesinde".

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "tr",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "TR",
        // 1.234,56 ₺: point for thousands, comma for decimals. "TL" after the amount is just
        // as common in shops; the symbol is unambiguous next to euro and dollar amounts.
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{amount} {symbol}",
            symbols: &[("TRY", "₺"), ("EUR", "€"), ("USD", "$")],
        },
        date: "{DD}.{MM}.{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date} saat {time}",
        // Türkiye keeps UTC+3 all year.
        zone: zone!("Europe/Istanbul"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    // Words that other packs' languages do not share (no "de", "da", "en", "ne", "mi", "ya",
    // "var", "size", "her"), in the inflected forms messages use most.
    markers: &[
        "ve",
        "bir",
        "bu",
        "şu",
        "için",
        "ile",
        "çok",
        "olarak",
        "gibi",
        "daha",
        "sonra",
        "kadar",
        "göre",
        "değil",
        "hemen",
        "bugün",
        "içinde",
        "veya",
        "ancak",
        "biz",
        "siz",
        "bizi",
        "sizi",
        "bize",
        "sizinle",
        "yeni",
        "gün",
        "günü",
        "iş",
        "lütfen",
        "teşekkür",
        "ederiz",
        "ederim",
        "rica",
        "özür",
        "dileriz",
        "sayın",
        "saygılarımızla",
        "sipariş",
        "siparişiniz",
        "siparişinizi",
        "ürün",
        "ürünü",
        "ürününüz",
        "iade",
        "iadeniz",
        "kargo",
        "gönderiniz",
        "teslim",
        "edildi",
        "tutarı",
        "hesabınıza",
        "mesajınız",
        "yardımcı",
        "mı",
        "mu",
        "mü",
        "mısınız",
        "misiniz",
        "tarihinde",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "Sayın {buyer-name},\n\n",
                $body,
                "\n\nİyi günler dileriz.\n\nSaygılarımızla,\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "{order-number} numaralı siparişiniz: teslimat durumu",
        "Siparişinizin elinize ulaşmadığını öğrendiğimize çok üzüldük. {carrier} kayıtlarına göre \
         {tracking-number} takip numaralı gönderiniz teslim edildi olarak görünüyor.\n\n\
         Teslim tarihi: {delivered-at}\n\
         Teslimat kaydı: {tracking-url}\n\n\
         Lütfen posta kutunuzu, kapı önünü ve bina girişini kontrol edip komşularınıza ve varsa apartman ya da \
         site görevlisine de sorar mısınız? Biz de bu arada {carrier} ile birlikte bir araştırma başlattık; \
         sonucu {answer-by} öncesinde size bildireceğiz."
    ),
    template!(
        "lost-parcel",
        "{order-number} numaralı siparişiniz: gönderiniz kayboldu",
        "Yaşadığınız olumsuzluk için içtenlikle özür dileriz. {carrier} firması, {tracking-number} takip \
         numaralı gönderinizin taşıma sırasında kaybolduğunu bize teyit etti.\n\n\
         Başka bir işlem yapmanıza gerek yok; yalnızca yeni bir ürün gönderilmesini mi, yoksa ödediğiniz tutarın \
         tamamının iadesini mi tercih ettiğinizi {answer-by} öncesinde bize bildirmeniz yeterli. Bu süre içinde \
         yanıt alamazsak ödemenizin tamamını kendiliğinden iade edeceğiz."
    ),
    template!(
        "logistics-delay",
        "{order-number} numaralı siparişiniz: teslimatta gecikme",
        "{carrier} ile gönderilen {tracking-number} takip numaralı paketiniz maalesef planlanandan geç \
         ilerliyor; bu gecikme için özür dileriz.\n\n\
         Yeni tahmini teslim tarihi: {expected-at:date}\n\
         Güncel durum: {tracking-url}\n\n\
         Gönderinizi yakından takip ediyoruz; bir değişiklik olursa size hemen haber vereceğiz."
    ),
    template!(
        "customs-hold",
        "{order-number} numaralı siparişiniz: gönderiniz gümrükte",
        "{carrier} ile gönderilen {tracking-number} takip numaralı paketiniz şu anda gümrük kontrolünden \
         geçiyor. Bu, yurt dışından gelen gönderilerde olağan bir işlemdir ve genellikle iki ila beş iş günü \
         sürer.\n\n\
         Gümrük idaresi sizden belge ya da vergi ve harç ödemesi isterse {carrier} sizinle doğrudan iletişime \
         geçecektir. Güncel durumu buradan görebilirsiniz: {tracking-url}"
    ),
    template!(
        "damaged-item",
        "{order-number} numaralı siparişiniz: hasarlı ürün",
        "Ürününüzün size hasarlı ulaşmasından dolayı çok üzgünüz, özür dileriz. Yenisini hızlı kargo ile \
         ücretsiz olarak hemen gönderiyoruz. Hasarlı ürünü geri göndermenize gerek yoktur."
    ),
    template!(
        "wrong-item",
        "{order-number} numaralı siparişiniz: yanlış ürün gönderimi",
        "Size yanlış ürün gönderdiğimiz için özür dileriz. Doğru ürünü bugün hızlı kargo ile yola çıkarıyoruz. \
         Yanlış gelen ürünü geri göndermenize gerek yok; dilerseniz kendinizde tutabilir ya da ihtiyacı olan \
         birine bağışlayabilirsiniz."
    ),
    template!(
        "quality-problem",
        "{order-number} numaralı siparişiniz: ürünle ilgili bildiriminiz",
        "Bizi bilgilendirdiğiniz için teşekkür ederiz; ürünün beklentilerinizi karşılamamasına çok üzüldük. \
         Ürünün tam olarak nasıl bir sorun gösterdiğini kısaca anlatabilir misiniz? Tercihinize göre ücretsiz \
         değişim ya da para iadesi yapabiliriz."
    ),
    template!(
        "evidence-request",
        "{order-number} numaralı siparişiniz: fotoğraf ricamız",
        "Size en kısa sürede yardımcı olabilmemiz için, sorunun görüldüğü ürünün ve ambalajın iki üç \
         fotoğrafını ya da kısa bir videosunu {answer-by} öncesinde bize iletmenizi rica ederiz. Dosyaları bu \
         mesaja yanıt olarak eklemeniz yeterlidir."
    ),
    template!(
        "refund-confirmation",
        "{order-number} numaralı siparişiniz: para iadeniz yapıldı",
        "{amount} tutarındaki para iadeniz bugün tarafımızdan gerçekleştirildi. Bankanıza ve ödeme yönteminize \
         bağlı olarak tutarın hesabınıza ya da kart ekstrenize yansıması üç ila beş iş günü sürebilir."
    ),
    template!(
        "replacement-shipped",
        "{order-number} numaralı siparişiniz: yeni ürününüz yola çıktı",
        "Yeni ürününüz {carrier} ile hızlı kargo olarak yola çıktı.\n\n\
         Takip numarası: {tracking-number}\n\
         Kargo takibi: {tracking-url}"
    ),
    template!(
        "partial-refund-offer",
        "{order-number} numaralı siparişiniz: size önerimiz",
        "Yaşadığınız sorun için özür dileriz. Ürün sizde kalmak üzere {amount} tutarında kısmi para iadesi \
         yapmayı öneriyoruz. Dilerseniz bunun yerine {coupon-amount} değerindeki {coupon-code} indirim kodunu bir \
         sonraki siparişinizde kullanabilirsiniz. Hangi seçeneği tercih ettiğinizi bu mesajı yanıtlayarak \
         bildirmeniz yeterli."
    ),
    template!(
        "settlement-offer",
        "{order-number} numaralı siparişiniz: sorunu hemen çözelim",
        "Talebinizi hızlı ve zahmetsiz bir şekilde çözmek istiyoruz. Onayınızı aldığımız gün size {amount} \
         tutarında para iadesi yapacağız. Bu yol, pazaryeri üzerinden yürüyen bir inceleme sürecinden çok daha \
         hızlı sonuç verir."
    ),
    template!(
        "off-hours-ack",
        "{order-number} numaralı siparişiniz: mesajınız bize ulaştı",
        "Mesajınız için teşekkür ederiz. Ekibimiz şu anda mesai saatleri dışında; bir müşteri temsilcimiz \
         {answer-by} öncesinde size bizzat yanıt verecektir."
    ),
    template!(
        "follow-up-check",
        "{order-number} numaralı siparişiniz: her şey yolunda mı?",
        "Sunduğumuz çözümün size ulaştığından ve her şeyin yolunda olduğundan emin olmak istedik. Hâlâ eksik \
         kalan bir konu varsa bu mesajı yanıtlamanız yeterli."
    ),
    template!(
        "proactive-care",
        "{order-number} numaralı siparişiniz: gönderinizi takip ediyoruz",
        "{carrier} ile gönderilen {tracking-number} takip numaralı paketiniz normalden biraz daha uzun süredir \
         yolda. Gönderinizi yakından takip ediyoruz ve siz sormadan önce size bilgi vereceğiz. Güncel durumu \
         buradan görebilirsiniz: {tracking-url}"
    ),
    template!(
        "return-instructions",
        "{order-number} numaralı siparişiniz: iade adımları",
        "Ücretsiz iade etiketinize buradan ulaşabilirsiniz: {return-url}\n\n\
         Ürünü lütfen {return-by:date} tarihine kadar kargoya veriniz. Ürün bize ulaştıktan sonra iki iş günü \
         içinde ödemenizi iade edeceğiz."
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["TR"],
        title: "Warm and respectful",
        text: "Open with \"Sayın\" and the buyer's full name and use the formal \"siz\" throughout, never \"sen\". Warmth is expected: a sincere apology and a closing wish such as \"İyi günler dileriz\" read as good service, not as padding.",
        translations: &[(
            "zh-CN",
            "热情而尊重",
            "以“Sayın”加买家的全名开头，通篇使用正式的“siz”（您），绝不用“sen”（你）。买家期待热情：真诚的道歉和“İyi günler dileriz”（祝您愉快）这样的结尾祝福会被视为良好的服务，而不是客套话。",
        )],
    },
    Tip {
        markets: &["TR"],
        title: "Speed matters",
        text: "Turkish buyers are used to same-day answers and next-day delivery from the big local marketplaces; acknowledge a message within hours, even when the solution takes longer, and give a concrete date.",
        translations: &[(
            "zh-CN",
            "速度很重要",
            "土耳其买家习惯了本土大型电商平台的当天答复和次日达；即使解决问题需要更长时间，也要在几小时内确认收到消息，并给出具体日期。",
        )],
    },
    Tip {
        markets: &["TR"],
        title: "Cash on delivery and easy returns",
        text: "Many buyers grew up with cash on delivery (kapıda ödeme) and free returns with a carrier code. Refunds for marketplace orders always go back through the marketplace: never ask for an IBAN or bank details in a message, even if the buyer offers them.",
        translations: &[(
            "zh-CN",
            "货到付款与便捷退货",
            "许多买家习惯了货到付款（kapıda ödeme）和凭承运商退货码免费退货。平台订单的退款一律通过平台退回：绝不要在消息中索要 IBAN 或银行账户信息，即使买家主动提供也不行。",
        )],
    },
    Tip {
        markets: &["TR"],
        title: "Dotted and dotless i",
        text: "Turkish has İ/i and I/ı as different letters; copy the buyer's name exactly as given (e.g. Işık, İnci) and do not \"correct\" it to an ASCII spelling.",
        translations: &[(
            "zh-CN",
            "带点与不带点的 i",
            "土耳其语中 İ/i 和 I/ı 是不同的字母；请完全按买家提供的写法抄写其姓名（例如 Işık、İnci），不要把它“纠正”成 ASCII 拼写。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "yorum* değiştir",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "yorum* güncelle",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "yorum* sil",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "yorum* kaldır",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "yorum* geri çek",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "değerlendirme* değiştir",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "değerlendirme* güncelle",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "değerlendirme* sil",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "değerlendirme* kaldır",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "puan* değiştir",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "puan* yükselt",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "yorum* karşılığında",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "değerlendirme* karşılığında",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "yıldız karşılığında",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "puan karşılığında",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "olumlu yorum yaparsanız",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "5 yıldız verirseniz",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "beş yıldız verirseniz",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorum bırak",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorumunuzu bırak",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "değerlendirme bırak",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorum yapar mısınız",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorum yapmayı unutma",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorum yapmanızı rica",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "bizi değerlendir",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ürünü değerlendirir misiniz",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "yorumunuzu bekliyoruz",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "bülten",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "kampanyalarımız",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "yeni ürünlerimiz",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "fırsatları kaçırma",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "özel indirim",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "mağazamızı takip",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "web sitemiz",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "internet sitemiz",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "doğrudan sipariş",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "doğrudan bizden",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "whatsapp",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "instagram",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bizi arayın",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "bizi telefonla",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "telefonla ulaş",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "numaralı telefon",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "e-posta adresimiz",
    },
];

struct Turkish;

impl LocalePack for Turkish {
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
impl TipsInLanguage for Turkish {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Turkish, tips);
