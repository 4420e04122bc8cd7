//! The ticket engine: from normalized marketplace events to tickets with a severity, a
//! deadline that protects the seller's account, and an owner.

pub mod engine;

/// The model (tickets, SLA arithmetic, triage, customers, agents) is the `helloword-model`
/// crate's; the engine that applies it is here.
pub use helloword_model::{assignment, customers, model, sla, triage};

pub use engine::{Engine, EngineSettings, TicketsConfig};

/// A new red Shopify chargeback ticket `id`, unowned and unanswered, for unit tests.
#[cfg(test)]
pub(crate) fn sample_ticket(id: u64) -> model::Ticket {
    use crate::plugin::bindings::types::IssueKind;
    use sla::{Deadline, DeadlineSource, Severity};
    let opened = jiff::Timestamp::from_second(1_750_000_000).unwrap();
    model::Ticket {
        v: helloword_model::SCHEMA_VERSION,
        id,
        marketplace: "shopify".into(),
        shop: "a.myshopify.com".into(),
        case_key: format!("case:{id}"),
        kind: IssueKind::Chargeback,
        severity: Severity::Red,
        status: model::Status::New,
        opened_at: opened,
        updated_at: opened,
        due: Deadline {
            at: opened,
            source: DeadlineSource::SeverityTarget,
        },
        escalation: Vec::new(),
        first_response_at: None,
        assignee: None,
        customer: None,
        order_id: None,
        amount: None,
        language: None,
        country: None,
        platform_status: None,
        facts: model::CaseFacts::default(),
        summary: String::new(),
        events: 1,
        timers: Vec::new(),
        undelivered_reply: None,
        awaiting_reply_since: None,
    }
}
