//! Webhook deliveries: the creation ping, the signature, and which topic becomes what.
//!
//! WooCommerce signs every delivery with `X-WC-Webhook-Signature` = base64(HMAC-SHA256(the
//! webhook's secret, raw body)); the host checks it against the named secret in constant
//! time. When a webhook is saved, WooCommerce first POSTs an unsigned form body
//! `webhook_id=<id>` and activates the webhook only if the answer is exactly 200.
//!
//! | topic | outcome |
//! |---|---|
//! | `order.created`, `order.updated`, `order.restored` | the order's events ([`normalize::order_events`]) |
//! | `order.deleted` | `order-update`, status `trash` |
//! | `action.woocommerce_order_refunded` and the other order actions in [`ORDER_ACTIONS`] | the order is read through the REST API (the payload holds only its id), then its events |
//! | `action.woocommerce_new_customer_note` | `order-update` with the note the store wrote to the buyer; none for notes this connector sent |
//! | anything else | `ignored(topic)` |

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};
use helloword_sdk::connector::delivery::unreadable;
use helloword_sdk::connector::{IncomingRequest, Reply, WebhookError, WebhookOutcome, crypto, log};
use helloword_sdk::json::{self, Value};

use crate::api::{Api, Failure};
use crate::normalize::{self, Context};
use crate::reference;
use crate::settings::{self, PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET};

const SIGNATURE: &str = "X-WC-Webhook-Signature";
const TOPIC: &str = "X-WC-Webhook-Topic";
const SOURCE: &str = "X-WC-Webhook-Source";
const DELIVERY: &str = "X-WC-Webhook-Delivery-ID";

/// Action hooks whose first argument is an order id: the order is read back and normalized.
pub const ORDER_ACTIONS: &[&str] = &[
    "woocommerce_order_refunded",
    "woocommerce_order_fully_refunded",
    "woocommerce_order_partially_refunded",
    "woocommerce_order_status_cancelled",
    "woocommerce_order_status_failed",
    "woocommerce_order_status_on-hold",
    "woocommerce_order_status_refunded",
];

/// The action hook whose argument is `{"order_id", "customer_note"}`.
pub const CUSTOMER_NOTE_ACTION: &str = "woocommerce_new_customer_note";

/// Verify and normalize one request.
pub fn handle(req: &IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
    if let Some(webhook_id) = ping(req) {
        log::log(
            log::Level::Info,
            "WooCommerce webhook ping answered.",
            &[("webhook_id".into(), webhook_id.clone())],
        );
        let body = serde_json::json!({"webhook_id": webhook_id, "ready": true});
        return Ok(WebhookOutcome::Reply(Reply::json(200, &body)));
    }
    verify(req)?;
    // Signed by the store from here on: a delivery the connector cannot read is kept by the
    // host for replay (202), not refused, so WooCommerce does not retry it and disable the
    // webhook after repeated failures.
    let topic = req
        .header(TOPIC)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unreadable(format!("the {TOPIC} header is missing")))?
        .to_string();
    let shop = settings::shop(req.header(SOURCE));
    let delivery = delivery_key(req);
    let ctx = Context {
        shop: &shop,
        delivery: delivery.as_deref(),
    };
    match topic.as_str() {
        "order.created" | "order.updated" | "order.restored" => {
            let order = body(req, &topic)?;
            let events = normalize::order_events(&order, &ctx)
                .map_err(|e| unreadable(format!("{topic}: {e}")))?;
            Ok(WebhookOutcome::Events(events))
        }
        "order.deleted" => {
            let payload = body(req, &topic)?;
            let id = json::id_at(&payload, "/id")
                .ok_or_else(|| unreadable(format!("{topic}: the payload has no `id`")))?;
            Ok(WebhookOutcome::Events(vec![normalize::order_trashed(
                &id, &ctx,
            )]))
        }
        _ if topic.starts_with("action.") => action(req, &topic, &ctx),
        _ => Ok(WebhookOutcome::Ignored(topic)),
    }
}

/// `action.<hook>` deliveries: `{"action": "<hook>", "arg": <the hook's first argument>}`.
fn action(
    req: &IncomingRequest,
    topic: &str,
    ctx: &Context,
) -> Result<WebhookOutcome, WebhookError> {
    let hook = topic.trim_start_matches("action.");
    if hook == CUSTOMER_NOTE_ACTION {
        let payload = body(req, topic)?;
        let order_id = json::id_at(&payload, "/arg/order_id")
            .ok_or_else(|| unreadable(format!("{topic}: the payload has no `arg.order_id`")))?;
        let note = json::str_at(&payload, "/arg/customer_note").unwrap_or_default();
        if note.trim().is_empty() || reference::key_in(note).is_some() {
            // An empty note, or one this connector sent: the action's outcome already says so.
            return Ok(WebhookOutcome::Events(Vec::new()));
        }
        let digest = crypto::sha256(&[crypto::Part::Data(note.as_bytes().to_vec())])
            .map_err(|e| WebhookError::Misconfigured(format!("hashing the note: {e:?}")))?;
        let digest: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let event = normalize::note_to_buyer(&order_id, note, &digest, ctx);
        return Ok(WebhookOutcome::Events(vec![event]));
    }
    if !ORDER_ACTIONS.contains(&hook) {
        return Ok(WebhookOutcome::Ignored(topic.to_string()));
    }
    let payload = body(req, topic)?;
    let order_id = json::id_at(&payload, "/arg")
        .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| unreadable(format!("{topic}: `arg` is not an order id")))?;
    // The payload names only the order; its refunds and status come from the REST API.
    let api = Api::for_shop(ctx.shop).map_err(|e| fetch_error(topic, e))?;
    let order = api
        .get(&format!("/orders/{order_id}"))
        .map_err(|e| fetch_error(topic, e))?;
    let events = normalize::order_events(&order, ctx)
        .map_err(|e| unreadable(format!("{topic}: order {order_id}: {e}")))?;
    Ok(WebhookOutcome::Events(events))
}

fn fetch_error(topic: &str, failure: Failure) -> WebhookError {
    match failure {
        Failure::Config(m) => WebhookError::Misconfigured(format!(
            "{topic} carries only the order id, and reading the order failed: {m}"
        )),
        Failure::Refused(m) => {
            WebhookError::BadRequest(format!("{topic}: WooCommerce did not give the order: {m}"))
        }
        Failure::Unreachable(m) => WebhookError::Unavailable(format!("{topic}: {m}")),
    }
}

/// The webhook id of WooCommerce's creation ping: an unsigned `webhook_id=<digits>` body.
fn ping(req: &IncomingRequest) -> Option<String> {
    if req.method != "POST" || req.header(SIGNATURE).is_some() || req.header(TOPIC).is_some() {
        return None;
    }
    let body = std::str::from_utf8(&req.body).ok()?.trim();
    let id = body.strip_prefix("webhook_id=")?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
}

/// Check `X-WC-Webhook-Signature` against the webhook secret (and the previous one during a
/// rotation).
fn verify(req: &IncomingRequest) -> Result<(), WebhookError> {
    let header = req.header(SIGNATURE).ok_or_else(|| {
        WebhookError::Unauthorized(format!(
            "the {SIGNATURE} header is missing: give the webhook a secret in WooCommerce"
        ))
    })?;
    let signature = STANDARD
        .decode(header.trim())
        .ok()
        .filter(|s| s.len() == 32)
        .ok_or_else(|| {
            WebhookError::Unauthorized(format!("{SIGNATURE} is not a base64 HMAC-SHA256 signature"))
        })?;
    for secret in [WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET] {
        if secret == PREVIOUS_WEBHOOK_SECRET && !crypto::has_secret(secret) {
            continue;
        }
        match crypto::hmac_sha256_verify(secret, &req.body, &signature) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(crypto::CryptoError::NotGranted(m) | crypto::CryptoError::Missing(m)) => {
                return Err(WebhookError::Misconfigured(format!(
                    "the webhook secret `{secret}` is not usable: {m}"
                )));
            }
            Err(crypto::CryptoError::InvalidInput(m)) => {
                return Err(WebhookError::Unauthorized(format!("{SIGNATURE}: {m}")));
            }
        }
    }
    Err(WebhookError::Unauthorized(format!(
        "{SIGNATURE} does not match the body: the webhook's secret in WooCommerce must be the \
         value of `{WEBHOOK_SECRET}`"
    )))
}

/// The delivery's dedupe key. `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the
/// current second, so two deliveries of one webhook within a second share it; the signature
/// (a digest of the body) tells them apart.
fn delivery_key(req: &IncomingRequest) -> Option<String> {
    let id = req
        .header(DELIVERY)
        .map(str::trim)
        .filter(|d| !d.is_empty())?;
    let signature = req.header(SIGNATURE).map(str::trim).unwrap_or_default();
    Some(format!("{id}/{signature}"))
}

fn body(req: &IncomingRequest, topic: &str) -> Result<Value, WebhookError> {
    json::parse(&req.body).map_err(|e| unreadable(format!("{topic}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], body: &str) -> IncomingRequest {
        IncomingRequest {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn only_an_unsigned_webhook_id_form_is_a_ping() {
        assert_eq!(ping(&request(&[], "webhook_id=42")), Some("42".into()));
        assert_eq!(ping(&request(&[], "webhook_id=42&x=1")), None);
        assert_eq!(ping(&request(&[], "webhook_id=")), None);
        assert_eq!(ping(&request(&[(SIGNATURE, "x")], "webhook_id=42")), None);
        assert_eq!(
            ping(&request(&[(TOPIC, "order.created")], "webhook_id=42")),
            None
        );
    }

    #[test]
    fn deliveries_within_one_second_keep_apart() {
        let a = request(&[(DELIVERY, "abc"), (SIGNATURE, "s1")], "{}");
        let b = request(&[(DELIVERY, "abc"), (SIGNATURE, "s2")], "{}");
        assert_ne!(delivery_key(&a), delivery_key(&b));
        assert_eq!(delivery_key(&request(&[], "{}")), None);
    }
}
