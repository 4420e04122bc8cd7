//! Header and query-string lookups. HTTP header names are case-insensitive (HTTP/2 sends
//! them in lower case), so every lookup here ignores case.

/// The first header named `name`, compared case-insensitively.
pub fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The first of several spellings of a header that is present, e.g.
/// `["X-Shopify-Topic", "Shopify-Topic"]`.
pub fn get_any<'a>(headers: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|name| get(headers, name))
}

/// The value of `name` in a raw query string (`a=1&b=x%20y`), percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> Vec<(String, String)> {
        vec![
            ("x-shopify-topic".into(), "refunds/create".into()),
            ("Shopify-Webhook-Id".into(), "abc".into()),
        ]
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(get(&headers(), "X-Shopify-Topic"), Some("refunds/create"));
        assert_eq!(get(&headers(), "x-shopify-hmac-sha256"), None);
    }

    #[test]
    fn first_present_spelling_wins() {
        let h = headers();
        assert_eq!(
            get_any(&h, &["X-Shopify-Webhook-Id", "Shopify-Webhook-Id"]),
            Some("abc")
        );
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_param("challenge_code=a%2Bb+c&x=1", "challenge_code").as_deref(),
            Some("a+b c")
        );
        assert_eq!(query_param("x=1", "challenge_code"), None);
        assert_eq!(query_param("bad=%zz%", "bad").as_deref(), Some("%zz%"));
    }
}
