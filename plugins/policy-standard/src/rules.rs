//! The decision: a plan from the case's rule, then the VIP coupon, the caps and the
//! approval tier, each explained in the rationale.

use helloword_sdk::policy::{ApprovalTier, PolicyError, Proposal, TicketContext};
use helloword_sdk::types::{
    ActionKind, CouponSpec, IssueKind, Money, RefundSpec, ReshipSpec, ReturnDecision, Timestamp,
};

use crate::calendar;
use crate::convert::{Decimal, Rounding, divide, pow10, show};
use crate::settings::{LostParcel, Settings};

/// An amount with its value in minor units of the base currency.
#[derive(Debug, Clone)]
struct Valued {
    money: Money,
    base: i64,
}

/// An action before the caps have had their say.
#[derive(Debug, Clone)]
enum Planned {
    Refund {
        amount: Money,
        note: String,
    },
    Reship(ReshipSpec),
    Return(ReturnDecision),
    Coupon {
        value: Money,
        code: String,
        vip: bool,
    },
}

impl Planned {
    /// The money this action moves, if any.
    fn money(&self) -> Option<&Money> {
        match self {
            Planned::Refund { amount, .. } => Some(amount),
            Planned::Coupon { value, .. } => Some(value),
            Planned::Reship(_) | Planned::Return(_) => None,
        }
    }

    /// What the action is called in a rationale.
    fn label(&self) -> &'static str {
        match self {
            Planned::Refund { .. } => "refund",
            Planned::Coupon { vip: true, .. } => "VIP coupon",
            Planned::Coupon { vip: false, .. } => "coupon",
            Planned::Reship(_) => "replacement",
            Planned::Return(_) => "return",
        }
    }

    /// Which money goes first when a cap leaves too little: the refund, then the
    /// high-value coupon, then the VIP coupon.
    fn priority(&self) -> u8 {
        match self {
            Planned::Refund { .. } => 0,
            Planned::Coupon { vip: false, .. } => 1,
            Planned::Coupon { vip: true, .. } => 2,
            Planned::Reship(_) | Planned::Return(_) => 3,
        }
    }

    fn with_money(&self, money: Money) -> Planned {
        match self {
            Planned::Refund { note, .. } => Planned::Refund {
                amount: money,
                note: note.clone(),
            },
            Planned::Coupon { code, vip, .. } => Planned::Coupon {
                value: money,
                code: code.clone(),
                vip: *vip,
            },
            other => other.clone(),
        }
    }
}

/// What a rule proposes, before the VIP coupon, the caps and the tier by amount.
struct Plan {
    /// The rule's sentence(s) for the rationale.
    rule: String,
    /// The rule's own tier: the proposal never goes below it.
    tier: ApprovalTier,
    /// Why the rule has that tier.
    tier_reason: String,
    actions: Vec<Planned>,
    evidence: Vec<String>,
    revisit_at: Option<Timestamp>,
}

/// One of the three caps, with what was already given against it.
struct Cap {
    /// "per-ticket", "per-customer", "per-shop daily".
    name: &'static str,
    /// After the limit: " over 30 days" for the customer cap.
    period: String,
    limit: i64,
    used: i64,
}

/// Decide what to offer for `ctx` under `settings`. Pure: the same context and settings
/// always give the same proposal.
pub fn decide(ctx: &TicketContext, settings: &Settings) -> Result<Proposal, PolicyError> {
    let plan = match ctx.kind {
        IssueKind::Quality | IssueKind::Damaged | IssueKind::WrongItem => {
            item_problem(ctx, settings)?
        }
        IssueKind::DeliveredNotReceived => delivered_not_received(ctx, settings)?,
        IssueKind::NotReceived => lost_parcel(ctx, settings)?,
        other => no_compensation(other),
    };
    finish(ctx, settings, plan)
}

// ---------------------------------------------------------------------------------------
// The rules.

/// Quality problems, damaged and wrong items: refund small ones, replace the rest.
fn item_problem(ctx: &TicketContext, s: &Settings) -> Result<Plan, PolicyError> {
    let what = match ctx.kind {
        IssueKind::Quality => "Quality problem",
        IssueKind::Damaged => "Damaged item",
        _ => "Wrong item",
    };
    let stake = at_stake(ctx, s)?.ok_or_else(|| {
        PolicyError::InsufficientContext(
            "amount or order.total: an item problem is sized by its amount".into(),
        )
    })?;

    if stake.base < s.small_order_limit {
        return Ok(Plan {
            rule: format!(
                "{what} on a small order ({} < {}): refund {} without return.",
                show_valued(s, &stake),
                s.show_base(s.small_order_limit),
                show(&stake.money)
            ),
            tier: ApprovalTier::Automatic,
            tier_reason: "small item problems are refunded without a human".into(),
            actions: vec![Planned::Refund {
                amount: stake.money.clone(),
                note: format!("{what} on a small order: refunded in full, no return needed."),
            }],
            evidence: Vec::new(),
            revisit_at: None,
        });
    }

    let line_items = replacement_items(ctx)?;
    let mut rule = format!(
        "{what} ({}, not below {}): expedited replacement of {}",
        show_valued(s, &stake),
        s.show_base(s.small_order_limit),
        describe_order(ctx)
    );
    let mut actions = vec![Planned::Reship(ReshipSpec {
        line_items,
        expedited: true,
        note: Some(format!(
            "Replacement for {} ({}): ship expedited.",
            order_name(ctx),
            what.to_lowercase()
        )),
    })];
    if stake.base > s.return_above {
        rule += &format!(
            ", and the original must come back (item value {} is above {}).",
            s.show_base(stake.base),
            s.show_base(s.return_above)
        );
        actions.push(Planned::Return(ReturnDecision {
            approve: true,
            decline_reason: None,
            note: Some(
                "Please send the original item back; your replacement is already on its way."
                    .into(),
            ),
        }));
    } else {
        rule += &format!(
            " without return (item value {} is not above {}).",
            s.show_base(stake.base),
            s.show_base(s.return_above)
        );
    }

    let order = order_value(ctx, s)?.unwrap_or_else(|| stake.clone());
    if order.base < s.high_value {
        return Ok(Plan {
            rule,
            tier: ApprovalTier::Agent,
            tier_reason: "replacements need an agent".into(),
            actions,
            evidence: Vec::new(),
            revisit_at: None,
        });
    }
    let coupon = percent_of(&order.money, s.high_value_coupon_percent)?;
    rule += &format!(
        " High-value order ({} ≥ {}): coupon {} ({} % of {}).",
        show_valued(s, &order),
        s.show_base(s.high_value),
        show(&coupon),
        s.high_value_coupon_percent,
        show(&order.money)
    );
    if coupon.minor_units > 0 {
        actions.push(Planned::Coupon {
            value: coupon,
            code: coupon_code("SORRY", &ctx.ticket_id),
            vip: false,
        });
    }
    Ok(Plan {
        rule,
        tier: ApprovalTier::Lead,
        tier_reason: "high-value orders need a lead".into(),
        actions,
        evidence: Vec::new(),
        revisit_at: None,
    })
}

/// Delivered but not received: investigate first, then replace (or refund a small order).
fn delivered_not_received(ctx: &TicketContext, s: &Settings) -> Result<Plan, PolicyError> {
    let days = s.investigation_business_days;
    let end = calendar::window_end(&ctx.opened_at, days);
    let last_day = Timestamp {
        seconds: end.seconds - 1,
        nanoseconds: 0,
    };
    let window = format!(
        "{days}-business-day investigation window (opened {}, closes {}, the end of {})",
        ctx.opened_at.to_rfc3339(),
        end.to_rfc3339(),
        calendar::day_name(&last_day)
    );
    let tier_reason = "parcels delivered but not received need an agent".to_string();

    if calendar::before(&ctx.now, &end) {
        return Ok(Plan {
            rule: format!(
                "Delivered but not received, within the {window}: no compensation yet; \
                 ask the buyer for evidence and look again when the window closes."
            ),
            tier: ApprovalTier::Agent,
            tier_reason,
            actions: Vec::new(),
            evidence: vec![
                "A photo of the mailbox and of the place where parcels are usually left".into(),
                "Whether neighbours, a reception desk or household members took the parcel in"
                    .into(),
                "Confirmation that the delivery address on the order is complete and correct"
                    .into(),
            ],
            revisit_at: Some(end),
        });
    }

    let stake = at_stake(ctx, s)?;
    let (rule, actions) = match &stake {
        Some(stake) if stake.base < s.small_order_limit => (
            format!(
                "Delivered but not received, and the {window} has passed, on a small order \
                 ({} < {}): refund {}.",
                show_valued(s, stake),
                s.show_base(s.small_order_limit),
                show(&stake.money)
            ),
            vec![Planned::Refund {
                amount: stake.money.clone(),
                note: "Delivered but not received, not found after the investigation window."
                    .into(),
            }],
        ),
        _ => (
            format!(
                "Delivered but not received, and the {window} has passed{}: replacement of {}.",
                size_clause(s, stake.as_ref()),
                describe_order(ctx)
            ),
            vec![Planned::Reship(ReshipSpec {
                line_items: replacement_items(ctx)?,
                expedited: false,
                note: Some(format!(
                    "Replacement for {}: delivered but not received.",
                    order_name(ctx)
                )),
            })],
        ),
    };
    Ok(Plan {
        rule,
        tier: ApprovalTier::Agent,
        tier_reason,
        actions,
        evidence: Vec::new(),
        revisit_at: None,
    })
}

/// A parcel that never arrived: replace it, or refund it when configured so.
fn lost_parcel(ctx: &TicketContext, s: &Settings) -> Result<Plan, PolicyError> {
    let stake = at_stake(ctx, s)?;
    let small = stake
        .as_ref()
        .is_some_and(|stake| stake.base < s.small_order_limit);
    let size = match &stake {
        Some(stake) if small => format!(
            " on a small order ({} < {})",
            show_valued(s, stake),
            s.show_base(s.small_order_limit)
        ),
        other => size_clause(s, other.as_ref()),
    };
    let (rule, action) = match s.lost_parcel {
        LostParcel::Refund => {
            let stake = stake.ok_or_else(|| {
                PolicyError::InsufficientContext(
                    "amount or order.total: a lost parcel is refunded by its amount".into(),
                )
            })?;
            (
                format!(
                    "Lost parcel{size}: refund {} (lost_parcel = refund).",
                    show(&stake.money)
                ),
                Planned::Refund {
                    amount: stake.money,
                    note: "The parcel was lost in transit.".into(),
                },
            )
        }
        LostParcel::Reship => (
            format!("Lost parcel{size}: replacement of {}.", describe_order(ctx)),
            Planned::Reship(ReshipSpec {
                line_items: replacement_items(ctx)?,
                expedited: false,
                note: Some(format!(
                    "Replacement for {}: the parcel was lost in transit.",
                    order_name(ctx)
                )),
            }),
        ),
    };
    let (tier, tier_reason) = if small {
        (
            ApprovalTier::Automatic,
            "small lost parcels are settled without a human",
        )
    } else {
        (ApprovalTier::Agent, "lost parcels need an agent")
    };
    Ok(Plan {
        rule,
        tier,
        tier_reason: tier_reason.into(),
        actions: vec![action],
        evidence: Vec::new(),
        revisit_at: None,
    })
}

/// Everything else: no compensation.
fn no_compensation(kind: IssueKind) -> Plan {
    Plan {
        rule: format!(
            "No compensation for {} under the standard policy, which compensates item \
             problems, lost parcels and parcels delivered but not received.",
            describe_kind(kind)
        ),
        tier: ApprovalTier::Automatic,
        tier_reason: "nothing to approve".into(),
        actions: Vec::new(),
        evidence: Vec::new(),
        revisit_at: None,
    }
}

// ---------------------------------------------------------------------------------------
// VIP coupon, caps, tier.

fn finish(ctx: &TicketContext, s: &Settings, mut plan: Plan) -> Result<Proposal, PolicyError> {
    let mut sentences = vec![plan.rule.clone()];

    // VIP buyers get an extra coupon with any refund or replacement.
    let compensates = plan
        .actions
        .iter()
        .any(|a| matches!(a, Planned::Refund { .. } | Planned::Reship(_)));
    let vip = ctx.customer.as_ref().is_some_and(|c| c.vip);
    if compensates && vip && s.vip_coupon > 0 {
        let currency = coupon_currency(ctx, s)?;
        let value = s
            .rates
            .from_base(s.vip_coupon, &currency, Rounding::HalfAwayFromZero)?;
        if value.minor_units > 0 {
            sentences.push(if currency == s.base_currency {
                format!("VIP customer: extra coupon {}.", show(&value))
            } else {
                format!(
                    "VIP customer: extra coupon {} ({} converted).",
                    show(&value),
                    s.show_base(s.vip_coupon)
                )
            });
            plan.actions.push(Planned::Coupon {
                value,
                code: coupon_code("VIP", &ctx.ticket_id),
                vip: true,
            });
        }
    }

    // Caps on the money moved: refunds and coupons.
    let proposed = money_total(s, &plan.actions)?;
    let caps = [
        Cap {
            name: "per-ticket",
            period: String::new(),
            limit: s.cap_per_ticket,
            used: sum_base(s, &ctx.compensated_on_ticket)?,
        },
        Cap {
            name: "per-customer",
            period: format!(" over {} days", s.cap_customer_period_days),
            limit: s.cap_per_customer,
            used: sum_base(s, &ctx.compensated_for_customer)?,
        },
        Cap {
            name: "per-shop daily",
            period: String::new(),
            limit: s.cap_per_shop_day,
            used: sum_base(s, &ctx.compensated_for_shop_today)?,
        },
    ];
    let left = caps
        .iter()
        .map(|c| c.limit.saturating_sub(c.used).max(0))
        .min()
        .unwrap_or(0);
    let mut cap_tier = None;
    if proposed > 0 && proposed <= left {
        let within: Vec<String> = caps
            .iter()
            .map(|c| {
                format!(
                    "{} {} of {}{}",
                    c.name,
                    s.show_base(c.used.saturating_add(proposed)),
                    s.show_base(c.limit),
                    c.period
                )
            })
            .collect();
        sentences.push(format!("Within the caps: {}.", within.join(", ")));
    } else if proposed > left {
        let over: Vec<String> = caps
            .iter()
            .filter(|c| c.used.saturating_add(proposed) > c.limit)
            .map(|c| {
                format!(
                    "the {} cap of {}{} ({} already given, {} left, {} proposed)",
                    c.name,
                    s.show_base(c.limit),
                    c.period,
                    s.show_base(c.used),
                    s.show_base(c.limit.saturating_sub(c.used).max(0)),
                    s.show_base(proposed)
                )
            })
            .collect();
        let over = over.join(" and ");
        match cut_to(s, &plan.actions, left)? {
            Some(cut) => {
                plan.actions = cut.actions;
                sentences.push(format!("Over {over}: {}.", cut.changes.join(", ")));
                cap_tier = Some((
                    ApprovalTier::Agent,
                    "a cap cut the offer, so an agent explains it to the buyer".to_string(),
                ));
            }
            None => {
                sentences.push(format!(
                    "Over {over}: nothing is left for the refund, so the proposal stays whole \
                     for a lead to decide."
                ));
                cap_tier = Some((
                    ApprovalTier::Lead,
                    "only a lead may go over a cap".to_string(),
                ));
            }
        }
    }

    // The tier: by the money, never below the rule's or the caps' own.
    let total = money_total(s, &plan.actions)?;
    let (amount_tier, amount_reason) = if total < s.auto_below {
        (
            ApprovalTier::Automatic,
            format!(
                "{} is below {}",
                s.show_base(total),
                s.show_base(s.auto_below)
            ),
        )
    } else if total <= s.agent_up_to {
        (
            ApprovalTier::Agent,
            format!(
                "{} is from {} up to {}",
                s.show_base(total),
                s.show_base(s.auto_below),
                s.show_base(s.agent_up_to)
            ),
        )
    } else {
        (
            ApprovalTier::Lead,
            format!(
                "{} is above {}",
                s.show_base(total),
                s.show_base(s.agent_up_to)
            ),
        )
    };
    let mut tier = plan.tier;
    for candidate in [Some(amount_tier), cap_tier.as_ref().map(|(t, _)| *t)]
        .into_iter()
        .flatten()
    {
        if rank(candidate) > rank(tier) {
            tier = candidate;
        }
    }
    let mut reasons = Vec::new();
    if rank(plan.tier) == rank(tier) {
        reasons.push(plan.tier_reason.clone());
    }
    if let Some((cap, reason)) = &cap_tier
        && rank(*cap) == rank(tier)
    {
        reasons.push(reason.clone());
    }
    if !plan.actions.is_empty() {
        if rank(amount_tier) == rank(tier) {
            reasons.push(amount_reason);
        } else {
            reasons.push(format!(
                "the money alone ({amount_reason}) would be {}",
                tier_name(amount_tier).to_lowercase()
            ));
        }
    }
    sentences.push(format!("{}: {}.", tier_name(tier), reasons.join("; ")));

    let expires_at = (s.coupon_valid_days > 0).then(|| Timestamp {
        seconds: (ctx.now.seconds.div_euclid(86_400) + i64::from(s.coupon_valid_days) + 1) * 86_400,
        nanoseconds: 0,
    });
    let actions = plan
        .actions
        .into_iter()
        .map(|a| match a {
            Planned::Refund { amount, note } => ActionKind::Refund(RefundSpec {
                amount: Some(amount),
                line_items: Vec::new(),
                include_shipping: false,
                note: Some(note),
                notify_buyer: true,
            }),
            Planned::Reship(spec) => ActionKind::Reship(spec),
            Planned::Return(decision) => ActionKind::ReturnDecision(decision),
            Planned::Coupon { value, code, .. } => ActionKind::Coupon(CouponSpec {
                value,
                code: Some(code),
                expires_at,
            }),
        })
        .collect();
    Ok(Proposal {
        actions,
        rationale: sentences.join(" "),
        tier,
        evidence_to_request: plan.evidence,
        revisit_at: plan.revisit_at,
    })
}

/// The actions after a cap cut them, and what was cut, for the rationale.
struct Cut {
    actions: Vec<Planned>,
    changes: Vec<String>,
}

/// `actions` with their money cut to `left` base units: the refund keeps what it can, then
/// the high-value coupon, then the VIP coupon; coupons that get nothing are dropped. `None`
/// when the refund would get nothing at all (the case goes to a lead instead).
fn cut_to(s: &Settings, actions: &[Planned], left: i64) -> Result<Option<Cut>, PolicyError> {
    let mut order: Vec<usize> = (0..actions.len()).collect();
    order.sort_by_key(|&i| actions[i].priority());
    let mut kept: Vec<Option<Planned>> = actions.iter().cloned().map(Some).collect();
    let mut changes = Vec::new();
    let mut budget = left;
    for i in order {
        let action = &actions[i];
        let Some(money) = action.money() else {
            continue;
        };
        let base = s.rates.to_base(money)?;
        if base <= budget {
            budget -= base;
            continue;
        }
        let cut = s
            .rates
            .from_base(budget, &money.currency, Rounding::TowardZero)?;
        if cut.minor_units > 0 {
            let cut_base = s.rates.to_base(&cut)?;
            budget -= cut_base;
            changes.push(if cut.currency == s.base_currency {
                format!(
                    "{} cut from {} to {}",
                    action.label(),
                    show(money),
                    show(&cut)
                )
            } else {
                format!(
                    "{} cut from {} to {} (≈ {})",
                    action.label(),
                    show(money),
                    show(&cut),
                    s.show_base(cut_base)
                )
            });
            kept[i] = Some(action.with_money(cut));
        } else if matches!(action, Planned::Refund { .. }) {
            return Ok(None);
        } else {
            changes.push(format!("{} {} dropped", action.label(), show(money)));
            kept[i] = None;
        }
    }
    // The changes read in the order they were made: refund, coupon, VIP coupon.
    Ok(Some(Cut {
        actions: kept.into_iter().flatten().collect(),
        changes,
    }))
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn rank(tier: ApprovalTier) -> u8 {
    match tier {
        ApprovalTier::Automatic => 0,
        ApprovalTier::Agent => 1,
        ApprovalTier::Lead => 2,
    }
}

fn tier_name(tier: ApprovalTier) -> &'static str {
    match tier {
        ApprovalTier::Automatic => "Automatic",
        ApprovalTier::Agent => "Agent",
        ApprovalTier::Lead => "Lead",
    }
}

fn normalized(money: &Money) -> Money {
    Money {
        minor_units: money.minor_units,
        currency: money.currency.trim().to_ascii_uppercase(),
    }
}

fn valued(s: &Settings, money: &Money) -> Result<Valued, PolicyError> {
    let money = normalized(money);
    let base = s.rates.to_base(&money)?;
    Ok(Valued { money, base })
}

/// "EUR 12.50 ≈ USD 13.50", or just "USD 13.50" in the base currency.
fn show_valued(s: &Settings, v: &Valued) -> String {
    if v.money.currency == s.base_currency {
        show(&v.money)
    } else {
        format!("{} ≈ {}", show(&v.money), s.show_base(v.base))
    }
}

/// ", EUR 80.00 ≈ USD 86.40, not below USD 20.00", or nothing when the amount is unknown.
fn size_clause(s: &Settings, stake: Option<&Valued>) -> String {
    match stake {
        Some(stake) => format!(
            " ({}, not below {})",
            show_valued(s, stake),
            s.show_base(s.small_order_limit)
        ),
        None => " (amount unknown)".into(),
    }
}

/// The amount at stake: the ticket's amount, else the order total. Must be positive.
fn at_stake(ctx: &TicketContext, s: &Settings) -> Result<Option<Valued>, PolicyError> {
    let (field, money) = match (
        &ctx.amount,
        ctx.order.as_ref().and_then(|o| o.total.as_ref()),
    ) {
        (Some(amount), _) => ("amount", amount),
        (None, Some(total)) => ("order.total", total),
        (None, None) => return Ok(None),
    };
    if money.minor_units <= 0 {
        return Err(PolicyError::InsufficientContext(format!(
            "{field}: {} is not a positive amount",
            show(money)
        )));
    }
    valued(s, money).map(Some)
}

/// The order's value: its total, else the ticket's amount.
fn order_value(ctx: &TicketContext, s: &Settings) -> Result<Option<Valued>, PolicyError> {
    match ctx.order.as_ref().and_then(|o| o.total.as_ref()) {
        Some(total) if total.minor_units > 0 => valued(s, total).map(Some),
        _ => at_stake(ctx, s),
    }
}

/// Coupons are in the order's currency: its total's, else the ticket amount's, else base.
fn coupon_currency(ctx: &TicketContext, s: &Settings) -> Result<String, PolicyError> {
    let currency = ctx
        .order
        .as_ref()
        .and_then(|o| o.total.as_ref())
        .or(ctx.amount.as_ref())
        .map(|m| normalized(m).currency)
        .unwrap_or_else(|| s.base_currency.clone());
    // Refuse a currency without a rate before it reaches a coupon.
    s.rates.rate(&currency)?;
    Ok(currency)
}

/// `percent` % of `money`, rounded half away from zero to its minor unit.
fn percent_of(money: &Money, percent: Decimal) -> Result<Money, PolicyError> {
    let num = i128::from(money.minor_units) * percent.mantissa;
    let den = 100 * pow10(percent.scale);
    let minor_units =
        i64::try_from(divide(num, den, Rounding::HalfAwayFromZero)).map_err(|_| {
            PolicyError::InsufficientContext(format!("{} is out of range", show(money)))
        })?;
    Ok(Money {
        minor_units,
        currency: money.currency.clone(),
    })
}

/// The money `actions` move, in base units.
fn money_total(s: &Settings, actions: &[Planned]) -> Result<i64, PolicyError> {
    let mut total: i64 = 0;
    for money in actions.iter().filter_map(Planned::money) {
        total = total.saturating_add(s.rates.to_base(money)?);
    }
    Ok(total)
}

/// A list of amounts in any currencies, in base units (each converted, then added).
fn sum_base(s: &Settings, amounts: &[Money]) -> Result<i64, PolicyError> {
    let mut total: i64 = 0;
    for money in amounts {
        total = total.saturating_add(s.rates.to_base(&normalized(money))?);
    }
    Ok(total)
}

/// The order's lines as (id, quantity) for a replacement.
fn replacement_items(ctx: &TicketContext) -> Result<Vec<(String, u32)>, PolicyError> {
    let items: Vec<(String, u32)> = ctx
        .order
        .iter()
        .flat_map(|o| o.line_items.iter())
        .filter(|li| li.quantity > 0)
        .map(|li| (li.id.clone(), li.quantity))
        .collect();
    if items.is_empty() {
        return Err(PolicyError::InsufficientContext(
            "order.line-items: a replacement needs the items to send again".into(),
        ));
    }
    Ok(items)
}

/// "order #1001", "order 450789469", or "the order".
fn order_name(ctx: &TicketContext) -> String {
    match &ctx.order {
        Some(order) => format!(
            "order {}",
            order.display_name.as_deref().unwrap_or(&order.id)
        ),
        None => "the order".into(),
    }
}

/// "order #1001 (1 × Mug, 2 × Plate)", at most three lines named.
fn describe_order(ctx: &TicketContext) -> String {
    let lines: Vec<String> = ctx
        .order
        .iter()
        .flat_map(|o| o.line_items.iter())
        .filter(|li| li.quantity > 0)
        .map(|li| format!("{} × {}", li.quantity, li.title))
        .collect();
    let mut named = lines.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if lines.len() > 3 {
        named += &format!(" and {} more", lines.len() - 3);
    }
    format!("{} ({named})", order_name(ctx))
}

fn describe_kind(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::NotReceived => "a parcel not received",
        IssueKind::DeliveredNotReceived => "a parcel delivered but not received",
        IssueKind::Damaged => "a damaged item",
        IssueKind::WrongItem => "a wrong item",
        IssueKind::Quality => "a quality problem",
        IssueKind::LogisticsDelay => "a late or stalled shipment",
        IssueKind::CustomsHold => "a customs hold",
        IssueKind::ReturnRequest => "a return request",
        IssueKind::CancellationRequest => "a cancellation request",
        IssueKind::AToZClaim => "a marketplace guarantee claim",
        IssueKind::Chargeback => "a chargeback",
        IssueKind::PaymentDispute => "a payment dispute",
        IssueKind::NegativeReview => "a negative review",
        IssueKind::BuyerMessage => "a buyer message",
        IssueKind::AccountHealth => "an account-health warning",
        IssueKind::RefundIssued => "a refund notice",
        IssueKind::OrderUpdate => "an order update",
        IssueKind::ShipmentUpdate => "a shipment update",
        IssueKind::PrivacyRequest => "a privacy request",
        IssueKind::Other => "this kind of case",
    }
}

/// A coupon code that depends only on the ticket id: `PREFIX-` and the upper-case base 36
/// of the ticket id's 64-bit FNV-1a hash, e.g. "SORRY-3W5E11264SGSG".
pub fn coupon_code(prefix: &str, ticket_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in ticket_id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut digits = Vec::new();
    loop {
        digits.push(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(hash % 36) as usize]);
        hash /= 36;
        if hash == 0 {
            break;
        }
    }
    digits.reverse();
    format!("{prefix}-{}", String::from_utf8(digits).unwrap_or_default())
}
