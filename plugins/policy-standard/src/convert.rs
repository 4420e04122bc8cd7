//! Exact decimals and currency conversion on integer minor units: no floats anywhere.

use std::collections::BTreeMap;
use std::fmt;

use helloword_sdk::money::{exponent, to_decimal_string};
use helloword_sdk::policy::PolicyError;
use helloword_sdk::types::Money;

/// The most decimals a rate or percentage may have.
pub const MAX_DECIMALS: u32 = 12;

/// A non-negative decimal held exactly: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// The digits as an integer.
    pub mantissa: i128,
    /// How many of them are decimals.
    pub scale: u32,
}

impl Decimal {
    /// One.
    pub const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };

    /// Plain decimal text ("1.08", "0.0067", "10"), no sign, no exponent, at most
    /// [`MAX_DECIMALS`] decimals and 24 digits in all.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !digits(whole)
            || !digits(fraction)
            || fraction.len() > MAX_DECIMALS as usize
            || whole.len() + fraction.len() > 24
        {
            return None;
        }
        let mut mantissa: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        Some(Decimal {
            mantissa,
            scale: fraction.len() as u32,
        })
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Compare with `other` exactly.
    pub fn cmp_value(&self, other: &Decimal) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale);
        (self.mantissa * pow10(scale - self.scale))
            .cmp(&(other.mantissa * pow10(scale - other.scale)))
    }
}

impl fmt::Display for Decimal {
    /// Without trailing zeros: "1.08", "10", "0.0067".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = pow10(self.scale);
        let whole = self.mantissa / scale;
        let fraction = self.mantissa % scale;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{fraction:0width$}", width = self.scale as usize);
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// 10^n as i128 (n ≤ 38).
pub fn pow10(n: u32) -> i128 {
    10i128.pow(n)
}

/// How a conversion rounds to the target's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// To the nearest minor unit; exact halves away from zero (0.5 → 1, -0.5 → -1).
    HalfAwayFromZero,
    /// Towards zero: never more than the exact value (for cuts to what a cap leaves).
    TowardZero,
}

/// `num / den` rounded as asked; `den` > 0.
pub fn divide(num: i128, den: i128, rounding: Rounding) -> i128 {
    debug_assert!(den > 0);
    let quotient = num / den;
    let remainder = num % den;
    match rounding {
        Rounding::TowardZero => quotient,
        Rounding::HalfAwayFromZero => {
            if remainder.unsigned_abs() * 2 >= den.unsigned_abs() {
                quotient + num.signum()
            } else {
                quotient
            }
        }
    }
}

/// `money` written for people: "EUR 12.50", "JPY 1500".
pub fn show(money: &Money) -> String {
    format!(
        "{} {}",
        money.currency,
        to_decimal_string(money.minor_units, &money.currency)
    )
}

/// Exchange rates against one base currency: 1 unit of a currency = rate base units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rates {
    base: String,
    table: BTreeMap<String, Decimal>,
}

impl Rates {
    /// Read `CODE=RATE,CODE=RATE,...` against `base`. The error is the message for the
    /// `rates` key.
    pub fn parse(base: &str, text: &str) -> Result<Rates, String> {
        let mut table = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((code, rate)) = entry.split_once('=') else {
                return Err(format!("rates: {entry:?} is not CODE=RATE"));
            };
            let code = code.trim().to_ascii_uppercase();
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("rates: {code:?} is not an ISO 4217 currency code"));
            }
            let value = Decimal::parse(rate)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    format!(
                        "rates: the rate of {code} ({:?}) is not a positive decimal with at most {MAX_DECIMALS} decimals",
                        rate.trim()
                    )
                })?;
            if code == base && value.cmp_value(&Decimal::ONE).is_ne() {
                return Err(format!(
                    "rates: {code} is the base currency, its rate must be 1 (not {value})"
                ));
            }
            if table.insert(code.clone(), value).is_some() {
                return Err(format!("rates: {code} is given twice"));
            }
        }
        table.insert(base.to_string(), Decimal::ONE);
        Ok(Rates {
            base: base.to_string(),
            table,
        })
    }

    /// The base currency.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// 1 unit of `currency` in base units.
    pub fn rate(&self, currency: &str) -> Result<Decimal, PolicyError> {
        self.table
            .get(currency)
            .copied()
            .ok_or_else(|| PolicyError::Misconfigured(format!("rates: no rate for {currency}")))
    }

    /// `money` in `to`, rounded to `to`'s minor unit as asked, with one rounding step even
    /// between two non-base currencies.
    pub fn convert(
        &self,
        money: &Money,
        to: &str,
        rounding: Rounding,
    ) -> Result<Money, PolicyError> {
        let from = money.currency.as_str();
        if from == to {
            return Ok(money.clone());
        }
        let rate_from = self.rate(from)?;
        let rate_to = self.rate(to)?;
        // minor_to = minor_from / 10^e_from * rate_from / rate_to * 10^e_to
        //          = minor_from * m_from * 10^(s_to + e_to) / (m_to * 10^(s_from + e_from))
        let up = rate_to.scale + exponent(to);
        let down = rate_from.scale + exponent(from);
        let too_large = || {
            PolicyError::InsufficientContext(format!(
                "{} is too large to convert to {to}",
                show(money)
            ))
        };
        let mut num = i128::from(money.minor_units)
            .checked_mul(rate_from.mantissa)
            .ok_or_else(too_large)?;
        let mut den = rate_to.mantissa;
        if up >= down {
            num = num.checked_mul(pow10(up - down)).ok_or_else(too_large)?;
        } else {
            den = den.checked_mul(pow10(down - up)).ok_or_else(too_large)?;
        }
        let minor_units = i64::try_from(divide(num, den, rounding)).map_err(|_| too_large())?;
        Ok(Money {
            minor_units,
            currency: to.to_string(),
        })
    }

    /// `money` in minor units of the base currency, rounded half away from zero.
    pub fn to_base(&self, money: &Money) -> Result<i64, PolicyError> {
        Ok(self
            .convert(money, &self.base, Rounding::HalfAwayFromZero)?
            .minor_units)
    }

    /// `base_minor_units` of the base currency in `to`.
    pub fn from_base(
        &self,
        base_minor_units: i64,
        to: &str,
        rounding: Rounding,
    ) -> Result<Money, PolicyError> {
        let money = Money {
            minor_units: base_minor_units,
            currency: self.base.clone(),
        };
        self.convert(&money, to, rounding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly_and_print_short() {
        let d = Decimal::parse("0.0067").unwrap();
        assert_eq!((d.mantissa, d.scale), (67, 4));
        assert_eq!(d.to_string(), "0.0067");
        assert_eq!(Decimal::parse("10").unwrap().to_string(), "10");
        assert_eq!(Decimal::parse("1.50").unwrap().to_string(), "1.5");
        for bad in ["", ".", "-1", "1e3", "1,5", "1.2.3", "0.0000000000001"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn halves_round_away_from_zero() {
        use Rounding::*;
        assert_eq!(divide(5, 10, HalfAwayFromZero), 1);
        assert_eq!(divide(-5, 10, HalfAwayFromZero), -1);
        assert_eq!(divide(4, 10, HalfAwayFromZero), 0);
        assert_eq!(divide(-15, 10, HalfAwayFromZero), -2);
        assert_eq!(divide(19, 10, TowardZero), 1);
        assert_eq!(divide(-19, 10, TowardZero), -1);
    }
}
