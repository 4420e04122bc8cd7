//! What an outbox action's outcome does to its ticket. A reply is a response only once its
//! connector delivered it: then it stops the escalation (the first response is the time it
//! was delivered) and the case waits on the buyer. Evidence submitted for a dispute (not a
//! draft of it) and a decision on a return are responses too, once the marketplace took
//! them; a status change is not (closing an unanswered case leaves it unanswered). A reply
//! that could not be delivered marks the ticket (the queue and the ticket page show it in red) and alerts its owner —
//! the buyer has not heard from the seller. Automatic acknowledgements alert the same way
//! when they fail, and never count as a response.

use helloword_model::actions::{ActionState, OutboxEntry, Record};
use helloword_model::alerts::Trigger;
use helloword_model::model::{Happening, Status, Ticket, UndeliveredReply};

use super::{ChangeError, Engine};
use crate::plugin::bindings::types::ActionKind;

/// The origin of the outbox action an agent's reply queues (`actions::desk::reply`); other
/// messages (the off-hours acknowledgement) are not responses.
const REPLY_ORIGIN: &str = "reply ";

impl Engine {
    /// Record where outbox action `entry` ended (its state already set), with the timeline
    /// lines and records the dispatcher wrote for it, and what that means for its ticket.
    pub async fn settle_action(
        &self,
        entry: OutboxEntry,
        mut happenings: Vec<Happening>,
        mut records: Vec<Record>,
    ) -> Result<Ticket, ChangeError> {
        let ticket = entry.ticket;
        self.change_with_records(ticket, |t, now| {
            let answers = match &entry.action.kind {
                ActionKind::DisputeEvidence(evidence) => evidence.submit,
                ActionKind::ReturnDecision(_) => true,
                _ => false,
            };
            if answers
                && matches!(entry.state, ActionState::Done { .. })
                && t.first_response_at.is_none()
            {
                t.first_response_at = Some(now);
            }
            if matches!(entry.action.kind, ActionKind::Message(_)) {
                match &entry.state {
                    ActionState::Done { .. } => delivered(t, &entry, now, &mut happenings),
                    ActionState::Failed { error } => {
                        t.undelivered_reply = Some(UndeliveredReply {
                            action: entry.id,
                            error: error.clone(),
                            at: now,
                        });
                        let trigger = Trigger::ReplyFailed {
                            action: entry.id,
                            why: error.clone(),
                        };
                        records.extend(self.plan_alerts(t, trigger, false)?);
                    }
                    _ => {}
                }
            }
            records.insert(0, Record::Outbox(entry));
            Ok((happenings, records))
        })
        .await
    }
}

/// A message reached the buyer: a later failure no longer stands, and an agent's reply is
/// the response.
fn delivered(
    t: &mut Ticket,
    entry: &OutboxEntry,
    now: jiff::Timestamp,
    happenings: &mut Vec<Happening>,
) {
    if t.undelivered_reply
        .as_ref()
        .is_some_and(|u| u.action <= entry.id)
    {
        t.undelivered_reply = None;
    }
    if !entry.origin.starts_with(REPLY_ORIGIN) {
        return;
    }
    if t.first_response_at.is_none() {
        t.first_response_at = Some(now);
    }
    if t.status.is_open()
        && t.status != Status::WaitingOnMarketplace
        && t.status != Status::WaitingOnBuyer
    {
        happenings.push(Happening::StatusChanged {
            from: t.status,
            to: Status::WaitingOnBuyer,
            by: "system".into(),
        });
        t.status = Status::WaitingOnBuyer;
    }
}
