//! What the operator lets each plugin have.
//!
//! A plugin's manifest *requests* secrets, hosts and limits above the defaults; the gateway
//! config *grants* them, per plugin id (Spin and Extism work this way):
//!
//! ```toml
//! [plugins.grants.shopify]
//! secrets = ["shopify_client_secret", "shopify_admin_token"]
//! allowed_hosts = ["*.myshopify.com"]
//! limits = { wall_clock_ms = 25000 }
//! ```
//!
//! A plugin gets what it requested and was granted, never more: a grant it did not request
//! stays unused. A request the grant does not cover refuses the load, with the config lines
//! that would grant it. An optional secret that is not granted is left out, with a warning
//! that names the line to add. A manifest may lower a limit on its own; above the gateway's
//! default a limit needs a grant, and the granted value is the most the plugin may ask for.
//! Checking does no I/O.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::limits::{LimitOverrides, Limits};
use super::manifest::{HostPattern, Manifest, is_secret_name};

/// One plugin's grant as written in the gateway config, `[plugins.grants.<id>]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantConfig {
    /// Secrets the plugin may use, whether its manifest lists them in `secrets` or in
    /// `optional_secrets`.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Hosts it may reach: `host`, `host:port` or `*.domain` (which covers the domain's
    /// subdomains and requests for any of them).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// The most of each limit it may ask for, where that is above the gateway's default.
    #[serde(default)]
    pub limits: LimitOverrides,
}

/// A validated grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    secrets: Vec<String>,
    allowed_hosts: Vec<HostPattern>,
    limits: LimitOverrides,
}

impl Grant {
    /// Validate `raw`, written at `table` (`plugins.grants.<id>`), naming the key at fault.
    pub fn from_config(table: &str, raw: GrantConfig) -> Result<Grant, String> {
        if let Some(bad) = raw.secrets.iter().find(|n| !is_secret_name(n)) {
            return Err(format!(
                "`{table}.secrets` has {bad:?}; use letters, digits, '_' and '-'"
            ));
        }
        let allowed_hosts = raw
            .allowed_hosts
            .iter()
            .map(|h| {
                HostPattern::parse(h).ok_or_else(|| {
                    format!(
                        "`{table}.allowed_hosts` has {h:?}; expected a host, host:port or *.domain"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Grant {
            secrets: raw.secrets,
            allowed_hosts,
            limits: raw.limits,
        })
    }

    /// Everything `manifest` requests, granted.
    pub fn of_requests(manifest: &Manifest) -> Grant {
        Grant {
            secrets: manifest
                .secrets
                .iter()
                .chain(&manifest.optional_secrets)
                .cloned()
                .collect(),
            allowed_hosts: manifest.allowed_hosts.clone(),
            limits: manifest.limits.clone(),
        }
    }

    /// The most of each limit this grant allows, where it sets one.
    pub fn limits(&self) -> &LimitOverrides {
        &self.limits
    }
}

/// Who decides what each plugin gets.
#[derive(Debug, Clone)]
pub enum GrantPolicy {
    /// The operator, in the gateway config: each plugin id's grant, and nothing beyond the
    /// defaults for a plugin without one. The gateway always runs so.
    Operator(BTreeMap<String, Grant>),
    /// Each plugin gets what its manifest requests. For test kits and the plugin author's
    /// local runner, which run a plugin that the person running them chose.
    AsRequested,
}

impl Default for GrantPolicy {
    fn default() -> Self {
        GrantPolicy::Operator(BTreeMap::new())
    }
}

/// What a plugin loads with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// Its limits.
    pub limits: Limits,
    /// The secrets it may use: its required ones and the optional ones it was granted.
    pub secrets: Vec<String>,
    /// What it asked for and loads without, and how to grant it, for people.
    pub warnings: Vec<String>,
}

/// A limit a manifest asks for above what it may have.
struct LimitAsked {
    key: &'static str,
    asked: u64,
    ceiling: u64,
    granted: bool,
}

impl GrantPolicy {
    /// Check `manifest`'s requests against its grant and the gateway's `defaults`: what it
    /// loads with, or why it does not load (the message names the config lines to write).
    pub fn admit(&self, manifest: &Manifest, defaults: &Limits) -> Result<Admission, String> {
        let none = Grant::default();
        let requested;
        let grant = match self {
            GrantPolicy::Operator(grants) => grants.get(&manifest.id).unwrap_or(&none),
            GrantPolicy::AsRequested => {
                requested = Grant::of_requests(manifest);
                &requested
            }
        };
        let secrets: Vec<&String> = manifest
            .secrets
            .iter()
            .filter(|s| !grant.secrets.contains(s))
            .collect();
        let hosts: Vec<&HostPattern> = manifest
            .allowed_hosts
            .iter()
            .filter(|h| !grant.allowed_hosts.iter().any(|g| g.covers(h)))
            .collect();
        let mut limits = LimitOverrides::default();
        let mut over = Vec::new();
        for key in LimitOverrides::KEYS {
            let default = defaults.get(key);
            let ceiling = grant.limits.get(key).unwrap_or(default);
            match manifest.limits.get(key) {
                Some(asked) if asked > ceiling => over.push(LimitAsked {
                    key,
                    asked,
                    ceiling,
                    granted: grant.limits.get(key).is_some(),
                }),
                Some(asked) => limits.set(key, asked),
                None => limits.set(key, default.min(ceiling)),
            }
        }
        if !secrets.is_empty() || !hosts.is_empty() || !over.is_empty() {
            return Err(refusal(&manifest.id, grant, &secrets, &hosts, &over));
        }

        let (optional, missing): (Vec<&String>, Vec<&String>) = manifest
            .optional_secrets
            .iter()
            .partition(|s| grant.secrets.contains(s));
        let mut warnings = Vec::new();
        if !missing.is_empty() {
            let names: Vec<&String> = grant.secrets.iter().chain(missing.clone()).collect();
            warnings.push(format!(
                "plugin `{id}` loads without its optional {which} {list}, which the gateway \
                 config does not grant it; to grant {them}, write secrets = {names} in \
                 [plugins.grants.{id}]",
                id = manifest.id,
                which = if missing.len() == 1 {
                    "secret"
                } else {
                    "secrets"
                },
                them = if missing.len() == 1 { "it" } else { "them" },
                list = ticked(missing.iter()),
                names = toml_list(names.iter()),
            ));
        }
        let mut granted = manifest.secrets.clone();
        granted.extend(optional.into_iter().cloned());
        Ok(Admission {
            limits: defaults.with(&limits),
            secrets: granted,
            warnings,
        })
    }
}

/// Why `id` does not load, with the whole grant that would let it: what is granted now and
/// what is missing, so the lines can replace the table as it stands.
fn refusal(
    id: &str,
    grant: &Grant,
    secrets: &[&String],
    hosts: &[&HostPattern],
    over: &[LimitAsked],
) -> String {
    let mut asked: Vec<String> = Vec::new();
    asked.extend(secrets.iter().map(|s| format!("secret `{s}`")));
    asked.extend(hosts.iter().map(|h| format!("host `{h}`")));
    asked.extend(over.iter().map(|l| {
        let now = if l.granted {
            "granted up to"
        } else {
            "the default is"
        };
        format!("{} = {} ({now} {})", l.key, l.asked, l.ceiling)
    }));

    let all_secrets: Vec<&String> = grant
        .secrets
        .iter()
        .chain(secrets.iter().copied())
        .collect();
    let all_hosts: Vec<String> = grant
        .allowed_hosts
        .iter()
        .chain(hosts.iter().copied())
        .map(ToString::to_string)
        .collect();
    let mut all_limits = grant.limits.clone();
    for l in over {
        all_limits.set(l.key, l.asked);
    }
    let mut lines = vec![format!("    [plugins.grants.{id}]")];
    if !all_secrets.is_empty() {
        lines.push(format!("    secrets = {}", toml_list(all_secrets.iter())));
    }
    if !all_hosts.is_empty() {
        lines.push(format!(
            "    allowed_hosts = {}",
            toml_list(all_hosts.iter())
        ));
    }
    let limits: Vec<String> = LimitOverrides::KEYS
        .into_iter()
        .filter_map(|key| all_limits.get(key).map(|v| format!("{key} = {v}")))
        .collect();
    if !limits.is_empty() {
        lines.push(format!("    limits = {{ {} }}", limits.join(", ")));
    }
    format!(
        "plugin `{id}` asks for what the gateway config does not grant it: {}. To grant it, \
         write these lines in the gateway config, in place of any [plugins.grants.{id}] there:\n{}",
        asked.join(", "),
        lines.join("\n")
    )
}

/// `a`, `b`
fn ticked<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ["a", "b"] as TOML writes it (secret names and host patterns need no escaping).
fn toml_list<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    let quoted: Vec<String> = items.map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests;
