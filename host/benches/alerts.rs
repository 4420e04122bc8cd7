//! Marketplace event in → red alert accepted by the SMTP server and the SMS provider.
//!
//! A signed Shopify chargeback is posted to the gateway over loopback; the clock stops when
//! both a real SMTP server process (Python's aiosmtpd, writing a maildir) has accepted the
//! e-mail and a loopback stand-in of Twilio's Messages API has accepted the SMS. One case at
//! a time, each a new red ticket.
//!
//! Run: `cargo bench -p helloword --bench alerts` (needs `python3 -m pip install aiosmtpd`;
//! `HELLOWORD_ALERT_CASES`, default 200).

use std::convert::Infallible;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use helloword_testkit::free_port;
use http_body_util::Full;

const SECRET: &str = "bench-secret";

fn main() {
    let cases: usize = std::env::var("HELLOWORD_ALERT_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir().unwrap();
    let smtp_port = free_port();
    let maildir = tmp.path().join("maildir");
    let mut smtp = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{smtp_port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with aiosmtpd (python3 -m pip install aiosmtpd)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The SMS provider stand-in: counts accepted messages.
        let sms = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sms_port = listener.local_addr().unwrap().port();
        let counter = sms.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_req| {
                        let counter = counter.clone();
                        async move {
                            let n = counter.fetch_add(1, Ordering::SeqCst);
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(201)
                                    .body(Full::new(Bytes::from(format!(
                                        "{{\"sid\": \"SM{n:032}\", \"status\": \"queued\"}}"
                                    ))))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });

        let dir = tmp.path();
        let plugin = dir.join("plugins/shopify");
        std::fs::create_dir_all(&plugin).unwrap();
        std::fs::copy(test_artifacts::SHOPIFY, plugin.join("shopify_connector.wasm")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
            plugin.join("plugin.toml"),
        )
        .unwrap();
        let config = helloword::config::Config::parse(
            &dir.join("helloword.toml"),
            &format!(
                "[plugins]\nwatch_interval_ms = 0\n\
                 [plugins.grants.shopify]\nsecrets = [\"shopify_client_secret\"]\n\
                 allowed_hosts = [\"*.myshopify.com\"]\nlimits = {{ wall_clock_ms = 25000 }}\n\
                 [secrets]\n\
                 shopify_client_secret = {{ value = \"{SECRET}\" }}\ntwilio = {{ value = \"t\" }}\n\
                 [alerts]\nred = [\"sms\", \"email\", \"app\"]\nsms_daily_budget_cents = 100000000\n\
                 public_url = \"https://helloword.shop.example\"\n\
                 [alerts.email]\nserver = \"smtp://127.0.0.1:{smtp_port}\"\nfrom = \"alerts@shop.example\"\n\
                 [alerts.sms]\napi_base = \"http://127.0.0.1:{sms_port}\"\naccount_sid = \"AC1\"\n\
                 auth_token_secret = \"twilio\"\nfrom = \"+15005550006\"\n\
                 [[tickets.agents]]\nname = \"mei\"\nskills = [\"payment\"]\ncapacity = 100000\n\
                 [tickets.agents.contact]\nemail = \"mei@shop.example\"\nphone = \"+4915100000002\"\n"
            ),
        )
        .unwrap();
        let gateway = helloword::gateway::Gateway::start(&config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/shopify", listener.local_addr().unwrap());
        tokio::spawn(gateway.serve(listener, std::future::pending()));

        let template = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../plugins/shopify/tests/fixtures/webhooks/disputes__create.json"),
        )
        .unwrap();
        let mails = || {
            std::fs::read_dir(maildir.join("new"))
                .map(|d| d.count())
                .unwrap_or(0)
        };
        let client = reqwest::Client::new();
        let mut latencies = Vec::with_capacity(cases);
        let mut mail_latencies = Vec::with_capacity(cases);
        let mut sms_latencies = Vec::with_capacity(cases);
        for i in 0..cases {
            let body = template
                .replace("285332461850802063", &(7_000_000 + i).to_string())
                .replace("2021-12-30T19:00:00-05:00", "2099-12-30T19:00:00-05:00");
            let signature = helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), body.as_bytes());
            let (mails_before, sms_before) = (mails(), sms.load(Ordering::SeqCst));
            let t = Instant::now();
            let status = client
                .post(&url)
                .header("X-Shopify-Topic", "disputes/create")
                .header("X-Shopify-Hmac-Sha256", signature)
                .header("X-Shopify-Shop-Domain", "bench.myshopify.com")
                .header("X-Shopify-API-Version", "2026-07")
                .header("X-Shopify-Webhook-Id", format!("alert-bench-{i}"))
                .body(body)
                .send()
                .await
                .unwrap()
                .status();
            assert!(status.is_success(), "{status}");
            let (mut mail_at, mut sms_at) = (None, None);
            loop {
                if mail_at.is_none() && mails() > mails_before {
                    mail_at = Some(t.elapsed());
                }
                if sms_at.is_none() && sms.load(Ordering::SeqCst) > sms_before {
                    sms_at = Some(t.elapsed());
                }
                if mail_at.is_some() && sms_at.is_some() {
                    break;
                }
                assert!(t.elapsed() < Duration::from_secs(30), "case {i}: no alert in 30 s");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            latencies.push(t.elapsed());
            mail_latencies.push(mail_at.unwrap());
            sms_latencies.push(sms_at.unwrap());
        }
        latencies.sort();
        mail_latencies.sort();
        sms_latencies.sort();
        let pct = |v: &Vec<Duration>, p: usize| v[(v.len() * p / 100).min(v.len() - 1)].as_secs_f64() * 1e3;
        eprintln!(
            "e-mail p50 {:.1} ms p99 {:.1} ms; SMS p50 {:.1} ms p99 {:.1} ms",
            pct(&mail_latencies, 50),
            pct(&mail_latencies, 99),
            pct(&sms_latencies, 50),
            pct(&sms_latencies, 99)
        );
        let at = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
        println!(
            "Event in → red alert accepted by the SMTP server and the SMS provider, {cases} cases, one at a time\n"
        );
        println!("| p50 | p90 | p99 | max |\n|---|---|---|---|");
        println!(
            "| {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            at(50).as_secs_f64() * 1e3,
            at(90).as_secs_f64() * 1e3,
            at(99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3
        );
    });
    let _ = smtp.kill();
    let _ = smtp.wait();
}
