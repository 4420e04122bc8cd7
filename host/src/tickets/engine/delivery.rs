//! What an outbox action's outcome does to its ticket. A reply is a response only once its
//! connector delivered it: then it stops the escalation (the first response is the time it
//! was delivered) and the case waits on the buyer. Evidence submitted for a dispute (not a
//! draft of it) and a decision on a return are responses too, once the marketplace took
//! them; a status change is not (closing an unanswered case leaves it unanswered). A reply
//! A message to the buyer does not answer a chargeback or a payment dispute: the evidence
//! does, so their deadline stays watched until it is submitted. A reply
//! that could not be delivered marks the ticket (the queue and the ticket page show it in red) and alerts its owner —
//! the buyer has not heard from the seller. Automatic acknowledgements alert the same way
//! when they fail, and never count as a response.

use helloword_model::actions::{ActionState, OutboxEntry, Record, is_reply};
use helloword_model::alerts::Trigger;
use helloword_model::model::{Happening, Status, Ticket, UndeliveredReply};

use super::{ChangeError, Engine};
use crate::plugin::bindings::types::ActionKind;

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

/// A message reached the buyer. An agent's reply is the response, and the buyer has now
/// heard from the seller: an earlier undelivered message no longer stands. A delivered
/// acknowledgement answers nothing and leaves an undelivered reply marked.
fn delivered(
    t: &mut Ticket,
    entry: &OutboxEntry,
    now: jiff::Timestamp,
    happenings: &mut Vec<Happening>,
) {
    if !is_reply(&entry.origin) {
        return;
    }
    if t.undelivered_reply
        .as_ref()
        .is_some_and(|u| u.action < entry.id)
    {
        t.undelivered_reply = None;
    }
    // It answers the buyer's latest message: that clock stops.
    t.awaiting_reply_since = None;
    // A dispute is answered to the card network, by the evidence: a message to the buyer
    // leaves its deadline (Shopify's `evidence_due_by`) watched and the case on the seller.
    if answered_by_evidence(t.kind) {
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

/// Cases whose response is the evidence submitted to the marketplace, not a message.
fn answered_by_evidence(kind: crate::plugin::bindings::types::IssueKind) -> bool {
    use crate::plugin::bindings::types::IssueKind;
    matches!(kind, IssueKind::Chargeback | IssueKind::PaymentDispute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::bindings::types::{Action, ActionOutcome, ActionStatus, MessageSpec};

    fn message(id: u64, origin: String) -> OutboxEntry {
        let now = jiff::Timestamp::UNIX_EPOCH;
        OutboxEntry {
            id,
            ticket: 1,
            connector: "amazon".into(),
            action: Action {
                idempotency_key: format!("k{id}"),
                shop: "s".into(),
                order_id: None,
                case_id: None,
                kind: ActionKind::Message(MessageSpec {
                    subject: None,
                    body: "Hello".into(),
                    language: "en".into(),
                }),
                reply_context: Vec::new(),
            },
            origin,
            state: ActionState::Done {
                outcome: ActionOutcome {
                    status: ActionStatus::Done,
                    marketplace_ref: None,
                    amount: None,
                    detail: "sent".into(),
                },
            },
            attempts: 1,
            next_attempt_at: now,
            created_at: now,
        }
    }

    fn undelivered(action: u64) -> Option<UndeliveredReply> {
        Some(UndeliveredReply {
            action,
            error: "refused".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn a_delivered_reply_answers_and_clears_an_earlier_undelivered_one() {
        let mut t = crate::tickets::sample_ticket(1);
        t.kind = crate::plugin::bindings::types::IssueKind::BuyerMessage;
        t.undelivered_reply = undelivered(5);
        let now = jiff::Timestamp::from_second(1_750_000_100).unwrap();
        let mut happenings = Vec::new();
        let reply = message(6, helloword_model::actions::reply_origin(6));
        delivered(&mut t, &reply, now, &mut happenings);
        assert_eq!(t.first_response_at, Some(now));
        assert_eq!(t.status, Status::WaitingOnBuyer);
        assert_eq!(t.undelivered_reply, None);
        assert!(matches!(
            happenings[..],
            [Happening::StatusChanged {
                to: Status::WaitingOnBuyer,
                ..
            }]
        ));
    }

    #[test]
    fn a_message_to_the_buyer_does_not_answer_a_chargeback() {
        let mut t = crate::tickets::sample_ticket(1);
        assert_eq!(
            t.kind,
            crate::plugin::bindings::types::IssueKind::Chargeback
        );
        t.undelivered_reply = undelivered(5);
        t.awaiting_reply_since = Some(jiff::Timestamp::UNIX_EPOCH);
        let mut happenings = Vec::new();
        let reply = message(6, helloword_model::actions::reply_origin(6));
        delivered(&mut t, &reply, jiff::Timestamp::UNIX_EPOCH, &mut happenings);
        assert_eq!(
            t.first_response_at, None,
            "the evidence deadline stays watched"
        );
        assert_eq!(t.status, Status::New);
        assert_eq!(t.undelivered_reply, None, "the buyer heard from the seller");
        assert_eq!(t.awaiting_reply_since, None);
        assert!(happenings.is_empty());
    }

    #[test]
    fn a_delivered_acknowledgement_answers_nothing_and_leaves_the_red_mark() {
        let mut t = crate::tickets::sample_ticket(1);
        t.undelivered_reply = undelivered(5);
        let mut happenings = Vec::new();
        let ack = message(6, "off-hours-ack 3".into());
        delivered(&mut t, &ack, jiff::Timestamp::UNIX_EPOCH, &mut happenings);
        assert_eq!(t.first_response_at, None);
        assert_eq!(t.status, Status::New);
        assert_eq!(t.undelivered_reply, undelivered(5));
        assert!(happenings.is_empty());
    }
}
