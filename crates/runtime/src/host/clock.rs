//! `helloword:gateway/clock`: the host's UTC clock.

use crate::bindings::clock::Host;
use crate::bindings::types::Timestamp;
use crate::state::CallState;

impl Host for CallState {
    async fn now(&mut self) -> wasmtime::Result<Timestamp> {
        self.host.count_call()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(Timestamp {
            seconds: now.as_secs() as i64,
            nanoseconds: now.subsec_nanos(),
        })
    }
}
