//! Refund every case: the harshest load on exactly-once execution, since every ticket
//! produces a refund at the marketplace. Automatic, unless the config's `tier` says
//! "agent" or "lead". With `fail = "yes"` it cannot decide, ever: a broken policy. With
//! `refund = "no"` it proposes nothing (a case that needs no compensation).

use helloword_sdk::policy::{ApprovalTier, Policy, PolicyError, Proposal, TicketContext, config};
use helloword_sdk::types::{ActionKind, RefundSpec};

struct RefundEverything;

impl Policy for RefundEverything {
    fn decide(ctx: TicketContext) -> Result<Proposal, PolicyError> {
        if config::get("fail").as_deref() == Some("yes") {
            return Err(PolicyError::InsufficientContext(
                "the test policy is told to fail".into(),
            ));
        }
        let refund = ActionKind::Refund(RefundSpec {
            amount: None,
            line_items: vec![("518995019".into(), 1)],
            include_shipping: true,
            note: Some(format!("ticket {}", ctx.ticket_id)),
            notify_buyer: false,
        });
        Ok(Proposal {
            actions: match config::get("refund").as_deref() {
                Some("no") => Vec::new(),
                _ => vec![refund],
            },
            rationale: "test policy: refund every case".into(),
            tier: match config::get("tier").as_deref() {
                Some("lead") => ApprovalTier::Lead,
                Some("agent") => ApprovalTier::Agent,
                _ => ApprovalTier::Automatic,
            },
            evidence_to_request: Vec::new(),
            revisit_at: None,
        })
    }
}

helloword_sdk::export_policy!(RefundEverything);
