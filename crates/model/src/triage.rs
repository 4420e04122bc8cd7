//! Triage: which severity an event deserves. The rules are data (the `[triage]` config
//! section); these are the defaults.

use serde::Deserialize;

use super::model::kind_from_name;
use super::sla::Severity;
use crate::types::{IssueKind, TicketEvent};

/// Severity rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    red: Vec<IssueKind>,
    yellow: Vec<IssueKind>,
    /// A negative review at or below this many stars is red (yellow above it).
    review_red_at_or_below: u8,
}

/// The `[triage]` config section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageConfig {
    /// Issue kinds that are red.
    pub red: Option<Vec<String>>,
    /// Issue kinds that are yellow.
    pub yellow: Option<Vec<String>>,
    /// A negative review with this many stars or fewer is red.
    pub review_red_at_or_below: Option<u8>,
}

impl Default for Triage {
    fn default() -> Self {
        use IssueKind::*;
        Triage {
            red: vec![AToZClaim, Chargeback, PaymentDispute, AccountHealth],
            yellow: vec![
                NotReceived,
                DeliveredNotReceived,
                LogisticsDelay,
                CustomsHold,
                ReturnRequest,
                CancellationRequest,
            ],
            review_red_at_or_below: 2,
        }
    }
}

impl Triage {
    /// Rules from config; unset keys keep the defaults. Errors name the key and value.
    pub fn from_config(config: &TriageConfig) -> Result<Triage, String> {
        let defaults = Triage::default();
        let kinds = |key: &str, names: &Option<Vec<String>>, default: Vec<IssueKind>| match names {
            None => Ok(default),
            Some(names) => names
                .iter()
                .map(|n| {
                    kind_from_name(n)
                        .ok_or_else(|| format!("`triage.{key}` has unknown issue kind {n:?}"))
                })
                .collect(),
        };
        Ok(Triage {
            red: kinds("red", &config.red, defaults.red)?,
            yellow: kinds("yellow", &config.yellow, defaults.yellow)?,
            review_red_at_or_below: config
                .review_red_at_or_below
                .unwrap_or(defaults.review_red_at_or_below),
        })
    }

    /// The severity of `event`.
    pub fn severity(&self, event: &TicketEvent) -> Severity {
        if event.kind == IssueKind::NegativeReview {
            let stars = event.rating.unwrap_or(1);
            return if stars <= self.review_red_at_or_below {
                Severity::Red
            } else {
                Severity::Yellow
            };
        }
        if self.red.contains(&event.kind) {
            Severity::Red
        } else if self.yellow.contains(&event.kind) {
            Severity::Yellow
        } else {
            Severity::Blue
        }
    }
}

/// Red beats yellow beats blue.
pub fn more_urgent(a: Severity, b: Severity) -> Severity {
    let rank = |s| match s {
        Severity::Red => 0,
        Severity::Yellow => 1,
        Severity::Blue => 2,
    };
    if rank(a) <= rank(b) { a } else { b }
}
