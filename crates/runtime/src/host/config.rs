//! `helloword:gateway/config`: the plugin's own `[config]` table.

use crate::bindings::config::Host;
use crate::state::CallState;

impl Host for CallState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        self.host.count_call()?;
        Ok(self.host.grants.config.get(&key).cloned())
    }

    async fn all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        self.host.count_call()?;
        Ok(self
            .host
            .grants
            .config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
