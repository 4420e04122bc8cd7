//! The plugin runtime against real components: the well-behaved echo plugin and the
//! hostile plugin, built from this repository by `test-artifacts`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use helloword::plugin::bindings::connector_api::{WebhookError, WebhookOutcome};
use helloword::plugin::{CacheOutcome, Limits, PluginError};
use helloword_testkit::request;

#[tokio::test]
async fn echo_verifies_its_signature_through_the_host_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let plugin = load(&runtime(), &echo_folder(tmp.path(), "echo", "")).await;
    let body = br#"{"hello": "world"}"#;

    let signed = request("POST", "/", &[("X-Echo-Signature", &sign(body))], body);
    let Ok(WebhookOutcome::Events(events)) = plugin.handle_webhook(&signed).await.unwrap() else {
        panic!("a correctly signed delivery must become events");
    };
    assert_eq!(
        events[0].buyer_text.as_deref(),
        Some(r#"{"hello": "world"}"#)
    );

    let forged = request("POST", "/", &[("x-echo-signature", &sign(b"other"))], body);
    assert!(matches!(
        plugin.handle_webhook(&forged).await.unwrap(),
        Err(WebhookError::Unauthorized(_))
    ));
}

/// The echo connector as built for contract 0.1.0 before the optional `orders` export
/// existed (committed, so that it is never rebuilt with a newer SDK).
const ECHO_0_1_0: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../test-plugins/echo-0.1.0/echo_plugin.wasm"
);

#[tokio::test]
async fn a_0_1_0_component_built_before_the_orders_export_still_loads_and_answers() {
    use helloword::plugin::bindings::orders_api::FoundOrder;
    let tmp = tempfile::tempdir().unwrap();
    let folder = plugin_folder(
        tmp.path(),
        "echo-old",
        ECHO_0_1_0,
        "secrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1\"]",
        "",
    );
    let old = load(&runtime(), &folder).await;
    let body = br#"{"hello": "world"}"#;
    let signed = request("POST", "/", &[("X-Echo-Signature", &sign(body))], body);
    let Ok(WebhookOutcome::Events(events)) = old.handle_webhook(&signed).await.unwrap() else {
        panic!("the 0.1.0 component must still turn a signed delivery into events");
    };
    assert_eq!(events.len(), 1);
    // It has no `orders` export: the host never asks it, and says it cannot.
    assert!(!old.exports_order_lookup());
    assert!(matches!(
        old.lookup_order("shop", "1").await.unwrap(),
        Ok(FoundOrder::NotSupported)
    ));

    // Today's SDK exports it, answering `not-supported` unless the connector looks up.
    let new = load(&runtime(), &echo_folder(tmp.path(), "echo", "")).await;
    assert!(new.exports_order_lookup());
    assert!(matches!(
        new.lookup_order("shop", "1").await.unwrap(),
        Ok(FoundOrder::NotSupported)
    ));
}

/// The German locale pack as built for contract 0.1.0 before the optional `tips` export
/// existed (committed, so that it is never rebuilt with a newer SDK).
const LOCALE_DE_0_1_0: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../test-plugins/locale-de-0.1.0/locale_de.wasm"
);

/// `<dir>/<id>/`: the German pack's manifest with component `wasm` beside it.
fn german_pack_folder(dir: &std::path::Path, id: &str, wasm: &str) -> std::path::PathBuf {
    let folder = dir.join(id);
    std::fs::create_dir_all(&folder).unwrap();
    let manifest = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../plugins/locale-de/plugin.toml"
    );
    std::fs::copy(manifest, folder.join("plugin.toml")).unwrap();
    std::fs::copy(wasm, folder.join("locale_de.wasm")).unwrap();
    folder
}

#[tokio::test]
async fn a_0_1_0_locale_pack_built_before_the_tips_export_still_loads_and_shows_english_tips() {
    use helloword::plugin::Description;
    let tmp = tempfile::tempdir().unwrap();
    let old = load(
        &runtime(),
        &german_pack_folder(tmp.path(), "old", LOCALE_DE_0_1_0),
    )
    .await;
    let Description::LocalePack(info) = &old.description else {
        panic!("a locale pack describes itself: {:?}", old.description);
    };
    assert_eq!(info.languages, ["de"]);
    let english = old.culture_tips("DE").await.unwrap();
    assert!(
        english.iter().any(|tip| tip.title == "Formal address"),
        "{english:?}"
    );
    // It has no `tips` export: an agent reading Chinese gets its English tips.
    assert!(!old.exports_tips_in_language());
    assert_eq!(old.culture_tips_in("DE", "zh-CN").await.unwrap(), english);

    // Today's build exports it, with the same tips in Chinese.
    let (_, wasm) = test_artifacts::LOCALE_PACKS
        .iter()
        .find(|(package, _)| *package == "locale-de")
        .unwrap();
    let new = load(&runtime(), &german_pack_folder(tmp.path(), "new", wasm)).await;
    assert!(new.exports_tips_in_language());
    let chinese = new.culture_tips_in("DE", "zh-CN").await.unwrap();
    assert_eq!(chinese.len(), english.len());
    assert!(
        chinese.iter().any(|tip| tip.title == "正式称呼"),
        "{chinese:?}"
    );
    assert_eq!(new.culture_tips_in("DE", "en").await.unwrap(), english);
}

#[tokio::test]
async fn secret_parts_are_hashed_in_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    let plugin = load(&runtime(), &echo_folder(tmp.path(), "echo", "")).await;
    let Ok(WebhookOutcome::Reply(reply)) = plugin
        .handle_webhook(&request("GET", "/digest?challenge=abc", &[], b""))
        .await
        .unwrap()
    else {
        panic!("digest must reply");
    };
    use sha2::Digest;
    let expected = hex::encode(sha2::Sha256::digest(format!("abc{ECHO_SECRET}")));
    assert_eq!(String::from_utf8(reply.body).unwrap(), expected);
}

#[tokio::test]
async fn a_secret_that_is_not_granted_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let plugin = load(&runtime(), &echo_folder(tmp.path(), "echo", "")).await;
    let Ok(WebhookOutcome::Reply(reply)) = plugin
        .handle_webhook(&request("POST", "/unknown-secret", &[], b""))
        .await
        .unwrap()
    else {
        panic!("must reply");
    };
    let text = String::from_utf8(reply.body).unwrap();
    assert!(text.contains("NotGranted"), "{text}");
    assert!(
        text.contains("secret `not_granted` is not granted"),
        "{text}"
    );
}

#[tokio::test]
async fn plugin_config_reaches_the_guest() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = echo_folder(
        tmp.path(),
        "echo",
        "[config]\napi_version = \"2025-07\"\nretries = 3",
    );
    let plugin = load(&runtime(), &folder).await;
    let Ok(WebhookOutcome::Reply(reply)) = plugin
        .handle_webhook(&request("POST", "/config", &[], b""))
        .await
        .unwrap()
    else {
        panic!("must reply");
    };
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "api_version=2025-07\nretries=3"
    );
}

#[tokio::test]
async fn an_unchanged_component_is_compiled_once() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let folder = echo_folder(tmp.path(), "echo", "");
    let first = load(
        &runtime_with(Some(cache.clone()), Limits::default()),
        &folder,
    )
    .await;
    assert_eq!(first.cache, CacheOutcome::Compiled);
    // A new runtime, as after a restart.
    let second = load(
        &runtime_with(Some(cache.clone()), Limits::default()),
        &folder,
    )
    .await;
    assert_eq!(second.cache, CacheOutcome::Hit);
    assert_eq!(first.content_hash, second.content_hash);
    let artifacts = std::fs::read_dir(&cache).unwrap().count();
    assert_eq!(artifacts, 1);
}

async fn hostile(behaviour: &str, limits: &str) -> PluginError {
    let tmp = tempfile::tempdir().unwrap();
    let folder = hostile_folder(tmp.path(), "hostile", behaviour, limits);
    let plugin = load(&runtime(), &folder).await;
    plugin
        .handle_webhook(&request("POST", "/", &[], b"{}"))
        .await
        .expect_err("a hostile call must fail")
}

#[tokio::test]
async fn an_infinite_loop_times_out_within_its_cpu_budget() {
    let started = Instant::now();
    let error = hostile("loop", "cpu_ms = 50").await;
    assert_eq!(error.kind(), "timeout", "{error}");
    assert!(error.to_string().contains("cpu limit of 50 ms"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_memory_bomb_hits_its_memory_cap() {
    let error = hostile("memory-bomb", "memory_bytes = 16777216").await;
    assert_eq!(error.kind(), "out-of-memory", "{error}");
    assert!(error.to_string().contains("16777216"), "{error}");
}

#[tokio::test]
async fn unbounded_recursion_overflows_the_stack() {
    let error = hostile("recursion", "").await;
    assert_eq!(error.kind(), "stack-overflow", "{error}");
}

#[tokio::test]
async fn a_huge_return_value_is_refused() {
    let error = hostile(
        "huge-output",
        "max_output_bytes = 1048576\nmemory_bytes = 268435456",
    )
    .await;
    assert_eq!(error.kind(), "output-too-large", "{error}");
    assert!(
        error.to_string().contains("over its cap of 1048576"),
        "{error}"
    );
}

#[tokio::test]
async fn a_panic_is_a_trap_with_the_panic_message() {
    let error = hostile("panic", "").await;
    assert_eq!(error.kind(), "trap", "{error}");
    assert!(
        error
            .to_string()
            .contains("hostile plugin panics on purpose"),
        "{error}"
    );
}

#[tokio::test]
async fn a_host_call_flood_hits_the_quota() {
    let error = hostile("host-call-flood", "host_call_quota = 1000").await;
    assert_eq!(error.kind(), "host-call-quota", "{error}");
}

#[tokio::test]
async fn every_hostile_plugin_is_stopped_while_a_good_plugin_keeps_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let echo = load(&runtime, &echo_folder(tmp.path(), "echo", "")).await;
    let mut hostiles = Vec::new();
    for (behaviour, limits) in [
        ("loop", "cpu_ms = 300"),
        ("memory-bomb", "memory_bytes = 16777216"),
        ("recursion", ""),
        (
            "huge-output",
            "max_output_bytes = 1048576\nmemory_bytes = 268435456",
        ),
        ("panic", ""),
        ("host-call-flood", ""),
    ] {
        let folder = hostile_folder(tmp.path(), &format!("h-{behaviour}"), behaviour, limits);
        hostiles.push(load(&runtime, &folder).await);
    }
    let attacks = hostiles
        .iter()
        .map(|h| async move { h.handle_webhook(&request("POST", "/", &[], b"{}")).await });
    let good = async {
        let mut answered = 0;
        for i in 0..50 {
            let body = format!("{{\"n\": {i}}}");
            let req = request(
                "POST",
                "/",
                &[("x-echo-signature", &sign(body.as_bytes()))],
                body.as_bytes(),
            );
            if matches!(
                echo.handle_webhook(&req).await,
                Ok(Ok(WebhookOutcome::Events(_)))
            ) {
                answered += 1;
            }
        }
        answered
    };
    let (results, answered) = tokio::join!(futures_join_all(attacks), good);
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().expect_err("hostile").kind())
        .collect();
    assert_eq!(
        kinds,
        [
            "timeout",
            "out-of-memory",
            "stack-overflow",
            "output-too-large",
            "trap",
            "host-call-quota"
        ]
    );
    assert_eq!(
        answered, 50,
        "the well-behaved plugin must answer every call"
    );
}

/// Join futures without pulling in the futures crate.
async fn futures_join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out = Vec::new();
    // Poll all concurrently by racing them in a LocalSet-free way: tokio::join on a vec.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    for r in results {
        out.push(r.expect("every future finished"));
    }
    out
}

/// A loopback server that answers every request with the request's `authorization` header.
async fn header_echo_server() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let auth = head
                    .lines()
                    .find_map(|l| l.strip_prefix("authorization: "))
                    .unwrap_or("none")
                    .to_string();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{auth}",
                    auth.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn http_reaches_granted_hosts_with_secret_headers_added_by_the_host() {
    let port = header_echo_server().await;
    let tmp = tempfile::tempdir().unwrap();
    let folder = echo_folder(
        tmp.path(),
        "echo",
        &format!("[config]\ntarget_url = \"http://127.0.0.1:{port}/x\""),
    );
    let plugin = load(&runtime(), &folder).await;
    let Ok(WebhookOutcome::Reply(reply)) = plugin
        .handle_webhook(&request("GET", "/fetch", &[], b""))
        .await
        .unwrap()
    else {
        panic!("fetch must reply");
    };
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        format!("Bearer {ECHO_SECRET}")
    );
}

#[tokio::test]
async fn http_to_a_host_that_is_not_granted_is_refused_with_the_line_to_add() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = echo_folder(
        tmp.path(),
        "echo",
        "[config]\ntarget_url = \"http://localhost:9/x\"",
    );
    let plugin = load(&runtime(), &folder).await;
    let outcome = plugin
        .handle_webhook(&request("GET", "/fetch", &[], b""))
        .await
        .unwrap();
    let Err(WebhookError::Unavailable(message)) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.contains("HostNotGranted"), "{message}");
    assert!(
        message.contains(
            "localhost:9 is not in allowed_hosts of plugin `echo`; it needs \\\"localhost:9\\\" \
             in `allowed_hosts` of its plugin.toml and in `allowed_hosts` of \
             [plugins.grants.echo] in the gateway config"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn a_call_parked_in_a_host_call_is_stopped_by_the_wall_clock_guard() {
    // The upstream accepts and never answers; the plugin's HTTP timeout is longer than its
    // wall-clock limit, so only the guard can stop the call.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let folder = echo_folder(
        tmp.path(),
        "echo",
        &format!(
            "[limits]\nwall_clock_ms = 300\nhttp_timeout_ms = 60000\n[config]\ntarget_url = \"http://127.0.0.1:{port}/\""
        ),
    );
    let plugin = load(&runtime(), &folder).await;
    let started = Instant::now();
    let error = plugin
        .handle_webhook(&request("GET", "/fetch", &[], b""))
        .await
        .expect_err("the guard must stop the call");
    assert_eq!(error.kind(), "timeout");
    assert!(
        error.to_string().contains("wall-clock limit of 300 ms"),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_pooling_allocator_is_used_here_and_falls_back_when_it_cannot_be_set_up() {
    use helloword::plugin::{EngineSettings, GrantPolicy, Runtime, RuntimeSettings};
    assert!(
        runtime().pooling(),
        "this machine supports the pooling allocator"
    );

    // A pool whose address-space reservation cannot exist makes the engine fall back to
    // on-demand instances; plugins work all the same.
    let settings = RuntimeSettings {
        engine: EngineSettings {
            max_concurrent_instances: 4_000_000,
            ..EngineSettings::default()
        },
        grants: GrantPolicy::AsRequested,
        ..RuntimeSettings::default()
    };
    let fallback =
        Runtime::new(settings, services(helloword::telemetry::Metrics::default())).unwrap();
    assert!(!fallback.pooling());
    let tmp = tempfile::tempdir().unwrap();
    let plugin = load(&fallback, &echo_folder(tmp.path(), "echo", "")).await;
    let body = b"on demand";
    let req = request("POST", "/", &[("x-echo-signature", &sign(body))], body);
    assert!(matches!(
        plugin.handle_webhook(&req).await.unwrap(),
        Ok(WebhookOutcome::Events(_))
    ));
}
