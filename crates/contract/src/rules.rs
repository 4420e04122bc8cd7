//! A marketplace's rules as data: what a connector declares in the `[rules]` table of its
//! `plugin.toml`, and the gateway applies to that connector's tickets and replies without
//! knowing the marketplace by name.
//!
//! ```toml
//! [rules]
//! # Links to the marketplace's own sites are fine: any host with one of these labels.
//! own_sites = ["amazon"]
//!
//! [rules.messages]
//! links = "block"            # block | warn
//! contact_details = "block"
//! off_platform = "block"
//! marketing = "block"
//! language = "block"
//!
//! [[rules.deadlines]]
//! name = "amazon.buyer_message"
//! kinds = ["buyer-message"]
//! window = { calendar = "24h" }
//!
//! [[rules.deadlines]]
//! name = "ebay.case"
//! kinds = ["a-to-z-claim", "not-received"]
//! window = { business_days = { days = 3, time_zone = "America/Los_Angeles" } }
//!
//! [[rules.deadlines]]
//! name = "shopify.dispute"
//! kinds = ["chargeback"]
//! platform_margin = "24h"    # only the deadline the platform sends, less a day
//! ```
//!
//! Why data in the manifest and not a function of the component: the rules are facts about
//! the marketplace that the operator should be able to read, they are checked when the plugin
//! loads (an invalid rule refuses the plugin, naming the file, the line and the rule) without
//! running any code, and a connector built before rules existed gets them by a manifest
//! change, with no rebuild.
//!
//! The arithmetic that turns a rule into a deadline is the model's (`helloword_model::sla`).

use jiff::fmt::friendly::{Direction, SpanPrinter};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::connector::helloword::gateway::types::IssueKind;

/// How long a marketplace gives the seller to answer, counted from when the case arrived.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponseWindow {
    /// Calendar time: nights, weekends and holidays count (`{ calendar = "24h" }`).
    Calendar(#[serde(deserialize_with = "positive_duration")] SignedDuration),
    /// Whole weekdays (Monday to Friday in `time_zone`), ending at the same local time of day
    /// (`{ business_days = { days = 3, time_zone = "America/Los_Angeles" } }`). A case that
    /// arrives at a weekend counts from that weekend's time of day. Public holidays are not
    /// skipped, so the deadline is never later than the marketplace's.
    BusinessDays {
        /// How many weekdays, 1 to 60.
        #[serde(deserialize_with = "business_days")]
        days: u8,
        /// Where the weekdays are counted, an IANA name.
        #[serde(deserialize_with = "jiff::fmt::serde::tz::required::deserialize")]
        time_zone: TimeZone,
    },
}

/// A marketplace's answer deadline for one kind of case: its name, its window and the margin
/// taken off a deadline the platform sends.
///
/// Also the shape of an operator's override in the gateway config (`[[tickets.rule_overrides]]`,
/// matched by name): `{ name = "amazon.buyer_message", window = { calendar = "12h" } }` (say,
/// for a December peak), or `{ name = "shopify.dispute", platform_margin = "48h" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceRule {
    /// Shown to the agent when this rule sets the deadline.
    pub name: String,
    /// The marketplace's published answer time; `None` when only the deadline the platform
    /// sends with the case counts.
    #[serde(default)]
    pub window: Option<ResponseWindow>,
    /// Taken off a deadline the platform sends with the case, to leave time to act.
    #[serde(default, deserialize_with = "non_negative_duration")]
    pub platform_margin: SignedDuration,
}

impl MarketplaceRule {
    /// A rule of `name` with a calendar-time window.
    pub fn calendar(name: &str, duration: SignedDuration) -> Self {
        MarketplaceRule {
            name: name.into(),
            window: Some(ResponseWindow::Calendar(duration)),
            platform_margin: SignedDuration::ZERO,
        }
    }

    /// A rule of `name` with a window of `days` weekdays in `time_zone`.
    pub fn business_days(name: &str, days: u8, time_zone: TimeZone) -> Self {
        MarketplaceRule {
            name: name.into(),
            window: Some(ResponseWindow::BusinessDays { days, time_zone }),
            platform_margin: SignedDuration::ZERO,
        }
    }

    /// A rule of `name` that counts only the platform's deadline, less `margin`.
    pub fn platform(name: &str, margin: SignedDuration) -> Self {
        MarketplaceRule {
            name: name.into(),
            window: None,
            platform_margin: margin,
        }
    }
}

/// One `[[rules.deadlines]]` entry: a rule and the issue kinds it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    /// Shown to the agent when this rule sets the deadline, e.g. "amazon.buyer_message";
    /// an operator's override names it.
    #[serde(deserialize_with = "rule_name")]
    pub name: String,
    /// The issue kinds it applies to, by their names ("buyer-message", "chargeback", …).
    #[serde(deserialize_with = "kinds")]
    pub kinds: Vec<IssueKind>,
    /// The marketplace's published answer time, if it has one.
    #[serde(default)]
    pub window: Option<ResponseWindow>,
    /// Taken off a deadline the platform sends with the case (default none).
    #[serde(default, deserialize_with = "non_negative_duration")]
    pub platform_margin: SignedDuration,
}

impl DeadlineRule {
    /// The rule without its kinds.
    pub fn rule(&self) -> MarketplaceRule {
        MarketplaceRule {
            name: self.name.clone(),
            window: self.window.clone(),
            platform_margin: self.platform_margin,
        }
    }
}

/// What the compliance guard does with a finding of one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The marketplace forbids it: sending is blocked unless a lead overrides.
    Block,
    /// Shown to the agent, who may send anyway.
    Warn,
}

/// `[rules.messages]`: what the marketplace lets a seller write to a buyer.
///
/// Asking to change a review, or offering something for one, is blocked on every
/// marketplace (no marketplace and no consumer law allows it), and so is a second review
/// request for one order; those are not the connector's to relax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageRules {
    /// Links other than the order's own (tracking, returns) and the marketplace's sites
    /// (default warn).
    pub links: Verdict,
    /// E-mail addresses and phone numbers (default block).
    pub contact_details: Verdict,
    /// Phrases that move the buyer off the marketplace (default block).
    pub off_platform: Verdict,
    /// Marketing and promotional content (default warn).
    pub marketing: Verdict,
    /// A reply not written in the buyer's language (default block).
    pub language: Verdict,
}

impl Default for MessageRules {
    /// What the gateway applied to every marketplace it had no rules for before rules were
    /// data: contact details and moving the buyer off the platform blocked.
    fn default() -> Self {
        MessageRules {
            links: Verdict::Warn,
            contact_details: Verdict::Block,
            off_platform: Verdict::Block,
            marketing: Verdict::Warn,
            language: Verdict::Block,
        }
    }
}

/// The `[rules]` table of a connector's `plugin.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketplaceRules {
    /// Answer deadlines per issue kind; a kind in none of them gets only the seller's
    /// severity target (and the platform's deadline when an event carries one).
    pub deadlines: Vec<DeadlineRule>,
    /// What replies may contain.
    pub messages: MessageRules,
    /// Domain labels of the marketplace's own sites: a link whose host has one of them as a
    /// label ("amazon" for `www.amazon.de`) is not reported.
    #[serde(deserialize_with = "labels")]
    pub own_sites: Vec<String>,
    /// Domains of the addresses the marketplace gives buyers, whose mail it relays through
    /// its messaging (so they are not the buyer's own e-mail): a domain, or a prefix ending
    /// in "." ("marketplace.amazon." for `x7@marketplace.amazon.de`).
    #[serde(deserialize_with = "relay_domains")]
    pub relay_domains: Vec<String>,
    /// The marketplace's account-health rates (`[[rules.health]]`), each a report.
    pub health: Vec<HealthMetric>,
    /// How the operator lets the connector message buyers when it is configured without
    /// (its `describe` then lists no `message` capability), for the refusal an agent sees:
    /// "replies go by e-mail: set smtp_host and support_email in [plugins.config.<id>]".
    pub message_setup: Option<String>,
}

/// The gateway's own reports, whose names a health rate cannot take.
pub const RESERVED_REPORTS: [&str; 6] =
    ["heatmap", "carriers", "sla", "hotspots", "segments", "care"];

/// Words in the dashboard's languages: English, and Simplified Chinese when given (English
/// otherwise). `{ en = "Order Defect Rate", zh-CN = "订单缺陷率" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN", default)]
    pub zh_cn: Option<String>,
}

/// One `[[rules.health]]` entry: a rate the marketplace judges the seller's account by —
/// units (orders, transactions) with a defect in the last `days`, over all units — and how
/// the marketplace grades it. The gateway counts the defects from the connector's tickets;
/// the count of all units it cannot see, so the caller gives it (`<per>=<shop>:<count>`).
///
/// ```toml
/// [[rules.health]]
/// name = "odr"
/// title = { en = "Order Defect Rate", zh-CN = "订单缺陷率" }
/// days = 60
/// per = "orders"
/// per_label = { en = "order", zh-CN = "订单" }
/// limit = 1.0
/// bands = [{ below = 1.0, status = "ok" }, { status = "over-limit" }]
/// defects = [
///   { name = "negative_feedback", label = { en = "negative feedback" }, kinds = ["negative-review"], max_rating = 2 },
///   { name = "chargebacks", label = { en = "chargebacks" }, kinds = ["chargeback"] },
/// ]
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthMetric {
    /// The report's name (`/api/reports/<name>`): lower-case letters, digits and '-'.
    #[serde(deserialize_with = "report_name")]
    pub name: String,
    /// The report's title.
    pub title: Words,
    /// The rolling window in days (1 to 730); a caller may ask for another.
    #[serde(deserialize_with = "window_days")]
    pub days: i64,
    /// What is counted, plural, as a column and query name ("orders", "transactions").
    #[serde(deserialize_with = "column")]
    pub per: String,
    /// One of them, for sentences ("order").
    pub per_label: Words,
    /// What makes a unit defective; a case counts under the first defect it matches, and a
    /// unit with several defects counts once.
    #[serde(deserialize_with = "defects")]
    pub defects: Vec<Defect>,
    /// The marketplace's grades, in order: the first band the rate falls in names its
    /// status; the last band has no bound.
    #[serde(deserialize_with = "bands")]
    pub bands: Vec<Band>,
    /// The rate, in percent, drawn as a line on the chart and given as `limit_percent`.
    #[serde(default)]
    pub limit: Option<f64>,
    /// What the rate rests on, and where the seller finds the count of all units.
    #[serde(default)]
    pub note: Option<Words>,
}

/// What makes a unit defective.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defect {
    /// Its column ("chargebacks").
    #[serde(deserialize_with = "column")]
    pub name: String,
    /// For sentences ("chargebacks").
    pub label: Words,
    /// Cases of these kinds; empty: any kind.
    #[serde(default, deserialize_with = "some_kinds")]
    pub kinds: Vec<IssueKind>,
    /// Only reviews rated at most this (a review without a rating counts).
    #[serde(default)]
    pub max_rating: Option<u8>,
    /// Only cases whose marketplace status contains this, ignoring case ("escalat").
    #[serde(default)]
    pub status_contains: Option<String>,
}

/// A grade of a [`HealthMetric`]: rates below (or up to) a bound, in percent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Rates strictly below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// Rates at most this.
    #[serde(default)]
    pub up_to: Option<f64>,
    /// The grade's name, as the report's `status` ("ok", "top-rated").
    #[serde(deserialize_with = "report_name")]
    pub status: String,
}

impl HealthMetric {
    /// The status of a rate, by the first band it falls in.
    pub fn grade(&self, rate: f64) -> &str {
        self.bands
            .iter()
            .find(|band| match (band.below, band.up_to) {
                (Some(below), _) => rate < below,
                (None, Some(up_to)) => rate <= up_to,
                (None, None) => true,
            })
            .map_or("", |band| band.status.as_str())
    }
}

impl Words {
    /// In Simplified Chinese when `chinese` and given, else in English.
    pub fn pick(&self, chinese: bool) -> &str {
        match (&self.zh_cn, chinese) {
            (Some(zh), true) => zh,
            _ => &self.en,
        }
    }
}

impl MarketplaceRules {
    /// The deadline rule for `kind`, if one names it (the first that does).
    pub fn deadline(&self, kind: IssueKind) -> Option<&DeadlineRule> {
        self.deadlines.iter().find(|d| d.kinds.contains(&kind))
    }

    /// Whether `domain` (lower case) is one of the marketplace's relay domains.
    pub fn relays(&self, domain: &str) -> bool {
        self.relay_domains.iter().any(|d| {
            if d.ends_with('.') {
                domain.starts_with(d.as_str())
            } else {
                domain == d
            }
        })
    }

    /// A rule name two entries share, or a kind two entries claim, or a health report name
    /// used twice: the first such problem.
    pub fn conflict(&self) -> Option<String> {
        for (i, metric) in self.health.iter().enumerate() {
            if RESERVED_REPORTS.contains(&metric.name.as_str()) {
                return Some(format!(
                    "`rules.health[{i}].name` {:?} is one of the gateway's own reports ({})",
                    metric.name,
                    RESERVED_REPORTS.join(", ")
                ));
            }
            if self.health[..i].iter().any(|m| m.name == metric.name) {
                return Some(format!(
                    "`rules.health[{i}].name` {:?} is used twice",
                    metric.name
                ));
            }
        }
        for (i, rule) in self.deadlines.iter().enumerate() {
            for earlier in &self.deadlines[..i] {
                if earlier.name == rule.name {
                    return Some(format!(
                        "`rules.deadlines[{i}].name` {:?} is used twice",
                        rule.name
                    ));
                }
                if let Some(kind) = rule.kinds.iter().find(|k| earlier.kinds.contains(k)) {
                    return Some(format!(
                        "`rules.deadlines[{i}]` ({:?}) claims {:?}, which {:?} claims already",
                        rule.name,
                        kind_name(*kind),
                        earlier.name
                    ));
                }
            }
        }
        None
    }
}

/// The kebab-case name of an issue kind, as manifests, the config and the API write it.
pub fn kind_name(kind: IssueKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("other", |(_, name)| name)
}

/// The issue kind with this kebab-case name.
pub fn kind_from_name(name: &str) -> Option<IssueKind> {
    KINDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
}

/// Every issue kind and its name.
pub const KINDS: [(IssueKind, &str); 20] = [
    (IssueKind::NotReceived, "not-received"),
    (IssueKind::DeliveredNotReceived, "delivered-not-received"),
    (IssueKind::Damaged, "damaged"),
    (IssueKind::WrongItem, "wrong-item"),
    (IssueKind::Quality, "quality"),
    (IssueKind::LogisticsDelay, "logistics-delay"),
    (IssueKind::CustomsHold, "customs-hold"),
    (IssueKind::ReturnRequest, "return-request"),
    (IssueKind::CancellationRequest, "cancellation-request"),
    (IssueKind::AToZClaim, "a-to-z-claim"),
    (IssueKind::Chargeback, "chargeback"),
    (IssueKind::PaymentDispute, "payment-dispute"),
    (IssueKind::NegativeReview, "negative-review"),
    (IssueKind::BuyerMessage, "buyer-message"),
    (IssueKind::AccountHealth, "account-health"),
    (IssueKind::RefundIssued, "refund-issued"),
    (IssueKind::OrderUpdate, "order-update"),
    (IssueKind::ShipmentUpdate, "shipment-update"),
    (IssueKind::PrivacyRequest, "privacy-request"),
    (IssueKind::Other, "other"),
];

/// A positive duration ("4h", "PT12H").
pub fn positive_duration<'de, D: Deserializer<'de>>(de: D) -> Result<SignedDuration, D::Error> {
    checked_duration(
        de,
        SignedDuration::is_positive,
        "a positive duration such as \"4h\"",
    )
}

/// A duration of zero or more.
pub fn non_negative_duration<'de, D: Deserializer<'de>>(de: D) -> Result<SignedDuration, D::Error> {
    checked_duration(
        de,
        |duration| !duration.is_negative(),
        "a duration of zero or more such as \"24h\"",
    )
}

/// Deserialize a duration and refuse it unless `ok`; `expected` says what would be.
fn checked_duration<'de, D: Deserializer<'de>>(
    de: D,
    ok: fn(&SignedDuration) -> bool,
    expected: &str,
) -> Result<SignedDuration, D::Error> {
    static PRINTER: SpanPrinter = SpanPrinter::new().direction(Direction::Sign);
    let duration = SignedDuration::deserialize(de)?;
    if ok(&duration) && Timestamp::UNIX_EPOCH.checked_add(duration).is_ok() {
        Ok(duration)
    } else {
        let found = PRINTER.duration_to_string(&duration);
        Err(D::Error::custom(format_args!(
            "expected {expected}, found \"{found}\""
        )))
    }
}

fn business_days<'de, D: Deserializer<'de>>(de: D) -> Result<u8, D::Error> {
    let days = u8::deserialize(de)?;
    if (1..=60).contains(&days) {
        Ok(days)
    } else {
        Err(D::Error::custom(format_args!(
            "expected 1 to 60 business days, found {days}"
        )))
    }
}

/// `text` when it is 1 to `max` bytes, starts with a char `first` allows and has only
/// chars `allowed` allows; else an error saying `what` a value is.
fn named<E: serde::de::Error>(
    text: String,
    max: usize,
    first: fn(char) -> bool,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<String, E> {
    let ok = text.len() <= max && text.starts_with(first) && text.chars().all(allowed);
    if ok {
        Ok(text)
    } else {
        Err(E::custom(format_args!("{what}, found {text:?}")))
    }
}

fn rule_name<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    named(
        String::deserialize(de)?,
        64,
        allowed,
        allowed,
        "a rule name is 1 to 64 letters, digits, '.', '_' or '-'",
    )
}

fn report_name<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    named(
        String::deserialize(de)?,
        40,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        "a report or status name is 1 to 40 lower-case letters, digits and '-'",
    )
}

fn column<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    named(
        String::deserialize(de)?,
        40,
        |c| c.is_ascii_lowercase(),
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_',
        "a column name is 1 to 40 lower-case letters, digits and '_'",
    )
}

fn labels<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    let label = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    Vec::<String>::deserialize(de)?
        .into_iter()
        .map(|l| {
            named(
                l,
                63,
                label,
                label,
                "an own site is one lower-case domain label such as \"amazon\"",
            )
        })
        .collect()
}

/// Issue kinds by their names.
fn kind_list<E: serde::de::Error>(names: Vec<String>) -> Result<Vec<IssueKind>, E> {
    names
        .iter()
        .map(|name| {
            kind_from_name(name).ok_or_else(|| {
                E::custom(format_args!(
                    "{name:?} is not an issue kind (e.g. buyer-message, a-to-z-claim, \
                     chargeback, return-request)"
                ))
            })
        })
        .collect()
}

/// At least one issue kind.
fn kinds<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<IssueKind>, D::Error> {
    let names = Vec::<String>::deserialize(de)?;
    if names.is_empty() {
        return Err(D::Error::custom(
            "a deadline rule names at least one issue kind",
        ));
    }
    kind_list(names)
}

/// Any issue kinds (none: any kind).
fn some_kinds<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<IssueKind>, D::Error> {
    kind_list(Vec::<String>::deserialize(de)?)
}

fn window_days<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    let days = i64::deserialize(de)?;
    if (1..=730).contains(&days) {
        Ok(days)
    } else {
        Err(D::Error::custom(format_args!(
            "expected 1 to 730 days, found {days}"
        )))
    }
}

fn defects<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<Defect>, D::Error> {
    let defects = Vec::<Defect>::deserialize(de)?;
    if defects.is_empty() {
        return Err(D::Error::custom("a health rate needs at least one defect"));
    }
    if let Some((i, d)) = defects
        .iter()
        .enumerate()
        .find(|(i, d)| defects[..*i].iter().any(|e| e.name == d.name))
    {
        return Err(D::Error::custom(format_args!(
            "defect {i} is named {:?} like one before it",
            d.name
        )));
    }
    Ok(defects)
}

fn bands<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<Band>, D::Error> {
    let bands = Vec::<Band>::deserialize(de)?;
    let Some((last, rest)) = bands.split_last() else {
        return Err(D::Error::custom("a health rate needs at least one band"));
    };
    if last.below.is_some() || last.up_to.is_some() {
        return Err(D::Error::custom(
            "the last band has no bound: it takes every rate the others do not",
        ));
    }
    let mut previous = f64::NEG_INFINITY;
    for band in rest {
        let bound = match (band.below, band.up_to) {
            (Some(b), None) | (None, Some(b)) => b,
            _ => {
                return Err(D::Error::custom(format_args!(
                    "band {:?} needs one bound, `below` or `up_to`",
                    band.status
                )));
            }
        };
        if !bound.is_finite() || bound < 0.0 || bound <= previous {
            return Err(D::Error::custom(format_args!(
                "band {:?}: bounds are percentages of zero or more, increasing",
                band.status
            )));
        }
        previous = bound;
    }
    Ok(bands)
}

fn relay_domains<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    let domains = Vec::<String>::deserialize(de)?;
    for domain in &domains {
        let ok = domain.contains('.')
            && !domain.starts_with('.')
            && domain.len() <= 253
            && domain
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'));
        if !ok {
            return Err(D::Error::custom(format_args!(
                "a relay domain is a lower-case domain or a prefix ending in \".\" such as \
                 \"marketplace.example.\", found {domain:?}"
            )));
        }
    }
    Ok(domains)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MarketplaceRules, String> {
        toml::from_str::<MarketplaceRules>(text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_documented_example_reads() {
        let rules = parse(
            "own_sites = [\"amazon\"]\n\
             [messages]\nlinks = \"block\"\nmarketing = \"block\"\n\
             [[deadlines]]\nname = \"a.buyer_message\"\nkinds = [\"buyer-message\"]\n\
             window = { calendar = \"24h\" }\n\
             [[deadlines]]\nname = \"a.case\"\nkinds = [\"a-to-z-claim\", \"not-received\"]\n\
             window = { business_days = { days = 3, time_zone = \"America/Los_Angeles\" } }\n\
             [[deadlines]]\nname = \"a.dispute\"\nkinds = [\"chargeback\"]\n\
             platform_margin = \"24h\"\n",
        )
        .unwrap();
        assert_eq!(rules.messages.links, Verdict::Block);
        assert_eq!(rules.messages.contact_details, Verdict::Block, "default");
        assert_eq!(rules.own_sites, ["amazon"]);
        let case = rules.deadline(IssueKind::NotReceived).unwrap();
        assert_eq!(case.name, "a.case");
        assert!(matches!(
            case.window,
            Some(ResponseWindow::BusinessDays { days: 3, .. })
        ));
        let dispute = rules.deadline(IssueKind::Chargeback).unwrap().rule();
        assert_eq!(dispute.window, None);
        assert_eq!(dispute.platform_margin, SignedDuration::from_hours(24));
        assert!(rules.deadline(IssueKind::Damaged).is_none());
        assert_eq!(rules.conflict(), None);
    }

    #[test]
    fn a_health_rate_grades_by_its_bands() {
        let rules = parse(
            "[[health]]\nname = \"defects\"\ntitle = { en = \"Defect rate\", zh-CN = \"缺陷率\" }\n\
             days = 90\nper = \"transactions\"\nper_label = { en = \"transaction\" }\n\
             bands = [{ up_to = 0.5, status = \"top-rated\" }, { up_to = 2.0, status = \"above-standard\" }, { status = \"below-standard\" }]\n\
             defects = [{ name = \"cancellations\", label = { en = \"cancellations\" }, kinds = [\"cancellation-request\"] }]\n",
        )
        .unwrap();
        let metric = &rules.health[0];
        assert_eq!(metric.grade(0.5), "top-rated");
        assert_eq!(metric.grade(0.51), "above-standard");
        assert_eq!(metric.grade(2.0), "above-standard");
        assert_eq!(metric.grade(7.0), "below-standard");
        assert_eq!(metric.title.pick(true), "缺陷率");
        assert_eq!(metric.per_label.pick(true), "transaction");
        let refused = |bands: &str, says: &str| {
            let text = format!(
                "[[health]]\nname = \"d\"\ntitle = {{ en = \"D\" }}\ndays = 9\nper = \"orders\"\n\
                 per_label = {{ en = \"order\" }}\nbands = {bands}\n\
                 defects = [{{ name = \"x\", label = {{ en = \"x\" }} }}]\n"
            );
            let error = parse(&text).unwrap_err();
            assert!(error.contains(says), "{bands}: {error}");
        };
        refused(
            "[{ below = 1.0, status = \"ok\" }]",
            "the last band has no bound",
        );
        refused(
            "[{ below = 2.0, status = \"a\" }, { below = 1.0, status = \"b\" }, { status = \"c\" }]",
            "increasing",
        );
        refused(
            "[{ status = \"a\" }, { status = \"b\" }]",
            "needs one bound",
        );
        refused("[]", "at least one band");
    }

    #[test]
    fn relay_domains_match_whole_domains_or_prefixes() {
        let rules =
            parse("relay_domains = [\"marketplace.example.\", \"relay.shop.test\"]").unwrap();
        assert!(rules.relays("marketplace.example.de"));
        assert!(rules.relays("marketplace.example.co.uk"));
        assert!(rules.relays("relay.shop.test"));
        assert!(!rules.relays("sub.relay.shop.test"));
        assert!(!rules.relays("example.com"));
    }

    #[test]
    fn invalid_rules_are_refused_naming_what_is_wrong() {
        let refused = |text: &str, says: &str| {
            let error = parse(text).unwrap_err();
            assert!(error.contains(says), "{text:?} gave {error}");
        };
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = [\"buyer-message\"]\nwindow = { calendar = \"-24h\" }",
            "expected a positive duration",
        );
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = [\"buyer-message\"]\n\
             window = { business_days = { days = 3, time_zone = \"Mars/Olympus\" } }",
            "Mars/Olympus",
        );
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = [\"buyer-message\"]\n\
             window = { business_days = { days = 0, time_zone = \"UTC\" } }",
            "1 to 60 business days",
        );
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = [\"buyer-mesage\"]",
            "\"buyer-mesage\" is not an issue kind",
        );
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = []",
            "at least one issue kind",
        );
        refused(
            "[[deadlines]]\nname = \"x y\"\nkinds = [\"other\"]",
            "a rule name is",
        );
        refused(
            "[[deadlines]]\nname = \"x\"\nkinds = [\"other\"]\nplatform_margin = \"-1h\"",
            "a duration of zero or more",
        );
        refused("[messages]\nlinks = \"maybe\"", "unknown variant `maybe`");
        refused("own_sites = [\"Amazon.de\"]", "one lower-case domain label");
        refused(
            "[messages]\nattachments = \"block\"",
            "unknown field `attachments`",
        );
        refused("relay_domains = [\"example\"]", "a relay domain is");
    }

    #[test]
    fn two_rules_for_one_kind_or_one_name_conflict() {
        let rules = parse(
            "[[deadlines]]\nname = \"a\"\nkinds = [\"chargeback\"]\nplatform_margin = \"1h\"\n\
             [[deadlines]]\nname = \"b\"\nkinds = [\"payment-dispute\", \"chargeback\"]\n",
        )
        .unwrap();
        assert_eq!(
            rules.conflict().unwrap(),
            "`rules.deadlines[1]` (\"b\") claims \"chargeback\", which \"a\" claims already"
        );
        let rules = parse(
            "[[deadlines]]\nname = \"a\"\nkinds = [\"chargeback\"]\n\
             [[deadlines]]\nname = \"a\"\nkinds = [\"other\"]\n",
        )
        .unwrap();
        assert_eq!(
            rules.conflict().unwrap(),
            "`rules.deadlines[1].name` \"a\" is used twice"
        );
    }

    #[test]
    fn every_kind_has_a_name_that_reads_back() {
        for (kind, name) in KINDS {
            assert_eq!(kind_from_name(name), Some(kind));
            assert_eq!(kind_name(kind), name);
        }
    }
}
