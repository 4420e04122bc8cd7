//! Stand-ins for the alert channels' receivers on one loopback port: Twilio's Messages API
//! (basic auth, form fields To, From, Body, checked as Twilio checks them) and a webhook
//! receiver that checks the Standard Webhooks signature.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use http_body_util::BodyExt;

pub const SID: &str = "AC00000000000000000000000000000001";
pub const SMS_TOKEN: &str = "twilio-test-token";
pub const WEBHOOK_KEY: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the Twilio stand-in and the webhook receiver saw.
#[derive(Default)]
pub struct Seen {
    /// SMS: (To, Body).
    pub sms: Vec<(String, String)>,
    /// Webhooks with a valid signature: their JSON.
    pub hooks: Vec<serde_json::Value>,
    /// Requests refused for a bad shape or signature.
    pub refused: Vec<String>,
}

/// One loopback server for both: Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`
/// (basic auth, form fields To, From, Body) and the webhook receiver at `/hook`.
pub async fn stand_ins() -> (Arc<Mutex<Seen>>, u16) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move {
                            let path = req.uri().path().to_string();
                            let headers = req.headers().clone();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let (status, answer) = check(&state, &path, &headers, &body);
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(http_body_util::Full::new(bytes::Bytes::from(answer)))
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (seen, port)
}

fn check(
    state: &Mutex<Seen>,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> (u16, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut seen = state.lock().unwrap();
    if path == format!("/2010-04-01/Accounts/{SID}/Messages.json") {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{SMS_TOKEN}"))
        );
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if header("authorization") != expected
            || !header("content-type").starts_with("application/x-www-form-urlencoded")
            || field("From").as_deref() != Some("+15005550006")
            || field("To").is_none()
            || field("Body").is_none_or(|b| b.is_empty() || b.chars().count() > 1600)
        {
            seen.refused.push(format!("sms: {form:?}"));
            return (
                400,
                r#"{"code": 21604, "message": "bad request", "status": 400}"#.into(),
            );
        }
        let n = seen.sms.len();
        seen.sms
            .push((field("To").unwrap(), field("Body").unwrap()));
        return (
            201,
            serde_json::json!({
                "sid": format!("SM{:032}", n), "status": "queued", "to": field("To"),
                "from": "+15005550006", "account_sid": SID,
            })
            .to_string(),
        );
    }
    if path == "/hook" {
        let key = base64::engine::general_purpose::STANDARD
            .decode(WEBHOOK_KEY)
            .unwrap();
        let payload = String::from_utf8_lossy(body);
        let expected = helloword::alerts::send::standard_webhook_signature(
            &key,
            &header("webhook-id"),
            &header("webhook-timestamp"),
            &payload,
        );
        let fresh = header("webhook-timestamp")
            .parse::<i64>()
            .is_ok_and(|t| (jiff::Timestamp::now().as_second() - t).abs() < 300);
        if header("webhook-signature") != expected || !fresh {
            seen.refused.push("webhook signature".into());
            return (401, "{}".into());
        }
        seen.hooks.push(serde_json::from_slice(body).unwrap());
        return (204, String::new());
    }
    (404, "{}".into())
}

/// Lines for the `[secrets]` table: the secrets [`alerts_and_team`] names.
pub fn secrets() -> String {
    format!(
        "twilio_token = {{ value = \"{SMS_TOKEN}\" }}\nhook_key = {{ value = \"whsec_{WEBHOOK_KEY}\" }}\n"
    )
}

/// The `[alerts]` table (with `extra` lines) linking to `public_url`, e-mail to the SMTP
/// server on port `smtp`, SMS and the webhook to the stand-ins on port `stand_in`; and the
/// team: `lin`, a lead who takes no tickets and reads Chinese, and `mei`, who takes payment
/// cases and is in quiet hours all day.
pub fn alerts_and_team(smtp: u16, stand_in: u16, public_url: &str, extra: &str) -> String {
    format!(
        "[alerts]\nsms_cost_cents = 8\npublic_url = \"{public_url}\"\n{extra}\n\
         [alerts.email]\nserver = \"smtp://127.0.0.1:{smtp}\"\nfrom = \"HelloWord <alerts@shop.example>\"\n\
         [alerts.sms]\napi_base = \"http://127.0.0.1:{stand_in}\"\naccount_sid = \"{SID}\"\n\
         auth_token_secret = \"twilio_token\"\nfrom = \"+15005550006\"\n\
         [alerts.webhook]\nurl = \"http://127.0.0.1:{stand_in}/hook\"\nsecret = \"hook_key\"\n\
         [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 0\n\
         [tickets.agents.contact]\nemail = \"lin@shop.example\"\nphone = \"+4915100000001\"\nui_language = \"zh\"\n\
         [[tickets.agents]]\nname = \"mei\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
         languages = [\"en\"]\ncapacity = 9\n\
         [tickets.agents.contact]\nemail = \"mei@shop.example\"\nphone = \"+4915100000002\"\n\
         quiet_hours = \"00:00-24:00\"\n"
    )
}
