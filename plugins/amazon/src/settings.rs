//! The connector's configuration (`[config]` of `plugin.toml`, overridable by the gateway)
//! and the names of the secrets it uses. Reading does no I/O beyond the config import;
//! every error names the key to fix.

use helloword_sdk::mail::{self, MailNames};
pub use helloword_sdk::mail::{MailboxSettings, SmtpSettings, is_address};

/// Login with Amazon access token for the Selling Partner API, sent by the host as
/// `x-amz-access-token`. The host refreshes it (an `oauth` secret in the gateway config).
pub const LWA_TOKEN: &str = "amazon_lwa_token";
/// The API key the EventBridge API destination sends in the `api_key_header` header.
pub const EVENTBRIDGE_KEY: &str = "amazon_eventbridge_key";
/// The AWS secret access key that signs SQS requests (SigV4, computed in the host).
pub const AWS_SECRET: &str = "aws_secret_access_key";
/// The password (or OAuth access token) of the seller's mailbox, for IMAP; also for SMTP
/// when [`SMTP_PASSWORD`] has no value.
pub const MAILBOX_PASSWORD: &str = "amazon_mailbox_password";
/// The SMTP password, when it differs from the mailbox's.
pub const SMTP_PASSWORD: &str = "amazon_smtp_password";

/// Where the operator sets a config key, for "is not set" messages: the gateway config's
/// table for this plugin, over the defaults of plugins/amazon/plugin.toml.
pub const WHERE: &str = "in [plugins.config.amazon] of the gateway config";

/// The report a poll asks for when `report_types` is not set.
pub const RETURNS_REPORT: &str = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE";
/// The account health report (JSON, schema `accountHealthReport-2020-11-18`).
pub const ACCOUNT_HEALTH_REPORT: &str = "GET_V2_SELLER_PERFORMANCE_REPORT";
/// The report types the connector can turn into events.
pub const KNOWN_REPORTS: [&str; 2] = [RETURNS_REPORT, ACCOUNT_HEALTH_REPORT];

/// The SQS queue the connector polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsSettings {
    /// `sqs_queue_url`, e.g. `https://sqs.us-east-1.amazonaws.com/123456789012/sp-api`.
    pub queue_url: String,
    /// `sqs_endpoint`: where requests go (default: scheme and host of the queue URL).
    pub endpoint: String,
    /// `aws_region` (default: read from `sqs.<region>.amazonaws.com`).
    pub region: String,
    /// `aws_access_key_id`: public half of the key pair (it appears in every request).
    pub access_key_id: String,
    /// `sqs_max_messages`, 1..=10.
    pub max_messages: u32,
    /// `sqs_wait_seconds`, 0..=20 (long polling; keep it below `limits.http_timeout_ms`).
    pub wait_seconds: u32,
}

/// The mail keys and secrets, as the SDK's mail settings name them in messages.
pub const MAIL: MailNames = MailNames {
    plugin: "amazon",
    mailbox_password: MAILBOX_PASSWORD,
    smtp_password: SMTP_PASSWORD,
    from_key: "seller_email",
};

/// Checked configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `seller_id`: every event's `shop` (default: the notification's seller id, else "amazon").
    pub seller_id: Option<String>,
    /// `marketplace_id`, sent as `marketplaceIds` (default `ATVPDKIKX0DER`, amazon.com).
    pub marketplace_id: String,
    /// `api_base` of the Selling Partner API, without a trailing slash.
    pub api_base: String,
    /// `application_id`: when set, notifications of other applications are refused.
    pub application_id: Option<String>,
    /// `api_key_header`: the header carrying the EventBridge API key (lower case).
    pub api_key_header: String,
    /// The SQS queue, when `sqs_queue_url` is set.
    pub sqs: Option<SqsSettings>,
    /// `report_types`: the reports a poll requests, in turn (empty: no report polling).
    pub report_types: Vec<String>,
    /// `report_interval_minutes`: the pause between two rounds of reports.
    pub report_interval_minutes: i64,
    /// `report_lookback_days`: how far back the first report of a type reaches.
    pub report_lookback_days: i64,
    /// `report_overlap_hours`: how far a later report reaches back before the last one ended.
    pub report_overlap_hours: i64,
    /// The mailbox buyer messages are read from, when `mailbox_host` is set.
    pub mailbox: Option<MailboxSettings>,
    /// The SMTP server e-mail replies go out through, when `smtp_host` is set.
    pub smtp: Option<SmtpSettings>,
    /// `seller_email`: the From address of e-mail replies. It must be the address
    /// registered in Seller Central, or Amazon drops the reply.
    pub seller_email: Option<String>,
}

impl Settings {
    /// Read and check the configuration through `get`.
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let text = |key: &str| {
            get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let base = |key: &str, default: &str| -> Result<String, String> {
            let value = text(key).unwrap_or_else(|| default.to_string());
            if !(value.starts_with("https://") || value.starts_with("http://")) {
                return Err(format!(
                    "config `{key}` = {value:?} is not an http:// or https:// URL"
                ));
            }
            Ok(value.trim_end_matches('/').to_string())
        };
        let number = |key: &str, default: i64, range: std::ops::RangeInclusive<i64>| match text(key)
        {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    format!(
                        "config `{key}` = {v:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    )
                }),
        };

        let marketplace_id = text("marketplace_id").unwrap_or_else(|| "ATVPDKIKX0DER".into());
        if !marketplace_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "config `marketplace_id` = {marketplace_id:?} is not an Amazon marketplace id \
                 such as ATVPDKIKX0DER"
            ));
        }
        let api_key_header = text("api_key_header")
            .unwrap_or_else(|| "x-api-key".into())
            .to_ascii_lowercase();
        if !api_key_header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "config `api_key_header` = {api_key_header:?} is not an HTTP header name"
            ));
        }

        let sqs = match text("sqs_queue_url") {
            None => None,
            Some(queue_url) => {
                let (scheme, rest) = queue_url.split_once("://").ok_or_else(|| {
                    format!("config `sqs_queue_url` = {queue_url:?} is not a URL")
                })?;
                if scheme != "https" && scheme != "http" {
                    return Err(format!(
                        "config `sqs_queue_url` = {queue_url:?} is not an http(s) URL"
                    ));
                }
                let host = rest.split('/').next().unwrap_or_default().to_string();
                let endpoint = match text("sqs_endpoint") {
                    Some(_) => base("sqs_endpoint", "")?,
                    None => format!("{scheme}://{host}"),
                };
                let region = match text("aws_region") {
                    Some(r) => r,
                    None => host
                        .strip_prefix("sqs.")
                        .and_then(|h| h.split('.').next())
                        .filter(|r| !r.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| {
                            format!(
                                "config `aws_region` is not set and cannot be read from \
                                 `sqs_queue_url` = {queue_url:?} (expected \
                                 https://sqs.<region>.amazonaws.com/…): set it {WHERE}"
                            )
                        })?,
                };
                let access_key_id = text("aws_access_key_id").ok_or_else(|| {
                    format!(
                        "config `aws_access_key_id` is not set: the SQS queue needs the access \
                         key id of an IAM user allowed sqs:ReceiveMessage and \
                         sqs:DeleteMessage (its secret key is the secret \
                         `aws_secret_access_key`); set it {WHERE}"
                    )
                })?;
                Some(SqsSettings {
                    queue_url,
                    endpoint,
                    region,
                    access_key_id,
                    max_messages: number("sqs_max_messages", 10, 1..=10)? as u32,
                    wait_seconds: number("sqs_wait_seconds", 0, 0..=20)? as u32,
                })
            }
        };

        let report_types: Vec<String> = match get("report_types") {
            None => vec![RETURNS_REPORT.to_string()],
            Some(list) => {
                let mut types: Vec<String> = Vec::new();
                for t in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if !KNOWN_REPORTS.contains(&t) {
                        return Err(format!(
                            "config `report_types` names {t:?}; the connector reads {}",
                            KNOWN_REPORTS.join(", ")
                        ));
                    }
                    if !types.iter().any(|x| x == t) {
                        types.push(t.to_string());
                    }
                }
                types
            }
        };

        let mailbox = mail::mailbox_settings(&text, &MAIL)?;
        let smtp = mail::smtp_settings(&text, mailbox.as_ref(), &MAIL)?;
        let seller_email = text("seller_email")
            .map(|address| {
                if is_address(&address) {
                    Ok(address)
                } else {
                    Err(format!(
                        "config `seller_email` = {address:?} is not an e-mail address such as \
                         support@example.com (use the address registered in Seller Central)"
                    ))
                }
            })
            .transpose()?;

        Ok(Settings {
            seller_id: text("seller_id"),
            marketplace_id,
            api_base: base("api_base", "https://sellingpartnerapi-na.amazon.com")?,
            application_id: text("application_id"),
            api_key_header,
            sqs,
            report_types,
            report_interval_minutes: number("report_interval_minutes", 240, 5..=10_080)?,
            report_lookback_days: number("report_lookback_days", 30, 1..=90)?,
            report_overlap_hours: number("report_overlap_hours", 72, 0..=720)?,
            mailbox,
            smtp,
            seller_email,
        })
    }

    /// The shop of an event whose notification names `seller` (if any).
    pub fn shop(&self, seller: Option<&str>) -> String {
        self.seller_id
            .clone()
            .or_else(|| seller.filter(|s| !s.is_empty()).map(str::to_string))
            .unwrap_or_else(|| "amazon".to_string())
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Settings from literal pairs.
    pub fn settings(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_config(move |key| {
            owned.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::settings;
    use super::*;
    use helloword_sdk::mail::MailSecurity;

    #[test]
    fn defaults_need_no_amazon_account() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.api_base, "https://sellingpartnerapi-na.amazon.com");
        assert_eq!(s.marketplace_id, "ATVPDKIKX0DER");
        assert_eq!(s.api_key_header, "x-api-key");
        assert_eq!(s.sqs, None);
        assert_eq!(s.report_types, vec![RETURNS_REPORT.to_string()]);
        assert_eq!(s.shop(None), "amazon");
        assert_eq!(s.shop(Some("A3TH9S8BH6GOGM")), "A3TH9S8BH6GOGM");
    }

    #[test]
    fn the_region_is_read_from_the_queue_url() {
        let s = settings(&[
            (
                "sqs_queue_url",
                "https://sqs.eu-west-1.amazonaws.com/123456789012/sp-api",
            ),
            ("aws_access_key_id", "AKIDEXAMPLE"),
        ])
        .unwrap();
        let sqs = s.sqs.unwrap();
        assert_eq!(sqs.region, "eu-west-1");
        assert_eq!(sqs.endpoint, "https://sqs.eu-west-1.amazonaws.com");
        assert_eq!(sqs.max_messages, 10);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (pairs, key) in [
            (vec![("api_base", "ftp://x")], "`api_base`"),
            (vec![("report_types", "GET_SOMETHING")], "`report_types`"),
            (vec![("marketplace_id", "US-1")], "`marketplace_id`"),
            (
                vec![("sqs_queue_url", "https://sqs.us-east-1.amazonaws.com/1/q")],
                "`aws_access_key_id`",
            ),
            (
                vec![
                    ("sqs_queue_url", "https://queue.example/1/q"),
                    ("aws_access_key_id", "AKID"),
                ],
                "`aws_region`",
            ),
            (
                vec![("report_interval_minutes", "1")],
                "`report_interval_minutes`",
            ),
        ] {
            let err = settings(&pairs).unwrap_err();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn mail_is_off_by_default_and_defaults_fill_the_rest() {
        let s = settings(&[]).unwrap();
        assert_eq!((s.mailbox, s.smtp, s.seller_email), (None, None, None));
        let s = settings(&[
            ("mailbox_host", "imap.example.com"),
            ("mailbox_username", "support@example.com"),
            ("smtp_host", "smtp.example.com"),
            ("seller_email", "support@example.com"),
        ])
        .unwrap();
        assert_eq!(
            s.mailbox,
            Some(MailboxSettings {
                host: "imap.example.com".into(),
                port: 993,
                security: MailSecurity::Tls,
                username: "support@example.com".into(),
                folder: "INBOX".into(),
                batch: 20,
            })
        );
        assert_eq!(
            s.smtp,
            Some(SmtpSettings {
                host: "smtp.example.com".into(),
                port: 587,
                security: MailSecurity::Starttls,
                username: "support@example.com".into(),
            })
        );
        assert_eq!(s.seller_email.as_deref(), Some("support@example.com"));
        let s = settings(&[
            ("mailbox_host", "127.0.0.1"),
            ("mailbox_port", "1143"),
            ("mailbox_security", "None"),
            ("mailbox_username", "u"),
            ("mailbox_folder", "Amazon/Buyers"),
            ("mailbox_batch", "5"),
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", "2525"),
            ("smtp_security", "tls"),
            ("smtp_username", "sender"),
        ])
        .unwrap();
        let mailbox = s.mailbox.unwrap();
        assert_eq!(
            (
                mailbox.port,
                mailbox.security,
                mailbox.folder.as_str(),
                mailbox.batch
            ),
            (1143, MailSecurity::None, "Amazon/Buyers", 5)
        );
        let smtp = s.smtp.unwrap();
        assert_eq!(
            (smtp.port, smtp.security, smtp.username.as_str()),
            (2525, MailSecurity::Tls, "sender")
        );
    }

    #[test]
    fn bad_mail_values_name_their_key() {
        let mailbox = [
            ("mailbox_host", "imap.example.com"),
            ("mailbox_username", "u"),
        ];
        for (extra, key) in [
            (vec![("mailbox_port", "99999")], "`mailbox_port`"),
            (vec![("mailbox_port", "0")], "`mailbox_port`"),
            (vec![("mailbox_security", "ssl3")], "`mailbox_security`"),
            (vec![("mailbox_batch", "0")], "`mailbox_batch`"),
            (vec![("mailbox_batch", "500")], "`mailbox_batch`"),
            (
                vec![("mailbox_host", "imaps://imap.example.com")],
                "`mailbox_host`",
            ),
            (
                vec![("mailbox_host", "imap.example.com:993")],
                "`mailbox_host`",
            ),
            (vec![("mailbox_folder", "IN\r\nBOX")], "`mailbox_folder`"),
            (
                vec![("smtp_host", "smtp.example.com"), ("smtp_port", "x")],
                "`smtp_port`",
            ),
            (
                vec![("smtp_host", "smtp.example.com"), ("smtp_security", "ssl3")],
                "`smtp_security`",
            ),
            (
                vec![("seller_email", "Support <support@example.com>")],
                "`seller_email`",
            ),
            (vec![("seller_email", "support")], "`seller_email`"),
        ] {
            let mut pairs: Vec<(&str, &str)> = mailbox.to_vec();
            for (k, v) in extra {
                pairs.retain(|(key, _)| *key != k);
                pairs.push((k, v));
            }
            let err = settings(&pairs).unwrap_err();
            assert!(err.contains(key), "{key}: {err}");
        }
        let err = settings(&[("mailbox_host", "imap.example.com")]).unwrap_err();
        assert!(err.contains("`mailbox_username`"), "{err}");
        let err = settings(&[("smtp_host", "smtp.example.com")]).unwrap_err();
        assert!(err.contains("`smtp_username`"), "{err}");
    }

    #[test]
    fn addresses_are_bare_addresses() {
        assert!(is_address("a1b2c3@marketplace.amazon.de"));
        assert!(!is_address("a b@example.com"));
        assert!(!is_address("a@example"));
        assert!(!is_address("a@example.com\r\nBcc: x@y.z"));
        assert!(!is_address("@example.com"));
    }

    #[test]
    fn an_empty_report_list_turns_report_polling_off() {
        assert!(
            settings(&[("report_types", "")])
                .unwrap()
                .report_types
                .is_empty()
        );
    }
}
