//! The ticket engine: from normalized marketplace events to tickets with a severity, a
//! deadline that protects the seller's account, and an owner.

pub mod engine;

/// The model (tickets, SLA arithmetic, triage, customers, agents) is the `helloword-model`
/// crate's; the engine that applies it is here.
pub use helloword_model::{assignment, customers, model, sla, triage};

pub use engine::{Engine, EngineSettings, TicketsConfig};
