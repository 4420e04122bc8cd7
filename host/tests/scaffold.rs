//! `helloword plugin new` creates a crate that builds for wasm32-wasip2 and passes its own
//! test (the SDK test kit on the real host runtime) with no edits.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_helloword");

fn generate_and_test(kind: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("my-{kind}");
    let out = Command::new(BIN)
        .args(["plugin", "new", &name, "--kind", kind, "--dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crate_dir = tmp.path().join(&name);

    // Share the workspace's target folder so the host runtime is not compiled again.
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .current_dir(&crate_dir)
        .args(["test", "--offline"])
        .env("CARGO_TARGET_DIR", &target)
        .env("HELLOWORD_TESTKIT_TARGET_DIR", target.join("testkit-wasm"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
}

#[test]
fn a_new_connector_builds_and_passes_its_test() {
    generate_and_test("marketplace-connector");
}

#[test]
fn a_new_locale_pack_builds_and_passes_its_test() {
    generate_and_test("locale-pack");
}

#[test]
fn a_new_policy_builds_and_passes_its_test() {
    generate_and_test("compensation-policy");
}

#[test]
fn a_bad_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "plugin",
            "new",
            "Bad Name",
            "--kind",
            "locale-pack",
            "--dir",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use lower-case letters"));
}
