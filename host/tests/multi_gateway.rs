//! Scale-out: three real `helloword serve` processes on one PostgreSQL database (a real
//! server from Debian's packages, started by the test kit), sharing a plugin folder, behind
//! a "load balancer" that sends each delivery to any of them and retries elsewhere when one
//! is gone — as a marketplace retries an unanswered webhook.
//!
//! Mid-run one gateway is killed with SIGKILL, and another aborts inside an action: after
//! the refund reached the marketplace, before it recorded the outcome. The survivor must
//! finish everything: every acknowledged delivery becomes its case's one ticket, every
//! proposal timer fires once (one refund decided per case), and the marketplace sees
//! exactly one refund per case.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::gateway::{SECRET, TOKEN, fixture, try_deliver_shopify};
use common::served::{Served, serve_with_env};
use common::{TEST_GRANTS, shopify_admin};
use helloword::store::Store;
use helloword::tickets::model::TimerKind;

/// Shopify's chargeback sample as dispute `id`.
fn dispute(id: u64) -> Vec<u8> {
    String::from_utf8(fixture("disputes__create.json"))
        .unwrap()
        .replace("285332461850802063", &id.to_string())
        .into_bytes()
}

/// Deliver `body` to the gateways from `first` on, moving to the next while one does not
/// answer 200; `None` when none did.
async fn deliver_anywhere(
    gateways: &[Option<Served>],
    first: usize,
    body: &[u8],
    webhook: &str,
) -> Option<usize> {
    let client = reqwest::Client::new();
    for attempt in 0..30 {
        let at = (first + attempt) % gateways.len();
        let Some(gw) = &gateways[at] else {
            continue;
        };
        let answer = try_deliver_shopify(&client, &gw.base, "disputes/create", body, webhook);
        if answer.await.is_ok_and(|status| status == 200) {
            return Some(at);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_gateways_on_one_database_do_everything_once_when_one_is_killed() {
    let url = helloword_testkit::postgres::server().fresh_database();
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    let (admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(&shared, port);
    shopify_admin::install_policy(&shared);
    let config = format!(
        "[storage]\nstore = \"{url}\"\ndata_dir = \"{data}\"\n\
         [plugins]\ndir = \"{plugins}\"\nwatch_interval_ms = 0\n{TEST_GRANTS}\
         [api.tokens]\nlead = \"lead_token\"\n\
         [secrets]\nshopify_client_secret = {{ value = \"{SECRET}\" }}\n\
         lead_token = {{ value = \"{TOKEN}\" }}\n\
         shopify_admin_token = {{ value = \"{admin_token}\" }}\n\
         [actions]\nretry_base_ms = 20\n",
        data = shared.join("data").display(),
        plugins = shared.join("plugins").display(),
        admin_token = shopify_admin::ADMIN_TOKEN,
    );
    let start = |i: usize, env: Vec<(&'static str, &'static str)>| {
        let dir = tmp.path().join(format!("gateway-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = config.clone();
        async move { serve_with_env(&dir, &config, &env).await }
    };
    // The gateway that dies inside the first refund it sends, after the marketplace made it,
    // runs alone first and gets the first case, so it is the one that sends that refund
    // (with all three up, the others could take every action under load, and nothing would
    // test the abort).
    let mut gateways: Vec<Option<Served>> = vec![
        None,
        None,
        Some(start(2, vec![("HELLOWORD_FAILPOINT", "outbox:after-send")]).await),
    ];
    let cases: u64 = 45;
    let mut acknowledged = BTreeMap::new();
    let first_case = dispute(7_000_000);
    for copy in 0..2usize {
        let webhook = format!("c0-d{copy}");
        let at = deliver_anywhere(&gateways, 2, &first_case, &webhook).await;
        let at = at.unwrap_or_else(|| panic!("the failpoint gateway did not take {webhook}"));
        acknowledged.insert(webhook, (0, at));
    }
    let mut aborted = false;
    for _ in 0..500 {
        if gateways[2].as_ref().unwrap().started_at().await.is_none() {
            aborted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(aborted, "the failpoint gateway aborted mid-action");
    gateways[0] = Some(start(0, vec![]).await);
    gateways[1] = Some(start(1, vec![]).await);

    // The other cases, each delivered twice with distinct webhook ids (a duplicate
    // subscription), the two copies to different gateways.
    for case in 1..cases {
        if case == cases / 3 {
            // SIGKILL, mid-load.
            gateways[1] = None;
        }
        let body = dispute(7_000_000 + case);
        for copy in 0..2usize {
            let webhook = format!("c{case}-d{copy}");
            let first = (case as usize + copy) % 3;
            let at = deliver_anywhere(&gateways, first, &body, &webhook).await;
            let at = at.unwrap_or_else(|| panic!("no gateway took delivery {webhook}"));
            acknowledged.insert(webhook, (case, at));
        }
    }

    let store = Store::open_postgres(&url).unwrap();
    let mut settled = false;
    for _ in 0..1500 {
        let tickets = store.queue(None, 1000).unwrap();
        let proposed = tickets.iter().all(|t| {
            t.timers
                .iter()
                .all(|timer| !matches!(timer.what, TimerKind::Propose { .. }))
        });
        if store.unapplied(1).unwrap().is_empty()
            && tickets.len() as u64 == cases
            && proposed
            && store.open_actions().unwrap().is_empty()
            && admin.refund_count() as u64 >= cases
        {
            settled = true;
            break;
        }
        if tickets.len() as u64 > cases || admin.refund_count() as u64 > cases {
            break; // Already wrong: say how below.
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    // Give a duplicate refund every chance to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tickets = store.queue(None, 1000).unwrap();
    assert!(
        settled,
        "the gateways did not finish: {} of {cases} tickets, {} refunds, open actions {:?}",
        tickets.len(),
        admin.refund_count(),
        store.open_actions().unwrap()
    );

    // Every acknowledged delivery is in the inbox, once.
    let inbox = store.inbox_after(None, 10_000).unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (_, record) in &inbox {
        if let Some(id) = &record.delivery_id {
            *seen.entry(id.clone()).or_default() += 1;
        }
    }
    for webhook in acknowledged.keys() {
        assert_eq!(seen.get(webhook), Some(&1), "delivery {webhook}");
    }
    // One ticket per case, each changed once, each with one refund decided (its proposal
    // timer fired once) and made once at the marketplace.
    assert_eq!(tickets.len() as u64, cases, "one ticket per case");
    let mut refunds = BTreeMap::new();
    for ticket in &tickets {
        assert_eq!(ticket.events, 1, "ticket {}: one state change", ticket.id);
        let actions = store.actions(ticket.id).unwrap();
        assert_eq!(actions.len(), 1, "ticket {}: one refund decided", ticket.id);
        let key = actions[0].action.idempotency_key.clone();
        refunds.insert(ticket.id, admin.refunds_with(&key));
    }
    assert!(
        refunds.values().all(|n| *n == 1),
        "refunds per ticket at the marketplace: {refunds:?}"
    );
    assert_eq!(admin.refund_count() as u64, cases);
    // The gateway with the failpoint stayed down; one gateway survived.
    let alive: Vec<bool> = gateways.iter().map(|g| g.is_some()).collect();
    assert_eq!(alive, [true, false, true]);
    assert!(gateways[2].as_ref().unwrap().started_at().await.is_none());
    gateways[0].take().unwrap().stop();
}

/// Open tickets as `GET /api/tickets` lists them on `gw`.
async fn listed(gw: &Served) -> Vec<serde_json::Value> {
    gw.get("/api/tickets?limit=500", Some(TOKEN))
        .await
        .and_then(|body| body["tickets"].as_array().cloned())
        .unwrap_or_default()
}

fn shared_config(url: &str, shared: &std::path::Path, extra: &str) -> String {
    format!(
        "[storage]\nstore = \"{url}\"\ndata_dir = \"{data}\"\n\
         [plugins]\ndir = \"{plugins}\"\nwatch_interval_ms = 100\n{TEST_GRANTS}\
         [api.tokens]\nlead = \"lead_token\"\n\
         [secrets]\nshopify_client_secret = {{ value = \"{SECRET}\" }}\n\
         lead_token = {{ value = \"{TOKEN}\" }}\n\
         woocommerce_webhook_secret = {{ value = \"woo-secret\" }}\n{extra}",
        data = shared.join("data").display(),
        plugins = shared.join("plugins").display(),
    )
}

/// A dashboard connected to one gateway sees the alert of a case another gateway took in;
/// a plugin dropped into the shared plugin folder is loaded by every gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_and_new_plugins_reach_every_gateway() {
    let url = helloword_testkit::postgres::server().fresh_database();
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    let (_admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(&shared, port);
    let config = shared_config(
        &url,
        &shared,
        "[alerts]\nred = [\"app\"]\n\
         [[tickets.agents]]\nname = \"mei\"\nskills = [\"payment\"]\nlanguages = [\"en\"]\ncapacity = 9\n",
    );
    let mut gateways = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        gateways.push(serve_with_env(&dir, &config, &[]).await);
    }
    let (a, b) = (&gateways[0], &gateways[1]);

    // A dashboard on each gateway; the chargeback arrives at gateway b. Whichever gateway
    // delivers the alert, one of the two dashboards hears it from the other gateway.
    let mut streams = Vec::new();
    for gw in [a, b] {
        let stream = gw
            .client
            .get(format!("{}/api/stream", gw.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        streams.push(stream);
    }
    let client = reqwest::Client::new();
    let body = String::from_utf8(dispute(6_000_001))
        .unwrap()
        .replace("2021-12-30T19:00:00-05:00", "2099-12-30T19:00:00-05:00");
    let status = try_deliver_shopify(
        &client,
        &b.base,
        "disputes/create",
        body.as_bytes(),
        "red-1",
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    for (name, stream) in ["a", "b"].into_iter().zip(&mut streams) {
        let mut text = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while !text.contains("event: alert") && std::time::Instant::now() < deadline {
            if let Ok(Ok(Some(chunk))) =
                tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await
            {
                text.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
        assert!(
            text.contains("event: alert"),
            "gateway {name}'s stream: {text}"
        );
        assert!(text.contains("6000001"), "the alert names the case: {text}");
        assert_eq!(text.matches("event: alert").count(), 1, "once: {text}");
    }
    drop(streams);

    // A connector dropped into the shared folder (built elsewhere, then moved in whole).
    common::drop_in_woocommerce(&shared.join("plugins"));
    for gw in &gateways {
        let mut loaded = serde_json::Value::Null;
        for _ in 0..100 {
            loaded = gw.get("/readyz", None).await.unwrap_or_default()["plugins_loaded"].clone();
            if loaded.to_string().contains("woocommerce") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            loaded.to_string().contains("woocommerce"),
            "{}: {loaded}",
            gw.base
        );
    }
    // Both gateways list the one ticket.
    for gw in &gateways {
        assert_eq!(listed(gw).await.len(), 1, "{}", gw.base);
    }
    // Compaction is sled's: asked of a gateway on PostgreSQL, it is refused, nothing restarts.
    let started = a.started_at().await;
    let refused = client
        .post(format!("{}/api/compact", a.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("not-compactable"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.started_at().await, started);
}

/// `helloword migrate`: a gateway's sled store moves into PostgreSQL, and a gateway on the
/// database carries on from there. Migrating into a database that holds data is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helloword_migrate_moves_a_sled_deployment_into_postgresql() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    let (_admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(&shared, port);
    let sled_config =
        shared_config("sled", &shared, "").replace("store = \"sled\"", "# store = \"sled\"");
    let dir = tmp.path().join("gateway");
    std::fs::create_dir_all(&dir).unwrap();
    let on_sled = serve_with_env(&dir, &sled_config, &[]).await;
    let client = reqwest::Client::new();
    for case in 0..3u64 {
        let body = dispute(5_000_000 + case);
        let webhook = format!("m{case}");
        let status =
            try_deliver_shopify(&client, &on_sled.base, "disputes/create", &body, &webhook);
        assert_eq!(status.await.unwrap(), 200);
    }
    for _ in 0..200 {
        if listed(&on_sled).await.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = listed(&on_sled).await;
    assert_eq!(before.len(), 3);
    on_sled.stop();

    let url = helloword_testkit::postgres::server().fresh_database();
    let pg_config = shared_config(&url, &shared, "");
    let file = tmp.path().join("pg.toml");
    std::fs::write(
        &file,
        format!("[server]\nlisten = \"127.0.0.1:1\"\n{pg_config}"),
    )
    .unwrap();
    let migrate = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_helloword"))
            .args(["migrate", "--config"])
            .arg(&file)
            .output()
            .unwrap()
    };
    let done = migrate();
    let said =
        String::from_utf8_lossy(&done.stdout).into_owned() + &String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{said}");
    assert!(said.contains("tickets"), "names what it moved: {said}");

    let pg_dir = tmp.path().join("on-postgres");
    std::fs::create_dir_all(&pg_dir).unwrap();
    let on_pg = serve_with_env(&pg_dir, &pg_config, &[]).await;
    let after = listed(&on_pg).await;
    let ids = |t: &[serde_json::Value]| t.iter().map(|t| t["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before), "the same tickets");
    // It carries on: a new case is a new ticket, a repeat of a migrated one is not.
    let repeat = dispute(5_000_000);
    let new = dispute(5_000_009);
    for (body, webhook) in [(&repeat, "m0"), (&repeat, "m0-again"), (&new, "m9")] {
        let status = try_deliver_shopify(&client, &on_pg.base, "disputes/create", body, webhook);
        assert_eq!(status.await.unwrap(), 200);
    }
    for _ in 0..200 {
        if listed(&on_pg).await.len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listed(&on_pg).await.len(), 4);
    on_pg.stop();

    let again = migrate();
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("already holds"), "{said}");
}
