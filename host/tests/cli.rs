//! The `helloword` binary as an operator runs it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_helloword");

#[test]
fn serve_answers_health_and_stops_cleanly_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    echo_folder(&tmp.path().join("plugins"), "echo", "");
    let port = free_port();
    let config = tmp.path().join("helloword.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n{TEST_GRANTS}[secrets]\necho_secret = {{ value = \"x\" }}\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the gateway reports that it listens");
        if line.contains("HelloWord is listening.") {
            break;
        }
    }
    let health = reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz")).unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let rest: Vec<String> = lines_rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("HelloWord stopped.")),
        "{rest:?}"
    );
}

#[test]
fn plugins_check_names_the_problem_and_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = plugin_folder(
        tmp.path(),
        "bad",
        test_artifacts::ECHO,
        "colour = \"x\"",
        "",
    );
    let out = Command::new(BIN)
        .args(["plugins", "check"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bad/plugin.toml: line 6: unknown field `colour`"),
        "{text}"
    );

    let good = plugin_folder(tmp.path(), "good", test_artifacts::ECHO, "", "");
    let out = Command::new(BIN)
        .args(["plugin", "check"])
        .arg(&good)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("OK: plugin `good` (marketplace-connector, contract 0.1.0) loads."),
        "{text}"
    );
    assert!(
        text.contains("\"display_name\": \"Echo test plugin\""),
        "{text}"
    );
}

#[test]
fn plugins_list_shows_each_plugin_and_its_state() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    echo_folder(&plugins, "echo", "");
    plugin_folder(
        &plugins,
        "broken",
        test_artifacts::ECHO,
        "secrets = [\"absent\"]",
        "",
    );
    let config = tmp.path().join("helloword.toml");
    std::fs::write(
        &config,
        format!(
            "{TEST_GRANTS}[plugins.grants.broken]\nsecrets = [\"absent\"]\n\
             [secrets]\necho_secret = {{ value = \"x\" }}\n"
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["plugins", "list", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a broken plugin makes the listing fail: {text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("echo ")
            && l.contains("marketplace-connector")
            && l.ends_with("loaded")),
        "{text}"
    );
    assert!(
        text.contains("secret `absent` (in `plugin.secrets`) has no value"),
        "{text}"
    );
}

#[test]
fn config_check_reports_the_line_of_a_mistake() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("helloword.toml");
    std::fs::write(&config, "[server]\nlisten = \"127.0.0.1:8080\"\nport = 9\n").unwrap();
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("helloword.toml: line 3: unknown field `port`"),
        "{text}"
    );
}

#[test]
fn the_demo_config_is_valid() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/helloword.toml");
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_check_runs_what_serve_checks_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("helloword.toml");
    let check = |text: &str| {
        std::fs::write(&config, text).unwrap();
        let out = Command::new(BIN)
            .args(["config", "check"])
            .arg(&config)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{text} passed");
        String::from_utf8_lossy(&out.stderr)
            .trim()
            .replace(&config.display().to_string(), "helloword.toml")
            .replace(&tmp.path().display().to_string(), "<dir>")
    };
    // Parsed fine, but the engine could not run with it.
    assert_eq!(
        check(
            "[tickets.business_hours]\ntime_zone = \"Europe/Berlinn\"\n\
             hours = { mon = [\"09:00-17:00\"] }\n"
        ),
        "error: helloword.toml: `tickets.business_hours`: `time_zone` is \"Europe/Berlinn\"; \
         expected an IANA time zone name such as \"Europe/Berlin\""
    );
    // An alert channel that could only fail.
    assert_eq!(
        check("[alerts]\nred = [\"sms\", \"app\"]\n"),
        "error: helloword.toml: [alerts] `alerts.red` lists \"sms\", but there is no [alerts.sms] \
         table; add one or take \"sms\" out of the list"
    );
    // E-mail alerts link to the ticket: the gateway's public address must be known.
    assert_eq!(
        check(
            "[alerts]\n[alerts.email]\nserver = \"smtp://127.0.0.1:25\"\n\
             from = \"alerts@shop.example\"\n"
        ),
        "error: helloword.toml: [alerts] `alerts.public_url` is not set, and the alerts of \
         [alerts.email] link to the ticket: set it to the address agents open the dashboard \
         at, e.g. public_url = \"https://helloword.shop.example\""
    );
    // The TLS files are read.
    assert_eq!(
        check("[server]\ntls_cert = \"missing.pem\"\ntls_key = \"missing.key\"\n"),
        "error: `server.tls_cert`: cannot read <dir>/missing.pem: No such file or directory (os \
         error 2)"
    );
}

/// Start `helloword serve` and wait until it is ready.
fn serve(config: &std::path::Path, port: u16) -> std::process::Child {
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if reqwest::blocking::get(format!("http://127.0.0.1:{port}/readyz"))
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the gateway did not become ready");
}

fn terminate(mut child: std::process::Child) {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn replay_runs_kept_deliveries_through_the_fixed_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    // A connector that loops: the delivery is answered 503 and kept for replay.
    hostile_folder(&plugins, "flaky", "loop", "cpu_ms = 20");
    let port = free_port();
    let config = tmp.path().join("helloword.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[plugins]\nwatch_interval_ms = 0\n\
             [plugins.grants.flaky]\nsecrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1\"]\n\
             [api.tokens]\nops = \"token\"\n\
             [secrets]\necho_secret = {{ value = \"{ECHO_SECRET}\" }}\ntoken = {{ value = \"t0ken\" }}\n"
        ),
    )
    .unwrap();
    let gateway = serve(&config, port);
    let body = br#"{"message": "Where is my parcel?"}"#;
    let status = reqwest::blocking::Client::new()
        .post(format!("http://127.0.0.1:{port}/hooks/flaky"))
        .header("x-echo-signature", sign(body))
        .body(&body[..])
        .send()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 503);
    terminate(gateway);

    // The fix: the same plugin id, now a working connector.
    std::fs::remove_dir_all(plugins.join("flaky")).unwrap();
    echo_folder(&plugins, "flaky", "");
    let out = Command::new(BIN)
        .args(["replay", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 replayed, 0 settled, 0 kept"), "{text}");
    // Replaying again finds nothing left.
    let out = Command::new(BIN)
        .args(["replay", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 replayed, 0 settled, 0 kept"));

    let gateway = serve(&config, port);
    let tickets: serde_json::Value = serde_json::from_str(
        &reqwest::blocking::Client::new()
            .get(format!("http://127.0.0.1:{port}/api/tickets"))
            .bearer_auth("t0ken")
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    terminate(gateway);
    let list = tickets["tickets"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{tickets}");
    assert_eq!(list[0]["kind"], "buyer-message");
}

/// A connection that cannot serve stops the real binary with the file and the line:
/// `config check` refuses a secret entry that is not in [secrets]; `serve` refuses a
/// connection whose plugin is not in the plugin folder, before it listens.
#[test]
fn a_broken_connection_stops_check_and_serve_naming_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("helloword.toml");
    std::fs::create_dir_all(tmp.path().join("plugins")).unwrap();
    let head = format!(
        "[server]\nlisten = \"127.0.0.1:{}\"\n[plugins]\ndir = \"plugins\"\n",
        common::free_port()
    );
    std::fs::write(
        &config,
        format!(
            "{head}[[connections]]\nid = \"shop-eu\"\nplugin = \"shopify\"\n\
             secrets = {{ shopify_client_secret = \"eu_secret\" }}\n"
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["config", "check"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("line 5: [[connections]] \"shop-eu\"") && text.contains("\"eu_secret\""),
        "{text}"
    );

    std::fs::write(
        &config,
        format!("{head}[[connections]]\nid = \"shop-eu\"\nplugin = \"shopify\"\n"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(
            "line 5: connection \"shop-eu\" (plugin \"shopify\"): the plugin is not loaded"
        ),
        "{text}"
    );
}
