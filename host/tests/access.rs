//! Access control: tokens kept as SHA-256 digests, each with its scopes; every API request
//! needs the scope its kind of work belongs to, and says which one it lacks.

mod common;

use common::gateway::*;
use helloword::config::Config;
use sha2::{Digest, Sha256};

const READER: &str = "reader-token-0001";
const OPERATOR: &str = "operator-token-0002";

fn config() -> String {
    format!(
        "operator_token = {{ value = \"{OPERATOR}\" }}\n\
         [api.tokens.auditor]\nsha256 = \"{}\"\nscopes = [\"read\"]\n\
         [api.tokens.night]\nsecret = \"operator_token\"\nscopes = [\"read\", \"operate\"]\n",
        hex::encode(Sha256::digest(READER.as_bytes()))
    )
}

#[tokio::test]
async fn each_request_needs_its_scope_and_names_the_one_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(tmp.path(), &config()).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-1")
            .await,
        200
    );
    gw.settled().await;
    let id = gw.queue()[0].id;
    let note = r#"{"text": "Checked the tracking."}"#;
    let notes = format!("/api/tickets/{id}/notes");

    // Known only by its digest: it reads, and nothing more.
    let (status, body) = gw.as_token(READER, "GET", "/api/tickets", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = gw.as_token(READER, "POST", &notes, Some(note)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("missing-scope"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("`operate`"),
        "{body}"
    );

    // Read and operate: works tickets, cannot move money or run the gateway.
    let (status, body) = gw.as_token(OPERATOR, "POST", &notes, Some(note)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = gw
        .as_token(
            OPERATOR,
            "POST",
            "/api/proposals/decide",
            Some(r#"{"proposals": []}"#),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("`approve-refunds`"),
        "{body}"
    );
    let (status, body) = gw.as_token(OPERATOR, "POST", "/api/export", None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("`admin`"),
        "{body}"
    );
    let (status, _) = gw.as_token(OPERATOR, "GET", "/api/audit", None).await;
    assert_eq!(status, 403);

    // A token written as a secret's name has every scope.
    let (status, body) = gw.as_token(TOKEN, "GET", "/api/audit", None).await;
    assert_eq!(status, 200, "{body}");

    // Unknown tokens, and a digest presented as if it were the token, are refused.
    let digest = hex::encode(Sha256::digest(READER.as_bytes()));
    for token in ["nope", digest.as_str()] {
        let (status, body) = gw.as_token(token, "GET", "/api/tickets", None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("unauthorized"))
        );
    }
    gw.stop().await;
}

#[test]
fn token_mistakes_in_the_config_are_named() {
    let parse = |tokens: &str| {
        Config::parse(
            std::path::Path::new("helloword.toml"),
            &format!("[api.tokens]\n{tokens}\n[secrets]\nt = {{ value = \"x\" }}\n"),
        )
        .unwrap_err()
        .to_string()
    };
    let unknown = parse(r#"a = { secret = "t", scopes = ["write"] }"#);
    assert!(
        unknown.contains("unknown variant `write`")
            && unknown.contains("`read`, `operate`, `approve-refunds`, `admin`"),
        "{unknown}"
    );
    let both = parse(&format!(
        r#"a = {{ secret = "t", sha256 = "{}" }}"#,
        "00".repeat(32)
    ));
    assert!(both.contains("exactly one of `secret`"), "{both}");
    let short = parse(r#"a = { sha256 = "abc" }"#);
    assert!(short.contains("64 hex digits"), "{short}");
    let empty = parse(r#"a = { secret = "t", scopes = [] }"#);
    assert!(empty.contains("`scopes` is empty"), "{empty}");
    let stray = parse(r#"a = { secret = "t", scope = ["read"] }"#);
    assert!(stray.contains("unknown field `scope`"), "{stray}");
    // What was written may be the token itself: it is named as a missing secret, not shown.
    let missing = parse(r#"a = "nope""#);
    assert!(
        missing.contains("`api.tokens.a` names a secret that is not in [secrets]")
            && !missing.contains("nope"),
        "{missing}"
    );
}

#[tokio::test]
async fn sign_in_attempts_and_api_requests_are_limited_per_client() {
    let tmp = tempfile::tempdir().unwrap();
    // Tight limits, so the test reaches them.
    let gw = start_with(
        tmp.path(),
        "[server]\nsign_in_attempts_per_minute = 3\napi_requests_per_minute = 8\n",
    )
    .await;
    let client = reqwest::Client::new();
    let sign_in = |token: &'static str| {
        client
            .post(format!("{}/ui/session", gw.base))
            .header("content-type", "application/json")
            .body(format!(r#"{{"token": "{token}"}}"#))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(sign_in("guess").await.unwrap().status(), 401);
    }
    let refused = sign_in(TOKEN).await.unwrap();
    assert_eq!(refused.status(), 429, "even the right token waits");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=21).contains(&wait), "{wait}");
    let body: serde_json::Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "rate-limited");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("sign-in attempts"),
        "{body}"
    );

    // The sign-in attempts counted against the API budget too (4 of 8).
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(gw.api("GET", "/api/tickets", None).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429]);
    // Webhooks are not limited per client.
    for n in 0..12 {
        let id = format!("burst-{n}");
        let status = gw
            .deliver("disputes/create", &fixture("disputes__create.json"), &id)
            .await;
        assert_eq!(status, 200);
    }
    gw.stop().await;
}

/// A test CA and a server certificate for 127.0.0.1 it signed, made with the openssl tool.
fn certificates(dir: &std::path::Path) -> std::path::PathBuf {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl tool runs (scripts/test-deps installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=HelloWord test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    dir.join("ca.pem")
}

#[tokio::test]
async fn the_gateway_serves_https_itself_and_marks_the_session_cookie_secure() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = certificates(tmp.path());
    let gw = start_with(
        tmp.path(),
        "[server]\ntls_cert = \"server.pem\"\ntls_key = \"server.key\"\n",
    )
    .await;
    let https = gw.base.replace("http://", "https://");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .build()
        .unwrap();
    let health = client.get(format!("{https}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let signed_in = client
        .post(format!("{https}/ui/session"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"token": "{TOKEN}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    // Plain HTTP on the TLS port gets no answer.
    assert!(reqwest::get(format!("{}/healthz", gw.base)).await.is_err());
    gw.stop().await;
}

#[test]
fn a_certificate_without_its_key_is_named() {
    let error = Config::parse(
        std::path::Path::new("helloword.toml"),
        "[server]\ntls_cert = \"server.pem\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`server.tls_cert` and `server.tls_key` go together"),
        "{error}"
    );
}

/// `/api/stream` skipped the rate limiter (300 wrong tokens in 0.4 s all got 401, never 429)
/// and had no cap on the streams one client holds open.
#[tokio::test]
async fn live_streams_count_against_the_rate_limit_and_are_capped_per_client() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(
        tmp.path(),
        "[server]\napi_requests_per_minute = 20\n[server.limits]\nstreams_per_client = 2\n",
    )
    .await;
    let stream = |token: &'static str| {
        gw.client
            .get(format!("{}/api/stream", gw.base))
            .bearer_auth(token)
            .send()
    };
    let first = stream(TOKEN).await.unwrap();
    let second = stream(TOKEN).await.unwrap();
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = stream(TOKEN).await.unwrap();
    assert_eq!(third.status(), 429);
    let body: serde_json::Value = serde_json::from_str(&third.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "too-many-streams", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("streams_per_client"),
        "{body}"
    );
    // A closed stream gives its place back.
    drop(first);
    let mut again = 0;
    for _ in 0..50 {
        again = stream(TOKEN).await.unwrap().status().as_u16();
        if again == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(again, 200, "the place of a closed stream is given back");
    drop(second);

    // Guessing tokens on the stream meets the same limit as the rest of the API.
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(stream("wrong-token").await.unwrap().status().as_u16());
    }
    assert!(statuses.contains(&401), "{statuses:?}");
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 20, "{statuses:?}");
    assert_eq!(
        statuses.iter().position(|s| *s == 429),
        Some(statuses.len() - limited),
        "once limited, every guess waits: {statuses:?}"
    );
}
