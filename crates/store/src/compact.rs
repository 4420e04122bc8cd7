//! Compaction: rewrite the store with only its live values.
//!
//! sled appends every write to its log and reclaims a log segment only once most of it is
//! stale, so a value that was overwritten or removed (an erased buyer's message, a purged
//! raw delivery) can stay readable in the store's files long afterwards. After an erasure
//! or a purge the store is marked ([`Store::compaction_due`]); the next time it opens, it
//! is streamed through the snapshot format into a fresh folder, which then replaces the
//! old one. A running gateway reopens its store for this at `retention.compact_hour`.
//!
//! The swap survives a crash at any point: the copy is built as `<dir>.compacting`,
//! renamed to `<dir>.compacted` once complete and on disk, and only then does it replace
//! `<dir>`. Opening finishes a swap that was cut short and discards an incomplete copy.

use std::path::{Path, PathBuf};

use super::erase::COMPACT_DUE;
use super::{SnapshotError, Store, StoreError};

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    dir.with_file_name(name)
}

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let message = format!("{what} {}", path.display());
    move |e| StoreError::Flush(format!("{message}: {e}"))
}

/// Finish or discard a compaction of `dir` that was cut short.
pub(super) fn recover(dir: &Path) -> Result<(), StoreError> {
    let done = sibling(dir, ".compacted");
    if done.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io("cannot remove the old store", dir))?;
        }
        std::fs::rename(&done, dir).map_err(io("cannot move the compacted store to", dir))?;
        super::group_commit::sync_parent(dir).map_err(io("cannot sync the folder of", dir))?;
    }
    let partial = sibling(dir, ".compacting");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)
            .map_err(io("cannot remove the incomplete copy", &partial))?;
    }
    Ok(())
}

/// Rewrite the store `store`, opened from `dir`, with only its live values; it is closed
/// when this returns.
pub(super) fn rewrite(store: Store, dir: &Path) -> Result<(), StoreError> {
    let staging = sibling(dir, ".compacting");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io("cannot remove", &staging))?;
    }
    let (reader, writer) = std::io::pipe().map_err(io("cannot open a pipe for", dir))?;
    let copied = std::thread::scope(|scope| {
        let exporter = scope.spawn(|| store.export(writer, None));
        // A failing restore drops the reader, which ends the export with an error too.
        let restored = super::export::restore_into(reader, &staging, &staging.join("files"));
        let exported = exporter
            .join()
            .unwrap_or_else(|_| Err(SnapshotError::Invalid("the export panicked".into())));
        exported.and(restored)
    });
    drop(store);
    if let Err(e) = copied {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(StoreError::Flush(format!("cannot compact the store: {e}")));
    }
    {
        let db = sled::Config::new().path(&staging).open()?;
        db.open_tree("meta")?.remove(COMPACT_DUE)?;
        db.flush()?;
    }
    // On disk means on stable storage: once `.compacted` exists the old store may go.
    super::group_commit::sync_folder(&staging).map_err(io("cannot sync", &staging))?;
    let done = sibling(dir, ".compacted");
    std::fs::rename(&staging, &done).map_err(io("cannot rename", &staging))?;
    super::group_commit::sync_parent(&done).map_err(io("cannot sync the folder of", &done))?;
    recover(dir)
}
