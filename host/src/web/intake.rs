//! Evidence intake: a signed, expiring upload page per ticket, for marketplaces whose rules
//! allow sending the buyer a link (a Shopify store, the seller's own e-mail). Files are
//! checked by their content (JPEG, PNG, WebP, HEIC, PDF, MP4/MOV) and size, stored with the
//! ticket in the data folder, listed for the agent and named in evidence packets.
//!
//! `GET /upload/<ticket>?exp=<unix>&sig=<hex>` serves the page; the page `PUT`s each file to
//! `/upload/<ticket>/<name>?exp=…&sig=…`. The signature is an HMAC of the ticket and the
//! expiry with a key the gateway keeps in its store.
//!
//! An upload goes to disk as it arrives (`store::files::Writing`): holding whole bodies in memory let
//! 12 concurrent 49 MB uploads grow the gateway by 900 MB. The 20-files cap is checked when
//! an upload starts (counting the uploads still arriving) and again under the ticket
//! engine's writer lock when its record is committed, so concurrent uploads cannot pass it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::Body;

use super::{Desk, error, json};
use crate::store::Store;
use crate::tickets::model::Happening;

use crate::store::files::Writing;
pub use helloword_model::files::{
    EvidenceFile, MAX_DOCUMENT_BYTES, MAX_FILES_PER_TICKET, MAX_VIDEO_BYTES, Refusal,
};

fn key(store: &Store) -> Result<Vec<u8>, String> {
    store
        .secret_key("upload_link_key")
        .map_err(|e| e.to_string())
}

fn signature(key: &[u8], ticket: u64, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("upload:{ticket}:{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A link to ticket `ticket`'s upload page, valid until `expires`.
pub fn link(store: &Store, ticket: u64, expires: jiff::Timestamp) -> Result<String, String> {
    let exp = expires.as_second();
    Ok(format!(
        "/upload/{ticket}?exp={exp}&sig={}",
        signature(&key(store)?, ticket, exp)
    ))
}

/// Check `?exp=…&sig=…` for `ticket`: the refusal, if any.
fn refusal(desk: &Desk<'_>, ticket: u64, query: &str) -> Option<Response<Full<Bytes>>> {
    let mut exp = None;
    let mut sig = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "exp" => exp = v.parse::<i64>().ok(),
            "sig" => sig = Some(v.into_owned()),
            _ => {}
        }
    }
    let (Some(exp), Some(sig)) = (exp, sig) else {
        return Some(error(
            StatusCode::FORBIDDEN,
            "bad-link",
            "this upload link is incomplete; ask the seller for a new one",
        ));
    };
    let key = match key(desk.store) {
        Ok(k) => k,
        Err(e) => {
            return Some(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage-unavailable",
                &e,
            ));
        }
    };
    let expected = signature(&key, ticket, exp);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        sig.as_bytes(),
    )) {
        return Some(error(
            StatusCode::FORBIDDEN,
            "bad-link",
            "this upload link is not valid; ask the seller for a new one",
        ));
    }
    if jiff::Timestamp::now().as_second() > exp {
        return Some(error(
            StatusCode::GONE,
            "link-expired",
            "this upload link has expired; ask the seller for a new one",
        ));
    }
    None
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Send photos or videos</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
li{margin:.3rem 0}</style></head>
<body><h1>Send photos or videos of the problem</h1>
<p>Choose photos (JPEG, PNG, HEIC, WebP), PDFs (up to 10 MB each) or videos (MP4, MOV, up to 50 MB).</p>
<input id="files" type="file" multiple accept="image/*,video/*,application/pdf">
<ul id="log"></ul>
<script nonce="{{nonce}}">
document.getElementById('files').addEventListener('change', async (e) => {
  const log = document.getElementById('log');
  for (const file of e.target.files) {
    const li = document.createElement('li');
    li.textContent = file.name + ': sending…';
    log.appendChild(li);
    const url = location.pathname + '/' + encodeURIComponent(file.name) + location.search;
    const res = await fetch(url, { method: 'PUT', body: file });
    const body = await res.json().catch(() => ({}));
    li.textContent = file.name + ': ' + (res.ok ? 'received, thank you' : (body.message || res.status));
  }
});
</script></body></html>"#;

/// `GET /upload/<ticket>` and `PUT /upload/<ticket>/<name>`.
pub async fn handle(
    desk: &Desk<'_>,
    req: Request<Body>,
    files_dir: &Path,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let parts: Vec<&str> = path.trim_start_matches("/upload/").split('/').collect();
    let Some(Ok(ticket)) = parts.first().map(|t| t.parse::<u64>()) else {
        return error(StatusCode::NOT_FOUND, "not-found", "no such upload page");
    };
    if let Some(refused) = refusal(desk, ticket, &query) {
        return refused;
    }
    match (req.method(), parts.as_slice()) {
        (&Method::GET, [_]) => {
            let nonce = hex::encode(&Sha256::digest(format!("{ticket}{query}").as_bytes())[..12]);
            Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .header(
                    "content-security-policy",
                    format!("default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self'"),
                )
                .header("x-content-type-options", "nosniff")
                .body(Full::new(Bytes::from(PAGE.replace("{{nonce}}", &nonce))))
                .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
        }
        (&Method::PUT, [_, name]) => {
            // A path segment: `+` is a plus and `&` a character, not a form's space and
            // field separator.
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            receive(desk, ticket, &name, req, files_dir).await
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "GET the page, PUT a file",
        ),
    }
}

/// Uploads still arriving, by files folder and ticket: they count against the cap before
/// their records exist.
static ARRIVING: LazyLock<Mutex<HashMap<(PathBuf, u64), usize>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// An upload counted in [`ARRIVING`] until dropped.
struct Arriving {
    key: (PathBuf, u64),
}

impl Arriving {
    /// Count an upload to `ticket` unless the ticket's `stored` files and those arriving
    /// reach the cap.
    fn start(files_dir: &Path, ticket: u64, stored: usize) -> Option<Arriving> {
        let key = (files_dir.to_path_buf(), ticket);
        let mut arriving = arriving();
        let count = arriving.entry(key.clone()).or_insert(0);
        if stored + *count >= MAX_FILES_PER_TICKET {
            if *count == 0 {
                arriving.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(Arriving { key })
    }
}

impl Drop for Arriving {
    fn drop(&mut self) {
        let mut arriving = arriving();
        if let Some(count) = arriving.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                arriving.remove(&self.key);
            }
        }
    }
}

fn arriving() -> std::sync::MutexGuard<'static, HashMap<(PathBuf, u64), usize>> {
    ARRIVING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn too_many_files() -> Response<Full<Bytes>> {
    error(
        StatusCode::CONFLICT,
        "too-many-files",
        &format!("this case already has {MAX_FILES_PER_TICKET} files"),
    )
}

fn unavailable(e: impl std::fmt::Display) -> Response<Full<Bytes>> {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage-unavailable",
        &e.to_string(),
    )
}

fn refused(refusal: Refusal) -> Response<Full<Bytes>> {
    match refusal {
        Refusal::Unsupported(_) => error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-file",
            "send a photo (JPEG, PNG, HEIC, WebP), a PDF or a video (MP4, MOV)",
        ),
        Refusal::TooLarge(m) => error(StatusCode::PAYLOAD_TOO_LARGE, "file-too-large", &m),
        Refusal::Storage(m) => unavailable(m),
    }
}

async fn receive(
    desk: &Desk<'_>,
    ticket: u64,
    name: &str,
    req: Request<Body>,
    files_dir: &Path,
) -> Response<Full<Bytes>> {
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_VIDEO_BYTES as u64) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file-too-large",
            &format!("files are at most {} MB", MAX_VIDEO_BYTES >> 20),
        );
    }
    let stored = match desk.store.files(ticket) {
        Ok(existing) => existing.len(),
        Err(e) => return unavailable(e),
    };
    let Some(arriving) = Arriving::start(files_dir, ticket, stored) else {
        return too_many_files();
    };
    let id = match desk.store.new_record_id() {
        Ok(id) => id,
        Err(e) => return unavailable(e),
    };
    let mut writing = Writing::new(files_dir, ticket, id);
    let mut body = req.into_body();
    let written = loop {
        match body.frame().await {
            None => break Ok(()),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref()
                    && let Err(refusal) = writing.write(data).await
                {
                    break Err(refused(refusal));
                }
            }
            Some(Err(e)) => {
                break Err(error(
                    StatusCode::BAD_REQUEST,
                    "body-unreadable",
                    &format!("cannot read the file: {e}"),
                ));
            }
        }
    };
    if let Err(refusal) = written {
        writing.abandon().await;
        return refusal;
    }
    let file = match writing.finish(name).await {
        Ok(file) => file,
        Err(refusal) => return refused(refusal),
    };
    let happening = Happening::EvidenceReceived {
        file: id,
        name: file.name.clone(),
        content_type: file.content_type.clone(),
        bytes: file.bytes,
    };
    let store = desk.store.clone();
    let record = crate::actions::Record::File(file.clone());
    // Counted as arriving until here, so that no upload is counted twice (arriving and
    // stored) and refused wrongly; one admitted in this moment is refused below instead.
    drop(arriving);
    // The cap again, under the engine's writer lock: the count and the new record commit
    // together.
    let committed = desk
        .engine
        .change_with_records(ticket, move |_, _| {
            if store.files(ticket)?.len() >= MAX_FILES_PER_TICKET {
                return Err(crate::tickets::engine::ChangeError::Invalid(
                    "too-many-files".into(),
                ));
            }
            Ok((vec![happening], vec![record]))
        })
        .await;
    let path = files_dir.join(ticket.to_string()).join(id.to_string());
    match committed {
        Ok(_) => json(StatusCode::CREATED, &serde_json::json!({ "file": file })),
        Err(e) => {
            // The record was not committed: its file goes too.
            let _ = tokio::fs::remove_file(&path).await;
            match e {
                crate::tickets::engine::ChangeError::Invalid(_) => too_many_files(),
                crate::tickets::engine::ChangeError::NoSuchTicket(_) => {
                    error(StatusCode::NOT_FOUND, "not-found", "no such case")
                }
                e => unavailable(e),
            }
        }
    }
}
