//! The Shopify connector: verifies Shopify's webhooks, normalizes every after-sales topic
//! into ticket events, carries out refunds, return decisions, dispute evidence,
//! replacements and coupons through the Admin API, and answers buyers by e-mail.
//!
//! Secrets never enter the plugin: the webhook HMAC is checked by the host under the named
//! secret `shopify_client_secret` (and `shopify_previous_client_secret` during a rotation),
//! and the Admin API token (`shopify_admin_token`) is added to requests by the host.
//!
//! | module | owns |
//! |---|---|
//! | `delivery` | the webhook headers and the signature they carry |
//! | `normalize` | payload → `ticket-event`, one module per family of topics |
//! | `payload` | reading payload fields with errors that name them |
//! | `admin` | the Admin API: where it is, sending, classifying answers |
//! | `actions` | one module per action, with its reconciliation |
//! | `email` | replies to buyers by e-mail through the seller's SMTP server |
//! | `answers` | buyers' answers by e-mail, read from the support mailbox |
//! | `lookup` | looking an order up for a case that lacks its buyer |
//! | `ids` | Shopify ids, names derived from idempotency keys, RFC 3339 text |
//!
//! Everything but this file is pure (or takes its I/O as a parameter) and is unit-tested
//! natively; this file wires it to the host imports.

mod actions;
mod admin;
mod answers;
mod delivery;
mod email;
mod ids;
mod lookup;
mod normalize;
mod payload;

use helloword_sdk::connector::delivery::unreadable;
use helloword_sdk::connector::{
    Capability, Connector, FoundOrder, IncomingRequest, Info, OrderLookup, PollResult,
    WebhookError, WebhookOutcome, clock, config, crypto, http, log, mail, metrics,
};
use helloword_sdk::json;
use helloword_sdk::types::{Action, ActionError, ActionKind, ActionOutcome};

use crate::admin::{ADMIN_TOKEN, Admin, Settings, Transport};
use crate::delivery::{Delivery, HMAC};

/// The app's client secret, which signs every webhook.
const CLIENT_SECRET: &str = "shopify_client_secret";
/// The client secret before the last rotation, accepted while Shopify still signs with it.
const PREVIOUS_CLIENT_SECRET: &str = "shopify_previous_client_secret";

/// The connector the plugin exports (public so that a native build can be benchmarked
/// against the wasm one).
pub struct ShopifyConnector;

impl Connector for ShopifyConnector {
    fn describe() -> Info {
        Info {
            marketplace: "shopify".into(),
            display_name: "Shopify".into(),
            capabilities: vec![
                Capability::Webhooks,
                Capability::Refund,
                Capability::Reship,
                Capability::Coupon,
                Capability::ReturnDecision,
                Capability::DisputeEvidence,
                Capability::Reconcile,
            ]
            .into_iter()
            // Replies go by e-mail once the operator set up an SMTP server, and the
            // buyers' answers are read from the support mailbox once there is one.
            .chain(config::get("smtp_host").map(|_| Capability::Message))
            .chain(config::get("mailbox_host").map(|_| Capability::Polling))
            .collect(),
            topics: normalize::TOPICS.iter().map(|t| t.to_string()).collect(),
        }
    }

    /// Headers first (a delivery without Shopify's headers is not Shopify's), then the
    /// signature over the raw bytes, then the topic, then the body.
    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        if !req.method.eq_ignore_ascii_case("POST") {
            return Err(WebhookError::BadRequest(format!(
                "Shopify delivers webhooks with POST; this request is {}",
                req.method
            )));
        }
        let delivery = Delivery::from_headers(&req.headers).map_err(WebhookError::BadRequest)?;
        let signature = delivery.signature().map_err(WebhookError::Unauthorized)?;
        verify(&req.body, &signature)?;

        if !normalize::handles(&delivery.topic) {
            // Acknowledged, so Shopify does not retry a topic nobody will read. Counted without
            // the topic: it comes from a header the signature does not cover, and a label
            // value taken from a request would let anyone grow the gateway's metrics (the log
            // line names it).
            metrics::counter_add("ignored_topics", 1, &[]);
            log::log(
                log::Level::Debug,
                "Ignoring a topic the connector does not handle.",
                &[("topic".to_string(), delivery.topic.clone())],
            );
            return Ok(WebhookOutcome::Ignored(delivery.topic));
        }
        // Signed by Shopify from here on: a body the connector cannot read is kept by the
        // host for replay (202), not refused, so Shopify does not retry it and in the end
        // remove the subscription.
        let body = json::parse(&req.body).map_err(|e| {
            unreadable(format!(
                "{} delivery {}: {e}",
                delivery.topic, delivery.webhook_id
            ))
        })?;
        let events = normalize::normalize(&delivery, &body).map_err(|e| unreadable(e.0))?;
        if events.is_empty() {
            // A delivery of a handled topic with nothing to record (a payment that went
            // through): acknowledged like a topic nobody reads.
            return Ok(WebhookOutcome::Ignored(delivery.topic));
        }
        Ok(WebhookOutcome::Events(events))
    }

    /// Shopify pushes every after-sales change this connector handles (disputes, refunds,
    /// returns, shipments, orders, privacy requests); what a poll reads is the buyers'
    /// e-mail answers to the gateway's replies, when a support mailbox is set up.
    fn poll(cursor: Option<String>) -> Result<PollResult, ActionError> {
        let settings = email::EmailSettings::from_config(config::get)?;
        answers::poll(&HostMail, &settings, cursor.as_deref())
    }

    fn execute(action: Action) -> Result<ActionOutcome, ActionError> {
        if let ActionKind::Message(spec) = &action.kind {
            let settings = email::EmailSettings::from_config(config::get)?;
            return email::reply(&HostMail, &settings, &action, spec);
        }
        with_admin(&action.shop, |admin| {
            actions::execute(admin, &action, clock::now())
        })
    }

    fn reconcile(action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        if let ActionKind::Message(_) = action.kind {
            return Ok(None);
        }
        with_admin(&action.shop, |admin| actions::reconcile(admin, &action))
    }
}

/// Check the signature under the current client secret, then the previous one.
fn verify(body: &[u8], signature: &[u8]) -> Result<(), WebhookError> {
    let misconfigured = |e: crypto::CryptoError| {
        WebhookError::Misconfigured(match e {
            crypto::CryptoError::NotGranted(m)
            | crypto::CryptoError::Missing(m)
            | crypto::CryptoError::InvalidInput(m) => m,
        })
    };
    if crypto::hmac_sha256_verify(CLIENT_SECRET, body, signature).map_err(misconfigured)? {
        return Ok(());
    }
    let rotating = crypto::has_secret(PREVIOUS_CLIENT_SECRET);
    if rotating
        && crypto::hmac_sha256_verify(PREVIOUS_CLIENT_SECRET, body, signature)
            .map_err(misconfigured)?
    {
        // Shopify signs with the old secret for up to an hour after a rotation; this count
        // tells the operator when the old secret can be removed.
        metrics::counter_add("previous_secret_matches", 1, &[]);
        log::log(
            log::Level::Info,
            "Delivery verified with the previous client secret.",
            &[],
        );
        return Ok(());
    }
    Err(WebhookError::Unauthorized(format!(
        "{} does not match the body under {}; deliveries sent by hand from the store's \
         Notifications settings are signed with another key",
        HMAC.name,
        if rotating {
            "the current or the previous client secret"
        } else {
            "the client secret"
        }
    )))
}

impl OrderLookup for ShopifyConnector {
    /// The order from the Admin API, read like an `orders/updated` webhook: a chargeback
    /// names no buyer, the order does.
    fn lookup_order(shop: String, order_id: String) -> Result<FoundOrder, ActionError> {
        with_admin(&shop, |admin| lookup::lookup(admin, &shop, &order_id))
    }
}

/// Run `f` against the Admin API of `shop`, once the token and config are there.
fn with_admin<R>(
    shop: &str,
    f: impl FnOnce(&Admin<'_>) -> Result<R, ActionError>,
) -> Result<R, ActionError> {
    if !crypto::has_secret(ADMIN_TOKEN) {
        return Err(ActionError::Misconfigured(format!(
            "secret `{ADMIN_TOKEN}` has no value: add the shop's Admin API access token to the \
             [secrets] table of the gateway config (plugins/shopify/plugin.toml grants it as an \
             optional secret)"
        )));
    }
    let settings = Settings::from_config(config::get)?;
    let root = settings.root_for(shop)?;
    f(&Admin::new(&HostHttp, root))
}

/// The host's `mail` and `crypto` imports, for e-mail replies.
struct HostMail;

impl answers::Mailbox for HostMail {
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

    fn has_secret(&self, name: &str) -> bool {
        crypto::has_secret(name)
    }
}

impl email::Mailer for HostMail {
    fn send(
        &self,
        server: &mail::Server,
        message: &mail::Outgoing,
    ) -> Result<String, mail::MailError> {
        mail::send(server, message)
    }

    fn has_secret(&self, name: &str) -> bool {
        crypto::has_secret(name)
    }
}

/// The host's `http` import.
struct HostHttp;

impl Transport for HostHttp {
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
        http::send(request)
    }
}

helloword_sdk::export_connector!(ShopifyConnector, orders);
