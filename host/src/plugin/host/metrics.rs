//! `helloword:gateway/metrics`: plugin metrics, prefixed `helloword_plugin_` and labelled
//! with the plugin's id. Invalid names are dropped with a debug log line rather than
//! trapping, so a typo in a metric never breaks a delivery.

use crate::plugin::bindings::metrics::Host;
use crate::plugin::state::CallState;
use crate::telemetry::metrics::is_valid_name;

const MAX_LABELS: usize = 8;

impl CallState {
    fn plugin_series(
        &self,
        name: &str,
        labels: &[(String, String)],
    ) -> Option<(String, Vec<(String, String)>)> {
        let plugin = &self.host.grants.plugin;
        if !is_valid_name(name)
            || labels.len() > MAX_LABELS
            || labels
                .iter()
                .any(|(k, v)| !is_valid_name(k) || k == "plugin" || v.len() > 128)
        {
            tracing::debug!(
                message = "Dropping a plugin metric with an invalid name or labels.",
                plugin = %plugin,
                metric = name
            );
            return None;
        }
        let mut all = labels.to_vec();
        all.push(("plugin".to_string(), plugin.clone()));
        Some((format!("helloword_plugin_{name}"), all))
    }
}

fn borrowed(labels: &[(String, String)]) -> Vec<(&str, &str)> {
    labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

impl Host for CallState {
    async fn counter_add(
        &mut self,
        name: String,
        value: u64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.host.count_call()?;
        if let Some((name, labels)) = self.plugin_series(&name, &labels) {
            let metrics = &self.host.grants.services.metrics;
            metrics.counter_add(
                &name,
                "Counter reported by a plugin.",
                &borrowed(&labels),
                value,
            );
        }
        Ok(())
    }

    async fn gauge_set(
        &mut self,
        name: String,
        value: i64,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.host.count_call()?;
        if let Some((name, labels)) = self.plugin_series(&name, &labels) {
            let metrics = &self.host.grants.services.metrics;
            metrics.gauge_set(
                &name,
                "Gauge reported by a plugin.",
                &borrowed(&labels),
                value,
            );
        }
        Ok(())
    }
}
