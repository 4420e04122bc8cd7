//! Response builders shared by every handler: JSON bodies and JSON errors that name the
//! problem.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

/// A JSON response.
pub fn json(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// A JSON error: `{"error": kind, "message": message}`.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        &serde_json::json!({ "error": kind, "message": message }),
    )
}
