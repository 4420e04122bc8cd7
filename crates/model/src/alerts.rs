//! Alerts as records and their pure planning: channels, contacts, who gets what for which
//! trigger. Sending and the delivery loop are the gateway's (`helloword::alerts`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::assignment::Agent;
use crate::model::Ticket;
use crate::sla::Severity;

/// A delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// The dashboard's live stream.
    App,
    /// E-mail over SMTP.
    Email,
    /// SMS through the provider's HTTP API.
    Sms,
    /// The signed outbound webhook (one per gateway, for chat tools).
    Webhook,
}

impl Channel {
    /// The name as config writes it ("app", "email", "sms", "webhook").
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }
}

/// What caused an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "trigger")]
pub enum Trigger {
    /// A red ticket opened.
    NewRed,
    /// A step of the escalation ladder before the first response.
    Sla {
        /// Per mille of the time to the deadline.
        per_mille: u16,
    },
    /// The shipment has not moved for the configured number of days.
    LogisticsStalled {
        /// Days without movement.
        days: u32,
    },
    /// A payment or refund failed at the marketplace.
    PaymentFailed,
    /// The buyer's words announce a negative review.
    NegativeWords {
        /// The words found.
        words: Vec<String>,
    },
    /// A signed delivery its connector cannot read was kept for replay (the ticket is about
    /// it; see `helloword::ingest::unreadable`).
    UnreadableDelivery {
        /// The kept delivery's sequence number.
        delivery: u64,
    },
    /// A follow-up someone scheduled on the ticket came due.
    FollowUpDue {
        /// The follow-up's timer.
        timer: u64,
        /// What to check.
        check: String,
    },
    /// The compensation policy could not decide, asked again and again: a human proposes.
    PolicyFailed {
        /// Asks that failed (not `attempts`: the alert's own fields sit beside the
        /// trigger's).
        asks: u32,
    },
    /// A reply to the buyer (an agent's, or an automatic acknowledgement) could not be
    /// delivered: the buyer has not heard from the seller.
    ReplyFailed {
        /// The outbox action that carried it.
        action: u64,
        /// Why, as the dispatcher recorded it (not `error`: the alert's state has one).
        why: String,
    },
}

impl Trigger {
    /// A stable id: one alert per ticket per trigger id, recipient and channel.
    pub fn id(&self) -> String {
        match self {
            Trigger::NewRed => "new-red".into(),
            Trigger::Sla { per_mille } => format!("sla-{per_mille}"),
            Trigger::LogisticsStalled { .. } => "logistics-stalled".into(),
            Trigger::PaymentFailed => "payment-failed".into(),
            Trigger::NegativeWords { .. } => "negative-words".into(),
            Trigger::UnreadableDelivery { .. } => "unreadable-delivery".into(),
            Trigger::ReplyFailed { action, .. } => format!("reply-failed-{action}"),
            Trigger::PolicyFailed { .. } => "policy-failed".into(),
            Trigger::FollowUpDue { timer, .. } => format!("follow-up-{timer}"),
        }
    }

    /// One line for the alert's text (English; e-mail templates translate the frame).
    pub fn headline(&self) -> String {
        match self {
            Trigger::NewRed => "New red case".into(),
            Trigger::Sla { per_mille } if *per_mille >= 1000 => {
                "First-response deadline missed".into()
            }
            Trigger::Sla { per_mille } => {
                format!("{} % of the time to the deadline used", per_mille / 10)
            }
            Trigger::LogisticsStalled { days } => format!("Shipment stalled for {days} days"),
            Trigger::PaymentFailed => "Payment failed".into(),
            Trigger::NegativeWords { words } => {
                format!("Buyer may leave a negative review ({})", words.join(", "))
            }
            Trigger::FollowUpDue { check, .. } => format!("Follow-up due: {check}"),
            Trigger::PolicyFailed { asks } => format!(
                "The compensation policy could not decide ({asks} attempts); propose by hand"
            ),
            Trigger::ReplyFailed { why, .. } => {
                format!("A reply to the buyer was not delivered: {why}")
            }
            Trigger::UnreadableDelivery { delivery } => format!(
                "A marketplace delivery could not be read and is kept (delivery {delivery}); \
                 fix the connector, then run `helloword replay`"
            ),
        }
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum AlertState {
    /// Waiting to be sent.
    Pending,
    /// Accepted by the channel (the SMTP server, the SMS provider, the webhook receiver,
    /// the live stream).
    Delivered {
        /// When.
        at: Timestamp,
        /// The provider's id, when it gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// Not sent on purpose (quiet hours, rate limit, SMS budget, no address).
    Skipped {
        /// Why.
        reason: String,
    },
    /// The channel failed; retried with backoff.
    Failed {
        /// Why.
        error: String,
    },
    /// The channel kept failing; given up.
    Undeliverable {
        /// The last error.
        error: String,
    },
}

impl AlertState {
    /// Whether the dispatcher still has work on it.
    pub fn is_open(&self) -> bool {
        matches!(self, AlertState::Pending | AlertState::Failed { .. })
    }
}

/// One alert to one recipient on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Id.
    pub id: u64,
    /// The ticket.
    pub ticket: u64,
    /// What caused it.
    #[serde(flatten)]
    pub trigger: Trigger,
    /// The ticket's severity when it was planned.
    pub level: Severity,
    /// The channel.
    pub channel: Channel,
    /// Who: an agent's name, "vip-phone", or "webhook".
    pub recipient: String,
    /// The address on the channel (e-mail address, phone number, URL; empty for the app).
    pub address: String,
    /// The recipient's UI language for the text ("en" or "zh").
    pub language: String,
    /// Where it stands.
    #[serde(flatten)]
    pub state: AlertState,
    /// Attempts so far.
    pub attempts: u32,
    /// When it may be tried next.
    pub next_attempt_at: Timestamp,
    /// When it was planned.
    pub created_at: Timestamp,
}

/// The `[alerts]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Channels for red tickets, as listed; see [`AlertsConfig::channels`].
    #[serde(default)]
    pub red: Option<Vec<Channel>>,
    /// Channels for yellow tickets, as listed.
    #[serde(default)]
    pub yellow: Option<Vec<Channel>>,
    /// Channels for blue tickets, as listed.
    #[serde(default)]
    pub blue: Option<Vec<Channel>>,
    /// Alerts per recipient and channel per hour; red alerts are not limited.
    #[serde(default = "default_per_hour")]
    pub max_per_hour: u32,
    /// SMS spend per day, in cents; past it SMS are skipped (e-mail still goes).
    #[serde(default = "default_sms_budget")]
    pub sms_daily_budget_cents: u32,
    /// What one SMS costs, in cents.
    #[serde(default = "default_sms_cost")]
    pub sms_cost_cents: u32,
    /// VIP tickets also alert this phone by SMS.
    pub vip_phone: Option<String>,
    /// Days without shipment movement before the logistics watcher alerts.
    #[serde(default = "default_stalled_days")]
    pub logistics_stalled_days: u32,
    /// SMTP.
    pub email: Option<EmailConfig>,
    /// The SMS provider (Twilio's Messages API shape).
    pub sms: Option<SmsConfig>,
    /// The outbound webhook.
    pub webhook: Option<WebhookConfig>,
    /// The gateway's public address, where the ticket links in e-mail, SMS and webhook
    /// alerts point (`<public_url>/ui/#/tickets/<id>`), e.g. "https://helloword.shop.example";
    /// a path ("https://shop.example/helloword") is kept for a gateway behind a proxy.
    /// Required when any of those channels is set up ([`AlertsConfig::check`]): a link to
    /// the wrong host is worse than none.
    #[serde(default)]
    pub public_url: Option<String>,
}

fn red_channels() -> Vec<Channel> {
    vec![Channel::Sms, Channel::Email, Channel::App, Channel::Webhook]
}
fn yellow_channels() -> Vec<Channel> {
    vec![Channel::Email, Channel::App, Channel::Webhook]
}
fn blue_channels() -> Vec<Channel> {
    vec![Channel::App]
}
fn default_per_hour() -> u32 {
    20
}
fn default_sms_budget() -> u32 {
    500
}
fn default_sms_cost() -> u32 {
    8
}
fn default_stalled_days() -> u32 {
    5
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            red: None,
            yellow: None,
            blue: None,
            max_per_hour: default_per_hour(),
            sms_daily_budget_cents: default_sms_budget(),
            sms_cost_cents: default_sms_cost(),
            vip_phone: None,
            logistics_stalled_days: default_stalled_days(),
            email: None,
            sms: None,
            webhook: None,
            public_url: None,
        }
    }
}

impl AlertsConfig {
    /// The channels alerts of `severity` go to. A level whose channels are listed gets
    /// exactly those ([`AlertsConfig::check`] refuses a listed channel that is not set up).
    /// A level left out gets its default (red: SMS, e-mail, app, webhook; yellow: e-mail,
    /// app, webhook; blue: app) less the channels not set up, so a gateway without an SMS
    /// provider plans no SMS that could only fail.
    pub fn channels(&self, severity: Severity) -> Vec<Channel> {
        let (listed, default) = match severity {
            Severity::Red => (&self.red, red_channels()),
            Severity::Yellow => (&self.yellow, yellow_channels()),
            Severity::Blue => (&self.blue, blue_channels()),
        };
        match listed {
            Some(channels) => channels.clone(),
            None => default.into_iter().filter(|c| self.set_up(*c)).collect(),
        }
    }

    /// Whether `channel` can deliver: the app always can, the others need their table.
    fn set_up(&self, channel: Channel) -> bool {
        match channel {
            Channel::App => true,
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.sms.is_some(),
            Channel::Webhook => self.webhook.is_some(),
        }
    }

    /// A level that lists a channel without its table (`[alerts.email]`, `[alerts.sms]`,
    /// `[alerts.webhook]`) is a mistake: every such alert could only fail. So is a channel
    /// that links to the ticket without `public_url`, or a `public_url` that is not an
    /// http(s) address. Names the key and the fix.
    pub fn check(&self) -> Result<(), String> {
        for (key, listed) in [
            ("red", &self.red),
            ("yellow", &self.yellow),
            ("blue", &self.blue),
        ] {
            for channel in listed.iter().flatten() {
                if !self.set_up(*channel) {
                    let table = match channel {
                        Channel::Email => "email",
                        Channel::Sms => "sms",
                        _ => "webhook",
                    };
                    return Err(format!(
                        "`alerts.{key}` lists \"{table}\", but there is no [alerts.{table}] table; \
                         add one or take \"{table}\" out of the list"
                    ));
                }
            }
        }
        self.link_base().map(|_| ())
    }

    /// The checked `public_url` without its trailing slash, which ticket links start with;
    /// `None` when it is not given and no channel that links (e-mail, SMS, webhook) is set up.
    pub fn link_base(&self) -> Result<Option<String>, String> {
        let Some(text) = &self.public_url else {
            let linking: Vec<&str> = [
                (self.email.is_some(), "[alerts.email]"),
                (self.sms.is_some(), "[alerts.sms]"),
                (self.webhook.is_some(), "[alerts.webhook]"),
            ]
            .into_iter()
            .filter_map(|(set_up, table)| set_up.then_some(table))
            .collect();
            if linking.is_empty() {
                return Ok(None);
            }
            return Err(format!(
                "`alerts.public_url` is not set, and the alerts of {} link to the ticket: set \
                 it to the address agents open the dashboard at, e.g. \
                 public_url = \"https://helloword.shop.example\"",
                linking.join(", ")
            ));
        };
        let bad = |why: &str| {
            Err(format!(
                "`alerts.public_url` = {text:?} {why}; write the address agents open the \
                 dashboard at, e.g. \"https://helloword.shop.example\""
            ))
        };
        let Ok(url) = url::Url::parse(text) else {
            return bad("is not a URL");
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return bad("is not an http:// or https:// address");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return bad("has a query or fragment; links append /ui/#/tickets/<id> to it");
        }
        Ok(Some(text.trim_end_matches('/').to_string()))
    }
}

/// `[alerts.email]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://host:port` (plain, for a relay on loopback), `smtp+starttls://host:587` or
    /// `smtps://host:465`.
    pub server: String,
    /// The From address, e.g. "HelloWord <alerts@shop.example>".
    pub from: String,
    /// SMTP user name.
    pub username: Option<String>,
    /// Name of the secret holding the SMTP password.
    pub password_secret: Option<String>,
}

/// `[alerts.sms]`: an SMS provider speaking Twilio's Messages API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// API base, default `https://api.twilio.com`.
    #[serde(default = "default_sms_base")]
    pub api_base: String,
    /// Account SID.
    pub account_sid: String,
    /// Name of the secret holding the auth token.
    pub auth_token_secret: String,
    /// Sender number.
    pub from: String,
}

fn default_sms_base() -> String {
    "https://api.twilio.com".into()
}

/// `[alerts.webhook]`: Standard Webhooks signed POSTs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// Name of the secret holding the signing key (`whsec_<base64>`).
    pub secret: String,
}

/// How to reach an agent, from `[tickets.agents.contact]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number for SMS, E.164 ("+4915112345678").
    pub phone: Option<String>,
    /// The language alert texts are written in: "en" (default) or "zh".
    pub ui_language: Option<String>,
    /// Channels the agent accepts (all when absent).
    pub channels: Option<Vec<Channel>>,
    /// Quiet hours in the seller's time zone, "22:00-07:00": only red alerts come through.
    pub quiet_hours: Option<String>,
}

impl Contact {
    fn accepts(&self, channel: Channel) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(&channel))
    }

    /// Whether `at` (minutes after local midnight) falls in the quiet hours.
    pub fn is_quiet(&self, minute_of_day: u32) -> bool {
        let Some((from, to)) = self.quiet_hours.as_deref().and_then(parse_span) else {
            return false;
        };
        if from <= to {
            (from..to).contains(&minute_of_day)
        } else {
            minute_of_day >= from || minute_of_day < to
        }
    }
}

/// "22:00-07:00" → (1320, 420); "24:00" ends a span at midnight ("00:00-24:00": all day).
pub fn parse_span(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    let end = match b.trim() {
        "24:00" => 1440,
        other => minutes(other)?,
    };
    Some((minutes(a)?, end))
}

/// Plan the alerts `trigger` causes on `ticket`: for each recipient (the owner — or every
/// lead when nobody owns it; at the deadline also the leads; the VIP phone for VIP
/// customers) and each channel of the ticket's level the recipient accepts. Quiet hours
/// hold back everything but red. `ids` gives fresh ids.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    config: &AlertsConfig,
    agents: &[Agent],
    ticket: &Ticket,
    trigger: &Trigger,
    vip: bool,
    minute_of_day: u32,
    now: Timestamp,
    mut ids: impl FnMut() -> u64,
) -> Vec<Alert> {
    let channels = config.channels(ticket.severity);
    let mut recipients: Vec<&Agent> = Vec::new();
    match ticket
        .assignee
        .as_deref()
        .and_then(|a| agents.iter().find(|x| x.name == a))
    {
        Some(owner) => recipients.push(owner),
        None => recipients.extend(agents.iter().filter(|a| a.lead)),
    }
    if matches!(trigger, Trigger::Sla { per_mille } if *per_mille >= 1000) {
        for lead in agents.iter().filter(|a| a.lead) {
            if !recipients.iter().any(|r| r.name == lead.name) {
                recipients.push(lead);
            }
        }
    }
    let mut alerts = Vec::new();
    let mut push =
        |channel: Channel, recipient: String, address: String, language: String, state| {
            alerts.push(Alert {
                id: ids(),
                ticket: ticket.id,
                trigger: trigger.clone(),
                level: ticket.severity,
                channel,
                recipient,
                address,
                language,
                state,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
            });
        };
    for agent in recipients {
        let contact = &agent.contact;
        let language = contact.ui_language.clone().unwrap_or_else(|| "en".into());
        for channel in channels.iter().filter(|c| **c != Channel::Webhook) {
            if !contact.accepts(*channel) {
                continue;
            }
            let address = match channel {
                Channel::Email => contact.email.clone(),
                Channel::Sms => contact.phone.clone(),
                _ => Some(String::new()),
            };
            let state = match address {
                None => continue,
                Some(_)
                    if *channel != Channel::App
                        && ticket.severity != Severity::Red
                        && contact.is_quiet(minute_of_day) =>
                {
                    AlertState::Skipped {
                        reason: "quiet hours (only red alerts come through)".into(),
                    }
                }
                Some(_) => AlertState::Pending,
            };
            push(
                *channel,
                agent.name.clone(),
                address.unwrap_or_default(),
                language.clone(),
                state,
            );
        }
    }
    if channels.contains(&Channel::Webhook)
        && let Some(hook) = &config.webhook
    {
        push(
            Channel::Webhook,
            "webhook".into(),
            hook.url.clone(),
            "en".into(),
            AlertState::Pending,
        );
    }
    if vip
        && let Some(phone) = &config.vip_phone
        && channels.contains(&Channel::Sms)
    {
        push(
            Channel::Sms,
            "vip-phone".into(),
            phone.clone(),
            "en".into(),
            AlertState::Pending,
        );
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An alert is stored with its trigger's fields and its state's fields side by side: no
    /// trigger may name a field the alert or a state already has, or the record cannot be
    /// read back.
    #[test]
    fn every_trigger_reads_back_inside_an_alert_in_every_state() {
        let triggers = [
            Trigger::NewRed,
            Trigger::Sla { per_mille: 500 },
            Trigger::LogisticsStalled { days: 5 },
            Trigger::PaymentFailed,
            Trigger::NegativeWords {
                words: vec!["refund".into()],
            },
            Trigger::UnreadableDelivery { delivery: 7 },
            Trigger::PolicyFailed { asks: 5 },
            Trigger::FollowUpDue {
                timer: 4,
                check: "the replacement arrived".into(),
            },
            Trigger::ReplyFailed {
                action: 9,
                why: "no API".into(),
            },
        ];
        let states = [
            AlertState::Pending,
            AlertState::Delivered {
                at: Timestamp::UNIX_EPOCH,
                reference: Some("SM1".into()),
            },
            AlertState::Skipped {
                reason: "quiet hours".into(),
            },
            AlertState::Failed {
                error: "timeout".into(),
            },
            AlertState::Undeliverable {
                error: "refused".into(),
            },
        ];
        for trigger in &triggers {
            for state in &states {
                let alert = Alert {
                    id: 1,
                    ticket: 2,
                    trigger: trigger.clone(),
                    level: Severity::Red,
                    channel: Channel::App,
                    recipient: "mei".into(),
                    address: String::new(),
                    language: "en".into(),
                    state: state.clone(),
                    attempts: 3,
                    next_attempt_at: Timestamp::UNIX_EPOCH,
                    created_at: Timestamp::UNIX_EPOCH,
                };
                let json = serde_json::to_string(&alert).unwrap();
                let back: Alert = serde_json::from_str(&json)
                    .unwrap_or_else(|e| panic!("{trigger:?} in {state:?}: {e}: {json}"));
                assert_eq!(back, alert);
            }
        }
    }

    fn alerts(text: &str) -> AlertsConfig {
        toml::from_str(text).unwrap()
    }

    const SMS: &str =
        "[sms]\naccount_sid = \"AC1\"\nauth_token_secret = \"t\"\nfrom = \"+15005550006\"\n";

    #[test]
    fn a_level_left_out_gets_its_default_channels_that_are_set_up() {
        let bare = alerts("");
        assert_eq!(bare.channels(Severity::Red), [Channel::App]);
        assert_eq!(bare.channels(Severity::Yellow), [Channel::App]);
        assert_eq!(bare.channels(Severity::Blue), [Channel::App]);
        assert_eq!(bare.check(), Ok(()));
        let with_sms = alerts(SMS);
        assert_eq!(
            with_sms.channels(Severity::Red),
            [Channel::Sms, Channel::App]
        );
        assert_eq!(with_sms.channels(Severity::Yellow), [Channel::App]);
    }

    #[test]
    fn a_listed_level_gets_exactly_its_list() {
        let listed = alerts(&format!(
            "red = [\"app\", \"sms\"]\nblue = []\npublic_url = \"https://hw.example\"\n{SMS}"
        ));
        assert_eq!(listed.channels(Severity::Red), [Channel::App, Channel::Sms]);
        assert_eq!(listed.channels(Severity::Blue), []);
        assert_eq!(listed.check(), Ok(()));
    }

    #[test]
    fn a_listed_channel_without_its_table_is_refused_naming_both() {
        assert_eq!(
            alerts("yellow = [\"app\", \"email\"]").check(),
            Err(
                "`alerts.yellow` lists \"email\", but there is no [alerts.email] table; add \
                 one or take \"email\" out of the list"
                    .into()
            )
        );
        assert!(
            alerts("red = [\"webhook\"]")
                .check()
                .unwrap_err()
                .contains("no [alerts.webhook] table")
        );
    }

    #[test]
    fn channels_that_link_to_the_ticket_need_the_public_url_and_say_where_to_set_it() {
        let webhook = "[webhook]\nurl = \"https://chat.example/hook\"\nsecret = \"k\"\n";
        assert_eq!(
            alerts(&format!("{SMS}{webhook}")).check(),
            Err(
                "`alerts.public_url` is not set, and the alerts of [alerts.sms], \
                 [alerts.webhook] link to the ticket: set it to the address agents open the \
                 dashboard at, e.g. public_url = \"https://helloword.shop.example\""
                    .into()
            )
        );
        // App alerts alone link to nothing: the dashboard is already open.
        assert_eq!(alerts("red = [\"app\"]").check(), Ok(()));
        assert_eq!(alerts("").link_base(), Ok(None));
        let with_url = alerts(&format!(
            "public_url = \"https://shop.example/helloword/\"\n{SMS}"
        ));
        assert_eq!(with_url.check(), Ok(()));
        assert_eq!(
            with_url.link_base(),
            Ok(Some("https://shop.example/helloword".into()))
        );
    }

    #[test]
    fn a_public_url_that_is_not_an_http_address_is_refused_by_name() {
        for (url, why) in [
            ("helloword.shop.example", "is not a URL"),
            (
                "ftp://shop.example",
                "is not an http:// or https:// address",
            ),
            (
                "https://shop.example/#/x",
                "has a query or fragment; links append /ui/#/tickets/<id> to it",
            ),
        ] {
            assert_eq!(
                alerts(&format!("public_url = \"{url}\"")).check(),
                Err(format!(
                    "`alerts.public_url` = {url:?} {why}; write the address agents open the \
                     dashboard at, e.g. \"https://helloword.shop.example\""
                ))
            );
        }
    }

    #[test]
    fn quiet_hours_span_midnight() {
        let c = Contact {
            quiet_hours: Some("22:00-07:00".into()),
            ..Contact::default()
        };
        assert!(c.is_quiet(23 * 60));
        assert!(c.is_quiet(6 * 60 + 59));
        assert!(!c.is_quiet(7 * 60));
        assert!(!c.is_quiet(12 * 60));
        assert_eq!(parse_span("9:00-17:30"), Some((540, 1050)));
        assert_eq!(parse_span("25:00-1:00"), None);
        let all_day = Contact {
            quiet_hours: Some("00:00-24:00".into()),
            ..Contact::default()
        };
        assert!(all_day.is_quiet(0) && all_day.is_quiet(23 * 60 + 59));
    }
}
