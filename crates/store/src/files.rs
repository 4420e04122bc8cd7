//! Evidence files on disk: each in `<data>/files/<ticket>/<id>`, written as it arrives to
//! `<id>.part` (type told from its first bytes, size checked as it grows, digest on the way)
//! and made durable under its name before its record is committed; read back for the agent
//! and for evidence packets; what a crash left swept away at start. The records are the
//! model's (`helloword_model::files`); the upload page is `web::intake`, fetching a
//! marketplace's attachments `ingest::attachments`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use helloword_model::files::{EvidenceFile, MAX_DOCUMENT_BYTES, MAX_VIDEO_BYTES, Refusal};

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

/// Delete what a crash left in `files_dir`: a file whose record was never committed (files
/// are written before their records) and a `.part` file from an interrupted write. `known`
/// gives the file ids a ticket's records name. Only names the gateway writes
/// (`<ticket>/<id>` and `<ticket>/<id>.part`) are considered. Run it before the gateway takes
/// uploads or fetches attachments. Returns how many files were deleted.
pub fn sweep_orphans(
    files_dir: &Path,
    known: impl Fn(u64) -> Result<std::collections::HashSet<u64>, super::StoreError>,
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
