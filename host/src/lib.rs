//! HelloWord, the self-hosted after-sales emergency gateway.
//!
//! The crate is the gateway library and the `helloword` binary. Marketplace-, language- and
//! policy-specific code lives in sandboxed WebAssembly plugins ([`plugin`]); the HTTP front
//! is [`web`], webhook intake is [`ingest`], configuration is [`config`], logs and metrics
//! are [`telemetry`], and [`gateway`] wires them together.

pub mod actions;
pub mod alerts;
pub mod config;
pub mod gateway;
pub mod ingest;
pub mod plugin;
pub mod replies;
pub mod reports;
pub mod scaffold;
pub mod store;
pub mod telemetry;
pub mod tickets;
pub mod web;
pub mod worker;
