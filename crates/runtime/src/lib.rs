//! The sandboxed plugin runtime: manifests, the engine, compiled-artifact cache, per-call
//! limits, host imports, secrets, and the hot-reloading set of loaded plugins.
//!
//! It depends on the WIT contract (`helloword-contract`) and telemetry
//! (`helloword-telemetry`) only: it knows nothing of tickets, the store or the web server,
//! and Cargo keeps it so. The gateway (`helloword`) names it `helloword::plugin`.
//!
//! A plugin is a folder with a `plugin.toml` ([`manifest`]) and a wasm32-wasip2 component.
//! The manifest requests secrets, hosts and limits; the operator grants them ([`grants`]) and
//! sets its config over the manifest's defaults ([`overrides`]).
//! [`Runtime::load`] turns a manifest into a [`Plugin`]; [`PluginSet`] keeps every plugin of
//! a folder loaded and follows changes to it.

/// The WIT contract as Rust (its own crate, `helloword-contract`).
pub use helloword_contract as bindings;
pub mod cache;
pub mod connections;
pub mod engine;
pub mod executor;
pub mod files;
pub mod grants;
mod host;
pub mod instance;
pub mod limits;
pub mod manifest;
pub mod messages;
mod output_size;
pub mod overrides;
pub mod registry;
pub mod runtime;
pub mod secrets;
pub mod state;
pub mod tokens;
pub mod trial;

pub use cache::CacheOutcome;
pub use connections::Connection;
pub use engine::EngineSettings;
pub use executor::Executor;
pub use grants::{Admission, Grant, GrantConfig, GrantPolicy};
pub use instance::{Description, Plugin, Usage, WebhookVerdict};
pub use limits::{LimitOverrides, Limits, PluginError};
pub use manifest::{Manifest, PluginKind};
pub use overrides::PluginConfigs;
pub use registry::{PluginSet, PluginStatus};
pub use runtime::{LoadError, Runtime, RuntimeSettings};
pub use secrets::Secrets;
pub use state::Services;
