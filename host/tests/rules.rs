//! Issue 27, item 1: a marketplace's rules are data its connector declares (`[rules]` in
//! plugin.toml); the gateway applies them without knowing the marketplace's name.
//!
//! Each test runs a whole gateway on loopback with the real connectors built from this
//! repository, and goes through the HTTP interface: webhooks in, the API out. The first runs
//! the real `helloword serve` binary, watching its plugin folder as an operator runs it.

mod common;

use std::path::Path;

use common::gateway::*;
use serde_json::{Value, json};

const WOO_SECRET: &str = "woo-rules-secret";

/// A marketplace nobody has heard of: the echo test connector declaring its own rules.
const PARCELPOST_RULES: &str = r#"
[rules]
own_sites = ["parcelpost"]
[rules.messages]
links = "block"
contact_details = "warn"
off_platform = "warn"
marketing = "warn"
language = "warn"
[[rules.deadlines]]
name = "parcelpost.buyer_message"
kinds = ["buyer-message"]
window = { calendar = "36h" }
"#;

/// What the gateway config grants the parcelpost connector (it asks what echo asks).
const PARCELPOST_GRANTS: &str =
    "[plugins.grants.parcelpost]\nsecrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1\"]\n";

/// The seller's targets are all three days, so a marketplace's window, when it has one, is
/// what sets a deadline.
const SLOW_TARGETS: &str = "[tickets.targets]\nred = \"72h\"\nyellow = \"72h\"\nblue = \"72h\"\n";

/// `POST /api/compliance/check` on the gateway at `base`, as the lead.
async fn check_at(
    client: &reqwest::Client,
    base: &str,
    marketplace: &str,
    text: &str,
) -> (u16, Value) {
    let response = client
        .post(format!("{base}/api/compliance/check"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(json!({ "text": text, "marketplace": marketplace, "language": "en" }).to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

async fn check(gw: &Running, marketplace: &str, text: &str) -> (u16, Value) {
    check_at(&gw.client, &gw.base, marketplace, text).await
}

fn blocking_rules(found: &Value) -> Vec<String> {
    found["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocking"] == true)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A connector for a marketplace the gateway never heard of, dropped into the plugin folder
/// of a running `helloword serve`: the folder watcher loads it, its ticket is due under its
/// own window and its replies meet its own guard. No gateway change.
#[tokio::test]
async fn a_connector_for_an_unknown_marketplace_brings_its_deadlines_and_its_guard() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let config = format!(
        "[storage]\ndata_dir = \"{data}\"\n\
         [plugins]\ndir = \"{plugins}\"\nwatch_interval_ms = 100\n{PARCELPOST_GRANTS}\
         [api.tokens]\nlead = \"lead_token\"\n\
         [secrets]\nlead_token = {{ value = \"{TOKEN}\" }}\n\
         echo_secret = {{ value = \"{echo}\" }}\n{SLOW_TARGETS}",
        data = tmp.path().join("data").display(),
        plugins = plugins.display(),
        echo = common::ECHO_SECRET,
    );
    let gw = common::served::serve(tmp.path(), &config).await;
    // Before the connector is there, nobody can ask for its rules.
    let (status, refused) = check_at(&gw.client, &gw.base, "parcelpost", "hello").await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"], "unknown-marketplace", "{refused}");

    // Dropped in whole, as an author would; the gateway's folder watcher picks it up.
    let staging = tmp.path().join("parcelpost.staging");
    std::fs::create_dir_all(&staging).unwrap();
    common::echo_folder(&staging, "parcelpost", PARCELPOST_RULES);
    std::fs::rename(staging.join("parcelpost"), plugins.join("parcelpost")).unwrap();
    let mut loaded = false;
    for _ in 0..200 {
        let listed = gw
            .get("/api/plugins", Some(TOKEN))
            .await
            .unwrap_or_default();
        let ours = listed["plugins"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["id"] == "parcelpost").cloned());
        if let Some(plugin) = ours {
            assert!(plugin["error"].is_null(), "{plugin}");
            if plugin["content_hash"].is_string() {
                loaded = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(loaded, "the watcher did not load the connector");

    let body = b"Where is my parcel? It was due on Monday.";
    let status = common::deliver_echo(&gw.client, &gw.base, "parcelpost", body, "pp-1").await;
    assert_eq!(status, 200);
    let mut tickets = Value::Null;
    for _ in 0..200 {
        tickets = gw
            .get("/api/tickets", Some(TOKEN))
            .await
            .unwrap_or_default();
        if tickets["tickets"].as_array().is_some_and(|t| !t.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let id = tickets["tickets"][0]["id"]
        .as_u64()
        .expect("the buyer's message is a ticket");
    let shown = gw
        .get(&format!("/api/tickets/{id}"), Some(TOKEN))
        .await
        .unwrap();
    let ticket = &shown["ticket"];
    assert_eq!(ticket["marketplace"], "parcelpost", "{shown}");
    assert_eq!(
        ticket["due"]["source"]["name"], "parcelpost.buyer_message",
        "{shown}"
    );
    let at = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert_eq!(
        at(&ticket["opened_at"]).duration_until(at(&ticket["due"]["at"])),
        jiff::SignedDuration::from_hours(36),
        "36 hours of calendar time from arrival: {shown}"
    );

    // Its guard: links block, except to its own site; contact details only warn.
    let (status, found) = check_at(
        &gw.client,
        &gw.base,
        "parcelpost",
        "Track it at https://tracking.example/123 or on https://www.parcelpost.test/help, \
         or write to help@seller.example.",
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["blocked"], true, "{found}");
    assert_eq!(blocking_rules(&found), ["link"], "{found}");
    let all: Vec<&str> = found["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["excerpt"].as_str().unwrap())
        .collect();
    assert!(
        !all.iter().any(|e| e.contains("parcelpost.test")),
        "its own site is not reported: {found}"
    );
    assert!(all.contains(&"help@seller.example"), "{found}");
    gw.stop();
}

#[tokio::test]
async fn a_stores_contact_details_pass_on_woocommerce_and_are_blocked_on_amazon() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    common::drop_in_woocommerce(&plugins);
    common::install_amazon(&plugins);
    let gw = start_with(
        tmp.path(),
        &format!("woocommerce_webhook_secret = {{ value = \"{WOO_SECRET}\" }}\n"),
    )
    .await;
    assert!(
        gw.app.plugins.get("amazon").is_some(),
        "{:?}",
        gw.app.plugins.statuses()
    );
    let text = "Happy to help: write to service@shop.example.com or call +49 30 1234567.";

    let (status, amazon_found) = check(&gw, "amazon", text).await;
    assert_eq!(status, 200, "{amazon_found}");
    assert_eq!(
        blocking_rules(&amazon_found),
        ["email-address", "phone-number"],
        "{amazon_found}"
    );
    let (_, woo_found) = check(&gw, "woocommerce", text).await;
    assert_eq!(woo_found["blocked"], false, "{woo_found}");
    assert_eq!(
        woo_found["findings"].as_array().unwrap().len(),
        2,
        "shown to the agent, not blocked: {woo_found}"
    );

    // The reply itself, on a WooCommerce buyer's ticket: queued, not refused.
    let body = common::woo_order_with_note("Can I still change the delivery address?");
    let status =
        common::deliver_woo_order(&gw.client, &gw.base, WOO_SECRET, &body, "rules-1").await;
    assert_eq!(status, 200);
    gw.settled().await;
    let ticket = gw
        .queue()
        .into_iter()
        .find(|t| t.marketplace == "woocommerce")
        .expect("the buyer's note is a ticket");
    let (status, replied) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/reply", ticket.id),
            Some(&json!({ "body": text, "language": "en" }).to_string()),
        )
        .await;
    assert_eq!(status, 200, "{replied}");
    gw.stop().await;
}

#[tokio::test]
async fn an_invalid_rule_refuses_the_connector_naming_the_plugin_and_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    common::echo_folder(
        &plugins,
        "badrules",
        "[rules]\n[[rules.deadlines]]\nname = \"badrules.case\"\nkinds = [\"not-received\"]\n\
         window = { business_days = { days = 3, time_zone = \"Mars/Olympus\" } }\n",
    );
    common::echo_folder(
        &plugins,
        "negative",
        "[rules]\n[[rules.deadlines]]\nname = \"negative.case\"\nkinds = [\"not-received\"]\n\
         window = { calendar = \"-24h\" }\n",
    );
    let gw = start_with(
        tmp.path(),
        &format!("echo_secret = {{ value = \"{}\" }}\n", common::ECHO_SECRET),
    )
    .await;
    assert!(gw.app.plugins.get("badrules").is_none());
    assert!(gw.app.plugins.get("negative").is_none());
    let (status, listed) = gw.api("GET", "/api/plugins", None).await;
    assert_eq!(status, 200);
    let text = listed.to_string();
    for (plugin, says) in [
        ("badrules", "Mars/Olympus"),
        ("negative", "expected a positive duration"),
    ] {
        let manifest = format!("{plugin}/plugin.toml");
        assert!(
            text.contains(&manifest) && text.contains(says),
            "{plugin}: {says} not in {listed:#}"
        );
    }
    // The line and the rule are named too.
    assert!(
        text.contains("line 12: rule \\\"badrules.case\\\": "),
        "{listed:#}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn an_operator_override_replaces_a_connectors_window_by_the_rules_name() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    common::echo_folder(&plugins, "parcelpost", PARCELPOST_RULES);
    let gw = start_with(
        tmp.path(),
        &format!(
            "echo_secret = {{ value = \"{}\" }}\n{SLOW_TARGETS}{PARCELPOST_GRANTS}\
             [[tickets.rule_overrides]]\nname = \"parcelpost.buyer_message\"\n\
             window = {{ calendar = \"12h\" }}\n",
            common::ECHO_SECRET
        ),
    )
    .await;
    let body = b"Is it shipped yet?";
    let status = common::deliver_echo(&gw.client, &gw.base, "parcelpost", body, "pp-2").await;
    assert_eq!(status, 200);
    gw.settled().await;
    let ticket = gw
        .queue()
        .into_iter()
        .find(|t| t.marketplace == "parcelpost")
        .unwrap();
    assert_eq!(
        ticket.opened_at.duration_until(ticket.due.at),
        jiff::SignedDuration::from_hours(12)
    );
    gw.stop().await;
}

/// Item 1: no marketplace's name in the gateway's own code outside tests and comments, so
/// a connector is all a marketplace needs.
#[test]
fn no_marketplace_is_named_in_the_gateways_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut named = Vec::new();
    for file in common::files_under(&src) {
        let Some(ext) = file.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !matches!(ext, "rs" | "js" | "html" | "css") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in code_lines(&text) {
            let lower = line.to_lowercase();
            if ["amazon", "ebay", "shopify", "woocommerce"]
                .iter()
                .any(|m| lower.contains(m))
            {
                named.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        named.is_empty(),
        "a marketplace named in host/src: {named:#?}"
    );
    // The check sees what it is for: a name in code is found, one in a comment or a test
    // module is not.
    let sample =
        "// Shopify sends\nlet a = \"ebay\";\n#[cfg(test)]\nmod tests {\n    \"amazon\"\n}\n";
    let found: Vec<usize> = code_lines(sample)
        .into_iter()
        .filter(|(_, l)| l.contains("ebay") || l.contains("amazon") || l.contains("Shopify"))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found, [2]);
}

/// The lines of `text` that are code: `//` comments dropped, and the item under each
/// `#[cfg(test)]` skipped (a one-line item, or to its closing brace at its indentation).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // After `#[cfg(test)]`: the item's first line (`None`), then its closing brace.
    let mut skipping: Option<Option<String>> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &skipping {
            Some(None) if trimmed.ends_with(';') => {
                skipping = None;
                continue;
            }
            Some(None) => {
                let indent = &line[..line.len() - trimmed.len()];
                skipping = Some(Some(format!("{indent}}}")));
                continue;
            }
            Some(Some(end)) => {
                if line == end {
                    skipping = None;
                }
                continue;
            }
            None => {}
        }
        if trimmed.starts_with("#[cfg(test)]") {
            skipping = Some(None);
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        let code = match line.find(" // ") {
            Some(at) => &line[..at],
            None => line,
        };
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Issue 27, bad input: an action the ticket's connector does not offer is refused before
/// it is queued, naming what the connector lacks (the dashboard shows `not-supported` in the
/// agent's language); one it offers is queued as before.
#[tokio::test]
async fn an_action_the_connector_does_not_offer_is_refused_before_it_is_queued() {
    use helloword::plugin::bindings::types::{ActionKind, CouponSpec, Money, RefundSpec};
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    // The echo connector offers webhooks and refunds, nothing else.
    common::echo_folder(&plugins, "parcelpost", PARCELPOST_RULES);
    let gw = start_with(
        tmp.path(),
        &format!(
            "echo_secret = {{ value = \"{}\" }}\n{PARCELPOST_GRANTS}",
            common::ECHO_SECRET
        ),
    )
    .await;
    let body = b"The lamp arrived broken.";
    let status = common::deliver_echo(&gw.client, &gw.base, "parcelpost", body, "pp-3").await;
    assert_eq!(status, 200);
    gw.settled().await;
    let id = gw.queue()[0].id;
    let path = format!("/api/tickets/{id}/actions");
    let coupon = ActionKind::Coupon(CouponSpec {
        value: Money {
            minor_units: 500,
            currency: "EUR".into(),
        },
        code: None,
        expires_at: None,
    });
    let (status, refused) = gw
        .api(
            "POST",
            &path,
            Some(&json!({ "actions": [coupon] }).to_string()),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"], "not-supported");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("the parcelpost connector does not offer coupons"),
        "{refused}"
    );
    assert!(
        gw.app.store.actions(id).unwrap().is_empty(),
        "nothing queued"
    );
    let evidence = format!("/api/tickets/{id}/evidence");
    let (status, refused) = gw.api("POST", &evidence, Some("{}")).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (422, Some("not-supported"))
    );

    let refund = ActionKind::Refund(RefundSpec {
        amount: Some(Money {
            minor_units: 1999,
            currency: "EUR".into(),
        }),
        line_items: vec![],
        include_shipping: false,
        note: None,
        notify_buyer: true,
    });
    let (status, queued) = gw
        .api(
            "POST",
            &path,
            Some(&json!({ "actions": [refund] }).to_string()),
        )
        .await;
    assert_eq!(status, 200, "{queued}");
    assert_eq!(gw.app.store.actions(id).unwrap().len(), 1);
    gw.stop().await;
}
