//! Logs, traces and metrics. Every log line is a capitalised sentence with key/value fields;
//! traces go to an OpenTelemetry collector over OTLP/HTTP when `[telemetry]` names one
//! ([`traces`]); metrics are rendered as Prometheus text at `/metrics` ([`metrics`]).

pub mod metrics;
pub mod traces;

pub use metrics::Metrics;
pub use traces::{ExporterError, TraceLinks, TracesConfig, continue_trace, traceparent};

use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Install the global tracing subscriber: human-readable lines, or JSON when `json` is set.
/// `RUST_LOG` overrides `default_filter`. Traces are not exported (see [`init`]).
pub fn init_logging(default_filter: &str, json: bool) {
    let _ = init(default_filter, json, None);
}

/// What [`init`] started: flush it before the process exits.
#[must_use = "dropping the handle does not flush the spans not yet exported"]
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Post every finished span now (blocks until the collector answered or timed out).
    pub fn flush(&self) {
        if let Some(provider) = &self.provider {
            let _ = provider.force_flush();
        }
    }

    /// Post what is left and stop the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            let _ = provider.shutdown();
        }
    }
}

/// Install the global tracing subscriber: logs as [`init_logging`] writes them and, with
/// `traces`, the gateway's spans (targets `helloword::*`, debug and above, with its events
/// at info and above, whatever `RUST_LOG` says) exported over OTLP/HTTP. A process has one
/// global subscriber: when one is already installed, the first one stays and nothing is
/// exported from this call.
pub fn init(
    default_filter: &str,
    json: bool,
    traces: Option<&TracesConfig>,
) -> Result<Telemetry, ExporterError> {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    let provider = traces.map(traces::provider).transpose()?;
    // The gateway's spans (`ingest`, `plugin.call`, `store.commit`, `engine.apply`,
    // `alert.deliver`, `action.dispatch`) are at debug level: they exist for traces, and a
    // gateway without an exporter does not pay for them on every delivery (about 30 µs of
    // CPU per webhook at info level, BENCHMARKS.md). The exporter takes them, and the
    // gateway's events at info and above.
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("helloword"))
            .with_filter(
                tracing_subscriber::filter::filter_fn(|meta| {
                    let wanted = if meta.is_span() {
                        LevelFilter::DEBUG
                    } else {
                        LevelFilter::INFO
                    };
                    meta.target().starts_with("helloword") && *meta.level() <= wanted
                })
                .with_max_level_hint(LevelFilter::DEBUG),
            )
    });
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    };
    let installed = tracing_subscriber::registry()
        .with(otel)
        .with(logs)
        .try_init()
        .is_ok();
    Ok(Telemetry {
        provider: provider.filter(|_| installed),
    })
}
