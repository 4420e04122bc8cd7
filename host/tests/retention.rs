//! Retention and the other ways personal data leaves: the retention policy anonymizes
//! closed tickets and drops old raw deliveries (open tickets and young data stay);
//! Shopify's `shop/redact` erases every buyer of the shop; `helloword erase` erases one
//! buyer from a stopped gateway's data folder and compacts it.

mod common;

use std::path::Path;

use common::gateway::*;
use helloword::config::RetentionConfig;
use helloword::tickets::model::Status;
use serde_json::json;

/// The `orders/updated` fixture as order `order` of a buyer named `name` <`email`>, who
/// cancelled it (deliver it as `orders/cancelled`: a cancellation request is a case; an
/// order update alone only updates the order).
fn order(order: u64, name: &str, email: &str) -> Vec<u8> {
    let mut o: serde_json::Value =
        serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    o["id"] = json!(order);
    o["cancel_reason"] = json!("customer");
    o["cancelled_at"] = json!("2025-07-10T16:00:00-04:00");
    o["email"] = json!(email);
    o["contact_email"] = json!(email);
    let (first, last) = name.split_once(' ').unwrap();
    for address in ["billing_address", "shipping_address"] {
        o[address]["first_name"] = json!(first);
        o[address]["last_name"] = json!(last);
        o[address]["name"] = json!(name);
    }
    o["customer"]["id"] = json!(order + 1);
    o["customer"]["first_name"] = json!(first);
    o["customer"]["last_name"] = json!(last);
    o["customer"]["email"] = json!(email);
    o["customer"]["default_address"]["name"] = json!(name);
    o["customer"]["default_address"]["first_name"] = json!(first);
    o["customer"]["default_address"]["last_name"] = json!(last);
    o.to_string().into_bytes()
}

/// Whether any file under `dir` contains `needle`.
fn on_disk(dir: &Path, needle: &str) -> bool {
    common::files_under(dir).iter().any(|file| {
        std::fs::read(file)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    })
}

/// The store in `db`, once the stopped gateway's workers have let go of it (a moment after
/// it stops). Opening it compacts it when an erasure or purge marked it.
async fn reopen(db: &Path) -> helloword::store::Store {
    for _ in 0..200 {
        if let Ok(store) = helloword::store::Store::open(db) {
            return store;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the stopped gateway kept the store open");
}

fn ticket_of_order(gw: &Running, order: u64) -> helloword::tickets::model::Ticket {
    gw.app
        .store
        .all_tickets()
        .map(Result::unwrap)
        .find(|t| t.order_id.as_deref() == Some(order.to_string().as_str()))
        .unwrap_or_else(|| panic!("no ticket for order {order}"))
}

#[tokio::test]
async fn retention_anonymizes_closed_tickets_and_drops_old_raw_deliveries() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    for (n, name, email) in [
        (8_100_000_010, "Oldwyn Closedby", "oldwyn@retention.example"),
        (
            8_100_000_020,
            "Openia Stillhere",
            "openia@retention.example",
        ),
    ] {
        assert_eq!(
            gw.deliver(
                "orders/cancelled",
                &order(n, name, email),
                &format!("o-{n}")
            )
            .await,
            200
        );
    }
    gw.settled().await;
    let closed = ticket_of_order(&gw, 8_100_000_010);
    let open = ticket_of_order(&gw, 8_100_000_020);
    assert_eq!(closed.facts.buyer_name.as_deref(), Some("Oldwyn Closedby"));
    gw.app
        .engine
        .set_status_with(closed.id, Status::Closed, None, "lead")
        .await
        .unwrap();
    let policy = RetentionConfig::default();

    // Today nothing is due: the deliveries are fresh and the ticket closed just now.
    let now = jiff::Timestamp::now();
    let purged = gw.app.engine.purge(&policy, now).await.unwrap();
    assert_eq!((purged.raw_deliveries, purged.tickets), (0, 0));
    assert!(!gw.app.store.compaction_due().unwrap());

    // 31 days on, the raw bodies go; the tickets and their events stay.
    let later = now + jiff::SignedDuration::from_hours(24 * 31);
    let purged = gw.app.engine.purge(&policy, later).await.unwrap();
    assert_eq!((purged.raw_deliveries, purged.tickets), (2, 0));
    let seqs: Vec<u64> = gw
        .app
        .store
        .inbox_after(None, 10)
        .unwrap()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    for seq in &seqs {
        let (record, body) = gw.app.store.delivery(*seq).unwrap().unwrap();
        assert!(body.is_empty(), "delivery {seq} kept its raw body");
        assert_eq!(record.events.len(), 1);
    }
    assert!(gw.app.store.compaction_due().unwrap());

    // A year on, the closed ticket is anonymized; the open one is not.
    let year = now + jiff::SignedDuration::from_hours(24 * 366);
    let purged = gw.app.engine.purge(&policy, year).await.unwrap();
    assert_eq!(purged.tickets, 1);
    // Its order loses the buyer too (its only case is anonymized); the open case's keeps it.
    assert_eq!(purged.orders, 1);
    let old_order = gw
        .app
        .store
        .order("shopify", SHOP, "8100000010")
        .unwrap()
        .unwrap();
    assert!(old_order.anonymized && old_order.buyer.is_none() && old_order.email.is_none());
    assert!(
        old_order.total.is_some(),
        "the amounts stay for the books: {old_order:?}"
    );
    let kept = gw
        .app
        .store
        .order("shopify", SHOP, "8100000020")
        .unwrap()
        .unwrap();
    assert_eq!(kept.buyer.as_deref(), Some("Openia Stillhere"));
    let closed = gw.app.store.ticket(closed.id).unwrap().unwrap();
    assert!(closed.facts.anonymized);
    assert_eq!(closed.facts.buyer_name, None);
    assert_eq!(closed.customer, None);
    assert_eq!(closed.status, Status::Closed);
    assert!(
        gw.app
            .store
            .customer("email:oldwyn@retention.example")
            .unwrap()
            .is_none(),
        "the profile of a buyer whose only ticket was anonymized is deleted"
    );
    let open = gw.app.store.ticket(open.id).unwrap().unwrap();
    assert_eq!(open.facts.buyer_name.as_deref(), Some("Openia Stillhere"));
    // Applying it again finds nothing more to do.
    let purged = gw.app.engine.purge(&policy, year).await.unwrap();
    assert_eq!((purged.raw_deliveries, purged.tickets), (0, 0));
    gw.stop().await;

    // Reopening compacts: the anonymized buyer is gone from disk, the other is not.
    let data = tmp.path().join("data");
    let store = reopen(&data.join("db")).await;
    assert!(!store.compaction_due().unwrap());
    drop(store);
    assert!(!on_disk(&data, "Oldwyn Closedby"));
    assert!(!on_disk(&data, "oldwyn@retention.example"));
    assert!(on_disk(&data, "Openia Stillhere"));
}

#[tokio::test]
async fn shop_redact_erases_every_buyer_of_the_shop() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    for (n, name, email) in [
        (8_200_000_010, "Shopa Buyerone", "shopa@redact.example"),
        (8_200_000_020, "Shopb Buyertwo", "shopb@redact.example"),
    ] {
        gw.deliver(
            "orders/cancelled",
            &order(n, name, email),
            &format!("o-{n}"),
        )
        .await;
    }
    gw.settled().await;
    let body = fixture("shop__redact.json");
    assert_eq!(gw.deliver("shop/redact", &body, "shop-redact-1").await, 200);
    gw.settled().await;
    // The profiles go first; the audit line comes with the commit that ends the erasure.
    let audited = || {
        gw.app
            .store
            .audit(10)
            .unwrap()
            .iter()
            .any(|a| a.what.contains("2 profile(s)"))
    };
    let mut erased = false;
    for _ in 0..200 {
        if gw.app.store.all_customers().count() == 0 && audited() {
            erased = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        erased,
        "profiles outlived shop/redact, or it was not audited"
    );
    for n in [8_200_000_010, 8_200_000_020] {
        let t = ticket_of_order(&gw, n);
        assert!(t.facts.anonymized, "{t:?}");
        assert_eq!(t.facts.buyer_name, None);
    }
    let audit = gw.app.store.audit(10).unwrap();
    assert!(
        audit.iter().any(|a| a.what.contains("2 profile(s)")),
        "{audit:?}"
    );
    gw.stop().await;
    let data = tmp.path().join("data");
    drop(reopen(&data.join("db")).await);
    for canary in ["Shopa Buyerone", "shopb@redact.example", "Buyertwo"] {
        assert!(!on_disk(&data, canary), "{canary} is still on disk");
    }
}

#[tokio::test]
async fn the_erase_command_erases_a_buyer_from_a_stopped_gateway() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    for (n, name, email) in [
        (8_300_000_010, "Cliona Eraseme", "cliona@erase.example"),
        (8_300_000_020, "Keepa Notme", "keepa@erase.example"),
    ] {
        gw.deliver(
            "orders/cancelled",
            &order(n, name, email),
            &format!("o-{n}"),
        )
        .await;
    }
    gw.settled().await;
    gw.stop().await;
    drop(reopen(&tmp.path().join("data/db")).await);
    let config = tmp.path().join("helloword.toml");
    std::fs::write(&config, "").unwrap();
    let bin = env!("CARGO_BIN_EXE_helloword");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("erase")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let refused = run(&["--marketplace", "shopify"]);
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "error: name the buyer (--customer-id, --email, --alias) or the --shop to erase"
    );
    let out = run(&[
        "--marketplace",
        "shopify",
        "--email",
        "cliona@erase.example",
        "--by",
        "dpo@seller.example",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "erased 1 profile(s), 1 order(s), 1 ticket(s), 1 delivery(ies), 0 file(s); the store is compacted"
    );
    let data = tmp.path().join("data");
    assert!(!on_disk(&data, "Cliona Eraseme"));
    assert!(!on_disk(&data, "cliona@erase.example"));
    assert!(on_disk(&data, "Keepa Notme"));
    let store = helloword::store::Store::open(&data.join("db")).unwrap();
    let audit = store.audit(5).unwrap();
    assert_eq!(audit[0].who, "dpo@seller.example");
    assert_eq!(
        audit[0].what,
        "erased the personal data of a buyer at shopify on request: 1 profile(s), 1 order(s), 1 ticket(s), \
         1 delivery(ies), 0 file(s)"
    );
}
