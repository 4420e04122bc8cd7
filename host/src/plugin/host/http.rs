//! `helloword:gateway/http`: outbound requests, only to hosts granted in the plugin's
//! manifest, with the plugin's timeout and response-size cap. Redirects are not followed
//! (a redirect could lead anywhere); the plugin sees the 3xx and decides.

use crate::plugin::bindings::http::{Host, HttpError, Request, Response};
use crate::plugin::state::CallState;

impl Host for CallState {
    async fn send(&mut self, req: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        self.host.count_call()?;
        let grants = self.host.grants.clone();
        Ok(send(&grants, req).await)
    }
}

async fn send(grants: &crate::plugin::state::Grants, req: Request) -> Result<Response, HttpError> {
    // Secret headers are resolved before anything is sent.
    let mut secret_headers = Vec::with_capacity(req.secret_headers.len());
    for header in &req.secret_headers {
        if !grants.secrets.contains(&header.secret) {
            return Err(HttpError::InvalidRequest(format!(
                "secret `{}` is not granted; add it to `secrets` in the [plugin] section of \
                 plugin `{}`'s plugin.toml",
                header.secret, grants.plugin
            )));
        }
        let value = grants.services.secrets.get(&header.secret).ok_or_else(|| {
            HttpError::InvalidRequest(format!(
                "secret `{}` has no value in the gateway's [secrets] table",
                header.secret
            ))
        })?;
        let mut text = header.prefix.clone().into_bytes();
        text.extend_from_slice(value);
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
        return Err(HttpError::HostNotGranted(format!(
            "{wanted} is not in allowed_hosts; add \"{wanted}\" to allowed_hosts in the [plugin] \
             section of plugin `{}`'s plugin.toml",
            grants.plugin
        )));
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
        builder = builder.body(req.body);
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
    tokio::time::timeout(grants.limits.http_timeout, exchange)
        .await
        .unwrap_or(Err(HttpError::Timeout))
}
