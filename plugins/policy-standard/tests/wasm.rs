//! The built component through the real HelloWord host runtime: config from plugin.toml
//! (with overrides) read through the `config` import, decisions across the component
//! boundary.

use helloword_testkit::TestKit;
use helloword_testkit::policy_api::{ApprovalTier, PolicyError, TicketContext};
use helloword_testkit::types::{
    ActionKind, Customer, IssueKind, LineItem, Money, Order, RefundSpec, Timestamp,
};

fn money(minor_units: i64, currency: &str) -> Money {
    Money {
        minor_units,
        currency: currency.into(),
    }
}

/// A ticket about an order of `amount`, opened and decided on Monday 2025-06-16 10:00 UTC.
fn ctx(kind: IssueKind, amount: Money, vip: bool) -> TicketContext {
    let now = Timestamp {
        seconds: 1_750_068_000,
        nanoseconds: 0,
    };
    TicketContext {
        ticket_id: "ticket-42".into(),
        marketplace: "shopify".into(),
        shop: "example.myshopify.com".into(),
        kind,
        order: Some(Order {
            id: "450789469".into(),
            display_name: Some("#1001".into()),
            placed_at: None,
            total: Some(amount.clone()),
            line_items: vec![LineItem {
                id: "li-1".into(),
                sku: Some("MUG-1".into()),
                batch: None,
                title: "Mug".into(),
                quantity: 2,
                unit_price: None,
            }],
        }),
        customer: Some(Customer {
            id: Some("c-7".into()),
            name: None,
            email: None,
            country: Some("DE".into()),
            preferred_locale: Some("de".into()),
            vip,
        }),
        amount: Some(amount),
        compensated_on_ticket: vec![],
        compensated_for_customer: vec![],
        compensated_for_shop_today: vec![],
        opened_at: now,
        now,
    }
}

#[tokio::test]
async fn decisions_cross_the_component_boundary_with_the_manifest_config() {
    let plugin = TestKit::new()
        .load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin.toml"),
            std::path::Path::new(test_artifacts::POLICY_STANDARD),
        )
        .await
        .unwrap();

    // A small quality problem in EUR: refunded automatically, explained in USD.
    let small = plugin
        .decide(&ctx(IssueKind::Quality, money(1250, "EUR"), false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(small.tier, ApprovalTier::Automatic, "{}", small.rationale);
    assert!(
        matches!(
            small.actions.as_slice(),
            [ActionKind::Refund(RefundSpec { amount: Some(m), .. })] if *m == money(1250, "EUR")
        ),
        "{:?}",
        small.actions
    );
    assert!(
        small.rationale.starts_with(
            "Quality problem on a small order (EUR 12.50 ≈ USD 13.50 < USD 20.00): \
             refund EUR 12.50 without return."
        ),
        "{}",
        small.rationale
    );

    // A damaged high-value order for a VIP: replacement, return, two coupons, a lead.
    let high = plugin
        .decide(&ctx(IssueKind::Damaged, money(25_000, "USD"), true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(high.tier, ApprovalTier::Lead, "{}", high.rationale);
    let kinds: Vec<&str> = high
        .actions
        .iter()
        .map(|a| match a {
            ActionKind::Reship(r) if r.expedited && r.line_items == [("li-1".to_string(), 2)] => {
                "reship"
            }
            ActionKind::ReturnDecision(d) if d.approve => "return",
            ActionKind::Coupon(c) if c.value == money(2500, "USD") => "coupon 25.00",
            ActionKind::Coupon(c) if c.value == money(500, "USD") => "vip 5.00",
            _ => "unexpected",
        })
        .collect();
    assert_eq!(kinds, ["reship", "return", "coupon 25.00", "vip 5.00"]);
}

#[tokio::test]
async fn config_overrides_reach_the_policy_and_bad_values_are_named() {
    let refunding = TestKit::new()
        .with_config("lost_parcel", "refund")
        .with_config("small_order_limit", "50.00")
        .load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin.toml"),
            std::path::Path::new(test_artifacts::POLICY_STANDARD),
        )
        .await
        .unwrap();
    let lost = refunding
        .decide(&ctx(IssueKind::NotReceived, money(4000, "USD"), false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lost.tier, ApprovalTier::Agent, "{}", lost.rationale);
    assert!(
        matches!(
            lost.actions.as_slice(),
            [ActionKind::Refund(RefundSpec { amount: Some(m), .. })] if *m == money(4000, "USD")
        ),
        "{:?}",
        lost.actions
    );
    assert!(
        lost.rationale.starts_with(
            "Lost parcel on a small order (USD 40.00 < USD 50.00): refund USD 40.00 \
             (lost_parcel = refund)."
        ),
        "{}",
        lost.rationale
    );

    let broken = TestKit::new()
        .with_config("investigation_business_days", "5")
        .load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin.toml"),
            std::path::Path::new(test_artifacts::POLICY_STANDARD),
        )
        .await
        .unwrap();
    let refused = broken
        .decide(&ctx(
            IssueKind::DeliveredNotReceived,
            money(4000, "USD"),
            false,
        ))
        .await
        .unwrap();
    assert!(
        matches!(&refused, Err(PolicyError::Misconfigured(m)) if m.starts_with("investigation_business_days:")),
        "{refused:?}"
    );
}
