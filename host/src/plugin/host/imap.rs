//! The part of IMAP4rev1 (RFC 3501) the `mail` import needs to read a mailbox: greeting,
//! STARTTLS, LOGIN or AUTHENTICATE XOAUTH2, EXAMINE (read-only, so no flag changes),
//! UID SEARCH, UID FETCH of sizes and of whole messages with BODY.PEEK[], LOGOUT.
//!
//! Responses are read line by line; a line that ends in a literal announcement (`{n}`) is
//! followed by exactly n bytes, which are kept apart from the line's text. Every line and
//! literal is bounded, so a hostile server cannot make the gateway buffer without end.

use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The longest response line (without literals) accepted.
const MAX_LINE: usize = 64 << 10;

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
    /// The largest literal accepted.
    max_literal: u64,
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
        let greeting = session.read_line().await?;
        if greeting.text.starts_with(b"* BYE") {
            return Err(Failure::Connection(format!(
                "{host} said goodbye: {}",
                String::from_utf8_lossy(&greeting.text)
            )));
        }
        if security == Security::StartTls {
            session.command("STARTTLS").await?;
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
                let command = format!("LOGIN {} {}", quote(user)?, quote_bytes(password)?);
                session.command(&command).await
            }
            Login::XOAuth2(user, token) => {
                let mut raw = format!("user={user}\x01auth=Bearer ").into_bytes();
                raw.extend_from_slice(token);
                raw.extend_from_slice(b"\x01\x01");
                let command = format!(
                    "AUTHENTICATE XOAUTH2 {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                );
                session.command(&command).await
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
        let lines = self.command(&format!("EXAMINE {}", quote(folder)?)).await?;
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
        let lines = self.command(&format!("UID SEARCH UID {from}:*")).await?;
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
        let lines = self
            .command(&format!("UID FETCH {} (UID RFC822.SIZE)", set(uids)))
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
        let lines = self
            .command(&format!("UID FETCH {} (UID BODY.PEEK[])", set(uids)))
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
        let _ = self.command("LOGOUT").await;
    }

    /// Send `command` under a new tag and read up to its tagged answer; the untagged lines
    /// on success, `Rejected` with the server's text on NO or BAD.
    async fn command(&mut self, command: &str) -> Result<Vec<Line>, Failure> {
        let tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        let stream = self.stream.get_mut();
        stream
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await
            .map_err(|e| Failure::Connection(format!("write: {e}")))?;
        stream
            .flush()
            .await
            .map_err(|e| Failure::Connection(format!("write: {e}")))?;
        let verb = command.split(' ').next().unwrap_or(command);
        let mut untagged = Vec::new();
        loop {
            let line = self.read_line().await?;
            if line.text.starts_with(b"+") {
                // A continuation request: for AUTHENTICATE, the server's error details.
                // Answer with an empty line so it finishes with a tagged NO.
                let stream = self.stream.get_mut();
                stream
                    .write_all(b"\r\n")
                    .await
                    .map_err(|e| Failure::Connection(format!("write: {e}")))?;
                stream
                    .flush()
                    .await
                    .map_err(|e| Failure::Connection(format!("write: {e}")))?;
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

    /// One response line with its literals.
    async fn read_line(&mut self) -> Result<Line, Failure> {
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

/// An IMAP quoted string.
fn quote(text: &str) -> Result<String, Failure> {
    quote_bytes(text.as_bytes())
}

fn quote_bytes(text: &[u8]) -> Result<String, Failure> {
    if text.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Failure::Rejected(
            "a login name, password or folder contains a line break or NUL".into(),
        ));
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| Failure::Rejected("a login name, password or folder is not UTF-8".into()))?;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
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
    fn quoted_strings_escape_quotes_and_refuse_line_breaks() {
        assert_eq!(quote(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert!(quote("a\r\nb LOGOUT").is_err());
    }
}
