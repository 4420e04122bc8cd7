//! `GET /api/stream`: server-sent events for dashboards — every alert on the `app` channel
//! as it is delivered (`event: alert`), with a comment every 15 s to keep proxies from
//! closing the connection.
//!
//! A stream request counts against the API's rate limit like any other (`web::dispatch`),
//! and one client holds at most `server.limits.streams_per_client` streams open: a stream
//! lasts, so without a cap one client could hold every connection the gateway has.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::{Request, Response, StatusCode};

use super::{App, Body, rate};

/// The stream; 401 without a valid token, 429 when the client already holds its streams.
pub fn handle(app: &App, req: &Request<Body>) -> Response<BoxBody<Bytes, Infallible>> {
    if super::api::authenticate(app, req).is_none() {
        return super::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer <token>` with a token from [api.tokens]",
        )
        .map(|b| b.boxed());
    }
    let client = rate::client(
        req.extensions().get::<rate::Peer>().copied(),
        req.headers(),
        &app.rate.trusted_proxies,
    );
    let slot = match client {
        Some(client) => match app.rate.streams.take(client) {
            Some(slot) => Some(slot),
            None => {
                let mut refusal = super::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-streams",
                    &format!(
                        "{} already has {} live streams open (server.limits.streams_per_client); \
                         close one",
                        rate::ClientKey::of(client),
                        app.rate.streams.max()
                    ),
                );
                refusal
                    .headers_mut()
                    .insert(hyper::header::RETRY_AFTER, 15.into());
                return refusal.map(|b| b.boxed());
            }
        },
        None => None,
    };
    let receiver = app.live.subscribe();
    let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
    heartbeat.reset();
    // The slot goes with the stream: it is given back when the connection closes.
    let frames = futures_util::stream::unfold(
        (receiver, heartbeat, true, slot),
        |(mut receiver, mut heartbeat, first, slot)| async move {
            let frame = if first {
                Bytes::from_static(b": connected\n\n")
            } else {
                tokio::select! {
                    message = receiver.recv() => match message {
                        Ok(text) => {
                            let kind = serde_json::from_str::<serde_json::Value>(&text)
                                .ok()
                                .and_then(|v| v["type"].as_str().map(str::to_string))
                                .unwrap_or_else(|| "message".into());
                            Bytes::from(format!("event: {kind}\ndata: {text}\n\n"))
                        }
                        // A slow reader missed some: say so, keep going.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            Bytes::from(format!("event: lagged\ndata: {{\"missed\": {n}}}\n\n"))
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = heartbeat.tick() => Bytes::from_static(b": keep-alive\n\n"),
                }
            };
            Some((
                Ok::<_, Infallible>(Frame::data(frame)),
                (receiver, heartbeat, false, slot),
            ))
        },
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(BodyExt::boxed(StreamBody::new(frames)))
        .unwrap_or_else(|_| Response::new(BodyExt::boxed(http_body_util::Full::new(Bytes::new()))))
}
