//! Decisions that cause actions: proposals from the policy plugin and their approval, an
//! agent's own actions, and replies. Each decision and the outbox entries it causes are
//! written in one commit; the approval tier decides who may decide.

use std::sync::Arc;

use jiff::Timestamp;

use super::{AuditEntry, Proposal, ProposalState, Record, Tier};
use crate::plugin::PluginSet;
use crate::plugin::bindings::types::{self, ActionKind};
use crate::replies::Replies;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::engine::compensation::{ask_policy, ids, proposal_records, queue_for};
use crate::tickets::model::{Happening, Ticket};

/// Why a decision was refused.
fn invalid(message: impl Into<String>) -> ChangeError {
    ChangeError::Invalid(message.into())
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
    let marketplace = engine
        .store()
        .ticket(ticket)?
        .ok_or(ChangeError::NoSuchTicket(ticket))?
        .marketplace;
    if let Some(why) = engine.unsupported(&marketplace, &kinds) {
        return Err(ChangeError::NotSupported(why));
    }
    let ids = ids(engine.store(), kinds.len())?;
    let origin = format!("manual {}", ids[0]);
    engine
        .change_with_records(ticket, |t, now| {
            Ok(queue_for(t, &kinds, &origin, &ids, who, now))
        })
        .await
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
    if approve {
        let marketplace = store
            .ticket(ticket_id)?
            .ok_or(ChangeError::NoSuchTicket(ticket_id))?
            .marketplace;
        if let Some(why) = engine.unsupported(&marketplace, &found.actions) {
            return Err(ChangeError::NotSupported(why));
        }
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
    let fields = super::evidence::case_file(&ticket, &timeline);
    let kind = ActionKind::DisputeEvidence(types::EvidenceSpec {
        fields: fields.clone(),
        submit,
    });
    if let Some(why) = engine.unsupported(&ticket.marketplace, std::slice::from_ref(&kind)) {
        return Err(ChangeError::NotSupported(why));
    }
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
    /// No channel reaches the buyer; the text says why.
    NoChannel(String),
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
    if let Some(why) = engine.no_channel(&ticket.marketplace) {
        return Err(ReplyRefused::NoChannel(why));
    }
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
    let origin = helloword_model::actions::reply_origin(ids[0]);
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
                    action: Some(ids[0]),
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
            // It counts as a response, stops escalation and moves the status only once the
            // connector delivered it (`tickets::engine::replies`).
            if asks_for_review {
                t.facts.review_requests += 1;
            }
            Ok((happenings, records))
        })
        .await?)
}

/// Why a care message was not sent.
#[derive(Debug)]
pub enum CareRefused {
    /// The gateway has no such order.
    NoOrder(String),
    /// The order gets no care message (an open dispute, cancelled, sent already, no reason).
    Excluded(helloword_model::care::Excluded),
    /// The compliance guard blocks the drafted message.
    Blocked(Vec<crate::replies::guard::Finding>),
    /// No template could be drafted (no pack for the language, …).
    Draft(crate::replies::ReplyError),
    /// No channel reaches the buyer; the text says why.
    NoChannel(String),
    /// Storage, or the order was cared for meanwhile.
    Change(ChangeError),
}

impl From<ChangeError> for CareRefused {
    fn from(e: ChangeError) -> Self {
        CareRefused::Change(e)
    }
}

/// Send the `proactive-care` message for the order `(marketplace, shop, id)`: the care rules
/// are checked again (never to a buyer with an open dispute, never for a cancelled order or
/// twice), the template is drafted in the buyer's language and must pass the compliance
/// guard, then a care case is opened with the message queued through the outbox, where its
/// delivery shows like any reply's.
pub async fn care(
    engine: &Engine,
    replies: &Arc<Replies>,
    order: (&str, &str, &str),
    rules: helloword_model::care::CareRules,
    who: &str,
) -> Result<Ticket, CareRefused> {
    let store = engine.store();
    let (marketplace, shop, id) = order;
    let record = store
        .order(marketplace, shop, id)
        .map_err(ChangeError::Store)?
        .ok_or_else(|| CareRefused::NoOrder(format!("no order {id} of {marketplace}/{shop}")))?;
    if let Some(why) = engine.no_channel(marketplace) {
        return Err(CareRefused::NoChannel(why));
    }
    let mut customers = std::collections::HashMap::new();
    let mut orders_per_buyer = std::collections::HashMap::new();
    if let Some(key) = &record.customer {
        if let Some(profile) = store.customer(key).map_err(ChangeError::Store)? {
            customers.insert(key.clone(), profile);
        }
        let mut count = 0;
        for other in store.all_orders() {
            if other.map_err(ChangeError::Store)?.customer.as_ref() == Some(key) {
                count += 1;
            }
        }
        orders_per_buyer.insert(key.clone(), count);
    }
    let inputs = helloword_model::care::inputs(&record, &customers, &orders_per_buyer, &|t| {
        store.ticket(t).ok().flatten()
    });
    let now = Timestamp::now();
    let reasons = helloword_model::care::assess(
        &record,
        inputs.buyer,
        inputs.orders_of_buyer,
        &inputs.tickets,
        now,
        rules,
    )
    .map_err(CareRefused::Excluded)?;
    let summary = format!(
        "Proactive care: order {} ({})",
        record.name.as_deref().unwrap_or(&record.id),
        reasons
            .iter()
            .map(|r| crate::reports::care_reason(r, crate::reports::Lang::En))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let preview = engine.care_preview(&record, &summary)?;
    let agent = engine.agent_names().into_iter().find(|a| a == who);
    let draft = replies
        .draft(
            &preview,
            "proactive-care",
            None,
            Default::default(),
            // Nobody reads this draft's tips: it is sent as it is.
            crate::replies::ForAgent {
                name: agent.as_deref(),
                reads: "en",
            },
            now,
        )
        .await
        .map_err(CareRefused::Draft)?;
    if draft.blocked {
        return Err(CareRefused::Blocked(
            draft.findings.into_iter().filter(|f| f.blocking).collect(),
        ));
    }
    let message = types::MessageSpec {
        subject: Some(draft.subject).filter(|s| !s.trim().is_empty()),
        body: draft.body,
        language: draft.language,
    };
    Ok(engine.open_care(order, &summary, message, who).await?)
}
