//! gzip and DEFLATE decoding (RFC 1952, RFC 1951) for report documents that Amazon
//! compresses (`compressionAlgorithm: GZIP`). No inflate crate is in the workspace's lock
//! file, so this small canonical-Huffman decoder lives here; output is capped so a hostile
//! document cannot exhaust the plugin's memory.

/// Decompress a gzip file (one or more members), checking each member's CRC-32 and size.
/// `limit` caps the output in bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let start = out.len();
        let header = member_header(&data[at..])?;
        let mut reader = Bits::new(&data[at + header..]);
        inflate_into(&mut reader, &mut out, limit)?;
        let end = at + header + reader.byte_position();
        let trailer = data
            .get(end..end + 8)
            .ok_or("the gzip data ends before its CRC-32 and size")?;
        let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        if crc32(&out[start..]) != crc {
            return Err("the gzip data fails its CRC-32 check".into());
        }
        if (out.len() - start) as u32 != size {
            return Err("the gzip data has the wrong uncompressed size".into());
        }
        at = end + 8;
        // Padding after the last member is allowed.
        if data[at..].iter().all(|b| *b == 0) {
            break;
        }
    }
    Ok(out)
}

fn member_header(data: &[u8]) -> Result<usize, String> {
    if data.len() < 10 || data[0] != 0x1f || data[1] != 0x8b {
        return Err("the data is not gzip (no 1f 8b magic)".into());
    }
    if data[2] != 8 {
        return Err(format!(
            "gzip compression method {} is not DEFLATE",
            data[2]
        ));
    }
    let flags = data[3];
    let mut at = 10;
    let short = || "the gzip header is cut short".to_string();
    if flags & 4 != 0 {
        let len = data.get(at..at + 2).ok_or_else(short)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [8u8, 16] {
        if flags & flag != 0 {
            let zero = data
                .get(at..)
                .ok_or_else(short)?
                .iter()
                .position(|b| *b == 0);
            at += zero.ok_or_else(short)? + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    if at > data.len() {
        return Err(short());
    }
    Ok(at)
}

struct Bits<'a> {
    data: &'a [u8],
    at: usize,
    buffer: u64,
    count: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Bits<'a> {
        Bits {
            data,
            at: 0,
            buffer: 0,
            count: 0,
        }
    }

    fn need(&mut self, n: u32) -> Result<(), String> {
        while self.count < n {
            let byte = *self
                .data
                .get(self.at)
                .ok_or("the compressed data ends in the middle of a block")?;
            self.at += 1;
            self.buffer |= u64::from(byte) << self.count;
            self.count += 8;
        }
        Ok(())
    }

    fn bits(&mut self, n: u32) -> Result<u32, String> {
        if n == 0 {
            return Ok(0);
        }
        self.need(n)?;
        let value = (self.buffer & ((1u64 << n) - 1)) as u32;
        self.buffer >>= n;
        self.count -= n;
        Ok(value)
    }

    fn align(&mut self) {
        let drop = self.count % 8;
        self.buffer >>= drop;
        self.count -= drop;
    }

    /// The position just after the last byte consumed (whole bytes still buffered are
    /// given back).
    fn byte_position(&self) -> usize {
        self.at - (self.count / 8) as usize
    }
}

/// A canonical Huffman code: how many codes of each length, and the symbols in code order.
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Huffman, String> {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[usize::from(l)] += 1;
        }
        counts[0] = 0;
        let mut left: i32 = 1;
        for &c in &counts[1..] {
            left = left * 2 - i32::from(c);
            if left < 0 {
                return Err("a Huffman table is over-subscribed".into());
            }
        }
        let mut offsets = [0u16; 16];
        for len in 1..15 {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[usize::from(offsets[usize::from(l)])] = symbol as u16;
                offsets[usize::from(l)] += 1;
            }
        }
        Ok(Huffman { counts, symbols })
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Result<u16, String> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.bits(1)? as i32;
            let count = i32::from(self.counts[len]);
            if code - first < count {
                return self
                    .symbols
                    .get((index + code - first) as usize)
                    .copied()
                    .ok_or_else(|| "a Huffman code is out of range".to_string());
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("the compressed data holds an invalid Huffman code".into())
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const CODE_LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

fn inflate_into(bits: &mut Bits<'_>, out: &mut Vec<u8>, limit: usize) -> Result<(), String> {
    loop {
        let last = bits.bits(1)? == 1;
        match bits.bits(2)? {
            0 => {
                bits.align();
                let len = bits.bits(16)?;
                let nlen = bits.bits(16)?;
                if len != !nlen & 0xffff {
                    return Err("a stored block's length check fails".into());
                }
                for _ in 0..len {
                    out.push(bits.bits(8)? as u8);
                }
                if out.len() > limit {
                    return Err(too_large(limit));
                }
            }
            1 => {
                let mut lengths = [0u8; 288];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..].fill(8);
                let literals = Huffman::new(&lengths)?;
                let distances = Huffman::new(&[5u8; 30])?;
                codes(bits, out, &literals, &distances, limit)?;
            }
            2 => {
                let (literals, distances) = dynamic_tables(bits)?;
                codes(bits, out, &literals, &distances, limit)?;
            }
            _ => return Err("the compressed data has a block of reserved type 3".into()),
        }
        if last {
            return Ok(());
        }
    }
}

fn dynamic_tables(bits: &mut Bits<'_>) -> Result<(Huffman, Huffman), String> {
    let literal_count = bits.bits(5)? as usize + 257;
    let distance_count = bits.bits(5)? as usize + 1;
    let code_count = bits.bits(4)? as usize + 4;
    if literal_count > 286 || distance_count > 30 {
        return Err("a dynamic block declares too many codes".into());
    }
    let mut code_lengths = [0u8; 19];
    for &i in &CODE_LENGTH_ORDER[..code_count] {
        code_lengths[i] = bits.bits(3)? as u8;
    }
    let code_table = Huffman::new(&code_lengths)?;
    let mut lengths = vec![0u8; literal_count + distance_count];
    let mut i = 0;
    while i < lengths.len() {
        let symbol = code_table.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *lengths
                    .get(i.wrapping_sub(1))
                    .filter(|_| i > 0)
                    .ok_or("a repeat code has nothing to repeat")?;
                (previous, 3 + bits.bits(2)? as usize)
            }
            17 => (0, 3 + bits.bits(3)? as usize),
            _ => (0, 11 + bits.bits(7)? as usize),
        };
        if i + repeat > lengths.len() {
            return Err("code lengths overflow the table".into());
        }
        lengths[i..i + repeat].fill(value);
        i += repeat;
    }
    if lengths[256] == 0 {
        return Err("a dynamic block has no end-of-block code".into());
    }
    Ok((
        Huffman::new(&lengths[..literal_count])?,
        Huffman::new(&lengths[literal_count..])?,
    ))
}

fn codes(
    bits: &mut Bits<'_>,
    out: &mut Vec<u8>,
    literals: &Huffman,
    distances: &Huffman,
    limit: usize,
) -> Result<(), String> {
    loop {
        let symbol = literals.decode(bits)?;
        match symbol {
            0..=255 => out.push(symbol as u8),
            256 => return Ok(()),
            _ => {
                let i = usize::from(symbol - 257);
                let length = usize::from(*LENGTH_BASE.get(i).ok_or("invalid length code")?)
                    + bits.bits(u32::from(LENGTH_EXTRA[i]))? as usize;
                let d = usize::from(distances.decode(bits)?);
                let distance = usize::from(*DISTANCE_BASE.get(d).ok_or("invalid distance code")?)
                    + bits.bits(u32::from(DISTANCE_EXTRA[d]))? as usize;
                if distance > out.len() {
                    return Err("a back-reference points before the start of the data".into());
                }
                let from = out.len() - distance;
                for k in 0..length {
                    out.push(out[from + k]);
                }
            }
        }
        if out.len() > limit {
            return Err(too_large(limit));
        }
    }
}

fn too_large(limit: usize) -> String {
    format!("the decompressed document is larger than {limit} bytes")
}

/// CRC-32 (IEEE 802.3, as gzip uses it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, entry) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *entry = c;
    }
    !data.iter().fold(!0u32, |c, b| {
        table[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8)
    })
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
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
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
