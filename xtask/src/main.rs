//! `cargo demo` and `cargo xtask bundle <dir>`: first make sure the toolchain can build the
//! plugins for wasm32-wasip2 ([`wasm_target`]: checked in well under a second; installed
//! with rustup when missing, or the exact command printed), then hand over to the demo
//! program (`demo/`, package `helloword-demo`), whose build compiles the gateway and every
//! bundled plugin.
//!
//! This crate has no dependencies so that it builds in seconds: the check used to run in
//! the plugins' build script, after the gateway had compiled — 16 minutes on a fresh machine
//! before it said the target was missing.

mod wasm_target;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use wasm_target::Step;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Make sure the target is there: check, install with rustup if need be, or say what to run.
fn require_wasm_target(root: &Path) -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match wasm_target::step(
        wasm_target::installed(&rustc),
        wasm_target::rustup_available(),
    ) {
        Step::Ready => Ok(()),
        Step::Tell(message) => Err(message),
        Step::Install => {
            eprintln!(
                "The {} target is missing (rustup's auto-install is off); installing it: {}",
                wasm_target::TARGET,
                wasm_target::INSTALL
            );
            let installed = Command::new("rustup")
                .args(["target", "add", wasm_target::TARGET])
                .current_dir(root)
                .status()
                .is_ok_and(|s| s.success());
            if installed && wasm_target::installed(&rustc) {
                Ok(())
            } else {
                Err(wasm_target::missing(true))
            }
        }
    }
}

/// Run the demo program with `args`, in place of this process where the platform allows.
fn run_demo(root: &Path, args: &[String]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["run", "--package", "helloword-demo", "--"])
        .args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Only returns on failure; Ctrl-C then reaches the gateway directly.
        Err(format!("cannot run cargo: {}", command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("the demo stopped: {status}"))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cargo demo | cargo xtask bundle <dir>";
    let valid = match args.first().map(String::as_str) {
        Some("demo") => args.len() == 1,
        Some("bundle") => args.len() == 2,
        _ => false,
    };
    if !valid {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    }
    let root = repo_root();
    match require_wasm_target(&root).and_then(|()| run_demo(&root, &args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
