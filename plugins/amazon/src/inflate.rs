//! gzip (RFC 1952) for report documents that Amazon compresses (`compressionAlgorithm:
//! GZIP`), through `flate2` on its pure-Rust backend (miniz_oxide). It replaced a
//! hand-written inflate: on a 22 MB returns report, 220 MB/s against 83 MB/s (release
//! builds, the same machine; the numbers are in plugins/amazon/README.md). Output is capped
//! so a hostile document (a "zip bomb") cannot exhaust the plugin's memory: decoding stops one
//! byte past the cap.

use std::io::Read as _;

/// Decompress a gzip file (one or more members, zero padding after the last allowed),
/// checking each member's CRC-32 and size. `limit` caps the output in bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    if !data.starts_with(&[0x1f, 0x8b]) {
        return Err("the data is not gzip (no 1f 8b magic)".into());
    }
    let mut out = Vec::new();
    let mut rest = data;
    loop {
        // The bufread decoder takes exactly one member from `rest` and leaves the remainder.
        let mut member = flate2::bufread::GzDecoder::new(rest);
        let room = (limit + 1).saturating_sub(out.len()) as u64;
        (&mut member)
            .take(room)
            .read_to_end(&mut out)
            .map_err(|e| format!("the gzip data is damaged: {e}"))?;
        if out.len() > limit {
            return Err(too_large(limit));
        }
        rest = member.into_inner();
        if rest.iter().all(|b| *b == 0) {
            return Ok(out);
        }
    }
}

fn too_large(limit: usize) -> String {
    format!("the decompressed document is larger than {limit} bytes")
}

#[cfg(test)]
mod tests {
    //! The `.gz` fixtures were written by Python's `gzip` module (levels 9 and 0), so they
    //! use dynamic-Huffman, fixed-Huffman and stored blocks as a real encoder does.

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/reports/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn gzip_documents_inflate_to_their_text() {
        let plain = fixture("returns.tsv");
        assert_eq!(gunzip(&fixture("returns.tsv.gz"), 1 << 20).unwrap(), plain);
        assert_eq!(
            gunzip(&fixture("returns.stored.tsv.gz"), 1 << 20).unwrap(),
            plain
        );
        assert_eq!(
            gunzip(&fixture("short.txt.gz"), 1 << 20).unwrap(),
            b"hello hello hello\n"
        );
    }

    #[test]
    fn damaged_or_oversized_data_is_refused() {
        let mut data = fixture("returns.tsv.gz");
        let n = data.len();
        data[n - 9] ^= 0xff;
        assert!(gunzip(&data, 1 << 20).is_err());
        assert!(
            gunzip(b"plain text", 1 << 20)
                .unwrap_err()
                .contains("not gzip")
        );
        assert!(
            gunzip(&fixture("returns.tsv.gz"), 100)
                .unwrap_err()
                .contains("larger")
        );
    }
}
