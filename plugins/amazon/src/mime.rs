//! A small reader of Internet messages (RFC 5322) and their MIME structure (RFC 2045–2047,
//! RFC 2231): header folding, encoded words in headers, parameters with quoted and continued
//! values, nested multiparts, quoted-printable and base64 bodies, and every charset buyers and
//! marketplaces write in (through `encoding_rs`: UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP,
//! GBK/GB18030, Big5, EUC-KR, windows-125x, ISO-8859-x …; see [`decode_charset`]).
//!
//! It faces anyone who can mail the seller. It is forgiving: a malformed header is skipped,
//! a bad encoding keeps its bytes as they are, a missing closing boundary ends the part at
//! the end of the message. It is linear in the message's size: no search starts again from
//! where an earlier one began (the `mime_work` tests count the work on growing hostile
//! inputs). A message beyond its bounds — more than [`MAX_PARTS`] parts, multiparts nested
//! deeper than [`MAX_DEPTH`] — is [`Unreadable`], and the connector sets it aside as a
//! dead-letter ticket instead of guessing at it. Only what the connector needs comes out:
//! the headers, the first plain-text and HTML bodies, and the attached files.

/// How deep multiparts are descended.
pub const MAX_DEPTH: usize = 8;
/// How many parts one message may have.
pub const MAX_PARTS: usize = 200;

/// Why a message cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// It has more than [`MAX_PARTS`] parts.
    TooManyParts,
    /// Its multiparts nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Reading it stopped the connector: the poll that read it died (see `mailbox`).
    StoppedTheReader,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::TooManyParts => write!(f, "it has more than {MAX_PARTS} MIME parts"),
            Unreadable::TooDeep => {
                write!(f, "its MIME multiparts nest deeper than {MAX_DEPTH} levels")
            }
            Unreadable::StoppedTheReader => write!(
                f,
                "reading it stopped the connector's poll (a crash or a time-out); it was set \
                 aside unread"
            ),
        }
    }
}

/// A file carried by a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name (from `Content-Disposition: filename`, else `Content-Type: name`, else
    /// made up from the part's number and type), without directories.
    pub name: String,
    /// Its MIME type in lower case, without parameters (`image/jpeg`).
    pub content_type: String,
    /// Its decoded bytes.
    pub data: Vec<u8>,
}

/// What the connector reads from one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mail {
    /// The top-level headers in order: name as written, value unfolded but not decoded.
    pub headers: Vec<(String, String)>,
    /// The first plain-text body that is not an attachment, decoded to text.
    pub text: Option<String>,
    /// The first HTML body that is not an attachment, decoded to text (still HTML).
    pub html: Option<String>,
    /// Attached files, in order.
    pub attachments: Vec<Attachment>,
}

impl Mail {
    /// Read `raw`, a whole message as stored (CRLF or LF line ends).
    pub fn parse(raw: &[u8]) -> Result<Mail, Unreadable> {
        let (head, body) = split_head(raw);
        let headers = parse_headers(head);
        let mut mail = Mail {
            headers: headers.clone(),
            ..Mail::default()
        };
        let mut reader = Reader {
            mail: &mut mail,
            parts: 0,
            unreadable: None,
        };
        reader.entity(&headers, body, 0);
        match reader.unreadable {
            Some(why) => Err(why),
            None => Ok(mail),
        }
    }

    /// Only the top-level headers of `raw` (for a message that cannot be read whole).
    pub fn headers_only(raw: &[u8]) -> Mail {
        Mail {
            headers: parse_headers(split_head(raw).0),
            ..Mail::default()
        }
    }

    /// The first header called `name` (case-insensitive), unfolded but not decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The first header called `name` with its encoded words decoded, trimmed.
    pub fn decoded_header(&self, name: &str) -> Option<String> {
        self.header(name)
            .map(|v| decode_words(v).trim().to_string())
    }

    /// The plain text of the message: the plain-text body, else the HTML body as text.
    pub fn body_text(&self) -> Option<String> {
        self.text
            .clone()
            .or_else(|| self.html.as_deref().map(html_to_text))
    }
}

/// The first of `headers` called `name` (case-insensitive).
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Walks a message's entities and collects bodies and files into `mail`.
struct Reader<'a> {
    mail: &'a mut Mail,
    parts: usize,
    /// Set once the message went beyond a bound; the walk stops there.
    unreadable: Option<Unreadable>,
}

impl Reader<'_> {
    fn entity(&mut self, headers: &[(String, String)], body: &[u8], depth: usize) {
        if self.unreadable.is_some() {
            return;
        }
        self.parts += 1;
        if self.parts > MAX_PARTS {
            self.unreadable = Some(Unreadable::TooManyParts);
            return;
        }
        let content_type = header(headers, "content-type")
            .map(ContentValue::parse)
            .unwrap_or_else(|| ContentValue::parse("text/plain; charset=us-ascii"));
        if content_type.value.starts_with("multipart/") {
            if let Some(boundary) = content_type.param("boundary") {
                if depth >= MAX_DEPTH {
                    self.unreadable = Some(Unreadable::TooDeep);
                    return;
                }
                for part in split_multipart(body, &boundary) {
                    if self.unreadable.is_some() {
                        return;
                    }
                    let (head, part_body) = split_head(part);
                    self.entity(&parse_headers(head), part_body, depth + 1);
                }
            }
            return;
        }
        let encoding = header(headers, "content-transfer-encoding")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let data = decode_transfer(body, &encoding);
        let disposition = header(headers, "content-disposition").map(ContentValue::parse);
        let file_name = disposition
            .as_ref()
            .and_then(|d| d.param("filename"))
            .or_else(|| content_type.param("name"))
            .map(|n| clean_file_name(&n))
            .filter(|n| !n.is_empty());
        let attached = disposition
            .as_ref()
            .is_some_and(|d| d.value == "attachment");
        let charset = content_type.param("charset").unwrap_or_default();
        match content_type.value.as_str() {
            "text/plain" if !attached && file_name.is_none() => {
                if self.mail.text.is_none() {
                    self.mail.text = Some(decode_charset(&data, &charset));
                }
            }
            "text/html" if !attached && file_name.is_none() => {
                if self.mail.html.is_none() {
                    self.mail.html = Some(decode_charset(&data, &charset));
                }
            }
            kind if kind.starts_with("text/") && !attached && file_name.is_none() => {}
            kind => {
                let number = self.mail.attachments.len() + 1;
                let name = file_name.unwrap_or_else(|| made_up_name(number, kind));
                self.mail.attachments.push(Attachment {
                    name,
                    content_type: kind.to_string(),
                    data,
                });
            }
        }
    }
}

/// A name for a file that came without one: `attachment-<n>.<extension of its type>`.
fn made_up_name(number: usize, content_type: &str) -> String {
    let extension = match content_type {
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "video/mp4" => "mp4",
        _ => "bin",
    };
    format!("attachment-{number}.{extension}")
}

/// A file name without directories, control characters or surrounding blanks, at most 200
/// characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string()
}

/// Split a message or part at the blank line after its headers: (headers, body).
fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    if raw.starts_with(b"\r\n") {
        return (&[], &raw[2..]);
    }
    if raw.starts_with(b"\n") {
        return (&[], &raw[1..]);
    }
    let crlf = find(raw, b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = find(raw, b"\n\n").map(|i| (i, i + 2));
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    match end {
        Some((head_end, body_start)) => (&raw[..head_end], &raw[body_start..]),
        None => (raw, &[]),
    }
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Header text: UTF-8 when it is (RFC 6532), else ISO-8859-1 (8-bit headers of old mailers).
fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => decode_charset(bytes, "iso-8859-1"),
    }
}

/// Unfold and split header lines into (name, value). Lines that are no header are skipped.
fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let text = header_text(head);
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && !name.contains(' ') {
                headers.push((name.to_string(), value.trim_start().to_string()));
            }
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim_end().to_string();
    }
    headers
}

/// The parts of a multipart body: the text between `--boundary` lines, up to the closing
/// `--boundary--` (or the end). The line break before a delimiter belongs to the delimiter.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut line_start = 0;
    while line_start < body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| line_start + i);
        let line = trim_end_bytes(&body[line_start..line_end]);
        let next = (line_end + 1).min(body.len());
        if let Some(rest) = line.strip_prefix(delimiter.as_bytes()) {
            let closing = rest == b"--";
            if rest.is_empty() || closing {
                if let Some(s) = start {
                    parts.push(without_final_break(&body[s..line_start.max(s)]));
                }
                if closing {
                    return parts;
                }
                start = Some(next);
            }
        }
        line_start = line_end + 1;
    }
    if let Some(s) = start
        && s < body.len()
    {
        parts.push(&body[s..]);
    }
    parts
}

fn trim_end_bytes(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    &line[..end]
}

fn without_final_break(part: &[u8]) -> &[u8] {
    let part = part.strip_suffix(b"\n").unwrap_or(part);
    part.strip_suffix(b"\r").unwrap_or(part)
}

/// A header value with parameters: `type/subtype; name="value"; …` or `attachment; …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentValue {
    /// The value before the first `;`, lower case, trimmed.
    pub value: String,
    /// Parameters: lower-case names, values unquoted, RFC 2231 pieces joined and decoded,
    /// encoded words decoded.
    pub params: Vec<(String, String)>,
}

impl ContentValue {
    /// Read a `Content-Type` or `Content-Disposition` value.
    pub fn parse(text: &str) -> ContentValue {
        let mut pieces = split_params(text).into_iter();
        let value = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let raw: Vec<(String, String)> = pieces
            .filter_map(|p| {
                let (name, value) = p.split_once('=')?;
                Some((name.trim().to_ascii_lowercase(), unquote(value.trim())))
            })
            .collect();
        ContentValue {
            value,
            params: join_params(raw),
        }
    }

    /// The parameter called `name` (lower case).
    pub fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Split at `;` outside quoted strings.
fn split_params(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ';' && !quoted {
            pieces.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
}

/// A quoted string's content (`"a \"b\""` → `a "b"`); other text as it is.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .map(|v| v.strip_suffix('"').unwrap_or(v))
    else {
        return value.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Join RFC 2231 pieces (`name*0`, `name*1*`, `name*`) into one value per name, decoded;
/// plain values get their encoded words decoded (mailers put them in file names too).
fn join_params(raw: Vec<(String, String)>) -> Vec<(String, String)> {
    // (name, index, extended, value)
    let mut pieces: Vec<(String, u32, bool, String)> = Vec::new();
    let mut plain: Vec<(String, String)> = Vec::new();
    for (key, value) in raw {
        let Some((name, rest)) = key.split_once('*') else {
            plain.push((key, decode_words(&value)));
            continue;
        };
        let extended = rest.ends_with('*') || rest.is_empty();
        let index = rest.trim_end_matches('*').parse::<u32>().unwrap_or(0);
        pieces.push((name.to_string(), index, extended, value));
    }
    pieces.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut joined: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let name = pieces[i].0.clone();
        let mut charset = String::new();
        let mut bytes = Vec::new();
        while i < pieces.len() && pieces[i].0 == name {
            let (_, index, extended, value) = &pieces[i];
            if *extended {
                let mut value = value.as_str();
                if *index == 0
                    && let Some((cs, rest)) = value.split_once('\'')
                    && let Some((_, encoded)) = rest.split_once('\'')
                {
                    charset = cs.to_string();
                    value = encoded;
                }
                bytes.extend(percent_decode(value));
            } else {
                bytes.extend_from_slice(value.as_bytes());
            }
            i += 1;
        }
        joined.push((name, decode_charset(&bytes, &charset)));
    }
    // A plain value wins over a piece of the same name only when there are no pieces.
    for (name, value) in plain {
        if !joined.iter().any(|(k, _)| *k == name) {
            joined.push((name, value));
        }
    }
    joined
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = hex_pair(bytes.get(i + 1..i + 3))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex_pair(pair: Option<&[u8]>) -> Option<u8> {
    let pair = pair?;
    let high = (pair[0] as char).to_digit(16)?;
    let low = (pair[1] as char).to_digit(16)?;
    u8::try_from(high * 16 + low).ok()
}

/// Decode a body by its `Content-Transfer-Encoding` (`7bit`, `8bit` and `binary` as is).
pub fn decode_transfer(body: &[u8], encoding: &str) -> Vec<u8> {
    match encoding {
        "base64" => decode_base64(body),
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_vec(),
    }
}

/// Base64 that skips line breaks and anything outside the alphabet, and stops at `=`.
pub fn decode_base64(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &c in text {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable: `=XX` bytes, `=` at a line end joins lines, trailing blanks dropped,
/// hard line breaks kept as CRLF. A malformed `=` stays as it is.
pub fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut lines = body.split(|b| *b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = trim_end_bytes(line);
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            if line[i] == b'='
                && let Some(b) = hex_pair(line.get(i + 1..i + 3))
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(line[i]);
            i += 1;
        }
        if !soft && lines.peek().is_some() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Text of `bytes` in `charset` (a MIME charset name, any case), decoded by `encoding_rs`:
/// every WHATWG label (UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP, GBK and GB18030, Big5,
/// EUC-KR, windows-125x, ISO-8859-x, KOI8 …) and the Windows code page names mailers also
/// write (`cp932`, `cp936`, `cp949`, `cp950`, `cp125x`) and Python's codec names (`big5_tw`). As in browsers, ISO-8859-1 and
/// US-ASCII are read as windows-1252 (mailers label one as the other). Unknown charsets
/// are read as UTF-8; bytes that are not text in the charset become U+FFFD.
pub fn decode_charset(bytes: &[u8], charset: &str) -> String {
    // A byte-order mark, where there is one, says more than the label.
    let (text, _, _) = encoding(charset).decode(bytes);
    text.into_owned()
}

/// The encoding a MIME charset name stands for (UTF-8 when unknown).
fn encoding(charset: &str) -> &'static encoding_rs::Encoding {
    let label = charset.trim().trim_matches('"').trim();
    if let Some(found) = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()) {
        return found;
    }
    // Python's codec names (`euc_jp`, `big5_tw`) use `_` where WHATWG labels have `-`.
    let lower = label.to_ascii_lowercase().replace('_', "-");
    if let Some(found) = encoding_rs::Encoding::for_label_no_replacement(lower.as_bytes()) {
        return found;
    }
    match lower.as_str() {
        "big5-tw" | "csbig5-tw" => encoding_rs::BIG5,
        "cp932" | "ms932" | "windows-932" | "x-ms-cp932" => encoding_rs::SHIFT_JIS,
        "cp936" | "ms936" | "windows-936" => encoding_rs::GBK,
        "cp949" | "ms949" | "ks-c-5601" | "uhc" => encoding_rs::EUC_KR,
        "cp950" | "ms950" | "windows-950" => encoding_rs::BIG5,
        // ISO-2022-JP's extensions add character sets rarely used in mail: read the base.
        "iso-2022-jp-1" | "iso-2022-jp-2" | "iso-2022-jp-3" | "iso-2022-jp-ms" => {
            encoding_rs::ISO_2022_JP
        }
        _ => match lower.strip_prefix("cp").and_then(|n| n.parse::<u16>().ok()) {
            Some(n @ 1250..=1258) => {
                encoding_rs::Encoding::for_label(format!("windows-{n}").as_bytes())
                    .unwrap_or(encoding_rs::UTF_8)
            }
            _ => encoding_rs::UTF_8,
        },
    }
}

/// Decode RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`) in a header
/// value. Blanks between two encoded words disappear; adjacent words of one charset are
/// joined before decoding (mailers split multi-byte characters across words). A malformed
/// word stays as written.
///
/// Linear in the value's length, whatever it holds: the searches for a word's `?` and
/// `?=` go forward only ([`Ahead`]), so a value of many unterminated `=?` is read once.
pub fn decode_words(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut ahead = WordSearch::new(bytes);
    let mut starts = Ahead::new(bytes, |b| b.starts_with(b"=?"));
    let mut at = 0;
    loop {
        let start = starts.from(at);
        if start >= bytes.len() {
            flush(&mut out, &mut pending);
            out.push_str(&value[at..]);
            return out;
        }
        let before = &value[at..start];
        match ahead.word_at(start) {
            Some(word) => {
                let charset = &value[word.charset.clone()];
                let encoded = &value[word.encoded.clone()];
                // RFC 2231 adds a language to the charset: `utf-8*de`.
                let charset = charset.split('*').next().unwrap_or_default().to_string();
                let decoded = match word.encoding {
                    b'B' | b'b' => decode_base64(encoded.as_bytes()),
                    _ => decode_q(encoded),
                };
                // Blanks between two encoded words are not text. Words of one charset are
                // joined, except in ISO-2022-JP: each of its words ends in ASCII (RFC 1468),
                // and a switch back to kanji right after is an error to its decoder.
                let joined = pending.is_some() && before.chars().all(char::is_whitespace);
                let stateful = encoding(&charset) == encoding_rs::ISO_2022_JP;
                match &mut pending {
                    Some((cs, buffer))
                        if joined && !stateful && cs.eq_ignore_ascii_case(&charset) =>
                    {
                        buffer.extend(decoded);
                    }
                    _ => {
                        flush(&mut out, &mut pending);
                        if !joined {
                            out.push_str(before);
                        }
                        pending = Some((charset, decoded));
                    }
                }
                at = word.end;
            }
            None => {
                flush(&mut out, &mut pending);
                out.push_str(before);
                out.push_str("=?");
                at = start + 2;
            }
        }
    }
}

fn flush(out: &mut String, pending: &mut Option<(String, Vec<u8>)>) {
    if let Some((charset, bytes)) = pending.take() {
        out.push_str(&decode_charset(&bytes, &charset));
    }
}

// Counts the bytes the scanners look at, in tests (see `tests::mime_work_*`): work must
// grow with the input's length, not its square.
#[cfg(test)]
thread_local! {
    static WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Start counting the scanners' work afresh (tests).
#[cfg(test)]
pub(crate) fn reset_work() {
    WORK.with(|w| w.set(0));
}

/// The scanners' work since [`reset_work`] (tests).
#[cfg(test)]
pub(crate) fn work_done() -> u64 {
    WORK.with(std::cell::Cell::get)
}

/// Note `bytes` looked at (tests only; nothing in a build).
#[inline]
fn work(bytes: usize) {
    #[cfg(test)]
    WORK.with(|w| w.set(w.get() + bytes as u64));
    let _ = bytes;
}

/// Where the next byte matching a test is, for positions asked in increasing order: the
/// search resumes where the last one stopped, so every byte is tested at most once.
struct Ahead<'a> {
    bytes: &'a [u8],
    at: usize,
    matches: fn(&[u8]) -> bool,
}

impl<'a> Ahead<'a> {
    fn new(bytes: &'a [u8], matches: fn(&[u8]) -> bool) -> Ahead<'a> {
        Ahead {
            bytes,
            at: 0,
            matches,
        }
    }

    /// The first matching position at or after `from` (the length when there is none).
    /// `from` must not be below an earlier call's.
    fn from(&mut self, from: usize) -> usize {
        self.at = self.at.max(from);
        while self.at < self.bytes.len() && !(self.matches)(&self.bytes[self.at..]) {
            self.at += 1;
            work(1);
        }
        self.at
    }
}

/// One encoded word's pieces, as ranges of the header value.
struct Word {
    charset: std::ops::Range<usize>,
    encoding: u8,
    encoded: std::ops::Range<usize>,
    /// Just past its closing `?=`.
    end: usize,
}

/// Finds encoded words at increasing positions of one header value, each piece's search
/// going forward only.
struct WordSearch<'a> {
    len: usize,
    charset_end: Ahead<'a>,
    encoding_end: Ahead<'a>,
    word_end: Ahead<'a>,
    charset_blank: Ahead<'a>,
    encoded_blank: Ahead<'a>,
}

impl<'a> WordSearch<'a> {
    fn new(bytes: &'a [u8]) -> WordSearch<'a> {
        let question = |b: &[u8]| b[0] == b'?';
        let blank = |b: &[u8]| matches!(b[0], b' ' | b'\t' | b'\r' | b'\n');
        WordSearch {
            len: bytes.len(),
            charset_end: Ahead::new(bytes, question),
            encoding_end: Ahead::new(bytes, question),
            word_end: Ahead::new(bytes, |b| b.starts_with(b"?=")),
            charset_blank: Ahead::new(bytes, blank),
            encoded_blank: Ahead::new(bytes, blank),
        }
    }

    /// The encoded word `=?charset?encoding?encoded?=` that starts at `start` (where the
    /// value has `=?`), if well-formed. `start` must increase from call to call.
    fn word_at(&mut self, start: usize) -> Option<Word> {
        let charset_start = start + 2;
        let charset_end = self.charset_end.from(charset_start);
        if charset_end >= self.len
            || charset_end == charset_start
            || self.charset_blank.from(charset_start) < charset_end
        {
            return None;
        }
        let encoding_end = self.encoding_end.from(charset_end + 1);
        if encoding_end != charset_end + 2 {
            return None;
        }
        let encoding = *self.charset_end.bytes.get(charset_end + 1)?;
        if !matches!(encoding, b'B' | b'b' | b'Q' | b'q') {
            return None;
        }
        let encoded_start = encoding_end + 1;
        let encoded_end = self.word_end.from(encoded_start);
        if encoded_end >= self.len || self.encoded_blank.from(encoded_start) < encoded_end {
            return None;
        }
        Some(Word {
            charset: charset_start..charset_end,
            encoding,
            encoded: encoded_start..encoded_end,
            end: encoded_end + 2,
        })
    }
}

/// The `Q` encoding: `_` is a space, `=XX` a byte.
fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let Some(b) = hex_pair(bytes.get(i + 1..i + 3)) {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Plain text of an HTML body: no `<head>`, `<style>` or `<script>`, line breaks for `<br>`
/// and block ends, entities decoded, blanks collapsed, at most one empty line in a row.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        work(open + 1);
        out.push_str(&decode_entities(&rest[..open]));
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            work(after.len());
            rest = "";
            break;
        };
        work(close + 1);
        let tag = after[..close].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[close + 1..];
        if !tag.starts_with('/') && matches!(name.as_str(), "head" | "style" | "script") {
            rest = match find_closing_tag(rest, &name) {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
            continue;
        }
        let block = matches!(
            name.as_str(),
            "p" | "div" | "tr" | "li" | "table" | "blockquote" | "pre" | "h1" | "h2" | "h3" | "h4"
        );
        if name == "br" || (block && !out.is_empty() && !out.ends_with('\n')) {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    tidy_lines(&out)
}

/// Where `</name` (any case) first appears in `html`. Nothing is copied: a message of many
/// `<style>` elements costs one pass over each element, not one over the rest of the message.
fn find_closing_tag(html: &str, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let name = name.as_bytes();
    let mut from = 0;
    while let Some(i) = html[from..].find("</") {
        work(i + 2 + name.len());
        let at = from + i;
        let candidate = bytes.get(at + 2..at + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name)) {
            return Some(at);
        }
        from = at + 2;
    }
    work(html.len() - from);
    None
}

/// Collapse blanks within lines, drop blank lines at both ends and runs of more than one.
fn tidy_lines(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// Decode HTML character references: numeric ones and the common named ones.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        work(amp + 1 + 11);
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // A reference is short: look for its `;` in the next few bytes only, so text of
        // many `&` without one is read once.
        let end = after.bytes().take(11).position(|b| b == b';');
        match end.and_then(|e| entity(&after[..e]).map(|c| (c, e))) {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "iquest" => '¿',
        "iexcl" => '¡',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "agrave" => 'à',
        "aacute" => 'á',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "iacute" => 'í',
        "uacute" => 'ú',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_headers_are_unfolded_and_encoded_words_decoded() {
        let mail = Mail::parse(
            b"Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n =?UTF-8?Q?_aus_M=C3=BCnchen?= und\r\n\tmehr\r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(
            mail.decoded_header("subject").as_deref(),
            Some("Grüße aus München und\tmehr")
        );
        assert_eq!(mail.text.as_deref(), Some("body"));
    }

    #[test]
    fn encoded_words_join_split_characters_and_keep_malformed_ones() {
        // "ü" (C3 BC) split across two base64 words.
        assert_eq!(decode_words("=?utf-8?B?w4==?= =?utf-8?B?vA==?="), "ü");
        assert_eq!(decode_words("=?utf-8?Q?=C3?= =?utf-8?Q?=BC?="), "ü");
        assert_eq!(decode_words("a =?iso-8859-1?q?caf=E9?= b"), "a café b");
        assert_eq!(decode_words("=?x?Z?abc?= =?broken"), "=?x?Z?abc?= =?broken");
        assert_eq!(
            decode_words("=?windows-1252?Q?=80_5?= =?utf-8?B?4oKs?="),
            "€ 5€"
        );
    }

    #[test]
    fn parameters_are_unquoted_continued_and_decoded() {
        let ct = ContentValue::parse("Multipart/Mixed; boundary=\"a;b \\\"c\\\"\"; charset=UTF-8");
        assert_eq!(ct.value, "multipart/mixed");
        assert_eq!(ct.param("boundary").as_deref(), Some("a;b \"c\""));
        let cd = ContentValue::parse(
            "attachment; filename*0*=utf-8''Rechnung%20M%C3%BC; filename*1=\"ller.pdf\"",
        );
        assert_eq!(cd.value, "attachment");
        assert_eq!(cd.param("filename").as_deref(), Some("Rechnung Müller.pdf"));
        let cd = ContentValue::parse("inline; filename=\"=?UTF-8?Q?Sch=C3=A4den.jpg?=\"");
        assert_eq!(cd.param("filename").as_deref(), Some("Schäden.jpg"));
    }

    #[test]
    fn transfer_encodings_are_decoded_leniently() {
        assert_eq!(decode_base64(b"SGVs\r\nbG8=\r\n"), b"Hello");
        assert_eq!(decode_base64(b"SGVsbG8"), b"Hello");
        assert_eq!(
            decode_quoted_printable(b"Gr=C3=BC=\r\n=C3=9Fe  \r\nzwei =ZZ ="),
            "Grüße\r\nzwei =ZZ ".as_bytes()
        );
    }

    #[test]
    fn charsets_are_read() {
        assert_eq!(decode_charset(b"caf\xe9 \x80", "ISO-8859-1"), "café €");
        assert_eq!(decode_charset(b"\xa4", "iso-8859-15"), "€");
        assert_eq!(decode_charset(b"\xff", "unknown"), "\u{FFFD}");
        assert_eq!(decode_charset("ü".as_bytes(), "\"utf-8\""), "ü");
    }

    #[test]
    fn multiparts_give_the_text_the_html_and_the_files() {
        let raw = b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n\
preamble\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=inner\r\n\r\n\
--inner\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\n\
Gr=C3=BC=C3=9Fe\r\n\
--inner\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<p>Gr&uuml;&szlig;e</p>\r\n\
--inner--\r\n\
--outer\r\n\
Content-Type: image/jpeg\r\n\
Content-Disposition: attachment; filename=\"C:\\\\fotos\\\\bild.jpg\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n\
/9j/4A==\r\n\
--outer\r\n\
Content-Type: application/pdf\r\n\r\n\
%PDF\r\n\
--outer--\r\nepilogue";
        let mail = Mail::parse(raw).unwrap();
        assert_eq!(mail.text.as_deref(), Some("Grüße"));
        assert_eq!(mail.html.as_deref(), Some("<p>Gr&uuml;&szlig;e</p>"));
        assert_eq!(mail.attachments.len(), 2);
        assert_eq!(mail.attachments[0].name, "bild.jpg");
        assert_eq!(mail.attachments[0].content_type, "image/jpeg");
        assert_eq!(mail.attachments[0].data, [0xFF, 0xD8, 0xFF, 0xE0]);
        assert_eq!(mail.attachments[1].name, "attachment-2.pdf");
        assert_eq!(mail.attachments[1].data, b"%PDF");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<html><head><title>x</title><style>p{}</style></head><body>\
                 <p>Hallo&nbsp;Welt</p><div>a <b>b</b><br>c &amp; &#252;&#xFC; &bogus;</div>\
                 <script>alert(1)</script></body></html>"
            ),
            "Hallo Welt\na b\nc & üü &bogus;"
        );
    }

    #[test]
    fn malformed_messages_never_panic() {
        for raw in [
            &b""[..],
            b"\r\n",
            b"no header at all",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
            b"Content-Type: multipart/mixed\r\n\r\n--x--",
            b"Content-Transfer-Encoding: base64\r\n\r\n====",
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=",
            b"Subject: =?utf-8?B?\r\n\r\n",
            b"Content-Type: text/plain; filename*0*=''%; name*=x\r\n\r\n\xff\xfe",
        ] {
            let _ = Mail::parse(raw);
        }
        let mut deep = Vec::new();
        for i in 0..50 {
            deep.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
        }
        assert_eq!(Mail::parse(&deep), Err(Unreadable::TooDeep));
    }

    #[test]
    fn messages_beyond_the_bounds_are_unreadable_not_guessed_at() {
        let mut many = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
        for _ in 0..MAX_PARTS {
            many.extend_from_slice(b"--x\r\n\r\npart\r\n");
        }
        many.extend_from_slice(b"--x--\r\n");
        // The multipart itself is a part: MAX_PARTS inside it is one too many.
        assert_eq!(Mail::parse(&many), Err(Unreadable::TooManyParts));
        let mut nested = Vec::new();
        for i in 0..MAX_DEPTH {
            nested.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
        }
        nested.extend_from_slice(b"Content-Type: text/plain\r\n\r\ndeep enough");
        assert_eq!(
            Mail::parse(&nested).unwrap().text.as_deref(),
            Some("deep enough")
        );
    }

    /// (fixture written by Python's `email` package, the text it encodes)
    const CHARSET_FIXTURES: &[(&[u8], &str)] = &[
        (
            include_bytes!("../tests/data/charsets/iso-2022-jp.eml"),
            "お問い合わせありがとうございます。荷物が届きません。",
        ),
        (
            include_bytes!("../tests/data/charsets/shift_jis.eml"),
            "商品が破損していました。返金をお願いします。",
        ),
        (
            include_bytes!("../tests/data/charsets/euc-jp.eml"),
            "注文番号を確認してください。",
        ),
        (
            include_bytes!("../tests/data/charsets/gbk.eml"),
            "我的包裹还没有到。",
        ),
        (
            include_bytes!("../tests/data/charsets/gb18030.eml"),
            "退款请求：商品损坏 €",
        ),
        (
            include_bytes!("../tests/data/charsets/big5.eml"),
            "我的包裹還沒有到。",
        ),
        (
            include_bytes!("../tests/data/charsets/euc-kr.eml"),
            "주문한 상품이 아직 도착하지 않았습니다.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1250.eml"),
            "Zamówienie nie dotarło, proszę o zwrot.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1251.eml"),
            "Посылка не пришла, прошу вернуть деньги.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1252.eml"),
            "Le colis est arrivé endommagé — remboursement « svp ».",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1253.eml"),
            "Το δέμα δεν έφτασε.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1254.eml"),
            "Sipariş ulaşmadı, iade istiyorum.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1255.eml"),
            "החבילה לא הגיעה.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1256.eml"),
            "لم يصل الطرد.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1257.eml"),
            "Siunta neatkeliavo, prašau grąžinti.",
        ),
        (
            include_bytes!("../tests/data/charsets/windows-1258.eml"),
            "Cám ơn.",
        ),
    ];

    #[test]
    fn every_buyer_charset_is_decoded() {
        for (raw, text) in CHARSET_FIXTURES {
            let mail = Mail::parse(raw).unwrap();
            let charset = ContentValue::parse(mail.header("content-type").unwrap())
                .param("charset")
                .unwrap();
            assert_eq!(
                mail.text.as_deref().map(str::trim_end),
                Some(*text),
                "body in {charset}"
            );
            assert_eq!(
                mail.decoded_header("subject").as_deref(),
                Some(*text),
                "subject in {charset}"
            );
        }
    }

    #[test]
    fn windows_code_page_names_and_aliases_are_read() {
        // "返品" in Shift_JIS, GBK, EUC-KR ("반품") and Big5 under their code page names.
        assert_eq!(decode_charset(b"\x95\xd4\x95\x69", "CP932"), "返品");
        assert_eq!(decode_charset(b"\xb7\xb5\xc6\xb7", "cp936"), "返品");
        assert_eq!(decode_charset(b"\xb9\xdd\xc7\xb0", "cp949"), "반품");
        assert_eq!(
            decode_charset(b"\xb9\xdd\xc7\xb0", "ks_c_5601-1987"),
            "반품"
        );
        assert_eq!(decode_charset(b"\xaa\xf0\xab\x7e", "cp950"), "返品");
        assert_eq!(decode_charset(b"\xcf\xf0", "cp1251"), "Пр");
        assert_eq!(decode_charset(b"\x95\xd4", "x-sjis"), "返");
        assert_eq!(
            decode_charset(b"\x1b$B\x4a\x56\x49\x4a\x1b(B", "iso-2022-jp-2"),
            "返品"
        );
        assert_eq!(
            decode_words("=?Shift_JIS?B?ldSVaQ==?= =?EUC-KR?B?ud3HsA==?="),
            "返品반품"
        );
    }

    /// The work the scanners did reading `input` with `read`.
    fn work_of(read: impl Fn(&str), input: &str) -> u64 {
        reset_work();
        read(input);
        work_done()
    }

    /// Work on `unit` repeated 2 000 and 8 000 times: four times the input, at most about
    /// four times the work (a quadratic reader does sixteen), and a few steps a byte.
    fn assert_linear(what: &str, unit: &str, read: impl Fn(&str)) {
        let small = unit.repeat(2_000);
        let large = unit.repeat(8_000);
        let (w_small, w_large) = (work_of(&read, &small), work_of(&read, &large));
        assert!(
            w_large <= w_small * 9 / 2,
            "{what}: {w_small} steps for {} bytes, {w_large} for {}",
            small.len(),
            large.len()
        );
        assert!(
            w_large <= 16 * large.len() as u64,
            "{what}: {w_large} steps for {} bytes",
            large.len()
        );
    }

    #[test]
    fn mime_work_grows_linearly_on_unterminated_encoded_words() {
        let decode = |s: &str| drop(decode_words(s));
        assert_linear("bare =?", "=?", decode);
        assert_linear("=?charset?", "=?utf-8?", decode);
        assert_linear("=?charset?B?text", "=?utf-8?B?abc", decode);
        assert_linear("words between blanks", " =?utf-8?Q?a", decode);
        assert_linear("mixed", "=?utf-8?B?dA==?= =?x", decode);
    }

    #[test]
    fn mime_work_grows_linearly_on_style_script_and_head_elements() {
        let text = |s: &str| drop(html_to_text(s));
        assert_linear("unclosed <style>", "<style>", text);
        assert_linear("closed <style>", "<style>x</style>", text);
        assert_linear("<script> and other closings", "<script></b>", text);
        assert_linear("<head> closed", "<HEAD>x</head>", text);
        assert_linear("ampersands", "&", text);
        assert_linear("ampersands and tags", "a&b<", text);
    }
}
