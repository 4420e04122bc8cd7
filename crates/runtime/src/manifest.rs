//! `plugin.toml`: what a plugin is, what it requests, and its config.
//!
//! A manifest only *requests* hosts, secrets and limits above the defaults; the operator
//! grants them in the gateway config (`[plugins.grants.<id>]`, see [`super::grants`]).
//! Parsing is strict (an unknown key is an error) and validation does no I/O. Every error
//! names the manifest file and the key to fix.
//!
//! ```toml
//! [plugin]
//! id = "shopify"                      # unique; the webhook path is /hooks/<id>
//! kind = "marketplace-connector"      # or "locale-pack", "compensation-policy", "translator"
//! contract = "0.1.0"                  # helloword:gateway version it was built for
//! component = "shopify.wasm"          # file beside plugin.toml
//! sha256 = "…"                        # optional: refuse to load a different file
//! allowed_hosts = ["example.myshopify.com"]   # requested; granted in the gateway config
//! secrets = ["shopify_client_secret"] # requested; it does not load without them
//! optional_secrets = ["shopify_previous_client_secret"]   # used when granted
//!
//! [limits]                            # optional: below the defaults freely, above by grant
//! cpu_ms = 100
//!
//! optional_config = ["api_base"]      # keys read without a default; the operator may set them
//!
//! [config]                            # plugin-scoped settings, read through the config import;
//! api_version = "2025-07"             # defaults, under [plugins.config.<id>] of the gateway config
//!
//! [rules]                             # connectors: the marketplace's rules as data
//! [[rules.deadlines]]                 # (helloword_contract::rules)
//! name = "shopify.dispute"
//! kinds = ["chargeback"]
//! platform_margin = "24h"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::limits::LimitOverrides;
use helloword_contract::rules::MarketplaceRules;

/// The largest `plugin.toml` read, in bytes; a manifest is a few kilobytes.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// Contract versions this host can load, newest first.
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.1.0"];

/// The world a plugin implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// `marketplace-connector`
    MarketplaceConnector,
    /// `locale-pack`
    LocalePack,
    /// `compensation-policy`
    CompensationPolicy,
    /// `translator`
    Translator,
}

impl PluginKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [PluginKind; 4] = [
        PluginKind::MarketplaceConnector,
        PluginKind::LocalePack,
        PluginKind::CompensationPolicy,
        PluginKind::Translator,
    ];

    /// The world's name in the WIT package.
    pub fn world(self) -> &'static str {
        match self {
            PluginKind::MarketplaceConnector => "marketplace-connector",
            PluginKind::LocalePack => "locale-pack",
            PluginKind::CompensationPolicy => "compensation-policy",
            PluginKind::Translator => "translator",
        }
    }

    /// The interface the world exports.
    pub fn export_interface(self) -> &'static str {
        match self {
            PluginKind::MarketplaceConnector => "connector",
            PluginKind::LocalePack => "locale",
            PluginKind::CompensationPolicy => "policy",
            PluginKind::Translator => "translate",
        }
    }

    /// Parse a world name.
    pub fn from_world(name: &str) -> Option<PluginKind> {
        PluginKind::ALL.into_iter().find(|k| k.world() == name)
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.world())
    }
}

/// A manifest that failed to load: the file and what to change in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct ManifestError {
    /// The manifest file.
    pub file: PathBuf,
    /// What is wrong, naming the key.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    plugin: RawPlugin,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    config: BTreeMap<String, toml::Value>,
    #[serde(default)]
    rules: Option<MarketplaceRules>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    id: String,
    kind: String,
    contract: String,
    component: String,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    allowed_hosts: Vec<String>,
    #[serde(default)]
    secrets: Vec<String>,
    #[serde(default)]
    optional_secrets: Vec<String>,
    #[serde(default)]
    optional_config: Vec<String>,
}

/// A validated manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file it came from.
    pub file: PathBuf,
    /// Unique plugin id.
    pub id: String,
    /// The world it implements.
    pub kind: PluginKind,
    /// The contract version it was built for.
    pub contract: String,
    /// The component file, resolved against the manifest's folder.
    pub component: PathBuf,
    /// Expected hex SHA-256 of the component, if pinned.
    pub sha256: Option<String>,
    /// One line for people.
    pub description: Option<String>,
    /// Hosts the plugin asks to reach through the `http` and `mail` imports.
    pub allowed_hosts: Vec<HostPattern>,
    /// Secrets the plugin cannot load without.
    pub secrets: Vec<String>,
    /// Secrets the plugin uses when it is granted them and the gateway has them.
    pub optional_secrets: Vec<String>,
    /// The limits it asks for instead of the defaults.
    pub limits: LimitOverrides,
    /// Plugin config, every value as a string: the defaults the operator's
    /// `[plugins.config.<id>]` goes over.
    pub config: BTreeMap<String, String>,
    /// Config keys the plugin reads that have no default; the operator may set them (and
    /// those of `config`). A name ending in `*` stands for every key that starts with the
    /// rest (`"public_key.*"`).
    pub optional_config: Vec<String>,
    /// A connector's marketplace rules (`[rules]`, validated); the defaults when it
    /// declares none.
    pub rules: MarketplaceRules,
}

impl Manifest {
    /// Read and validate the manifest at `file`: a regular file of at most
    /// [`MAX_MANIFEST_BYTES`].
    pub fn load(file: &Path) -> Result<Manifest, ManifestError> {
        let err = |message: String| ManifestError {
            file: file.to_path_buf(),
            message,
        };
        let bytes = super::files::read_capped(
            file,
            MAX_MANIFEST_BYTES,
            "a plugin.toml may have at most 1 MiB",
        )
        .map_err(|e| err(format!("cannot load the manifest: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| err("cannot load the manifest: it is not UTF-8 text".into()))?;
        Manifest::parse(file, &text)
    }

    /// Validate manifest `text` that was read from `file` (no I/O).
    pub fn parse(file: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let err = |message: String| ManifestError {
            file: file.to_path_buf(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let message = crate::messages::toml_error(&e, text);
            let rule = e.span().and_then(|span| rule_at(text, span.start));
            err(match (rule, message.split_once(": ")) {
                (Some(rule), Some((line, rest))) if line.starts_with("line ") => {
                    format!("{line}: rule {rule:?}: {rest}")
                }
                _ => message,
            })
        })?;
        let p = raw.plugin;

        if !is_identifier(&p.id) {
            return Err(err(format!(
                "`plugin.id` is {:?}; use 1 to 64 lower-case letters, digits and '-'",
                p.id
            )));
        }
        let kind = PluginKind::from_world(&p.kind).ok_or_else(|| {
            err(format!(
                "`plugin.kind` is {:?}; expected one of {}",
                p.kind,
                PluginKind::ALL
                    .map(|k| format!("{:?}", k.world()))
                    .join(", ")
            ))
        })?;
        if !SUPPORTED_CONTRACTS.contains(&p.contract.as_str()) {
            return Err(err(format!(
                "`plugin.contract` is {:?}; this gateway loads contract versions {}",
                p.contract,
                SUPPORTED_CONTRACTS.join(", ")
            )));
        }
        let component = Path::new(&p.component);
        if p.component.is_empty()
            || component.is_absolute()
            || component
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(err(format!(
                "`plugin.component` is {:?}; name a file inside the plugin's folder",
                p.component
            )));
        }
        if let Some(hash) = &p.sha256
            && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(err(format!(
                "`plugin.sha256` is {hash:?}; expected 64 hex digits"
            )));
        }
        let allowed_hosts = p
            .allowed_hosts
            .iter()
            .map(|h| {
                HostPattern::parse(h).ok_or_else(|| {
                    err(format!(
                        "`plugin.allowed_hosts` has {h:?}; expected a host, host:port or *.domain"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (key, names) in [
            ("secrets", &p.secrets),
            ("optional_secrets", &p.optional_secrets),
        ] {
            if let Some(bad) = names.iter().find(|n| !is_secret_name(n)) {
                return Err(err(format!(
                    "`plugin.{key}` has {bad:?}; use letters, digits, '_' and '-'"
                )));
            }
        }
        if let Some(bad) = p.optional_config.iter().find(|k| !is_config_key(k)) {
            return Err(err(format!(
                "`plugin.optional_config` has {bad:?}; use a config key (letters, digits, '_', \
                 '-' and '.'), or a prefix followed by `*` such as \"public_key.*\""
            )));
        }
        let mut config = BTreeMap::new();
        for (key, value) in raw.config {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => {
                    return Err(err(format!(
                        "`config.{key}` is a {}; plugin config values are strings, numbers or booleans",
                        other.type_str()
                    )));
                }
            };
            config.insert(key, text);
        }
        if raw.rules.is_some() && kind != PluginKind::MarketplaceConnector {
            return Err(err(format!(
                "`[rules]` is for marketplace connectors; a {} has none",
                kind.world()
            )));
        }
        let rules = raw.rules.unwrap_or_default();
        if let Some(conflict) = rules.conflict() {
            return Err(err(format!("{conflict}; each issue kind has one rule")));
        }
        let folder = file.parent().unwrap_or(Path::new("."));
        Ok(Manifest {
            file: file.to_path_buf(),
            id: p.id,
            kind,
            contract: p.contract,
            component: folder.join(component),
            sha256: p.sha256.map(|h| h.to_ascii_lowercase()),
            description: p.description,
            allowed_hosts,
            secrets: p.secrets,
            optional_secrets: p.optional_secrets,
            limits: raw.limits,
            config,
            optional_config: p.optional_config,
            rules,
        })
    }
}

/// The name of the `[[rules.deadlines]]` entry whose table holds byte `at` of `text`, so an
/// error in a rule names the rule.
fn rule_at(text: &str, at: usize) -> Option<String> {
    let header = text[..at.min(text.len())].rfind("[[rules.deadlines]]")?;
    let body = &text[header + "[[rules.deadlines]]".len()..];
    let end = body.find("\n[").unwrap_or(body.len());
    if header + "[[rules.deadlines]]".len() + end < at {
        return None;
    }
    body[..end].lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Whether `id` is a valid plugin id: 1 to 64 lower-case letters, digits and '-', not
/// starting with '-'.
pub fn is_identifier(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// Whether `key` can be declared in `optional_config`: letters, digits, '_', '-' and '.',
/// with an optional `*` at the end.
fn is_config_key(key: &str) -> bool {
    let name = key.strip_suffix('*').unwrap_or(key);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Whether `name` can name a secret: letters, digits, '_' and '-'.
pub(crate) fn is_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A host a plugin may reach: exact (`api.example.com`), with a port (`127.0.0.1:8080`),
/// or a wildcard for subdomains (`*.myshopify.com`, which does not match `myshopify.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: String,
    port: Option<u16>,
    wildcard: bool,
}

impl HostPattern {
    /// Parse one `allowed_hosts` entry.
    pub fn parse(text: &str) -> Option<HostPattern> {
        let text = text.trim().to_ascii_lowercase();
        let (wildcard, rest) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest.to_string()),
            None => (false, text),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p.parse().ok()?)),
            _ => (rest, None),
        };
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        valid.then_some(HostPattern {
            host,
            port,
            wildcard,
        })
    }

    /// Whether every host and port `other` allows, this pattern allows too: a grant of
    /// `*.example.com` covers a request for `api.example.com` or `*.eu.example.com`, a
    /// grant without a port covers any port, and one with a port only that port.
    pub fn covers(&self, other: &HostPattern) -> bool {
        if self.port.is_some() && other.port != self.port {
            return false;
        }
        let under = |host: &str| {
            host.strip_suffix(&self.host)
                .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
        };
        match (self.wildcard, other.wildcard) {
            (false, false) => self.host == other.host,
            (false, true) => false,
            (true, false) => under(&other.host),
            (true, true) => other.host == self.host || under(&other.host),
        }
    }

    /// Whether a request to `host` on `port` is allowed by this pattern.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.to_ascii_lowercase();
        if self.wildcard {
            host.strip_suffix(&self.host)
                .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
        } else {
            host == self.host
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [plugin]
        id = "shopify"
        kind = "marketplace-connector"
        contract = "0.1.0"
        component = "shopify.wasm"
        allowed_hosts = ["*.myshopify.com", "127.0.0.1:8080"]
        secrets = ["shopify_client_secret"]

        [limits]
        cpu_ms = 50

        [config]
        api_version = "2025-07"
        retries = 3
    "#;

    fn parse(text: &str) -> Result<Manifest, String> {
        Manifest::parse(Path::new("plugins/shopify/plugin.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_complete_manifest_loads() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.id, "shopify");
        assert_eq!(m.kind, PluginKind::MarketplaceConnector);
        assert_eq!(m.component, Path::new("plugins/shopify/shopify.wasm"));
        assert_eq!(m.limits.cpu_ms, Some(50));
        assert_eq!(m.config["retries"], "3");
    }

    #[test]
    fn unknown_key_names_the_file_and_the_key() {
        let text = GOOD.replace("[limits]", "[limits]\ncpu_msec = 5");
        assert_eq!(
            parse(&text).unwrap_err(),
            "plugins/shopify/plugin.toml: line 11: unknown field `cpu_msec`, expected one of \
             `cpu_ms`, `wall_clock_ms`, `memory_bytes`, `table_elements`, `max_output_bytes`, \
             `host_call_quota`, `http_timeout_ms`, `max_http_response_bytes`"
        );
    }

    #[test]
    fn unknown_world_and_version_are_named() {
        let text = GOOD.replace("marketplace-connector", "connector");
        assert_eq!(
            parse(&text).unwrap_err(),
            "plugins/shopify/plugin.toml: `plugin.kind` is \"connector\"; expected one of \
             \"marketplace-connector\", \"locale-pack\", \"compensation-policy\", \"translator\""
        );
        let text = GOOD.replace("\"0.1.0\"", "\"9.0.0\"");
        assert_eq!(
            parse(&text).unwrap_err(),
            "plugins/shopify/plugin.toml: `plugin.contract` is \"9.0.0\"; this gateway loads \
             contract versions 0.1.0"
        );
    }

    #[test]
    fn component_must_stay_in_the_folder() {
        for bad in ["../x.wasm", "/etc/x.wasm", ""] {
            let text = GOOD.replace("shopify.wasm", bad);
            assert!(
                parse(&text).unwrap_err().contains("`plugin.component`"),
                "{bad}"
            );
        }
    }

    #[test]
    fn host_patterns_match_what_they_say() {
        let wild = HostPattern::parse("*.myshopify.com").unwrap();
        assert!(wild.allows("example.myshopify.com", 443));
        assert!(!wild.allows("myshopify.com", 443));
        assert!(!wild.allows("evilmyshopify.com", 443));
        let exact = HostPattern::parse("127.0.0.1:8080").unwrap();
        assert!(exact.allows("127.0.0.1", 8080));
        assert!(!exact.allows("127.0.0.1", 8081));
        assert!(HostPattern::parse("bad host").is_none());
        assert!(HostPattern::parse("host:notaport").is_none());
    }

    #[test]
    fn a_grant_covers_only_requests_it_allows_entirely() {
        let p = |text| HostPattern::parse(text).unwrap();
        for (grant, request, covered) in [
            ("*.myshopify.com", "*.myshopify.com", true),
            ("*.myshopify.com", "shop.myshopify.com", true),
            ("*.example.com", "*.eu.example.com", true),
            ("*.myshopify.com", "myshopify.com", false),
            ("*.myshopify.com", "*.com", false),
            ("shop.myshopify.com", "*.myshopify.com", false),
            ("127.0.0.1", "127.0.0.1:8080", true),
            ("127.0.0.1:8080", "127.0.0.1", false),
            ("127.0.0.1:8080", "127.0.0.1:8081", false),
            ("api.example.com", "API.example.com", true),
        ] {
            assert_eq!(p(grant).covers(&p(request)), covered, "{grant} ⊇ {request}");
        }
    }
}
