//! `helloword:gateway/http`: outbound requests, only to hosts the plugin requested and the
//! operator granted, with the plugin's timeout and response-size cap. Redirects are not followed
//! (a redirect could lead anywhere); the plugin sees the 3xx and decides.

use crate::bindings::http::{Host, HttpError, Request, Response};
use crate::state::CallState;

impl Host for CallState {
    async fn send(&mut self, req: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        self.host.count_call()?;
        let grants = self.host.grants.clone();
        Ok(send(&grants, req).await)
    }
}

async fn send(grants: &crate::state::Grants, req: Request) -> Result<Response, HttpError> {
    let response = attempt(grants, &req).await?;
    // A rejected OAuth token (revoked, or expired early) is fetched anew and the request
    // sent once more; the plugin sees the second answer.
    if response.status == 401 {
        let mut renewed = false;
        for header in &req.secret_headers {
            let source = grants.source(&header.secret);
            if grants.services.secrets.oauth(source).is_some()
                && let Some(used) = response.used_tokens.get(&header.secret)
            {
                grants.services.tokens.invalidate(source, used).await;
                renewed = true;
            }
        }
        if renewed {
            return attempt(grants, &req).await.map(|r| r.response);
        }
    }
    Ok(response.response)
}

/// An answer and the OAuth tokens its request carried.
struct Sent {
    status: u16,
    response: Response,
    used_tokens: std::collections::HashMap<String, Vec<u8>>,
}

/// Why a secret's value is not at hand.
pub(super) enum SecretFailure {
    /// Not granted, or no value: the text names the secret and what to fix.
    Invalid(String),
    /// An OAuth token could not be fetched now.
    Unavailable(String),
}

/// The value of the named secret for a call of `grants`' plugin: a plain secret, or a
/// current OAuth access token (then `true`).
pub(super) async fn secret_value(
    grants: &crate::state::Grants,
    name: &str,
) -> Result<(Vec<u8>, bool), SecretFailure> {
    if !grants.secrets.iter().any(|s| s == name) {
        return Err(SecretFailure::Invalid(grants.secret_not_granted(name)));
    }
    let services = &grants.services;
    let entry = grants.source(name);
    if let Some(source) = services.secrets.oauth(entry) {
        let token = services
            .tokens
            .get(entry, source, &services.secrets, &services.http)
            .await
            .map_err(SecretFailure::Unavailable)?;
        return Ok((token, true));
    }
    let value = services.secrets.get(entry).ok_or_else(|| {
        SecretFailure::Invalid(format!(
            "secret `{name}` has no value in the gateway's [secrets] table"
        ))
    })?;
    Ok((value.to_vec(), false))
}

async fn attempt(grants: &crate::state::Grants, req: &Request) -> Result<Sent, HttpError> {
    // Secret headers are resolved before anything is sent.
    let mut secret_headers = Vec::with_capacity(req.secret_headers.len());
    let mut used_tokens = std::collections::HashMap::new();
    for header in &req.secret_headers {
        let (value, oauth) = secret_value(grants, &header.secret)
            .await
            .map_err(|e| match e {
                SecretFailure::Invalid(m) => HttpError::InvalidRequest(m),
                SecretFailure::Unavailable(m) => HttpError::Connection(m),
            })?;
        if oauth {
            used_tokens.insert(header.secret.clone(), value.clone());
        }
        let mut text = header.prefix.clone().into_bytes();
        text.extend_from_slice(&value);
        secret_headers.push((header.name.clone(), text));
    }
    let url = url::Url::parse(&req.url)
        .map_err(|e| HttpError::InvalidRequest(format!("url {:?}: {e}", req.url)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpError::InvalidRequest(format!(
            "url {:?}: only http and https are allowed",
            req.url
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| HttpError::InvalidRequest(format!("url {:?} has no host", req.url)))?;
    let port = url.port_or_known_default().unwrap_or(443);
    if !grants.allowed_hosts.iter().any(|p| p.allows(host, port)) {
        let wanted = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        return Err(HttpError::HostNotGranted(grants.host_not_granted(&wanted)));
    }
    let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| HttpError::InvalidRequest(format!("method {:?}", req.method)))?;
    let mut builder = grants.services.http.request(method, url);
    for (name, value) in &req.headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("header name {name:?}")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| HttpError::InvalidRequest(format!("value of header {name}")))?;
        builder = builder.header(name, value);
    }
    for (name, value) in secret_headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("header name {name:?}")))?;
        let mut value = reqwest::header::HeaderValue::from_bytes(&value).map_err(|_| {
            HttpError::InvalidRequest(format!(
                "the secret for header {name} is not a valid header value"
            ))
        })?;
        value.set_sensitive(true);
        builder = builder.header(name, value);
    }
    if !req.body.is_empty() {
        builder = builder.body(req.body.clone());
    }
    let limit = grants.limits.max_http_response_bytes;
    let exchange = async {
        let mut response = builder
            .send()
            .await
            .map_err(|e| HttpError::Connection(format!("{e}")))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(HttpError::ResponseTooLarge(limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::Connection(format!("{e}")))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(HttpError::ResponseTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    };
    let response = tokio::time::timeout(grants.limits.http_timeout, exchange)
        .await
        .unwrap_or(Err(HttpError::Timeout))?;
    Ok(Sent {
        status: response.status,
        response,
        used_tokens,
    })
}
