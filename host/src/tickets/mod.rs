//! The ticket engine: from normalized marketplace events to tickets with a severity, a
//! deadline that protects the seller's account, and an owner.

pub mod assignment;
pub mod customers;
pub mod engine;
pub mod model;
pub mod sla;
pub mod triage;

pub use engine::{Engine, EngineSettings, TicketsConfig};
