//! A well-behaved connector that exercises every host import, for the host's own tests and
//! benchmarks. What it does depends on the request path:
//!
//! | path        | what it does                                                                  |
//! |-------------|-------------------------------------------------------------------------------|
//! | `/`         | checks `x-echo-signature` (base64 HMAC-SHA256 of the body, secret `echo_secret`) when present, then returns one event carrying the body as buyer text (and the URLs in `x-echo-attachments` as attachments); with config `reads = "json"`, a body that is not JSON is refused as unreadable (`delivery::unreadable`) |
//! | `/reply`    | replies 200 with the body it got                                              |
//! | `/digest`   | replies with hex SHA-256 of the query's `challenge` + the secret `echo_secret` |
//! | `/config`   | replies with its whole plugin config as `key=value` lines                     |
//! | `/fetch`    | GETs the `target_url` from its config through the host, with `authorization: Bearer <echo_secret>` added by the host, and replies with that body |
//! | `/unknown-secret` | asks for a secret that is not granted and reports the error        |

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};
use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, Reply, WebhookError, WebhookOutcome,
    config, crypto, delivery, http, log, metrics,
};
use helloword_sdk::types::{
    Action, ActionError, ActionOutcome, ActionStatus, DedupeKey, IssueKind, TicketEvent,
};

struct Echo;

fn text_reply(body: impl Into<Vec<u8>>) -> WebhookOutcome {
    WebhookOutcome::Reply(Reply {
        status: 200,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.into(),
    })
}

fn echo_event(req: &IncomingRequest) -> TicketEvent {
    let delivery = req.header("x-echo-delivery").map(str::to_string);
    let shop = req.header("x-echo-shop").unwrap_or("echo-shop");
    let dedupe = DedupeKey {
        delivery: delivery.clone(),
        action: None,
        business: format!("echo:{}", req.body.len()),
    };
    let summary = format!("Echo of {} bytes", req.body.len());
    let mut event = TicketEvent::new(IssueKind::BuyerMessage, shop, summary, dedupe);
    event.case_id = delivery;
    event.buyer_text = Some(String::from_utf8_lossy(&req.body).into_owned());
    // Files the "buyer" attached: space-separated URLs, as a marketplace message names them.
    if let Some(urls) = req.header("x-echo-attachments") {
        for (n, url) in urls.split_whitespace().enumerate() {
            event
                .attributes
                .push((format!("attachment.{}.url", n + 1), url.to_string()));
        }
    }
    event
}

impl Connector for Echo {
    fn describe() -> Info {
        Info {
            marketplace: "echo".into(),
            display_name: "Echo test plugin".into(),
            capabilities: vec![Capability::Webhooks, Capability::Refund],
            topics: vec!["echo".into()],
        }
    }

    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        match req.path.as_str() {
            "/reply" => Ok(text_reply(req.body)),
            "/digest" => {
                let challenge = req.query_param("challenge").unwrap_or_default();
                let digest = crypto::sha256(&[
                    crypto::Part::Data(challenge.into_bytes()),
                    crypto::Part::Secret("echo_secret".into()),
                ])
                .map_err(|e| WebhookError::Misconfigured(format!("{e:?}")))?;
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                Ok(text_reply(hex))
            }
            "/config" => {
                let lines: Vec<String> = config::all()
                    .into_iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                Ok(text_reply(lines.join("\n")))
            }
            "/fetch" => {
                let url = config::get("target_url")
                    .ok_or_else(|| WebhookError::Misconfigured("target_url is not set".into()))?;
                let response = http::send(&http::Request {
                    method: "GET".into(),
                    url,
                    headers: vec![],
                    secret_headers: vec![http::SecretHeader {
                        name: "authorization".into(),
                        prefix: "Bearer ".into(),
                        secret: "echo_secret".into(),
                    }],
                    body: vec![],
                })
                .map_err(|e| WebhookError::Unavailable(format!("{e:?}")))?;
                Ok(text_reply(response.body))
            }
            "/unknown-secret" => match crypto::hmac_sha256_verify("not_granted", b"x", b"y") {
                Ok(_) => Ok(text_reply("granted?!")),
                Err(e) => Ok(text_reply(format!("{e:?}"))),
            },
            _ => {
                if let Some(signature) = req.header("x-echo-signature") {
                    let expected = STANDARD.decode(signature).map_err(|_| {
                        WebhookError::BadRequest("x-echo-signature is not base64".into())
                    })?;
                    let ok = crypto::hmac_sha256_verify("echo_secret", &req.body, &expected)
                        .map_err(|e| WebhookError::Misconfigured(format!("{e:?}")))?;
                    if !ok {
                        return Err(WebhookError::Unauthorized(
                            "x-echo-signature does not match the body".into(),
                        ));
                    }
                }
                // With config `reads = "json"` a body that is not JSON is a delivery this
                // connector cannot read (kept by the host for replay); a config change (the
                // "fix") and `helloword replay` then store it.
                if config::get("reads").as_deref() == Some("json")
                    && helloword_sdk::json::parse(&req.body).is_err()
                {
                    return Err(delivery::unreadable("the body is not JSON"));
                }
                log::log(
                    log::Level::Debug,
                    "Echoing a delivery.",
                    &[("bytes".into(), req.body.len().to_string())],
                );
                metrics::counter_add("echo_deliveries", 1, &[]);
                Ok(WebhookOutcome::Events(vec![echo_event(&req)]))
            }
        }
    }

    fn poll(cursor: Option<String>) -> Result<PollResult, ActionError> {
        let n: u32 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        Ok(PollResult {
            events: vec![],
            next_cursor: Some((n + 1).to_string()),
            more: false,
        })
    }

    fn execute(action: Action) -> Result<ActionOutcome, ActionError> {
        Ok(ActionOutcome {
            status: ActionStatus::Done,
            marketplace_ref: Some(action.idempotency_key),
            amount: None,
            detail: "Echoed".into(),
        })
    }

    fn reconcile(_action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        Ok(None)
    }
}

helloword_sdk::export_connector!(Echo);
