//! The records of actions executed exactly once: proposals, tiers, outbox entries and their
//! states, idempotency keys. The outbox and its dispatcher are the gateway's (`helloword::actions`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::types::{Action, ActionKind, ActionOutcome};

/// Who must approve a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Executed without a human.
    Automatic,
    /// Any agent may approve.
    Agent,
    /// Only a lead may approve.
    Lead,
}

/// Where a proposal stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ProposalState {
    /// Waiting for approval.
    Open,
    /// Approved (by "system" for automatic ones); its actions are in the outbox.
    Approved {
        /// Who approved.
        by: String,
        /// When.
        at: Timestamp,
    },
    /// Rejected; nothing is done.
    Rejected {
        /// Who rejected.
        by: String,
        /// When.
        at: Timestamp,
        /// Why.
        reason: String,
    },
    /// Replaced by a newer proposal for the same ticket before anyone decided.
    Superseded,
}

/// A compensation proposal from the policy plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Id.
    pub id: u64,
    /// The ticket.
    pub ticket: u64,
    /// The policy plugin that made it.
    pub policy: String,
    /// The actions, in order.
    pub actions: Vec<ActionKind>,
    /// Why, in words.
    pub rationale: String,
    /// Who must approve.
    pub tier: Tier,
    /// Evidence to ask the buyer for first.
    pub evidence_to_request: Vec<String>,
    /// When the policy wants to look again (an investigation window).
    pub revisit_at: Option<Timestamp>,
    /// Where it stands.
    #[serde(flatten)]
    pub state: ProposalState,
    /// When it was made.
    pub created_at: Timestamp,
}

/// Where an action stands in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ActionState {
    /// Waiting to be sent (at `next_attempt_at`).
    Pending,
    /// Being sent: marked before the connector is called, so a crash leaves it here and
    /// the next attempt reconciles first.
    Sending,
    /// The last attempt failed in a way that may or may not have reached the marketplace;
    /// the next attempt reconciles first.
    Unknown {
        /// What went wrong.
        error: String,
    },
    /// The marketplace did it (or accepted it for later).
    Done {
        /// What it said.
        outcome: ActionOutcome,
    },
    /// It will not happen: refused, misconfigured, or given up after retries. A human
    /// decides what next.
    Failed {
        /// Why.
        error: String,
    },
}

impl ActionState {
    /// Whether the dispatcher still has work on it.
    pub fn is_open(&self) -> bool {
        matches!(
            self,
            ActionState::Pending | ActionState::Sending | ActionState::Unknown { .. }
        )
    }
}

/// One action in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Id (store sequence).
    pub id: u64,
    /// The ticket it is for.
    pub ticket: u64,
    /// The connector that carries it out.
    pub connector: String,
    /// What to do, with its idempotency key.
    pub action: Action,
    /// What caused it ("proposal 12", "reply by mei", "refund by lin").
    pub origin: String,
    /// Where it stands.
    #[serde(flatten)]
    pub state: ActionState,
    /// Attempts so far.
    pub attempts: u32,
    /// When the dispatcher may try next.
    pub next_attempt_at: Timestamp,
    /// When it was decided.
    pub created_at: Timestamp,
}

/// One line of the audit log: who did what to which ticket, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Who ("system" for the gateway).
    pub who: String,
    /// The ticket.
    pub ticket: u64,
    /// What, in one line.
    pub what: String,
}

/// Records a ticket change writes beside the ticket, in the same commit.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A proposal, new or changed.
    Proposal(Proposal),
    /// An outbox entry, new or changed.
    Outbox(OutboxEntry),
    /// An audit line.
    Audit(AuditEntry),
    /// An alert, new or changed.
    Alert(crate::alerts::Alert),
    /// An evidence file the buyer sent.
    File(crate::files::EvidenceFile),
}

/// The origin of the message an agent's reply queues (`reply <id>`). Only such messages
/// answer the buyer when delivered; others (the off-hours acknowledgement) do not.
pub fn reply_origin(id: u64) -> String {
    format!("{REPLY_ORIGIN}{id}")
}

/// Whether `origin` is an agent's reply ([`reply_origin`]).
pub fn is_reply(origin: &str) -> bool {
    origin.starts_with(REPLY_ORIGIN)
}

const REPLY_ORIGIN: &str = "reply ";

/// The deterministic idempotency key of the `index`-th action caused by `origin` on
/// `ticket`: the same decision always yields the same key.
pub fn idempotency_key(ticket: u64, origin: &str, index: usize) -> String {
    let origin: String = origin
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("hw-t{ticket}-{origin}-{index}")
}

/// A short description of an action for the timeline and the audit log.
pub fn describe(kind: &ActionKind) -> String {
    let money = |m: &Option<crate::types::Money>| {
        m.as_ref().map_or("the full amount".to_string(), |m| {
            format!(
                "{} {}",
                m.currency,
                helloword_sdk::money::to_decimal_string(m.minor_units, &m.currency)
            )
        })
    };
    match kind {
        ActionKind::Refund(r) => format!("refund {}", money(&r.amount)),
        ActionKind::Reship(r) => format!(
            "replacement{}",
            if r.expedited { " (expedited)" } else { "" }
        ),
        ActionKind::Coupon(c) => format!(
            "coupon {} {}",
            c.value.currency,
            helloword_sdk::money::to_decimal_string(c.value.minor_units, &c.value.currency)
        ),
        ActionKind::Message(m) => format!("message to the buyer ({})", m.language),
        ActionKind::ReturnDecision(d) => {
            if d.approve {
                "approve the return".into()
            } else {
                "decline the return".into()
            }
        }
        ActionKind::DisputeEvidence(e) => {
            if e.submit {
                "submit dispute evidence".into()
            } else {
                "save dispute evidence".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_and_safe() {
        assert_eq!(idempotency_key(42, "proposal 7", 0), "hw-t42-proposal-7-0");
        assert_eq!(
            idempotency_key(42, "proposal 7", 0),
            idempotency_key(42, "proposal 7", 0)
        );
        assert_ne!(
            idempotency_key(42, "proposal 7", 1),
            idempotency_key(42, "proposal 7", 0)
        );
    }
}

/// Compensation a reply may name: what the seller granted a ticket (refunds and coupons in
/// the outbox that did not fail) or what its policy offers (open or approved proposals).
/// Templates fill their amounts from it, so a reply never promises more than that.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compensation {
    /// The refund, summed over refunds in one currency; `None` when there is none or its
    /// amount is not known yet (a refund of "what the marketplace suggests" before it ran).
    pub refund: Option<crate::types::Money>,
    /// Whether a refund exists at all, known amount or not.
    pub any_refund: bool,
    /// The coupon's value and code (the code once known).
    pub coupon: Option<(crate::types::Money, Option<String>)>,
    /// A replacement.
    pub reship: bool,
}

impl Compensation {
    /// What the outbox grants: refunds and coupons that are queued, under way or done.
    pub fn granted(outbox: &[OutboxEntry]) -> Compensation {
        let mut out = Compensation::default();
        let mut unknown_refund = false;
        for entry in outbox {
            if matches!(entry.state, ActionState::Failed { .. }) {
                continue;
            }
            let done = match &entry.state {
                ActionState::Done { outcome } => Some(outcome),
                _ => None,
            };
            match &entry.action.kind {
                ActionKind::Refund(spec) => {
                    out.any_refund = true;
                    let amount = done
                        .and_then(|o| o.amount.clone())
                        .or_else(|| spec.amount.clone());
                    match amount {
                        Some(amount) => out.add_refund(amount),
                        None => unknown_refund = true,
                    }
                }
                ActionKind::Coupon(spec) => {
                    let code = spec
                        .code
                        .clone()
                        .or_else(|| done.and_then(|o| o.marketplace_ref.clone()));
                    out.coupon = Some((spec.value.clone(), code));
                }
                ActionKind::Reship(_) => out.reship = true,
                _ => {}
            }
        }
        if unknown_refund {
            out.refund = None;
        }
        out
    }

    /// What the policy offers: the refunds and coupons of proposals still open or approved.
    pub fn offered(proposals: &[Proposal]) -> Compensation {
        let mut out = Compensation::default();
        for proposal in proposals {
            if !matches!(
                proposal.state,
                ProposalState::Open | ProposalState::Approved { .. }
            ) {
                continue;
            }
            for kind in &proposal.actions {
                match kind {
                    ActionKind::Refund(spec) => {
                        out.any_refund = true;
                        if let Some(amount) = &spec.amount {
                            out.add_refund(amount.clone());
                        }
                    }
                    ActionKind::Coupon(spec) => {
                        out.coupon = Some((spec.value.clone(), spec.code.clone()));
                    }
                    ActionKind::Reship(_) => out.reship = true,
                    _ => {}
                }
            }
        }
        out
    }

    /// Add a refund in the currency of those before it (another currency replaces none:
    /// the sum would mean nothing, so the amount becomes unknown).
    fn add_refund(&mut self, amount: crate::types::Money) {
        self.any_refund = true;
        self.refund = match self.refund.take() {
            None => Some(amount),
            Some(sum) if sum.currency == amount.currency => Some(crate::types::Money {
                minor_units: sum.minor_units + amount.minor_units,
                currency: sum.currency,
            }),
            Some(_) => None,
        };
    }
}

#[cfg(test)]
mod compensation_tests {
    use super::*;
    use crate::types::{ActionStatus, CouponSpec, Money, RefundSpec};

    fn eur(minor_units: i64) -> Money {
        Money {
            minor_units,
            currency: "EUR".into(),
        }
    }

    fn entry(kind: ActionKind, state: ActionState) -> OutboxEntry {
        OutboxEntry {
            id: 1,
            ticket: 1,
            connector: "shopify".into(),
            action: Action {
                idempotency_key: "k".into(),
                shop: "s".into(),
                order_id: None,
                case_id: None,
                kind,
                reply_context: Vec::new(),
            },
            origin: "refund by lin".into(),
            state,
            attempts: 0,
            next_attempt_at: Timestamp::UNIX_EPOCH,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn refund(amount: Option<Money>) -> ActionKind {
        ActionKind::Refund(RefundSpec {
            amount,
            line_items: Vec::new(),
            include_shipping: false,
            note: None,
            notify_buyer: true,
        })
    }

    #[test]
    fn a_failed_refund_grants_nothing_and_a_queued_one_its_amount() {
        let failed = entry(
            refund(Some(eur(1500))),
            ActionState::Failed {
                error: "declined".into(),
            },
        );
        assert_eq!(
            Compensation::granted(std::slice::from_ref(&failed)),
            Compensation::default()
        );
        let queued = entry(refund(Some(eur(500))), ActionState::Pending);
        let granted = Compensation::granted(&[failed, queued]);
        assert_eq!(granted.refund, Some(eur(500)));
    }

    #[test]
    fn a_done_refund_counts_what_the_marketplace_refunded() {
        let done = entry(
            refund(None),
            ActionState::Done {
                outcome: ActionOutcome {
                    status: ActionStatus::Done,
                    marketplace_ref: Some("r1".into()),
                    amount: Some(eur(1299)),
                    detail: String::new(),
                },
            },
        );
        let pending_unknown = entry(refund(None), ActionState::Pending);
        assert_eq!(
            Compensation::granted(std::slice::from_ref(&done)).refund,
            Some(eur(1299))
        );
        let both = Compensation::granted(&[done, pending_unknown]);
        assert!(both.any_refund);
        assert_eq!(both.refund, None, "an amount not known yet is not promised");
    }

    #[test]
    fn the_policy_offers_only_what_open_or_approved_proposals_hold() {
        let proposal = |state: ProposalState, amount: i64| Proposal {
            id: 1,
            ticket: 1,
            policy: "policy-standard".into(),
            actions: vec![
                refund(Some(eur(amount))),
                ActionKind::Coupon(CouponSpec {
                    value: eur(500),
                    code: None,
                    expires_at: None,
                }),
            ],
            rationale: String::new(),
            tier: Tier::Agent,
            evidence_to_request: Vec::new(),
            revisit_at: None,
            state,
            created_at: Timestamp::UNIX_EPOCH,
        };
        let rejected = proposal(
            ProposalState::Rejected {
                by: "lin".into(),
                at: Timestamp::UNIX_EPOCH,
                reason: "no".into(),
            },
            9000,
        );
        let open = proposal(ProposalState::Open, 1000);
        let offered = Compensation::offered(&[rejected, open]);
        assert_eq!(offered.refund, Some(eur(1000)));
        assert_eq!(offered.coupon, Some((eur(500), None)));
    }
}
