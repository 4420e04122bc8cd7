//! Keys that sign eBay Commerce Notifications as eBay does (ECDSA P-256 over SHA-1 of the
//! raw body, `X-EBAY-SIGNATURE` = base64 of `{"alg", "kid", "signature", "digest"}`), so tests
//! can send many distinct, validly signed notifications, and a loopback stand-in for eBay's
//! `GET /commerce/notification/v1/public_key/{kid}` that counts its fetches.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use sha1::{Digest, Sha1};

/// One signing key and the id eBay would give it.
pub struct EbayKey {
    key: SigningKey,
    /// The key id in the signature header.
    pub kid: String,
}

impl EbayKey {
    /// A fixed key (made from `seed`) named `kid`.
    pub fn new(seed: u8, kid: &str) -> EbayKey {
        let mut bytes = [seed; 32];
        bytes[0] = 1;
        EbayKey {
            key: SigningKey::from_bytes(&bytes.into()).unwrap(),
            kid: kid.to_string(),
        }
    }

    /// The public key as eBay's `getPublicKey` writes it: a PEM on one line.
    pub fn pem(&self) -> String {
        let der = VerifyingKey::from(&self.key).to_public_key_der().unwrap();
        format!(
            "-----BEGIN PUBLIC KEY-----{}-----END PUBLIC KEY-----",
            STANDARD.encode(der.as_bytes())
        )
    }

    /// The `X-EBAY-SIGNATURE` header of `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        let digest = Sha1::digest(body);
        let signature: Signature = self.key.sign_prehash(&digest).unwrap();
        let header = serde_json::json!({
            "alg": "ecdsa",
            "kid": self.kid,
            "signature": STANDARD.encode(signature.to_der().as_bytes()),
            "digest": "SHA1",
        });
        STANDARD.encode(header.to_string())
    }
}

/// eBay's public key endpoint on loopback, serving `keys` (kid → PEM); counts fetches by kid.
pub struct KeyServer {
    /// Its port.
    pub port: u16,
    fetches: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl KeyServer {
    /// Start it.
    pub async fn start(keys: BTreeMap<String, String>) -> KeyServer {
        let fetches: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let keys = Arc::new(keys);
        let counted = fetches.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let keys = keys.clone();
                let counted = counted.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let keys = keys.clone();
                            let counted = counted.clone();
                            async move {
                                let path = req.uri().path().to_string();
                                let _ = req.into_body().collect().await;
                                let kid = path
                                    .strip_prefix("/commerce/notification/v1/public_key/")
                                    .unwrap_or_default()
                                    .to_string();
                                *counted.lock().unwrap().entry(kid.clone()).or_default() += 1;
                                let (status, body) = match keys.get(&kid) {
                                    Some(pem) => (
                                        200,
                                        serde_json::json!({"key": pem, "algorithm": "ECDSA", "digest": "SHA1"}),
                                    ),
                                    None => (
                                        404,
                                        serde_json::json!({"errors": [{"errorId": 195001, "message": "The public key was not found."}]}),
                                    ),
                                };
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .header("content-type", "application/json")
                                        .body(http_body_util::Full::new(bytes::Bytes::from(
                                            body.to_string(),
                                        )))
                                        .unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        KeyServer { port, fetches }
    }

    /// Fetches of key `kid` so far.
    pub fn fetches(&self, kid: &str) -> usize {
        self.fetches.lock().unwrap().get(kid).copied().unwrap_or(0)
    }

    /// Fetches of any key so far.
    pub fn all_fetches(&self) -> usize {
        self.fetches.lock().unwrap().values().sum()
    }
}

/// An account-deletion notification for `user`, as eBay sends it, with notification id `id`.
pub fn deletion(id: &str, user: &str) -> Vec<u8> {
    serde_json::json!({
        "metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION", "schemaVersion": "1.0", "deprecated": false},
        "notification": {
            "notificationId": id,
            "eventDate": "2025-03-21T06:48:00.000Z",
            "publishDate": "2025-03-21T06:48:00.000Z",
            "publishAttemptCount": 1,
            "data": {"username": user, "userId": format!("id-{user}"), "eiasToken": format!("token-{user}")}
        }
    })
    .to_string()
    .into_bytes()
}
