//! The processing panel: the dashboard's static files and its sign-in.
//!
//! Everything is compiled into the binary (`assets/`), so nothing is built or fetched at run
//! time. Every response under `/ui` carries a strict Content-Security-Policy: the page runs
//! only scripts and styles from this origin (the files below), and talks only to this
//! origin's admin API.
//!
//! Routes: `GET /` (redirect), `GET /ui/` (the page), `GET /ui/app.css`, `GET /ui/app.js`
//! (the queue and ticket pages' entry module) and the modules it imports — `/ui/strings.js`,
//! `state.js`, `i18n.js`, `dom.js`, `api.js`, `catalog.js`, `session.js`, `router.js`,
//! `live.js`, `queue.js`, `selection.js`, `keyboard.js`, `batch.js`, `ticket.js`,
//! `conversation.js`, `order.js`, `nextstep.js`, `composer.js`, `proposals.js`, `timeline.js` — then `GET /ui/reports.js`,
//! `GET /ui/reports.css` (the Reports and Segments & care pages), and `/ui/session` —
//! `POST` a token for a session cookie, `GET` the current session, `DELETE` to sign out.
//! How the admin API accepts the cookie is in [`session`].

pub mod session;

use std::sync::LazyLock;

use crate::web::Body;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::{App, error, json};
use session::{CookieCheck, SignInError};

/// The Content-Security-Policy of every dashboard response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Largest sign-in body accepted.
const MAX_SIGN_IN_BODY: usize = 4 << 10;

/// A file compiled into the binary, with its validator.
struct Asset {
    content_type: &'static str,
    body: &'static [u8],
    etag: String,
}

impl Asset {
    fn new(content_type: &'static str, body: &'static [u8]) -> Asset {
        let digest = Sha256::digest(body);
        Asset {
            content_type,
            body,
            etag: format!("W/\"{}\"", hex::encode(&digest[..12])),
        }
    }
}

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// `(path, content type, bytes)` of the file `assets/<name>`, served at `/ui/<name>`.
macro_rules! file {
    ($name:literal, $content_type:expr) => {
        (
            concat!("/ui/", $name),
            $content_type,
            include_bytes!(concat!("assets/", $name)),
        )
    };
}

/// Every file the dashboard serves: its path, content type and bytes. `app.js` is an ES
/// module; every module it imports (`import … from './x.js'`) must be listed here too.
static FILES: &[(&str, &str, &[u8])] = &[
    ("/ui/", HTML, include_bytes!("assets/index.html")),
    file!("app.css", CSS),
    file!("app.js", JAVASCRIPT),
    file!("strings.js", JAVASCRIPT),
    file!("state.js", JAVASCRIPT),
    file!("i18n.js", JAVASCRIPT),
    file!("dom.js", JAVASCRIPT),
    file!("api.js", JAVASCRIPT),
    file!("catalog.js", JAVASCRIPT),
    file!("session.js", JAVASCRIPT),
    file!("router.js", JAVASCRIPT),
    file!("live.js", JAVASCRIPT),
    file!("queue.js", JAVASCRIPT),
    file!("selection.js", JAVASCRIPT),
    file!("views.js", JAVASCRIPT),
    file!("keyboard.js", JAVASCRIPT),
    file!("batch.js", JAVASCRIPT),
    file!("ticket.js", JAVASCRIPT),
    file!("conversation.js", JAVASCRIPT),
    file!("order.js", JAVASCRIPT),
    file!("nextstep.js", JAVASCRIPT),
    file!("composer.js", JAVASCRIPT),
    file!("proposals.js", JAVASCRIPT),
    file!("timeline.js", JAVASCRIPT),
    file!("reports.js", JAVASCRIPT),
    file!("reports.css", CSS),
];

/// [`FILES`] with their validators, computed once.
static ASSETS: LazyLock<Vec<(&'static str, Asset)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(path, content_type, body)| (path, Asset::new(content_type, body)))
        .collect()
});

/// The compiled-in file served at `path`.
fn served(path: &str) -> Option<&'static Asset> {
    ASSETS
        .iter()
        .find(|(served_at, _)| *served_at == path)
        .map(|(_, asset)| asset)
}

/// Handle `/`, `/ui` and everything under `/ui/`.
pub async fn handle(app: &App, req: Request<Body>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let response = match (req.method(), path.as_str()) {
        (&Method::GET | &Method::HEAD, "/" | "/ui") => redirect("/ui/"),
        (&Method::POST, "/ui/session") => sign_in(app, req).await,
        (&Method::GET, "/ui/session") => current(app, req.headers()),
        (&Method::DELETE, "/ui/session") => sign_out(app, &req),
        (method @ (&Method::GET | &Method::HEAD), file) => match served(file) {
            Some(found) => asset(found, req.headers()),
            None => not_found(method, &path),
        },
        (method, _) => not_found(method, &path),
    };
    with_security_headers(response)
}

/// The headers every dashboard response carries.
fn with_security_headers(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let headers = response.headers_mut();
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

fn not_found(method: &Method, path: &str) -> Response<Full<Bytes>> {
    error(
        StatusCode::NOT_FOUND,
        "not-found",
        &format!("no dashboard route for {method} {path}"),
    )
}

fn redirect(to: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
        .headers_mut()
        .insert(hyper::header::LOCATION, HeaderValue::from_static(to));
    response
}

/// A compiled-in file; `304 Not Modified` when the browser's copy is current. Browsers
/// revalidate every time (`no-cache`), so a new binary's files are seen at once. The file
/// may go out gzip-compressed ([`crate::web::Compressible`]), so its validator is weak: the
/// same for both encodings.
fn asset(asset: &Asset, request: &HeaderMap) -> Response<Full<Bytes>> {
    let fresh = request
        .get(hyper::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == asset.etag.trim_start_matches("W/"))
        });
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        (StatusCode::OK, Bytes::from_static(asset.body))
    };
    Response::builder()
        .status(status)
        .header("content-type", asset.content_type)
        .header("etag", asset.etag.as_str())
        .header("cache-control", "no-cache")
        .extension(crate::web::Compressible)
        .body(Full::new(body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// `POST /ui/session` — `{"token": "…"}`: a session cookie and the CSRF token.
async fn sign_in(app: &App, req: Request<Body>) -> Response<Full<Bytes>> {
    let secure = came_over_https(&req);
    let body = match Limited::new(req.into_body(), MAX_SIGN_IN_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                &format!("the sign-in body is at most {MAX_SIGN_IN_BODY} bytes"),
            );
        }
    };
    let token = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => v["token"].as_str().map(|t| t.trim().to_string()),
        Err(_) => None,
    };
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad-body",
            "send {\"token\": \"…\"} with an API token from [api.tokens]",
        );
    };
    match session::sign_in(app, token.as_bytes()) {
        Ok(issued) => {
            let mut response = json(
                StatusCode::OK,
                &serde_json::json!({ "user": issued.user, "csrf": issued.csrf }),
            );
            set_cookie(&mut response, &session_cookie(&issued.id, secure));
            response
        }
        Err(e @ SignInError::UnknownToken) => {
            error(StatusCode::UNAUTHORIZED, "unknown-token", &e.to_string())
        }
        Err(e @ SignInError::Full) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too-many-sessions",
            &e.to_string(),
        ),
        Err(e @ SignInError::Random(_)) => {
            tracing::error!(message = "No randomness for a dashboard session.", error = %e);
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "no-randomness",
                &e.to_string(),
            )
        }
    }
}

/// `GET /ui/session`: who is signed in, with the CSRF token (after a page reload).
fn current(app: &App, headers: &HeaderMap) -> Response<Full<Bytes>> {
    match session::current(app, headers) {
        Some((user, csrf)) => json(
            StatusCode::OK,
            &serde_json::json!({ "user": user, "csrf": csrf }),
        ),
        None => error(
            StatusCode::UNAUTHORIZED,
            "signed-out",
            "no dashboard session; sign in with an API token",
        ),
    }
}

/// `DELETE /ui/session`: sign out (needs the CSRF token, like every state change).
fn sign_out(app: &App, req: &Request<Body>) -> Response<Full<Bytes>> {
    if let Some(refusal) = csrf_refusal(app, req) {
        return refusal;
    }
    session::sign_out(req.headers());
    let secure = came_over_https(req);
    let mut response = json(StatusCode::OK, &serde_json::json!({ "signed_out": true }));
    set_cookie(&mut response, &expired_cookie(secure));
    response
}

/// The caller named by the request's session cookie, when it is a valid one and — for a
/// state change — carries the session's CSRF token. The admin API's fallback for requests
/// without a bearer token.
pub fn cookie_user<B>(app: &App, req: &Request<B>) -> Option<String> {
    match session::check(app, req) {
        CookieCheck::User(user) => Some(user),
        _ => None,
    }
}

/// The 403 for a request with a live session cookie but no valid CSRF token; `None` when
/// the request has no such problem.
pub fn csrf_refusal<B>(app: &App, req: &Request<B>) -> Option<Response<Full<Bytes>>> {
    let (kind, message) = match session::check(app, req) {
        CookieCheck::CsrfMissing => (
            "csrf-token-missing",
            "this request is signed in by the dashboard session cookie and changes state; \
             send the session's CSRF token in the `X-CSRF-Token` header",
        ),
        CookieCheck::CsrfWrong => (
            "csrf-token-invalid",
            "the `X-CSRF-Token` header does not match this session's CSRF token; \
             reload the dashboard and sign in again",
        ),
        CookieCheck::Absent | CookieCheck::User(_) => return None,
    };
    Some(error(StatusCode::FORBIDDEN, kind, message))
}

/// Whether the browser reached us over HTTPS: directly, or through a proxy that says so.
fn came_over_https<B>(req: &Request<B>) -> bool {
    req.extensions().get::<crate::web::tls::OverTls>().is_some() || forwarded_https(req.headers())
}

/// Whether a proxy says the browser used HTTPS.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn session_cookie(id: &str, secure: bool) -> String {
    format!(
        "{}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        session::COOKIE,
        session::LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

fn expired_cookie(secure: bool) -> String {
    format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        session::COOKIE,
        if secure { "; Secure" } else { "" }
    )
}

fn set_cookie(response: &mut Response<Full<Bytes>>, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response
            .headers_mut()
            .insert(hyper::header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn assets_answer_304_to_their_own_etag() {
        for (path, file) in ASSETS.iter() {
            let mut headers = HeaderMap::new();
            assert_eq!(asset(file, &headers).status(), StatusCode::OK, "{path}");
            headers.insert(
                hyper::header::IF_NONE_MATCH,
                HeaderValue::from_str(&file.etag).unwrap(),
            );
            assert_eq!(
                asset(file, &headers).status(),
                StatusCode::NOT_MODIFIED,
                "{path}"
            );
        }
    }

    /// A file in `assets/` that is not in [`FILES`] would be a module the page cannot load.
    #[test]
    fn every_file_in_assets_is_served() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/ui/assets");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let path = match name.as_str() {
                "index.html" => "/ui/".to_string(),
                other => format!("/ui/{other}"),
            };
            let file = served(&path).unwrap_or_else(|| panic!("{name} is not served"));
            assert_eq!(file.body, std::fs::read(dir.join(&name)).unwrap(), "{name}");
            let expected = match name.rsplit('.').next() {
                Some("js") => JAVASCRIPT,
                Some("css") => CSS,
                _ => HTML,
            };
            assert_eq!(file.content_type, expected, "{name}");
        }
    }

    /// Every module a script imports is served, as JavaScript (browsers refuse a module of
    /// any other type).
    #[test]
    fn every_imported_module_is_served() {
        let mut imports = 0;
        for &(path, content_type, body) in FILES {
            if content_type != JAVASCRIPT {
                continue;
            }
            let text = std::str::from_utf8(body).unwrap();
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let name = line
                    .split("from './")
                    .nth(1)
                    .and_then(|rest| rest.strip_suffix("';"))
                    .unwrap_or_else(|| panic!("{path}: an import not of './name.js': {line}"));
                let module = served(&format!("/ui/{name}"))
                    .unwrap_or_else(|| panic!("{path} imports {name}, which is not served"));
                assert_eq!(module.content_type, JAVASCRIPT, "{name}");
                imports += 1;
            }
        }
        assert!(imports > 0, "app.js is a module that imports the others");
    }

    #[test]
    fn the_cookie_is_secure_only_over_https() {
        assert!(!session_cookie("x", false).contains("Secure"));
        assert!(session_cookie("x", true).ends_with("; Secure"));
        assert!(session_cookie("x", false).contains("HttpOnly; SameSite=Strict; Path=/"));
    }
}
