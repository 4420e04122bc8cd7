//! A stand-in for eBay's APIs on 127.0.0.1: one HTTP/1.1 request per connection, each
//! answered by a route function and recorded, so tests can assert exactly what eBay would
//! receive.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name` (lower case).
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

type Answer = Box<dyn Fn(&Received) -> (u16, Vec<u8>) + Send + Sync>;

/// A running stand-in.
pub struct StandIn {
    port: u16,
    log: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    /// Serve `answer` on a fresh loopback port.
    pub async fn start(
        answer: impl Fn(&Received) -> (u16, Vec<u8>) + Send + Sync + 'static,
    ) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(Box::new(answer));
        let shared = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (answer, log) = (answer.clone(), shared.clone());
                tokio::spawn(async move { exchange(stream, &answer, &log).await });
            }
        });
        StandIn { port, log }
    }

    /// A stand-in answering `(method, target)` pairs from a table, 404 otherwise.
    pub async fn table(entries: Vec<(&'static str, String, u16, Vec<u8>)>) -> StandIn {
        StandIn::start(move |r| {
            entries
                .iter()
                .find(|(m, t, ..)| *m == r.method && *t == r.target)
                .map(|(.., status, body)| (*status, body.clone()))
                .unwrap_or((
                    404,
                    br#"{"errors":[{"message":"no such resource"}]}"#.to_vec(),
                ))
        })
        .await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, for `allowed_hosts`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.log.lock().expect("not poisoned").clone()
    }

    /// "METHOD target" of everything received.
    pub fn lines(&self) -> Vec<String> {
        self.received().iter().map(Received::line).collect()
    }
}

async fn exchange(mut stream: TcpStream, answer: &Answer, log: &Mutex<Vec<Received>>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_len = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_len]).into_owned();
    let mut lines = head.lines();
    let first: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[head_len..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    let received = Received {
        method: first.first().unwrap_or(&"").to_string(),
        target: first.get(1).unwrap_or(&"").to_string(),
        headers,
        body,
    };
    let (status, reply) = answer(&received);
    log.lock().expect("not poisoned").push(received);
    let head = format!(
        "HTTP/1.1 {status} Stand-in\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reply.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}
