//! Bindings for the `compensation-policy` world.
//!
//! Implement [`Policy`] and export it with [`export_policy!`](crate::export_policy).

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "compensation-policy",
        path: "../../wit",
        with: { "helloword:gateway/types@0.1.0": crate::types },
        pub_export_macro: true,
        export_macro_name: "export_policy",
        default_bindings_module: "helloword_sdk::policy::bindings",
    });
}

pub use bindings::exports::helloword::gateway::policy::{
    ApprovalTier, Guest as Policy, PolicyError, Proposal, TicketContext,
};
pub use bindings::helloword::gateway::{clock, config, log, metrics};
