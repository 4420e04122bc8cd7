//! Amazon buyer messages in the running gateway: Amazon relays them only by e-mail, so the
//! connector reads the seller's mailbox on a real IMAP server (Dovecot) through the host's
//! `mail` import, each relayed message becomes a buyer-message ticket on Amazon's 24-hour
//! clock (its attachments kept as evidence), and the agent's reply — after the compliance
//! guard — goes back to the buyer's relay address through a real SMTP server that demands
//! a login.

mod common;

use std::path::Path;
use std::time::Duration;

use common::gateway::*;
use common::mail::{Dovecot, Smtp};
use helloword::actions::ActionState;
use helloword::plugin::bindings::types::IssueKind;
use helloword::tickets::model::Status;
use helloword::tickets::sla::DeadlineSource;

const SMTP_USER: &str = "seller-smtp";
const SMTP_PASSWORD: &str = "smtp-test-password";
const RELAY: &str = "7x9k2mqz8h4t3wp@marketplace.amazon.com";
const ORDER: &str = "112-3456789-1234567";
const SELLER: &str = "A3TH9S8BH6GOGM";
/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// A buyer's question as Amazon relays it, with a photo attached, sent a minute ago.
fn relayed(message_id: &str, text: &str) -> Vec<u8> {
    relayed_at(message_id, text, sent_a_minute_ago())
}

/// A minute ago, to the second (a Date header's precision).
fn sent_a_minute_ago() -> jiff::Timestamp {
    let now = jiff::Timestamp::now().as_second() - 60;
    jiff::Timestamp::from_second(now).unwrap()
}

/// A buyer's question as Amazon relays it, sent at `date`.
fn relayed_at(message_id: &str, text: &str, date: jiff::Timestamp) -> Vec<u8> {
    let date = date.strftime("%a, %d %b %Y %H:%M:%S +0000");
    format!(
        "Return-Path: <{RELAY}>\r\n\
         From: \"Jane Doe - Amazon Marketplace\" <{RELAY}>\r\n\
         To: seller@example.com\r\n\
         Subject: Shipping inquiry from Amazon customer Jane Doe (Order: {ORDER})\r\n\
         Date: {date}\r\n\
         Message-ID: <{message_id}>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         ------------- Begin message -------------\r\n\
         \r\n\
         {text}\r\n\
         \r\n\
         ------------- End message -------------\r\n\
         \r\n\
         For Your Information: To help arrive at a successful resolution, please respond \
         within 24 hours.\r\n\
         --b1\r\n\
         Content-Type: image/png; name=\"parcel.png\"\r\n\
         Content-Disposition: attachment; filename=\"parcel.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {PNG}\r\n\
         --b1--\r\n"
    )
    .into_bytes()
}

/// Amazon's own notice to the seller: not a buyer message.
fn notice() -> Vec<u8> {
    b"From: Amazon Seller Central <seller-notification@amazon.com>\r\n\
      To: seller@example.com\r\n\
      Subject: Your monthly statement is available\r\n\
      Date: Thu, 26 Nov 2026 08:00:00 +0000\r\n\
      Message-ID: <notice-1@amazon.com>\r\n\
      \r\n\
      Your statement is ready.\r\n"
        .to_vec()
}

fn install_amazon(dir: &Path, imap_port: u16, smtp_port: u16) {
    install_amazon_as(dir, imap_port, smtp_port, Dovecot::USER, "INBOX");
}

/// The Amazon connector reading `mailbox` (a folder) of the account `user`.
fn install_amazon_as(dir: &Path, imap_port: u16, smtp_port: u16, user: &str, mailbox: &str) {
    let folder = dir.join("plugins/amazon");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(test_artifacts::AMAZON, folder.join("amazon_connector.wasm")).unwrap();
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/amazon/plugin.toml"),
    )
    .unwrap();
    let grants = format!(
        "allowed_hosts = [\n    \"127.0.0.1:{imap_port}\",\n    \"127.0.0.1:{smtp_port}\","
    );
    let settings = format!(
        "[config]\nseller_id = \"{SELLER}\"\nreport_types = \"\"\n\
         mailbox_host = \"127.0.0.1\"\nmailbox_port = \"{imap_port}\"\n\
         mailbox_security = \"none\"\nmailbox_username = {user:?}\nmailbox_folder = {mailbox:?}\n\
         smtp_host = \"127.0.0.1\"\nsmtp_port = \"{smtp_port}\"\nsmtp_security = \"none\"\n\
         smtp_username = \"{SMTP_USER}\"\nseller_email = \"seller@example.com\"\n"
    );
    let manifest = manifest
        .replacen("allowed_hosts = [", &grants, 1)
        .replacen("report_types = ", "# report_types = ", 1)
        .replacen("[config]\n", &settings, 1);
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
}

fn config() -> String {
    config_with(Dovecot::PASSWORD)
}

/// The gateway config with `password` (a TOML basic string's content, unescaped) for the
/// mailbox.
fn config_with(password: &str) -> String {
    format!(
        "amazon_mailbox_password = {{ value = {password:?} }}\n\
         amazon_smtp_password = {{ value = \"{SMTP_PASSWORD}\" }}\n\
         [polling]\ninterval_secs = 0\n"
    )
}

async fn poll(gw: &Running, imap: &Dovecot) -> serde_json::Value {
    let (status, body) = gw.api("POST", "/api/plugins/amazon/poll", None).await;
    assert_eq!(
        status,
        200,
        "{body}\nplugin errors: {:?}\ndovecot: {}",
        gw.app
            .plugins
            .statuses()
            .into_iter()
            .filter_map(|s| s.error)
            .collect::<Vec<_>>(),
        imap.log()
    );
    gw.settled().await;
    body
}

async fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(found) = probe() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_relayed_buyer_message_becomes_a_ticket_and_the_reply_goes_back_by_smtp() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let mut imap = Dovecot::start(&tmp.path().join("imap"));
    let smtp = Smtp::start_with_login(&tmp.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_amazon(tmp.path(), imap.port, smtp.port);
    imap.deliver(&notice());
    let first_sent = sent_a_minute_ago();
    imap.deliver(&relayed_at(
        "relay-1@marketplace.amazon.com",
        "Hello, my parcel has not arrived yet. Where is it?",
        first_sent,
    ));
    let gw = start_with(tmp.path(), &config()).await;

    let body = poll(&gw, &imap).await;
    assert_eq!(
        body["events"], 1,
        "one buyer message, the notice ignored: {body}"
    );
    let ticket = gw
        .queue()
        .into_iter()
        .find(|t| t.marketplace == "amazon")
        .expect("a ticket for the buyer message");
    assert_eq!(ticket.kind, IssueKind::BuyerMessage);
    assert_eq!(ticket.order_id.as_deref(), Some(ORDER));
    assert_eq!(ticket.shop, SELLER);
    // Amazon's 24 hours, on calendar time, from when the buyer sent it (its Date).
    assert!(
        matches!(ticket.due.source, DeadlineSource::MarketplaceRule { .. }),
        "{:?}",
        ticket.due
    );
    assert_eq!(
        ticket.due.at,
        first_sent + jiff::SignedDuration::from_hours(24)
    );
    // The photo is kept as evidence.
    let photo = eventually("the attachment to be kept", || {
        gw.app
            .store
            .files(ticket.id)
            .unwrap()
            .into_iter()
            .find(|f| !f.pending)
    })
    .await;
    assert_eq!(photo.name, "parcel.png");
    assert_eq!(photo.error, None);
    assert_eq!(photo.content_type, "image/png");

    // Nothing new: the cursor moved past both messages, also across a restart.
    assert_eq!(poll(&gw, &imap).await["events"], 0);
    gw.stop().await;
    let gw = start_with(tmp.path(), &config()).await;
    assert_eq!(poll(&gw, &imap).await["events"], 0);

    // The buyer writes again: the same ticket.
    imap.deliver(&relayed(
        "relay-2@marketplace.amazon.com",
        "Any news about my parcel?",
    ));
    assert_eq!(poll(&gw, &imap).await["events"], 1);
    let amazon: Vec<_> = gw
        .queue()
        .into_iter()
        .filter(|t| t.marketplace == "amazon")
        .collect();
    assert_eq!(amazon.len(), 1, "one conversation, one ticket");
    assert_eq!(amazon[0].id, ticket.id);

    // The compliance guard first: an e-mail address in a reply is blocked, nothing is sent.
    let path = format!("/api/tickets/{}/reply", ticket.id);
    let leaky = r#"{"body": "Hello Jane, please write to me directly at help@example.com.", "language": "en"}"#;
    let (status, body) = gw.api("POST", &path, Some(leaky)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "blocked-by-compliance");
    assert!(gw.app.store.actions(ticket.id).unwrap().is_empty());

    let clean = r#"{"body": "Hello Jane, your parcel is with the carrier and arrives on Monday. We are sorry for the wait.", "language": "en"}"#;
    let (status, body) = gw.api("POST", &path, Some(clean)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["ticket"]["first_response_at"].is_null(),
        "queued is not answered: {body}"
    );
    let action = eventually("the reply to be sent", || {
        gw.app
            .store
            .actions(ticket.id)
            .unwrap()
            .into_iter()
            .find(|a| {
                !matches!(
                    a.state,
                    ActionState::Pending | ActionState::Sending | ActionState::Unknown { .. }
                )
            })
    })
    .await;
    assert!(
        matches!(&action.state, ActionState::Done { .. }),
        "{:?}",
        action.state
    );
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    // Long header lines are folded; unfold them to read the headers.
    let mail = &sent[0].replace("\r\n ", " ").replace("\n ", " ");
    assert!(mail.contains(&format!("To: {RELAY}")), "{mail}");
    assert!(mail.contains("From: seller@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: Re: Shipping inquiry from Amazon customer Jane Doe (Order: 112-3456789-1234567)"),
        "{mail}"
    );
    assert!(
        mail.contains("In-Reply-To: <relay-2@marketplace.amazon.com>"),
        "the reply answers the latest message: {mail}"
    );
    assert!(mail.contains("arrives on Monday"), "{mail}");
    // The Message-ID the action recorded is the mail's, in the relay's syntax (and the whole
    // mail reads under a strict RFC 5322 / MIME parser when `smtp` is dropped).
    let ActionState::Done { outcome } = &action.state else {
        unreachable!("checked above")
    };
    let id = outcome.marketplace_ref.as_deref().unwrap_or_default();
    assert!(
        id.starts_with("<hw.") && id.ends_with("@example.com>"),
        "{id}"
    );
    assert!(mail.contains(&format!("Message-ID: {id}")), "{id}: {mail}");
    // Delivered to the mail server: now it is the first response (Amazon's 24 hours are
    // met), the case waits on the buyer, and the ticket page shows the reply as delivered.
    let answered = eventually("the delivery to count as the response", || {
        gw.app
            .store
            .ticket(ticket.id)
            .unwrap()
            .filter(|t| t.first_response_at.is_some())
    })
    .await;
    assert_eq!(answered.status, Status::WaitingOnBuyer);
    assert!(answered.first_response_at.unwrap() <= answered.due.at);
    assert_eq!(answered.undelivered_reply, None);
    let (_, shown) = gw
        .api("GET", &format!("/api/tickets/{}", ticket.id), None)
        .await;
    let reply = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "reply-sent")
        .expect("the reply on the timeline");
    let carried_by = &shown["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == reply["action"])
        .expect("the reply names the action carrying it");
    assert_eq!(carried_by["state"], "done", "{shown}");
    let thread = shown["conversation"].as_array().unwrap();
    let directions: Vec<&str> = thread
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, ["in", "in", "out"], "{shown:#}");
    assert_eq!(
        thread[0]["text"],
        "Hello, my parcel has not arrived yet. Where is it?"
    );
    assert_eq!(
        thread[0]["marketplace_id"],
        "<relay-1@marketplace.amazon.com>"
    );
    assert_eq!(thread[0]["attachments"], serde_json::json!(["parcel.png"]));
    assert_eq!(thread[2]["delivery_state"]["state"], "sent", "{shown:#}");
    assert_eq!(thread[2]["delivery_state"]["marketplace_ref"], id);

    // The buyer writes again after the answer: Amazon's 24 hours run for this message, from
    // when it was sent; the case waits on the seller again and its escalation starts over.
    let again_sent = sent_a_minute_ago();
    imap.deliver(&relayed_at(
        "relay-3@marketplace.amazon.com",
        "It still has not arrived. I would like a refund please.",
        again_sent,
    ));
    assert_eq!(poll(&gw, &imap).await["events"], 1);
    let reopened = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert_eq!(reopened.status, Status::WaitingOnUs);
    assert_eq!(reopened.awaiting_reply_since, Some(again_sent));
    assert_eq!(
        reopened.due.at,
        again_sent + jiff::SignedDuration::from_hours(24)
    );
    assert!(matches!(
        reopened.due.source,
        DeadlineSource::MarketplaceRule { .. }
    ));
    assert!(!reopened.answered());
    assert_eq!(
        reopened.first_response_at, answered.first_response_at,
        "the first stays"
    );
    let ladder: Vec<_> = reopened
        .timers
        .iter()
        .filter(|t| {
            matches!(
                t.what,
                helloword::tickets::model::TimerKind::Escalation { .. }
            )
        })
        .map(|t| t.due)
        .collect();
    assert!(
        !ladder.is_empty()
            && ladder
                .iter()
                .all(|d| *d > again_sent && *d <= reopened.due.at),
        "the escalation starts over for the new message: {ladder:?}"
    );

    // The answer to it, once delivered, stops that clock.
    let second =
        r#"{"body": "Hello Jane, we are refunding your order in full today.", "language": "en"}"#;
    let (status, body) = gw.api("POST", &path, Some(second)).await;
    assert_eq!(status, 200, "{body}");
    let settled = eventually("the second reply to count", || {
        gw.app
            .store
            .ticket(ticket.id)
            .unwrap()
            .filter(|t| t.answered())
    })
    .await;
    assert_eq!(settled.status, Status::WaitingOnBuyer);
    assert_eq!(settled.awaiting_reply_since, None);
    gw.stop().await;
}

/// A buyer's message labelled with a charset nobody knows, with bytes that are not UTF-8.
fn in_an_unknown_charset() -> Vec<u8> {
    let mut raw = format!(
        "From: \"Jane Doe - Amazon Marketplace\" <{RELAY}>\r\n\
         To: seller@example.com\r\n\
         Subject: Shipping inquiry from Amazon customer Jane Doe (Order: {ORDER})\r\n\
         Message-ID: <charset-1@marketplace.amazon.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=x-klingon\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n\
         ------------- Begin message -------------\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(
        b"Where is my parcel \xff\xfe? Thanks\r\n\r\n------------- End message -------------\r\n",
    );
    raw
}

/// A message from a buyer that the connector's reader will not read: multiparts nested
/// deeper than it descends.
fn unreadable() -> Vec<u8> {
    let mut raw = format!(
        "From: \"Jane Doe - Amazon Marketplace\" <{RELAY}>\r\n\
         To: seller@example.com\r\n\
         Subject: Photos of the damage (Order: {ORDER})\r\n\
         Message-ID: <nested-1@marketplace.amazon.com>\r\n\
         MIME-Version: 1.0\r\n"
    )
    .into_bytes();
    for depth in 0..12 {
        raw.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"n{depth}\"\r\n\r\n--n{depth}\r\n")
                .as_bytes(),
        );
    }
    raw.extend_from_slice(b"Content-Type: text/plain\r\n\r\nThe mug is broken.\r\n");
    raw
}

#[tokio::test]
async fn an_unreadable_message_becomes_a_dead_letter_ticket_and_the_next_one_is_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let mut imap = Dovecot::start(&tmp.path().join("imap"));
    let smtp = Smtp::start_with_login(&tmp.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_amazon(tmp.path(), imap.port, smtp.port);
    imap.deliver(&unreadable());
    imap.deliver(&relayed(
        "relay-after@marketplace.amazon.com",
        "Hello, the parcel arrived damaged.",
    ));
    imap.deliver(&in_an_unknown_charset());
    let gw = start_with(tmp.path(), &config()).await;

    let body = poll(&gw, &imap).await;
    assert_eq!(
        body["events"], 3,
        "a dead letter and two buyer messages: {body}"
    );
    let amazon: Vec<_> = gw
        .queue()
        .into_iter()
        .filter(|t| t.marketplace == "amazon")
        .collect();
    let dead = amazon
        .iter()
        .find(|t| t.kind == IssueKind::Other)
        .expect("a dead-letter ticket");
    assert!(
        dead.summary.starts_with(
            "A message in mailbox folder INBOX (UID 1) could not be read (its MIME multiparts \
             nest deeper than 8 levels); open it in the mailbox"
        ),
        "{}",
        dead.summary
    );
    let message = amazon
        .iter()
        .find(|t| t.kind == IssueKind::BuyerMessage)
        .expect("the next message read");
    assert_eq!(message.order_id.as_deref(), Some(ORDER));
    // The message in an unknown charset is kept, its bad bytes as replacement characters.
    let (_, view) = gw
        .api("GET", &format!("/api/tickets/{}", message.id), None)
        .await;
    let texts: Vec<&str> = view["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Hello, the parcel arrived damaged."),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Where is my parcel \u{FFFD}") && t.ends_with("? Thanks")),
        "{texts:?}"
    );

    // The cursor moved past them all: nothing again, no second dead letter.
    assert_eq!(poll(&gw, &imap).await["events"], 0);
    gw.stop().await;
}

#[tokio::test]
async fn a_non_ascii_login_password_and_folder_read_the_mailbox_on_dovecot() {
    // Dovecot reads the password as a literal (it also takes 8-bit quoted strings, which
    // RFC 3501 does not allow) and the folder's name in modified UTF-7, as it stores it.
    const USER: &str = "käufer@example.com";
    const PASSWORD: &str = "pässwörd-秘密 \"x\"";
    const FOLDER: &str = "Amazon-Käufer 📦";
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let mut imap = Dovecot::start_as(&tmp.path().join("imap"), USER, PASSWORD);
    let smtp = Smtp::start_with_login(&tmp.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_amazon_as(tmp.path(), imap.port, smtp.port, USER, FOLDER);
    imap.deliver(&notice());
    imap.deliver_to(
        FOLDER,
        &relayed("relay-utf7@marketplace.amazon.com", "Wo bleibt mein Paket?"),
    );
    let gw = start_with(tmp.path(), &config_with(PASSWORD)).await;

    let body = poll(&gw, &imap).await;
    assert_eq!(
        body["events"], 1,
        "the message in the folder, not the INBOX's: {body}"
    );
    let ticket = gw
        .queue()
        .into_iter()
        .find(|t| t.marketplace == "amazon")
        .expect("a ticket for the buyer message");
    assert_eq!(ticket.kind, IssueKind::BuyerMessage);
    assert_eq!(ticket.order_id.as_deref(), Some(ORDER));
    gw.stop().await;
}

/// Issue 27, item 2: an Amazon NA and an Amazon EU account through the one Amazon plugin,
/// each a connection with its own marketplace, API region and mailbox folder. Each reads its
/// own folder; each buyer's message becomes a case of its connection, due under Amazon's
/// 24 hours from when the buyer wrote.
#[tokio::test]
async fn an_amazon_na_and_eu_pair_read_their_own_mail_under_amazons_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let mut imap = Dovecot::start(&tmp.path().join("imap"));
    let smtp = Smtp::start_with_login(&tmp.path().join("smtp"), SMTP_USER, SMTP_PASSWORD);
    install_amazon(tmp.path(), imap.port, smtp.port);
    let written = sent_a_minute_ago();
    imap.deliver_to(
        "NA",
        &relayed_at("na-1@relay", "Where is my parcel?", written),
    );
    imap.deliver_to(
        "EU",
        &relayed_at("eu-1@relay", "Wo bleibt mein Paket?", written),
    );
    let connections = "[[connections]]\nid = \"amazon-na\"\nplugin = \"amazon\"\n\
         config = { marketplace_id = \"ATVPDKIKX0DER\", mailbox_folder = \"NA\" }\n\
         [[connections]]\nid = \"amazon-eu\"\nplugin = \"amazon\"\n\
         config = { marketplace_id = \"A1PA6795UKMFR9\", mailbox_folder = \"EU\", \
         api_base = \"https://sellingpartnerapi-eu.amazon.com\" }\n";
    let gw = start_with(tmp.path(), &format!("{}{connections}", config())).await;
    gw.assert_every_plugin_loaded();

    for (connection, text) in [
        ("amazon-na", "Where is my parcel?"),
        ("amazon-eu", "Wo bleibt mein Paket?"),
    ] {
        let (status, body) = gw
            .api("POST", &format!("/api/plugins/{connection}/poll"), None)
            .await;
        assert_eq!(status, 200, "{body}\n{}", imap.log());
        assert_eq!(
            body["events"], 1,
            "{connection} reads its own folder: {body}"
        );
        gw.settled().await;
        let ticket = gw
            .queue()
            .into_iter()
            .find(|t| t.marketplace == connection)
            .unwrap_or_else(|| panic!("a case of {connection}"));
        assert_eq!(ticket.kind, IssueKind::BuyerMessage);
        assert_eq!(
            ticket.due.at,
            written + jiff::SignedDuration::from_hours(24)
        );
        let (_, view) = gw
            .api("GET", &format!("/api/tickets/{}", ticket.id), None)
            .await;
        assert!(
            view["conversation"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["text"].as_str().is_some_and(|t| t.contains(text))),
            "{view:#}"
        );
    }
    // The plugin itself serves no hook of its own.
    assert!(gw.app.plugins.get("amazon").is_none());
    assert_eq!(gw.queue().len(), 2);
    gw.stop().await;
}
