//! HelloWord, the self-hosted after-sales emergency gateway.
//!
//! The crate is the gateway library and the `helloword` binary. Marketplace-, language- and
//! policy-specific code lives in sandboxed WebAssembly plugins, run by the plugin runtime
//! ([`plugin`], the `helloword-runtime` crate); the HTTP front is [`web`], webhook intake is
//! [`ingest`], configuration is [`config`], logs and metrics are [`telemetry`] (the
//! `helloword-telemetry` crate), and [`gateway`] wires them together. docs/architecture.md
//! draws the layers.

pub mod actions;
pub mod alerts;
pub mod config;
pub mod gateway;
pub mod ingest;
/// The sandboxed plugin runtime (crate `helloword-runtime`).
pub use helloword_runtime as plugin;
pub mod replies;
pub mod reports;
pub mod scaffold;
/// Tickets, outbox, deliveries and evidence files on disk (crate `helloword-store`).
pub use helloword_store as store;
/// Logs, traces and metrics (crate `helloword-telemetry`).
pub use helloword_telemetry as telemetry;
pub mod tickets;
pub mod web;
pub mod worker;
