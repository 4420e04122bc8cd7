//! Host-side bindings for the four worlds of `helloword:gateway` (the root `wit/` folder),
//! and the marketplace rules a connector declares in its manifest ([`rules`]).
//!
//! The connector world is generated first; the other worlds reuse its `types` and host
//! interfaces, so every world shares one Rust type per WIT type and one implementation of
//! each host import.

/// World `marketplace-connector`.
pub mod connector {
    wasmtime::component::bindgen!({
        world: "marketplace-connector",
        path: "../../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

/// World `order-lookup`: the optional `orders` export of a connector, bound on its own so
/// that a connector without it still matches world `marketplace-connector`.
pub mod orders {
    wasmtime::component::bindgen!({
        world: "order-lookup",
        path: "../../wit",
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "helloword:gateway/types": super::connector::helloword::gateway::types,
        },
    });
}

/// World `locale-pack`.
pub mod locale {
    wasmtime::component::bindgen!({
        world: "locale-pack",
        path: "../../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "helloword:gateway/types": super::connector::helloword::gateway::types,
            "helloword:gateway/log": super::connector::helloword::gateway::log,
            "helloword:gateway/clock": super::connector::helloword::gateway::clock,
            "helloword:gateway/config": super::connector::helloword::gateway::config,
            "helloword:gateway/metrics": super::connector::helloword::gateway::metrics,
        },
    });
}

/// World `culture-tips`: the optional `tips` export of a locale pack, bound on its own so
/// that a pack without it still matches world `locale-pack`.
///
/// `tips` uses `locale.culture-tip`; this world does not export `locale`, so its bindings
/// carry their own copy of that record (same fields, see [`tips_api::CultureTip`]), which
/// the runtime turns into [`locale_api::CultureTip`]. The imports generated for `locale` are
/// never linked: the host only reads this world's export.
pub mod tips {
    wasmtime::component::bindgen!({
        world: "culture-tips",
        path: "../../wit",
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "helloword:gateway/types": super::connector::helloword::gateway::types,
        },
    });
}

/// World `compensation-policy`.
pub mod policy {
    wasmtime::component::bindgen!({
        world: "compensation-policy",
        path: "../../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "helloword:gateway/types": super::connector::helloword::gateway::types,
            "helloword:gateway/log": super::connector::helloword::gateway::log,
            "helloword:gateway/clock": super::connector::helloword::gateway::clock,
            "helloword:gateway/config": super::connector::helloword::gateway::config,
            "helloword:gateway/metrics": super::connector::helloword::gateway::metrics,
        },
    });
}

/// World `translator`.
pub mod translator {
    wasmtime::component::bindgen!({
        world: "translator",
        path: "../../wit",
        imports: { default: async | trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "helloword:gateway/types": super::connector::helloword::gateway::types,
            "helloword:gateway/log": super::connector::helloword::gateway::log,
            "helloword:gateway/clock": super::connector::helloword::gateway::clock,
            "helloword:gateway/config": super::connector::helloword::gateway::config,
            "helloword:gateway/metrics": super::connector::helloword::gateway::metrics,
            "helloword:gateway/http": super::connector::helloword::gateway::http,
        },
    });
}

/// What connectors export.
pub use connector::exports::helloword::gateway::connector as connector_api;
/// The shared model types.
pub use connector::helloword::gateway::types;
/// The host interfaces, one module each.
pub use connector::helloword::gateway::{
    cache, clock, config, crypto, delivery, http, log, mail, metrics,
};
/// What locale packs export.
pub use locale::exports::helloword::gateway::locale as locale_api;
/// What connectors may export besides (`lookup-order`).
pub use orders::exports::helloword::gateway::orders as orders_api;
/// What compensation policies export.
pub use policy::exports::helloword::gateway::policy as policy_api;
/// What locale packs may export besides (`culture-tips-in`).
pub use tips::exports::helloword::gateway::tips as tips_api;
/// What translators export.
pub use translator::exports::helloword::gateway::translate as translate_api;

pub mod rules;
