//! Actions: buyer messages through the Messaging API, review requests through the
//! Solicitations API, and clear `not-supported` outcomes for everything SP-API cannot do.
//!
//! **Which message.** Amazon offers a fixed set of message types per order; the action's
//! subject picks one:
//!
//! | subject | Messaging operation |
//! |---|---|
//! | starts with `[<name>]`, e.g. `[confirmOrderDetails] …` | exactly that one |
//! | mentions a review request (`review`, `feedback request`, `solicitation`) | Solicitations `productReviewAndSellerFeedback` (no text: Amazon sends its own template) |
//! | mentions delivery, address, shipping, tracking, carrier, parcel | `confirmDeliveryDetails` |
//! | mentions customization / personalization | `confirmCustomizationDetails` |
//! | mentions appointment, installation, service | `confirmServiceDetails` |
//! | mentions order details / confirm order | `confirmOrderDetails` |
//! | anything else, or no subject | `unexpectedProblem` (an after-sales gateway mostly writes about a problem) |
//!
//! Types that need attachments (`legalDisclosure`, `warranty`, `invoice`, `digitalAccessKey`'s
//! file) are `not-supported`: the contract's message has no attachments.
//!
//! **Flow.** `getMessagingActionsForOrder` first: a type the order does not offer is
//! `rejected` naming the ones it does. Then `getAttributes`: a message not in the buyer's
//! language (Amazon's rule) is `rejected`. Then the send (`201` → `done`).

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, MessageSpec,
};
use serde_json::json;

use crate::spapi::{SpApi, encode};

/// The Solicitations API's only action.
const REVIEW_REQUEST: &str = "productReviewAndSellerFeedback";

/// Whether `action` calls Amazon (and so needs the LWA token).
pub fn calls_amazon(action: &Action) -> bool {
    matches!(action.kind, ActionKind::Message(_))
}

/// Carry out `action`.
pub fn execute(api: &SpApi<'_>, action: &Action) -> Result<ActionOutcome, ActionError> {
    match &action.kind {
        ActionKind::Message(spec) => {
            let order_id = order_id(action)?;
            match choose(spec) {
                Choice::Solicitation => request_review(api, order_id),
                Choice::Message(name) => send_message(api, order_id, name, spec),
            }
        }
        ActionKind::Refund(_) => Ok(not_supported(
            "Amazon's Selling Partner API has no refund endpoint for seller-fulfilled orders: \
             refund in Seller Central (Orders → Manage Orders → Refund order), or through the \
             Feeds API payment adjustment feed (POST_PAYMENT_ADJUSTMENT_DATA), which this \
             connector does not send because Amazon publishes no current sample of it",
        )),
        ActionKind::Reship(_) => Ok(not_supported(
            "Amazon has no replacement API for seller-fulfilled orders: create the replacement in \
             Seller Central (Manage Orders → the order → Create replacement), or send it as a \
             Multi-Channel Fulfillment order",
        )),
        ActionKind::Coupon(_) => Ok(not_supported(
            "Amazon has no API to give one buyer a coupon: create a promotion in Seller Central \
             (Advertising → Promotions), and do not announce it in a buyer message (Amazon \
             forbids marketing in buyer-seller messages)",
        )),
        ActionKind::ReturnDecision(_) => Ok(not_supported(
            "Amazon's Selling Partner API has no return-authorization endpoint: approve or close \
             the return in Seller Central (Orders → Manage Returns)",
        )),
        ActionKind::DisputeEvidence(_) => Ok(not_supported(
            "A-to-z Guarantee claims and chargebacks are answered in Seller Central \
             (Performance → A-to-z Guarantee claims / Chargeback claims); the Selling Partner \
             API has no operation for them",
        )),
    }
}

/// After a crash: a review request is found through the Solicitations API (once sent, the
/// order no longer offers it). Messages cannot be read back through SP-API, so they are not
/// reconciled; everything else never reached Amazon.
pub fn reconcile(api: &SpApi<'_>, action: &Action) -> Result<Option<ActionOutcome>, ActionError> {
    let ActionKind::Message(spec) = &action.kind else {
        return Ok(None);
    };
    if choose(spec) != Choice::Solicitation {
        return Ok(None);
    }
    let order_id = order_id(action)?;
    if offered_solicitations(api, order_id)?
        .iter()
        .any(|a| a == REVIEW_REQUEST)
    {
        return Ok(None);
    }
    Ok(Some(ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: None,
        amount: None,
        detail: format!(
            "Amazon no longer offers a review request for order {order_id}: it was sent \
             (Amazon allows one per order), or the 5–30 day window after delivery has closed"
        ),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Solicitation,
    Message(&'static str),
}

/// Message types the connector can send with text alone, and each type's text limit.
const TEXT_MESSAGES: [(&str, usize); 6] = [
    ("unexpectedProblem", 2000),
    ("confirmDeliveryDetails", 2000),
    ("confirmOrderDetails", 2000),
    ("confirmServiceDetails", 2000),
    ("confirmCustomizationDetails", 800),
    ("digitalAccessKey", 400),
];
/// Message types that need attachments.
const ATTACHMENT_MESSAGES: [&str; 3] = ["legalDisclosure", "warranty", "invoice"];

fn choose(spec: &MessageSpec) -> Choice {
    let subject = spec.subject.as_deref().unwrap_or("").trim();
    if let Some(rest) = subject.strip_prefix('[')
        && let Some((name, _)) = rest.split_once(']')
    {
        let name = name.trim();
        if name == REVIEW_REQUEST || name.eq_ignore_ascii_case("solicitation") {
            return Choice::Solicitation;
        }
        if let Some((known, _)) = TEXT_MESSAGES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Choice::Message(known);
        }
        if let Some(known) = ATTACHMENT_MESSAGES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name))
        {
            return Choice::Message(known);
        }
    }
    let s = subject.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if has(&[
        "review request",
        "request a review",
        "feedback request",
        "solicitation",
    ]) {
        Choice::Solicitation
    } else if has(&[
        "deliver", "address", "shipping", "tracking", "carrier", "parcel", "package",
    ]) {
        Choice::Message("confirmDeliveryDetails")
    } else if has(&["customiz", "customis", "personaliz", "personalis", "engrav"]) {
        Choice::Message("confirmCustomizationDetails")
    } else if has(&["appointment", "installation", "service"]) {
        Choice::Message("confirmServiceDetails")
    } else if has(&["order detail", "confirm order", "order confirmation"]) {
        Choice::Message("confirmOrderDetails")
    } else {
        Choice::Message("unexpectedProblem")
    }
}

fn order_id(action: &Action) -> Result<&str, ActionError> {
    action
        .order_id
        .as_deref()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            ActionError::Permanent(
                "Amazon messages are sent per order, and this action names no order".into(),
            )
        })
}

fn not_supported(detail: &str) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::NotSupported,
        marketplace_ref: None,
        amount: None,
        detail: detail.to_string(),
    }
}

fn rejected(detail: String) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::Rejected,
        marketplace_ref: None,
        amount: None,
        detail,
    }
}

fn query(api: &SpApi<'_>) -> String {
    format!("marketplaceIds={}", encode(&api.settings().marketplace_id))
}

/// Action names in a HAL answer's `_links.actions[].name` (and `_embedded.actions[]`).
fn action_names(answer: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let linked = json::at(answer, "/_links/actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| json::str_at(a, "/name"));
    let embedded = json::at(answer, "/_embedded/actions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| json::str_at(a, "/_links/self/name"));
    for name in linked.chain(embedded) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

fn offered_solicitations(api: &SpApi<'_>, order_id: &str) -> Result<Vec<String>, ActionError> {
    let answer = api.call(
        "GET",
        &format!(
            "/solicitations/v1/orders/{}?{}",
            encode(order_id),
            query(api)
        ),
        None,
    )?;
    Ok(action_names(&answer))
}

fn request_review(api: &SpApi<'_>, order_id: &str) -> Result<ActionOutcome, ActionError> {
    if !offered_solicitations(api, order_id)?
        .iter()
        .any(|a| a == REVIEW_REQUEST)
    {
        return Ok(rejected(format!(
            "Amazon does not offer a review request for order {order_id}: one was already sent \
             (Amazon allows one per order), or the order is outside the 5–30 day window after \
             delivery"
        )));
    }
    let path = format!(
        "/solicitations/v1/orders/{}/solicitations/{REVIEW_REQUEST}?{}",
        encode(order_id),
        query(api)
    );
    match api.try_call("POST", &path, None)? {
        Ok(_) => Ok(ActionOutcome {
            status: ActionStatus::Done,
            marketplace_ref: None,
            amount: None,
            detail: format!("Amazon sent its review request for order {order_id}"),
        }),
        Err(refusal) => Ok(rejected(format!(
            "Amazon refused the review request for order {order_id} ({}): {}",
            refusal.status, refusal.text
        ))),
    }
}

/// The primary language subtag of a BCP 47 tag, lower case ("en-US" → "en").
fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn send_message(
    api: &SpApi<'_>,
    order_id: &str,
    name: &'static str,
    spec: &MessageSpec,
) -> Result<ActionOutcome, ActionError> {
    let Some(&(_, limit)) = TEXT_MESSAGES.iter().find(|(n, _)| *n == name) else {
        return Ok(not_supported(&format!(
            "Amazon's {name} message carries attachments only (uploaded through the Uploads \
             API), and this connector sends text; send it from Seller Central"
        )));
    };
    let text = spec.body.trim();
    let length = text.chars().count();
    if length == 0 || length > limit {
        return Ok(rejected(format!(
            "Amazon's {name} message takes 1 to {limit} characters; this one has {length}"
        )));
    }
    let order_path = format!("/messaging/v1/orders/{}", encode(order_id));
    let offered = action_names(&api.call("GET", &format!("{order_path}?{}", query(api)), None)?);
    if !offered.iter().any(|a| a == name) {
        let sendable: Vec<&str> = offered
            .iter()
            .map(String::as_str)
            .filter(|a| TEXT_MESSAGES.iter().any(|(n, _)| n == a))
            .collect();
        return Ok(rejected(format!(
            "Amazon does not allow a {name} message for order {order_id}; it allows {}",
            if sendable.is_empty() {
                "no text message the connector can send".to_string()
            } else {
                format!(
                    "{} (choose one with a subject starting [<name>])",
                    sendable.join(", ")
                )
            }
        )));
    }
    let attributes = api.call(
        "GET",
        &format!("{order_path}/attributes?{}", query(api)),
        None,
    )?;
    if let Some(locale) = json::str_at(&attributes, "/buyer/locale")
        && primary_language(locale) != primary_language(&spec.language)
    {
        return Ok(rejected(format!(
            "the buyer of order {order_id} reads {locale}, but the message is in {}; Amazon \
             requires messages in the buyer's language",
            spec.language
        )));
    }
    let path = format!("{order_path}/messages/{name}?{}", query(api));
    match api.try_call("POST", &path, Some(&json!({ "text": text })))? {
        Ok(_) => Ok(ActionOutcome {
            status: ActionStatus::Done,
            marketplace_ref: None,
            amount: None,
            detail: format!("Sent a {name} message to the buyer of order {order_id}"),
        }),
        Err(refusal) => Ok(rejected(format!(
            "Amazon refused the {name} message for order {order_id} ({}): {}",
            refusal.status, refusal.text
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(subject: Option<&str>) -> MessageSpec {
        MessageSpec {
            subject: subject.map(str::to_string),
            body: "Hello".into(),
            language: "en".into(),
        }
    }

    #[test]
    fn subjects_pick_the_message_type() {
        for (subject, choice) in [
            (None, Choice::Message("unexpectedProblem")),
            (
                Some("Your parcel is delayed"),
                Choice::Message("confirmDeliveryDetails"),
            ),
            (
                Some("[confirmOrderDetails] Size"),
                Choice::Message("confirmOrderDetails"),
            ),
            (Some("[warranty]"), Choice::Message("warranty")),
            (
                Some("Engraving text"),
                Choice::Message("confirmCustomizationDetails"),
            ),
            (Some("Review request"), Choice::Solicitation),
            (
                Some("[productReviewAndSellerFeedback]"),
                Choice::Solicitation,
            ),
            (
                Some("About your damaged mug"),
                Choice::Message("unexpectedProblem"),
            ),
        ] {
            assert_eq!(choose(&spec(subject)), choice, "{subject:?}");
        }
    }

    #[test]
    fn hal_action_names_are_read_from_links_and_embedded() {
        let v = json::parse(
            br#"{"_links":{"actions":[{"name":"a"}]},"_embedded":{"actions":[{"_links":{"self":{"name":"b"}}},{"_links":{"self":{"name":"a"}}}]}}"#,
        )
        .unwrap();
        assert_eq!(action_names(&v), ["a", "b"]);
    }
}
