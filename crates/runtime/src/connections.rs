//! Connections: one connector plugin serving many shops, seller accounts or regions.
//!
//! A connection is configured in the gateway config (`[[connections]]`): its id, the plugin
//! it runs, that plugin's config for it and which [secrets] entries stand behind the secret
//! names the plugin uses. It is loaded as a plugin of its own under its id — webhooks at
//! `/hooks/<id>`, tickets tagged with it — sharing the plugin's compiled component, its
//! manifest (so its marketplace's rules) and its grant. A plugin that connections name is
//! served only through them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::instance::Plugin;
use super::runtime::{LoadError, Runtime};
use super::state::Grants;

/// One `[[connections]]` entry, checked against the gateway config (its secrets exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Its id: `/hooks/<id>`, and the connector its tickets name.
    pub id: String,
    /// The plugin it runs.
    pub plugin: String,
    /// Config over the plugin's (its keys must be the plugin's).
    pub config: BTreeMap<String, String>,
    /// The plugin's secret name → the [secrets] entry that holds it for this connection.
    pub secrets: BTreeMap<String, String>,
    /// The gateway config file and the line of the entry, for errors.
    pub file: PathBuf,
    /// Line of its `[[connections]]` header (0: written another way, as an inline array).
    pub line: usize,
}

impl Connection {
    /// A load error of this connection: the config file, the entry's line (when it was
    /// written as a `[[connections]]` table), the connection and its plugin.
    pub(crate) fn error(&self, message: String) -> LoadError {
        let line = match self.line {
            0 => String::new(),
            n => format!("line {n}: "),
        };
        LoadError {
            file: self.file.clone(),
            message: format!(
                "{line}connection {:?} (plugin {:?}): {message}",
                self.id, self.plugin
            ),
        }
    }
}

impl Runtime {
    /// Whether a connection runs the plugin `id` (so the plugin is not served by itself).
    pub fn is_connected(&self, id: &str) -> bool {
        self.inner
            .settings
            .connections
            .iter()
            .any(|c| c.plugin == id)
    }

    /// The connections configured.
    pub fn connections(&self) -> &[Connection] {
        &self.inner.settings.connections
    }

    /// `plugin` as `connection`: its config keys and secret names checked against the
    /// plugin's, every secret the plugin requires present under the entry the connection
    /// names, then `describe` asked with the connection's config.
    pub async fn connect(
        &self,
        plugin: &Plugin,
        connection: &Connection,
    ) -> Result<Plugin, LoadError> {
        let base = plugin.grants();
        if let Some(key) = connection
            .config
            .keys()
            .find(|k| !super::overrides::declares(&plugin.manifest, k))
        {
            return Err(connection.error(format!(
                "`config.{key}` is not a config key of plugin {:?}",
                plugin.id()
            )));
        }
        if let Some(name) = connection
            .secrets
            .keys()
            .find(|n| !base.secrets.contains(*n))
        {
            return Err(connection.error(format!(
                "`secrets.{name}` is not a secret plugin {:?} uses; it uses {}",
                plugin.id(),
                base.secrets
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let secrets = &self.inner.services.secrets;
        for name in &plugin.manifest.secrets {
            let entry = connection.secrets.get(name).unwrap_or(name);
            if secrets.get(entry).is_none() && secrets.oauth(entry).is_none() {
                return Err(connection.error(format!(
                    "the plugin needs secret `{name}`, and [secrets] has no `{entry}`: add it, \
                     or name the entry that holds it in `secrets.{name}` of the connection"
                )));
            }
        }
        let mut config = base.config.clone();
        config.extend(connection.config.clone());
        let grants = Arc::new(Grants {
            plugin: connection.id.clone(),
            limits: base.limits.clone(),
            allowed_hosts: base.allowed_hosts.clone(),
            secrets: base.secrets.clone(),
            secret_sources: connection.secrets.clone(),
            config,
            cache: Default::default(),
            services: base.services.clone(),
        });
        plugin
            .as_connection(&connection.id, grants)
            .await
            .map_err(|(_, e)| connection.error(format!("`describe` failed: {e}")))
    }
}
