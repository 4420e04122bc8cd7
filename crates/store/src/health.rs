//! Whether the embedded store can keep what it is given, checked before anything is
//! acknowledged into it.
//!
//! The flusher thread ([`super::group_commit`]) probes about once a second: the data folder is
//! still the one opened (same device and inode, its log still linked), a file can be created
//! in it, and its file system has at least `storage.min_free_mb` free. A failed flush is
//! remembered too: sled's I/O errors are sticky, so a store that failed once refuses writes
//! until it is reopened, which the gateway does by itself once the probe passes again
//! ([`Health::needs_reopen`]). While anything is wrong every write is refused with
//! [`StoreError::Unavailable`] (webhooks get 503, so marketplaces retry) and `/readyz` says
//! why. A deleted or replaced data folder is never "fixed" by reopening: the gateway would
//! start an empty store there and acknowledge into it, so it stays refused until the
//! operator restarts it.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::StoreError;

/// The name of the file the probe creates and removes.
const PROBE_FILE: &str = ".write-probe";

/// The store's health; see the module header.
pub struct Health {
    dir: PathBuf,
    /// The data folder and sled's log as opened. Held open, so their inode numbers cannot
    /// be reused by a folder or file made in their place.
    folder: std::fs::File,
    log: std::fs::File,
    min_free_bytes: u64,
    state: Mutex<State>,
    /// Whether writes are refused now; read on every write, so kept outside the lock.
    refusing: AtomicBool,
}

#[derive(Default)]
struct State {
    /// What the last probe found wrong.
    probe: Option<String>,
    /// The first flush that failed since the store was opened.
    failure: Option<String>,
}

/// What `/readyz` shows of the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HealthReport {
    /// Whether the store takes writes.
    pub ok: bool,
    /// What is wrong, when something is.
    pub problem: Option<String>,
}

impl Health {
    /// The health of the store just opened in `dir`.
    pub fn new(dir: &Path, min_free_bytes: u64) -> std::io::Result<Health> {
        Ok(Health {
            dir: dir.to_path_buf(),
            folder: std::fs::File::open(dir)?,
            log: std::fs::File::open(dir.join("db"))?,
            min_free_bytes,
            state: Mutex::new(State::default()),
            refusing: AtomicBool::new(false),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Ok` when writes may go ahead.
    pub fn check(&self) -> Result<(), StoreError> {
        if !self.refusing.load(Ordering::Acquire) {
            return Ok(());
        }
        Err(StoreError::Unavailable(
            self.report()
                .problem
                .unwrap_or_else(|| "the store is recovering".into()),
        ))
    }

    /// Look at the data folder now and remember what is wrong with it.
    pub fn probe(&self) {
        self.remember(self.look());
    }

    fn remember(&self, found: Option<String>) {
        let mut state = self.state();
        if state.probe != found {
            match &found {
                Some(problem) => tracing::error!(
                    message = "The store refuses writes.",
                    folder = %self.dir.display(),
                    problem = %problem
                ),
                None => tracing::info!(
                    message = "The store's data folder is fine again.",
                    folder = %self.dir.display()
                ),
            }
            state.probe = found;
        }
        self.refusing.store(
            state.probe.is_some() || state.failure.is_some(),
            Ordering::Release,
        );
    }

    /// A flush failed with `error`: refuse writes until the store is reopened. The folder is
    /// looked at right away, so that a failure whose cause is still there (a deleted folder,
    /// a file system gone read-only) is not taken for one that reopening would mend.
    pub fn failed(&self, error: &str) {
        {
            let mut state = self.state();
            if state.failure.is_none() {
                tracing::error!(
                    message = "Writing to the store failed; it refuses writes until it is reopened.",
                    folder = %self.dir.display(),
                    error = %error
                );
                state.failure = Some(format!("writing to the store failed: {error}"));
            }
            self.refusing.store(true, Ordering::Release);
        }
        self.probe();
    }

    /// After a flush that succeeded, before anyone is told: `Err` when the folder flushed
    /// into is no longer the data folder (deleted, or moved away and replaced), whose
    /// writes would then be acknowledged into nothing. A few `stat`s, so it runs on every
    /// flush rather than waiting for the next probe.
    pub fn confirm_flush(&self) -> Result<(), String> {
        match self.moved() {
            None => Ok(()),
            Some(problem) => {
                self.remember(Some(problem.clone()));
                Err(problem)
            }
        }
    }

    /// What `/readyz` shows.
    pub fn report(&self) -> HealthReport {
        let state = self.state();
        let problem = state.probe.clone().or_else(|| state.failure.clone());
        HealthReport {
            ok: problem.is_none(),
            problem,
        }
    }

    /// Whether a flush failed but the folder looks fine now: reopening the store (which
    /// clears sled's sticky error) should bring it back.
    pub fn needs_reopen(&self) -> bool {
        let state = self.state();
        state.failure.is_some() && state.probe.is_none()
    }

    /// Whether the data folder or its log were deleted or replaced since they were opened.
    fn moved(&self) -> Option<String> {
        let dir = self.dir.display();
        let replaced = format!(
            "the data folder {dir} was deleted or replaced while the gateway ran; \
             nothing is acknowledged until the gateway is restarted on the right folder"
        );
        // Still linked, and still what the path names.
        let same =
            |held: &std::fs::File, path: &Path| match (held.metadata(), std::fs::metadata(path)) {
                (Ok(held), Ok(now)) => {
                    held.nlink() > 0 && (held.dev(), held.ino()) == (now.dev(), now.ino())
                }
                _ => false,
            };
        if !same(&self.folder, &self.dir) || !same(&self.log, &self.dir.join("db")) {
            return Some(replaced);
        }
        None
    }

    /// What is wrong with the data folder now, if anything.
    fn look(&self) -> Option<String> {
        if let Some(moved) = self.moved() {
            return Some(moved);
        }
        let dir = self.dir.display();
        let probe = self.dir.join(PROBE_FILE);
        if let Err(e) = std::fs::File::create(&probe).and_then(|_| std::fs::remove_file(&probe)) {
            let why = if e.raw_os_error() == Some(libc::EROFS) {
                "its file system is read-only".to_string()
            } else {
                e.to_string()
            };
            return Some(format!("the data folder {dir} is not writable: {why}"));
        }
        if self.min_free_bytes > 0
            && let Some(free) = free_bytes(&self.dir)
            && free < self.min_free_bytes
        {
            return Some(format!(
                "only {} MiB free on the data folder's file system ({dir}); writes resume \
                 above storage.min_free_mb = {}",
                free >> 20,
                self.min_free_bytes >> 20
            ));
        }
        None
    }
}

/// Bytes an unprivileged writer may still use on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string and `stat` is written by statvfs before it
    // is read, which happens only when the call succeeded.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_data_folder_refuses_writes_and_says_why() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("db");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("db"), b"").unwrap();
        let health = Health::new(&dir, 0).unwrap();
        health.probe();
        assert!(health.check().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
        health.probe();
        let err = health.check().unwrap_err().to_string();
        assert!(err.contains("deleted or replaced"), "{err}");
        assert!(!health.needs_reopen(), "a replaced folder is not reopened");
        // A new folder of the same name is another folder.
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("db"), b"").unwrap();
        health.probe();
        assert!(health.check().is_err());
    }

    #[test]
    fn a_flush_into_a_deleted_folder_is_not_mended_by_reopening() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("db");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("db"), b"").unwrap();
        let health = Health::new(&dir, 0).unwrap();
        health.probe();
        assert!(health.confirm_flush().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
        // Before the next probe: the flush itself notices.
        let err = health.confirm_flush().unwrap_err();
        assert!(err.contains("deleted or replaced"), "{err}");
        health.failed(&err);
        assert!(
            !health.needs_reopen(),
            "reopening would start an empty store"
        );
    }

    #[test]
    fn a_failed_flush_refuses_writes_until_reopened() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("db"), b"").unwrap();
        let health = Health::new(tmp.path(), 0).unwrap();
        health.failed("No space left on device");
        health.probe();
        let report = health.report();
        assert!(!report.ok);
        assert!(
            report.problem.unwrap().contains("No space left on device"),
            "the report names the error"
        );
        assert!(health.check().is_err());
        assert!(health.needs_reopen());
    }

    #[test]
    fn too_little_free_space_refuses_writes() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("db"), b"").unwrap();
        let health = Health::new(tmp.path(), u64::MAX).unwrap();
        health.probe();
        let err = health.check().unwrap_err().to_string();
        assert!(err.contains("storage.min_free_mb"), "{err}");
        assert!(!health.needs_reopen());
    }
}
