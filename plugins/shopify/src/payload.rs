//! Reading Shopify payloads: typed lookups by JSON pointer whose errors name the topic and
//! the field, so a 400 tells the operator exactly which part of which delivery was wrong.
//!
//! The rule throughout: a field that is absent or `null` is `None`; a field that is present
//! but unreadable (an amount that is not a decimal, a date that is not RFC 3339) is an
//! error, because guessing would put wrong money or deadlines on a ticket.

use std::fmt;

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{LineItem, Money, Timestamp};

/// A payload that cannot be normalized: which topic, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub String);

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON value read on behalf of one topic, so every error can name both.
#[derive(Clone, Copy)]
pub struct Payload<'a> {
    topic: &'a str,
    value: &'a Value,
}

/// `/order/id` as people write it: `order.id`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

impl<'a> Payload<'a> {
    /// Read `value` as the payload of `topic`.
    pub fn new(topic: &'a str, value: &'a Value) -> Payload<'a> {
        Payload { topic, value }
    }

    /// The same topic, looking at a nested value (an array element, a sub-object).
    pub fn nested(&self, value: &'a Value) -> Payload<'a> {
        Payload {
            topic: self.topic,
            value,
        }
    }

    /// The raw value at `pointer`, unless absent or null.
    pub fn at(&self, pointer: &str) -> Option<&'a Value> {
        json::at(self.value, pointer)
    }

    /// An error about the field at `pointer`.
    pub fn error(&self, pointer: &str, problem: impl fmt::Display) -> PayloadError {
        PayloadError(format!(
            "{} payload: `{}` {problem}",
            self.topic,
            field_name(pointer)
        ))
    }

    /// An id (number or string, exact) at `pointer`.
    pub fn id(&self, pointer: &str) -> Option<String> {
        json::id_at(self.value, pointer)
    }

    /// An id that must be there.
    pub fn required_id(&self, pointer: &str) -> Result<String, PayloadError> {
        self.id(pointer)
            .ok_or_else(|| self.error(pointer, "is missing; Shopify always sends it"))
    }

    /// Non-empty text at `pointer`, trimmed.
    pub fn text(&self, pointer: &str) -> Option<String> {
        json::str_at(self.value, pointer)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The first of several fields that holds text.
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

    /// A whole number at `pointer`.
    pub fn count(&self, pointer: &str) -> Result<Option<u32>, PayloadError> {
        match self.at(pointer) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.error(pointer, format!("is {v}, not a count"))),
        }
    }

    /// A timestamp at `pointer` (RFC 3339, as Shopify writes them).
    pub fn time(&self, pointer: &str) -> Result<Option<Timestamp>, PayloadError> {
        match self.text(pointer) {
            None => Ok(None),
            Some(text) => Timestamp::parse(&text)
                .map(Some)
                .map_err(|e| self.error(pointer, e)),
        }
    }

    /// Money from a decimal at `amount` (string or number) in `currency`, exactly.
    pub fn money(&self, amount: &str, currency: &str) -> Result<Option<Money>, PayloadError> {
        let text = match self.at(amount) {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(self.error(amount, format!("is {other}, not an amount"))),
        };
        Money::parse(&text, currency)
            .map(Some)
            .map_err(|e| self.error(amount, e))
    }

    /// Money from a Shopify money bag (`price_set`, `total_price_set`, ...) in the shop's
    /// currency: `<pointer>/shop_money/{amount, currency_code}`.
    pub fn shop_money(&self, pointer: &str) -> Result<Option<Money>, PayloadError> {
        let currency = format!("{pointer}/shop_money/currency_code");
        match self.text(&currency) {
            None => Ok(None),
            Some(code) => self.money(&format!("{pointer}/shop_money/amount"), &code),
        }
    }

    /// A line item as Shopify's order, fulfillment and refund payloads write it. Returns
    /// `None` for an element without an id (nothing to refer to it by).
    ///
    /// `quantity` overrides the item's own quantity (a refund or return line says how many
    /// of the item it covers).
    pub fn line_item(
        &self,
        quantity: Option<u32>,
        fallback_currency: Option<&str>,
    ) -> Result<Option<LineItem>, PayloadError> {
        let Some(id) = self.id("/id") else {
            return Ok(None);
        };
        let unit_price = match self.shop_money("/price_set")? {
            Some(money) => Some(money),
            None => match fallback_currency {
                Some(currency) => self.money("/price", currency)?,
                None => None,
            },
        };
        let quantity = match quantity {
            Some(q) => q,
            None => self.count("/quantity")?.unwrap_or(0),
        };
        Ok(Some(LineItem {
            id,
            sku: self.text("/sku"),
            batch: None,
            // `name` carries the variant ("IPod Nano - 8gb - red"); agents need it.
            title: self.first_text(&["/name", "/title"]).unwrap_or_default(),
            quantity,
            unit_price,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        json::parse(text.as_bytes()).expect("test JSON")
    }

    #[test]
    fn absent_and_null_are_none_but_garbage_is_an_error() {
        let v = value(r#"{"a": null, "d": "2021-12-30T19:00:00-05:00", "bad": "yesterday"}"#);
        let p = Payload::new("disputes/create", &v);
        assert_eq!(p.time("/a"), Ok(None));
        assert_eq!(p.time("/missing"), Ok(None));
        assert_eq!(
            p.time("/d"),
            Ok(Some(Timestamp {
                seconds: 1_640_908_800,
                nanoseconds: 0
            }))
        );
        let err = p.time("/bad").unwrap_err().0;
        assert!(err.starts_with("disputes/create payload: `bad`"), "{err}");
    }

    #[test]
    fn money_is_exact_from_strings_and_numbers() {
        let v = value(
            r#"{"s": "11.50", "n": 89.99, "o": {"x": 1}, "set": {"shop_money": {"amount": "0.30", "currency_code": "USD"}}}"#,
        );
        let p = Payload::new("t", &v);
        let usd = |minor_units| {
            Some(Money {
                minor_units,
                currency: "USD".into(),
            })
        };
        assert_eq!(p.money("/s", "usd"), Ok(usd(1150)));
        assert_eq!(p.money("/n", "USD"), Ok(usd(8999)));
        assert_eq!(p.shop_money("/set"), Ok(usd(30)));
        assert_eq!(p.money("/missing", "USD"), Ok(None));
        let err = p.money("/o", "USD").unwrap_err().0;
        assert!(err.contains("`o` is {\"x\":1}, not an amount"), "{err}");
    }

    #[test]
    fn nested_fields_are_named_with_dots() {
        let v = value(r#"{"order": {}}"#);
        let err = Payload::new("returns/request", &v)
            .required_id("/order/id")
            .unwrap_err()
            .0;
        assert_eq!(
            err,
            "returns/request payload: `order.id` is missing; Shopify always sends it"
        );
    }
}
