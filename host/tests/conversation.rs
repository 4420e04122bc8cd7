//! The conversation, end to end on a gateway on loopback with the real Shopify connector:
//! what the buyer wrote on a return and on an order reaches the agent's API as messages of
//! the case (verbatim, in the language it was written in), a note every order update repeats
//! is one message, the order's updates join the case instead of opening tickets and show
//! as its order, a reply with no channel to the buyer is refused before it is queued, a
//! Shopify reply goes by e-mail to the order's buyer and their e-mail answer joins the case,
//! proactive care reaches the right buyers only, and the desk's search finds the case by
//! the buyer's words and the order's buyer.

mod common;

use std::time::Duration;

use common::gateway::{self, fixture};
use serde_json::{Value, json};

const ORDER: u64 = 5_550_000_001;
const RETURN_NOTE: &str =
    "Das Kleid ist leider viel zu klein ausgefallen, ich möchte es gerne zurückgeben.";
const ORDER_NOTE: &str = "Please leave the parcel with the neighbour at number 12, thank you!";

fn return_request() -> Vec<u8> {
    json!({
        "id": 8_880_000_001u64,
        "status": "requested",
        "order": {"id": ORDER},
        "total_return_line_items": 1,
        "return_line_items": [{
            "id": 3, "quantity": 1, "return_reason": "SIZE_TOO_SMALL",
            "return_reason_note": "", "customer_note": RETURN_NOTE,
            "fulfillment_line_item": {"line_item": {"id": 77, "sku": "DRESS-S",
                "name": "Dress - S", "quantity": 1, "price": "49.00"}}
        }]
    })
    .to_string()
    .into_bytes()
}

/// The `orders/updated` fixture as our order, at `version`, with the buyer's checkout note.
fn order_update(version: &str) -> Vec<u8> {
    let mut order: Value = serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["id"] = json!(ORDER);
    order["name"] = json!("#5501");
    order["note"] = json!(ORDER_NOTE);
    order["updated_at"] = json!(version);
    order.to_string().into_bytes()
}

async fn ticket(gw: &gateway::Running, id: u64) -> Value {
    let (status, body) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn search(gw: &gateway::Running, q: &str) -> Vec<u64> {
    let q: String = url_encode(q);
    let (status, body) = gw.api("GET", &format!("/api/tickets?q={q}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect()
}

fn url_encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyers_words_are_messages_of_the_case_and_replies_show_their_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway::start(dir.path()).await;
    assert_eq!(
        gw.deliver("returns/request", &return_request(), "conv-1")
            .await,
        200
    );
    // Every change of the order repeats its note.
    for (n, version) in ["2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"]
        .iter()
        .enumerate()
    {
        let id = format!("conv-order-{n}");
        assert_eq!(
            gw.deliver("orders/updated", &order_update(version), &id)
                .await,
            200
        );
    }
    gw.settled().await;
    // The order's updates are context: they join the return's case, no ticket of their own.
    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    let returned = queue[0].id;
    assert_eq!(
        queue[0].kind,
        helloword::plugin::bindings::types::IssueKind::ReturnRequest
    );

    // The return's ticket: the buyer's note, verbatim, in German, from Shopify.
    let view = ticket(&gw, returned).await;
    let thread = view["conversation"].as_array().unwrap();
    assert_eq!(
        thread.len(),
        2,
        "the return note and the order note: {view:#}"
    );
    let note = &thread[0];
    assert_eq!(note["direction"], "in");
    assert_eq!(note["text"], RETURN_NOTE);
    assert_eq!(note["language"], "de");
    assert_eq!(note["channel"], "shopify");
    assert_eq!(note["source"], "return-note");
    assert!(note["delivery"].as_u64().is_some(), "{note}");

    // The order note once, though two updates carried it; in English (the order says the
    // buyer's language is English, which confirms the guess).
    let notes: Vec<&Value> = thread.iter().filter(|m| m["text"] == ORDER_NOTE).collect();
    assert_eq!(notes.len(), 1, "{view:#}");
    assert_eq!(notes[0]["source"], "order-note");
    assert_eq!(notes[0]["language"], "en");
    assert_eq!(view["ticket"]["events"], 3);
    // The case shows its order, joined from the updates: name, buyer, items.
    let order = &view["order"];
    assert_eq!(order["id"], ORDER.to_string(), "{order:#}");
    assert_eq!(order["name"], "#5501");
    assert!(
        order["buyer"].as_str().is_some_and(|b| !b.is_empty()),
        "{order:#}"
    );
    assert!(!order["items"].as_array().unwrap().is_empty(), "{order:#}");
    assert_eq!(order["tickets"], json!([returned]));
    assert_eq!(order["note"], ORDER_NOTE);
    // The case took the buyer's name from its order (the return named none).
    assert_eq!(view["ticket"]["facts"]["buyer_name"], order["buyer"]);

    // An agent answers the return. Shopify has no messaging API and this gateway has no
    // e-mail set up: no channel reaches the buyer, so the reply is refused before it is
    // queued, saying why, and nothing is half done.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{returned}/reply"),
            Some(&json!({"body": "Kein Problem, wir senden Ihnen ein Rücksendeetikett.", "language": "de"}).to_string()),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "no-channel");
    assert!(
        body["message"].as_str().unwrap().contains("smtp_host"),
        "{body}"
    );
    let after = ticket(&gw, returned).await;
    assert!(after["actions"].as_array().unwrap().is_empty(), "{after:#}");
    assert_eq!(
        after["conversation"].as_array().unwrap().len(),
        2,
        "no outbound message: {after:#}"
    );
    assert!(after["ticket"]["first_response_at"].is_null(), "{after:#}");

    // The desk finds the case by what the buyer wrote (any case, a word's start), by the
    // reply's words, by the order note and by the order's buyer; every word must match.
    assert_eq!(search(&gw, "kleid zurück").await, vec![returned]);
    assert_eq!(search(&gw, "KLEI").await, vec![returned]);
    assert_eq!(search(&gw, "neighbour").await, vec![returned]);
    assert_eq!(search(&gw, "kleid neighbour").await, vec![returned]);
    assert_eq!(search(&gw, "kleid zebra").await, Vec::<u64>::new());
    let buyer = order["buyer"].as_str().unwrap().to_string();
    assert_eq!(search(&gw, &buyer).await, vec![returned]);
    // A query the API cannot take is refused, naming why.
    let long = "a".repeat(201);
    let (status, body) = gw.api("GET", &format!("/api/tickets?q={long}"), None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("`q`"), "{body}");
    gw.stop().await;
}

/// The newest message of case `id` once its delivery has settled (sent or failed).
async fn settled_reply(gw: &gateway::Running, id: u64) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = ticket(gw, id).await["conversation"]
            .as_array()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or(Value::Null);
        let state = &last["delivery_state"]["state"];
        if state == "sent" || state == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    last
}

/// The SMTP server's messages once it holds `n` (or after ten seconds).
async fn mail_count(smtp: &common::mail::Smtp, n: usize) -> Vec<String> {
    for _ in 0..400 {
        if smtp.messages().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    smtp.messages()
}

const SMTP_USER: &str = "support@helloword-test.example";
const SMTP_PASSWORD: &str = "smtp-test-password";

/// The Shopify connector with e-mail replies through the SMTP server on `smtp_port`.
fn install_shopify_with_smtp(dir: &std::path::Path, smtp_port: u16) {
    install_shopify_with_mail(dir, smtp_port, None);
}

/// The Shopify connector with e-mail replies through the SMTP server on `smtp_port`, and
/// the buyers' answers read from Dovecot's inbox on `imap_port`.
fn install_shopify_with_mail(dir: &std::path::Path, smtp_port: u16, imap_port: Option<u16>) {
    let folder = dir.join("plugins/shopify");
    std::fs::create_dir_all(&folder).unwrap();
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
    )
    .unwrap();
    let mailbox = imap_port.map_or(String::new(), |port| {
        format!(
            "mailbox_host = \"127.0.0.1\"\nmailbox_port = \"{port}\"\n\
             mailbox_security = \"none\"\nmailbox_username = {:?}\n",
            common::mail::Dovecot::USER
        )
    });
    let imap_grant = imap_port.map_or(String::new(), |port| format!("\"127.0.0.1:{port}\", "));
    let manifest = manifest
        .replacen(
            "allowed_hosts = [",
            &format!("allowed_hosts = [\"127.0.0.1:{smtp_port}\", {imap_grant}"),
            1,
        )
        .replacen(
            "[config]\n",
            &format!(
                "[config]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"{smtp_port}\"\n\
                 smtp_security = \"none\"\nsmtp_username = \"{SMTP_USER}\"\n\
                 support_email = \"{SMTP_USER}\"\n{mailbox}"
            ),
            1,
        );
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
}

/// Shopify has no messaging API. An order's update tells the gateway the buyer's e-mail;
/// the chargeback on that order that comes later names no buyer, joins its order and takes
/// the address; the agent's reply goes to the buyer through the seller's SMTP server (a
/// real one, whose mail a strict parser reads when the server stops), and the conversation
/// shows it sent with the mail's Message-ID. A chargeback is answered by its evidence, so
/// the e-mail does not stop its clock.
#[tokio::test]
async fn a_shopify_buyer_is_answered_by_e_mail_at_the_orders_address() {
    let dir = tempfile::tempdir().unwrap();
    let smtp =
        common::mail::Smtp::start_with_login(&dir.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    let mut imap = common::mail::Dovecot::start(&dir.path().join("imap"));
    install_shopify_with_mail(dir.path(), smtp.port, Some(imap.port));
    let secrets = format!(
        "shopify_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n\
         shopify_mailbox_password = {{ value = \"{}\" }}\n[polling]\ninterval_secs = 0\n",
        common::mail::Dovecot::PASSWORD
    );
    let gw = gateway::start_with(dir.path(), &secrets).await;

    // The order first: context, no ticket; the dispute then opens the case.
    let order = fixture("orders__updated.json");
    assert_eq!(
        gw.deliver("orders/updated", &order, "mail-order-1").await,
        200
    );
    let dispute = fixture("disputes__create.json");
    assert_eq!(
        gw.deliver("disputes/create", &dispute, "mail-dispute-1")
            .await,
        200
    );
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    let case = queue[0].id;

    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{case}/reply"),
            Some(
                &json!({"subject": "Your order #9999", "body": "Hello Jon, we are looking into the payment dispute and will write again tomorrow.", "language": "en"})
                    .to_string(),
            ),
        )
        .await;
    assert!(status == 200 || status == 202, "{status} {body}");
    let last = settled_reply(&gw, case).await;
    assert_eq!(last["direction"], "out", "{last}");
    assert_eq!(last["delivery_state"]["state"], "sent", "{last}");
    let id = last["delivery_state"]["marketplace_ref"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        id.starts_with("<hw.") && id.ends_with("@helloword-test.example>"),
        "{id}"
    );

    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let mail = sent[0].replace("\r\n ", " ").replace("\n ", " ");
    assert!(mail.contains("To: jon@example.com"), "{mail}");
    assert!(mail.contains(&format!("From: {SMTP_USER}")), "{mail}");
    assert!(mail.contains("Subject: Your order #9999"), "{mail}");
    assert!(mail.contains(&format!("Message-ID: {id}")), "{mail}");
    assert!(mail.contains("looking into the payment dispute"), "{mail}");

    // Sent, but a chargeback waits on its evidence: the reply is no response to it.
    let view = ticket(&gw, case).await;
    assert!(view["ticket"]["first_response_at"].is_null(), "{view:#}");

    // The buyer answers from their mail program, quoting the reply; the seller's own mail
    // in the same mailbox is left alone.
    // A mail's Date has whole seconds: a second later, it reads as after the reply.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let date = jiff::fmt::rfc2822::to_string(&jiff::Zoned::now()).unwrap();
    imap.deliver(
        format!(
            "From: Jon Doe <jon@example.com>\r\nTo: {SMTP_USER}\r\n\
             Subject: Re: Your order #9999\r\nDate: {date}\r\n\
             Message-ID: <jon-1@example.com>\r\nIn-Reply-To: {id}\r\nReferences: {id}\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             I did not make this payment dispute, my bank opened it by mistake. I will call them.\r\n\
             \r\nOn Mon, 7 Dec 2026 at 09:00, {SMTP_USER} wrote:\r\n> Hello Jon, we are looking into it.\r\n"
        )
        .as_bytes(),
    );
    imap.deliver(
        b"From: Supplier <sales@supplier.example>\r\nTo: support@helloword-test.example\r\n\
          Subject: Price list\r\nMessage-ID: <p1@supplier.example>\r\n\r\nNew prices.\r\n",
    );
    let (status, body) = gw.api("POST", "/api/plugins/shopify/poll", None).await;
    assert_eq!(status, 200, "{body} {}", imap.log());
    assert_eq!(body["events"], 1, "{body}");
    gw.settled().await;
    assert_eq!(
        gw.queue().len(),
        1,
        "the answer joins the case: {:#?}",
        gw.queue()
    );
    let view = ticket(&gw, case).await;
    let thread = view["conversation"].as_array().unwrap();
    let answer = thread.last().unwrap();
    assert_eq!(answer["direction"], "in", "{view:#}");
    assert_eq!(
        answer["text"],
        "I did not make this payment dispute, my bank opened it by mistake. I will call them."
    );
    assert_eq!(answer["channel"], "email");
    assert_eq!(answer["marketplace_id"], "<jon-1@example.com>");

    // The next reply answers the buyer's e-mail in its thread.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{case}/reply"),
            Some(&json!({"body": "Thank you Jon, please tell us when the bank has withdrawn it.", "language": "en"}).to_string()),
        )
        .await;
    assert!(status == 200 || status == 202, "{status} {body}");
    let sent = mail_count(&smtp, 2).await;
    let second = sent
        .iter()
        .map(|m| m.replace("\r\n ", " ").replace("\n ", " "))
        .find(|m| m.contains("bank has withdrawn"))
        .expect("the second reply was sent");
    assert!(
        second.contains("In-Reply-To: <jon-1@example.com>"),
        "{second}"
    );
    assert!(second.contains("Subject: Re: Your order #9999"), "{second}");
    // The buyer's answer and the replies are searchable on the case.
    assert_eq!(search(&gw, "bank mistake").await, vec![case]);
    assert_eq!(search(&gw, "withdrawn").await, vec![case]);
    gw.stop().await;
}

/// A case whose order never told the buyer's e-mail: the reply fails, saying so, and no
/// mail leaves.
#[tokio::test]
async fn a_shopify_reply_without_a_known_address_fails_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let smtp =
        common::mail::Smtp::start_with_login(&dir.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_shopify_with_smtp(dir.path(), smtp.port);
    let secrets = format!("shopify_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n");
    let gw = gateway::start_with(dir.path(), &secrets).await;
    let dispute = fixture("disputes__create.json");
    assert_eq!(
        gw.deliver("disputes/create", &dispute, "nomail-1").await,
        200
    );
    gw.settled().await;
    let case = gw.queue()[0].id;
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{case}/reply"),
            Some(&json!({"body": "Hello, we are looking into it.", "language": "en"}).to_string()),
        )
        .await;
    assert!(status == 200 || status == 202, "{status} {body}");
    let last = settled_reply(&gw, case).await;
    assert_eq!(last["delivery_state"]["state"], "failed", "{last}");
    let error = last["delivery_state"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("no e-mail address"), "{last}");
    assert!(smtp.messages().is_empty());
    gw.stop().await;
}

/// The `orders/updated` fixture as a live (not cancelled) order `id` named `name` of a
/// buyer with `email` and Shopify customer id `customer`.
fn live_order(id: u64, name: &str, email: &str, customer: u64) -> Vec<u8> {
    let mut order: Value = serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["id"] = json!(id);
    order["name"] = json!(name);
    order["email"] = json!(email);
    order["contact_email"] = json!(email);
    order["customer"]["email"] = json!(email);
    order["customer"]["id"] = json!(customer);
    order["cancelled_at"] = Value::Null;
    order["cancel_reason"] = Value::Null;
    order["financial_status"] = json!("paid");
    order.to_string().into_bytes()
}

/// Proactive care acts on orders, never on the buyers the old list picked: a first
/// high-value order on its way is listed and its care message reaches the buyer's mail server through
/// a care case; a buyer with an open chargeback and a cancelled order are neither listed nor
/// sent to; care is sent once.
#[tokio::test]
async fn proactive_care_reaches_a_first_time_buyer_and_never_one_in_a_dispute() {
    let dir = tempfile::tempdir().unwrap();
    common::install_locale_packs(dir.path());
    let smtp =
        common::mail::Smtp::start_with_login(&dir.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_shopify_with_smtp(dir.path(), smtp.port);
    let secrets = format!("shopify_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n");
    let gw = gateway::start_with(dir.path(), &secrets).await;

    let first = live_order(7_000_001, "#7001", "first@buyer.example", 901);
    let disputed = live_order(7_000_002, "#7002", "angry@buyer.example", 902);
    let mut chargeback: Value = serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
    chargeback["order_id"] = json!(7_000_002u64);
    let cancelled = fixture("orders__updated.json");
    let mut shipped: Value = serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    shipped["order_id"] = json!(7_000_001u64);
    shipped["email"] = json!("first@buyer.example");
    for (topic, body, id) in [
        ("orders/updated", first, "care-1"),
        (
            "fulfillments/update",
            shipped.to_string().into_bytes(),
            "care-1b",
        ),
        ("orders/updated", disputed, "care-2"),
        (
            "disputes/create",
            chargeback.to_string().into_bytes(),
            "care-3",
        ),
        ("orders/updated", cancelled, "care-4"),
    ] {
        assert_eq!(gw.deliver(topic, &body, id).await, 200, "{topic}");
    }
    gw.settled().await;

    let (status, list) = gw
        .api("GET", "/api/reports/care?high_value=20000", None)
        .await;
    assert_eq!(status, 200, "{list}");
    let column = |name: &str| {
        list["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == name)
            .unwrap()
    };
    let listed: Vec<&str> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[column("order_id")].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["7000001"], "{list:#}");

    let care = |order: &str| {
        json!({"marketplace": "shopify", "shop": gateway::SHOP, "order": order, "high_value": 20000})
            .to_string()
    };
    // The buyer in a dispute, and the cancelled order, are refused, saying why.
    let (status, body) = gw.api("POST", "/api/care", Some(&care("7000002"))).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("open dispute"),
        "{body}"
    );
    let (status, body) = gw
        .api("POST", "/api/care", Some(&care("820982911946154508")))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("cancelled"),
        "{body}"
    );

    // The first-time buyer gets the message, in a care case of its own, delivered.
    let (status, body) = gw.api("POST", "/api/care", Some(&care("7000001"))).await;
    assert_eq!(status, 200, "{body}");
    let case = body["ticket"]["id"].as_u64().unwrap();
    assert!(
        body["ticket"]["summary"]
            .as_str()
            .unwrap()
            .contains("first high-value order"),
        "{body}"
    );
    let last = settled_reply(&gw, case).await;
    assert_eq!(last["delivery_state"]["state"], "sent", "{last}");
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("To: first@buyer.example"), "{}", sent[0]);
    assert!(
        sent[0].contains("#7001"),
        "the message names the order: {}",
        sent[0]
    );

    // Once only, and off the list.
    let (status, body) = gw.api("POST", "/api/care", Some(&care("7000001"))).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("already"),
        "{body}"
    );
    let (_, list) = gw
        .api("GET", "/api/reports/care?high_value=20000", None)
        .await;
    assert_eq!(list["rows"].as_array().unwrap().len(), 0, "{list:#}");
    // Nothing went to the buyer in the dispute.
    assert_eq!(smtp.messages().len(), 1);
    gw.stop().await;
}

/// The compensation policy is told the order as the gateway joined it: its lines with SKU
/// and price, its total and when it was placed — not just the case's amount — so a policy
/// can propose replacing the right items.
#[tokio::test]
async fn the_policy_is_told_the_orders_items() {
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway::start(dir.path()).await;
    assert_eq!(
        gw.deliver(
            "orders/updated",
            &order_update("2026-12-01T10:00:00Z"),
            "pol-1"
        )
        .await,
        200
    );
    assert_eq!(
        gw.deliver("returns/request", &return_request(), "pol-2")
            .await,
        200
    );
    gw.settled().await;
    let ticket = gw.queue()[0].clone();
    let told = helloword::tickets::engine::compensation::context(
        &gw.app.store,
        &ticket,
        jiff::Timestamp::now(),
    )
    .unwrap();
    let order = told.order.expect("the order");
    let fixture: Value = serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    let skus: Vec<Option<String>> = order.line_items.iter().map(|l| l.sku.clone()).collect();
    let expected: Vec<Option<String>> = fixture["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().map(str::to_string))
        .collect();
    assert_eq!(skus, expected);
    assert!(order.line_items.iter().all(|l| l.unit_price.is_some()));
    assert_eq!(
        order.total.map(|m| m.minor_units),
        Some(41_495),
        "the order's total, not the return's"
    );
    assert!(order.placed_at.is_some());
    assert_eq!(order.display_name.as_deref(), Some("#5501"));
    gw.stop().await;
}

/// `[care] automatic = true`: a round sends the care message to each order the rules pick —
/// the first-time buyer's shipped order — and to nobody else, and a second round sends
/// nothing more.
#[tokio::test]
async fn automatic_care_sends_once_to_each_order_the_rules_pick() {
    let dir = tempfile::tempdir().unwrap();
    common::install_locale_packs(dir.path());
    let smtp =
        common::mail::Smtp::start_with_login(&dir.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_shopify_with_smtp(dir.path(), smtp.port);
    let config = format!(
        "shopify_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n\
         [care]\nautomatic = true\nhigh_value = 20000\nevery_minutes = 1440\n"
    );
    let gw = gateway::start_with(dir.path(), &config).await;
    let mut shipped: Value = serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    shipped["order_id"] = json!(7_100_001u64);
    shipped["email"] = json!("auto@buyer.example");
    let mut disputed_ship = shipped.clone();
    disputed_ship["order_id"] = json!(7_100_002u64);
    disputed_ship["email"] = json!("angry2@buyer.example");
    let mut chargeback: Value = serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
    chargeback["order_id"] = json!(7_100_002u64);
    for (topic, body, id) in [
        (
            "orders/updated",
            live_order(7_100_001, "#7101", "auto@buyer.example", 911),
            "ac-1",
        ),
        (
            "fulfillments/update",
            shipped.to_string().into_bytes(),
            "ac-2",
        ),
        (
            "orders/updated",
            live_order(7_100_002, "#7102", "angry2@buyer.example", 912),
            "ac-3",
        ),
        (
            "fulfillments/update",
            disputed_ship.to_string().into_bytes(),
            "ac-4",
        ),
        (
            "disputes/create",
            chargeback.to_string().into_bytes(),
            "ac-5",
        ),
    ] {
        assert_eq!(gw.deliver(topic, &body, id).await, 200, "{topic}");
    }
    gw.settled().await;
    let rules = helloword_model::care::CareRules {
        high_value_minor: 20_000,
        stalled_days: 5,
    };
    let sent = helloword::actions::care::sweep(&gw.app.engine, &gw.app.replies, rules)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let again = helloword::actions::care::sweep(&gw.app.engine, &gw.app.replies, rules)
        .await
        .unwrap();
    assert_eq!(again, 0, "once per order");
    let mails = mail_count(&smtp, 1).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("To: auto@buyer.example"), "{}", mails[0]);
    let care_case = gw
        .app
        .store
        .all_tickets()
        .map(|t| t.unwrap())
        .find(|t| t.case_key == "care:7100001")
        .expect("the care case");
    let timeline = gw.app.store.timeline(care_case.id).unwrap();
    assert!(timeline.iter().any(|e| matches!(&e.what,
        helloword::tickets::model::Happening::ReplySent { by, .. } if by == "system")));
    gw.stop().await;
}
