//! Builds every bundled plugin and test plugin for wasm32-wasip2, once per change, and
//! writes a constant with the path of each built component. Tests refer to the constants,
//! so a plugin that does not build fails the test build instead of a test at run time.
//!
//! Plugins are built in their own target folder (`target/plugins`) so that this nested
//! cargo never waits for the lock of the build that runs it. Plugins of different worlds
//! are built by separate cargo invocations: each world's bindings add a description of the
//! world to the component, and cargo would otherwise unify the SDK's world features.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// (package, library file stem, constant, SDK world feature)
const PLUGINS: &[(&str, &str, &str, &str)] = &[
    (
        "shopify-connector",
        "shopify_connector",
        "SHOPIFY",
        "connector",
    ),
    (
        "amazon-connector",
        "amazon_connector",
        "AMAZON",
        "connector",
    ),
    ("ebay-connector", "ebay_connector", "EBAY", "connector"),
    (
        "woocommerce-connector",
        "woocommerce_connector",
        "WOOCOMMERCE",
        "connector",
    ),
    ("echo-plugin", "echo_plugin", "ECHO", "connector"),
    ("hostile-plugin", "hostile_plugin", "HOSTILE", "connector"),
    ("locale-de", "locale_de", "LOCALE_DE", "locale"),
    ("locale-ar", "locale_ar", "LOCALE_AR", "locale"),
    ("locale-en", "locale_en", "LOCALE_EN", "locale"),
    ("locale-es", "locale_es", "LOCALE_ES", "locale"),
    ("locale-fr", "locale_fr", "LOCALE_FR", "locale"),
    ("locale-it", "locale_it", "LOCALE_IT", "locale"),
    ("locale-ja", "locale_ja", "LOCALE_JA", "locale"),
    ("locale-nl", "locale_nl", "LOCALE_NL", "locale"),
    ("locale-pl", "locale_pl", "LOCALE_PL", "locale"),
    ("locale-pt-br", "locale_pt_br", "LOCALE_PT_BR", "locale"),
    ("locale-sv", "locale_sv", "LOCALE_SV", "locale"),
    ("locale-tr", "locale_tr", "LOCALE_TR", "locale"),
    (
        "translate-deepl",
        "translate_deepl",
        "TRANSLATE_DEEPL",
        "translator",
    ),
    ("refund-policy", "refund_policy", "REFUND_POLICY", "policy"),
    (
        "policy-standard",
        "policy_standard",
        "POLICY_STANDARD",
        "policy",
    ),
];

/// Stop with the command to run when the toolchain lacks the wasm32-wasip2 target (rustup
/// adds it from rust-toolchain.toml by itself unless auto-install is turned off).
fn require_wasm_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(sysroot) = sysroot {
        let target = PathBuf::from(sysroot).join("lib/rustlib/wasm32-wasip2");
        assert!(
            target.exists(),
            "the Rust toolchain has no wasm32-wasip2 target; run `rustup target add wasm32-wasip2`"
        );
    }
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("test-artifacts sits in the workspace")
        .to_path_buf();
    for watched in [
        "wit",
        "sdk/guest",
        "plugins",
        "test-plugins",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = root.join("target").join("plugins");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    require_wasm_target();

    let mut worlds: Vec<&str> = PLUGINS.iter().map(|p| p.3).collect();
    worlds.dedup();
    for world in worlds {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&root)
            .args(["build", "--target", "wasm32-wasip2", "--profile", "plugin"])
            .arg("--target-dir")
            .arg(&target_dir);
        for (package, ..) in PLUGINS.iter().filter(|p| p.3 == world) {
            cmd.args(["-p", package]);
        }
        // What the outer build set for itself must not leak into the plugin build.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTC_WRAPPER",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            cmd.env_remove(var);
        }
        let status = cmd.status().expect("running cargo to build the plugins");
        assert!(
            status.success(),
            "building the {world} plugins for wasm32-wasip2 failed"
        );
    }

    let out_dir = target_dir.join("wasm32-wasip2").join("plugin");
    let mut code = String::new();
    for (package, stem, constant, _) in PLUGINS {
        let path = out_dir.join(format!("{stem}.wasm"));
        assert!(path.exists(), "{} was not built", path.display());
        writeln!(
            code,
            "/// The built component of `{package}`.\npub const {constant}: &str = {:?};",
            path.display().to_string()
        )
        .expect("writing to a string");
    }
    // Every locale pack, with the folder holding its plugin.toml and test corpora.
    code.push_str("/// Every bundled locale pack: (plugin folder under plugins/, built component).\npub const LOCALE_PACKS: &[(&str, &str)] = &[\n");
    for (package, stem, _, world) in PLUGINS {
        if *world == "locale" {
            let path = out_dir.join(format!("{stem}.wasm"));
            writeln!(code, "    ({package:?}, {:?}),", path.display().to_string())
                .expect("writing to a string");
        }
    }
    code.push_str("];\n");
    let generated = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("artifacts.rs");
    std::fs::write(&generated, code).expect("writing the artifact constants");
}
