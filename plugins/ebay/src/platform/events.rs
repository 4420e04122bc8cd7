//! Verified Platform Notifications → ticket events: return events, eBay Buyer Protection
//! case events, buyer questions and feedback.
//!
//! The samples eBay publishes for return events carry `ReturnId`, `CreationDate`,
//! `OtherPartyId`, `OtherPartyRole`, two `ReturnStatus` elements (the first holds a
//! timestamp) and `ReturnGlobalId`. The other events are read by the element names of the
//! Trading and Resolution Case Management calls whose data they repeat (`GetMemberMessages`,
//! `GetFeedback`, `getEBPCaseDetail`).

use helloword_sdk::types::{IssueKind, Reason, TicketEvent, Timestamp};

use super::xml::Element;
use crate::case_id::CaseRef;
use crate::normalize::{Origin, attribute, buyer, cases, returns};
use crate::payload::humanize;

/// Every event name this connector turns into events.
pub const EVENTS: &[&str] = &[
    "ReturnCreated",
    "ReturnShipped",
    "ReturnDelivered",
    "ReturnClosed",
    "ReturnEscalated",
    "ReturnWaitingForSellerInfo",
    "ReturnRefundOverdue",
    "ReturnSellerInfoOverdue",
    "EBPMyResponseDue",
    "EBPOtherPartyResponseDue",
    "EBPEscalatedCase",
    "EBPAppealedCase",
    "EBPClosedCase",
    "EBPClosedAppeal",
    "EBPOnHoldCase",
    "EBPMyPaymentDue",
    "EBPPaymentDone",
    "AskSellerQuestion",
    "Feedback",
    "FeedbackReceived",
];

/// Events for notification `name` with SOAP body `body`; `None` for an event this
/// connector does not handle.
pub fn normalize(
    shop: &str,
    name: &str,
    body: &Element,
) -> Result<Option<Vec<TicketEvent>>, String> {
    let origin = Origin {
        shop: shop.to_string(),
        source: "platform_notification",
        topic: name.to_string(),
        delivery: None,
    };
    let events = if let Some(phase) = returns::phase_of_event(name) {
        vec![return_event(&origin, phase, body)?]
    } else if let Some(phase) = cases::phase_of_event(name) {
        vec![case_event(&origin, phase, body)?]
    } else {
        match name {
            "AskSellerQuestion" => vec![question(&origin, body)?],
            "Feedback" | "FeedbackReceived" => feedback(&origin, body)?,
            _ => return Ok(None),
        }
    };
    Ok(Some(events))
}

fn time(text: Option<String>) -> Option<Timestamp> {
    text.and_then(|t| Timestamp::parse(&t).ok())
}

fn first_text(e: &Element, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| e.text_of(n))
}

/// A return event.
fn return_event(origin: &Origin, phase: &str, body: &Element) -> Result<TicketEvent, String> {
    let n = body.find("NotificationEvent").unwrap_or(body);
    let id = n
        .text_of("ReturnId")
        .ok_or_else(|| format!("{} notification has no ReturnId", origin.topic))?;
    let mut statuses = Vec::new();
    n.find_all("ReturnStatus", &mut statuses);
    let values: Vec<String> = statuses.iter().filter_map(|s| s.value()).collect();
    // eBay's template has a timestamp in the first ReturnStatus and the state in the second.
    let state = values
        .iter()
        .rev()
        .find(|v| Timestamp::parse(v).is_err())
        .cloned();
    let status_at = values.iter().find_map(|v| Timestamp::parse(v).ok());
    let mut event = origin.event(
        returns::kind(phase),
        &CaseRef::Return(id.clone()),
        phase,
        returns::headline(phase),
    );
    let created = time(n.text_of("CreationDate"));
    event.status = state;
    event.occurred_at = status_at.or(created);
    let global_id = n.text_of("ReturnGlobalId");
    let other_is_buyer = n
        .text_of("OtherPartyRole")
        .is_some_and(|r| r.eq_ignore_ascii_case("BUYER"));
    event.customer = buyer(
        n.text_of("OtherPartyId").filter(|_| other_is_buyer),
        global_id.as_deref(),
    );
    attribute(&mut event, "return_id", Some(id));
    attribute(
        &mut event,
        "recipient_user_id",
        n.text_of("RecipientUserID"),
    );
    attribute(&mut event, "return_global_id", global_id);
    attribute(
        &mut event,
        "return_created_at",
        created.map(|t| t.to_rfc3339()),
    );
    attribute(
        &mut event,
        "return_status_at",
        status_at.map(|t| t.to_rfc3339()),
    );
    Ok(event)
}

/// An eBay Buyer Protection case event.
fn case_event(origin: &Origin, phase: &str, body: &Element) -> Result<TicketEvent, String> {
    let case_el = body.find("caseId").or_else(|| body.find("CaseID"));
    let id = case_el
        .and_then(|c| c.text_of("id").or_else(|| c.value()))
        .ok_or_else(|| format!("{} notification has no caseId", origin.topic))?;
    let case_type = case_el
        .and_then(|c| c.text_of("type"))
        .or_else(|| first_text(body, &["caseType", "CaseType"]));
    let mut summary = format!("eBay case {}", phase.replace('_', " "));
    if let Some(t) = &case_type {
        summary.push_str(&format!(": {}", humanize(t)));
    }
    let mut event = origin.event(
        IssueKind::AToZClaim,
        &CaseRef::Case(id.clone()),
        phase,
        summary,
    );
    event.status = body.find("status").and_then(|s| {
        s.children
            .first()
            .and_then(Element::value)
            .or_else(|| s.value())
    });
    event.platform_deadline = time(first_text(body, &["respondByDate", "RespondByDate"]));
    event.occurred_at = time(first_text(body, &["lastModifiedDate", "creationDate"]));
    if let Some(amount) = body.find("caseAmount")
        && let (Some(value), Some(currency)) = (amount.value(), amount.attr("currencyId"))
    {
        event.amount = helloword_sdk::types::Money::parse(&value, currency).ok();
    }
    event.reason = case_type.clone().map(|code| Reason {
        code,
        network_code: None,
        text: None,
    });
    let other = body.find("otherParty");
    let other_is_buyer = other
        .and_then(|o| o.text_of("role"))
        .is_none_or(|r| r.eq_ignore_ascii_case("BUYER"));
    event.customer = buyer(
        other
            .and_then(|o| o.text_of("userId"))
            .filter(|_| other_is_buyer),
        None,
    );
    attribute(&mut event, "case_id", Some(id));
    attribute(&mut event, "case_type", case_type);
    attribute(
        &mut event,
        "item_id",
        first_text(body, &["itemId", "ItemID"]),
    );
    attribute(
        &mut event,
        "transaction_id",
        first_text(body, &["transactionId", "TransactionID"]),
    );
    Ok(event)
}

/// `AskSellerQuestion`: a buyer asked about a listing.
fn question(origin: &Origin, body: &Element) -> Result<TicketEvent, String> {
    let exchange = body.find("MemberMessageExchange").unwrap_or(body);
    let q = exchange
        .find("Question")
        .ok_or("AskSellerQuestion notification has no Question")?;
    let message_id = q
        .text_of("MessageID")
        .ok_or("AskSellerQuestion notification has no Question.MessageID")?;
    let sender = q
        .text_of("SenderID")
        .ok_or("AskSellerQuestion notification has no Question.SenderID")?;
    let item = exchange
        .find("Item")
        .and_then(|i| i.text_of("ItemID"))
        .or_else(|| exchange.text_of("ItemID"))
        .ok_or("AskSellerQuestion notification has no Item.ItemID")?;
    let subject = q.text_of("Subject");
    let case = CaseRef::Message {
        buyer: sender.clone(),
        item: item.clone(),
    };
    let summary = match &subject {
        Some(s) => format!("Buyer question: {s}"),
        None => "Buyer question".to_string(),
    };
    let mut event = origin.event(
        IssueKind::BuyerMessage,
        &case,
        &format!("message:{message_id}"),
        summary,
    );
    event.buyer_text = q.text_of("Body");
    event.customer = buyer(Some(sender), None);
    event.occurred_at = time(exchange.text_of("CreationDate"));
    attribute(&mut event, "message_id", Some(message_id));
    attribute(&mut event, "item_id", Some(item));
    attribute(
        &mut event,
        "item_title",
        exchange.find("Item").and_then(|i| i.text_of("Title")),
    );
    attribute(&mut event, "question_type", q.text_of("QuestionType"));
    attribute(
        &mut event,
        "message_status",
        exchange.text_of("MessageStatus"),
    );
    Ok(event)
}

/// `Feedback` / `FeedbackReceived`: negative and neutral feedback the seller received.
fn feedback(origin: &Origin, body: &Element) -> Result<Vec<TicketEvent>, String> {
    let mut details = Vec::new();
    body.find_all("FeedbackDetail", &mut details);
    let mut events = Vec::new();
    for d in details {
        // `Role` is the role of the member who received the feedback.
        if d.text_of("Role")
            .is_some_and(|r| !r.eq_ignore_ascii_case("Seller"))
        {
            continue;
        }
        let comment_type = d
            .text_of("CommentType")
            .unwrap_or_default()
            .to_ascii_uppercase();
        let stars = match comment_type.as_str() {
            "NEGATIVE" => 1,
            "NEUTRAL" => 3,
            _ => continue,
        };
        let id = d
            .text_of("FeedbackID")
            .ok_or("FeedbackDetail has no FeedbackID")?;
        let headline = format!(
            "{}{} feedback received",
            &comment_type[..1],
            comment_type[1..].to_ascii_lowercase()
        );
        let mut event = origin.event(
            IssueKind::NegativeReview,
            &CaseRef::Feedback(id.clone()),
            &comment_type.to_ascii_lowercase(),
            headline,
        );
        event.rating = Some(stars);
        event.buyer_text = d.text_of("CommentText");
        event.reason = Some(Reason {
            code: comment_type.clone(),
            network_code: None,
            text: None,
        });
        event.customer = buyer(d.text_of("CommentingUser"), None);
        event.occurred_at = time(d.text_of("CommentTime"));
        attribute(&mut event, "feedback_id", Some(id));
        attribute(&mut event, "item_id", d.text_of("ItemID"));
        attribute(&mut event, "transaction_id", d.text_of("TransactionID"));
        attribute(
            &mut event,
            "order_line_item_id",
            d.text_of("OrderLineItemID"),
        );
        attribute(&mut event, "item_title", d.text_of("ItemTitle"));
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::super::xml::parse;
    use super::*;
    use crate::normalize::test_support::attr;

    fn body(xml: &str) -> Element {
        parse(xml).unwrap().find("Body").cloned().unwrap()
    }

    #[test]
    fn an_ebp_case_event_reads_id_type_deadline_and_amount() {
        let b = body(
            r#"<Envelope><Body><GetEBPCaseDetailResponse><caseSummary>
            <caseId><id>5012345678</id><type>EBP_INR</type></caseId>
            <otherParty><userId>buyer_9</userId><role>BUYER</role></otherParty>
            <status><EBPINRStatus>WAITING_SELLER_RESPONSE</EBPINRStatus></status>
            <caseAmount currencyId="EUR">19.90</caseAmount>
            <respondByDate>2026-05-04T10:00:00.000Z</respondByDate>
            </caseSummary></GetEBPCaseDetailResponse></Body></Envelope>"#,
        );
        let events = normalize("s", "EBPMyResponseDue", &b).unwrap().unwrap();
        let e = &events[0];
        assert_eq!(e.kind, IssueKind::AToZClaim);
        assert_eq!(e.dedupe.business, "case:5012345678:seller_response_due");
        assert_eq!(e.status.as_deref(), Some("WAITING_SELLER_RESPONSE"));
        assert_eq!(e.amount.as_ref().map(|m| m.minor_units), Some(1990));
        assert!(e.platform_deadline.is_some());
        assert_eq!(e.customer.as_ref().unwrap().id.as_deref(), Some("buyer_9"));
        assert_eq!(attr(e, "case_type"), Some("EBP_INR"));
    }

    #[test]
    fn a_question_is_a_buyer_message_on_the_buyer_and_listing() {
        let b = body(
            r#"<Envelope><Body><GetMemberMessagesResponse><MemberMessage><MemberMessageExchange>
            <Item><ItemID>110000000001</ItemID><Title>Lamp</Title></Item>
            <Question><MessageType>AskSellerQuestion</MessageType><QuestionType>Shipping</QuestionType>
            <SenderID>buyer_1</SenderID><Subject>When does it ship?</Subject><Body>Need it by Friday</Body>
            <MessageID>900001</MessageID></Question>
            <CreationDate>2026-04-01T09:00:00.000Z</CreationDate></MemberMessageExchange></MemberMessage>
            </GetMemberMessagesResponse></Body></Envelope>"#,
        );
        let e = &normalize("s", "AskSellerQuestion", &b).unwrap().unwrap()[0];
        assert_eq!(e.kind, IssueKind::BuyerMessage);
        assert_eq!(e.case_id.as_deref(), Some("message:buyer_1:110000000001"));
        assert_eq!(
            e.dedupe.business,
            "message:buyer_1:110000000001:message:900001"
        );
        assert_eq!(e.buyer_text.as_deref(), Some("Need it by Friday"));
        assert_eq!(e.summary, "Buyer question: When does it ship?");
    }

    #[test]
    fn only_negative_and_neutral_feedback_received_as_seller_count() {
        let b = body(
            r#"<Envelope><Body><GetFeedbackResponse><FeedbackDetailArray>
            <FeedbackDetail><CommentingUser>b1</CommentingUser><CommentText>Broken</CommentText>
              <CommentType>Negative</CommentType><FeedbackID>71</FeedbackID><Role>Seller</Role></FeedbackDetail>
            <FeedbackDetail><CommentingUser>b2</CommentingUser><CommentType>Positive</CommentType>
              <FeedbackID>72</FeedbackID><Role>Seller</Role></FeedbackDetail>
            <FeedbackDetail><CommentingUser>s</CommentingUser><CommentType>Neutral</CommentType>
              <FeedbackID>73</FeedbackID><Role>Buyer</Role></FeedbackDetail>
            </FeedbackDetailArray></GetFeedbackResponse></Body></Envelope>"#,
        );
        let events = normalize("s", "FeedbackReceived", &b).unwrap().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].rating, Some(1));
        assert_eq!(events[0].dedupe.business, "feedback:71:negative");
        assert_eq!(events[0].summary, "Negative feedback received");
    }

    #[test]
    fn other_events_are_not_handled() {
        let b = body("<Envelope><Body><X/></Body></Envelope>");
        assert_eq!(normalize("s", "FeedbackLeft", &b).unwrap(), None);
    }
}
