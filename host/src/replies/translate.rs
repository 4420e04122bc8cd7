//! Translation of an agent's draft into the buyer's language through a translator plugin
//! (world `translator`, e.g. `plugins/translate-deepl`).
//!
//! All or nothing: the agent gets the whole translation or an error that says why, never a
//! half-translated text.

use serde::Serialize;

use super::ReplyError;
use crate::plugin::bindings::translate_api::{Formality, TranslateError, TranslateRequest};
use crate::plugin::{PluginKind, PluginSet};

/// A finished translation.
#[derive(Debug, Clone, Serialize)]
pub struct Translated {
    /// The agent's text.
    pub original: String,
    /// Its language, as given or as the service detected it.
    pub source_language: Option<String>,
    /// The translation.
    pub text: String,
    /// The language translated into.
    pub target_language: String,
    /// The translator plugin that did it.
    pub translator: String,
}

/// Translate `text` into `target` with the translator plugin `preferred` (else the only
/// loaded one). Formal address, as after-sales replies need.
pub async fn translate(
    plugins: &PluginSet,
    preferred: Option<&str>,
    text: &str,
    source: Option<&str>,
    target: &str,
) -> Result<Translated, ReplyError> {
    let translators = plugins.of_kind(PluginKind::Translator);
    let plugin = match preferred {
        Some(id) => translators.into_iter().find(|p| p.id() == id),
        None => translators.into_iter().next(),
    }
    .ok_or_else(|| {
        ReplyError::Translation(match preferred {
            Some(id) => format!("translator plugin {id:?} is not loaded"),
            None => "no translator plugin is installed".to_string(),
        })
    })?;
    let request = TranslateRequest {
        text: text.to_string(),
        source_language: source.map(str::to_string),
        target_language: target.to_string(),
        formality: Formality::More,
    };
    let result = plugin
        .translate(&request)
        .await
        .map_err(|e| ReplyError::Translation(format!("translator {} failed: {e}", plugin.id())))?;
    let translation = result.map_err(|e| {
        ReplyError::Translation(match e {
            TranslateError::Unavailable(why) => {
                format!("the translation service is unavailable ({why}); nothing was translated, try again later")
            }
            TranslateError::UnsupportedLanguage(l) => {
                format!("the translation service does not support {l:?}")
            }
            TranslateError::Rejected(why) => format!("the translation service refused: {why}"),
        })
    })?;
    if translation.text.trim().is_empty() && !text.trim().is_empty() {
        return Err(ReplyError::Translation(
            "the translation service returned an empty text".into(),
        ));
    }
    Ok(Translated {
        original: text.to_string(),
        source_language: translation
            .detected_source_language
            .or(source.map(str::to_string)),
        text: translation.text,
        target_language: target.to_string(),
        translator: plugin.id().to_string(),
    })
}
