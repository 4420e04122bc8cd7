//! Whether the toolchain can build the plugins: the standard library of `wasm32-wasip2` is
//! installed. Asked of `rustc` itself (`--print target-libdir`), which answers in tens of
//! milliseconds, so `cargo demo` can tell before it compiles anything.
//!
//! rustup installs the target listed in `rust-toolchain.toml` on first use unless its
//! auto-install is turned off (`RUSTUP_AUTO_INSTALL=0`); then the plugins' build used to
//! fail only after the gateway had compiled.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// The target the bundled plugins are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The command that installs [`TARGET`] for the toolchain `rust-toolchain.toml` pins (run
/// in the repository).
pub const INSTALL: &str = "rustup target add wasm32-wasip2";

/// What `cargo demo` does about the target before it builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The target is there: go on.
    Ready,
    /// Install it with rustup, then go on.
    Install,
    /// Stop and tell the user what to run.
    Tell(String),
}

/// What to do when the target is `installed` or not, with rustup on the PATH or not.
pub fn step(installed: bool, rustup: bool) -> Step {
    match (installed, rustup) {
        (true, _) => Step::Ready,
        (false, true) => Step::Install,
        (false, false) => Step::Tell(missing(false)),
    }
}

/// Why the build cannot go on, and the exact command that fixes it.
pub fn missing(tried_to_install: bool) -> String {
    let what = if tried_to_install {
        format!("installing the {TARGET} target failed (see rustup's message above)")
    } else {
        format!(
            "the Rust toolchain has no {TARGET} target, which the bundled plugins are built for"
        )
    };
    format!(
        "{what}. Run, in this repository:\n\n    {INSTALL}\n\nthen `cargo demo` again. (Without \
         rustup, install Rust from https://rustup.rs first.)"
    )
}

/// Whether `rustc` has the standard library for [`TARGET`].
pub fn installed(rustc: &OsStr) -> bool {
    let Ok(out) = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
    else {
        return false;
    };
    // rustc prints the folder the target's libraries would be in, installed or not.
    out.status.success() && has_std(Path::new(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Whether `libdir` holds a standard library (`libstd-<hash>.rlib`).
pub fn has_std(libdir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(libdir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libstd-") && name.ends_with(".rlib")
    })
}

/// Whether `rustup` runs.
pub fn rustup_available() -> bool {
    Command::new("rustup")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder.
    fn folder(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_libdir_with_the_standard_library_counts_and_one_without_does_not() {
        let dir = folder("libdir");
        assert!(!has_std(&dir), "empty");
        std::fs::write(dir.join("libcore-0123abcd.rlib"), b"").unwrap();
        std::fs::write(dir.join("libstd-0123abcd.rmeta"), b"").unwrap();
        assert!(!has_std(&dir), "core and std's metadata alone");
        std::fs::write(dir.join("libstd-0123abcd.rlib"), b"").unwrap();
        assert!(has_std(&dir));
        assert!(!has_std(&dir.join("missing")), "a folder that is not there");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_target_is_installed_with_rustup_or_named_with_its_command() {
        assert_eq!(step(true, false), Step::Ready);
        assert_eq!(step(false, true), Step::Install);
        let Step::Tell(message) = step(false, false) else {
            panic!("without rustup the user is told");
        };
        assert!(
            message.contains("\n    rustup target add wasm32-wasip2\n"),
            "{message}"
        );
        assert!(missing(true).contains(INSTALL));
    }

    /// `rust-toolchain.toml` lists the target and the tests build the plugins, so it is
    /// installed wherever this runs; the point is the time the check takes.
    #[test]
    fn the_check_of_this_toolchain_takes_well_under_a_second() {
        let started = std::time::Instant::now();
        let found = installed(OsStr::new("rustc"));
        let took = started.elapsed();
        assert!(found, "this toolchain has {TARGET}");
        assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    }
}
