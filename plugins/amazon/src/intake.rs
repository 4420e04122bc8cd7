//! Where notifications come in: the EventBridge API destination (`POST /hooks/amazon`) and
//! the SQS queue (through `poll`). Both end in [`process`], so a notification means the same
//! whichever way it arrives.
//!
//! **API key check.** EventBridge API destinations authenticate with a header whose value the
//! operator chose (the secret `amazon_eventbridge_key`). The value never enters the plugin,
//! so the comparison runs in the host: the plugin asks the host for
//! `T = HMAC-SHA256(key = <the header value>, M)` over a fixed message `M` (a key the plugin
//! supplies as data), then asks `hmac-sha256-verify(secret, M, T)`, which recomputes
//! `HMAC-SHA256(key = <the secret>, M)` and compares in constant time. The two are equal
//! exactly when the keys are (HMAC pads short keys with zeros, so a header value with a NUL
//! byte is refused first; keys longer than 64 bytes are hashed, which an attacker cannot
//! exploit without knowing the secret). Neither the secret nor a digest of it reaches the
//! plugin, and no plugin-side comparison can leak timing.

use helloword_sdk::connector::crypto::Part;
use helloword_sdk::connector::{IncomingRequest, WebhookError, WebhookOutcome, delivery};
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{ActionError, DedupeKey, IssueKind, TicketEvent};

use crate::envelope::{self, ci};
use crate::io::{Crypto, crypto_message};
use crate::normalize::{self, Normalized};
use crate::reports;
use crate::settings::{EVENTBRIDGE_KEY, Settings};
use crate::spapi::SpApi;

/// The fixed message both HMACs of the API key check are computed over.
const KEY_CHECK_MESSAGE: &[u8] = b"helloword/amazon/eventbridge-api-key/v1";
/// How much of an unreadable message's body a dead-letter record keeps.
const DEAD_LETTER_BODY_CHARS: usize = 16_000;

/// What one notification came to.
#[derive(Debug)]
pub enum Processed {
    /// Events to record, with notes for the log.
    Events(Vec<TicketEvent>, Vec<String>),
    /// Nothing to record; names the type (and state).
    Ignored(String),
}

/// Check the EventBridge API key of `req`.
pub fn check_api_key(
    req: &IncomingRequest,
    settings: &Settings,
    crypto: &dyn Crypto,
) -> Result<(), WebhookError> {
    if !crypto.has_secret(EVENTBRIDGE_KEY) {
        return Err(WebhookError::Misconfigured(format!(
            "secret `{EVENTBRIDGE_KEY}` has no value: give the gateway the API key that the \
             EventBridge connection sends in header `{}` (plugins/amazon/plugin.toml grants it \
             as an optional secret)",
            settings.api_key_header
        )));
    }
    let presented = req.header(&settings.api_key_header).ok_or_else(|| {
        WebhookError::Unauthorized(format!("missing header {}", settings.api_key_header))
    })?;
    if presented.is_empty() || presented.as_bytes().contains(&0) {
        return Err(WebhookError::Unauthorized(format!(
            "header {} does not hold the API key",
            settings.api_key_header
        )));
    }
    let misconfigured = |e| WebhookError::Misconfigured(crypto_message(e));
    let tag = crypto
        .hmac_sha256(
            &[Part::Data(presented.as_bytes().to_vec())],
            KEY_CHECK_MESSAGE,
        )
        .map_err(misconfigured)?;
    if crypto
        .hmac_sha256_verify(EVENTBRIDGE_KEY, KEY_CHECK_MESSAGE, &tag)
        .map_err(misconfigured)?
    {
        Ok(())
    } else {
        Err(WebhookError::Unauthorized(format!(
            "header {} does not hold the API key",
            settings.api_key_header
        )))
    }
}

/// The SP-API notification inside an EventBridge event (its `detail`), or the body itself
/// when the rule's input transformer already sent only the detail.
pub fn unwrap_eventbridge(body: &Value) -> &Value {
    match ci(body, "detail") {
        Some(detail) if detail.is_object() && ci(body, "detail-type").is_some() => detail,
        _ => body,
    }
}

/// Handle one EventBridge delivery.
pub fn handle_webhook(
    req: &IncomingRequest,
    settings: &Settings,
    crypto: &dyn Crypto,
    api: &SpApi<'_>,
) -> Result<(WebhookOutcome, Vec<String>), WebhookError> {
    if !req.method.eq_ignore_ascii_case("POST") {
        return Err(WebhookError::BadRequest(format!(
            "the EventBridge API destination sends POST; this request is {}",
            req.method
        )));
    }
    check_api_key(req, settings, crypto)?;
    // Authenticated from here on: a body the connector cannot read is kept by the host for
    // replay (202), not refused, so EventBridge does not retry it into its dead-letter queue.
    let body = json::parse(&req.body).map_err(delivery::unreadable)?;
    let notification = envelope::parse(unwrap_eventbridge(&body)).map_err(delivery::unreadable)?;
    match process(&notification, settings, api, crypto) {
        Ok(Ok(Processed::Events(events, notes))) => Ok((WebhookOutcome::Events(events), notes)),
        Ok(Ok(Processed::Ignored(topic))) => Ok((WebhookOutcome::Ignored(topic), Vec::new())),
        Ok(Err(bad)) => Err(delivery::unreadable(bad)),
        Err(ActionError::Misconfigured(m)) => Err(WebhookError::Misconfigured(m)),
        // A report that cannot be fetched now: 503, so EventBridge delivers again.
        Err(ActionError::Transient(m) | ActionError::Permanent(m)) => {
            Err(WebhookError::Unavailable(m))
        }
    }
}

/// Normalize one notification, downloading the report it announces. `Ok(Err(text))` means
/// the notification itself is unusable (a dead letter); `Err` is a failure worth retrying
/// or fixing.
pub fn process(
    n: &envelope::Notification<'_>,
    settings: &Settings,
    api: &SpApi<'_>,
    crypto: &dyn Crypto,
) -> Result<Result<Processed, String>, ActionError> {
    if let (Some(ours), Some(theirs)) = (&settings.application_id, &n.application_id)
        && ours != theirs
    {
        return Ok(Err(format!(
            "the notification is for application {theirs}, not `application_id` {ours}"
        )));
    }
    match normalize::normalize(n, settings) {
        Err(bad) => Ok(Err(bad)),
        Ok(Normalized::Events(events)) => Ok(Ok(Processed::Events(events, Vec::new()))),
        Ok(Normalized::Ignored(topic)) => Ok(Ok(Processed::Ignored(topic))),
        Ok(Normalized::Report(report)) => {
            SpApi::require_token(crypto)?;
            let read = reports::fetch_events(
                api,
                &report.report_type,
                &report.report_id,
                &report.document_id,
            )?;
            Ok(Ok(Processed::Events(read.events, read.warnings)))
        }
    }
}

/// The dead-letter record of an SQS message that is not a usable SP-API notification: an
/// `other` event holding the raw body, recorded once per message id, after which the message
/// is deleted like any other.
pub fn dead_letter(shop: &str, message_id: &str, body: &str, why: &str) -> TicketEvent {
    let mut e = TicketEvent::new(
        IssueKind::Other,
        shop,
        format!("Unreadable SQS message {message_id} set aside: {why}"),
        DedupeKey {
            delivery: Some(format!("sqs:{message_id}")),
            action: None,
            business: format!("dead-letter:sqs:{message_id}"),
        },
    );
    e.case_id = Some(format!("dead-letter:sqs:{message_id}"));
    e.status = Some("dead-letter".into());
    let truncated = body.chars().count() > DEAD_LETTER_BODY_CHARS;
    e.attributes = vec![
        ("dead_letter".into(), "true".into()),
        ("sqs_message_id".into(), message_id.to_string()),
        ("error".into(), why.to_string()),
        (
            "raw_body".into(),
            body.chars().take(DEAD_LETTER_BODY_CHARS).collect(),
        ),
        ("raw_body_truncated".into(), truncated.to_string()),
    ];
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::{FakeCrypto, Script};
    use crate::settings::test_support::settings;

    fn req(headers: &[(&str, &str)]) -> IncomingRequest {
        IncomingRequest {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: b"{}".to_vec(),
        }
    }

    #[test]
    fn the_api_key_is_compared_inside_the_host() {
        let s = settings(&[]).unwrap();
        let crypto = FakeCrypto::with(&[(EVENTBRIDGE_KEY, "k-123")]);
        assert!(check_api_key(&req(&[("X-Api-Key", "k-123")]), &s, &crypto).is_ok());
        for bad in ["k-12", "k-123 ", "k-123\0", ""] {
            assert!(
                matches!(
                    check_api_key(&req(&[("x-api-key", bad)]), &s, &crypto),
                    Err(WebhookError::Unauthorized(_))
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            check_api_key(&req(&[]), &s, &crypto),
            Err(WebhookError::Unauthorized(m)) if m.contains("x-api-key")
        ));
        assert!(matches!(
            check_api_key(&req(&[("x-api-key", "k-123")]), &s, &FakeCrypto::with(&[])),
            Err(WebhookError::Misconfigured(m)) if m.contains("`amazon_eventbridge_key`")
        ));
    }

    #[test]
    fn a_foreign_application_is_refused() {
        let s = settings(&[("application_id", "amzn1.sp.solution.ours")]).unwrap();
        let v = json::parse(
            br#"{"NotificationType":"ORDER_STATUS_CHANGE","Payload":{"OrderStatusChangeNotification":{"AmazonOrderId":"1","OrderStatus":"Shipped"}},
                "NotificationMetadata":{"ApplicationId":"amzn1.sp.solution.other","NotificationId":"n"}}"#,
        )
        .unwrap();
        let script = Script::new(&[]);
        let got = process(
            &envelope::parse(&v).unwrap(),
            &s,
            &SpApi::new(&script, &s),
            &FakeCrypto::with(&[]),
        )
        .unwrap();
        assert!(got.unwrap_err().contains("not `application_id`"));
    }
}
