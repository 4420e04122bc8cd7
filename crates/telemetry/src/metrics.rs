//! A small in-process metrics registry, rendered as Prometheus text at `/metrics`.
//!
//! Counters and gauges are looked up once by name and labels and then updated with
//! atomics, so hot paths pay a map lookup under a read lock and an atomic add. Histograms
//! have fixed buckets in seconds ([`BUCKETS`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Labels of one series, sorted by name.
pub type Labels = Vec<(String, String)>;

#[derive(Default)]
struct Family<T> {
    help: &'static str,
    series: BTreeMap<Labels, Arc<T>>,
}

/// Upper bounds, in seconds, of every histogram's buckets: 1 ms to 10 s.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// One histogram series: a count per bucket (not cumulative), the sum in microseconds.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// The registry. Cloning is cheap and shares the series.
#[derive(Clone, Default)]
pub struct Metrics {
    counters: Arc<RwLock<BTreeMap<String, Family<AtomicU64>>>>,
    gauges: Arc<RwLock<BTreeMap<String, Family<AtomicI64>>>>,
    histograms: Arc<RwLock<BTreeMap<String, Family<Histogram>>>>,
}

fn series<T: Default>(
    map: &RwLock<BTreeMap<String, Family<T>>>,
    name: &str,
    help: &'static str,
    labels: &[(&str, &str)],
) -> Arc<T> {
    // The hot path: an existing series, found without allocating (a family has a few
    // dozen series at most, and label names within a series are unique).
    if let Some(found) = map
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(name)
        .and_then(|f| {
            f.series
                .iter()
                .find(|(stored, _)| same_labels(stored, labels))
        })
    {
        return found.1.clone();
    }
    let mut key: Labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    key.sort();
    let mut families = map.write().unwrap_or_else(|e| e.into_inner());
    let family = families.entry(name.to_string()).or_insert_with(|| Family {
        help,
        series: BTreeMap::new(),
    });
    family.series.entry(key).or_default().clone()
}

/// Whether `stored` (sorted) holds exactly the label pairs of `given` (in any order).
fn same_labels(stored: &Labels, given: &[(&str, &str)]) -> bool {
    stored.len() == given.len()
        && given
            .iter()
            .all(|(k, v)| stored.iter().any(|(sk, sv)| sk == k && sv == v))
        && stored
            .iter()
            .all(|(sk, sv)| given.iter().any(|(k, v)| sk == k && sv == v))
}

impl Metrics {
    /// Add `value` to the counter `name{labels}`.
    pub fn counter_add(&self, name: &str, help: &'static str, labels: &[(&str, &str)], value: u64) {
        series(&self.counters, name, help, labels).fetch_add(value, Ordering::Relaxed);
    }

    /// Set the gauge `name{labels}`.
    pub fn gauge_set(&self, name: &str, help: &'static str, labels: &[(&str, &str)], value: i64) {
        series(&self.gauges, name, help, labels).store(value, Ordering::Relaxed);
    }

    /// Record one observation of `duration` in the histogram `name{labels}`.
    pub fn observe(
        &self,
        name: &str,
        help: &'static str,
        labels: &[(&str, &str)],
        duration: std::time::Duration,
    ) {
        let h = series(&self.histograms, name, help, labels);
        let seconds = duration.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(BUCKETS.len());
        h.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        h.sum_micros.fetch_add(
            u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The current value of a counter (0 if it was never touched).
    pub fn counter_value(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let mut key: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        key.sort();
        self.counters
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .and_then(|f| f.series.get(&key))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Everything in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        render_family(
            &mut out,
            "counter",
            &self.counters.read().unwrap_or_else(|e| e.into_inner()),
            |v| v.load(Ordering::Relaxed).to_string(),
        );
        render_family(
            &mut out,
            "gauge",
            &self.gauges.read().unwrap_or_else(|e| e.into_inner()),
            |v| v.load(Ordering::Relaxed).to_string(),
        );
        render_histograms(
            &mut out,
            &self.histograms.read().unwrap_or_else(|e| e.into_inner()),
        );
        out
    }
}

fn label_text(labels: &Labels, extra: Option<(&str, &str)>) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(extra)
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn render_histograms(out: &mut String, families: &BTreeMap<String, Family<Histogram>>) {
    for (name, family) in families {
        let _ = writeln!(out, "# HELP {name} {}", family.help);
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (labels, h) in &family.series {
            let mut cumulative = 0;
            for (i, count) in h.buckets.iter().enumerate() {
                cumulative += count.load(Ordering::Relaxed);
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {cumulative}",
                    label_text(labels, Some(("le", &le)))
                );
            }
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "{name}_sum{} {sum}", label_text(labels, None));
            let _ = writeln!(out, "{name}_count{} {cumulative}", label_text(labels, None));
        }
    }
}

fn render_family<T>(
    out: &mut String,
    kind: &str,
    families: &BTreeMap<String, Family<T>>,
    value: impl Fn(&T) -> String,
) {
    for (name, family) in families {
        let _ = writeln!(out, "# HELP {name} {}", family.help);
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, v) in &family.series {
            let _ = writeln!(out, "{name}{} {}", label_text(labels, None), value(v));
        }
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A metric or label name as Prometheus allows it: `[a-zA-Z_][a-zA-Z0-9_]*`, at most 64 bytes.
pub fn is_valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_escaped_labels() {
        let m = Metrics::default();
        m.counter_add(
            "calls_total",
            "Calls.",
            &[("plugin", "a\"b"), ("outcome", "ok")],
            2,
        );
        m.counter_add(
            "calls_total",
            "Calls.",
            &[("outcome", "ok"), ("plugin", "a\"b")],
            1,
        );
        m.gauge_set("depth", "Depth.", &[], -3);
        assert_eq!(
            m.render(),
            "# HELP calls_total Calls.\n# TYPE calls_total counter\n\
             calls_total{outcome=\"ok\",plugin=\"a\\\"b\"} 3\n\
             # HELP depth Depth.\n# TYPE depth gauge\ndepth -3\n"
        );
        assert_eq!(
            m.counter_value("calls_total", &[("plugin", "a\"b"), ("outcome", "ok")]),
            3
        );
    }

    #[test]
    fn series_differing_in_one_label_or_in_their_label_set_stay_apart() {
        let m = Metrics::default();
        m.counter_add("c", "C.", &[("plugin", "a"), ("outcome", "ok")], 1);
        m.counter_add("c", "C.", &[("plugin", "a"), ("outcome", "error")], 2);
        m.counter_add("c", "C.", &[("plugin", "a")], 4);
        m.counter_add("c", "C.", &[("plugin", "a"), ("plugin", "a")], 8);
        assert_eq!(
            m.counter_value("c", &[("outcome", "ok"), ("plugin", "a")]),
            1
        );
        assert_eq!(
            m.counter_value("c", &[("plugin", "a"), ("outcome", "error")]),
            2
        );
        assert_eq!(m.counter_value("c", &[("plugin", "a")]), 4);
    }

    #[test]
    fn histograms_render_cumulative_buckets_sum_and_count() {
        let m = Metrics::default();
        let ms = std::time::Duration::from_millis;
        m.observe("lat_seconds", "Latency.", &[("plugin", "p")], ms(3));
        m.observe("lat_seconds", "Latency.", &[("plugin", "p")], ms(20));
        m.observe("lat_seconds", "Latency.", &[("plugin", "p")], ms(20_000));
        let text = m.render();
        assert!(text.starts_with("# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"));
        assert!(text.contains("lat_seconds_bucket{plugin=\"p\",le=\"0.0025\"} 0\n"));
        assert!(text.contains("lat_seconds_bucket{plugin=\"p\",le=\"0.005\"} 1\n"));
        assert!(text.contains("lat_seconds_bucket{plugin=\"p\",le=\"0.025\"} 2\n"));
        assert!(text.contains("lat_seconds_bucket{plugin=\"p\",le=\"10\"} 2\n"));
        assert!(text.contains("lat_seconds_bucket{plugin=\"p\",le=\"+Inf\"} 3\n"));
        assert!(text.contains("lat_seconds_sum{plugin=\"p\"} 20.023\n"));
        assert!(text.contains("lat_seconds_count{plugin=\"p\"} 3\n"));
    }

    #[test]
    fn names_are_checked() {
        assert!(is_valid_name("echo_deliveries"));
        assert!(!is_valid_name("9lives"));
        assert!(!is_valid_name("a-b"));
        assert!(!is_valid_name(""));
    }
}
