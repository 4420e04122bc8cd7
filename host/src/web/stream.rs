//! `GET /api/stream`: server-sent events for dashboards — every alert on the `app` channel
//! as it is delivered (`event: alert`), with a comment every 15 s to keep proxies from
//! closing the connection.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};

use super::App;

/// The stream, or 401 without a valid token.
pub fn handle(app: &App, req: &Request<Incoming>) -> Response<BoxBody<Bytes, Infallible>> {
    if super::api::authenticate(app, req).is_none() {
        return super::error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer <token>` with a token from [api.tokens]",
        )
        .map(|b| b.boxed());
    }
    let receiver = app.live.subscribe();
    let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
    heartbeat.reset();
    let frames = futures_util::stream::unfold(
        (receiver, heartbeat, true),
        |(mut receiver, mut heartbeat, first)| async move {
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
                (receiver, heartbeat, false),
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
