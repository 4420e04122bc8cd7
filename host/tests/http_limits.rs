//! The HTTP front under clients that do not play fair, through the real binary on loopback:
//! bodies sent a byte a second, thousands of idle connections under a small open-file
//! limit, and large or many evidence uploads at once.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::binary::{SECRET, Setup, TOKEN, config, dispute, install_shopify, tail};

/// The gateway binary, run directly or under `prlimit`.
struct Gateway {
    child: Child,
    port: u16,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Start the gateway in `dir` with the Shopify connector and `limits` as its
    /// `[server.limits]` table; with `file_limit`, under `prlimit` with that many open files
    /// (soft and hard, so the gateway cannot raise it).
    fn start(dir: &Path, limits: &str, file_limit: Option<u64>) -> Gateway {
        install_shopify(dir);
        let port = common::free_port();
        let file = dir.join("helloword.toml");
        let text = format!(
            "{}[server.limits]\n{limits}\n",
            config(port, &Setup::default())
        );
        std::fs::write(&file, text).unwrap();
        let log = dir.join("gateway.log");
        let mut command = match file_limit {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}"))
                    .arg("--")
                    .arg(common::binary::BIN);
                c
            }
            None => Command::new(common::binary::BIN),
        };
        let child = command
            .args(["serve", "--config"])
            .arg(&file)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut gateway = Gateway {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = gateway.child.try_wait() {
                panic!("the gateway exited ({status}):\n{}", tail(&gateway.log()));
            }
            if reqwest::blocking::get(format!("{}/readyz", gateway.base))
                .is_ok_and(|r| r.status().is_success())
            {
                return gateway;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the gateway did not start:\n{}", tail(&gateway.log()));
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A signed Shopify dispute delivery: its status.
    fn deliver(&self, id: u64) -> u16 {
        let body = dispute(id);
        reqwest::blocking::Client::new()
            .post(format!("{}/hooks/shopify", self.base))
            .header("X-Shopify-Topic", "disputes/create")
            .header(
                "X-Shopify-Hmac-Sha256",
                helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body),
            )
            .header("X-Shopify-Shop-Domain", "binary.myshopify.com")
            .header("X-Shopify-Api-Version", "2026-07")
            .header("X-Shopify-Webhook-Id", format!("w-{id}"))
            .body(body)
            .timeout(Duration::from_secs(10))
            .send()
            .map(|r| r.status().as_u16())
            .unwrap_or_else(|e| panic!("the webhook got no answer: {e}\n{}", tail(&self.log())))
    }
}

/// Raise this test process's own soft open-file limit to its hard limit; the limit.
fn raise_own_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
    limit.rlim_cur
}

/// A request whose body then arrives a byte a second: what the gateway answered (empty if
/// nothing) and when it closed the connection.
fn trickle(port: u16, path: &str, for_at_most: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
                 Content-Length: 1000\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < for_at_most {
        if answer.is_empty() && stream.write_all(b"x").is_err() {
            break;
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

/// 50 connections sending a body at one byte a second were all still open after 25 s: only
/// the headers had a timeout.
#[test]
fn slow_bodies_are_cut_at_the_body_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = Gateway::start(
        tmp.path(),
        "body_timeout_secs = 2\nrequest_timeout_secs = 4",
        None,
    );
    let port = gw.port;
    let trickles: Vec<_> = (0..20)
        .map(|i| {
            let path = if i % 2 == 0 {
                "/hooks/shopify"
            } else {
                "/api/tickets/1/notes"
            };
            std::thread::spawn(move || trickle(port, path, Duration::from_secs(20)))
        })
        .collect();
    for t in trickles {
        let (answer, closed_after) = t.join().unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "a slow body gets 408: {answer:?}\n{}",
            tail(&gw.log())
        );
        assert!(answer.contains("\"body-timeout\""), "{answer}");
        assert!(answer.contains("connection: close"), "{answer}");
        assert!(
            closed_after < Duration::from_secs(5),
            "closed {closed_after:?} after the request began; the body timeout is 2 s"
        );
    }
    // The gateway answers as before.
    assert_eq!(gw.deliver(7), 200);
}

/// With the default limit of 1,024 open files, 1,074 idle connections made the gateway stop
/// answering anything ("Accept failed" over and over) until they closed.
#[test]
fn two_thousand_idle_connections_do_not_stop_health_and_webhooks() {
    let own = raise_own_file_limit();
    assert!(
        own >= 2_200,
        "this test holds 2,000 connections and needs an open-file limit above 2,200 (it is {own})"
    );
    let tmp = tempfile::tempdir().unwrap();
    let gw = Gateway::start(tmp.path(), "", Some(1024));
    assert!(
        gw.log().contains("max_connections=768"),
        "the cap keeps a quarter of 1,024 files in reserve:\n{}",
        tail(&gw.log())
    );
    let mut idle = Vec::new();
    for i in 0..2_000 {
        let mut stream = TcpStream::connect_timeout(
            &format!("127.0.0.1:{}", gw.port).parse().unwrap(),
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("connection {i} failed: {e}\n{}", tail(&gw.log())));
        if i % 2 == 1 {
            // Half of them stop in the middle of a webhook's body.
            let _ = stream.write_all(
                b"POST /hooks/shopify HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{",
            );
        }
        idle.push(stream);
    }
    let started = Instant::now();
    let health = reqwest::blocking::Client::new()
        .get(format!("{}/healthz", gw.base))
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap_or_else(|e| panic!("/healthz got no answer: {e}\n{}", tail(&gw.log())));
    assert_eq!(health.status(), 200);
    assert_eq!(gw.deliver(2), 200, "a webhook is acknowledged");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        started.elapsed()
    );
    let log = gw.log();
    assert!(!log.contains("Accept failed"), "{}", tail(&log));
    let metrics = reqwest::blocking::get(format!("{}/metrics", gw.base))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("helloword_connections_shed_total{connection=\"waiting\"}"),
        "{metrics}"
    );
    drop(idle);
}
