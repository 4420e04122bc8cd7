//! The Amazon connector.
//!
//! Not built yet: verification, normalization, polling and actions for Amazon arrive with
//! issue #9. Until then the connector loads, describes itself with no capabilities, and
//! answers every delivery with `unavailable` (HTTP 503), so Amazon retries the delivery
//! later instead of losing it.

use helloword_sdk::connector::{
    Connector, IncomingRequest, Info, PollResult, WebhookError, WebhookOutcome,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome};

struct AmazonConnector;

const NOT_BUILT: &str = "the Amazon connector is not built yet (issue #9)";

impl Connector for AmazonConnector {
    fn describe() -> Info {
        Info {
            marketplace: "amazon".into(),
            display_name: "Amazon".into(),
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

helloword_sdk::export_connector!(AmazonConnector);
