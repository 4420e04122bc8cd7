//! JSON lookups for marketplace payloads. Numbers are read from their original text (the
//! SDK enables serde_json's `arbitrary_precision`), so ids above 2^53 and decimal amounts
//! never pass through `f64`.

pub use serde_json::Value;

use crate::money::{MoneyError, to_minor_units};

/// Parse a body, with an error that says where it broke.
pub fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("body is not valid JSON: {e}"))
}

/// The value at a JSON pointer ("/order/id"), if present and not null.
pub fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    value.pointer(pointer).filter(|v| !v.is_null())
}

/// A string at `pointer`, if it is a string.
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    at(value, pointer).and_then(Value::as_str)
}

/// An id at `pointer`, whether the marketplace sent it as a number or a string, exactly.
pub fn id_at(value: &Value, pointer: &str) -> Option<String> {
    at(value, pointer).and_then(id)
}

/// An id from a number or a string value, exactly.
pub fn id(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount at `pointer` in minor units of `currency`, whether sent as "12.34" or 12.34.
pub fn minor_units_at(
    value: &Value,
    pointer: &str,
    currency: &str,
) -> Option<Result<i64, MoneyError>> {
    let text = match at(value, pointer)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Some(Err(MoneyError::NotANumber(other.to_string()))),
    };
    Some(to_minor_units(&text, currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_ids_stay_exact() {
        let v = parse(br#"{"id": 9007199254740993, "s": "450789469"}"#).unwrap();
        assert_eq!(id_at(&v, "/id").as_deref(), Some("9007199254740993"));
        assert_eq!(id_at(&v, "/s").as_deref(), Some("450789469"));
        assert_eq!(id_at(&v, "/missing"), None);
    }

    #[test]
    fn amounts_read_from_strings_and_numbers() {
        let v =
            parse(br#"{"a": "12.34", "b": 12.34, "c": 0.30000000000000004, "d": null}"#).unwrap();
        assert_eq!(minor_units_at(&v, "/a", "USD"), Some(Ok(1234)));
        assert_eq!(minor_units_at(&v, "/b", "USD"), Some(Ok(1234)));
        assert!(matches!(
            minor_units_at(&v, "/c", "USD"),
            Some(Err(MoneyError::TooPrecise { .. }))
        ));
        assert_eq!(minor_units_at(&v, "/d", "USD"), None);
    }

    #[test]
    fn malformed_json_names_the_problem() {
        let e = parse(b"{\"a\": ").unwrap_err();
        assert!(e.starts_with("body is not valid JSON"), "{e}");
    }
}
