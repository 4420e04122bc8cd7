//! OAuth 2.0 access tokens the gateway obtains and refreshes for plugins. A plugin names the
//! token in a secret header (`Authorization: Bearer <ebay_user_token>`); the host fetches a
//! token on first use, keeps it until shortly before it expires, and fetches a fresh one
//! when the marketplace answers 401. Neither the token nor the refresh token and client
//! secret behind it ever enter a plugin.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::secrets::{ClientAuth, OAuthSource, Secrets};

/// A token is refreshed this long before it expires, so no request carries one that
/// expires on the way.
const EARLY: Duration = Duration::from_secs(120);

/// How long a token lives when the endpoint does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// Cached access tokens by secret name.
#[derive(Default)]
pub struct Tokens {
    cache: tokio::sync::Mutex<HashMap<String, (Vec<u8>, Instant)>>,
}

impl Tokens {
    /// The current access token for `name`, fetching a fresh one if there is none or it
    /// expires soon. One fetch at a time: concurrent callers wait for it and share it.
    pub async fn get(
        &self,
        name: &str,
        source: &OAuthSource,
        secrets: &Secrets,
        http: &reqwest::Client,
    ) -> Result<Vec<u8>, String> {
        let mut cache = self.cache.lock().await;
        if let Some((token, valid_until)) = cache.get(name)
            && Instant::now() + EARLY < *valid_until
        {
            return Ok(token.clone());
        }
        let (token, lifetime) = fetch(name, source, secrets, http).await?;
        cache.insert(name.to_string(), (token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Forget `name`'s token (the marketplace rejected it), so the next use fetches anew.
    pub async fn invalidate(&self, name: &str, rejected: &[u8]) {
        let mut cache = self.cache.lock().await;
        // Only if no one refreshed it meanwhile.
        if cache.get(name).is_some_and(|(token, _)| token == rejected) {
            cache.remove(name);
        }
    }
}

/// Ask the token endpoint for a token.
async fn fetch(
    name: &str,
    source: &OAuthSource,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> Result<(Vec<u8>, Duration), String> {
    let secret = |field: &str, of: &str| {
        secrets
            .get(of)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .ok_or_else(|| format!("OAuth token `{name}`: {field} secret `{of}` has no value"))
    };
    let client_secret = secret("client_secret", &source.client_secret)?;
    let mut form: Vec<(&str, String)> = Vec::new();
    match &source.refresh_token {
        Some(refresh) => {
            form.push(("grant_type", "refresh_token".into()));
            form.push(("refresh_token", secret("refresh_token", refresh)?));
        }
        None => form.push(("grant_type", "client_credentials".into())),
    }
    if !source.scopes.is_empty() {
        form.push(("scope", source.scopes.join(" ")));
    }
    let mut request = http
        .post(&source.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    match source.client_auth {
        ClientAuth::Basic => {
            let pair = format!("{}:{client_secret}", source.client_id);
            let mut value = reqwest::header::HeaderValue::from_str(&format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ))
            .map_err(|_| {
                format!("OAuth token `{name}`: the client credentials are not valid in a header")
            })?;
            value.set_sensitive(true);
            request = request.header("authorization", value);
        }
        ClientAuth::Body => {
            form.push(("client_id", source.client_id.clone()));
            form.push(("client_secret", client_secret));
        }
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let response = tokio::time::timeout(Duration::from_secs(15), request.body(body).send())
        .await
        .map_err(|_| {
            format!(
                "OAuth token `{name}`: {} did not answer in 15 s",
                source.token_url
            )
        })?
        .map_err(|e| {
            format!(
                "OAuth token `{name}`: cannot reach {}: {e}",
                source.token_url
            )
        })?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("OAuth token `{name}`: reading the answer: {e}"))?;
    if !status.is_success() {
        // OAuth errors name themselves (`invalid_grant`: the seller must authorize again).
        let reason = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let error = v.get("error")?.as_str()?.to_string();
                let detail = v
                    .get("error_description")
                    .and_then(|d| d.as_str())
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default();
                Some(format!("{error}{detail}"))
            })
            .unwrap_or_else(|| format!("HTTP {status}"));
        return Err(format!(
            "OAuth token `{name}`: {} refused: {reason}",
            source.token_url
        ));
    }
    let answer: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("OAuth token `{name}`: the answer is not JSON: {e}"))?;
    let token = answer
        .get("access_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("OAuth token `{name}`: the answer has no access_token"))?;
    let lifetime = answer
        .get("expires_in")
        .and_then(|e| e.as_u64().or_else(|| e.as_str()?.parse().ok()))
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
    tracing::info!(
        message = "Fetched an OAuth access token.",
        token = name,
        expires_in_s = lifetime.as_secs()
    );
    Ok((token.as_bytes().to_vec(), lifetime))
}
