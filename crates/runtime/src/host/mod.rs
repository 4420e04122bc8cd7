//! Host imports, one module per WIT interface. Each import first counts itself against the
//! call's host-call quota, then does its work on behalf of the plugin named in the call's
//! [`Grants`](super::state::Grants).

mod cache;
mod clock;
mod config;
mod crypto;
mod delivery;
mod http;
mod imap;
mod log;
mod mail;
mod metrics;

pub(crate) use cache::GuestCache;
pub use metrics::PluginMetrics;

use super::bindings::types;
use super::state::CallState;

impl types::Host for CallState {}
