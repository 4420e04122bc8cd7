//! Loading plugins from a folder: bad input gets an error naming the file and the key, the
//! other plugins still load, and changes to the folder take effect without a restart.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use helloword::plugin::bindings::connector_api::WebhookOutcome;
use helloword::plugin::{Manifest, PluginSet};
use helloword_testkit::request;

fn error_of(set: &PluginSet, folder: &str) -> String {
    set.statuses()
        .into_iter()
        .find(|s| s.folder.ends_with(folder))
        .and_then(|s| s.error)
        .unwrap_or_else(|| panic!("{folder} should have failed"))
}

#[tokio::test]
async fn bad_plugins_get_named_errors_and_the_rest_still_load() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    echo_folder(dir, "good", "");

    let corrupt = plugin_folder(dir, "corrupt", test_artifacts::ECHO, "", "");
    std::fs::write(corrupt.join("plugin.wasm"), b"\0asm\x01\0\0\0garbage").unwrap();

    let not_wasm = plugin_folder(dir, "not-wasm", test_artifacts::ECHO, "", "");
    std::fs::write(not_wasm.join("plugin.wasm"), b"hello").unwrap();

    // A connector component declared as a locale pack: the wrong world.
    let wrong_world = plugin_folder(dir, "wrong-world", test_artifacts::ECHO, "", "");
    let text = std::fs::read_to_string(wrong_world.join("plugin.toml")).unwrap();
    std::fs::write(
        wrong_world.join("plugin.toml"),
        text.replace("marketplace-connector", "locale-pack"),
    )
    .unwrap();

    let unknown_version = plugin_folder(dir, "unknown-version", test_artifacts::ECHO, "", "");
    let text = std::fs::read_to_string(unknown_version.join("plugin.toml")).unwrap();
    std::fs::write(
        unknown_version.join("plugin.toml"),
        text.replace("\"0.1.0\"", "\"0.9.0\""),
    )
    .unwrap();

    plugin_folder(
        dir,
        "unknown-key",
        test_artifacts::ECHO,
        "colour = \"blue\"",
        "",
    );
    plugin_folder(
        dir,
        "missing-secret",
        test_artifacts::ECHO,
        "secrets = [\"no_such_secret\"]",
        "",
    );

    let set = PluginSet::open(runtime(), dir.to_path_buf()).await;
    assert_eq!(set.ids(), ["good"]);

    let corrupt = error_of(&set, "corrupt");
    assert!(
        corrupt.contains("corrupt/plugin.wasm: not a valid WebAssembly component"),
        "{corrupt}"
    );
    let not_wasm = error_of(&set, "not-wasm");
    assert!(
        not_wasm.contains("not-wasm/plugin.wasm: not a WebAssembly file"),
        "{not_wasm}"
    );
    let wrong = error_of(&set, "wrong-world");
    assert!(
        wrong.contains(
            "a locale-pack plugin for contract 0.1.0 must export helloword:gateway/locale@0.1.0"
        ) && wrong.contains("the component exports helloword:gateway/connector@0.1.0"),
        "{wrong}"
    );
    let version = error_of(&set, "unknown-version");
    assert!(
        version.contains("unknown-version/plugin.toml: `plugin.contract` is \"0.9.0\""),
        "{version}"
    );
    let key = error_of(&set, "unknown-key");
    assert!(
        key.contains("unknown-key/plugin.toml: line 6: unknown field `colour`"),
        "{key}"
    );
    let secret = error_of(&set, "missing-secret");
    assert!(
        secret.contains(
            "missing-secret/plugin.toml: secret `no_such_secret` (in `plugin.secrets`) has no value"
        ),
        "{secret}"
    );

    let good = set.get("good").unwrap();
    let body = b"still serving";
    let req = request("POST", "/", &[("x-echo-signature", &sign(body))], body);
    assert!(matches!(
        good.handle_webhook(&req).await.unwrap(),
        Ok(WebhookOutcome::Events(_))
    ));
}

#[tokio::test]
async fn a_pinned_hash_refuses_a_different_component() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = plugin_folder(
        tmp.path(),
        "pinned",
        test_artifacts::ECHO,
        &format!("sha256 = \"{}\"", "ab".repeat(32)),
        "",
    );
    let manifest = Manifest::load(&folder.join("plugin.toml")).unwrap();
    let error = runtime().load(manifest).await.unwrap_err().to_string();
    assert!(error.contains("`plugin.sha256` is abab"), "{error}");
}

#[tokio::test]
async fn plugins_are_added_replaced_and_removed_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let set = PluginSet::open(runtime(), dir.clone()).await;
    assert!(set.ids().is_empty());

    // Added.
    echo_folder(&dir, "echo", "");
    let report = set.rescan().await;
    assert_eq!(report.added, ["echo"]);
    let v1 = set.get("echo").unwrap();

    // Replaced by a different component under the same id: the echo folder now holds the
    // hostile plugin (a different content hash).
    std::fs::copy(test_artifacts::HOSTILE, dir.join("echo/plugin.wasm")).unwrap();
    let report = set.rescan().await;
    assert_eq!(report.replaced, ["echo"]);
    let v2 = set.get("echo").unwrap();
    assert_ne!(v1.content_hash, v2.content_hash);
    // The old version still answers for whoever holds it (a call in flight).
    let body = b"old";
    let req = request("POST", "/", &[("x-echo-signature", &sign(body))], body);
    assert!(matches!(
        v1.handle_webhook(&req).await.unwrap(),
        Ok(WebhookOutcome::Events(_))
    ));

    // A broken new version keeps the loaded one in service.
    std::fs::write(dir.join("echo/plugin.wasm"), b"broken").unwrap();
    let report = set.rescan().await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(set.get("echo").unwrap().content_hash, v2.content_hash);

    // Removed.
    std::fs::remove_dir_all(dir.join("echo")).unwrap();
    let report = set.rescan().await;
    assert_eq!(report.removed, ["echo"]);
    assert!(set.get("echo").is_none());
}

#[tokio::test]
async fn a_call_in_flight_finishes_on_the_version_it_started_with() {
    // A slow upstream keeps the echo plugin's /fetch call in flight while the plugin is
    // replaced by the watcher.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = upstream.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = upstream.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                tokio::time::sleep(Duration::from_millis(1500)).await;
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nupdated",
                    )
                    .await;
            });
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    echo_folder(
        &dir,
        "echo",
        &format!("[config]\ntarget_url = \"http://127.0.0.1:{port}/\""),
    );
    let set = PluginSet::open(runtime(), dir.clone()).await;
    let (_stop, watching) = tokio::sync::watch::channel(false);
    set.watch(Duration::from_millis(100), watching);

    let v1 = set.get("echo").unwrap();
    let hash_v1 = v1.content_hash.clone();
    let in_flight =
        tokio::spawn(async move { v1.handle_webhook(&request("GET", "/fetch", &[], b"")).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::fs::copy(test_artifacts::HOSTILE, dir.join("echo/plugin.wasm")).unwrap();
    let set2 = Arc::clone(&set);
    let replaced = async move {
        for _ in 0..100 {
            if set2.get("echo").is_some_and(|p| p.content_hash != hash_v1) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(replaced.await, "the watcher must load the new version");
    let Ok(Ok(WebhookOutcome::Reply(reply))) = in_flight.await.unwrap() else {
        panic!("the call in flight must finish on the old version");
    };
    assert_eq!(reply.body, b"updated");
}

/// The connector imports `cache` and `delivery` were added to contract 0.1.0 after components
/// were built for it. A component that imports neither, as every one built before them, loads
/// and answers as before; the bundled connectors, which use `delivery`, import it.
#[tokio::test]
async fn a_connector_that_imports_neither_cache_nor_delivery_loads_as_before() {
    let runtime = runtime();
    let imports = |wasm: &str| -> Vec<String> {
        let component = wasmtime::component::Component::from_file(runtime.engine(), wasm).unwrap();
        component
            .component_type()
            .imports(runtime.engine())
            .map(|(name, _)| name.to_string())
            .filter(|name| name.starts_with("helloword:gateway/"))
            .collect()
    };
    let hostile = imports(test_artifacts::HOSTILE);
    assert!(
        !hostile
            .iter()
            .any(|i| i.contains("/cache@") || i.contains("/delivery@")),
        "{hostile:?}"
    );
    let shopify = imports(test_artifacts::SHOPIFY);
    assert!(
        shopify
            .iter()
            .any(|i| i == "helloword:gateway/delivery@0.1.0"),
        "{shopify:?}"
    );
    let tmp = tempfile::tempdir().unwrap();
    // Its answer (a refusal: "none" is no behaviour of it) is taken as it is.
    let plugin = load(&runtime, &hostile_folder(tmp.path(), "old", "none", "")).await;
    let verdict = plugin
        .handle_webhook_verdict(&request("POST", "/", &[], b"{}"))
        .await
        .unwrap();
    assert!(!verdict.verified_unreadable, "{verdict:?}");
    assert!(verdict.outcome.is_err(), "{verdict:?}");
}
