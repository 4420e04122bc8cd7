//! Bindings for the `locale-pack` world.
//!
//! Implement [`LocalePack`] and export it with [`export_locale!`](crate::export_locale).

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "locale-pack",
        path: "../../wit",
        with: { "helloword:gateway/types@0.1.0": crate::types },
        pub_export_macro: true,
        export_macro_name: "export_locale",
        default_bindings_module: "helloword_sdk::locale::bindings",
    });
}

pub use bindings::exports::helloword::gateway::locale::{
    CompliancePhrase, ComplianceRule, CultureTip, Direction, Guest as LocalePack, PackInfo,
    RenderError, RenderRequest, Rendered, Value,
};
pub use bindings::helloword::gateway::{clock, config, log, metrics};

pub mod kit;
