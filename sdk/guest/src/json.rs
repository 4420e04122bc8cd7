//! JSON lookups for marketplace payloads. Numbers are read from their original text (the
//! SDK enables serde_json's `arbitrary_precision`), so ids above 2^53 and decimal amounts
//! never pass through `f64`.

pub use serde_json::Value;

use crate::money::{MoneyError, to_minor_units};

/// Parse a body, with an error that says where it broke.
pub fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("body is not valid JSON: {e}"))
}

/// The value at a JSON pointer ("/order/id", RFC 6901), if present and not null.
///
/// The same lookup as `Value::pointer`, without its two string replacements and their
/// allocations per segment: connectors make dozens of these per delivery, and in wasm they
/// were half of the time spent normalizing (BENCHMARKS.md, plugin runtime).
pub fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    let found = if pointer.is_empty() {
        value
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .try_fold(value, |node, token| {
                if token.contains('~') {
                    child(node, &token.replace("~1", "/").replace("~0", "~"))
                } else {
                    child(node, token)
                }
            })?
    };
    (!found.is_null()).then_some(found)
}

/// One step of a pointer: a key of an object, or an index of an array (decimal digits, no
/// leading zero, as RFC 6901 spells them).
fn child<'a>(node: &'a Value, token: &str) -> Option<&'a Value> {
    match node {
        Value::Object(map) => map.get(token),
        Value::Array(items) => {
            let canonical = !token.is_empty()
                && token.bytes().all(|b| b.is_ascii_digit())
                && (token == "0" || !token.starts_with('0'));
            if canonical {
                items.get(token.parse::<usize>().ok()?)
            } else {
                None
            }
        }
        _ => None,
    }
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
    fn pointers_are_read_as_serde_json_reads_them() {
        let v = parse(
            br#"{"a": {"b/c": 1, "d~e": 2, "": 3, "f": [10, 11, {"g": null}], "0": 4},
                 "h": [[5]]}"#,
        )
        .unwrap();
        for pointer in [
            "",
            "/a",
            "/a/b~1c",
            "/a/d~0e",
            "/a/",
            "/a/f/0",
            "/a/f/1",
            "/a/f/2/g",
            "/a/f/01",
            "/a/f/+1",
            "/a/f/2/g/x",
            "/a/f/-",
            "/a/0",
            "/h/0/0",
            "/h/00",
            "/missing",
            "a",
            "/a/b~1c/x",
            "/a/f/99999999999999999999999",
        ] {
            let expected = v.pointer(pointer).filter(|v| !v.is_null());
            assert_eq!(at(&v, pointer), expected, "pointer {pointer:?}");
        }
        assert_eq!(at(&v, "/a/b~1c"), Some(&Value::from(1)));
        assert_eq!(at(&v, "/a/f/2/g"), None, "null counts as absent");
    }

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
