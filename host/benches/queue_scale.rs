//! The agents' queue with many tickets stored: open tickets by deadline, filtered by
//! severity, first page of 50 — goal < 50 ms with 1,000,000 tickets, memory bounded.
//!
//! Run: `cargo bench -p helloword --bench queue_scale` (`HELLOWORD_SCALE_TICKETS` sets the
//! count; default 1,000,000). Writing the tickets takes a few minutes on 2 cores.

use std::time::{Duration, Instant};

use helloword::plugin::bindings::types::IssueKind;
use helloword::store::{Store, TicketWrite};
use helloword::tickets::model::{Status, Ticket};
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
                .map(|i| TicketWrite {
                    before: None,
                    after: ticket(i, &mut rng),
                    entries: Vec::new(),
                    business_keys: Vec::new(),
                    customer: None,
                    records: Vec::new(),
                })
                .collect();
            id += batch.len() as u64;
            store.commit_tickets(&batch).await.unwrap();
        }
        println!(
            "wrote {count} tickets in {:.1} s (RSS {} MiB)",
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
            let p50 = percentile(&mut samples, 50);
            let p99 = percentile(&mut samples, 99);
            println!(
                "queue, {label}, first 50 open tickets by deadline: p50 {:.2} ms, p99 {:.2} ms (RSS {} MiB)",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                rss_mib()
            );
        }
    });
}
