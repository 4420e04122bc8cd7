//! Verified Commerce Notification API messages → ticket events.
//!
//! Envelope: `{"metadata": {"topic", …}, "notification": {"notificationId", "eventDate",
//! "publishDate", "publishAttemptCount", "data": {…}}}`. `notificationId` is the delivery key
//! (a redelivery repeats it) and the business key of one-off events.
//!
//! Only `MARKETPLACE_ACCOUNT_DELETION` has a published sample. The `data` of the feedback
//! and message topics is read by the field names of eBay's Feedback and Message APIs, and
//! every field is optional.

use helloword_sdk::json::Value;
use helloword_sdk::types::{Customer, IssueKind, Reason, TicketEvent};

use super::super::normalize::{Origin, attribute, buyer};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError};

/// Topics that become events.
pub const TOPICS: &[&str] = &[
    "MARKETPLACE_ACCOUNT_DELETION",
    "AUTHORIZATION_REVOCATION",
    "FEEDBACK_RECEIVED",
    "BUYER_QUESTION",
    "NEW_MESSAGE",
];

/// Whether `topic` is one of [`TOPICS`].
pub fn handles(topic: &str) -> bool {
    TOPICS.contains(&topic)
}

/// The topic of a message, from `metadata.topic`.
pub fn topic(body: &Value) -> Option<String> {
    Payload::new("notification", body).text("/metadata/topic")
}

/// Normalize a verified message of a topic in [`TOPICS`].
pub fn normalize(shop: &str, body: &Value) -> Result<Vec<TicketEvent>, PayloadError> {
    let topic = topic(body).unwrap_or_default();
    let envelope = Payload::new(&topic, body);
    let id = envelope.required_id("/notification/notificationId")?;
    let origin = Origin {
        shop: shop.to_string(),
        source: "notification",
        topic: topic.clone(),
        delivery: Some(id.clone()),
    };
    let data = envelope
        .object("/notification/data")
        .ok_or_else(|| envelope.error("/notification/data", "is missing"))?;
    let mut event = match topic.as_str() {
        "MARKETPLACE_ACCOUNT_DELETION" => account_deletion(&origin, &id, &data)?,
        "AUTHORIZATION_REVOCATION" => revocation(&origin, &id, &data),
        "FEEDBACK_RECEIVED" => match feedback(&origin, &id, &data)? {
            Some(event) => event,
            None => return Ok(Vec::new()),
        },
        _ => match message(&origin, &id, &data)? {
            Some(event) => event,
            None => return Ok(Vec::new()),
        },
    };
    if event.occurred_at.is_none() {
        event.occurred_at = envelope.time("/notification/eventDate")?;
    }
    attribute(&mut event, "notification_id", Some(id));
    attribute(
        &mut event,
        "publish_attempt_count",
        envelope.id("/notification/publishAttemptCount"),
    );
    Ok(vec![event])
}

/// `MARKETPLACE_ACCOUNT_DELETION`: erase the user. The attributes follow the host's
/// privacy convention (`privacy_action = erase_customer`).
fn account_deletion(
    origin: &Origin,
    id: &str,
    data: &Payload<'_>,
) -> Result<TicketEvent, PayloadError> {
    let user_id = data.required_id("/userId")?;
    let username = data.text("/username");
    let case = CaseRef::Privacy(user_id.clone());
    let summary = format!("Privacy: erase the data of eBay user {user_id} (account deleted)");
    // Each notification is its own request, with its own one-month deadline.
    let mut event = origin.event(IssueKind::PrivacyRequest, &case, id, summary);
    event.dedupe.business = format!("account_deletion:{id}");
    event.customer = Some(Customer {
        id: Some(user_id.clone()),
        name: None,
        email: None,
        country: None,
        preferred_locale: None,
        vip: false,
    });
    attribute(&mut event, "privacy_action", Some("erase_customer".into()));
    attribute(&mut event, "customer_id", Some(user_id));
    attribute(&mut event, "customer_username", username);
    attribute(&mut event, "eias_token", data.text("/eiasToken"));
    Ok(event)
}

/// `AUTHORIZATION_REVOCATION`: the user withdrew the application's access; polling and
/// actions fail until the seller authorizes again.
fn revocation(origin: &Origin, id: &str, data: &Payload<'_>) -> TicketEvent {
    let user = data
        .first_text(&["/username", "/userId"])
        .unwrap_or_else(|| "the seller".into());
    let mut event = origin.plain(
        IssueKind::AccountHealth,
        format!("authorization_revocation:{id}"),
        format!(
            "eBay access revoked by {user}: polling and actions stop until the seller \
             authorizes the application again"
        ),
    );
    attribute(&mut event, "user_id", data.id("/userId"));
    attribute(&mut event, "username", data.text("/username"));
    event
}

/// `FEEDBACK_RECEIVED`: a negative or neutral rating opens a case; positive feedback is
/// recorded as nothing.
fn feedback(
    origin: &Origin,
    id: &str,
    data: &Payload<'_>,
) -> Result<Option<TicketEvent>, PayloadError> {
    let rating = data
        .first_text(&["/commentType", "/feedbackRating", "/rating"])
        .map(|r| r.to_ascii_uppercase());
    let stars = match rating.as_deref() {
        Some("NEGATIVE") => 1,
        Some("NEUTRAL") => 3,
        Some("POSITIVE") => return Ok(None),
        _ => {
            return Err(data.error(
                "/commentType",
                "is missing or not POSITIVE, NEUTRAL or NEGATIVE",
            ));
        }
    };
    let feedback_id = data.id("/feedbackId").unwrap_or_else(|| id.to_string());
    let case = CaseRef::Feedback(feedback_id.clone());
    let rating = rating.unwrap_or_default();
    let mut event = origin.event(
        IssueKind::NegativeReview,
        &case,
        &rating.to_ascii_lowercase(),
        format!("{} feedback received", title_case(&rating)),
    );
    event.rating = Some(stars);
    event.buyer_text = data.first_text(&["/commentText", "/feedbackComment/commentText"]);
    event.reason = Some(Reason {
        code: rating,
        network_code: None,
        text: None,
    });
    event.customer = buyer(
        data.first_text(&["/commentingUser", "/providerUsername", "/buyerUsername"]),
        None,
    );
    event.occurred_at = data.time("/feedbackEnteredDate")?;
    attribute(&mut event, "feedback_id", Some(feedback_id));
    attribute(
        &mut event,
        "item_id",
        data.first_text(&["/listingId", "/itemId"]),
    );
    attribute(
        &mut event,
        "order_line_item_id",
        data.id("/orderLineItemId"),
    );
    Ok(Some(event))
}

/// `BUYER_QUESTION` and `NEW_MESSAGE`: a buyer wrote. Messages the seller sent are not
/// cases.
fn message(
    origin: &Origin,
    id: &str,
    data: &Payload<'_>,
) -> Result<Option<TicketEvent>, PayloadError> {
    let sender = data.first_text(&["/senderUsername", "/sender", "/username", "/buyerUsername"]);
    if sender
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(&origin.shop))
    {
        return Ok(None);
    }
    let item = data.first_text(&["/itemId", "/listingId", "/referenceId"]);
    let case = match (data.id("/conversationId"), &sender, &item) {
        (Some(conversation), ..) => CaseRef::Conversation(conversation),
        (None, Some(buyer), Some(item)) => CaseRef::Message {
            buyer: buyer.clone(),
            item: item.clone(),
        },
        _ => CaseRef::Conversation(id.to_string()),
    };
    let message_id = data.id("/messageId").unwrap_or_else(|| id.to_string());
    let subject = data.text("/subject");
    let what = if origin.topic == "BUYER_QUESTION" {
        "Buyer question"
    } else {
        "New buyer message"
    };
    let summary = match &subject {
        Some(s) => format!("{what}: {s}"),
        None => what.to_string(),
    };
    let mut event = origin.event(
        IssueKind::BuyerMessage,
        &case,
        &format!("message:{message_id}"),
        summary,
    );
    event.buyer_text = data.first_text(&["/messageBody", "/messageText", "/body", "/question"]);
    event.customer = buyer(sender, None);
    event.occurred_at = data.time("/createdDate")?;
    attribute(&mut event, "message_id", Some(message_id));
    attribute(&mut event, "item_id", item);
    Ok(Some(event))
}

fn title_case(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_support::{attr, fixture};

    #[test]
    fn an_account_deletion_is_an_erasure_request() {
        let body = fixture("commerce_notification/marketplace_account_deletion.message.json");
        let events = normalize("example_seller", &body).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.kind, IssueKind::PrivacyRequest);
        let id = "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d";
        assert_eq!(e.dedupe.business, format!("account_deletion:{id}"));
        assert_eq!(e.dedupe.delivery.as_deref(), Some(id));
        assert_eq!(e.case_id.as_deref(), Some("privacy:ma8vp1jySJC"));
        assert_eq!(
            e.customer.as_ref().unwrap().id.as_deref(),
            Some("ma8vp1jySJC")
        );
        assert_eq!(attr(e, "privacy_action"), Some("erase_customer"));
        assert_eq!(attr(e, "customer_id"), Some("ma8vp1jySJC"));
        assert_eq!(attr(e, "customer_username"), Some("test_user"));
        assert_eq!(
            attr(e, "eias_token"),
            Some("nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZGEpwmdj6x9nY+seQ==")
        );
        assert_eq!(
            e.occurred_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-03-19T20:43:59.462Z")
        );
    }

    #[test]
    fn feedback_opens_a_case_only_when_it_is_not_positive() {
        let body = |rating: &str| {
            helloword_sdk::json::parse(format!(
                r#"{{"metadata": {{"topic": "FEEDBACK_RECEIVED"}}, "notification": {{"notificationId": "n1",
                   "data": {{"feedbackId": "f1", "commentType": "{rating}", "commentText": "Slow", "commentingUser": "b1"}}}}}}"#
            ).as_bytes()).unwrap()
        };
        let events = normalize("s", &body("NEGATIVE")).unwrap();
        assert_eq!(events[0].kind, IssueKind::NegativeReview);
        assert_eq!(events[0].rating, Some(1));
        assert_eq!(events[0].dedupe.business, "feedback:f1:negative");
        assert_eq!(events[0].buyer_text.as_deref(), Some("Slow"));
        assert!(normalize("s", &body("POSITIVE")).unwrap().is_empty());
        assert!(
            normalize("s", &body("GREAT"))
                .unwrap_err()
                .0
                .contains("`commentType`")
        );
    }

    #[test]
    fn a_buyer_message_is_keyed_by_its_conversation_and_own_messages_are_skipped() {
        let body = |sender: &str| {
            helloword_sdk::json::parse(format!(
                r#"{{"metadata": {{"topic": "NEW_MESSAGE"}}, "notification": {{"notificationId": "n2",
                   "data": {{"conversationId": "c9", "messageId": "m1", "senderUsername": "{sender}", "messageBody": "Where is it?"}}}}}}"#
            ).as_bytes()).unwrap()
        };
        let events = normalize("example_seller", &body("b1")).unwrap();
        assert_eq!(events[0].case_id.as_deref(), Some("conversation:c9"));
        assert_eq!(events[0].dedupe.business, "conversation:c9:message:m1");
        assert_eq!(events[0].buyer_text.as_deref(), Some("Where is it?"));
        assert!(
            normalize("example_seller", &body("example_seller"))
                .unwrap()
                .is_empty()
        );
    }
}
