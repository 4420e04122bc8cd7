//! A loopback HTTP server answering every request with a function of its method, target
//! (path and query) and body: the shell of the marketplace stand-ins whose answers fit in
//! one function (the bigger ones, such as `shopify_admin`, keep their own).

use std::sync::Arc;

use http_body_util::{BodyExt, Full};

/// What a stand-in sees of a request.
pub struct Seen<'a> {
    /// "GET", "POST", ...
    pub method: &'a str,
    /// Path and query.
    pub target: &'a str,
    /// The `authorization` header, if sent.
    pub authorization: Option<&'a str>,
    /// The body as sent.
    pub body: &'a [u8],
}

/// Serve `answer` (status, JSON body) on a fresh loopback port; returns the port.
pub async fn serve(answer: impl Fn(Seen<'_>) -> (u16, String) + Send + Sync + 'static) -> u16 {
    let answer = Arc::new(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let answer = answer.clone();
                        async move {
                            let method = req.method().to_string();
                            let target = req
                                .uri()
                                .path_and_query()
                                .map(|p| p.to_string())
                                .unwrap_or_default();
                            let authorization = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string);
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let (status, text) = answer(Seen {
                                method: &method,
                                target: &target,
                                authorization: authorization.as_deref(),
                                body: &body,
                            });
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(bytes::Bytes::from(text)))
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}
