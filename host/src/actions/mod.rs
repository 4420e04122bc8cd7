//! Actions executed exactly once: compensation proposals, the outbox, and the dispatcher
//! that carries actions out through the connectors.
//!
//! A decision (a proposal approved, an agent's refund, a reply) writes its actions to the
//! outbox in the same store commit as the decision itself, each with a deterministic
//! idempotency key (`hw-t<ticket>-<origin>-<index>`). The [`dispatch`] loop marks an action
//! as being sent — durably — before calling the connector, so after a crash it knows the
//! outcome is unknown and asks the marketplace (`reconcile`) before sending again. Retries
//! carry the same key. Outcomes land on the ticket's timeline and in the audit log.
//!
//! The records (proposals, tiers, outbox entries) are the model's (`helloword_model::actions`),
//! re-exported here.

pub mod care;
pub mod desk;
pub mod dispatch;
pub mod evidence;

pub use helloword_model::actions::*;
