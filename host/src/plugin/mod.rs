//! The sandboxed plugin runtime: manifests, the engine, compiled-artifact cache, per-call
//! limits, host imports, and the hot-reloading set of loaded plugins.
//!
//! A plugin is a folder with a `plugin.toml` ([`manifest`]) and a wasm32-wasip2 component.
//! The manifest requests secrets, hosts and limits; the operator grants them ([`grants`]) and
//! sets its config over the manifest's defaults ([`overrides`]).
//! [`Runtime::load`] turns a manifest into a [`Plugin`]; [`PluginSet`] keeps every plugin of
//! a folder loaded and follows changes to it.

pub mod bindings;
pub mod cache;
pub mod engine;
pub mod executor;
pub mod files;
pub mod grants;
mod host;
pub mod instance;
pub mod limits;
pub mod manifest;
mod output_size;
pub mod overrides;
pub mod registry;
pub mod runtime;
pub mod state;
pub mod tokens;
pub mod trial;

pub use cache::CacheOutcome;
pub use engine::EngineSettings;
pub use executor::Executor;
pub use grants::{Admission, Grant, GrantConfig, GrantPolicy};
pub use instance::{Description, Plugin, Usage, WebhookVerdict};
pub use limits::{LimitOverrides, Limits, PluginError};
pub use manifest::{Manifest, PluginKind};
pub use overrides::PluginConfigs;
pub use registry::{PluginSet, PluginStatus};
pub use runtime::{LoadError, Runtime, RuntimeSettings};
pub use state::Services;
