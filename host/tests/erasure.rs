//! Erasure, end to end on `helloword serve`: canary personal data planted through every
//! path the gateway takes it in (order, return and dispute webhooks; an agent's note,
//! reply and follow-up; an evidence upload's name and bytes), then one buyer erased by
//! Shopify's `customers/redact` and another by the operator's `POST /api/erasures`. After
//! the store is compacted, no byte of either buyer's canaries is left in the data folder
//! or in an export taken afterwards — while a third buyer's are all still there, and the
//! erased buyers' tickets keep their amounts for the books.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::gateway::{SECRET, SHOP, TOKEN, api_call, deliver_shopify, fixture};
use common::served::{Served, serve};
use common::{TEST_GRANTS, files_under};
use serde_json::{Value, json};

/// One buyer and the personal data planted for them.
struct Buyer {
    customer_id: u64,
    order_id: u64,
    dispute_id: u64,
    first: &'static str,
    last: &'static str,
    email: &'static str,
    phone: &'static str,
    street: &'static str,
    /// What the buyer wrote on the return.
    note: &'static str,
    /// What the agent wrote on the ticket, in the reply, in the follow-up.
    agent_note: &'static str,
    reply: &'static str,
    follow_up: &'static str,
    /// The uploaded photo's name and a marker inside its bytes.
    file_name: &'static str,
    file_marker: &'static str,
}

impl Buyer {
    fn canaries(&self) -> Vec<&'static str> {
        vec![
            self.first,
            self.last,
            self.email,
            self.phone,
            self.street,
            self.note,
            self.agent_note,
            self.reply,
            self.follow_up,
            self.file_name,
            self.file_marker,
        ]
    }
}

const ALICE: Buyer = Buyer {
    customer_id: 7_100_000_001,
    order_id: 7_200_000_001,
    dispute_id: 7_300_000_001,
    first: "Qalicanary",
    last: "Zorbleton",
    email: "qali.zorbleton@canary-mail.example",
    phone: "+1-555-0100-7731",
    street: "77 Quillfeather Lane",
    note: "canary-return-note-alice: the seams tore",
    agent_note: "canary-agent-note-alice",
    reply: "canary-reply-alice: we are sorry",
    follow_up: "canary-follow-up-alice",
    file_name: "canary-photo-alice.jpg",
    file_marker: "CANARY-BYTES-ALICE",
};

const BORIS: Buyer = Buyer {
    customer_id: 7_100_000_002,
    order_id: 7_200_000_002,
    dispute_id: 7_300_000_002,
    first: "Bkrovanary",
    last: "Vexholm",
    email: "b.vexholm@canary-post.example",
    phone: "+44-20-7946-0999",
    street: "12 Marrowgate Row",
    note: "canary-return-note-boris: wrong size",
    agent_note: "canary-agent-note-boris",
    reply: "canary-reply-boris: a refund is on its way",
    follow_up: "canary-follow-up-boris",
    file_name: "canary-photo-boris.jpg",
    file_marker: "CANARY-BYTES-BORIS",
};

/// Not erased: the search must find every one of these.
const CLARA: Buyer = Buyer {
    customer_id: 7_100_000_003,
    order_id: 7_200_000_003,
    dispute_id: 7_300_000_003,
    first: "Cwindanary",
    last: "Pellimore",
    email: "c.pellimore@canary-box.example",
    phone: "+49-30-555-0142",
    street: "3 Thistlebrook Weg",
    note: "canary-return-note-clara: colour differs",
    agent_note: "canary-agent-note-clara",
    reply: "canary-reply-clara: thank you",
    follow_up: "canary-follow-up-clara",
    file_name: "canary-photo-clara.jpg",
    file_marker: "CANARY-BYTES-CLARA",
};

/// The `orders/updated` fixture as this buyer's order.
fn order(b: &Buyer) -> Vec<u8> {
    let mut o: Value = serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    o["id"] = json!(b.order_id);
    o["name"] = json!(format!("#{}", b.order_id % 10_000));
    o["email"] = json!(b.email);
    o["contact_email"] = json!(b.email);
    o["phone"] = json!(b.phone);
    for address in ["billing_address", "shipping_address"] {
        o[address]["first_name"] = json!(b.first);
        o[address]["last_name"] = json!(b.last);
        o[address]["name"] = json!(format!("{} {}", b.first, b.last));
        o[address]["address1"] = json!(b.street);
        o[address]["phone"] = json!(b.phone);
    }
    let c = &mut o["customer"];
    c["id"] = json!(b.customer_id);
    c["first_name"] = json!(b.first);
    c["last_name"] = json!(b.last);
    c["email"] = json!(b.email);
    c["phone"] = json!(b.phone);
    c["default_address"]["first_name"] = json!(b.first);
    c["default_address"]["last_name"] = json!(b.last);
    c["default_address"]["name"] = json!(format!("{} {}", b.first, b.last));
    c["default_address"]["address1"] = json!(b.street);
    c["default_address"]["customer_id"] = json!(b.customer_id);
    o.to_string().into_bytes()
}

fn dispute(b: &Buyer) -> Vec<u8> {
    let mut d: Value = serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
    d["id"] = json!(b.dispute_id);
    d["order_id"] = json!(b.order_id);
    d.to_string().into_bytes()
}

fn return_request(b: &Buyer) -> Vec<u8> {
    let mut r: Value = serde_json::from_slice(&fixture("returns__request.json")).unwrap();
    // Return ids are kept apart from every buyer's dispute id: a case key that named
    // another buyer's dispute would send this buyer's notes and files to that ticket.
    let return_id = b.dispute_id + 50_000;
    r["id"] = json!(return_id);
    r["admin_graphql_api_id"] = json!(format!("gid://shopify/Return/{return_id}"));
    r["order"]["id"] = json!(b.order_id);
    r["total_return_line_items"] = json!(1);
    r["return_line_items"] = json!([{
        "id": b.dispute_id + 2,
        "quantity": 1,
        "return_reason": "DEFECTIVE",
        "return_reason_note": "",
        "customer_note": b.note,
    }]);
    r.to_string().into_bytes()
}

fn redact(b: &Buyer) -> Vec<u8> {
    json!({
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": b.customer_id, "email": b.email, "phone": b.phone},
        "orders_to_redact": [b.order_id],
    })
    .to_string()
    .into_bytes()
}

/// `helloword serve` with the Shopify connector, as this test talks to it.
struct Gateway(Served);

impl std::ops::Deref for Gateway {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.0
    }
}

impl Gateway {
    async fn deliver(&self, topic: &str, body: &[u8], id: &str) {
        let status = deliver_shopify(&self.client, &self.base, topic, body, id).await;
        assert_eq!(status, 200, "{topic} {id}");
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        api_call(
            &self.client,
            &self.base,
            TOKEN,
            method,
            path,
            body.as_deref(),
        )
        .await
    }

    /// The ticket of `b`'s chargeback, once the engine made it.
    async fn dispute_ticket(&self, b: &Buyer) -> Value {
        for _ in 0..400 {
            let (status, list) = self.api("GET", "/api/tickets?limit=200", None).await;
            assert_eq!(status, 200, "{list}");
            if let Some(t) =
                list["tickets"].as_array().unwrap().iter().find(|t| {
                    t["case_key"].as_str() == Some(format!("case:{}", b.dispute_id).as_str())
                })
            {
                return t.clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no ticket for dispute {}", b.dispute_id);
    }
}

async fn start_gateway(dir: &Path) -> Gateway {
    let plugins = dir.join("plugins/shopify");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        test_artifacts::SHOPIFY,
        plugins.join("shopify_connector.wasm"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
        plugins.join("plugin.toml"),
    )
    .unwrap();
    // Replies go by e-mail (Shopify has no messaging API); nothing listens on the SMTP port,
    // so the reply stays in the outbox with the buyer's words and address for the erasure.
    Gateway(
        serve(
            dir,
            &format!(
                "[plugins]\ndir = \"plugins\"\nwatch_interval_ms = 0\n{TEST_GRANTS}\
                 [api.tokens]\nlead = \"lead_token\"\n\
                 [secrets]\nshopify_client_secret = {{ value = \"{SECRET}\" }}\n\
                 lead_token = {{ value = \"{TOKEN}\" }}\n\
                 [[tickets.agents]]\nname = \"lead\"\nlead = true\ncapacity = 50\n\
                 [plugins.config.shopify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"1\"\n\
                 smtp_security = \"none\"\nsmtp_username = \"support@shop.example\"\n\
                 support_email = \"support@shop.example\"\n"
            ),
        )
        .await,
    )
}

/// Plant `b`'s personal data through every path; returns the chargeback ticket's id.
async fn plant(gw: &Gateway, b: &Buyer) -> u64 {
    gw.deliver("orders/updated", &order(b), &format!("o-{}", b.order_id))
        .await;
    gw.deliver(
        "disputes/create",
        &dispute(b),
        &format!("d-{}", b.dispute_id),
    )
    .await;
    gw.deliver(
        "returns/request",
        &return_request(b),
        &format!("r-{}", b.dispute_id),
    )
    .await;
    let ticket = gw.dispute_ticket(b).await;
    let id = ticket["id"].as_u64().unwrap();
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/notes"),
            Some(json!({"text": format!("{} — called {} {}", b.agent_note, b.first, b.phone)})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/follow-ups"),
            Some(json!({"what": b.follow_up, "due_in_minutes": 600})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/reply"),
            Some(json!({"body": format!("Dear {} {}, {}", b.first, b.last, b.reply), "language": "en"})),
        )
        .await;
    assert!(status == 200 || status == 202, "{status} {body}");
    let (status, link) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/upload-link"),
            Some(json!({"days": 3})),
        )
        .await;
    assert_eq!(status, 200, "{link}");
    let path = link["path"].as_str().unwrap();
    let (base_path, query) = path.split_once('?').unwrap();
    let photo = [
        &[0xFF, 0xD8, 0xFF, 0xE0][..],
        b.file_marker.as_bytes(),
        &[7u8; 512][..],
    ]
    .concat();
    let r = gw
        .client
        .put(format!("{}{base_path}/{}?{query}", gw.base, b.file_name))
        .body(photo)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    id
}

/// Where each canary occurs among `files`, as "canary in file".
fn hits(files: &[PathBuf], canaries: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for canary in canaries {
            if bytes
                .windows(canary.len())
                .any(|w| w.eq_ignore_ascii_case(canary.as_bytes()))
            {
                found.push(format!("{canary} in {}", file.display()));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erased_buyers_leave_no_trace_in_the_data_folder_or_a_later_export() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_gateway(tmp.path()).await;
    let mut tickets = Vec::new();
    for b in [&ALICE, &BORIS, &CLARA] {
        tickets.push(plant(&gw, b).await);
    }
    let data = tmp.path().join("data");
    // Everything planted is there to be found before the erasure.
    for b in [&ALICE, &BORIS, &CLARA] {
        let before = hits(&files_under(&data), &b.canaries());
        for canary in b.canaries() {
            assert!(
                before
                    .iter()
                    .any(|h| h.starts_with(&format!("{canary} in "))),
                "{canary} was never stored: the test would prove nothing"
            );
        }
    }

    // The desk's search finds each buyer by name, e-mail and what they wrote on the return.
    let found = |q: &str| {
        let gw = &gw;
        let q = q.to_string();
        async move {
            let path = format!("/api/tickets?q={}", q.replace(' ', "+").replace('@', "%40"));
            let (status, body) = gw.api("GET", &path, None).await;
            assert_eq!(status, 200, "{body}");
            body["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_u64().unwrap())
                .collect::<Vec<u64>>()
        }
    };
    let searches = |b: &Buyer| {
        vec![
            b.last.to_string(),
            b.email.to_string(),
            b.note.split(": ").nth(1).unwrap().to_string(),
        ]
    };
    for (b, id) in [
        (&ALICE, tickets[0]),
        (&BORIS, tickets[1]),
        (&CLARA, tickets[2]),
    ] {
        for q in searches(b) {
            assert!(found(&q).await.contains(&id), "{q} does not find #{id}");
        }
    }

    // Alice by Shopify's mandatory webhook…
    gw.deliver("customers/redact", &redact(&ALICE), "redact-alice")
        .await;
    let profile = format!("/api/customers/email:{}", ALICE.email);
    let mut gone = false;
    for _ in 0..400 {
        if gw.api("GET", &profile, None).await.0 == 404 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(gone, "Alice's profile outlived her erasure request");
    // …Boris by the operator.
    let (status, body) = gw
        .api(
            "POST",
            "/api/erasures",
            Some(json!({"marketplace": "shopify", "email": BORIS.email})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["erased"]["profiles"], 1, "{body}");
    assert!(body["erased"]["tickets"].as_u64().unwrap() >= 1, "{body}");
    assert!(body["erased"]["files"].as_u64().unwrap() >= 1, "{body}");
    // A request that names nobody is refused and changes nothing.
    let (status, body) = gw
        .api(
            "POST",
            "/api/erasures",
            Some(json!({"marketplace": "shopify"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("name either a buyer")
    );

    // The store is rewritten in place; the gateway comes back.
    let before = gw.started_at().await.unwrap();
    let (status, body) = gw.api("POST", "/api/compact", None).await;
    assert_eq!(status, 202, "{body}");
    let mut back = false;
    for _ in 0..1200 {
        if gw.started_at().await.is_some_and(|s| s != before) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back, "the gateway did not come back after compacting");
    let (status, export) = gw.api("POST", "/api/export", None).await;
    assert_eq!(status, 200, "{export}");

    let files = files_under(&data);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with(export["path"].as_str().unwrap())
                || f == Path::new(export["path"].as_str().unwrap())),
        "the export is in the data folder, and so is searched"
    );
    let erased: Vec<&str> = ALICE
        .canaries()
        .into_iter()
        .chain(BORIS.canaries())
        .collect();
    assert_eq!(hits(&files, &erased), Vec::<String>::new());
    // The search does find what was not erased, in the store and in the export.
    let kept = hits(&files, &CLARA.canaries());
    for canary in CLARA.canaries() {
        assert!(
            kept.iter().any(|h| h.starts_with(&format!("{canary} in "))),
            "{canary} vanished though Clara was not erased: {kept:?}"
        );
    }
    assert!(
        kept.iter().any(|h| h.ends_with(".export")),
        "Clara's data is in the export: {kept:?}"
    );

    // The search forgot the erased buyers, not Clara.
    for b in [&ALICE, &BORIS] {
        for q in searches(b) {
            assert_eq!(
                found(&q).await,
                Vec::<u64>::new(),
                "{q} still finds a ticket"
            );
        }
    }
    for q in searches(&CLARA) {
        assert!(
            found(&q).await.contains(&tickets[2]),
            "{q} no longer finds Clara"
        );
    }

    // The books keep the erased buyers' cases: ids, amounts, outcomes.
    for (b, id) in [(&ALICE, tickets[0]), (&BORIS, tickets[1])] {
        let (status, body) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
        assert_eq!(status, 200, "{body}");
        let t = &body["ticket"];
        assert_eq!(t["amount"]["minor_units"], 1150, "{t}");
        assert_eq!(
            t["summary"], "Chargeback opened: fraudulent, 11.50 CAD",
            "{t}"
        );
        assert!(t["customer"].is_null(), "{t}");
        assert!(!body.to_string().contains(b.first));
    }
    // The audit log says who erased and how much, never whom.
    let (status, audit) = gw.api("GET", "/api/audit?limit=50", None).await;
    assert_eq!(status, 200, "{audit}");
    let lines: Vec<&Value> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["what"].as_str().unwrap().contains("erased"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["who"] == "lead" && l["what"].as_str().unwrap().contains("1 profile(s)")),
        "{audit}"
    );
    assert!(lines.iter().any(|l| l["who"] == "system"), "{audit}");
    gw.0.stop();
}
