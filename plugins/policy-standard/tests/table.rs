//! The decision logic, natively: one table per rule, cap and tier, currency conversion and
//! rounding, every configuration error, and determinism.

use helloword_sdk::policy::{ApprovalTier, PolicyError, Proposal, TicketContext};
use helloword_sdk::types::{ActionKind, Customer, IssueKind, LineItem, Money, Order, Timestamp};
use policy_standard::settings::DEFAULTS;
use policy_standard::{Rounding, Settings, calendar, coupon_code, decide};

// ---------------------------------------------------------------------------------------
// Building contexts.

fn m(amount: &str, currency: &str) -> Money {
    Money::parse(amount, currency).unwrap()
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A Monday.
const OPENED: &str = "2025-06-16T10:00:00Z";

/// A ticket about order #1001 (2 × Mug, 1 × Plate) whose total and the ticket's amount are
/// both `amount`, opened and decided on Monday 2025-06-16, nothing compensated yet.
fn ctx(kind: IssueKind, amount: Money) -> TicketContext {
    TicketContext {
        ticket_id: "ticket-42".into(),
        marketplace: "shopify".into(),
        shop: "example.myshopify.com".into(),
        kind,
        order: Some(Order {
            id: "450789469".into(),
            display_name: Some("#1001".into()),
            placed_at: Some(ts("2025-06-10T08:00:00Z")),
            total: Some(amount.clone()),
            line_items: vec![
                LineItem {
                    id: "li-1".into(),
                    sku: Some("MUG-1".into()),
                    batch: None,
                    title: "Mug".into(),
                    quantity: 2,
                    unit_price: None,
                },
                LineItem {
                    id: "li-2".into(),
                    sku: None,
                    batch: None,
                    title: "Plate".into(),
                    quantity: 1,
                    unit_price: None,
                },
            ],
        }),
        customer: Some(Customer {
            id: Some("c-7".into()),
            name: Some("Ada".into()),
            email: None,
            country: Some("DE".into()),
            preferred_locale: Some("de".into()),
            vip: false,
        }),
        amount: Some(amount),
        compensated_on_ticket: vec![],
        compensated_for_customer: vec![],
        compensated_for_shop_today: vec![],
        opened_at: ts(OPENED),
        now: ts(OPENED),
    }
}

fn vip(mut c: TicketContext) -> TicketContext {
    if let Some(customer) = c.customer.as_mut() {
        customer.vip = true;
    }
    c
}

fn with_total(mut c: TicketContext, total: Money) -> TicketContext {
    if let Some(order) = c.order.as_mut() {
        order.total = Some(total);
    }
    c
}

fn at(mut c: TicketContext, now: &str) -> TicketContext {
    c.now = ts(now);
    c
}

fn settings(config: &[(&str, &str)]) -> Result<Settings, PolicyError> {
    Settings::from_config(|key| {
        config
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    })
}

// ---------------------------------------------------------------------------------------
// Reading proposals.

fn show(money: &Money) -> String {
    format!(
        "{} {}",
        money.currency,
        helloword_sdk::money::to_decimal_string(money.minor_units, &money.currency)
    )
}

/// The actions in one line: "refund EUR 12.50; reship expedited li-1×2 li-2×1; return;
/// coupon EUR 4.63".
fn summary(p: &Proposal) -> String {
    let parts: Vec<String> = p
        .actions
        .iter()
        .map(|a| match a {
            ActionKind::Refund(r) => format!(
                "refund {}",
                r.amount.as_ref().map(show).unwrap_or("(none)".into())
            ),
            ActionKind::Reship(r) => {
                let lines: Vec<String> = r
                    .line_items
                    .iter()
                    .map(|(id, q)| format!("{id}×{q}"))
                    .collect();
                format!(
                    "reship{} {}",
                    if r.expedited { " expedited" } else { "" },
                    lines.join(" ")
                )
            }
            ActionKind::Coupon(c) => format!("coupon {}", show(&c.value)),
            ActionKind::ReturnDecision(d) => {
                format!("return {}", if d.approve { "approved" } else { "declined" })
            }
            ActionKind::Message(_) => "message".into(),
            ActionKind::DisputeEvidence(_) => "evidence".into(),
        })
        .collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join("; ")
    }
}

const RESHIP: &str = "reship li-1×2 li-2×1";
const RESHIP_EXPEDITED: &str = "reship expedited li-1×2 li-2×1";

/// One row of a table: a context under some config, and what must come out.
struct Row {
    name: &'static str,
    ctx: TicketContext,
    config: &'static [(&'static str, &'static str)],
    actions: &'static str,
    tier: ApprovalTier,
    says: &'static [&'static str],
}

fn row(
    name: &'static str,
    ctx: TicketContext,
    actions: &'static str,
    tier: ApprovalTier,
    says: &'static [&'static str],
) -> Row {
    Row {
        name,
        ctx,
        config: &[],
        actions,
        tier,
        says,
    }
}

/// Run every row and report every mismatch at once.
fn check(rows: Vec<Row>) {
    let mut failures = Vec::new();
    for r in &rows {
        let settings = settings(r.config).unwrap_or_else(|e| panic!("{}: config: {e:?}", r.name));
        let p = match decide(&r.ctx, &settings) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: error {e:?}", r.name));
                continue;
            }
        };
        let got = summary(&p);
        if got != r.actions {
            failures.push(format!(
                "{}: actions\n   got  {got}\n   want {}\n   rationale: {}",
                r.name, r.actions, p.rationale
            ));
        }
        if p.tier != r.tier {
            failures.push(format!(
                "{}: tier {:?}, want {:?}\n   rationale: {}",
                r.name, p.tier, r.tier, p.rationale
            ));
        }
        for needle in r.says {
            if !p.rationale.contains(needle) {
                failures.push(format!(
                    "{}: rationale lacks {needle:?}\n   rationale: {}",
                    r.name, p.rationale
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

fn decide_default(c: &TicketContext) -> Proposal {
    decide(c, &Settings::default()).unwrap()
}

use ApprovalTier::{Agent, Automatic, Lead};
use IssueKind::*;

// ---------------------------------------------------------------------------------------
// Rules.

#[test]
fn small_item_problems_are_refunded_without_return_automatically() {
    check(vec![
        row(
            "quality, EUR 12.50 ≈ USD 13.50",
            ctx(Quality, m("12.50", "EUR")),
            "refund EUR 12.50",
            Automatic,
            &[
                "Quality problem on a small order (EUR 12.50 ≈ USD 13.50 < USD 20.00): refund EUR 12.50 without return.",
                "Automatic: small item problems are refunded without a human; USD 13.50 is below USD 25.00.",
            ],
        ),
        row(
            "damaged, USD 19.99",
            ctx(Damaged, m("19.99", "USD")),
            "refund USD 19.99",
            Automatic,
            &["Damaged item on a small order (USD 19.99 < USD 20.00)"],
        ),
        row(
            "wrong item, JPY 2000 ≈ USD 13.40",
            ctx(WrongItem, m("2000", "JPY")),
            "refund JPY 2000",
            Automatic,
            &["Wrong item on a small order (JPY 2000 ≈ USD 13.40 < USD 20.00)"],
        ),
        row(
            "GBP 15.00 ≈ USD 19.05 is small",
            ctx(Quality, m("15.00", "GBP")),
            "refund GBP 15.00",
            Automatic,
            &["GBP 15.00 ≈ USD 19.05 < USD 20.00"],
        ),
        row(
            "USD 20.00 is not small",
            ctx(Quality, m("20.00", "USD")),
            RESHIP_EXPEDITED,
            Agent,
            &["Quality problem (USD 20.00, not below USD 20.00)"],
        ),
        row(
            "GBP 15.75 ≈ USD 20.00 (20.0025 rounds down) is not small",
            ctx(Quality, m("15.75", "GBP")),
            RESHIP_EXPEDITED,
            Agent,
            &["GBP 15.75 ≈ USD 20.00, not below USD 20.00"],
        ),
        row(
            "no ticket amount: the order total decides",
            {
                let mut c = ctx(Quality, m("9.00", "EUR"));
                c.amount = None;
                c
            },
            "refund EUR 9.00",
            Automatic,
            &["EUR 9.00 ≈ USD 9.72"],
        ),
        row(
            "the ticket amount beats the order total",
            with_total(ctx(Damaged, m("12.00", "USD")), m("80.00", "USD")),
            "refund USD 12.00",
            Automatic,
            &["USD 12.00 < USD 20.00"],
        ),
    ]);
}

#[test]
fn damaged_and_wrong_items_are_replaced_at_once_with_a_return_only_above_the_limit() {
    check(vec![
        row(
            "damaged, USD 80.00: expedited reship, no return",
            ctx(Damaged, m("80.00", "USD")),
            RESHIP_EXPEDITED,
            Agent,
            &[
                "Damaged item (USD 80.00, not below USD 20.00): expedited replacement of order #1001 (2 × Mug, 1 × Plate) without return (item value USD 80.00 is not above USD 100.00).",
                "Agent: replacements need an agent; the money alone (USD 0.00 is below USD 25.00) would be automatic.",
            ],
        ),
        row(
            "wrong item, EUR 60.00",
            ctx(WrongItem, m("60.00", "EUR")),
            RESHIP_EXPEDITED,
            Agent,
            &["Wrong item (EUR 60.00 ≈ USD 64.80, not below USD 20.00)"],
        ),
        row(
            "quality, USD 45.00: also a replacement",
            ctx(Quality, m("45.00", "USD")),
            RESHIP_EXPEDITED,
            Agent,
            &["Quality problem (USD 45.00"],
        ),
        row(
            "USD 100.00 exactly: not above, no return",
            ctx(Damaged, m("100.00", "USD")),
            RESHIP_EXPEDITED,
            Agent,
            &["without return (item value USD 100.00 is not above USD 100.00)"],
        ),
        row(
            "USD 100.01: the original must come back",
            ctx(Damaged, m("100.01", "USD")),
            "reship expedited li-1×2 li-2×1; return approved",
            Agent,
            &["the original must come back (item value USD 100.01 is above USD 100.00)"],
        ),
        row(
            "EUR 150.00 ≈ USD 162.00 wrong item: return",
            ctx(WrongItem, m("150.00", "EUR")),
            "reship expedited li-1×2 li-2×1; return approved",
            Agent,
            &["item value USD 162.00 is above USD 100.00"],
        ),
        row(
            "return_above = 50.00",
            ctx(Damaged, m("60.00", "USD")),
            "reship expedited li-1×2 li-2×1; return approved",
            Agent,
            &["is above USD 50.00"],
        )
        .with_config(&[("return_above", "50.00")]),
    ]);
}

#[test]
fn high_value_orders_get_a_coupon_and_a_lead() {
    check(vec![
        row(
            "USD 250.00 damaged: reship, return, 10 % coupon",
            ctx(Damaged, m("250.00", "USD")),
            "reship expedited li-1×2 li-2×1; return approved; coupon USD 25.00",
            Lead,
            &[
                "High-value order (USD 250.00 ≥ USD 200.00): coupon USD 25.00 (10 % of USD 250.00).",
                "Lead: high-value orders need a lead; the money alone (USD 25.00 is from USD 25.00 up to USD 150.00) would be agent.",
            ],
        ),
        row(
            "USD 200.00 exactly is high-value",
            ctx(WrongItem, m("200.00", "USD")),
            "reship expedited li-1×2 li-2×1; return approved; coupon USD 20.00",
            Lead,
            &["USD 200.00 ≥ USD 200.00"],
        ),
        row(
            "USD 199.99 is not",
            ctx(WrongItem, m("199.99", "USD")),
            "reship expedited li-1×2 li-2×1; return approved",
            Agent,
            &[],
        ),
        row(
            "EUR 185.19 ≈ USD 200.01 is high-value",
            ctx(Damaged, m("185.19", "EUR")),
            "reship expedited li-1×2 li-2×1; return approved; coupon EUR 18.52",
            Lead,
            &[
                "EUR 185.19 ≈ USD 200.01 ≥ USD 200.00",
                "coupon EUR 18.52 (10 % of EUR 185.19)",
            ],
        ),
        row(
            "EUR 199.95: 10 % is 19.995, half away from zero to EUR 20.00",
            ctx(Damaged, m("199.95", "EUR")),
            "reship expedited li-1×2 li-2×1; return approved; coupon EUR 20.00",
            Lead,
            &["coupon EUR 20.00 (10 % of EUR 199.95)"],
        ),
        row(
            "JPY 33335: 10 % is 3333.5, JPY has no minor unit: 3334",
            ctx(Damaged, m("33335", "JPY")),
            "reship expedited li-1×2 li-2×1; return approved; coupon JPY 3334",
            Lead,
            &["JPY 33335 ≈ USD 223.34"],
        ),
        row(
            "item USD 60.00 of a USD 300.00 order: coupon on the order, no return",
            with_total(ctx(Damaged, m("60.00", "USD")), m("300.00", "USD")),
            "reship expedited li-1×2 li-2×1; coupon USD 30.00",
            Lead,
            &[
                "without return",
                "High-value order (USD 300.00 ≥ USD 200.00)",
            ],
        ),
        row(
            "high_value_coupon_percent = 12.5",
            ctx(Damaged, m("300.00", "USD")),
            "reship expedited li-1×2 li-2×1; return approved; coupon USD 37.50",
            Lead,
            &["(12.5 % of USD 300.00)"],
        )
        .with_config(&[("high_value_coupon_percent", "12.5")]),
        row(
            "high_value_coupon_percent = 0: no coupon, still a lead",
            ctx(Damaged, m("300.00", "USD")),
            "reship expedited li-1×2 li-2×1; return approved",
            Lead,
            &["high-value orders need a lead"],
        )
        .with_config(&[("high_value_coupon_percent", "0")]),
    ]);
}

#[test]
fn delivered_not_received_waits_out_the_investigation_window() {
    let within = at(
        ctx(DeliveredNotReceived, m("60.00", "USD")),
        "2025-06-18T23:59:59Z",
    );
    let p = decide_default(&within);
    assert_eq!(summary(&p), "nothing");
    assert_eq!(p.tier, Agent);
    assert_eq!(p.revisit_at, Some(ts("2025-06-19T00:00:00Z")));
    assert_eq!(
        p.evidence_to_request.len(),
        3,
        "{:?}",
        p.evidence_to_request
    );
    assert!(p.evidence_to_request[0].contains("mailbox"));
    assert!(p.evidence_to_request[1].contains("neighbours"));
    assert!(
        p.rationale.contains(
            "within the 2-business-day investigation window (opened 2025-06-16T10:00:00Z, \
             closes 2025-06-19T00:00:00Z, the end of Wednesday)"
        ),
        "{}",
        p.rationale
    );

    check(vec![
        row(
            "right when the window closes: replacement",
            at(
                ctx(DeliveredNotReceived, m("60.00", "USD")),
                "2025-06-19T00:00:00Z",
            ),
            RESHIP,
            Agent,
            &[
                "Delivered but not received, and the 2-business-day investigation window",
                "has passed (USD 60.00, not below USD 20.00): replacement of order #1001",
                "Agent: parcels delivered but not received need an agent",
            ],
        ),
        row(
            "after the window, small order: refund (still an agent)",
            at(
                ctx(DeliveredNotReceived, m("15.00", "EUR")),
                "2025-06-20T09:00:00Z",
            ),
            "refund EUR 15.00",
            Agent,
            &["on a small order (EUR 15.00 ≈ USD 16.20 < USD 20.00): refund EUR 15.00."],
        ),
        row(
            "within the window, small order: still nothing",
            at(
                ctx(DeliveredNotReceived, m("15.00", "EUR")),
                "2025-06-17T09:00:00Z",
            ),
            "nothing",
            Agent,
            &["no compensation yet"],
        ),
        row(
            "VIP within the window: no coupon yet",
            vip(ctx(DeliveredNotReceived, m("60.00", "USD"))),
            "nothing",
            Agent,
            &[],
        ),
    ]);

    // Window ends for different openings and lengths (24:00 UTC of the last business day).
    let cases = [
        (OPENED, 1, "2025-06-18T00:00:00Z"),
        (OPENED, 2, "2025-06-19T00:00:00Z"),
        (OPENED, 3, "2025-06-20T00:00:00Z"),
        ("2025-06-16T00:00:00Z", 2, "2025-06-19T00:00:00Z"),
        ("2025-06-16T23:59:59Z", 2, "2025-06-19T00:00:00Z"),
        // Friday: Monday and Tuesday count.
        ("2025-06-20T15:00:00Z", 2, "2025-06-25T00:00:00Z"),
        ("2025-06-20T15:00:00Z", 3, "2025-06-26T00:00:00Z"),
        // Saturday and Sunday: the same as Friday.
        ("2025-06-21T12:00:00Z", 2, "2025-06-25T00:00:00Z"),
        ("2025-06-22T12:00:00Z", 1, "2025-06-24T00:00:00Z"),
        // Thursday with 3 days: Friday, Monday, Tuesday.
        ("2025-06-19T08:00:00Z", 3, "2025-06-25T00:00:00Z"),
    ];
    for (opened, days, end) in cases {
        assert_eq!(
            calendar::window_end(&ts(opened), days),
            ts(end),
            "opened {opened}, {days} days"
        );
        let days_text = days.to_string();
        let config = [("investigation_business_days", days_text.as_str())];
        let mut c = ctx(DeliveredNotReceived, m("60.00", "USD"));
        c.opened_at = ts(opened);
        c.now = c.opened_at;
        let p = decide(&c, &settings(&config).unwrap()).unwrap();
        assert_eq!(p.revisit_at, Some(ts(end)), "opened {opened}, {days} days");
    }
}

#[test]
fn lost_parcels_are_replaced_or_refunded() {
    check(vec![
        row(
            "USD 60.00: replacement, agent",
            ctx(NotReceived, m("60.00", "USD")),
            RESHIP,
            Agent,
            &[
                "Lost parcel (USD 60.00, not below USD 20.00): replacement of order #1001 (2 × Mug, 1 × Plate).",
                "Agent: lost parcels need an agent",
            ],
        ),
        row(
            "small: replacement, automatic",
            ctx(NotReceived, m("15.00", "USD")),
            RESHIP,
            Automatic,
            &[
                "Lost parcel on a small order (USD 15.00 < USD 20.00)",
                "Automatic: small lost parcels are settled without a human",
            ],
        ),
        row(
            "amount unknown: replacement, agent",
            {
                let mut c = ctx(NotReceived, m("1.00", "USD"));
                c.amount = None;
                c.order.as_mut().unwrap().total = None;
                c
            },
            RESHIP,
            Agent,
            &["Lost parcel (amount unknown)"],
        ),
        row(
            "lost_parcel = refund: USD 60.00",
            ctx(NotReceived, m("60.00", "USD")),
            "refund USD 60.00",
            Agent,
            &[
                "refund USD 60.00 (lost_parcel = refund)",
                "USD 60.00 is from USD 25.00 up to USD 150.00",
            ],
        )
        .with_config(&[("lost_parcel", "refund")]),
        row(
            "lost_parcel = refund, small: automatic",
            ctx(NotReceived, m("1500", "JPY")),
            "refund JPY 1500",
            Automatic,
            &["JPY 1500 ≈ USD 10.05 < USD 20.00"],
        )
        .with_config(&[("lost_parcel", "refund")]),
    ]);
}

#[test]
fn vip_customers_get_an_extra_coupon_in_the_order_currency() {
    check(vec![
        row(
            "EUR small refund + VIP coupon EUR 4.63 (USD 5.00 / 1.08 = 4.6296)",
            vip(ctx(Quality, m("12.50", "EUR"))),
            "refund EUR 12.50; coupon EUR 4.63",
            Automatic,
            &[
                "VIP customer: extra coupon EUR 4.63 (USD 5.00 converted).",
                "USD 18.50 is below USD 25.00",
            ],
        ),
        row(
            "USD replacement + VIP coupon USD 5.00",
            vip(ctx(Damaged, m("80.00", "USD"))),
            "reship expedited li-1×2 li-2×1; coupon USD 5.00",
            Agent,
            &["VIP customer: extra coupon USD 5.00."],
        ),
        row(
            "JPY order: USD 5.00 / 0.0067 = 746.27 → JPY 746",
            vip(ctx(NotReceived, m("9000", "JPY"))),
            "reship li-1×2 li-2×1; coupon JPY 746",
            Agent,
            &["extra coupon JPY 746"],
        ),
        row(
            "high-value and VIP: two coupons",
            vip(ctx(Damaged, m("250.00", "USD"))),
            "reship expedited li-1×2 li-2×1; return approved; coupon USD 25.00; coupon USD 5.00",
            Lead,
            &["USD 30.00 is from USD 25.00 up to USD 150.00"],
        ),
        row(
            "VIP buyer message: nothing",
            vip(ctx(BuyerMessage, m("80.00", "USD"))),
            "nothing",
            Automatic,
            &[],
        ),
        row(
            "vip_coupon = 0: no coupon",
            vip(ctx(Quality, m("12.50", "EUR"))),
            "refund EUR 12.50",
            Automatic,
            &[],
        )
        .with_config(&[("vip_coupon", "0")]),
    ]);

    // The codes depend on the ticket id only, and the two coupons differ.
    let p = decide_default(&vip(ctx(Damaged, m("250.00", "USD"))));
    let codes: Vec<String> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            ActionKind::Coupon(c) => c.code.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(
        codes,
        [
            coupon_code("SORRY", "ticket-42"),
            coupon_code("VIP", "ticket-42")
        ]
    );
    assert!(codes[0].starts_with("SORRY-") && codes[1].starts_with("VIP-"));
    assert!(
        codes[0][6..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    );
    // Coupons expire at the end of the UTC day 90 days after the decision.
    for a in &p.actions {
        if let ActionKind::Coupon(c) = a {
            assert_eq!(c.expires_at, Some(ts("2025-09-15T00:00:00Z")));
        }
    }
    let no_expiry = decide(
        &vip(ctx(Damaged, m("80.00", "USD"))),
        &settings(&[("coupon_valid_days", "0")]).unwrap(),
    )
    .unwrap();
    assert!(no_expiry.actions.iter().all(|a| match a {
        ActionKind::Coupon(c) => c.expires_at.is_none(),
        _ => true,
    }));
}

#[test]
fn other_kinds_get_no_compensation() {
    let kinds = [
        (LogisticsDelay, "a late or stalled shipment"),
        (CustomsHold, "a customs hold"),
        (ReturnRequest, "a return request"),
        (CancellationRequest, "a cancellation request"),
        (AToZClaim, "a marketplace guarantee claim"),
        (Chargeback, "a chargeback"),
        (PaymentDispute, "a payment dispute"),
        (NegativeReview, "a negative review"),
        (BuyerMessage, "a buyer message"),
        (AccountHealth, "an account-health warning"),
        (RefundIssued, "a refund notice"),
        (OrderUpdate, "an order update"),
        (ShipmentUpdate, "a shipment update"),
        (PrivacyRequest, "a privacy request"),
        (Other, "this kind of case"),
    ];
    for (kind, name) in kinds {
        let p = decide_default(&ctx(kind, m("500.00", "USD")));
        assert_eq!(summary(&p), "nothing", "{kind:?}");
        assert_eq!(p.tier, Automatic, "{kind:?}");
        assert!(p.evidence_to_request.is_empty() && p.revisit_at.is_none());
        let expected = format!("No compensation for {name} under the standard policy");
        assert!(
            p.rationale.starts_with(&expected),
            "{kind:?}: {}",
            p.rationale
        );
        assert!(
            p.rationale.ends_with("Automatic: nothing to approve."),
            "{}",
            p.rationale
        );
    }
    // Without order, customer or amount as well.
    let mut bare = ctx(BuyerMessage, m("1.00", "USD"));
    bare.order = None;
    bare.customer = None;
    bare.amount = None;
    assert_eq!(summary(&decide_default(&bare)), "nothing");
}

// ---------------------------------------------------------------------------------------
// Caps.

fn on_ticket(mut c: TicketContext, given: &[Money]) -> TicketContext {
    c.compensated_on_ticket = given.to_vec();
    c
}

fn for_customer(mut c: TicketContext, given: &[Money]) -> TicketContext {
    c.compensated_for_customer = given.to_vec();
    c
}

fn shop_today(mut c: TicketContext, given: &[Money]) -> TicketContext {
    c.compensated_for_shop_today = given.to_vec();
    c
}

#[test]
fn caps_cut_the_refund_or_escalate_to_a_lead() {
    check(vec![
        row(
            "within every cap: named with the figures after this proposal",
            for_customer(ctx(Quality, m("12.50", "EUR")), &[m("100.00", "USD")]),
            "refund EUR 12.50",
            Automatic,
            &[
                "Within the caps: per-ticket USD 13.50 of USD 150.00, per-customer USD 113.50 of USD 300.00 over 30 days, per-shop daily USD 13.50 of USD 2000.00.",
            ],
        ),
        row(
            "per ticket: USD 140.00 given, refund USD 15.00 cut to USD 10.00",
            on_ticket(ctx(Quality, m("15.00", "USD")), &[m("140.00", "USD")]),
            "refund USD 10.00",
            Agent,
            &[
                "Over the per-ticket cap of USD 150.00 (USD 140.00 already given, USD 10.00 left, USD 15.00 proposed): refund cut from USD 15.00 to USD 10.00.",
                "Agent: a cap cut the offer, so an agent explains it to the buyer; the money alone (USD 10.00 is below USD 25.00) would be automatic.",
            ],
        ),
        row(
            "per ticket exhausted: stays whole, lead",
            on_ticket(ctx(Quality, m("15.00", "USD")), &[m("150.00", "USD")]),
            "refund USD 15.00",
            Lead,
            &[
                "Over the per-ticket cap of USD 150.00 (USD 150.00 already given, USD 0.00 left, USD 15.00 proposed): nothing is left for the refund, so the proposal stays whole for a lead to decide.",
                "Lead: only a lead may go over a cap",
            ],
        ),
        row(
            "per ticket already over: lead",
            on_ticket(ctx(Quality, m("15.00", "USD")), &[m("180.00", "USD")]),
            "refund USD 15.00",
            Lead,
            &["USD 180.00 already given, USD 0.00 left"],
        ),
        row(
            "per ticket in mixed currencies: EUR 100 + JPY 5000 = USD 141.50",
            on_ticket(
                ctx(Quality, m("15.00", "USD")),
                &[m("100.00", "EUR"), m("5000", "JPY")],
            ),
            "refund USD 8.50",
            Agent,
            &["USD 141.50 already given, USD 8.50 left"],
        ),
        row(
            "per customer: EUR 270 ≈ USD 291.60 given, EUR refund cut towards zero to EUR 7.77",
            for_customer(ctx(Quality, m("12.50", "EUR")), &[m("270.00", "EUR")]),
            "refund EUR 7.77",
            Agent,
            &[
                "Over the per-customer cap of USD 300.00 over 30 days (USD 291.60 already given, USD 8.40 left, USD 13.50 proposed)",
                "refund cut from EUR 12.50 to EUR 7.77 (≈ USD 8.39)",
            ],
        ),
        row(
            "per customer period named from config",
            for_customer(ctx(Quality, m("15.00", "USD")), &[m("295.00", "USD")]),
            "refund USD 5.00",
            Agent,
            &["per-customer cap of USD 300.00 over 7 days"],
        )
        .with_config(&[("cap_customer_period_days", "7")]),
        row(
            "per shop per day: USD 1995.00 given",
            shop_today(ctx(Damaged, m("15.00", "USD")), &[m("1995.00", "USD")]),
            "refund USD 5.00",
            Agent,
            &[
                "Over the per-shop daily cap of USD 2000.00 (USD 1995.00 already given, USD 5.00 left, USD 15.00 proposed)",
            ],
        ),
        row(
            "two caps over at once: both named, the tighter one wins",
            shop_today(
                on_ticket(ctx(Quality, m("15.00", "USD")), &[m("140.00", "USD")]),
                &[m("1992.00", "USD")],
            ),
            "refund USD 8.00",
            Agent,
            &[
                "Over the per-ticket cap of USD 150.00 (USD 140.00 already given, USD 10.00 left, USD 15.00 proposed) and the per-shop daily cap of USD 2000.00 (USD 1992.00 already given, USD 8.00 left",
            ],
        ),
        row(
            "the VIP coupon goes first",
            on_ticket(vip(ctx(Quality, m("15.00", "USD"))), &[m("135.00", "USD")]),
            "refund USD 15.00",
            Agent,
            &["USD 15.00 left, USD 20.00 proposed): VIP coupon USD 5.00 dropped."],
        ),
        row(
            "the VIP coupon is cut before the refund",
            on_ticket(vip(ctx(Quality, m("15.00", "USD"))), &[m("133.00", "USD")]),
            "refund USD 15.00; coupon USD 2.00",
            Agent,
            &["VIP coupon cut from USD 5.00 to USD 2.00"],
        ),
        row(
            "the VIP coupon dropped and the refund cut",
            on_ticket(vip(ctx(Quality, m("15.00", "USD"))), &[m("140.00", "USD")]),
            "refund USD 10.00",
            Agent,
            &["refund cut from USD 15.00 to USD 10.00, VIP coupon USD 5.00 dropped."],
        ),
        row(
            "the high-value coupon is cut; a lead still approves",
            on_ticket(ctx(Damaged, m("300.00", "USD")), &[m("130.00", "USD")]),
            "reship expedited li-1×2 li-2×1; return approved; coupon USD 20.00",
            Lead,
            &[
                "coupon cut from USD 30.00 to USD 20.00",
                "Lead: high-value orders need a lead",
            ],
        ),
        row(
            "a replacement moves no money: caps do not touch it",
            for_customer(ctx(Damaged, m("80.00", "USD")), &[m("400.00", "USD")]),
            RESHIP_EXPEDITED,
            Agent,
            &[],
        ),
        row(
            "the high-value coupon is dropped when nothing is left",
            on_ticket(ctx(Damaged, m("300.00", "USD")), &[m("150.00", "USD")]),
            "reship expedited li-1×2 li-2×1; return approved",
            Lead,
            &["coupon USD 30.00 dropped"],
        ),
        row(
            "JPY refund cut: USD 5.00 left is JPY 746 (746.27 towards zero)",
            on_ticket(ctx(Quality, m("2900", "JPY")), &[m("145.00", "USD")]),
            "refund JPY 746",
            Agent,
            &["refund cut from JPY 2900 to JPY 746 (≈ USD 5.00)"],
        ),
    ]);
}

#[test]
fn a_cut_never_leaves_more_than_the_cap() {
    // Whatever is left, the refund after a cut converts back to at most that.
    let s = Settings::default();
    for (currency, amount) in [
        ("EUR", "18.00"),
        ("JPY", "2900"),
        ("GBP", "15.00"),
        ("TRY", "600.00"),
    ] {
        for given in 131..150 {
            let c = on_ticket(
                ctx(Quality, m(amount, currency)),
                &[Money {
                    minor_units: given * 100,
                    currency: "USD".into(),
                }],
            );
            let p = decide(&c, &s).unwrap();
            let refund: i64 = p
                .actions
                .iter()
                .filter_map(|a| match a {
                    ActionKind::Refund(r) => r.amount.clone(),
                    _ => None,
                })
                .map(|money| {
                    s.rates
                        .convert(&money, "USD", Rounding::HalfAwayFromZero)
                        .unwrap()
                        .minor_units
                })
                .sum();
            assert!(
                given * 100 + refund <= 15_000,
                "{currency} {amount} after USD {given}: {}",
                p.rationale
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tiers.

/// Refunds of any size automatic by rule (small_order_limit high), caps out of the way:
/// only the amount decides.
const BY_AMOUNT: &[(&str, &str)] = &[
    ("small_order_limit", "100000.00"),
    ("cap_per_ticket", "100000.00"),
    ("cap_per_customer", "100000.00"),
    ("cap_per_shop_day", "100000.00"),
];

#[test]
fn the_tier_follows_the_money_but_never_drops_below_the_rule() {
    check(vec![
        row(
            "USD 24.99: automatic",
            ctx(Quality, m("24.99", "USD")),
            "refund USD 24.99",
            Automatic,
            &["Automatic: small item problems are refunded without a human; USD 24.99 is below USD 25.00."],
        )
        .with_config(BY_AMOUNT),
        row(
            "USD 25.00: agent",
            ctx(Quality, m("25.00", "USD")),
            "refund USD 25.00",
            Agent,
            &["Agent: USD 25.00 is from USD 25.00 up to USD 150.00."],
        )
        .with_config(BY_AMOUNT),
        row(
            "USD 150.00: agent",
            ctx(Quality, m("150.00", "USD")),
            "refund USD 150.00",
            Agent,
            &["Agent: USD 150.00 is from USD 25.00 up to USD 150.00."],
        )
        .with_config(BY_AMOUNT),
        row(
            "USD 150.01: lead",
            ctx(Quality, m("150.01", "USD")),
            "refund USD 150.01",
            Lead,
            &["Lead: USD 150.01 is above USD 150.00."],
        )
        .with_config(BY_AMOUNT),
        row(
            "EUR 23.14 ≈ USD 24.99: automatic; EUR amounts are compared in USD",
            ctx(Quality, m("23.14", "EUR")),
            "refund EUR 23.14",
            Automatic,
            &["USD 24.99 is below USD 25.00"],
        )
        .with_config(BY_AMOUNT),
        row(
            "EUR 23.15 ≈ USD 25.00 (25.002): agent",
            ctx(Quality, m("23.15", "EUR")),
            "refund EUR 23.15",
            Agent,
            &["USD 25.00 is from USD 25.00 up to USD 150.00"],
        )
        .with_config(BY_AMOUNT),
        row(
            "lost-parcel refund USD 160.00: lead above the rule's agent",
            ctx(NotReceived, m("160.00", "USD")),
            "refund USD 160.00",
            Lead,
            &["Lead: USD 160.00 is above USD 150.00."],
        )
        .with_config(&[("lost_parcel", "refund"), ("cap_per_ticket", "1000.00")]),
        row(
            "replacement without money: the rule's agent",
            ctx(Damaged, m("80.00", "USD")),
            RESHIP_EXPEDITED,
            Agent,
            &["Agent: replacements need an agent"],
        ),
        row(
            "custom thresholds: auto_below 10.00, agent_up_to 12.00",
            ctx(Quality, m("12.50", "USD")),
            "refund USD 12.50",
            Lead,
            &["Lead: USD 12.50 is above USD 12.00."],
        )
        .with_config(&[("auto_below", "10.00"), ("agent_up_to", "12.00")]),
        row(
            "auto_below = agent_up_to: no agent band",
            ctx(Quality, m("15.00", "USD")),
            "refund USD 15.00",
            Lead,
            &["USD 15.00 is above USD 10.00"],
        )
        .with_config(&[("auto_below", "10.00"), ("agent_up_to", "10.00")]),
    ]);
}

// ---------------------------------------------------------------------------------------
// Currency conversion and rounding.

fn convert(rates: &str, amount: Money, to: &str, rounding: Rounding) -> String {
    let s = settings(&[("rates", rates)]).unwrap();
    show(&s.rates.convert(&amount, to, rounding).unwrap())
}

#[test]
fn conversion_is_exact_on_minor_units_and_rounds_half_away_from_zero() {
    use Rounding::{HalfAwayFromZero as Half, TowardZero as Down};
    let d = DEFAULTS.iter().find(|(k, _)| *k == "rates").unwrap().1;
    let cases: &[(&str, Money, &str, Rounding, &str)] = &[
        // The default rates.
        (d, m("12.50", "EUR"), "USD", Half, "USD 13.50"),
        (d, m("5.00", "USD"), "EUR", Half, "EUR 4.63"),
        (d, m("0.0", "USD"), "EUR", Half, "EUR 0.00"),
        // JPY has no minor unit.
        (d, m("1500", "JPY"), "USD", Half, "USD 10.05"),
        (d, m("1", "JPY"), "USD", Half, "USD 0.01"),
        (d, m("1.00", "USD"), "JPY", Half, "JPY 149"),
        (d, m("0.01", "USD"), "JPY", Half, "JPY 1"),
        (d, m("0.10", "USD"), "JPY", Half, "JPY 15"),
        (d, m("0.10", "USD"), "JPY", Down, "JPY 14"),
        // Between two non-base currencies: one rounding step (10.80 / 0.0067 = 1611.94).
        (d, m("10.00", "EUR"), "JPY", Half, "JPY 1612"),
        (d, m("1612", "JPY"), "EUR", Half, "EUR 10.00"),
        (d, m("100.00", "GBP"), "EUR", Half, "EUR 117.59"),
        // Exact halves go away from zero, negative ones too.
        ("EUR=1.05", m("0.10", "EUR"), "USD", Half, "USD 0.11"),
        ("EUR=1.05", m("-0.10", "EUR"), "USD", Half, "USD -0.11"),
        ("EUR=1.05", m("0.10", "EUR"), "USD", Down, "USD 0.10"),
        ("EUR=1.05", m("-0.10", "EUR"), "USD", Down, "USD -0.10"),
        ("EUR=1.04", m("0.10", "EUR"), "USD", Half, "USD 0.10"),
        ("JPY=0.005", m("1", "JPY"), "USD", Half, "USD 0.01"),
        ("JPY=0.005", m("3", "JPY"), "USD", Half, "USD 0.02"),
        ("JPY=0.005", m("-3", "JPY"), "USD", Half, "USD -0.02"),
        ("JPY=0.004", m("1", "JPY"), "USD", Half, "USD 0.00"),
        // Three-digit currencies (KWD: fils).
        ("KWD=3.25", m("1.00", "USD"), "KWD", Half, "KWD 0.308"),
        ("KWD=3.25", m("1.000", "KWD"), "USD", Half, "USD 3.25"),
        ("KWD=3.25", m("0.001", "KWD"), "USD", Half, "USD 0.00"),
        ("KWD=3.25", m("0.002", "KWD"), "USD", Half, "USD 0.01"),
        ("KWD=4", m("0.01", "USD"), "KWD", Half, "KWD 0.003"),
        ("KWD=4", m("0.01", "USD"), "KWD", Down, "KWD 0.002"),
        ("KWD=4", m("-0.01", "USD"), "KWD", Half, "KWD -0.003"),
        ("KWD=2.5", m("0.002", "KWD"), "USD", Half, "USD 0.01"),
        (
            "KWD=3.25,JPY=0.0067",
            m("1.000", "KWD"),
            "JPY",
            Half,
            "JPY 485",
        ),
        // Many decimals in a rate stay exact.
        (
            "IDR=0.000061234567",
            m("1000000.00", "IDR"),
            "USD",
            Half,
            "USD 61.23",
        ),
    ];
    for (rates, amount, to, rounding, want) in cases {
        assert_eq!(
            convert(rates, amount.clone(), to, *rounding),
            *want,
            "{} → {to} at {rates:?} ({rounding:?})",
            show(amount)
        );
    }
}

#[test]
fn a_base_currency_other_than_usd_works_with_rates_restated() {
    let config = [
        ("base_currency", "EUR"),
        ("rates", "USD=0.92,JPY=0.0062"),
        ("small_order_limit", "20.00"),
    ];
    let s = settings(&config).unwrap();
    let p = decide(&ctx(Quality, m("21.00", "USD")), &s).unwrap();
    assert_eq!(summary(&p), "refund USD 21.00");
    assert!(
        p.rationale
            .contains("Quality problem on a small order (USD 21.00 ≈ EUR 19.32 < EUR 20.00)"),
        "{}",
        p.rationale
    );
    assert!(p.rationale.contains("EUR 19.32 is below EUR 25.00"));
}

// ---------------------------------------------------------------------------------------
// Errors.

fn misconfigured(config: &[(&str, &str)]) -> String {
    match settings(config) {
        Err(PolicyError::Misconfigured(message)) => message,
        other => panic!("{config:?}: {other:?}"),
    }
}

#[test]
fn every_bad_config_value_names_its_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "base_currency",
            "US",
            "base_currency: \"US\" is not an ISO 4217 currency code",
        ),
        ("base_currency", "US1", "base_currency:"),
        ("rates", "EUR:1.08", "rates: \"EUR:1.08\" is not CODE=RATE"),
        (
            "rates",
            "EURO=1.08",
            "rates: \"EURO\" is not an ISO 4217 currency code",
        ),
        (
            "rates",
            "EUR=abc",
            "rates: the rate of EUR (\"abc\") is not a positive decimal",
        ),
        (
            "rates",
            "EUR=0",
            "rates: the rate of EUR (\"0\") is not a positive decimal",
        ),
        ("rates", "EUR=-1.08", "rates: the rate of EUR"),
        ("rates", "EUR=1e3", "rates: the rate of EUR"),
        (
            "rates",
            "EUR=0.0000000000001",
            "rates: the rate of EUR (\"0.0000000000001\") is not a positive decimal with at most 12 decimals",
        ),
        ("rates", "EUR=1.08,EUR=1.09", "rates: EUR is given twice"),
        (
            "rates",
            "USD=1.01",
            "rates: USD is the base currency, its rate must be 1 (not 1.01)",
        ),
        (
            "small_order_limit",
            "twenty",
            "small_order_limit: amount \"twenty\" is not a decimal number",
        ),
        (
            "small_order_limit",
            "20.001",
            "small_order_limit: amount \"20.001\" has more decimals than USD",
        ),
        (
            "return_above",
            "-1.00",
            "return_above: \"-1.00\" must not be negative",
        ),
        ("high_value", "", "high_value:"),
        (
            "high_value_coupon_percent",
            "101",
            "high_value_coupon_percent: \"101\" is not a percentage from 0 to 100",
        ),
        (
            "high_value_coupon_percent",
            "ten",
            "high_value_coupon_percent:",
        ),
        (
            "investigation_business_days",
            "0",
            "investigation_business_days: \"0\" is not a whole number from 1 to 3",
        ),
        (
            "investigation_business_days",
            "4",
            "investigation_business_days: \"4\" is not a whole number from 1 to 3",
        ),
        (
            "investigation_business_days",
            "2.5",
            "investigation_business_days:",
        ),
        (
            "lost_parcel",
            "refund_later",
            "lost_parcel: \"refund_later\" is neither \"reship\" nor \"refund\"",
        ),
        (
            "vip_coupon",
            "5,00",
            "vip_coupon: amount \"5,00\" is not a decimal number",
        ),
        ("coupon_valid_days", "-1", "coupon_valid_days:"),
        ("cap_per_ticket", "lots", "cap_per_ticket:"),
        ("cap_per_customer", "1e5", "cap_per_customer:"),
        (
            "cap_customer_period_days",
            "0",
            "cap_customer_period_days: \"0\" is not a whole number from 1 to 3650",
        ),
        (
            "cap_per_shop_day",
            "-5",
            "cap_per_shop_day: \"-5\" must not be negative",
        ),
        ("auto_below", "x", "auto_below:"),
        ("agent_up_to", "y", "agent_up_to:"),
        (
            "agent_up_to",
            "20.00",
            "agent_up_to: USD 20.00 is below auto_below USD 25.00",
        ),
    ];
    for (key, value, want) in cases {
        let got = misconfigured(&[(key, value)]);
        assert!(
            got.starts_with(want),
            "{key} = {value:?}: got {got:?}, want {want:?}…"
        );
    }
    // Moving the base without restating the rates is caught.
    assert_eq!(
        misconfigured(&[("base_currency", "EUR")]),
        "rates: EUR is the base currency, its rate must be 1 (not 1.08)"
    );
    // Whitespace and a trailing comma are fine; a lower-case base is upper-cased.
    let s = settings(&[
        ("base_currency", "usd"),
        ("rates", " EUR = 1.08 , GBP=1.27, "),
    ])
    .unwrap();
    assert_eq!(s.base_currency, "USD");
    assert_eq!(s.rates.rate("GBP").unwrap().to_string(), "1.27");
}

#[test]
fn a_currency_without_a_rate_is_misconfigured() {
    let s = Settings::default();
    let no_rate = |c: TicketContext| match decide(&c, &s) {
        Err(PolicyError::Misconfigured(message)) => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        no_rate(ctx(Quality, m("10.00", "XYZ"))),
        "rates: no rate for XYZ"
    );
    assert_eq!(
        no_rate(on_ticket(
            ctx(Quality, m("10.00", "USD")),
            &[m("10.00", "NZD")]
        )),
        "rates: no rate for NZD"
    );
    assert_eq!(
        no_rate(for_customer(
            ctx(Quality, m("10.00", "USD")),
            &[m("10.00", "KRW")]
        )),
        "rates: no rate for KRW"
    );
    assert_eq!(
        no_rate(shop_today(
            ctx(Quality, m("10.00", "USD")),
            &[m("10.00", "INR")]
        )),
        "rates: no rate for INR"
    );
    assert_eq!(
        no_rate(vip(with_total(
            ctx(Damaged, m("80.00", "USD")),
            m("80.00", "NOK")
        ))),
        "rates: no rate for NOK"
    );
    // Kinds that compensate nothing look at no amount.
    assert!(decide(&ctx(BuyerMessage, m("10.00", "XYZ")), &s).is_ok());
}

#[test]
fn missing_context_is_named() {
    let s = Settings::default();
    let insufficient =
        |c: TicketContext, config: &[(&str, &str)]| match decide(&c, &settings(config).unwrap()) {
            Err(PolicyError::InsufficientContext(message)) => message,
            other => panic!("{other:?}"),
        };
    let mut no_amount = ctx(Quality, m("10.00", "USD"));
    no_amount.amount = None;
    no_amount.order.as_mut().unwrap().total = None;
    assert_eq!(
        insufficient(no_amount.clone(), &[]),
        "amount or order.total: an item problem is sized by its amount"
    );
    let mut lost = no_amount.clone();
    lost.kind = NotReceived;
    assert_eq!(
        insufficient(lost, &[("lost_parcel", "refund")]),
        "amount or order.total: a lost parcel is refunded by its amount"
    );
    let mut no_lines = ctx(Damaged, m("80.00", "USD"));
    no_lines.order.as_mut().unwrap().line_items.clear();
    assert_eq!(
        insufficient(no_lines, &[]),
        "order.line-items: a replacement needs the items to send again"
    );
    let mut no_order = ctx(NotReceived, m("80.00", "USD"));
    no_order.order = None;
    assert!(insufficient(no_order, &[]).starts_with("order.line-items"));
    assert_eq!(
        insufficient(ctx(Quality, m("-5.00", "USD")), &[]),
        "amount: USD -5.00 is not a positive amount"
    );
    // A small refund needs no line items.
    let mut small = ctx(Quality, m("10.00", "USD"));
    small.order = None;
    assert_eq!(summary(&decide(&small, &s).unwrap()), "refund USD 10.00");
}

// ---------------------------------------------------------------------------------------
// Determinism and defaults.

#[test]
fn the_same_context_gets_the_same_proposal() {
    let s = Settings::default();
    let contexts = [
        vip(ctx(Damaged, m("250.00", "EUR"))),
        on_ticket(vip(ctx(Quality, m("15.00", "USD"))), &[m("140.00", "USD")]),
        at(
            ctx(DeliveredNotReceived, m("60.00", "USD")),
            "2025-06-17T12:00:00Z",
        ),
        ctx(BuyerMessage, m("60.00", "USD")),
    ];
    for c in &contexts {
        let first = format!("{:?}", decide(c, &s).unwrap());
        for _ in 0..3 {
            assert_eq!(format!("{:?}", decide(&c.clone(), &s).unwrap()), first);
        }
        // Settings read again from the same config: the same.
        let again = settings(&[]).unwrap();
        assert_eq!(format!("{:?}", decide(c, &again).unwrap()), first);
    }
    // The order of what was given does not matter.
    let a = on_ticket(
        ctx(Quality, m("15.00", "USD")),
        &[m("100.00", "EUR"), m("5000", "JPY")],
    );
    let b = on_ticket(
        ctx(Quality, m("15.00", "USD")),
        &[m("5000", "JPY"), m("100.00", "EUR")],
    );
    assert_eq!(
        format!("{:?}", decide(&a, &s).unwrap()),
        format!("{:?}", decide(&b, &s).unwrap())
    );
    // Coupon codes depend on the ticket id and nothing else.
    assert_eq!(
        coupon_code("SORRY", "ticket-42"),
        coupon_code("SORRY", "ticket-42")
    );
    assert_ne!(
        coupon_code("SORRY", "ticket-42"),
        coupon_code("SORRY", "ticket-43")
    );
    let mut other = vip(ctx(Damaged, m("250.00", "USD")));
    other.ticket_id = "ticket-43".into();
    let codes = |p: Proposal| -> Vec<Option<String>> {
        p.actions
            .into_iter()
            .filter_map(|a| match a {
                ActionKind::Coupon(c) => Some(c.code),
                _ => None,
            })
            .collect()
    };
    assert_ne!(
        codes(decide(&other, &s).unwrap()),
        codes(decide(&vip(ctx(Damaged, m("250.00", "USD"))), &s).unwrap())
    );
}

#[test]
fn plugin_toml_documents_the_defaults_the_code_uses() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.toml")).unwrap();
    let config = manifest.split("[config]").nth(1).expect("a [config] table");
    let mut documented = Vec::new();
    for line in config.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').expect("key = \"value\"");
        let value = value.trim();
        assert!(value.starts_with('"') && value.ends_with('"'), "{line}");
        documented.push((key.trim().to_string(), value.trim_matches('"').to_string()));
    }
    let defaults: Vec<(String, String)> = DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(documented, defaults);
    let from_manifest = Settings::from_config(|key| {
        documented
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    assert_eq!(from_manifest, Settings::default());
    // Every buyer-market currency has a rate.
    for currency in [
        "USD", "EUR", "GBP", "CAD", "AUD", "MXN", "PLN", "SEK", "BRL", "JPY", "TRY", "SAR", "AED",
        "EGP", "CHF",
    ] {
        assert!(from_manifest.rates.rate(currency).is_ok(), "{currency}");
    }
}

// ---------------------------------------------------------------------------------------

impl Row {
    fn with_config(mut self, config: &'static [(&'static str, &'static str)]) -> Row {
        self.config = config;
        self
    }
}
