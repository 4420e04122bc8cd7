//! Tests that run against both stores, and what holds only when several gateways share one
//! PostgreSQL database. The PostgreSQL server is a real one, started from Debian's packages
//! by the test kit (`scripts/test-deps` installs them).

use super::*;

/// Where a test's store lives; it can be opened again (a restart).
pub enum Place {
    Sled(tempfile::TempDir),
    Postgres(String),
}

impl Place {
    /// Open the store (again).
    pub fn open(&self) -> Store {
        match self {
            Place::Sled(dir) => Store::open(dir.path()).unwrap(),
            Place::Postgres(url) => Store::open_postgres(url).unwrap(),
        }
    }

    /// Which store, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self {
            Place::Sled(_) => "sled",
            Place::Postgres(_) => "postgres",
        }
    }
}

/// A fresh PostgreSQL database on the test server.
pub fn fresh_database() -> String {
    helloword_testkit::postgres::server().fresh_database()
}

/// A fresh sled folder and a fresh PostgreSQL database.
pub fn places() -> [Place; 2] {
    [
        Place::Sled(tempfile::tempdir().unwrap()),
        Place::Postgres(fresh_database()),
    ]
}

/// Entries of `tree` read in every way a scan can read them.
fn scans(tree: &backend::Tree) -> Vec<Vec<Vec<u8>>> {
    let keys =
        |it: backend::Iter| -> Vec<Vec<u8>> { it.keys().map(|k| k.unwrap().to_vec()).collect() };
    let mut reversed: Vec<Vec<u8>> = tree.iter().rev().keys_of();
    reversed.reverse();
    // Both ends at once: alternate until they meet.
    let mut both = tree.iter();
    let (mut front, mut back) = (Vec::new(), Vec::new());
    loop {
        match both.next() {
            Some(item) => front.push(item.unwrap().0.to_vec()),
            None => break,
        }
        match both.next_back() {
            Some(item) => back.push(item.unwrap().0.to_vec()),
            None => break,
        }
    }
    back.reverse();
    front.extend(back);
    vec![
        keys(tree.iter()),
        reversed,
        front,
        keys(tree.scan_prefix([1u8])),
        keys(tree.range_from([1u8, 0x80])),
        tree.last()
            .unwrap()
            .map(|(k, _)| vec![k.to_vec()])
            .unwrap_or_default(),
    ]
}

trait KeysOf {
    fn keys_of(self) -> Vec<Vec<u8>>;
}

impl<I: Iterator<Item = Result<(sled::IVec, sled::IVec), StoreError>>> KeysOf for I {
    fn keys_of(self) -> Vec<Vec<u8>> {
        self.map(|item| item.unwrap().0.to_vec()).collect()
    }
}

/// Scans page through PostgreSQL 256 rows at a time, from either end; they must return
/// what sled returns, in sled's byte order, across page boundaries.
#[test]
fn scans_agree_between_sled_and_postgres_across_pages() {
    let [sled_place, pg_place] = places();
    let (a, b) = (sled_place.open(), pg_place.open());
    let mut results = Vec::new();
    for store in [&a, &b] {
        let tree = store.backend.tree("scan-test").unwrap();
        // Keys under three prefixes, with bytes that sort differently as signed or text.
        let mut ops = Vec::new();
        for first in [0u8, 1, 0xff] {
            for n in 0..300u16 {
                let key = [&[first][..], &n.to_be_bytes(), &[0x80, 0x00]].concat();
                ops.push(backend::Op::Put(&tree, key, n.to_be_bytes().to_vec()));
            }
        }
        store.backend.apply(&ops).unwrap();
        assert_eq!(tree.len(), 900);
        results.push(scans(&tree));
    }
    assert_eq!(results[0][0].len(), 900);
    assert_eq!(results[0][3].len(), 300, "prefix scan");
    for (i, (sled, pg)) in results[0].iter().zip(&results[1]).enumerate() {
        assert_eq!(sled, pg, "scan {i} differs");
    }
    for scan in &results[0][..3] {
        assert_eq!(scan, &results[0][0], "every direction sees the same order");
    }
}

/// The primitives the engine builds on behave alike: compare-and-swap in each of its four
/// forms, removal returning the old value, an atomic batch.
#[test]
fn compare_and_swap_and_batches_behave_alike() {
    for place in places() {
        let store = place.open();
        let tree = store.backend.tree("cas-test").unwrap();
        let none: Option<&[u8]> = None;
        let at = place.name();
        assert!(
            tree.compare_and_swap("k", none, Some(b"1")).unwrap(),
            "{at}"
        );
        assert!(
            !tree.compare_and_swap("k", none, Some(b"2")).unwrap(),
            "{at}"
        );
        assert!(
            !tree.compare_and_swap("k", Some(b"9"), Some(b"2")).unwrap(),
            "{at}"
        );
        assert!(
            tree.compare_and_swap("k", Some(b"1"), Some(b"2")).unwrap(),
            "{at}"
        );
        assert_eq!(tree.get("k").unwrap().as_deref(), Some(&b"2"[..]), "{at}");
        assert!(
            !tree.compare_and_swap("k", Some(b"1"), none).unwrap(),
            "{at}"
        );
        assert!(
            tree.compare_and_swap("k", Some(b"2"), none).unwrap(),
            "{at}"
        );
        assert!(tree.compare_and_swap("k", none, none).unwrap(), "{at}");
        tree.insert("x", b"old").unwrap();
        assert_eq!(
            tree.remove("x").unwrap().as_deref(),
            Some(&b"old"[..]),
            "{at}"
        );
        assert_eq!(tree.remove("x").unwrap(), None, "{at}");
        let other = store.backend.tree("cas-other").unwrap();
        store
            .backend
            .apply(&[
                backend::Op::Put(&tree, b"a".to_vec(), b"1".to_vec()),
                backend::Op::Put(&other, b"b".to_vec(), b"2".to_vec()),
                backend::Op::Delete(&tree, b"a".to_vec()),
                backend::Op::Put(&tree, b"c".to_vec(), b"3".to_vec()),
            ])
            .unwrap();
        assert_eq!(tree.get("a").unwrap(), None, "{at}: later ops win");
        assert_eq!(tree.get("c").unwrap().as_deref(), Some(&b"3"[..]), "{at}");
        assert_eq!(other.get("b").unwrap().as_deref(), Some(&b"2"[..]), "{at}");
        let mut names = store.backend.tree_names().unwrap();
        names.retain(|n| n.starts_with("cas-"));
        assert_eq!(names, ["cas-other", "cas-test"], "{at}");
    }
}

/// Two gateways on one database: a claimed item is skipped by the other until it is let
/// go, and a gateway that goes away (its connection ends) lets go of everything it held.
#[test]
fn a_claim_is_held_against_other_gateways_until_released_or_its_gateway_is_gone() {
    let url = fresh_database();
    let a = Store::open_postgres(&url).unwrap();
    let b = Store::open_postgres(&url).unwrap();
    let held = a.claim(Work::Action(7)).unwrap().expect("free");
    assert!(b.claim(Work::Action(7)).unwrap().is_none(), "held by a");
    // Another item, or another kind with the same id, is free.
    assert!(b.claim(Work::Action(8)).unwrap().is_some());
    assert!(b.claim(Work::Alert(7)).unwrap().is_some());
    drop(held);
    let taken = wait_for(|| b.claim(Work::Action(7)).unwrap()).expect("released by a");
    drop(taken);

    let held = a.claim(Work::Poll("ebay")).unwrap().expect("free");
    assert!(b.claim(Work::Poll("ebay")).unwrap().is_none());
    // The gateway dies without letting go: its connections end, as a killed process's do.
    assert_eq!(end_other_lock_holders(&b), 1, "a's claims session");
    assert!(
        wait_for(|| b.claim(Work::Poll("ebay")).unwrap()).is_some(),
        "a gateway that is gone holds nothing"
    );
    drop(held);
}

/// End, from `store`'s own connection, every other session that holds an advisory lock in
/// this store's database, as a database restart or a dead gateway would: how many it ended.
///
/// Only this database: the test server is shared by tests running at the same time, each in
/// a database of its own, and ending their sessions would fail them.
pub fn end_other_lock_holders(store: &Store) -> i64 {
    let backend::Backend::Pg(pg) = &store.backend else {
        unreachable!("a PostgreSQL store")
    };
    pg.run(|c| {
        c.query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )?
        .try_get(0)
    })
    .unwrap()
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..200 {
        if let Some(found) = f() {
            return Some(found);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    None
}

/// One writer at a time across gateways; the next writer learns that another wrote in
/// between (so it reads what it keeps in memory again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_take_turns_as_the_engines_writer() {
    let url = fresh_database();
    let a = Store::open_postgres(&url).unwrap();
    let b = Store::open_postgres(&url).unwrap();
    let first = a.writer_lock().await.unwrap();
    assert!(!first.handed_over, "the first writer of a new store");
    let waiting = tokio::spawn({
        let b = b.clone();
        async move { b.writer_lock().await.unwrap() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "b waits while a writes");
    drop(first);
    let second = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("b writes once a lets go")
        .unwrap();
    assert!(second.handed_over, "a wrote in between");
    drop(second);
    let again = b.writer_lock().await.unwrap();
    assert!(!again.handed_over, "nobody else wrote since");
}

/// Every id is unique across gateways on one database.
#[test]
fn ids_are_unique_across_gateways() {
    let url = fresh_database();
    let stores = [
        Store::open_postgres(&url).unwrap(),
        Store::open_postgres(&url).unwrap(),
    ];
    let ids: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                s.spawn(move || {
                    (0..200)
                        .map(|_| store.next_id().unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let unique: std::collections::BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 400);
    let tickets: std::collections::BTreeSet<u64> = (0..50)
        .map(|i| stores[i % 2].new_ticket_id().unwrap())
        .collect();
    assert_eq!(
        tickets,
        (1..=50).collect(),
        "ticket numbers count by one across gateways"
    );
}

/// An event one gateway publishes reaches every gateway's listener.
#[test]
fn live_events_reach_every_gateway() {
    let url = fresh_database();
    let a = Store::open_postgres(&url).unwrap();
    let b = Store::open_postgres(&url).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for (name, store) in [("a", &a), ("b", &b)] {
        let tx = tx.clone();
        store.listen_live(move |event| {
            if let Some(event) = event {
                let _ = tx.send((name, event));
            }
            true
        });
    }
    // The listeners connect on threads of their own: publish until both have heard.
    let mut heard = std::collections::BTreeSet::new();
    for _ in 0..50 {
        a.publish_live("alert 1 2".into()).unwrap();
        while let Ok((name, event)) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            assert_eq!(event, "alert 1 2");
            heard.insert(name);
        }
        if heard.len() == 2 {
            break;
        }
    }
    assert_eq!(heard.into_iter().collect::<Vec<_>>(), ["a", "b"]);
    assert!(
        Store::open(tempfile::tempdir().unwrap().path())
            .unwrap()
            .publish_live("x".into())
            .is_none(),
        "sled has no other gateways to tell"
    );
}

/// `helloword migrate`: everything in a sled store arrives in PostgreSQL, and ids go on
/// above those it held. A database that already holds data is refused, untouched.
#[tokio::test]
async fn migrating_moves_every_entry_from_sled_into_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let mut seqs = Vec::new();
    {
        let store = Store::open(dir.path()).unwrap();
        for i in 0..600 {
            let record = super::inbox::tests::record(Some(&format!("w-{i}")));
            let body = format!("{{\"n\":{i}}}");
            if let Appended::Stored(seq) = store
                .append_delivery(NewDelivery {
                    raw_delivery_id: None,
                    record,
                    body: body.as_bytes(),
                })
                .await
                .unwrap()
            {
                seqs.push(seq);
            }
        }
        store.new_ticket_id().unwrap();
    }
    let url = fresh_database();
    let summary = Store::migrate_to_postgres(dir.path(), DEFAULT_CACHE_BYTES, &url).unwrap();
    let inbox = summary.trees.iter().find(|(n, _)| n == "inbox").unwrap();
    assert_eq!(inbox.1, 600);

    let store = Store::open_postgres(&url).unwrap();
    assert_eq!(store.inbox_len(), 600);
    let (record, body) = store.delivery(seqs[599]).unwrap().unwrap();
    assert_eq!(record.delivery_id.as_deref(), Some("w-599"));
    assert_eq!(body, b"{\"n\":599}");
    assert_eq!(store.unapplied(1000).unwrap().len(), 600, "still to apply");
    assert!(store.next_id().unwrap() > *seqs.iter().max().unwrap());
    assert_eq!(store.new_ticket_id().unwrap(), 2, "ticket numbers go on");
    drop(store);

    let again = Store::migrate_to_postgres(dir.path(), DEFAULT_CACHE_BYTES, &url).unwrap_err();
    assert!(again.to_string().contains("already holds"), "{again}");
    assert_eq!(Store::open_postgres(&url).unwrap().inbox_len(), 600);
}

/// The same delivery reaching two gateways at once is stored by one of them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_two_gateways_take_at_once_is_stored_once() {
    let url = fresh_database();
    let stores = [
        Store::open_postgres(&url).unwrap(),
        Store::open_postgres(&url).unwrap(),
    ];
    for n in 0..40 {
        let tasks: Vec<_> = stores
            .iter()
            .map(|store| {
                let store = store.clone();
                tokio::spawn(async move {
                    let record = super::inbox::tests::record(Some(&format!("w-{n}")));
                    store
                        .append_delivery(NewDelivery {
                            raw_delivery_id: None,
                            record,
                            body: b"{}",
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut stored = Vec::new();
        let mut duplicates = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Appended::Stored(seq) => stored.push(seq),
                Appended::Duplicate(seq) => duplicates.push(seq),
            }
        }
        assert_eq!(stored.len(), 1, "delivery {n}: stored {stored:?}");
        assert_eq!(
            duplicates, stored,
            "delivery {n}: the duplicate names the first copy"
        );
    }
    assert_eq!(stores[0].inbox_len(), 40);
    assert_eq!(stores[1].unapplied(100).unwrap().len(), 40);
}

/// A snapshot of a PostgreSQL store (one repeatable-read transaction) restores into a sled
/// folder with every entry: `helloword export` and `restore` move data either way.
#[tokio::test]
async fn a_postgres_store_exports_and_restores_into_sled() {
    let url = fresh_database();
    let store = Store::open_postgres(&url).unwrap();
    for i in 0..300 {
        let record = super::inbox::tests::record(Some(&format!("w-{i}")));
        store
            .append_delivery(NewDelivery {
                raw_delivery_id: None,
                record,
                body: b"{}",
            })
            .await
            .unwrap();
    }
    let mut snapshot = Vec::new();
    let exported = store.export(&mut snapshot, None).unwrap();
    let inbox = exported.trees.iter().find(|(n, _)| n == "inbox").unwrap();
    assert_eq!(inbox.1, 300);
    let dir = tempfile::tempdir().unwrap();
    let restored = Store::restore(
        snapshot.as_slice(),
        &dir.path().join("db"),
        &dir.path().join("files"),
    )
    .unwrap();
    assert_eq!(restored.trees, exported.trees);
    // sled's I/O threads may hold the restored folder a moment longer.
    let mut opened = Store::open(&dir.path().join("db"));
    for _ in 0..100 {
        if opened.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        opened = Store::open(&dir.path().join("db"));
    }
    let sled = opened.unwrap();
    assert_eq!(sled.inbox_len(), 300);
    assert_eq!(sled.unapplied(1000).unwrap().len(), 300);

    // Back into PostgreSQL: a database or a files folder that holds data is refused, and
    // nothing is touched.
    let files = dir.path().join("pg-files");
    let error = Store::restore_postgres(snapshot.as_slice(), &url, &files).unwrap_err();
    assert!(error.to_string().contains("already holds"), "{error}");
    assert_eq!(store.inbox_len(), 300);
    std::fs::create_dir_all(files.join("7")).unwrap();
    std::fs::write(files.join("7/8"), b"photo").unwrap();
    let empty = fresh_database();
    let error = Store::restore_postgres(snapshot.as_slice(), &empty, &files).unwrap_err();
    assert!(matches!(error, SnapshotError::NotEmpty(_)), "{error}");
    assert_eq!(std::fs::read(files.join("7/8")).unwrap(), b"photo");
    let restored =
        Store::restore_postgres(snapshot.as_slice(), &empty, &dir.path().join("fresh-files"))
            .unwrap();
    assert_eq!(restored.trees, exported.trees);
    assert_eq!(Store::open_postgres(&empty).unwrap().inbox_len(), 300);
}
