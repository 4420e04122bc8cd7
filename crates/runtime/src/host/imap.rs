//! The part of IMAP4rev1 (RFC 3501) the `mail` import needs to read a mailbox: greeting,
//! STARTTLS, LOGIN or AUTHENTICATE XOAUTH2, EXAMINE (read-only, so no flag changes),
//! UID SEARCH, UID FETCH of sizes and of whole messages with BODY.PEEK[], LOGOUT.
//!
//! Responses are read line by line; a line that ends in a literal announcement (`{n}`) is
//! followed by exactly n bytes, which are kept apart from the line's text. Every line and
//! literal is bounded, and so is everything one command collects ([`Budget`]: the untagged
//! lines and literals of one answer together), so a hostile server cannot make the gateway
//! buffer without end.
//!
//! Names and passwords need not be ASCII: a mailbox name is sent in IMAP's modified UTF-7
//! (RFC 3501 §5.1.3, [`mailbox_name`]), and a user name or password that a quoted string
//! cannot carry (8-bit bytes, line breaks) goes as a synchronizing literal (`{n}`, sent once
//! the server answers `+`), which every IMAP4rev1 server reads as bytes.

use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The longest response line (without literals) accepted.
const MAX_LINE: usize = 64 << 10;

/// What the untagged lines of one answer may hold outside literals, together.
const MAX_ANSWER_TEXT: u64 = 1 << 20;

/// A byte stream to the server: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What went wrong, in the terms of the `mail` import's errors.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server refused the login.
    Auth(String),
    /// The server refused a command.
    Rejected(String),
    /// Connection, TLS or protocol failure.
    Connection(String),
}

/// How to log in.
pub enum Login<'a> {
    /// LOGIN with a password.
    Password(&'a str, &'a [u8]),
    /// AUTHENTICATE XOAUTH2 with an OAuth access token.
    XOAuth2(&'a str, &'a [u8]),
}

/// One response line: its text, and the literals it carried, in order.
struct Line {
    text: Vec<u8>,
    literals: Vec<Vec<u8>>,
}

/// A folder's state after EXAMINE.
pub struct Examined {
    /// UIDVALIDITY.
    pub uid_validity: u32,
}

/// A fetched message.
pub struct Fetched {
    /// UID.
    pub uid: u32,
    /// RFC822.SIZE.
    pub size: u64,
    /// The whole message; empty when it was not fetched (too large).
    pub raw: Vec<u8>,
}

/// A logged-in IMAP session.
pub struct Session {
    stream: BufReader<Box<dyn Io>>,
    next_tag: u32,
    /// The largest literal accepted, and what the literals of one answer may hold together:
    /// the plugin's `max_http_response_bytes`.
    max_literal: u64,
}

/// What one answer (a command's untagged lines and literals, or the greeting) may still
/// take: [`MAX_ANSWER_TEXT`] bytes of line text (two more counted for each line's end) and
/// `max_literal` bytes of literals. The fetch asks for no more bodies at once than
/// `max_literal` holds, so only a server that sends what it was not asked for reaches it.
struct Budget {
    text: u64,
    literals: u64,
    max_literal: u64,
}

impl Budget {
    fn new(max_literal: u64) -> Budget {
        Budget {
            text: MAX_ANSWER_TEXT,
            literals: max_literal,
            max_literal,
        }
    }

    fn take_text(&mut self, bytes: usize) -> Result<(), Failure> {
        self.text = self.text.checked_sub(bytes as u64 + 2).ok_or_else(|| {
            Failure::Connection(format!(
                "the server's answer has more than {MAX_ANSWER_TEXT} bytes of response \
                     lines (the cap on the untagged lines of one IMAP answer)"
            ))
        })?;
        Ok(())
    }

    fn take_literal(&mut self, bytes: u64) -> Result<(), Failure> {
        self.literals = self.literals.checked_sub(bytes).ok_or_else(|| {
            Failure::Connection(format!(
                "the server's answer has more than {} bytes of literals (the cap on one IMAP \
                 answer: the plugin's max_http_response_bytes)",
                self.max_literal
            ))
        })?;
        Ok(())
    }
}

/// One argument of a command.
enum Arg<'a> {
    /// Sent as it is (a command word, a UID set, a parenthesized list).
    Atom(&'a str),
    /// A string: quoted when a quoted string can carry it, else a literal.
    Text(&'a [u8]),
}

/// The TLS client configuration: the Mozilla roots webpki-roots carries.
fn tls_config() -> Arc<tokio_rustls::rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<tokio_rustls::rustls::ClientConfig>> =
        std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Arc::new(
                tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
                    tokio_rustls::rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
            )
        })
        .clone()
}

async fn wrap_tls(stream: Box<dyn Io>, host: &str) -> Result<Box<dyn Io>, Failure> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| Failure::Connection(format!("{host:?} is not a TLS server name: {e}")))?;
    let tls = tokio_rustls::TlsConnector::from(tls_config())
        .connect(name, stream)
        .await
        .map_err(|e| Failure::Connection(format!("TLS with {host}: {e}")))?;
    Ok(Box::new(tls))
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the start.
    Tls,
    /// STARTTLS before the login.
    StartTls,
    /// None (loopback only; the caller checks).
    None,
}

impl Session {
    /// Connect, protect the connection as asked, and log in.
    pub async fn open(
        host: &str,
        port: u16,
        security: Security,
        login: Login<'_>,
        max_literal: u64,
    ) -> Result<Session, Failure> {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| Failure::Connection(format!("connect to {host}:{port}: {e}")))?;
        let mut stream: Box<dyn Io> = Box::new(tcp);
        if security == Security::Tls {
            stream = wrap_tls(stream, host).await?;
        }
        let mut session = Session {
            stream: BufReader::new(stream),
            next_tag: 1,
            max_literal,
        };
        let greeting = session
            .read_line(&mut Budget::new(session.max_literal))
            .await?;
        if greeting.text.starts_with(b"* BYE") {
            return Err(Failure::Connection(format!(
                "{host} said goodbye: {}",
                String::from_utf8_lossy(&greeting.text)
            )));
        }
        if security == Security::StartTls {
            session.command(&[Arg::Atom("STARTTLS")]).await?;
            if !session.stream.buffer().is_empty() {
                return Err(Failure::Connection(
                    "the server sent data after STARTTLS before the TLS handshake".into(),
                ));
            }
            let plain = std::mem::replace(
                &mut session.stream,
                BufReader::new(Box::new(tokio::io::duplex(1).0)),
            )
            .into_inner();
            session.stream = BufReader::new(wrap_tls(plain, host).await?);
        }
        let result = match login {
            Login::Password(user, password) => {
                session
                    .command(&[
                        Arg::Atom("LOGIN"),
                        Arg::Text(user.as_bytes()),
                        Arg::Text(password),
                    ])
                    .await
            }
            Login::XOAuth2(user, token) => {
                let mut raw = format!("user={user}\x01auth=Bearer ").into_bytes();
                raw.extend_from_slice(token);
                raw.extend_from_slice(b"\x01\x01");
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                session
                    .command(&[Arg::Atom("AUTHENTICATE XOAUTH2"), Arg::Atom(&encoded)])
                    .await
            }
        };
        match result {
            Ok(_) => Ok(session),
            Err(Failure::Rejected(answer)) => Err(Failure::Auth(answer)),
            Err(e) => Err(e),
        }
    }

    /// Open `folder` read-only.
    pub async fn examine(&mut self, folder: &str) -> Result<Examined, Failure> {
        let name = mailbox_name(folder);
        let lines = self
            .command(&[Arg::Atom("EXAMINE"), Arg::Text(name.as_bytes())])
            .await?;
        let uid_validity = lines
            .iter()
            .find_map(|l| number_after(&l.text, b"[UIDVALIDITY "))
            .ok_or_else(|| {
                Failure::Connection(format!("EXAMINE {folder:?} named no UIDVALIDITY"))
            })?;
        let uid_validity = u32::try_from(uid_validity)
            .map_err(|_| Failure::Connection(format!("UIDVALIDITY {uid_validity} is too large")))?;
        Ok(Examined { uid_validity })
    }

    /// UIDs above `after`, ascending.
    pub async fn uids_after(&mut self, after: u32) -> Result<Vec<u32>, Failure> {
        let from = after.saturating_add(1);
        let range = format!("{from}:*");
        let lines = self
            .command(&[Arg::Atom("UID SEARCH UID"), Arg::Atom(&range)])
            .await?;
        let mut uids: Vec<u32> = lines
            .iter()
            .filter_map(|l| l.text.strip_prefix(b"* SEARCH"))
            .flat_map(|rest| {
                String::from_utf8_lossy(rest)
                    .split_ascii_whitespace()
                    .filter_map(|n| n.parse::<u32>().ok())
                    .collect::<Vec<_>>()
            })
            // `n:*` always includes the highest UID, even one below n.
            .filter(|uid| *uid > after)
            .collect();
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Sizes of `uids`.
    pub async fn sizes(&mut self, uids: &[u32]) -> Result<Vec<(u32, u64)>, Failure> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let uids_set = set(uids);
        let lines = self
            .command(&[
                Arg::Atom("UID FETCH"),
                Arg::Atom(&uids_set),
                Arg::Atom("(UID RFC822.SIZE)"),
            ])
            .await?;
        Ok(lines
            .iter()
            .filter(|l| is_fetch(&l.text))
            .filter_map(|l| {
                let uid = u32::try_from(number_after(&l.text, b"UID ")?).ok()?;
                Some((uid, number_after(&l.text, b"RFC822.SIZE ")?))
            })
            .filter(|(uid, _)| uids.contains(uid))
            .collect())
    }

    /// The whole messages `uids`, without setting \Seen.
    pub async fn bodies(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, Failure> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let uids_set = set(uids);
        let lines = self
            .command(&[
                Arg::Atom("UID FETCH"),
                Arg::Atom(&uids_set),
                Arg::Atom("(UID BODY.PEEK[])"),
            ])
            .await?;
        let mut out = Vec::new();
        for mut line in lines {
            if !is_fetch(&line.text) {
                continue;
            }
            let Some(uid) = number_after(&line.text, b"UID ").and_then(|n| u32::try_from(n).ok())
            else {
                continue;
            };
            if !uids.contains(&uid) || !contains(&line.text, b"BODY[]") {
                continue;
            }
            // The body is the literal; a server may send an empty body as a quoted "" or NIL.
            let body = if line.literals.is_empty() {
                Vec::new()
            } else {
                line.literals.swap_remove(0)
            };
            out.push((uid, body));
        }
        Ok(out)
    }

    /// Say goodbye; errors do not matter any more.
    pub async fn logout(mut self) {
        let _ = self.command(&[Arg::Atom("LOGOUT")]).await;
    }

    /// Send the command `args` under a new tag and read up to its tagged answer; the
    /// untagged lines on success, `Rejected` with the server's text on NO or BAD. A string
    /// argument that must go as a literal waits for the server's `+` first.
    async fn command(&mut self, args: &[Arg<'_>]) -> Result<Vec<Line>, Failure> {
        let tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        let verb = match args.first() {
            Some(Arg::Atom(atom)) => atom.split(' ').next().unwrap_or(atom),
            _ => "command",
        };
        let mut budget = Budget::new(self.max_literal);
        let mut untagged = Vec::new();
        let mut pending = tag.clone().into_bytes();
        for arg in args {
            pending.push(b' ');
            match arg {
                Arg::Atom(atom) => pending.extend_from_slice(atom.as_bytes()),
                Arg::Text(text) => match quoted(text) {
                    Some(quoted) => pending.extend_from_slice(quoted.as_bytes()),
                    None => {
                        if text.contains(&0) {
                            return Err(Failure::Rejected(format!(
                                "{verb}: a login name, password or folder contains a NUL byte, \
                                 which IMAP cannot send"
                            )));
                        }
                        pending.extend_from_slice(format!("{{{}}}\r\n", text.len()).as_bytes());
                        self.write(&std::mem::take(&mut pending)).await?;
                        self.await_continuation(&tag, verb, &mut budget, &mut untagged)
                            .await?;
                        pending.extend_from_slice(text);
                    }
                },
            }
        }
        pending.extend_from_slice(b"\r\n");
        self.write(&pending).await?;
        loop {
            let line = self.read_line(&mut budget).await?;
            if line.text.starts_with(b"+") {
                // A continuation request: for AUTHENTICATE, the server's error details.
                // Answer with an empty line so it finishes with a tagged NO.
                self.write(b"\r\n").await?;
                continue;
            }
            let Some(rest) = line.text.strip_prefix(format!("{tag} ").as_bytes()) else {
                untagged.push(line);
                continue;
            };
            let rest = String::from_utf8_lossy(rest).into_owned();
            if rest.starts_with("OK") {
                return Ok(untagged);
            }
            return Err(Failure::Rejected(format!("{verb}: {rest}")));
        }
    }

    /// Wait for the server's `+` after a literal's announcement; a tagged answer instead
    /// (NO, BAD) ends the command.
    async fn await_continuation(
        &mut self,
        tag: &str,
        verb: &str,
        budget: &mut Budget,
        untagged: &mut Vec<Line>,
    ) -> Result<(), Failure> {
        loop {
            let line = self.read_line(budget).await?;
            if line.text.starts_with(b"+") {
                return Ok(());
            }
            if let Some(rest) = line.text.strip_prefix(format!("{tag} ").as_bytes()) {
                return Err(Failure::Rejected(format!(
                    "{verb}: {}",
                    String::from_utf8_lossy(rest)
                )));
            }
            untagged.push(line);
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let stream = self.stream.get_mut();
        stream
            .write_all(bytes)
            .await
            .map_err(|e| Failure::Connection(format!("write: {e}")))?;
        stream
            .flush()
            .await
            .map_err(|e| Failure::Connection(format!("write: {e}")))
    }

    /// One response line with its literals, taken from `budget`.
    async fn read_line(&mut self, budget: &mut Budget) -> Result<Line, Failure> {
        let mut line = Line {
            text: Vec::new(),
            literals: Vec::new(),
        };
        loop {
            let mut part = Vec::new();
            let read = (&mut self.stream)
                .take((MAX_LINE + 2) as u64)
                .read_until(b'\n', &mut part)
                .await
                .map_err(|e| Failure::Connection(format!("read: {e}")))?;
            if read == 0 {
                return Err(Failure::Connection(
                    "the server closed the connection".into(),
                ));
            }
            if !part.ends_with(b"\n") {
                return Err(Failure::Connection(format!(
                    "a response line is longer than {MAX_LINE} bytes"
                )));
            }
            part.truncate(part.len() - 1);
            if part.ends_with(b"\r") {
                part.truncate(part.len() - 1);
            }
            budget.take_text(part.len())?;
            line.text.extend_from_slice(&part);
            if line.text.len() > MAX_LINE {
                return Err(Failure::Connection(format!(
                    "a response is longer than {MAX_LINE} bytes outside its literals"
                )));
            }
            let Some(size) = literal_size(&part) else {
                return Ok(line);
            };
            if size > self.max_literal {
                return Err(Failure::Connection(format!(
                    "the server sent a literal of {size} bytes, over the {} allowed",
                    self.max_literal
                )));
            }
            budget.take_literal(size)?;
            let mut literal = vec![0; size as usize];
            self.stream
                .read_exact(&mut literal)
                .await
                .map_err(|e| Failure::Connection(format!("read: {e}")))?;
            line.literals.push(literal);
        }
    }
}

/// The n of a line that ends in `{n}` (or the non-synchronizing `{n+}`).
fn literal_size(line: &[u8]) -> Option<u64> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|b| *b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The number right after the first `marker` in `text`.
fn number_after(text: &[u8], marker: &[u8]) -> Option<u64> {
    let at = text.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let digits: Vec<u8> = text[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn contains(text: &[u8], needle: &[u8]) -> bool {
    text.windows(needle.len()).any(|w| w == needle)
}

/// Whether a line is an untagged FETCH response (`* <n> FETCH (`).
fn is_fetch(text: &[u8]) -> bool {
    let Some(rest) = text.strip_prefix(b"* ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest[digits..].starts_with(b" FETCH ")
}

/// A UID set: "3,5,9".
fn set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `text` as an IMAP quoted string, when one can carry it: 7-bit characters other than
/// CR, LF and NUL (RFC 3501's `QUOTED-CHAR`). Anything else goes as a literal.
fn quoted(text: &[u8]) -> Option<String> {
    if !text
        .iter()
        .all(|b| b.is_ascii() && !matches!(b, b'\r' | b'\n' | 0))
    {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for &b in text {
        if b == b'"' || b == b'\\' {
            out.push('\\');
        }
        out.push(char::from(b));
    }
    out.push('"');
    Some(out)
}

/// A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable ASCII as it is
/// (`&` as `&-`), every other run of characters as UTF-16 in base64 with `,` for `/`,
/// without padding, between `&` and `-`. `Käufer` is `K&AOQ-ufer`.
pub fn mailbox_name(name: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    let mut out = String::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    let flush = |run: &mut Vec<u16>, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let bytes: Vec<u8> = run.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out.push('-');
        run.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut run, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut run, &mut out);
    out
}

/// What one fetch returns: the folder's UIDVALIDITY, messages (bodies only for those within
/// `max_message` bytes, and together within it too), and whether more are waiting.
pub async fn fetch(
    session: &mut Session,
    folder: &str,
    uid_validity: Option<u32>,
    after_uid: u32,
    limit: u32,
    max_message: u64,
) -> Result<(u32, Vec<Fetched>, bool), Failure> {
    let examined = session.examine(folder).await?;
    let after = if uid_validity == Some(examined.uid_validity) {
        after_uid
    } else {
        0
    };
    let mut uids = session.uids_after(after).await?;
    let mut more = uids.len() > limit as usize;
    uids.truncate(limit as usize);
    let mut sizes = session.sizes(&uids).await?;
    // The bodies of one fetch together stay within `max_message` too (the first message
    // always goes, if it fits on its own): the rest waits for the next fetch.
    let mut total = 0u64;
    let mut keep = 0;
    for uid in &uids {
        let size = sizes.iter().find(|(u, _)| u == uid).map_or(0, |(_, s)| *s);
        let counted = if size <= max_message { size } else { 0 };
        if keep > 0 && total + counted > max_message {
            more = true;
            break;
        }
        total += counted;
        keep += 1;
    }
    uids.truncate(keep);
    sizes.retain(|(u, _)| uids.contains(u));
    let wanted: Vec<u32> = sizes
        .iter()
        .filter(|(_, size)| *size <= max_message)
        .map(|(uid, _)| *uid)
        .collect();
    let mut bodies = session.bodies(&wanted).await?;
    let mut out = Vec::with_capacity(uids.len());
    for uid in uids {
        let size = sizes
            .iter()
            .find(|(u, _)| *u == uid)
            .map(|(_, s)| *s)
            .unwrap_or(0);
        let raw = bodies
            .iter()
            .position(|(u, _)| *u == uid)
            .map(|i| bodies.swap_remove(i).1)
            .unwrap_or_default();
        out.push(Fetched { uid, size, raw });
    }
    Ok((examined.uid_validity, out, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_announcements_are_read_from_the_line_end() {
        assert_eq!(literal_size(b"* 1 FETCH (UID 4 BODY[] {1234}"), Some(1234));
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {12+}"), Some(12));
        assert_eq!(literal_size(b"* OK [UIDVALIDITY 3] {x}"), None);
        assert_eq!(literal_size(b"* OK done"), None);
    }

    #[test]
    fn numbers_follow_their_markers() {
        let line = b"* 3 FETCH (UID 17 RFC822.SIZE 2048)";
        assert_eq!(number_after(line, b"UID "), Some(17));
        assert_eq!(number_after(line, b"RFC822.SIZE "), Some(2048));
        assert!(is_fetch(line));
        assert!(!is_fetch(b"* OK [UIDVALIDITY 3]"));
        assert!(!is_fetch(b"* 3 EXISTS"));
    }

    #[test]
    fn quoted_strings_escape_quotes_and_leave_line_breaks_and_8_bit_to_literals() {
        assert_eq!(quoted(br#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert_eq!(quoted(b"a\r\nb LOGOUT"), None);
        assert_eq!(quoted("pässwörd".as_bytes()), None);
    }

    /// A scripted IMAP server on a loopback port: greets, accepts any LOGIN, and answers
    /// the next command (tag `a2`) with `answer`. Hands back what the client sent.
    async fn scripted(answer: Vec<u8>) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut socket = BufReader::new(socket);
            let mut heard = Vec::new();
            let _ = socket.get_mut().write_all(b"* OK ready\r\n").await;
            let mut line = Vec::new();
            let mut tag = Vec::new();
            let mut continued = false;
            while socket.read_until(b'\n', &mut line).await.unwrap_or(0) > 0 {
                heard.extend_from_slice(&line);
                let text = std::mem::take(&mut line);
                if !continued {
                    tag = text
                        .split(|b| *b == b' ')
                        .next()
                        .unwrap_or_default()
                        .to_vec();
                }
                continued = text.ends_with(b"}\r\n");
                let reply = if continued {
                    b"+ go on\r\n".to_vec()
                } else if tag == b"a2" {
                    answer.clone()
                } else {
                    [&tag[..], b" OK done\r\n"].concat()
                };
                if socket.get_mut().write_all(&reply).await.is_err() {
                    break;
                }
            }
            heard
        });
        (port, server)
    }

    async fn examine_answer(answer: Vec<u8>, max_literal: u64) -> Result<Examined, Failure> {
        let (port, _server) = scripted(answer).await;
        let login = Login::Password("seller", b"secret");
        let mut session = Session::open("127.0.0.1", port, Security::None, login, max_literal)
            .await
            .unwrap();
        session.examine("INBOX").await
    }

    #[tokio::test]
    async fn an_answer_of_endless_untagged_lines_is_cut_at_the_cap() {
        // 1.2 MB of short lines, each far below the line limit.
        let mut answer = b"* 1 EXISTS\r\n".repeat(100_000);
        answer.extend_from_slice(b"* OK [UIDVALIDITY 7] ok\r\na2 OK done\r\n");
        let Err(Failure::Connection(error)) = examine_answer(answer, 8 << 20).await else {
            panic!("the flood was read");
        };
        assert_eq!(
            error,
            "the server's answer has more than 1048576 bytes of response lines (the cap on \
             the untagged lines of one IMAP answer)"
        );
    }

    #[tokio::test]
    async fn literals_beyond_max_http_response_bytes_in_one_answer_are_refused() {
        // Each literal is below the cap; together, in one line or in several, they are not.
        for answer in [
            format!(
                "* 1 FETCH (A {{600}}\r\n{0} B {{600}}\r\n{0})\r\n",
                "x".repeat(600)
            ),
            format!("* 1 FETCH (A {{600}}\r\n{0})\r\n", "x".repeat(600)).repeat(2),
        ] {
            let answer = format!("{answer}* OK [UIDVALIDITY 7] ok\r\na2 OK done\r\n");
            let Err(Failure::Connection(error)) = examine_answer(answer.into_bytes(), 1000).await
            else {
                panic!("the literals were read");
            };
            assert_eq!(
                error,
                "the server's answer has more than 1000 bytes of literals (the cap on one IMAP \
                 answer: the plugin's max_http_response_bytes)"
            );
        }
        // Within the cap, the answer is read.
        let answer = format!(
            "* 1 FETCH (A {{600}}\r\n{})\r\n* OK [UIDVALIDITY 7] ok\r\na2 OK done\r\n",
            "x".repeat(600)
        );
        let examined = examine_answer(answer.into_bytes(), 1000).await.unwrap();
        assert_eq!(examined.uid_validity, 7);
    }

    #[tokio::test]
    async fn a_non_ascii_password_and_folder_go_as_a_literal_and_modified_utf_7() {
        let (port, server) = scripted(b"* OK [UIDVALIDITY 3] ok\r\na2 OK done\r\n".to_vec()).await;
        let password = "pässwörd \"秘密\"";
        let login = Login::Password("käufer@example.com", password.as_bytes());
        let mut session = Session::open("127.0.0.1", port, Security::None, login, 1 << 20)
            .await
            .unwrap();
        session.examine("Käufer").await.unwrap();
        session.logout().await;
        let heard = server.await.unwrap();
        let expected = format!(
            "a1 LOGIN {{19}}\r\nkäufer@example.com {{{}}}\r\n{password}\r\n\
             a2 EXAMINE \"K&AOQ-ufer\"\r\na3 LOGOUT\r\n",
            password.len()
        );
        assert_eq!(String::from_utf8_lossy(&heard), expected);
    }

    use proptest::strategy::Strategy as _;

    /// Pieces of IMAP answers that steer a client into its corners.
    const ANSWER_PIECES: &[&str] = &[
        "* ",
        "a2 ",
        "a3 ",
        "a4 ",
        "OK",
        "NO",
        "BAD",
        " [UIDVALIDITY 7]",
        " [UIDVALIDITY 99999999999]",
        "* SEARCH",
        " 1",
        " 3",
        " 4294967295",
        " 99999999999999999999",
        "* 1 FETCH (",
        "UID 3",
        "UID 1",
        " RFC822.SIZE 5",
        " RFC822.SIZE 99999999999",
        " BODY[] {5}\r\nhello",
        " BODY[] ",
        "{0}\r\n",
        "{3}\r\n",
        "{99999999999}\r\n",
        "{1+}\r\n",
        ")",
        "\r\n",
        "\n",
        "+ ",
        "\"",
        "NIL",
        "* BYE",
        "ü",
    ];

    /// A server that greets, takes the login, then answers each further command with the
    /// next of `answers` and the command's tagged OK; it hangs up when they run out, or when
    /// the client sends nothing for a while (an answer may leave it waiting for more, as a
    /// broken server would: in the gateway, the mail import's timeout ends that).
    async fn fuzzed_server(answers: Vec<Vec<u8>>) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let mut socket = BufReader::new(socket);
            let _ = socket.get_mut().write_all(b"* OK ready\r\n").await;
            let mut answers = answers.into_iter();
            let mut line = Vec::new();
            let quiet = std::time::Duration::from_millis(50);
            while let Ok(Ok(1..)) =
                tokio::time::timeout(quiet, socket.read_until(b'\n', &mut line)).await
            {
                let text = std::mem::take(&mut line);
                let tag = text
                    .split(|b| *b == b' ')
                    .next()
                    .unwrap_or_default()
                    .to_vec();
                let reply = if tag == b"a1" {
                    b"a1 OK logged in\r\n".to_vec()
                } else {
                    match answers.next() {
                        Some(answer) => [&answer[..], &tag, b" OK done\r\n"].concat(),
                        None => break,
                    }
                };
                if socket.get_mut().write_all(&reply).await.is_err() {
                    break;
                }
            }
        });
        port
    }

    fn fuzz_cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: fuzz_cases(64),
            failure_persistence: None,
            ..Default::default()
        })]

        /// Fuzz target: whatever a server answers, a fetch ends (an answer or an error),
        /// without a panic, and keeps no body beyond the cap.
        #[test]
        fn fuzz_imap_answers(answers in proptest::collection::vec(
            proptest::collection::vec(
                proptest::prop_oneof![
                    4 => proptest::sample::select(ANSWER_PIECES).prop_map(|p| p.as_bytes().to_vec()),
                    1 => proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
                ],
                0..24,
            ).prop_map(|pieces| pieces.concat()),
            0..5,
        )) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let cap = 1000;
            let outcome = runtime.block_on(async {
                let port = fuzzed_server(answers).await;
                let run = async {
                    let login = Login::Password("seller", b"secret");
                    let mut session =
                        Session::open("127.0.0.1", port, Security::None, login, cap).await?;
                    fetch(&mut session, "INBOX", Some(7), 0, 10, cap).await
                };
                tokio::time::timeout(std::time::Duration::from_secs(10), run).await
            });
            let Ok(fetched) = outcome else {
                panic!("the fetch did not end");
            };
            if let Ok((_, messages, _)) = fetched {
                let total: usize = messages.iter().map(|m| m.raw.len()).sum();
                proptest::prop_assert!(total as u64 <= cap);
            }
        }
    }

    #[test]
    fn mailbox_names_are_modified_utf_7() {
        // RFC 3501 §5.1.3's example; the others as Python's `base64` writes the names'
        // UTF-16BE (padding dropped, `,` for `/`). Dovecot reads them in the gateway test.
        assert_eq!(
            mailbox_name("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(mailbox_name("INBOX"), "INBOX");
        assert_eq!(mailbox_name("Käufer"), "K&AOQ-ufer");
        assert_eq!(mailbox_name("Entwürfe & Co"), "Entw&APw-rfe &- Co");
        assert_eq!(
            mailbox_name("Amazon-Käufer 📦"),
            "Amazon-K&AOQ-ufer &2D3c5g-"
        );
    }
}
