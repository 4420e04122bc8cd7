//! Webhook ingest: `ANY /hooks/<plugin-id>[/<rest>]` hands the request, exactly as received,
//! to that connector and answers with what the connector decided.
//!
//! Status codes: 404 unknown plugin (or not a connector), 413 body over
//! `server.max_body_bytes`, 401/400/412 when the connector rejects the request, 500 when the
//! connector is misconfigured or broke a limit, 503 when it timed out or a dependency is
//! unavailable (so the marketplace retries).

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use crate::plugin::bindings::connector_api::{
    IncomingRequest, Reply, WebhookError, WebhookOutcome,
};
use crate::plugin::{PluginError, PluginKind};
use crate::web::{App, error, json};

/// Handle one webhook delivery.
pub async fn webhook(app: &App, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let rest = &path["/hooks/".len()..];
    let (id, sub_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let response = deliver(app, id, sub_path, req).await;
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
    response
}

async fn deliver(
    app: &App,
    id: &str,
    sub_path: &str,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let Some(plugin) = app.plugins.get(id) else {
        let installed = app.plugins.ids().join(", ");
        return error(
            StatusCode::NOT_FOUND,
            "unknown-plugin",
            &format!("no plugin `{id}` is loaded (loaded: {installed})"),
        );
    };
    if plugin.manifest.kind != PluginKind::MarketplaceConnector {
        return error(
            StatusCode::NOT_FOUND,
            "not-a-connector",
            &format!(
                "plugin `{id}` is a {}, not a marketplace connector",
                plugin.manifest.kind
            ),
        );
    }
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
    let incoming = IncomingRequest {
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
    };
    match plugin.handle_webhook(&incoming).await {
        Ok(Ok(WebhookOutcome::Events(events))) => json(
            StatusCode::OK,
            &serde_json::json!({ "accepted": events.len(), "events": events }),
        ),
        Ok(Ok(WebhookOutcome::Reply(reply))) => plugin_reply(id, reply),
        Ok(Ok(WebhookOutcome::Ignored(topic))) => {
            app.metrics.counter_add(
                "helloword_webhooks_ignored_total",
                "Deliveries acknowledged without a ticket, by plugin and topic.",
                &[("plugin", id), ("topic", &topic)],
                1,
            );
            json(StatusCode::OK, &serde_json::json!({ "ignored": topic }))
        }
        Ok(Err(rejection)) => {
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
        Err(failure) => {
            let status = match failure {
                PluginError::Timeout { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, failure.kind(), &failure.to_string())
        }
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
