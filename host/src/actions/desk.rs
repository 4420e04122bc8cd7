//! Decisions that cause actions: proposals from the policy plugin and their approval, an
//! agent's own actions, and replies. Each decision and the outbox entries it causes are
//! written in one commit; the approval tier decides who may decide.

use std::sync::Arc;

use jiff::Timestamp;

use super::{ActionState, AuditEntry, OutboxEntry, Proposal, ProposalState, Record, Tier};
use super::{describe, idempotency_key};
use crate::plugin::bindings::policy_api::{ApprovalTier, TicketContext};
use crate::plugin::bindings::types::{self, Action, ActionKind, Money, Order};
use crate::plugin::{PluginKind, PluginSet};
use crate::replies::Replies;
use crate::store::Store;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::model::{Happening, Status, Ticket};

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

fn ids(store: &Store, n: usize) -> Result<Vec<u64>, ChangeError> {
    (0..n)
        .map(|_| store.new_record_id().map_err(ChangeError::Store))
        .collect()
}

/// An agent's own actions on `ticket` (a refund, a coupon, ...), queued at once. Money moved
/// by hand needs a lead.
pub async fn act(
    engine: &Engine,
    ticket: u64,
    kinds: Vec<ActionKind>,
    who: &str,
) -> Result<Ticket, ChangeError> {
    if kinds.is_empty() {
        return Err(invalid("no actions given"));
    }
    let moves_money = kinds
        .iter()
        .any(|k| matches!(k, ActionKind::Refund(_) | ActionKind::Coupon(_)));
    if moves_money && !engine.is_lead(who) {
        return Err(invalid(format!(
            "{who} may not refund or give coupons outside a proposal; a lead may, or ask the \
             policy for a proposal"
        )));
    }
    let ids = ids(engine.store(), kinds.len())?;
    let origin = format!("manual {}", ids[0]);
    engine
        .change_with_records(ticket, |t, now| {
            Ok(queue_for(t, &kinds, &origin, &ids, who, now))
        })
        .await
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
    let automatic = tier == Tier::Automatic && !decided.actions.is_empty();
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
    if automatic {
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

/// Ask the compensation policy for a proposal on `ticket` now. Automatic proposals are
/// approved and queued in the same commit; older open proposals are superseded.
pub async fn propose(
    engine: &Engine,
    plugins: &PluginSet,
    ticket_id: u64,
    policy: Option<&str>,
    who: &str,
) -> Result<(Ticket, Proposal), ChangeError> {
    let store = engine.store();
    let ticket = store
        .ticket(ticket_id)?
        .ok_or(ChangeError::NoSuchTicket(ticket_id))?;
    let (policy, decided) = ask_policy(store, plugins, &ticket, policy, Timestamp::now())
        .await?
        .ok_or_else(|| invalid("no compensation policy plugin is installed"))?;
    let mut made = None;
    let ticket = engine
        .change_with_records(ticket_id, |t, now| {
            let (proposal, happenings, records) =
                proposal_records(store, t, &policy, &decided, who, now)?;
            made = Some(proposal);
            Ok((happenings, records))
        })
        .await?;
    Ok((ticket, made.expect("set by the change")))
}

/// Approve or reject proposal `proposal` of `ticket` on behalf of `who`. Approving queues
/// its actions in the same commit; the tier decides who may.
pub async fn decide(
    engine: &Engine,
    ticket_id: u64,
    proposal_id: u64,
    approve: bool,
    reason: Option<String>,
    who: &str,
) -> Result<Ticket, ChangeError> {
    let store = engine.store().clone();
    let found = store
        .proposal(ticket_id, proposal_id)?
        .ok_or_else(|| invalid(format!("ticket {ticket_id} has no proposal {proposal_id}")))?;
    if approve && found.tier == Tier::Lead && !engine.is_lead(who) {
        return Err(invalid(format!(
            "proposal {proposal_id} needs a lead's approval; {who} is not a lead"
        )));
    }
    if !approve && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(invalid("a rejection needs a reason"));
    }
    let action_ids = ids(&store, found.actions.len())?;
    engine
        .change_with_records(ticket_id, |t, now| {
            // Read again under the engine's lock: two approvals race to one.
            let mut proposal = store
                .proposal(ticket_id, proposal_id)?
                .ok_or_else(|| invalid(format!("no proposal {proposal_id}")))?;
            if proposal.state != ProposalState::Open {
                return Err(invalid(format!(
                    "proposal {proposal_id} is no longer open ({:?})",
                    proposal.state
                )));
            }
            proposal.state = if approve {
                ProposalState::Approved {
                    by: who.to_string(),
                    at: now,
                }
            } else {
                ProposalState::Rejected {
                    by: who.to_string(),
                    at: now,
                    reason: reason.clone().unwrap_or_default(),
                }
            };
            let mut happenings = vec![Happening::ProposalDecided {
                proposal: proposal_id,
                approved: approve,
                by: who.to_string(),
                reason: reason.clone(),
            }];
            let mut records = vec![Record::Audit(AuditEntry {
                at: now,
                who: who.to_string(),
                ticket: t.id,
                what: if approve {
                    format!("approved proposal {proposal_id}")
                } else {
                    format!(
                        "rejected proposal {proposal_id}: {}",
                        reason.clone().unwrap_or_default()
                    )
                },
            })];
            if approve {
                let (h, r) = queue_for(
                    t,
                    &proposal.actions,
                    &format!("proposal {proposal_id}"),
                    &action_ids,
                    who,
                    now,
                );
                happenings.extend(h);
                records.extend(r);
            }
            records.push(Record::Proposal(proposal));
            Ok((happenings, records))
        })
        .await
}

/// Gather the evidence packet for `ticket`'s dispute and queue it as a dispute-evidence
/// action; `submit` (final at the marketplace) needs a lead. Returns the packet's fields.
pub async fn evidence(
    engine: &Engine,
    ticket_id: u64,
    submit: bool,
    who: &str,
) -> Result<(Ticket, Vec<(String, String)>), ChangeError> {
    if submit && !engine.is_lead(who) {
        return Err(invalid(format!(
            "submitting dispute evidence is final; {who} is not a lead"
        )));
    }
    let store = engine.store();
    let ticket = store
        .ticket(ticket_id)?
        .ok_or(ChangeError::NoSuchTicket(ticket_id))?;
    if !ticket.case_key.starts_with("case:") {
        return Err(invalid(format!(
            "ticket {ticket_id} is not a marketplace case (dispute, claim); there is nothing to \
             send evidence to"
        )));
    }
    let timeline = store.timeline(ticket_id)?;
    let fields = super::evidence::shopify_packet(&ticket, &timeline);
    let kind = ActionKind::DisputeEvidence(types::EvidenceSpec {
        fields: fields.clone(),
        submit,
    });
    let ids = ids(store, 1)?;
    let origin = format!("evidence {}", ids[0]);
    let ticket = engine
        .change_with_records(ticket_id, |t, now| {
            Ok(queue_for(
                t,
                std::slice::from_ref(&kind),
                &origin,
                &ids,
                who,
                now,
            ))
        })
        .await?;
    Ok((ticket, fields))
}

/// What an agent's reply needs.
pub struct Reply {
    /// Subject line, when the marketplace uses one.
    pub subject: Option<String>,
    /// Body.
    pub body: String,
    /// Language (else the buyer's).
    pub language: Option<String>,
    /// A lead's reason for sending despite blocking findings.
    pub override_reason: Option<String>,
}

/// Why a reply was not sent.
#[derive(Debug)]
pub enum ReplyRefused {
    /// The compliance guard blocks it; the findings say why.
    Blocked(Vec<crate::replies::guard::Finding>),
    /// Something else (ticket missing, not a lead, storage).
    Change(ChangeError),
}

impl From<ChangeError> for ReplyRefused {
    fn from(e: ChangeError) -> Self {
        ReplyRefused::Change(e)
    }
}

/// Send an agent's reply: checked by the compliance guard first, blocked unless a lead
/// overrides with a reason (audited); queued as a message action with the first response.
pub async fn reply(
    engine: &Engine,
    replies: &Arc<Replies>,
    ticket_id: u64,
    reply: Reply,
    who: &str,
) -> Result<Ticket, ReplyRefused> {
    if reply.body.trim().is_empty() {
        return Err(invalid("a reply needs a body").into());
    }
    let ticket = engine
        .store()
        .ticket(ticket_id)
        .map_err(ChangeError::Store)?
        .ok_or(ChangeError::NoSuchTicket(ticket_id))?;
    let catalog = replies.catalog().await;
    let language = match reply.language.clone() {
        Some(l) => l,
        None => catalog
            .choose(None, &ticket)
            .map(|(_, l)| l)
            .unwrap_or_else(|_| crate::replies::FALLBACK_LANGUAGE.into()),
    };
    let text = match &reply.subject {
        Some(s) => format!("{s}\n{}", reply.body),
        None => reply.body.clone(),
    };
    let findings = replies.check(&text, &ticket, Some(&language)).await;
    // Counted per order, so the second review request of an order blocks.
    let asks_for_review = findings
        .iter()
        .any(|f| f.rule == crate::replies::guard::Rule::ReviewRequest);
    let blocking: Vec<_> = findings.into_iter().filter(|f| f.blocking).collect();
    let override_reason = match (&reply.override_reason, blocking.is_empty()) {
        (_, true) => None,
        (None, false) => return Err(ReplyRefused::Blocked(blocking)),
        (Some(reason), false) => {
            if !engine.is_lead(who) {
                return Err(invalid(format!(
                    "only a lead may override the compliance guard; {who} is not a lead"
                ))
                .into());
            }
            if reason.trim().is_empty() {
                return Err(invalid("an override needs a reason").into());
            }
            Some(format!(
                "{} (overrode: {})",
                reason.trim(),
                blocking
                    .iter()
                    .map(|f| f.rule.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    };
    let ids = ids(engine.store(), 1)?;
    let kind = ActionKind::Message(types::MessageSpec {
        subject: reply.subject.clone(),
        body: reply.body.clone(),
        language: language.clone(),
    });
    let origin = format!("reply {}", ids[0]);
    Ok(engine
        .change_with_records(ticket_id, |t, now| {
            let (mut happenings, mut records) =
                queue_for(t, std::slice::from_ref(&kind), &origin, &ids, who, now);
            happenings.insert(
                0,
                Happening::ReplySent {
                    by: who.to_string(),
                    language: language.clone(),
                    subject: reply.subject.clone(),
                    body: reply.body.clone(),
                    override_reason: override_reason.clone(),
                },
            );
            if let Some(reason) = &override_reason {
                records.push(Record::Audit(AuditEntry {
                    at: now,
                    who: who.to_string(),
                    ticket: t.id,
                    what: format!("sent a reply past the compliance guard: {reason}"),
                }));
            }
            if t.first_response_at.is_none() {
                t.first_response_at = Some(now);
            }
            if asks_for_review {
                t.facts.review_requests += 1;
            }
            if t.status.is_open() && t.status != Status::WaitingOnMarketplace {
                if t.status != Status::WaitingOnBuyer {
                    happenings.push(Happening::StatusChanged {
                        from: t.status,
                        to: Status::WaitingOnBuyer,
                        by: who.to_string(),
                    });
                }
                t.status = Status::WaitingOnBuyer;
            }
            Ok((happenings, records))
        })
        .await?)
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

/// What the policy may base its decision on.
fn context(store: &Store, ticket: &Ticket, now: Timestamp) -> Result<TicketContext, ChangeError> {
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
        order: ticket.order_id.as_ref().map(|id| Order {
            id: id.clone(),
            display_name: ticket.facts.order_name.clone(),
            placed_at: None,
            total: ticket.amount.clone(),
            line_items: Vec::new(),
        }),
        customer,
        amount: ticket.amount.clone(),
        compensated_on_ticket: on_ticket,
        compensated_for_customer: for_customer,
        compensated_for_shop_today: for_shop,
        opened_at: stamp(ticket.opened_at),
        now: stamp(now),
    })
}
