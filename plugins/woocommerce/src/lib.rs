//! HelloWord marketplace connector for WooCommerce.
//!
//! - [`webhook`]: verifies `X-WC-Webhook-Signature` through the host, answers the webhook
//!   creation ping, and hands order, refund and note deliveries to [`normalize`];
//! - [`actions`]: refunds and messages to the buyer (customer notes) through the REST API v3
//!   ([`api`]), each carrying its idempotency key ([`reference`]) so `reconcile` finds it;
//! - [`settings`]: the `[config]` keys and secret names.
//!
//! The README beside plugin.toml lists topics, events, actions and the setup in WooCommerce.

mod actions;
mod api;
mod normalize;
mod reference;
mod settings;
mod webhook;

use helloword_sdk::connector::{
    Capability, Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome, clock,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome};

struct WooCommerce;

impl Connector for WooCommerce {
    fn describe() -> Info {
        let mut topics: Vec<String> = [
            "order.created",
            "order.updated",
            "order.deleted",
            "order.restored",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        topics.extend(
            webhook::ORDER_ACTIONS
                .iter()
                .chain([webhook::CUSTOMER_NOTE_ACTION].iter())
                .map(|hook| format!("action.{hook}")),
        );
        Info {
            marketplace: "woocommerce".into(),
            display_name: "WooCommerce".into(),
            capabilities: vec![
                Capability::Webhooks,
                Capability::Refund,
                Capability::Message,
                Capability::Reconcile,
            ],
            topics,
        }
    }

    fn handle_webhook(req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        webhook::handle(&req)
    }

    /// WooCommerce pushes everything this connector handles; there is nothing to poll.
    fn poll(cursor: Option<String>) -> Result<PollResult, ActionError> {
        Ok(PollResult {
            events: Vec::new(),
            next_cursor: cursor,
            more: false,
        })
    }

    fn execute(action: Action) -> Result<ActionOutcome, ActionError> {
        actions::execute(&action, clock::now())
    }

    fn reconcile(action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        actions::reconcile(&action)
    }
}

helloword_sdk::export_connector!(WooCommerce);
