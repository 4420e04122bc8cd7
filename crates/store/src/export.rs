//! Snapshots of a whole data folder: every sled tree and every evidence file, in one
//! portable file that `helloword restore` turns into a new data folder.
//!
//! **Consistent while the gateway runs.** Every write to the store passes a gate one
//! operation at a time ([`super::Gated`]); an export holds the gate, so the snapshot is the
//! store as it stood between two operations — a state the store already survives as a crash
//! (records before the keys that mark them, multi-tree changes in one transaction). A
//! restored gateway finishes what was in flight exactly as after a crash: records waiting
//! for the ticket engine are applied, actions waiting in the outbox are reconciled and sent.
//! Writers wait while the snapshot is taken; nothing is refused.
//!
//! **Format** (version 1), all integers big-endian:
//!
//! ```text
//! "HELLOWORD-EXPORT 1\n"
//! header: u32 length + JSON {created_at, schema, next_id}
//! entries: b'T' u16 name-length name          — the entries that follow belong to this tree
//!          b'K' u32 key-length key u32 value-length value
//!          b'F' u16 path-length path u64 length bytes   — an evidence file, path relative to
//!                                                           the files folder ("<ticket>/<id>")
//! b'E' then the SHA-256 of every byte before the 'E'
//! ```
//!
//! A restore reads the whole file into a fresh folder and checks the digest and the counts
//! before it keeps anything: a truncated or altered snapshot leaves no half-restored folder.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::backend::{Backend, Op, Tree};
use super::{ID_BASE, SCHEMA_VERSION, Store, StoreError};

const MAGIC: &[u8] = b"HELLOWORD-EXPORT 1\n";

/// What a snapshot holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Trees and their entry counts, by name.
    pub trees: Vec<(String, u64)>,
    /// Evidence files.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Hex SHA-256 of the snapshot (its last 32 bytes).
    pub sha256: String,
}

/// The snapshot's header.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    /// When it was taken (RFC 3339).
    created_at: String,
    /// Record schema of the store.
    schema: u32,
    /// Every id in the snapshot is below this.
    next_id: u64,
}

/// Why an export or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing the snapshot or a file failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a snapshot, or not a whole one.
    #[error("{0}")]
    Invalid(String),
    /// The target folder already holds data.
    #[error("{0} is not empty; restore into a new folder")]
    NotEmpty(PathBuf),
}

/// Refuse to restore into `dir` when it holds anything.
fn ensure_empty(dir: &Path) -> Result<(), SnapshotError> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(io(format!("reading {}", dir.display())))?
            .next()
            .is_some()
    {
        return Err(SnapshotError::NotEmpty(dir.to_path_buf()));
    }
    Ok(())
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SnapshotError {
    let what = what.into();
    move |source| SnapshotError::Io { what, source }
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Store {
    /// Write a snapshot of the whole store, and of the evidence files in `files_dir`, to
    /// `out`. Writers wait while it is taken (see the module documentation).
    pub fn export(
        &self,
        out: impl Write,
        files_dir: Option<&Path>,
    ) -> Result<ExportSummary, SnapshotError> {
        self.with_writes_held(|| self.export_held(out, files_dir))
    }

    fn export_held(
        &self,
        out: impl Write,
        files_dir: Option<&Path>,
    ) -> Result<ExportSummary, SnapshotError> {
        let mut w = Hashing {
            inner: std::io::BufWriter::new(out),
            hash: Sha256::new(),
            bytes: 0,
        };
        let write = io("writing the snapshot");
        let header = Header {
            created_at: jiff::Timestamp::now().to_string(),
            schema: SCHEMA_VERSION,
            next_id: self.next_id()?,
        };
        let header = serde_json::to_vec(&header).map_err(|e| {
            SnapshotError::Invalid(format!("cannot encode the snapshot header: {e}"))
        })?;
        let mut summary = ExportSummary::default();
        (|| -> std::io::Result<()> {
            w.write_all(MAGIC)?;
            w.write_all(&(header.len() as u32).to_be_bytes())?;
            w.write_all(&header)
        })()
        .map_err(write)?;
        let mut failed: Option<SnapshotError> = None;
        self.backend.snapshot(|tree, key, value| {
            let written = match tree {
                Some(name) => {
                    summary.trees.push((name.to_string(), 0));
                    put_tree_name(&mut w, name.as_bytes())
                }
                None => {
                    if let Some(last) = summary.trees.last_mut() {
                        last.1 += 1;
                    }
                    put_entry(&mut w, key, value)
                }
            };
            match written {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(io("writing the snapshot")(e));
                    false
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some(dir) = files_dir.filter(|d| d.exists()) {
            for (relative, path) in files_under(dir)? {
                let bytes =
                    std::fs::read(&path).map_err(io(format!("reading {}", path.display())))?;
                put_file(&mut w, &relative, &bytes).map_err(io("writing the snapshot"))?;
                summary.files += 1;
            }
        }
        w.write_all(b"E").map_err(io("writing the snapshot"))?;
        let digest = w.hash.clone().finalize();
        w.inner
            .write_all(&digest)
            .and_then(|()| w.inner.flush())
            .map_err(io("writing the snapshot"))?;
        summary.bytes = w.bytes + digest.len() as u64;
        summary.sha256 = hex::encode(digest);
        Ok(summary)
    }

    /// Move the sled store in `db_dir` into the empty PostgreSQL database at `url`
    /// (`helloword migrate`): the store is streamed through the snapshot format, with its
    /// digest checked at the end, and nothing stays in the database unless every entry
    /// arrived. The sled folder is left as it was. Evidence files stay in their folder,
    /// which the PostgreSQL gateways share.
    pub fn migrate_to_postgres(
        db_dir: &Path,
        cache_bytes: u64,
        url: &str,
    ) -> Result<ExportSummary, SnapshotError> {
        let store = Store::open_with_cache(db_dir, cache_bytes)?;
        let (reader, writer) = std::io::pipe().map_err(io("opening a pipe for the migration"))?;
        std::thread::scope(|scope| {
            let exporter = scope.spawn(|| store.export(writer, None));
            // A failing restore drops the reader, which ends the export with an error too.
            let restored = restore_postgres(reader, url, None);
            let exported = exporter
                .join()
                .unwrap_or_else(|_| Err(SnapshotError::Invalid("the export panicked".into())));
            // The restore's error says why; the export's is then only the broken pipe.
            let restored = restored?;
            let exported = exported?;
            if exported.sha256 != restored.sha256 || exported.trees != restored.trees {
                return Err(SnapshotError::Invalid(
                    "what arrived in PostgreSQL differs from what was sent".into(),
                ));
            }
            Ok(restored)
        })
    }

    /// Restore the snapshot `input` into the new data folder `db_dir` (the sled folder) and
    /// `files_dir`. Both must be absent or empty. Nothing is kept unless the whole snapshot
    /// reads back with its digest.
    pub fn restore(
        input: impl Read,
        db_dir: &Path,
        files_dir: &Path,
    ) -> Result<ExportSummary, SnapshotError> {
        for dir in [db_dir, files_dir] {
            ensure_empty(dir)?;
        }
        let result = restore_into(input, db_dir, files_dir);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(db_dir);
            let _ = std::fs::remove_dir_all(files_dir);
        }
        result
    }
}

pub(super) fn restore_into(
    input: impl Read,
    db_dir: &Path,
    files_dir: &Path,
) -> Result<ExportSummary, SnapshotError> {
    let db = sled::Config::new()
        .path(db_dir)
        .flush_every_ms(None)
        .open()
        .map_err(StoreError::from)?;
    let backend = Backend::Sled(db.clone());
    let (summary, next_id) = restore_onto(input, &backend, Some(files_dir))?;
    // Ids handed out from now on start above every id in the snapshot.
    db.open_tree("meta")
        .and_then(|meta| meta.insert(ID_BASE, &next_id.to_be_bytes()))
        .map_err(StoreError::from)?;
    db.flush().map_err(StoreError::from)?;
    drop(backend);
    drop(db);
    // A restore is done when it is on stable storage, evidence files included.
    let sync = |dir: &Path| {
        super::group_commit::sync_folder(dir)
            .map_err(|e| StoreError::Flush(format!("cannot sync {}: {e}", dir.display())))
    };
    sync(db_dir)?;
    if files_dir.exists() {
        sync(files_dir)?;
    }
    Ok(summary)
}

/// Entries restored per PostgreSQL transaction.
const RESTORE_BATCH: usize = 1000;

impl Store {
    /// Restore the snapshot `input` into the PostgreSQL database at `url`, which must hold
    /// no entries yet, and its evidence files into `files_dir`, which must be absent or
    /// empty. On any error the database is emptied and the files removed again: nothing is
    /// kept unless the whole snapshot reads back with its digest.
    pub fn restore_postgres(
        input: impl Read,
        url: &str,
        files_dir: &Path,
    ) -> Result<ExportSummary, SnapshotError> {
        ensure_empty(files_dir)?;
        let result = restore_postgres(input, url, Some(files_dir));
        if result.is_err() {
            let _ = std::fs::remove_dir_all(files_dir);
        }
        result
    }
}

/// [`Store::restore_postgres`].
/// `files_dir` is `None` for a snapshot without files (a migration leaves them where they
/// are).
pub(super) fn restore_postgres(
    input: impl Read,
    url: &str,
    files_dir: Option<&Path>,
) -> Result<ExportSummary, SnapshotError> {
    let pg = super::backend::Pg::open(url)?;
    let held: i64 = pg.run(|c| c.query_one("SELECT count(*) FROM hw_kv", &[])?.try_get(0))?;
    if held > 0 {
        return Err(SnapshotError::Invalid(format!(
            "the PostgreSQL database already holds {held} entries; restore or migrate into an \
             empty database"
        )));
    }
    let backend = Backend::Pg(pg.clone());
    let result = restore_onto(input, &backend, files_dir).and_then(|(summary, next_id)| {
        // Ids handed out from now on start above every id in the snapshot.
        let next = i64::try_from(next_id).unwrap_or(i64::MAX);
        pg.run(move |c| {
            c.execute("SELECT setval('hw_ids', GREATEST($1::bigint, 1))", &[&next])?;
            Ok(())
        })?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = pg.run(|c| c.batch_execute("DELETE FROM hw_kv"));
    }
    result
}

/// Write a snapshot's entries into `backend` and its files into `files_dir` (a snapshot
/// with files and no folder for them is refused); returns what it held and the snapshot's
/// `next_id`.
fn restore_onto(
    input: impl Read,
    backend: &Backend,
    files_dir: Option<&Path>,
) -> Result<(ExportSummary, u64), SnapshotError> {
    let mut r = Reader {
        inner: std::io::BufReader::new(input),
        hash: Sha256::new(),
        bytes: 0,
    };
    let mut magic = vec![0; MAGIC.len()];
    r.exact(&mut magic)?;
    if magic != MAGIC {
        return Err(SnapshotError::Invalid(
            "not a HelloWord snapshot (it does not start with HELLOWORD-EXPORT 1)".into(),
        ));
    }
    let header_len = r.u32()? as usize;
    let header: Header = serde_json::from_slice(&r.bytes(header_len, 1 << 20)?)
        .map_err(|e| SnapshotError::Invalid(format!("the snapshot's header is unreadable: {e}")))?;
    if header.schema > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: header.schema,
        }
        .into());
    }
    let mut summary = ExportSummary::default();
    let mut tree: Option<Tree> = None;
    let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let write = |tree: &Option<Tree>, batch: &mut Vec<(Vec<u8>, Vec<u8>)>| {
        let Some(tree) = tree else {
            return Ok::<(), StoreError>(());
        };
        let ops: Vec<Op<'_>> = batch.drain(..).map(|(k, v)| Op::Put(tree, k, v)).collect();
        backend.apply(&ops)
    };
    loop {
        match r.u8()? {
            b'T' => {
                write(&tree, &mut batch)?;
                let len = r.u16()? as usize;
                let name = String::from_utf8(r.bytes(len, u16::MAX as usize)?)
                    .map_err(|_| SnapshotError::Invalid("a tree name is not UTF-8".into()))?;
                tree = Some(backend.tree(&name)?);
                summary.trees.push((name, 0));
            }
            b'K' => {
                if tree.is_none() {
                    return Err(SnapshotError::Invalid(
                        "an entry before any tree name".into(),
                    ));
                }
                let key_len = r.u32()? as usize;
                let key = r.bytes(key_len, 1 << 20)?;
                let value_len = r.u32()? as usize;
                let value = r.bytes(value_len, 1 << 30)?;
                batch.push((key, value));
                if batch.len() >= RESTORE_BATCH {
                    write(&tree, &mut batch)?;
                }
                if let Some(last) = summary.trees.last_mut() {
                    last.1 += 1;
                }
            }
            b'F' => {
                let len = r.u16()? as usize;
                let relative = String::from_utf8(r.bytes(len, u16::MAX as usize)?)
                    .map_err(|_| SnapshotError::Invalid("a file name is not UTF-8".into()))?;
                let Some(files_dir) = files_dir else {
                    return Err(SnapshotError::Invalid(format!(
                        "the snapshot holds evidence file {relative:?} but has nowhere to put it"
                    )));
                };
                let path = safe_join(files_dir, &relative)?;
                let size = r.u64()?;
                let bytes = r.bytes(
                    usize::try_from(size)
                        .map_err(|_| SnapshotError::Invalid("a file is too large".into()))?,
                    1 << 32,
                )?;
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(io(format!("creating {}", parent.display())))?;
                }
                std::fs::write(&path, bytes).map_err(io(format!("writing {}", path.display())))?;
                summary.files += 1;
            }
            b'E' => {
                write(&tree, &mut batch)?;
                break;
            }
            other => {
                return Err(SnapshotError::Invalid(format!(
                    "unexpected entry type {other:#04x} at byte {}: the snapshot is damaged",
                    r.bytes - 1
                )));
            }
        }
    }
    let computed = r.hash.clone().finalize();
    let mut stored = [0u8; 32];
    r.inner.read_exact(&mut stored).map_err(|_| {
        SnapshotError::Invalid("the snapshot ends before its digest: it is truncated".into())
    })?;
    if stored[..] != computed[..] {
        return Err(SnapshotError::Invalid(
            "the snapshot's digest does not match its content: it is damaged".into(),
        ));
    }
    summary.bytes = r.bytes + 32;
    summary.sha256 = hex::encode(stored);
    Ok((summary, header.next_id))
}

/// A reader that hashes and counts what it reads.
struct Reader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Reader<R> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<(), SnapshotError> {
        self.inner.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                SnapshotError::Invalid(format!(
                    "the snapshot ends at byte {}: it is truncated",
                    self.bytes
                ))
            } else {
                SnapshotError::Io {
                    what: "reading the snapshot".into(),
                    source: e,
                }
            }
        })?;
        self.hash.update(&*buf);
        self.bytes += buf.len() as u64;
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, SnapshotError> {
        let mut b = [0; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    fn u16(&mut self) -> Result<u16, SnapshotError> {
        let mut b = [0; 2];
        self.exact(&mut b)?;
        Ok(u16::from_be_bytes(b))
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let mut b = [0; 4];
        self.exact(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let mut b = [0; 8];
        self.exact(&mut b)?;
        Ok(u64::from_be_bytes(b))
    }

    /// `len` bytes, refusing lengths above `max` (a damaged length must not allocate).
    fn bytes(&mut self, len: usize, max: usize) -> Result<Vec<u8>, SnapshotError> {
        if len > max {
            return Err(SnapshotError::Invalid(format!(
                "a length of {len} bytes at byte {} is more than a snapshot holds: it is damaged",
                self.bytes
            )));
        }
        let mut buf = vec![0; len];
        self.exact(&mut buf)?;
        Ok(buf)
    }
}

fn put_tree_name(w: &mut impl Write, name: &[u8]) -> std::io::Result<()> {
    w.write_all(b"T")?;
    w.write_all(&(name.len() as u16).to_be_bytes())?;
    w.write_all(name)
}

fn put_entry(w: &mut impl Write, key: &[u8], value: &[u8]) -> std::io::Result<()> {
    w.write_all(b"K")?;
    w.write_all(&(key.len() as u32).to_be_bytes())?;
    w.write_all(key)?;
    w.write_all(&(value.len() as u32).to_be_bytes())?;
    w.write_all(value)
}

fn put_file(w: &mut impl Write, relative: &str, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(b"F")?;
    w.write_all(&(relative.len() as u16).to_be_bytes())?;
    w.write_all(relative.as_bytes())?;
    w.write_all(&(bytes.len() as u64).to_be_bytes())?;
    w.write_all(bytes)
}

/// Every file under `dir`, as ("a/b" relative path, full path), sorted.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, SnapshotError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in
            std::fs::read_dir(&folder).map_err(io(format!("reading {}", folder.display())))?
        {
            let path = entry
                .map_err(io(format!("reading {}", folder.display())))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let relative = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((relative, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `base` joined with a snapshot's relative path, refusing anything that would leave it.
fn safe_join(base: &Path, relative: &str) -> Result<PathBuf, SnapshotError> {
    let path = Path::new(relative);
    if relative.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(SnapshotError::Invalid(format!(
            "the snapshot names a file outside the files folder: {relative:?}"
        )));
    }
    Ok(base.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_cannot_leave_the_files_folder() {
        let base = Path::new("/data/files");
        assert_eq!(
            safe_join(base, "12/34").unwrap(),
            Path::new("/data/files/12/34")
        );
        for bad in ["../etc/passwd", "/etc/passwd", "12/../../x", ""] {
            assert!(safe_join(base, bad).is_err(), "{bad}");
        }
    }
}
