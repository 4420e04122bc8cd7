//! The after-sales model: tickets and their timeline, SLA arithmetic, triage, customers,
//! agents, compensation proposals and outbox entries, alerts and their planning, evidence
//! file records. Types and pure rules, no I/O: the store keeps them, the gateway's engine and
//! services change them.
//!
//! It stands on the WIT contract's types only (`helloword-contract`), so the store can
//! depend on it without knowing the engine, and Cargo keeps it that way
//! (docs/architecture.md).

pub mod actions;
pub mod alerts;
pub mod assignment;
pub mod care;
pub mod conversation;
pub mod customers;
pub mod files;
pub mod keywords;
pub mod model;
pub mod orders;
pub mod sla;
pub mod triage;

/// The contract's types the model is written in.
pub use helloword_contract::types;

/// Version of the records this build writes (every JSON record carries it as `v`).
pub const SCHEMA_VERSION: u32 = 1;
