//! Secret values, resolved once from the gateway config's `[secrets]` table. Values never
//! appear in `Debug` output or logs, and never enter a plugin's memory.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// Where one secret's value comes from. Exactly one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSource {
    /// An environment variable holding the value.
    pub env: Option<String>,
    /// A file holding the value (trailing newline trimmed).
    pub file: Option<PathBuf>,
    /// The value itself: for demos and tests only, never for production.
    pub value: Option<String>,
}

/// Resolved secret values by name.
#[derive(Clone, Default)]
pub struct Secrets(BTreeMap<String, Vec<u8>>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    /// Secrets from name/value pairs (tests and tools).
    pub fn from_pairs<I, K, V>(pairs: I) -> Secrets
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Vec<u8>>,
    {
        Secrets(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.get(name).map(Vec::as_slice)
    }

    /// Names of every secret.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Resolve every source (reads the environment and files).
    pub fn resolve(sources: &BTreeMap<String, SecretSource>) -> Result<Secrets, String> {
        let mut out = BTreeMap::new();
        for (name, source) in sources {
            let value = match (&source.env, &source.file, &source.value) {
                (Some(var), None, None) => std::env::var(var)
                    .map_err(|_| format!("secret `{name}`: environment variable {var} is not set"))?
                    .into_bytes(),
                (None, Some(path), None) => {
                    let mut bytes = std::fs::read(path).map_err(|e| {
                        format!("secret `{name}`: cannot read {}: {e}", path.display())
                    })?;
                    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        bytes.pop();
                    }
                    bytes
                }
                (None, None, Some(value)) => value.clone().into_bytes(),
                _ => {
                    return Err(format!(
                        "secret `{name}`: set exactly one of `env`, `file` or `value`"
                    ));
                }
            };
            out.insert(name.clone(), value);
        }
        Ok(Secrets(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_values() {
        let s = Secrets::from_pairs([("shopify", "hunter2")]);
        assert_eq!(format!("{s:?}"), "{\"shopify\"}");
    }

    #[test]
    fn a_source_needs_exactly_one_origin() {
        let mut sources = BTreeMap::new();
        sources.insert("a".to_string(), SecretSource::default());
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `a`: set exactly one of `env`, `file` or `value`"
        );
        sources.insert(
            "a".to_string(),
            SecretSource {
                env: Some("HELLOWORD_TEST_SURELY_UNSET".into()),
                ..SecretSource::default()
            },
        );
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `a`: environment variable HELLOWORD_TEST_SURELY_UNSET is not set"
        );
    }
}
