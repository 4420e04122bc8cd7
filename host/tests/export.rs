//! Backup and restore: `POST /api/export` takes a snapshot while webhooks keep arriving;
//! the snapshot restored into a new folder holds every delivery acknowledged before the
//! export began, the same entries tree by tree, the evidence files; a gateway started on it
//! finishes the work in flight and hands out ids above the restored ones. A damaged
//! snapshot restores nothing.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::gateway::*;
use helloword::store::{SnapshotError, Store};

/// A dispute fixture with its own dispute id, so every delivery is its own case.
fn dispute(n: u64) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
    body["id"] = serde_json::json!(900_000 + n);
    body.to_string().into_bytes()
}

/// Every delivery id in `store`'s inbox.
fn delivered(store: &Store) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after = None;
    loop {
        let page = store.inbox_after(after, 500).unwrap();
        let Some((last, _)) = page.last() else {
            return ids;
        };
        after = Some(*last);
        ids.extend(page.into_iter().filter_map(|(_, r)| r.delivery_id));
    }
}

async fn applied(gw: &Running) {
    for _ in 0..1500 {
        if gw.app.store.unapplied(1).unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the engine did not apply the inbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_under_load_restores_elsewhere_with_nothing_missing() {
    const DELIVERIES: u64 = 240;
    const SENDERS: u64 = 4;
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("source");
    let gw = Arc::new(start_with(&source, "").await);
    // An evidence file, as the upload page or an attachment would keep it.
    let evidence = source.join("data/files/7/8");
    std::fs::create_dir_all(evidence.parent().unwrap()).unwrap();
    std::fs::write(&evidence, b"photo bytes").unwrap();

    // (webhook id, when its 200 arrived)
    let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let gw = gw.clone();
        let acked = acked.clone();
        senders.push(tokio::spawn(async move {
            for n in (sender..DELIVERIES).step_by(SENDERS as usize) {
                let id = format!("load-{n}");
                let status = gw.deliver("disputes/create", &dispute(n), &id).await;
                assert_eq!(status, 200, "delivery {id}");
                acked.lock().unwrap().push((id, Instant::now()));
            }
        }));
    }
    while acked.lock().unwrap().len() < (DELIVERIES / 3) as usize {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let export_began = Instant::now();
    let (status, body) = gw.api("POST", "/api/export", None).await;
    assert_eq!(status, 200, "{body}");
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let before: BTreeSet<String> = acked
        .iter()
        .filter(|(_, at)| *at < export_began)
        .map(|(id, _)| id.clone())
        .collect();
    let after = acked.len() - before.len();
    assert!(
        !before.is_empty() && after > 0,
        "the export ran during the load ({} before, {after} after)",
        before.len()
    );
    let snapshot = std::path::PathBuf::from(body["path"].as_str().unwrap());
    assert!(
        snapshot.starts_with(source.join("data/exports")),
        "{snapshot:?}"
    );
    let exported_trees = body["trees"].clone();
    Arc::try_unwrap(gw).ok().unwrap().stop().await;

    // Restore on "another machine": a new folder.
    let target = tmp.path().join("target");
    let summary = Store::restore(
        std::fs::File::open(&snapshot).unwrap(),
        &target.join("data/db"),
        &target.join("data/files"),
    )
    .unwrap();
    assert_eq!(summary.sha256, body["sha256"].as_str().unwrap());
    for tree in exported_trees.as_array().unwrap() {
        let name = tree["name"].as_str().unwrap();
        let restored = summary.trees.iter().find(|(n, _)| n == name);
        assert_eq!(
            restored.map(|(_, c)| *c),
            tree["entries"].as_u64(),
            "tree {name}"
        );
    }
    assert_eq!(summary.files, 1);
    assert_eq!(
        std::fs::read(target.join("data/files/7/8")).unwrap(),
        b"photo bytes"
    );

    let restored = Store::open(&target.join("data/db")).unwrap();
    let ids = delivered(&restored);
    let missing: Vec<_> = before.difference(&ids).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the export, missing: {missing:?}"
    );
    drop(restored);

    // A gateway on the restored folder finishes what was in flight: one ticket per case.
    let gw = start_with(&target, "").await;
    applied(&gw).await;
    let tickets: Vec<_> = gw.app.store.all_tickets().map(Result::unwrap).collect();
    assert_eq!(tickets.len(), ids.len(), "one ticket per stored dispute");
    let highest = tickets.iter().map(|t| t.id).max().unwrap();
    assert_eq!(
        gw.deliver("disputes/create", &dispute(10_000), "new").await,
        200
    );
    applied(&gw).await;
    let newest = gw
        .app
        .store
        .all_tickets()
        .map(Result::unwrap)
        .map(|t| t.id)
        .max()
        .unwrap();
    assert!(
        newest > highest,
        "a new ticket gets an id above the restored ones ({newest} vs {highest})"
    );
    gw.stop().await;
}

#[tokio::test]
async fn a_damaged_snapshot_restores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(tmp.path(), "").await;
    assert_eq!(gw.deliver("disputes/create", &dispute(1), "one").await, 200);
    let (status, body) = gw.api("POST", "/api/export", None).await;
    assert_eq!(status, 200, "{body}");
    gw.stop().await;
    let bytes = std::fs::read(body["path"].as_str().unwrap()).unwrap();

    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("altered", {
            let mut b = bytes.clone();
            let middle = b.len() / 2;
            b[middle] ^= 0x20;
            b
        }),
        ("not a snapshot", b"PK\x03\x04 a zip file".to_vec()),
    ];
    for (what, damaged) in cases {
        let target = tmp
            .path()
            .join(format!("restore-{}", what.replace(' ', "-")));
        let error = Store::restore(
            damaged.as_slice(),
            &target.join("db"),
            &target.join("files"),
        )
        .unwrap_err();
        assert!(
            matches!(error, SnapshotError::Invalid(_)),
            "{what}: {error}"
        );
        assert!(
            !target.join("db").exists(),
            "{what}: nothing is left behind"
        );
    }

    // Restoring over data is refused.
    let error = Store::restore(
        bytes.as_slice(),
        &tmp.path().join("data/db"),
        &tmp.path().join("data/files"),
    )
    .unwrap_err();
    assert!(matches!(error, SnapshotError::NotEmpty(_)), "{error}");
}
