//! `helloword:gateway/delivery`: a connector says that the request it is handling verified
//! but cannot be read, so that ingest keeps it instead of refusing it (see `crate::ingest`).

use crate::bindings::delivery::Host;
use crate::state::CallState;

impl Host for CallState {
    async fn verified_unreadable(&mut self) -> wasmtime::Result<()> {
        self.host.count_call()?;
        self.host.verified_unreadable = true;
        Ok(())
    }
}
