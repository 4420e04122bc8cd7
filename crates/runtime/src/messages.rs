//! Config mistakes in words an operator acts on: one line, the line number, the key by its
//! full name, types as "a whole number" rather than `u64` — and never a secret's value.

use std::collections::BTreeMap;

use serde::Deserialize;

/// toml's error as one line that starts with the line number and names the key.
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim_end().replace('\n', "; ");
    let Some(span) = e.span() else {
        return message;
    };
    let at = span.start.min(text.len());
    let line = text[..at].matches('\n').count() + 1;
    let key = key_at(text, at);
    if let (Some(rest), Some(key)) = (message.strip_prefix("invalid type: "), &key)
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "line {line}: `{key}` is {}; expected {}",
            found_words(found),
            expected_words(expected)
        );
    }
    if let (Some(field), Some(key)) = (message.strip_prefix("missing field "), &key) {
        return format!("line {line}: `{key}` needs {field}");
    }
    if message.starts_with("expected newline") {
        return format!(
            "line {line}: {message} (is a text value missing its quotes? e.g. listen = \
             \"127.0.0.1:8080\")"
        );
    }
    format!("line {line}: {message}")
}

/// The full name of the key (or table, on a header line) at byte `at` of `text`.
fn key_at(text: &str, at: usize) -> Option<String> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("").trim();
    let header = |l: &str| {
        let l = l.trim();
        l.starts_with('[').then(|| {
            l.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
    };
    if let Some(table) = header(line) {
        return Some(table);
    }
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = text[..start].lines().rev().find_map(header);
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

fn found_words(found: &str) -> String {
    for (serde, words) in [
        ("string ", "the text "),
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(value) = found.strip_prefix(serde) {
            return format!("{words}{}", value.trim_matches('`'));
        }
    }
    match found {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other.into(),
    }
}

fn expected_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" => {
            "a whole number".into()
        }
        "f32" | "f64" => "a number".into(),
        "a string" => "text in quotes".into(),
        "a sequence" => "a list such as [\"a\", \"b\"]".into(),
        "a boolean" => "true or false".into(),
        other if other.starts_with("struct ") || other == "a map" => "a table".into(),
        other => other.into(),
    }
}

#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    secrets: BTreeMap<String, toml::Spanned<toml::Value>>,
}

/// Refuse a `[secrets]` entry written as a value rather than a reference, without echoing
/// it (the strict parse would quote it in its message).
pub fn secrets_by_reference(text: &str) -> Result<(), String> {
    let Ok(peek) = toml::from_str::<Peek>(text) else {
        return Ok(());
    };
    for (name, value) in &peek.secrets {
        let line = text[..value.span().start.min(text.len())]
            .matches('\n')
            .count()
            + 1;
        let table = match value.get_ref() {
            toml::Value::Table(table) => table,
            _ => {
                return Err(format!(
                    "line {line}: `secrets.{name}` says where the secret comes from — \
                     {{ env = \"VAR\" }}, {{ file = \"path\" }} or {{ oauth = {{ … }} }} — never \
                     the secret itself"
                ));
            }
        };
        if table.get("value").is_some_and(|v| !v.is_str()) {
            return Err(format!(
                "line {line}: `secrets.{name}.value` must be text in quotes"
            ));
        }
    }
    Ok(())
}
