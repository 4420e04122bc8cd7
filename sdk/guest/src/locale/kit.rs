//! Everything a language pack needs besides its words: the scenario catalogue the host
//! relies on, a small template language, and money and date formatting by market.
//!
//! A pack is mostly data — a [`Pack`] with one [`Template`] per scenario and one
//! [`MarketFormat`] per market — and its [`LocalePack`](super::LocalePack) implementation
//! forwards to [`Pack::render`], [`Pack::info`] and friends:
//!
//! ```
//! use helloword_sdk::locale::kit::{MarketFormat, MoneyFormat, Pack, Template, zone};
//! use helloword_sdk::locale::Direction;
//!
//! const GB: MarketFormat = MarketFormat {
//!     market: "GB",
//!     money: MoneyFormat { decimal: ".", group: ",", pattern: "{symbol}{amount}", symbols: &[("GBP", "£")] },
//!     date: "{DD}/{MM}/{YYYY}",
//!     time: "{hh}:{mm}",
//!     datetime: "{date}, {time}",
//!     zone: zone!("Europe/London"),
//! };
//! ```
//!
//! ## Templates
//!
//! `{name}` inserts the variable `name`. A date-and-time variable can be narrowed with
//! `{name:date}` or `{name:time}`; without a suffix it is written as the market's `datetime`.
//! A template must use every variable its scenario lists in [`SCENARIOS`] — the
//! [`Pack::check`] conformance test enforces it — so a buyer always gets the facts.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{PackInfo, RenderError, RenderRequest, Rendered, Value};
use crate::locale::Direction;
use crate::money::{exponent, to_decimal_string};
use crate::time::civil_from_days;

/// [`Zone`]s by IANA name.
pub use crate::zone;
/// For [`zone!`]'s expansion (jiff's `tz::get!` names its own crate as `jiff`).
#[doc(hidden)]
pub use jiff;

/// Variables every scenario has.
pub const COMMON_VARIABLES: &[&str] = &["order-number", "buyer-name", "agent-name"];

/// One after-sales scenario: its id and the variables (besides [`COMMON_VARIABLES`]) the
/// host supplies for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Scenario id, as in `render-request.scenario`.
    pub id: &'static str,
    /// What the message is for, for agents choosing a template.
    pub purpose: &'static str,
    /// Variables the host supplies besides the common ones.
    pub variables: &'static [&'static str],
}

/// Every scenario a complete pack covers, with the variables each receives.
///
/// Variable meanings: `carrier` (carrier name), `tracking-number`, `tracking-url`,
/// `delivered-at` (datetime the carrier reports delivery), `expected-at` (datetime of the new
/// estimated delivery), `answer-by` (datetime by which the seller answers or the
/// investigation ends), `amount` (money), `coupon-code`, `coupon-amount` (money),
/// `return-by` (datetime), `return-url` (where the buyer gets the return label).
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "delivered-not-received",
        purpose: "Carrier shows delivered, buyer has nothing: proof of delivery, check with neighbours, investigation window.",
        variables: &[
            "carrier",
            "tracking-number",
            "tracking-url",
            "delivered-at",
            "answer-by",
        ],
    },
    Scenario {
        id: "lost-parcel",
        purpose: "The carrier lost the parcel: apologise, say what happens now.",
        variables: &["carrier", "tracking-number", "answer-by"],
    },
    Scenario {
        id: "logistics-delay",
        purpose: "The parcel is late: where it is and the new estimate.",
        variables: &["carrier", "tracking-number", "tracking-url", "expected-at"],
    },
    Scenario {
        id: "customs-hold",
        purpose: "The parcel is held in customs: what it means and what the buyer may need to do.",
        variables: &["carrier", "tracking-number", "tracking-url"],
    },
    Scenario {
        id: "damaged-item",
        purpose: "The item arrived damaged: apologise, replacement on its way, no return needed.",
        variables: &[],
    },
    Scenario {
        id: "wrong-item",
        purpose: "The buyer received the wrong item: apologise, the right one is on its way.",
        variables: &[],
    },
    Scenario {
        id: "quality-problem",
        purpose: "The item does not work or is of poor quality: apologise, ask what happened, offer a remedy.",
        variables: &[],
    },
    Scenario {
        id: "evidence-request",
        purpose: "Ask for photos or a short video of the problem, by a date.",
        variables: &["answer-by"],
    },
    Scenario {
        id: "refund-confirmation",
        purpose: "The refund has been issued: the amount and when it shows.",
        variables: &["amount"],
    },
    Scenario {
        id: "replacement-shipped",
        purpose: "A replacement was sent by expedited shipping: carrier and tracking.",
        variables: &["carrier", "tracking-number", "tracking-url"],
    },
    Scenario {
        id: "partial-refund-offer",
        purpose: "Offer a partial refund or, if the buyer prefers, a coupon.",
        variables: &["amount", "coupon-code", "coupon-amount"],
    },
    Scenario {
        id: "settlement-offer",
        purpose: "Before a dispute or claim: offer to settle directly, quickly.",
        variables: &["amount"],
    },
    Scenario {
        id: "off-hours-ack",
        purpose: "Outside business hours: the message arrived, a person answers by a stated time.",
        variables: &["answer-by"],
    },
    Scenario {
        id: "follow-up-check",
        purpose: "Check that the replacement or refund arrived and everything is fine.",
        variables: &[],
    },
    Scenario {
        id: "proactive-care",
        purpose: "Before the buyer complains about a high-risk order: we are watching the shipment.",
        variables: &["carrier", "tracking-number", "tracking-url"],
    },
    Scenario {
        id: "return-instructions",
        purpose: "How to return the item: the label, the deadline, when the refund follows.",
        variables: &["return-url", "return-by"],
    },
];

/// The scenario with `id`.
pub fn scenario(id: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.id == id)
}

/// A scenario's subject and body in one language.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Scenario id from [`SCENARIOS`].
    pub scenario: &'static str,
    /// Subject line.
    pub subject: &'static str,
    /// Body.
    pub body: &'static str,
}

/// How a market writes amounts.
#[derive(Debug, Clone, Copy)]
pub struct MoneyFormat {
    /// Decimal separator, e.g. "," in Germany.
    pub decimal: &'static str,
    /// Thousands separator, e.g. "." in Germany, "\u{202f}" (narrow no-break space) in France.
    pub group: &'static str,
    /// Where the symbol goes: `{amount}` and `{symbol}`, e.g. "{amount} {symbol}".
    pub pattern: &'static str,
    /// Symbols by ISO 4217 code; a currency not listed is written with its code.
    pub symbols: &'static [(&'static str, &'static str)],
}

/// A market's time zone, from the IANA time zone database: write `zone!("Europe/Berlin")`.
///
/// The zone's rules are compiled into the pack (jiff's `tz::get!`, from the database jiff
/// bundles), only for the zones a pack names: every offset and summer time the zone had, has
/// and has announced, such as Egypt's summer time (since 2023) and Australia's southern one.
#[derive(Clone, Copy)]
pub struct Zone(&'static TimeZone);

impl Zone {
    /// What [`zone!`] makes; not for direct use.
    #[doc(hidden)]
    pub const fn from_static(zone: &'static TimeZone) -> Zone {
        Zone(zone)
    }

    /// The IANA name, e.g. "Europe/Berlin".
    pub fn name(self) -> &'static str {
        self.0.iana_name().unwrap_or_default()
    }

    /// Offset from UTC in seconds at the instant `seconds` (Unix time); 0 (UTC) for an
    /// instant outside the years −9999 to 9999.
    pub fn offset_seconds(self, seconds: i64) -> i32 {
        Timestamp::from_second(seconds).map_or(0, |at| self.0.to_offset(at).seconds())
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "zone!({:?})", self.name())
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

/// The [`Zone`](crate::locale::kit::Zone) named `$name` in the IANA time zone database, e.g.
/// `zone!("Asia/Tokyo")`, usable in a `const`. Write each zone once in a pack (a `const`
/// when several markets share it): each use compiles in a copy of its rules.
#[macro_export]
macro_rules! zone {
    ($name:literal) => {{
        use $crate::locale::kit::jiff;
        static ZONE: jiff::tz::TimeZone = jiff::tz::get!($name);
        $crate::locale::kit::Zone::from_static(&ZONE)
    }};
}

/// How a market writes money, dates and times.
#[derive(Debug, Clone, Copy)]
pub struct MarketFormat {
    /// ISO 3166-1 alpha-2 code.
    pub market: &'static str,
    /// Amounts.
    pub money: MoneyFormat,
    /// Date pattern: `{YYYY}`, `{MM}` / `{M}` (month with / without leading zero),
    /// `{DD}` / `{D}`, e.g. "{DD}.{MM}.{YYYY}" or "{YYYY}年{M}月{D}日".
    pub date: &'static str,
    /// Time pattern: `{hh}` (00–23), `{h}` (1–12), `{mm}`, `{ampm}` ("AM"/"PM"), e.g. "{hh}:{mm}".
    pub time: &'static str,
    /// Date and time together: `{date}` and `{time}`, e.g. "{date} um {time} Uhr".
    pub datetime: &'static str,
    /// The market's time zone, in which dates and times are written.
    pub zone: Zone,
}

impl MarketFormat {
    /// `minor_units` of `currency` written the market's way.
    pub fn format_money(&self, minor_units: i64, currency: &str) -> String {
        let plain = to_decimal_string(minor_units, currency);
        let (sign, digits) = plain
            .strip_prefix('-')
            .map_or(("", plain.as_str()), |d| ("-", d));
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let mut amount = String::from(sign);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                amount.push_str(self.money.group);
            }
            amount.push(c);
        }
        if exponent(currency) > 0 {
            amount.push_str(self.money.decimal);
            amount.push_str(fraction);
        }
        let symbol = self
            .money
            .symbols
            .iter()
            .find(|(code, _)| *code == currency)
            .map_or(currency, |(_, s)| s);
        self.money
            .pattern
            .replace("{amount}", &amount)
            .replace("{symbol}", symbol)
    }

    /// Local civil date and time of `seconds` in the market's zone.
    fn local(&self, seconds: i64) -> (i64, u32, u32, i64, i64) {
        let local = seconds + i64::from(self.zone.offset_seconds(seconds));
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let in_day = local.rem_euclid(86_400);
        (year, month, day, in_day / 3_600, in_day % 3_600 / 60)
    }

    /// The date of `seconds` in the market's zone.
    pub fn format_date(&self, seconds: i64) -> String {
        let (year, month, day, _, _) = self.local(seconds);
        self.date
            .replace("{YYYY}", &year.to_string())
            .replace("{MM}", &format!("{month:02}"))
            .replace("{M}", &month.to_string())
            .replace("{DD}", &format!("{day:02}"))
            .replace("{D}", &day.to_string())
    }

    /// The time of day of `seconds` in the market's zone.
    pub fn format_time(&self, seconds: i64) -> String {
        let (_, _, _, hour, minute) = self.local(seconds);
        let twelve = if hour % 12 == 0 { 12 } else { hour % 12 };
        self.time
            .replace("{hh}", &format!("{hour:02}"))
            .replace("{h}", &twelve.to_string())
            .replace("{mm}", &format!("{minute:02}"))
            .replace("{ampm}", if hour < 12 { "AM" } else { "PM" })
    }

    /// Date and time of `seconds` in the market's zone.
    pub fn format_datetime(&self, seconds: i64) -> String {
        self.datetime
            .replace("{date}", &self.format_date(seconds))
            .replace("{time}", &self.format_time(seconds))
    }
}

/// A culture tip for the markets it applies to.
#[derive(Debug, Clone, Copy)]
pub struct Tip {
    /// Markets (ISO 3166-1 alpha-2) the tip is for.
    pub markets: &'static [&'static str],
    /// Short title.
    pub title: &'static str,
    /// The advice.
    pub text: &'static str,
    /// The tip in other languages, for agents who read the dashboard in them: `(language,
    /// title, text)`, the language a BCP 47 tag such as "zh-CN". An agent whose language
    /// is not among them reads the English.
    pub translations: &'static [(&'static str, &'static str, &'static str)],
}

impl Tip {
    /// The translation for an agent reading `language`: the one tagged exactly so, else one
    /// of the same primary language ("zh" finds "zh-CN", and so does "zh-TW": Simplified
    /// Chinese serves a Chinese reader better than English). `None`: none of either.
    pub fn translation(&self, language: &str) -> Option<(&'static str, &'static str)> {
        let wanted = language.trim().to_ascii_lowercase().replace('_', "-");
        let primary = |tag: &str| tag.split('-').next().unwrap_or_default().to_string();
        let same_tag = |(tag, _, _): &&(&str, &str, &str)| tag.to_ascii_lowercase() == wanted;
        let same_primary = |(tag, _, _): &&(&str, &str, &str)| {
            primary(&tag.to_ascii_lowercase()) == primary(&wanted)
        };
        self.translations
            .iter()
            .find(same_tag)
            .or_else(|| self.translations.iter().find(same_primary))
            .map(|(_, title, text)| (*title, *text))
    }

    /// The title and text for an agent reading `language`: its [`Tip::translation`], or
    /// the English.
    pub fn in_language(&self, language: &str) -> (&'static str, &'static str) {
        self.translation(language)
            .unwrap_or((self.title, self.text))
    }
}

/// A phrase the compliance guard catches; see `compliance-phrase` in the WIT.
#[derive(Debug, Clone, Copy)]
pub struct Phrase {
    /// The rule it breaks.
    pub rule: super::ComplianceRule,
    /// Lower case; `*` matches any run of letters within a word.
    pub phrase: &'static str,
}

/// A complete language pack as data.
#[derive(Debug, Clone, Copy)]
pub struct Pack {
    /// The BCP 47 tag the pack writes, e.g. "de" or "pt-BR".
    pub language: &'static str,
    /// Reading direction.
    pub direction: Direction,
    /// Markets, the first being the default for a market the pack does not list.
    pub markets: &'static [MarketFormat],
    /// One template per scenario in [`SCENARIOS`].
    pub templates: &'static [Template],
    /// Culture tips.
    pub tips: &'static [Tip],
    /// Phrases the compliance guard catches in this language.
    pub phrases: &'static [Phrase],
    /// Everyday words of the language, lower case, for language detection.
    pub markers: &'static [&'static str],
}

impl Pack {
    /// `describe`'s answer.
    pub fn info(&self) -> PackInfo {
        PackInfo {
            languages: vec![self.language.to_string()],
            markets: self.markets.iter().map(|m| m.market.to_string()).collect(),
            scenarios: self
                .templates
                .iter()
                .map(|t| t.scenario.to_string())
                .collect(),
        }
    }

    /// Whether `tag` names this pack's language: "pt-BR" matches "pt-br" and "pt-BR-x";
    /// "de" matches "de-AT".
    pub fn writes(&self, tag: &str) -> bool {
        let tag = tag.to_ascii_lowercase().replace('_', "-");
        let own = self.language.to_ascii_lowercase();
        tag == own || tag.starts_with(&format!("{own}-"))
    }

    /// The format for `market`, or the pack's default market.
    pub fn market(&self, market: Option<&str>) -> &MarketFormat {
        market
            .and_then(|m| {
                self.markets
                    .iter()
                    .find(|f| f.market.eq_ignore_ascii_case(m))
            })
            .unwrap_or(&self.markets[0])
    }

    /// Render `req`.
    pub fn render(&self, req: &RenderRequest) -> Result<Rendered, RenderError> {
        if !self.writes(&req.language) {
            return Err(RenderError::UnsupportedLanguage(req.language.clone()));
        }
        let template = self
            .templates
            .iter()
            .find(|t| t.scenario == req.scenario)
            .ok_or_else(|| RenderError::UnknownScenario(req.scenario.clone()))?;
        let market = self.market(req.market.as_deref());
        Ok(Rendered {
            subject: fill(template.subject, req, market)?,
            body: fill(template.body, req, market)?,
            direction: self.direction,
        })
    }

    /// `culture-tips`' answer.
    pub fn culture_tips(&self, market: &str) -> Vec<super::CultureTip> {
        self.tips
            .iter()
            .filter(|t| t.markets.iter().any(|m| m.eq_ignore_ascii_case(market)))
            .map(|t| super::CultureTip {
                title: t.title.to_string(),
                text: t.text.to_string(),
            })
            .collect()
    }

    /// `culture-tips-in`'s answer: [`Pack::culture_tips`], each tip in `language` where it
    /// has a translation into it (see [`Tip::in_language`]), in English where not.
    pub fn culture_tips_in(&self, market: &str, language: &str) -> Vec<super::CultureTip> {
        self.tips
            .iter()
            .filter(|t| t.markets.iter().any(|m| m.eq_ignore_ascii_case(market)))
            .map(|t| {
                let (title, text) = t.in_language(language);
                super::CultureTip {
                    title: title.to_string(),
                    text: text.to_string(),
                }
            })
            .collect()
    }

    /// The titles of the tips with no text in `language` (not even one of its primary
    /// language): what an agent reading it would see in English. A pack's test asserts
    /// there are none for the languages of the gateway's dashboard.
    pub fn untranslated_tips(&self, language: &str) -> Vec<&'static str> {
        self.tips
            .iter()
            .filter(|t| t.translation(language).is_none())
            .map(|t| t.title)
            .collect()
    }

    /// `compliance-phrases`' answer.
    pub fn compliance_phrases(&self, language: &str) -> Vec<super::CompliancePhrase> {
        if !self.writes(language) {
            return Vec::new();
        }
        self.phrases
            .iter()
            .map(|p| super::CompliancePhrase {
                rule: p.rule,
                phrase: p.phrase.to_string(),
            })
            .collect()
    }

    /// `language-markers`' answer.
    pub fn language_markers(&self, language: &str) -> Vec<String> {
        if !self.writes(language) {
            return Vec::new();
        }
        self.markers.iter().map(|m| m.to_string()).collect()
    }

    /// Conformance: every scenario has exactly one template, every template uses every
    /// variable its scenario supplies and no other, every market has tips, phrases cover
    /// every rule, markers are plentiful. Returns every problem found.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for s in SCENARIOS {
            let count = self.templates.iter().filter(|t| t.scenario == s.id).count();
            if count != 1 {
                problems.push(format!("{} templates for scenario {}", count, s.id));
            }
        }
        for t in self.templates {
            let Some(s) = scenario(t.scenario) else {
                problems.push(format!("template for unknown scenario {}", t.scenario));
                continue;
            };
            let used: Vec<&str> = placeholders(t.subject)
                .chain(placeholders(t.body))
                .map(|(name, _)| name)
                .collect();
            for v in s.variables.iter().chain(COMMON_VARIABLES) {
                if *v != "agent-name" && *v != "buyer-name" && !used.contains(v) {
                    problems.push(format!("{}: does not use {{{v}}}", t.scenario));
                }
            }
            for name in &used {
                if !s.variables.contains(name) && !COMMON_VARIABLES.contains(name) {
                    problems.push(format!("{}: {{{name}}} is not supplied", t.scenario));
                }
            }
            if !t.body.contains("{agent-name}") {
                problems.push(format!(
                    "{}: body is not signed with {{agent-name}}",
                    t.scenario
                ));
            }
            if !t.body.contains("{buyer-name}") {
                problems.push(format!(
                    "{}: body does not greet {{buyer-name}}",
                    t.scenario
                ));
            }
        }
        for m in self.markets {
            if self.culture_tips(m.market).is_empty() {
                problems.push(format!("no culture tips for market {}", m.market));
            }
        }
        use super::ComplianceRule::*;
        for rule in [
            ReviewManipulation,
            Incentive,
            ReviewRequest,
            Marketing,
            OffPlatform,
        ] {
            if !self.phrases.iter().any(|p| p.rule == rule) {
                problems.push(format!("no compliance phrase for {rule:?}"));
            }
        }
        if self.markers.len() < 20 {
            problems.push(format!(
                "{} language markers; at least 20 needed",
                self.markers.len()
            ));
        }
        problems
    }

    /// Every scenario rendered for every market with [`sample_variables`], as one text:
    /// the snapshot a pack's test compares against its committed copy.
    pub fn snapshot(&self) -> String {
        let mut out = String::new();
        for market in self.markets {
            for s in SCENARIOS {
                let req = RenderRequest {
                    scenario: s.id.to_string(),
                    language: self.language.to_string(),
                    market: Some(market.market.to_string()),
                    variables: sample_variables(market),
                };
                out.push_str(&format!("=== {} / {} ===\n", market.market, s.id));
                match self.render(&req) {
                    Ok(r) => out.push_str(&format!("Subject: {}\n\n{}\n\n", r.subject, r.body)),
                    Err(e) => out.push_str(&format!("ERROR {e:?}\n\n")),
                }
            }
        }
        out
    }
}

impl Pack {
    /// Test helper: compare [`Pack::snapshot`] with the file at `path`, or write the file
    /// when `UPDATE_SNAPSHOTS` is set. Panics with the first differing line.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn assert_snapshot(&self, path: impl AsRef<std::path::Path>) {
        let path = path.as_ref();
        let actual = self.snapshot();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, &actual).expect("write snapshot");
            return;
        }
        let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
                path.display()
            )
        });
        for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, e, "{}:{}: rendering changed", path.display(), i + 1);
        }
        assert_eq!(
            actual.lines().count(),
            expected.lines().count(),
            "{}: rendering changed length",
            path.display()
        );
    }
}

/// Sample values for every variable any scenario uses: the ones the snapshot tests render.
/// Money in the market's usual currency.
pub fn sample_variables(market: &MarketFormat) -> Vec<(String, Value)> {
    use crate::types::Money;
    let currency = market
        .money
        .symbols
        .first()
        .map_or("USD", |(code, _)| code)
        .to_string();
    let money = |units: i64| {
        let minor = units * 10i64.pow(exponent(&currency));
        Value::Money(Money {
            minor_units: minor + if exponent(&currency) > 0 { 50 } else { 0 },
            currency: currency.clone(),
        })
    };
    let at = |seconds: i64| {
        Value::Datetime(crate::types::Timestamp {
            seconds,
            nanoseconds: 0,
        })
    };
    let text = |t: &str| Value::Text(t.to_string());
    vec![
        ("order-number".into(), text("#1001")),
        ("buyer-name".into(), text("Alex Morgan")),
        ("agent-name".into(), text("Sam")),
        ("carrier".into(), text("DHL")),
        ("tracking-number".into(), text("00340434161094015902")),
        (
            "tracking-url".into(),
            Value::Url("https://www.dhl.com/track?id=00340434161094015902".into()),
        ),
        // 2025-07-10 16:15:47 UTC, 2025-07-14 09:00 UTC, 2025-07-11 08:30 UTC.
        ("delivered-at".into(), at(1_752_164_147)),
        ("expected-at".into(), at(1_752_483_600)),
        ("answer-by".into(), at(1_752_222_600)),
        ("amount".into(), money(1234)),
        ("coupon-code".into(), text("SORRY10")),
        ("coupon-amount".into(), money(10)),
        ("return-by".into(), at(1_753_401_600)),
        (
            "return-url".into(),
            Value::Url("https://returns.example-shop.com/1001".into()),
        ),
    ]
}

/// `(name, modifier)` of every `{…}` placeholder in `template`.
fn placeholders(template: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    template.split('{').skip(1).filter_map(|part| {
        let inner = part.split_once('}')?.0;
        Some(match inner.split_once(':') {
            Some((name, modifier)) => (name, Some(modifier)),
            None => (inner, None),
        })
    })
}

/// Replace every placeholder in `template` by its variable, formatted for `market`.
fn fill(template: &str, req: &RenderRequest, market: &MarketFormat) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (name, modifier) = inner.split_once(':').unwrap_or((inner, ""));
        let value = req
            .variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| RenderError::MissingVariable(name.to_string()))?;
        match value {
            // An unknown name ("Guten Tag {buyer-name}," with no name) leaves no stray space.
            Value::Text(t) if t.is_empty() => {
                if out.ends_with(' ') {
                    out.pop();
                }
            }
            Value::Text(t) | Value::Url(t) => out.push_str(t),
            Value::Money(m) => out.push_str(&market.format_money(m.minor_units, &m.currency)),
            Value::Datetime(t) => out.push_str(&match modifier {
                "date" => market.format_date(t.seconds),
                "time" => market.format_time(t.seconds),
                _ => market.format_datetime(t.seconds),
            }),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DE: MarketFormat = MarketFormat {
        market: "DE",
        money: MoneyFormat {
            decimal: ",",
            group: ".",
            pattern: "{amount} {symbol}",
            symbols: &[("EUR", "€")],
        },
        date: "{DD}.{MM}.{YYYY}",
        time: "{hh}:{mm}",
        datetime: "{date}, {time} Uhr",
        zone: zone!("Europe/Berlin"),
    };

    const US: MarketFormat = MarketFormat {
        market: "US",
        money: MoneyFormat {
            decimal: ".",
            group: ",",
            pattern: "{symbol}{amount}",
            symbols: &[("USD", "$")],
        },
        date: "{M}/{D}/{YYYY}",
        time: "{h}:{mm} {ampm}",
        datetime: "{date} {time}",
        zone: zone!("America/New_York"),
    };

    #[test]
    fn money_follows_the_market() {
        assert_eq!(DE.format_money(123_456, "EUR"), "1.234,56 €");
        assert_eq!(DE.format_money(-5, "EUR"), "-0,05 €");
        assert_eq!(DE.format_money(1_500, "JPY"), "1.500 JPY");
        assert_eq!(US.format_money(123_456_789, "USD"), "$1,234,567.89");
    }

    #[test]
    fn eu_summer_time_starts_and_ends_on_the_last_sundays() {
        // 2025-03-30 00:59:59 UTC is still winter (CET), 01:00:00 is summer (CEST).
        assert_eq!(DE.format_datetime(1_743_296_399), "30.03.2025, 01:59 Uhr");
        assert_eq!(DE.format_datetime(1_743_296_400), "30.03.2025, 03:00 Uhr");
        // 2025-10-26 01:00 UTC: back to CET.
        assert_eq!(DE.format_time(1_761_440_399), "02:59");
        assert_eq!(DE.format_time(1_761_440_400), "02:00");
    }

    #[test]
    fn us_daylight_time_follows_the_second_and_first_sundays() {
        // 2025-03-09 06:59:59 UTC = 01:59:59 EST; 07:00 UTC = 03:00 EDT.
        assert_eq!(US.format_time(1_741_503_599), "1:59 AM");
        assert_eq!(US.format_time(1_741_503_600), "3:00 AM");
        // 2025-11-02 05:59:59 UTC = 01:59:59 EDT; 06:00 UTC = 01:00 EST.
        assert_eq!(US.format_time(1_762_063_199), "1:59 AM");
        assert_eq!(US.format_time(1_762_063_200), "1:00 AM");
        assert_eq!(US.format_date(1_762_063_200), "11/2/2025");
        assert_eq!(US.format_time(1_752_164_147), "12:15 PM");
    }

    /// Sydney's summer time (AEDT, UTC+11) ends on the first Sunday of April and starts on
    /// the first Sunday of October; the kit's zones once knew only AEST, UTC+10.
    #[test]
    fn sydney_summer_time_ends_in_april_and_starts_in_october() {
        let au = MarketFormat {
            market: "AU",
            zone: zone!("Australia/Sydney"),
            ..DE
        };
        assert_eq!(au.zone.name(), "Australia/Sydney");
        // 2025-04-05 15:59:59 UTC = 02:59:59 AEDT; a second later 02:00 AEST.
        assert_eq!(au.format_datetime(1_743_868_799), "06.04.2025, 02:59 Uhr");
        assert_eq!(au.format_datetime(1_743_868_800), "06.04.2025, 02:00 Uhr");
        // 2025-10-04 15:59:59 UTC = 01:59:59 AEST; a second later 03:00 AEDT.
        assert_eq!(au.format_datetime(1_759_593_599), "05.10.2025, 01:59 Uhr");
        assert_eq!(au.format_datetime(1_759_593_600), "05.10.2025, 03:00 Uhr");
        // Midsummer and midwinter.
        assert_eq!(au.zone.offset_seconds(1_736_942_400), 11 * 3600);
        assert_eq!(au.zone.offset_seconds(1_752_537_600), 10 * 3600);
    }

    /// Egypt has kept summer time (EEST, UTC+3) again since 2023: from the last Friday of
    /// April to the last Thursday of October; the kit's zones once knew only UTC+2.
    #[test]
    fn cairo_summer_time_runs_from_the_last_friday_of_april_to_the_last_thursday_of_october() {
        let eg = MarketFormat {
            market: "EG",
            zone: zone!("Africa/Cairo"),
            ..DE
        };
        // 2025-04-24 21:59:59 UTC = 23:59:59 EET; a second later 01:00 EEST on the 25th.
        assert_eq!(eg.format_datetime(1_745_531_999), "24.04.2025, 23:59 Uhr");
        assert_eq!(eg.format_datetime(1_745_532_000), "25.04.2025, 01:00 Uhr");
        // 2025-10-30 20:59:59 UTC = 23:59:59 EEST; a second later 23:00 EET, the same day.
        assert_eq!(eg.format_datetime(1_761_857_999), "30.10.2025, 23:59 Uhr");
        assert_eq!(eg.format_datetime(1_761_858_000), "30.10.2025, 23:00 Uhr");
        // Mid-July 2025: summer time.
        assert_eq!(eg.zone.offset_seconds(1_752_537_600), 3 * 3600);
    }

    /// An agent on the Chinese dashboard ("zh-CN", or just "zh") reads a tip's Chinese; an
    /// agent reading a language the tip has no text in reads the English.
    #[test]
    fn culture_tips_are_in_the_agents_language_where_translated_else_english() {
        const TIPS: &[Tip] = &[
            Tip {
                markets: &["DE", "AT"],
                title: "Formal address",
                text: "Use \"Sie\".",
                translations: &[("zh-CN", "正式称呼", "使用“Sie”。")],
            },
            Tip {
                markets: &["AT"],
                title: "Austrian German",
                text: "Write Jänner for January.",
                translations: &[],
            },
        ];
        let pack = Pack {
            language: "de",
            direction: Direction::LeftToRight,
            markets: &[DE],
            templates: &[],
            tips: TIPS,
            phrases: &[],
            markers: &[],
        };
        let titles_and_texts = |market: &str, language: &str| -> Vec<(String, String)> {
            pack.culture_tips_in(market, language)
                .into_iter()
                .map(|t| (t.title, t.text))
                .collect()
        };
        let chinese = vec![("正式称呼".to_string(), "使用“Sie”。".to_string())];
        assert_eq!(titles_and_texts("DE", "zh-CN"), chinese);
        assert_eq!(titles_and_texts("de", "zh"), chinese);
        assert_eq!(titles_and_texts("DE", "zh_cn"), chinese);
        let english = vec![("Formal address".to_string(), "Use \"Sie\".".to_string())];
        assert_eq!(titles_and_texts("DE", "de"), english);
        assert_eq!(titles_and_texts("DE", "en"), english);
        // The same tips as `culture-tips`, in the same order: only the language differs.
        assert_eq!(
            pack.culture_tips_in("AT", "zh-CN").len(),
            pack.culture_tips("AT").len()
        );
        assert_eq!(titles_and_texts("AT", "zh-CN")[1].0, "Austrian German");
        assert_eq!(pack.untranslated_tips("zh-CN"), vec!["Austrian German"]);
        assert_eq!(
            pack.untranslated_tips("fr"),
            vec!["Formal address", "Austrian German"]
        );
    }

    #[test]
    fn templates_fill_and_name_a_missing_variable() {
        let req = |vars: Vec<(String, Value)>| RenderRequest {
            scenario: "x".into(),
            language: "de".into(),
            market: None,
            variables: vars,
        };
        let vars = sample_variables(&DE);
        assert_eq!(
            fill(
                "{order-number} am {delivered-at:date} um {delivered-at:time}: {amount}",
                &req(vars),
                &DE
            )
            .unwrap(),
            "#1001 am 10.07.2025 um 18:15: 1.234,50 €"
        );
        assert!(matches!(
            fill("Hallo {nobody}", &req(vec![]), &DE),
            Err(RenderError::MissingVariable(n)) if n == "nobody"
        ));
        assert_eq!(fill("a { b", &req(vec![]), &DE).unwrap(), "a { b");
        let nameless = vec![("buyer-name".to_string(), Value::Text(String::new()))];
        assert_eq!(
            fill("Hallo {buyer-name},", &req(nameless), &DE).unwrap(),
            "Hallo,"
        );
    }
}
