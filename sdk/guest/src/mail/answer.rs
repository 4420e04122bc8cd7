//! A buyer's e-mail answer, read with mail-parser: who wrote, which messages it answers
//! (nearest first), what is new in it (the quoted history cut off), when, and its files.
//!
//! A connector that answers buyers by e-mail reads its support mailbox with the host's
//! `mail` import and turns each [`Answer`] to a message the gateway sent
//! ([`Answer::answers_gateway`]) into a `buyer-message` event whose attribute
//! `thread.parents` lists [`Answer::parents`]: the gateway then adds it to the conversation
//! of the case that message belongs to.

use mail_parser::{MessageParser, MimeHeaders};

use crate::types::Timestamp;

/// At most this many files of one answer are kept.
pub const MAX_FILES: usize = 10;
/// Files larger than this are not kept.
pub const MAX_FILE_BYTES: usize = 10 << 20;
/// At most this many thread parents are read (a long References chain repeats the thread).
pub const MAX_PARENTS: usize = 20;

/// A file sent with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its name, as the sender gave it (or `file-<n>`).
    pub name: String,
    /// Its MIME type, e.g. "image/jpeg".
    pub content_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// What an e-mail says, as far as an answer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Its Message-ID, in angle brackets.
    pub message_id: Option<String>,
    /// The sender's bare address.
    pub from: String,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// The subject, decoded.
    pub subject: String,
    /// When it was written (its `Date`).
    pub date: Option<Timestamp>,
    /// The Message-IDs it answers, in angle brackets, nearest first: `In-Reply-To`, then
    /// `References` from the newest.
    pub parents: Vec<String>,
    /// What the buyer wrote, without the quoted history below it.
    pub text: String,
    /// Files kept.
    pub files: Vec<File>,
    /// Files not kept, and why.
    pub skipped: Vec<String>,
}

/// `id` in angle brackets, once.
fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

impl Answer {
    /// Read `raw` (RFC 5322); `None` when it names no sender address.
    pub fn read(raw: &[u8]) -> Option<Answer> {
        let message = MessageParser::default().parse(raw)?;
        let sender = message.from()?.first()?;
        let from = sender.address()?.trim().to_string();
        if from.is_empty() {
            return None;
        }
        let list = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
            value
                .as_text_list()
                .map(|ids| ids.iter().map(|id| angle(id)).collect())
                .unwrap_or_default()
        };
        let mut parents = list(message.in_reply_to());
        for id in list(message.references()).into_iter().rev() {
            if !parents.contains(&id) {
                parents.push(id);
            }
        }
        parents.truncate(MAX_PARENTS);
        let text = message
            .body_text(0)
            .map(|t| new_text(&t))
            .unwrap_or_default();
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        for (n, part) in message.attachments().enumerate() {
            let name = part
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("file-{}", n + 1));
            let data = part.contents();
            if files.len() >= MAX_FILES {
                skipped.push(format!("{name} (more than {MAX_FILES} files)"));
            } else if data.len() > MAX_FILE_BYTES {
                skipped.push(format!("{name} (larger than {} MiB)", MAX_FILE_BYTES >> 20));
            } else {
                let content_type = part.content_type().map_or_else(
                    || "application/octet-stream".to_string(),
                    |t| match t.subtype() {
                        Some(sub) => format!("{}/{sub}", t.ctype()),
                        None => t.ctype().to_string(),
                    },
                );
                files.push(File {
                    name,
                    content_type: content_type.to_ascii_lowercase(),
                    data: data.to_vec(),
                });
            }
        }
        Some(Answer {
            message_id: message.message_id().map(angle),
            from,
            from_name: sender
                .name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            subject: message.subject().unwrap_or_default().trim().to_string(),
            date: message.date().map(|d| Timestamp {
                seconds: d.to_timestamp(),
                nanoseconds: 0,
            }),
            parents,
            text,
            files,
            skipped,
        })
    }

    /// Whether it answers a message the gateway sent from `domain`: the host gives those
    /// Message-IDs of the form `<hw.<digest>@<sender's domain>>`.
    pub fn answers_gateway(&self, domain: &str) -> bool {
        let tail = format!("@{}>", domain.trim().to_ascii_lowercase());
        self.parents
            .iter()
            .any(|id| id.starts_with("<hw.") && id.to_ascii_lowercase().ends_with(&tail))
    }
}

/// The verbs of a mail program's header line above a quoted message ("On … wrote:",
/// "Am … schrieb Shop <s@shop.example>:" and their translations); the line ends in a colon.
const QUOTE_HEADER_WORDS: [&str; 15] = [
    "wrote",
    "schrieb",
    "a écrit",
    "escribió",
    "ha scritto",
    "schreef",
    "skrev",
    "napisał",
    "yazdı",
    "escreveu",
    "kirjoitti",
    "のメッセージ",
    "写道",
    "كتب",
    "писал",
];

/// Separators mail programs put above the message they forward or answer.
const SEPARATORS: [&str; 4] = [
    "-----Original Message-----",
    "----- Original Message -----",
    "________________________________",
    "-------- Original message --------",
];

/// What the sender wrote above the quoted history: cut at the first quote header, separator,
/// or block of `>` lines that runs to the end. Everything, when nothing is left above.
pub fn new_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let quoted_from = |i: usize| {
        lines[i..]
            .iter()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
    };
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if SEPARATORS.iter().any(|s| t.starts_with(s)) {
            end = i;
            break;
        }
        let header = (t.ends_with(':') || t.ends_with('：'))
            && t.chars().count() < 300
            && QUOTE_HEADER_WORDS.iter().any(|w| t.contains(w));
        if header {
            // A header wrapped over two lines ("On Mon, … <a@b.c>" / "wrote:").
            let alone = QUOTE_HEADER_WORDS
                .iter()
                .any(|w| t.trim_end_matches([':', '：']).trim() == *w);
            end = if alone && i > 0 { i - 1 } else { i };
            break;
        }
        if t.starts_with('>') && quoted_from(i) {
            end = i;
            break;
        }
    }
    let kept = lines[..end].join("\n").trim().to_string();
    if kept.is_empty() {
        text.trim().to_string()
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\r\n\
To: support@shop.example\r\n\
Subject: =?UTF-8?Q?AW:_Ihre_Bestellung_#1001?=\r\n\
Date: Mon, 07 Dec 2026 09:30:00 +0100\r\n\
Message-ID: <CAB123@mail.example.de>\r\n\
In-Reply-To: <hw.0123abcd@shop.example>\r\n\
References: <older@shop.example>\r\n <hw.0123abcd@shop.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=ISO-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Das Paket ist angekommen, aber besch=E4digt. Foto anbei.\r\n\
\r\n\
Am Mo., 7. Dez. 2026 um 08:00 schrieb Shop <support@shop.example>:\r\n\
> Ihr Paket ist unterwegs.\r\n\
--b1\r\n\
Content-Type: image/jpeg; name=\"paket.jpg\"\r\n\
Content-Disposition: attachment; filename=\"paket.jpg\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
/9j/4AAQ\r\n\
--b1--\r\n";

    #[test]
    fn an_answer_is_read_with_its_thread_its_new_text_and_its_file() {
        let answer = Answer::read(ANSWER.as_bytes()).expect("readable");
        assert_eq!(answer.from, "juergen@example.de");
        assert_eq!(answer.from_name.as_deref(), Some("Jürgen Müller"));
        assert_eq!(answer.subject, "AW: Ihre Bestellung #1001");
        assert_eq!(
            answer.message_id.as_deref(),
            Some("<CAB123@mail.example.de>")
        );
        assert_eq!(
            answer.parents,
            vec![
                "<hw.0123abcd@shop.example>".to_string(),
                "<older@shop.example>".to_string()
            ]
        );
        assert_eq!(
            answer.text,
            "Das Paket ist angekommen, aber beschädigt. Foto anbei."
        );
        assert_eq!(answer.files.len(), 1);
        assert_eq!(answer.files[0].name, "paket.jpg");
        assert_eq!(answer.files[0].content_type, "image/jpeg");
        assert_eq!(answer.files[0].data, [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
        assert_eq!(
            answer.date.map(|d| d.seconds),
            Some(1_796_632_200) // 2026-12-07T08:30:00Z
        );
        assert!(answer.answers_gateway("SHOP.example"));
        assert!(!answer.answers_gateway("other.example"));
    }

    #[test]
    fn quoted_history_is_cut_in_the_forms_mail_programs_write() {
        assert_eq!(
            new_text(
                "Thanks!\n\nOn Mon, 7 Dec 2026 at 09:00, Shop <s@shop.example>\nwrote:\n> old"
            ),
            "Thanks!"
        );
        assert_eq!(
            new_text("Yes please.\n-----Original Message-----\nFrom: x"),
            "Yes please."
        );
        assert_eq!(new_text("Ok\n> a\n>\n> b\n"), "Ok");
        assert_eq!(new_text("> only a quote"), "> only a quote");
        // A quote in the middle that the buyer answers below stays.
        assert_eq!(
            new_text("> Where is it?\nHere it is.\n"),
            "> Where is it?\nHere it is."
        );
    }

    #[test]
    fn a_message_without_a_sender_is_none_and_noise_never_panics() {
        assert_eq!(Answer::read(b"Subject: x\r\n\r\nbody"), None);
        for raw in [&b""[..], b"\xff\xfe\x00", b"From:\r\n\r\n", b"From: <>\r\n"] {
            let _ = Answer::read(raw);
        }
    }
}
