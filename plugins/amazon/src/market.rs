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
    ("AE08WJ6YKNBMC", "ZA", "en-ZA"),
    ("A28R8C7NBKEWEA", "IE", "en-IE"),
];

/// (store domain after `amazon.`, marketplace id): the relay addresses of buyer messages
/// are `…@marketplace.amazon.<domain>`.
const DOMAINS: &[(&str, &str)] = &[
    ("com", "ATVPDKIKX0DER"),
    ("ca", "A2EUQ1WTGCTBG2"),
    ("com.mx", "A1AM78C64UM0Y8"),
    ("com.br", "A2Q3Y263D00KWC"),
    ("co.uk", "A1F83G8C2ARO7P"),
    ("de", "A1PA6795UKMFR9"),
    ("fr", "A13V1IB3VIYZZH"),
    ("it", "APJ6JRA9NG5V4"),
    ("es", "A1RKKUPIHCS9HS"),
    ("nl", "A1805IZSGTT6HS"),
    ("com.be", "AMEN7PMS3EDWL"),
    ("se", "A2NODRKZP88ZB9"),
    ("pl", "A1C3SOZRARQ6R3"),
    ("com.tr", "A33AVAJ2PDY3EV"),
    ("ae", "A2VIGQ35RCS4UG"),
    ("sa", "A17E79C6D8DWNP"),
    ("eg", "ARBP9OOSHTCHU"),
    ("in", "A21TJRUUN4KGV"),
    ("co.jp", "A1VC38T7YXB528"),
    ("com.au", "A39IBJ37TRP1C6"),
    ("sg", "A19VAU5U5O7RUS"),
    ("co.za", "AE08WJ6YKNBMC"),
    ("ie", "A28R8C7NBKEWEA"),
];

/// The marketplace id of the store at `amazon.<domain>` (`"de"`, `"co.uk"`), any case.
pub fn by_domain(domain: &str) -> Option<&'static str> {
    DOMAINS
        .iter()
        .find(|d| d.0.eq_ignore_ascii_case(domain))
        .map(|d| d.1)
}

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

    #[test]
    fn store_domains_name_their_marketplace() {
        assert_eq!(by_domain("co.uk"), Some("A1F83G8C2ARO7P"));
        assert_eq!(by_domain("DE").and_then(language), Some("de-DE"));
        assert_eq!(by_domain("example"), None);
        for (domain, id) in DOMAINS {
            assert!(country(id).is_some(), "{domain}");
        }
    }
}
