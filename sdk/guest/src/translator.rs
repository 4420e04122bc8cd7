//! Bindings for the `translator` world.
//!
//! Implement [`Translator`] and export it with [`export_translator!`](crate::export_translator).
//! A translator reaches its service through [`http`], on the hosts and with the secret
//! headers its manifest is granted.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "translator",
        path: "../../wit",
        with: { "helloword:gateway/types@0.1.0": crate::types },
        pub_export_macro: true,
        export_macro_name: "export_translator",
        default_bindings_module: "helloword_sdk::translator::bindings",
    });
}

pub use bindings::exports::helloword::gateway::translate::{
    Formality, Guest as Translator, TranslateError, TranslateRequest, Translation,
};
pub use bindings::helloword::gateway::{clock, config, http, log, metrics};
