//! `[api.tokens]`: who may call the admin API and the dashboard, and what each token may do.
//!
//! ```toml
//! [api.tokens]
//! lead = "lead_token"                                  # a secret's name: every scope
//! night-shift = { secret = "night_token", scopes = ["read", "operate"] }
//! auditor = { sha256 = "9f86d0…", scopes = ["read"] }  # only the token's SHA-256 is kept
//! ```
//!
//! The gateway keeps only each token's SHA-256 in memory and compares digests in constant
//! time; with `sha256`, the token itself is nowhere on the server.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// What a token may do. Every request needs one scope ([`crate::web`] decides which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Read tickets, customers, reports, files.
    Read,
    /// Work tickets: assign, notes, status, replies, drafts, follow-ups, proposals.
    Operate,
    /// Approve compensation and queue refunds and other money-moving actions.
    ApproveRefunds,
    /// Operate the gateway: export, poll plugins now, read the audit log.
    Admin,
}

impl Scope {
    /// Every scope: what a token written as a plain secret name gets.
    pub const ALL: [Scope; 4] = [
        Scope::Read,
        Scope::Operate,
        Scope::ApproveRefunds,
        Scope::Admin,
    ];

    /// The name used in the config and in errors.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Operate => "operate",
            Scope::ApproveRefunds => "approve-refunds",
            Scope::Admin => "admin",
        }
    }
}

/// Where a token's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A secret from `[secrets]` holds the token.
    Secret(String),
    /// Only the token's SHA-256 is configured.
    Sha256([u8; 32]),
}

/// One entry of `[api.tokens]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// Where its value comes from.
    pub source: TokenSource,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenTable {
    secret: Option<String>,
    sha256: Option<String>,
    scopes: Option<Vec<Scope>>,
}

impl<'de> Deserialize<'de> for TokenConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;

        impl<'de> Visitor<'de> for Entry {
            type Value = TokenConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a secret's name, or a table with `secret` or `sha256`, and `scopes`")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<TokenConfig, E> {
                Ok(TokenConfig {
                    source: TokenSource::Secret(name.to_string()),
                    scopes: Scope::ALL.to_vec(),
                })
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<TokenConfig, M::Error> {
                let table = TokenTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let source = match (table.secret, table.sha256) {
                    (Some(secret), None) => TokenSource::Secret(secret),
                    (None, Some(hex_digest)) => {
                        let bytes = hex::decode(hex_digest.trim())
                            .ok()
                            .filter(|b| b.len() == 32);
                        let digest = bytes
                            .and_then(|b| <[u8; 32]>::try_from(b).ok())
                            .ok_or_else(|| {
                                de::Error::custom(
                                    "`sha256` must be 64 hex digits: the SHA-256 of the token \
                                     (printf %s \"$TOKEN\" | sha256sum)",
                                )
                            })?;
                        TokenSource::Sha256(digest)
                    }
                    _ => {
                        return Err(de::Error::custom(
                            "set exactly one of `secret` (a secret's name) or `sha256`",
                        ));
                    }
                };
                let scopes = table.scopes.unwrap_or_else(|| Scope::ALL.to_vec());
                if scopes.is_empty() {
                    return Err(de::Error::custom(
                        "`scopes` is empty: a token needs at least one of read, operate, \
                         approve-refunds, admin",
                    ));
                }
                Ok(TokenConfig { source, scopes })
            }
        }

        deserializer.deserialize_any(Entry)
    }
}
