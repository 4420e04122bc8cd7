//! The Commerce Notification API: the endpoint challenge (`GET ?challenge_code=`) and
//! signed JSON notifications (`POST` with `X-EBAY-SIGNATURE`).
//!
//! A notification is checked in this order: the signature header is decoded (malformed →
//! 400); the key it names is taken from config `public_key.<kid>` or fetched from eBay
//! (`GET /commerce/notification/v1/public_key/{kid}` with `ebay_app_token`); the ECDSA
//! signature (P-256, SHA-1) is verified by the host over the raw body bytes (mismatch →
//! 412, as eBay's SDKs answer); only then is the body parsed.
//!
//! A fetched key is kept in the host's cache for this plugin (`cache` import) for an hour,
//! by kid, as eBay asks (its Notification API has a daily call limit): every call runs in a
//! fresh instance, so without it each notification would fetch the key again. A kid that is
//! not in the cache is fetched; configuring `public_key.<kid>` avoids the fetch altogether.
//!
//! Once the signature verified, a body the connector cannot read (not JSON, no topic, a
//! shape it does not know) is refused through `delivery::unreadable`: the host keeps it for
//! replay and answers 202, so eBay does not retry it and disable the subscription.

pub mod challenge;
pub mod signature;
pub mod topics;

use helloword_sdk::connector::crypto::CryptoError;
use helloword_sdk::connector::{
    IncomingRequest, Reply, WebhookError, WebhookOutcome, cache, delivery,
};
use helloword_sdk::json;

use crate::api::{Api, Service};
use crate::crypto::{Crypto, message};
use crate::settings::{APP_TOKEN, ENDPOINT, PUBLIC_KEY_PREFIX, Settings, VERIFICATION_TOKEN};

/// Answer `GET ?challenge_code=…`.
pub fn answer_challenge(
    req: &IncomingRequest,
    settings: &Settings,
    crypto: &dyn Crypto,
) -> Result<WebhookOutcome, WebhookError> {
    let code = req
        .query_param("challenge_code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            WebhookError::BadRequest(
                "eBay calls GET only with `challenge_code`; this request has none".into(),
            )
        })?;
    let endpoint = settings.endpoint.as_deref().ok_or_else(|| {
        WebhookError::Misconfigured(format!(
            "config `{ENDPOINT}` is not set: set it to the exact URL registered as the eBay \
             notification destination, in the gateway config: [plugins.config.ebay] \
             {ENDPOINT} = \"https://gateway.example.com/hooks/ebay\""
        ))
    })?;
    let digest = crypto
        .sha256(&challenge::parts(&code, VERIFICATION_TOKEN, endpoint))
        .map_err(|e| WebhookError::Misconfigured(message(e)))?;
    Ok(WebhookOutcome::Reply(Reply::json(
        200,
        &challenge::body(&digest),
    )))
}

/// Where the key came from, for error messages.
enum KeySource {
    Config,
    Ebay,
}

/// Verify a signed notification and normalize it.
pub fn handle_signed(
    req: &IncomingRequest,
    header: &str,
    settings: &Settings,
    config: &dyn Fn(&str) -> Option<String>,
    api: &Api<'_>,
    crypto: &dyn Crypto,
) -> Result<WebhookOutcome, WebhookError> {
    let sig = signature::parse(header).map_err(WebhookError::BadRequest)?;
    let (key, source) = public_key(&sig.kid, config, api, crypto)?;
    let verified = crypto
        .ecdsa_p256_verify(key.as_bytes(), &req.body, &sig.der, sig.sha1)
        .map_err(|e| unusable(&sig.kid, &source, e))?;
    if !verified {
        return Err(WebhookError::PreconditionFailed(format!(
            "{} does not verify over the body with key {}; eBay signs the exact bytes it \
             sends, so a re-serialized or altered body fails",
            signature::HEADER,
            sig.kid
        )));
    }
    // Signed by eBay from here on: what cannot be read is kept, not refused.
    let body = json::parse(&req.body).map_err(delivery::unreadable)?;
    let topic = topics::topic(&body)
        .ok_or_else(|| delivery::unreadable("notification has no `metadata.topic`"))?;
    if !topics::handles(&topic) {
        return Ok(WebhookOutcome::Ignored(topic));
    }
    topics::normalize(&settings.seller, &body)
        .map(WebhookOutcome::Events)
        .map_err(|e| delivery::unreadable(e.0))
}

/// How long a fetched public key is kept: eBay's SDKs keep keys for an hour.
pub const KEY_CACHE_SECONDS: u32 = 3600;

/// The cache key of kid `kid`'s PEM.
fn cache_key(kid: &str) -> String {
    format!("public_key:{kid}")
}

/// The PEM of key `kid`: from config, else from eBay.
fn public_key(
    kid: &str,
    config: &dyn Fn(&str) -> Option<String>,
    api: &Api<'_>,
    crypto: &dyn Crypto,
) -> Result<(String, KeySource), WebhookError> {
    if let Some(pem) = config(&format!("{PUBLIC_KEY_PREFIX}{kid}")).filter(|p| !p.trim().is_empty())
    {
        return Ok((pem, KeySource::Config));
    }
    if let Some(pem) = cache::get(&cache_key(kid)).and_then(|bytes| String::from_utf8(bytes).ok()) {
        return Ok((pem, KeySource::Ebay));
    }
    if !crypto.has_secret(APP_TOKEN) {
        return Err(WebhookError::Misconfigured(format!(
            "no public key for kid {kid}: set config `{PUBLIC_KEY_PREFIX}{kid}` to the PEM (in \
             [plugins.config.ebay] of the gateway config), or give the gateway the secret \
             `{APP_TOKEN}` so the connector can fetch it from eBay"
        )));
    }
    let request = api.request(
        Service::Notification,
        "GET",
        &format!("/public_key/{kid}"),
        None,
    );
    let what = format!("GET {}", request.url);
    let response = api
        .send(&request)
        .map_err(|e| WebhookError::Unavailable(format!("{what} failed: {e:?}")))?;
    let text = || crate::api::error_text(&response.body);
    match response.status {
        200..=299 => {
            let pem =
                signature::key_from_response(&response.body).map_err(WebhookError::Unavailable)?;
            cache::set(&cache_key(kid), pem.as_bytes(), KEY_CACHE_SECONDS);
            Ok((pem, KeySource::Ebay))
        }
        404 => Err(WebhookError::PreconditionFailed(format!(
            "eBay has no public key {kid} ({what} answered 404), so the signature cannot be eBay's"
        ))),
        401 | 403 => Err(WebhookError::Misconfigured(format!(
            "eBay refused the application token in secret `{APP_TOKEN}` for {what} ({}): {}",
            response.status,
            text()
        ))),
        status => Err(WebhookError::Unavailable(format!(
            "eBay answered {status} to {what}: {}",
            text()
        ))),
    }
}

/// A crypto error while verifying: a bad key is the operator's (config) or eBay's problem;
/// a signature that is not DER simply does not verify.
fn unusable(kid: &str, source: &KeySource, error: CryptoError) -> WebhookError {
    let text = message(error);
    if text.starts_with("public key") {
        match source {
            KeySource::Config => WebhookError::Misconfigured(format!(
                "config `{PUBLIC_KEY_PREFIX}{kid}` is not a usable key: {text}"
            )),
            KeySource::Ebay => {
                WebhookError::Unavailable(format!("eBay's public key {kid} is not usable: {text}"))
            }
        }
    } else {
        WebhookError::PreconditionFailed(format!("{} does not verify: {text}", signature::HEADER))
    }
}
