//! Bindings for the `marketplace-connector` world.
//!
//! Implement [`Connector`] and export it with [`export_connector!`](crate::export_connector).
//! The host imports (log, clock, config, metrics, crypto, http, mail, cache) are the modules
//! re-exported here; [`delivery`] wraps the `delivery` import.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        // `marketplace-connector` and its optional `orders` export.
        world: "marketplace-connector-with-lookup",
        path: "../../wit",
        with: { "helloword:gateway/types@0.1.0": crate::types },
        pub_export_macro: true,
        export_macro_name: "export_connector",
        default_bindings_module: "helloword_sdk::connector::bindings",
    });
}

pub use bindings::exports::helloword::gateway::connector::{
    Capability, Guest as Connector, IncomingRequest, Info, PollResult, Reply, WebhookError,
    WebhookOutcome,
};
pub use bindings::exports::helloword::gateway::orders::FoundOrder;

/// Looking an order up at the marketplace (export `orders`), for a case its events left
/// without a buyer, items or tracking. The default answers `not-supported`; a connector
/// that implements it is exported with `export_connector!(MyConnector, orders)`.
///
/// The host calls it in the background after the delivery that opened the case was
/// acknowledged, and retries an `Err` with backoff; return the order as an `order-update`
/// event whose `dedupe.business` names the order's version.
pub trait OrderLookup {
    /// Look up order `order_id` of shop `shop` through the `http` import.
    fn lookup_order(
        shop: String,
        order_id: String,
    ) -> Result<FoundOrder, crate::types::ActionError> {
        let _ = (shop, order_id);
        Ok(FoundOrder::NotSupported)
    }
}

impl<T: OrderLookup> bindings::exports::helloword::gateway::orders::Guest for T {
    fn lookup_order(
        shop: String,
        order_id: String,
    ) -> Result<FoundOrder, crate::types::ActionError> {
        <T as OrderLookup>::lookup_order(shop, order_id)
    }
}

#[cfg(target_arch = "wasm32")]
pub use bindings::helloword::gateway::{cache, clock, config, crypto, http, log, mail, metrics};

/// Native stand-ins for the host imports (see [`native`]).
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(not(target_arch = "wasm32"))]
pub use native::{cache, clock, config, crypto, http, log, mail, metrics};

/// `helloword:gateway/delivery`: tell the host about the request being handled.
pub mod delivery {
    use super::WebhookError;
    #[cfg(target_arch = "wasm32")]
    use super::bindings::helloword::gateway::delivery as import;
    #[cfg(not(target_arch = "wasm32"))]
    use super::native::delivery as import;

    /// Refuse a request whose signature verified but whose body the connector cannot read
    /// (malformed JSON, a shape it does not know): the host keeps the delivery for
    /// `helloword replay`, answers the marketplace 202 so its subscription survives, and
    /// alerts the seller. Call it only after the signature checked:
    ///
    /// ```ignore
    /// verify(&req.body, &signature)?;
    /// let body = json::parse(&req.body).map_err(|e| delivery::unreadable(format!("{topic}: {e}")))?;
    /// ```
    ///
    /// Returns the `bad-request` to refuse with; a gateway built before this import existed
    /// does not load the component (it names the missing import).
    pub fn unreadable(text: impl Into<String>) -> WebhookError {
        import::verified_unreadable();
        WebhookError::BadRequest(text.into())
    }
}

impl Reply {
    /// A JSON reply with the given status.
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

impl IncomingRequest {
    /// The first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::headers::get(&self.headers, name)
    }

    /// The value of a query parameter (not percent-decoded beyond `+` and `%XX`).
    pub fn query_param(&self, name: &str) -> Option<String> {
        crate::headers::query_param(&self.query, name)
    }
}
