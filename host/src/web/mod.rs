//! The HTTP front: one hyper server for webhooks, health, readiness and metrics.
//!
//! [`run`] takes a bound listener (tests bind `127.0.0.1:0`) and a shutdown future; on
//! shutdown it stops accepting and lets requests in flight finish.
//!
//! Every connection is admitted into the connection table ([`connections`]), which keeps
//! descriptors in reserve and closes idle connections to make room. Every request runs
//! under [`answer`]'s limits ([`limits`]): its headers within 10 s, its body by its deadline
//! ([`body`], 408), its answer within the request timeout (503); a panic in a handler is a
//! 500 for that request instead of a dropped connection (tower-http's `CatchPanic`), and the
//! dashboard's files go out gzip-compressed to browsers that accept it.

pub mod access;
mod actions_api;
mod api;
mod api_routes;
pub mod body;
pub mod connections;
pub mod hooks;
pub mod intake;
pub mod limits;
mod ops_api;
mod queue_api;
pub mod rate;
mod replies_api;
mod reports_api;
mod respond;
mod stream;
pub mod tls;
pub mod tokens;
mod ui;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub use body::Body;
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
    /// Timeouts and caps of the HTTP front (`[server.limits]`).
    pub limits: limits::Limits,
    /// Report settings (`[reports]`): the seller's SKU batches.
    pub reports: crate::reports::ReportsConfig,
}

/// The part of the application the agents' API works with: tickets and their engine, the
/// plugins, replies and evidence files. The tickets, actions, replies and reports handlers
/// get this (or less), not the whole [`App`].
#[derive(Clone, Copy)]
pub struct Desk<'a> {
    /// The store.
    pub store: &'a crate::store::Store,
    /// The ticket engine.
    pub engine: &'a Arc<crate::tickets::Engine>,
    /// Loaded plugins.
    pub plugins: &'a Arc<PluginSet>,
    /// Drafts, the compliance guard, translation.
    pub replies: &'a Arc<crate::replies::Replies>,
    /// The translator plugin to prefer (`[replies] translator`).
    pub translator: &'a Option<String>,
    /// Where evidence files are kept.
    pub files_dir: &'a std::path::Path,
}

impl App {
    /// The agents' part of the application.
    pub fn desk(&self) -> Desk<'_> {
        Desk {
            store: &self.store,
            engine: &self.engine,
            plugins: &self.plugins,
            replies: &self.replies,
            translator: &self.translator,
            files_dir: &self.files_dir,
        }
    }
}

/// The per-client request-rate limits ([`rate`]).
pub struct RateLimits {
    /// Admin API and dashboard requests.
    pub api: rate::Limiter,
    /// Sign-in attempts.
    pub sign_in: rate::Limiter,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Live streams (`GET /api/stream`) open per client.
    pub streams: Arc<rate::Slots>,
}

/// 429 when `limiter` has no room for the request's client.
fn over_limit(
    app: &App,
    req: &Request<Body>,
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
        &format!(
            "too many {what} from {}; try again in {seconds} s",
            rate::ClientKey::of(client)
        ),
    );
    response
        .headers_mut()
        .insert(hyper::header::RETRY_AFTER, seconds.into());
    Some(response)
}

/// How long a client has for the TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long a client has to send a request's headers.
const HEADERS: Duration = Duration::from_secs(10);

/// A response, whatever its body: JSON, a live stream, a file.
type Answer = Response<BoxBody<Bytes, Infallible>>;

/// Marks a response the server may gzip (a response extension): the dashboard's files,
/// which hold no secret. API answers are not compressed, so a CSRF token or session never
/// shares a compressed body with text an attacker chose (BREACH).
#[derive(Debug, Clone, Copy)]
pub struct Compressible;

/// Compress only responses marked [`Compressible`].
#[derive(Debug, Clone, Copy)]
struct OnlyCompressible;

impl tower_http::compression::Predicate for OnlyCompressible {
    fn should_compress<B: hyper::body::Body>(&self, response: &Response<B>) -> bool {
        response.extensions().get::<Compressible>().is_some()
    }
}

/// The 500 for a request whose handler panicked (the panic hook has already logged where).
#[derive(Debug, Clone, Copy)]
struct Panicked;

impl tower_http::catch_panic::ResponseForPanic for Panicked {
    type ResponseBody = Full<Bytes>;

    fn response_for_panic(
        &mut self,
        panic: Box<dyn std::any::Any + Send + 'static>,
    ) -> Response<Full<Bytes>> {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(message = "A request handler panicked; the request got a 500.", panic = %what);
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-error",
            "the gateway failed on this request; its log says why",
        )
    }
}

/// The layers around every request's handler: a panic becomes a 500 for that request, and
/// responses marked [`Compressible`] are gzip-compressed for clients that accept it.
fn layered<S>(
    handler: S,
) -> tower_http::catch_panic::CatchPanic<
    tower_http::compression::Compression<S, OnlyCompressible>,
    Panicked,
> {
    use tower::Layer as _;
    let compression =
        tower_http::compression::CompressionLayer::new().compress_when(OnlyCompressible);
    tower_http::catch_panic::CatchPanicLayer::custom(Panicked).layer(compression.layer(handler))
}

/// Serve HTTP/1.1 on one accepted connection (plain or TLS) until it ends or the gateway
/// drains.
async fn serve_connection<S>(
    io: S,
    app: Arc<App>,
    peer: std::net::SocketAddr,
    over_tls: bool,
    watcher: hyper_util::server::graceful::Watcher,
    connection: Arc<connections::Connection>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let handler = tower::service_fn(move |req: Request<Incoming>| {
        let app = app.clone();
        let connection = connection.clone();
        async move { Ok::<_, Infallible>(answer(&app, req, peer, over_tls, &connection).await) }
    });
    let service = hyper_util::service::TowerToHyperService::new(layered(handler));
    let conn = http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADERS)
        .serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(message = "Connection ended with an error.", error = %e);
    }
}

/// Answer one request under the limits: its body must arrive by its deadline (408 when it
/// does not) and its answer within the request timeout (503); uploads have their own, longer
/// time for both. Either refusal closes the connection.
async fn answer(
    app: &App,
    req: Request<Incoming>,
    peer: std::net::SocketAddr,
    over_tls: bool,
    connection: &Arc<connections::Connection>,
) -> Answer {
    let limits = &app.limits;
    let (body_time, request_time) = if req.uri().path().starts_with("/upload/") {
        (limits.upload_timeout, limits.upload_timeout)
    } else {
        (limits.body_timeout, limits.request_timeout)
    };
    connection.set(if hyper::body::Body::is_end_stream(req.body()) {
        connections::Phase::Working
    } else {
        connections::Phase::Receiving
    });
    let body_timed_out = Arc::new(AtomicBool::new(false));
    let mut req = req.map(|incoming| {
        Body::new(
            incoming,
            body_time,
            body_timed_out.clone(),
            Some(connection.clone()),
        )
    });
    req.extensions_mut().insert(rate::Peer(peer));
    if over_tls {
        req.extensions_mut().insert(tls::OverTls);
    }
    let answered = tokio::time::timeout(request_time, dispatch(app, req)).await;
    connection.set(connections::Phase::Waiting);
    let (status, kind, message) = match answered {
        Ok(response) if !body_timed_out.load(Ordering::SeqCst) => return response,
        _ if body_timed_out.load(Ordering::SeqCst) => (
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            format!(
                "the request body did not arrive within {} s",
                body_time.as_secs()
            ),
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "request-timeout",
            format!(
                "the request was not answered within {} s; try again",
                request_time.as_secs()
            ),
        ),
    };
    app.metrics.counter_add(
        "helloword_http_timeouts_total",
        "Requests cut off by a limit of [server.limits]: a body too slow, an answer too late.",
        &[("kind", kind)],
        1,
    );
    let mut response = error(status, kind, &message);
    response.headers_mut().insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    response.map(BodyExt::boxed)
}

/// The live stream, which answers with a body that does not end, or any other route.
async fn dispatch(app: &App, req: Request<Body>) -> Answer {
    if req.method() == Method::GET && req.uri().path() == "/api/stream" {
        // Limited like the rest of the API: a stream request is a request too.
        if let Some(refusal) = over_limit(app, &req, &app.rate.api, "requests") {
            return refusal.map(BodyExt::boxed);
        }
        return stream::handle(app, &req);
    }
    route(app, req).await.map(BodyExt::boxed)
}

/// How long requests in flight may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serve `app` on `listener` until `shutdown` resolves, then drain.
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let file_limit = connections::raise_file_limit();
    let cap = app
        .limits
        .max_connections
        .unwrap_or_else(|| connections::default_cap(file_limit));
    let table = connections::Table::new(cap);
    tracing::info!(
        message = "Connections are capped.",
        max_connections = cap,
        open_file_limit = ?file_limit
    );
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
                let Some(admitted) = admit(&app, &table) else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let connection = admitted.connection.clone();
                    let serve = async {
                        match app.tls.clone() {
                            None => serve_connection(stream, app, peer, false, watcher, connection.clone()).await,
                            Some(acceptor) => {
                                match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                                    Ok(Ok(tls)) => serve_connection(tls, app, peer, true, watcher, connection.clone()).await,
                                    Ok(Err(e)) => tracing::debug!(
                                        message = "TLS handshake failed.", peer = %peer, error = %e
                                    ),
                                    Err(_) => tracing::debug!(
                                        message = "TLS handshake timed out.", peer = %peer
                                    ),
                                }
                            }
                        }
                    };
                    tokio::select! {
                        () = serve => {}
                        () = connection.closed() => tracing::debug!(
                            message = "Closed a connection to make room for a new one.", peer = %peer
                        ),
                    }
                    drop(admitted);
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

/// A place in `table` for a new connection, counting what making room cost; `None` (the
/// connection is dropped) when every open connection is working on a request.
fn admit(app: &App, table: &Arc<connections::Table>) -> Option<connections::Admitted> {
    let (admitted, closed) = match table.admit() {
        connections::Admission::Admitted(admitted) => (Some(admitted), None),
        connections::Admission::MadeRoom(admitted, phase) => (
            Some(admitted),
            Some(match phase {
                connections::Phase::Receiving => "receiving",
                _ => "waiting",
            }),
        ),
        connections::Admission::Full => (None, Some("refused")),
    };
    if let Some(what) = closed {
        app.metrics.counter_add(
            "helloword_connections_shed_total",
            "Connections closed at the connection cap: an older waiting or receiving one to \
             make room, or the new one when all were working.",
            &[("connection", what)],
            1,
        );
    }
    admitted
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

async fn route(app: &App, req: Request<Body>) -> Response<Full<Bytes>> {
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
        (_, p) if p.starts_with("/hooks/") => hooks::webhook(app, req).await,
        (_, p) if p.starts_with("/upload/") => {
            let desk = app.desk();
            intake::handle(&desk, req, desk.files_dir).await
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

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn a_handler_that_panics_answers_500_and_only_marked_responses_are_gzipped() {
        let handler = tower::service_fn(|req: Request<()>| async move {
            assert_ne!(req.uri().path(), "/panic", "a bug in a handler");
            let mut response = Response::new(Full::new(Bytes::from(vec![b'a'; 4096])));
            if req.uri().path() == "/file" {
                response.extensions_mut().insert(Compressible);
            }
            Ok::<_, Infallible>(response)
        });
        let service = layered(handler);
        let get = |path: &str| {
            Request::get(path)
                .header("accept-encoding", "gzip")
                .body(())
                .unwrap()
        };
        let response = service.oneshot(get("/panic")).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "internal-error");

        let response = service.oneshot(get("/file")).await.unwrap();
        assert_eq!(response.headers()["content-encoding"], "gzip");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(
            body.len() < 100,
            "4 KB of one letter gzips small: {}",
            body.len()
        );

        let response = service.oneshot(get("/api")).await.unwrap();
        assert!(response.headers().get("content-encoding").is_none());
        assert_eq!(
            response
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .len(),
            4096
        );
    }
}
