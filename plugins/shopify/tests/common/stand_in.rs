//! A loopback stand-in for the Shopify Admin API: HTTP/1.1 on 127.0.0.1, one request per
//! connection, answers chosen by a route function, every request recorded.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// "GET", "POST", ...
    pub method: String,
    /// Path and query, e.g. "/admin/api/2025-07/orders/1/refunds.json?limit=250".
    pub target: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the connector sends JSON")
    }

    /// "METHOD target".
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

type Route = dyn Fn(&Recorded) -> (u16, Vec<u8>) + Send + Sync;

/// A running stand-in.
pub struct StandIn {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl StandIn {
    /// Listen on 127.0.0.1:0 and answer each request with `route(request)`.
    pub async fn start(
        route: impl Fn(&Recorded) -> (u16, Vec<u8>) + Send + Sync + 'static,
    ) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let route: Arc<Route> = Arc::new(route);
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let route = route.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    serve(stream, &*route, &recorded).await;
                });
            }
        });
        StandIn { port, requests }
    }

    /// `http://127.0.0.1:<port>`, the connector's `api_base`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, to grant in `allowed_hosts`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("not poisoned").clone()
    }
}

async fn serve(mut stream: TcpStream, route: &Route, recorded: &Mutex<Vec<Recorded>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let target = request_line.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let request = Recorded {
        method,
        target,
        headers,
        body,
    };
    let (status, answer) = route(&request);
    recorded.lock().expect("not poisoned").push(request);
    let head = format!(
        "HTTP/1.1 {status} Stand-in\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}

/// A route that answers `(method, path)` with `(status, body)` and 404 otherwise.
pub fn routes(
    table: Vec<(&'static str, String, u16, Vec<u8>)>,
) -> impl Fn(&Recorded) -> (u16, Vec<u8>) + Send + Sync + 'static {
    move |r: &Recorded| {
        table
            .iter()
            .find(|(method, path, ..)| *method == r.method && *path == r.target)
            .map(|(.., status, body)| (*status, body.clone()))
            .unwrap_or((404, br#"{"errors":"Not Found"}"#.to_vec()))
    }
}
