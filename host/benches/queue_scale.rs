//! The agents' queue and search with many tickets and their messages stored: open tickets
//! by deadline, filtered by severity, first page of 50 and the pages after it by cursor —
//! goal < 50 ms with 1,000,000 tickets — and the desk's search over their 1,000,000 buyer
//! messages, names and orders — goal < 200 ms; memory bounded.
//!
//! Run: `cargo bench -p helloword --bench queue_scale` (`HELLOWORD_SCALE_TICKETS` sets the
//! count; default 1,000,000). Writing the tickets takes a few minutes on 2 cores.

use std::time::{Duration, Instant};

use helloword::plugin::bindings::types::IssueKind;
use helloword::store::{Store, TicketWrite};
use helloword::tickets::model::{Happening, Status, Ticket, TimelineEntry};
use helloword::tickets::sla::{Deadline, DeadlineSource, Severity};

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn ticket(id: u64, rng: &mut u64) -> Ticket {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let severity = match *rng % 10 {
        0 => Severity::Red,
        1..=3 => Severity::Yellow,
        _ => Severity::Blue,
    };
    let status = if (*rng).is_multiple_of(7) {
        Status::Closed
    } else {
        Status::WaitingOnUs
    };
    let opened = jiff::Timestamp::from_second(1_750_000_000 + (*rng % 5_000_000) as i64).unwrap();
    let due = opened
        .checked_add(jiff::SignedDuration::from_hours(4))
        .unwrap();
    Ticket {
        v: helloword::store::SCHEMA_VERSION,
        id,
        marketplace: "shopify".into(),
        shop: format!("shop-{}.myshopify.com", *rng % 50),
        case_key: format!("case:{id}"),
        kind: IssueKind::Chargeback,
        severity,
        status,
        opened_at: opened,
        updated_at: opened,
        due: Deadline {
            at: due,
            source: DeadlineSource::SeverityTarget,
        },
        escalation: Vec::new(),
        first_response_at: None,
        assignee: Some(format!("agent-{}", *rng % 20)),
        customer: Some(format!("email:buyer{}@example.com", *rng % 200_000)),
        order_id: Some(format!("{}", 820_982_911_946_154_508u64 + id)),
        amount: None,
        language: Some("de".into()),
        country: Some("DE".into()),
        platform_status: Some("needs_response".into()),
        facts: Default::default(),
        undelivered_reply: None,
        awaiting_reply_since: None,
        summary: "Chargeback opened: fraudulent, 11.50 CAD".into(),
        events: 1,
        timers: Vec::new(),
    }
}

/// Made-up word number `n`: one syllable for each base-12 digit of it, so every number
/// has its own word (below 1,728 at most three syllables: common; above, four or five).
fn word(n: u64) -> String {
    const SYLLABLES: [&str; 12] = [
        "ka", "lo", "mi", "ren", "sol", "ta", "vek", "zu", "pra", "dor", "ine", "ast",
    ];
    let mut n = n;
    let mut out = String::new();
    loop {
        out.push_str(SYLLABLES[(n % 12) as usize]);
        n /= 12;
        if n == 0 {
            return out;
        }
    }
}

/// What buyer `id` wrote: a sentence of common words and two of 20,000 rarer ones.
fn message(id: u64, rng: &mut u64) -> String {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    format!(
        "Hello, my parcel for order {} has not arrived yet. The {} and the {} were missing, \
         please help me. Thank you!",
        820_982_911_946_154_508u64 + id,
        word(1_728 + *rng % 20_000),
        word(1_728 + (*rng >> 20) % 20_000)
    )
}

/// A kind of search an agent types: the next query from a seed.
type Probe = Box<dyn Fn(&mut u64) -> String>;

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn main() {
    let count: u64 = std::env::var("HELLOWORD_SCALE_TICKETS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let started = Instant::now();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut id = 1;
        while id <= count {
            let batch: Vec<TicketWrite> = (id..(id + 1000).min(count + 1))
                .map(|i| {
                    let mut after = ticket(i, &mut rng);
                    after.facts.buyer_name = Some(format!(
                        "{} {}",
                        word(rng % 1_728),
                        word(1_728 + rng % 20_000)
                    ));
                    let text = message(i, &mut rng);
                    TicketWrite {
                        before: None,
                        entries: vec![TimelineEntry {
                            at: after.opened_at,
                            what: Happening::BuyerWrote {
                                delivery: i,
                                author: after.facts.buyer_name.clone(),
                                channel: "shopify".into(),
                                source: "message".into(),
                                marketplace_id: None,
                                language: Some("en".into()),
                                text,
                                attachments: Vec::new(),
                            },
                        }],
                        after,
                        business_keys: Vec::new(),
                        customer: None,
                        records: Vec::new(),
                    }
                })
                .collect();
            id += batch.len() as u64;
            store.commit_tickets(&batch).await.unwrap();
        }
        println!(
            "wrote {count} tickets, each with a buyer message, in {:.1} s (RSS {} MiB)",
            started.elapsed().as_secs_f64(),
            rss_mib()
        );

        for (label, severity) in [("red lane", Some(Severity::Red)), ("all lanes", None)] {
            let mut samples = Vec::new();
            for _ in 0..200 {
                let t = Instant::now();
                let page = store.queue(severity, 50).unwrap();
                samples.push(t.elapsed());
                assert_eq!(page.len(), 50);
            }
            report(
                &format!("queue, {label}, first 50 open tickets by deadline"),
                &mut samples,
            );
        }
        // The pages after it, by cursor (what "More tickets" and the API's `next` do): the
        // 2nd to the 41st page of 50.
        let mut samples = Vec::new();
        for _ in 0..5 {
            let mut after = None;
            for page in 0..41 {
                let t = Instant::now();
                let rows: Vec<_> = store
                    .open_tickets_after(None, after.clone(), |_| true)
                    .take(50)
                    .collect::<Result<_, _>>()
                    .unwrap();
                if page > 0 {
                    samples.push(t.elapsed());
                }
                assert_eq!(rows.len(), 50);
                after = rows.last().map(|(key, _)| key.clone());
            }
        }
        report(
            "queue, all lanes, a later page of 50 by cursor",
            &mut samples,
        );

        // Search: what an agent types.
        let mut probe = 0x9e37_79b9_7f4a_7c15u64;
        let searches: [(&str, Probe); 4] = [
            (
                "a rare word of a message (about 100 of 1,000,000 tickets)",
                Box::new(|r: &mut u64| {
                    *r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    word(1_728 + (*r >> 33) % 20_000)
                }),
            ),
            (
                "a buyer's full name",
                Box::new(|r: &mut u64| {
                    *r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    // A stored name's two words come from one number: so do the probe's
                    // (about one ticket in 1,000,000 has each name).
                    let n = *r >> 33;
                    format!("{} {}", word(n % 1_728), word(1_728 + n % 20_000))
                }),
            ),
            (
                "an order number",
                Box::new(move |r: &mut u64| {
                    *r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    format!("{}", 820_982_911_946_154_508u64 + 1 + (*r >> 33) % count)
                }),
            ),
            (
                "a common word and a rare one",
                Box::new(|r: &mut u64| {
                    *r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    format!("parcel {}", word(1_728 + (*r >> 33) % 20_000))
                }),
            ),
        ];
        for (label, query) in &searches {
            let mut samples = Vec::new();
            let mut found = 0;
            for _ in 0..100 {
                let q = query(&mut probe);
                let t = Instant::now();
                let ids = store.search(&q, 500).unwrap();
                samples.push(t.elapsed());
                found += ids.len();
            }
            report(
                &format!("search, {label} ({} tickets found on average)", found / 100),
                &mut samples,
            );
        }
        println!("RSS {} MiB", rss_mib());
    });
}

fn report(label: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 50);
    let p99 = percentile(samples, 99);
    println!(
        "{label}: p50 {:.2} ms, p99 {:.2} ms (RSS {} MiB)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        rss_mib()
    );
}
