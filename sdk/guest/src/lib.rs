//! The guest side of HelloWord plugins.
//!
//! A plugin is a WebAssembly component built for `wasm32-wasip2` that implements one world
//! of the `helloword:gateway` contract (see the repository's `wit/` folder). This crate gives
//! it:
//!
//! - bindings for its world, enabled by one feature: `connector` (world
//!   `marketplace-connector`), `locale` (world `locale-pack`), `policy` (world
//!   `compensation-policy`) or `translator` (world `translator`), each with an export macro
//!   ([`export_connector!`], [`export_locale!`], [`export_policy!`], [`export_translator!`]);
//! - one set of model types shared by every world ([`types`]);
//! - helpers that marketplace payloads need: exact money ([`money`]), timestamps
//!   ([`time`]), case-insensitive headers ([`headers`]), JSON lookups that never pass a
//!   number through `f64` ([`json`]), names derived from idempotency keys
//!   ([`idempotency`]) and buyers' full names in their own order ([`names`]);
//! - for connectors that write or read e-mail: mail settings, servers, errors and reply
//!   subjects (`mail`, with the `connector` feature);
//! - an allocator made for instances that live for one call ([`arena`]).
//!
//! ```ignore
//! use helloword_sdk::connector::{Connector, IncomingRequest, WebhookOutcome, WebhookError};
//! struct MyMarketplace;
//! impl Connector for MyMarketplace { /* ... */ }
//! helloword_sdk::export_connector!(MyMarketplace);
//! ```

pub use base64;

pub mod arena;
pub mod evidence;
pub mod headers;
pub mod idempotency;
pub mod json;
#[cfg(feature = "connector")]
pub mod mail;
pub mod money;
pub mod names;
pub mod time;

/// Every call runs in a fresh instance, so the first MiB of a call's allocations comes from
/// an arena made for that (see [`arena`]). Turn off the default feature `call-arena` to use
/// another allocator.
#[cfg(all(
    feature = "call-arena",
    target_family = "wasm",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: arena::CallArena<{ arena::ARENA_BYTES }> = arena::CallArena::new();

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

        /// RFC 3339 text in UTC, e.g. "2025-07-10T16:15:47Z".
        pub fn to_rfc3339(&self) -> String {
            crate::time::format_rfc3339(self.seconds, self.nanoseconds)
        }

        /// The UTC calendar date: (year, month, day).
        pub fn date(&self) -> (i64, u32, u32) {
            crate::time::civil_from_days(self.seconds.div_euclid(86_400))
        }

        /// A timestamp from milliseconds since the Unix epoch.
        pub fn from_millis(millis: i64) -> Timestamp {
            Timestamp {
                seconds: millis.div_euclid(1000),
                nanoseconds: (millis.rem_euclid(1000) * 1_000_000) as u32,
            }
        }
    }

    impl TicketEvent {
        /// An event with the fields every event has; everything optional is empty, to be
        /// filled in by the connector.
        pub fn new(
            kind: IssueKind,
            shop: impl Into<String>,
            summary: impl Into<String>,
            dedupe: DedupeKey,
        ) -> TicketEvent {
            TicketEvent {
                kind,
                shop: shop.into(),
                case_id: None,
                order: None,
                customer: None,
                shipment: None,
                amount: None,
                reason: None,
                status: None,
                platform_deadline: None,
                occurred_at: None,
                buyer_text: None,
                rating: None,
                summary: summary.into(),
                dedupe,
                attributes: Vec::new(),
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
#[cfg(feature = "translator")]
pub mod translator;

/// Export a type implementing [`connector::Connector`] as the plugin's connector.
///
/// The exports exist only in the wasm32 build; a native build (unit tests, clippy) checks
/// that the type implements the trait and exports nothing.
#[cfg(feature = "connector")]
#[macro_export]
///
/// `export_connector!(MyConnector)` exports a connector that does not look orders up (the
/// host never asks it); `export_connector!(MyConnector, orders)` one that implements
/// [`connector::OrderLookup`] too.
macro_rules! export_connector {
    ($ty:ident) => {
        impl $crate::connector::OrderLookup for $ty {}
        $crate::export_connector!($ty, orders);
    };
    ($ty:ident, orders) => {
        #[cfg(target_arch = "wasm32")]
        $crate::connector::bindings::export_connector!($ty);
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn() -> $crate::connector::Info = <$ty as $crate::connector::Connector>::describe;
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn(
            ::std::string::String,
            ::std::string::String,
        ) -> ::core::result::Result<
            $crate::connector::FoundOrder,
            $crate::types::ActionError,
        > = <$ty as $crate::connector::OrderLookup>::lookup_order;
    };
}

/// Export a type implementing [`locale::LocalePack`] as the plugin's locale pack.
/// See [`export_connector!`] for native builds.
///
/// `export_locale!(MyPack)` exports a pack whose culture tips are in English only (the
/// host shows them to every agent as they are); `export_locale!(MyPack, tips)` one that
/// implements [`locale::TipsInLanguage`] too.
#[cfg(feature = "locale")]
#[macro_export]
macro_rules! export_locale {
    ($ty:ident) => {
        impl $crate::locale::TipsInLanguage for $ty {}
        $crate::export_locale!($ty, tips);
    };
    ($ty:ident, tips) => {
        #[cfg(target_arch = "wasm32")]
        $crate::locale::bindings::export_locale!($ty);
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn() -> $crate::locale::PackInfo = <$ty as $crate::locale::LocalePack>::describe;
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn(
            ::std::string::String,
            ::std::string::String,
        ) -> ::std::vec::Vec<$crate::locale::CultureTip> =
            <$ty as $crate::locale::TipsInLanguage>::culture_tips_in;
    };
}

/// Export a type implementing [`translator::Translator`] as the plugin's translator.
/// See [`export_connector!`] for native builds.
#[cfg(feature = "translator")]
#[macro_export]
macro_rules! export_translator {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::translator::bindings::export_translator!($ty);
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn(
            $crate::translator::TranslateRequest,
        )
            -> Result<$crate::translator::Translation, $crate::translator::TranslateError> =
            <$ty as $crate::translator::Translator>::translate;
    };
}

/// Export a type implementing [`policy::Policy`] as the plugin's compensation policy.
/// See [`export_connector!`] for native builds.
#[cfg(feature = "policy")]
#[macro_export]
macro_rules! export_policy {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::policy::bindings::export_policy!($ty);
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn(
            $crate::policy::TicketContext,
        ) -> Result<$crate::policy::Proposal, $crate::policy::PolicyError> =
            <$ty as $crate::policy::Policy>::decide;
    };
}
