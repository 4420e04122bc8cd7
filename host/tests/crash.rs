//! kill -9 at random points under load: every acknowledged delivery is there after the
//! restart, none is applied twice, and every pending timer is still pending. Half of the
//! deliveries of the second test arrive twice at the same moment, as a marketplace's retry
//! that overlaps its first attempt does: each is still stored as exactly one inbox record,
//! and a duplicate is acknowledged only once the copy it duplicates is on disk.
//!
//! CI runs a few rounds; `scripts/crash-rounds 100` (or `HELLOWORD_CRASH_ROUNDS=100 cargo
//! test -p helloword --test crash`) runs more.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use common::binary::{self, Process, Setup};

/// Whether dispute `id` was acknowledged with a 200.
fn delivered(client: &reqwest::blocking::Client, base: &str, id: u64) -> bool {
    matches!(binary::deliver(client, base, id), Some((200, _)))
}

fn start(dir: &Path) -> Process {
    binary::start(dir, &Setup::default())
}

fn rounds() -> usize {
    std::env::var("HELLOWORD_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}

/// A xorshift step: the test's pseudo-random numbers, the same on every run.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
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
    binary::install_shopify(tmp.path());
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));

    for round in 0..crashes {
        let gateway = start(tmp.path());
        // Four senders, each with its own ids, until the gateway dies under them.
        let this_round = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let base = gateway.base.clone();
                let acknowledged = acknowledged.clone();
                let this_round = this_round.clone();
                let first = *next_id + s * 100_000;
                std::thread::spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    for id in first..first + 100_000 {
                        if !delivered(&client, &base, id) {
                            return;
                        }
                        acknowledged.lock().unwrap().insert(id);
                        this_round.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        *next_id += 1_000_000;
        // Kill after a pseudo-random number (10 to 129) of acknowledgements in this round,
        // with deliveries in flight; the total stays within one page of the API.
        let target = 10 + (next(seed) % 120) as usize;
        while this_round.load(Ordering::SeqCst) < target {
            std::thread::sleep(Duration::from_millis(1));
        }
        gateway.kill_9();
        for sender in senders {
            sender.join().unwrap();
        }
        eprintln!(
            "round {round}: {} acknowledged so far",
            acknowledged.lock().unwrap().len()
        );
    }

    let gateway = start(tmp.path());
    let acked: Vec<u64> = acknowledged.lock().unwrap().iter().copied().collect();
    assert!(
        !acked.is_empty(),
        "the load must have been acknowledged at least once"
    );
    let found = binary::tickets(&gateway.base, &acked, Duration::from_secs(30));
    for id in &acked {
        let key = format!("case:{id}");
        let Some(seen) = found.get(&key) else {
            panic!("acknowledged delivery {id} is missing after kill -9");
        };
        assert_eq!(seen.count, 1, "{key} has {} tickets", seen.count);
        assert_eq!(seen.events, 1, "{key} was applied {} times", seen.events);
        assert_eq!(seen.timers, 3, "{key} lost its pending escalation timers");
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
    binary::install_shopify(tmp.path());
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let gateway = start(tmp.path());
    let pairs: Vec<_> = (0..16u64)
        .map(|p| {
            let first = *next_id + p * 100_000;
            let barrier = Arc::new(Barrier::new(2));
            let dead = Arc::new(AtomicBool::new(false));
            (0..2)
                .map(|side| {
                    let (base, acknowledged) = (gateway.base.clone(), acknowledged.clone());
                    let (barrier, dead) = (barrier.clone(), dead.clone());
                    std::thread::spawn(move || {
                        let client = reqwest::blocking::Client::new();
                        for id in first..first + 100_000 {
                            // Both sides meet at every id, so a duplicate is sent at once.
                            barrier.wait();
                            if dead.load(Ordering::SeqCst) {
                                return;
                            }
                            let twice = id % 2 == 0;
                            if side == 1 && !twice {
                                continue;
                            }
                            if delivered(&client, &base, id) {
                                acknowledged.lock().unwrap().insert(id);
                            } else {
                                dead.store(true, Ordering::SeqCst);
                            }
                        }
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    *next_id += 10_000_000;
    let kill_after = 50 + (next(seed) % 350) as usize;
    while acknowledged.lock().unwrap().len() < kill_after {
        std::thread::sleep(Duration::from_micros(200));
    }
    gateway.kill_9();
    for sender in pairs.into_iter().flatten() {
        sender.join().unwrap();
    }
    let acked: Vec<u64> = acknowledged.lock().unwrap().iter().copied().collect();
    let duplicates = acked.iter().filter(|id| *id % 2 == 0).count();

    let gateway = start(tmp.path());
    let found = binary::tickets(&gateway.base, &acked, Duration::from_secs(30));
    for id in &acked {
        let key = format!("case:{id}");
        let Some(seen) = found.get(&key) else {
            panic!("acknowledged delivery {id} is missing after kill -9");
        };
        assert_eq!(
            (seen.count, seen.events),
            (1, 1),
            "{key}: (tickets, events applied)"
        );
    }
    gateway.kill_9();
    let records = binary::inbox_records(&tmp.path().join("data/db")).unwrap();
    for id in &acked {
        match records.get(&binary::webhook_id(*id)) {
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
    binary::install_shopify(tmp.path());
    let gateway = start(tmp.path());
    let client = reqwest::blocking::Client::new();
    let deliver = |id, webhook: &[u8]| binary::deliver_as(&client, &gateway.base, id, webhook);
    // Both reach the connector as "w-\u{FFFD}"; they are two deliveries all the same.
    assert!(matches!(deliver(7_000_001, b"w-\xff"), Some((200, _))));
    assert!(matches!(deliver(7_000_002, b"w-\xfe"), Some((200, _))));
    // The same bytes again are the same delivery.
    assert!(matches!(deliver(7_000_002, b"w-\xfe"), Some((200, _))));
    let found = binary::tickets(
        &gateway.base,
        &[7_000_001, 7_000_002],
        Duration::from_secs(30),
    );
    assert!(found.contains_key("case:7000001"), "{found:?}");
    assert!(found.contains_key("case:7000002"), "{found:?}");
    gateway.kill_9();
    let records = binary::inbox_records(&tmp.path().join("data/db")).unwrap();
    assert_eq!(
        records.get("w-\u{FFFD}"),
        Some(&2),
        "two inbox records, one per webhook id: {records:?}"
    );
}
