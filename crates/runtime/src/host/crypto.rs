//! `helloword:gateway/crypto`: digests, MACs and signature checks where secrets stay in the
//! host. A plugin names a secret; the value is looked up here, only if granted.

use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::bindings::crypto::{CryptoError, Host, Part};
use crate::state::CallState;

type HmacSha256 = Hmac<Sha256>;

impl CallState {
    /// The value of a granted secret.
    fn secret(&self, name: &str) -> Result<&[u8], CryptoError> {
        if !self.host.secret_granted(name) {
            return Err(CryptoError::NotGranted(
                self.host.grants.secret_not_granted(name),
            ));
        }
        let grants = &self.host.grants;
        if grants.services.secrets.oauth(grants.source(name)).is_some() {
            return Err(CryptoError::InvalidInput(format!(
                "secret `{name}` is an OAuth access token; it can only be sent in a secret header"
            )));
        }
        grants
            .services
            .secrets
            .get(grants.source(name))
            .ok_or_else(|| {
                CryptoError::Missing(format!(
                    "secret `{name}` has no value in the gateway's [secrets] table"
                ))
            })
    }

    /// Concatenate parts, resolving secrets.
    fn assemble(&self, parts: &[Part]) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::new();
        for part in parts {
            match part {
                Part::Data(bytes) => out.extend_from_slice(bytes),
                Part::Secret(name) => out.extend_from_slice(self.secret(name)?),
            }
        }
        Ok(out)
    }
}

fn verify_ecdsa(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
    sha1: bool,
) -> Result<bool, CryptoError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;

    let invalid =
        |what: &str, e: &dyn std::fmt::Display| CryptoError::InvalidInput(format!("{what}: {e}"));
    let key = match std::str::from_utf8(public_key) {
        Ok(pem) if pem.contains("-----BEGIN") => {
            VerifyingKey::from_public_key_pem(&rewrap_pem(pem))
                .map_err(|e| invalid("public key is not a P-256 PEM key", &e))?
        }
        _ => VerifyingKey::from_public_key_der(public_key)
            .map_err(|e| invalid("public key is not P-256 SubjectPublicKeyInfo DER", &e))?,
    };
    let signature =
        Signature::from_der(signature).map_err(|e| invalid("signature is not DER ECDSA", &e))?;
    let digest: Vec<u8> = if sha1 {
        sha1::Sha1::digest(message).to_vec()
    } else {
        Sha256::digest(message).to_vec()
    };
    Ok(key.verify_prehash(&digest, &signature).is_ok())
}

/// eBay's keys come as a PEM whose base64 body has no line breaks; PEM parsers want 64-column lines.
fn rewrap_pem(pem: &str) -> String {
    let body: String = pem
        .replace("-----BEGIN PUBLIC KEY-----", "")
        .replace("-----END PUBLIC KEY-----", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

impl Host for CallState {
    async fn has_secret(&mut self, name: String) -> wasmtime::Result<bool> {
        self.host.count_call()?;
        // An OAuth token counts as present: the host fetches it when a header needs it.
        let oauth = self.host.secret_granted(&name)
            && self
                .host
                .grants
                .services
                .secrets
                .oauth(self.host.grants.source(&name))
                .is_some();
        Ok(oauth || self.secret(&name).is_ok())
    }

    async fn hmac_sha256_verify(
        &mut self,
        secret: String,
        message: Vec<u8>,
        expected: Vec<u8>,
    ) -> wasmtime::Result<Result<bool, CryptoError>> {
        self.host.count_call()?;
        Ok(self.secret(&secret).map(|key| {
            let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
            mac.update(&message);
            // `verify_slice` compares in constant time.
            mac.verify_slice(&expected).is_ok()
        }))
    }

    async fn hmac_sha256(
        &mut self,
        key: Vec<Part>,
        message: Vec<u8>,
    ) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        self.host.count_call()?;
        Ok(self.assemble(&key).map(|key| {
            let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length");
            mac.update(&message);
            mac.finalize().into_bytes().to_vec()
        }))
    }

    async fn sha256(&mut self, parts: Vec<Part>) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        self.host.count_call()?;
        Ok(self
            .assemble(&parts)
            .map(|data| Sha256::digest(data).to_vec()))
    }

    async fn md5(&mut self, parts: Vec<Part>) -> wasmtime::Result<Result<Vec<u8>, CryptoError>> {
        self.host.count_call()?;
        Ok(self.assemble(&parts).map(|data| Md5::digest(data).to_vec()))
    }

    async fn ecdsa_p256_verify(
        &mut self,
        public_key: Vec<u8>,
        message: Vec<u8>,
        signature: Vec<u8>,
        sha1: bool,
    ) -> wasmtime::Result<Result<bool, CryptoError>> {
        self.host.count_call()?;
        Ok(verify_ecdsa(&public_key, &message, &signature, sha1))
    }
}
