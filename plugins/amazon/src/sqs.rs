//! Amazon SQS through its JSON protocol (`POST /`, `Content-Type: application/x-amz-json-1.0`,
//! `X-Amz-Target: AmazonSQS.<Action>`), signed with SigV4 (service `sqs`).
//!
//! Only two actions are used: `ReceiveMessage` and `DeleteMessageBatch`.

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{ActionError, Timestamp};
use serde_json::json;

use crate::io::{Crypto, Transport, crypto_message};
use crate::settings::{AWS_SECRET, SqsSettings};
use crate::sigv4::{self, Credentials, Unsigned};
use crate::spapi::transport_error;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `MessageId`.
    pub id: String,
    /// `ReceiptHandle`, needed to delete it.
    pub receipt_handle: String,
    /// `Body`, the SP-API notification JSON.
    pub body: String,
    /// `Attributes.ApproximateReceiveCount`, when asked for.
    pub receive_count: Option<u32>,
}

/// The queue for one configuration.
pub struct Queue<'a> {
    transport: &'a dyn Transport,
    crypto: &'a dyn Crypto,
    settings: &'a SqsSettings,
    now: Timestamp,
}

impl<'a> Queue<'a> {
    /// The queue of `settings`, signing with the time `now`.
    pub fn new(
        transport: &'a dyn Transport,
        crypto: &'a dyn Crypto,
        settings: &'a SqsSettings,
        now: Timestamp,
    ) -> Queue<'a> {
        Queue {
            transport,
            crypto,
            settings,
            now,
        }
    }

    /// Fail with `misconfigured` naming the secret when the secret key is not there.
    pub fn require_secret(crypto: &dyn Crypto) -> Result<(), ActionError> {
        if crypto.has_secret(AWS_SECRET) {
            Ok(())
        } else {
            Err(ActionError::Misconfigured(format!(
                "secret `{AWS_SECRET}` has no value: the SQS queue in `sqs_queue_url` needs the \
                 secret access key of `aws_access_key_id` (plugins/amazon/plugin.toml grants \
                 it as an optional secret)"
            )))
        }
    }

    /// The signed request for `action` with JSON `body`.
    pub fn request(
        &self,
        action: &str,
        body: &Value,
    ) -> Result<helloword_sdk::connector::http::Request, ActionError> {
        let url = format!("{}/", self.settings.endpoint);
        let body = body.to_string().into_bytes();
        let mut headers = vec![
            (
                "content-type".to_string(),
                "application/x-amz-json-1.0".to_string(),
            ),
            ("x-amz-date".to_string(), sigv4::amz_date(&self.now)),
            ("x-amz-target".to_string(), format!("AmazonSQS.{action}")),
        ];
        let signature = sigv4::sign(
            self.crypto,
            &Credentials {
                access_key_id: &self.settings.access_key_id,
                secret: AWS_SECRET,
                region: &self.settings.region,
                service: "sqs",
            },
            &Unsigned {
                method: "POST",
                url: &url,
                headers: &headers,
                body: &body,
            },
            &sigv4::amz_date(&self.now),
        )
        .map_err(|e| {
            ActionError::Misconfigured(format!("signing the SQS request: {}", crypto_message(e)))
        })?;
        headers.push(("authorization".to_string(), signature.authorization));
        Ok(helloword_sdk::connector::http::Request {
            method: "POST".into(),
            url,
            headers,
            secret_headers: Vec::new(),
            body,
        })
    }

    fn call(&self, action: &str, body: &Value) -> Result<Value, ActionError> {
        let request = self.request(action, body)?;
        let what = format!("SQS {action} on {}", self.settings.queue_url);
        let response = self
            .transport
            .send(&request)
            .map_err(|e| transport_error(&what, e))?;
        let parsed = json::parse(&response.body).unwrap_or(Value::Null);
        if (200..300).contains(&response.status) {
            return Ok(parsed);
        }
        // AWS JSON errors: {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "…"}.
        let kind = json::str_at(&parsed, "/__type")
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            .unwrap_or_default();
        let message = json::str_at(&parsed, "/message")
            .or_else(|| json::str_at(&parsed, "/Message"))
            .unwrap_or("no error text");
        let text = format!("{what} failed ({}, {kind}): {message}", response.status);
        Err(match (response.status, kind.as_str()) {
            (
                _,
                "InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException",
            ) => ActionError::Misconfigured(format!(
                "{text}; check `aws_access_key_id` and the secret `{AWS_SECRET}`"
            )),
            (_, "AccessDenied" | "AccessDeniedException") | (401 | 403, _) => {
                ActionError::Misconfigured(format!(
                    "{text}; the IAM user needs sqs:ReceiveMessage and sqs:DeleteMessage on the queue"
                ))
            }
            (_, "QueueDoesNotExist" | "AWS.SimpleQueueService.NonExistentQueue") => {
                ActionError::Misconfigured(format!("{text}; check `sqs_queue_url`"))
            }
            (429 | 500..=599, _) | (_, "ThrottlingException" | "RequestThrottled") => {
                ActionError::Transient(text)
            }
            _ => ActionError::Permanent(text),
        })
    }

    /// `ReceiveMessage`: up to `max_messages` messages.
    pub fn receive(&self) -> Result<Vec<Message>, ActionError> {
        let answer = self.call(
            "ReceiveMessage",
            &json!({
                "QueueUrl": self.settings.queue_url,
                "MaxNumberOfMessages": self.settings.max_messages,
                "WaitTimeSeconds": self.settings.wait_seconds,
                "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
            }),
        )?;
        let empty = Vec::new();
        let list = answer
            .get("Messages")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        Ok(list
            .iter()
            .filter_map(|m| {
                Some(Message {
                    id: json::str_at(m, "/MessageId")?.to_string(),
                    receipt_handle: json::str_at(m, "/ReceiptHandle")?.to_string(),
                    body: json::str_at(m, "/Body").unwrap_or_default().to_string(),
                    receive_count: json::str_at(m, "/Attributes/ApproximateReceiveCount")
                        .and_then(|c| c.parse().ok()),
                })
            })
            .collect())
    }

    /// `DeleteMessageBatch` (10 per call). Returns the failures as text; a handle that
    /// fails is not retried (the message comes back and its keys drop the duplicate).
    pub fn delete(&self, receipt_handles: &[String]) -> Result<Vec<String>, ActionError> {
        let mut failures = Vec::new();
        for chunk in receipt_handles.chunks(10) {
            let entries: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, h)| json!({"Id": i.to_string(), "ReceiptHandle": h}))
                .collect();
            let answer = self.call(
                "DeleteMessageBatch",
                &json!({"QueueUrl": self.settings.queue_url, "Entries": entries}),
            )?;
            for failed in answer
                .get("Failed")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                failures.push(format!(
                    "entry {}: {} {}",
                    json::str_at(failed, "/Id").unwrap_or("?"),
                    json::str_at(failed, "/Code").unwrap_or(""),
                    json::str_at(failed, "/Message").unwrap_or("")
                ));
            }
        }
        Ok(failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::{FakeCrypto, Script};
    use crate::settings::test_support::settings;

    fn queue_settings() -> SqsSettings {
        settings(&[
            (
                "sqs_queue_url",
                "https://sqs.us-east-1.amazonaws.com/123456789012/sp-api",
            ),
            ("aws_access_key_id", "AKIDEXAMPLE"),
        ])
        .unwrap()
        .sqs
        .unwrap()
    }

    #[test]
    fn receive_sends_a_signed_json_request() {
        let s = queue_settings();
        let crypto = FakeCrypto::with(&[(AWS_SECRET, "secret")]);
        let script = Script::new(&[(
            200,
            r#"{"Messages":[{"MessageId":"m1","ReceiptHandle":"h1","Body":"{}","Attributes":{"ApproximateReceiveCount":"2"}}]}"#,
        )]);
        let now = Timestamp::parse("2026-02-01T10:00:00Z").unwrap();
        let got = Queue::new(&script, &crypto, &s, now).receive().unwrap();
        assert_eq!(got[0].receipt_handle, "h1");
        assert_eq!(got[0].receive_count, Some(2));
        let sent = &script.sent.borrow()[0];
        assert_eq!(sent.url, "https://sqs.us-east-1.amazonaws.com/");
        let auth = &sent
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1;
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260201/us-east-1/sqs/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
            ),
            "{auth}"
        );
    }

    #[test]
    fn errors_are_classified() {
        let s = queue_settings();
        let crypto = FakeCrypto::with(&[(AWS_SECRET, "secret")]);
        for (status, body, misconfigured) in [
            (
                400,
                r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"no"}"#,
                true,
            ),
            (
                403,
                r#"{"__type":"com.amazon.coral.service#InvalidClientTokenId","message":"bad"}"#,
                true,
            ),
            (500, "", false),
        ] {
            let script = Script::new(&[(status, body)]);
            let err = Queue::new(
                &script,
                &crypto,
                &s,
                Timestamp {
                    seconds: 0,
                    nanoseconds: 0,
                },
            )
            .receive()
            .unwrap_err();
            assert_eq!(
                matches!(err, ActionError::Misconfigured(_)),
                misconfigured,
                "{err:?}"
            );
        }
    }
}
