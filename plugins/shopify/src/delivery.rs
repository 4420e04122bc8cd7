//! The envelope of a Shopify webhook delivery: the headers every delivery carries, read
//! before anything else, and the signature they bring.
//!
//! Shopify's webhooks send `X-Shopify-*` headers; its newer Events deliveries send the same
//! headers without the `X-` prefix. HTTP/2 lowercases every name. All spellings are
//! accepted, compared case-insensitively.

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};

/// A Shopify header in both of its spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopifyHeader {
    /// The webhook spelling, e.g. `X-Shopify-Topic`.
    pub name: &'static str,
    /// The Events spelling, e.g. `Shopify-Topic`.
    pub bare: &'static str,
}

impl ShopifyHeader {
    /// The header's value in `headers`, trimmed; empty counts as absent.
    pub fn get<'a>(&self, headers: &'a [(String, String)]) -> Option<&'a str> {
        // One pass: the webhook spelling wins wherever it stands; the Events spelling is
        // kept in case the webhook one never comes.
        let mut bare = None;
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(self.name) {
                return present(value);
            }
            if bare.is_none() && name.eq_ignore_ascii_case(self.bare) {
                bare = Some(value);
            }
        }
        bare.and_then(|value| present(value))
    }
}

/// A header value, trimmed; empty counts as absent.
fn present(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

/// The topic, e.g. `refunds/create`. Routing uses this, never the body.
pub const TOPIC: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Topic",
    bare: "Shopify-Topic",
};
/// Base64 HMAC-SHA256 of the raw body under the app's client secret.
pub const HMAC: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Hmac-Sha256",
    bare: "Shopify-Hmac-Sha256",
};
/// The shop's `*.myshopify.com` domain.
pub const SHOP_DOMAIN: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Shop-Domain",
    bare: "Shopify-Shop-Domain",
};
/// The API version the payload was serialized with.
pub const API_VERSION: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-API-Version",
    bare: "Shopify-API-Version",
};
/// Unique per delivery; a redelivery of the same webhook repeats it.
pub const WEBHOOK_ID: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Webhook-Id",
    bare: "Shopify-Webhook-Id",
};
/// Shared by every delivery one merchant action caused.
pub const EVENT_ID: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Event-Id",
    bare: "Shopify-Event-Id",
};
/// When Shopify triggered the delivery; a retry keeps the original time.
pub const TRIGGERED_AT: ShopifyHeader = ShopifyHeader {
    name: "X-Shopify-Triggered-At",
    bare: "Shopify-Triggered-At",
};

/// The headers `Shopify/shopify-api-js` (`lib/webhooks/validate.ts`) requires, in the order
/// a missing one is reported.
pub const REQUIRED: [ShopifyHeader; 5] = [TOPIC, HMAC, SHOP_DOMAIN, WEBHOOK_ID, API_VERSION];

/// What the headers of one delivery say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The topic, lower case.
    pub topic: String,
    /// The signature, still base64.
    pub hmac: String,
    /// The shop's domain, lower case.
    pub shop: String,
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: String,
    /// `X-Shopify-API-Version`.
    pub api_version: String,
    /// `X-Shopify-Event-Id`, when sent.
    pub event_id: Option<String>,
    /// `X-Shopify-Triggered-At`, verbatim, when sent.
    pub triggered_at: Option<String>,
}

impl Delivery {
    /// Read the envelope. The error names every required header that is missing.
    pub fn from_headers(headers: &[(String, String)]) -> Result<Delivery, String> {
        let [topic, hmac, shop, webhook_id, api_version] = REQUIRED.map(|h| h.get(headers));
        let missing: Vec<&str> = REQUIRED
            .iter()
            .zip([topic, hmac, shop, webhook_id, api_version])
            .filter(|(_, value)| value.is_none())
            .map(|(h, _)| h.name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required Shopify header{} {} (the `X-` prefix is optional; names \
                 are case-insensitive)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            ));
        }
        let value = |v: Option<&str>| v.unwrap_or_default().to_string();
        Ok(Delivery {
            topic: value(topic).to_ascii_lowercase(),
            hmac: value(hmac),
            shop: value(shop).to_ascii_lowercase(),
            webhook_id: value(webhook_id),
            api_version: value(api_version),
            event_id: EVENT_ID.get(headers).map(str::to_string),
            triggered_at: TRIGGERED_AT.get(headers).map(str::to_string),
        })
    }

    /// The signature's 32 raw bytes. A value that is not base64 of 32 bytes cannot match any
    /// secret, so it is refused the same way as a mismatch.
    pub fn signature(&self) -> Result<Vec<u8>, String> {
        let bytes = STANDARD.decode(&self.hmac).map_err(|_| {
            format!(
                "{} is not base64; Shopify sends base64(HMAC-SHA256(body))",
                HMAC.name
            )
        })?;
        if bytes.len() != 32 {
            return Err(format!(
                "{} decodes to {} bytes; an HMAC-SHA256 has 32",
                HMAC.name,
                bytes.len()
            ));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const SIGNATURE: &str = "K3Mdz2Q4AXu9kgY0xbzkRV+g9mYhzRa5FDpaSDlHE/M=";

    fn full() -> Vec<(String, String)> {
        headers(&[
            ("X-Shopify-Topic", "Disputes/Create"),
            ("X-Shopify-Hmac-Sha256", SIGNATURE),
            ("X-Shopify-Shop-Domain", "Example.myshopify.com"),
            (
                "X-Shopify-Webhook-Id",
                "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            ),
            ("X-Shopify-API-Version", "2025-07"),
        ])
    }

    #[test]
    fn a_complete_envelope_is_read_and_normalized() {
        let d = Delivery::from_headers(&full()).unwrap();
        assert_eq!(d.topic, "disputes/create");
        assert_eq!(d.shop, "example.myshopify.com");
        assert_eq!(d.event_id, None);
        assert_eq!(d.signature().unwrap().len(), 32);
    }

    #[test]
    fn bare_and_lower_case_spellings_are_accepted() {
        let bare = headers(&[
            ("shopify-topic", "refunds/create"),
            ("shopify-hmac-sha256", SIGNATURE),
            ("shopify-shop-domain", "example.myshopify.com"),
            ("shopify-webhook-id", "w1"),
            ("shopify-api-version", "unstable"),
            ("shopify-event-id", "e1"),
        ]);
        let d = Delivery::from_headers(&bare).unwrap();
        assert_eq!(d.topic, "refunds/create");
        assert_eq!(d.event_id.as_deref(), Some("e1"));
    }

    #[test]
    fn the_webhook_spelling_wins_wherever_it_stands() {
        let mut h = headers(&[("Shopify-Topic", "returns/close")]);
        h.extend(full());
        assert_eq!(Delivery::from_headers(&h).unwrap().topic, "disputes/create");
    }

    #[test]
    fn every_missing_header_is_named() {
        for required in REQUIRED {
            let without: Vec<_> = full()
                .into_iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(required.name))
                .collect();
            let err = Delivery::from_headers(&without).unwrap_err();
            assert!(err.contains(required.name), "{err}");
        }
        let err = Delivery::from_headers(&[]).unwrap_err();
        assert!(
            err.starts_with("missing required Shopify headers X-Shopify-Topic, "),
            "{err}"
        );
    }

    #[test]
    fn an_empty_header_counts_as_missing() {
        let mut h = full();
        h[4].1 = "  ".into();
        let err = Delivery::from_headers(&h).unwrap_err();
        assert!(err.contains("X-Shopify-API-Version"), "{err}");
    }

    #[test]
    fn a_signature_that_is_not_32_bytes_of_base64_is_refused() {
        let mut d = Delivery::from_headers(&full()).unwrap();
        d.hmac = "not base64!".into();
        assert!(d.signature().unwrap_err().contains("not base64"));
        d.hmac = "AAAA".into();
        assert!(d.signature().unwrap_err().contains("3 bytes"));
    }
}
