//! Answering buyers by e-mail. Shopify has no API to message a buyer, so a reply goes to the
//! order's contact address through the seller's own SMTP server (`smtp_*`), from
//! `support_email`, the way a merchant answers from the Shopify admin's "Contact customer".
//!
//! **Where the address comes from.** Every event whose payload names the buyer's e-mail
//! (orders, refunds, returns, disputes that carry the order) puts it in the attribute
//! `reply.email` and the order's name in `reply.order`; the host hands the latest of them to
//! every action of the case as its reply context, and joins an order's context to a
//! chargeback that came without a buyer. A case with no known address is refused before
//! anything is sent, naming why.
//!
//! **Threading.** The subject is the agent's, else `Re: <the buyer's subject>` when the
//! buyer wrote by e-mail, else "Your order #1001". A reply to a buyer's e-mail carries
//! `In-Reply-To` (and the host adds `References`) with that e-mail's Message-ID
//! (`reply.message-id`). The host gives the message a Message-ID derived from its content,
//! which is a function of the action, so a retry after a lost answer is the same message to
//! the buyer's mail system, and the ID is the action's `marketplace_ref`.
//!
//! Sent mail cannot be read back, so these replies are not reconciled: a retry resends the
//! same message, which the recipient's system recognises by its Message-ID.

use helloword_sdk::connector::mail;
use helloword_sdk::mail::{
    self as sdk_mail, MailNames, MailboxSettings, SmtpSettings, is_address, one_line,
    strip_reply_prefixes,
};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, MessageSpec};

/// The password (or OAuth token) of the support mailbox, for IMAP; also for SMTP when
/// [`SMTP_PASSWORD`] has no value.
pub const MAILBOX_PASSWORD: &str = "shopify_mailbox_password";
/// The SMTP password, when it differs from the mailbox's.
pub const SMTP_PASSWORD: &str = "shopify_smtp_password";
/// The config key of the address replies come from.
pub const SUPPORT_EMAIL: &str = "support_email";

/// The mail keys and secrets, as the SDK names them in messages.
pub const MAIL: MailNames = MailNames {
    plugin: "shopify",
    mailbox_password: MAILBOX_PASSWORD,
    smtp_password: SMTP_PASSWORD,
    from_key: SUPPORT_EMAIL,
};

/// The e-mail settings: all `None` until the operator sets `smtp_host`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmailSettings {
    /// The support mailbox, when `mailbox_host` is set.
    pub mailbox: Option<MailboxSettings>,
    /// The SMTP server replies go out through, when `smtp_host` is set.
    pub smtp: Option<SmtpSettings>,
    /// `support_email`: the From address of replies (and where buyers answer).
    pub support_email: Option<String>,
}

impl EmailSettings {
    /// Read and check the config values (`get` is the config import).
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> Result<Self, ActionError> {
        let text = |key: &str| {
            get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let read = || -> Result<EmailSettings, String> {
            let mailbox = sdk_mail::mailbox_settings(&text, &MAIL)?;
            let smtp = sdk_mail::smtp_settings(&text, mailbox.as_ref(), &MAIL)?;
            let support_email = text(SUPPORT_EMAIL)
                .map(|address| {
                    if is_address(&address) {
                        Ok(address)
                    } else {
                        Err(format!(
                            "config `{SUPPORT_EMAIL}` = {address:?} is not an e-mail address \
                             such as support@example.com"
                        ))
                    }
                })
                .transpose()?;
            Ok(EmailSettings {
                mailbox,
                smtp,
                support_email,
            })
        };
        read().map_err(ActionError::Misconfigured)
    }
}

/// Sending through the host's `mail` import (a trait so tests can stand in for it).
pub trait Mailer {
    /// Send `message` over SMTP; the Message-ID it was given.
    fn send(
        &self,
        server: &mail::Server,
        message: &mail::Outgoing,
    ) -> Result<String, mail::MailError>;
    /// Whether the secret `name` has a value.
    fn has_secret(&self, name: &str) -> bool;
}

/// The value of `name` in the action's reply context, trimmed, if not empty.
fn reply_value<'a>(action: &'a Action, name: &str) -> Option<&'a str> {
    action
        .reply_context
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Send the message `spec` of `action` to the buyer by e-mail.
pub fn reply(
    mailer: &dyn Mailer,
    settings: &EmailSettings,
    action: &Action,
    spec: &MessageSpec,
) -> Result<ActionOutcome, ActionError> {
    let (Some(smtp), Some(from)) = (&settings.smtp, &settings.support_email) else {
        return Ok(ActionOutcome {
            status: ActionStatus::NotSupported,
            marketplace_ref: None,
            amount: None,
            detail: format!(
                "Shopify has no API to message a buyer, and e-mail replies are not set up: set \
                 `smtp_host` and `{SUPPORT_EMAIL}` {} and grant the SMTP server in \
                 allowed_hosts",
                MAIL.place()
            ),
        });
    };
    let order = reply_value(action, "order")
        .map(str::to_string)
        .or_else(|| action.order_id.clone());
    let Some(to) = reply_value(action, "email") else {
        return Ok(rejected(format!(
            "no e-mail address is known for the buyer{}: Shopify sent none with the case or \
             its order",
            order
                .as_deref()
                .map(|o| format!(" of order {o}"))
                .unwrap_or_default()
        )));
    };
    if !is_address(to) {
        return Ok(rejected(format!(
            "the buyer's e-mail address {to:?} is not an address a reply can go to"
        )));
    }
    let text = spec.body.trim_end();
    if text.trim().is_empty() {
        return Ok(rejected(
            "an e-mail reply needs text, and this one is empty".into(),
        ));
    }
    let subject = subject(
        spec.subject.as_deref(),
        reply_value(action, "subject"),
        order.as_deref(),
    );
    let server = sdk_mail::smtp_server(smtp, &MAIL, &|name| mailer.has_secret(name))?;
    let outgoing = mail::Outgoing {
        from: from.clone(),
        to: vec![to.to_string()],
        subject,
        text: text.to_string(),
        in_reply_to: reply_value(action, "message-id").map(str::to_string),
        attachments: Vec::new(),
    };
    let id = mailer
        .send(&server, &outgoing)
        .map_err(|e| sdk_mail::send_error(e, &server, from, &MAIL))?;
    Ok(ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: Some(id.clone()),
        amount: None,
        detail: format!(
            "E-mailed the buyer at {to}{} through {} (Message-ID {id})",
            order
                .as_deref()
                .map(|o| format!(" about order {o}"))
                .unwrap_or_default(),
            server.host
        ),
    })
}

fn rejected(detail: String) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::Rejected,
        marketplace_ref: None,
        amount: None,
        detail,
    }
}

/// The agent's subject; else `Re:` the buyer's; else "Your order #1001"; on one line.
fn subject(own: Option<&str>, buyer: Option<&str>, order: Option<&str>) -> String {
    if let Some(own) = own.map(one_line).filter(|s| !s.trim().is_empty()) {
        return own.trim().to_string();
    }
    if let Some(buyer) = buyer.map(one_line) {
        let rest = strip_reply_prefixes(&buyer);
        if !rest.is_empty() {
            return format!("Re: {rest}");
        }
    }
    match order {
        Some(order) => format!("Your order {}", one_line(order)),
        None => "Your order".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use helloword_sdk::types::ActionKind;

    use super::*;
    use crate::actions::test_support::action;

    #[derive(Default)]
    struct Recorder {
        sent: RefCell<Vec<(mail::Server, mail::Outgoing)>>,
        fail: Option<mail::MailError>,
    }

    impl Mailer for Recorder {
        fn send(
            &self,
            server: &mail::Server,
            message: &mail::Outgoing,
        ) -> Result<String, mail::MailError> {
            if let Some(e) = &self.fail {
                return Err(e.clone());
            }
            self.sent
                .borrow_mut()
                .push((server.clone(), message.clone()));
            Ok("<hw.1@shop.example>".into())
        }
        fn has_secret(&self, name: &str) -> bool {
            name == MAILBOX_PASSWORD
        }
    }

    fn settings() -> EmailSettings {
        let pairs = [
            ("smtp_host", "smtp.shop.example"),
            ("smtp_username", "support@shop.example"),
            ("support_email", "support@shop.example"),
        ];
        EmailSettings::from_config(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    fn message(subject: Option<&str>) -> (Action, MessageSpec) {
        let spec = MessageSpec {
            subject: subject.map(str::to_string),
            body: "Your parcel left our warehouse today.\n".into(),
            language: "en".into(),
        };
        let mut action = action(ActionKind::Message(spec.clone()), Some("450789469"), None);
        action.reply_context = vec![
            ("email".into(), "jane@buyer.example".into()),
            ("order".into(), "#1001".into()),
        ];
        (action, spec)
    }

    #[test]
    fn a_reply_goes_to_the_orders_contact_address_from_the_support_address() {
        let mailer = Recorder::default();
        let (action, spec) = message(None);
        let outcome = reply(&mailer, &settings(), &action, &spec).unwrap();
        assert_eq!(outcome.status, ActionStatus::Done, "{}", outcome.detail);
        assert_eq!(
            outcome.marketplace_ref.as_deref(),
            Some("<hw.1@shop.example>")
        );
        let sent = mailer.sent.borrow();
        let (server, message) = &sent[0];
        assert_eq!(
            (server.port, server.password_secret.as_str()),
            (587, MAILBOX_PASSWORD)
        );
        assert_eq!(message.from, "support@shop.example");
        assert_eq!(message.to, vec!["jane@buyer.example".to_string()]);
        assert_eq!(message.subject, "Your order #1001");
        assert_eq!(message.text, "Your parcel left our warehouse today.");
        assert_eq!(message.in_reply_to, None);
    }

    #[test]
    fn a_reply_to_the_buyers_e_mail_stays_in_its_thread() {
        let mailer = Recorder::default();
        let (mut action, spec) = message(None);
        action
            .reply_context
            .push(("subject".into(), "AW: Wo ist mein Paket?".into()));
        action
            .reply_context
            .push(("message-id".into(), "<abc@buyer.example>".into()));
        reply(&mailer, &settings(), &action, &spec).unwrap();
        let sent = mailer.sent.borrow();
        assert_eq!(sent[0].1.subject, "Re: Wo ist mein Paket?");
        assert_eq!(
            sent[0].1.in_reply_to.as_deref(),
            Some("<abc@buyer.example>")
        );
    }

    #[test]
    fn the_agents_subject_is_kept_on_one_line() {
        let mailer = Recorder::default();
        let (action, spec) = message(Some("Ihre Bestellung\r\nBcc: x@y.z"));
        reply(&mailer, &settings(), &action, &spec).unwrap();
        assert_eq!(
            mailer.sent.borrow()[0].1.subject,
            "Ihre Bestellung  Bcc: x@y.z"
        );
    }

    #[test]
    fn without_an_address_nothing_is_sent_and_the_refusal_names_the_order() {
        let mailer = Recorder::default();
        let (mut action, spec) = message(None);
        action.reply_context.retain(|(k, _)| k != "email");
        let outcome = reply(&mailer, &settings(), &action, &spec).unwrap();
        assert_eq!(outcome.status, ActionStatus::Rejected);
        assert!(outcome.detail.contains("order #1001"), "{}", outcome.detail);
        assert!(mailer.sent.borrow().is_empty());
    }

    #[test]
    fn without_smtp_settings_the_reply_is_not_supported_and_says_what_to_set() {
        let mailer = Recorder::default();
        let (action, spec) = message(None);
        let outcome = reply(&mailer, &EmailSettings::default(), &action, &spec).unwrap();
        assert_eq!(outcome.status, ActionStatus::NotSupported);
        assert!(outcome.detail.contains("`smtp_host`"), "{}", outcome.detail);
        assert!(mailer.sent.borrow().is_empty());
    }

    #[test]
    fn a_refused_recipient_is_permanent_and_an_unreachable_server_transient() {
        let (action, spec) = message(None);
        let refused = Recorder {
            fail: Some(mail::MailError::Rejected("550 no such user".into())),
            ..Default::default()
        };
        assert!(matches!(
            reply(&refused, &settings(), &action, &spec),
            Err(ActionError::Permanent(m)) if m.contains("550")
        ));
        let down = Recorder {
            fail: Some(mail::MailError::Connection("refused".into())),
            ..Default::default()
        };
        assert!(matches!(
            reply(&down, &settings(), &action, &spec),
            Err(ActionError::Transient(_))
        ));
    }

    #[test]
    fn a_support_address_that_is_not_one_is_refused_naming_the_key() {
        let error = EmailSettings::from_config(|k| {
            (k == "support_email").then(|| "Support <support@shop.example>".to_string())
        })
        .unwrap_err();
        assert!(matches!(error, ActionError::Misconfigured(m) if m.contains("`support_email`")));
    }
}
