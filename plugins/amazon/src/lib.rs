//! The Amazon Selling Partner API connector: SP-API notifications from an EventBridge API
//! destination (`POST /hooks/amazon`, API-key header) or an SQS queue the connector polls
//! (SigV4-signed, messages deleted only after the host committed them), scheduled reports
//! (returns, account health), buyer messages relayed to the seller's mailbox (read over
//! IMAP, answered over SMTP in the buyer's thread), and buyer messages through the Messaging
//! and Solicitations APIs. Refunds, replacements, coupons, return decisions and claim answers have no SP-API
//! operation and come back `not-supported` with what to do instead.
//!
//! Secrets never enter the plugin: the API key is compared inside the host, the SigV4 key
//! chain starts in the host, and the Login with Amazon token is a secret header.
//!
//! | module | owns |
//! |---|---|
//! | `intake` | EventBridge deliveries, the API-key check, dead-letter records |
//! | `envelope`, `normalize` | the case-insensitive envelope; notification types → events |
//! | `poll`, `sqs`, `sigv4` | the poll cursor (delete after commit, report state); SQS; AWS SigV4 |
//! | `reports`, `inflate` | Reports API and the report formats; gzip |
//! | `actions`, `spapi` | Messaging / Solicitations, e-mail answers, the not-supported actions; SP-API calls |
//! | `mailbox`, `relay`, `mime` | the mailbox read and mail errors; relayed buyer e-mail → events; MIME |
//! | `settings`, `market`, `io` | config and secret names; marketplaces; the host imports as traits |
//!
//! Everything but this file takes its I/O as a parameter and is unit-tested natively; this
//! file wires it to the host imports.

mod actions;
mod envelope;
#[cfg(test)]
mod fuzz;
mod inflate;
mod intake;
mod io;
mod mailbox;
mod market;
mod mime;
mod normalize;
mod poll;
mod relay;
mod reports;
mod settings;
mod sigv4;
mod spapi;
mod sqs;

use helloword_sdk::connector::crypto::{CryptoError, Part};
use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome, clock,
    config, http, log, mail, metrics,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome};

use crate::io::{Crypto, Mailbox, Transport};
use crate::settings::Settings;
use crate::spapi::SpApi;

/// The connector the plugin exports.
struct AmazonConnector;

impl Connector for AmazonConnector {
    fn describe() -> Info {
        Info {
            marketplace: "amazon".into(),
            display_name: "Amazon".into(),
            capabilities: vec![
                Capability::Webhooks,
                Capability::Polling,
                Capability::Message,
                Capability::Reconcile,
            ],
            topics: normalize::TYPES.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        let settings = Settings::from_config(config::get).map_err(WebhookError::Misconfigured)?;
        let api = SpApi::new(&HostHttp, &settings);
        let (outcome, notes) = intake::handle_webhook(&req, &settings, &HostCrypto, &api)?;
        warn_all("Report row skipped.", &notes);
        if let WebhookOutcome::Ignored(topic) = &outcome {
            count_ignored(topic);
        }
        Ok(outcome)
    }

    fn poll(cursor: Option<String>) -> Result<PollResult, ActionError> {
        let settings = Settings::from_config(config::get).map_err(ActionError::Misconfigured)?;
        let cursor = match cursor.as_deref().map(poll::Cursor::decode) {
            None => poll::Cursor::default(),
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                // A cursor that cannot be read would stop polling for good; start over
                // (undeleted messages come back and their keys drop the duplicates).
                log::log(
                    log::Level::Warn,
                    "Poll cursor unreadable; starting over.",
                    &[("error".to_string(), e)],
                );
                poll::Cursor::default()
            }
        };
        let page = poll::poll(
            &HostHttp,
            &HostCrypto,
            &HostMail,
            &settings,
            cursor,
            clock::now(),
        )?;
        warn_all("Poll note.", &page.warnings);
        for topic in &page.ignored {
            count_ignored(topic);
        }
        for (uid, reason) in &page.ignored_mail {
            count_ignored_mail(*uid, reason);
        }
        Ok(PollResult {
            events: page.events,
            next_cursor: Some(page.next.encode()),
            more: page.more,
        })
    }

    fn execute(action: Action) -> Result<ActionOutcome, ActionError> {
        let settings = Settings::from_config(config::get).map_err(ActionError::Misconfigured)?;
        if actions::calls_amazon(&action) {
            SpApi::require_token(&HostCrypto)?;
        }
        actions::execute(
            &SpApi::new(&HostHttp, &settings),
            &HostMail,
            &HostCrypto,
            &action,
        )
    }

    fn reconcile(action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        if !actions::calls_amazon(&action) {
            return Ok(None);
        }
        let settings = Settings::from_config(config::get).map_err(ActionError::Misconfigured)?;
        SpApi::require_token(&HostCrypto)?;
        actions::reconcile(&SpApi::new(&HostHttp, &settings), &action)
    }
}

fn warn_all(message: &str, notes: &[String]) {
    for note in notes {
        metrics::counter_add("poll_warnings", 1, &[]);
        log::log(
            log::Level::Warn,
            message,
            &[("detail".to_string(), note.clone())],
        );
    }
}

fn count_ignored(topic: &str) {
    // Without the type as a label: it comes from the notification, and a label value taken
    // from a request would let the sender grow the gateway's metrics (the log line names it).
    metrics::counter_add("ignored_notifications", 1, &[]);
    log::log(
        log::Level::Debug,
        "Ignoring a notification the connector does not handle.",
        &[("type".to_string(), topic.to_string())],
    );
}

fn count_ignored_mail(uid: u32, reason: &str) {
    metrics::counter_add(
        "ignored_mail",
        1,
        &[("reason".to_string(), reason.to_string())],
    );
    log::log(
        log::Level::Debug,
        "Mailbox message is no buyer message; no event.",
        &[
            ("uid".to_string(), uid.to_string()),
            ("reason".to_string(), reason.to_string()),
        ],
    );
}

/// The host's `mail` import.
struct HostMail;

impl Mailbox for HostMail {
    fn fetch(
        &self,
        server: &mail::Server,
        folder: &str,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> Result<mail::Fetched, mail::MailError> {
        mail::fetch(server, folder, uid_validity, after_uid, limit)
    }

    fn send(
        &self,
        server: &mail::Server,
        message: &mail::Outgoing,
    ) -> Result<String, mail::MailError> {
        mail::send(server, message)
    }

    fn note_reading(&self, message: Option<&str>) {
        // An empty value is "none": the cache has no delete.
        let value = message.unwrap_or_default();
        helloword_sdk::connector::cache::set(READING_KEY, value.as_bytes(), READING_SECONDS);
    }

    fn noted_reading(&self) -> Option<String> {
        helloword_sdk::connector::cache::get(READING_KEY)
            .and_then(|v| String::from_utf8(v).ok())
            .filter(|v| !v.is_empty())
    }
}

/// The host cache key of the message being read (see [`Mailbox::note_reading`]).
const READING_KEY: &str = "mail-reading";
/// How long a note of the message being read lasts: a day, the cache's longest.
const READING_SECONDS: u32 = 86_400;

/// The host's `http` import.
struct HostHttp;

impl Transport for HostHttp {
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
        http::send(request)
    }
}

/// The host's `crypto` import.
struct HostCrypto;

impl Crypto for HostCrypto {
    fn has_secret(&self, name: &str) -> bool {
        helloword_sdk::connector::crypto::has_secret(name)
    }

    fn hmac_sha256(&self, key: &[Part], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        helloword_sdk::connector::crypto::hmac_sha256(key, message)
    }

    fn hmac_sha256_verify(
        &self,
        secret: &str,
        message: &[u8],
        expected: &[u8],
    ) -> Result<bool, CryptoError> {
        helloword_sdk::connector::crypto::hmac_sha256_verify(secret, message, expected)
    }

    fn sha256(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        helloword_sdk::connector::crypto::sha256(parts)
    }
}

helloword_sdk::export_connector!(AmazonConnector);
