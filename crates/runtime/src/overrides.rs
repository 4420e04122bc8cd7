//! What the operator sets of each plugin's config, in the gateway config:
//!
//! ```toml
//! [plugins.config.ebay]
//! endpoint = "https://gateway.example.com/hooks/ebay"
//! seller = "example_seller"
//! ```
//!
//! Merged over the defaults of the manifest's `[config]` when the plugin loads, so an
//! operator never edits the plugin's folder (which an upgrade, or `cargo demo`, replaces).
//! Strict: a key the manifest does not declare — in `[config]`, or in `optional_config` for
//! keys without a default (`"public_key.*"` declares every key that starts with
//! `public_key.`) — refuses the load, naming the gateway config, the line and the key, and
//! listing the keys the plugin has. Validation of the table itself (values are text,
//! numbers or booleans) happens when the config is read and does no I/O; the check against
//! the manifest happens when the plugin loads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::manifest::Manifest;

/// One value the operator set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value, as text (numbers and booleans as TOML writes them).
    pub value: String,
    /// Its line in the gateway config.
    pub line: usize,
}

/// Every `[plugins.config.<id>]` table of one gateway config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginConfigs {
    /// The gateway config they were read from.
    pub file: PathBuf,
    /// Plugin id → key → value.
    pub by_plugin: BTreeMap<String, BTreeMap<String, Setting>>,
}

/// Why a plugin does not load with the operator's config: the gateway config's line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The gateway config.
    pub file: PathBuf,
    /// What is wrong and what the plugin's keys are.
    pub message: String,
}

impl PluginConfigs {
    /// Read `[plugins.config]` as written (`text` is the whole config, for line numbers):
    /// each table named after a plugin id, each value text, a number or a boolean.
    pub fn from_config(
        file: PathBuf,
        text: &str,
        raw: BTreeMap<String, BTreeMap<String, toml::Value>>,
    ) -> Result<PluginConfigs, String> {
        let mut by_plugin = BTreeMap::new();
        for (id, table) in raw {
            if !super::manifest::is_identifier(&id) {
                return Err(format!(
                    "`[plugins.config.{id:?}]`: {id:?} is not a plugin id; name the table after \
                     the `plugin.id` of the plugin's plugin.toml (1 to 64 lower-case letters, \
                     digits and '-')"
                ));
            }
            let mut settings = BTreeMap::new();
            for (key, value) in table {
                let line = line_of(text, &id, &key);
                let value = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Table(_) => {
                        return Err(format!(
                            "line {line}: `plugins.config.{id}.{key}` is a table; plugin config \
                             values are text, numbers or booleans (a key with a dot in it \
                             goes in quotes: \"{key}.…\" = \"…\")"
                        ));
                    }
                    other => {
                        let what = match other {
                            toml::Value::Array(_) => "a list",
                            _ => "a date",
                        };
                        return Err(format!(
                            "line {line}: `plugins.config.{id}.{key}` is {what}; plugin config \
                             values are text, numbers or booleans"
                        ));
                    }
                };
                settings.insert(key, Setting { value, line });
            }
            by_plugin.insert(id, settings);
        }
        Ok(PluginConfigs { file, by_plugin })
    }

    /// `manifest`'s config with the operator's values over its defaults, or why a key the
    /// operator set is not one of the plugin's.
    pub fn merged(&self, manifest: &Manifest) -> Result<BTreeMap<String, String>, Unknown> {
        let mut config = manifest.config.clone();
        let Some(settings) = self.by_plugin.get(&manifest.id) else {
            return Ok(config);
        };
        let mut unknown: Vec<(&String, &Setting)> = settings
            .iter()
            .filter(|(key, _)| !declares(manifest, key))
            .collect();
        unknown.sort_by_key(|(_, s)| s.line);
        if let Some((key, setting)) = unknown.first() {
            return Err(Unknown {
                file: self.file.clone(),
                message: format!(
                    "line {line}: `plugins.config.{id}.{key}` is not a config key of plugin \
                     `{id}`; {keys}",
                    line = setting.line,
                    id = manifest.id,
                    keys = known_keys(manifest),
                ),
            });
        }
        for (key, setting) in settings {
            config.insert(key.clone(), setting.value.clone());
        }
        Ok(config)
    }
}

/// The line of `text` where key `key` of `[plugins.config.<id>]` is written: the first line
/// under that table's header whose key is `key` (quoted or not, or `key.` as a dotted key);
/// the header's line when the key is not found so (an inline table), else line 1. (toml's
/// spans are lost on tables made of dotted keys, which is the mistake worth a line number.)
fn line_of(text: &str, id: &str, key: &str) -> usize {
    let bare = |s: &str| s.replace([' ', '\t', '"', '\''], "");
    let wanted = format!("plugins.config.{id}");
    let mut header = None;
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.trim();
        if code.starts_with('[') {
            let name = bare(code.trim_start_matches('[').split(']').next().unwrap_or(""));
            inside = name == wanted;
            if inside && header.is_none() {
                header = Some(i + 1);
            }
            continue;
        }
        let Some((written, _)) = code.split_once('=') else {
            continue;
        };
        let written = bare(written);
        if inside && (written == key || written.starts_with(&format!("{key}."))) {
            return i + 1;
        }
    }
    header.unwrap_or(1)
}

/// Whether `manifest` declares config key `key`.
pub(crate) fn declares(manifest: &Manifest, key: &str) -> bool {
    manifest.config.contains_key(key)
        || manifest
            .optional_config
            .iter()
            .any(|declared| match declared.strip_suffix('*') {
                Some(prefix) => key.len() > prefix.len() && key.starts_with(prefix),
                None => declared == key,
            })
}

/// The keys `manifest` declares, for an error message.
fn known_keys(manifest: &Manifest) -> String {
    let ticked = |keys: Vec<&String>| {
        keys.iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let defaults: Vec<&String> = manifest.config.keys().collect();
    let optional: Vec<&String> = manifest.optional_config.iter().collect();
    let file = manifest.file.display();
    match (defaults.is_empty(), optional.is_empty()) {
        (true, true) => format!("{file} declares no config keys"),
        (false, true) => format!("the keys in [config] of {file} are {}", ticked(defaults)),
        (true, false) => format!(
            "the keys in optional_config of {file} are {}",
            ticked(optional)
        ),
        (false, false) => format!(
            "the keys of {file} are {} (in [config]) and {} (in optional_config)",
            ticked(defaults),
            ticked(optional)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const MANIFEST: &str = r#"
        [plugin]
        id = "ebay"
        kind = "marketplace-connector"
        contract = "0.1.0"
        component = "ebay.wasm"
        optional_config = ["endpoint", "public_key.*"]

        [config]
        marketplace_id = "EBAY_US"
        poll_page_size = 50
    "#;

    fn manifest() -> Manifest {
        Manifest::parse(Path::new("plugins/ebay/plugin.toml"), MANIFEST).unwrap()
    }

    fn configs(text: &str) -> Result<PluginConfigs, String> {
        #[derive(serde::Deserialize)]
        struct Raw {
            plugins: RawPlugins,
        }
        #[derive(serde::Deserialize)]
        struct RawPlugins {
            config: BTreeMap<String, BTreeMap<String, toml::Value>>,
        }
        let raw: Raw = toml::from_str(text).unwrap();
        PluginConfigs::from_config("/etc/helloword.toml".into(), text, raw.plugins.config)
    }

    #[test]
    fn the_operators_values_go_over_the_defaults() {
        let c = configs(
            "[plugins.config.ebay]\nmarketplace_id = \"EBAY_DE\"\nendpoint = \"https://gw.example/hooks/ebay\"\n\
             \"public_key.abc\" = \"PEM\"\npoll_page_size = 10\n",
        )
        .unwrap();
        let merged = c.merged(&manifest()).unwrap();
        assert_eq!(merged["marketplace_id"], "EBAY_DE");
        assert_eq!(merged["endpoint"], "https://gw.example/hooks/ebay");
        assert_eq!(merged["public_key.abc"], "PEM");
        assert_eq!(merged["poll_page_size"], "10");
        // Another plugin's table does not touch it.
        let other = configs("[plugins.config.shopify]\napi_version = \"2025-10\"\n").unwrap();
        assert_eq!(other.merged(&manifest()).unwrap(), manifest().config);
    }

    #[test]
    fn an_unknown_key_names_file_line_and_key_and_lists_the_plugins_keys() {
        let c = configs(
            "# ebay\n[plugins.config.ebay]\nmarketplace_id = \"EBAY_DE\"\nendpont = \"x\"\n\"public_key.\" = \"x\"\n",
        )
        .unwrap();
        let e = c.merged(&manifest()).unwrap_err();
        assert_eq!(e.file, Path::new("/etc/helloword.toml"));
        assert_eq!(
            e.message,
            "line 4: `plugins.config.ebay.endpont` is not a config key of plugin `ebay`; the keys \
             of plugins/ebay/plugin.toml are `marketplace_id`, `poll_page_size` (in [config]) and \
             `endpoint`, `public_key.*` (in optional_config)"
        );
    }

    #[test]
    fn a_table_or_a_list_as_a_value_is_refused_with_its_line() {
        assert_eq!(
            configs("[plugins.config.ebay]\npublic_key.abc = \"PEM\"\n").unwrap_err(),
            "line 2: `plugins.config.ebay.public_key` is a table; plugin config values are text, \
             numbers or booleans (a key with a dot in it goes in quotes: \"public_key.…\" = \"…\")"
        );
        assert_eq!(
            configs("[plugins.config.ebay]\nseller = [\"a\"]\n").unwrap_err(),
            "line 2: `plugins.config.ebay.seller` is a list; plugin config values are text, \
             numbers or booleans"
        );
        assert!(
            configs("[plugins.config.Ebay]\nseller = \"a\"\n")
                .unwrap_err()
                .contains("not a plugin id")
        );
    }
}
