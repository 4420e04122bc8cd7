//! `helloword:gateway/metrics`: plugin metrics, in a namespace of their own
//! ([`PREFIX`]), labelled with the plugin's id.
//!
//! A plugin cannot touch the gateway's series nor make the scrape invalid: its names live
//! under [`PREFIX`], which no gateway metric uses; a counter's name ends in `_total` (added
//! when missing) and a gauge's never does; a name keeps the type it was first used with, by
//! any plugin. Each plugin has at most [`MAX_SERIES_PER_PLUGIN`] series, so label values a
//! plugin takes from requests cannot grow the scrape without bound. An update that breaks a
//! rule is dropped and counted in [`DROPPED`] (labelled with a fixed reason), with a debug
//! log line: a typo in a metric never breaks a delivery.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::bindings::metrics::Host;
use crate::state::CallState;
use helloword_telemetry::Metrics;

/// What every plugin metric's name starts with.
pub const PREFIX: &str = "helloword_ext_";
/// Series one plugin may have, over all its metrics and label values.
pub const MAX_SERIES_PER_PLUGIN: usize = 200;
/// The gateway's count of plugin metric updates it dropped, by plugin and reason.
pub const DROPPED: &str = "helloword_plugin_metric_updates_dropped_total";
/// Labels one series may have besides `plugin`.
const MAX_LABELS: usize = 8;
/// The longest label value.
const MAX_LABEL_VALUE_BYTES: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

/// Why an update was dropped (the `reason` label of [`DROPPED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropped {
    InvalidName,
    InvalidLabels,
    TypeConflict,
    SeriesCap,
}

impl Dropped {
    fn reason(self) -> &'static str {
        match self {
            Dropped::InvalidName => "invalid-name",
            Dropped::InvalidLabels => "invalid-labels",
            Dropped::TypeConflict => "type-conflict",
            Dropped::SeriesCap => "series-cap",
        }
    }
}

type Series = (String, Vec<(String, String)>);

/// Which type each plugin metric has and which series each plugin made; shared by every
/// plugin of a gateway.
#[derive(Default)]
pub struct PluginMetrics {
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    kinds: HashMap<String, Kind>,
    series: HashMap<String, HashSet<Series>>,
}

/// `[a-z][a-z0-9_]*`, at most 64 bytes.
fn is_snake_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.len() <= 64
}

impl PluginMetrics {
    /// The series `plugin` may update: the full metric name and its labels (`plugin` added,
    /// sorted), or why not.
    fn admit(
        &self,
        plugin: &str,
        kind: Kind,
        name: &str,
        labels: &[(String, String)],
    ) -> Result<Series, Dropped> {
        if !is_snake_name(name) {
            return Err(Dropped::InvalidName);
        }
        let full = match kind {
            Kind::Counter if name.ends_with("_total") => format!("{PREFIX}{name}"),
            Kind::Counter => format!("{PREFIX}{name}_total"),
            Kind::Gauge if name.ends_with("_total") => return Err(Dropped::InvalidName),
            Kind::Gauge => format!("{PREFIX}{name}"),
        };
        let mut names = HashSet::new();
        if labels.len() > MAX_LABELS
            || labels.iter().any(|(k, v)| {
                !is_snake_name(k)
                    || k == "plugin"
                    || k.starts_with("__")
                    || v.len() > MAX_LABEL_VALUE_BYTES
                    || !names.insert(k.as_str())
            })
        {
            return Err(Dropped::InvalidLabels);
        }
        let mut all = labels.to_vec();
        all.push(("plugin".to_string(), plugin.to_string()));
        all.sort();
        let series = (full, all);

        let mut ledger = self
            .ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A counter `x_total` and a gauge `x_total` would be one name with two types, and
        // so would a gauge `x` next to a counter written `x` (stored as `x_total`): both
        // are kept apart by the name-to-type map.
        match ledger.kinds.get(&series.0) {
            Some(existing) if *existing != kind => return Err(Dropped::TypeConflict),
            _ => {}
        }
        let mine = ledger.series.entry(plugin.to_string()).or_default();
        if !mine.contains(&series) {
            if mine.len() >= MAX_SERIES_PER_PLUGIN {
                return Err(Dropped::SeriesCap);
            }
            mine.insert(series.clone());
        }
        ledger.kinds.insert(series.0.clone(), kind);
        Ok(series)
    }
}

fn borrowed(labels: &[(String, String)]) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Count a dropped update.
fn dropped(metrics: &Metrics, plugin: &str, name: &str, why: Dropped) {
    tracing::debug!(
        message = "Dropping a plugin metric update.",
        plugin = %plugin,
        metric = name,
        reason = why.reason()
    );
    metrics.counter_add(
        DROPPED,
        "Plugin metric updates the gateway dropped (invalid name or labels, a name used with \
         another type, or past the plugin's series cap), by plugin and reason.",
        &[("plugin", plugin), ("reason", why.reason())],
        1,
    );
}

impl CallState {
    fn update_plugin_metric(
        &self,
        kind: Kind,
        name: &str,
        labels: &[(String, String)],
        value: i64,
    ) {
        let plugin = &self.host.grants.plugin;
        let services = &self.host.grants.services;
        match services.plugin_metrics.admit(plugin, kind, name, labels) {
            Err(why) => dropped(&services.metrics, plugin, name, why),
            Ok((full, labels)) => match kind {
                Kind::Counter => services.metrics.counter_add(
                    &full,
                    "Counter reported by a plugin.",
                    &borrowed(&labels),
                    value.unsigned_abs(),
                ),
                Kind::Gauge => services.metrics.gauge_set(
                    &full,
                    "Gauge reported by a plugin.",
                    &borrowed(&labels),
                    value,
                ),
            },
        }
    }
}

impl Host for CallState {
    async fn counter_add(
        &mut self,
        name: String,
        value: u64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.host.count_call()?;
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        self.update_plugin_metric(Kind::Counter, &name, &labels, value);
        Ok(())
    }

    async fn gauge_set(
        &mut self,
        name: String,
        value: i64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.host.count_call()?;
        self.update_plugin_metric(Kind::Gauge, &name, &labels, value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn counters_get_their_own_prefix_and_total() {
        let m = PluginMetrics::default();
        assert_eq!(
            m.admit("shopify", Kind::Counter, "ignored_topics", &[]),
            Ok((
                "helloword_ext_ignored_topics_total".into(),
                labels(&[("plugin", "shopify")])
            ))
        );
        assert_eq!(
            m.admit(
                "shopify",
                Kind::Counter,
                "previous_secret_matches_total",
                &[]
            )
            .unwrap()
            .0,
            "helloword_ext_previous_secret_matches_total"
        );
    }

    #[test]
    fn a_plugin_cannot_reach_the_gateways_metrics_nor_change_a_type() {
        let m = PluginMetrics::default();
        // What was `helloword_plugin_calls_total` before is a name of its own now.
        assert_eq!(
            m.admit(
                "evil",
                Kind::Counter,
                "calls_total",
                &labels(&[("plugin", "x")])
            ),
            Err(Dropped::InvalidLabels)
        );
        let (full, _) = m.admit("evil", Kind::Counter, "calls_total", &[]).unwrap();
        assert!(full.starts_with(PREFIX));
        // The same name as a gauge, by this plugin or another: dropped.
        assert_eq!(
            m.admit("other", Kind::Gauge, "calls", &[]),
            Ok(("helloword_ext_calls".into(), labels(&[("plugin", "other")])))
        );
        assert_eq!(
            m.admit("evil", Kind::Counter, "calls", &[]).unwrap().0,
            "helloword_ext_calls_total"
        );
        assert_eq!(
            m.admit("evil", Kind::Gauge, "calls_total", &[]),
            Err(Dropped::InvalidName)
        );
        m.admit("a", Kind::Gauge, "depth", &[]).unwrap();
        // `depth` stays a gauge; a counter named `depth` is `depth_total`, another name.
        assert_eq!(
            m.admit("b", Kind::Counter, "depth", &[]).unwrap().0,
            "helloword_ext_depth_total"
        );
        for bad in [
            "Calls",
            "9lives",
            "a-b",
            "",
            "helloword_plugin_calls_total\n",
        ] {
            assert_eq!(
                m.admit("x", Kind::Counter, bad, &[]),
                Err(Dropped::InvalidName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn each_plugin_has_at_most_its_series_cap() {
        let m = PluginMetrics::default();
        for i in 0..MAX_SERIES_PER_PLUGIN {
            let topic = format!("t{i}");
            m.admit(
                "noisy",
                Kind::Counter,
                "hits",
                &labels(&[("topic", &topic)]),
            )
            .unwrap();
        }
        assert_eq!(
            m.admit(
                "noisy",
                Kind::Counter,
                "hits",
                &labels(&[("topic", "one-more")])
            ),
            Err(Dropped::SeriesCap)
        );
        // Existing series still count, and other plugins have their own cap.
        assert!(
            m.admit("noisy", Kind::Counter, "hits", &labels(&[("topic", "t0")]))
                .is_ok()
        );
        assert!(
            m.admit("calm", Kind::Counter, "hits", &labels(&[("topic", "x")]))
                .is_ok()
        );
    }

    #[test]
    fn labels_are_checked() {
        let m = PluginMetrics::default();
        for bad in [
            labels(&[("plugin", "x")]),
            labels(&[("__name__", "x")]),
            labels(&[("Topic", "x")]),
            labels(&[("a", "x"), ("a", "y")]),
            labels(&[("a", &"x".repeat(129))]),
        ] {
            assert_eq!(
                m.admit("p", Kind::Counter, "c", &bad),
                Err(Dropped::InvalidLabels),
                "{bad:?}"
            );
        }
    }
}
