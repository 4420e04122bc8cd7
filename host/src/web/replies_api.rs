//! The admin API's reply routes: locale packs, drafts, the compliance guard and translation.
//! Documented in `docs/api.md`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde::Deserialize;

use super::{Desk, error, json};
use crate::replies::{ForAgent, ReplyError, guard, parse_variable, translate};
use crate::reports::Lang;
use crate::tickets::model::Ticket;
use helloword_model::actions::Compensation;

/// `GET /api/locales`: loaded packs and the scenario catalogue.
pub async fn locales(desk: &Desk<'_>) -> Response<Full<Bytes>> {
    let catalog = desk.replies.catalog().await;
    let scenarios: Vec<serde_json::Value> = helloword_sdk::locale::kit::SCENARIOS
        .iter()
        .map(|s| {
            let mut variables: Vec<&str> = helloword_sdk::locale::kit::COMMON_VARIABLES.to_vec();
            variables.extend(s.variables);
            serde_json::json!({ "id": s.id, "purpose": s.purpose, "variables": variables })
        })
        .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "packs": catalog.packs,
            "languages": catalog.detector.languages(),
            "scenarios": scenarios,
            "compliance_phrases": catalog.guard.phrase_count(),
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    text: String,
    marketplace: String,
    language: Option<String>,
    #[serde(default)]
    review_requests_sent: u32,
}

/// `POST /api/compliance/check`: the guard on a text without a ticket.
pub async fn check_text(desk: &Desk<'_>, body: serde_json::Value) -> Response<Full<Bytes>> {
    let body: CheckBody = match parse(body) {
        Ok(b) => b,
        Err(m) => return bad_body(&m),
    };
    if desk
        .plugins
        .get(&body.marketplace)
        .is_none_or(|p| p.manifest.kind != crate::plugin::PluginKind::MarketplaceConnector)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-marketplace",
            &format!(
                "`marketplace` is {:?}, which is not a loaded connector; the check applies a \
                 connector's rules (its plugin id, as tickets name their marketplace)",
                body.marketplace
            ),
        );
    }
    let rules = desk.replies.rules_of(&body.marketplace);
    let catalog = desk.replies.catalog().await;
    let ctx = guard::Context {
        rules: rules.messages,
        own_sites: &rules.own_sites,
        language: body.language.as_deref(),
        allowed: &[],
        review_requests_sent: body.review_requests_sent,
    };
    let findings = catalog.guard.check(&body.text, &ctx, &catalog.detector);
    json(
        StatusCode::OK,
        &serde_json::json!({
            "blocked": findings.iter().any(|f| f.blocking),
            "findings": findings,
            "detected_language": catalog.detector.detect(&body.text),
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftBody {
    scenario: String,
    language: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketCheckBody {
    text: String,
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslateBody {
    text: String,
    source_language: Option<String>,
    target_language: Option<String>,
    /// For the agent to read (a buyer's message in the agent's language): nothing is
    /// checked by the compliance guard or recorded on the timeline, since nothing is sent.
    #[serde(default)]
    read: bool,
}

/// `POST /api/tickets/{id}/{draft|check|translate}`; `query` is the URL's (a draft's
/// `lang`).
pub async fn ticket_action(
    desk: &Desk<'_>,
    id: u64,
    action: &str,
    body: serde_json::Value,
    query: &str,
    who: &str,
) -> Response<Full<Bytes>> {
    let ticket = match desk.store.ticket(id) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "not-found",
                &format!("no ticket {id}"),
            );
        }
        Err(e) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage-unavailable",
                &e.to_string(),
            );
        }
    };
    match action {
        "draft" => match reads(query) {
            Ok(lang) => {
                let agent = desk.engine.agent_names().into_iter().find(|a| a == who);
                let agent = ForAgent {
                    name: agent.as_deref(),
                    reads: lang.tag(),
                };
                draft(desk, &ticket, body, agent).await
            }
            Err(message) => error(StatusCode::BAD_REQUEST, "bad-query", &message),
        },
        "check" => {
            let body: TicketCheckBody = match parse(body) {
                Ok(b) => b,
                Err(m) => return bad_body(&m),
            };
            let findings = desk
                .replies
                .check(&body.text, &ticket, body.language.as_deref())
                .await;
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "blocked": findings.iter().any(|f| f.blocking),
                    "findings": findings,
                }),
            )
        }
        _ => translate_draft(desk, &ticket, body, who).await,
    }
}

/// The language the agent reads, from the query's `lang` (`en`, the default, or `zh-CN`:
/// the dashboard's languages, as the reports take them).
fn reads(query: &str) -> Result<Lang, String> {
    match url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "lang") {
        None => Ok(Lang::En),
        Some((_, tag)) => {
            Lang::parse(&tag).ok_or_else(|| format!("`lang` is {tag:?}; expected en or zh-CN"))
        }
    }
}

/// A draft for `agent`, who signs it when on the team and reads its culture tips.
async fn draft(
    desk: &Desk<'_>,
    ticket: &Ticket,
    body: serde_json::Value,
    agent: ForAgent<'_>,
) -> Response<Full<Bytes>> {
    let body: DraftBody = match parse(body) {
        Ok(b) => b,
        Err(m) => return bad_body(&m),
    };
    let mut variables = BTreeMap::new();
    for (name, value) in &body.variables {
        match parse_variable(name, value) {
            Ok(v) => {
                variables.insert(name.clone(), v);
            }
            Err(e) => return reply_error(e),
        }
    }
    // Amounts come from what was granted and what the policy offers, never from the claim.
    let read = desk
        .store
        .actions(ticket.id)
        .and_then(|outbox| Ok((outbox, desk.store.proposals(ticket.id)?)));
    let (outbox, proposals) = match read {
        Ok(both) => both,
        Err(e) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage-unavailable",
                &e.to_string(),
            );
        }
    };
    if let Err(e) = crate::replies::compensation_variables(
        ticket.id,
        &body.scenario,
        &Compensation::granted(&outbox),
        &Compensation::offered(&proposals),
        &mut variables,
    ) {
        return reply_error(e);
    }
    match desk
        .replies
        .draft(
            ticket,
            &body.scenario,
            body.language.as_deref(),
            variables,
            agent,
            jiff::Timestamp::now(),
        )
        .await
    {
        Ok(draft) => json(StatusCode::OK, &serde_json::json!({ "draft": draft })),
        Err(e) => reply_error(e),
    }
}

async fn translate_draft(
    desk: &Desk<'_>,
    ticket: &Ticket,
    body: serde_json::Value,
    who: &str,
) -> Response<Full<Bytes>> {
    let body: TranslateBody = match parse(body) {
        Ok(b) => b,
        Err(m) => return bad_body(&m),
    };
    if body.text.trim().is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-body",
            "`text` is empty: nothing to translate",
        );
    }
    let target = match body.target_language {
        Some(t) => t,
        None => {
            let catalog = desk.replies.catalog().await;
            match catalog.choose(None, ticket) {
                Ok((_, language)) => language,
                Err(_) => ticket
                    .language
                    .clone()
                    .unwrap_or_else(|| crate::replies::FALLBACK_LANGUAGE.into()),
            }
        }
    };
    let translated = match translate::translate(
        desk.plugins,
        desk.translator.as_deref(),
        &body.text,
        body.source_language.as_deref(),
        &target,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return reply_error(e),
    };
    if body.read {
        return json(
            StatusCode::OK,
            &serde_json::json!({ "translation": translated }),
        );
    }
    let findings = desk
        .replies
        .check(&translated.text, ticket, Some(&target))
        .await;
    if let Err(e) = desk
        .engine
        .record_translation(ticket.id, translated.clone(), who)
        .await
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage-unavailable",
            &format!("{e:?}"),
        );
    }
    json(
        StatusCode::OK,
        &serde_json::json!({
            "translation": translated,
            "blocked": findings.iter().any(|f| f.blocking),
            "findings": findings,
        }),
    )
}

fn reply_error(e: ReplyError) -> Response<Full<Bytes>> {
    let (status, kind) = match &e {
        ReplyError::NoPack(_) => (StatusCode::UNPROCESSABLE_ENTITY, "no-locale-pack"),
        ReplyError::UnknownScenario(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown-scenario"),
        ReplyError::MissingVariable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "missing-variable"),
        ReplyError::BadVariable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "bad-variable"),
        ReplyError::Plugin { .. } => (StatusCode::BAD_GATEWAY, "plugin-failed"),
        ReplyError::Translation(_) => (StatusCode::SERVICE_UNAVAILABLE, "translation-unavailable"),
        ReplyError::NotGranted(_) => (StatusCode::CONFLICT, "not-granted"),
    };
    error(status, kind, &e.to_string())
}

fn parse<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(body).map_err(|e| format!("the body does not fit: {e}"))
}

fn bad_body(message: &str) -> Response<Full<Bytes>> {
    error(StatusCode::UNPROCESSABLE_ENTITY, "bad-body", message)
}
