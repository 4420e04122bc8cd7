//! A day in the desk, end to end on one gateway on loopback with real components: the
//! Shopify, Amazon, WooCommerce and eBay connectors built from this repository, a real IMAP
//! server (Dovecot) holding the seller's mailbox and a real SMTP server taking the replies,
//! and a stand-in of WooCommerce's REST API that refuses a share of the notes it is sent.
//!
//! The stream over the simulated working day (the buyers' mail carries the time each was
//! written): Shopify orders with their shipment updates (context), returns with the buyer's
//! note, a chargeback, duplicates of deliveries; Amazon buyers writing through the relay and
//! writing again after the answer; WooCommerce buyers asking in their checkout note; eBay
//! buyers opening returns with a comment, found by polling eBay's Post-Order API (a
//! stand-in speaking its published shapes), answered inside the return; a Shopify buyer
//! answering the seller's e-mail. Two agents answer every case through the API.
//! Then the clock runs three days on (`fire_due`).
//!
//! It checks what the desk promises: the queue holds only cases; every buyer message is
//! readable on its case; no failed reply counts as a response and each failure reached its
//! owner; every open message deadline is the marketplace's rule from when the buyer wrote,
//! and nothing breaches unnoticed; the buyer's e-mail answer lands in its conversation.
//!
//! `HELLOWORD_DESK_DAYS` (default 1) repeats the day's stream with fresh buyers that many
//! times: `scripts/desk-month` runs 30.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::gateway::{self, Running, fixture};
use common::mail::{Dovecot, Smtp};
use helloword::tickets::model::{Happening, Status};
use serde_json::{Value, json};

const SMTP_USER: &str = "smtp-login";
const SMTP_PASSWORD: &str = "smtp-password";
const SELLER: &str = "seller@example.com";
const WOO_SECRET: &str = "woo-desk-secret";
const EBAY_USER_TOKEN: &str = "v^1.1#desk-user-token";

/// Per day: Shopify orders, returns, Amazon buyers, WooCommerce buyers, eBay returns.
const ORDERS: usize = 64;
const RETURNS: usize = 15;
const AMAZON_BUYERS: usize = 25;
const WOO_BUYERS: usize = 24;
const EBAY_RETURNS: usize = 12;

fn days() -> usize {
    std::env::var("HELLOWORD_DESK_DAYS")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(1)
}

/// Add `hosts` to what the plugin in `folder` requests.
fn request_hosts(folder: &Path, hosts: &[String]) {
    let path = folder.join("plugin.toml");
    let hosts: String = hosts.iter().map(|h| format!("\"{h}\", ")).collect();
    let manifest = std::fs::read_to_string(&path).unwrap().replacen(
        "allowed_hosts = [",
        &format!("allowed_hosts = [{hosts}"),
        1,
    );
    std::fs::write(path, manifest).unwrap();
}

fn install(dir: &Path, id: &str, wasm: &str, artifact: &str) -> std::path::PathBuf {
    let folder = dir.join("plugins").join(id);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(artifact, folder.join(wasm)).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../plugins/{id}/plugin.toml")),
        folder.join("plugin.toml"),
    )
    .unwrap();
    folder
}

/// WooCommerce's REST API for order notes: lists none, creates the note — except for orders
/// whose id is a multiple of three, which it refuses as WooCommerce does an order it does
/// not know. Counts what it created.
async fn woo_stand_in(created: Arc<AtomicUsize>) -> u16 {
    common::stand_in::serve(move |req| {
        let order: u64 = req
            .target
            .split(['/', '?'])
            .skip_while(|p| *p != "orders")
            .nth(1)
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        if req.method != "POST" {
            (200, "[]".to_string())
        } else if order.is_multiple_of(3) {
            (
                400,
                r#"{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":400}}"#
                    .to_string(),
            )
        } else {
            let n = created.fetch_add(1, Ordering::SeqCst) + 1;
            (
                201,
                json!({"id": n, "note": "", "customer_note": true}).to_string(),
            )
        }
    })
    .await
}

/// eBay's Post-Order API as the desk uses it: the return search lists every return the
/// test opened (eBay's published return summary shape, the buyer's comment in their words),
/// one page of up to 50 by `offset`, and `send_message` inside a return, which it records.
/// Every call must carry the seller's user token as eBay's `IAF` authorization.
async fn ebay_stand_in(returns: Arc<Mutex<Vec<Value>>>, sent: Arc<Mutex<Vec<String>>>) -> u16 {
    common::stand_in::serve(move |req| {
        if req.authorization != Some(&format!("IAF {EBAY_USER_TOKEN}")) {
            return (401, json!({"error": "bad token"}).to_string());
        }
        if req.target.starts_with("/post-order/v2/return/search") {
            let offset: usize = req
                .target
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("offset="))
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let all = returns.lock().unwrap();
            let page: Vec<Value> = all.iter().skip(offset).take(50).cloned().collect();
            let body = json!({"members": page,
                "paginationOutput": {"offset": offset, "limit": 50, "totalEntries": all.len()}});
            return (200, body.to_string());
        }
        if req.method == "POST"
            && let Some(id) = req
                .target
                .strip_prefix("/post-order/v2/return/")
                .and_then(|rest| rest.strip_suffix("/send_message"))
        {
            let message: Value = serde_json::from_slice(req.body).unwrap();
            assert!(message["message"]["content"].is_string(), "{message}");
            sent.lock().unwrap().push(id.to_string());
            return (200, String::new());
        }
        (404, json!({"errors": [{"message": "unknown"}]}).to_string())
    })
    .await
}

/// eBay's return summary (its published shape) for return `id` on `order`, opened by the
/// buyer at `opened` with `comment`; eBay wants the seller's answer within five days.
fn ebay_return(id: u64, order: &str, comment: &str, opened: jiff::Timestamp) -> Value {
    let sample: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "../plugins/ebay/tests/fixtures/schema-derived/post_order_return.get.third_party_shape.json",
            ),
        )
        .unwrap(),
    )
    .unwrap();
    let mut summary = sample["summary"].clone();
    summary["returnId"] = json!(id.to_string());
    summary["orderId"] = json!(order);
    summary["buyerLoginName"] = json!(format!("ebaybuyer{id}"));
    summary["creationInfo"]["comments"]["content"] = json!(comment);
    summary["creationInfo"]["creationDate"]["value"] = json!(opened.to_string());
    summary["sellerResponseDue"]["respondByDate"]["value"] =
        json!((opened + jiff::SignedDuration::from_hours(120)).to_string());
    summary
}

/// eBay's return window: three business days (Monday to Friday) in Los Angeles, at the
/// same wall-clock time, from `opened`.
fn three_business_days_in_los_angeles(opened: jiff::Timestamp) -> jiff::Timestamp {
    let local = opened.in_tz("America/Los_Angeles").unwrap();
    let mut date = local.date();
    for _ in 0..3 {
        date = date.tomorrow().unwrap();
        while matches!(
            date.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            date = date.tomorrow().unwrap();
        }
    }
    date.to_datetime(local.time())
        .in_tz("America/Los_Angeles")
        .unwrap()
        .timestamp()
}

/// A buyer's question as Amazon relays it, written at `date`, about `order`.
fn amazon_mail(relay: &str, id: &str, order: &str, text: &str, date: jiff::Timestamp) -> Vec<u8> {
    let date = date.strftime("%a, %d %b %Y %H:%M:%S +0000");
    format!(
        "From: \"Buyer - Amazon Marketplace\" <{relay}>\r\nTo: {SELLER}\r\n\
         Subject: Question from Amazon customer (Order: {order})\r\nDate: {date}\r\n\
         Message-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n\
         ------------- Begin message -------------\r\n\r\n{text}\r\n\r\n\
         ------------- End message -------------\r\n"
    )
    .into_bytes()
}

/// A WooCommerce order `id` whose buyer asked `note` at checkout.
fn woo_order(id: u64, note: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/woocommerce/tests/fixtures/webhooks/order-727-processing.json");
    let mut order: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    order["id"] = json!(id);
    order["number"] = json!(id.to_string());
    order["customer_note"] = json!(note);
    order["billing"]["email"] = json!(format!("woo{id}@buyer.example"));
    serde_json::to_vec(&order).unwrap()
}

async fn deliver_woo(gw: &Running, body: &[u8], delivery: &str) -> u16 {
    common::deliver_woo_order(&gw.client, &gw.base, WOO_SECRET, body, delivery).await
}

fn shopify_order(id: u64, email: &str) -> Vec<u8> {
    let mut order: Value = serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["id"] = json!(id);
    order["name"] = json!(format!("#{id}"));
    order["email"] = json!(email);
    order["contact_email"] = json!(email);
    order["customer"]["email"] = json!(email);
    order["customer"]["id"] = json!(id + 1_000_000);
    order["cancelled_at"] = Value::Null;
    order["cancel_reason"] = Value::Null;
    order["financial_status"] = json!("paid");
    order.to_string().into_bytes()
}

fn shipment(order: u64, email: &str) -> Vec<u8> {
    let mut f: Value = serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    f["email"] = json!(email);
    f["id"] = json!(order + 5_000_000);
    f["order_id"] = json!(order);
    f["status"] = json!("success");
    f["shipment_status"] = json!("in_transit");
    // Shipped today: the carrier's latest movement is today's.
    f["updated_at"] = json!(jiff::Timestamp::now().to_string());
    f.to_string().into_bytes()
}

fn return_request(id: u64, order: u64, note: &str) -> Vec<u8> {
    json!({
        "id": id,
        "status": "requested",
        "order": {"id": order},
        "total_return_line_items": 1,
        "return_line_items": [{
            "id": id + 1, "quantity": 1, "return_reason": "DEFECTIVE",
            "return_reason_note": "", "customer_note": note,
            "fulfillment_line_item": {"line_item": {"id": 77, "sku": "MUG-1",
                "name": "Mug", "quantity": 1, "price": "19.00"}}
        }]
    })
    .to_string()
    .into_bytes()
}

async fn poll(gw: &Running, plugin: &str) -> Value {
    let (status, body) = gw
        .api("POST", &format!("/api/plugins/{plugin}/poll"), None)
        .await;
    assert_eq!(status, 200, "{plugin}: {body}");
    gw.settled().await;
    body
}

async fn view(gw: &Running, id: u64) -> Value {
    let (status, body) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Wait until the outbox has nothing left to try (replies go out one after another: about
/// 30 s a simulated day at most).
async fn drained(gw: &Running) {
    for _ in 0..1200 * (1 + days()) {
        if gw.app.store.open_actions().unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "actions still open: {:?}",
        gw.app.store.open_actions().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_in_the_desk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_locale_packs(dir);
    let mut imap = Dovecot::start(&dir.join("imap"));
    let smtp = Smtp::start_with_login(&dir.join("smtp"), SMTP_USER, SMTP_PASSWORD);
    let woo_created = Arc::new(AtomicUsize::new(0));
    let woo_port = woo_stand_in(woo_created.clone()).await;
    let ebay_returns = Arc::new(Mutex::new(Vec::new()));
    let ebay_sent = Arc::new(Mutex::new(Vec::new()));
    let ebay_port = ebay_stand_in(ebay_returns.clone(), ebay_sent.clone()).await;
    let mail_hosts = vec![
        format!("127.0.0.1:{}", imap.port),
        format!("127.0.0.1:{}", smtp.port),
    ];
    let shopify = install(
        dir,
        "shopify",
        "shopify_connector.wasm",
        test_artifacts::SHOPIFY,
    );
    request_hosts(&shopify, &mail_hosts);
    let amazon = install(
        dir,
        "amazon",
        "amazon_connector.wasm",
        test_artifacts::AMAZON,
    );
    request_hosts(&amazon, &mail_hosts);
    let woo = install(
        dir,
        "woocommerce",
        "woocommerce_connector.wasm",
        test_artifacts::WOOCOMMERCE,
    );
    request_hosts(&woo, &[format!("127.0.0.1:{woo_port}")]);
    let ebay = install(dir, "ebay", "ebay_connector.wasm", test_artifacts::EBAY);
    request_hosts(&ebay, &[format!("127.0.0.1:{ebay_port}")]);
    let mail = |prefix: &str| {
        format!(
            "mailbox_host = \"127.0.0.1\"\nmailbox_port = \"{imap}\"\nmailbox_security = \"none\"\n\
             mailbox_username = \"{user}\"\nmailbox_batch = \"100\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"{smtp}\"\n\
             smtp_security = \"none\"\nsmtp_username = \"{SMTP_USER}\"\n{prefix}",
            imap = imap.port,
            user = Dovecot::USER,
            smtp = smtp.port,
        )
    };
    let config = format!(
        "shopify_mailbox_password = {{ value = \"{imap_pw}\" }}\n\
         shopify_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n\
         amazon_mailbox_password = {{ value = \"{imap_pw}\" }}\n\
         amazon_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n\
         woocommerce_webhook_secret = {{ value = \"{WOO_SECRET}\" }}\n\
         woocommerce_api_credentials = {{ value = \"Y2tfa2V5OmNzX3NlY3JldA==\" }}\n\
         ebay_verification_token = {{ value = \"desk-verification-token-0123456789\" }}\n\
         ebay_user_token = {{ value = \"{EBAY_USER_TOKEN}\" }}\n\
         [polling]\ninterval_secs = 0\n\
         [server]\napi_requests_per_minute = 1000000\n\
         [actions]\nretry_base_ms = 50\n\
         [alerts]\nred = [\"app\"]\nyellow = [\"app\"]\nblue = [\"app\"]\n\
         [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 500\n\
         [[tickets.agents]]\nname = \"mei\"\ncapacity = 500\nlanguages = [\"en\", \"de\"]\n\
         [plugins.config.shopify]\n{shopify}\
         [plugins.config.amazon]\nseller_id = \"A3DESK\"\nreport_types = \"\"\n{amazon}\
         [plugins.config.woocommerce]\napi_base = \"http://127.0.0.1:{woo_port}/wp-json/wc/v3\"\n\
         [plugins.config.ebay]\napi_base = \"http://127.0.0.1:{ebay_port}\"\n\
         apiz_base = \"http://127.0.0.1:{ebay_port}\"\npoll_stages = \"returns\"\n",
        imap_pw = Dovecot::PASSWORD,
        shopify = mail(&format!("support_email = \"{SELLER}\"\n")),
        amazon = mail(&format!("seller_email = \"{SELLER}\"\n")),
    );
    // The days are compressed into seconds of two agents' clicks from one address: the
    // per-client API limit (1,200 a minute by default) is raised above.
    let gw = gateway::start_with(dir, &config).await;
    gw.assert_every_plugin_loaded();

    let now = jiff::Timestamp::now();
    let day_start = jiff::Timestamp::from_second(now.as_second() - 9 * 3600).unwrap();
    // What every buyer wrote, by a word nobody else wrote: it must be readable on its case.
    let mut written: Vec<(String, String)> = Vec::new();
    let mut deliveries = 0usize;
    let mut context_deliveries = 0usize;
    let mut amazon_written: BTreeMap<String, jiff::Timestamp> = BTreeMap::new();
    let mut ebay_opened: BTreeMap<String, jiff::Timestamp> = BTreeMap::new();

    for day in 0..days() {
        let base = 10_000_000 + day as u64 * 100_000;
        // Shopify: orders and their shipments (context), each delivered twice once in five.
        for i in 0..ORDERS as u64 {
            let order = base + i;
            let email = format!("buyer{order}@shop-buyer.example");
            for (topic, body, id) in [
                (
                    "orders/updated",
                    shopify_order(order, &email),
                    format!("o-{order}"),
                ),
                (
                    "fulfillments/update",
                    shipment(order, &email),
                    format!("f-{order}"),
                ),
            ] {
                assert_eq!(gw.deliver(topic, &body, &id).await, 200, "{topic}");
                deliveries += 1;
                context_deliveries += 1;
                if i % 5 == 0 {
                    assert_eq!(gw.deliver(topic, &body, &id).await, 200, "duplicate");
                    deliveries += 1;
                }
            }
        }
        // Returns with the buyer's words, on the first orders.
        for i in 0..RETURNS as u64 {
            let order = base + i;
            let word = format!("retword{day}x{i}q");
            let note = format!("The mug arrived cracked, {word}, I would like to send it back.");
            let body = return_request(base + 50_000 + i, order, &note);
            assert_eq!(
                gw.deliver("returns/request", &body, &format!("r-{order}"))
                    .await,
                200
            );
            deliveries += 1;
            written.push((word, note));
        }
        // A chargeback on an order whose buyer the gateway knows.
        let mut dispute: Value = serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
        dispute["id"] = json!(base + 90_000);
        dispute["order_id"] = json!(base + ORDERS as u64 - 1);
        assert_eq!(
            gw.deliver(
                "disputes/create",
                dispute.to_string().as_bytes(),
                &format!("d-{day}")
            )
            .await,
            200
        );
        deliveries += 1;
        // Amazon buyers write through the relay, spread over the day.
        for i in 0..AMAZON_BUYERS {
            let relay = format!("buyer{day}x{i}@marketplace.amazon.com");
            let order = format!("113-{:07}-{:07}", day, i);
            let word = format!("amzword{day}x{i}q");
            let text = format!("Hello, where is my parcel? {word}");
            let at = jiff::Timestamp::from_second(
                day_start.as_second() + (i as i64 * 8 * 3600) / AMAZON_BUYERS as i64,
            )
            .unwrap();
            imap.deliver(&amazon_mail(
                &relay,
                &format!("amz-{day}-{i}@relay"),
                &order,
                &text,
                at,
            ));
            deliveries += 1;
            written.push((word, text));
            amazon_written.insert(order, at);
        }
        // WooCommerce buyers ask at checkout.
        for i in 0..WOO_BUYERS as u64 {
            let order = base + 70_000 + i;
            let word = format!("wooword{day}x{i}q");
            let note = format!("Could you gift wrap it please? {word}");
            assert_eq!(
                deliver_woo(&gw, &woo_order(order, &note), &format!("w-{order}")).await,
                200
            );
            deliveries += 1;
            written.push((word, note));
        }
        // eBay buyers open returns over the day; the gateway finds them by polling.
        for i in 0..EBAY_RETURNS as u64 {
            let id = 5_300_000_000 + day as u64 * 1_000 + i;
            let order = format!("27-{day:05}-{i:05}");
            let word = format!("ebayword{day}x{i}q");
            let comment = format!("The lamp flickers and then goes dark, {word}.");
            let opened = jiff::Timestamp::from_second(
                day_start.as_second() + (i as i64 * 8 * 3600) / EBAY_RETURNS as i64,
            )
            .unwrap();
            ebay_returns
                .lock()
                .unwrap()
                .push(ebay_return(id, &order, &comment, opened));
            written.push((word, comment));
            ebay_opened.insert(order, opened);
        }
    }
    poll(&gw, "amazon").await;
    poll(&gw, "ebay").await;
    gw.settled().await;
    assert!(deliveries >= 200 * days(), "{deliveries} deliveries");

    // 1. The queue holds only cases: no order or shipment update opened a ticket.
    let tickets: Vec<_> = gw.app.store.all_tickets().map(|t| t.unwrap()).collect();
    let expected_cases = days() * (RETURNS + 1 + AMAZON_BUYERS + WOO_BUYERS + EBAY_RETURNS);
    assert_eq!(
        tickets.len(),
        expected_cases,
        "{context_deliveries} context deliveries opened no ticket"
    );
    use helloword::plugin::bindings::types::IssueKind;
    assert!(tickets.iter().all(|t| !matches!(
        t.kind,
        IssueKind::OrderUpdate | IssueKind::ShipmentUpdate | IssueKind::RefundIssued
    )));

    // 2. Every buyer message is readable, verbatim, on its case, found by its words.
    for (word, text) in &written {
        let (status, found) = gw.api("GET", &format!("/api/tickets?q={word}"), None).await;
        assert_eq!(status, 200, "{found}");
        let ids: Vec<u64> = found["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_u64().unwrap())
            .collect();
        assert_eq!(ids.len(), 1, "{word}: {found}");
        let shown = view(&gw, ids[0]).await;
        assert!(
            shown["conversation"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["direction"] == "in" && m["text"].as_str().unwrap().contains(word)),
            "{text} on ticket {}: {shown:#}",
            ids[0]
        );
        let _ = text;
    }

    // 3. Amazon's 24 hours run from when each buyer wrote.
    for ticket in tickets.iter().filter(|t| t.marketplace == "amazon") {
        let written = amazon_written[ticket.order_id.as_deref().unwrap()];
        assert_eq!(
            ticket.due.at,
            written + jiff::SignedDuration::from_hours(24)
        );
    }

    // eBay's three business days (Los Angeles time) run from when the buyer opened the
    // return, not from when the poll found it; the seller's own target for the case's
    // severity, from the same moment, when it is earlier.
    let targets = helloword_model::sla::SeverityTargets::default();
    let mut ebay_cases = 0;
    for ticket in tickets.iter().filter(|t| t.marketplace == "ebay") {
        ebay_cases += 1;
        let opened = ebay_opened[ticket.order_id.as_deref().unwrap()];
        let rule = three_business_days_in_los_angeles(opened);
        let target = opened + targets.target(ticket.severity);
        assert_eq!(ticket.due.at, rule.min(target), "{ticket:#?}");
        if rule <= target {
            assert!(
                matches!(&ticket.due.source, helloword_model::sla::DeadlineSource::MarketplaceRule { name } if name == "ebay.return_request"),
                "{:?}",
                ticket.due.source
            );
        }
    }
    assert_eq!(ebay_cases, days() * EBAY_RETURNS);

    // 4. The agents answer every case through the API, each with their own token.
    let mut replied = Vec::new();
    for ticket in &tickets {
        let token = match ticket.assignee.as_deref() {
            Some("mei") => gateway::MEI_TOKEN,
            _ => gateway::LIN_TOKEN,
        };
        let (status, body) = gw
            .as_token(
                token,
                "POST",
                &format!("/api/tickets/{}/reply", ticket.id),
                Some(
                    &json!({"body": "Thank you for writing to us. We are on it and will keep you posted today.", "language": "en"})
                        .to_string(),
                ),
            )
            .await;
        assert_eq!(
            status, 200,
            "ticket {} ({:?}): {body}",
            ticket.id, ticket.kind
        );
        replied.push(ticket.id);
    }
    drained(&gw).await;

    let mut failed = 0;
    let mut delivered = 0;
    for id in &replied {
        let ticket = gw.app.store.ticket(*id).unwrap().unwrap();
        let actions = gw.app.store.actions(*id).unwrap();
        let reply = actions
            .iter()
            .rfind(|a| helloword_model::actions::is_reply(&a.origin))
            .expect("the reply is in the outbox");
        match &reply.state {
            helloword::actions::ActionState::Done { .. } => {
                delivered += 1;
                if !matches!(
                    ticket.kind,
                    IssueKind::Chargeback | IssueKind::PaymentDispute
                ) {
                    assert!(ticket.first_response_at.is_some(), "{ticket:#?}");
                    assert_eq!(ticket.status, Status::WaitingOnBuyer);
                }
            }
            helloword::actions::ActionState::Failed { error } => {
                failed += 1;
                // 5. No failed reply counts as a response, and its owner was told.
                assert_eq!(ticket.first_response_at, None, "{error}");
                assert_eq!(
                    ticket.undelivered_reply.as_ref().map(|u| u.action),
                    Some(reply.id)
                );
                let owner = ticket.assignee.clone().unwrap_or_else(|| "lin".into());
                let trigger = format!("reply-failed-{}", reply.id);
                let alerts = gw.app.store.alerts(*id).unwrap();
                assert!(
                    alerts
                        .iter()
                        .any(|a| a.trigger.id() == trigger && a.recipient == owner),
                    "{trigger} to {owner}: {alerts:#?}"
                );
            }
            other => panic!("ticket {id}: {other:?}"),
        }
    }
    // The WooCommerce stand-in refused one order in three; everything else was delivered:
    // the Shopify and Amazon replies at the SMTP server, the rest as WooCommerce notes.
    let refused = days()
        * (0..WOO_BUYERS as u64)
            .filter(|i| (70_000 + i) % 3 == 0)
            .count();
    assert_eq!(failed, refused, "{delivered} delivered");
    assert_eq!(
        woo_created.load(Ordering::SeqCst),
        days() * WOO_BUYERS - refused
    );
    // eBay's answers went inside their returns, one message each.
    assert_eq!(ebay_sent.lock().unwrap().len(), days() * EBAY_RETURNS);
    let mails = smtp.messages();
    assert_eq!(
        mails.len(),
        days() * (RETURNS + 1 + AMAZON_BUYERS),
        "one mail per reply"
    );

    // 6. Buyers write again: an Amazon buyer after the answer (a new 24 hours from when they
    // wrote), and a Shopify buyer answering the seller's e-mail (it joins its case).
    let follow_up_at =
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 5).unwrap();
    let (order, _) = amazon_written
        .iter()
        .next()
        .map(|(o, t)| (o.clone(), *t))
        .unwrap();
    imap.deliver(&amazon_mail(
        "buyer0x0@marketplace.amazon.com",
        "amz-again@relay",
        &order,
        "Still nothing arrived, amzagainword.",
        follow_up_at,
    ));
    let shopify_reply = mails
        .iter()
        .map(|m| m.replace("\r\n ", " ").replace("\n ", " "))
        .find(|m| m.contains("To: buyer") && m.contains("@shop-buyer.example"))
        .expect("a reply to a Shopify buyer");
    let message_id = shopify_reply
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .to_string();
    let to = shopify_reply
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .unwrap()
        .trim()
        .to_string();
    imap.deliver(
        format!(
            "From: {to}\r\nTo: {SELLER}\r\nSubject: Re: your order\r\nMessage-ID: <answer-1@shop-buyer.example>\r\n\
             In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\r\nThanks, shopanswerword, I will wait.\r\n\r\n\
             On Mon, {SELLER} wrote:\r\n> Thank you for writing to us.\r\n"
        )
        .as_bytes(),
    );
    poll(&gw, "amazon").await;
    poll(&gw, "shopify").await;
    let again = gw
        .app
        .store
        .all_tickets()
        .map(|t| t.unwrap())
        .find(|t| t.order_id.as_deref() == Some(order.as_str()))
        .unwrap();
    assert_eq!(again.status, Status::WaitingOnUs, "{again:#?}");
    assert_eq!(
        again.due.at,
        follow_up_at + jiff::SignedDuration::from_hours(24)
    );
    let (_, found) = gw.api("GET", "/api/tickets?q=shopanswerword", None).await;
    let answered = &found["tickets"].as_array().unwrap();
    assert_eq!(answered.len(), 1, "{found}");
    let case = answered[0]["id"].as_u64().unwrap();
    let thread = view(&gw, case).await;
    let last = thread["conversation"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["direction"], "in");
    assert_eq!(last["text"], "Thanks, shopanswerword, I will wait.");
    assert_eq!(
        gw.app.store.all_tickets().count(),
        expected_cases,
        "follow-ups open no tickets"
    );

    // 7. Three days on: every case still owed an answer past its deadline was escalated; no
    // breach goes unnoticed, and a delivered answer is never escalated.
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(72);
    while let Some(next) = gw.app.engine.fire_due(later).await.unwrap() {
        if next > later {
            break;
        }
    }
    let mut owed = HashSet::new();
    for ticket in gw.app.store.all_tickets().map(|t| t.unwrap()) {
        let timeline = gw.app.store.timeline(ticket.id).unwrap();
        let escalated = timeline
            .iter()
            .any(|e| matches!(e.what, Happening::Escalated { .. }));
        let waits_on_seller = ticket.status.is_open() && ticket.status != Status::WaitingOnBuyer;
        if waits_on_seller && ticket.due.at < later {
            assert!(
                escalated,
                "ticket {} breached unnoticed: {ticket:#?}",
                ticket.id
            );
            owed.insert(ticket.id);
        }
    }
    assert!(
        owed.contains(&again.id),
        "the unanswered follow-up escalated"
    );
    gw.stop().await;
}
