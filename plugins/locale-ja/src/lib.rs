//! Japanese language and culture pack (JP).
//!
//! Every scenario of the SDK's catalogue in polite customer-service keigo: the buyer is
//! addressed as "{buyer-name} 様", anything that went wrong opens with a deep apology before
//! any explanation, and every message closes with 「何卒よろしくお願い申し上げます。」 and the
//! agent's name. Amounts are written ¥1,235 (the yen has no minor units), dates 2025年7月11日
//! and times 24-hour in Japan Standard Time (UTC+9, no summer time). Data in [`PACK`], the
//! `LocalePack` implementation forwards to it, as in the German reference pack.

use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Phrase, Template, Tip, zone};
use helloword_sdk::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, LocalePack, PackInfo, RenderError,
    RenderRequest, Rendered, TipsInLanguage,
};

/// The pack.
pub const PACK: Pack = Pack {
    language: "ja",
    direction: Direction::LeftToRight,
    markets: &[MarketFormat {
        market: "JP",
        // Amazon.co.jp and most shops write ¥1,235; "1,235円" is as common in running text,
        // but a prefix symbol also suits the occasional foreign-currency amount (US$12.50).
        money: MoneyFormat {
            decimal: ".",
            group: ",",
            pattern: "{symbol}{amount}",
            symbols: &[("JPY", "¥"), ("USD", "US$"), ("EUR", "€")],
        },
        date: "{YYYY}年{M}月{D}日",
        time: "{hh}:{mm}",
        datetime: "{date} {time}",
        // Japan Standard Time, UTC+9 all year.
        zone: zone!("Asia/Tokyo"),
    }],
    templates: TEMPLATES,
    tips: TIPS,
    phrases: PHRASES,
    // Japanese has no spaces: the host also counts these as substrings. Kana endings and
    // courtesy words tell Japanese apart from Chinese, which shares the kanji.
    markers: &[
        "です",
        "ます",
        "ございます",
        "いたします",
        "ください",
        "ません",
        "でしょうか",
        "お客様",
        "様",
        "注文",
        "ご",
        "お",
        "の",
        "は",
        "を",
        "に",
        "が",
        "で",
        "て",
        "こと",
        "から",
        "まで",
        "ありがとう",
        "申し訳",
        "お願い",
        "よろしく",
        "商品",
        "荷物",
        "配送",
        "返金",
        "確認",
        "連絡",
    ],
};

macro_rules! template {
    ($scenario:literal, $subject:literal, $body:literal) => {
        Template {
            scenario: $scenario,
            subject: $subject,
            body: concat!(
                "{buyer-name} 様\n\n",
                $body,
                "\n\n何卒よろしくお願い申し上げます。\n\nカスタマーサポート担当\n{agent-name}"
            ),
        }
    };
}

const TEMPLATES: &[Template] = &[
    template!(
        "delivered-not-received",
        "【ご注文番号 {order-number}】お荷物の配達状況について",
        "この度はお荷物がお手元に届いていないとのこと、ご心配とご不便をおかけしており、大変申し訳ございません。\n\n\
         {carrier}の配達記録では、お荷物（追跡番号：{tracking-number}）は{delivered-at}に配達完了となっております。\
         配達記録はこちらからご確認いただけます：{tracking-url}\n\n\
         お手数をおかけいたしますが、郵便受けや宅配ボックス、玄関先などの置き配場所をご確認いただくとともに、\
         ご家族の方やご近所の方、マンションの管理人室などでお荷物を受け取られていないか、ご確認いただけますでしょうか。\n\n\
         当店からも{carrier}へ調査を依頼いたしました。{answer-by}までに調査結果をご連絡いたします。"
    ),
    template!(
        "lost-parcel",
        "【ご注文番号 {order-number}】お荷物の紛失に関するお詫び",
        "この度はご注文の商品をお届けできず、多大なるご迷惑をおかけしておりますこと、心よりお詫び申し上げます。\n\n\
         {carrier}に確認いたしましたところ、お荷物（追跡番号：{tracking-number}）が配送途中で所在不明となっていることが\
         判明いたしました。当店が手配した配送においてこのような事態となりましたこと、重ねてお詫び申し上げます。\n\n\
         お手数ですが、代替品の発送と全額のご返金のどちらをご希望か、{answer-by}までにご返信いただけますでしょうか。\
         期日までにご返信がない場合は全額を自動的に返金させていただきますので、その他のお手続きは不要です。"
    ),
    template!(
        "logistics-delay",
        "【ご注文番号 {order-number}】お届け遅延のお詫び",
        "この度はお届けが遅れており、大変申し訳ございません。\n\n\
         お荷物（{carrier}、追跡番号：{tracking-number}）は現在配送中ですが、当初の予定より遅れが生じております。\
         新しいお届け予定日は{expected-at:date}です。最新の配送状況はこちらからご確認いただけます：{tracking-url}\n\n\
         引き続き当店でも配送状況を確認し、変更がございましたら速やかにご連絡いたします。"
    ),
    template!(
        "customs-hold",
        "【ご注文番号 {order-number}】お荷物の通関手続きについて",
        "お荷物のお届けまでお時間をいただいており、申し訳ございません。\n\n\
         お荷物（{carrier}、追跡番号：{tracking-number}）は、現在税関にて通関手続き中です。\
         海外からの配送では通常の手続きで、多くの場合2～5営業日ほどで完了いたします。\n\n\
         税関から書類の提出や関税・消費税のお支払いが必要となった場合は、{carrier}よりお客様へ直接ご案内がございます。\
         配送状況はこちらからご確認いただけます：{tracking-url}"
    ),
    template!(
        "damaged-item",
        "【ご注文番号 {order-number}】破損した商品のお届けに関するお詫び",
        "この度は破損した状態で商品をお届けしてしまい、誠に申し訳ございません。\
         お待ちいただいていたにもかかわらず、大変ご不快な思いをおかけいたしました。\n\n\
         代替品を速達便にて、無償で至急お送りいたします。破損した商品のご返送は不要です。"
    ),
    template!(
        "wrong-item",
        "【ご注文番号 {order-number}】誤った商品のお届けに関するお詫び",
        "この度はご注文と異なる商品をお届けしてしまい、誠に申し訳ございません。\
         当店の確認不足により、多大なるご迷惑をおかけいたしました。\n\n\
         正しい商品を本日中に速達便にて発送いたします。誤ってお届けした商品はご返送いただく必要はございませんので、\
         お手元でご自由にお使いいただくか、ご処分いただいて差し支えございません。"
    ),
    template!(
        "quality-problem",
        "【ご注文番号 {order-number}】商品の不具合について",
        "この度はお買い上げいただいた商品がご期待に沿えず、大変申し訳ございません。ご連絡いただき、誠にありがとうございます。\n\n\
         恐れ入りますが、どのような症状が出ているか、具体的にお知らせいただけますでしょうか。\
         無償での交換、またはご返金のいずれにも対応いたしますので、ご希望をお聞かせください。"
    ),
    template!(
        "evidence-request",
        "【ご注文番号 {order-number}】状況確認のための写真のお願い",
        "お問い合わせいただき、誠にありがとうございます。\n\n\
         迅速に対応させていただくため、お手数をおかけいたしますが、{answer-by}までに、\
         不具合の箇所が分かる商品と梱包の写真を2～3枚、または短い動画をお送りいただけますでしょうか。\
         本メッセージにファイルを添付してご返信いただくだけで結構です。"
    ),
    template!(
        "refund-confirmation",
        "【ご注文番号 {order-number}】ご返金手続き完了のお知らせ",
        "この度はご迷惑をおかけし、誠に申し訳ございませんでした。本日、{amount}のご返金手続きを完了いたしました。\n\n\
         ご利用の金融機関やお支払い方法により、ご返金が反映されるまで3～5営業日ほどかかる場合がございます。\
         あらかじめご了承ください。"
    ),
    template!(
        "replacement-shipped",
        "【ご注文番号 {order-number}】代替品発送のお知らせ",
        "この度はご迷惑をおかけし、誠に申し訳ございません。代替品を{carrier}の速達便にて発送いたしましたので、お知らせいたします。\n\n\
         追跡番号：{tracking-number}\n\
         配送状況：{tracking-url}\n\n\
         お手元に届くまで、今しばらくお待ちくださいませ。"
    ),
    template!(
        "partial-refund-offer",
        "【ご注文番号 {order-number}】お詫びとご提案",
        "この度はご迷惑をおかけし、大変申し訳ございません。\
         お詫びとして、商品はそのままお使いいただいたうえで、{amount}を一部返金させていただきたく存じます。\n\n\
         ご返金の代わりにクーポンをご希望の場合は、{coupon-amount}分のクーポンコード「{coupon-code}」を\
         次回のご注文時にご利用いただけます。\n\n\
         どちらをご希望か、本メッセージにご返信いただけますと幸いです。"
    ),
    template!(
        "settlement-offer",
        "【ご注文番号 {order-number}】早期解決のご提案",
        "この度はご不便をおかけし、大変申し訳ございません。本件を一刻も早く解決させていただきたく、\
         ご承諾いただけましたら{amount}を返金させていただきます。\n\n\
         本メッセージにご返信いただければ、当日中に返金手続きを行います。\
         マーケットプレイスでのお手続きをお待ちいただくよりも早く解決いたします。"
    ),
    template!(
        "off-hours-ack",
        "【ご注文番号 {order-number}】お問い合わせを承りました",
        "お問い合わせいただき、誠にありがとうございます。\n\n\
         あいにく現在は営業時間外のため、{answer-by}までに担当者より改めてご連絡いたします。\
         お待たせしてしまい申し訳ございませんが、今しばらくお待ちくださいませ。"
    ),
    template!(
        "follow-up-check",
        "【ご注文番号 {order-number}】その後のご状況について",
        "先日はご連絡いただき、誠にありがとうございました。\
         その後、お送りした商品またはご返金について、問題なくお受け取りいただけましたでしょうか。\n\n\
         万が一、まだ解決していない点がございましたら、お手数ですが本メッセージにご返信ください。"
    ),
    template!(
        "proactive-care",
        "【ご注文番号 {order-number}】配送状況のご案内",
        "ご注文いただいた商品（{carrier}、追跡番号：{tracking-number}）のお届けに、通常よりもお時間を要しております。\
         ご心配をおかけし、申し訳ございません。\n\n\
         当店にて配送状況を継続して確認しており、動きがございましたら、お問い合わせいただく前にこちらからご連絡いたします。\
         最新の状況はこちらからご確認いただけます：{tracking-url}"
    ),
    template!(
        "return-instructions",
        "【ご注文番号 {order-number}】ご返品方法のご案内",
        "ご返品の手順をご案内いたします。\n\n\
         1. 返品用の配送ラベル（送料は当店負担）をこちらから取得してください：{return-url}\n\
         2. 商品を梱包し、{return-by:date}までにご発送ください。\n\n\
         当店にて商品の到着を確認いたしましたら、2営業日以内にご返金いたします。"
    ),
];

const TIPS: &[Tip] = &[
    Tip {
        markets: &["JP"],
        title: "Honorifics and keigo",
        text: "Address the buyer as \"<name> 様\" (never \"さん\" or the bare name) and write in keigo throughout: です/ます, humble forms such as いたします and ございます. Plain or casual Japanese reads as rude.",
        translations: &[(
            "zh-CN",
            "敬称与敬语",
            "称呼买家为“<name> 様”（绝不用“さん”或直呼其名），全文使用敬语：です/ます体，以及いたします、ございます等谦让表达。普通体或随意的日语会显得无礼。",
        )],
    },
    Tip {
        markets: &["JP"],
        title: "Apologise first, explain second",
        text: "When anything went wrong, open with a deep apology (「大変申し訳ございません」) before any explanation, even if the fault lies elsewhere; an explanation that comes first reads as an excuse.",
        translations: &[(
            "zh-CN",
            "先道歉，后解释",
            "出了任何问题，都要先郑重道歉（「大変申し訳ございません」）再作解释，即使责任在别处；先解释会被看成找借口。",
        )],
    },
    Tip {
        markets: &["JP"],
        title: "Never blame the carrier",
        text: "The buyer chose your shop, not the carrier. Take responsibility for the delivery (当店の手配した配送) and say what you are doing about it, rather than pointing at Yamato, Sagawa or Japan Post.",
        translations: &[(
            "zh-CN",
            "绝不归咎于承运商",
            "买家选择的是你的店铺，而不是承运商。请为配送承担责任（当店の手配した配送），说明你正在采取的措施，而不是把矛头指向大和运输、佐川急便或日本邮政。",
        )],
    },
    Tip {
        markets: &["JP"],
        title: "Precision and punctuality",
        text: "Give exact dates, times and amounts and keep every promised deadline; reply within one business day. Packaging is judged too: a dented box is a legitimate complaint, not a trifle.",
        translations: &[(
            "zh-CN",
            "精确与守时",
            "给出确切的日期、时间和金额，遵守每一个承诺的期限；在一个工作日内回复。包装也会被评判：箱子压瘪是正当的投诉，而不是小事。",
        )],
    },
    Tip {
        markets: &["JP"],
        title: "Dates and money",
        text: "Write dates as 2025年7月11日 and times on the 24-hour clock; yen have no decimals (¥1,235 or 1,235円).",
        translations: &[(
            "zh-CN",
            "日期与金额",
            "日期写作 2025年7月11日，时间用 24 小时制；日元没有小数（¥1,235 或 1,235円）。",
        )],
    },
];

const PHRASES: &[Phrase] = &[
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを削除",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューの削除",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを変更",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューの変更",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを修正",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを書き換え",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを取り下げ",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビューを取り消",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "レビュー内容を変更",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を変更",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価の変更",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を削除",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価の削除",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を修正",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を見直",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を取り消",
    },
    Phrase {
        rule: ComplianceRule::ReviewManipulation,
        phrase: "評価を取り下げ",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "レビューと引き換え",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "評価と引き換え",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "レビューのお礼",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "高評価のお礼",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "レビュー特典",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "レビュー投稿で",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "星5つで",
    },
    Phrase {
        rule: ComplianceRule::Incentive,
        phrase: "★5で",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューをお願い",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューのご投稿をお願い",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューを書いていただけ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューを投稿していただけ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューをいただけ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "レビューをお寄せ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "評価をお願い",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "評価していただけ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "評価をいただけ",
    },
    Phrase {
        rule: ComplianceRule::ReviewRequest,
        phrase: "ご評価いただけ",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "メルマガ",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "メールマガジン",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "ニュースレター",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "新商品のご案内",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "新商品のお知らせ",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "セール情報",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "キャンペーン",
    },
    Phrase {
        rule: ComplianceRule::Marketing,
        phrase: "お得な情報",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "公式サイト",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "自社サイト",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "ホームページから",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "直接ご注文",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "直接注文",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "lineで",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "line公式",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "lineアカウント",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "お電話ください",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "お電話にて",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "お電話で",
    },
    Phrase {
        rule: ComplianceRule::OffPlatform,
        phrase: "メールアドレスまで",
    },
];

struct Japanese;

impl LocalePack for Japanese {
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
impl TipsInLanguage for Japanese {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        PACK.culture_tips_in(&market, &language)
    }
}

helloword_sdk::export_locale!(Japanese, tips);
