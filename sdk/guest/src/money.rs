//! Exact money: decimal text → integer minor units, never through a float.

use std::fmt;

/// Why an amount could not be read exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// The text is not a plain decimal number.
    NotANumber(String),
    /// The text has more decimals than the currency has minor units, and they are not zero.
    TooPrecise { amount: String, currency: String },
    /// The amount does not fit in 64 bits of minor units.
    OutOfRange(String),
    /// The currency code is not three ASCII letters.
    BadCurrency(String),
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::NotANumber(a) => write!(f, "amount {a:?} is not a decimal number"),
            MoneyError::TooPrecise { amount, currency } => write!(
                f,
                "amount {amount:?} has more decimals than {currency} has minor units"
            ),
            MoneyError::OutOfRange(a) => write!(f, "amount {a:?} is out of range"),
            MoneyError::BadCurrency(c) => write!(f, "currency {c:?} is not an ISO 4217 code"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// How many minor units a currency has (ISO 4217 exponent): 2 unless listed otherwise.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount` ("12.34", "-0.5", "1500", "+3.10") in minor units of `currency` (upper case).
///
/// Extra decimals are accepted only when they are zeros ("12.340" USD is 1234); anything
/// else would silently round, so it is an error.
pub fn to_minor_units(amount: &str, currency: &str) -> Result<i64, MoneyError> {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(MoneyError::BadCurrency(currency.to_string()));
    }
    let text = amount.trim();
    let not_a_number = || MoneyError::NotANumber(amount.to_string());
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(not_a_number());
    }
    let exp = exponent(currency) as usize;
    let (kept, dropped) = fraction.split_at(fraction.len().min(exp));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(MoneyError::TooPrecise {
            amount: amount.to_string(),
            currency: currency.to_string(),
        });
    }
    let out_of_range = || MoneyError::OutOfRange(amount.to_string());
    let mut value: i64 = 0;
    for b in whole.bytes().chain(kept.bytes()) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(out_of_range)?;
    }
    for _ in kept.len()..exp {
        value = value.checked_mul(10).ok_or_else(out_of_range)?;
    }
    Ok(if negative { -value } else { value })
}

/// Minor units back to a plain decimal string ("12.34"), for APIs that want text.
pub fn to_decimal_string(minor_units: i64, currency: &str) -> String {
    let exp = exponent(currency);
    if exp == 0 {
        return minor_units.to_string();
    }
    let scale = 10u64.pow(exp);
    let sign = if minor_units < 0 { "-" } else { "" };
    let abs = minor_units.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_become_exact_minor_units() {
        assert_eq!(to_minor_units("12.34", "USD"), Ok(1234));
        assert_eq!(to_minor_units("0.1", "EUR"), Ok(10));
        assert_eq!(to_minor_units("-5", "GBP"), Ok(-500));
        assert_eq!(to_minor_units("1500", "JPY"), Ok(1500));
        assert_eq!(to_minor_units("1.234", "KWD"), Ok(1234));
        assert_eq!(to_minor_units("12.340", "USD"), Ok(1234));
        assert_eq!(to_minor_units(" 7.00 ", "USD"), Ok(700));
    }

    #[test]
    fn values_a_float_would_round_stay_exact() {
        // 0.1 + 0.2 style errors cannot happen, and large amounts keep every digit.
        assert_eq!(
            to_minor_units("90071992547409.93", "USD"),
            Ok(9_007_199_254_740_993)
        );
    }

    #[test]
    fn precision_loss_and_garbage_are_errors() {
        assert!(matches!(
            to_minor_units("12.345", "USD"),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            to_minor_units("1.5", "JPY"),
            Err(MoneyError::TooPrecise { .. })
        ));
        for bad in ["", ".", "1e3", "12,34", "abc", "--1", "1.2.3"] {
            assert!(
                matches!(to_minor_units(bad, "USD"), Err(MoneyError::NotANumber(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            to_minor_units("99999999999999999999", "USD"),
            Err(MoneyError::OutOfRange(_))
        ));
        assert!(matches!(
            to_minor_units("1", "usd"),
            Err(MoneyError::BadCurrency(_))
        ));
    }

    #[test]
    fn minor_units_format_back() {
        assert_eq!(to_decimal_string(1234, "USD"), "12.34");
        assert_eq!(to_decimal_string(-5, "EUR"), "-0.05");
        assert_eq!(to_decimal_string(1500, "JPY"), "1500");
        assert_eq!(to_decimal_string(1234, "KWD"), "1.234");
    }
}
