//! A stand-in for a marketplace's HTTP API on a loopback port, so a connector's actions can
//! be tested without the network: the test decides every answer and sees every request the
//! plugin sent through the host (secret headers included, as the marketplace would).
//!
//! ```no_run
//! # async fn t() -> anyhow::Result<()> {
//! use helloword_testkit::{Answer, StandIn, TestKit};
//! let api = StandIn::start(|req| match (req.method.as_str(), req.path.as_str()) {
//!     ("GET", "/orders/1") => Answer::json(200, &serde_json::json!({"id": 1})),
//!     _ => Answer::status(404),
//! })
//! .await?;
//! let kit = TestKit::new()
//!     .with_allowed_host(&api.host())
//!     .with_config("api_base", &api.url());
//! // ... run the plugin, then look at what it sent:
//! assert_eq!(api.requests().len(), 1);
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request the stand-in received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// HTTP method, upper case.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Raw query string without the "?", empty when absent.
    pub query: String,
    /// Headers as received (names in lower case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The body as JSON, for asserting on what a plugin sent: panics (failing the test)
    /// when the body is not JSON, where [`Recorded::json`] would give `Value::Null`.
    pub fn expect_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} sent a body that is not JSON ({e}): {:?}",
                self.line(),
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The request target: the path, then `?` and the query when there is one.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// `METHOD target`, e.g. `POST /orders/1/refunds?notify=true`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target())
    }
}

/// What the stand-in answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A JSON answer whose text is written already (a fixture's exact bytes, say), sent
    /// as it is: nothing is parsed or re-serialized, so every digit and key order stays.
    pub fn json_text(status: u16, text: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: text.into(),
        }
    }

    /// An answer with an empty body.
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same answer with `body` as its body (e.g. a report file that is not JSON).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Answer {
        self.body = body.into();
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Answer + Send + Sync;

/// An HTTP/1.1 server on `127.0.0.1` (a free port) answering with a test's function. It
/// stops when dropped.
pub struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl StandIn {
    /// Start answering every request with `handler`. Keep state the answers depend on (what
    /// was created, for example) inside the handler behind a `Mutex`.
    pub async fn start<F>(handler: F) -> std::io::Result<StandIn>
    where
        F: Fn(&Recorded) -> Answer + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn(serve(listener, handler, Arc::clone(&seen)));
        Ok(StandIn { addr, seen, task })
    }

    /// Start answering from a table of `(method, target, answer)`: a request gets the
    /// answer of the first entry whose method and target (as [`Recorded::target`]) are
    /// its own, and `otherwise` (the marketplace's "not found", say) when none is.
    pub async fn table(
        entries: Vec<(&'static str, String, Answer)>,
        otherwise: Answer,
    ) -> std::io::Result<StandIn> {
        StandIn::start(move |req| {
            let target = req.target();
            entries
                .iter()
                .find(|(method, t, _)| *method == req.method && *t == target)
                .map_or_else(|| otherwise.clone(), |(.., answer)| answer.clone())
        })
        .await
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:<port>`, to grant with [`TestKit::with_allowed_host`](crate::TestKit::with_allowed_host).
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:<port>`, the base URL to configure the plugin with.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// [`Recorded::line`] of every request received so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }

    /// Forget the requests received so far (to look at the next step of a test alone).
    pub fn clear(&self) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, handler: Arc<Handler>, seen: Arc<Mutex<Vec<Recorded>>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handler = Arc::clone(&handler);
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                async move { Ok::<_, Infallible>(answer(req, &*handler, &seen).await) }
            });
            // A connection the client drops half-way is no concern of the test's.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    req: hyper::Request<Incoming>,
    handler: &Handler,
    seen: &Mutex<Vec<Recorded>>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let recorded = Recorded {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
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
        body,
    };
    let reply = handler(&recorded);
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(recorded);
    let mut response = hyper::Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_and_records_requests() {
        let api = StandIn::start(|req| {
            Answer::json(201, &serde_json::json!({"echo": req.json()})).with_header("x-a", "1")
        })
        .await
        .unwrap();
        let (status, head, body) = raw_post(api.addr(), "/things?x=1", br#"{"n":1}"#).await;
        assert_eq!(status, 201);
        assert!(head.to_ascii_lowercase().contains("x-a: 1"), "{head}");
        assert_eq!(body, r#"{"echo":{"n":1}}"#);
        let seen = api.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].path, "/things");
        assert_eq!(seen[0].query, "x=1");
        assert_eq!(seen[0].header("Content-Type"), Some("application/json"));
    }

    #[tokio::test]
    async fn a_table_answers_by_method_and_target_and_clear_forgets() {
        let api = StandIn::table(
            vec![(
                "POST",
                "/things?x=1".to_string(),
                Answer::json_text(201, r#"{"n":1.50}"#),
            )],
            Answer::json_text(404, r#"{"errors":"Not Found"}"#),
        )
        .await
        .unwrap();
        let (status, head, body) = raw_post(api.addr(), "/things?x=1", b"{}").await;
        assert_eq!(status, 201);
        assert!(head.contains("application/json"), "{head}");
        assert_eq!(body, r#"{"n":1.50}"#, "sent as written");
        let (status, _, body) = raw_post(api.addr(), "/things", b"not JSON").await;
        assert_eq!(status, 404);
        assert_eq!(body, r#"{"errors":"Not Found"}"#);
        assert_eq!(api.lines(), ["POST /things?x=1", "POST /things"]);
        let seen = api.requests();
        assert_eq!(seen[0].target(), "/things?x=1");
        assert_eq!(seen[0].expect_json(), serde_json::json!({}));
        assert_eq!(seen[1].target(), "/things");
        assert_eq!(seen[1].json(), serde_json::Value::Null);
        let not_json = std::panic::catch_unwind(|| seen[1].expect_json());
        assert!(
            not_json.is_err(),
            "expect_json fails on a body that is not JSON"
        );
        api.clear();
        assert!(api.requests().is_empty());
    }

    /// A plain HTTP/1.1 exchange, so the test needs no client library.
    async fn raw_post(addr: SocketAddr, target: &str, body: &[u8]) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {target} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head[9..12].parse().unwrap();
        (status, head.to_string(), body.to_string())
    }
}
