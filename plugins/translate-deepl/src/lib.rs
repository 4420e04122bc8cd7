//! Translator through DeepL's API (`POST /v2/translate`).
//!
//! The request is DeepL's JSON shape: `{"text": [...], "target_lang": "DE",
//! "source_lang": "ZH", "formality": "prefer_more"}` with `Authorization: DeepL-Auth-Key`
//! added by the host from the granted secret `deepl_auth_key`. DeepL names targets with
//! upper-case codes and wants a region for English and Portuguese targets ("EN-US", "PT-BR")
//! but none for sources ("EN", "PT"). Status codes map to the contract's errors: 429/5xx and
//! transport failures are `unavailable` (try later), 456 (quota), 403 (key) and 413 (size) are
//! `rejected`, 400 naming a language is `unsupported-language`.

use helloword_sdk::translator::http::{self, HttpError, SecretHeader};
use helloword_sdk::translator::{
    Formality, TranslateError, TranslateRequest, Translation, Translator, config,
};

/// The secret holding the DeepL key.
pub const SECRET: &str = "deepl_auth_key";

/// DeepL's code for a target language: upper case, with a region where DeepL requires one.
pub fn target_code(tag: &str) -> String {
    let upper = tag.replace('_', "-").to_ascii_uppercase();
    match upper.as_str() {
        "EN" => "EN-US".into(),
        "PT" => "PT-PT".into(),
        "EN-US" | "EN-GB" | "PT-BR" | "PT-PT" => upper,
        "ZH-HANS" | "ZH-CN" => "ZH-HANS".into(),
        "ZH-HANT" | "ZH-TW" | "ZH-HK" => "ZH-HANT".into(),
        other => other.split('-').next().unwrap_or(other).to_string(),
    }
}

/// DeepL's code for a source language: the primary subtag, upper case.
pub fn source_code(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_uppercase()
}

/// The HTTP request for `req` against `api_base`.
pub fn build_request(req: &TranslateRequest, api_base: &str) -> http::Request {
    let mut body = serde_json::json!({
        "text": [req.text],
        "target_lang": target_code(&req.target_language),
        "formality": match req.formality {
            Formality::Default => "default",
            Formality::More => "prefer_more",
            Formality::Less => "prefer_less",
        },
    });
    if let Some(source) = &req.source_language {
        body["source_lang"] = source_code(source).into();
    }
    http::Request {
        method: "POST".into(),
        url: format!("{}/v2/translate", api_base.trim_end_matches('/')),
        headers: vec![("content-type".into(), "application/json".into())],
        secret_headers: vec![SecretHeader {
            name: "Authorization".into(),
            prefix: "DeepL-Auth-Key ".into(),
            secret: SECRET.into(),
        }],
        body: body.to_string().into_bytes(),
    }
}

/// The translation in DeepL's answer, or the contract's error for it.
pub fn parse_response(
    req: &TranslateRequest,
    answer: Result<http::Response, HttpError>,
) -> Result<Translation, TranslateError> {
    let response = answer.map_err(|e| {
        TranslateError::Unavailable(match e {
            HttpError::Timeout => "DeepL did not answer in time".into(),
            HttpError::Connection(why) => format!("cannot reach DeepL: {why}"),
            HttpError::ResponseTooLarge(n) => format!("DeepL's answer is too large ({n} bytes)"),
            HttpError::HostNotGranted(host) => {
                format!("host {host} is not granted to this plugin (allowed_hosts)")
            }
            HttpError::InvalidRequest(why) => format!("invalid request: {why}"),
        })
    })?;
    let message = || {
        serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect()
            })
    };
    match response.status {
        200 => {}
        429 => {
            return Err(TranslateError::Unavailable(
                "DeepL: too many requests".into(),
            ));
        }
        456 => {
            return Err(TranslateError::Rejected(
                "DeepL: the character quota is used up".into(),
            ));
        }
        403 => {
            return Err(TranslateError::Rejected(
                "DeepL refused the authentication key".into(),
            ));
        }
        413 => {
            return Err(TranslateError::Rejected(
                "DeepL: the text is too large".into(),
            ));
        }
        400 if message().to_ascii_lowercase().contains("lang") => {
            return Err(TranslateError::UnsupportedLanguage(
                req.target_language.clone(),
            ));
        }
        s if s >= 500 => {
            return Err(TranslateError::Unavailable(format!(
                "DeepL answered {s}: {}",
                message()
            )));
        }
        s => {
            return Err(TranslateError::Rejected(format!(
                "DeepL answered {s}: {}",
                message()
            )));
        }
    }
    let body: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| TranslateError::Unavailable(format!("DeepL's answer is not JSON: {e}")))?;
    let translations = body
        .get("translations")
        .and_then(|t| t.as_array())
        .filter(|t| t.len() == 1)
        .ok_or_else(|| {
            TranslateError::Unavailable("DeepL's answer has no single translation".into())
        })?;
    let first = &translations[0];
    let text = first
        .get("text")
        .and_then(|t| t.as_str())
        .ok_or_else(|| TranslateError::Unavailable("DeepL's translation has no text".into()))?;
    Ok(Translation {
        text: text.to_string(),
        detected_source_language: first
            .get("detected_source_language")
            .and_then(|l| l.as_str())
            .map(|l| l.to_ascii_lowercase()),
    })
}

struct DeepL;

impl Translator for DeepL {
    fn translate(req: TranslateRequest) -> Result<Translation, TranslateError> {
        let base = config::get("api_base").unwrap_or_else(|| "https://api-free.deepl.com".into());
        let answer = http::send(&build_request(&req, &base));
        parse_response(&req, answer)
    }
}

helloword_sdk::export_translator!(DeepL);

#[cfg(test)]
mod tests {
    use super::*;

    fn req(target: &str, source: Option<&str>) -> TranslateRequest {
        TranslateRequest {
            text: "您的包裹已经发出。".into(),
            source_language: source.map(String::from),
            target_language: target.into(),
            formality: Formality::More,
        }
    }

    fn answer(status: u16, body: &str) -> Result<http::Response, HttpError> {
        Ok(http::Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn requests_use_deepls_codes_and_the_secret_header() {
        let r = build_request(&req("pt-BR", Some("zh-CN")), "http://127.0.0.1:9/");
        assert_eq!(r.url, "http://127.0.0.1:9/v2/translate");
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["target_lang"], "PT-BR");
        assert_eq!(body["source_lang"], "ZH");
        assert_eq!(body["formality"], "prefer_more");
        assert_eq!(body["text"][0], "您的包裹已经发出。");
        assert_eq!(r.secret_headers[0].prefix, "DeepL-Auth-Key ");
        assert_eq!(target_code("en"), "EN-US");
        assert_eq!(target_code("de-AT"), "DE");
        assert_eq!(target_code("ja"), "JA");
    }

    #[test]
    fn answers_map_to_translations_and_errors() {
        let ok = parse_response(
            &req("de", None),
            answer(200, r#"{"translations":[{"detected_source_language":"ZH","text":"Ihr Paket wurde versandt."}]}"#),
        )
        .unwrap();
        assert_eq!(ok.text, "Ihr Paket wurde versandt.");
        assert_eq!(ok.detected_source_language.as_deref(), Some("zh"));
        let err =
            |status, body| parse_response(&req("de", None), answer(status, body)).unwrap_err();
        assert!(matches!(err(503, "busy"), TranslateError::Unavailable(_)));
        assert!(matches!(err(429, ""), TranslateError::Unavailable(_)));
        assert!(matches!(err(456, ""), TranslateError::Rejected(m) if m.contains("quota")));
        assert!(matches!(err(403, ""), TranslateError::Rejected(_)));
        assert!(matches!(
            err(400, r#"{"message":"Value for 'target_lang' not supported."}"#),
            TranslateError::UnsupportedLanguage(l) if l == "de"
        ));
        assert!(matches!(
            err(200, r#"{"translations":[]}"#),
            TranslateError::Unavailable(_)
        ));
        let down = parse_response(
            &req("de", None),
            Err(HttpError::Connection("refused".into())),
        );
        assert!(matches!(down, Err(TranslateError::Unavailable(m)) if m.contains("refused")));
    }
}
