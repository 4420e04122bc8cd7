//! The connector's configuration (`[config]` of `plugin.toml`, overridable by the gateway)
//! and the names of the secrets it uses. Reading does no I/O beyond the config import;
//! every error names the key to fix.

/// The verification token registered with the notification destination; it enters the
/// challenge hash inside the host.
pub const VERIFICATION_TOKEN: &str = "ebay_verification_token";
/// Application access token (client-credentials grant), to fetch notification public keys.
pub const APP_TOKEN: &str = "ebay_app_token";
/// The seller's OAuth user access token, for polling and actions. The host refreshes it and
/// supplies the current access token under this name.
pub const USER_TOKEN: &str = "ebay_user_token";
/// The keyset that signs Platform Notifications.
pub const DEV_ID: &str = "ebay_dev_id";
/// See [`DEV_ID`].
pub const APP_ID: &str = "ebay_app_id";
/// See [`DEV_ID`]. Always a secret: it is the keyset's password.
pub const CERT_ID: &str = "ebay_cert_id";

/// Config key: the exact URL registered as the notification destination.
pub const ENDPOINT: &str = "endpoint";
/// Config key prefix of notification public keys: `public_key.<kid>`.
pub const PUBLIC_KEY_PREFIX: &str = "public_key.";
/// Config key: the return address of a payment-dispute contest, as JSON.
pub const DISPUTE_RETURN_ADDRESS: &str = "dispute_return_address";

/// The searches a poll sweep runs, in the order it runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Post-Order `return/search`.
    Returns,
    /// Post-Order `casemanagement/search`.
    Cases,
    /// Post-Order `inquiry/search`.
    Inquiries,
    /// Post-Order `cancellation/search`.
    Cancellations,
    /// Fulfillment `payment_dispute_summary` (on apiz).
    Disputes,
}

impl Stage {
    /// Every stage in the default order.
    pub const ALL: [Stage; 5] = [
        Stage::Returns,
        Stage::Cases,
        Stage::Inquiries,
        Stage::Cancellations,
        Stage::Disputes,
    ];

    /// The name used in `poll_stages` and in the cursor.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Returns => "returns",
            Stage::Cases => "cases",
            Stage::Inquiries => "inquiries",
            Stage::Cancellations => "cancellations",
            Stage::Disputes => "disputes",
        }
    }

    /// The stage called `name`.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `endpoint`, when set.
    pub endpoint: Option<String>,
    /// `seller`, the shop every ticket is tagged with (default "ebay").
    pub seller: String,
    /// `marketplace_id`, sent as `X-EBAY-C-MARKETPLACE-ID` to the Post-Order API.
    pub marketplace_id: String,
    /// `api_base` without a trailing slash.
    pub api_base: String,
    /// `apiz_base` without a trailing slash.
    pub apiz_base: String,
    /// `poll_lookback_days`.
    pub lookback_days: i64,
    /// `poll_revisit_days`.
    pub revisit_days: i64,
    /// `poll_page_size`, 1..=200.
    pub page_size: u32,
    /// `poll_stages`.
    pub stages: Vec<Stage>,
    /// `soap_max_age_minutes`.
    pub soap_max_age_minutes: i64,
    /// `dispute_return_address`: the `returnAddress` object of a dispute contest.
    pub dispute_return_address: Option<serde_json::Value>,
}

impl Settings {
    /// Read and check the config (`get` is the config import).
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let text = |key: &str| {
            get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let base = |key: &str, default: &str| -> Result<String, String> {
            let value = text(key).unwrap_or_else(|| default.to_string());
            let value = value.trim_end_matches('/').to_string();
            if value.starts_with("https://") || value.starts_with("http://") {
                Ok(value)
            } else {
                Err(format!(
                    "config `{key}` is {value:?}; it must be an http:// or https:// URL"
                ))
            }
        };
        let number = |key: &str, default: i64, range: std::ops::RangeInclusive<i64>| match text(key)
        {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    format!(
                        "config `{key}` is {v:?}; it must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    )
                }),
        };
        let stages = match text("poll_stages") {
            None => Stage::ALL.to_vec(),
            Some(list) => {
                let mut stages = Vec::new();
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let stage = Stage::from_name(name).ok_or_else(|| {
                        format!(
                            "config `poll_stages` names {name:?}; the searches are {}",
                            Stage::ALL.map(Stage::name).join(", ")
                        )
                    })?;
                    if !stages.contains(&stage) {
                        stages.push(stage);
                    }
                }
                if stages.is_empty() {
                    return Err("config `poll_stages` names no search".into());
                }
                stages
            }
        };
        let marketplace_id = text("marketplace_id").unwrap_or_else(|| "EBAY_US".into());
        if !marketplace_id.starts_with("EBAY_") {
            return Err(format!(
                "config `marketplace_id` is {marketplace_id:?}; eBay marketplace ids look like \"EBAY_US\" or \"EBAY_DE\""
            ));
        }
        let dispute_return_address = match text(DISPUTE_RETURN_ADDRESS) {
            None => None,
            Some(json) => match helloword_sdk::json::parse(json.as_bytes()) {
                Ok(v) if v.is_object() => Some(v),
                _ => {
                    return Err(format!(
                        "config `{DISPUTE_RETURN_ADDRESS}` must be a JSON object in eBay's \
                         ReturnAddress shape, e.g. {{\"fullName\": \"…\", \"addressLine1\": \"…\", \
                         \"city\": \"…\", \"postalCode\": \"…\", \"country\": \"US\"}}"
                    ));
                }
            },
        };
        Ok(Settings {
            dispute_return_address,
            endpoint: text(ENDPOINT),
            seller: text("seller").unwrap_or_else(|| "ebay".into()),
            marketplace_id,
            api_base: base("api_base", "https://api.ebay.com")?,
            apiz_base: base("apiz_base", "https://apiz.ebay.com")?,
            lookback_days: number("poll_lookback_days", 30, 1..=540)?,
            revisit_days: number("poll_revisit_days", 7, 0..=90)?,
            page_size: number("poll_page_size", 50, 1..=200)? as u32,
            stages,
            soap_max_age_minutes: number("soap_max_age_minutes", 30, 1..=1_000_000_000)?,
        })
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Settings from `pairs`, everything else default.
    pub fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::from_config(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::settings;
    use super::*;

    #[test]
    fn defaults_point_at_ebay() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.api_base, "https://api.ebay.com");
        assert_eq!(s.apiz_base, "https://apiz.ebay.com");
        assert_eq!(s.seller, "ebay");
        assert_eq!(s.stages, Stage::ALL.to_vec());
        assert_eq!(s.endpoint, None);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (pairs, key) in [
            (vec![("api_base", "ftp://x")], "`api_base`"),
            (vec![("poll_page_size", "500")], "`poll_page_size`"),
            (vec![("poll_stages", "returns,refunds")], "`poll_stages`"),
            (vec![("marketplace_id", "US")], "`marketplace_id`"),
        ] {
            let err = settings(&pairs).unwrap_err();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn stages_keep_their_order_without_repeats() {
        let s = settings(&[("poll_stages", "disputes, returns,disputes")]).unwrap();
        assert_eq!(s.stages, vec![Stage::Disputes, Stage::Returns]);
    }
}
