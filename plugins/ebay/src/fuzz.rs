//! Fuzz targets, as property tests: the XML reader of Platform Notifications (SOAP), fed
//! raw text and documents assembled from the pieces that make XML parsers stumble (nesting,
//! CDATA, comments, entities, attributes, declarations). It must answer (a tree or an error)
//! without panicking, and the tree it builds holds no more text than the document.
//!
//! `cargo test` runs 256 cases a target; `PROPTEST_CASES=n` runs more (`scripts/fuzz-long`).
//! A failure prints its shrunk input: pin it as a regression test named after the bug.

use proptest::prelude::*;

use crate::platform::xml::{self, Element};

fn assembled_xml() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(helloword_testkit::fuzz::XML_PIECES).prop_map(str::to_string),
        1 => any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    prop::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
}

/// Every byte of text the tree holds (names, attributes, text).
fn tree_bytes(element: &Element) -> usize {
    element.name.len()
        + element.text.len()
        + element
            .attrs
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + element.children.iter().map(tree_bytes).sum::<usize>()
}

proptest! {
    #![proptest_config(helloword_testkit::fuzz::config(256))]

    #[test]
    fn fuzz_xml_raw_text(text in any::<String>()) {
        let _ = xml::parse(&text);
    }

    #[test]
    fn fuzz_xml_assembled_documents(text in assembled_xml()) {
        if let Ok(root) = xml::parse(&text) {
            // Decoding only shortens text: the tree holds no more than the document.
            prop_assert!(tree_bytes(&root) <= text.len());
            let mut all = Vec::new();
            root.find_all("a", &mut all);
            let _ = root.text_of("Timestamp");
        }
    }
}
