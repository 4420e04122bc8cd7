//! The admin API's action routes: proposals from the compensation policy (propose, approve,
//! reject, batch approve), an agent's own actions, replies through the compliance guard,
//! the outbox and the audit log. Documented in `docs/api.md`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde::Deserialize;

use super::{Desk, error, json};
use crate::actions::desk::{self as decisions, Reply, ReplyRefused};
use crate::plugin::bindings::types::ActionKind;
use crate::tickets::engine::ChangeError;

fn parse<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(body).map_err(|e| format!("the body does not fit: {e}"))
}

fn bad_body(message: &str) -> Response<Full<Bytes>> {
    error(StatusCode::UNPROCESSABLE_ENTITY, "bad-body", message)
}

/// A refused change as its HTTP answer: 404, 403 for what needs a lead, 409, 422 for an
/// action the connector does not offer, 503 for storage.
pub(super) fn refused(e: ChangeError) -> Response<Full<Bytes>> {
    match e {
        ChangeError::NoSuchTicket(id) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no ticket {id}"),
        ),
        ChangeError::Invalid(message)
            if message.contains("not a lead") || message.contains("may not") =>
        {
            error(StatusCode::FORBIDDEN, "forbidden", &message)
        }
        ChangeError::Invalid(message) => error(StatusCode::CONFLICT, "invalid-change", &message),
        ChangeError::NotSupported(message) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "not-supported", &message)
        }
        ChangeError::Store(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage-unavailable",
            &e.to_string(),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActBody {
    actions: Vec<ActionKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceBody {
    #[serde(default)]
    submit: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeBody {
    policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    subject: Option<String>,
    body: String,
    language: Option<String>,
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchItem {
    ticket: u64,
    proposal: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    proposals: Vec<BatchItem>,
    #[serde(default)]
    reject: bool,
    reason: Option<String>,
}

/// `POST /api/tickets/{id}/{actions|propose|reply}`.
pub async fn ticket_action(
    desk: &Desk<'_>,
    id: u64,
    action: &str,
    body: serde_json::Value,
    who: &str,
) -> Response<Full<Bytes>> {
    let engine = &desk.engine;
    match action {
        "actions" => match parse::<ActBody>(body) {
            Ok(b) => ticket_result(decisions::act(engine, id, b.actions, who).await),
            Err(m) => bad_body(&m),
        },
        "evidence" => match parse::<EvidenceBody>(body) {
            Ok(b) => match decisions::evidence(engine, id, b.submit, who).await {
                Ok((ticket, fields)) => json(
                    StatusCode::OK,
                    &serde_json::json!({ "ticket": ticket, "evidence": fields }),
                ),
                Err(e) => refused(e),
            },
            Err(m) => bad_body(&m),
        },
        "propose" => match parse::<ProposeBody>(body) {
            Ok(b) => {
                match decisions::propose(engine, desk.plugins, id, b.policy.as_deref(), who).await {
                    Ok((ticket, proposal)) => json(
                        StatusCode::OK,
                        &serde_json::json!({ "ticket": ticket, "proposal": proposal }),
                    ),
                    Err(e) => refused(e),
                }
            }
            Err(m) => bad_body(&m),
        },
        _ => match parse::<ReplyBody>(body) {
            Ok(b) => {
                let reply = Reply {
                    subject: b.subject,
                    body: b.body,
                    language: b.language,
                    override_reason: b.override_reason,
                };
                match decisions::reply(engine, desk.replies, id, reply, who).await {
                    Ok(ticket) => json(StatusCode::OK, &serde_json::json!({ "ticket": ticket })),
                    Err(ReplyRefused::Blocked(findings)) => json(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &serde_json::json!({
                            "error": "blocked-by-compliance",
                            "message": format!(
                                "the compliance guard blocks this reply: {}; change the text, \
                                 or a lead may send it with \"override_reason\"",
                                findings.iter().map(|f| format!("{} ({:?})", f.rule.id(), f.excerpt))
                                    .collect::<Vec<_>>().join(", ")
                            ),
                            "findings": findings,
                        }),
                    ),
                    Err(ReplyRefused::NoChannel(why)) => error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "no-channel",
                        &format!("nothing was queued: {why}"),
                    ),
                    Err(ReplyRefused::Change(e)) => refused(e),
                }
            }
            Err(m) => bad_body(&m),
        },
    }
}

/// `POST /api/tickets/{id}/proposals/{proposal}/{approve|reject}`.
pub async fn decide(
    desk: &Desk<'_>,
    id: u64,
    proposal: u64,
    approve: bool,
    body: serde_json::Value,
    who: &str,
) -> Response<Full<Bytes>> {
    match parse::<DecideBody>(body) {
        Ok(b) => ticket_result(
            decisions::decide(desk.engine, id, proposal, approve, b.reason, who).await,
        ),
        Err(m) => bad_body(&m),
    }
}

/// `POST /api/proposals/decide`: approve (or reject) many proposals; each gets its own
/// result, and one refusal does not stop the others.
pub async fn batch(desk: &Desk<'_>, body: serde_json::Value, who: &str) -> Response<Full<Bytes>> {
    let b: BatchBody = match parse(body) {
        Ok(b) => b,
        Err(m) => return bad_body(&m),
    };
    let mut results = Vec::new();
    for item in b.proposals {
        let outcome = decisions::decide(
            desk.engine,
            item.ticket,
            item.proposal,
            !b.reject,
            b.reason.clone(),
            who,
        )
        .await;
        results.push(match outcome {
            Ok(_) => {
                serde_json::json!({ "ticket": item.ticket, "proposal": item.proposal, "ok": true })
            }
            Err(e) => serde_json::json!({
                "ticket": item.ticket, "proposal": item.proposal, "ok": false,
                "error": format!("{e:?}"),
            }),
        });
    }
    json(StatusCode::OK, &serde_json::json!({ "results": results }))
}

/// `GET /api/outbox`: actions the dispatcher still has work on.
pub fn outbox(desk: &Desk<'_>) -> Response<Full<Bytes>> {
    match desk.store.open_actions() {
        Ok(actions) => json(StatusCode::OK, &serde_json::json!({ "actions": actions })),
        Err(e) => refused(ChangeError::Store(e)),
    }
}

/// `GET /api/audit?limit=N`: the audit log, newest first.
pub fn audit(desk: &Desk<'_>, query: &str) -> Response<Full<Bytes>> {
    let mut limit = 100;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match (key.as_ref(), value.parse::<usize>()) {
            ("limit", Ok(n)) if (1..=1000).contains(&n) => limit = n,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-query",
                    &format!("`{key}={value}`: expected limit=1..1000"),
                );
            }
        }
    }
    match desk.store.audit(limit) {
        Ok(lines) => json(StatusCode::OK, &serde_json::json!({ "audit": lines })),
        Err(e) => refused(ChangeError::Store(e)),
    }
}

fn ticket_result(
    result: Result<crate::tickets::model::Ticket, ChangeError>,
) -> Response<Full<Bytes>> {
    match result {
        Ok(ticket) => json(StatusCode::OK, &serde_json::json!({ "ticket": ticket })),
        Err(e) => refused(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CareBody {
    marketplace: String,
    shop: String,
    order: String,
    high_value: Option<i64>,
    stalled_days: Option<i64>,
}

/// `POST /api/care`: the proactive-care message for one order.
pub async fn care(desk: &Desk<'_>, body: serde_json::Value, who: &str) -> Response<Full<Bytes>> {
    let body: CareBody = match parse(body) {
        Ok(b) => b,
        Err(m) => return bad_body(&m),
    };
    let rules = helloword_model::care::CareRules {
        high_value_minor: body
            .high_value
            .unwrap_or(crate::reports::DEFAULT_HIGH_VALUE_MINOR),
        stalled_days: body
            .stalled_days
            .unwrap_or(crate::reports::DEFAULT_STALLED_DAYS),
    };
    if rules.high_value_minor < 1 || !(1..=365).contains(&rules.stalled_days) {
        return bad_body("`high_value` must be at least 1 and `stalled_days` from 1 to 365");
    }
    let order = (
        body.marketplace.as_str(),
        body.shop.as_str(),
        body.order.as_str(),
    );
    match decisions::care(desk.engine, desk.replies, order, rules, who).await {
        Ok(ticket) => json(StatusCode::OK, &serde_json::json!({ "ticket": ticket })),
        Err(decisions::CareRefused::NoOrder(m)) => error(StatusCode::NOT_FOUND, "not-found", &m),
        Err(decisions::CareRefused::Excluded(why)) => error(
            StatusCode::CONFLICT,
            "not-for-care",
            &format!("no care message for this order: {why}"),
        ),
        Err(decisions::CareRefused::Blocked(findings)) => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &serde_json::json!({
                "error": "blocked-by-compliance",
                "message": format!(
                    "the compliance guard blocks the care message: {}",
                    findings.iter().map(|f| f.rule.id()).collect::<Vec<_>>().join(", ")
                ),
                "findings": findings,
            }),
        ),
        Err(decisions::CareRefused::Draft(e)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-draft",
            &format!("the care message could not be drafted: {e}"),
        ),
        Err(decisions::CareRefused::NoChannel(why)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no-channel",
            &format!("nothing was queued: {why}"),
        ),
        Err(decisions::CareRefused::Change(e)) => refused(e),
    }
}
