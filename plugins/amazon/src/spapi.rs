//! The Selling Partner API as the connector calls it: `{api_base}` plus the operation's path,
//! the Login with Amazon access token added by the host as `x-amz-access-token` (the secret
//! `amazon_lwa_token`; SP-API no longer wants SigV4), and every answer classified into the
//! contract's `action-error`s.

use helloword_sdk::connector::http;
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::ActionError;

use crate::io::{Crypto, Transport};
use crate::settings::{LWA_TOKEN, Settings};

/// A classified non-2xx answer that callers may turn into an outcome (e.g. `rejected`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Amazon's `errors[].message` (and `details`), or the start of the body.
    pub text: String,
}

/// The SP-API for one configuration.
pub struct SpApi<'a> {
    transport: &'a dyn Transport,
    settings: &'a Settings,
}

impl<'a> SpApi<'a> {
    /// The SP-API configured by `settings`, reached through `transport`.
    pub fn new(transport: &'a dyn Transport, settings: &'a Settings) -> SpApi<'a> {
        SpApi {
            transport,
            settings,
        }
    }

    /// The configuration.
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// Fail with `misconfigured` naming the secret when the LWA token is not there.
    pub fn require_token(crypto: &dyn Crypto) -> Result<(), ActionError> {
        if crypto.has_secret(LWA_TOKEN) {
            Ok(())
        } else {
            Err(ActionError::Misconfigured(format!(
                "secret `{LWA_TOKEN}` has no value: give the gateway the seller's Login with \
                 Amazon token (an `oauth` secret with the refresh token, so the host refreshes \
                 it); plugins/amazon/plugin.toml grants it as an optional secret"
            )))
        }
    }

    /// The request for `method path` (path with its query), token as a secret header.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> http::Request {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        let body = match body {
            Some(b) => {
                headers.push(("content-type".to_string(), "application/json".to_string()));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        http::Request {
            method: method.to_string(),
            url: format!("{}{path}", self.settings.api_base),
            headers,
            secret_headers: vec![http::SecretHeader {
                name: "x-amz-access-token".to_string(),
                prefix: String::new(),
                secret: LWA_TOKEN.to_string(),
            }],
            body,
        }
    }

    /// A call whose non-2xx answers other than auth, rate limits and server errors come back
    /// as a [`Refusal`] for the caller to judge. A 2xx body is parsed (`null` when empty).
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Result<Value, Refusal>, ActionError> {
        let request = self.request(method, path, body);
        let what = format!("{method} {}", request.url);
        let response = self
            .transport
            .send(&request)
            .map_err(|e| transport_error(&what, e))?;
        let status = response.status;
        if (200..300).contains(&status) {
            if response.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Ok(Value::Null));
            }
            return json::parse(&response.body).map(Ok).map_err(|e| {
                ActionError::Permanent(format!("Amazon's answer to {what} is unreadable: {e}"))
            });
        }
        let text = error_text(&response.body);
        match status {
            429 => Err(ActionError::Transient(format!(
                "Amazon rate-limited {what} (429): {text}"
            ))),
            500..=599 => Err(ActionError::Transient(format!(
                "Amazon answered {status} to {what}: {text}"
            ))),
            401 => Err(ActionError::Misconfigured(format!(
                "Amazon refused the token in secret `{LWA_TOKEN}` for {what} (401): {text}"
            ))),
            403 => Err(ActionError::Misconfigured(format!(
                "the token in secret `{LWA_TOKEN}` is not allowed {what} (403; check the \
                 application's roles): {text}"
            ))),
            _ => Ok(Err(Refusal { status, text })),
        }
    }

    /// A call where any refusal is a permanent error.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ActionError> {
        self.try_call(method, path, body)?.map_err(|r| {
            ActionError::Permanent(format!(
                "Amazon refused {method} {path} ({}): {}",
                r.status, r.text
            ))
        })
    }

    /// GET a pre-signed URL (a report document): no token, any host the plugin is granted.
    pub fn download(&self, url: &str) -> Result<Vec<u8>, ActionError> {
        let request = http::Request {
            method: "GET".into(),
            url: url.to_string(),
            headers: Vec::new(),
            secret_headers: Vec::new(),
            body: Vec::new(),
        };
        let what = format!("GET {}", url.split('?').next().unwrap_or(url));
        let response = self
            .transport
            .send(&request)
            .map_err(|e| transport_error(&what, e))?;
        match response.status {
            200..=299 => Ok(response.body),
            // A pre-signed URL lives 5 minutes; a fresh getReportDocument gives a new one.
            403 | 404 | 429 | 500..=599 => Err(ActionError::Transient(format!(
                "downloading the report document failed ({}): {}",
                response.status,
                error_text(&response.body)
            ))),
            status => Err(ActionError::Permanent(format!(
                "downloading the report document was refused ({status})"
            ))),
        }
    }
}

/// Why the host could not deliver a request.
pub fn transport_error(what: &str, error: http::HttpError) -> ActionError {
    use http::HttpError as E;
    match error {
        E::HostNotGranted(m) => ActionError::Misconfigured(format!(
            "{what}: {m}; add the host to `allowed_hosts` in plugins/amazon/plugin.toml"
        )),
        E::InvalidRequest(m) if m.contains("secret") => ActionError::Misconfigured(m),
        E::InvalidRequest(m) => ActionError::Permanent(format!("{what} is malformed: {m}")),
        E::Timeout => ActionError::Transient(format!(
            "Amazon did not answer {what} within the plugin's limits.http_timeout_ms"
        )),
        E::ResponseTooLarge(limit) => ActionError::Misconfigured(format!(
            "the answer to {what} is larger than limits.max_http_response_bytes ({limit}); \
             raise it in plugins/amazon/plugin.toml"
        )),
        E::Connection(m) => ActionError::Transient(format!("{what} failed to connect: {m}")),
    }
}

/// The error text of an SP-API answer: `errors[].message` (with `details`), else the start
/// of the body.
pub fn error_text(body: &[u8]) -> String {
    let fallback = || {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            "no error text".to_string()
        } else {
            text.chars().take(300).collect()
        }
    };
    let Ok(value) = json::parse(body) else {
        return fallback();
    };
    let Some(list) = value.get("errors").and_then(Value::as_array) else {
        return fallback();
    };
    let messages: Vec<String> = list
        .iter()
        .filter_map(|e| {
            let message = e.get("message").and_then(Value::as_str)?;
            let code = e.get("code").and_then(Value::as_str).unwrap_or("");
            let details = e
                .get("details")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            Some(if code.is_empty() {
                format!("{message}{details}")
            } else {
                format!("{code}: {message}{details}")
            })
        })
        .collect();
    if messages.is_empty() {
        fallback()
    } else {
        messages.join("; ")
    }
}

/// `s` percent-encoded for a path segment or query value.
pub fn encode(s: &str) -> String {
    crate::sigv4::uri_encode(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::Script;
    use crate::settings::test_support::settings;

    #[test]
    fn statuses_map_to_errors_and_refusals() {
        let s = settings(&[]).unwrap();
        for (status, expect) in [
            (429, "transient"),
            (503, "transient"),
            (401, "misconfigured"),
            (403, "misconfigured"),
            (400, "refusal"),
        ] {
            let script = Script::new(&[(
                status,
                r#"{"errors":[{"code":"InvalidInput","message":"Invalid Input","details":""}]}"#,
            )]);
            let got = SpApi::new(&script, &s).try_call("GET", "/x", None);
            let kind = match got {
                Err(ActionError::Transient(_)) => "transient",
                Err(ActionError::Misconfigured(m)) => {
                    assert!(m.contains("`amazon_lwa_token`"), "{m}");
                    "misconfigured"
                }
                Ok(Err(r)) => {
                    assert_eq!(r.text, "InvalidInput: Invalid Input");
                    "refusal"
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(kind, expect, "{status}");
        }
    }

    #[test]
    fn the_token_is_a_secret_header() {
        let s = settings(&[]).unwrap();
        let r = SpApi::new(&Script::new(&[]), &s).request("GET", "/orders/v0/orders/1", None);
        assert_eq!(
            r.url,
            "https://sellingpartnerapi-na.amazon.com/orders/v0/orders/1"
        );
        assert_eq!(r.secret_headers[0].name, "x-amz-access-token");
        assert_eq!(r.secret_headers[0].secret, "amazon_lwa_token");
        assert_eq!(r.secret_headers[0].prefix, "");
    }
}
