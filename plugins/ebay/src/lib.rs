//! The eBay connector: answers the Commerce Notification API's endpoint challenge, verifies
//! and normalizes signed notifications (JSON, ECDSA) and Platform Notifications (SOAP, MD5
//! keyset signature), polls the Post-Order and payment-dispute searches, and carries out
//! refunds, return decisions, dispute evidence and messages.
//!
//! Secrets never enter the plugin: the challenge hash and the SOAP signature are computed
//! by the host from named secrets, the ECDSA check runs in the host, and API tokens are
//! added by the host as secret headers.
//!
//! | module | owns |
//! |---|---|
//! | `notification` | Commerce Notification API: challenge, `X-EBAY-SIGNATURE`, topics |
//! | `platform` | Platform Notifications: XML, `NotificationSignature`, events |
//! | `normalize` | Post-Order and Fulfillment objects → `ticket-event`, one module per object |
//! | `poll` | the sweep over the searches and its cursor |
//! | `actions` | one module per family of actions, with reconciliation |
//! | `api` | eBay's APIs: roots, tokens, classifying answers |
//! | `case_id` | the connector's case ids (`return:<id>`, …) |
//! | `payload`, `market` | reading eBay JSON; marketplaces → country and language |
//! | `settings`, `crypto` | config and secret names; the crypto import behind a trait |
//!
//! Everything but this file takes its I/O as a parameter and is unit-tested natively; this
//! file wires it to the host imports.

mod actions;
mod api;
mod case_id;
mod crypto;
#[cfg(test)]
mod fuzz;
mod market;
mod normalize;
mod notification;
mod payload;
mod platform;
mod poll;
mod settings;

use helloword_sdk::connector::crypto::{CryptoError, Part};
use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome, clock,
    config, http, log, metrics,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome};

use crate::api::{Api, Transport};
use crate::settings::{Settings, USER_TOKEN};

/// The connector the plugin exports.
struct EbayConnector;

impl Connector for EbayConnector {
    fn describe() -> Info {
        Info {
            marketplace: "ebay".into(),
            display_name: "eBay".into(),
            capabilities: vec![
                Capability::Webhooks,
                Capability::Polling,
                Capability::Refund,
                Capability::Message,
                Capability::ReturnDecision,
                Capability::DisputeEvidence,
                Capability::Reconcile,
            ],
            topics: notification::topics::TOPICS
                .iter()
                .chain(platform::events::EVENTS)
                .map(|t| t.to_string())
                .collect(),
        }
    }

    /// `GET ?challenge_code=` is the endpoint challenge; a `POST` with `X-EBAY-SIGNATURE`
    /// is a Commerce Notification; a `POST` of XML is a Platform Notification.
    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        let settings = Settings::from_config(config::get).map_err(WebhookError::Misconfigured)?;
        let outcome = if req.method.eq_ignore_ascii_case("GET") {
            notification::answer_challenge(&req, &settings, &HostCrypto)
        } else if !req.method.eq_ignore_ascii_case("POST") {
            Err(WebhookError::BadRequest(format!(
                "eBay calls GET (challenge) or POST (notifications); this request is {}",
                req.method
            )))
        } else if let Some(header) = req.header(notification::signature::HEADER) {
            let api = Api::new(&HostHttp, &settings);
            notification::handle_signed(&req, header, &settings, &config::get, &api, &HostCrypto)
        } else if platform::is_soap(&req) {
            platform::handle(&req, &settings, &HostCrypto, clock::now())
        } else {
            Err(WebhookError::BadRequest(format!(
                "missing header {}: a Commerce Notification carries it, and a Platform \
                 Notification is a SOAP envelope",
                notification::signature::HEADER
            )))
        };
        if let Ok(WebhookOutcome::Ignored(topic)) = &outcome {
            // Acknowledged, so eBay does not retry a topic nobody will read. Counted without
            // the topic: a label value taken from a request would let the sender grow the
            // gateway's metrics without bound (the log line names it).
            metrics::counter_add("ignored_topics", 1, &[]);
            log::log(
                log::Level::Debug,
                "Ignoring a notification the connector does not handle.",
                &[("topic".to_string(), topic.clone())],
            );
        }
        outcome
    }

    fn poll(cursor: Option<String>) -> Result<PollResult, ActionError> {
        let settings = settings_for_api()?;
        let cursor = cursor.and_then(|text| match poll::Cursor::decode(&text) {
            Ok(c) => Some(c),
            Err(e) => {
                // A cursor that cannot be read would stop polling for good; start over
                // instead (business keys drop what was already recorded).
                log::log(
                    log::Level::Warn,
                    "Poll cursor unreadable; starting a new sweep.",
                    &[("error".to_string(), e)],
                );
                None
            }
        });
        let page = poll::poll(&Api::new(&HostHttp, &settings), cursor, clock::now())?;
        for warning in &page.warnings {
            metrics::counter_add("poll_warnings", 1, &[]);
            log::log(
                log::Level::Warn,
                "Poll entry skipped or window clamped.",
                &[("detail".to_string(), warning.clone())],
            );
        }
        Ok(PollResult {
            events: page.events,
            next_cursor: Some(page.next.encode()),
            more: page.more,
        })
    }

    fn execute(action: Action) -> Result<ActionOutcome, ActionError> {
        let settings = if actions::calls_ebay(&action) {
            settings_for_api()?
        } else {
            Settings::from_config(config::get).map_err(ActionError::Misconfigured)?
        };
        actions::execute(&Api::new(&HostHttp, &settings), &action)
    }

    fn reconcile(action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        if !actions::calls_ebay(&action) {
            return Ok(None);
        }
        let settings = settings_for_api()?;
        actions::reconcile(&Api::new(&HostHttp, &settings), &action)
    }
}

/// The settings, once the user token that every API call needs is there.
fn settings_for_api() -> Result<Settings, ActionError> {
    let settings = Settings::from_config(config::get).map_err(ActionError::Misconfigured)?;
    if !helloword_sdk::connector::crypto::has_secret(USER_TOKEN) {
        return Err(ActionError::Misconfigured(format!(
            "secret `{USER_TOKEN}` has no value: give the gateway the seller's OAuth user access \
             token (plugins/ebay/plugin.toml grants it as an optional secret; the host refreshes it)"
        )));
    }
    Ok(settings)
}

/// The host's `http` import.
struct HostHttp;

impl Transport for HostHttp {
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
        http::send(request)
    }
}

/// The host's `crypto` import.
struct HostCrypto;

impl crypto::Crypto for HostCrypto {
    fn has_secret(&self, name: &str) -> bool {
        helloword_sdk::connector::crypto::has_secret(name)
    }

    fn sha256(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        helloword_sdk::connector::crypto::sha256(parts)
    }

    fn md5(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        helloword_sdk::connector::crypto::md5(parts)
    }

    fn ecdsa_p256_verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
        sha1: bool,
    ) -> Result<bool, CryptoError> {
        helloword_sdk::connector::crypto::ecdsa_p256_verify(public_key, message, signature, sha1)
    }
}

helloword_sdk::export_connector!(EbayConnector);
