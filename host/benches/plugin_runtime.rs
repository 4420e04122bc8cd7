//! Plugin runtime costs: compiling a component cold vs loading it from the artifact cache,
//! instantiate + call of a connector with a 10 KB body (what every webhook pays), a call
//! on an already live instance (to separate the two), and, for the Shopify connector, the
//! same code compiled natively (wasm / native, DESIGN.md's target of at most 1.5×).
//!
//! Run: `cargo bench -p helloword --bench plugin_runtime` (release build; numbers vary with
//! the machine's load, so compare figures from one run). `HELLOWORD_BENCH_ONLY=shopify` runs
//! only the Shopify connector's table, `HELLOWORD_INGEST_TOPIC` picks its sample (as for the
//! ingest benchmark), and `HELLOWORD_BENCH_SHOPIFY_WASM` another build of the connector.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use helloword::config::Secrets;
use helloword::plugin::bindings::connector_api::{IncomingRequest, WebhookOutcome};
use helloword::plugin::instance::WarmConnector;
use helloword::plugin::{
    GrantPolicy, Limits, Manifest, Plugin, Runtime, RuntimeSettings, Services,
};
use helloword::telemetry::Metrics;

const SECRET: &str = "bench-secret";

// The ingest benchmark's native host and conversions (its server is not used here).
#[allow(dead_code)]
#[path = "ingest_parts/native.rs"]
mod native;

fn runtime(cache: Option<&Path>) -> Runtime {
    let secrets = Secrets::from_pairs([("echo_secret", SECRET)]);
    let services = Arc::new(Services::new(Arc::new(secrets), Metrics::default()).unwrap());
    let settings = RuntimeSettings {
        cache_dir: cache.map(Path::to_path_buf),
        default_limits: Limits::default(),
        // The bench's own plugins get what they ask for; grants cost nothing per call.
        grants: GrantPolicy::AsRequested,
        ..RuntimeSettings::default()
    };
    Runtime::new(settings, services).unwrap()
}

fn folder(dir: &Path, id: &str, wasm: &str, kind: &str, extra: &str) -> std::path::PathBuf {
    let folder = dir.join(id);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(wasm, folder.join("plugin.wasm")).unwrap();
    std::fs::write(
        folder.join("plugin.toml"),
        format!(
            "[plugin]\nid = \"{id}\"\nkind = \"{kind}\"\ncontract = \"0.1.0\"\ncomponent = \"plugin.wasm\"\n{extra}\n"
        ),
    )
    .unwrap();
    folder.join("plugin.toml")
}

async fn load(runtime: &Runtime, manifest: &Path) -> Plugin {
    runtime
        .load(Manifest::load(manifest).unwrap())
        .await
        .unwrap()
}

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let total: Duration = samples.iter().sum();
    Stats {
        mean: total / samples.len() as u32,
        p50: samples[samples.len() / 2],
        p99: samples[samples.len() * 99 / 100],
    }
}

fn row(what: &str, s: &Stats) {
    println!(
        "| {what} | {:.1} µs | {:.1} µs | {:.1} µs |",
        s.mean.as_secs_f64() * 1e6,
        s.p50.as_secs_f64() * 1e6,
        s.p99.as_secs_f64() * 1e6
    );
}

/// After a warm-up, `n` calls with `req`, each on a fresh instance, then `n` on one live
/// instance (returned, for more calls): the time of each.
async fn fresh_and_live(
    plugin: &Plugin,
    req: &IncomingRequest,
    n: usize,
) -> (Vec<Duration>, Vec<Duration>, WarmConnector) {
    for _ in 0..200 {
        let out = plugin.handle_webhook(req).await.unwrap().unwrap();
        assert!(matches!(out, WebhookOutcome::Events(_)));
    }
    let mut fresh = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let out = plugin.handle_webhook(req).await.unwrap();
        fresh.push(t.elapsed());
        assert!(out.is_ok());
    }
    let mut warm = plugin.warm_connector().await.unwrap();
    let mut live = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let out = warm.handle_webhook(req).await.unwrap();
        live.push(t.elapsed());
        assert!(out.is_ok());
    }
    (fresh, live, warm)
}

fn signed_request(body: &[u8]) -> IncomingRequest {
    IncomingRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "x-echo-signature".into(),
                helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), body),
            ),
        ],
        body: body.to_vec(),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tmp = tempfile::tempdir().unwrap();
        if std::env::var("HELLOWORD_BENCH_ONLY").as_deref() == Ok("shopify") {
            shopify_sample(tmp.path()).await;
            return;
        }
        let echo = folder(
            tmp.path(),
            "echo",
            test_artifacts::ECHO,
            "marketplace-connector",
            "secrets = [\"echo_secret\"]",
        );
        let bundled = [
            ("shopify", test_artifacts::SHOPIFY, "marketplace-connector"),
            ("amazon", test_artifacts::AMAZON, "marketplace-connector"),
            ("ebay", test_artifacts::EBAY, "marketplace-connector"),
            ("locale-de", test_artifacts::LOCALE_DE, "locale-pack"),
        ];
        let manifests: Vec<_> = bundled
            .iter()
            .map(|(id, wasm, kind)| folder(tmp.path(), id, wasm, kind, ""))
            .collect();

        println!("## Plugin loading\n");
        println!("| what | time |\n|---|---|");
        for (label, manifest, wasm) in [("echo", &echo, test_artifacts::ECHO)]
            .into_iter()
            .chain(bundled.iter().zip(&manifests).map(|((id, wasm, _), m)| (*id, m, *wasm)))
        {
            let cache = tempfile::tempdir().unwrap();
            let size = std::fs::metadata(wasm).unwrap().len();
            let started = Instant::now();
            let cold = load(&runtime(Some(cache.path())), manifest).await;
            let cold_time = started.elapsed();
            assert!(!cold.cache.is_hit());
            let warm_runtime = runtime(Some(cache.path()));
            let started = Instant::now();
            let warm = load(&warm_runtime, manifest).await;
            let warm_time = started.elapsed();
            assert!(warm.cache.is_hit());
            println!(
                "| {label} ({} KB): load, cold compile | {:.1} ms |\n| {label}: load, cache hit | {:.2} ms |",
                size / 1024,
                cold_time.as_secs_f64() * 1e3,
                warm_time.as_secs_f64() * 1e3
            );
        }
        let cache = tempfile::tempdir().unwrap();
        for m in &manifests {
            load(&runtime(Some(cache.path())), m).await;
        }
        let started = Instant::now();
        let all = runtime(Some(cache.path()));
        for m in &manifests {
            load(&all, m).await;
        }
        println!(
            "| engine + every bundled plugin, warm cache | {:.1} ms |",
            started.elapsed().as_secs_f64() * 1e3
        );

        let echo_runtime = runtime(None);
        let plugin = load(&echo_runtime, &echo).await;
        let body: Vec<u8> = {
            let mut text = String::from("{\"message\": \"");
            while text.len() < 10 * 1024 - 2 {
                text.push_str("Where is my parcel? ");
            }
            text.truncate(10 * 1024 - 2);
            text.push_str("\"}");
            text.into_bytes()
        };
        assert_eq!(body.len(), 10 * 1024);
        let req = signed_request(&body);

        let n = 5000;
        let (fresh, live, mut warm) = fresh_and_live(&plugin, &req, n).await;
        // The same call without a signature: what the runtime costs beyond the HMAC.
        let mut unsigned = req.clone();
        unsigned.headers.retain(|(k, _)| k != "x-echo-signature");
        let mut bare = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let out = warm.handle_webhook(&unsigned).await.unwrap();
            bare.push(t.elapsed());
            assert!(out.is_ok());
        }
        // The HMAC alone, natively, for comparison.
        let mut hmac = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body));
            hmac.push(t.elapsed());
        }
        let fresh = stats(fresh);
        let live = stats(live);
        let bare = stats(bare);
        let hmac = stats(hmac);
        println!("\n## Connector call, 10 KB body in and out, HMAC checked through the host\n");
        println!(
            "pooling allocator: {}\n",
            if echo_runtime.pooling() { "on" } else { "off" }
        );
        println!("| what | mean | p50 | p99 |\n|---|---|---|---|");
        row("fresh instance + call (what a webhook pays)", &fresh);
        row("call on a live instance", &live);
        row("call on a live instance, no signature to check", &bare);
        row("HMAC-SHA256 of the 10 KB body, native (inside both signed rows)", &hmac);
        println!(
            "| instantiation alone (difference of means) | {:.1} µs | | |",
            (fresh.mean.saturating_sub(live.mean)).as_secs_f64() * 1e6
        );

        shopify_sample(tmp.path()).await;
    });
}

/// The call the ingest benchmark pays per delivery: a Shopify sample (`disputes/create`
/// unless `HELLOWORD_INGEST_TOPIC` names another) through the real connector, fresh instance
/// against a live one, `HELLOWORD_BENCH_CALLS` times each (5,000 by default).
async fn shopify_sample(dir: &Path) {
    let topic = std::env::var("HELLOWORD_INGEST_TOPIC").unwrap_or("disputes/create".into());
    let manifest = folder(
        dir,
        "shopify-bench",
        // An unstripped build of the same connector, for profiles with function names.
        &std::env::var("HELLOWORD_BENCH_SHOPIFY_WASM").unwrap_or(test_artifacts::SHOPIFY.into()),
        "marketplace-connector",
        "secrets = [\"shopify_client_secret\"]",
    );
    let secrets = Secrets::from_pairs([("shopify_client_secret", SECRET)]);
    let services = Arc::new(Services::new(Arc::new(secrets), Metrics::default()).unwrap());
    let settings = RuntimeSettings {
        grants: GrantPolicy::AsRequested,
        ..RuntimeSettings::default()
    };
    let runtime = Runtime::new(settings, services).unwrap();
    let plugin = load(&runtime, &manifest).await;
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plugins/shopify/tests/fixtures/webhooks")
            .join(format!("{}.json", topic.replace('/', "__"))),
    )
    .unwrap_or_else(|e| panic!("no Shopify sample for {topic}: {e}"));
    let req = IncomingRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-shopify-topic".into(), topic.clone()),
            (
                "x-shopify-hmac-sha256".into(),
                helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body),
            ),
            ("x-shopify-shop-domain".into(), "bench.myshopify.com".into()),
            ("x-shopify-api-version".into(), "2026-07".into()),
            ("x-shopify-webhook-id".into(), "bench-1".into()),
        ],
        body,
    };
    // More calls make a profile of the loop outweigh the connector's compilation.
    let calls = std::env::var("HELLOWORD_BENCH_CALLS").map_or(5000, |n| {
        n.parse()
            .expect("HELLOWORD_BENCH_CALLS is a number of calls")
    });
    let (fresh, live, _) = fresh_and_live(&plugin, &req, calls).await;
    let native = native_calls(&req, calls);
    let (fresh, live, native) = (stats(fresh), stats(live), stats(native));
    println!(
        "\n## Shopify connector, `{topic}` sample, {} bytes (what one ingest delivery pays)\n",
        req.body.len()
    );
    println!("| what | mean | p50 | p99 |\n|---|---|---|---|");
    row("fresh instance + call", &fresh);
    row("call on a live instance", &live);
    row(
        "the same code compiled natively (HMAC, normalization)",
        &native,
    );
    println!(
        "| instantiation and teardown (difference of means) | {:.1} µs | | |",
        (fresh.mean.saturating_sub(live.mean)).as_secs_f64() * 1e6
    );
    let ratio = |a: &Stats| a.p50.as_secs_f64() / native.p50.as_secs_f64();
    println!(
        "\nwasm / native, p50: live instance {:.2}×, fresh instance {:.2}×",
        ratio(&live),
        ratio(&fresh)
    );
}

/// `n` calls of the Shopify connector compiled natively with `req`, after a warm-up: the
/// same code as the wasm rows, with the host's imports called directly and the result
/// converted to the host's types (the copies the canonical ABI makes for the wasm rows).
fn native_calls(req: &IncomingRequest, n: usize) -> Vec<Duration> {
    use helloword_sdk::connector::Connector as _;
    helloword_sdk::connector::native::install(Box::new(native::BenchHost {
        secret: SECRET.as_bytes().to_vec(),
    }));
    let call = || {
        let request = helloword_sdk::connector::IncomingRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
        };
        native::outcome(shopify_connector::ShopifyConnector::handle_webhook(request))
    };
    for _ in 0..200 {
        assert!(matches!(call(), Ok(WebhookOutcome::Events(_))));
    }
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let out = std::hint::black_box(call());
            let elapsed = t.elapsed();
            assert!(out.is_ok());
            elapsed
        })
        .collect()
}
