//! Logs and metrics. Every log line is a capitalised sentence with key/value fields.

pub mod metrics;

pub use metrics::Metrics;

/// Install the global tracing subscriber: human-readable lines, or JSON when `json` is set.
/// `RUST_LOG` overrides `default_filter`.
pub fn init_logging(default_filter: &str, json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
