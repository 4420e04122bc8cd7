//! The eBay connector.
//!
//! Not built yet: verification, normalization, polling and actions for eBay arrive with
//! issue #8. Until then the connector loads, describes itself with no capabilities, and
//! answers every delivery with `unavailable` (HTTP 503), so eBay retries the delivery
//! later instead of losing it.

use helloword_sdk::connector::{
    Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome};

struct EbayConnector;

const NOT_BUILT: &str = "the eBay connector is not built yet (issue #8)";

impl Connector for EbayConnector {
    fn describe() -> Info {
        Info {
            marketplace: "ebay".into(),
            display_name: "eBay".into(),
            capabilities: vec![],
            topics: vec![],
        }
    }

    fn handle_webhook(_req: IncomingRequest) -> Result<WebhookOutcome, WebhookError> {
        Err(WebhookError::Unavailable(NOT_BUILT.into()))
    }

    fn poll(_cursor: Option<String>) -> Result<PollResult, ActionError> {
        Err(ActionError::Permanent(NOT_BUILT.into()))
    }

    fn execute(_action: Action) -> Result<ActionOutcome, ActionError> {
        Err(ActionError::Permanent(NOT_BUILT.into()))
    }

    fn reconcile(_action: Action) -> Result<Option<ActionOutcome>, ActionError> {
        Err(ActionError::Permanent(NOT_BUILT.into()))
    }
}

helloword_sdk::export_connector!(EbayConnector);
