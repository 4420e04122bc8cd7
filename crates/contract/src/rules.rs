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
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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

    /// A rule name two entries share, or a kind two entries claim: the first such problem.
    pub fn conflict(&self) -> Option<String> {
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

fn rule_name<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    let name = String::deserialize(de)?;
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(D::Error::custom(format_args!(
            "a rule name is 1 to 64 letters, digits, '.', '_' or '-', found {name:?}"
        )))
    }
}

fn kinds<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<IssueKind>, D::Error> {
    let names = Vec::<String>::deserialize(de)?;
    if names.is_empty() {
        return Err(D::Error::custom(
            "a deadline rule names at least one issue kind",
        ));
    }
    names
        .iter()
        .map(|name| {
            kind_from_name(name).ok_or_else(|| {
                D::Error::custom(format_args!(
                    "{name:?} is not an issue kind (e.g. buyer-message, a-to-z-claim, \
                     chargeback, return-request)"
                ))
            })
        })
        .collect()
}

fn labels<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    let labels = Vec::<String>::deserialize(de)?;
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(D::Error::custom(format_args!(
                "an own site is one lower-case domain label such as \"amazon\", found {label:?}"
            )));
        }
    }
    Ok(labels)
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
