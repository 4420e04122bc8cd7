//! Webhook ingest: `ANY /hooks/<plugin-id>[/<rest>]` hands the request, exactly as received,
//! to that connector; verified events go into the durable inbox, and the marketplace gets
//! its 2xx only after the inbox record is on disk.
//!
//! Status codes: 200 stored (or a duplicate of a stored delivery, or a topic the connector
//! ignores), 404 unknown plugin (or not a connector), 413 body over `server.max_body_bytes`,
//! 401/400/412 when the connector rejects the request (nothing is stored), 500 when the
//! connector is misconfigured or broke a limit, 503 when it timed out, a dependency is
//! unavailable, or storage failed — so the marketplace retries. A delivery on which the
//! connector failed is kept (bounded) for `helloword replay`.
//!
//! A delivery whose signature verified but that the connector cannot read (it called
//! `delivery.verified-unreadable` and refused with `bad-request`) is kept the same way and
//! answered 202: refusing it would make the marketplace retry it and in the end disable the
//! subscription, and the case in it would be lost. A ticket about it alerts the seller
//! ([`unreadable`]); `helloword replay` runs it again once the connector is fixed.

pub mod attachments;
pub mod poll;
pub mod replay;
pub mod unreadable;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, StatusCode};
use tracing::Instrument as _;

use crate::plugin::bindings::connector_api::{
    IncomingRequest, Reply, WebhookError, WebhookOutcome,
};
use crate::plugin::{PluginError, PluginKind};
use crate::store::{Appended, InboxRecord, InboxState, NewDelivery};
use crate::web::{App, Body, error, json};

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
    let incoming = incoming_request(&parts, sub_path, &body);
    // On the plugin-call threads (see `plugin::executor`), in this delivery's trace.
    let span = tracing::Span::current();
    let called = app
        .webhook_calls
        .run(move || {
            async move {
                let verdict = plugin.handle_webhook_verdict(&incoming).await;
                (incoming, verdict)
            }
            .instrument(span)
        })
        .await;
    let Ok((incoming, verdict)) = called else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "plugin-unavailable",
            &format!(
                "the call into plugin `{id}` was lost; the delivery was not stored, so send it again"
            ),
        );
    };
    let outcome = match verdict {
        Ok(verdict) => match verdict.unreadable() {
            Some(why) => return unreadable::keep(app, id, &incoming, &body, why).await,
            None => Ok(verdict.outcome),
        },
        Err(failure) => Err(failure),
    };
    accept(app, id, &incoming, &parts.headers, &body, outcome).await
}

/// The delivery id `id` as the bytes received, when they were not UTF-8. The connector sees
/// header values with U+FFFD in place of bytes that are not UTF-8, so two ids that differ
/// only there would look alike; the id is matched back to the header it came from, whose
/// bytes then stand for it.
fn raw_delivery_id(id: &str, headers: &hyper::HeaderMap) -> Option<Vec<u8>> {
    if !id.contains(char::REPLACEMENT_CHARACTER) {
        return None;
    }
    let lossy = headers
        .values()
        .filter(|v| std::str::from_utf8(v.as_bytes()).is_err())
        .map(|v| (v.as_bytes(), String::from_utf8_lossy(v.as_bytes())));
    let mut containing = None;
    for (raw, text) in lossy {
        if text == id {
            return Some(raw.to_vec());
        }
        if containing.is_none() && text.contains(id) {
            containing = Some(raw.to_vec());
        }
    }
    containing
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

/// Act on what connector `id` made of `incoming`: store its events durably and answer, send
/// its reply, or refuse (keeping a delivery the connector failed on for replay).
pub async fn accept(
    app: &App,
    id: &str,
    incoming: &IncomingRequest,
    raw_headers: &hyper::HeaderMap,
    body: &Bytes,
    outcome: Result<Result<WebhookOutcome, WebhookError>, PluginError>,
) -> Response<Full<Bytes>> {
    let record = |events, state| InboxRecord {
        v: 0,
        plugin: id.to_string(),
        received_at: jiff::Timestamp::now(),
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        query: incoming.query.clone(),
        headers: incoming.headers.clone(),
        delivery_id: None,
        events,
        state,
        trace: crate::telemetry::traceparent(&tracing::Span::current()),
    };
    match outcome {
        Ok(Ok(WebhookOutcome::Events(events))) => {
            let count = events.len();
            let mut inbox = record(events, InboxState::Verified);
            inbox.delivery_id = inbox.events.iter().find_map(|e| e.dedupe.delivery.clone());
            let raw_delivery_id = inbox
                .delivery_id
                .as_deref()
                .and_then(|id| raw_delivery_id(id, raw_headers));
            let commit = tracing::debug_span!(
                "store.commit",
                delivery.seq = tracing::field::Empty,
                delivery.duplicate = tracing::field::Empty,
            );
            let appended = app
                .store
                .append_delivery(NewDelivery {
                    record: inbox,
                    body,
                    raw_delivery_id,
                })
                .instrument(commit.clone())
                .await;
            if let Ok(Appended::Stored(seq) | Appended::Duplicate(seq)) = appended {
                commit.record("delivery.seq", seq);
                commit.record(
                    "delivery.duplicate",
                    matches!(appended, Ok(Appended::Duplicate(_))),
                );
                tracing::Span::current().record("delivery.seq", seq);
            }
            match appended {
                Ok(Appended::Stored(seq)) => {
                    app.inbox_notify.notify_one();
                    json(
                        StatusCode::OK,
                        &serde_json::json!({ "accepted": count, "delivery": seq }),
                    )
                }
                Ok(Appended::Duplicate(seq)) => json(
                    StatusCode::OK,
                    &serde_json::json!({ "accepted": 0, "duplicate_of": seq }),
                ),
                Err(e) => {
                    tracing::error!(message = "Cannot store a delivery.", plugin = id, error = %e);
                    error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "storage-unavailable",
                        &format!("the delivery could not be stored: {e}"),
                    )
                }
            }
        }
        Ok(Ok(WebhookOutcome::Reply(reply))) => plugin_reply(id, reply),
        Ok(Ok(WebhookOutcome::Ignored(topic))) => {
            // Not labelled with the topic: it may come from a part of the request that no
            // signature covers (Shopify's topic header), and every new value would be a new
            // series.
            app.metrics.counter_add(
                "helloword_webhooks_ignored_total",
                "Deliveries acknowledged without a ticket, by plugin.",
                &[("plugin", id)],
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
            let kept = app
                .store
                .append_unverified(
                    record(
                        Vec::new(),
                        InboxState::Unverified {
                            error: failure.to_string(),
                        },
                    ),
                    body,
                )
                .await;
            if !matches!(kept, Ok(Some(_))) {
                tracing::warn!(
                    message = "A delivery the connector failed on was not kept for replay.",
                    plugin = id,
                    reason = %kept.map_or_else(|e| e.to_string(), |_| "the replay buffer is full".into())
                );
            }
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

#[cfg(test)]
mod tests {
    use super::raw_delivery_id;

    fn headers(pairs: &[(&str, &[u8])]) -> hyper::HeaderMap {
        let mut map = hyper::HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                hyper::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn an_id_that_is_utf8_is_its_own_bytes() {
        let map = headers(&[("x-id", b"w-\xff")]);
        assert_eq!(raw_delivery_id("w-1", &map), None);
    }

    #[test]
    fn an_id_with_bytes_that_are_not_utf8_is_the_header_it_came_from() {
        let map = headers(&[("x-other", b"a\xfe"), ("x-id", b"w-\xff")]);
        assert_eq!(
            raw_delivery_id("w-\u{FFFD}", &map),
            Some(b"w-\xff".to_vec())
        );
        // Part of a header: that header's bytes.
        let map = headers(&[("x-id", b"id=w-\xfe; v=1")]);
        assert_eq!(
            raw_delivery_id("w-\u{FFFD}", &map),
            Some(b"id=w-\xfe; v=1".to_vec())
        );
    }
}
