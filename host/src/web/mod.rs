//! The HTTP front: one hyper server for webhooks, health, readiness and metrics.
//!
//! [`run`] takes a bound listener (tests bind `127.0.0.1:0`) and a shutdown future; on
//! shutdown it stops accepting and lets requests in flight finish.

pub mod access;
mod actions_api;
mod api;
pub mod intake;
mod ops_api;
pub mod rate;
mod replies_api;
mod reports_api;
mod respond;
mod stream;
pub mod tls;
mod ui;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub use respond::{error, json};

use crate::plugin::PluginSet;
use crate::telemetry::Metrics;

/// Everything a request handler needs.
pub struct App {
    /// Loaded plugins.
    pub plugins: Arc<PluginSet>,
    /// Metrics registry.
    pub metrics: Metrics,
    /// Largest request body accepted.
    pub max_body_bytes: u64,
    /// Whether start-up has finished (readiness).
    pub ready: AtomicBool,
    /// The store.
    pub store: crate::store::Store,
    /// Wakes the ticket engine when a delivery is stored.
    pub inbox_notify: Arc<tokio::sync::Notify>,
    /// The ticket engine.
    pub engine: Arc<crate::tickets::Engine>,
    /// Admin API tokens: (who, token).
    pub api_tokens: Vec<access::ApiToken>,
    /// Request-rate limits per client.
    pub rate: RateLimits,
    /// Serve HTTPS with this, when `server.tls_cert` is set.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Drafts, the compliance guard, translation.
    pub replies: Arc<crate::replies::Replies>,
    /// The translator plugin to prefer (`[replies] translator`).
    pub translator: Option<String>,
    /// Live updates for `GET /api/stream`.
    pub live: crate::alerts::send::LiveSender,
    /// Where evidence files are kept.
    pub files_dir: std::path::PathBuf,
    /// Polls connectors for what their marketplace does not push.
    pub poller: std::sync::Arc<crate::ingest::poll::Poller>,
    /// When this gateway started (a restart in place for compaction starts a new one).
    pub started_at: jiff::Timestamp,
    /// Asks `helloword serve` to reopen the store now and compact it
    /// ([`crate::gateway::run`]).
    pub compact_now: Arc<tokio::sync::Notify>,
    /// The threads webhook calls into connectors run on.
    pub webhook_calls: Arc<crate::plugin::Executor>,
}

/// The per-client request-rate limits ([`rate`]).
pub struct RateLimits {
    /// Admin API and dashboard requests.
    pub api: rate::Limiter,
    /// Sign-in attempts.
    pub sign_in: rate::Limiter,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// 429 when `limiter` has no room for the request's client.
fn over_limit(
    app: &App,
    req: &Request<Incoming>,
    limiter: &rate::Limiter,
    what: &str,
) -> Option<Response<Full<Bytes>>> {
    let client = rate::client(
        req.extensions().get::<rate::Peer>().copied(),
        req.headers(),
        &app.rate.trusted_proxies,
    )?;
    let wait = limiter.take(client, std::time::Instant::now()).err()?;
    let seconds = wait.as_secs() + 1;
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        &format!("too many {what} from {client}; try again in {seconds} s"),
    );
    response
        .headers_mut()
        .insert(hyper::header::RETRY_AFTER, seconds.into());
    Some(response)
}

/// How long a client has for the TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Serve HTTP/1.1 on one accepted connection (plain or TLS) until it ends or the gateway
/// drains.
async fn serve_connection<S>(
    io: S,
    app: Arc<App>,
    peer: std::net::SocketAddr,
    over_tls: bool,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(rate::Peer(peer));
        if over_tls {
            req.extensions_mut().insert(tls::OverTls);
        }
        let app = app.clone();
        async move {
            if req.method() == Method::GET && req.uri().path() == "/api/stream" {
                return Ok::<_, Infallible>(stream::handle(&app, &req));
            }
            Ok::<_, Infallible>(route(&app, req).await.map(BodyExt::boxed))
        }
    });
    let conn = http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(message = "Connection ended with an error.", error = %e);
    }
}

/// How long requests in flight may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `shutdown` resolves, then drain.
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    app.ready.store(true, Ordering::SeqCst);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(message = "Accept failed.", error = %e);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    match app.tls.clone() {
                        None => serve_connection(stream, app, peer, false, watcher).await,
                        Some(acceptor) => {
                            match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                                Ok(Ok(tls)) => serve_connection(tls, app, peer, true, watcher).await,
                                Ok(Err(e)) => tracing::debug!(
                                    message = "TLS handshake failed.", peer = %peer, error = %e
                                ),
                                Err(_) => tracing::debug!(
                                    message = "TLS handshake timed out.", peer = %peer
                                ),
                            }
                        }
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    app.ready.store(false, Ordering::SeqCst);
    drop(listener);
    tracing::info!(message = "Shutting down; draining requests in flight.");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!(message = "Requests still in flight after the drain period; stopping anyway.");
        }
    }
    Ok(())
}

/// The metrics, with the gauges read from the store at scrape time (key scans, off the
/// async workers).
async fn metrics_text(app: &App) -> String {
    let store = app.store.clone();
    let metrics = app.metrics.clone();
    let scan = tokio::task::spawn_blocking(move || {
        for severity in crate::tickets::sla::Severity::ALL {
            metrics.gauge_set(
                "helloword_queue_depth",
                "Open tickets waiting, by severity.",
                &[("severity", severity.as_str())],
                store.queue_depth(severity) as i64,
            );
        }
        metrics.gauge_set(
            "helloword_outbox_backlog",
            "Outbox actions not yet carried out (queued, sending, or waiting for a retry).",
            &[],
            store.outbox_backlog() as i64,
        );
    });
    let _ = scan.await;
    app.metrics.render()
}

async fn route(app: &App, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let limited = ["/api", "/ui", "/upload/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    if limited && let Some(refusal) = over_limit(app, &req, &app.rate.api, "requests") {
        return refusal;
    }
    if req.method() == Method::POST
        && path == "/ui/session"
        && let Some(refusal) = over_limit(app, &req, &app.rate.sign_in, "sign-in attempts")
    {
        return refusal;
    }
    match (req.method(), path.as_str()) {
        (&Method::GET, "/healthz") => json(
            StatusCode::OK,
            &serde_json::json!({"status": "ok", "started_at": app.started_at}),
        ),
        (&Method::GET, "/readyz") => readiness(app),
        (&Method::GET, "/metrics") => Response::builder()
            .header("content-type", "text/plain; version=0.0.4")
            .body(Full::new(Bytes::from(metrics_text(app).await)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
        (_, p) if p.starts_with("/hooks/") => crate::ingest::webhook(app, req).await,
        (_, p) if p.starts_with("/upload/") => {
            let dir = app.files_dir.clone();
            intake::handle(app, req, &dir).await
        }
        (_, p) if p == "/api" || p.starts_with("/api/") => api::handle(app, req).await,
        (_, p) if p == "/" || p == "/ui" || p.starts_with("/ui/") => ui::handle(app, req).await,
        _ => error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no route for {} {path}", req.method()),
        ),
    }
}

fn readiness(app: &App) -> Response<Full<Bytes>> {
    let statuses = app.plugins.statuses();
    let failed: Vec<String> = statuses.iter().filter_map(|s| s.error.clone()).collect();
    // Not ready while the store refuses writes: a load balancer sends webhooks elsewhere.
    let store = app.store.health();
    let ready = app.ready.load(Ordering::SeqCst) && store.ok;
    let body = serde_json::json!({
        "ready": ready,
        "plugins_loaded": app.plugins.ids(),
        "plugin_errors": failed,
        "store": store,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, &body)
}
