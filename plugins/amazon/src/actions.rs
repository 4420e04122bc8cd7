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
//!
//! **Answers by e-mail.** When the buyer wrote by e-mail (the ticket's event carried
//! `reply.to`, the buyer's relay address, see [`crate::relay`]), a message answers in that
//! thread through the seller's SMTP server instead: from `seller_email` (the address
//! registered in Seller Central, else Amazon drops it) to the relay address, subject
//! `Re: <the buyer's subject>` with the order id kept in it, `In-Reply-To` the buyer's
//! Message-ID. A review request still goes through the Solicitations API. Sent mail cannot
//! be read back, so these answers are not reconciled.

use helloword_sdk::connector::mail;
use helloword_sdk::json::{self, Value};
use helloword_sdk::mail::{one_line, strip_reply_prefixes};
use helloword_sdk::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, MessageSpec,
};
use serde_json::json;

use crate::io::{Crypto, Mailbox};
use crate::mailbox;
use crate::relay;
use crate::settings::{Settings, WHERE};
use crate::spapi::{SpApi, encode};

/// The Solicitations API's only action.
const REVIEW_REQUEST: &str = "productReviewAndSellerFeedback";

/// Whether `action` calls Amazon (and so needs the LWA token).
pub fn calls_amazon(action: &Action) -> bool {
    match &action.kind {
        ActionKind::Message(spec) => !by_email(action, spec),
        _ => false,
    }
}

/// The value of `name` in the action's reply context, trimmed, if not empty.
fn reply_value<'a>(action: &'a Action, name: &str) -> Option<&'a str> {
    action
        .reply_context
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether a message answers by e-mail: the buyer wrote by e-mail, and it is no review
/// request.
fn by_email(action: &Action, spec: &MessageSpec) -> bool {
    reply_value(action, "to").is_some() && choose(spec) != Choice::Solicitation
}

/// Carry out `action`: through the SP-API, or for an answer by e-mail through `mail`.
pub fn execute(
    api: &SpApi<'_>,
    mail: &dyn Mailbox,
    crypto: &dyn Crypto,
    action: &Action,
) -> Result<ActionOutcome, ActionError> {
    match &action.kind {
        ActionKind::Message(spec) if by_email(action, spec) => {
            reply_by_email(mail, crypto, api.settings(), action, spec)
        }
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

/// Answer the buyer's e-mail in its thread through the seller's SMTP server.
fn reply_by_email(
    mailer: &dyn Mailbox,
    crypto: &dyn Crypto,
    settings: &Settings,
    action: &Action,
    spec: &MessageSpec,
) -> Result<ActionOutcome, ActionError> {
    let to = reply_value(action, "to").unwrap_or_default();
    let (smtp, from) = match (&settings.smtp, &settings.seller_email) {
        (Some(smtp), Some(from)) => (smtp, from),
        (None, _) => {
            return Err(ActionError::Misconfigured(format!(
                "the buyer wrote by e-mail (answer to {to}), but config `smtp_host` is not set: \
                 set `smtp_host`, and `seller_email` to the address registered in Seller \
                 Central, {WHERE}, to answer by e-mail"
            )));
        }
        (Some(_), None) => {
            return Err(ActionError::Misconfigured(format!(
                "config `seller_email` is not set: e-mail answers to buyers must come from the \
                 address registered in Seller Central, or Amazon drops them; set it {WHERE}"
            )));
        }
    };
    if !relay::is_relay_address(to) {
        return Err(ActionError::Permanent(format!(
            "the reply context's `to` = {to:?} is not an Amazon relay address \
             (…@marketplace.amazon.<store>); the connector writes to buyers only through Amazon"
        )));
    }
    let text = spec.body.trim_end();
    if text.trim().is_empty() {
        return Ok(rejected(
            "an e-mail answer needs text, and this one is empty".into(),
        ));
    }
    let order = action
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .or_else(|| reply_value(action, "subject").and_then(relay::order_id));
    let subject = reply_subject(
        reply_value(action, "subject").or(spec.subject.as_deref()),
        order.as_deref(),
    );
    let server = mailbox::smtp_server(smtp, crypto)?;
    let outgoing = mail::Outgoing {
        from: from.clone(),
        to: vec![to.to_string()],
        subject,
        text: text.to_string(),
        in_reply_to: reply_value(action, "message-id").map(str::to_string),
        attachments: Vec::new(),
    };
    let id = mailer
        .send(&server, &outgoing)
        .map_err(|e| mailbox::send_error(e, &server, from))?;
    Ok(ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: Some(id.clone()),
        amount: None,
        detail: format!(
            "Answered the buyer's e-mail{} through {} (Message-ID {id})",
            order
                .as_deref()
                .map(|o| format!(" about order {o}"))
                .unwrap_or_default(),
            server.host
        ),
    })
}

/// `Re: <subject>` once, on one line, with the order id in it.
fn reply_subject(subject: Option<&str>, order: Option<&str>) -> String {
    let subject = one_line(subject.unwrap_or_default());
    let rest = strip_reply_prefixes(&subject);
    let mut out = match (rest.is_empty(), order) {
        (false, _) => format!("Re: {rest}"),
        (true, Some(order)) => format!("Re: Your Amazon order {order}"),
        (true, None) => "Re: Your message".to_string(),
    };
    if let Some(order) = order
        && !out.contains(order)
    {
        out.push_str(&format!(" (Order: {order})"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::{FakeCrypto, Script, ScriptedMailbox};
    use crate::settings::test_support::settings;

    const RELAY: &str = "q8x1z2v7m4k9p3t@marketplace.amazon.com";
    const ORDER: &str = "113-4567890-1234567";
    const PARENT: &str = "<0100018e0a1b2c3d-000000@email.amazonses.com>";

    fn smtp_settings() -> Settings {
        settings(&[
            ("mailbox_host", "imap.example-shop.com"),
            ("mailbox_username", "support@example-shop.com"),
            ("smtp_host", "smtp.example-shop.com"),
            ("seller_email", "support@example-shop.com"),
        ])
        .unwrap()
    }

    fn answer(subject: Option<&str>, reply: &[(&str, &str)]) -> Action {
        Action {
            idempotency_key: "ticket-7:action:2".into(),
            shop: "A3TH9S8BH6GOGM".into(),
            order_id: Some(ORDER.into()),
            case_id: Some(format!("message:{ORDER}")),
            kind: ActionKind::Message(MessageSpec {
                subject: subject.map(str::to_string),
                body: "Hello Jane,\n\nwe are sending a new mug today.\n".into(),
                language: "en".into(),
            }),
            reply_context: reply
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn thread() -> Vec<(&'static str, &'static str)> {
        vec![
            ("to", RELAY),
            ("message-id", PARENT),
            (
                "subject",
                "Item arrived damaged (Order: 113-4567890-1234567)",
            ),
        ]
    }

    fn run(
        settings: &Settings,
        crypto: &FakeCrypto,
        mailbox: &ScriptedMailbox,
        action: &Action,
    ) -> Result<ActionOutcome, ActionError> {
        let transport = Script::new(&[]);
        let got = execute(&SpApi::new(&transport, settings), mailbox, crypto, action);
        assert!(transport.sent.borrow().is_empty(), "no SP-API call");
        got
    }

    #[test]
    fn an_answer_to_an_e_mail_goes_out_by_smtp_in_the_buyers_thread() {
        let mailbox =
            ScriptedMailbox::new(Vec::new(), vec![Ok("<20260303.1@example-shop.com>".into())]);
        let crypto = FakeCrypto::with(&[("amazon_mailbox_password", "pw")]);
        let action = answer(Some("Your replacement"), &thread());
        assert!(!calls_amazon(&action), "no LWA token needed");
        let got = run(&smtp_settings(), &crypto, &mailbox, &action).unwrap();
        assert_eq!(got.status, ActionStatus::Done);
        assert_eq!(
            got.marketplace_ref.as_deref(),
            Some("<20260303.1@example-shop.com>")
        );
        assert_eq!(
            got.detail,
            "Answered the buyer's e-mail about order 113-4567890-1234567 through \
             smtp.example-shop.com (Message-ID <20260303.1@example-shop.com>)"
        );
        let sent = mailbox.sent.borrow();
        let (server, message) = &sent[0];
        assert_eq!(server.host, "smtp.example-shop.com");
        assert_eq!(server.port, 587);
        assert_eq!(server.security, mail::Security::Starttls);
        assert_eq!(server.username, "support@example-shop.com");
        assert_eq!(server.password_secret, "amazon_mailbox_password");
        assert_eq!(message.from, "support@example-shop.com");
        assert_eq!(message.to, [RELAY]);
        assert_eq!(
            message.subject,
            "Re: Item arrived damaged (Order: 113-4567890-1234567)"
        );
        assert_eq!(
            message.text,
            "Hello Jane,\n\nwe are sending a new mug today."
        );
        assert_eq!(message.in_reply_to.as_deref(), Some(PARENT));
        assert!(message.attachments.is_empty());
    }

    #[test]
    fn the_smtp_password_is_used_when_there_is_one() {
        let mailbox = ScriptedMailbox::new(Vec::new(), vec![Ok("<x@y>".into())]);
        let crypto = FakeCrypto::with(&[
            ("amazon_mailbox_password", "pw"),
            ("amazon_smtp_password", "smtp-pw"),
        ]);
        run(
            &smtp_settings(),
            &crypto,
            &mailbox,
            &answer(None, &thread()),
        )
        .unwrap();
        assert_eq!(
            mailbox.sent.borrow()[0].0.password_secret,
            "amazon_smtp_password"
        );
    }

    #[test]
    fn reply_subjects_say_re_once_and_keep_the_order() {
        for (subject, order, expected) in [
            (
                Some("RE: Re[2]: AW: Frage"),
                Some(ORDER),
                "Re: Frage (Order: 113-4567890-1234567)",
            ),
            (
                Some("Re: Delivery (Order: 113-4567890-1234567)"),
                Some(ORDER),
                "Re: Delivery (Order: 113-4567890-1234567)",
            ),
            (
                None,
                Some(ORDER),
                "Re: Your Amazon order 113-4567890-1234567",
            ),
            (Some("  "), None, "Re: Your message"),
            (Some("Order\r\nBcc: x"), None, "Re: Order  Bcc: x"),
            (Some("Rechnung: Mai"), None, "Re: Rechnung: Mai"),
        ] {
            assert_eq!(reply_subject(subject, order), expected, "{subject:?}");
        }
    }

    #[test]
    fn the_order_id_comes_from_the_buyers_subject_without_one_on_the_action() {
        let mailbox = ScriptedMailbox::new(Vec::new(), vec![Ok("<x@y>".into())]);
        let crypto = FakeCrypto::with(&[("amazon_mailbox_password", "pw")]);
        let mut action = answer(None, &thread());
        action.order_id = None;
        let got = run(&smtp_settings(), &crypto, &mailbox, &action).unwrap();
        assert!(got.detail.contains(ORDER), "{}", got.detail);
    }

    #[test]
    fn answering_by_e_mail_without_smtp_is_misconfigured() {
        let crypto = FakeCrypto::with(&[("amazon_mailbox_password", "pw")]);
        let mailbox = ScriptedMailbox::default();
        for (pairs, key) in [
            (vec![], "`smtp_host`"),
            (
                vec![
                    ("smtp_host", "smtp.example-shop.com"),
                    ("smtp_username", "u"),
                ],
                "`seller_email`",
            ),
        ] {
            let got = run(
                &settings(&pairs).unwrap(),
                &crypto,
                &mailbox,
                &answer(None, &thread()),
            );
            assert!(
                matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains(key)),
                "{got:?}"
            );
        }
        let got = run(
            &smtp_settings(),
            &FakeCrypto::with(&[]),
            &mailbox,
            &answer(None, &thread()),
        );
        assert!(
            matches!(&got, Err(ActionError::Misconfigured(m))
                if m.contains("`amazon_smtp_password`") && m.contains("`amazon_mailbox_password`")),
            "{got:?}"
        );
        assert!(mailbox.sent.borrow().is_empty());
    }

    #[test]
    fn answers_go_only_to_relay_addresses_and_need_text() {
        let crypto = FakeCrypto::with(&[("amazon_mailbox_password", "pw")]);
        let mailbox = ScriptedMailbox::default();
        let got = run(
            &smtp_settings(),
            &crypto,
            &mailbox,
            &answer(None, &[("to", "someone@gmail.com")]),
        );
        assert!(
            matches!(&got, Err(ActionError::Permanent(m)) if m.contains("relay address")),
            "{got:?}"
        );
        let mut blank = answer(None, &thread());
        if let ActionKind::Message(spec) = &mut blank.kind {
            spec.body = " \n ".into();
        }
        let got = run(&smtp_settings(), &crypto, &mailbox, &blank).unwrap();
        assert_eq!(got.status, ActionStatus::Rejected);
        assert!(mailbox.sent.borrow().is_empty());
    }

    #[test]
    fn smtp_failures_are_classified() {
        let crypto = FakeCrypto::with(&[("amazon_mailbox_password", "pw")]);
        for (error, kind, needle) in [
            (mail::MailError::Timeout, "transient", "did not answer"),
            (
                mail::MailError::Connection("connection refused".into()),
                "transient",
                "connection refused",
            ),
            (
                mail::MailError::AuthFailed("535 5.7.8".into()),
                "misconfigured",
                "`smtp_username`",
            ),
            (
                mail::MailError::HostNotGranted("smtp.example-shop.com:587".into()),
                "misconfigured",
                "`smtp_host`",
            ),
            (
                mail::MailError::InvalidRequest("sender".into()),
                "misconfigured",
                "`seller_email`",
            ),
            (
                mail::MailError::Rejected("550 5.7.1 sender not allowed".into()),
                "permanent",
                "550 5.7.1",
            ),
        ] {
            let mailbox = ScriptedMailbox::new(Vec::new(), vec![Err(error)]);
            let got = run(
                &smtp_settings(),
                &crypto,
                &mailbox,
                &answer(None, &thread()),
            );
            let (k, text) = match &got {
                Err(ActionError::Transient(t)) => ("transient", t),
                Err(ActionError::Permanent(t)) => ("permanent", t),
                Err(ActionError::Misconfigured(t)) => ("misconfigured", t),
                Ok(o) => panic!("{o:?}"),
            };
            assert_eq!(k, kind, "{text}");
            assert!(text.contains(needle), "{text}");
        }
    }

    #[test]
    fn without_a_relay_address_or_for_a_review_request_the_sp_api_is_used() {
        assert!(calls_amazon(&answer(None, &[])));
        assert!(calls_amazon(&answer(
            Some("[productReviewAndSellerFeedback]"),
            &thread()
        )));
        assert!(!calls_amazon(&answer(Some("About your mug"), &thread())));
    }

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
