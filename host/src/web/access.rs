//! Who is calling and what they may do: API tokens kept as SHA-256 digests with their
//! scopes. The scope each API request needs is in the route table (`web::api_routes`).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::tokens::{Scope, TokenConfig, TokenSource};
use crate::plugin::secrets::Secrets;

/// A token the gateway accepts: only its digest is kept.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Who acts with it (the audit trail's name).
    pub who: String,
    /// SHA-256 of the token.
    pub sha256: [u8; 32],
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl ApiToken {
    /// The tokens of `[api.tokens]`, hashed; a token whose secret has no value is left out
    /// (the config check already named it).
    pub fn from_config(tokens: &BTreeMap<String, TokenConfig>, secrets: &Secrets) -> Vec<ApiToken> {
        tokens
            .iter()
            .filter_map(|(who, token)| {
                let sha256 = match &token.source {
                    TokenSource::Secret(name) => digest(secrets.get(name)?),
                    TokenSource::Sha256(d) => *d,
                };
                Some(ApiToken {
                    who: who.clone(),
                    sha256,
                    scopes: token.scopes.clone(),
                })
            })
            .collect()
    }

    /// Whether it may act in `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The token whose digest is `sha256`, compared in constant time against every token.
pub fn by_digest<'a>(tokens: &'a [ApiToken], sha256: &[u8; 32]) -> Option<&'a ApiToken> {
    let mut found = None;
    for token in tokens {
        if bool::from(token.sha256.ct_eq(sha256)) && found.is_none() {
            found = Some(token);
        }
    }
    found
}

/// The token `presented`, if the gateway knows it.
pub fn by_token<'a>(tokens: &'a [ApiToken], presented: &[u8]) -> Option<&'a ApiToken> {
    by_digest(tokens, &digest(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_by_their_digest_only() {
        let tokens = vec![ApiToken {
            who: "mei".into(),
            sha256: digest(b"s3cret"),
            scopes: vec![Scope::Read],
        }];
        assert_eq!(
            by_token(&tokens, b"s3cret").map(|t| t.who.as_str()),
            Some("mei")
        );
        assert!(by_token(&tokens, b"s3cre").is_none());
    }
}
