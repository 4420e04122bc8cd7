//! The host's `http`, `crypto` and `mail` imports behind traits, so everything above them
//! runs natively in unit tests with a scripted transport, a crypto fake and a scripted
//! mailbox. Secrets are named, never held: their values stay in the host.

use helloword_sdk::connector::crypto::{CryptoError, Part};
use helloword_sdk::connector::{http, mail};

/// Sends one HTTP request. The plugin's implementation is the host's `http` import.
pub trait Transport {
    /// Send `request` and wait for the whole response.
    fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError>;
}

/// What the connector asks of the host's crypto.
pub trait Crypto {
    /// Whether secret `name` is granted and has a value.
    fn has_secret(&self, name: &str) -> bool;
    /// HMAC-SHA256 with a key assembled from parts.
    fn hmac_sha256(&self, key: &[Part], message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Constant-time check that HMAC-SHA256(secret, message) equals `expected`.
    fn hmac_sha256_verify(
        &self,
        secret: &str,
        message: &[u8],
        expected: &[u8],
    ) -> Result<bool, CryptoError>;
    /// SHA-256 of the concatenated parts.
    fn sha256(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError>;
}

/// Reads and sends e-mail. The plugin's implementation is the host's `mail` import.
pub trait Mailbox {
    /// Messages of `folder` above `after_uid` (when `uid_validity` is the folder's; from
    /// its start otherwise), at most `limit`, oldest first.
    fn fetch(
        &self,
        server: &mail::Server,
        folder: &str,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> Result<mail::Fetched, mail::MailError>;
    /// Send `message` over SMTP; the Message-ID it was given.
    fn send(
        &self,
        server: &mail::Server,
        message: &mail::Outgoing,
    ) -> Result<String, mail::MailError>;
    /// Note the message being read now (`<UIDVALIDITY>:<UID>`), or that none is, where the
    /// host keeps it across calls (its `cache`): a poll that dies reading a message (a trap,
    /// a time-out) leaves word of it for the next one.
    fn note_reading(&self, message: Option<&str>);
    /// What [`Mailbox::note_reading`] noted last, if a poll left it.
    fn noted_reading(&self) -> Option<String>;
}

/// The host's message of a crypto error.
pub fn crypto_message(error: CryptoError) -> String {
    match error {
        CryptoError::NotGranted(m) | CryptoError::Missing(m) | CryptoError::InvalidInput(m) => m,
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A scripted transport and a crypto fake with real HMAC-SHA256 and SHA-256.

    use std::cell::RefCell;

    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    use super::*;

    /// Answers each request with the next scripted response and records what was sent.
    pub struct Script {
        answers: RefCell<Vec<(u16, Vec<u8>)>>,
        /// Every request sent, in order.
        pub sent: RefCell<Vec<http::Request>>,
    }

    impl Script {
        /// Responses `(status, body)` in the order requests will come.
        pub fn new(answers: &[(u16, &str)]) -> Script {
            Script::bytes(
                answers
                    .iter()
                    .map(|(s, b)| (*s, b.as_bytes().to_vec()))
                    .collect(),
            )
        }

        /// Responses with raw bodies.
        pub fn bytes(answers: Vec<(u16, Vec<u8>)>) -> Script {
            Script {
                answers: RefCell::new(answers.into_iter().rev().collect()),
                sent: RefCell::new(Vec::new()),
            }
        }
    }

    impl Transport for Script {
        fn send(&self, request: &http::Request) -> Result<http::Response, http::HttpError> {
            self.sent.borrow_mut().push(request.clone());
            let (status, body) = self
                .answers
                .borrow_mut()
                .pop()
                .expect("the script has an answer for every request");
            Ok(http::Response {
                status,
                headers: vec![],
                body,
            })
        }
    }

    /// One `fetch` call as the mailbox saw it.
    #[derive(Debug, Clone)]
    pub struct FetchCall {
        /// The server asked.
        pub server: mail::Server,
        /// The folder.
        pub folder: String,
        /// The UIDVALIDITY the caller knew.
        pub uid_validity: Option<u32>,
        /// The UID the caller had read up to.
        pub after_uid: u32,
        /// The batch size.
        pub limit: u32,
    }

    /// Answers each fetch and send with the next scripted result and records the calls.
    #[derive(Default)]
    pub struct ScriptedMailbox {
        fetches: RefCell<Vec<Result<mail::Fetched, mail::MailError>>>,
        sends: RefCell<Vec<Result<String, mail::MailError>>>,
        /// Every fetch, in order.
        pub fetched: RefCell<Vec<FetchCall>>,
        /// Every send, in order.
        pub sent: RefCell<Vec<(mail::Server, mail::Outgoing)>>,
        /// What `note_reading` keeps.
        pub reading: RefCell<Option<String>>,
    }

    impl ScriptedMailbox {
        /// A mailbox that answers fetches with `fetches` and sends with `sends`, in order.
        pub fn new(
            fetches: Vec<Result<mail::Fetched, mail::MailError>>,
            sends: Vec<Result<String, mail::MailError>>,
        ) -> ScriptedMailbox {
            ScriptedMailbox {
                fetches: RefCell::new(fetches.into_iter().rev().collect()),
                sends: RefCell::new(sends.into_iter().rev().collect()),
                ..ScriptedMailbox::default()
            }
        }
    }

    impl Mailbox for ScriptedMailbox {
        fn fetch(
            &self,
            server: &mail::Server,
            folder: &str,
            uid_validity: Option<u32>,
            after_uid: u32,
            limit: u32,
        ) -> Result<mail::Fetched, mail::MailError> {
            self.fetched.borrow_mut().push(FetchCall {
                server: server.clone(),
                folder: folder.to_string(),
                uid_validity,
                after_uid,
                limit,
            });
            self.fetches
                .borrow_mut()
                .pop()
                .expect("the script has an answer for every fetch")
        }

        fn send(
            &self,
            server: &mail::Server,
            message: &mail::Outgoing,
        ) -> Result<String, mail::MailError> {
            self.sent
                .borrow_mut()
                .push((server.clone(), message.clone()));
            self.sends
                .borrow_mut()
                .pop()
                .expect("the script has an answer for every send")
        }

        fn note_reading(&self, message: Option<&str>) {
            *self.reading.borrow_mut() = message.map(str::to_string);
        }

        fn noted_reading(&self) -> Option<String> {
            self.reading.borrow().clone()
        }
    }

    /// Crypto over named secrets held in the fake.
    pub struct FakeCrypto {
        /// Secrets by name.
        pub secrets: Vec<(String, Vec<u8>)>,
    }

    impl FakeCrypto {
        /// A fake holding these secrets.
        pub fn with(secrets: &[(&str, &str)]) -> FakeCrypto {
            FakeCrypto {
                secrets: secrets
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                    .collect(),
            }
        }

        fn assemble(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
            let mut out = Vec::new();
            for part in parts {
                match part {
                    Part::Data(d) => out.extend_from_slice(d),
                    Part::Secret(name) => out.extend_from_slice(
                        &self
                            .secrets
                            .iter()
                            .find(|(k, _)| k == name)
                            .ok_or_else(|| CryptoError::Missing(name.clone()))?
                            .1,
                    ),
                }
            }
            Ok(out)
        }
    }

    impl Crypto for FakeCrypto {
        fn has_secret(&self, name: &str) -> bool {
            self.secrets.iter().any(|(k, _)| k == name)
        }

        fn hmac_sha256(&self, key: &[Part], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
            let key = self.assemble(key)?;
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
            mac.update(message);
            Ok(mac.finalize().into_bytes().to_vec())
        }

        fn hmac_sha256_verify(
            &self,
            secret: &str,
            message: &[u8],
            expected: &[u8],
        ) -> Result<bool, CryptoError> {
            let tag = self.hmac_sha256(&[Part::Secret(secret.to_string())], message)?;
            Ok(tag == expected)
        }

        fn sha256(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
            Ok(Sha256::digest(self.assemble(parts)?).to_vec())
        }
    }
}
