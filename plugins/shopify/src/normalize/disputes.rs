//! `disputes/create` and `disputes/update`: Shopify Payments chargebacks and inquiries.

use helloword_sdk::types::{IssueKind, Reason, TicketEvent};

use super::{Context, attribute, format_money, humanize, order_ref};
use crate::payload::PayloadError;

/// One event per dispute delivery; the dispute id is the case, its status the state.
pub(super) fn dispute(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let dispute_type = p.text("/type");
    // A chargeback has reached the card network; an inquiry has not (yet).
    let (kind, label) = match dispute_type.as_deref() {
        Some("chargeback") => (IssueKind::Chargeback, "Chargeback"),
        _ => (IssueKind::PaymentDispute, "Payment inquiry"),
    };
    let status = p.text("/status");
    let amount = match p.text("/currency") {
        Some(currency) => p.money("/amount", &currency)?,
        None => None,
    };
    let reason = p.text("/reason").map(|code| Reason {
        code,
        network_code: p.id("/network_reason_code"),
        text: None,
    });

    let state = status.as_deref().unwrap_or("unknown");
    let what = if ctx.verb() == "create" {
        format!("{label} opened")
    } else {
        format!("{label} {}", humanize(state))
    };
    let mut details = Vec::new();
    if let Some(r) = &reason {
        details.push(humanize(&r.code));
    }
    if let Some(m) = &amount {
        details.push(format_money(m));
    }
    let summary = if details.is_empty() {
        what
    } else {
        format!("{what}: {}", details.join(", "))
    };

    let mut event = ctx.event(kind, format!("dispute:{id}:{state}"), summary);
    event.case_id = Some(id);
    event.order = p.id("/order_id").map(order_ref);
    event.amount = amount;
    event.reason = reason;
    event.status = status;
    event.platform_deadline = p.time("/evidence_due_by")?;
    // The create payload says when the buyer's bank opened it; an update carries no time of
    // its own, so the delivery's trigger time is the best there is.
    event.occurred_at = match ctx.verb() {
        "create" => p.time("/initiated_at")?.or_else(|| ctx.triggered_at()),
        _ => ctx.triggered_at().or(p.time("/initiated_at")?),
    };
    attribute(&mut event, "dispute_type", dispute_type);
    attribute(&mut event, "evidence_sent_on", p.text("/evidence_sent_on"));
    attribute(&mut event, "finalized_on", p.text("/finalized_on"));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::{IssueKind, Money, Timestamp};

    const SAMPLE: &[u8] = include_bytes!("../../tests/fixtures/webhooks/disputes__create.json");

    #[test]
    fn a_chargeback_keeps_every_id_amount_and_deadline_exact() {
        let e = one("disputes/create", SAMPLE);
        assert_eq!(e.kind, IssueKind::Chargeback);
        assert_eq!(e.case_id.as_deref(), Some("285332461850802063"));
        assert_eq!(
            e.order.as_ref().map(|o| o.id.as_str()),
            Some("820982911946154508")
        );
        assert_eq!(
            e.amount,
            Some(Money {
                minor_units: 1150,
                currency: "CAD".into()
            })
        );
        let reason = e.reason.as_ref().unwrap();
        assert_eq!(reason.code, "fraudulent");
        assert_eq!(reason.network_code.as_deref(), Some("4837"));
        // 2021-12-30T19:00:00-05:00
        assert_eq!(
            e.platform_deadline,
            Some(Timestamp {
                seconds: 1_640_908_800,
                nanoseconds: 0
            })
        );
        assert_eq!(e.status.as_deref(), Some("under_review"));
        assert_eq!(e.dedupe.business, "dispute:285332461850802063:under_review");
        assert_eq!(e.summary, "Chargeback opened: fraudulent, 11.50 CAD");
    }

    #[test]
    fn an_inquiry_is_a_payment_dispute_and_an_update_says_its_state() {
        let body = String::from_utf8(SAMPLE.to_vec())
            .unwrap()
            .replace("\"chargeback\"", "\"inquiry\"")
            .replace("\"under_review\"", "\"needs_response\"");
        let e = one("disputes/update", body.as_bytes());
        assert_eq!(e.kind, IssueKind::PaymentDispute);
        assert_eq!(
            e.summary,
            "Payment inquiry needs response: fraudulent, 11.50 CAD"
        );
        assert_eq!(
            e.dedupe.business,
            "dispute:285332461850802063:needs_response"
        );
        // 2025-07-10T16:15:47Z, the trigger time.
        assert_eq!(e.occurred_at.map(|t| t.seconds), Some(1_752_164_147));
    }

    #[test]
    fn an_amount_that_is_not_exact_is_refused() {
        let body = String::from_utf8(SAMPLE.to_vec())
            .unwrap()
            .replace("\"11.50\"", "\"11.505\"");
        let value = helloword_sdk::json::parse(body.as_bytes()).unwrap();
        let err = super::super::normalize(&delivery("disputes/create"), &value).unwrap_err();
        assert!(err.0.contains("`amount`"), "{err}");
    }
}
