//! The SP-API notification envelope, read case-insensitively: most types use PascalCase
//! (`NotificationType`, `Payload`, `NotificationMetadata.NotificationId`) while
//! `ACCOUNT_STATUS_CHANGED` and `REPORT_PROCESSING_FINISHED` use camelCase. The payload sits
//! under a type-specific wrapper key (`OrderChangeNotification`, …), which is unwrapped here.

use helloword_sdk::json::Value;
use helloword_sdk::types::Timestamp;

/// A notification, as far as the envelope tells.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    /// `NotificationType`, e.g. "ORDER_CHANGE".
    pub kind: String,
    /// `NotificationMetadata.NotificationId`, the dedupe key.
    pub id: Option<String>,
    /// `EventTime`.
    pub event_time: Option<Timestamp>,
    /// `NotificationMetadata.ApplicationId`.
    pub application_id: Option<String>,
    /// The payload inside its type-specific wrapper.
    pub body: &'a Value,
}

/// The value under `key` of object `value`, the key compared case-insensitively; `null`
/// counts as absent.
pub fn ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object
        .get(key)
        .or_else(|| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// The value at a path of keys, each compared case-insensitively.
pub fn ci_path<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(value, |v, k| ci(v, k))
}

/// Text at a path: a non-empty string, or a number's exact digits.
pub fn text(value: &Value, keys: &[&str]) -> Option<String> {
    match ci_path(value, keys)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A timestamp at a path: ISO 8601 text, or epoch milliseconds as a number or digits
/// (`PurchaseDate` in ORDER_STATUS_CHANGE is `1595882000633`).
pub fn time(value: &Value, keys: &[&str]) -> Option<Timestamp> {
    let raw = text(value, keys)?;
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse::<i64>().ok().map(Timestamp::from_millis);
    }
    Timestamp::parse(&raw).ok()
}

/// Read the envelope of an SP-API notification. The error says why `value` is not one.
pub fn parse(value: &Value) -> Result<Notification<'_>, String> {
    if !value.is_object() {
        return Err("the notification is not a JSON object".into());
    }
    let kind = text(value, &["NotificationType"])
        .ok_or("the JSON has no NotificationType: not an SP-API notification")?;
    let payload = ci(value, "Payload").ok_or("the notification has no Payload")?;
    let body = unwrap_payload(payload);
    Ok(Notification {
        kind,
        id: text(value, &["NotificationMetadata", "NotificationId"]),
        event_time: time(value, &["EventTime"]),
        application_id: text(value, &["NotificationMetadata", "ApplicationId"]),
        body,
    })
}

/// The object inside the payload's wrapper key (`…Notification`), else the payload itself.
fn unwrap_payload(payload: &Value) -> &Value {
    let Some(object) = payload.as_object() else {
        return payload;
    };
    let wrapped = object
        .iter()
        .find(|(k, v)| v.is_object() && k.to_ascii_lowercase().ends_with("notification"));
    match wrapped {
        Some((_, v)) => v,
        None if object.len() == 1 => object
            .values()
            .next()
            .filter(|v| v.is_object())
            .unwrap_or(payload),
        None => payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helloword_sdk::json;

    #[test]
    fn pascal_and_camel_case_envelopes_read_alike() {
        let pascal = json::parse(
            br#"{"NotificationType":"X","Payload":{"XNotification":{"AmazonOrderId":"1"}},
                "NotificationMetadata":{"NotificationId":"n1","ApplicationId":"app"},
                "EventTime":"2020-01-11T00:09:53.109Z"}"#,
        )
        .unwrap();
        let camel = json::parse(
            br#"{"notificationType":"X","payload":{"xNotification":{"amazonOrderId":"1"}},
                "notificationMetadata":{"notificationId":"n1","applicationId":"app"},
                "eventTime":"2020-01-11T00:09:53.109Z"}"#,
        )
        .unwrap();
        for v in [&pascal, &camel] {
            let n = parse(v).unwrap();
            assert_eq!(n.kind, "X");
            assert_eq!(n.id.as_deref(), Some("n1"));
            assert_eq!(n.application_id.as_deref(), Some("app"));
            assert_eq!(text(n.body, &["AmazonOrderId"]).as_deref(), Some("1"));
            assert_eq!(n.event_time.unwrap().seconds, 1_578_701_393);
        }
    }

    #[test]
    fn purchase_dates_read_as_millis_or_iso() {
        let v = json::parse(br#"{"a": 1595882000633, "b": "2022-07-13T19:42:04.284Z", "c": null}"#)
            .unwrap();
        let a = time(&v, &["A"]).unwrap();
        assert_eq!(a.to_rfc3339(), "2020-07-27T20:33:20.633Z");
        assert_eq!(time(&v, &["b"]).unwrap().seconds, 1_657_741_324);
        assert_eq!(time(&v, &["c"]), None);
    }

    #[test]
    fn what_is_not_a_notification_says_why() {
        let v = json::parse(br#"{"Type":"Notification","Message":"hi"}"#).unwrap();
        assert!(parse(&v).unwrap_err().contains("NotificationType"));
        assert!(parse(&Value::Null).is_err());
    }
}
