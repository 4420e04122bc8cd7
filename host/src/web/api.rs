//! The admin API: JSON over HTTP under `/api`, bearer-token auth. Documented in
//! `docs/api.md`; everything the dashboard will do goes through here.

use super::Body;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, StatusCode};
use serde::Deserialize;

use super::api_routes::Route;
use super::{App, Desk, error, json};
use crate::tickets::engine::ChangeError;
use crate::tickets::model::{Status, Ticket};

const MAX_API_BODY: usize = 64 << 10;

/// Handle a request under `/api`.
pub async fn handle(app: &App, req: Request<Body>) -> Response<Full<Bytes>> {
    let Some(who) = authenticate(app, &req) else {
        // A dashboard session without its CSRF token on a state change: say that, not 401.
        if let Some(refusal) = super::ui::csrf_refusal(app, &req) {
            return refusal;
        }
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer <token>` with a token from [api.tokens]",
        );
        response.headers_mut().insert(
            "www-authenticate",
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return response;
    };
    let path = req.uri().path().trim_end_matches('/').to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let method = req.method().clone();
    let (needed, route) = super::api_routes::route(&method, &segments);
    if !app
        .api_tokens
        .iter()
        .any(|t| t.who == who && t.allows(needed))
    {
        return error(
            StatusCode::FORBIDDEN,
            "missing-scope",
            &format!(
                "{who}'s token lacks the `{}` scope this request needs (see [api.tokens])",
                needed.name()
            ),
        );
    }
    let desk = app.desk();
    match route {
        Route::Tickets => super::queue_api::list(&desk, &query, &who),
        Route::Ticket(id) => show(&desk, id),
        Route::Customers => customers(&desk, &query),
        Route::Customer(key) => customer(&desk, key),
        Route::Order(marketplace, shop, id) => order(&desk, [marketplace, shop, id]),
        Route::Plugins => plugins(&desk),
        Route::Agents => json(
            StatusCode::OK,
            &serde_json::json!({ "agents": app.engine.agents(jiff::Timestamp::now()) }),
        ),
        Route::Reports(rest) => {
            let rules = crate::reports::connector_rules(&app.plugins);
            super::reports_api::handle(&app.store, &rules, &app.reports, rest, &query)
        }
        Route::Locales => super::replies_api::locales(&desk).await,
        Route::Outbox => super::actions_api::outbox(&desk),
        Route::KeptDeliveries => match crate::ingest::unreadable::list(&app.store) {
            Ok(kept) => json(StatusCode::OK, &serde_json::json!({ "kept": kept })),
            Err(e) => storage_error(e),
        },
        Route::Files(id) => match app.store.files(id) {
            Ok(files) => json(StatusCode::OK, &serde_json::json!({ "files": files })),
            Err(e) => storage_error(e),
        },
        Route::File(id, file) => download(&desk, id, file).await,
        Route::UploadLink(id) => match read_json(req).await {
            Ok(body) => upload_link(&desk, id, body),
            Err(refusal) => refusal.response(),
        },
        Route::Audit => super::actions_api::audit(&desk, &query),
        Route::Poll(id) => poll_now(app, id).await,
        Route::Export => super::ops_api::export(&desk, &who).await,
        Route::Compact => super::ops_api::compact(app),
        Route::Erasures => match read_json(req).await {
            Ok(body) => super::ops_api::erase(&desk, body, &who).await,
            Err(refusal) => refusal.response(),
        },
        Route::DecideMany => match read_json(req).await {
            Ok(body) => super::actions_api::batch(&desk, body, &who).await,
            Err(refusal) => refusal.response(),
        },
        Route::Decide {
            ticket,
            proposal,
            approve,
        } => match read_json(req).await {
            Ok(body) => {
                super::actions_api::decide(&desk, ticket, proposal, approve, body, &who).await
            }
            Err(refusal) => refusal.response(),
        },
        Route::TicketAction(id, action) => match read_json(req).await {
            Ok(body) => super::actions_api::ticket_action(&desk, id, action, body, &who).await,
            Err(refusal) => refusal.response(),
        },
        Route::Care => match read_json(req).await {
            Ok(body) => super::actions_api::care(&desk, body, &who).await,
            Err(refusal) => refusal.response(),
        },
        Route::Compliance => match read_json(req).await {
            Ok(body) => super::replies_api::check_text(&desk, body).await,
            Err(refusal) => refusal.response(),
        },
        Route::ReplyAction(id, action) => match read_json(req).await {
            Ok(body) => {
                super::replies_api::ticket_action(&desk, id, action, body, &query, &who).await
            }
            Err(refusal) => refusal.response(),
        },
        Route::Change(id, action) => match read_json(req).await {
            Ok(body) => change(&desk, id, action, body, &who).await,
            Err(refusal) => refusal.response(),
        },
        Route::CancelFollowUp(id, timer) => {
            outcome(app.engine.cancel_follow_up(id, timer, &who).await)
        }
        Route::NoSuch(message) => error(StatusCode::NOT_FOUND, "not-found", &message),
        Route::Unknown => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no API route for {method} {path}"),
        ),
    }
}

/// `GET /api/plugins`: every plugin folder with the plugin's id, kind, the contract version
/// its component was built for, its content hash and what `describe` said — or why it did
/// not load.
fn plugins(desk: &Desk<'_>) -> Response<Full<Bytes>> {
    let plugins: Vec<serde_json::Value> = desk
        .plugins
        .statuses()
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "folder": s.folder.file_name().map(|n| n.to_string_lossy().into_owned()),
                "id": s.id,
                "kind": s.kind,
                "contract": s.contract,
                "content_hash": s.content_hash,
                "description": s.description,
                "error": s.error,
                "warnings": s.warnings,
            })
        })
        .collect();
    json(StatusCode::OK, &serde_json::json!({ "plugins": plugins }))
}

/// The name of the caller's token, if the request carries a valid one.
///
/// A browser signed in to the dashboard sends no token: its session cookie stands for the
/// token it was exchanged for, and on a state change only together with the session's
/// `X-CSRF-Token` (see `web/ui/session.rs`). A request with an `Authorization` header is
/// judged by that header alone.
pub(super) fn authenticate(app: &App, req: &Request<Body>) -> Option<String> {
    let Some(header) = req.headers().get(hyper::header::AUTHORIZATION) else {
        return super::ui::cookie_user(app, req);
    };
    let presented = header.to_str().ok()?.strip_prefix("Bearer ")?.as_bytes();
    super::access::by_token(&app.api_tokens, presented).map(|t| t.who.clone())
}

pub(super) fn storage_error(e: impl std::fmt::Display) -> Response<Full<Bytes>> {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage-unavailable",
        &e.to_string(),
    )
}

/// `POST /api/tickets/{id}/upload-link` — `{"days": 7}`: a signed link to the ticket's
/// upload page, valid for `days` (1 to 30, default 7).
fn upload_link(desk: &Desk<'_>, id: u64, body: serde_json::Value) -> Response<Full<Bytes>> {
    let days = match body.get("days") {
        None => 7,
        Some(d) => match d.as_u64().filter(|d| (1..=30).contains(d)) {
            Some(d) => d,
            None => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad-body",
                    "`days` is 1 to 30",
                );
            }
        },
    };
    match desk.store.ticket(id) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "not-found",
                &format!("no ticket {id}"),
            );
        }
        Err(e) => return storage_error(e),
    }
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days as i64);
    match super::intake::link(desk.store, id, expires) {
        Ok(path) => json(
            StatusCode::OK,
            &serde_json::json!({ "path": path, "expires_at": expires }),
        ),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, "storage-unavailable", &e),
    }
}

/// `GET /api/tickets/{id}/files/{file}`: the file, with its type.
async fn download(desk: &Desk<'_>, id: u64, file: u64) -> Response<Full<Bytes>> {
    let found = match desk.store.files(id) {
        Ok(files) => files.into_iter().find(|f| f.id == file),
        Err(e) => return storage_error(e),
    };
    let Some(found) = found else {
        return error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("ticket {id} has no file {file}"),
        );
    };
    if found.pending || found.error.is_some() {
        return error(
            StatusCode::NOT_FOUND,
            "not-kept",
            &format!(
                "file {file} of ticket {id} is {}",
                found
                    .error
                    .as_deref()
                    .map_or("still being fetched".to_string(), |e| format!(
                        "not kept: {e}"
                    ))
            ),
        );
    }
    match crate::store::files::read(desk.files_dir, &found).await {
        Ok(content) => Response::builder()
            .header("content-type", found.content_type.as_str())
            .header("x-content-type-options", "nosniff")
            .header(
                "content-disposition",
                format!("attachment; filename=\"{}\"", found.name),
            )
            .body(Full::new(Bytes::from(content)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
        Err(e) => storage_error(e),
    }
}

/// `GET /api/tickets/{id}`: the ticket, its conversation (with each reply's delivery), its
/// order (joined from every event that named it) and its timeline.
fn show(desk: &Desk<'_>, id: u64) -> Response<Full<Bytes>> {
    match (desk.store.ticket(id), desk.store.timeline(id)) {
        (Ok(Some(ticket)), Ok(timeline)) => {
            let actions = desk.store.actions(id).unwrap_or_default();
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "conversation": helloword_model::conversation::thread(&ticket, &timeline, &actions),
                    "order": desk.store.order_of(&ticket).unwrap_or_default(),
                    "ticket": ticket,
                    "timeline": timeline,
                    "proposals": desk.store.proposals(id).unwrap_or_default(),
                    "actions": actions,
                    "files": desk.store.files(id).unwrap_or_default(),
                }),
            )
        }
        (Ok(None), _) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no ticket {id}"),
        ),
        (Err(e), _) | (_, Err(e)) => storage_error(e),
    }
}

/// A refusal, turned into a JSON error response at the edge.
struct Refusal {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl Refusal {
    fn response(self) -> Response<Full<Bytes>> {
        error(self.status, self.kind, &self.message)
    }
}

/// `GET /api/customers?tag=<tag>`: profiles, optionally only those with a tag (e.g. the
/// high-loyalty-potential list for the seller's own marketing tools).
fn customers(desk: &Desk<'_>, query: &str) -> Response<Full<Bytes>> {
    let mut tag = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "tag" => match serde_json::from_value(serde_json::Value::String(value.to_string())) {
                Ok(t) => tag = Some(t),
                Err(_) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad-query",
                        &format!(
                            "`tag` is {value:?}; expected vip, high-loyalty-potential or repeat-complainer"
                        ),
                    );
                }
            },
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad-query",
                    &format!("unknown query parameter `{other}`; expected tag"),
                );
            }
        }
    }
    let mut out = Vec::new();
    for customer in desk.store.all_customers() {
        match customer {
            Ok(c) if tag.is_none_or(|t| c.tags.contains(&t)) => out.push(c),
            Ok(_) => {}
            Err(e) => return storage_error(e),
        }
    }
    json(StatusCode::OK, &serde_json::json!({ "customers": out }))
}

/// `GET /api/customers/{key}`: one profile.
fn customer(desk: &Desk<'_>, key: &str) -> Response<Full<Bytes>> {
    // A path segment: `+` is a plus (e-mail addresses have them), not a form's space.
    let key = percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned();
    match desk.store.customer(&key) {
        Ok(Some(c)) => json(StatusCode::OK, &serde_json::json!({ "customer": c })),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no customer {key:?}"),
        ),
        Err(e) => storage_error(e),
    }
}

/// `GET /api/orders/{marketplace}/{shop}/{order}`: the order as joined from every event
/// that named it, with its tickets.
fn order(desk: &Desk<'_>, parts: [&str; 3]) -> Response<Full<Bytes>> {
    let [marketplace, shop, id] = parts.map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    match desk.store.order(&marketplace, &shop, &id) {
        Ok(Some(order)) => json(StatusCode::OK, &serde_json::json!({ "order": order })),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no order {id:?} of shop {shop:?} at {marketplace:?}"),
        ),
        Err(e) => storage_error(e),
    }
}

async fn read_json(req: Request<Body>) -> Result<serde_json::Value, Refusal> {
    let bytes = match Limited::new(req.into_body(), MAX_API_BODY).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            return Err(Refusal {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                kind: "body-too-large",
                message: format!("API bodies are at most {MAX_API_BODY} bytes"),
            });
        }
    };
    serde_json::from_slice(&bytes).map_err(|e| Refusal {
        status: StatusCode::BAD_REQUEST,
        kind: "bad-json",
        message: format!("the body is not valid JSON: {e}"),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    agent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Status,
    satisfied: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowUpBody {
    what: String,
    due_in_minutes: Option<u32>,
    due_at: Option<jiff::Timestamp>,
}

impl FollowUpBody {
    fn due(&self) -> Result<jiff::Timestamp, Refusal> {
        let refuse = |message: &str| Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "bad-body",
            message: message.to_string(),
        };
        match (self.due_in_minutes, self.due_at) {
            (Some(minutes), None) => jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_mins(i64::from(minutes)))
                .map_err(|_| refuse("`due_in_minutes` is too far away")),
            (None, Some(at)) => Ok(at),
            _ => Err(refuse("give exactly one of `due_in_minutes` or `due_at`")),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, Refusal> {
    serde_json::from_value(body).map_err(|e| Refusal {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        kind: "bad-body",
        message: format!("the body does not fit: {e}"),
    })
}

/// `POST /api/tickets/{id}/{assign|notes|status}`.
async fn change(
    desk: &Desk<'_>,
    id: u64,
    action: &str,
    body: serde_json::Value,
    who: &str,
) -> Response<Full<Bytes>> {
    let engine = &desk.engine;
    let result = match action {
        "assign" => match parse::<AssignBody>(body) {
            Ok(b) => engine.assign(id, b.agent, who).await,
            Err(r) => return r.response(),
        },
        "notes" => match parse::<NoteBody>(body) {
            Ok(b) => engine.add_note(id, b.text, who).await,
            Err(r) => return r.response(),
        },
        "status" => match parse::<StatusBody>(body) {
            Ok(b) => engine.set_status_with(id, b.status, b.satisfied, who).await,
            Err(r) => return r.response(),
        },
        "follow-ups" => match parse::<FollowUpBody>(body).and_then(|b| Ok((b.due()?, b.what))) {
            Ok((due, what)) => engine.schedule_follow_up(id, due, what, who).await,
            Err(r) => return r.response(),
        },
        other => {
            return error(
                StatusCode::NOT_FOUND,
                "not-found",
                &format!(
                    "no ticket action `{other}`; expected assign, notes, status, follow-ups, \
                     draft, check, translate, reply, actions or propose"
                ),
            );
        }
    };
    outcome(result)
}

fn outcome(result: Result<Ticket, ChangeError>) -> Response<Full<Bytes>> {
    match result {
        Ok(ticket) => json(StatusCode::OK, &serde_json::json!({ "ticket": ticket })),
        Err(e) => super::actions_api::refused(e),
    }
}

/// `POST /api/plugins/<id>/poll`: poll a connector now instead of at its next interval.
async fn poll_now(app: &App, id: &str) -> Response<Full<Bytes>> {
    use crate::ingest::poll::Polled;
    use crate::plugin::bindings::connector_api::Capability;
    use crate::plugin::instance::Description;
    let Some(plugin) = app.plugins.get(id) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown-plugin",
            &format!("no plugin `{id}` is loaded"),
        );
    };
    let polls = matches!(&plugin.description, Description::MarketplaceConnector(info)
        if info.capabilities.contains(&Capability::Polling));
    if !polls {
        return error(
            StatusCode::CONFLICT,
            "cannot-poll",
            &format!("plugin `{id}` is not a connector with the polling capability"),
        );
    }
    match app.poller.poll(&plugin).await {
        Polled::Stored {
            pages,
            events,
            more,
        } => json(
            StatusCode::OK,
            &serde_json::json!({ "pages": pages, "events": events, "more": more }),
        ),
        Polled::Failed(message) => error(StatusCode::BAD_GATEWAY, "poll-failed", &message),
    }
}
