//! Dashboard sessions: an API token from `[api.tokens]` exchanged for a cookie.
//!
//! A session is a random id (the `hw_session` cookie, `HttpOnly; SameSite=Strict`) and a
//! random CSRF token the page keeps in memory and sends as `X-CSRF-Token` with every state
//! change. Sessions live in memory: a restart signs everybody out, which is the safe failure.
//!
//! The registry is process-wide, not per [`App`], so a session remembers the fingerprint of
//! the token it was made from and counts only while a gateway still has that token for that
//! user: removing or changing a token in the config ends its sessions too.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use hyper::header::HeaderMap;
use hyper::{Method, Request};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::web::App;

/// The cookie that carries the session id.
pub const COOKIE: &str = "hw_session";
/// The header that carries the session's CSRF token on state changes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts after sign-in.
pub const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// At most this many live sessions; sign-in is refused beyond it.
const MAX_SESSIONS: usize = 10_000;

/// A signed-in browser.
#[derive(Clone)]
struct Session {
    user: String,
    token_fingerprint: [u8; 32],
    csrf: String,
    expires: Instant,
}

/// Sessions by SHA-256 of their id, so a lookup's timing says nothing about live ids.
static SESSIONS: LazyLock<Mutex<HashMap<[u8; 32], Session>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A new session as the browser sees it.
pub struct Issued {
    /// The cookie value.
    pub id: String,
    /// The CSRF token for `X-CSRF-Token`.
    pub csrf: String,
    /// Who signed in.
    pub user: String,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The token is not in `[api.tokens]`.
    #[error("the token is not one of the gateway's API tokens ([api.tokens])")]
    UnknownToken,
    /// Too many sessions are live.
    #[error("too many dashboard sessions are open; try again later")]
    Full,
    /// The system's random source failed.
    #[error("no randomness for a session id: {0}")]
    Random(getrandom::Error),
}

/// How the session cookie authenticates a request, if it does.
pub enum CookieCheck {
    /// No cookie, or one that names no live session.
    Absent,
    /// A live session; for a state change, with the right CSRF token.
    User(String),
    /// A live session, but a state change without the right CSRF token.
    CsrfMissing,
    /// A live session, but a state change with a wrong CSRF token.
    CsrfWrong,
}

/// Exchange `token` for a new session.
pub fn sign_in(app: &App, token: &[u8]) -> Result<Issued, SignInError> {
    let user = crate::web::access::by_token(&app.api_tokens, token)
        .map(|t| t.who.clone())
        .ok_or(SignInError::UnknownToken)?;
    let id = random_token().map_err(SignInError::Random)?;
    let csrf = random_token().map_err(SignInError::Random)?;
    let session = Session {
        user: user.clone(),
        token_fingerprint: sha256(token),
        csrf: csrf.clone(),
        expires: Instant::now() + LIFETIME,
    };
    let mut sessions = lock();
    let now = Instant::now();
    sessions.retain(|_, s| s.expires > now);
    if sessions.len() >= MAX_SESSIONS {
        return Err(SignInError::Full);
    }
    sessions.insert(sha256(id.as_bytes()), session);
    Ok(Issued { id, csrf, user })
}

/// End the session named by the request's cookie, if any.
pub fn sign_out(headers: &HeaderMap) {
    if let Some(id) = cookie(headers) {
        lock().remove(&sha256(id.as_bytes()));
    }
}

/// The live session of the request's cookie: (user, CSRF token).
pub fn current(app: &App, headers: &HeaderMap) -> Option<(String, String)> {
    let id = cookie(headers)?;
    let key = sha256(id.as_bytes());
    let mut sessions = lock();
    let session = sessions.get(&key)?.clone();
    if session.expires <= Instant::now() || !token_still_valid(app, &session) {
        sessions.remove(&key);
        return None;
    }
    Some((session.user, session.csrf))
}

/// Check the request's session cookie and, for a state change, its CSRF token.
pub fn check<B>(app: &App, req: &Request<B>) -> CookieCheck {
    let Some((user, csrf)) = current(app, req.headers()) else {
        return CookieCheck::Absent;
    };
    if is_safe(req.method()) {
        return CookieCheck::User(user);
    }
    match req.headers().get(CSRF_HEADER).map(|v| v.as_bytes()) {
        None => CookieCheck::CsrfMissing,
        Some(sent) if bool::from(sent.ct_eq(csrf.as_bytes())) => CookieCheck::User(user),
        Some(_) => CookieCheck::CsrfWrong,
    }
}

/// Methods that change nothing and so need no CSRF token.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the gateway still has the token the session was made from, for the same user.
fn token_still_valid(app: &App, session: &Session) -> bool {
    crate::web::access::by_digest(&app.api_tokens, &session.token_fingerprint)
        .is_some_and(|t| t.who == session.user)
}

/// The value of the session cookie, if the request has one.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<[u8; 32], Session>> {
    // A panic while holding the lock leaves the map intact; keep using it.
    SESSIONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 32 random bytes, hex.
fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex::encode(bytes))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            hyper::header::COOKIE,
            "theme=dark; hw_session=abc123; other=1".parse().unwrap(),
        );
        assert_eq!(cookie(&headers).as_deref(), Some("abc123"));
        headers.insert(hyper::header::COOKIE, "hw_sessionx=1".parse().unwrap());
        assert_eq!(cookie(&headers), None);
    }

    #[test]
    fn only_safe_methods_skip_the_csrf_check() {
        assert!(is_safe(&Method::GET));
        assert!(!is_safe(&Method::POST));
        assert!(!is_safe(&Method::DELETE));
    }
}
