//! Words in a buyer's message that announce a negative review or a complaint to the
//! marketplace, in every language the bundled packs write (and Chinese). Matched
//! case-insensitively as whole words (as substrings for Japanese, Chinese and Arabic).

/// (language, words).
const WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "scam",
            "fraud",
            "terrible",
            "worst",
            "1 star",
            "one star",
            "bad review",
            "negative review",
            "report you",
            "never again",
            "rip-off",
            "ripoff",
        ],
    ),
    (
        "de",
        &[
            "betrug",
            "betrüger",
            "schlechte bewertung",
            "negative bewertung",
            "1 stern",
            "einen stern",
            "nie wieder",
            "abzocke",
            "katastrophe",
            "unverschämt",
        ],
    ),
    (
        "fr",
        &[
            "arnaque",
            "escroquerie",
            "mauvais avis",
            "avis négatif",
            "une étoile",
            "1 étoile",
            "plus jamais",
            "honteux",
            "inadmissible",
        ],
    ),
    (
        "es",
        &[
            "estafa",
            "fraude",
            "mala reseña",
            "reseña negativa",
            "una estrella",
            "1 estrella",
            "nunca más",
            "vergonzoso",
            "pésimo",
        ],
    ),
    (
        "it",
        &[
            "truffa",
            "frode",
            "recensione negativa",
            "una stella",
            "1 stella",
            "mai più",
            "vergognoso",
            "pessimo",
        ],
    ),
    (
        "nl",
        &[
            "oplichting",
            "oplichter",
            "slechte review",
            "negatieve recensie",
            "één ster",
            "1 ster",
            "nooit meer",
            "schandalig",
        ],
    ),
    (
        "pl",
        &[
            "oszustwo",
            "oszust",
            "negatywna opinia",
            "zła opinia",
            "jedna gwiazdka",
            "1 gwiazdka",
            "nigdy więcej",
            "skandal",
        ],
    ),
    (
        "sv",
        &[
            "bedrägeri",
            "bluff",
            "dålig recension",
            "negativ recension",
            "en stjärna",
            "1 stjärna",
            "aldrig mer",
            "skandal",
        ],
    ),
    (
        "pt",
        &[
            "golpe",
            "fraude",
            "avaliação negativa",
            "reclame aqui",
            "uma estrela",
            "1 estrela",
            "nunca mais",
            "absurdo",
            "péssimo",
        ],
    ),
    (
        "tr",
        &[
            "dolandırıcı",
            "dolandırıcılık",
            "olumsuz yorum",
            "kötü yorum",
            "tek yıldız",
            "1 yıldız",
            "bir daha asla",
            "şikayetvar",
            "rezalet",
        ],
    ),
    (
        "ja",
        &[
            "詐欺",
            "最悪",
            "星1",
            "低評価",
            "悪い評価",
            "二度と買わない",
            "返金しろ",
        ],
    ),
    (
        "ar",
        &[
            "احتيال",
            "نصب",
            "تقييم سلبي",
            "نجمة واحدة",
            "أسوأ",
            "لن أشتري",
            "سأشتكي",
        ],
    ),
    (
        "zh",
        &["骗子", "诈骗", "差评", "一星", "最差", "投诉", "再也不买"],
    ),
];

/// The alarming words in `text`, lower case, each once.
pub fn find(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for (_, words) in WORDS {
        for word in *words {
            // Arabic, Japanese and Chinese words match anywhere (no spaces between words, or
            // prefixes glued to them); others only as whole words ("scam" not in "scampi").
            let anywhere = word
                .chars()
                .any(|c| matches!(c as u32, 0x0600..=0x06FF | 0x3040..=0x9FFF));
            let hit = if anywhere {
                lower.contains(word)
            } else {
                lower.match_indices(word).any(|(i, _)| {
                    let before = lower[..i].chars().next_back();
                    let after = lower[i + word.len()..].chars().next();
                    !before.is_some_and(char::is_alphanumeric)
                        && !after.is_some_and(char::is_alphanumeric)
                })
            };
            if hit && !found.iter().any(|f| f == word) {
                found.push(word.to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarming_words_are_found_in_every_language_and_only_as_words() {
        for (text, word) in [
            ("This is a SCAM, I want my money", "scam"),
            ("Das ist Betrug!", "betrug"),
            ("Quelle arnaque.", "arnaque"),
            ("Es una estafa", "estafa"),
            ("È una truffa", "truffa"),
            ("Dit is oplichting", "oplichting"),
            ("To oszustwo", "oszustwo"),
            ("Det här är bedrägeri", "bedrägeri"),
            ("Vou deixar uma avaliação negativa", "avaliação negativa"),
            ("Bu tam bir rezalet", "rezalet"),
            ("これは詐欺です", "詐欺"),
            ("هذا احتيال واضح", "احتيال"),
            ("你们是骗子", "骗子"),
        ] {
            assert!(
                find(text).contains(&word.to_string()),
                "{text}: {:?}",
                find(text)
            );
        }
        assert!(find("a scampi dinner, thank you").is_empty());
        assert!(find("Where is my parcel?").is_empty());
    }
}
