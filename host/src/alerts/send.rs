//! The channels: e-mail over SMTP (lettre), SMS through Twilio's Messages API shape, the
//! Standard Webhooks signed POST, and the in-app live stream.
//!
//! E-mail, SMS and webhook alerts link to the ticket's page in the dashboard
//! ([`ticket_link`]); an e-mail alert's Message-ID is derived from the alert
//! ([`message_id`]), so a resend after a failure is the same message to the recipient.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lettre::message::SinglePart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::{Alert, AlertsConfig, Channel};
use crate::plugin::Secrets;
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
    /// `alerts.public_url`, checked: where ticket links point.
    link_base: Option<String>,
}

/// The live-stream event of app alert `alert` about `ticket`.
pub fn live_event(alert: &Alert, ticket: &Ticket) -> String {
    let subject = subject(alert, ticket);
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
    ) -> Result<Senders, SetupError> {
        config.check().map_err(SetupError)?;
        let link_base = config.link_base().map_err(SetupError)?;
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
            link_base,
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

    /// The dashboard's page of `ticket`, for the channels that link to it.
    fn link(&self, ticket: &Ticket) -> Result<String, String> {
        // `check` refuses e-mail, SMS and webhook channels without `public_url`.
        let base = self
            .link_base
            .as_deref()
            .ok_or("`alerts.public_url` is not set, so the alert cannot link to the ticket")?;
        Ok(ticket_link(base, ticket.id))
    }

    /// Deliver `alert` about `ticket`; the provider's reference on success.
    pub async fn send(&self, alert: &Alert, ticket: &Ticket) -> Result<Option<String>, String> {
        let subject = subject(alert, ticket);
        match alert.channel {
            Channel::App => {
                // On a store shared by several gateways, each gateway's listener reads the
                // alert back and sends it to the dashboards connected to it.
                let shared = self.shared.as_ref().and_then(|store| {
                    store.publish_live(format!("alert {} {}", ticket.id, alert.id))
                });
                if shared.is_none() {
                    // No dashboard open is not a failure: the alert is on the ticket.
                    let _ = self.live.send(live_event(alert, ticket));
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
                let body = body(alert, ticket, &self.link(ticket)?);
                // `singlepart` writes MIME-Version and the part's Content-Type and encoding.
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .message_id(Some(message_id(alert, from.email.domain())))
                    .singlepart(SinglePart::plain(body))
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
                let text = sms_text(&subject, &self.link(ticket)?);
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
                let link = self.link(ticket)?;
                let payload = serde_json::json!({
                    "type": format!("ticket.alert.{}", alert.trigger.id()),
                    "timestamp": jiff::Timestamp::now().to_string(),
                    "data": {
                        "alert": alert, "ticket": ticket, "text": format!("{subject} {link}"),
                        "url": link,
                    },
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

/// The dashboard's page of ticket `id` under the gateway's public address `base` (no
/// trailing slash): the dashboard routes by the fragment (`route()` in `web/ui/assets/router.js`)
/// and, when nobody is signed in, shows the sign-in first and the ticket after it.
pub fn ticket_link(base: &str, id: u64) -> String {
    format!("{base}/ui/#/tickets/{id}")
}

/// The Message-ID of `alert`'s e-mail: the alert's own id, its ticket and when it was planned
/// — stable across retries, so a resend after a failure carries the same id and the
/// recipient's mail system keeps one copy — at the domain of the configured From address
/// (`alerts.email.from`), a domain the seller controls.
pub fn message_id(alert: &Alert, domain: &str) -> String {
    format!(
        "<alert-{}.ticket-{}.{}@{domain}>",
        alert.id,
        alert.ticket,
        alert.created_at.as_second()
    )
}

/// The longest SMS body Twilio's Messages API takes.
const SMS_MAX_CHARS: usize = 1600;

/// An SMS: the subject, then the link on a line of its own, kept whole (a long subject is
/// cut instead).
fn sms_text(subject: &str, link: &str) -> String {
    let room = SMS_MAX_CHARS.saturating_sub(link.chars().count() + 1);
    let subject: String = subject.chars().take(room).collect();
    format!("{subject}\n{link}")
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

/// The level of `ticket` as the recipient's UI language (English or Chinese) names it.
fn level(alert: &Alert, ticket: &Ticket) -> &'static str {
    use crate::tickets::sla::Severity;
    match (alert.language.as_str(), ticket.severity) {
        ("zh", Severity::Red) => "红色",
        ("zh", Severity::Yellow) => "黄色",
        ("zh", Severity::Blue) => "蓝色",
        (_, Severity::Red) => "RED",
        (_, Severity::Yellow) => "YELLOW",
        (_, Severity::Blue) => "BLUE",
    }
}

/// The subject of `alert`, in the recipient's UI language (English or Chinese).
pub fn subject(alert: &Alert, ticket: &Ticket) -> String {
    let (level, headline) = (level(alert, ticket), alert.trigger.headline());
    if alert.language == "zh" {
        format!("[{level}] 工单 #{}: {headline}", ticket.id)
    } else {
        format!("[{level}] Ticket #{}: {headline}", ticket.id)
    }
}

/// The body of `alert`'s e-mail, in the recipient's UI language, ending with `link`.
pub fn body(alert: &Alert, ticket: &Ticket, link: &str) -> String {
    let headline = alert.trigger.headline();
    if alert.language == "zh" {
        format!(
            "{headline}\n\n平台: {} / {}\n摘要: {}\n首次回复截止: {}\n负责人: {}\n\n{link}\n",
            ticket.marketplace,
            ticket.shop,
            ticket.summary,
            ticket.due.at,
            ticket.assignee.as_deref().unwrap_or("(未分配)"),
        )
    } else {
        format!(
            "{headline}\n\nMarketplace: {} / {}\nSummary: {}\nFirst response due: {}\nOwner: {}\n\n{link}\n",
            ticket.marketplace,
            ticket.shop,
            ticket.summary,
            ticket.due.at,
            ticket.assignee.as_deref().unwrap_or("(nobody)"),
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

    fn alert(id: u64, ticket: u64, created_at: jiff::Timestamp) -> Alert {
        Alert {
            id,
            ticket,
            trigger: super::super::Trigger::NewRed,
            level: crate::tickets::sla::Severity::Red,
            channel: Channel::Email,
            recipient: "mei".into(),
            address: "mei@shop.example".into(),
            language: "en".into(),
            state: super::super::AlertState::Pending,
            attempts: 0,
            next_attempt_at: created_at,
            created_at,
        }
    }

    #[test]
    fn a_resent_alert_carries_the_message_id_of_its_first_attempt() {
        let planned: jiff::Timestamp = "2026-05-01T09:30:00Z".parse().unwrap();
        let first = alert(42, 7, planned);
        let mut retry = first.clone();
        retry.attempts = 3;
        retry.next_attempt_at = planned + jiff::SignedDuration::from_mins(5);
        retry.state = super::super::AlertState::Failed {
            error: "421 try later".into(),
        };
        let id = message_id(&first, "shop.example");
        assert_eq!(id, message_id(&retry, "shop.example"));
        assert_eq!(id, "<alert-42.ticket-7.1777627800@shop.example>");
        assert_ne!(id, message_id(&alert(43, 7, planned), "shop.example"));
    }

    #[test]
    fn ticket_links_open_the_dashboards_ticket_page() {
        assert_eq!(
            ticket_link("https://helloword.shop.example", 12),
            "https://helloword.shop.example/ui/#/tickets/12"
        );
        assert_eq!(
            ticket_link("https://shop.example/helloword", 3),
            "https://shop.example/helloword/ui/#/tickets/3"
        );
    }

    #[test]
    fn an_sms_keeps_its_link_whole_when_the_subject_is_long() {
        let link = "https://helloword.shop.example/ui/#/tickets/12";
        let text = sms_text(&"word ".repeat(1000), link);
        assert_eq!(text.chars().count(), SMS_MAX_CHARS);
        assert!(text.ends_with(&format!("\n{link}")), "{text}");
    }
}
