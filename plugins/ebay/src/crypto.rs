//! The host's `crypto` import behind a trait, so verification logic runs natively in unit
//! tests with a fake. Secrets are referred to by name; their values stay in the host.

use helloword_sdk::connector::crypto::{CryptoError, Part};

/// What the connector asks of the host's crypto.
pub trait Crypto {
    /// Whether secret `name` is granted and has a value.
    fn has_secret(&self, name: &str) -> bool;
    /// SHA-256 of the concatenated parts.
    fn sha256(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError>;
    /// MD5 of the concatenated parts (Platform Notifications only).
    fn md5(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError>;
    /// ECDSA P-256 over `message`, hashed with SHA-1 when `sha1`.
    fn ecdsa_p256_verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
        sha1: bool,
    ) -> Result<bool, CryptoError>;
}

/// The host's message of a crypto error.
pub fn message(error: CryptoError) -> String {
    match error {
        CryptoError::NotGranted(m) | CryptoError::Missing(m) | CryptoError::InvalidInput(m) => m,
    }
}

/// Compare two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
