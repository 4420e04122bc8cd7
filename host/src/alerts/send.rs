//! The channels: e-mail over SMTP (lettre), SMS through Twilio's Messages API shape, the
//! Standard Webhooks signed POST, and the in-app live stream.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::{Alert, AlertsConfig, Channel};
use crate::config::Secrets;
use crate::tickets::model::Ticket;

/// Live updates for dashboards: one JSON text per event.
pub type LiveSender = tokio::sync::broadcast::Sender<String>;

/// Everything the senders need.
pub struct Senders {
    config: AlertsConfig,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<lettre::message::Mailbox>,
    http: reqwest::Client,
    sms_token: Option<String>,
    webhook_key: Option<Vec<u8>>,
    live: LiveSender,
    /// A store shared with other gateways, through which app alerts reach theirs.
    shared: Option<crate::store::Store>,
    /// Where ticket links in alerts point (the dashboard), e.g. "http://127.0.0.1:8080".
    pub public_url: String,
}

/// The live-stream event of app alert `alert` about `ticket`.
pub fn live_event(alert: &Alert, ticket: &Ticket, public_url: &str) -> String {
    let (subject, _) = text(alert, ticket, public_url);
    serde_json::json!({
        "type": "alert", "alert": alert, "subject": subject, "ticket": ticket,
    })
    .to_string()
}

/// Why the senders could not be set up; names the key.
#[derive(Debug, thiserror::Error)]
#[error("[alerts] {0}")]
pub struct SetupError(String);

impl Senders {
    /// Build the senders from `[alerts]`, resolving its secrets.
    pub fn new(
        config: AlertsConfig,
        secrets: &Secrets,
        live: LiveSender,
        public_url: String,
    ) -> Result<Senders, SetupError> {
        config.check().map_err(SetupError)?;
        let (smtp, from) = match &config.email {
            None => (None, None),
            Some(email) => {
                let from = email.from.parse().map_err(|e| {
                    SetupError(format!(
                        "`email.from` {:?} is not an address: {e}",
                        email.from
                    ))
                })?;
                let bad = |e: lettre::transport::smtp::Error| {
                    SetupError(format!("`email.server` {:?}: {e}", email.server))
                };
                let mut builder = if let Some(rest) = email.server.strip_prefix("smtp+starttls://")
                {
                    let (host, port) = host_port(rest, 587)?;
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                        .map_err(bad)?
                        .port(port)
                } else if let Some(rest) = email.server.strip_prefix("smtps://") {
                    let (host, port) = host_port(rest, 465)?;
                    AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                        .map_err(bad)?
                        .port(port)
                } else if let Some(rest) = email.server.strip_prefix("smtp://") {
                    let (host, port) = host_port(rest, 25)?;
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port)
                } else {
                    return Err(SetupError(format!(
                        "`email.server` {:?}: expected smtp://, smtp+starttls:// or smtps://",
                        email.server
                    )));
                };
                if let Some(user) = &email.username {
                    let secret = email.password_secret.as_deref().ok_or_else(|| {
                        SetupError("`email.username` needs `email.password_secret`".into())
                    })?;
                    let password = secrets.get(secret).ok_or_else(|| {
                        SetupError(format!(
                            "`email.password_secret` names unknown secret {secret:?}"
                        ))
                    })?;
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        String::from_utf8_lossy(password).into_owned(),
                    ));
                }
                builder = builder.timeout(Some(std::time::Duration::from_secs(10)));
                (Some(builder.build()), Some(from))
            }
        };
        let sms_token = match &config.sms {
            None => None,
            Some(sms) => Some(
                secrets
                    .get(&sms.auth_token_secret)
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .ok_or_else(|| {
                        SetupError(format!(
                            "`sms.auth_token_secret` names unknown secret {:?}",
                            sms.auth_token_secret
                        ))
                    })?,
            ),
        };
        let webhook_key = match &config.webhook {
            None => None,
            Some(hook) => {
                let raw = secrets.get(&hook.secret).ok_or_else(|| {
                    SetupError(format!(
                        "`webhook.secret` names unknown secret {:?}",
                        hook.secret
                    ))
                })?;
                let text = String::from_utf8_lossy(raw);
                let encoded = text.strip_prefix("whsec_").unwrap_or(&text);
                Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .map_err(|_| {
                            SetupError(
                                "`webhook.secret` must be `whsec_` followed by base64".into(),
                            )
                        })?,
                )
            }
        };
        Ok(Senders {
            config,
            smtp,
            from,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| SetupError(e.to_string()))?,
            sms_token,
            webhook_key,
            live,
            shared: None,
            public_url,
        })
    }

    /// The `[alerts]` section.
    pub fn config(&self) -> &AlertsConfig {
        &self.config
    }

    /// Send app alerts to the live streams of every gateway on `store` when it is shared
    /// (PostgreSQL), rather than only to this gateway's.
    pub fn share_live_through(&mut self, store: crate::store::Store) {
        self.shared = Some(store);
    }

    /// The live stream.
    pub fn live(&self) -> &LiveSender {
        &self.live
    }

    /// Deliver `alert` about `ticket`; the provider's reference on success.
    pub async fn send(&self, alert: &Alert, ticket: &Ticket) -> Result<Option<String>, String> {
        let (subject, body) = text(alert, ticket, &self.public_url);
        match alert.channel {
            Channel::App => {
                // On a store shared by several gateways, each gateway's listener reads the
                // alert back and sends it to the dashboards connected to it.
                let shared = self.shared.as_ref().and_then(|store| {
                    store.publish_live(format!("alert {} {}", ticket.id, alert.id))
                });
                if shared.is_none() {
                    // No dashboard open is not a failure: the alert is on the ticket.
                    let _ = self.live.send(live_event(alert, ticket, &self.public_url));
                }
                Ok(None)
            }
            Channel::Email => {
                let (Some(smtp), Some(from)) = (&self.smtp, &self.from) else {
                    return Err("no [alerts.email] server is configured".into());
                };
                let to = alert
                    .address
                    .parse()
                    .map_err(|e| format!("{:?} is not an e-mail address: {e}", alert.address))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body)
                    .map_err(|e| e.to_string())?;
                let response = smtp.send(message).await.map_err(|e| e.to_string())?;
                Ok(response.message().next().map(str::to_string))
            }
            Channel::Sms => {
                let (Some(sms), Some(token)) = (&self.config.sms, &self.sms_token) else {
                    return Err("no [alerts.sms] provider is configured".into());
                };
                let url = format!(
                    "{}/2010-04-01/Accounts/{}/Messages.json",
                    sms.api_base.trim_end_matches('/'),
                    sms.account_sid
                );
                let text = format!("{subject} — {}", first_line(&body));
                let response = self
                    .http
                    .post(url)
                    .basic_auth(&sms.account_sid, Some(token))
                    .form(&[
                        ("To", alert.address.as_str()),
                        ("From", &sms.from),
                        ("Body", &text),
                    ])
                    .send()
                    .await
                    .map_err(|e| format!("the SMS provider cannot be reached: {e}"))?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if !status.is_success() {
                    return Err(format!(
                        "the SMS provider answered {status}: {}",
                        answer["message"].as_str().unwrap_or("no message")
                    ));
                }
                Ok(answer["sid"].as_str().map(str::to_string))
            }
            Channel::Webhook => {
                let (Some(hook), Some(key)) = (&self.config.webhook, &self.webhook_key) else {
                    return Err("no [alerts.webhook] is configured".into());
                };
                let payload = serde_json::json!({
                    "type": format!("ticket.alert.{}", alert.trigger.id()),
                    "timestamp": jiff::Timestamp::now().to_string(),
                    "data": { "alert": alert, "ticket": ticket, "text": subject },
                })
                .to_string();
                let id = format!("alert_{}", alert.id);
                let timestamp = jiff::Timestamp::now().as_second().to_string();
                let signature = standard_webhook_signature(key, &id, &timestamp, &payload);
                let response = self
                    .http
                    .post(&hook.url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &id)
                    .header("webhook-timestamp", &timestamp)
                    .header("webhook-signature", signature)
                    .body(payload)
                    .send()
                    .await
                    .map_err(|e| format!("the webhook receiver cannot be reached: {e}"))?;
                if response.status().is_success() {
                    Ok(None)
                } else {
                    Err(format!(
                        "the webhook receiver answered {}",
                        response.status()
                    ))
                }
            }
        }
    }
}

fn host_port(rest: &str, default_port: u16) -> Result<(String, u16), SetupError> {
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) => Ok((
            host.to_string(),
            port.parse().map_err(|_| {
                SetupError(format!("`email.server`: port {port:?} is not a number"))
            })?,
        )),
        None => Ok((rest.to_string(), default_port)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{payload}">`, as Standard Webhooks signs.
pub fn standard_webhook_signature(key: &[u8], id: &str, timestamp: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.{payload}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Subject and body of `alert`, in the recipient's UI language (English or Chinese).
pub fn text(alert: &Alert, ticket: &Ticket, public_url: &str) -> (String, String) {
    let level = match (alert.language.as_str(), ticket.severity) {
        ("zh", crate::tickets::sla::Severity::Red) => "红色",
        ("zh", crate::tickets::sla::Severity::Yellow) => "黄色",
        ("zh", crate::tickets::sla::Severity::Blue) => "蓝色",
        (_, crate::tickets::sla::Severity::Red) => "RED",
        (_, crate::tickets::sla::Severity::Yellow) => "YELLOW",
        (_, crate::tickets::sla::Severity::Blue) => "BLUE",
    };
    let headline = alert.trigger.headline();
    let link = format!("{}/tickets/{}", public_url.trim_end_matches('/'), ticket.id);
    if alert.language == "zh" {
        (
            format!("[{level}] 工单 #{}: {headline}", ticket.id),
            format!(
                "{headline}\n\n平台: {} / {}\n摘要: {}\n首次回复截止: {}\n负责人: {}\n\n{link}\n",
                ticket.marketplace,
                ticket.shop,
                ticket.summary,
                ticket.due.at,
                ticket.assignee.as_deref().unwrap_or("(未分配)"),
            ),
        )
    } else {
        (
            format!("[{level}] Ticket #{}: {headline}", ticket.id),
            format!(
                "{headline}\n\nMarketplace: {} / {}\nSummary: {}\nFirst response due: {}\nOwner: {}\n\n{link}\n",
                ticket.marketplace,
                ticket.shop,
                ticket.summary,
                ticket.due.at,
                ticket.assignee.as_deref().unwrap_or("(nobody)"),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = standard_webhook_signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
