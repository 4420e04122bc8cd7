//! Which language a text is written in, from the everyday words each locale pack lists
//! (`language-markers`) and, for Arabic and Japanese, from the script.
//!
//! The guard uses it to block a reply that is not in the buyer's language, so it answers
//! only when the evidence is clear: at least two marker words and a lead over the runner-up.
//! Short or mixed texts get no answer rather than a wrong one.

use std::collections::{BTreeMap, HashSet};

/// Language detection by marker words.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    /// Per language (primary subtag, lower case): its marker words.
    words: BTreeMap<String, HashSet<String>>,
    /// Markers of languages written without spaces, matched as substrings.
    unspaced: BTreeMap<String, Vec<String>>,
}

/// Primary language subtag, lower case: "pt-BR" → "pt".
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF66..=0xFF9F)
}

fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

impl Detector {
    /// Add `language`'s marker words.
    pub fn add(&mut self, language: &str, markers: impl IntoIterator<Item = String>) {
        let language = primary(language);
        for marker in markers {
            let marker = marker.trim().to_lowercase();
            if marker.is_empty() {
                continue;
            }
            if marker.chars().any(is_cjk) {
                self.unspaced
                    .entry(language.clone())
                    .or_default()
                    .push(marker);
            } else {
                self.words
                    .entry(language.clone())
                    .or_default()
                    .insert(marker);
            }
        }
    }

    /// Whether the detector has markers for `language`.
    pub fn knows(&self, language: &str) -> bool {
        let language = primary(language);
        self.words.contains_key(&language) || self.unspaced.contains_key(&language)
    }

    /// Languages it knows, sorted.
    pub fn languages(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .words
            .keys()
            .chain(self.unspaced.keys())
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// The primary subtag of the language `text` is written in, when the evidence is clear.
    pub fn detect(&self, text: &str) -> Option<String> {
        let lower = text.to_lowercase();
        let letters = lower.chars().filter(|c| c.is_alphabetic()).count().max(1);
        // Scripts first: a text mostly in Arabic or Japanese script is that language, when a
        // pack for it is loaded.
        let arabic = lower.chars().filter(|c| is_arabic(*c)).count();
        if arabic * 2 > letters && self.knows("ar") {
            return Some("ar".into());
        }
        let cjk = lower.chars().filter(|c| is_cjk(*c)).count();
        if cjk * 2 > letters
            && let Some(lang) = self.best(|language| {
                self.unspaced.get(language).map_or(0, |ms| {
                    ms.iter().map(|m| lower.matches(m.as_str()).count()).sum()
                })
            })
        {
            return Some(lang);
        }
        let tokens: Vec<&str> = lower
            .split(|c: char| !c.is_alphabetic())
            .filter(|t| !t.is_empty())
            .collect();
        self.best(|language| {
            self.words
                .get(language)
                .map_or(0, |ms| tokens.iter().filter(|t| ms.contains(**t)).count())
        })
    }

    /// The language with the highest score, if it has at least two and leads clearly.
    fn best(&self, score: impl Fn(&str) -> usize) -> Option<String> {
        let mut scores: Vec<(usize, String)> = self
            .languages()
            .into_iter()
            .map(|l| (score(&l), l))
            .collect();
        scores.sort_by_key(|s| std::cmp::Reverse(s.0));
        let (top, language) = scores.first()?.clone();
        let runner_up = scores.get(1).map_or(0, |s| s.0);
        // Clear: two or more hits and at least half again as many as the next language.
        (top >= 2 && top * 2 >= runner_up * 3).then_some(language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> Detector {
        let mut d = Detector::default();
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        d.add("en", words("the and you your we is thank for with order"));
        d.add(
            "de",
            words("der die das und ist sie ihre wir bitte bestellung"),
        );
        d.add("ja", words("です ます ございます お客様 注文"));
        d.add("ar", words("في من على طلبك شكرا"));
        d
    }

    #[test]
    fn clear_texts_are_recognised() {
        let d = detector();
        assert_eq!(
            d.detect("Thank you for your order, we will ship it."),
            Some("en".into())
        );
        assert_eq!(
            d.detect("Vielen Dank, wir senden Ihre Bestellung, bitte warten Sie."),
            Some("de".into())
        );
        assert_eq!(
            d.detect("お客様のご注文は発送済みです。"),
            Some("ja".into())
        );
        assert_eq!(d.detect("شكرا لك على طلبك"), Some("ar".into()));
    }

    #[test]
    fn short_or_mixed_texts_get_no_answer() {
        let d = detector();
        assert_eq!(d.detect("OK"), None);
        assert_eq!(d.detect("Tracking 1Z999AA10123456784"), None);
        assert_eq!(d.detect("the order, die Bestellung"), None);
    }

    #[test]
    fn tags_compare_by_primary_subtag() {
        let d = detector();
        assert!(d.knows("de-AT"));
        assert!(!d.knows("fr"));
        assert_eq!(primary("pt-BR"), "pt");
    }
}
