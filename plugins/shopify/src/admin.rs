//! The Shopify Admin API as the actions use it: where it is, how a call is sent through the
//! host's `http` import (with the access token added by the host), and how each answer is
//! classified into the contract's `action-error`s.
//!
//! Sending goes through [`Transport`], so everything above it (request bodies, response
//! reading, error classification) runs natively in unit tests with a scripted transport.

use helloword_sdk::connector::http;
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::ActionError;
use serde_json::json;

/// The secret holding the shop's Admin API access token. The host adds it as the
/// `X-Shopify-Access-Token` header; its value never enters the plugin.
pub const ADMIN_TOKEN: &str = "shopify_admin_token";
/// The Admin API version used when the config does not set `api_version`.
pub const DEFAULT_API_VERSION: &str = "2025-07";
/// The plugin config key that overrides the API's base URL (a proxy, or a test stand-in).
pub const API_BASE_KEY: &str = "api_base";
/// The plugin config key that sets the Admin API version.
pub const API_VERSION_KEY: &str = "api_version";

/// Sends one HTTP request. The plugin's implementation is the host's `http` import.
pub trait Transport {
    /// Send `request` and wait for the whole response.
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError>;
}

/// Where the Admin API is, from the plugin's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `api_base` without a trailing slash; `None` means `https://<shop>`.
    pub api_base: Option<String>,
    /// `api_version`, e.g. "2025-07".
    pub api_version: String,
}

impl Settings {
    /// Read and check the config values (`get` is the config import).
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ActionError> {
        let api_base = match get(API_BASE_KEY).map(|b| b.trim().trim_end_matches('/').to_string()) {
            Some(base) if base.is_empty() => None,
            Some(base) if base.starts_with("https://") || base.starts_with("http://") => Some(base),
            Some(base) => {
                return Err(ActionError::Misconfigured(format!(
                    "config `{API_BASE_KEY}` is {base:?}; it must be an http:// or https:// URL \
                     (or be left out to use https://<shop>)"
                )));
            }
            None => None,
        };
        let api_version = get(API_VERSION_KEY)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_string());
        if !is_api_version(&api_version) {
            return Err(ActionError::Misconfigured(format!(
                "config `{API_VERSION_KEY}` is {api_version:?}; Shopify API versions look like \
                 \"2025-07\" (or \"unstable\")"
            )));
        }
        Ok(Settings {
            api_base,
            api_version,
        })
    }

    /// `<base>/admin/api/<version>` for `shop`.
    pub fn root_for(&self, shop: &str) -> Result<String, ActionError> {
        let base = match &self.api_base {
            Some(base) => base.clone(),
            None => {
                let shop = shop.trim().to_ascii_lowercase();
                let valid = !shop.is_empty()
                    && shop
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                if !valid {
                    return Err(ActionError::Permanent(format!(
                        "the action's shop {shop:?} is not a shop domain such as \
                         \"example.myshopify.com\""
                    )));
                }
                format!("https://{shop}")
            }
        };
        Ok(format!("{base}/admin/api/{}", self.api_version))
    }
}

/// "2025-07" or "unstable".
fn is_api_version(v: &str) -> bool {
    let b = v.as_bytes();
    v == "unstable"
        || (b.len() == 7
            && b[4] == b'-'
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[5..].iter().all(u8::is_ascii_digit))
}

/// The Admin API of one shop.
pub struct Admin<'a> {
    transport: &'a dyn Transport,
    root: String,
}

impl<'a> Admin<'a> {
    /// The Admin API at `root` (see [`Settings::root_for`]).
    pub fn new(transport: &'a dyn Transport, root: String) -> Admin<'a> {
        Admin { transport, root }
    }

    /// A REST call; `path` is relative to the versioned root ("/orders/1/refunds.json").
    /// Returns the parsed JSON body of a 2xx answer (`null` when empty).
    pub fn rest(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ActionError> {
        let (what, response) = self.exchange(method, path, body)?;
        self.read(&what, response)
    }

    /// A REST GET whose 404 means "no such object" (`None`) rather than an error.
    pub fn get_if_found(&self, path: &str) -> Result<Option<Value>, ActionError> {
        let (what, response) = self.exchange("GET", path, None)?;
        if response.status == 404 {
            return Ok(None);
        }
        self.read(&what, response).map(Some)
    }

    /// Send one request with the access token; returns "METHOD path" and the answer.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(String, http::Response), ActionError> {
        let what = format!("{method} {path}");
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        let body = match body {
            Some(b) => {
                headers.push(("content-type".to_string(), "application/json".to_string()));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let request = http::Request {
            method: method.to_string(),
            url: format!("{}{path}", self.root),
            headers,
            secret_headers: vec![http::SecretHeader {
                name: "X-Shopify-Access-Token".to_string(),
                prefix: String::new(),
                secret: ADMIN_TOKEN.to_string(),
            }],
            body,
        };
        let response = self
            .transport
            .send(&request)
            .map_err(|e| transport_error(&what, e))?;
        Ok((what, response))
    }

    /// The JSON body of a 2xx answer (`null` when empty); any other status as an error.
    fn read(&self, what: &str, response: http::Response) -> Result<Value, ActionError> {
        check_status(what, &response)?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        json::parse(&response.body).map_err(|e| {
            ActionError::Permanent(format!("Shopify's answer to {what} is unreadable: {e}"))
        })
    }

    /// A GraphQL call. Returns `data`; top-level `errors` become action errors (throttling
    /// is transient, a missing scope is misconfiguration, anything else is permanent).
    pub fn graphql(&self, query: &str, variables: Value) -> Result<Value, ActionError> {
        let body = json!({ "query": query, "variables": variables });
        let response = self.rest("POST", "/graphql.json", Some(&body))?;
        if let Some(errors) = response.get("errors").and_then(Value::as_array)
            && !errors.is_empty()
        {
            let messages = errors
                .iter()
                .map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error")
                })
                .collect::<Vec<_>>()
                .join("; ");
            let code = |c: &str| {
                errors.iter().any(|e| {
                    json::str_at(e, "/extensions/code").is_some_and(|x| x.eq_ignore_ascii_case(c))
                })
            };
            let what = operation_name(query);
            return Err(if code("THROTTLED") {
                ActionError::Transient(format!("Shopify throttled {what}: {messages}"))
            } else if code("ACCESS_DENIED") {
                ActionError::Misconfigured(format!(
                    "the access token in secret `{ADMIN_TOKEN}` may not run {what}: {messages}; \
                     grant the app the scope it needs"
                ))
            } else {
                ActionError::Permanent(format!("Shopify refused {what}: {messages}"))
            });
        }
        match response.get("data") {
            Some(data) if !data.is_null() => Ok(data.clone()),
            _ => Err(ActionError::Permanent(format!(
                "Shopify's answer to {} has no `data`",
                operation_name(query)
            ))),
        }
    }
}

/// The operation's name ("ReturnDeclineRequest") for messages.
fn operation_name(query: &str) -> String {
    query
        .split(['(', '{'])
        .next()
        .and_then(|head| head.split_whitespace().nth(1))
        .unwrap_or("the GraphQL call")
        .to_string()
}

/// A mutation's `userErrors`, as one line, when there are any.
pub fn user_errors(payload: &Value) -> Option<String> {
    let errors = payload.get("userErrors")?.as_array()?;
    if errors.is_empty() {
        return None;
    }
    Some(
        errors
            .iter()
            .map(|e| {
                let message = e
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("refused");
                match e.get("field").and_then(Value::as_array) {
                    Some(field) if !field.is_empty() => {
                        let path: Vec<&str> = field.iter().filter_map(Value::as_str).collect();
                        format!("{}: {message}", path.join("."))
                    }
                    _ => message.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Why the host could not deliver a request.
fn transport_error(what: &str, error: http::HttpError) -> ActionError {
    use http::HttpError as E;
    match error {
        E::HostNotGranted(m) => ActionError::Misconfigured(m),
        E::InvalidRequest(m) if m.contains("secret") => ActionError::Misconfigured(m),
        E::InvalidRequest(m) => ActionError::Permanent(format!("{what} is malformed: {m}")),
        E::Timeout => ActionError::Transient(format!(
            "Shopify did not answer {what} within the plugin's limits.http_timeout_ms"
        )),
        E::ResponseTooLarge(limit) => ActionError::Misconfigured(format!(
            "Shopify's answer to {what} is larger than limits.max_http_response_bytes \
             ({limit}); raise it in plugins/shopify/plugin.toml"
        )),
        E::Connection(m) => ActionError::Transient(format!("{what} failed to connect: {m}")),
    }
}

/// Map an HTTP status to success or the matching action error.
fn check_status(what: &str, response: &http::Response) -> Result<(), ActionError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = error_text(&response.body);
    Err(match status {
        429 => {
            let after = helloword_sdk::headers::get(&response.headers, "retry-after")
                .map(|s| format!("; Shopify asks to retry after {s} s"))
                .unwrap_or_default();
            ActionError::Transient(format!("Shopify rate-limited {what} (429){after}"))
        }
        500..=599 => ActionError::Transient(format!("Shopify answered {status} to {what}: {text}")),
        401 => ActionError::Misconfigured(format!(
            "Shopify refused the access token in secret `{ADMIN_TOKEN}` for {what} (401): {text}"
        )),
        403 => ActionError::Misconfigured(format!(
            "the access token in secret `{ADMIN_TOKEN}` lacks the scope for {what} (403): {text}"
        )),
        _ => ActionError::Permanent(format!("Shopify refused {what} ({status}): {text}")),
    })
}

/// The error text of a Shopify answer: REST's `errors` (a string, a list, or messages by
/// field), GraphQL's `errors[].message`, OAuth's `error`, else the start of the body.
pub fn error_text(body: &[u8]) -> String {
    let Ok(value) = json::parse(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return if text.is_empty() {
            "no error text".to_string()
        } else {
            text.chars().take(300).collect()
        };
    };
    let messages = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("message")
                        .and_then(Value::as_str)
                        .map_or_else(|| other.to_string(), str::to_string),
                })
                .collect(),
            other => vec![other.to_string()],
        }
    };
    match value.get("errors").or_else(|| value.get("error")) {
        Some(Value::Object(by_field)) => {
            // Errors about the whole request ("base") read first; field errors follow,
            // each prefixed with its field as Shopify's admin shows them.
            let base = by_field.get("base").map(|v| messages(v).join(", "));
            let fields = by_field
                .iter()
                .filter(|(field, _)| *field != "base")
                .map(|(field, v)| format!("{field} {}", messages(v).join(", ")));
            base.into_iter()
                .chain(fields)
                .collect::<Vec<_>>()
                .join("; ")
        }
        Some(v) => messages(v).join("; "),
        None => value.to_string().chars().take(300).collect(),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A scripted transport: answers in order and records what was sent.

    use std::cell::RefCell;

    use super::*;

    /// Answers each request with the next scripted response.
    pub struct Script {
        answers: RefCell<Vec<Result<http::Response, http::HttpError>>>,
        /// Every request sent, in order.
        pub sent: RefCell<Vec<http::Request>>,
    }

    impl Script {
        /// Responses `(status, body)` in the order requests will come.
        pub fn new(answers: &[(u16, &str)]) -> Script {
            Script::with(
                answers
                    .iter()
                    .map(|(status, body)| {
                        Ok(http::Response {
                            status: *status,
                            headers: vec![],
                            body: body.as_bytes().to_vec(),
                        })
                    })
                    .collect(),
            )
        }

        /// Arbitrary answers, transport errors included.
        pub fn with(answers: Vec<Result<http::Response, http::HttpError>>) -> Script {
            Script {
                answers: RefCell::new(answers.into_iter().rev().collect()),
                sent: RefCell::new(Vec::new()),
            }
        }

        /// The JSON body of request `i`.
        pub fn body(&self, i: usize) -> Value {
            json::parse(&self.sent.borrow()[i].body).expect("a JSON request body")
        }

        /// "METHOD path" of every request, the root stripped.
        pub fn calls(&self) -> Vec<String> {
            self.sent
                .borrow()
                .iter()
                .map(|r| {
                    let path = r.url.split("/admin/api/2025-07").nth(1).unwrap_or(&r.url);
                    format!("{} {path}", r.method)
                })
                .collect()
        }
    }

    impl Transport for Script {
        fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
            self.sent.borrow_mut().push(request.clone());
            self.answers
                .borrow_mut()
                .pop()
                .expect("the script has an answer for every request")
        }
    }

    /// An Admin API for example.myshopify.com over `script`.
    pub fn admin(script: &Script) -> Admin<'_> {
        Admin::new(
            script,
            "https://example.myshopify.com/admin/api/2025-07".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ActionError> {
        Settings::from_config(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn the_root_defaults_to_the_shop_and_the_pinned_version() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s.root_for("Example.myshopify.com").unwrap(),
            "https://example.myshopify.com/admin/api/2025-07"
        );
        let s = settings(&[
            ("api_base", "http://127.0.0.1:8080/"),
            ("api_version", "2026-01"),
        ])
        .unwrap();
        assert_eq!(
            s.root_for("ignored").unwrap(),
            "http://127.0.0.1:8080/admin/api/2026-01"
        );
    }

    #[test]
    fn bad_config_and_bad_shops_are_named() {
        let Err(ActionError::Misconfigured(m)) = settings(&[("api_version", "July")]) else {
            panic!("a bad version must be misconfiguration");
        };
        assert!(m.contains("`api_version`"), "{m}");
        let Err(ActionError::Misconfigured(m)) = settings(&[("api_base", "ftp://x")]) else {
            panic!("a bad base must be misconfiguration");
        };
        assert!(m.contains("`api_base`"), "{m}");
        let Err(ActionError::Permanent(m)) = settings(&[]).unwrap().root_for("evil.com/x?y=")
        else {
            panic!("a bad shop must be refused");
        };
        assert!(m.contains("not a shop domain"), "{m}");
    }

    #[test]
    fn the_token_is_a_secret_header_added_by_the_host() {
        let script = Script::new(&[(200, "{}")]);
        admin(&script).rest("GET", "/shop.json", None).unwrap();
        let sent = &script.sent.borrow()[0];
        assert_eq!(
            sent.url,
            "https://example.myshopify.com/admin/api/2025-07/shop.json"
        );
        assert_eq!(sent.secret_headers.len(), 1);
        assert_eq!(sent.secret_headers[0].name, "X-Shopify-Access-Token");
        assert_eq!(sent.secret_headers[0].prefix, "");
        assert_eq!(sent.secret_headers[0].secret, "shopify_admin_token");
        assert!(sent.headers.iter().all(|(_, v)| !v.contains("token")));
    }

    #[test]
    fn statuses_map_to_transient_permanent_and_misconfigured() {
        for status in [500, 502, 503, 429] {
            let script = Script::new(&[(status, "")]);
            let err = admin(&script).rest("GET", "/x.json", None).unwrap_err();
            assert!(
                matches!(err, ActionError::Transient(_)),
                "{status}: {err:?}"
            );
        }
        for status in [401, 403] {
            let script = Script::new(&[(status, "")]);
            let err = admin(&script).rest("GET", "/x.json", None).unwrap_err();
            assert!(
                matches!(err, ActionError::Misconfigured(_)),
                "{status}: {err:?}"
            );
        }
        for status in [302, 400, 404, 422] {
            let script = Script::new(&[(status, "")]);
            let err = admin(&script).rest("GET", "/x.json", None).unwrap_err();
            assert!(
                matches!(err, ActionError::Permanent(_)),
                "{status}: {err:?}"
            );
        }
        let script = Script::with(vec![Err(http::HttpError::Timeout)]);
        assert!(matches!(
            admin(&script).rest("GET", "/x.json", None),
            Err(ActionError::Transient(_))
        ));
        let script = Script::with(vec![Err(http::HttpError::HostNotGranted("add it".into()))]);
        assert!(matches!(
            admin(&script).rest("GET", "/x.json", None),
            Err(ActionError::Misconfigured(_))
        ));
    }

    #[test]
    fn error_texts_of_every_shape_are_read() {
        assert_eq!(error_text(br#"{"errors": "Not Found"}"#), "Not Found");
        assert_eq!(
            error_text(
                br#"{"errors": {"base": ["Refund exceeds"], "amount": ["must be positive"]}}"#
            ),
            "Refund exceeds; amount must be positive"
        );
        assert_eq!(
            error_text(br#"{"errors": [{"message": "Throttled"}]}"#),
            "Throttled"
        );
        assert_eq!(
            error_text(b"<html>Bad gateway</html>"),
            "<html>Bad gateway</html>"
        );
        assert_eq!(error_text(b""), "no error text");
    }

    #[test]
    fn graphql_errors_are_classified() {
        let throttled =
            r#"{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}"#;
        let script = Script::new(&[(200, throttled)]);
        let err = admin(&script)
            .graphql("mutation M($a: Int) { x }", json!({}))
            .unwrap_err();
        assert_eq!(
            err,
            ActionError::Transient("Shopify throttled M: Throttled".into())
        );
        let denied = r#"{"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]}"#;
        let script = Script::new(&[(200, denied)]);
        assert!(matches!(
            admin(&script).graphql("query Q { shop { id } }", json!({})),
            Err(ActionError::Misconfigured(_))
        ));
    }

    #[test]
    fn user_errors_name_their_fields() {
        let payload =
            json!({"userErrors": [{"field": ["input", "id"], "message": "Return not found"}]});
        assert_eq!(
            user_errors(&payload).as_deref(),
            Some("input.id: Return not found")
        );
        assert_eq!(user_errors(&json!({"userErrors": []})), None);
    }
}
