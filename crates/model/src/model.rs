//! The ticket: one after-sales case, its state, and its timeline.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::sla::{Deadline, EscalationStep, Severity};
use crate::types::{IssueKind, Money, TicketEvent};

/// A ticket's id: assigned by the store, increasing.
pub type TicketId = u64;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Opened, nobody has answered yet.
    New,
    /// The next move is the seller's.
    WaitingOnUs,
    /// Waiting for the buyer.
    WaitingOnBuyer,
    /// Waiting for the marketplace's decision.
    WaitingOnMarketplace,
    /// Solved; reopens if the case moves again.
    Resolved,
    /// Done for good.
    Closed,
}

impl Ticket {
    /// Whether the seller has answered everything the buyer wrote: a response was
    /// delivered and the buyer has not written since.
    pub fn answered(&self) -> bool {
        self.first_response_at.is_some() && self.awaiting_reply_since.is_none()
    }
}

impl Status {
    /// Whether the ticket still needs work (it is in the queue).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

/// What identifies a case within a marketplace: the marketplace's case id when it has one,
/// else the order and the kind of problem, else the event's business key.
pub fn case_key(
    case_id: Option<&str>,
    order_id: Option<&str>,
    kind: IssueKind,
    business: &str,
) -> String {
    match (case_id, order_id) {
        (Some(case), _) => format!("case:{case}"),
        (None, Some(order)) => format!("order:{order}:{}", kind_name(kind)),
        (None, None) => format!("event:{business}"),
    }
}

/// The case key under which a message the gateway sent (its Message-ID or the
/// marketplace's message id) names its ticket, so an answer to it joins that case.
pub fn thread_case(message_id: &str) -> String {
    format!("thread:{}", message_id.trim())
}

/// One ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Schema version.
    pub v: u32,
    /// The ticket's id.
    pub id: TicketId,
    /// The connector plugin id it came through (e.g. "shopify").
    pub marketplace: String,
    /// The shop within the marketplace.
    pub shop: String,
    /// What identifies the case (see [`case_key`]).
    pub case_key: String,
    /// What the case is about.
    #[serde(with = "kind_serde")]
    pub kind: IssueKind,
    /// Red, yellow or blue.
    pub severity: Severity,
    /// Where it stands.
    pub status: Status,
    /// When the first event arrived.
    pub opened_at: Timestamp,
    /// When anything last changed.
    pub updated_at: Timestamp,
    /// The first-response deadline and what set it.
    pub due: Deadline,
    /// Reminder and escalation instants on the way to the deadline.
    pub escalation: Vec<EscalationStep>,
    /// When the seller first answered, if they have.
    pub first_response_at: Option<Timestamp>,
    /// The agent who owns it.
    pub assignee: Option<String>,
    /// The order, when known.
    pub order_id: Option<String>,
    /// The amount at stake, when known.
    pub amount: Option<Money>,
    /// The buyer's profile key, when the buyer is identifiable.
    #[serde(default)]
    pub customer: Option<String>,
    /// The buyer's preferred language, when known.
    pub language: Option<String>,
    /// The buyer's country, when known.
    pub country: Option<String>,
    /// The marketplace's own state of the case, verbatim.
    pub platform_status: Option<String>,
    /// The latest one-line summary.
    pub summary: String,
    /// How many marketplace events the ticket has absorbed.
    pub events: u32,
    /// Timers that will fire for this ticket (escalations, follow-ups), soonest first.
    #[serde(default)]
    pub timers: Vec<Timer>,
    /// What the events said about the order, buyer and shipment: what replies are written
    /// with.
    #[serde(default)]
    pub facts: CaseFacts,
    /// When the buyer wrote again after the seller's response: the clock (`due`,
    /// `escalation`) runs for that message until a reply is delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_reply_since: Option<Timestamp>,
    /// The latest reply to the buyer that could not be delivered, until a later reply is:
    /// the queue and the ticket show it in red, and the owner was alerted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undelivered_reply: Option<UndeliveredReply>,
}

/// A reply to the buyer that its connector could not deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndeliveredReply {
    /// The outbox action that carried it.
    pub action: u64,
    /// Why it was not delivered, as the dispatcher recorded it.
    pub error: String,
    /// When it failed.
    pub at: Timestamp,
}

/// Facts about a case gathered from its events; a later event's value replaces an earlier
/// one, an absent value keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFacts {
    /// The order's name as the buyer knows it (e.g. "#1001").
    pub order_name: Option<String>,
    /// The buyer's name, in the order of its script (family name first in Chinese, Japanese
    /// and Korean: `helloword_sdk::names`).
    pub buyer_name: Option<String>,
    /// Carrier.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking link.
    pub tracking_url: Option<String>,
    /// When the carrier reports delivery.
    pub delivered_at: Option<Timestamp>,
    /// The carrier's estimated delivery.
    pub estimated_delivery: Option<Timestamp>,
    /// Review requests already sent for the order.
    #[serde(default)]
    pub review_requests: u32,
    /// How to answer in the buyer's conversation: the `reply.<name>` attributes of the
    /// latest event that had any, as (`<name>`, value); handed to the connector with every
    /// action (`action.reply-context`).
    #[serde(default)]
    pub reply_context: Vec<(String, String)>,
    /// The buyer's personal data was erased from the ticket (an erasure request, or the
    /// retention policy for closed tickets).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymized: bool,
    /// Fingerprints of the buyer texts already in the conversation (the newest
    /// [`HEARD_KEPT`]): a text that every later event repeats (a Shopify order note arrives
    /// with each order update) is one message, not one per event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heard: Vec<u64>,
}

/// The `reply.<name>` attributes of `event`, as (`<name>`, value): how the connector
/// answers in its conversation.
pub fn reply_context(event: &TicketEvent) -> Vec<(String, String)> {
    event
        .attributes
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("reply.")?.to_string(), v.clone())))
        .collect()
}

/// How many buyer-text fingerprints a case keeps.
pub const HEARD_KEPT: usize = 64;

impl CaseFacts {
    /// Whether `text` is new to this case's conversation; remembers it.
    pub fn first_hearing(&mut self, text: &str) -> bool {
        // FNV-1a: stable across builds and platforms, which std's hasher is not.
        let print = text.trim().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        if self.heard.contains(&print) {
            return false;
        }
        if self.heard.len() >= HEARD_KEPT {
            self.heard.remove(0);
        }
        self.heard.push(print);
        true
    }
}

impl CaseFacts {
    /// Take what `event` says.
    pub fn absorb(&mut self, event: &TicketEvent) {
        fn take<T: Clone>(slot: &mut Option<T>, value: Option<&T>) {
            if let Some(v) = value {
                *slot = Some(v.clone());
            }
        }
        let at = |t: &Option<crate::types::Timestamp>| {
            t.as_ref()
                .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok())
        };
        if let Some(order) = &event.order {
            take(&mut self.order_name, order.display_name.as_ref());
        }
        let context = reply_context(event);
        if !context.is_empty() {
            self.reply_context = context;
        }
        if let Some(customer) = &event.customer {
            take(&mut self.buyer_name, customer.name.as_ref());
        }
        if let Some(shipment) = &event.shipment {
            take(&mut self.carrier, shipment.carrier.as_ref());
            take(&mut self.tracking_number, shipment.tracking_number.as_ref());
            take(&mut self.tracking_url, shipment.tracking_url.as_ref());
            take(&mut self.delivered_at, at(&shipment.delivered_at).as_ref());
            take(
                &mut self.estimated_delivery,
                at(&shipment.estimated_delivery).as_ref(),
            );
        }
    }

    /// Strings of this order that a reply may contain without being taken for contact
    /// details or unneeded links.
    pub fn allowed_strings(&self, order_id: Option<&str>) -> Vec<String> {
        [
            order_id,
            self.order_name.as_deref(),
            self.tracking_number.as_deref(),
            self.tracking_url.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect()
    }
}

/// A durable timer: fires at most once, survives restarts, shows on its ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    /// The timer's id.
    pub id: u64,
    /// When it fires.
    pub due: Timestamp,
    /// What it does.
    #[serde(flatten)]
    pub what: TimerKind,
}

/// What a timer does when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum TimerKind {
    /// A step of the escalation ladder (per mille of the time to the first-response
    /// deadline); skipped once the seller has answered.
    Escalation {
        /// The step.
        per_mille: u16,
    },
    /// A follow-up someone asked for ("check in 24 h that the replacement arrived").
    FollowUp {
        /// What to check.
        what: String,
        /// Who asked.
        by: String,
    },
    /// Ask the compensation policy for a proposal (when the case opens, and again when an
    /// investigation window the policy asked for ends, or after the policy failed).
    Propose {
        /// How many asks in a row failed before this one (0: the first ask).
        #[serde(default, skip_serializing_if = "is_zero")]
        failed: u32,
    },
    /// Check that the shipment moved; alert when it has not for the configured days.
    StallCheck,
    /// The case opened outside business hours: acknowledge it in the buyer's language,
    /// promising an answer by `answer_by`. Skipped if someone answered first.
    OffHoursAck {
        /// The promised time.
        answer_by: Timestamp,
    },
    /// A verified erasure request: erase the buyer's data from the gateway.
    Erase {
        /// The marketplace that asked.
        marketplace: String,
        /// The buyer's id there.
        customer_id: Option<String>,
        /// The buyer's e-mail address.
        email: Option<String>,
        /// Other ids of the buyer there (a user name beside a user id).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<String>,
        /// The buyer's orders there.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        orders: Vec<String>,
        /// Erase every buyer of this shop instead (Shopify's `shop/redact`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shop: Option<String>,
    },
}

/// One line of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub what: Happening,
}

/// What a timeline entry records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Happening {
    /// A marketplace event (inbox record `delivery`).
    Event {
        /// Inbox sequence number of the delivery.
        delivery: u64,
        /// The event's summary.
        summary: String,
        /// The marketplace's state after it.
        platform_status: Option<String>,
    },
    /// The buyer wrote: a message, a return or order note, a review's text, verbatim (see
    /// [`crate::conversation`]).
    BuyerWrote {
        /// Inbox sequence number of the delivery that carried it.
        delivery: u64,
        /// The buyer's name as the event gave it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author: Option<String>,
        /// The way it came: the connector's id, or the event's `channel` attribute.
        channel: String,
        /// "message", "return-note", "order-note" or "review".
        source: String,
        /// The marketplace's id for the message (the event's `message_id` attribute, else
        /// `reply.message-id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marketplace_id: Option<String>,
        /// The language detected in the text, when it could be told.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        /// The text.
        text: String,
        /// Names of attached files (the event's `attachment` attributes).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<String>,
    },
    /// The buyer wrote again after the seller's response: a new answer deadline runs.
    AwaitingReply {
        /// When the buyer's message was written.
        since: Timestamp,
        /// The deadline for the answer and what set it.
        due: Deadline,
    },
    /// The ticket was opened with this severity and deadline.
    Opened {
        /// Severity at opening.
        severity: Severity,
        /// First-response deadline.
        due: Deadline,
    },
    /// The severity went up.
    SeverityRaised {
        /// Before.
        from: Severity,
        /// After.
        to: Severity,
    },
    /// The ticket got an owner (or lost it).
    Assigned {
        /// The new owner; none when unassigned.
        to: Option<String>,
        /// Who assigned it ("system" for the engine).
        by: String,
        /// Why the engine chose this agent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Someone wrote a note.
    Note {
        /// The author.
        by: String,
        /// The note.
        text: String,
    },
    /// The compensation policy proposed something.
    Proposed {
        /// Proposal id.
        proposal: u64,
        /// What, in short.
        actions: Vec<String>,
        /// Why.
        rationale: String,
        /// Who must approve.
        tier: crate::actions::Tier,
    },
    /// A proposal was approved or rejected.
    ProposalDecided {
        /// Proposal id.
        proposal: u64,
        /// Approved or not.
        approved: bool,
        /// Who decided.
        by: String,
        /// Why (for a rejection).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An action went into the outbox.
    ActionQueued {
        /// Outbox entry id.
        action: u64,
        /// What, in short.
        what: String,
        /// Its idempotency key.
        key: String,
        /// What caused it.
        origin: String,
    },
    /// The marketplace carried an action out (or accepted it for later).
    ActionDone {
        /// Outbox entry id.
        action: u64,
        /// What, in short.
        what: String,
        /// The marketplace's answer.
        detail: String,
        /// The marketplace's id for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marketplace_ref: Option<String>,
    },
    /// An action will not happen without a human.
    ActionFailed {
        /// Outbox entry id.
        action: u64,
        /// What, in short.
        what: String,
        /// Why.
        error: String,
    },
    /// An agent wrote a reply; it went into the outbox, to be delivered by the connector.
    ReplySent {
        /// Who.
        by: String,
        /// Language written in.
        language: String,
        /// Subject line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        /// Body.
        body: String,
        /// The compliance findings a lead overrode, with the lead's reason.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// The outbox action that carries it to the buyer: the reply counts as a response
        /// only once that action is done (replies recorded before actions were linked have
        /// none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<u64>,
    },
    /// An alert reached its channel, was skipped, or could not be delivered.
    Alerted {
        /// Alert id.
        alert: u64,
        /// What caused it.
        trigger: String,
        /// The channel.
        channel: crate::alerts::Channel,
        /// Who.
        recipient: String,
        /// "delivered", "skipped: …" or "undeliverable: …".
        status: String,
    },
    /// The buyer sent a file through the upload link.
    EvidenceReceived {
        /// File id.
        file: u64,
        /// Its name.
        name: String,
        /// MIME type, from its content.
        content_type: String,
        /// Size.
        bytes: u64,
    },
    /// An agent's draft was machine-translated; both texts stay on the timeline.
    Translated {
        /// Who asked.
        by: String,
        /// The agent's text.
        original: String,
        /// Its language, when known.
        source_language: Option<String>,
        /// The translation.
        text: String,
        /// The language translated into.
        target_language: String,
        /// The translator plugin.
        translator: String,
    },
    /// The gateway answered on its own (the off-hours acknowledgement).
    AutoReply {
        /// Scenario id.
        scenario: String,
        /// Language written in.
        language: String,
        /// Subject line.
        subject: String,
        /// Body.
        body: String,
    },
    /// An automatic reply could not be written; an agent must answer.
    AutoReplyFailed {
        /// Scenario id.
        scenario: String,
        /// Why.
        error: String,
    },
    /// An escalation step was reached before the first response.
    Escalated {
        /// Per mille of the time to the deadline.
        per_mille: u16,
        /// The lead told at the deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lead: Option<String>,
    },
    /// A follow-up was scheduled.
    FollowUpScheduled {
        /// Timer id.
        timer: u64,
        /// When it fires.
        due: Timestamp,
        /// What to check.
        what: String,
        /// Who asked.
        by: String,
    },
    /// A follow-up came due.
    FollowUpDue {
        /// Timer id.
        timer: u64,
        /// What to check.
        what: String,
    },
    /// A follow-up was cancelled.
    FollowUpCancelled {
        /// Timer id.
        timer: u64,
        /// Who cancelled it.
        by: String,
    },
    /// The status changed.
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
        /// Who changed it ("system" for the engine).
        by: String,
    },
}

/// An event the gateway writes itself (a stalled parcel, a kept delivery, a care case):
/// `kind` in `shop`, with `summary` and the business key `business`, and nothing else.
pub fn gateway_event(
    kind: IssueKind,
    shop: &str,
    summary: String,
    business: String,
) -> TicketEvent {
    TicketEvent {
        kind,
        shop: shop.to_string(),
        case_id: None,
        order: None,
        customer: None,
        shipment: None,
        amount: None,
        reason: None,
        status: None,
        platform_deadline: None,
        occurred_at: None,
        buyer_text: None,
        rating: None,
        summary,
        dedupe: crate::types::DedupeKey {
            delivery: None,
            action: None,
            business,
        },
        attributes: Vec::new(),
    }
}

/// The value of the attribute `name` of `event` (the first, when a connector wrote it twice).
pub fn attribute<'a>(event: &'a TicketEvent, name: &str) -> Option<&'a str> {
    event
        .attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub use helloword_contract::rules::{KINDS, kind_from_name, kind_name};

/// Serde for [`IssueKind`] by its kebab-case name.
pub mod kind_serde {
    use super::{IssueKind, kind_from_name, kind_name};

    /// Serialize by name.
    pub fn serialize<S: serde::Serializer>(kind: &IssueKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind_name(*kind))
    }

    /// Deserialize from a name.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<IssueKind, D::Error> {
        let name: String = serde::Deserialize::deserialize(d)?;
        kind_from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown issue kind {name:?}")))
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_unique_name_that_round_trips() {
        for (kind, name) in KINDS {
            assert_eq!(kind_from_name(name), Some(kind));
            assert_eq!(kind_name(kind), name);
        }
        let mut names: Vec<_> = KINDS.iter().map(|(_, n)| n).collect();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
    }

    #[test]
    fn cases_are_keyed_by_case_id_then_order_and_kind() {
        assert_eq!(
            case_key(Some("1052"), Some("1"), IssueKind::Chargeback, "b"),
            "case:1052"
        );
        assert_eq!(
            case_key(None, Some("450789469"), IssueKind::ReturnRequest, "b"),
            "order:450789469:return-request"
        );
        assert_eq!(case_key(None, None, IssueKind::Other, "x:1"), "event:x:1");
    }
}
