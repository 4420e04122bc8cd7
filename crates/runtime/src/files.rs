//! Reading a plugin's files without trusting them: only regular files (a symlink is followed
//! to one), and never more than a cap, checked before anything is read. Anyone who can drop a
//! folder into the plugin folder chooses these files: a sparse 1 GiB component, a FIFO that
//! never ends, or a symlink to `/dev/zero` must cost a refusal, not the gateway's memory.

use std::io::Read as _;
use std::path::Path;

/// Why a file was not read; the text says what it is and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// It is not a regular file (a FIFO, a device, a socket, a folder).
    #[error("{0}")]
    NotRegular(String),
    /// It is larger than the cap.
    #[error("{0}")]
    TooLarge(String),
    /// It could not be opened or read.
    #[error("{0}")]
    Io(String),
}

/// Read the regular file at `path`, refusing it when it is larger than `cap` bytes.
/// `limit_name` says where the cap comes from (a config key, or a fixed rule).
///
/// The type and size are checked on the path before it is opened, and again on the open
/// file, in case the path was replaced in between. The open is non-blocking, so a FIFO
/// swapped in at that very moment cannot make it wait for a writer either. Reading stops one
/// byte past the cap, so a file that grows while it is read is refused too.
pub fn read_capped(path: &Path, cap: u64, limit_name: &str) -> Result<Vec<u8>, FileError> {
    let io = |e: std::io::Error| FileError::Io(format!("cannot read it: {e}"));
    let before = std::fs::metadata(path).map_err(io)?;
    check(&before, cap, limit_name)?;
    let file = {
        use std::os::unix::fs::OpenOptionsExt as _;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(io)?
    };
    let opened = file.metadata().map_err(io)?;
    check(&opened, cap, limit_name)?;
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64, cap, limit_name, "grew to"));
    }
    Ok(bytes)
}

fn check(meta: &std::fs::Metadata, cap: u64, limit_name: &str) -> Result<(), FileError> {
    if !meta.is_file() {
        return Err(FileError::NotRegular(format!(
            "it is {}, not a regular file; a plugin's files must be regular files (or symlinks \
             to regular files)",
            kind_of(meta)
        )));
    }
    if meta.len() > cap {
        return Err(too_large(meta.len(), cap, limit_name, "is"));
    }
    Ok(())
}

fn too_large(size: u64, cap: u64, limit_name: &str, verb: &str) -> FileError {
    FileError::TooLarge(format!(
        "it {verb} {size} bytes, over the limit of {cap} bytes ({limit_name})"
    ))
}

/// What kind of file `meta` describes, for a message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a");
        std::fs::write(&file, b"hello").unwrap();
        assert_eq!(read_capped(&file, 5, "the cap").unwrap(), b"hello");
    }

    #[test]
    fn a_sparse_file_over_the_cap_is_refused_before_it_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("sparse.wasm");
        std::fs::File::create(&file)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        assert_eq!(
            read_capped(&file, 1 << 20, "plugins.max_component_bytes")
                .unwrap_err()
                .to_string(),
            "it is 1073741824 bytes, over the limit of 1048576 bytes (plugins.max_component_bytes)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_symlinks_to_them_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("zero.wasm");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        for path in [Path::new("/dev/zero"), link.as_path()] {
            assert_eq!(
                read_capped(path, 1 << 20, "the cap")
                    .unwrap_err()
                    .to_string(),
                "it is a character device, not a regular file; a plugin's files must be \
                 regular files (or symlinks to regular files)"
            );
        }
        assert!(matches!(
            read_capped(tmp.path(), 1 << 20, "the cap"),
            Err(FileError::NotRegular(_))
        ));
    }
}
