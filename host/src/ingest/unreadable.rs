//! Deliveries that verified but that their connector cannot read.
//!
//! A connector says so by calling `delivery.verified-unreadable` before refusing with
//! `bad-request` (the SDK's `delivery::unreadable`). The request is the marketplace's own, so
//! refusing it would only make the marketplace retry it until it disables the subscription,
//! and the case in it would be lost without the seller knowing. Instead the gateway:
//!
//! - keeps it in the replay buffer (bounded with the deliveries a connector failed on:
//!   [`crate::store::MAX_UNVERIFIED`], [`crate::store::MAX_UNVERIFIED_BYTES`]), as an inbox
//!   record in state [`InboxState::Unreadable`];
//! - answers [`Outcome::Kept`] (the HTTP front's 202), so the subscription survives;
//! - opens a ticket about it (kind `other`, case `kept-delivery-<seq>`) whose alert
//!   ([`Trigger::UnreadableDelivery`](crate::alerts::Trigger)) reaches the seller, logs an
//!   error and counts it in `helloword_deliveries_kept_total{plugin, reason="unreadable"}`;
//! - lists it in `GET /api/deliveries/kept` until `helloword replay` runs it through the
//!   fixed connector.
//!
//! When the buffer is full the answer is [`Outcome::KeptBufferFull`] (503), so the
//! marketplace retries it later rather than dropping it.

use super::{Intake, Outcome};
use crate::plugin::bindings::connector_api::IncomingRequest;
use crate::plugin::bindings::types::{IssueKind, Reason, TicketEvent, Timestamp};
use crate::store::{InboxRecord, InboxState, NewDelivery, Store, StoreError};

/// Keep the unreadable delivery `incoming` to connector `id` and open a ticket about it.
pub async fn keep(
    intake: &Intake<'_>,
    id: &str,
    incoming: &IncomingRequest,
    body: &[u8],
    why: &str,
) -> Outcome {
    let received_at = jiff::Timestamp::now();
    let record = InboxRecord {
        v: 0,
        plugin: id.to_string(),
        received_at,
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        query: incoming.query.clone(),
        headers: incoming.headers.clone(),
        delivery_id: None,
        events: Vec::new(),
        state: InboxState::Unreadable {
            error: why.to_string(),
        },
        trace: crate::telemetry::traceparent(&tracing::Span::current()),
    };
    let kept = match intake.store.append_unverified(record, body).await {
        Ok(Some(seq)) => seq,
        Ok(None) => {
            tracing::error!(
                message = "A signed delivery the connector cannot read was not kept: the replay buffer is full; the marketplace is told to retry.",
                plugin = id,
                error = why
            );
            return Outcome::KeptBufferFull {
                why: why.to_string(),
            };
        }
        Err(e) => {
            tracing::error!(message = "Cannot store a delivery.", plugin = id, error = %e);
            return Outcome::NotStored(e.to_string());
        }
    };
    intake.metrics.counter_add(
        "helloword_deliveries_kept_total",
        "Deliveries kept for `helloword replay`, by plugin and reason (unreadable: signed but \
         the connector cannot read it).",
        &[("plugin", id), ("reason", "unreadable")],
        1,
    );
    tracing::error!(
        message = "A signed delivery the connector cannot read is kept for replay.",
        plugin = id,
        delivery = kept,
        error = why
    );
    if let Err(e) = open_ticket(intake.store, id, kept, why, received_at).await {
        tracing::error!(
            message = "Cannot open the ticket about a kept delivery.",
            plugin = id,
            delivery = kept,
            error = %e
        );
    } else {
        intake.inbox_notify.notify_one();
    }
    Outcome::Kept {
        delivery: kept,
        why: why.to_string(),
    }
}

/// The ticket event about kept delivery `seq`, stored as a delivery of its own (no body):
/// the ticket engine opens the ticket and plans its alert.
async fn open_ticket(
    store: &Store,
    plugin: &str,
    seq: u64,
    why: &str,
    received_at: jiff::Timestamp,
) -> Result<(), StoreError> {
    let event = event(plugin, seq, why, received_at);
    store
        .append_delivery(NewDelivery {
            record: InboxRecord {
                v: 0,
                plugin: plugin.to_string(),
                received_at,
                method: "POST".into(),
                path: "/".into(),
                query: String::new(),
                headers: Vec::new(),
                delivery_id: None,
                events: vec![event],
                state: InboxState::Verified,
                trace: None,
            },
            body: &[],
            raw_delivery_id: None,
        })
        .await
        .map(|_| ())
}

/// What the ticket about kept delivery `seq` says.
pub fn event(plugin: &str, seq: u64, why: &str, at: jiff::Timestamp) -> TicketEvent {
    let summary = format!(
        "A signed delivery to {plugin} could not be read and is kept as delivery {seq}: {why}. \
         Fix or update the connector, then run `helloword replay`."
    );
    // The shop is in the part the connector cannot read; the connector stands in.
    let mut event = helloword_model::model::gateway_event(
        IssueKind::Other,
        plugin,
        summary,
        format!("kept-delivery:{seq}"),
    );
    event.case_id = Some(format!("kept-delivery-{seq}"));
    event.reason = Some(Reason {
        code: crate::tickets::engine::UNREADABLE_DELIVERY.into(),
        network_code: None,
        text: Some(why.to_string()),
    });
    event.status = Some("kept".into());
    event.occurred_at = Some(Timestamp {
        seconds: at.as_second(),
        nanoseconds: u32::try_from(at.subsec_nanosecond()).unwrap_or(0),
    });
    event.attributes = vec![
        ("kept_delivery".into(), seq.to_string()),
        ("plugin".into(), plugin.to_string()),
    ];
    event
}

/// One kept delivery as `GET /api/deliveries/kept` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Kept {
    /// Its sequence number in the inbox (what `helloword replay` reports).
    pub delivery: u64,
    /// The connector it was for.
    pub plugin: String,
    /// When it arrived.
    pub received_at: jiff::Timestamp,
    /// `unreadable` (signed, the connector cannot read it) or `failed` (the connector broke
    /// a limit or trapped on it).
    pub reason: &'static str,
    /// What the connector said, or how it failed.
    pub error: String,
    /// The size of its body.
    pub bytes: usize,
}

/// Every delivery kept for replay, oldest first.
pub fn list(store: &Store) -> Result<Vec<Kept>, StoreError> {
    let mut kept = Vec::new();
    for seq in store.unverified()? {
        let Some((record, body)) = store.delivery(seq)? else {
            continue;
        };
        let (reason, error) = match record.state {
            InboxState::Unreadable { error } => ("unreadable", error),
            InboxState::Unverified { error } => ("failed", error),
            _ => continue,
        };
        kept.push(Kept {
            delivery: seq,
            plugin: record.plugin,
            received_at: record.received_at,
            reason,
            error,
            bytes: body.len(),
        });
    }
    Ok(kept)
}
