//! A small XML reader for eBay's SOAP notifications: elements (by local name, namespace
//! prefixes dropped), attributes and text, with the five predefined entities, character
//! references, comments, CDATA and processing instructions. Documents with a DTD are
//! refused: eBay sends none, and entity expansion is an attack surface.
//!
//! eBay's samples put a line break inside an attribute value (`xmlns:ser="http://\nwww…"`)
//! and repeat elements (two `ReturnStatus`); both are kept as they are.

/// The deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// An element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (`soapenv:Body` → `Body`).
    pub name: String,
    /// Attributes, names as written (with prefixes), values decoded.
    pub attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The element's own text (its text nodes and CDATA, concatenated, decoded).
    pub text: String,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first descendant named `name`, in document order.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|c| {
            if c.name == name {
                Some(c)
            } else {
                c.find(name)
            }
        })
    }

    /// Every descendant named `name`, in document order.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.find_all(name, out);
        }
    }

    /// The trimmed text, unless empty.
    pub fn value(&self) -> Option<String> {
        let t = self.text.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The trimmed text of the first descendant named `name`.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.find(name).and_then(Element::value)
    }

    /// The value of attribute `name` (local name compared).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| local(k) == name)
            .map(|(_, v)| v.as_str())
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// Parse a whole document into its root element.
pub fn parse(input: &str) -> Result<Element, String> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let bytes = input.as_bytes();
    let mut stack: Vec<(String, Element)> = Vec::new();
    let mut root: Option<Element> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            let end = input[i..].find('<').map_or(bytes.len(), |n| i + n);
            let text = &input[i..end];
            match stack.last_mut() {
                Some((_, top)) => top.text.push_str(&decode(text)?),
                None if text.trim().is_empty() => {}
                None => return Err("text outside the root element".into()),
            }
            i = end;
            continue;
        }
        let rest = &input[i..];
        if rest.starts_with("<?") {
            i += skip_past(rest, "?>", "processing instruction")?;
        } else if rest.starts_with("<!--") {
            i += skip_past(rest, "-->", "comment")?;
        } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").ok_or("unterminated CDATA section")?;
            match stack.last_mut() {
                Some((_, top)) => top.text.push_str(&cdata[..end]),
                None => return Err("CDATA outside the root element".into()),
            }
            i += "<![CDATA[".len() + end + 3;
        } else if rest.starts_with("<!") {
            return Err("documents with a DTD or declarations are not accepted".into());
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close.find('>').ok_or("unterminated closing tag")?;
            let name = close[..end].trim();
            let (open, element) = stack
                .pop()
                .ok_or_else(|| format!("closing tag </{name}> without an opening tag"))?;
            if open != name {
                return Err(format!("<{open}> is closed by </{name}>"));
            }
            attach(&mut stack, &mut root, element)?;
            i += 2 + end + 1;
        } else {
            let (qualified, element, self_closing, used) = open_tag(rest)?;
            i += used;
            if self_closing {
                attach(&mut stack, &mut root, element)?;
            } else {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements nest deeper than {MAX_DEPTH} levels"));
                }
                stack.push((qualified, element));
            }
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(format!("<{open}> is never closed"));
    }
    root.ok_or_else(|| "no root element".to_string())
}

/// Put a finished element under its parent, or make it the root.
fn attach(
    stack: &mut [(String, Element)],
    root: &mut Option<Element>,
    element: Element,
) -> Result<(), String> {
    match stack.last_mut() {
        Some((_, parent)) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

fn skip_past(rest: &str, end: &str, what: &str) -> Result<usize, String> {
    rest.find(end)
        .map(|n| n + end.len())
        .ok_or_else(|| format!("unterminated {what}"))
}

/// Read `<name attr="v" …>` or `<name …/>`: (qualified name, element, self-closing, bytes used).
fn open_tag(rest: &str) -> Result<(String, Element, bool, usize), String> {
    let bytes = rest.as_bytes();
    let is_name = |b: u8| !(b.is_ascii_whitespace() || b == b'>' || b == b'/' || b == b'=');
    let mut i = 1;
    while i < bytes.len() && is_name(bytes[i]) {
        i += 1;
    }
    let qualified = rest[1..i].to_string();
    if qualified.is_empty() {
        return Err("a tag without a name".into());
    }
    let mut element = Element {
        name: local(&qualified).to_string(),
        ..Element::default()
    };
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err(format!("unterminated tag <{qualified}>")),
            Some(b'>') => return Ok((qualified, element, false, i + 1)),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                return Ok((qualified, element, true, i + 2));
            }
            Some(_) => {
                let start = i;
                while i < bytes.len() && is_name(bytes[i]) {
                    i += 1;
                }
                let name = rest[start..i].to_string();
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if name.is_empty() || bytes.get(i) != Some(&b'=') {
                    return Err(format!("malformed attribute in <{qualified}>"));
                }
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let quote = *bytes
                    .get(i)
                    .filter(|q| **q == b'"' || **q == b'\'')
                    .ok_or_else(|| format!("attribute {name} of <{qualified}> is not quoted"))?;
                let value_start = i + 1;
                let len = rest[value_start..]
                    .find(quote as char)
                    .ok_or_else(|| format!("attribute {name} of <{qualified}> is not closed"))?;
                let value = decode(&rest[value_start..value_start + len])?;
                element.attrs.push((name, value));
                i = value_start + len + 1;
            }
        }
    }
}

/// Decode entity and character references.
fn decode(text: &str) -> Result<String, String> {
    if !text.contains('&') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|n| *n <= 10)
            .ok_or("an `&` that starts no entity")?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code =
                    if let Some(hex) = entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse().ok()
                    } else {
                        return Err(format!("unknown entity &{entity};"));
                    };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("bad character reference &{entity};"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ebays_sample_parses_with_its_quirks() {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/platform_notifications/ReturnCreated.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let root = parse(&text).unwrap();
        assert_eq!(root.name, "Envelope");
        assert_eq!(
            root.attr("ser"),
            Some("http://\nwww.ebay.com/marketplace/resolution/v1/services")
        );
        let event = root.find("NotificationEvent").unwrap();
        assert_eq!(event.text_of("ReturnId").as_deref(), Some("5********8"));
        let mut statuses = Vec::new();
        event.find_all("ReturnStatus", &mut statuses);
        let values: Vec<_> = statuses.iter().filter_map(|s| s.value()).collect();
        assert_eq!(values, ["2009-09-07T12:50:06.333Z", "MY_RESPONSE_DUE"]);
    }

    #[test]
    fn entities_cdata_comments_and_self_closing_tags() {
        let root = parse(
            "<?xml version=\"1.0\"?><!-- c --><a x='1 &amp; 2'><b/><c>&lt;tag&gt; &#233;&#x41;<![CDATA[<raw>]]></c></a>",
        )
        .unwrap();
        assert_eq!(root.attr("x"), Some("1 & 2"));
        assert!(root.child("b").is_some());
        assert_eq!(root.text_of("c").as_deref(), Some("<tag> éA<raw>"));
    }

    #[test]
    fn malformed_documents_are_refused_by_name() {
        for (doc, expected) in [
            ("<a><b></a>", "<b> is closed by </a>"),
            ("<a>", "<a> is never closed"),
            ("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "DTD"),
            ("<a>&bogus;</a>", "unknown entity"),
            ("<a x=1/>", "not quoted"),
            ("<a/><b/>", "more than one root"),
            ("", "no root element"),
            ("hello", "outside the root"),
        ] {
            let err = parse(doc).unwrap_err();
            assert!(err.contains(expected), "{doc}: {err}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).unwrap_err().contains("deeper"));
    }
}
