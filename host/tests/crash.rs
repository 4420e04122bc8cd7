//! kill -9 at random points under load: every acknowledged delivery is there after the
//! restart, none is applied twice, and every pending timer is still pending. Half of the
//! deliveries of the second test arrive twice at the same moment, as a marketplace's retry
//! that overlaps its first attempt does: each is still stored as exactly one inbox record,
//! and a duplicate is acknowledged only once the copy it duplicates is on disk.
//!
//! CI runs a few rounds; `scripts/crash-rounds 100` (or `HELLOWORD_CRASH_ROUNDS=100 cargo
//! test -p helloword --test crash`) runs more.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_helloword");
const SECRET: &str = "crash-test-secret";
const TOKEN: &str = "crash-test-token";

fn prepare(dir: &Path) {
    let plugin = dir.join("plugins/shopify");
    std::fs::create_dir_all(&plugin).unwrap();
    std::fs::copy(
        test_artifacts::SHOPIFY,
        plugin.join("shopify_connector.wasm"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
        plugin.join("plugin.toml"),
    )
    .unwrap();
}

/// The gateway process; killed when dropped, so a failing assertion leaves nothing behind.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &Path) -> (Gateway, String) {
    let port = free_port();
    std::fs::write(
        dir.join("helloword.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[plugins]\nwatch_interval_ms = 0\n\
             [plugins.grants.shopify]\nsecrets = [\"shopify_client_secret\"]\n\
             allowed_hosts = [\"*.myshopify.com\"]\nlimits = {{ wall_clock_ms = 25000 }}\n\
             [api.tokens]\nops = \"api_token\"\n[secrets]\n\
             shopify_client_secret = {{ value = \"{SECRET}\" }}\napi_token = {{ value = \"{TOKEN}\" }}\n"
        ),
    )
    .unwrap();
    let gateway = Gateway(
        Command::new(BIN)
            .args(["serve", "--config"])
            .arg(dir.join("helloword.toml"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if reqwest::blocking::get(format!("{base}/readyz")).is_ok_and(|r| r.status().is_success()) {
            return (gateway, base);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the gateway did not become ready");
}

fn dispute(id: u64) -> Vec<u8> {
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plugins/shopify/tests/fixtures/webhooks/disputes__create.json"),
    )
    .unwrap();
    // A far-away evidence deadline keeps the escalation timers pending.
    template
        .replace("285332461850802063", &id.to_string())
        .replace("2021-12-30T19:00:00-05:00", "2099-12-30T19:00:00-05:00")
        .into_bytes()
}

fn deliver(client: &reqwest::blocking::Client, base: &str, id: u64) -> bool {
    deliver_as(client, base, id, format!("w-{id}").as_bytes())
}

/// Deliver dispute `id` with the webhook id `webhook` (raw header bytes).
fn deliver_as(client: &reqwest::blocking::Client, base: &str, id: u64, webhook: &[u8]) -> bool {
    let body = dispute(id);
    client
        .post(format!("{base}/hooks/shopify"))
        .header("X-Shopify-Topic", "disputes/create")
        .header(
            "X-Shopify-Hmac-Sha256",
            helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body),
        )
        .header("X-Shopify-Shop-Domain", "crash.myshopify.com")
        .header("X-Shopify-Api-Version", "2026-07")
        .header(
            "X-Shopify-Webhook-Id",
            reqwest::header::HeaderValue::from_bytes(webhook).unwrap(),
        )
        .body(body)
        .timeout(Duration::from_secs(5))
        .send()
        .is_ok_and(|r| r.status().as_u16() == 200)
}

/// Every ticket's case key → (events, pending timers), once the engine has caught up with
/// every acknowledged delivery (deliveries stored but not acknowledged may add more).
fn tickets(base: &str, acknowledged: &BTreeSet<u64>) -> BTreeMap<String, (u64, usize)> {
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = client
            .get(format!("{base}/api/tickets?limit=500"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .text()
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        let list = body["tickets"].as_array().unwrap();
        let mut out = BTreeMap::new();
        for t in list {
            let key = t["case_key"].as_str().unwrap().to_string();
            let value = (
                t["events"].as_u64().unwrap(),
                t["timers"].as_array().unwrap().len(),
            );
            assert!(
                out.insert(key.clone(), value).is_none(),
                "two tickets for {key}"
            );
        }
        let caught_up = acknowledged
            .iter()
            .all(|id| out.contains_key(&format!("case:{id}")));
        if caught_up || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rounds() -> usize {
    std::env::var("HELLOWORD_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

#[test]
fn acknowledged_deliveries_survive_kill_9_exactly_once() {
    let rounds = rounds();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next_id = 1_000_000_000_000_000_000u64;
    // Groups of three crashes share a data folder, so the check after each group fits in one
    // page of the API however many rounds run.
    for group in 0..rounds.div_ceil(3) {
        let crashes = 3.min(rounds - group * 3);
        crash_group(crashes, &mut seed, &mut next_id);
    }
}

fn crash_group(crashes: usize, seed: &mut u64, next_id: &mut u64) {
    let tmp = tempfile::tempdir().unwrap();
    prepare(tmp.path());
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));

    for round in 0..crashes {
        let (mut child, base) = start(tmp.path());
        // Four senders, each with its own ids, until the gateway dies under them.
        let this_round = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let base = base.clone();
                let acknowledged = acknowledged.clone();
                let this_round = this_round.clone();
                let first = *next_id + s * 100_000;
                std::thread::spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    for id in first..first + 100_000 {
                        if deliver(&client, &base, id) {
                            acknowledged.lock().unwrap().insert(id);
                            this_round.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        } else {
                            return;
                        }
                    }
                })
            })
            .collect();
        *next_id += 1_000_000;
        // Kill after a pseudo-random number (10 to 129) of acknowledgements in this round,
        // with deliveries in flight; the total stays within one page of the API.
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let target = 10 + (*seed % 120) as usize;
        while this_round.load(std::sync::atomic::Ordering::SeqCst) < target {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        for sender in senders {
            sender.join().unwrap();
        }
        eprintln!(
            "round {round}: {} acknowledged so far",
            acknowledged.lock().unwrap().len()
        );
    }

    let (_gateway, base) = start(tmp.path());
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        !acked.is_empty(),
        "the load must have been acknowledged at least once"
    );
    let found = tickets(&base, &acked);
    for id in &acked {
        let key = format!("case:{id}");
        let Some((events, timers)) = found.get(&key) else {
            panic!("acknowledged delivery {id} is missing after kill -9");
        };
        assert_eq!(*events, 1, "{key} was applied {events} times");
        assert_eq!(*timers, 3, "{key} lost its pending escalation timers");
    }
}

/// Stop `gateway` and list the delivery ids of its inbox, each with how many records it has.
fn inbox_ids(gateway: Gateway, dir: &Path) -> BTreeMap<String, usize> {
    drop(gateway);
    let store = open_store(&dir.join("data/db"));
    let mut ids = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.inbox_after(after, 1000).unwrap();
        let Some(&(last, _)) = page.last() else {
            return ids;
        };
        after = Some(last);
        for (_, record) in page {
            if let Some(id) = record.delivery_id {
                *ids.entry(id).or_insert(0) += 1;
            }
        }
    }
}

/// The store of a gateway that was just killed (its lock may take a moment to go).
fn open_store(dir: &Path) -> helloword::store::Store {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match helloword::store::Store::open(dir) {
            Ok(store) => return store,
            Err(e) if Instant::now() > deadline => panic!("cannot open {}: {e}", dir.display()),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn concurrent_duplicates_survive_kill_9_exactly_once() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next_id = 2_000_000_000_000_000_000u64;
    let (mut rounds_run, mut acknowledged_total, mut duplicates_total) = (0, 0, 0);
    for _ in 0..rounds() {
        let (acked, duplicates) = duplicate_round(&mut seed, &mut next_id);
        rounds_run += 1;
        acknowledged_total += acked;
        duplicates_total += duplicates;
    }
    eprintln!(
        "{rounds_run} rounds: {acknowledged_total} deliveries acknowledged \
         ({duplicates_total} of them sent twice at once), 0 lost, 0 stored twice"
    );
}

/// One kill -9 under 32 connections, 16 pairs of senders: for every other id both senders
/// of a pair post it at once; then a restart on the same data and the checks. Returns the
/// acknowledged deliveries and how many of them were sent twice. The kill comes after a
/// pseudo-random 50 to 399 acknowledgements, so the tickets fit in one page of the API.
fn duplicate_round(seed: &mut u64, next_id: &mut u64) -> (usize, usize) {
    let tmp = tempfile::tempdir().unwrap();
    prepare(tmp.path());
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let (child, base) = start(tmp.path());
    let pairs: Vec<_> = (0..16u64)
        .map(|p| {
            let first = *next_id + p * 100_000;
            let barrier = Arc::new(std::sync::Barrier::new(2));
            let dead = Arc::new(std::sync::atomic::AtomicBool::new(false));
            (0..2)
                .map(|side| {
                    let (base, acknowledged) = (base.clone(), acknowledged.clone());
                    let (barrier, dead) = (barrier.clone(), dead.clone());
                    std::thread::spawn(move || {
                        let client = reqwest::blocking::Client::new();
                        for id in first..first + 100_000 {
                            // Both sides meet at every id, so a duplicate is sent at once.
                            barrier.wait();
                            if dead.load(std::sync::atomic::Ordering::SeqCst) {
                                return;
                            }
                            let twice = id % 2 == 0;
                            if side == 1 && !twice {
                                continue;
                            }
                            if deliver(&client, &base, id) {
                                acknowledged.lock().unwrap().insert(id);
                            } else {
                                dead.store(true, std::sync::atomic::Ordering::SeqCst);
                            }
                        }
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    *next_id += 10_000_000;
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let kill_after = 50 + (*seed % 350) as usize;
    while acknowledged.lock().unwrap().len() < kill_after {
        std::thread::sleep(Duration::from_micros(200));
    }
    let mut child = child;
    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    for sender in pairs.into_iter().flatten() {
        sender.join().unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        !acked.is_empty(),
        "nothing was acknowledged before the kill"
    );
    let duplicates = acked.iter().filter(|id| *id % 2 == 0).count();

    let (gateway, base) = start(tmp.path());
    let found = tickets(&base, &acked);
    for id in &acked {
        let key = format!("case:{id}");
        let Some((events, _)) = found.get(&key) else {
            panic!("acknowledged delivery {id} is missing after kill -9");
        };
        assert_eq!(*events, 1, "{key} was applied {events} times");
    }
    let records = inbox_ids(gateway, tmp.path());
    for id in &acked {
        match records.get(&format!("w-{id}")) {
            Some(1) => {}
            Some(n) => panic!("acknowledged delivery w-{id} is stored as {n} inbox records"),
            None => panic!("acknowledged delivery w-{id} has no inbox record"),
        }
    }
    for (id, n) in &records {
        assert_eq!(*n, 1, "delivery {id} is stored as {n} inbox records");
    }
    eprintln!(
        "killed after {kill_after} acknowledgements: {} acknowledged, {duplicates} of them \
         sent twice at once",
        acked.len()
    );
    (acked.len(), duplicates)
}

#[test]
fn webhook_ids_that_differ_only_in_bytes_that_are_not_utf8_are_two_deliveries() {
    let tmp = tempfile::tempdir().unwrap();
    prepare(tmp.path());
    let (gateway, base) = start(tmp.path());
    let client = reqwest::blocking::Client::new();
    // Both reach the connector as "w-\u{FFFD}"; they are two deliveries all the same.
    assert!(deliver_as(&client, &base, 7_000_001, b"w-\xff"));
    assert!(deliver_as(&client, &base, 7_000_002, b"w-\xfe"));
    // The same bytes again are the same delivery.
    assert!(deliver_as(&client, &base, 7_000_002, b"w-\xfe"));
    let found = tickets(&base, &BTreeSet::from([7_000_001, 7_000_002]));
    assert!(found.contains_key("case:7000001"), "{found:?}");
    assert!(found.contains_key("case:7000002"), "{found:?}");
    let records = inbox_ids(gateway, tmp.path());
    assert_eq!(
        records.get("w-\u{FFFD}"),
        Some(&2),
        "two inbox records, one per webhook id: {records:?}"
    );
}
