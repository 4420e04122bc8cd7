//! `ANY /hooks/<plugin-id>[/<rest>]`: reads a webhook delivery off the wire, hands it to
//! [`crate::ingest`] and answers the marketplace with what became of it.
//!
//! Status codes: 200 stored (or a duplicate of a stored delivery, or a topic the connector
//! ignores), 202 signed but unreadable and kept for `helloword replay`, 404 unknown plugin (or
//! not a connector), 413 body over `server.max_body_bytes`, 401/400/412 when the connector
//! rejects the request (nothing is stored), 500 when the connector is misconfigured or broke
//! a limit, 503 when it timed out, a dependency is unavailable, the replay buffer is full or
//! storage failed — so the marketplace retries. A 2xx means the delivery is on stable
//! storage (or needs none).

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, StatusCode};
use tracing::Instrument as _;

use super::{App, Body, error, json};
use crate::ingest::{Intake, Outcome};
use crate::plugin::PluginError;
use crate::plugin::bindings::connector_api::{IncomingRequest, Reply, WebhookError};

impl App {
    /// The part of the application webhook intake works with.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            plugins: &self.plugins,
            store: &self.store,
            metrics: &self.metrics,
            inbox_notify: &self.inbox_notify,
            webhook_calls: &self.webhook_calls,
        }
    }
}

/// Handle one webhook delivery.
pub async fn webhook(app: &App, req: Request<Body>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let rest = &path["/hooks/".len()..];
    let (id, sub_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let started = std::time::Instant::now();
    // The root of the delivery's trace: the plugin call and the store commit are its
    // children, and the engine continues it from the `trace` kept in the inbox record.
    let span = tracing::debug_span!(
        parent: None,
        "ingest",
        otel.kind = "server",
        plugin.id = %id,
        http.response.status_code = tracing::field::Empty,
        delivery.seq = tracing::field::Empty,
    );
    let response = deliver(app, id, sub_path, req)
        .instrument(span.clone())
        .await;
    span.record("http.response.status_code", response.status().as_u16());
    let label = if app.plugins.get(id).is_some() {
        id
    } else {
        "unknown"
    };
    app.metrics.counter_add(
        "helloword_webhooks_total",
        "Webhook deliveries by plugin and response status.",
        &[("plugin", label), ("status", response.status().as_str())],
        1,
    );
    app.metrics.observe(
        "helloword_ingest_seconds",
        "Time from a webhook request to its answer, by plugin.",
        &[("plugin", label)],
        started.elapsed(),
    );
    response
}

async fn deliver(app: &App, id: &str, sub_path: &str, req: Request<Body>) -> Response<Full<Bytes>> {
    let intake = app.intake();
    let plugin = match intake.connector(id) {
        Ok(plugin) => plugin,
        Err(outcome) => return answer(id, outcome),
    };
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            &format!("request body exceeds {} bytes", app.max_body_bytes),
        )
    };
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_body_bytes) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, app.max_body_bytes as usize)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "body-unreadable",
                &format!("cannot read the request body: {e}"),
            );
        }
    };
    let incoming = incoming_request(&parts, sub_path, &body);
    let outcome = intake
        .deliver(id, plugin, incoming, &parts.headers, &body)
        .await;
    answer(id, outcome)
}

/// The request as a connector sees it.
pub fn incoming_request(
    parts: &hyper::http::request::Parts,
    sub_path: &str,
    body: &Bytes,
) -> IncomingRequest {
    IncomingRequest {
        method: parts.method.as_str().to_string(),
        path: sub_path.to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    }
}

/// The marketplace's answer for what became of a delivery to connector `id`.
pub fn answer(id: &str, outcome: Outcome) -> Response<Full<Bytes>> {
    match outcome {
        Outcome::UnknownPlugin { loaded } => error(
            StatusCode::NOT_FOUND,
            "unknown-plugin",
            &format!("no plugin `{id}` is loaded (loaded: {loaded})"),
        ),
        Outcome::NotAConnector { kind } => error(
            StatusCode::NOT_FOUND,
            "not-a-connector",
            &format!("plugin `{id}` is a {kind}, not a marketplace connector"),
        ),
        Outcome::CallLost => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "plugin-unavailable",
            &format!(
                "the call into plugin `{id}` was lost; the delivery was not stored, so send it again"
            ),
        ),
        Outcome::Stored { accepted, delivery } => json(
            StatusCode::OK,
            &serde_json::json!({ "accepted": accepted, "delivery": delivery }),
        ),
        Outcome::Duplicate { of } => json(
            StatusCode::OK,
            &serde_json::json!({ "accepted": 0, "duplicate_of": of }),
        ),
        Outcome::NotStored(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage-unavailable",
            &format!("the delivery could not be stored: {e}"),
        ),
        Outcome::Ignored(topic) => json(StatusCode::OK, &serde_json::json!({ "ignored": topic })),
        Outcome::Reply(reply) => plugin_reply(id, reply),
        Outcome::Rejected(rejection) => {
            let (status, kind, message) = match rejection {
                WebhookError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m),
                WebhookError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad-request", m),
                WebhookError::PreconditionFailed(m) => {
                    (StatusCode::PRECONDITION_FAILED, "precondition-failed", m)
                }
                WebhookError::Misconfigured(m) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "misconfigured", m)
                }
                WebhookError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", m),
            };
            error(status, kind, &message)
        }
        Outcome::Failed(failure) => {
            let status = match failure {
                PluginError::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, failure.kind(), &failure.to_string())
        }
        Outcome::Kept { delivery, why } => json(
            StatusCode::ACCEPTED,
            &serde_json::json!({ "kept": delivery, "unreadable": why }),
        ),
        Outcome::KeptBufferFull { why } => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "replay-buffer-full",
            &format!(
                "the delivery verified but plugin `{id}` cannot read it ({why}), and the \
                 gateway's replay buffer is full; run `helloword replay` after fixing the \
                 connector, then the marketplace's retry is kept"
            ),
        ),
    }
}

/// A reply the connector wants sent; its status and headers are checked, not trusted.
fn plugin_reply(id: &str, reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder();
    match StatusCode::from_u16(reply.status) {
        Ok(status) if (200..600).contains(&reply.status) => builder = builder.status(status),
        _ => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "bad-plugin-reply",
                &format!("plugin `{id}` replied with status {}", reply.status),
            );
        }
    }
    for (name, value) in &reply.headers {
        let forbidden = [
            "connection",
            "transfer-encoding",
            "content-length",
            "upgrade",
        ];
        if forbidden.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|e| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "bad-plugin-reply",
                &format!("plugin `{id}` replied with an invalid header: {e}"),
            )
        })
}
