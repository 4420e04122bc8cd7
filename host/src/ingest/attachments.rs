//! Attachments of marketplace messages: a connector names the files a buyer attached
//! (event attributes `attachment.<n>.url` and `attachment.<n>.name`), the engine records
//! them as pending evidence in the same commit as the event, and this worker fetches each
//! one — only from the hosts the connector's manifest allows, without following redirects,
//! within the upload page's size and type rules — and keeps it with the ticket, where it
//! shows to agents and joins evidence packets like an uploaded file.
//!
//! A refused file (wrong type, too large, a host the connector may not reach) is marked
//! failed with the reason on the timeline; a network or server failure is retried with
//! backoff, up to [`MAX_ATTEMPTS`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::actions::Record;
use crate::plugin::PluginSet;
use crate::store::files;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::model::Happening;
use helloword_model::files::{EvidenceFile, MAX_VIDEO_BYTES, Refusal};

/// Attempts before an attachment is given up.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long one download may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// The fetcher.
pub struct Fetcher {
    engine: Arc<Engine>,
    plugins: Arc<PluginSet>,
    http: reqwest::Client,
    files_dir: PathBuf,
    /// When a file that failed may be tried again (not durable: after a restart, at once).
    retry_at: tokio::sync::Mutex<HashMap<u64, Timestamp>>,
}

/// Why a download did not produce a file.
#[derive(Debug)]
enum Failure {
    /// Do not try again.
    Refused(String),
    /// Try again later.
    Transient(String),
}

impl Fetcher {
    /// A fetcher keeping files under `files_dir`.
    pub fn new(
        engine: Arc<Engine>,
        plugins: Arc<PluginSet>,
        http: reqwest::Client,
        files_dir: PathBuf,
    ) -> Fetcher {
        Fetcher {
            engine,
            plugins,
            http,
            files_dir,
            retry_at: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Fetch pending attachments until `shutdown` changes.
    pub async fn run(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        let pace = crate::worker::Pace {
            max_wait: Duration::from_secs(5),
            idle: Duration::from_secs(5),
        };
        let wake = self.engine.files_changed();
        crate::worker::run("attachments", pace, wake, shutdown, |now| self.run_due(now)).await;
    }

    /// Fetch every pending attachment due at `now`; returns when the next retry is due.
    pub async fn run_due(&self, now: Timestamp) -> Result<Option<Timestamp>, ChangeError> {
        let mut next: Option<Timestamp> = None;
        for file in self.engine.store().pending_files()? {
            let due = self.retry_at.lock().await.get(&file.id).copied();
            if let Some(at) = due.filter(|at| *at > now) {
                next = Some(next.map_or(at, |n| n.min(at)));
                continue;
            }
            let store = self.engine.store();
            let Some(_claim) = store.claim(crate::store::Work::File(file.id))? else {
                continue;
            };
            // Another gateway may have fetched it since the list was read.
            let Some(file) = store
                .files(file.ticket)?
                .into_iter()
                .find(|f| f.id == file.id && f.pending)
            else {
                continue;
            };
            if let Some(at) = self.attempt(file).await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next)
    }

    /// One attempt at `file`; when to try again, if ever.
    async fn attempt(&self, mut file: EvidenceFile) -> Result<Option<Timestamp>, ChangeError> {
        let outcome = self.download(&file).await;
        let ticket = file.ticket;
        file.attempts += 1;
        let (happening, again) = match outcome {
            Ok(body) => {
                match files::keep(&self.files_dir, ticket, file.id, &file.name, &body).await {
                    Ok(kept) => {
                        let happening = Happening::EvidenceReceived {
                            file: kept.id,
                            name: kept.name.clone(),
                            content_type: kept.content_type.clone(),
                            bytes: kept.bytes,
                        };
                        file = EvidenceFile {
                            source: file.source.map(|s| without_data(&s)),
                            via: file.via,
                            attempts: file.attempts,
                            ..kept
                        };
                        (Some(happening), None)
                    }
                    Err(Refusal::Storage(e)) => {
                        self.retry(&mut file, format!("storing it: {e}")).await
                    }
                    Err(refusal) => (Some(failed(&mut file, refusal.to_string())), None),
                }
            }
            Err(Failure::Refused(reason)) => (Some(failed(&mut file, reason)), None),
            Err(Failure::Transient(reason)) => self.retry(&mut file, reason).await,
        };
        if again.is_none() {
            self.retry_at.lock().await.remove(&file.id);
        }
        self.engine
            .record_quietly(ticket, happening, vec![Record::File(file)])
            .await?;
        Ok(again)
    }

    /// Schedule another attempt, or give up after [`MAX_ATTEMPTS`].
    async fn retry(
        &self,
        file: &mut EvidenceFile,
        reason: String,
    ) -> (Option<Happening>, Option<Timestamp>) {
        if file.attempts >= MAX_ATTEMPTS {
            let reason = format!("gave up after {} attempts: {reason}", file.attempts);
            return (Some(failed(file, reason)), None);
        }
        file.error = Some(reason);
        let wait = SignedDuration::from_secs(2i64.pow(file.attempts.min(10)));
        let at = Timestamp::now() + wait;
        self.retry_at.lock().await.insert(file.id, at);
        (None, Some(at))
    }

    /// The file's bytes, from a host its connector may reach.
    async fn download(&self, file: &EvidenceFile) -> Result<Vec<u8>, Failure> {
        let source = file
            .source
            .as_deref()
            .ok_or_else(|| Failure::Refused("the attachment has no address".into()))?;
        if let Some(inline) = source.strip_prefix("data:") {
            return data_url(inline);
        }
        let url = url::Url::parse(source)
            .map_err(|e| Failure::Refused(format!("{source:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Failure::Refused(format!(
                "{source:?}: only http and https addresses are fetched"
            )));
        }
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(443);
        let via = file.via.as_deref().unwrap_or_default();
        let Some(plugin) = self.plugins.get(via) else {
            return Err(Failure::Transient(format!(
                "connector {via:?} is not loaded, so its allowed hosts are unknown"
            )));
        };
        if !plugin
            .manifest
            .allowed_hosts
            .iter()
            .any(|p| p.allows(host, port))
        {
            return Err(Failure::Refused(format!(
                "{host}:{port} is not in connector {via:?}'s allowed_hosts"
            )));
        }
        let limit = MAX_VIDEO_BYTES;
        let exchange = async {
            let mut response = self
                .http
                .get(url.clone())
                .send()
                .await
                .map_err(|e| Failure::Transient(format!("cannot reach {host}: {e}")))?;
            let status = response.status();
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(Failure::Transient(format!("{host} answered {status}")));
            }
            if !status.is_success() {
                return Err(Failure::Refused(format!("{host} answered {status}")));
            }
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(Failure::Refused(format!("larger than {} MB", limit >> 20)));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| Failure::Transient(format!("reading from {host}: {e}")))?
            {
                if body.len() + chunk.len() > limit {
                    return Err(Failure::Refused(format!("larger than {} MB", limit >> 20)));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        tokio::time::timeout(DOWNLOAD_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(Failure::Transient(format!(
                    "{host} did not answer within {} s",
                    DOWNLOAD_TIMEOUT.as_secs()
                )))
            })
    }
}

/// The bytes of a `data:` URL (RFC 2397), given what follows `data:`: base64 when the
/// media type ends in `;base64`, percent-encoded otherwise. Connectors use it for files
/// that arrive inside the notification itself (e-mail attachments).
fn data_url(inline: &str) -> Result<Vec<u8>, Failure> {
    use base64::Engine as _;
    let (meta, data) = inline
        .split_once(',')
        .ok_or_else(|| Failure::Refused("a data: address without a comma".into()))?;
    let bytes = if meta.to_ascii_lowercase().ends_with(";base64") {
        let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|e| Failure::Refused(format!("a data: address with bad base64: {e}")))?
    } else {
        // RFC 2397 data is percent-encoded as in a URL: `+` and `&` are themselves.
        percent_encoding::percent_decode_str(data).collect()
    };
    if bytes.len() > MAX_VIDEO_BYTES {
        return Err(Failure::Refused(format!(
            "larger than {} MB",
            MAX_VIDEO_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// `source` as it is kept once the file is stored: a `data:` URL loses its (large) data.
fn without_data(source: &str) -> String {
    match source.strip_prefix("data:") {
        Some(inline) => {
            let meta = inline.split_once(',').map_or(inline, |(m, _)| m);
            format!("data:{meta},… (carried in the event)")
        }
        None => source.to_string(),
    }
}

/// Mark `file` failed with `reason`; the timeline line saying so.
fn failed(file: &mut EvidenceFile, reason: String) -> Happening {
    file.pending = false;
    file.error = Some(reason.clone());
    Happening::Note {
        by: "system".into(),
        text: format!("Attachment {:?} was not kept: {reason}", file.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_decode_base64_and_percent_encoding() {
        assert_eq!(data_url("image/png;base64,aGVs bG8=").unwrap(), b"hello");
        assert_eq!(data_url("text/plain,a%20b").unwrap(), b"a b");
        assert_eq!(data_url("text/plain,1+1&x=%26").unwrap(), b"1+1&x=&");
        assert!(matches!(
            data_url("image/png;base64"),
            Err(Failure::Refused(_))
        ));
        assert!(matches!(
            data_url("image/png;base64,@@@"),
            Err(Failure::Refused(_))
        ));
    }

    #[test]
    fn a_kept_data_url_drops_its_data() {
        assert_eq!(
            without_data("data:image/png;base64,aGVsbG8="),
            "data:image/png;base64,… (carried in the event)"
        );
        assert_eq!(without_data("https://x/y.png"), "https://x/y.png");
    }
}
