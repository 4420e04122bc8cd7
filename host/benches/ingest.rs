//! Durable webhook ingest over loopback HTTP, 64 connections, load generator in the same
//! process: real Shopify dispute payloads, signature checked and normalized by the wasm
//! connector, stored and flushed before the 200 — side by side, in the same run, with a
//! bare hyper server that only inserts the body into sled and flushes (shared flushes)
//! before answering: the ceiling for durable acknowledgement on this machine.
//!
//! Run: `cargo bench -p helloword --bench ingest` (`HELLOWORD_INGEST_SECONDS`, default 5).

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

#[path = "ingest_parts/native.rs"]
mod native;

/// The binary's allocator (`src/main.rs`), so the benchmark measures what `helloword serve` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SECRET: &str = "bench-secret";
const CONNECTIONS: usize = 64;

/// Builds the i-th request: headers and body.
type RequestFn = Arc<dyn Fn(u64) -> (Vec<(String, String)>, Bytes) + Send + Sync>;

struct Outcome {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// `CONNECTIONS` keep-alive clients posting for `seconds`; `request(i)` builds the i-th.
async fn load(url: String, seconds: u64, request: RequestFn) -> Outcome {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let url = url.clone();
            let request = request.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap();
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut i = c as u64 * 10_000_000;
                while Instant::now() < deadline {
                    let (headers, body) = request(i);
                    i += 1;
                    let mut req = client.post(&url).body(body);
                    for (k, v) in headers {
                        req = req.header(k, v);
                    }
                    let t = Instant::now();
                    match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            latencies.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        latencies.extend(l);
        errors += e;
    }
    Outcome {
        requests: latencies.len(),
        errors,
        latencies,
        elapsed: started.elapsed(),
    }
}

fn report(label: &str, mut o: Outcome) -> f64 {
    o.latencies.sort();
    let at = |p: usize| o.latencies[(o.latencies.len() * p / 100).min(o.latencies.len() - 1)];
    let rate = o.requests as f64 / o.elapsed.as_secs_f64();
    println!(
        "| {label} | {rate:.0}/s | {:.1} ms | {:.1} ms | {} |",
        at(50).as_secs_f64() * 1e3,
        at(99).as_secs_f64() * 1e3,
        o.errors
    );
    rate
}

/// How the ceiling makes a write durable.
#[derive(Clone)]
enum Flush {
    /// The gateway's group commit: sled's flush, then fdatasync/fsync (stable storage).
    Synced(helloword::store::GroupCommit),
    /// The group commit as it was before issue #23: sled's flush alone, which reaches the
    /// page cache and the disk's queue but not stable storage. For the before/after of the
    /// fsync's cost in one run.
    Unsynced(std::sync::mpsc::Sender<tokio::sync::oneshot::Sender<()>>),
}

impl Flush {
    fn start(db: &sled::Db, dir: &Path, synced: bool) -> Flush {
        if synced {
            let health = Arc::new(helloword::store::Health::new(dir, 0).unwrap());
            return Flush::Synced(
                helloword::store::GroupCommit::start(db.clone(), dir, health).unwrap(),
            );
        }
        let (tx, rx) = std::sync::mpsc::channel::<tokio::sync::oneshot::Sender<()>>();
        let db = db.clone();
        std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let batch: Vec<_> = std::iter::once(first).chain(rx.try_iter()).collect();
                db.flush().unwrap();
                for waiter in batch {
                    let _ = waiter.send(());
                }
            }
        });
        Flush::Unsynced(tx)
    }

    async fn durable(&self) {
        match self {
            Flush::Synced(commit) => commit.durable().await.unwrap(),
            Flush::Unsynced(tx) => {
                let (done, wait) = tokio::sync::oneshot::channel();
                tx.send(done).unwrap();
                wait.await.unwrap();
            }
        }
    }
}

/// The ceiling: hyper + sled insert + a shared flush before the 200, on a store with the
/// gateway's page cache; `synced` as the gateway's (stable storage) or as before #23.
async fn bare_server(dir: &Path, synced: bool) -> String {
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(helloword::store::DEFAULT_CACHE_BYTES)
        .flush_every_ms(None)
        .open()
        .unwrap();
    let tree = db.open_tree("bodies").unwrap();
    let commit = Flush::start(&db, dir, synced);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (db, tree, commit) = (db.clone(), tree.clone(), commit.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (db, tree, commit) = (db.clone(), tree.clone(), commit.clone());
                    async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let id = db.generate_id().unwrap();
                        tree.insert(id.to_be_bytes(), body.as_ref()).unwrap();
                        commit.durable().await;
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

fn main() {
    let seconds: u64 = std::env::var("HELLOWORD_INGEST_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // The subscriber `helloword serve` installs (info level), so the gateway's spans cost
    // here what they cost in production.
    helloword::telemetry::init_logging("info", false);
    // `HELLOWORD_INGEST_TOPIC` picks another of Shopify's published samples, e.g.
    // `fulfillments/update` (8 KB) or `orders/updated` (15 KB); the dispute (367 bytes) is
    // the default.
    let topic = std::env::var("HELLOWORD_INGEST_TOPIC").unwrap_or("disputes/create".into());
    let fixture_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/shopify/tests/fixtures/webhooks")
        .join(format!("{}.json", topic.replace('/', "__")));
    rt.block_on(async {
        let fixture = std::fs::read(&fixture_path)
            .unwrap_or_else(|e| panic!("no sample for {topic} ({}): {e}", fixture_path.display()));
        let signature = helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &fixture);
        let body = Bytes::from(fixture);

        // The gateway with the real Shopify connector.
        let tmp = tempfile::tempdir().unwrap();
        let plugin = tmp.path().join("plugins/shopify");
        std::fs::create_dir_all(&plugin).unwrap();
        std::fs::copy(test_artifacts::SHOPIFY, plugin.join("shopify_connector.wasm")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
            plugin.join("plugin.toml"),
        )
        .unwrap();
        let config = helloword::config::Config::parse(
            &tmp.path().join("helloword.toml"),
            &format!(
                "[plugins]\nwatch_interval_ms = 0\n\
                 [plugins.grants.shopify]\nsecrets = [\"shopify_client_secret\"]\n\
                 allowed_hosts = [\"*.myshopify.com\"]\nlimits = {{ wall_clock_ms = 25000 }}\n\
                 [secrets]\nshopify_client_secret = {{ value = \"{SECRET}\" }}\n"
            ),
        )
        .unwrap();
        let gateway = helloword::gateway::Gateway::start(&config).await.unwrap();
        let app = gateway.app.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway_url = format!("http://{}/hooks/shopify", listener.local_addr().unwrap());
        tokio::spawn(gateway.serve(listener, std::future::pending()));

        let bare_dir = tempfile::tempdir().unwrap();
        let bare_url = bare_server(bare_dir.path(), true).await;
        let unsynced_dir = tempfile::tempdir().unwrap();
        let unsynced_url = bare_server(unsynced_dir.path(), false).await;

        // The same pipeline with the connector compiled natively.
        helloword_sdk::connector::native::install(Box::new(native::BenchHost {
            secret: SECRET.as_bytes().to_vec(),
        }));
        let sandboxed_url = native::native_server(app.clone(), true).await;
        let native_url = native::native_server(app, false).await;

        println!(
            "Durable ingest over loopback, {CONNECTIONS} connections, {seconds} s each, {} byte Shopify {topic} bodies\n",
            body.len()
        );
        println!("| server | acknowledged | p50 | p99 | errors |\n|---|---|---|---|---|");
        // `HELLOWORD_INGEST_SERVE=<seconds>`: serve both for that long and print their URLs and
        // the signature, for an external load generator (wrk) instead of the in-process one.
        if let Some(secs) = std::env::var("HELLOWORD_INGEST_SERVE")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
        {
            println!(
                "gateway {gateway_url}\nceiling {bare_url}\nunsynced {unsynced_url}\nnative {native_url}\nsandboxed {sandboxed_url}\ntopic {topic}\nbody {}\nsignature {signature}",
                fixture_path.display()
            );
            tokio::time::sleep(Duration::from_secs(secs)).await;
            return;
        }
        // `HELLOWORD_INGEST_ONLY=gateway` skips the ceiling (for profiling the gateway alone).
        let only_gateway = std::env::var("HELLOWORD_INGEST_ONLY").as_deref() == Ok("gateway");
        let bare_body = body.clone();
        let bare = if only_gateway { f64::NAN } else { report(
            "bare hyper + sled insert + shared flush (ceiling)",
            load(
                bare_url,
                seconds,
                Arc::new(move |_| (Vec::new(), bare_body.clone())),
            )
            .await,
        ) };
        let gateway_headers = move |i: u64| {
            vec![
                ("X-Shopify-Topic".into(), topic.clone()),
                ("X-Shopify-Hmac-Sha256".into(), signature.clone()),
                ("X-Shopify-Shop-Domain".into(), "bench.myshopify.com".into()),
                ("X-Shopify-API-Version".into(), "2026-07".into()),
                ("X-Shopify-Webhook-Id".into(), format!("bench-{i}")),
            ]
        };
        let native_headers = gateway_headers.clone();
        let gateway_body = body.clone();
        let full = report(
            "gateway: HMAC + wasm normalization + inbox + shared flush",
            load(
                gateway_url,
                seconds,
                Arc::new(move |i| (gateway_headers(i), gateway_body.clone())),
            )
            .await,
        );
        let native_body = body.clone();
        let native = report(
            "same pipeline, connector compiled natively",
            load(
                native_url,
                seconds,
                // Distinct webhook ids from the wasm run's, so nothing is a duplicate.
                Arc::new(move |i| (native_headers(i + (1 << 40)), native_body.clone())),
            )
            .await,
        );
        println!("\ngateway / ceiling: {:.2}", full / bare);
        println!("native / wasm: {:.2}", native / full);
    });
}
