//! The `helloword` binary run as an operator runs it, for tests that kill it (`kill -9`) or
//! break its disk under it: a config file and the Shopify connector in a folder, signed
//! Shopify `disputes/create` webhooks over loopback, and the admin API with a token.
//!
//! The process is killed when its handle is dropped, so a failing assertion leaves no
//! gateway behind holding a port or a mounted file system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

/// The gateway binary cargo built for this test program.
pub const BIN: &str = env!("CARGO_BIN_EXE_helloword");
/// The Shopify client secret the webhooks are signed with.
pub const SECRET: &str = "binary-test-secret";
/// The admin API token (every scope).
pub const TOKEN: &str = "binary-test-token";

/// Copy the Shopify connector into `<dir>/plugins/shopify`, where the config below looks.
pub fn install_shopify(dir: &Path) {
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

/// Where the gateway keeps its data, and how it runs.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `storage.data_dir`; the config's folder's `data` when `None`.
    pub data_dir: Option<PathBuf>,
    /// `plugins.cache_dir`; `<data_dir>/plugin-cache` when `None`.
    pub plugin_cache: Option<PathBuf>,
    /// More lines for the `[storage]` table (`min_free_mb = 0`).
    pub storage: String,
}

/// The gateway's config: loopback on `port`, the Shopify connector, the token.
pub fn config(port: u16, setup: &Setup) -> String {
    let quoted = |p: &Path| format!("{:?}", p.display().to_string());
    let mut storage = setup.storage.clone();
    if let Some(dir) = &setup.data_dir {
        storage.push_str(&format!("\ndata_dir = {}", quoted(dir)));
    }
    let cache = setup
        .plugin_cache
        .as_deref()
        .map(|p| format!("cache_dir = {}\n", quoted(p)))
        .unwrap_or_default();
    format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\n{storage}\n\
         [plugins]\nwatch_interval_ms = 0\n{cache}\
         [plugins.grants.shopify]\nsecrets = [\"shopify_client_secret\"]\n\
         allowed_hosts = [\"*.myshopify.com\"]\nlimits = {{ wall_clock_ms = 25000 }}\n\
         [api.tokens]\nops = \"api_token\"\n[secrets]\n\
         shopify_client_secret = {{ value = \"{SECRET}\" }}\napi_token = {{ value = \"{TOKEN}\" }}\n"
    )
}

/// A running gateway process.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// SIGKILL, and wait until the process is gone (its files closed).
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// What the gateway has logged so far (this and earlier runs in the same folder).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Start the gateway with its config in `dir` (and the Shopify connector installed there),
/// and wait until `/readyz` answers 200.
pub fn start(dir: &Path, setup: &Setup) -> Process {
    try_start(dir, setup).unwrap_or_else(|e| panic!("{e}"))
}

/// [`start`], or why the gateway did not become ready (with the end of its log).
pub fn try_start(dir: &Path, setup: &Setup) -> Result<Process, String> {
    try_start_with(dir, |port| config(port, setup))
}

/// Start the gateway in `dir` with the config `config` writes for a free port (it must
/// listen there), and wait until `/readyz` answers 200.
pub fn start_with(dir: &Path, config: impl FnOnce(u16) -> String) -> Process {
    try_start_with(dir, config).unwrap_or_else(|e| panic!("{e}"))
}

/// [`start_with`], or why the gateway did not become ready (with the end of its log).
pub fn try_start_with(dir: &Path, config: impl FnOnce(u16) -> String) -> Result<Process, String> {
    let port = free_port();
    let config_path = dir.join("helloword.toml");
    std::fs::write(&config_path, config(port)).unwrap();
    // Appended, so one file tells a test's whole story across restarts.
    let log = dir.join("gateway.log");
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap();
    let child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config_path)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut process = Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = process.child.try_wait() {
            return Err(format!(
                "the gateway exited ({status}) before it was ready:\n{}",
                tail(&process.log())
            ));
        }
        if reqwest::blocking::get(format!("{}/readyz", process.base))
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(process);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "the gateway did not become ready within 60 s:\n{}",
        tail(&process.log())
    ))
}

/// The last lines of a log, for a failure message.
pub fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A Shopify `disputes/create` body for dispute `id` (case key `case:<id>`).
pub fn dispute(id: u64) -> Vec<u8> {
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

/// The webhook id dispute `id` is delivered under.
pub fn webhook_id(id: u64) -> String {
    format!("w-{id}")
}

/// Deliver dispute `id`, signed as Shopify signs it: the status and the JSON body's
/// `error` kind (if any), or `None` when nothing answered.
pub fn deliver(
    client: &reqwest::blocking::Client,
    base: &str,
    id: u64,
) -> Option<(u16, Option<String>)> {
    deliver_as(client, base, id, webhook_id(id).as_bytes())
}

/// [`deliver`] under the webhook id `webhook`, as raw header bytes.
pub fn deliver_as(
    client: &reqwest::blocking::Client,
    base: &str,
    id: u64,
    webhook: &[u8],
) -> Option<(u16, Option<String>)> {
    let body = dispute(id);
    let response = client
        .post(format!("{base}/hooks/shopify"))
        .header("X-Shopify-Topic", "disputes/create")
        .header(
            "X-Shopify-Hmac-Sha256",
            helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body),
        )
        .header("X-Shopify-Shop-Domain", "binary.myshopify.com")
        .header("X-Shopify-Api-Version", "2026-07")
        .header(
            "X-Shopify-Webhook-Id",
            reqwest::header::HeaderValue::from_bytes(webhook).unwrap(),
        )
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .ok()?;
    let status = response.status().as_u16();
    let kind = serde_json::from_str::<serde_json::Value>(&response.text().ok()?)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string));
    Some((status, kind))
}

/// `GET /readyz`: the status and the JSON body.
pub fn readyz(client: &reqwest::blocking::Client, base: &str) -> Option<(u16, serde_json::Value)> {
    let response = client
        .get(format!("{base}/readyz"))
        .timeout(Duration::from_secs(5))
        .send()
        .ok()?;
    let status = response.status().as_u16();
    Some((status, serde_json::from_str(&response.text().ok()?).ok()?))
}

/// What the API shows of the tickets of one case key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// How many tickets have the key (one, unless a case was opened twice).
    pub count: usize,
    /// Their events in all (one per delivery applied).
    pub events: u64,
    /// Their pending timers in all.
    pub timers: usize,
}

/// Every ticket's case key → what the API shows of it, once the engine has caught up with
/// every id in `expected` or `within` has passed (deliveries stored but not acknowledged
/// may add more).
pub fn tickets(base: &str, expected: &[u64], within: Duration) -> BTreeMap<String, Seen> {
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + within;
    loop {
        let text = client
            .get(format!("{base}/api/tickets?limit=500"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .text()
            .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let list = body["tickets"].as_array().unwrap();
        assert!(list.len() < 500, "more tickets than one page of the API");
        let mut out: BTreeMap<String, Seen> = BTreeMap::new();
        for t in list {
            let entry = out
                .entry(t["case_key"].as_str().unwrap().to_string())
                .or_default();
            entry.count += 1;
            entry.events += t["events"].as_u64().unwrap();
            entry.timers += t["timers"].as_array().map_or(0, Vec::len);
        }
        let caught_up = expected
            .iter()
            .all(|id| out.contains_key(&format!("case:{id}")));
        if caught_up || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Delivery id → how many inbox records the sled store in `db` (`<data_dir>/db`) holds
/// for it, or why the store does not open. Only while no gateway has the store open.
pub fn inbox_records(db: &Path) -> Result<BTreeMap<String, usize>, String> {
    let store = helloword::store::Store::open(db).map_err(|e| format!("{}: {e}", db.display()))?;
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store.inbox_after(after, 1000).map_err(|e| e.to_string())?;
        let Some((last, _)) = page.last() else {
            return Ok(out);
        };
        after = Some(*last);
        for (_, record) in page {
            if let Some(id) = record.delivery_id {
                *out.entry(id).or_default() += 1;
            }
        }
    }
}
