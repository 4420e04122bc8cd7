//! The local runner (`helloword plugin run`): one call into a plugin exactly as the gateway
//! makes it — the same runtime, linker, host imports, grants and secrets — with what it
//! used set against the limits it would get in production. The grants are those of the
//! settings given: a gateway config's (a request it does not grant is refused as the
//! gateway would), or, for an author trying a plugin out, what the manifest requests.
//!
//! The call runs under relaxed limits (ten times the CPU, the engine's largest memory,
//! sixteen times the output and host calls), so a call that would be stopped in production
//! still finishes here, or is stopped later, and the report can say by how much it went
//! over: a limit that would be exceeded is marked, with the error the gateway would give.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::bindings::{connector_api, locale_api, policy_api, translate_api, types};
use super::{
    GrantPolicy, LimitOverrides, Limits, LoadError, Manifest, PluginKind, Runtime, RuntimeSettings,
    Services,
};

/// The exports the runner can call.
pub const CALLS: &[&str] = &[
    "handle-webhook",
    "poll",
    "execute",
    "reconcile",
    "render",
    "culture-tips",
    "compliance-phrases",
    "language-markers",
    "translate",
    "decide",
];

/// The call a plugin of `kind` gets when none is named.
pub fn default_call(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::MarketplaceConnector => "handle-webhook",
        PluginKind::LocalePack => "render",
        PluginKind::CompensationPolicy => "decide",
        PluginKind::Translator => "translate",
    }
}

/// One measured quantity against its production limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was measured.
    pub what: &'static str,
    /// How much the call used.
    pub used: u64,
    /// The production limit.
    pub limit: u64,
    /// `ms`, `µs`, `bytes` or `calls`.
    pub unit: &'static str,
    /// Whether the call would be stopped in production.
    pub exceeded: bool,
    /// The error the gateway would give.
    pub error_kind: &'static str,
}

/// What one run found.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    /// The plugin's id.
    pub plugin: String,
    /// Its world.
    pub kind: String,
    /// The contract version it was built for.
    pub contract: String,
    /// The export called.
    pub call: String,
    /// The result as the gateway sees it (`{"ok": …}` or `{"error": …}` for the plugin's own
    /// answers), or the failure that stopped the call.
    pub result: Result<serde_json::Value, String>,
    /// Each limit, used against allowed.
    pub checks: Vec<Check>,
}

impl Trial {
    /// Whether the plugin answered with its own error (a refused webhook, a failed action).
    pub fn refused(&self) -> bool {
        self.result.as_ref().is_ok_and(|v| v.get("error").is_some())
    }

    /// Whether the call succeeded within every production limit.
    pub fn clean(&self) -> bool {
        self.result.is_ok() && !self.refused() && self.exceeded().next().is_none()
    }

    /// The limits the call would exceed in production.
    pub fn exceeded(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.exceeded)
    }

    /// The human report: the result, then the limits table.
    pub fn report(&self) -> String {
        let mut out = format!(
            "plugin `{}` ({}, contract {}) — {}\n",
            self.plugin, self.kind, self.contract, self.call
        );
        match &self.result {
            Ok(value) => {
                out.push_str("result:\n");
                out.push_str(&serde_json::to_string_pretty(value).unwrap_or_default());
                out.push('\n');
            }
            Err(e) => out.push_str(&format!("failed: {e}\n")),
        }
        out.push_str(&format!(
            "\n{:<14}{:>14}{:>18}\n",
            "", "used", "production limit"
        ));
        // A call stopped even under the runner's looser limits used at least this much.
        let stopped = self.result.is_err();
        for c in &self.checks {
            let used = match (stopped && c.exceeded, amount(c.used, c.unit)) {
                (true, used) => format!("≥ {used}"),
                (false, used) => used,
            };
            out.push_str(&format!(
                "{:<14}{:>14}{:>18}{}\n",
                c.what,
                used,
                amount(c.limit, c.unit),
                if c.exceeded { "   EXCEEDED" } else { "" }
            ));
        }
        let exceeded: Vec<String> = self
            .exceeded()
            .map(|c| format!("{} ({})", c.what, c.error_kind))
            .collect();
        if exceeded.is_empty() {
            out.push_str("\nWithin every production limit.\n");
        } else {
            out.push_str(&format!(
                "\nIn the gateway this call would be stopped: {}. Raise the limit in the \
                 manifest's [limits] (within the gateway's plugins.max_* settings) or make the \
                 call cheaper.\n",
                exceeded.join(", ")
            ));
        }
        out
    }
}

fn amount(value: u64, unit: &str) -> String {
    match unit {
        "bytes" if value >= 1 << 20 => format!("{:.1} MiB", value as f64 / f64::from(1 << 20)),
        "bytes" if value >= 1 << 10 => format!("{:.1} KiB", value as f64 / 1024.0),
        "bytes" => format!("{value} B"),
        "ms" if value == 0 => "<1 ms".into(),
        "ms" => format!("{value} ms"),
        "µs" => format!("{:.1} ms", value as f64 / 1000.0),
        _ => value.to_string(),
    }
}

/// Limits loose enough that a call production would stop still runs (or runs longer).
fn relaxed(production: &Limits, settings: &RuntimeSettings) -> LimitOverrides {
    let ms = |d: Duration| d.as_millis() as u64;
    LimitOverrides {
        cpu_ms: Some((ms(production.cpu) * 10).clamp(2_000, 60_000)),
        wall_clock_ms: Some((ms(production.wall_clock) * 3).max(30_000)),
        memory_bytes: Some(settings.engine.max_memory_bytes),
        table_elements: Some(settings.engine.max_table_elements),
        max_output_bytes: Some(production.max_output_bytes.saturating_mul(16)),
        host_call_quota: Some(production.host_call_quota.saturating_mul(16)),
        http_timeout_ms: Some(ms(production.http_timeout)),
        max_http_response_bytes: Some(production.max_http_response_bytes),
    }
}

/// An HTTP request as a connector receives it, from `input`: either a whole request (a
/// request line such as `POST /hooks/shop HTTP/1.1`, headers, a blank line, the body) or just
/// a body, sent as `POST /` with `headers`.
pub fn webhook_request(
    plugin: &str,
    input: &[u8],
    headers: &[(String, String)],
) -> Result<connector_api::IncomingRequest, String> {
    let mut request = connector_api::IncomingRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: Vec::new(),
        body: input.to_vec(),
    };
    let first_line_end = input.iter().position(|&b| b == b'\n');
    let request_line = first_line_end
        .and_then(|end| std::str::from_utf8(&input[..end]).ok())
        .map(|l| l.trim_end_matches('\r'))
        .and_then(|line| {
            let mut parts = line.split(' ');
            let method = parts.next()?;
            let target = parts.next()?;
            let version = parts.next();
            let is_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
            let is_target = target.starts_with('/');
            let is_version = version.is_none_or(|v| v.starts_with("HTTP/"));
            (is_method && is_target && is_version && parts.next().is_none())
                .then(|| (method.to_string(), target.to_string()))
        });
    if let (Some((method, target)), Some(end)) = (request_line, first_line_end) {
        request.method = method;
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        // The gateway passes the path after `/hooks/<plugin id>`.
        let prefix = format!("/hooks/{plugin}");
        let path = path.strip_prefix(&prefix).unwrap_or(path);
        request.path = if path.is_empty() {
            "/".into()
        } else {
            path.into()
        };
        request.query = query.to_string();
        let mut rest = &input[end + 1..];
        loop {
            let line_end = rest.iter().position(|&b| b == b'\n');
            let (line, after) = match line_end {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            let line = std::str::from_utf8(line)
                .map_err(|_| "a header line is not UTF-8".to_string())?
                .trim_end_matches('\r');
            rest = after;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("the header line {line:?} has no `:`"))?;
            request
                .headers
                .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        request.body = rest.to_vec();
    }
    request.headers.extend(
        headers
            .iter()
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())),
    );
    Ok(request)
}

/// A call's parameter, read from the runner's input.
enum Input {
    Webhook(connector_api::IncomingRequest),
    Poll(Option<String>),
    Execute(types::Action),
    Reconcile(types::Action),
    Render(locale_api::RenderRequest),
    CultureTips(String),
    CompliancePhrases(String),
    LanguageMarkers(String),
    Translate(translate_api::TranslateRequest),
    Decide(Box<policy_api::TicketContext>),
}

impl Input {
    fn read(
        call: &str,
        plugin: &str,
        input: &[u8],
        headers: &[(String, String)],
    ) -> Result<Input, String> {
        Ok(match call {
            "handle-webhook" => Input::Webhook(webhook_request(plugin, input, headers)?),
            "poll" => {
                let cursor = text_input(input);
                Input::Poll((!cursor.is_empty()).then_some(cursor))
            }
            "execute" => Input::Execute(json_input(call, input)?),
            "reconcile" => Input::Reconcile(json_input(call, input)?),
            "render" => Input::Render(json_input(call, input)?),
            "culture-tips" => Input::CultureTips(text_input(input)),
            "compliance-phrases" => Input::CompliancePhrases(text_input(input)),
            "language-markers" => Input::LanguageMarkers(text_input(input)),
            "translate" => Input::Translate(json_input(call, input)?),
            _ => Input::Decide(Box::new(json_input(call, input)?)),
        })
    }
}

fn json_input<T: serde::de::DeserializeOwned>(call: &str, input: &[u8]) -> Result<T, String> {
    serde_json::from_slice(input).map_err(|e| {
        format!("the input for `{call}` is not the JSON of its parameter (see wit/): {e}")
    })
}

fn text_input(input: &[u8]) -> String {
    String::from_utf8_lossy(input).trim().to_string()
}

/// The plugin's own answer, as JSON.
fn answer<T: Serialize, E: Serialize>(result: Result<T, E>) -> serde_json::Value {
    match result {
        Ok(v) => serde_json::json!({ "ok": v }),
        Err(e) => serde_json::json!({ "error": e }),
    }
}

/// Load `manifest` into a runtime like the gateway's (`settings`, `services`) and make one
/// `call` with `input`; report the result and what it used against the production limits.
pub async fn run(
    settings: RuntimeSettings,
    services: Arc<Services>,
    manifest: Manifest,
    call: Option<&str>,
    input: &[u8],
    headers: &[(String, String)],
) -> anyhow::Result<Trial> {
    let admission = settings
        .grants
        .admit(&manifest, &settings.default_limits)
        .map_err(|message| LoadError {
            file: manifest.file.clone(),
            message,
        })?;
    let production = admission.limits;
    let call = call.unwrap_or_else(|| default_call(manifest.kind));
    let call = CALLS.iter().copied().find(|c| *c == call).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown call `{call}`; expected one of {}",
            CALLS.join(", ")
        )
    })?;
    // Read the input first: a mistake in it is named before anything loads.
    let input = Input::read(call, &manifest.id, input, headers).map_err(anyhow::Error::msg)?;
    // What production grants, under limits loose enough to measure a call that breaks them.
    let mut loose = manifest.clone();
    loose
        .optional_secrets
        .retain(|s| admission.secrets.contains(s));
    loose.limits = relaxed(&production, &settings);
    let settings = RuntimeSettings {
        grants: GrantPolicy::AsRequested,
        ..settings
    };
    let runtime = Runtime::new(settings, services)?;
    let mut plugin = runtime
        .load(loose)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let probe = plugin.probe();
    let failed = |e: super::PluginError| Err(e.to_string());
    let listed = |r: Vec<_>| Ok(serde_json::json!({ "ok": r }));
    let result: Result<serde_json::Value, String> = match &input {
        Input::Webhook(req) => plugin
            .handle_webhook(req)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::Poll(cursor) => plugin
            .poll(cursor.as_deref())
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::Execute(action) => plugin
            .execute(action)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::Reconcile(action) => plugin
            .reconcile(action)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::Render(req) => plugin
            .render(req)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::CultureTips(market) => plugin.culture_tips(market).await.map_or_else(failed, |r| {
            listed(r.into_iter().map(|t| serde_json::json!(t)).collect())
        }),
        Input::CompliancePhrases(language) => plugin
            .compliance_phrases(language)
            .await
            .map_or_else(failed, |r| {
                listed(r.into_iter().map(|t| serde_json::json!(t)).collect())
            }),
        Input::LanguageMarkers(language) => plugin
            .language_markers(language)
            .await
            .map_or_else(failed, |r| {
                listed(r.into_iter().map(|t| serde_json::json!(t)).collect())
            }),
        Input::Translate(req) => plugin
            .translate(req)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
        Input::Decide(ctx) => plugin
            .decide(ctx)
            .await
            .map_or_else(failed, |r| Ok(answer(r))),
    };
    let usage = probe
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .last()
        .cloned()
        .unwrap_or_default();
    let ms = |d: Duration| d.as_millis() as u64;
    let check = |what, used: u64, limit: u64, unit, error_kind| Check {
        what,
        used,
        limit,
        unit,
        exceeded: used > limit,
        error_kind,
    };
    let checks = vec![
        check("cpu", usage.cpu_ms, ms(production.cpu), "ms", "timeout"),
        check(
            "wall clock",
            usage.wall_us,
            production.wall_clock.as_micros() as u64,
            "µs",
            "timeout",
        ),
        check(
            "memory",
            usage.peak_memory_bytes,
            production.memory_bytes,
            "bytes",
            "out-of-memory",
        ),
        check(
            "output",
            usage.output_bytes,
            production.max_output_bytes,
            "bytes",
            "output-too-large",
        ),
        check(
            "host calls",
            u64::from(usage.host_calls),
            u64::from(production.host_call_quota),
            "calls",
            "host-call-quota",
        ),
    ];
    Ok(Trial {
        plugin: manifest.id.clone(),
        kind: manifest.kind.to_string(),
        contract: manifest.contract.clone(),
        call: call.to_string(),
        result,
        checks,
    })
}
