//! kill -9 at random points under load: every acknowledged delivery is there after the
//! restart, none is applied twice, and every pending timer is still pending.
//!
//! CI runs a few rounds; `HELLOWORD_CRASH_ROUNDS=50 cargo test -p helloword --test crash`
//! runs more.

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
        .header("X-Shopify-Webhook-Id", format!("w-{id}"))
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

#[test]
fn acknowledged_deliveries_survive_kill_9_exactly_once() {
    let rounds: usize = std::env::var("HELLOWORD_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
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
