//! `helloword serve` as an operator runs it: the real binary on a free loopback port, with
//! a config written into a test folder.

use super::free_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `helloword serve`; killed when dropped, unless [`Served::stop`] stopped it.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub client: reqwest::Client,
}

/// Write `<dir>/helloword.toml` (a `[server]` section listening on a free port, then
/// `config`), start `helloword serve` on it and wait until it answers `/healthz`.
pub async fn serve(dir: &Path, config: &str) -> Served {
    serve_with_env(dir, config, &[]).await
}

/// [`serve`] with `env` set for the gateway (a failpoint, a log level).
pub async fn serve_with_env(dir: &Path, config: &str, env: &[(&str, &str)]) -> Served {
    let port = free_port();
    let file = dir.join("helloword.toml");
    std::fs::write(
        &file,
        format!("[server]\nlisten = \"127.0.0.1:{port}\"\n{config}"),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_helloword"))
        .args(["serve", "--config"])
        .arg(&file)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("gateway.log")).unwrap())
        .spawn()
        .unwrap();
    let served = Served {
        child: Some(child),
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    let mut served = served;
    for _ in 0..1200 {
        if served.started_at().await.is_some() {
            return served;
        }
        if let Some(child) = served.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            let log = std::fs::read_to_string(dir.join("gateway.log")).unwrap_or_default();
            panic!("the gateway exited ({status}) before it started:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the gateway did not start");
}

impl Served {
    /// `GET <path>` with `token` (if any) as JSON; `None` while it does not answer.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Option<serde_json::Value> {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let text = req.send().await.ok()?.text().await.ok()?;
        serde_json::from_str(&text).ok()
    }

    /// When the gateway now answering started (`/healthz`).
    pub async fn started_at(&self) -> Option<String> {
        let health = self.get("/healthz", None).await?;
        health["started_at"].as_str().map(str::to_string)
    }

    /// SIGTERM, and check it shut down cleanly.
    pub fn stop(mut self) {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(child.wait().unwrap().success());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
