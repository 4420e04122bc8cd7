//! Evidence intake: a signed, expiring upload page per ticket, for marketplaces whose rules
//! allow sending the buyer a link (a Shopify store, the seller's own e-mail). Files are
//! checked by their content (JPEG, PNG, WebP, HEIC, PDF, MP4/MOV) and size, stored with the
//! ticket in the data folder, listed for the agent and named in evidence packets.
//!
//! `GET /upload/<ticket>?exp=<unix>&sig=<hex>` serves the page; the page `PUT`s each file to
//! `/upload/<ticket>/<name>?exp=…&sig=…`. The signature is an HMAC of the ticket and the
//! expiry with a key the gateway keeps in its store.
//!
//! An upload goes to disk as it arrives ([`Writing`]): holding whole bodies in memory let
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
use tokio::io::AsyncWriteExt;

use super::Body;

use super::{App, error, json};
use crate::tickets::model::Happening;

pub use helloword_model::files::{
    EvidenceFile, MAX_DOCUMENT_BYTES, MAX_FILES_PER_TICKET, MAX_VIDEO_BYTES, Refusal,
};

/// Check `body` (type from its content, size by type) and write it durably to
/// `files_dir/<ticket>/<id>`; the record describing it, still to be committed. The file is
/// on disk before its record: a crash leaves at most an orphan file.
pub async fn keep(
    files_dir: &Path,
    ticket: u64,
    id: u64,
    name: &str,
    body: &[u8],
) -> Result<EvidenceFile, Refusal> {
    let mut writing = Writing::new(files_dir, ticket, id);
    match writing.write(body).await {
        Ok(()) => writing.finish(name).await,
        Err(refusal) => {
            writing.abandon().await;
            Err(refusal)
        }
    }
}

/// Bytes held before a file's type is told from them.
const SNIFF_BYTES: usize = 16;

/// A file on its way to `files_dir/<ticket>/<id>`: written to `<id>.part` as its bytes
/// arrive, its type told by its first bytes, its size checked as it grows, its digest
/// computed on the way. [`Writing::finish`] makes it durable under its name;
/// [`Writing::abandon`] removes what was written.
pub struct Writing {
    folder: PathBuf,
    ticket: u64,
    id: u64,
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    head: Vec<u8>,
    content_type: Option<&'static str>,
    bytes: u64,
    sha256: Sha256,
}

impl Writing {
    /// A file `id` of `ticket`, nothing written yet.
    pub fn new(files_dir: &Path, ticket: u64, id: u64) -> Writing {
        Writing {
            folder: files_dir.join(ticket.to_string()),
            ticket,
            id,
            file: None,
            head: Vec::new(),
            content_type: None,
            bytes: 0,
            sha256: Sha256::new(),
        }
    }

    fn part(&self) -> PathBuf {
        self.folder.join(format!("{}.part", self.id))
    }

    /// Take the next bytes.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        self.bytes += chunk.len() as u64;
        self.sha256.update(chunk);
        if self.content_type.is_none() {
            self.head.extend_from_slice(chunk);
            if self.head.len() < SNIFF_BYTES {
                return Ok(());
            }
            return self.start().await;
        }
        self.check_size()?;
        let file = self.file.as_mut().ok_or_else(|| storage("no file open"))?;
        file.write_all(chunk).await.map_err(|e| storage(&e))
    }

    /// Tell the type from the bytes held, open the part file and write them.
    async fn start(&mut self) -> Result<(), Refusal> {
        let Some(content_type) = sniff(&self.head) else {
            return Err(Refusal::Unsupported(
                "not a photo (JPEG, PNG, HEIC, WebP), a PDF or a video (MP4, MOV)".into(),
            ));
        };
        self.content_type = Some(content_type);
        self.check_size()?;
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(|e| storage(&e))?;
        let file = tokio::fs::File::create(self.part())
            .await
            .map_err(|e| storage(&e))?;
        let mut file = tokio::io::BufWriter::with_capacity(256 << 10, file);
        let head = std::mem::take(&mut self.head);
        file.write_all(&head).await.map_err(|e| storage(&e))?;
        self.file = Some(file);
        Ok(())
    }

    fn check_size(&self) -> Result<(), Refusal> {
        let video = self.content_type.is_some_and(|t| t.starts_with("video/"));
        let limit = if video {
            MAX_VIDEO_BYTES
        } else {
            MAX_DOCUMENT_BYTES
        };
        if self.bytes > limit as u64 {
            return Err(Refusal::TooLarge(format!(
                "photos and PDFs are at most {} MB, videos {} MB",
                MAX_DOCUMENT_BYTES >> 20,
                MAX_VIDEO_BYTES >> 20
            )));
        }
        Ok(())
    }

    /// Make the file durable under its id (named `name` in its record); the record, still
    /// to be committed. On a refusal the part file is gone.
    pub async fn finish(mut self, name: &str) -> Result<EvidenceFile, Refusal> {
        let finished = async {
            if self.content_type.is_none() {
                self.start().await?;
            }
            let mut file = self.file.take().ok_or_else(|| storage("no file open"))?;
            file.flush().await.map_err(|e| storage(&e))?;
            file.get_mut().sync_all().await.map_err(|e| storage(&e))?;
            drop(file);
            tokio::fs::rename(self.part(), self.folder.join(self.id.to_string()))
                .await
                .map_err(|e| storage(&e))
        }
        .await;
        if let Err(refusal) = finished {
            self.abandon().await;
            return Err(refusal);
        }
        Ok(EvidenceFile {
            id: self.id,
            ticket: self.ticket,
            name: sanitise(name),
            content_type: self.content_type.unwrap_or_default().into(),
            bytes: self.bytes,
            sha256: hex::encode(self.sha256.finalize()),
            received_at: jiff::Timestamp::now(),
            source: None,
            via: None,
            pending: false,
            attempts: 0,
            error: None,
        })
    }

    /// Remove what was written.
    pub async fn abandon(mut self) {
        self.file = None;
        let _ = tokio::fs::remove_file(self.part()).await;
    }
}

fn storage(e: &(impl std::fmt::Display + ?Sized)) -> Refusal {
    Refusal::Storage(e.to_string())
}

/// The MIME type of `content` when it is a kind of file evidence may be.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| content.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if content.len() > 12 && &content[..4] == b"RIFF" && &content[8..12] == b"WEBP" {
        Some("image/webp")
    } else if content.len() > 12 && &content[4..8] == b"ftyp" {
        match &content[8..12] {
            b"heic" | b"heix" | b"mif1" => Some("image/heic"),
            b"qt  " => Some("video/quicktime"),
            _ => Some("video/mp4"),
        }
    } else {
        None
    }
}

/// Keep letters, digits, dot, dash, underscore and plus; at most 80 characters.
fn sanitise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

fn key(app: &App) -> Result<Vec<u8>, String> {
    app.store
        .secret_key("upload_link_key")
        .map_err(|e| e.to_string())
}

fn signature(key: &[u8], ticket: u64, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(format!("upload:{ticket}:{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A link to ticket `ticket`'s upload page, valid until `expires`.
pub fn link(app: &App, ticket: u64, expires: jiff::Timestamp) -> Result<String, String> {
    let exp = expires.as_second();
    Ok(format!(
        "/upload/{ticket}?exp={exp}&sig={}",
        signature(&key(app)?, ticket, exp)
    ))
}

/// Check `?exp=…&sig=…` for `ticket`: the refusal, if any.
fn refusal(app: &App, ticket: u64, query: &str) -> Option<Response<Full<Bytes>>> {
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
    let key = match key(app) {
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
pub async fn handle(app: &App, req: Request<Body>, files_dir: &Path) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let parts: Vec<&str> = path.trim_start_matches("/upload/").split('/').collect();
    let Some(Ok(ticket)) = parts.first().map(|t| t.parse::<u64>()) else {
        return error(StatusCode::NOT_FOUND, "not-found", "no such upload page");
    };
    if let Some(refused) = refusal(app, ticket, &query) {
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
            receive(app, ticket, &name, req, files_dir).await
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
    app: &App,
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
    let stored = match app.store.files(ticket) {
        Ok(existing) => existing.len(),
        Err(e) => return unavailable(e),
    };
    let Some(arriving) = Arriving::start(files_dir, ticket, stored) else {
        return too_many_files();
    };
    let id = match app.store.new_record_id() {
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
    let store = app.store.clone();
    let record = crate::actions::Record::File(file.clone());
    // Counted as arriving until here, so that no upload is counted twice (arriving and
    // stored) and refused wrongly; one admitted in this moment is refused below instead.
    drop(arriving);
    // The cap again, under the engine's writer lock: the count and the new record commit
    // together.
    let committed = app
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

/// Delete what a crash left in `files_dir`: a file whose record was never committed (files
/// are written before their records) and a `.part` file from an interrupted write. `known`
/// gives the file ids a ticket's records name. Only names the gateway writes
/// (`<ticket>/<id>` and `<ticket>/<id>.part`) are considered. Run it before the gateway takes
/// uploads or fetches attachments. Returns how many files were deleted.
pub fn sweep_orphans(
    files_dir: &Path,
    known: impl Fn(u64) -> Result<std::collections::HashSet<u64>, crate::store::StoreError>,
) -> anyhow::Result<usize> {
    let digits = |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
    let mut deleted = 0;
    let folders = match std::fs::read_dir(files_dir) {
        Ok(folders) => folders,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    for folder in folders {
        let folder = folder?;
        let Some(ticket) = folder
            .file_name()
            .to_str()
            .filter(|n| digits(n))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        if !folder.file_type()?.is_dir() {
            continue;
        }
        let known = known(ticket)?;
        for entry in std::fs::read_dir(folder.path())? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let orphan = match name.strip_suffix(".part") {
                Some(id) => digits(id),
                None => digits(name) && name.parse::<u64>().is_ok_and(|id| !known.contains(&id)),
            };
            if orphan {
                std::fs::remove_file(entry.path())?;
                deleted += 1;
            }
        }
        // A folder left empty goes too (fails harmlessly when something is still in it).
        let _ = std::fs::remove_dir(folder.path());
    }
    Ok(deleted)
}

/// The stored content of `file`.
pub async fn read(files_dir: &Path, file: &EvidenceFile) -> std::io::Result<Vec<u8>> {
    tokio::fs::read(
        files_dir
            .join(file.ticket.to_string())
            .join(file.id.to_string()),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_leaves_no_orphan_files_after_the_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        };
        write("7/101"); // recorded
        write("7/102"); // written, record never committed
        write("7/103.part"); // interrupted write
        write("8/104"); // a ticket whose records name no file
        write("7/notes.txt"); // not a name the gateway writes
        write("readme"); // likewise
        let known = |ticket: u64| {
            Ok(match ticket {
                7 => std::collections::HashSet::from([101]),
                _ => std::collections::HashSet::new(),
            })
        };
        assert_eq!(sweep_orphans(dir.path(), known).unwrap(), 3);
        let mut left = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            if entry.file_type().unwrap().is_dir() {
                for inner in std::fs::read_dir(entry.path()).unwrap() {
                    left.push(format!(
                        "{name}/{}",
                        inner.unwrap().file_name().to_str().unwrap()
                    ));
                }
            } else {
                left.push(name);
            }
        }
        left.sort();
        assert_eq!(
            left,
            ["7/101", "7/notes.txt", "readme"],
            "8/ is gone, being empty"
        );
        assert_eq!(sweep_orphans(dir.path(), known).unwrap(), 0);
        assert_eq!(
            sweep_orphans(&dir.path().join("missing"), known).unwrap(),
            0
        );
    }

    #[test]
    fn files_are_recognised_by_content_not_name() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"), Some("video/mp4"));
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            Some("video/quicktime")
        );
        assert_eq!(sniff(b"MZ\x90\0 an exe"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sanitise("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitise("Foto 1.JPG"), "Foto_1.JPG");
    }
}
