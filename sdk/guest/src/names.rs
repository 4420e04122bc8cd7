//! People's names: a buyer's full name from the given and family names marketplaces send
//! apart (Shopify's `first_name` / `last_name`, WooCommerce's billing names), in the order the
//! name's own culture writes it, and the parts again for forms that ask for them.
//!
//! Chinese, Japanese and Korean names are written family name first: 山田 花子 (Yamada
//! Hanako), 王 小明, 김 민준. Joined given-name-first they read wrong in every reply ("花子 山田
//! 様"). The order follows the script the name is written in, not the language of the reply
//! or the buyer's country: a name in Han characters, kana or Hangul is family-first in an
//! English reply too, and "Hanako Yamada", written in Latin letters the way it was typed, stays
//! as typed. The parts are joined with a space in either order, so a full name can be taken
//! apart again ([`split_full_name`]).

/// The buyer's full name from `given` and `family` (either may be missing or blank): family
/// name first when the name is written in Chinese, Japanese or Korean script, given name first
/// otherwise. `None` when both are missing.
pub fn full_name(given: Option<&str>, family: Option<&str>) -> Option<String> {
    let given = given.map(str::trim).filter(|g| !g.is_empty());
    let family = family.map(str::trim).filter(|f| !f.is_empty());
    let parts = match (given, family) {
        (None, None) => return None,
        (Some(one), None) | (None, Some(one)) => return Some(one.to_string()),
        (Some(given), Some(family)) => [given, family],
    };
    let [given, family] = parts;
    Some(if family_first(given) || family_first(family) {
        format!("{family} {given}")
    } else {
        format!("{given} {family}")
    })
}

/// `(given, family)` of a full name as [`full_name`] writes it: the first word is the family
/// name when the name is written in Chinese, Japanese or Korean script, the given name
/// otherwise; a name of one word is all given name.
pub fn split_full_name(name: &str) -> (Option<&str>, Option<&str>) {
    let name = name.trim();
    let Some((first, rest)) = name.split_once(char::is_whitespace) else {
        return ((!name.is_empty()).then_some(name), None);
    };
    let rest = rest.trim();
    if family_first(name) {
        (Some(rest), Some(first))
    } else {
        (Some(first), Some(rest))
    }
}

/// Whether `text` is written (at least in part) in a script whose names put the family name
/// first: Han ideographs, Japanese kana or Korean Hangul.
fn family_first(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{3040}'..='\u{30FF}'     // Hiragana, Katakana
            | '\u{31F0}'..='\u{31FF}'   // Katakana phonetic extensions
            | '\u{3400}'..='\u{4DBF}'   // CJK Unified Ideographs Extension A
            | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
            | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
            | '\u{FF66}'..='\u{FF9F}'   // Halfwidth Katakana
            | '\u{1100}'..='\u{11FF}'   // Hangul Jamo
            | '\u{3130}'..='\u{318F}'   // Hangul Compatibility Jamo
            | '\u{AC00}'..='\u{D7AF}'   // Hangul Syllables
            | '\u{20000}'..='\u{3134F}' // CJK Unified Ideographs Extensions B–H
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_names_take_the_family_name_first() {
        assert_eq!(
            full_name(Some("花子"), Some("山田")).as_deref(),
            Some("山田 花子")
        );
        // Kana too, and full-width spaces around the parts are trimmed.
        assert_eq!(
            full_name(Some("さくら\u{3000}"), Some("タナカ")).as_deref(),
            Some("タナカ さくら")
        );
        assert_eq!(split_full_name("山田 花子"), (Some("花子"), Some("山田")));
    }

    #[test]
    fn chinese_names_take_the_family_name_first() {
        assert_eq!(
            full_name(Some("小明"), Some("王")).as_deref(),
            Some("王 小明")
        );
        assert_eq!(
            full_name(Some("美玲"), Some("歐陽")).as_deref(),
            Some("歐陽 美玲")
        );
        assert_eq!(split_full_name("王 小明"), (Some("小明"), Some("王")));
    }

    #[test]
    fn korean_names_take_the_family_name_first() {
        assert_eq!(
            full_name(Some("민준"), Some("김")).as_deref(),
            Some("김 민준")
        );
        assert_eq!(split_full_name("김 민준"), (Some("민준"), Some("김")));
    }

    #[test]
    fn names_in_latin_letters_stay_given_name_first() {
        assert_eq!(
            full_name(Some("Hanako"), Some("Yamada")).as_deref(),
            Some("Hanako Yamada")
        );
        assert_eq!(
            full_name(Some("Mary Ann"), Some("van der Berg")).as_deref(),
            Some("Mary Ann van der Berg")
        );
        assert_eq!(
            split_full_name("Jane Doe Smith"),
            (Some("Jane"), Some("Doe Smith"))
        );
    }

    #[test]
    fn a_missing_or_blank_part_leaves_the_other() {
        assert_eq!(full_name(None, Some("山田")).as_deref(), Some("山田"));
        assert_eq!(full_name(Some("Jane"), Some("  ")).as_deref(), Some("Jane"));
        assert_eq!(full_name(None, None), None);
        assert_eq!(split_full_name("Cher"), (Some("Cher"), None));
        assert_eq!(split_full_name(" "), (None, None));
    }
}
