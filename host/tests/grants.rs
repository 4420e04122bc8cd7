//! A plugin gets what the operator grants, and loading it is bounded (issue 23, part 3).
//!
//! The manifest requests secrets, hosts and limits; the gateway config grants them per
//! plugin. Every refusal names the plugin and what to change. Plugin files are read only when
//! they are regular files within their caps, and two folders with one id are both refused,
//! on every start and on hot reload alike.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use helloword::config::{Config, Secrets};
use helloword::plugin::bindings::connector_api::{WebhookError, WebhookOutcome};
use helloword::plugin::{Manifest, PluginSet, Runtime, Services};
use helloword::telemetry::Metrics;
use helloword_testkit::request;

/// The seller's Shopify Admin API token: what a hostile plugin wants.
const ADMIN_TOKEN: &str = "shpat_canary_admin_token";

/// A runtime as the gateway builds it from `config` (its grants, limits and component cap),
/// with the echo secret and the Shopify secrets as the gateway's secrets.
fn gateway_runtime(config: &str) -> Runtime {
    let config = Config::parse(Path::new("/etc/helloword/helloword.toml"), config)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut settings = config.runtime_settings();
    settings.cache_dir = None;
    let secrets = Secrets::from_pairs([
        ("echo_secret", ECHO_SECRET),
        ("shopify_admin_token", ADMIN_TOKEN),
        ("shopify_client_secret", "client-secret"),
    ]);
    let services = Services::new(Arc::new(secrets), Metrics::default()).unwrap();
    Runtime::new(settings, Arc::new(services)).unwrap()
}

/// The grant `echo_folder` plugins need, for id `echo`.
const ECHO_GRANT: &str =
    "[plugins.grants.echo]\nsecrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1\"]\n";

fn error_of(set: &PluginSet, folder: &str) -> String {
    set.statuses()
        .into_iter()
        .find(|s| s.folder.ends_with(folder))
        .and_then(|s| s.error)
        .unwrap_or_else(|| panic!("{folder} should have failed"))
}

fn manifest_of(folder: &Path) -> String {
    folder.join("plugin.toml").display().to_string()
}

/// A hostile plugin at `<dir>/hostile` that tries to send `secret` to `target_url`.
fn thief(dir: &Path, requests: &str, target_url: &str) -> PathBuf {
    plugin_folder(
        dir,
        "hostile",
        test_artifacts::HOSTILE,
        requests,
        &format!("[config]\nbehaviour = \"exfiltrate\"\ntarget_url = \"{target_url}\"\n"),
    )
}

async fn steal(set: &PluginSet) -> String {
    let plugin = set.get("hostile").expect("the thief loads");
    match plugin
        .handle_webhook(&request("POST", "/", &[], b"{}"))
        .await
    {
        Ok(Err(WebhookError::Misconfigured(message))) => message,
        other => panic!("the theft must fail in the host, not {other:?}"),
    }
}

/// Nothing connected to `listener` (a collector the thief aimed at).
fn nothing_arrived(listener: &std::net::TcpListener) {
    listener.set_nonblocking(true).unwrap();
    let accepted = listener.accept();
    assert!(
        accepted.is_err(),
        "something reached the collector: {accepted:?}"
    );
}

#[tokio::test]
async fn a_hostile_plugin_that_asks_for_the_admin_token_and_foreign_hosts_is_refused_naming_the_grant()
 {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    echo_folder(dir, "echo", "");
    let hostile = thief(
        dir,
        "secrets = [\"shopify_admin_token\", \"shopify_client_secret\"]\n\
         allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]",
        "https://collector.example.com/",
    );
    let set = PluginSet::open(gateway_runtime(ECHO_GRANT), dir.to_path_buf()).await;

    assert_eq!(set.ids(), ["echo"], "the hostile plugin does not load");
    assert_eq!(
        error_of(&set, "hostile"),
        format!(
            "{}: plugin `hostile` asks for what the gateway config does not grant it: secret \
             `shopify_admin_token`, secret `shopify_client_secret`, host `127.0.0.1`, host \
             `*.example.com`. To grant it, write these lines in the gateway config, in place \
             of any [plugins.grants.hostile] there:\n    \
             [plugins.grants.hostile]\n    \
             secrets = [\"shopify_admin_token\", \"shopify_client_secret\"]\n    \
             allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]",
            manifest_of(&hostile)
        )
    );
    // The other plugin keeps serving.
    let echo = set.get("echo").unwrap();
    let body = b"still serving";
    let req = request("POST", "/", &[("x-echo-signature", &sign(body))], body);
    assert!(matches!(
        echo.handle_webhook(&req).await.unwrap(),
        Ok(WebhookOutcome::Events(_))
    ));
}

#[tokio::test]
async fn an_optional_admin_token_that_is_not_granted_never_leaves_the_host() {
    let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = collector.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    // The operator grants the plugin loopback, but not the token it would like.
    thief(
        tmp.path(),
        "optional_secrets = [\"shopify_admin_token\"]\nallowed_hosts = [\"127.0.0.1\"]",
        &format!("http://127.0.0.1:{port}/"),
    );
    let set = PluginSet::open(
        gateway_runtime("[plugins.grants.hostile]\nallowed_hosts = [\"127.0.0.1\"]\n"),
        tmp.path().to_path_buf(),
    )
    .await;
    let status = set.statuses().remove(0);
    assert_eq!(status.error, None);
    assert_eq!(
        status.warnings,
        [
            "plugin `hostile` loads without its optional secret `shopify_admin_token`, which the \
          gateway config does not grant it; to grant it, write secrets = \
          [\"shopify_admin_token\"] in [plugins.grants.hostile]"
        ]
    );

    let refused = steal(&set).await;
    assert!(
        refused.contains(
            "secret `shopify_admin_token` is not granted to plugin `hostile`; it needs \
             `shopify_admin_token` in `secrets` or `optional_secrets` of its plugin.toml and in \
             `secrets` of [plugins.grants.hostile] in the gateway config"
        ),
        "{refused}"
    );
    assert!(!refused.contains(ADMIN_TOKEN));
    nothing_arrived(&collector);
}

#[tokio::test]
async fn a_granted_token_still_goes_to_no_host_the_plugin_was_not_granted() {
    let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = collector.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    // The token is granted (its own connector would need it); loopback is neither requested
    // nor granted.
    thief(
        tmp.path(),
        "optional_secrets = [\"shopify_admin_token\"]\nallowed_hosts = [\"*.myshopify.com\"]",
        &format!("http://127.0.0.1:{port}/"),
    );
    let set = PluginSet::open(
        gateway_runtime(
            "[plugins.grants.hostile]\nsecrets = [\"shopify_admin_token\"]\n\
             allowed_hosts = [\"*.myshopify.com\"]\n",
        ),
        tmp.path().to_path_buf(),
    )
    .await;
    let refused = steal(&set).await;
    assert!(
        refused.starts_with("HttpError::HostNotGranted("),
        "{refused}"
    );
    assert!(
        refused.contains(&format!(
            "127.0.0.1:{port} is not in allowed_hosts of plugin `hostile`"
        )),
        "{refused}"
    );
    nothing_arrived(&collector);
}

#[tokio::test]
async fn limits_above_the_defaults_need_a_grant_and_below_them_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = hostile_folder(tmp.path(), "hostile", "loop", "cpu_ms = 20000");
    let manifest = || Manifest::load(&folder.join("plugin.toml")).unwrap();

    let refused = gateway_runtime("").load(manifest()).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "{}: plugin `hostile` asks for what the gateway config does not grant it: cpu_ms = \
             20000 (the default is 200). To grant it, write these lines in the gateway config, \
             in place of any [plugins.grants.hostile] there:\n    \
             [plugins.grants.hostile]\n    \
             limits = {{ cpu_ms = 20000 }}",
            manifest_of(&folder)
        )
    );
    // A grant below what it asks for is the most it may have.
    let short = gateway_runtime("[plugins.grants.hostile]\nlimits = { cpu_ms = 1000 }\n")
        .load(manifest())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        short.contains(": cpu_ms = 20000 (granted up to 1000). "),
        "{short}"
    );
    let granted = gateway_runtime("[plugins.grants.hostile]\nlimits = { cpu_ms = 20000 }\n")
        .load(manifest())
        .await
        .unwrap();
    assert_eq!(granted.limits().cpu, Duration::from_secs(20));

    // Less than the defaults needs nobody's permission, and is what it gets.
    let modest = hostile_folder(tmp.path(), "modest", "loop", "cpu_ms = 50");
    let plugin = gateway_runtime("")
        .load(Manifest::load(&modest.join("plugin.toml")).unwrap())
        .await
        .unwrap();
    assert_eq!(plugin.limits().cpu, Duration::from_millis(50));
    let error = plugin
        .handle_webhook(&request("POST", "/", &[], b"{}"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "timeout", "{error}");
}

#[tokio::test]
async fn a_component_over_the_size_limit_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = echo_folder(tmp.path(), "echo", "");
    // A sparse 1 GiB file: reading it would cost 1 GiB of memory.
    std::fs::File::create(folder.join("plugin.wasm"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let set = PluginSet::open(gateway_runtime(ECHO_GRANT), tmp.path().to_path_buf()).await;
    assert_eq!(
        error_of(&set, "echo"),
        format!(
            "{}: cannot load the component: it is 1073741824 bytes, over the limit of 67108864 \
             bytes (plugins.max_component_bytes in the gateway config)",
            folder.join("plugin.wasm").display()
        )
    );

    // The limit is the operator's: below the real component's size, it is refused too.
    let echo = echo_folder(tmp.path(), "echo", "");
    let size = std::fs::metadata(echo.join("plugin.wasm")).unwrap().len();
    let small = gateway_runtime(&format!(
        "[plugins]\nmax_component_bytes = {}\n{ECHO_GRANT}",
        size - 1
    ));
    let error = small
        .load(Manifest::load(&echo.join("plugin.toml")).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with(&format!(
            "cannot load the component: it is {size} bytes, over the limit of {} bytes \
             (plugins.max_component_bytes in the gateway config)",
            size - 1
        )),
        "{error}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn fifos_devices_and_symlinks_to_them_are_refused_without_waiting() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The component is /dev/zero, behind a symlink: reading it would never end.
    let zero = plugin_folder(dir, "zero", test_artifacts::ECHO, "", "");
    std::fs::remove_file(zero.join("plugin.wasm")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero.join("plugin.wasm")).unwrap();
    // The component is a FIFO: opening it would wait for a writer.
    let fifo = plugin_folder(dir, "fifo", test_artifacts::ECHO, "", "");
    std::fs::remove_file(fifo.join("plugin.wasm")).unwrap();
    mkfifo(&fifo.join("plugin.wasm"));
    // plugin.toml itself is a FIFO.
    let manifest_fifo = dir.join("manifest-fifo");
    std::fs::create_dir_all(&manifest_fifo).unwrap();
    mkfifo(&manifest_fifo.join("plugin.toml"));
    // plugin.toml over its cap (sparse, so the test itself stays small).
    let huge = plugin_folder(dir, "huge", test_artifacts::ECHO, "", "");
    std::fs::OpenOptions::new()
        .write(true)
        .open(huge.join("plugin.toml"))
        .unwrap()
        .set_len(2 << 20)
        .unwrap();
    echo_folder(dir, "echo", "");

    let set = tokio::time::timeout(
        Duration::from_secs(60),
        PluginSet::open(gateway_runtime(ECHO_GRANT), dir.to_path_buf()),
    )
    .await
    .expect("loading must not wait on a FIFO or read a device");
    assert_eq!(set.ids(), ["echo"]);
    let not_regular = |what: &str| {
        format!(
            "it is {what}, not a regular file; a plugin's files must be regular files (or \
             symlinks to regular files)"
        )
    };
    assert_eq!(
        error_of(&set, "zero"),
        format!(
            "{}: cannot load the component: {}",
            zero.join("plugin.wasm").display(),
            not_regular("a character device")
        )
    );
    assert_eq!(
        error_of(&set, "fifo"),
        format!(
            "{}: cannot load the component: {}",
            fifo.join("plugin.wasm").display(),
            not_regular("a FIFO")
        )
    );
    assert_eq!(
        error_of(&set, "manifest-fifo"),
        format!(
            "{}: cannot load the manifest: {}",
            manifest_fifo.join("plugin.toml").display(),
            not_regular("a FIFO")
        )
    );
    assert_eq!(
        error_of(&set, "huge"),
        format!(
            "{}: cannot load the manifest: it is 2097152 bytes, over the limit of 1048576 bytes \
             (a plugin.toml may have at most 1 MiB)",
            huge.join("plugin.toml").display()
        )
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Two folders, `a-echo` and `b-echo`, whose manifests both say id `echo`.
fn twins(dir: &Path) -> (PathBuf, PathBuf) {
    let a = echo_folder(dir, "echo", "");
    let a_renamed = dir.join("a-echo");
    std::fs::rename(&a, &a_renamed).unwrap();
    let b = echo_folder(dir, "echo", "");
    let b_renamed = dir.join("b-echo");
    std::fs::rename(&b, &b_renamed).unwrap();
    (a_renamed, b_renamed)
}

fn twins_message(file: &Path, a: &Path, b: &Path) -> String {
    format!(
        "{}: `plugin.id` \"echo\" is the id of more than one plugin folder: {}, {}. None of them \
         loads until only one is left: remove the others, or give each its own `plugin.id`",
        file.join("plugin.toml").display(),
        a.display(),
        b.display()
    )
}

#[tokio::test]
async fn two_plugins_with_one_id_are_both_refused_the_same_way_on_every_start() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = twins(tmp.path());
    for _start in 0..3 {
        let set = PluginSet::open(gateway_runtime(ECHO_GRANT), tmp.path().to_path_buf()).await;
        assert!(set.ids().is_empty(), "{:?}", set.ids());
        assert_eq!(error_of(&set, "a-echo"), twins_message(&a, &a, &b));
        assert_eq!(error_of(&set, "b-echo"), twins_message(&b, &a, &b));
    }
}

#[tokio::test]
async fn hot_reload_refuses_a_second_plugin_with_a_loaded_id_like_a_start_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugins");
    let (a, b) = twins(&dir);
    let b_aside = tmp.path().join("b-echo.aside");
    std::fs::rename(&b, &b_aside).unwrap();
    let set = PluginSet::open(gateway_runtime(ECHO_GRANT), dir.clone()).await;
    assert_eq!(set.ids(), ["echo"]);

    // The twin arrives: both are refused and the loaded one is unloaded, as at a start.
    std::fs::rename(&b_aside, &b).unwrap();
    let report = set.rescan().await;
    assert_eq!(report.removed, ["echo"]);
    assert_eq!(report.failed.len(), 2);
    assert!(set.get("echo").is_none());
    assert_eq!(error_of(&set, "a-echo"), twins_message(&a, &a, &b));
    assert_eq!(error_of(&set, "b-echo"), twins_message(&b, &a, &b));
    // Reported once, not at every scan.
    assert_eq!(set.rescan().await.failed.len(), 0);

    // One is removed: the other loads again, whichever it is.
    std::fs::remove_dir_all(&a).unwrap();
    let report = set.rescan().await;
    assert_eq!(report.added, ["echo"]);
    let statuses = set.statuses();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].folder, b);
    assert_eq!(statuses[0].error, None);
}

/// Every bundled plugin laid out as `cargo demo` does (plus the translator), under `dir`.
fn bundle(dir: &Path, with_translator: bool) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut plugins: Vec<(&str, &str)> = vec![
        ("shopify", test_artifacts::SHOPIFY),
        ("amazon", test_artifacts::AMAZON),
        ("ebay", test_artifacts::EBAY),
        ("woocommerce", test_artifacts::WOOCOMMERCE),
        ("policy-standard", test_artifacts::POLICY_STANDARD),
    ];
    plugins.extend(test_artifacts::LOCALE_PACKS.iter().copied());
    if with_translator {
        plugins.push(("translate-deepl", test_artifacts::TRANSLATE_DEEPL));
    }
    for (name, wasm) in plugins {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = repo.join("plugins").join(name).join("plugin.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let component = Manifest::parse(&manifest, &text).unwrap().component;
        std::fs::write(folder.join("plugin.toml"), text).unwrap();
        std::fs::copy(wasm, folder.join(component.file_name().unwrap())).unwrap();
    }
}

async fn load_bundle(
    dir: &Path,
    config_file: &Path,
    with_translator: bool,
) -> (Arc<PluginSet>, Config) {
    let config = Config::load(config_file).unwrap_or_else(|e| panic!("{e}"));
    let mut settings = config.runtime_settings();
    settings.cache_dir = None;
    // The values the bundled plugins require; the grants are the config's own.
    let secrets = Secrets::from_pairs([
        ("shopify_client_secret", "x"),
        ("ebay_verification_token", "x"),
        ("woocommerce_webhook_secret", "x"),
        ("deepl_auth_key", "x"),
        // The second Shopify store's ([[connections]] shopify-outlet).
        ("outlet_client_secret", "x"),
    ]);
    let services = Services::new(Arc::new(secrets), Metrics::default()).unwrap();
    let runtime = Runtime::new(settings, Arc::new(services)).unwrap();
    bundle(dir, with_translator);
    (PluginSet::open(runtime, dir.to_path_buf()).await, config)
}

#[tokio::test]
async fn the_bundled_plugins_load_under_the_demo_and_example_configs() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (config, with_translator) in [
        ("demo/helloword.toml", false),
        ("docs/helloword.example.toml", true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (set, loaded) = load_bundle(tmp.path(), &repo.join(config), with_translator).await;
        for status in set.statuses() {
            assert_eq!(status.error, None, "{config}: {}", status.folder.display());
            assert!(
                status.warnings.is_empty(),
                "{config}: {:?}",
                status.warnings
            );
        }
        // Each plugin serves under its id, except those connections run: each connection
        // serves instead.
        let connected: std::collections::BTreeSet<&str> = loaded
            .connections
            .iter()
            .map(|c| c.plugin.as_str())
            .collect();
        let expected = 5 + test_artifacts::LOCALE_PACKS.len() + usize::from(with_translator)
            - connected.len()
            + loaded.connections.len();
        assert_eq!(set.ids().len(), expected, "{config}: {:?}", set.ids());
    }
}

#[test]
fn grant_mistakes_in_the_config_name_the_key_and_the_fix() {
    let check = |text: &str| {
        Config::parse(Path::new("/etc/helloword/helloword.toml"), text)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        check("[plugins.grants.shopify]\nsecret = [\"x\"]\n"),
        "/etc/helloword/helloword.toml: line 2: unknown field `secret`, expected one of \
         `secrets`, `allowed_hosts`, `limits`"
    );
    assert_eq!(
        check("[plugins.grants.shopify]\nallowed_hosts = [\"https://x.example.com\"]\n"),
        "/etc/helloword/helloword.toml: `plugins.grants.shopify.allowed_hosts` has \
         \"https://x.example.com\"; expected a host, host:port or *.domain"
    );
    assert_eq!(
        check("[plugins.grants.Shopify]\n"),
        "/etc/helloword/helloword.toml: `[plugins.grants.\"Shopify\"]`: \"Shopify\" is not a \
         plugin id; name the table after the `plugin.id` of the plugin's plugin.toml (1 to 64 \
         lower-case letters, digits and '-')"
    );
    assert_eq!(
        check("[plugins.grants.amazon]\nlimits = { memory_bytes = 999999999999 }\n"),
        "/etc/helloword/helloword.toml: `plugins.grants.amazon.limits.memory_bytes` \
         (999999999999) exceeds `plugins.max_memory_bytes` (268435456)"
    );
    assert_eq!(
        check("[plugins]\nmax_component_bytes = 0\n"),
        "/etc/helloword/helloword.toml: `plugins.max_component_bytes` is 0, which refuses every \
         plugin; expected a size in bytes such as 67108864 (64 MiB)"
    );
}

const BIN: &str = env!("CARGO_BIN_EXE_helloword");

/// What the hostile plugin of the end-to-end test asks for.
const GREEDY: &str = "secrets = [\"shopify_admin_token\", \"shopify_client_secret\"]\n\
                      allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]";

#[test]
fn plugins_check_run_and_serve_refuse_a_hostile_plugin_while_the_others_serve() {
    use std::process::{Command, Stdio};

    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    echo_folder(&plugins, "echo", "");
    let hostile = thief(&plugins, GREEDY, "https://collector.example.com/");
    let port = free_port();
    let config = tmp.path().join("helloword.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[plugins]\nwatch_interval_ms = 0\n\
             {ECHO_GRANT}[secrets]\necho_secret = {{ value = \"{ECHO_SECRET}\" }}\n\
             shopify_admin_token = {{ value = \"{ADMIN_TOKEN}\" }}\n\
             shopify_client_secret = {{ value = \"client-secret\" }}\n"
        ),
    )
    .unwrap();
    let refusal = format!(
        "{}: plugin `hostile` asks for what the gateway config does not grant it: secret \
         `shopify_admin_token`, secret `shopify_client_secret`, host `127.0.0.1`, host \
         `*.example.com`. To grant it, write these lines in the gateway config, in place of any \
         [plugins.grants.hostile] there:\n    \
         [plugins.grants.hostile]\n    \
         secrets = [\"shopify_admin_token\", \"shopify_client_secret\"]\n    \
         allowed_hosts = [\"127.0.0.1\", \"*.example.com\"]",
        manifest_of(&hostile)
    );

    // `plugins check` and `plugin run` with the gateway's config refuse it the same way.
    let out = Command::new(BIN)
        .args(["plugins", "check"])
        .arg(&hostile)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("error: {refusal}\n")
    );
    let out = Command::new(BIN)
        .args(["plugin", "run"])
        .arg(&hostile)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {refusal}\n")
    );

    // `serve` refuses it, serves the others, and says why on /readyz.
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let ready: serde_json::Value = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway did not become ready"
        );
        if let Ok(r) = client.get(format!("{base}/readyz")).send()
            && r.status().is_success()
        {
            break serde_json::from_str(&r.text().unwrap()).unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let body = b"{\"message\": \"Where is my parcel?\"}";
    let echo = client
        .post(format!("{base}/hooks/echo"))
        .header("x-echo-signature", sign(body))
        .body(&body[..])
        .send()
        .unwrap()
        .status();
    let stolen = client
        .post(format!("{base}/hooks/hostile"))
        .body("{}")
        .send()
        .unwrap()
        .status();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    assert_eq!(
        ready["plugins_loaded"],
        serde_json::json!(["echo"]),
        "{ready}"
    );
    assert_eq!(
        ready["plugin_errors"],
        serde_json::json!([refusal]),
        "{ready}"
    );
    assert_eq!(echo.as_u16(), 200);
    assert_eq!(stolen.as_u16(), 404);
}
