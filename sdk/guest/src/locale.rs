//! Bindings for the `locale-pack` world.
//!
//! Implement [`LocalePack`] and export it with [`export_locale!`](crate::export_locale).
//! A pack with culture tips in other languages than English implements
//! [`TipsInLanguage`] too and exports with `export_locale!(MyPack, tips)`.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        // `locale-pack` and its optional `tips` export.
        world: "locale-pack-with-tips",
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

/// Culture tips in the agent's language (export `tips`), so that an agent on the Chinese
/// dashboard reads them in Chinese. The default answers the pack's English
/// [`LocalePack::culture_tips`]; a pack built with the [`kit`] forwards to
/// [`kit::Pack::culture_tips_in`] and exports with `export_locale!(MyPack, tips)`.
pub trait TipsInLanguage: LocalePack {
    /// The tips for buyers from `market` written in `language` (BCP 47, the agent's, e.g.
    /// "zh-CN") where the pack has them in it, in English where not.
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        let _ = language;
        <Self as LocalePack>::culture_tips(market)
    }
}

impl<T: TipsInLanguage> bindings::exports::helloword::gateway::tips::Guest for T {
    fn culture_tips_in(market: String, language: String) -> Vec<CultureTip> {
        <T as TipsInLanguage>::culture_tips_in(market, language)
    }
}

pub mod kit;
