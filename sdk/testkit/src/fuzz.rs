//! Fuzzing connectors' `handle-webhook` as property tests: deliveries mutated from real
//! samples (bytes flipped, cut, repeated, and pieces that make parsers stumble spliced in),
//! signed as the marketplace would sign them so they reach the parser behind the signature
//! check, and run through the real host runtime. Whatever arrives, the connector must answer
//! (an outcome or a webhook error), never trap.
//!
//! `cargo test` runs [`config`]'s default number of cases; `PROPTEST_CASES=n` runs more, as
//! `scripts/fuzz-long` does.

pub use proptest;

use proptest::prelude::*;

/// A property-test configuration of `PROPTEST_CASES` cases, else `default`, that keeps no
/// regression files (a finding becomes a regression test named after the bug).
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One change to a sample.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Cut(prop::sample::Index),
    Insert(prop::sample::Index, &'static str),
    Repeat(prop::sample::Index, usize),
    Remove(prop::sample::Index, usize),
}

/// One of `samples` with up to eight mutations, some splicing in one of `pieces`; now and
/// then random bytes instead.
pub fn mutated(
    samples: Vec<Vec<u8>>,
    pieces: &'static [&'static str],
) -> impl Strategy<Value = Vec<u8>> {
    let mutation = prop_oneof![
        (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<prop::sample::Index>().prop_map(Mutation::Cut),
        (any::<prop::sample::Index>(), prop::sample::select(pieces))
            .prop_map(|(i, p)| Mutation::Insert(i, p)),
        (any::<prop::sample::Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Repeat(i, n)),
        (any::<prop::sample::Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ];
    prop_oneof![
        9 => (prop::sample::select(samples), prop::collection::vec(mutation, 0..8))
            .prop_map(|(sample, mutations)| apply(sample, &mutations)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let at = |i: &prop::sample::Index, len: usize| if len == 0 { 0 } else { i.index(len) };
        match mutation {
            Mutation::Flip(i, x) if !data.is_empty() => {
                let at = at(i, data.len());
                data[at] ^= x;
            }
            Mutation::Cut(i) => data.truncate(at(i, data.len() + 1)),
            Mutation::Insert(i, piece) => {
                let at = at(i, data.len() + 1);
                data.splice(at..at, piece.bytes());
            }
            Mutation::Repeat(i, n) if !data.is_empty() => {
                let start = at(i, data.len());
                let end = (start + n).min(data.len());
                let copy = data[start..end].to_vec();
                data.splice(end..end, copy);
            }
            Mutation::Remove(i, n) if !data.is_empty() => {
                let start = at(i, data.len());
                let end = (start + n).min(data.len());
                data.drain(start..end);
            }
            _ => {}
        }
    }
    data
}

/// Pieces that make JSON readers stumble.
pub const JSON_PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "-",
    "1e999",
    "-0",
    "18446744073709551616",
    "123456789012345678901234567890",
    "0.000000000000000000001",
    "\"id\":",
    "\"\":\"\"",
    "ü",
    "\u{0}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":",
];

/// Pieces that make XML readers stumble.
pub const XML_PIECES: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">",
    "</soapenv:Envelope>",
    "<soapenv:Body>",
    "</soapenv:Body>",
    "<NotificationSignature>",
    "</NotificationSignature>",
    "<Timestamp>2026-01-01T00:00:00.000Z</Timestamp>",
    "<ReturnId>",
    "</ReturnId>",
    "<a>",
    "</a>",
    "<a/>",
    "<b x='1' y=\"2\">",
    "</b>",
    "<",
    ">",
    "/>",
    "</",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<!DOCTYPE x>",
    "<?pi ",
    "?>",
    "&amp;",
    "&lt;",
    "&#x1F4E6;",
    "&#0;",
    "&#xD800;",
    "&",
    ";",
    "=",
    "\"",
    "'",
    " ",
    "\n",
    "text",
    "ü",
    "\u{feff}",
];

/// Check that a connector answered a delivery: an outcome or a webhook error, not a trap, a
/// timeout or a broken contract (panics with the error otherwise). True when it took the
/// delivery (an outcome): a target counts these to show its cases get past the signature
/// check to the parsers behind it.
pub fn answered(
    result: Result<
        Result<crate::connector_api::WebhookOutcome, crate::connector_api::WebhookError>,
        crate::PluginError,
    >,
    request: &[u8],
) -> bool {
    match result {
        Ok(outcome) => outcome.is_ok(),
        Err(e) => panic!(
            "the connector did not answer ({e}) the delivery {:?}",
            String::from_utf8_lossy(request)
        ),
    }
}
