//! Compensation: the policy plugin's decision on a ticket, what the policy is told (money
//! already moved on the ticket, for the customer, for the shop today), and the proposal
//! and outbox records a decision writes in one commit. The engine asks on its own timer;
//! the desk (`actions::desk`) asks when an agent does.

use jiff::Timestamp;

use super::ChangeError;
use crate::plugin::bindings::policy_api::{ApprovalTier, TicketContext};
use crate::plugin::bindings::types::{self, Action, ActionKind, Money, Order};
use crate::plugin::{PluginKind, PluginSet};
use crate::store::Store;
use crate::tickets::model::{Happening, Ticket};
use helloword_model::actions::{
    ActionState, AuditEntry, OutboxEntry, Proposal, ProposalState, Record, Tier, describe,
    idempotency_key,
};

/// Why a decision was refused.
fn invalid(message: impl Into<String>) -> ChangeError {
    ChangeError::Invalid(message.into())
}

/// The action `kind` for `ticket`, keyed deterministically by its `origin` and position.
pub fn action_for(ticket: &Ticket, kind: ActionKind, origin: &str, index: usize) -> Action {
    Action {
        idempotency_key: idempotency_key(ticket.id, origin, index),
        shop: ticket.shop.clone(),
        order_id: ticket.order_id.clone(),
        case_id: ticket.case_key.strip_prefix("case:").map(str::to_string),
        kind,
        reply_context: ticket.facts.reply_context.clone(),
    }
}

/// Outbox entries (with ids from `ids`), timeline lines and audit lines for `kinds`, to
/// write in the same commit as the decision that caused them.
pub fn queue_for(
    ticket: &Ticket,
    kinds: &[ActionKind],
    origin: &str,
    ids: &[u64],
    who: &str,
    now: Timestamp,
) -> (Vec<Happening>, Vec<Record>) {
    let mut happenings = Vec::new();
    let mut records = Vec::new();
    for (index, (kind, id)) in kinds.iter().zip(ids).enumerate() {
        let action = action_for(ticket, kind.clone(), origin, index);
        happenings.push(Happening::ActionQueued {
            action: *id,
            what: describe(kind),
            key: action.idempotency_key.clone(),
            origin: origin.to_string(),
        });
        records.push(Record::Audit(AuditEntry {
            at: now,
            who: who.to_string(),
            ticket: ticket.id,
            what: format!(
                "queued {} ({origin}) [{}]",
                describe(kind),
                action.idempotency_key
            ),
        }));
        records.push(Record::Outbox(OutboxEntry {
            id: *id,
            ticket: ticket.id,
            connector: ticket.marketplace.clone(),
            action,
            origin: origin.to_string(),
            state: ActionState::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        }));
    }
    (happenings, records)
}

/// `n` new record ids.
pub fn ids(store: &Store, n: usize) -> Result<Vec<u64>, ChangeError> {
    (0..n)
        .map(|_| store.new_record_id().map_err(ChangeError::Store))
        .collect()
}

/// The policy's decision on `ticket` (the first installed policy, or `policy`).
pub async fn ask_policy(
    store: &Store,
    plugins: &PluginSet,
    ticket: &Ticket,
    policy: Option<&str>,
    now: Timestamp,
) -> Result<Option<(String, Proposed)>, ChangeError> {
    let policies = plugins.of_kind(PluginKind::CompensationPolicy);
    let plugin = match policy {
        Some(id) => Some(
            policies
                .into_iter()
                .find(|p| p.id() == id)
                .ok_or_else(|| invalid(format!("policy plugin {id:?} is not installed")))?,
        ),
        None => policies.into_iter().next(),
    };
    let Some(plugin) = plugin else {
        return Ok(None);
    };
    let context = context(store, ticket, now)?;
    let decided = plugin
        .decide(&context)
        .await
        .map_err(|e| invalid(format!("policy {} failed: {e}", plugin.id())))?
        .map_err(|e| invalid(format!("policy {} could not decide: {e:?}", plugin.id())))?;
    Ok(Some((plugin.id().to_string(), decided)))
}

/// What a policy returned.
pub type Proposed = crate::plugin::bindings::policy_api::Proposal;

/// The proposal record for `decided`, with — when automatic — its actions queued, and older
/// open proposals superseded: everything to write in one commit.
#[allow(clippy::too_many_arguments)]
pub fn proposal_records(
    store: &Store,
    ticket: &Ticket,
    policy: &str,
    decided: &Proposed,
    who: &str,
    now: Timestamp,
) -> Result<(Proposal, Vec<Happening>, Vec<Record>), ChangeError> {
    let tier = match decided.tier {
        ApprovalTier::Automatic => Tier::Automatic,
        ApprovalTier::Agent => Tier::Agent,
        ApprovalTier::Lead => Tier::Lead,
    };
    let proposal_id = store.new_record_id()?;
    let action_ids = ids(store, decided.actions.len())?;
    // An automatic proposal needs nobody's approval, also when it proposes nothing: it is
    // approved by the system at once (its actions, if any, queued in this commit), so no
    // one is offered an approval that means nothing.
    let automatic = tier == Tier::Automatic;
    let proposal = Proposal {
        id: proposal_id,
        ticket: ticket.id,
        policy: policy.to_string(),
        actions: decided.actions.clone(),
        rationale: decided.rationale.clone(),
        tier,
        evidence_to_request: decided.evidence_to_request.clone(),
        revisit_at: decided
            .revisit_at
            .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok()),
        state: if automatic {
            ProposalState::Approved {
                by: "system".into(),
                at: now,
            }
        } else {
            ProposalState::Open
        },
        created_at: now,
    };
    let mut happenings = vec![Happening::Proposed {
        proposal: proposal_id,
        actions: decided.actions.iter().map(describe).collect(),
        rationale: decided.rationale.clone(),
        tier,
    }];
    let mut records: Vec<Record> = store
        .proposals(ticket.id)?
        .into_iter()
        .filter(|p| p.state == ProposalState::Open)
        .map(|mut p| {
            p.state = ProposalState::Superseded;
            Record::Proposal(p)
        })
        .collect();
    records.push(Record::Audit(AuditEntry {
        at: now,
        who: who.to_string(),
        ticket: ticket.id,
        what: format!("policy {policy} proposed: {}", decided.rationale),
    }));
    if automatic && !decided.actions.is_empty() {
        let (h, r) = queue_for(
            ticket,
            &decided.actions,
            &format!("proposal {proposal_id}"),
            &action_ids,
            "system",
            now,
        );
        happenings.extend(h);
        records.extend(r);
    }
    records.push(Record::Proposal(proposal.clone()));
    Ok((proposal, happenings, records))
}

/// What the policy may base its decision on.
pub fn context(
    store: &Store,
    ticket: &Ticket,
    now: Timestamp,
) -> Result<TicketContext, ChangeError> {
    let stamp = |t: Timestamp| types::Timestamp {
        seconds: t.as_second(),
        nanoseconds: t.subsec_nanosecond().max(0) as u32,
    };
    let on_ticket = compensated(&store.actions(ticket.id)?);
    let mut for_customer = Vec::new();
    let mut customer = None;
    if let Some(key) = &ticket.customer
        && let Some(profile) = store.customer(key)?
    {
        let since = now - jiff::SignedDuration::from_hours(24 * 30);
        for (id, opened) in &profile.tickets {
            if *opened >= since && *id != ticket.id {
                for_customer.extend(compensated(&store.actions(*id)?));
            }
        }
        customer = Some(types::Customer {
            id: Some(profile.key.clone()),
            name: ticket.facts.buyer_name.clone(),
            email: None,
            country: ticket.country.clone(),
            preferred_locale: ticket.language.clone(),
            vip: profile.tags.contains(&crate::tickets::customers::Tag::Vip),
        });
    }
    for_customer.extend(on_ticket.iter().cloned());
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut for_shop = Vec::new();
    for entry in store.all_actions()? {
        if entry.connector == ticket.marketplace
            && entry.action.shop == ticket.shop
            && entry.created_at.to_zoned(jiff::tz::TimeZone::UTC).date() == today
        {
            for_shop.extend(compensated(std::slice::from_ref(&entry)));
        }
    }
    Ok(TicketContext {
        ticket_id: ticket.id.to_string(),
        marketplace: ticket.marketplace.clone(),
        shop: ticket.shop.clone(),
        kind: ticket.kind,
        // The order as the gateway joined it from every event that named it: its lines
        // (SKU, batch, price), when it was placed and its total — what a policy weighs a
        // replacement or a partial refund against.
        order: match &ticket.order_id {
            None => None,
            Some(id) => {
                let record = store.order(&ticket.marketplace, &ticket.shop, id)?;
                Some(Order {
                    id: id.clone(),
                    display_name: ticket
                        .facts
                        .order_name
                        .clone()
                        .or_else(|| record.as_ref().and_then(|o| o.name.clone())),
                    placed_at: record.as_ref().and_then(|o| o.placed_at).map(stamp),
                    total: record
                        .as_ref()
                        .and_then(|o| o.total.clone())
                        .or_else(|| ticket.amount.clone()),
                    line_items: record
                        .map(|o| {
                            o.items
                                .into_iter()
                                .map(|i| types::LineItem {
                                    id: i.id,
                                    sku: i.sku,
                                    batch: i.batch,
                                    title: i.title,
                                    quantity: i.quantity,
                                    unit_price: i.unit_price,
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            }
        },
        customer,
        amount: ticket.amount.clone(),
        compensated_on_ticket: on_ticket,
        compensated_for_customer: for_customer,
        compensated_for_shop_today: for_shop,
        opened_at: stamp(ticket.opened_at),
        now: stamp(now),
    })
}

/// Money already moved for `entries` (refunds and coupons that are done or on their way).
fn compensated(entries: &[OutboxEntry]) -> Vec<Money> {
    entries
        .iter()
        .filter(|e| !matches!(e.state, ActionState::Failed { .. }))
        .filter_map(|e| match &e.action.kind {
            ActionKind::Refund(r) => r.amount.clone(),
            ActionKind::Coupon(c) => Some(c.value.clone()),
            _ => None,
        })
        .collect()
}
