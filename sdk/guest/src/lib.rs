//! The guest side of HelloWord plugins.
//!
//! A plugin is a WebAssembly component built for `wasm32-wasip2` that implements one world
//! of the `helloword:gateway` contract (see the repository's `wit/` folder). This crate gives
//! it:
//!
//! - bindings for its world, enabled by one feature: `connector` (world
//!   `marketplace-connector`), `locale` (world `locale-pack`) or `policy` (world
//!   `compensation-policy`), each with an export macro
//!   ([`export_connector!`], [`export_locale!`], [`export_policy!`]);
//! - one set of model types shared by every world ([`types`]);
//! - helpers that marketplace payloads need: exact money ([`money`]), timestamps
//!   ([`time`]), case-insensitive headers ([`headers`]) and JSON lookups that never pass a
//!   number through `f64` ([`json`]).
//!
//! ```ignore
//! use helloword_sdk::connector::{Connector, IncomingRequest, WebhookOutcome, WebhookError};
//! struct MyMarketplace;
//! impl Connector for MyMarketplace { /* ... */ }
//! helloword_sdk::export_connector!(MyMarketplace);
//! ```

pub use base64;

pub mod headers;
pub mod json;
pub mod money;
pub mod time;

#[doc(hidden)]
pub mod model {
    wit_bindgen::generate!({
        world: "normalized-model",
        path: "../../wit",
        generate_unused_types: true,
        additional_derives: [PartialEq, Eq],
    });
}

/// The normalized after-sales model (`helloword:gateway/types`), shared by every world.
pub mod types {
    pub use crate::model::helloword::gateway::types::*;

    impl Money {
        /// Money from a decimal string as marketplaces send it ("12.34", "-5", "1500"),
        /// exactly, in the currency's minor units.
        pub fn parse(amount: &str, currency: &str) -> Result<Money, crate::money::MoneyError> {
            let currency = currency.trim().to_ascii_uppercase();
            let minor_units = crate::money::to_minor_units(amount, &currency)?;
            Ok(Money {
                minor_units,
                currency,
            })
        }
    }

    impl Timestamp {
        /// A timestamp from RFC 3339 / ISO 8601 text ("2025-07-10T16:15:47.000000Z",
        /// "2021-01-21T14:32:37-05:00", or a bare date, read as midnight UTC).
        pub fn parse(text: &str) -> Result<Timestamp, crate::time::TimeError> {
            let (seconds, nanoseconds) = crate::time::parse_rfc3339(text)?;
            Ok(Timestamp {
                seconds,
                nanoseconds,
            })
        }

        /// A timestamp from milliseconds since the Unix epoch.
        pub fn from_millis(millis: i64) -> Timestamp {
            Timestamp {
                seconds: millis.div_euclid(1000),
                nanoseconds: (millis.rem_euclid(1000) * 1_000_000) as u32,
            }
        }
    }

    impl DedupeKey {
        /// A dedupe key with only the business key set.
        pub fn business(key: impl Into<String>) -> DedupeKey {
            DedupeKey {
                delivery: None,
                action: None,
                business: key.into(),
            }
        }
    }
}

#[cfg(feature = "connector")]
pub mod connector;
#[cfg(feature = "locale")]
pub mod locale;
#[cfg(feature = "policy")]
pub mod policy;

/// Export a type implementing [`connector::Connector`] as the plugin's connector.
#[cfg(feature = "connector")]
pub use connector::bindings::export_connector;
/// Export a type implementing [`locale::LocalePack`] as the plugin's locale pack.
#[cfg(feature = "locale")]
pub use locale::bindings::export_locale;
/// Export a type implementing [`policy::Policy`] as the plugin's compensation policy.
#[cfg(feature = "policy")]
pub use policy::bindings::export_policy;
