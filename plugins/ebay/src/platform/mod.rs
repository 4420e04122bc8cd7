//! Platform Notifications: SOAP over HTTP, subscribed with the Trading API.
//!
//! A delivery is checked in this order: the body must be XML with a SOAP `Body`; the SOAP
//! header must carry `NotificationSignature` and the body a `Timestamp`; the signature must
//! equal base64(MD5(Timestamp + DevID + AppID + CertID)), computed by the host from the
//! keyset secrets; the timestamp must be within `soap_max_age_minutes` of the gateway's
//! clock (the signature covers only the timestamp, so this bounds replays). Only then is
//! the event read. Failures are 401 (`unauthorized`), malformed XML 400.

pub mod events;
pub mod xml;

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};
use helloword_sdk::connector::crypto::Part;
use helloword_sdk::connector::{IncomingRequest, WebhookError, WebhookOutcome};
use helloword_sdk::types::Timestamp;

use crate::crypto::{Crypto, constant_time_eq, message};
use crate::settings::{APP_ID, CERT_ID, DEV_ID, Settings};

/// Whether a request looks like a SOAP delivery.
pub fn is_soap(req: &IncomingRequest) -> bool {
    req.header("SOAPAction").is_some()
        || req
            .header("content-type")
            .is_some_and(|c| c.contains("xml"))
        || req
            .body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'<')
}

/// Verify and normalize a SOAP delivery received at `now`.
pub fn handle(
    req: &IncomingRequest,
    settings: &Settings,
    crypto: &dyn Crypto,
    now: Timestamp,
) -> Result<WebhookOutcome, WebhookError> {
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| WebhookError::BadRequest("SOAP body is not UTF-8".into()))?;
    let root = xml::parse(text)
        .map_err(|e| WebhookError::BadRequest(format!("SOAP body is not XML: {e}")))?;
    let body = root
        .child("Body")
        .ok_or_else(|| WebhookError::BadRequest("SOAP envelope has no Body".into()))?;
    let signature = root
        .child("Header")
        .and_then(|h| h.text_of("NotificationSignature"))
        .ok_or_else(|| {
            WebhookError::Unauthorized(
                "no NotificationSignature in the SOAP header; eBay signs every Platform \
                 Notification"
                    .into(),
            )
        })?;
    let timestamp = body.text_of("Timestamp").ok_or_else(|| {
        WebhookError::Unauthorized(
            "the SOAP body has no Timestamp, which NotificationSignature signs".into(),
        )
    })?;
    verify(&timestamp, &signature, crypto)?;
    check_age(&timestamp, settings.soap_max_age_minutes, now)?;

    let name = body
        .text_of("NotificationEventName")
        .or_else(|| soap_action_event(req))
        .ok_or_else(|| {
            WebhookError::BadRequest(
                "neither NotificationEventName nor the SOAPAction header names the event".into(),
            )
        })?;
    match events::normalize(&settings.seller, &name, body) {
        Ok(Some(events)) => Ok(WebhookOutcome::Events(events)),
        Ok(None) => Ok(WebhookOutcome::Ignored(name)),
        Err(e) => Err(WebhookError::BadRequest(e)),
    }
}

/// The event named by `SOAPAction: "http://developer.ebay.com/notification/ReturnCreated"`.
fn soap_action_event(req: &IncomingRequest) -> Option<String> {
    let action = req.header("SOAPAction")?.trim().trim_matches('"');
    let name = action.rsplit('/').next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The keyset secrets, in signing order.
const KEYSET: [&str; 3] = [DEV_ID, APP_ID, CERT_ID];

fn verify(timestamp: &str, signature: &str, crypto: &dyn Crypto) -> Result<(), WebhookError> {
    if let Some(missing) = KEYSET.iter().find(|s| !crypto.has_secret(s)) {
        return Err(WebhookError::Misconfigured(format!(
            "secret `{missing}` has no value: Platform Notifications are signed with the \
             application keyset; give the gateway `{DEV_ID}`, `{APP_ID}` and `{CERT_ID}`"
        )));
    }
    let mut parts = vec![Part::Data(timestamp.as_bytes().to_vec())];
    parts.extend(KEYSET.iter().map(|s| Part::Secret(s.to_string())));
    let digest = crypto
        .md5(&parts)
        .map_err(|e| WebhookError::Misconfigured(message(e)))?;
    let expected = STANDARD.encode(digest);
    if constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
        Ok(())
    } else {
        Err(WebhookError::Unauthorized(
            "NotificationSignature does not match base64(MD5(Timestamp + DevID + AppID + \
             CertID)) for the configured keyset"
                .into(),
        ))
    }
}

fn check_age(timestamp: &str, max_minutes: i64, now: Timestamp) -> Result<(), WebhookError> {
    let sent = Timestamp::parse(timestamp)
        .map_err(|e| WebhookError::Unauthorized(format!("the SOAP Timestamp {e}")))?;
    let minutes = (now.seconds - sent.seconds).abs() / 60;
    if minutes > max_minutes {
        return Err(WebhookError::Unauthorized(format!(
            "the SOAP Timestamp {timestamp} is {minutes} minutes from the gateway's clock; \
             config `soap_max_age_minutes` accepts {max_minutes}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let now = Timestamp::parse("2026-01-01T12:00:00Z").unwrap();
        assert!(check_age("2026-01-01T11:45:00.000Z", 30, now).is_ok());
        assert!(check_age("2026-01-01T12:20:00.000Z", 30, now).is_ok());
        let err = check_age("2026-01-01T10:00:00.000Z", 30, now).unwrap_err();
        assert!(matches!(err, WebhookError::Unauthorized(m) if m.contains("120 minutes")));
        assert!(check_age("yesterday", 30, now).is_err());
    }
}
