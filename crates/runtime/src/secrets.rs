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
    /// An OAuth 2.0 access token the gateway obtains and refreshes itself (eBay and Amazon
    /// user tokens, application tokens). Usable in plugins' secret headers.
    pub oauth: Option<OAuthSource>,
    /// HTTP Basic credentials made of two other secrets: the value is
    /// `base64(<username>:<password>)`, ready for a plugin's `Authorization: Basic` secret
    /// header (a WooCommerce REST API key's consumer key and secret).
    pub basic: Option<BasicSource>,
}

/// The two secrets HTTP Basic credentials are made of.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicSource {
    /// The secret holding the user name (a consumer key).
    pub username: String,
    /// The secret holding the password (a consumer secret).
    pub password: String,
}

impl SecretSource {
    /// How many origins are set (exactly one is valid).
    pub fn origins(&self) -> usize {
        [
            self.env.is_some(),
            self.file.is_some(),
            self.value.is_some(),
            self.oauth.is_some(),
            self.basic.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count()
    }
}

/// An access token from an OAuth 2.0 token endpoint: the refresh-token grant when
/// `refresh_token` is set (a seller's user token), else client credentials (an application
/// token). The client secret and refresh token are other named secrets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSource {
    /// The token endpoint, e.g. `https://api.ebay.com/identity/v1/oauth2/token`.
    pub token_url: String,
    /// The application's client id (not secret).
    pub client_id: String,
    /// The secret holding the client secret.
    pub client_secret: String,
    /// The secret holding the refresh token; without it, the client-credentials grant.
    pub refresh_token: Option<String>,
    /// Scopes to ask for (space-joined in the request); none sends no `scope`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// How the client authenticates: `basic` (HTTP Basic, eBay) or `body` (client id and
    /// secret in the form, Amazon's Login with Amazon).
    #[serde(default)]
    pub client_auth: ClientAuth,
}

/// Where the client credentials go in a token request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)`.
    #[default]
    Basic,
    /// `client_id` and `client_secret` form fields.
    Body,
}

/// Resolved secret values by name, and the OAuth tokens the gateway fetches.
#[derive(Clone, Default)]
pub struct Secrets {
    values: BTreeMap<String, Vec<u8>>,
    oauth: BTreeMap<String, OAuthSource>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.values.keys().chain(self.oauth.keys()))
            .finish()
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
        Secrets {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            oauth: BTreeMap::new(),
        }
    }

    /// The same secrets plus `name` = `value` (tools: `helloword plugin run --secret`).
    pub fn with_value(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Secrets {
        self.values.insert(name.into(), value.into());
        self
    }

    /// The same secrets plus OAuth token `name` (tests and tools).
    pub fn with_oauth(mut self, name: impl Into<String>, source: OAuthSource) -> Secrets {
        self.oauth.insert(name.into(), source);
        self
    }

    /// The value of `name` (`None` for an OAuth token: see [`Secrets::oauth`]).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// How to obtain OAuth token `name`, if it is one.
    pub fn oauth(&self, name: &str) -> Option<&OAuthSource> {
        self.oauth.get(name)
    }

    /// Names of every secret.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values
            .keys()
            .chain(self.oauth.keys())
            .map(String::as_str)
    }

    /// Resolve every source (reads the environment and files).
    pub fn resolve(sources: &BTreeMap<String, SecretSource>) -> Result<Secrets, String> {
        let mut out = BTreeMap::new();
        let mut oauth = BTreeMap::new();
        for (name, source) in sources {
            if let Some(token) = &source.oauth {
                if source.origins() != 1 {
                    return Err(format!(
                        "secret `{name}`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
                    ));
                }
                for (field, needed) in [
                    ("client_secret", Some(&token.client_secret)),
                    ("refresh_token", token.refresh_token.as_ref()),
                ] {
                    if let Some(needed) = needed
                        && sources
                            .get(needed)
                            .is_none_or(|s| s.oauth.is_some() || s.basic.is_some())
                    {
                        return Err(format!(
                            "secret `{name}`: oauth.{field} names `{needed}`, which is not a \
                             plain secret in [secrets]"
                        ));
                    }
                }
                oauth.insert(name.clone(), token.clone());
                continue;
            }
            if source.basic.is_some() {
                // Made of plain secrets: resolved once they all are.
                if source.origins() != 1 {
                    return Err(format!(
                        "secret `{name}`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
                    ));
                }
                continue;
            }
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
                        "secret `{name}`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
                    ));
                }
            };
            out.insert(name.clone(), value);
        }
        for (name, source) in sources {
            let Some(basic) = &source.basic else {
                continue;
            };
            let part = |field: &str, secret: &str| {
                out.get(secret).cloned().ok_or_else(|| {
                    format!(
                        "secret `{name}`: basic.{field} names `{secret}`, which is not a plain \
                         secret in [secrets]"
                    )
                })
            };
            let mut pair = part("username", &basic.username)?;
            pair.push(b':');
            pair.extend(part("password", &basic.password)?);
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            out.insert(name.clone(), encoded.into_bytes());
        }
        Ok(Secrets { values: out, oauth })
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
            "secret `a`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
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

    #[test]
    fn basic_credentials_are_made_of_two_secrets() {
        let plain = |v: &str| SecretSource {
            value: Some(v.into()),
            ..SecretSource::default()
        };
        let basic = |user: &str, password: &str| SecretSource {
            basic: Some(BasicSource {
                username: user.into(),
                password: password.into(),
            }),
            ..SecretSource::default()
        };
        let mut sources = BTreeMap::from([
            ("ck".to_string(), plain("ck_4f1e")),
            ("cs".to_string(), plain("cs_9a2b")),
            ("api".to_string(), basic("ck", "cs")),
        ]);
        let secrets = Secrets::resolve(&sources).unwrap();
        // base64("ck_4f1e:cs_9a2b")
        assert_eq!(secrets.get("api"), Some(&b"Y2tfNGYxZTpjc185YTJi"[..]));
        sources.insert("api".into(), basic("ck", "missing"));
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `api`: basic.password names `missing`, which is not a plain secret in [secrets]"
        );
    }

    #[test]
    fn a_missing_secret_file_names_the_secret_and_the_path() {
        let sources = BTreeMap::from([(
            "smtp_password".to_string(),
            SecretSource {
                file: Some("/nonexistent/helloword/smtp_password".into()),
                ..SecretSource::default()
            },
        )]);
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `smtp_password`: cannot read /nonexistent/helloword/smtp_password: No such \
             file or directory (os error 2)"
        );
    }

    #[test]
    fn an_oauth_token_naming_a_missing_secret_names_the_field() {
        let token = OAuthSource {
            token_url: "https://api.ebay.com/identity/v1/oauth2/token".into(),
            client_id: "app".into(),
            client_secret: "ebay_client_secret".into(),
            refresh_token: Some("ebay_refresh_token".into()),
            scopes: Vec::new(),
            client_auth: ClientAuth::Basic,
        };
        let mut sources = BTreeMap::from([(
            "ebay_user_token".to_string(),
            SecretSource {
                oauth: Some(token),
                ..SecretSource::default()
            },
        )]);
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `ebay_user_token`: oauth.client_secret names `ebay_client_secret`, which is \
             not a plain secret in [secrets]"
        );
        sources.insert(
            "ebay_client_secret".to_string(),
            SecretSource {
                value: Some("canary-client-secret".into()),
                ..SecretSource::default()
            },
        );
        assert_eq!(
            Secrets::resolve(&sources).unwrap_err(),
            "secret `ebay_user_token`: oauth.refresh_token names `ebay_refresh_token`, which is \
             not a plain secret in [secrets]"
        );
    }

    #[test]
    fn a_rejected_source_does_not_show_its_value() {
        let sources = BTreeMap::from([(
            "shopify_client_secret".to_string(),
            SecretSource {
                env: Some("SHOPIFY_CLIENT_SECRET".into()),
                value: Some("canary-7f3a".into()),
                ..SecretSource::default()
            },
        )]);
        let message = Secrets::resolve(&sources).unwrap_err();
        assert_eq!(
            message,
            "secret `shopify_client_secret`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
        );
        assert!(!message.contains("canary-7f3a"));
    }
}
