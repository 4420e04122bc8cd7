//! The policy's configuration, read from the plugin's `[config]` strings.

use helloword_sdk::money::{to_decimal_string, to_minor_units};
use helloword_sdk::policy::PolicyError;

use crate::convert::{Decimal, Rates};

/// Every config key with its default, as `plugin.toml` documents them.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("base_currency", "USD"),
    (
        "rates",
        "EUR=1.08,GBP=1.27,CAD=0.73,AUD=0.66,MXN=0.055,PLN=0.25,SEK=0.095,BRL=0.18,\
         JPY=0.0067,TRY=0.03,SAR=0.2667,AED=0.2723,EGP=0.02,CHF=1.13",
    ),
    ("small_order_limit", "20.00"),
    ("return_above", "100.00"),
    ("high_value", "200.00"),
    ("high_value_coupon_percent", "10"),
    ("investigation_business_days", "2"),
    ("lost_parcel", "reship"),
    ("vip_coupon", "5.00"),
    ("coupon_valid_days", "90"),
    ("cap_per_ticket", "150.00"),
    ("cap_per_customer", "300.00"),
    ("cap_customer_period_days", "30"),
    ("cap_per_shop_day", "2000.00"),
    ("auto_below", "25.00"),
    ("agent_up_to", "150.00"),
];

/// What a lost parcel gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostParcel {
    /// A replacement.
    Reship,
    /// A refund of the amount at stake.
    Refund,
}

/// The parsed configuration. Amounts are minor units of `base_currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The currency thresholds and caps are written in.
    pub base_currency: String,
    /// Exchange rates into the base currency.
    pub rates: Rates,
    /// Item problems below this are refunded without return, automatically.
    pub small_order_limit: i64,
    /// Replaced items worth more than this must be returned.
    pub return_above: i64,
    /// Orders worth at least this get a coupon with the replacement and go to a lead.
    pub high_value: i64,
    /// The high-value coupon in percent of the order.
    pub high_value_coupon_percent: Decimal,
    /// Business days to investigate a parcel delivered but not received (1–3).
    pub investigation_business_days: u32,
    /// Replace or refund a lost parcel.
    pub lost_parcel: LostParcel,
    /// The VIP coupon.
    pub vip_coupon: i64,
    /// Days a coupon stays valid; 0 for no expiry.
    pub coupon_valid_days: u32,
    /// Money per ticket.
    pub cap_per_ticket: i64,
    /// Money per customer within `cap_customer_period_days`.
    pub cap_per_customer: i64,
    /// The customer cap's period; the host filters to it, the policy only names it.
    pub cap_customer_period_days: u32,
    /// Money per shop per UTC day.
    pub cap_per_shop_day: i64,
    /// Proposals moving less than this are automatic.
    pub auto_below: i64,
    /// Proposals moving up to this need an agent; above, a lead.
    pub agent_up_to: i64,
}

impl Default for Settings {
    /// The documented defaults.
    fn default() -> Settings {
        Settings::from_config(|_| None).expect("the defaults are valid")
    }
}

fn misconfigured(message: String) -> PolicyError {
    PolicyError::Misconfigured(message)
}

impl Settings {
    /// Read every key through `get` (the `config` import in the plugin, a map in tests);
    /// a missing key takes its default. The error names the key.
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Settings, PolicyError> {
        let value = |key: &str| -> String {
            get(key).unwrap_or_else(|| {
                DEFAULTS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            })
        };

        let base_currency = value("base_currency").trim().to_ascii_uppercase();
        if base_currency.len() != 3 || !base_currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(misconfigured(format!(
                "base_currency: {base_currency:?} is not an ISO 4217 currency code"
            )));
        }
        let rates = Rates::parse(&base_currency, &value("rates")).map_err(misconfigured)?;

        let amount = |key: &str| -> Result<i64, PolicyError> {
            let text = value(key);
            let minor = to_minor_units(&text, &base_currency)
                .map_err(|e| misconfigured(format!("{key}: {e}")))?;
            if minor < 0 {
                return Err(misconfigured(format!(
                    "{key}: {:?} must not be negative",
                    text.trim()
                )));
            }
            Ok(minor)
        };
        let whole = |key: &str, min: u32, max: u32| -> Result<u32, PolicyError> {
            let text = value(key);
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    misconfigured(format!(
                        "{key}: {:?} is not a whole number from {min} to {max}",
                        text.trim()
                    ))
                })
        };

        let percent_text = value("high_value_coupon_percent");
        let high_value_coupon_percent = Decimal::parse(&percent_text)
            .filter(|p| {
                p.cmp_value(&Decimal {
                    mantissa: 100,
                    scale: 0,
                })
                .is_le()
            })
            .ok_or_else(|| {
                misconfigured(format!(
                    "high_value_coupon_percent: {:?} is not a percentage from 0 to 100",
                    percent_text.trim()
                ))
            })?;

        let lost_parcel = match value("lost_parcel").trim() {
            "reship" => LostParcel::Reship,
            "refund" => LostParcel::Refund,
            other => {
                return Err(misconfigured(format!(
                    "lost_parcel: {other:?} is neither \"reship\" nor \"refund\""
                )));
            }
        };

        let settings = Settings {
            small_order_limit: amount("small_order_limit")?,
            return_above: amount("return_above")?,
            high_value: amount("high_value")?,
            high_value_coupon_percent,
            investigation_business_days: whole("investigation_business_days", 1, 3)?,
            lost_parcel,
            vip_coupon: amount("vip_coupon")?,
            coupon_valid_days: whole("coupon_valid_days", 0, 3650)?,
            cap_per_ticket: amount("cap_per_ticket")?,
            cap_per_customer: amount("cap_per_customer")?,
            cap_customer_period_days: whole("cap_customer_period_days", 1, 3650)?,
            cap_per_shop_day: amount("cap_per_shop_day")?,
            auto_below: amount("auto_below")?,
            agent_up_to: amount("agent_up_to")?,
            base_currency,
            rates,
        };
        if settings.agent_up_to < settings.auto_below {
            return Err(misconfigured(format!(
                "agent_up_to: {} is below auto_below {}",
                settings.show_base(settings.agent_up_to),
                settings.show_base(settings.auto_below)
            )));
        }
        Ok(settings)
    }

    /// `minor_units` of the base currency written for people: "USD 20.00".
    pub fn show_base(&self, minor_units: i64) -> String {
        format!(
            "{} {}",
            self.base_currency,
            to_decimal_string(minor_units, &self.base_currency)
        )
    }
}
