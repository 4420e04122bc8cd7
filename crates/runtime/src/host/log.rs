//! `helloword:gateway/log`: plugin log lines into the gateway's log, tagged with the plugin.

use crate::bindings::log::{Host, Level};
use crate::state::CallState;

const MAX_MESSAGE: usize = 2048;
const MAX_FIELDS: usize = 16;

fn clip(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

impl Host for CallState {
    async fn log(
        &mut self,
        level: Level,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.host.count_call()?;
        let plugin = self.host.grants.plugin.as_str();
        let message = clip(message, MAX_MESSAGE);
        let fields: Vec<String> = fields
            .into_iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| format!("{}={}", clip(k, 64), clip(v, 256)))
            .collect();
        let fields = fields.join(" ");
        match level {
            Level::Trace => tracing::trace!(target: "plugin", plugin, fields, "{message}"),
            Level::Debug => tracing::debug!(target: "plugin", plugin, fields, "{message}"),
            Level::Info => tracing::info!(target: "plugin", plugin, fields, "{message}"),
            Level::Warn => tracing::warn!(target: "plugin", plugin, fields, "{message}"),
            Level::Error => tracing::error!(target: "plugin", plugin, fields, "{message}"),
        }
        Ok(())
    }
}
