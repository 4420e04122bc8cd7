//! Duplicate storm: every event delivered one to nine times, concurrently and shuffled, over
//! many generated rounds, with a policy that refunds every case automatically. Each case
//! becomes one ticket with one state change, and the Admin API stand-in sees exactly one
//! refund per case.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::gateway::*;
use common::shopify_admin;

/// A small deterministic generator (xorshift64*), so a failing round can be replayed from
/// its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Shopify's chargeback sample as dispute `id`.
fn dispute(id: u64) -> Vec<u8> {
    String::from_utf8(fixture("disputes__create.json"))
        .unwrap()
        .replace("285332461850802063", &id.to_string())
        .into_bytes()
}

async fn round(seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let tmp = tempfile::tempdir().unwrap();
    let (admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(tmp.path(), port);
    shopify_admin::install_policy(tmp.path());
    let gw = start_with(
        tmp.path(),
        &format!(
            "shopify_admin_token = {{ value = \"{}\" }}\n[actions]\nretry_base_ms = 20\n",
            shopify_admin::ADMIN_TOKEN
        ),
    )
    .await;

    // Cases, each delivered 1–9 times with distinct webhook ids (Shopify retries carry the
    // same id; duplicate subscriptions and replays do not), all shuffled.
    let cases = 2 + rng.below(5);
    let mut deliveries = Vec::new();
    for case in 0..cases {
        for copy in 0..1 + rng.below(9) {
            deliveries.push((9_000_000 + case, format!("s{seed}-c{case}-d{copy}")));
        }
    }
    for i in (1..deliveries.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        deliveries.swap(i, j);
    }
    let gw = std::sync::Arc::new(gw);
    let sent: Vec<_> = deliveries
        .into_iter()
        .map(|(case, webhook)| {
            let gw = gw.clone();
            tokio::spawn(async move {
                gw.deliver("disputes/create", &dispute(case), &webhook)
                    .await
            })
        })
        .collect();
    for s in sent {
        assert_eq!(s.await.unwrap(), 200, "seed {seed}");
    }
    gw.settled().await;

    // Wait for the proposals (timers) and their refunds (dispatcher).
    let mut done = false;
    for _ in 0..1500 {
        let tickets = gw.app.store.queue(None, 100).unwrap();
        let proposed = tickets.iter().all(|t| {
            t.timers.iter().all(|timer| {
                !matches!(
                    timer.what,
                    helloword::tickets::model::TimerKind::Propose { .. }
                )
            })
        });
        if tickets.len() as u64 == cases
            && proposed
            && gw.app.store.open_actions().unwrap().is_empty()
            && admin.refund_count() as u64 >= cases
        {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !done {
        let tickets = gw.app.store.queue(None, 100).unwrap();
        let timelines: Vec<_> = tickets
            .iter()
            .map(|t| (t.id, gw.app.store.timeline(t.id).unwrap()))
            .collect();
        panic!(
            "seed {seed}: the storm did not settle: {} of {cases} tickets, refunds {}, open \
             actions {:?}, tickets {tickets:?}, timelines {timelines:?}",
            tickets.len(),
            admin.refund_count(),
            gw.app.store.open_actions().unwrap()
        );
    }
    // Give a duplicate refund every chance to show up.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let tickets = gw.app.store.queue(None, 100).unwrap();
    assert_eq!(
        tickets.len() as u64,
        cases,
        "seed {seed}: one ticket per case"
    );
    let mut refunds_by_ticket = BTreeMap::new();
    for ticket in &tickets {
        assert_eq!(ticket.events, 1, "seed {seed}: one state change per case");
        let actions = gw.app.store.actions(ticket.id).unwrap();
        assert_eq!(actions.len(), 1, "seed {seed}: one refund decided per case");
        let key = actions[0].action.idempotency_key.clone();
        refunds_by_ticket.insert(ticket.id, admin.refunds_with(&key));
    }
    assert!(
        refunds_by_ticket.values().all(|n| *n == 1),
        "seed {seed}: refunds per ticket at the marketplace: {refunds_by_ticket:?}"
    );
    assert_eq!(admin.refund_count() as u64, cases, "seed {seed}");
    std::sync::Arc::try_unwrap(gw)
        .ok()
        .expect("all deliveries finished")
        .stop()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_is_refunded_exactly_once_however_often_it_is_delivered() {
    let rounds: u64 = std::env::var("HELLOWORD_STORM_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    for seed in 1..=rounds {
        round(seed).await;
    }
}
