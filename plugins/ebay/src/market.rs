//! eBay marketplaces → buyer country and language.
//!
//! eBay's payloads rarely carry the buyer's locale; the marketplace the buyer bought on is
//! the best evidence. REST APIs name it `EBAY_DE`; Platform Notifications use the older
//! global id `EBAY-DE` (and `EBAY-ENCA`, `EBAY-FRBE`, `EBAY-MOTOR`), so both are accepted.

/// (marketplace ids, country, BCP 47 locale)
const MARKETS: &[(&[&str], &str, &str)] = &[
    (
        &["EBAY_US", "EBAY_MOTORS_US", "EBAY_MOTOR", "EBAY_MOTORS"],
        "US",
        "en-US",
    ),
    (&["EBAY_GB", "EBAY_UK"], "GB", "en-GB"),
    (&["EBAY_DE"], "DE", "de-DE"),
    (&["EBAY_AT"], "AT", "de-AT"),
    (&["EBAY_CH"], "CH", "de-CH"),
    (&["EBAY_FR"], "FR", "fr-FR"),
    (&["EBAY_IT"], "IT", "it-IT"),
    (&["EBAY_ES"], "ES", "es-ES"),
    (&["EBAY_NL"], "NL", "nl-NL"),
    (&["EBAY_NLBE"], "BE", "nl-BE"),
    (&["EBAY_FRBE"], "BE", "fr-BE"),
    (&["EBAY_PL"], "PL", "pl-PL"),
    (&["EBAY_IE"], "IE", "en-IE"),
    (&["EBAY_AU"], "AU", "en-AU"),
    (&["EBAY_CA", "EBAY_ENCA"], "CA", "en-CA"),
    (&["EBAY_FRCA"], "CA", "fr-CA"),
    (&["EBAY_HK"], "HK", "zh-HK"),
    (&["EBAY_TW"], "TW", "zh-TW"),
    (&["EBAY_SG"], "SG", "en-SG"),
    (&["EBAY_MY"], "MY", "en-MY"),
    (&["EBAY_PH"], "PH", "en-PH"),
    (&["EBAY_IN"], "IN", "en-IN"),
];

/// The marketplace id in REST spelling, upper case: "EBAY-US" → "EBAY_US".
pub fn normalize_id(id: &str) -> String {
    id.trim().to_ascii_uppercase().replace('-', "_")
}

fn find(id: &str) -> Option<&'static (&'static [&'static str], &'static str, &'static str)> {
    let id = normalize_id(id);
    MARKETS.iter().find(|(ids, ..)| ids.contains(&id.as_str()))
}

/// The country of a marketplace: "EBAY_DE" → "DE". `EBAY_BE` (bilingual) gives "BE".
pub fn country(id: &str) -> Option<String> {
    if normalize_id(id) == "EBAY_BE" {
        return Some("BE".into());
    }
    find(id).map(|(_, country, _)| country.to_string())
}

/// The language buyers of a marketplace use: "EBAY_DE" → "de-DE". None for `EBAY_BE`,
/// whose buyers may use Dutch or French.
pub fn locale(id: &str) -> Option<String> {
    find(id).map(|(.., locale)| locale.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_and_global_ids_map_to_country_and_locale() {
        assert_eq!(country("EBAY_DE").as_deref(), Some("DE"));
        assert_eq!(locale("EBAY_DE").as_deref(), Some("de-DE"));
        assert_eq!(country("EBAY-US").as_deref(), Some("US"));
        assert_eq!(locale("ebay-enca").as_deref(), Some("en-CA"));
        assert_eq!(locale("EBAY-FRBE").as_deref(), Some("fr-BE"));
        assert_eq!(country("EBAY_BE").as_deref(), Some("BE"));
        assert_eq!(locale("EBAY_BE"), None);
        assert_eq!(country("EBAY_MARS"), None);
    }
}
