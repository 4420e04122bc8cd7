//! Group commit: many writers, one flush, onto stable storage.
//!
//! A writer inserts its records, then waits for the next flush that starts after its
//! insert. One thread runs flushes back to back, each covering every writer that asked
//! before it started, so a burst of concurrent deliveries shares a single flush. (Awaiting
//! sled's own `flush_async` per request serialises them instead, and collapses under
//! concurrency.)
//!
//! sled 0.34's flush makes its log "stable" with `sync_file_range`, which persists neither
//! the file's metadata (new blocks, its size) nor the device's cache, and it writes large
//! values to blob files it never syncs: after a power cut an acknowledged delivery could be
//! gone (measured: 50 of 50, issue #23). So each flush is followed by `fdatasync` of the log
//! and of every blob file, and `fsync` of the folders whose entries changed (a new blob, a
//! snapshot renamed into place). Only then are the waiting writers answered.
//!
//! The same thread watches the store's health ([`Health`]) about once a second, and checks
//! after every flush that the folder it flushed is still the data folder (a log deleted or
//! moved away syncs without an error, into nothing).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::health::Health;

/// Someone waiting for the next flush.
enum Waiter {
    /// A request handler.
    Async(oneshot::Sender<Result<(), String>>),
    /// A caller outside the runtime's futures (a key made on first use).
    Blocking(mpsc::Sender<Result<(), String>>),
}

impl Waiter {
    fn answer(self, result: Result<(), String>) {
        match self {
            Waiter::Async(tx) => {
                let _ = tx.send(result);
            }
            Waiter::Blocking(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

/// Handle to the flusher thread. Dropping the last handle stops the thread and waits for
/// it, so the database is closed when the store is (a reopen right after works).
#[derive(Clone)]
pub struct GroupCommit {
    inner: Arc<Inner>,
}

struct Inner {
    requests: Option<mpsc::Sender<Waiter>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How often the flusher checks the store's health when no flush asks it to.
const PROBE_EVERY: Duration = Duration::from_secs(1);

const STOPPED: &str = "the flush thread has stopped";

impl GroupCommit {
    /// Start the flusher for `db`, opened in `dir`; it reports to `health`.
    pub fn start(db: sled::Db, dir: &Path, health: Arc<Health>) -> std::io::Result<GroupCommit> {
        let mut syncer = Syncer::new(db, dir)?;
        let (requests, inbox) = mpsc::channel::<Waiter>();
        let thread = thread::Builder::new()
            .name("helloword-flush".into())
            .spawn(move || {
                let mut probed = Instant::now();
                health.probe();
                loop {
                    let first = match inbox.recv_timeout(PROBE_EVERY) {
                        Ok(first) => first,
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            health.probe();
                            probed = Instant::now();
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    let mut batch = vec![first];
                    batch.extend(inbox.try_iter());
                    let result = syncer.sync().and_then(|()| health.confirm_flush());
                    if let Err(e) = &result {
                        health.failed(e);
                    }
                    for waiter in batch {
                        waiter.answer(result.clone());
                    }
                    if probed.elapsed() >= PROBE_EVERY {
                        health.probe();
                        probed = Instant::now();
                    }
                }
            })?;
        Ok(GroupCommit {
            inner: Arc::new(Inner {
                requests: Some(requests),
                thread: Some(thread),
            }),
        })
    }

    fn ask(&self, waiter: Waiter) -> Result<(), String> {
        self.inner
            .requests
            .as_ref()
            .ok_or_else(|| STOPPED.to_string())?
            .send(waiter)
            .map_err(|_| STOPPED.to_string())
    }

    /// Resolve once everything written before this call is on stable storage.
    pub async fn durable(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.ask(Waiter::Async(tx))?;
        rx.await.map_err(|_| STOPPED.to_string())?
    }

    /// [`GroupCommit::durable`], blocking the calling thread: for the rare write that must be
    /// durable before a synchronous caller hands anything out.
    pub fn durable_blocking(&self) -> Result<(), String> {
        let (tx, rx) = mpsc::channel();
        self.ask(Waiter::Blocking(tx))?;
        rx.recv().map_err(|_| STOPPED.to_string())?
    }
}

/// Makes sled's writes survive a power cut (see the module header).
struct Syncer {
    db: sled::Db,
    /// sled's log, `<dir>/db`.
    log: File,
    dir: Folder,
    blobs: Folder,
    /// Open handles to the blob files, by name; refreshed when the blob folder changes.
    blob_files: HashMap<std::ffi::OsString, File>,
}

/// A folder whose entries are fsynced when they change. Changes are found by listing it, not
/// by its modification time, whose clock ticks too coarsely to tell two changes apart.
struct Folder {
    path: PathBuf,
    /// The names it held when last synced.
    synced: Option<Vec<std::ffi::OsString>>,
}

impl Folder {
    fn new(path: PathBuf) -> Folder {
        Folder { path, synced: None }
    }

    /// Its entries now (none when it does not exist), fsyncing the folder if they changed
    /// since the last call.
    fn sync_if_changed(&mut self) -> std::io::Result<Vec<std::ffi::OsString>> {
        let mut names = Vec::new();
        match std::fs::read_dir(&self.path) {
            Ok(entries) => {
                for entry in entries {
                    names.push(entry?.file_name());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(e),
        }
        names.sort_unstable();
        if self.synced.as_ref() != Some(&names) {
            File::open(&self.path)?.sync_all()?;
            self.synced = Some(names.clone());
        }
        Ok(names)
    }
}

impl Syncer {
    fn new(db: sled::Db, dir: &Path) -> std::io::Result<Syncer> {
        let log = File::open(dir.join("db"))?;
        let mut syncer = Syncer {
            db,
            log,
            dir: Folder::new(dir.to_path_buf()),
            blobs: Folder::new(dir.join("blobs")),
            blob_files: HashMap::new(),
        };
        // sled created its files on open; their entries must be durable too.
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(parent)?.sync_all()?;
        }
        File::open(dir.join("conf"))?.sync_all()?;
        syncer.log.sync_all()?;
        syncer.dir.sync_if_changed()?;
        syncer.sync_blobs()?;
        Ok(syncer)
    }

    fn sync(&mut self) -> Result<(), String> {
        self.db.flush().map_err(|e| e.to_string())?;
        let synced = (|| {
            // Blobs first: the log points at them.
            self.sync_blobs()?;
            self.log.sync_data()?;
            self.dir.sync_if_changed().map(drop)
        })();
        synced.map_err(|e| format!("syncing the store to disk failed: {e}"))
    }

    /// Fdatasync every blob file (cheap for one already on disk) and, when files came or
    /// went, the blob folder. A blob being written while this runs belongs to a later flush,
    /// which syncs it again.
    fn sync_blobs(&mut self) -> std::io::Result<()> {
        let names = self.blobs.sync_if_changed()?;
        let mut present = HashMap::with_capacity(names.len());
        for name in names {
            let file = match self.blob_files.remove(&name) {
                Some(file) => file,
                None => match File::open(self.blobs.path.join(&name)) {
                    Ok(file) => file,
                    // Removed by sled's blob collection meanwhile.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                },
            };
            file.sync_data()?;
            present.insert(name, file);
        }
        self.blob_files = present;
        Ok(())
    }
}

/// Fsync every file and folder below `path`, and `path` itself: for a store written in one
/// go (a compaction's copy, a restore) before it replaces anything.
pub fn sync_folder(path: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_folder(&entry.path())?;
        } else {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(path)?.sync_all()
}

/// Fsync the folder holding `path`, so a rename or removal of `path` is on disk.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => File::open(parent)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}
