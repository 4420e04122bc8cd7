//! Reading eBay JSON: typed lookups by JSON pointer whose errors name the payload and the
//! field.
//!
//! eBay's own quirks live here, once:
//! - dates are plain strings in the Fulfillment API and wrapped (`{"value": "…"}`) in the
//!   Post-Order API; [`Payload::time`] reads both;
//! - amounts are `{"value", "currency"}` with a string value in the Fulfillment API and a
//!   number in the Post-Order API; [`Payload::money`] reads both, exactly;
//! - a currency that is absent, `null` or the placeholder `XXX` means "unknown", never an
//!   error that drops the event.
//!
//! A field that is absent or `null` is `None`; a field that is present but unreadable is an
//! error, because guessing would put wrong money or deadlines on a ticket.

use std::fmt;

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{Money, Timestamp};

/// A payload that cannot be normalized: which payload, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON value read on behalf of one payload kind ("return", "MARKETPLACE_ACCOUNT_DELETION").
#[derive(Clone, Copy)]
pub struct Payload<'a> {
    what: &'a str,
    value: &'a Value,
}

impl<'a> Payload<'a> {
    /// Read `value` as a `what`.
    pub fn new(what: &'a str, value: &'a Value) -> Payload<'a> {
        Payload { what, value }
    }

    /// The same payload kind, looking at a nested value.
    pub fn nested(&self, value: &'a Value) -> Payload<'a> {
        Payload {
            what: self.what,
            value,
        }
    }

    /// The raw value at `pointer`, unless absent or null.
    pub fn at(&self, pointer: &str) -> Option<&'a Value> {
        json::at(self.value, pointer)
    }

    /// The nested payload at `pointer`, when it is an object.
    pub fn object(&self, pointer: &str) -> Option<Payload<'a>> {
        self.at(pointer)
            .filter(|v| v.is_object())
            .map(|v| self.nested(v))
    }

    /// An error about the field at `pointer`.
    pub fn error(&self, pointer: &str, problem: impl fmt::Display) -> PayloadError {
        PayloadError(format!(
            "eBay {} payload: `{}` {problem}",
            self.what,
            pointer.trim_start_matches('/').replace('/', ".")
        ))
    }

    /// An id (string or number, exact) at `pointer`.
    pub fn id(&self, pointer: &str) -> Option<String> {
        json::id_at(self.value, pointer).filter(|s| !s.trim().is_empty())
    }

    /// An id that must be there.
    pub fn required_id(&self, pointer: &str) -> Result<String, PayloadError> {
        self.id(pointer)
            .ok_or_else(|| self.error(pointer, "is missing; eBay always sends it"))
    }

    /// Non-empty text at `pointer`, trimmed.
    pub fn text(&self, pointer: &str) -> Option<String> {
        json::str_at(self.value, pointer)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The first of several fields that holds text (eBay spells some fields differently
    /// in different APIs).
    pub fn first_text(&self, pointers: &[&str]) -> Option<String> {
        pointers.iter().find_map(|p| self.text(p))
    }

    /// The elements of the array at `pointer` (none when absent).
    pub fn array(&self, pointer: &str) -> &'a [Value] {
        self.at(pointer)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// A timestamp at `pointer`: a string, or eBay's wrapper `{"value": "…"}`.
    pub fn time(&self, pointer: &str) -> Result<Option<Timestamp>, PayloadError> {
        let (text, field) = match self.at(pointer) {
            None => return Ok(None),
            Some(Value::String(s)) => (s.clone(), pointer.to_string()),
            Some(Value::Object(o)) => match o.get("value") {
                Some(Value::String(s)) => (s.clone(), format!("{pointer}/value")),
                None | Some(Value::Null) => return Ok(None),
                Some(other) => {
                    return Err(self.error(
                        &format!("{pointer}/value"),
                        format!("is {other}, not a date"),
                    ));
                }
            },
            Some(other) => return Err(self.error(pointer, format!("is {other}, not a date"))),
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        Timestamp::parse(&text)
            .map(Some)
            .map_err(|e| self.error(&field, e))
    }

    /// An amount object at `pointer` (`{"value": "12.34" | 12.34, "currency": "EUR"}`),
    /// exactly, in minor units. `None` when absent or when the currency is unknown.
    pub fn money(&self, pointer: &str) -> Result<Option<Money>, PayloadError> {
        let Some(amount) = self.object(pointer) else {
            return Ok(None);
        };
        let currency = amount
            .first_text(&["/currency", "/currencyId", "/currencyCode"])
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c != "XXX");
        let Some(currency) = currency else {
            return Ok(None);
        };
        let value_field = format!("{pointer}/value");
        let text = match amount.at("/value") {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(self.error(&value_field, format!("is {other}, not an amount")));
            }
        };
        Money::parse(&text, &currency)
            .map(Some)
            .map_err(|e| self.error(&value_field, e))
    }

    /// A whole number at `pointer` (string or number).
    pub fn count(&self, pointer: &str) -> Result<Option<u32>, PayloadError> {
        match self.at(pointer) {
            None => Ok(None),
            Some(v) => json::id(v)
                .and_then(|t| t.parse::<u32>().ok())
                .map(Some)
                .ok_or_else(|| self.error(pointer, format!("is {v}, not a count"))),
        }
    }
}

/// eBay's UPPER_SNAKE states for people: "ITEM_READY_TO_SHIP" → "item ready to ship".
pub fn humanize(state: &str) -> String {
    state.replace('_', " ").to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        json::parse(text.as_bytes()).expect("test JSON")
    }

    #[test]
    fn wrapped_and_plain_dates_read_the_same() {
        let v = value(
            r#"{"w": {"value": "2025-12-04T07:59:59.000Z", "formattedValue": "Dec 4"},
                "p": "2025-12-04T07:59:59.000Z", "n": null, "e": {}, "bad": {"value": "soon"}}"#,
        );
        let p = Payload::new("return", &v);
        let expected = Some(Timestamp::parse("2025-12-04T07:59:59Z").unwrap());
        assert_eq!(p.time("/w"), Ok(expected));
        assert_eq!(p.time("/p"), Ok(expected));
        assert_eq!(p.time("/n"), Ok(None));
        assert_eq!(p.time("/e"), Ok(None));
        let err = p.time("/bad").unwrap_err().0;
        assert!(err.starts_with("eBay return payload: `bad.value`"), "{err}");
    }

    #[test]
    fn money_is_exact_from_strings_and_numbers() {
        let v = value(
            r#"{"s": {"value": "75.28", "currency": "EUR"}, "n": {"value": 143.99, "currency": "USD"},
                "x": {"value": "1.00", "currency": "XXX"}, "c": {"value": "1.00", "currency": null},
                "bad": {"value": "12.345", "currency": "USD"}}"#,
        );
        let p = Payload::new("dispute", &v);
        let money = |minor_units, currency: &str| {
            Some(Money {
                minor_units,
                currency: currency.into(),
            })
        };
        assert_eq!(p.money("/s"), Ok(money(7528, "EUR")));
        assert_eq!(p.money("/n"), Ok(money(14399, "USD")));
        assert_eq!(p.money("/x"), Ok(None));
        assert_eq!(p.money("/c"), Ok(None));
        assert_eq!(p.money("/missing"), Ok(None));
        let err = p.money("/bad").unwrap_err().0;
        assert!(err.contains("`bad.value`"), "{err}");
    }

    #[test]
    fn counts_come_from_numbers_and_digit_strings() {
        let v = value(r#"{"a": 1, "b": "2", "c": "x"}"#);
        let p = Payload::new("return", &v);
        assert_eq!(p.count("/a"), Ok(Some(1)));
        assert_eq!(p.count("/b"), Ok(Some(2)));
        assert!(p.count("/c").is_err());
    }
}
