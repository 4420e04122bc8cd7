//! The processing panel: the dashboard's HTTP surface over loopback, and the whole page in
//! real headless Chromium (Debian's `chromium`, driven by `tests/dashboard/run.js` with
//! playwright-core; `scripts/test-deps` installs both).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::alert_receivers;
use common::binary;
use common::gateway::{self, TOKEN, fixture};
use common::mail::Smtp;
use common::shopify_admin;
use helloword::plugin::bindings::types::ActionKind;
use helloword::tickets::model::Happening;

/// What a buyer typed as their name: must show as text and never run.
const HOSTILE: &str = "<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What that buyer wrote on the order: German, with markup that must stay text.
const HOSTILE_NOTE: &str = "Bitte stornieren Sie meine Bestellung, ich habe leider die falsche \
     Größe gewählt. <img src=x onerror=window.__pwned=4>";

/// A customer-cancelled Shopify order whose buyer calls themselves [`HOSTILE`] and wrote
/// [`HOSTILE_NOTE`].
fn hostile_cancellation() -> Vec<u8> {
    let mut order: serde_json::Value =
        serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["cancel_reason"] = "customer".into();
    order["cancelled_at"] = "2025-07-10T16:00:00-04:00".into();
    order["customer"]["first_name"] = HOSTILE.into();
    order["customer"]["last_name"] = serde_json::Value::Null;
    order["note"] = HOSTILE_NOTE.into();
    serde_json::to_vec(&order).unwrap()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sign in with `token`: (status, session cookie pair `hw_session=…`, body).
async fn sign_in(base: &str, token: &str) -> (u16, Option<String>, serde_json::Value) {
    let response = no_redirects()
        .post(format!("{base}/ui/session"))
        .body(serde_json::json!({ "token": token }).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    (status, cookie, json_of(response).await)
}

async fn json_of(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_files_come_from_the_binary_with_a_strict_csp() {
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway::start(dir.path()).await;
    let client = no_redirects();

    let root = client.get(format!("{}/", gw.base)).send().await.unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/ui/");

    for (path, kind) in [
        ("/ui/", "text/html"),
        ("/ui/app.js", "text/javascript"),
        ("/ui/app.css", "text/css"),
    ] {
        let response = client
            .get(format!("{}{path}", gw.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        // The browser's copy is revalidated by its ETag.
        let etag = headers["etag"].clone();
        let again = client
            .get(format!("{}{path}", gw.base))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    let page = client.get(format!("{}/ui/", gw.base)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("style="), "no inline styles");
    assert!(!html.contains("<script>"), "no inline scripts");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_becomes_a_session_cookie_and_state_changes_need_its_csrf_token() {
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway::start(dir.path()).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
            .await,
        200
    );
    gw.settled().await;
    let id = gw.queue()[0].id;

    let (status, cookie, body) = sign_in(&gw.base, "wrong").await;
    assert_eq!(status, 401);
    assert!(cookie.is_none());
    assert_eq!(body["error"], "unknown-token");

    let (status, cookie, body) = sign_in(&gw.base, TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"], "lead");
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly; SameSite=Strict; Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let csrf = body["csrf"].as_str().unwrap().to_string();
    let client = no_redirects();

    // Reading needs only the cookie.
    let queue = client
        .get(format!("{}/api/tickets", gw.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200);

    // A state change without the CSRF token, or with a wrong one, is refused by name.
    let note = |csrf: Option<&str>| {
        let mut req = client
            .post(format!("{}/api/tickets/{id}/notes", gw.base))
            .header("cookie", &session)
            .body(r#"{"text": "called the bank"}"#);
        if let Some(csrf) = csrf {
            req = req.header("x-csrf-token", csrf);
        }
        req.send()
    };
    let refused = note(None).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body = json_of(refused).await;
    assert_eq!(body["error"], "csrf-token-missing");
    let refused = note(Some("forged")).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body = json_of(refused).await;
    assert_eq!(body["error"], "csrf-token-invalid");
    assert_eq!(note(Some(&csrf)).await.unwrap().status(), 200);

    // Bearer tokens are unaffected.
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/notes"),
            Some(r#"{"text": "by token"}"#),
        )
        .await;
    assert_eq!(status, 200);

    // Signing out needs the CSRF token too, and ends the session.
    let out = client
        .delete(format!("{}/ui/session", gw.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 403);
    let out = client
        .delete(format!("{}/ui/session", gw.base))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = client
        .get(format!("{}/api/tickets", gw.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway::start(dir.path()).await;
    let response = no_redirects()
        .post(format!("{}/ui/session", gw.base))
        .header("x-forwarded-proto", "https")
        .body(serde_json::json!({ "token": TOKEN }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    gw.stop().await;
}

fn driver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dashboard")
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dashboard-screenshots")
}

/// Sign in, watch a chargeback appear in the red lane without a reload, switch to Chinese,
/// and see a buyer's HTML stay text — in real headless Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_sees_a_red_ticket_live_and_renders_buyer_html_inert() {
    assert!(
        Path::new("/usr/bin/chromium").exists() && driver_dir().join("node_modules").exists(),
        "Chromium or the browser driver is missing: run scripts/test-deps"
    );
    let dir = tempfile::tempdir().unwrap();
    // The language packs: a template draft with its culture tips on the Chinese page.
    common::install_locale_packs(dir.path());
    let gw = gateway::start(dir.path()).await;
    assert_eq!(
        gw.deliver("orders/cancelled", &hostile_cancellation(), "w-o")
            .await,
        200
    );
    gw.settled().await;

    let mut driver = Driver::spawn("run.js", &gw.base, &[]);
    let mut said = Vec::new();
    let ready = driver.read_until("READY", &mut said).await;
    assert!(ready, "the driver never got ready: {said:#?}");

    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
            .await,
        200
    );
    driver.go_on();

    let passed = driver.read_until("PASS", &mut said).await;
    let status = driver.finish();
    assert!(
        passed && status.success(),
        "the browser run failed ({status}); screenshots in {}:\n{}",
        screenshot_dir().display(),
        said.join("\n")
    );
    gw.stop().await;
}

/// The support mailbox's SMTP login of the desk run.
const DESK_SMTP_USER: &str = "support@desk-test.example";
const DESK_SMTP_PASSWORD: &str = "desk-smtp-password";

/// The team for the desk run: `ana` takes no tickets by herself (capacity 0), so every
/// ticket she owns was given to her by hand.
fn desk_team() -> String {
    format!(
        "shopify_admin_token = {{ value = \"{}\" }}\n\
         [actions]\nretry_base_ms = 50\n\
         [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 5\n\
         [[tickets.agents]]\nname = \"mei\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
         languages = [\"en\"]\ncapacity = 5\n\
         [[tickets.agents]]\nname = \"ana\"\ncapacity = 0\n",
        shopify_admin::ADMIN_TOKEN
    )
}

/// The test policy that refunds every case, waiting for an agent's approval.
fn install_refund_policy(dir: &Path) {
    shopify_admin::install_policy_with(dir, "tier = \"agent\"\n");
}

/// Batch-assign two tickets from the keyboard, reply to a return request from a template
/// (culture tips shown, an e-mail address flagged while typing), approve its refund, and
/// send two tickets a coupon from the batch bar — in real headless Chromium, checked
/// afterwards through the store, the outbox and the Admin API stand-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_batch_assigns_replies_from_a_template_and_approves_a_refund() {
    assert!(
        Path::new("/usr/bin/chromium").exists() && driver_dir().join("node_modules").exists(),
        "Chromium or the browser driver is missing: run scripts/test-deps"
    );
    let dir = tempfile::tempdir().unwrap();
    common::install_locale_packs(dir.path());
    install_refund_policy(dir.path());
    let (admin, port) = shopify_admin::start().await;
    let folder = shopify_admin::install_connector(dir.path(), port);
    // Replies go by e-mail through a real SMTP server.
    let smtp = Smtp::start_with_login(&dir.path().join("smtp"), DESK_SMTP_USER, DESK_SMTP_PASSWORD);
    let manifest = std::fs::read_to_string(folder.join("plugin.toml"))
        .unwrap()
        .replacen(
            "allowed_hosts = [",
            &format!("allowed_hosts = [\"127.0.0.1:{}\", ", smtp.port),
            1,
        )
        .replacen(
            "[config]\n",
            &format!(
                "[config]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"{}\"\n\
                 smtp_security = \"none\"\nsmtp_username = \"{DESK_SMTP_USER}\"\n\
                 support_email = \"{DESK_SMTP_USER}\"\n",
                smtp.port
            ),
            1,
        );
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
    let team = format!(
        "shopify_smtp_password = {{ value = \"{DESK_SMTP_PASSWORD}\" }}\n{}",
        desk_team()
    );
    let gw = gateway::start_with(dir.path(), &team).await;
    for (topic, body, id) in [
        (
            "returns/request",
            fixture("returns__request.json"),
            "desk-1",
        ),
        (
            "disputes/create",
            fixture("disputes__create.json"),
            "desk-2",
        ),
        ("orders/cancelled", hostile_cancellation(), "desk-3"),
    ] {
        assert_eq!(gw.deliver(topic, &body, id).await, 200, "{topic}");
    }
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 3, "{queue:#?}");
    let returned = queue
        .iter()
        .find(|t| t.summary.to_lowercase().contains("return"))
        .unwrap_or_else(|| panic!("a return ticket: {queue:#?}"))
        .id;
    // The cancelled order's buyer has a country, so its drafts come with culture tips.
    let cancelled = queue
        .iter()
        .find(|t| t.summary.contains("cancelled"))
        .unwrap_or_else(|| panic!("a cancellation ticket: {queue:#?}"))
        .id;
    // The policy is asked when a case opens; wait for the return's proposal.
    for _ in 0..300 {
        if !gw.app.store.proposals(returned).unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!gw.app.store.proposals(returned).unwrap().is_empty());

    let (reply_to, refund) = (cancelled.to_string(), returned.to_string());
    let mut driver = Driver::spawn("desk.js", &gw.base, &["ana", &reply_to, &refund]);
    let mut said = Vec::new();
    let passed = driver.read_until("PASS", &mut said).await;
    let status = driver.finish();
    assert!(
        passed && status.success(),
        "the browser run failed ({status}); screenshots in {}:\n{}",
        screenshot_dir().display(),
        said.join("\n")
    );

    let assigned: Vec<u64> = said
        .iter()
        .find_map(|l| l.strip_prefix("ASSIGNED "))
        .expect("the driver names the tickets it assigned")
        .split(' ')
        .map(|id| id.parse().unwrap())
        .collect();
    assert_eq!(assigned.len(), 2);
    for id in assigned {
        let ticket = gw.app.store.ticket(id).unwrap().unwrap();
        assert_eq!(ticket.assignee.as_deref(), Some("ana"), "ticket {id}");
    }
    let timeline = gw.app.store.timeline(cancelled).unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| matches!(&e.what, Happening::ReplySent { by, .. } if by == "lead")),
        "the reply is on the timeline: {timeline:#?}"
    );
    // The delivered reply is the mail the SMTP server took, to the order's buyer; the one
    // on the return (whose order told no address) never left.
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("To: jon@example.com"), "{}", sent[0]);
    let proposals = gw.app.store.proposals(returned).unwrap();
    let approved = said
        .iter()
        .find_map(|l| l.strip_prefix("APPROVED "))
        .expect("the driver names the proposal it approved");
    let approved = proposals
        .iter()
        .find(|p| p.id.to_string() == approved)
        .expect("the approved proposal");
    assert!(
        matches!(&approved.state, helloword::actions::ProposalState::Approved { by, .. } if by == "lead"),
        "{approved:?}"
    );
    // The return's next step queued its decision, with the agent's note to the buyer.
    let decided = gw
        .app
        .store
        .actions(returned)
        .unwrap()
        .into_iter()
        .find_map(|a| match a.action.kind {
            helloword::plugin::bindings::types::ActionKind::ReturnDecision(d) => Some(d),
            _ => None,
        })
        .expect("the return decision is in the outbox");
    assert!(decided.approve);
    assert_eq!(
        decided.note.as_deref(),
        Some("Please use the prepaid label we e-mail you.")
    );
    // The approval queued the refund, and it reached the marketplace once.
    for _ in 0..300 {
        if admin.refund_count() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(admin.refund_count(), 1);

    // The batch coupon queued one 10.00 EUR coupon for each of the two tickets, and no other.
    let mut couponed: Vec<u64> = said
        .iter()
        .find_map(|l| l.strip_prefix("COUPONS "))
        .expect("the driver names the tickets it sent coupons to")
        .split(' ')
        .map(|id| id.parse().unwrap())
        .collect();
    couponed.sort();
    let mut coupons = Vec::new();
    for ticket in gw.app.store.all_tickets() {
        for entry in gw.app.store.actions(ticket.unwrap().id).unwrap() {
            if let ActionKind::Coupon(coupon) = &entry.action.kind {
                coupons.push((entry.ticket, coupon.value.clone()));
            }
        }
    }
    assert_eq!(
        coupons
            .iter()
            .map(|(ticket, _)| *ticket)
            .collect::<Vec<_>>(),
        couponed,
        "one coupon action for each of the two tickets: {coupons:#?}"
    );
    for (_, value) in &coupons {
        assert_eq!((value.minor_units, value.currency.as_str()), (1000, "EUR"));
    }
    gw.stop().await;
}

/// A SKU written as HTML, as a careless marketplace listing might send it.
const HOSTILE_SKU: &str = "<img src=x onerror=window.__pwned=3>";

/// A failed delivery (a logistics-delay ticket) of order `order`, for an item with
/// [`HOSTILE_SKU`].
fn failed_fulfillment(order: u64, id: u64) -> Vec<u8> {
    let mut f: serde_json::Value =
        serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    f["id"] = id.into();
    f["order_id"] = order.into();
    f["shipment_status"] = "failure".into();
    f["line_items"][0]["sku"] = HOSTILE_SKU.into();
    serde_json::to_vec(&f).unwrap()
}

/// Open the Reports page (heatmap chart and table with the seeded tickets, the SKU as
/// text), switch to Chinese, open Segments (the satisfied buyer listed) — in real headless
/// Chromium, with no CSP violation or page error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_shows_the_reports_and_segments_in_both_languages() {
    assert!(
        Path::new("/usr/bin/chromium").exists() && driver_dir().join("node_modules").exists(),
        "Chromium or the browser driver is missing: run scripts/test-deps"
    );
    let dir = tempfile::tempdir().unwrap();
    // The Amazon connector brings its Order Defect Rate: the page offers it as a report.
    common::install_amazon(&dir.path().join("plugins"));
    let gw = gateway::start(dir.path()).await;
    for (i, order) in [7001_u64, 7002].into_iter().enumerate() {
        let body = failed_fulfillment(order, 9000 + i as u64);
        let status = gw
            .deliver("fulfillments/update", &body, &format!("w-f{i}"))
            .await;
        assert_eq!(status, 200);
    }
    gw.settled().await;
    // One buyer satisfied: the high-loyalty-potential segment has a row.
    let first = gw.queue()[0].id;
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{first}/status"),
            Some(r#"{"status": "resolved", "satisfied": true}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let mut driver = Driver::spawn("reports.js", &gw.base, &[HOSTILE_SKU, "jon@example.com"]);
    let mut said = Vec::new();
    let passed = driver.read_until("PASS", &mut said).await;
    let status = driver.finish();
    assert!(
        passed && status.success(),
        "the browser run failed ({status}); screenshots in {}:\n{}",
        screenshot_dir().display(),
        said.join("\n")
    );
    gw.stop().await;
}

/// The path an agent walks from an alert, through the `helloword` binary: a chargeback comes
/// in as a signed Shopify webhook, its alert reaches the real SMTP server (and the SMS and
/// webhook stand-ins), and the link in each — followed over HTTP, then in Chromium signed
/// out — opens the sign-in and after it the ticket's page. (The links once pointed at
/// `/tickets/<id>`, which answers 404.)
#[test]
fn the_link_in_each_alert_opens_the_tickets_page_in_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists() && driver_dir().join("node_modules").exists(),
        "Chromium or the browser driver is missing: run scripts/test-deps"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(&dir.path().join("smtp"));
    let (seen, stand_in) = runtime.block_on(alert_receivers::stand_ins());
    binary::install_shopify(dir.path());
    let gateway = binary::start_with(dir.path(), |port| {
        format!(
            "{}{}{}",
            binary::config(port, &binary::Setup::default()),
            alert_receivers::secrets(),
            alert_receivers::alerts_and_team(
                smtp.port,
                stand_in,
                &format!("http://127.0.0.1:{port}"),
                ""
            )
        )
    });
    let client = reqwest::blocking::Client::new();
    assert_eq!(
        binary::deliver(&client, &gateway.base, 4711),
        Some((200, None))
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (mail, sms, hook) = loop {
        let mail = smtp.messages();
        let seen = seen.lock().unwrap();
        if let (Some(mail), Some(sms), Some(hook)) =
            (mail.first(), seen.sms.first(), seen.hooks.first())
        {
            break (mail.clone(), sms.1.clone(), hook.clone());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no alert on every channel within 30 s: {} mail, {} SMS, {} webhooks, refused \
             {:?}\n{}",
            mail.len(),
            seen.sms.len(),
            seen.hooks.len(),
            seen.refused,
            binary::tail(&gateway.log())
        );
        drop(seen);
        std::thread::sleep(Duration::from_millis(50));
    };
    let tickets: serde_json::Value = serde_json::from_str(
        &client
            .get(format!("{}/api/tickets", gateway.base))
            .bearer_auth(binary::TOKEN)
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let id = tickets["tickets"][0]["id"].as_u64().unwrap();
    let page = format!("{}/ui/#/tickets/{id}", gateway.base);

    // The link each channel carries.
    let mail_link = mail
        .split_whitespace()
        .find(|word| word.starts_with(&gateway.base))
        .unwrap_or_else(|| panic!("no link in the mail:\n{mail}"))
        .to_string();
    let sms_link = sms.lines().last().unwrap_or_default().to_string();
    let hook_link = hook["data"]["url"].as_str().unwrap_or_default().to_string();
    for (channel, link) in [
        ("e-mail", &mail_link),
        ("SMS", &sms_link),
        ("webhook", &hook_link),
    ] {
        // The browser sends no fragment: the request is for the dashboard's page.
        let answer = client.get(link).send().unwrap();
        assert_eq!(answer.status(), 200, "{channel}: GET {link}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(link, &page, "the {channel} alert's link");
    }

    let id = id.to_string();
    let mut driver = Driver::spawn_as(
        "links.js",
        &gateway.base,
        binary::TOKEN,
        &[&id, &mail_link, &sms_link, &hook_link],
    );
    let mut said = Vec::new();
    let passed = runtime.block_on(driver.read_until("PASS", &mut said));
    let status = driver.finish();
    assert!(
        passed && status.success(),
        "the browser run failed ({status}); screenshots in {}:\n{}",
        screenshot_dir().display(),
        said.join("\n")
    );
    // What the SMTP server received, read by a strict RFC 5322 / MIME parser.
    smtp.check_well_formed();
}

/// `node tests/dashboard/<script>`, its stdout as lines; killed if the test fails first.
struct Driver {
    child: Child,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Driver {
    /// Run `script` with the gateway's address, the token, the screenshot folder and `extra`.
    fn spawn(script: &str, base: &str, extra: &[&str]) -> Driver {
        Driver::spawn_as(script, base, TOKEN, extra)
    }

    /// [`Driver::spawn`], signing in with `token`.
    fn spawn_as(script: &str, base: &str, token: &str, extra: &[&str]) -> Driver {
        let mut child = Command::new("node")
            .arg(driver_dir().join(script))
            .arg(base)
            .arg(token)
            .arg(screenshot_dir())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs (scripts/test-deps installs it)");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Driver { child, lines }
    }

    /// Collect lines into `said` until `wanted` (true) or the end or 90 s (false).
    async fn read_until(&mut self, wanted: &str, said: &mut Vec<String>) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.lines.recv()).await {
            let found = line == wanted;
            said.push(line);
            if found {
                return true;
            }
        }
        false
    }

    /// Tell the script the webhook is in.
    fn go_on(&mut self) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(b"delivered\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Wait for the script to exit (it closes the browser first).
    fn finish(&mut self) -> std::process::ExitStatus {
        drop(self.child.stdin.take());
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the browser driver did not exit");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
