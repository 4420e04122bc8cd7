//! The WooCommerce REST API v3 through the host's `http` import: the store's API root,
//! HTTP Basic authentication with the named secret (its value never enters the plugin), and
//! what each answer means.

use helloword_sdk::connector::{crypto, http};
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::ActionError;

use crate::settings::{self, API_CREDENTIALS};

/// Why a call did not give an answer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The gateway or plugin configuration is wrong; the text says what to change.
    Config(String),
    /// WooCommerce refused the request itself (4xx, or a refund it could not create); the text
    /// is its message. Retrying will not help.
    Refused(String),
    /// The store was not reachable or failed (timeout, 5xx, 429); retrying may help.
    Unreachable(String),
}

impl From<Failure> for ActionError {
    fn from(failure: Failure) -> ActionError {
        match failure {
            Failure::Config(m) => ActionError::Misconfigured(m),
            Failure::Refused(m) => ActionError::Permanent(m),
            Failure::Unreachable(m) => ActionError::Transient(m),
        }
    }
}

/// The REST API of one store.
pub struct Api {
    base: String,
}

impl Api {
    /// The API of the store `shop` (see [`settings::api_base`]), if the gateway has the API
    /// credentials.
    pub fn for_shop(shop: &str) -> Result<Api, Failure> {
        let base = settings::api_base(shop).map_err(Failure::Config)?;
        if !crypto::has_secret(API_CREDENTIALS) {
            return Err(Failure::Config(format!(
                "the secret `{API_CREDENTIALS}` has no value: give the gateway base64 of \
                 \"consumer_key:consumer_secret\" of a WooCommerce REST API key with Read/Write \
                 access under [secrets]"
            )));
        }
        Ok(Api { base })
    }

    /// `GET <base><path>` (path starting with "/", query included).
    pub fn get(&self, path: &str) -> Result<Value, Failure> {
        self.send("GET", path, None)
    }

    /// `POST <base><path>` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value, Failure> {
        self.send("POST", path, Some(body))
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.base);
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let request = http::Request {
            method: method.to_string(),
            url: url.clone(),
            headers,
            secret_headers: vec![http::SecretHeader {
                name: "authorization".into(),
                prefix: "Basic ".into(),
                secret: API_CREDENTIALS.into(),
            }],
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        };
        let response = http::send(&request).map_err(|e| transport(&url, e))?;
        answer(method, &url, &response)
    }
}

fn transport(url: &str, error: http::HttpError) -> Failure {
    match error {
        http::HttpError::HostNotGranted(m) | http::HttpError::InvalidRequest(m) => {
            Failure::Config(m)
        }
        http::HttpError::Timeout => Failure::Unreachable(format!(
            "{url} did not answer within the plugin's http_timeout_ms"
        )),
        http::HttpError::ResponseTooLarge(limit) => Failure::Unreachable(format!(
            "{url} answered with more than {limit} bytes (max_http_response_bytes)"
        )),
        http::HttpError::Connection(m) => Failure::Unreachable(format!("{url}: {m}")),
    }
}

/// What an answer means. WooCommerce errors are `{"code", "message", "data": {"status"}}`.
fn answer(method: &str, url: &str, response: &http::Response) -> Result<Value, Failure> {
    let status = response.status;
    let body = json::parse(&response.body);
    let said = || match &body {
        Ok(v) => {
            let code = json::str_at(v, "/code").unwrap_or("no code");
            let message = json::str_at(v, "/message").unwrap_or("no message");
            format!("{code}: {message}")
        }
        Err(_) => String::from_utf8_lossy(&response.body)
            .chars()
            .take(200)
            .collect(),
    };
    match status {
        200..=299 => body.map_err(|e| {
            Failure::Unreachable(format!("{method} {url} answered {status}, but {e}"))
        }),
        300..=399 => {
            let to = helloword_sdk::headers::get(&response.headers, "location").unwrap_or("?");
            Err(Failure::Config(format!(
                "{method} {url} was redirected ({status}) to {to}: set store_url (or api_base) \
                 in the woocommerce plugin.toml to the address the store answers on"
            )))
        }
        401 | 403 => Err(Failure::Config(format!(
            "WooCommerce refused the API key ({status} {}): `{API_CREDENTIALS}` must hold \
             base64 of \"consumer_key:consumer_secret\" of a key with Read/Write access, and \
             the web server must pass the Authorization header to WordPress",
            said()
        ))),
        404 if body
            .as_ref()
            .is_ok_and(|v| json::str_at(v, "/code") == Some("rest_no_route")) =>
        {
            Err(Failure::Config(format!(
                "{url} is not a WooCommerce REST API v3 route ({}): check store_url or api_base",
                said()
            )))
        }
        429 => Err(Failure::Unreachable(format!(
            "{method} {url}: rate limited (429)"
        ))),
        // A refund the payment gateway or WooCommerce would not make comes back as a 500
        // with this code (the refund is deleted again); anything else at 5xx may pass.
        500 if body.as_ref().is_ok_and(|v| {
            json::str_at(v, "/code") == Some("woocommerce_rest_cannot_create_order_refund")
        }) =>
        {
            Err(Failure::Refused(said()))
        }
        400..=499 => Err(Failure::Refused(format!("{status} {}", said()))),
        _ => Err(Failure::Unreachable(format!(
            "{method} {url} answered {status} ({})",
            said()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> http::Response {
        http::Response {
            status,
            headers: vec![("Location".into(), "https://www.example.com/x".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn answers_map_to_what_the_caller_can_do() {
        let url = "https://example.com/wp-json/wc/v3/orders/1";
        assert!(answer("GET", url, &response(200, r#"{"id": 1}"#)).is_ok());
        let refused = answer(
            "POST",
            url,
            &response(
                500,
                r#"{"code":"woocommerce_rest_cannot_create_order_refund","message":"Invalid refund amount.","data":{"status":500}}"#,
            ),
        );
        assert_eq!(
            refused,
            Err(Failure::Refused(
                "woocommerce_rest_cannot_create_order_refund: Invalid refund amount.".into()
            ))
        );
        assert!(matches!(
            answer("GET", url, &response(502, "<html>Bad gateway</html>")),
            Err(Failure::Unreachable(_))
        ));
        assert!(matches!(
            answer("GET", url, &response(200, "<html>")),
            Err(Failure::Unreachable(_))
        ));
        let Err(Failure::Config(auth)) = answer(
            "GET",
            url,
            &response(
                401,
                r#"{"code":"woocommerce_rest_authentication_error","message":"Consumer key is invalid."}"#,
            ),
        ) else {
            panic!("401 is a configuration problem");
        };
        assert!(auth.contains(API_CREDENTIALS) && auth.contains("Consumer key is invalid."));
        let Err(Failure::Config(moved)) = answer("GET", url, &response(301, "")) else {
            panic!("a redirect is a configuration problem");
        };
        assert!(moved.contains("https://www.example.com/x"), "{moved}");
        assert!(matches!(
            answer(
                "GET",
                url,
                &response(
                    404,
                    r#"{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID."}"#
                )
            ),
            Err(Failure::Refused(_))
        ));
    }
}
