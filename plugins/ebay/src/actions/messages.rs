//! Messages to the buyer: inside a return or inquiry (Post-Order `send_message`), else
//! through the Message API, by conversation, by buyer and listing, or by the order's buyer
//! and first listing.

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, MessageSpec};
use serde_json::json;

use super::{done, not_supported, path_id, unexpected};
use crate::api::{Api, Service};
use crate::case_id::CaseRef;
use crate::normalize::orders;

/// The Message API's limit on `messageText`.
const MESSAGE_LIMIT: usize = 2000;

/// Send the message.
pub(super) fn execute(
    api: &Api<'_>,
    action: &Action,
    case: Option<&CaseRef>,
    spec: &MessageSpec,
) -> Result<ActionOutcome, ActionError> {
    let text = spec.body.trim();
    if text.is_empty() {
        return Err(ActionError::Permanent("the message has no text".into()));
    }
    let length = text.chars().count();
    match case {
        Some(CaseRef::Return(id)) | Some(CaseRef::Inquiry(id)) => {
            let kind = if matches!(case, Some(CaseRef::Return(_))) {
                "return"
            } else {
                "inquiry"
            };
            let id = path_id(id)?;
            let body = json!({ "message": { "content": text } });
            api.call(
                Service::PostOrder,
                "POST",
                &format!("/{kind}/{id}/send_message"),
                Some(&body),
            )?;
            return Ok(done(
                Some(format!("{kind}:{id}")),
                format!("Message sent in {kind} {id}"),
            ));
        }
        _ if length > MESSAGE_LIMIT => {
            return Err(ActionError::Permanent(format!(
                "eBay's Message API takes at most {MESSAGE_LIMIT} characters; this message has {length}"
            )));
        }
        _ => {}
    }
    let body = match case {
        Some(CaseRef::Conversation(id)) => json!({ "conversationId": id, "messageText": text }),
        Some(CaseRef::Message { buyer, item }) => to_buyer(buyer, item, text),
        _ => match action.order_id.as_deref().filter(|o| !o.is_empty()) {
            Some(order) => {
                let value = api.call(
                    Service::Fulfillment,
                    "GET",
                    &format!("/order/{}", path_id(order)?),
                    None,
                )?;
                let (_, customer) =
                    orders::context(&value).map_err(|e| ActionError::Permanent(e.0))?;
                let buyer = customer
                    .and_then(|c| c.id)
                    .ok_or_else(|| unexpected(&format!("GET order/{order}"), "buyer.username"))?;
                let item = json::id_at(&value, "/lineItems/0/legacyItemId").ok_or_else(|| {
                    unexpected(&format!("GET order/{order}"), "lineItems.legacyItemId")
                })?;
                to_buyer(&buyer, &item, text)
            }
            None => {
                return Ok(not_supported(&format!(
                    "there is no eBay conversation to message in {}; reply in Seller Hub",
                    case.map(CaseRef::describe)
                        .unwrap_or_else(|| "this ticket".into())
                )));
            }
        },
    };
    let answer = api.call(Service::Message, "POST", "/send_message", Some(&body))?;
    Ok(done(
        json::id_at(&answer, "/messageId").or_else(|| json::id_at(&answer, "/conversationId")),
        "Message sent through eBay's Message API".into(),
    ))
}

/// `{otherPartyUsername, messageText, reference: LISTING, emailCopyToSender: false}`.
fn to_buyer(buyer: &str, item: &str, text: &str) -> Value {
    json!({
        "otherPartyUsername": buyer,
        "messageText": text,
        "reference": { "referenceType": "LISTING", "referenceId": item },
        "emailCopyToSender": false,
    })
}

/// A return message is found in the return's history; other channels cannot be read back.
pub(super) fn reconcile(
    api: &Api<'_>,
    case: Option<&CaseRef>,
    spec: &MessageSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    let Some(CaseRef::Return(id)) = case else {
        return Ok(None);
    };
    let value = api.call(
        Service::PostOrder,
        "GET",
        &format!("/return/{}", path_id(id)?),
        None,
    )?;
    let detail = value.get("detail").unwrap_or(&value);
    let sent = detail
        .get("responseHistory")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|h| {
            json::str_at(h, "/author").is_some_and(|a| a.eq_ignore_ascii_case("SELLER"))
                && json::str_at(h, "/notes").is_some_and(|n| n.trim() == spec.body.trim())
        });
    Ok(sent.then(|| {
        done(
            Some(format!("return:{id}")),
            format!("Message already in return {id}"),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_support::fixture;

    #[test]
    fn a_listing_message_has_ebays_shape() {
        assert_eq!(
            to_buyer(
                "example_buyer",
                "100000000000",
                "Your refund has been issued."
            ),
            fixture("schema-derived/commerce_message_send_message.request.json")
        );
    }
}
