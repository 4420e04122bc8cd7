//! Fuzz targets, as property tests: the mail reader (`mime`, and `relay::read` above it) and
//! gzip (`inflate`), fed raw bytes and messages assembled from the pieces that make parsers
//! stumble (boundaries, encoded words, transfer encodings, charsets, HTML). Each must answer
//! without panicking, within its output cap, and with work linear in the input.
//!
//! `cargo test` runs 256 cases a target (a few seconds); `PROPTEST_CASES=n` runs more, as
//! `scripts/fuzz-long` does. A failure prints its shrunk input: pin it as a regression test
//! named after the bug.

use proptest::prelude::*;

use helloword_sdk::connector::mail;

use crate::mime::{self, Mail};
use crate::relay;

/// Pieces of mail that steer a parser into its corners.
const MAIL_PIECES: &[&str] = &[
    "\r\n",
    "\n",
    "\r\n\r\n",
    " ",
    "\t",
    "From: \"Jane - Amazon Marketplace\" <j1x2@marketplace.amazon.de>\r\n",
    "From: =?utf-8?B?SmFuZQ==?= <a@marketplace.amazon.co.jp>\r\n",
    "Subject: ",
    "Subject: =?ISO-2022-JP?B?GyRCJCobKEI=?=\r\n",
    "Content-Type: multipart/mixed; boundary=b\r\n",
    "Content-Type: multipart/alternative; boundary=\"c\"\r\n",
    "Content-Type: text/plain; charset=",
    "Content-Type: text/html; charset=utf-8\r\n",
    "Content-Type: image/png; name*0*=utf-8''a%C3; name*1=b.png\r\n",
    "Content-Disposition: attachment; filename=\"x.pdf\"\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "--b\r\n",
    "--b--\r\n",
    "--c\r\n",
    "--c--",
    "=?",
    "?=",
    "=?utf-8?Q?",
    "=?shift_jis?B?",
    "=?big5?b?p9o=?=",
    "=C3=BC",
    "=\r\n",
    "=",
    "iso-2022-jp",
    "gb18030",
    "euc-kr",
    "x-unknown",
    "\u{1b}$B",
    "\u{1b}(B",
    "<style>",
    "</style>",
    "<script>",
    "<head>",
    "</",
    "<br>",
    "<p>",
    "&",
    "&#x1F4E6;",
    "&amp;",
    ";",
    "------------- Begin message -------------\r\n",
    "------------- End message -------------\r\n",
    "Order: 123-1234567-1234567",
    "ü",
    "返品",
    "\u{0}",
    "\u{ff}",
    "SGVsbG8=",
];

/// A message assembled from [`MAIL_PIECES`] and random bytes.
fn assembled_mail() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::sample::select(MAIL_PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..16),
    ];
    prop::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
}

/// Read `raw` as the connector does, and the work its scanners did.
fn read_all(raw: &[u8]) -> u64 {
    mime::reset_work();
    if let Ok(mail) = Mail::parse(raw) {
        let _ = mail.body_text();
        let _ = mail.decoded_header("subject");
        let _ = mail.decoded_header("from");
    }
    let message = mail::Message {
        uid: 1,
        size: raw.len() as u64,
        raw: raw.to_vec(),
    };
    let settings = crate::settings::test_support::settings(&[
        ("mailbox_host", "imap.example.com"),
        ("mailbox_username", "seller@example.com"),
    ])
    .expect("valid settings");
    let _ = relay::read(&message, 1, &settings, 1 << 20);
    mime::work_done()
}

/// Work the scanners may do on `len` bytes: a few steps a byte. The reader decodes a
/// message twice here (`Mail::parse` and again in `relay::read`).
fn linear(len: usize) -> u64 {
    64 * (len as u64 + 64)
}

proptest! {
    #![proptest_config(helloword_testkit::fuzz::config(256))]

    #[test]
    fn fuzz_mime_raw_bytes(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let work = read_all(&raw);
        prop_assert!(work <= linear(raw.len()), "{work} steps for {} bytes", raw.len());
    }

    #[test]
    fn fuzz_mime_assembled_messages(raw in assembled_mail()) {
        let work = read_all(&raw);
        prop_assert!(work <= linear(raw.len()), "{work} steps for {} bytes", raw.len());
    }

    #[test]
    fn fuzz_encoded_words(text in prop::collection::vec(
        prop::sample::select(&["=?", "?=", "?", "utf-8", "B", "Q", "q", "=C3", "=", " ", "a", "ü", "*de", "SGk="][..]),
        0..200,
    )) {
        let text = text.concat();
        mime::reset_work();
        let decoded = mime::decode_words(&text);
        prop_assert!(mime::work_done() <= linear(text.len()));
        if !text.contains("=?") {
            prop_assert_eq!(decoded, text);
        }
    }

    #[test]
    fn fuzz_gzip_raw_bytes(tail in prop::collection::vec(any::<u8>(), 0..1024)) {
        let data = [&[0x1f, 0x8b][..], &tail].concat();
        if let Ok(out) = crate::inflate::gunzip(&data, 4096) {
            prop_assert!(out.len() <= 4096);
        }
    }

    #[test]
    fn fuzz_gzip_damaged_members(
        plain in prop::collection::vec(any::<u8>(), 0..4096),
        level in 0u32..=9,
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..4),
        members in 1usize..=3,
    ) {
        use std::io::Write as _;
        let mut data = Vec::new();
        for _ in 0..members {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            encoder.write_all(&plain).unwrap();
            data.extend(encoder.finish().unwrap());
        }
        let whole = plain.repeat(members);
        let inflated = crate::inflate::gunzip(&data, whole.len());
        prop_assert_eq!(inflated.as_ref(), Ok(&whole));
        if !whole.is_empty() {
            prop_assert!(crate::inflate::gunzip(&data, whole.len() - 1).is_err());
        }
        for (at, xor) in flips {
            let i = at.index(data.len());
            data[i] ^= xor;
        }
        if let Ok(out) = crate::inflate::gunzip(&data, whole.len()) {
            prop_assert!(out.len() <= whole.len());
        }
    }
}
