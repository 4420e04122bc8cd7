//! The connector's configuration (the `[config]` table of plugin.toml) and the names of the
//! secrets it uses. Reading a value is a host call; what the values mean is decided here.

use helloword_sdk::connector::config;

/// Signs every webhook (the "Secret" of each webhook in WooCommerce).
pub const WEBHOOK_SECRET: &str = "woocommerce_webhook_secret";
/// The webhook secret before a rotation, accepted while deliveries still use it.
pub const PREVIOUS_WEBHOOK_SECRET: &str = "woocommerce_previous_webhook_secret";
/// HTTP Basic credentials of a REST API key: base64 of `consumer_key:consumer_secret`.
pub const API_CREDENTIALS: &str = "woocommerce_api_credentials";

/// The REST API v3 below a store's address.
const API_PATH: &str = "/wp-json/wc/v3";

/// The store's address from `store_url`, without a trailing slash, when set.
pub fn store_url() -> Option<String> {
    config::get("store_url")
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// The shop events are tagged with: `store_url` without its scheme when set, else the
/// address the delivery came from (`X-WC-Webhook-Source`), else "woocommerce".
pub fn shop(source: Option<&str>) -> String {
    store_url()
        .or_else(|| source.map(str::to_string))
        .map(|url| shop_of(&url))
        .filter(|shop| !shop.is_empty())
        .unwrap_or_else(|| "woocommerce".to_string())
}

/// Whether refunded items go back into stock (`restock_refunded_items`, default false: an
/// after-sales refund is often for an item that is broken or never came back).
pub fn restock_refunded_items() -> bool {
    config::get("restock_refunded_items").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The REST API root for `shop`: `api_base` when set, else `store_url` + `/wp-json/wc/v3`,
/// else `https://<shop>/wp-json/wc/v3`. Credentials travel with every request, so only HTTPS
/// is accepted, except to the local machine.
pub fn api_base(shop: &str) -> Result<String, String> {
    let base = match (config::get("api_base"), store_url()) {
        (Some(base), _) if !base.trim().is_empty() => base.trim().trim_end_matches('/').to_string(),
        (_, Some(store)) => format!("{store}{API_PATH}"),
        _ if !shop.is_empty() && shop != "woocommerce" => format!("https://{shop}{API_PATH}"),
        _ => {
            return Err(
                "the store's address is unknown: set store_url = \"https://…\" in the [config] \
                 section of the woocommerce plugin.toml"
                    .to_string(),
            );
        }
    };
    check_scheme(&base)?;
    Ok(base)
}

/// `https://Shop.Example.com/store/` → `shop.example.com/store`.
pub fn shop_of(url: &str) -> String {
    let rest = url
        .trim()
        .split_once("://")
        .map_or(url.trim(), |(_, rest)| rest);
    let rest = rest.trim_end_matches('/');
    match rest.split_once('/') {
        Some((host, path)) => format!("{}/{path}", host.to_ascii_lowercase()),
        None => rest.to_ascii_lowercase(),
    }
}

fn check_scheme(base: &str) -> Result<(), String> {
    if base.starts_with("https://") {
        return Ok(());
    }
    let loopback = base.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let host = host
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(host, _)| host);
        matches!(host, "127.0.0.1" | "localhost" | "[::1]")
    });
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "the REST API address {base:?} is not https: WooCommerce accepts API keys over HTTPS \
             only; set store_url (or api_base) in the woocommerce plugin.toml to its https:// address"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shops_are_addresses_without_scheme() {
        assert_eq!(shop_of("https://Example.com/"), "example.com");
        assert_eq!(shop_of("http://example.com/shop/"), "example.com/shop");
        assert_eq!(shop_of("example.com"), "example.com");
    }

    #[test]
    fn only_https_or_loopback_carries_credentials() {
        assert!(check_scheme("https://example.com/wp-json/wc/v3").is_ok());
        assert!(check_scheme("http://127.0.0.1:8080/wp-json/wc/v3").is_ok());
        assert!(check_scheme("http://localhost/wp-json/wc/v3").is_ok());
        let err = check_scheme("http://example.com/wp-json/wc/v3").unwrap_err();
        assert!(err.contains("not https"), "{err}");
        assert!(check_scheme("http://127.0.0.1.example.com/").is_err());
    }
}
