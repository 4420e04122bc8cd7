//! Store compaction after an erasure: a store of raw deliveries (real Shopify order
//! payloads, ~6 KB each, the kind of record that dominates a store's size) and their inbox
//! records, then one erasure, then the reopen that rewrites it — what a gateway pauses for
//! at `retention.compact_hour`. Reports the store's size on disk before and after, the
//! rewrite's time and its throughput.
//!
//! Run: `cargo bench -p helloword --bench compaction` (`HELLOWORD_COMPACT_DELIVERIES`,
//! default 40000).

use std::path::Path;
use std::time::Instant;

use helloword::store::{InboxRecord, InboxState, NewDelivery, Store, Subject};

fn size_on_disk(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                total += meta.len();
            }
        }
    }
    total
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: u64 = std::env::var("HELLOWORD_COMPACT_DELIVERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let order = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plugins/shopify/tests/fixtures/webhooks/orders__updated.json"),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    {
        let store = Store::open(&dir).unwrap();
        for n in 0..count {
            let mut body = order.clone();
            body.extend_from_slice(format!("\n{n}").as_bytes());
            let record = InboxRecord {
                v: 0,
                plugin: "shopify".into(),
                received_at: jiff::Timestamp::now(),
                method: "POST".into(),
                path: "/".into(),
                query: String::new(),
                headers: vec![("x-shopify-topic".into(), "orders/updated".into())],
                delivery_id: Some(format!("bench-{n}")),
                events: Vec::new(),
                state: InboxState::Verified,
                trace: None,
            };
            store
                .append_delivery(NewDelivery {
                    raw_delivery_id: None,
                    record,
                    body: &body,
                })
                .await
                .unwrap();
        }
        // An erasure (of nobody here) marks the store for compaction like any other.
        let subject = Subject {
            marketplace: "shopify".into(),
            email: Some("nobody@example.com".into()),
            ..Subject::default()
        };
        let started = Instant::now();
        store.erase(&subject, None, None).await.unwrap();
        println!(
            "erasure scanning {count} raw deliveries: {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        assert!(store.compaction_due().unwrap());
    }
    let before = size_on_disk(&dir);
    let started = Instant::now();
    let store = Store::open(&dir).unwrap();
    let took = started.elapsed();
    assert!(!store.compaction_due().unwrap());
    assert_eq!(store.inbox_len(), count as usize);
    drop(store);
    let after = size_on_disk(&dir);
    println!("deliveries: {count} ({} bytes each)", order.len());
    println!(
        "store before: {:.1} MiB, after: {:.1} MiB",
        mib(before),
        mib(after)
    );
    println!(
        "compaction (reopen, rewrite, swap): {:.2} s, {:.1} MiB/s of store",
        took.as_secs_f64(),
        mib(before) / took.as_secs_f64()
    );
}
