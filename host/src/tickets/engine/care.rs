//! Proactive care cases: a message to a buyer before they complain, on a case of its own
//! (`care:<order id>`), so it goes through the outbox and shows its delivery like any reply.
//! The case takes the order's buyer, language, items, tracking and reply context; the
//! message is queued, and the order marked as cared for, in the same commit. No policy is
//! asked and no deadline is owed: the seller spoke first.

use jiff::Timestamp;

use super::{ChangeError, Engine};
use crate::plugin::bindings::types::{
    self, ActionKind, Customer as EventCustomer, IssueKind, Order, TicketEvent,
};
use crate::store::{ContextWrite, TicketWrite};
use crate::tickets::engine::compensation::{ids, queue_for};
use crate::tickets::model::{Happening, Status, Ticket, TimelineEntry, TimerKind};
use helloword_model::orders::OrderRecord;

/// The case key of `order`'s care case.
fn care_case(order: &OrderRecord) -> String {
    format!("care:{}", order.id)
}

/// The event a care case opens from: what the gateway knows of the order and its buyer.
fn care_event(order: &OrderRecord, summary: &str) -> TicketEvent {
    let mut event = helloword_model::model::gateway_event(
        IssueKind::Other,
        &order.shop,
        summary.into(),
        care_case(order),
    );
    event.order = Some(Order {
        id: order.id.clone(),
        display_name: order.name.clone(),
        placed_at: None,
        total: order.total.clone(),
        line_items: Vec::new(),
    });
    event.customer = Some(EventCustomer {
        id: None,
        name: order.buyer.clone(),
        email: order.email.clone(),
        country: order.country.clone(),
        preferred_locale: order.language.clone(),
        vip: false,
    });
    event.attributes = order
        .reply_context
        .iter()
        .map(|(k, v)| (format!("reply.{k}"), v.clone()))
        .collect();
    event
}

impl Engine {
    /// Build the care case of `order` (not stored): for drafting its message.
    pub fn care_preview(&self, order: &OrderRecord, summary: &str) -> Result<Ticket, ChangeError> {
        Ok(self.care_write(order, summary, Timestamp::now())?.after)
    }

    fn care_write(
        &self,
        order: &OrderRecord,
        summary: &str,
        now: Timestamp,
    ) -> Result<TicketWrite, ChangeError> {
        let event = care_event(order, summary);
        let arrival = super::apply::Arrival {
            at: now,
            fetched: false,
        };
        let mut write = self.open(0, &order.marketplace, arrival, care_case(order), &event)?;
        let ticket = &mut write.after;
        // The seller speaks first: nothing to propose, nothing owed, nothing to escalate.
        ticket.timers.retain(|t| {
            !matches!(
                t.what,
                TimerKind::Propose { .. } | TimerKind::Escalation { .. }
            )
        });
        ticket.escalation.clear();
        super::apply::join_order(ticket, order);
        ticket.customer = order.customer.clone();
        // Only the opening and the assignment: the care case has no marketplace event.
        write.entries.retain(|e| {
            matches!(
                e.what,
                Happening::Opened { .. } | Happening::Assigned { .. }
            )
        });
        Ok(write)
    }

    /// Open the care case of the order `(marketplace, shop, id)` with `message` queued to
    /// the buyer by `who`, and mark the order cared for — one commit. Refused when the order
    /// is unknown or was cared for already.
    pub async fn open_care(
        &self,
        order: (&str, &str, &str),
        summary: &str,
        message: types::MessageSpec,
        who: &str,
    ) -> Result<Ticket, ChangeError> {
        let _one_writer = self.writer().await?;
        let (marketplace, shop, id) = order;
        let mut order = self.store.order(marketplace, shop, id)?.ok_or_else(|| {
            ChangeError::Invalid(format!("no order {id} of {marketplace}/{shop}"))
        })?;
        if order.care_sent_at.is_some() {
            return Err(ChangeError::Invalid(format!(
                "a care message was sent for order {id} already"
            )));
        }
        let now = Timestamp::now();
        let mut write = self.care_write(&order, summary, now)?;
        let ids = ids(&self.store, 1)?;
        let origin = helloword_model::actions::reply_origin(ids[0]);
        let language = message.language.clone();
        let subject = message.subject.clone();
        let body = message.body.clone();
        let (happenings, records) = queue_for(
            &write.after,
            &[ActionKind::Message(message)],
            &origin,
            &ids,
            who,
            now,
        );
        write.entries.push(TimelineEntry {
            at: now,
            what: Happening::ReplySent {
                by: who.to_string(),
                language,
                subject,
                body,
                override_reason: None,
                action: Some(ids[0]),
            },
        });
        write.entries.extend(
            happenings
                .into_iter()
                .map(|what| TimelineEntry { at: now, what }),
        );
        write.records.extend(records);
        // Nothing is owed until the buyer writes back.
        write.after.status = Status::WaitingOnBuyer;
        order.add_ticket(write.after.id);
        order.care_sent_at = Some(now);
        self.track_load(None, &write.after);
        let context = ContextWrite {
            orders: vec![order],
            ..ContextWrite::default()
        };
        self.store
            .commit_tickets_with(&[write.clone()], &context)
            .await?;
        self.timers_changed.notify_one();
        self.actions_changed.notify_one();
        Ok(write.after)
    }
}
