//! OpenTelemetry traces: the `[telemetry]` config, the OTLP/HTTP exporter, and the few
//! helpers that carry one delivery's trace across the tasks that handle it.
//!
//! The spans are ordinary `tracing` spans (`ingest`, `plugin.call`, `store.commit`,
//! `engine.apply`, `alert.deliver`, `action.dispatch`); the layer installed by
//! [`super::init`] turns the gateway's own spans into OpenTelemetry spans and a batch
//! processor posts them as OTLP protobuf to `<otlp_endpoint>/v1/traces`. Work that continues
//! in another task finds its trace again through the W3C `traceparent` kept in the inbox
//! record, and alerts and actions through [`TraceLinks`] (in memory: after a restart they
//! start traces of their own).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use serde::Deserialize;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The `[telemetry]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTelemetry {
    otlp_endpoint: Option<String>,
    service_name: Option<String>,
    sample_ratio: Option<f64>,
    export_delay_ms: Option<u64>,
}

/// Where and how traces are exported (`[telemetry]` with an `otlp_endpoint`).
#[derive(Debug, Clone, PartialEq)]
pub struct TracesConfig {
    /// The collector's trace URL: `otlp_endpoint` with `/v1/traces` appended.
    pub traces_url: String,
    /// `service.name` of every span (`telemetry.service_name`, default "helloword").
    pub service_name: String,
    /// Share of deliveries traced, 0.0 to 1.0 (`telemetry.sample_ratio`, default 1.0).
    pub sample_ratio: f64,
    /// Longest wait before finished spans are posted (`telemetry.export_delay_ms`,
    /// default 5 s).
    pub export_delay: Duration,
}

impl RawTelemetry {
    /// Validate (no I/O). `None`: traces are off (no `otlp_endpoint`). Errors name the key.
    pub fn validate(self) -> Result<Option<TracesConfig>, String> {
        let service_name = self.service_name.unwrap_or_else(|| "helloword".into());
        if service_name.trim().is_empty() {
            return Err(
                "`telemetry.service_name` is empty; expected a name such as \"helloword\"".into(),
            );
        }
        let sample_ratio = self.sample_ratio.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&sample_ratio) {
            return Err(format!(
                "`telemetry.sample_ratio` is {sample_ratio}; expected 0.0 to 1.0 (the share of \
                 deliveries traced)"
            ));
        }
        let export_delay_ms = self.export_delay_ms.unwrap_or(5_000);
        if !(1..=60_000).contains(&export_delay_ms) {
            return Err(format!(
                "`telemetry.export_delay_ms` is {export_delay_ms}; expected 1 to 60000"
            ));
        }
        let Some(endpoint) = self.otlp_endpoint else {
            return Ok(None);
        };
        let bad = || {
            format!(
                "`telemetry.otlp_endpoint` is {endpoint:?}; expected the http:// or https:// URL \
                 of an OTLP/HTTP collector such as \"http://127.0.0.1:4318\""
            )
        };
        let url = url::Url::parse(&endpoint).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(bad());
        }
        let base = url.as_str().trim_end_matches('/');
        let traces_url = if base.ends_with("/v1/traces") {
            base.to_string()
        } else {
            format!("{base}/v1/traces")
        };
        Ok(Some(TracesConfig {
            traces_url,
            service_name,
            sample_ratio,
            export_delay: Duration::from_millis(export_delay_ms),
        }))
    }
}

/// Why the trace exporter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the OTLP trace exporter for {url}: {message}")]
pub struct ExporterError {
    /// The collector URL.
    pub url: String,
    /// What went wrong.
    pub message: String,
}

/// A tracer provider posting to the collector in `config`.
pub(crate) fn provider(
    config: &TracesConfig,
) -> Result<opentelemetry_sdk::trace::SdkTracerProvider, ExporterError> {
    use opentelemetry_otlp::{Protocol, WithExportConfig as _};
    use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, Sampler};
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.traces_url.clone())
        .with_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| ExporterError {
            url: config.traces_url.clone(),
            message: e.to_string(),
        })?;
    let batch = BatchConfigBuilder::default()
        .with_scheduled_delay(config.export_delay)
        .build();
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batch)
        .build();
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    Ok(opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            config.sample_ratio,
        ))))
        .with_resource(resource)
        .build())
}

/// The W3C `traceparent` of `span`, when traces are exported and it is sampled.
pub fn traceparent(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent")
}

/// Make `span` (not entered yet) a child of the span `traceparent` names. Nothing happens
/// without a valid `traceparent` or with traces off.
pub fn continue_trace(span: &tracing::Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent else {
        return;
    };
    let carrier = HashMap::from([("traceparent".to_string(), traceparent.to_string())]);
    let parent = TraceContextPropagator::new().extract(&carrier);
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
}

/// The trace context of the latest engine work on each ticket, so alerts and actions sent
/// later in other tasks join the trace of the delivery that caused them. Bounded: the
/// oldest entries go first.
pub struct TraceLinks {
    inner: Mutex<(HashMap<u64, String>, VecDeque<u64>)>,
}

/// Tickets [`TraceLinks`] remembers.
const MAX_LINKS: usize = 4_096;

impl Default for TraceLinks {
    fn default() -> Self {
        TraceLinks {
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }
}

impl TraceLinks {
    /// Remember `span` as the latest work on `ticket` (nothing when traces are off).
    pub fn remember(&self, ticket: u64, span: &tracing::Span) {
        let Some(parent) = traceparent(span) else {
            return;
        };
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        if map.insert(ticket, parent).is_none() {
            order.push_back(ticket);
            while order.len() > MAX_LINKS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
    }

    /// Make `span` (not entered yet) a child of the latest engine work on `ticket`.
    pub fn continue_for(&self, ticket: u64, span: &tracing::Span) {
        let parent = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .get(&ticket)
            .cloned();
        continue_trace(span, parent.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(text: &str) -> Result<Option<TracesConfig>, String> {
        toml::from_str::<RawTelemetry>(text)
            .map_err(|e| e.to_string())?
            .validate()
    }

    #[test]
    fn the_endpoint_is_the_collector_base_url() {
        let c = validate("otlp_endpoint = \"http://127.0.0.1:4318/\"")
            .unwrap()
            .unwrap();
        assert_eq!(c.traces_url, "http://127.0.0.1:4318/v1/traces");
        assert_eq!(c.service_name, "helloword");
        assert_eq!(c.sample_ratio, 1.0);
        assert_eq!(c.export_delay, Duration::from_secs(5));
        let c = validate("otlp_endpoint = \"https://otel.example/v1/traces\"")
            .unwrap()
            .unwrap();
        assert_eq!(c.traces_url, "https://otel.example/v1/traces");
        assert_eq!(validate("sample_ratio = 0.5").unwrap(), None);
    }

    #[test]
    fn without_traces_nothing_is_linked() {
        let links = TraceLinks::default();
        let span = tracing::info_span!("engine.apply");
        links.remember(7, &span);
        assert!(links.inner.lock().unwrap().0.is_empty());
        assert_eq!(traceparent(&span), None);
    }
}
