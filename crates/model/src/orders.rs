//! The order behind the cases: what the marketplace said about one order, joined from every
//! event that named it — its buyer, items, amounts, shipment and payment — and which tickets
//! are about it.
//!
//! Order, shipment, refund and payment updates are *context*: they update this record and
//! the open cases of the order instead of opening tickets of their own, unless a rule says a
//! human must act ([`opens_ticket`]: a failed payment, a failed delivery). A case that opens
//! later takes the buyer from here (a Shopify chargeback names no buyer; its order's update
//! does).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::model::TicketId;
use crate::types::{IssueKind, Money, TicketEvent};

/// One order as the gateway knows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// Schema version.
    pub v: u32,
    /// The connector it came through.
    pub marketplace: String,
    /// The shop.
    pub shop: String,
    /// The marketplace's order id.
    pub id: String,
    /// The name the buyer sees ("#1001").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The buyer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// The buyer's e-mail (or relay) address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The buyer's profile key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The buyer's preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The shipping (else billing) country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// When it was placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<Timestamp>,
    /// The total charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    /// The order's lines (the latest event that listed them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
    /// What the buyer wrote on the order at checkout (the latest order event's text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The marketplace's latest state for it ("paid", "cancelled", "refunded").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The shipment, as far as told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<ShipmentInfo>,
    /// Refunds the seller, marketplace or payment provider issued: amount and when.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<(Money, Timestamp)>,
    /// The latest lines the events wrote about it ("Order #1001 updated: paid").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<(Timestamp, String)>,
    /// The tickets about this order, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tickets: Vec<TicketId>,
    /// How to answer the buyer about it: the `reply.<name>` attributes of the latest event
    /// of the order that had any. A case that came without them (a Shopify chargeback
    /// names no buyer) takes these when it joins the order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reply_context: Vec<(String, String)>,
    /// When the gateway last heard of it.
    pub updated_at: Timestamp,
    /// The buyer's personal data was erased from it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymized: bool,
    /// When a proactive care message was queued for it (`care`): never twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_sent_at: Option<Timestamp>,
    /// Looking it up at the marketplace, when a case of it opened without its buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
}

/// An order lookup: asked for when a case opens on an order the gateway knows no buyer
/// of, run in the background through the connector's `lookup-order`, retried with
/// backoff; the case is usable all the while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    /// Still to do.
    pub pending: bool,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (while pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// What the last attempt failed with, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How it ended (once settled): `found`, `not-found`, `not-supported`, `gave-up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl Lookup {
    /// A lookup due at `at`.
    pub fn due_at(at: Timestamp) -> Lookup {
        Lookup {
            pending: true,
            attempts: 0,
            due: Some(at),
            error: None,
            outcome: None,
        }
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The marketplace's line-item id (what a refund or a reship names).
    #[serde(default)]
    pub id: String,
    /// The seller's SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Production batch or lot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Title.
    pub title: String,
    /// Units.
    pub quantity: u32,
    /// Price of one unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
}

/// Where the order's parcel is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipmentInfo {
    /// Carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Tracking link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// The carrier's latest status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<Timestamp>,
    /// Proof of delivery (photo link, signature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_proof: Option<String>,
    /// The carrier's estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<Timestamp>,
    /// When the carrier last reported movement: a new status or a new tracking number
    /// (the time of the tracking event, else when it arrived). Other news of the order
    /// does not count: "stalled" means the parcel stopped, not the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_at: Option<Timestamp>,
    /// The `moved_at` a stall was reported for (one case per stop of the parcel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_reported: Option<Timestamp>,
}

impl ShipmentInfo {
    /// Tracked and not delivered: a parcel that can stall.
    pub fn in_transit(&self) -> bool {
        let delivered = self.delivered_at.is_some()
            || self
                .status
                .as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains("delivered"));
        self.tracking_number.is_some() && !delivered
    }
}

/// How long a parcel may go without the carrier reporting movement before it is stalled:
/// a default, and per carrier and destination country (`[logistics]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StallRules {
    /// Days without movement, where no route says otherwise.
    #[serde(default = "default_stalled_days")]
    pub stalled_days: u32,
    /// Routes with their own days; the most specific match wins (carrier and country, then
    /// carrier, then country).
    #[serde(default)]
    pub routes: Vec<StallRoute>,
}

/// One route's days without movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StallRoute {
    /// The carrier as the marketplace names it (case-insensitive); any when absent.
    #[serde(default)]
    pub carrier: Option<String>,
    /// The destination country (ISO 3166-1 alpha-2, case-insensitive); any when absent.
    #[serde(default)]
    pub country: Option<String>,
    /// Days without movement.
    pub days: u32,
}

fn default_stalled_days() -> u32 {
    5
}

impl Default for StallRules {
    fn default() -> Self {
        StallRules {
            stalled_days: default_stalled_days(),
            routes: Vec::new(),
        }
    }
}

impl StallRules {
    /// Check the days; the message names the key.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=365).contains(&self.stalled_days) {
            return Err("[logistics] stalled_days must be from 1 to 365".into());
        }
        for (i, route) in self.routes.iter().enumerate() {
            if route.carrier.is_none() && route.country.is_none() {
                return Err(format!(
                    "[[logistics.routes]] number {}: name a carrier, a country or both",
                    i + 1
                ));
            }
            if !(1..=365).contains(&route.days) {
                return Err(format!(
                    "[[logistics.routes]] number {}: days must be from 1 to 365",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    /// The days a parcel of `carrier` to `country` may go without movement.
    pub fn days_for(&self, carrier: Option<&str>, country: Option<&str>) -> u32 {
        let same = |want: &Option<String>, have: Option<&str>| match want {
            None => Some(false),
            Some(w) => have.filter(|h| h.eq_ignore_ascii_case(w)).map(|_| true),
        };
        self.routes
            .iter()
            .filter_map(|r| {
                let carrier = same(&r.carrier, carrier)?;
                let country = same(&r.country, country)?;
                // Carrier and country, then carrier, then country.
                Some((u8::from(carrier) * 2 + u8::from(country), r.days))
            })
            .max_by_key(|(rank, _)| *rank)
            .map_or(self.stalled_days, |(_, days)| days)
    }

    /// When `order`'s parcel counts as stalled (none: not in transit, or reported for this
    /// stop already).
    pub fn stalls_at(&self, order: &OrderRecord) -> Option<Timestamp> {
        let shipment = order.shipment.as_ref().filter(|s| s.in_transit())?;
        let since = shipment.moved_at.unwrap_or(order.updated_at);
        if shipment.stall_reported == Some(since) {
            return None;
        }
        let days = self.days_for(shipment.carrier.as_deref(), order.country.as_deref());
        Some(since + SignedDuration::from_hours(24 * i64::from(days)))
    }
}

/// How many history lines an order keeps.
pub const HISTORY_KEPT: usize = 50;

/// The kinds that are context by default: they update their order and its cases.
pub const CONTEXT_KINDS: [IssueKind; 3] = [
    IssueKind::OrderUpdate,
    IssueKind::ShipmentUpdate,
    IssueKind::RefundIssued,
];

fn stamp(t: &Option<crate::types::Timestamp>) -> Option<Timestamp> {
    t.as_ref()
        .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok())
}

/// The status of the event the gateway writes when a parcel stopped moving
/// ([`StallRules`]).
pub const STALLED: &str = "stalled";

/// A failed payment or a failed delivery, or a parcel that stopped moving: context that
/// needs a human, so it opens a ticket (or joins its order's open case) like any case.
pub fn opens_ticket(event: &TicketEvent) -> bool {
    let failed = |s: &str| {
        let s = s.to_ascii_lowercase();
        [
            "fail",
            "declined",
            "error",
            "exception",
            "returned_to_sender",
            "undeliverable",
        ]
        .iter()
        .any(|w| s.contains(w))
    };
    event.status.as_deref() == Some(STALLED)
        || event.status.as_deref().is_some_and(failed)
        || event
            .shipment
            .as_ref()
            .and_then(|s| s.status.as_deref())
            .is_some_and(failed)
}

impl OrderRecord {
    /// A record for order `id` that nothing was heard of yet.
    pub fn new(marketplace: &str, shop: &str, id: &str, at: Timestamp) -> OrderRecord {
        OrderRecord {
            v: crate::SCHEMA_VERSION,
            marketplace: marketplace.into(),
            shop: shop.into(),
            id: id.into(),
            updated_at: at,
            ..OrderRecord::default()
        }
    }

    /// Take what `event` says of the order; `customer` is the buyer's profile key, when
    /// the buyer is identifiable.
    pub fn absorb(&mut self, event: &TicketEvent, customer: Option<&str>, at: Timestamp) {
        fn take<T: Clone>(slot: &mut Option<T>, value: Option<&T>) {
            if let Some(v) = value {
                *slot = Some(v.clone());
            }
        }
        self.updated_at = self.updated_at.max(at);
        if let Some(order) = &event.order {
            take(&mut self.name, order.display_name.as_ref());
            take(&mut self.total, order.total.as_ref());
            take(&mut self.placed_at, stamp(&order.placed_at).as_ref());
            // Only an order event lists the whole order; a return or refund lists its part.
            let whole = matches!(
                event.kind,
                IssueKind::OrderUpdate | IssueKind::CancellationRequest
            );
            if whole || self.items.is_empty() {
                let items: Vec<OrderItem> = order
                    .line_items
                    .iter()
                    .map(|l| OrderItem {
                        id: l.id.clone(),
                        sku: l.sku.clone(),
                        batch: l.batch.clone(),
                        title: l.title.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price.clone(),
                    })
                    .collect();
                if !items.is_empty() {
                    self.items = items;
                }
            }
        }
        let context = crate::model::reply_context(event);
        if !context.is_empty() {
            self.reply_context = context;
        }
        if let Some(buyer) = &event.customer {
            take(&mut self.buyer, buyer.name.as_ref());
            take(&mut self.email, buyer.email.as_ref());
            take(&mut self.language, buyer.preferred_locale.as_ref());
            take(&mut self.country, buyer.country.as_ref());
        }
        if let Some(key) = customer {
            self.customer = Some(key.to_string());
        }
        if let Some(s) = &event.shipment {
            let shipment = self.shipment.get_or_insert_with(ShipmentInfo::default);
            let moved = s
                .status
                .as_ref()
                .is_some_and(|n| shipment.status.as_ref() != Some(n))
                || s.tracking_number
                    .as_ref()
                    .is_some_and(|n| shipment.tracking_number.as_ref() != Some(n));
            if moved {
                let when = stamp(&event.occurred_at).unwrap_or(at);
                shipment.moved_at = Some(shipment.moved_at.map_or(when, |m| m.max(when)));
            }
            take(&mut shipment.carrier, s.carrier.as_ref());
            take(&mut shipment.tracking_number, s.tracking_number.as_ref());
            take(&mut shipment.tracking_url, s.tracking_url.as_ref());
            take(&mut shipment.status, s.status.as_ref());
            take(&mut shipment.delivered_at, stamp(&s.delivered_at).as_ref());
            take(&mut shipment.delivery_proof, s.delivery_proof.as_ref());
            take(
                &mut shipment.estimated_delivery,
                stamp(&s.estimated_delivery).as_ref(),
            );
        }
        if matches!(event.kind, IssueKind::OrderUpdate) {
            take(&mut self.status, event.status.as_ref());
        }
        if matches!(
            event.kind,
            IssueKind::OrderUpdate | IssueKind::CancellationRequest
        ) {
            take(&mut self.note, event.buyer_text.as_ref());
        }
        if event.kind == IssueKind::RefundIssued
            && let Some(amount) = &event.amount
        {
            self.refunds
                .push((amount.clone(), stamp(&event.occurred_at).unwrap_or(at)));
        }
        if self.history.len() >= HISTORY_KEPT {
            self.history.remove(0);
        }
        self.history.push((at, event.summary.clone()));
    }

    /// Remember that `ticket` is about this order.
    pub fn add_ticket(&mut self, ticket: TicketId) {
        if !self.tickets.contains(&ticket) {
            self.tickets.push(ticket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DedupeKey, Shipment};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn shipment_event(status: &str, tracking: &str, occurred: &str) -> TicketEvent {
        let when = at(occurred);
        TicketEvent {
            kind: IssueKind::ShipmentUpdate,
            shop: "s".into(),
            case_id: None,
            order: None,
            customer: None,
            shipment: Some(Shipment {
                carrier: Some("USPS".into()),
                tracking_number: Some(tracking.into()),
                tracking_url: None,
                status: Some(status.into()),
                delivered_at: None,
                delivery_proof: None,
                estimated_delivery: None,
            }),
            amount: None,
            reason: None,
            status: None,
            platform_deadline: None,
            occurred_at: Some(crate::types::Timestamp {
                seconds: when.as_second(),
                nanoseconds: 0,
            }),
            buyer_text: None,
            rating: None,
            summary: format!("Shipment {status}"),
            dedupe: DedupeKey {
                delivery: None,
                action: None,
                business: format!("shipment:{status}"),
            },
            attributes: Vec::new(),
        }
    }

    #[test]
    fn only_the_carriers_movement_moves_the_parcel() {
        let mut order = OrderRecord::new("shopify", "s", "1", at("2026-12-01T00:00:00Z"));
        order.absorb(
            &shipment_event("in_transit", "9400", "2026-12-01T10:00:00Z"),
            None,
            at("2026-12-01T10:05:00Z"),
        );
        let moved = |o: &OrderRecord| o.shipment.as_ref().unwrap().moved_at;
        assert_eq!(moved(&order), Some(at("2026-12-01T10:00:00Z")));
        // The same status again (a retry, a webhook of another field) is no movement.
        order.absorb(
            &shipment_event("in_transit", "9400", "2026-12-03T10:00:00Z"),
            None,
            at("2026-12-03T10:05:00Z"),
        );
        assert_eq!(moved(&order), Some(at("2026-12-01T10:00:00Z")));
        order.absorb(
            &shipment_event("out_for_delivery", "9400", "2026-12-04T08:00:00Z"),
            None,
            at("2026-12-04T08:01:00Z"),
        );
        assert_eq!(moved(&order), Some(at("2026-12-04T08:00:00Z")));
    }

    #[test]
    fn the_most_specific_route_sets_the_days_and_a_stop_is_reported_once() {
        let rules = StallRules {
            stalled_days: 5,
            routes: vec![
                StallRoute {
                    carrier: Some("USPS".into()),
                    country: None,
                    days: 4,
                },
                StallRoute {
                    carrier: None,
                    country: Some("BR".into()),
                    days: 12,
                },
                StallRoute {
                    carrier: Some("usps".into()),
                    country: Some("br".into()),
                    days: 15,
                },
            ],
        };
        rules.check().unwrap();
        assert_eq!(rules.days_for(Some("USPS"), Some("US")), 4);
        assert_eq!(rules.days_for(Some("DHL"), Some("BR")), 12);
        assert_eq!(rules.days_for(Some("USPS"), Some("BR")), 15);
        assert_eq!(rules.days_for(Some("DHL"), Some("DE")), 5);
        assert_eq!(rules.days_for(None, None), 5);

        let mut order = OrderRecord::new("shopify", "s", "1", at("2026-12-01T00:00:00Z"));
        assert_eq!(rules.stalls_at(&order), None, "no parcel");
        order.absorb(
            &shipment_event("in_transit", "9400", "2026-12-01T10:00:00Z"),
            None,
            at("2026-12-01T10:05:00Z"),
        );
        assert_eq!(rules.stalls_at(&order), Some(at("2026-12-05T10:00:00Z")));
        order.shipment.as_mut().unwrap().stall_reported = Some(at("2026-12-01T10:00:00Z"));
        assert_eq!(rules.stalls_at(&order), None, "reported for this stop");
        order.absorb(
            &shipment_event("delivered", "9400", "2026-12-06T10:00:00Z"),
            None,
            at("2026-12-06T10:05:00Z"),
        );
        assert_eq!(rules.stalls_at(&order), None, "delivered");
    }

    #[test]
    fn bad_stall_rules_are_named() {
        let bad = StallRules {
            stalled_days: 0,
            routes: Vec::new(),
        };
        assert!(bad.check().unwrap_err().contains("stalled_days"));
        let bad = StallRules {
            stalled_days: 5,
            routes: vec![StallRoute {
                carrier: None,
                country: None,
                days: 3,
            }],
        };
        assert!(bad.check().unwrap_err().contains("number 1"));
    }
}
