//! Proactive care: which orders deserve a message before the buyer complains, and which must
//! never get one. Pure rules over an order, its buyer's profile and the tickets of both; the
//! care list (reports) and the care action (the gateway's desk) apply the same ones.
//!
//! A candidate has at least one reason:
//! - **first high-value order**: the buyer's only order the gateway has seen, worth at least
//!   `high_value_minor` minor units of its currency, on its way (tracked, not delivered);
//! - **tracking anomaly**: the carrier reports a failed attempt, an exception, a return to
//!   the sender, a delay or a customs hold;
//! - **stalled**: tracked, not delivered, and no news of the order for `stalled_days`;
//! - **earlier problems**: the buyer had problem cases on other orders before.
//!
//! And none of the exclusions: a cancelled, voided or refunded order; an open dispute
//! (chargeback, payment dispute, A-to-z claim) on the order or anywhere for the buyer; an
//! open case on the order (the agent answers there); care already sent for the order.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::customers::Customer;
use crate::model::Ticket;
use crate::orders::OrderRecord;
use crate::types::IssueKind;

/// The thresholds of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareRules {
    /// A first order worth at least this many minor units is high-value.
    pub high_value_minor: i64,
    /// A tracked, undelivered shipment with no news for this many days is stalled.
    pub stalled_days: i64,
}

/// Why an order deserves care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum CareReason {
    /// The buyer's first order seen, at or above the high-value threshold.
    FirstHighValueOrder,
    /// The carrier's status says something went wrong.
    TrackingAnomaly {
        /// The carrier's status, verbatim.
        status: String,
    },
    /// No news of a tracked, undelivered shipment for this many days.
    Stalled {
        /// Days without news.
        days: i64,
    },
    /// The buyer had this many problem cases on other orders.
    EarlierProblems {
        /// How many.
        cases: usize,
    },
}

/// Why an order gets no care message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "excluded", rename_all = "kebab-case")]
pub enum Excluded {
    /// The order is cancelled, voided or refunded.
    Cancelled {
        /// Its status, verbatim.
        status: String,
    },
    /// A dispute is open on the order or for the buyer.
    OpenDispute {
        /// The dispute's ticket.
        ticket: u64,
    },
    /// The order has an open case already: the agent answers there.
    OpenCase {
        /// Its ticket.
        ticket: u64,
    },
    /// Care was sent for the order already.
    AlreadySent,
    /// No rule applies.
    NoReason,
}

impl CareReason {
    /// The reason as a code, the same in every language: `first-high-value-order`,
    /// `tracking-anomaly`, `stalled-<days>-days`, `earlier-problems`.
    pub fn code(&self) -> String {
        match self {
            CareReason::FirstHighValueOrder => "first-high-value-order".into(),
            CareReason::TrackingAnomaly { .. } => "tracking-anomaly".into(),
            CareReason::Stalled { days } => format!("stalled-{days}-days"),
            CareReason::EarlierProblems { .. } => "earlier-problems".into(),
        }
    }
}

impl std::fmt::Display for Excluded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Excluded::Cancelled { status } => write!(f, "the order is {status}"),
            Excluded::OpenDispute { ticket } => {
                write!(f, "the buyer has an open dispute (ticket {ticket})")
            }
            Excluded::OpenCase { ticket } => {
                write!(
                    f,
                    "the order has an open case (ticket {ticket}); answer there"
                )
            }
            Excluded::AlreadySent => write!(f, "a care message was sent for this order already"),
            Excluded::NoReason => write!(f, "no care rule applies to this order"),
        }
    }
}

/// Kinds that are a dispute with the buyer: no care message while one is open.
pub const DISPUTES: [IssueKind; 3] = [
    IssueKind::Chargeback,
    IssueKind::PaymentDispute,
    IssueKind::AToZClaim,
];

/// Kinds that are the buyer's problem (not context, not the seller's account).
fn is_problem(kind: IssueKind) -> bool {
    !matches!(
        kind,
        IssueKind::OrderUpdate
            | IssueKind::ShipmentUpdate
            | IssueKind::RefundIssued
            | IssueKind::AccountHealth
            | IssueKind::PrivacyRequest
            | IssueKind::Other
    )
}

/// Words of carrier statuses that say something went wrong.
const ANOMALIES: [&str; 9] = [
    "fail",
    "exception",
    "attempt",
    "return",
    "delay",
    "customs",
    "held",
    "lost",
    "damaged",
];

/// Words of order statuses that end an order.
const ENDED: [&str; 4] = ["cancel", "void", "refunded", "closed_without"];

/// Assess `order`: its reasons for care, or why it gets none. `orders_of_buyer` counts the
/// buyer's orders the gateway has seen (this one included); `tickets` are the tickets of
/// the order and of the buyer's profile.
pub fn assess(
    order: &OrderRecord,
    buyer: Option<&Customer>,
    orders_of_buyer: usize,
    tickets: &[Ticket],
    now: Timestamp,
    rules: CareRules,
) -> Result<Vec<CareReason>, Excluded> {
    if order.care_sent_at.is_some() {
        return Err(Excluded::AlreadySent);
    }
    if let Some(status) = &order.status {
        let lower = status.to_ascii_lowercase();
        if ENDED.iter().any(|w| lower.contains(w)) {
            return Err(Excluded::Cancelled {
                status: status.clone(),
            });
        }
    }
    if let Some(dispute) = tickets
        .iter()
        .find(|t| t.status.is_open() && DISPUTES.contains(&t.kind))
    {
        return Err(Excluded::OpenDispute { ticket: dispute.id });
    }
    if let Some(open) = tickets
        .iter()
        .find(|t| t.status.is_open() && t.order_id.as_deref() == Some(order.id.as_str()))
    {
        return Err(Excluded::OpenCase { ticket: open.id });
    }
    let mut reasons = Vec::new();
    let shipment = order.shipment.as_ref();
    let delivered = shipment.is_some_and(|s| s.delivered_at.is_some());
    let tracked = shipment.is_some_and(|s| s.tracking_number.is_some() || s.carrier.is_some());
    // The care message tells the buyer the shipment is watched: once it is on its way.
    if buyer.is_some()
        && orders_of_buyer <= 1
        && tracked
        && !delivered
        && order
            .total
            .as_ref()
            .is_some_and(|m| m.minor_units >= rules.high_value_minor)
    {
        reasons.push(CareReason::FirstHighValueOrder);
    }
    if let Some(status) = shipment.and_then(|s| s.status.as_ref()) {
        let lower = status.to_ascii_lowercase();
        if ANOMALIES.iter().any(|w| lower.contains(w)) {
            reasons.push(CareReason::TrackingAnomaly {
                status: status.clone(),
            });
        }
    }
    // The carrier's last movement, not the order's last news (an order edit is not the
    // parcel moving); records from before movement was kept fall back to the latter.
    let quiet = now.duration_since(
        shipment
            .and_then(|s| s.moved_at)
            .unwrap_or(order.updated_at),
    );
    if tracked && !delivered && quiet >= SignedDuration::from_hours(24 * rules.stalled_days) {
        reasons.push(CareReason::Stalled {
            days: quiet.as_hours() / 24,
        });
    }
    let earlier = tickets
        .iter()
        .filter(|t| is_problem(t.kind) && t.order_id.as_deref() != Some(order.id.as_str()))
        .count();
    if earlier > 0 {
        reasons.push(CareReason::EarlierProblems { cases: earlier });
    }
    if reasons.is_empty() {
        return Err(Excluded::NoReason);
    }
    Ok(reasons)
}

/// What the care rules need of one order: its buyer, how many orders the buyer has, and the
/// tickets of the order and of the buyer.
pub struct CareInputs<'a> {
    /// The buyer's profile.
    pub buyer: Option<&'a Customer>,
    /// The buyer's orders the gateway has seen (this one included).
    pub orders_of_buyer: usize,
    /// Tickets of the order and of the buyer's profile.
    pub tickets: Vec<Ticket>,
}

/// Gather [`CareInputs`] for `order` from the other records.
pub fn inputs<'a>(
    order: &OrderRecord,
    customers: &'a std::collections::HashMap<String, Customer>,
    orders_per_buyer: &std::collections::HashMap<String, usize>,
    ticket: &dyn Fn(u64) -> Option<Ticket>,
) -> CareInputs<'a> {
    let buyer = order.customer.as_ref().and_then(|k| customers.get(k));
    let mut ids: Vec<u64> = order.tickets.clone();
    if let Some(b) = buyer {
        ids.extend(b.tickets.iter().map(|(id, _)| *id));
    }
    ids.sort_unstable();
    ids.dedup();
    CareInputs {
        buyer,
        orders_of_buyer: order
            .customer
            .as_ref()
            .and_then(|k| orders_per_buyer.get(k).copied())
            .unwrap_or(1),
        tickets: ids.into_iter().filter_map(ticket).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::ShipmentInfo;
    use crate::sla::{Deadline, DeadlineSource, Severity};
    use crate::types::Money;

    const RULES: CareRules = CareRules {
        high_value_minor: 20_000,
        stalled_days: 5,
    };

    fn now() -> Timestamp {
        "2026-12-07T12:00:00Z".parse().unwrap()
    }

    fn order(total: i64) -> OrderRecord {
        let mut order = OrderRecord::new("shopify", "s", "1001", now());
        order.total = Some(Money {
            minor_units: total,
            currency: "EUR".into(),
        });
        order.customer = Some("email:a@b.example".into());
        order.shipment = Some(ShipmentInfo {
            carrier: Some("UPS".into()),
            tracking_number: Some("1Z".into()),
            ..Default::default()
        });
        order
    }

    fn ticket(id: u64, kind: IssueKind, order: &str, open: bool) -> Ticket {
        let mut t = Ticket {
            v: 1,
            id,
            marketplace: "shopify".into(),
            shop: "s".into(),
            case_key: format!("k{id}"),
            kind,
            severity: Severity::Blue,
            status: crate::model::Status::New,
            opened_at: now(),
            updated_at: now(),
            due: Deadline {
                at: now(),
                source: DeadlineSource::SeverityTarget,
            },
            escalation: Vec::new(),
            first_response_at: None,
            assignee: None,
            order_id: Some(order.into()),
            amount: None,
            customer: None,
            language: None,
            country: None,
            platform_status: None,
            summary: String::new(),
            events: 1,
            timers: Vec::new(),
            facts: Default::default(),
            undelivered_reply: None,
            awaiting_reply_since: None,
        };
        if !open {
            t.status = crate::model::Status::Closed;
        }
        t
    }

    fn buyer() -> Customer {
        Customer::new("email:a@b.example".into())
    }

    #[test]
    fn a_first_high_value_order_in_transit_deserves_care() {
        let got = assess(&order(25_000), Some(&buyer()), 1, &[], now(), RULES);
        assert_eq!(got, Ok(vec![CareReason::FirstHighValueOrder]));
        // Not the second order, nor a cheap one.
        assert_eq!(
            assess(&order(25_000), Some(&buyer()), 2, &[], now(), RULES),
            Err(Excluded::NoReason)
        );
        assert_eq!(
            assess(&order(5_000), Some(&buyer()), 1, &[], now(), RULES),
            Err(Excluded::NoReason)
        );
        // Not before it ships, nor once delivered.
        let mut unshipped = order(25_000);
        unshipped.shipment = None;
        assert_eq!(
            assess(&unshipped, Some(&buyer()), 1, &[], now(), RULES),
            Err(Excluded::NoReason)
        );
        let mut delivered = order(25_000);
        delivered.shipment.as_mut().unwrap().delivered_at = Some(now());
        assert_eq!(
            assess(&delivered, Some(&buyer()), 1, &[], now(), RULES),
            Err(Excluded::NoReason)
        );
    }

    #[test]
    fn an_open_dispute_anywhere_for_the_buyer_or_a_cancelled_order_excludes_it() {
        let dispute = ticket(7, IssueKind::Chargeback, "other-order", true);
        assert_eq!(
            assess(&order(25_000), Some(&buyer()), 1, &[dispute], now(), RULES),
            Err(Excluded::OpenDispute { ticket: 7 })
        );
        let mut cancelled = order(25_000);
        cancelled.status = Some("cancelled".into());
        assert!(matches!(
            assess(&cancelled, Some(&buyer()), 1, &[], now(), RULES),
            Err(Excluded::Cancelled { .. })
        ));
        let mut sent = order(25_000);
        sent.care_sent_at = Some(now());
        assert_eq!(
            assess(&sent, Some(&buyer()), 1, &[], now(), RULES),
            Err(Excluded::AlreadySent)
        );
        // A closed dispute does not exclude; it is an earlier problem.
        let closed = ticket(8, IssueKind::Chargeback, "other-order", false);
        assert_eq!(
            assess(&order(1_000), Some(&buyer()), 2, &[closed], now(), RULES),
            Ok(vec![CareReason::EarlierProblems { cases: 1 }])
        );
    }

    #[test]
    fn a_carrier_anomaly_or_a_stalled_shipment_deserves_care() {
        let mut odd = order(1_000);
        odd.shipment = Some(ShipmentInfo {
            carrier: Some("DHL".into()),
            status: Some("attempted_delivery".into()),
            ..Default::default()
        });
        assert_eq!(
            assess(&odd, Some(&buyer()), 3, &[], now(), RULES),
            Ok(vec![CareReason::TrackingAnomaly {
                status: "attempted_delivery".into()
            }])
        );
        let mut quiet = order(1_000);
        quiet.updated_at = now() - SignedDuration::from_hours(24 * 6);
        quiet.shipment = Some(ShipmentInfo {
            tracking_number: Some("1Z".into()),
            status: Some("in_transit".into()),
            ..Default::default()
        });
        assert_eq!(
            assess(&quiet, Some(&buyer()), 3, &[], now(), RULES),
            Ok(vec![CareReason::Stalled { days: 6 }])
        );
    }
}
