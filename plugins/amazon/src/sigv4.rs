//! AWS Signature Version 4, computed in the plugin with the host's crypto so that the
//! secret access key never enters the plugin.
//!
//! The signing key chain starts with `HMAC("AWS4" + secret, date)`; the host assembles that
//! key from `[data("AWS4"), secret("aws_secret_access_key")]`. Later links (region, service,
//! "aws4_request") are keyed with the previous link, which is scoped to one day, region and
//! service, so only that derived key is seen by the plugin.
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)

use helloword_sdk::connector::crypto::{CryptoError, Part};
use helloword_sdk::types::Timestamp;

use crate::io::{Crypto, hex};

/// What signs: the key pair and the scope.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    /// The access key id, public (it appears in the Authorization header).
    pub access_key_id: &'a str,
    /// The name of the secret holding the secret access key.
    pub secret: &'a str,
    /// AWS region, e.g. "us-east-1".
    pub region: &'a str,
    /// Service name, e.g. "sqs".
    pub service: &'a str,
}

/// A request to sign. `headers` are the headers to send besides `host`, which is derived
/// from the URL; they must include `x-amz-date`.
#[derive(Debug, Clone)]
pub struct Unsigned<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Headers to sign and send.
    pub headers: &'a [(String, String)],
    /// Body bytes.
    pub body: &'a [u8],
}

/// The intermediate values and the result of signing, so tests can compare each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// `20150830T123600Z`, the `x-amz-date` form of `t`.
pub fn amz_date(t: &Timestamp) -> String {
    let text = helloword_sdk::time::format_rfc3339(t.seconds, 0);
    text.replace(['-', ':'], "")
}

/// Sign `request` with `creds` at `amz_date` (`YYYYMMDDTHHMMSSZ`).
pub fn sign(
    crypto: &dyn Crypto,
    creds: &Credentials<'_>,
    request: &Unsigned<'_>,
    amz_date: &str,
) -> Result<Signature, CryptoError> {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let (authority, path, query) = split_url(request.url);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), normalize_value(v)))
        .filter(|(k, _)| k != "host")
        .collect();
    headers.push(("host".into(), host_header(request.url, authority)));
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let payload_hash = hex(&crypto.sha256(&[Part::Data(request.body.to_vec())])?);
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        request.method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query(query),
    );
    let scope = format!("{date}/{}/{}/aws4_request", creds.region, creds.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&crypto.sha256(&[Part::Data(canonical_request.clone().into_bytes())])?)
    );
    let mut key = crypto.hmac_sha256(
        &[
            Part::Data(b"AWS4".to_vec()),
            Part::Secret(creds.secret.to_string()),
        ],
        date.as_bytes(),
    )?;
    for link in [creds.region, creds.service, "aws4_request"] {
        key = crypto.hmac_sha256(&[Part::Data(key)], link.as_bytes())?;
    }
    let signature = hex(&crypto.hmac_sha256(&[Part::Data(key)], string_to_sign.as_bytes())?);
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key_id
    );
    Ok(Signature {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    })
}

/// (authority, path, query) of an absolute URL.
fn split_url(url: &str) -> (&str, &str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or_default();
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        },
    };
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    (authority, path, query)
}

/// The `Host` header an HTTP client sends for `url`: the authority without a default port.
fn host_header(url: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default_port = if url.starts_with("https://") {
        ":443"
    } else {
        ":80"
    };
    authority
        .strip_suffix(default_port)
        .map(str::to_string)
        .unwrap_or(authority)
}

/// Trim a header value and collapse runs of spaces, as SigV4 wants.
fn normalize_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each path segment URI-encoded once more (AWS services other than S3 encode twice; the
/// URL already holds the first encoding). An empty path is "/".
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    path.split('/')
        .map(|segment| uri_encode(segment.as_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

/// Query parameters decoded, re-encoded the SigV4 way and sorted by name, then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k)),
                uri_encode(&percent_decode(v)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encode everything but the unreserved characters `A-Za-z0-9-_.~`.
pub fn uri_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_at = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex_at(i + 1), hex_at(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! AWS's published Signature Version 4 test suite: key `AKIDEXAMPLE` /
    //! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, 2015-08-30T12:36:00Z, region `us-east-1`,
    //! service `service`. The expected values are the files `get-vanilla.creq`, `.sts` and
    //! `.authz` (and likewise for the other cases) of the suite once published at
    //! https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html and now kept
    //! in https://github.com/awslabs/aws-c-auth/tree/main/tests/aws-signing-test-suite/v4
    //! (also `@aws-sdk/signature-v4`'s `suite.fixture.js`).

    use super::*;
    use crate::io::test_support::FakeCrypto;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn creds() -> Credentials<'static> {
        Credentials {
            access_key_id: "AKIDEXAMPLE",
            secret: "aws_secret_access_key",
            region: "us-east-1",
            service: "service",
        }
    }

    fn signed(method: &str, url: &str, extra: &[(&str, &str)], body: &[u8]) -> Signature {
        let crypto = FakeCrypto::with(&[("aws_secret_access_key", SECRET)]);
        let mut headers: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        headers.push(("X-Amz-Date".into(), "20150830T123600Z".into()));
        sign(
            &crypto,
            &creds(),
            &Unsigned {
                method,
                url,
                headers: &headers,
                body,
            },
            "20150830T123600Z",
        )
        .unwrap()
    }

    #[test]
    fn get_vanilla() {
        let s = signed("GET", "https://example.amazonaws.com/", &[], b"");
        assert_eq!(
            s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn get_vanilla_query_order_key_case() {
        let s = signed(
            "GET",
            "https://example.amazonaws.com/?Param2=value2&Param1=value1",
            &[],
            b"",
        );
        assert!(
            s.canonical_request
                .contains("\n/\nParam1=value1&Param2=value2\n")
        );
        assert_eq!(
            s.signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn post_x_www_form_urlencoded() {
        let s = signed(
            "POST",
            "https://example.amazonaws.com/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"Param1=value1",
        );
        assert_eq!(
            s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn the_host_header_keeps_a_non_default_port_only() {
        let s = signed("GET", "http://127.0.0.1:9324/", &[], b"");
        assert!(s.canonical_request.contains("host:127.0.0.1:9324\n"));
        let s = signed("GET", "https://example.amazonaws.com:443/", &[], b"");
        assert!(s.canonical_request.contains("host:example.amazonaws.com\n"));
    }

    #[test]
    fn amz_dates_are_compact_utc() {
        let t = Timestamp::parse("2015-08-30T12:36:00.250Z").unwrap();
        assert_eq!(amz_date(&t), "20150830T123600Z");
    }
}
