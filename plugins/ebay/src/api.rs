//! eBay's REST APIs as the connector uses them: where each lives, which token it takes
//! (added by the host, never seen by the plugin), and how each answer is classified into
//! the contract's `action-error`s.
//!
//! | API | root | auth header |
//! |---|---|---|
//! | Post-Order v2 | `{api_base}/post-order/v2` | `Authorization: IAF <ebay_user_token>` and `X-EBAY-C-MARKETPLACE-ID` |
//! | Fulfillment v1 (orders) | `{api_base}/sell/fulfillment/v1` | `Authorization: Bearer <ebay_user_token>` |
//! | Fulfillment v1 (payment disputes) | `{apiz_base}/sell/fulfillment/v1` | `Authorization: Bearer <ebay_user_token>` |
//! | Message v1 | `{api_base}/commerce/message/v1` | `Authorization: Bearer <ebay_user_token>` |
//! | Notification v1 | `{api_base}/commerce/notification/v1` | `Authorization: Bearer <ebay_app_token>` |
//!
//! Sending goes through [`Transport`], so everything above it runs natively in unit tests.

use helloword_sdk::connector::http;
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::ActionError;

use crate::settings::{APP_TOKEN, Settings, USER_TOKEN};

/// Sends one HTTP request. The plugin's implementation is the host's `http` import.
pub trait Transport {
    /// Send `request` and wait for the whole response.
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError>;
}

/// Which eBay API a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Post-Order v2.
    PostOrder,
    /// Fulfillment v1 on api.ebay.com (orders, refunds).
    Fulfillment,
    /// Fulfillment v1 on apiz.ebay.com (payment disputes).
    Disputes,
    /// Message v1.
    Message,
    /// Notification v1 (public keys), with the application token.
    Notification,
}

impl Service {
    /// The secret holding the token this API takes.
    pub fn token(self) -> &'static str {
        match self {
            Service::Notification => APP_TOKEN,
            _ => USER_TOKEN,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            // Post-Order takes the OAuth user token in eBay's own scheme.
            Service::PostOrder => "IAF ",
            _ => "Bearer ",
        }
    }
}

/// eBay's APIs for one configuration.
pub struct Api<'a> {
    transport: &'a dyn Transport,
    settings: &'a Settings,
}

impl<'a> Api<'a> {
    /// The APIs configured by `settings`, reached through `transport`.
    pub fn new(transport: &'a dyn Transport, settings: &'a Settings) -> Api<'a> {
        Api {
            transport,
            settings,
        }
    }

    /// The configuration.
    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// The absolute URL of `path` (which starts with "/") on `service`.
    pub fn url(&self, service: Service, path: &str) -> String {
        let s = self.settings;
        match service {
            Service::PostOrder => format!("{}/post-order/v2{path}", s.api_base),
            Service::Fulfillment => format!("{}/sell/fulfillment/v1{path}", s.api_base),
            Service::Disputes => format!("{}/sell/fulfillment/v1{path}", s.apiz_base),
            Service::Message => format!("{}/commerce/message/v1{path}", s.api_base),
            Service::Notification => format!("{}/commerce/notification/v1{path}", s.api_base),
        }
    }

    /// The request for `method path` on `service`, with its token as a secret header.
    pub fn request(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> http::Request {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if service == Service::PostOrder {
            headers.push((
                "x-ebay-c-marketplace-id".to_string(),
                self.settings.marketplace_id.clone(),
            ));
        }
        let body = match body {
            Some(b) => {
                headers.push(("content-type".to_string(), "application/json".to_string()));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        http::Request {
            method: method.to_string(),
            url: self.url(service, path),
            headers,
            secret_headers: vec![http::SecretHeader {
                name: "Authorization".to_string(),
                prefix: service.prefix().to_string(),
                secret: service.token().to_string(),
            }],
            body,
        }
    }

    /// Send a request as built by [`Api::request`], unclassified.
    pub fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
        self.transport.send(request)
    }

    /// A JSON call. Returns the parsed body of a 2xx answer (`null` when empty); any other
    /// answer becomes the matching action error.
    pub fn call(
        &self,
        service: Service,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ActionError> {
        let what = format!("{method} {}", self.url(service, path));
        let request = self.request(service, method, path, body);
        let response = self.send(&request).map_err(|e| transport_error(&what, e))?;
        check_status(&what, service.token(), &response)?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        json::parse(&response.body).map_err(|e| {
            ActionError::Permanent(format!("eBay's answer to {what} is unreadable: {e}"))
        })
    }
}

/// Why the host could not deliver a request.
pub fn transport_error(what: &str, error: http::HttpError) -> ActionError {
    use http::HttpError as E;
    match error {
        E::HostNotGranted(m) => ActionError::Misconfigured(m),
        E::InvalidRequest(m) if m.contains("secret") => ActionError::Misconfigured(m),
        E::InvalidRequest(m) => ActionError::Permanent(format!("{what} is malformed: {m}")),
        E::Timeout => ActionError::Transient(format!(
            "eBay did not answer {what} within the plugin's limits.http_timeout_ms"
        )),
        E::ResponseTooLarge(limit) => ActionError::Misconfigured(format!(
            "eBay's answer to {what} is larger than limits.max_http_response_bytes ({limit}); \
             raise it in plugins/ebay/plugin.toml or lower `poll_page_size`"
        )),
        E::Connection(m) => ActionError::Transient(format!("{what} failed to connect: {m}")),
    }
}

/// Map an HTTP status to success or the matching action error; `token` names the secret
/// the call used.
pub fn check_status(what: &str, token: &str, response: &http::Response) -> Result<(), ActionError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = error_text(&response.body);
    Err(match status {
        429 => ActionError::Transient(format!("eBay rate-limited {what} (429): {text}")),
        500..=599 => ActionError::Transient(format!("eBay answered {status} to {what}: {text}")),
        401 => ActionError::Misconfigured(format!(
            "eBay refused the token in secret `{token}` for {what} (401): {text}"
        )),
        403 => ActionError::Misconfigured(format!(
            "the token in secret `{token}` lacks the scope for {what} (403): {text}"
        )),
        _ => ActionError::Permanent(format!("eBay refused {what} ({status}): {text}")),
    })
}

/// The error text of an eBay answer: RESTful `errors[]`, Post-Order `error[]` (or
/// `errorMessage.error[]`), each `longMessage` else `message`; else the start of the body.
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
    let list = ["/errors", "/error", "/errorMessage/error"]
        .iter()
        .find_map(|p| json::at(&value, p).and_then(Value::as_array));
    let Some(list) = list else {
        return fallback();
    };
    let messages: Vec<String> = list
        .iter()
        .filter_map(|e| {
            json::str_at(e, "/longMessage")
                .or_else(|| json::str_at(e, "/message"))
                .map(str::to_string)
        })
        .collect();
    if messages.is_empty() {
        fallback()
    } else {
        messages.join("; ")
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A scripted transport: answers in order and records what was sent.

    use std::cell::RefCell;

    use super::*;
    use crate::settings::test_support::settings;

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

        /// "METHOD url" of every request.
        pub fn calls(&self) -> Vec<String> {
            self.sent
                .borrow()
                .iter()
                .map(|r| format!("{} {}", r.method, r.url))
                .collect()
        }

        /// The JSON body of request `i`.
        pub fn body(&self, i: usize) -> Value {
            json::parse(&self.sent.borrow()[i].body).expect("a JSON request body")
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

    /// Default settings, leaked so an [`Api`] can borrow them for the whole test.
    pub fn default_settings() -> &'static Settings {
        Box::leak(Box::new(settings(&[]).expect("defaults are valid")))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn each_api_gets_its_root_and_its_token_scheme() {
        let script = Script::new(&[(200, "{}"), (200, ""), (200, "{}")]);
        let api = Api::new(&script, default_settings());
        api.call(Service::PostOrder, "GET", "/return/1", None)
            .unwrap();
        assert_eq!(
            api.call(
                Service::Disputes,
                "POST",
                "/payment_dispute/2/accept",
                Some(&Value::Null)
            )
            .unwrap(),
            Value::Null
        );
        api.call(Service::Notification, "GET", "/public_key/k", None)
            .unwrap();
        let sent = script.sent.borrow();
        assert_eq!(sent[0].url, "https://api.ebay.com/post-order/v2/return/1");
        assert_eq!(sent[0].secret_headers[0].prefix, "IAF ");
        assert_eq!(sent[0].secret_headers[0].secret, "ebay_user_token");
        assert!(
            sent[0]
                .headers
                .contains(&("x-ebay-c-marketplace-id".into(), "EBAY_US".into()))
        );
        assert_eq!(
            sent[1].url,
            "https://apiz.ebay.com/sell/fulfillment/v1/payment_dispute/2/accept"
        );
        assert_eq!(sent[1].secret_headers[0].prefix, "Bearer ");
        assert_eq!(sent[2].secret_headers[0].secret, "ebay_app_token");
    }

    #[test]
    fn statuses_map_to_transient_permanent_and_misconfigured() {
        for (status, transient, misconfigured) in [
            (429, true, false),
            (500, true, false),
            (503, true, false),
            (401, false, true),
            (403, false, true),
            (400, false, false),
            (404, false, false),
        ] {
            let script = Script::new(&[(status, "")]);
            let err = Api::new(&script, default_settings())
                .call(Service::Fulfillment, "GET", "/order/1", None)
                .unwrap_err();
            match err {
                ActionError::Transient(_) => assert!(transient, "{status}"),
                ActionError::Misconfigured(m) => {
                    assert!(misconfigured, "{status}");
                    assert!(m.contains("`ebay_user_token`"), "{m}");
                }
                ActionError::Permanent(_) => assert!(!transient && !misconfigured, "{status}"),
            }
        }
    }

    #[test]
    fn error_texts_of_both_api_families_are_read() {
        assert_eq!(
            error_text(br#"{"errors":[{"errorId":32100,"message":"Invalid order","longMessage":"The order id is invalid"}]}"#),
            "The order id is invalid"
        );
        assert_eq!(
            error_text(br#"{"error":[{"errorId":1,"message":"Return not found"}]}"#),
            "Return not found"
        );
        assert_eq!(error_text(b""), "no error text");
        assert_eq!(error_text(b"<html>gateway</html>"), "<html>gateway</html>");
    }
}
