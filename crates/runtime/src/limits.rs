//! Per-call limits: defaults, per-plugin overrides, and the named errors a breach produces.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits as written in a manifest's `[limits]` table or the gateway's
/// `[plugins.limits]` table: every key optional, unset keys inherit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    /// Guest execution time per call, in milliseconds (epoch-based).
    pub cpu_ms: Option<u64>,
    /// Whole-call wall-clock time, host calls included, in milliseconds.
    pub wall_clock_ms: Option<u64>,
    /// Linear memory per instance, in bytes.
    pub memory_bytes: Option<u64>,
    /// Table elements per table.
    pub table_elements: Option<u32>,
    /// Bytes a call may return to the host (all strings and lists in the result).
    pub max_output_bytes: Option<u64>,
    /// Host-import calls per plugin call.
    pub host_call_quota: Option<u32>,
    /// Timeout of one outbound HTTP request, in milliseconds.
    pub http_timeout_ms: Option<u64>,
    /// Largest outbound HTTP response body accepted, in bytes.
    pub max_http_response_bytes: Option<u64>,
}

impl LimitOverrides {
    /// Every key, as manifests and the gateway config spell it.
    pub const KEYS: [&'static str; 8] = [
        "cpu_ms",
        "wall_clock_ms",
        "memory_bytes",
        "table_elements",
        "max_output_bytes",
        "host_call_quota",
        "http_timeout_ms",
        "max_http_response_bytes",
    ];

    /// The value set for `key` (one of [`LimitOverrides::KEYS`]), if any.
    pub fn get(&self, key: &str) -> Option<u64> {
        match key {
            "cpu_ms" => self.cpu_ms,
            "wall_clock_ms" => self.wall_clock_ms,
            "memory_bytes" => self.memory_bytes,
            "table_elements" => self.table_elements.map(u64::from),
            "max_output_bytes" => self.max_output_bytes,
            "host_call_quota" => self.host_call_quota.map(u64::from),
            "http_timeout_ms" => self.http_timeout_ms,
            "max_http_response_bytes" => self.max_http_response_bytes,
            _ => None,
        }
    }

    /// Set `key` (one of [`LimitOverrides::KEYS`]; others are ignored) to `value`. Keys
    /// counted in `u32` saturate.
    pub fn set(&mut self, key: &str, value: u64) {
        let small = u32::try_from(value).unwrap_or(u32::MAX);
        match key {
            "cpu_ms" => self.cpu_ms = Some(value),
            "wall_clock_ms" => self.wall_clock_ms = Some(value),
            "memory_bytes" => self.memory_bytes = Some(value),
            "table_elements" => self.table_elements = Some(small),
            "max_output_bytes" => self.max_output_bytes = Some(value),
            "host_call_quota" => self.host_call_quota = Some(small),
            "http_timeout_ms" => self.http_timeout_ms = Some(value),
            "max_http_response_bytes" => self.max_http_response_bytes = Some(value),
            _ => {}
        }
    }
}

/// The limits in force for one plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Guest execution time per call.
    pub cpu: Duration,
    /// Whole-call wall-clock time.
    pub wall_clock: Duration,
    /// Linear memory per instance, bytes.
    pub memory_bytes: u64,
    /// Table elements per table.
    pub table_elements: u32,
    /// Bytes a call may return.
    pub max_output_bytes: u64,
    /// Host-import calls per plugin call.
    pub host_call_quota: u32,
    /// Timeout of one outbound HTTP request.
    pub http_timeout: Duration,
    /// Largest outbound HTTP response body.
    pub max_http_response_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu: Duration::from_millis(200),
            wall_clock: Duration::from_secs(10),
            memory_bytes: 64 << 20,
            table_elements: 20_000,
            max_output_bytes: 4 << 20,
            host_call_quota: 10_000,
            http_timeout: Duration::from_secs(5),
            max_http_response_bytes: 8 << 20,
        }
    }
}

impl Limits {
    /// The value of `key` (one of [`LimitOverrides::KEYS`]) in the unit its name says.
    pub fn get(&self, key: &str) -> u64 {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        match key {
            "cpu_ms" => ms(self.cpu),
            "wall_clock_ms" => ms(self.wall_clock),
            "memory_bytes" => self.memory_bytes,
            "table_elements" => u64::from(self.table_elements),
            "max_output_bytes" => self.max_output_bytes,
            "host_call_quota" => u64::from(self.host_call_quota),
            "http_timeout_ms" => ms(self.http_timeout),
            "max_http_response_bytes" => self.max_http_response_bytes,
            _ => 0,
        }
    }

    /// These limits with `overrides` applied on top.
    pub fn with(&self, overrides: &LimitOverrides) -> Limits {
        let ms = Duration::from_millis;
        Limits {
            cpu: overrides.cpu_ms.map(ms).unwrap_or(self.cpu),
            wall_clock: overrides.wall_clock_ms.map(ms).unwrap_or(self.wall_clock),
            memory_bytes: overrides.memory_bytes.unwrap_or(self.memory_bytes),
            table_elements: overrides.table_elements.unwrap_or(self.table_elements),
            max_output_bytes: overrides.max_output_bytes.unwrap_or(self.max_output_bytes),
            host_call_quota: overrides.host_call_quota.unwrap_or(self.host_call_quota),
            http_timeout: overrides
                .http_timeout_ms
                .map(ms)
                .unwrap_or(self.http_timeout),
            max_http_response_bytes: overrides
                .max_http_response_bytes
                .unwrap_or(self.max_http_response_bytes),
        }
    }
}

/// Why a plugin call failed. Each variant is a named error with a metric label
/// ([`PluginError::kind`]); after any of them the instance is discarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// The guest ran past its CPU budget, or the whole call past its wall-clock limit.
    #[error("plugin `{plugin}` timed out: {what} limit of {limit_ms} ms exceeded")]
    Timeout {
        plugin: String,
        what: &'static str,
        limit_ms: u64,
    },
    /// The guest tried to grow its memory (or a table) past its cap.
    #[error("plugin `{plugin}` ran out of memory: cap of {limit_bytes} bytes exceeded")]
    OutOfMemory { plugin: String, limit_bytes: u64 },
    /// The guest exhausted its stack (unbounded recursion).
    #[error("plugin `{plugin}` overflowed its stack")]
    StackOverflow { plugin: String },
    /// The guest trapped (a panic, an unreachable, a bad memory access...).
    #[error("plugin `{plugin}` trapped: {message}")]
    Trap { plugin: String, message: String },
    /// The call returned more bytes than the plugin may.
    #[error("plugin `{plugin}` returned {actual_bytes} bytes, over its cap of {limit_bytes}")]
    OutputTooLarge {
        plugin: String,
        actual_bytes: u64,
        limit_bytes: u64,
    },
    /// The guest called host imports more often than its quota allows in one call.
    #[error("plugin `{plugin}` made more than {quota} host calls in one call")]
    HostCallQuota { plugin: String, quota: u32 },
    /// The plugin does not implement what was asked (a locale pack asked to handle a webhook).
    #[error("plugin `{plugin}` is a {kind}, not a {wanted}")]
    WrongKind {
        plugin: String,
        kind: &'static str,
        wanted: &'static str,
    },
    /// Instantiation failed for a reason other than the limits above.
    #[error("plugin `{plugin}` could not be instantiated: {message}")]
    Instantiation { plugin: String, message: String },
}

impl PluginError {
    /// The short name used in metrics, logs and API errors.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginError::Timeout { .. } => "timeout",
            PluginError::OutOfMemory { .. } => "out-of-memory",
            PluginError::StackOverflow { .. } => "stack-overflow",
            PluginError::Trap { .. } => "trap",
            PluginError::OutputTooLarge { .. } => "output-too-large",
            PluginError::HostCallQuota { .. } => "host-call-quota",
            PluginError::WrongKind { .. } => "wrong-kind",
            PluginError::Instantiation { .. } => "instantiation",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_set() {
        let base = Limits::default();
        let merged = base.with(&LimitOverrides {
            cpu_ms: Some(5),
            memory_bytes: Some(1 << 20),
            ..LimitOverrides::default()
        });
        assert_eq!(merged.cpu, Duration::from_millis(5));
        assert_eq!(merged.memory_bytes, 1 << 20);
        assert_eq!(merged.wall_clock, base.wall_clock);
        assert_eq!(merged.host_call_quota, base.host_call_quota);
    }

    #[test]
    fn every_key_reads_back_what_was_set() {
        let mut overrides = LimitOverrides::default();
        for (n, key) in LimitOverrides::KEYS.into_iter().enumerate() {
            overrides.set(key, 1000 + n as u64);
        }
        let limits = Limits::default().with(&overrides);
        for (n, key) in LimitOverrides::KEYS.into_iter().enumerate() {
            assert_eq!(overrides.get(key), Some(1000 + n as u64), "{key}");
            assert_eq!(limits.get(key), 1000 + n as u64, "{key}");
        }
    }
}
