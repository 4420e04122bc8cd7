//! The order behind the cases: what the marketplace said about one order, joined from every
//! event that named it — its buyer, items, amounts, shipment and payment — and which tickets
//! are about it.
//!
//! Order, shipment, refund and payment updates are *context*: they update this record and
//! the open cases of the order instead of opening tickets of their own, unless a rule says a
//! human must act ([`opens_ticket`]: a failed payment, a failed delivery). A case that opens
//! later takes the buyer from here (a Shopify chargeback names no buyer; its order's update
//! does).

use jiff::Timestamp;
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

/// A failed payment or a failed delivery: context that needs a human, so it opens a ticket
/// (or joins its order's open case) like any case.
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
    event.status.as_deref().is_some_and(failed)
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
