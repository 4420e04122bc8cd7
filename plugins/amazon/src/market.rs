//! Amazon marketplace ids → the country and language of their store. Notifications carry
//! no buyer country or locale; the marketplace is the best guess until the Messaging API's
//! `getAttributes` tells the buyer's locale.

/// (marketplace id, ISO 3166-1 country, BCP 47 language of the store)
const MARKETPLACES: &[(&str, &str, &str)] = &[
    ("ATVPDKIKX0DER", "US", "en-US"),
    ("A2EUQ1WTGCTBG2", "CA", "en-CA"),
    ("A1AM78C64UM0Y8", "MX", "es-MX"),
    ("A2Q3Y263D00KWC", "BR", "pt-BR"),
    ("A1F83G8C2ARO7P", "GB", "en-GB"),
    ("A1PA6795UKMFR9", "DE", "de-DE"),
    ("A13V1IB3VIYZZH", "FR", "fr-FR"),
    ("APJ6JRA9NG5V4", "IT", "it-IT"),
    ("A1RKKUPIHCS9HS", "ES", "es-ES"),
    ("A1805IZSGTT6HS", "NL", "nl-NL"),
    ("AMEN7PMS3EDWL", "BE", "fr-BE"),
    ("A2NODRKZP88ZB9", "SE", "sv-SE"),
    ("A1C3SOZRARQ6R3", "PL", "pl-PL"),
    ("A33AVAJ2PDY3EV", "TR", "tr-TR"),
    ("A2VIGQ35RCS4UG", "AE", "ar-AE"),
    ("A17E79C6D8DWNP", "SA", "ar-SA"),
    ("ARBP9OOSHTCHU", "EG", "ar-EG"),
    ("A21TJRUUN4KGV", "IN", "en-IN"),
    ("A1VC38T7YXB528", "JP", "ja-JP"),
    ("A39IBJ37TRP1C6", "AU", "en-AU"),
    ("A19VAU5U5O7RUS", "SG", "en-SG"),
];

/// The country of marketplace `id`.
pub fn country(id: &str) -> Option<&'static str> {
    MARKETPLACES.iter().find(|m| m.0 == id).map(|m| m.1)
}

/// The store language of marketplace `id`.
pub fn language(id: &str) -> Option<&'static str> {
    MARKETPLACES.iter().find(|m| m.0 == id).map(|m| m.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_com_is_the_us_in_english() {
        assert_eq!(country("ATVPDKIKX0DER"), Some("US"));
        assert_eq!(language("A1PA6795UKMFR9"), Some("de-DE"));
        assert_eq!(country("XX"), None);
    }
}
