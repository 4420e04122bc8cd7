//! The host imports of a connector, for a native build of it.
//!
//! A connector compiled for wasm calls the gateway through its imports. Compiled natively
//! (unit tests, the benchmark that measures what the sandbox costs), the same calls land
//! here and go to the [`NativeHost`] the embedding program installed with [`install`].
//! Without one, every call panics and names what is missing — except `cache` (which then
//! keeps nothing) and `delivery` (which then tells no one).

use std::sync::OnceLock;

use super::bindings::helloword::gateway as generated;
use crate::types::Timestamp;

/// What a native embedding provides in place of the gateway's imports.
pub trait NativeHost: Send + Sync {
    /// `log.log`.
    fn log(&self, level: log::Level, message: &str, fields: &[(String, String)]);
    /// `clock.now`.
    fn now(&self) -> Timestamp;
    /// `config.get`.
    fn config(&self, key: &str) -> Option<String>;
    /// `config.all`.
    fn config_all(&self) -> Vec<(String, String)>;
    /// `metrics.counter-add`.
    fn counter_add(&self, name: &str, value: u64, labels: &[(String, String)]);
    /// `metrics.gauge-set`.
    fn gauge_set(&self, name: &str, value: i64, labels: &[(String, String)]);
    /// `crypto.has-secret`.
    fn has_secret(&self, name: &str) -> bool;
    /// `crypto.hmac-sha256-verify`.
    fn hmac_sha256_verify(
        &self,
        secret: &str,
        message: &[u8],
        expected: &[u8],
    ) -> Result<bool, crypto::CryptoError>;
    /// `crypto.hmac-sha256`.
    fn hmac_sha256(
        &self,
        key: &[crypto::Part],
        message: &[u8],
    ) -> Result<Vec<u8>, crypto::CryptoError>;
    /// `crypto.sha256`.
    fn sha256(&self, parts: &[crypto::Part]) -> Result<Vec<u8>, crypto::CryptoError>;
    /// `crypto.md5`.
    fn md5(&self, parts: &[crypto::Part]) -> Result<Vec<u8>, crypto::CryptoError>;
    /// `crypto.ecdsa-p256-verify`.
    fn ecdsa_p256_verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
        sha1: bool,
    ) -> Result<bool, crypto::CryptoError>;
    /// `http.send`.
    fn send(&self, req: &http::Request) -> Result<http::Response, http::HttpError>;
    /// `mail.fetch`. By default the embedding has no mail: every call fails as a
    /// connection error that says so.
    fn mail_fetch(
        &self,
        server: &mail::Server,
        folder: &str,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> Result<mail::Fetched, mail::MailError> {
        let _ = (folder, uid_validity, after_uid, limit);
        Err(mail::MailError::Connection(format!(
            "this native embedding reaches no mail server ({})",
            server.host
        )))
    }
    /// `cache.get`. By default the embedding keeps nothing: every lookup misses.
    fn cache_get(&self, key: &str) -> Option<Vec<u8>> {
        let _ = key;
        None
    }
    /// `cache.set`. By default nothing is kept.
    fn cache_set(&self, key: &str, value: &[u8], ttl_seconds: u32) {
        let _ = (key, value, ttl_seconds);
    }
    /// `delivery.verified-unreadable`. By default it is ignored.
    fn verified_unreadable(&self) {}
    /// `mail.send`. By default the embedding has no mail, as for [`NativeHost::mail_fetch`].
    fn mail_send(
        &self,
        server: &mail::Server,
        message: &mail::Outgoing,
    ) -> Result<String, mail::MailError> {
        let _ = message;
        Err(mail::MailError::Connection(format!(
            "this native embedding reaches no mail server ({})",
            server.host
        )))
    }
}

static HOST: OnceLock<Box<dyn NativeHost>> = OnceLock::new();

/// Install the host every native import call goes to (once per process; later calls are
/// ignored and return false).
pub fn install(host: Box<dyn NativeHost>) -> bool {
    HOST.set(host).is_ok()
}

fn host() -> &'static dyn NativeHost {
    HOST.get().map(Box::as_ref).unwrap_or_else(|| {
        panic!(
            "a natively built connector called a host import, but no NativeHost is installed \
             (helloword_sdk::connector::native::install)"
        )
    })
}

/// `helloword:gateway/log`.
pub mod log {
    pub use super::generated::log::Level;

    /// Log `message` with `fields`.
    pub fn log(level: Level, message: &str, fields: &[(String, String)]) {
        super::host().log(level, message, fields)
    }
}

/// `helloword:gateway/clock`.
pub mod clock {
    /// The current time.
    pub fn now() -> crate::types::Timestamp {
        super::host().now()
    }
}

/// `helloword:gateway/config`.
pub mod config {
    /// One config value.
    pub fn get(key: &str) -> Option<String> {
        super::host().config(key)
    }

    /// Every config value.
    pub fn all() -> Vec<(String, String)> {
        super::host().config_all()
    }
}

/// `helloword:gateway/metrics`.
pub mod metrics {
    /// Add to a counter.
    pub fn counter_add(name: &str, value: u64, labels: &[(String, String)]) {
        super::host().counter_add(name, value, labels)
    }

    /// Set a gauge.
    pub fn gauge_set(name: &str, value: i64, labels: &[(String, String)]) {
        super::host().gauge_set(name, value, labels)
    }
}

/// `helloword:gateway/crypto`.
pub mod crypto {
    pub use super::generated::crypto::{CryptoError, Part};

    /// Whether `name` is granted and has a value.
    pub fn has_secret(name: &str) -> bool {
        super::host().has_secret(name)
    }

    /// Constant-time HMAC-SHA256 check with the secret `secret`.
    pub fn hmac_sha256_verify(
        secret: &str,
        message: &[u8],
        expected: &[u8],
    ) -> Result<bool, CryptoError> {
        super::host().hmac_sha256_verify(secret, message, expected)
    }

    /// HMAC-SHA256 with a key assembled from parts.
    pub fn hmac_sha256(key: &[Part], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        super::host().hmac_sha256(key, message)
    }

    /// SHA-256 of the parts.
    pub fn sha256(parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        super::host().sha256(parts)
    }

    /// MD5 of the parts.
    pub fn md5(parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        super::host().md5(parts)
    }

    /// Verify an ECDSA P-256 signature.
    pub fn ecdsa_p256_verify(
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
        sha1: bool,
    ) -> Result<bool, CryptoError> {
        super::host().ecdsa_p256_verify(public_key, message, signature, sha1)
    }
}

/// `helloword:gateway/http`.
pub mod http {
    pub use super::generated::http::{HttpError, Request, Response, SecretHeader};

    /// Send a request.
    pub fn send(req: &Request) -> Result<Response, HttpError> {
        super::host().send(req)
    }
}

/// `helloword:gateway/mail`.
pub mod mail {
    pub use super::generated::mail::{
        Attachment, Fetched, MailError, Message, Outgoing, Security, Server,
    };

    /// Read messages of `folder` above `after_uid`.
    pub fn fetch(
        server: &Server,
        folder: &str,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> Result<Fetched, MailError> {
        super::host().mail_fetch(server, folder, uid_validity, after_uid, limit)
    }

    /// Send a message.
    pub fn send(server: &Server, message: &Outgoing) -> Result<String, MailError> {
        super::host().mail_send(server, message)
    }
}

/// `helloword:gateway/cache`. Without an installed host nothing is kept (a cache that
/// always misses is a correct cache), so a connector's pure code can use it in unit tests.
pub mod cache {
    /// The value under `key`, if kept and not expired.
    pub fn get(key: &str) -> Option<Vec<u8>> {
        super::HOST.get().and_then(|host| host.cache_get(key))
    }

    /// Keep `value` under `key` for `ttl_seconds`.
    pub fn set(key: &str, value: &[u8], ttl_seconds: u32) {
        if let Some(host) = super::HOST.get() {
            host.cache_set(key, value, ttl_seconds)
        }
    }
}

/// `helloword:gateway/delivery`. Without an installed host the call tells no one, so a
/// connector's pure code can refuse an unreadable delivery in unit tests.
pub mod delivery {
    /// The request verified but cannot be read.
    pub fn verified_unreadable() {
        if let Some(host) = super::HOST.get() {
            host.verified_unreadable()
        }
    }
}
