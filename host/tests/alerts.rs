//! Alerts end to end: a real SMTP server process (Python's aiosmtpd, writing a maildir),
//! a loopback stand-in of Twilio's Messages API that checks the request shape, a webhook
//! receiver that checks the Standard Webhooks signature, and the live stream.

mod common;

use std::time::{Duration, Instant};

use common::alert_receivers::{self, stand_ins};
use common::gateway::*;
use common::mail::Smtp;
use helloword::tickets::model::Happening;

fn config(smtp: u16, stand_in: u16, extra: &str) -> String {
    format!(
        "{}{}",
        alert_receivers::secrets(),
        alert_receivers::alerts_and_team(smtp, stand_in, "https://helloword.shop.example", extra)
    )
}

/// Shopify's chargeback sample as dispute `id`, with its evidence due far ahead (the
/// sample's 2021 deadline would have every escalation step fire at once).
fn dispute(id: &str) -> Vec<u8> {
    String::from_utf8(fixture("disputes__create.json"))
        .unwrap()
        .replace("285332461850802063", id)
        .replace("2021-12-30T19:00:00-05:00", "2099-12-30T19:00:00-05:00")
        .into_bytes()
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_red_case_reaches_email_sms_webhook_and_the_live_stream_once() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (seen, port) = stand_ins().await;
    let gw = start_with(tmp.path(), &config(smtp.port, port, "")).await;

    // A dashboard listening on the live stream.
    let mut stream = gw
        .client
        .get(format!("{}/api/stream", gw.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    // A chargeback: red. mei owns it (lin has no capacity); mei's quiet hours do not hold
    // back a red alert.
    assert_eq!(
        gw.deliver("disputes/create", &dispute("285332461850802063"), "red-1")
            .await,
        200
    );
    gw.settled().await;
    let ticket = gw.queue()[0].clone();
    assert_eq!(ticket.assignee.as_deref(), Some("mei"));
    wait_for("an e-mail and an SMS", || {
        !smtp.messages().is_empty() && !seen.lock().unwrap().sms.is_empty()
    })
    .await;
    wait_for("the webhook", || !seen.lock().unwrap().hooks.is_empty()).await;

    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].contains("mei@shop.example"), "{}", mail[0]);
    assert!(
        mail[0].contains(&format!("[RED] Ticket #{}: New red case", ticket.id)),
        "{}",
        mail[0]
    );
    // A strict RFC 5322 / MIME parser reads it (as every mail, when the server is dropped),
    // and its Message-ID is the alert's own, at the From address's domain.
    smtp.check_well_formed();
    let emailed = gw
        .app
        .store
        .alerts(ticket.id)
        .unwrap()
        .into_iter()
        .find(|a| a.channel == helloword::alerts::Channel::Email)
        .unwrap();
    let id = helloword::alerts::send::message_id(&emailed, "shop.example");
    assert!(
        mail[0].contains(&format!("Message-ID: {id}")),
        "{id}: {}",
        mail[0]
    );
    // Each channel links to the dashboard's page of the ticket.
    let link = format!("https://helloword.shop.example/ui/#/tickets/{}", ticket.id);
    assert!(mail[0].contains(&link), "{link}: {}", mail[0]);
    let seen_now = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(seen_now.sms.len(), 1);
    assert_eq!(seen_now.sms[0].0, "+4915100000002");
    assert!(seen_now.sms[0].1.contains("New red case"));
    assert!(seen_now.sms[0].1.ends_with(&link), "{}", seen_now.sms[0].1);
    assert_eq!(seen_now.hooks.len(), 1);
    assert_eq!(seen_now.hooks[0]["type"], "ticket.alert.new-red");
    assert_eq!(seen_now.hooks[0]["data"]["url"], link.as_str());
    assert!(seen_now.refused.is_empty(), "{:?}", seen_now.refused);

    // The live stream got it too.
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !text.contains("event: alert") && Instant::now() < deadline {
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await
        {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(text.contains("event: alert"), "{text}");
    drop(stream);

    // Each delivery is on the ticket (recorded just after the channel answered, so wait).
    let alerted = || -> Vec<String> {
        let timeline = gw.app.store.timeline(ticket.id).unwrap();
        timeline
            .iter()
            .filter_map(|e| match &e.what {
                Happening::Alerted {
                    channel, status, ..
                } => Some(format!("{channel:?} {status}")),
                _ => None,
            })
            .collect()
    };
    let mut statuses = alerted();
    for _ in 0..250 {
        if statuses
            .iter()
            .filter(|s| s.ends_with(" delivered"))
            .count()
            >= 4
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        statuses = alerted();
    }
    for channel in ["App", "Email", "Sms", "Webhook"] {
        assert!(
            statuses
                .iter()
                .any(|s| s == &format!("{channel} delivered")),
            "{statuses:?}"
        );
    }

    // The same case again, and a duplicate delivery: no second alert.
    assert_eq!(
        gw.deliver("disputes/update", &dispute("285332461850802063"), "red-2")
            .await,
        200
    );
    gw.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "one alert per ticket per trigger");
    assert!(seen.lock().unwrap().sms.is_empty(), "no second SMS");

    // The escalation ladder: 50 % alerts once, even when the timers run twice.
    let half = ticket.escalation[0].at;
    gw.app.engine.fire_due(half).await.unwrap();
    gw.app.engine.fire_due(half).await.unwrap();
    wait_for("the 50 % alert", || smtp.messages().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 2);
    assert!(
        smtp.messages()
            .iter()
            .any(|m| m.contains("50 % of the time"))
    );
    gw.stop().await;
}

#[tokio::test]
async fn quiet_hours_hold_back_yellow_alerts_and_the_sms_budget_caps_spend() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (seen, port) = stand_ins().await;
    // Room for exactly one SMS a day.
    let gw = start_with(
        tmp.path(),
        &config(smtp.port, port, "sms_daily_budget_cents = 8"),
    )
    .await;

    // A return request: yellow, owned by mei, whose quiet hours last all day.
    assert_eq!(
        gw.deliver("returns/request", &fixture("returns__request.json"), "y-1")
            .await,
        200
    );
    gw.settled().await;
    let yellow = gw.queue()[0].clone();
    assert_eq!(yellow.severity, helloword::tickets::sla::Severity::Yellow);
    // Yellow alerts only at escalation: fire the 50 % step.
    gw.app
        .engine
        .fire_due(yellow.escalation[0].at)
        .await
        .unwrap();
    wait_for("the yellow alert's statuses", || {
        gw.app
            .store
            .alerts(yellow.id)
            .unwrap()
            .iter()
            .all(|a| !a.state.is_open())
    })
    .await;
    let alerts = gw.app.store.alerts(yellow.id).unwrap();
    let email = alerts
        .iter()
        .find(|a| a.channel == helloword::alerts::Channel::Email)
        .unwrap();
    assert!(
        matches!(&email.state, helloword::alerts::AlertState::Skipped { reason } if reason.contains("quiet hours")),
        "{:?}",
        email.state
    );
    assert!(smtp.messages().is_empty(), "nothing mailed in quiet hours");

    // Two red cases: the first SMS fits the budget, the second does not.
    for (n, id) in [(1, "7001"), (2, "7002")] {
        assert_eq!(
            gw.deliver("disputes/create", &dispute(id), &format!("b-{n}"))
                .await,
            200
        );
    }
    gw.settled().await;
    wait_for("two red e-mails", || smtp.messages().len() == 2).await;
    let mut skipped = Vec::new();
    wait_for("the SMS decisions", || {
        skipped = gw
            .queue()
            .iter()
            .flat_map(|t| gw.app.store.alerts(t.id).unwrap())
            .filter(|a| a.channel == helloword::alerts::Channel::Sms)
            .filter_map(|a| match a.state {
                helloword::alerts::AlertState::Skipped { reason } => Some(reason),
                _ => None,
            })
            .collect();
        !skipped.is_empty()
    })
    .await;
    assert_eq!(seen.lock().unwrap().sms.len(), 1, "the budget allows one");
    assert!(skipped[0].contains("daily SMS budget"), "{skipped:?}");
    gw.stop().await;
}

#[tokio::test]
async fn a_shipment_that_stops_moving_and_a_failed_refund_alert_once() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (_seen, port) = stand_ins().await;
    let gw = start_with(
        tmp.path(),
        &config(smtp.port, port, "logistics_stalled_days = 3"),
    )
    .await;

    // A delayed shipment: the logistics watcher follows it.
    let delayed = String::from_utf8(fixture("fulfillment_events__create.json"))
        .unwrap()
        .replace("\"status\": \"in_transit\"", "\"status\": \"delayed\"");
    assert_eq!(
        gw.deliver("fulfillment_events/create", delayed.as_bytes(), "l-1")
            .await,
        200
    );
    gw.settled().await;
    let ticket = gw.queue()[0].clone();
    let check = ticket
        .timers
        .iter()
        .find(|t| matches!(t.what, helloword::tickets::model::TimerKind::StallCheck))
        .expect("a stall check is scheduled")
        .due;
    // Three days later nothing moved: one alert, even when the timers run twice.
    gw.app.engine.fire_due(check).await.unwrap();
    gw.app.engine.fire_due(check).await.unwrap();
    let stalled: Vec<_> = gw
        .app
        .store
        .alerts(ticket.id)
        .unwrap()
        .into_iter()
        .filter(|a| a.trigger.id() == "logistics-stalled")
        .collect();
    assert!(!stalled.is_empty(), "the watcher alerted");
    let channels: std::collections::BTreeSet<_> = stalled
        .iter()
        .map(|a| (a.channel, a.recipient.clone()))
        .collect();
    assert_eq!(
        channels.len(),
        stalled.len(),
        "one alert per recipient and channel"
    );

    // A refund that failed at Shopify: the payment watcher alerts.
    let failed = String::from_utf8(fixture("refunds__create.json"))
        .unwrap()
        .replace("\"status\": \"success\"", "\"status\": \"failure\"");
    assert_eq!(
        gw.deliver("refunds/create", failed.as_bytes(), "p-1").await,
        200
    );
    gw.settled().await;
    let any_payment_alert = gw.queue().iter().any(|t| {
        gw.app
            .store
            .alerts(t.id)
            .unwrap()
            .iter()
            .any(|a| a.trigger.id() == "payment-failed")
    });
    assert!(any_payment_alert, "the failed refund alerted");
    gw.stop().await;
}

/// Timers are indexed by the millisecond but held on the ticket to the nanosecond. A timer
/// whose index entry is due must fire then — once it held the engine in a loop (and every
/// inbox delivery and refund behind it) until its nanoseconds had passed too, which with
/// the clock read just before never happened.
#[tokio::test]
async fn a_timer_fires_in_the_millisecond_its_index_names() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (_seen, port) = stand_ins().await;
    let gw = start_with(
        tmp.path(),
        &config(smtp.port, port, "logistics_stalled_days = 3"),
    )
    .await;
    let delayed = String::from_utf8(fixture("fulfillment_events__create.json"))
        .unwrap()
        .replace("\"status\": \"in_transit\"", "\"status\": \"delayed\"");
    gw.deliver("fulfillment_events/create", delayed.as_bytes(), "ms-1")
        .await;
    gw.settled().await;
    let ticket = gw.queue()[0].clone();
    let check = ticket
        .timers
        .iter()
        .find(|t| matches!(t.what, helloword::tickets::model::TimerKind::StallCheck))
        .expect("a stall check is scheduled")
        .clone();
    assert_ne!(
        check.due.subsec_nanosecond() % 1_000_000,
        0,
        "the timer is due part-way through a millisecond"
    );
    // The start of that millisecond: the index says due, the nanoseconds say not yet.
    let start = jiff::Timestamp::from_millisecond(check.due.as_millisecond()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), gw.app.engine.fire_due(start))
        .await
        .expect("firing timers finishes")
        .unwrap();
    let after = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert!(
        !after.timers.iter().any(|t| t.id == check.id),
        "the stall check fired: {:?}",
        after.timers
    );
}

/// A follow-up that comes due tells the ticket's owner, by e-mail through the real SMTP
/// server, once (the timer fires once, even when the timers run twice).
#[tokio::test]
async fn a_follow_up_that_comes_due_is_mailed_to_the_tickets_owner_once() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path());
    let (_seen, port) = stand_ins().await;
    let gw = start_with(tmp.path(), &config(smtp.port, port, "")).await;
    // A chargeback, red, owned by mei; its own alert arrives first.
    assert_eq!(
        gw.deliver("disputes/create", &dispute("285332461850802063"), "fu-1")
            .await,
        200
    );
    gw.settled().await;
    let ticket = gw.queue()[0].clone();
    assert_eq!(ticket.assignee.as_deref(), Some("mei"));
    wait_for("the new-red e-mail", || smtp.messages().len() == 1).await;

    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/follow-ups", ticket.id),
            Some(r#"{"what": "Did the bank accept the evidence?", "due_in_minutes": 90}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let due = gw
        .app
        .store
        .ticket(ticket.id)
        .unwrap()
        .unwrap()
        .timers
        .iter()
        .find(|t| {
            matches!(
                t.what,
                helloword::tickets::model::TimerKind::FollowUp { .. }
            )
        })
        .expect("the follow-up's timer")
        .due;
    gw.app.engine.fire_due(due).await.unwrap();
    gw.app.engine.fire_due(due).await.unwrap();
    wait_for("the follow-up e-mail", || smtp.messages().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2, "one e-mail for the follow-up: {mail:?}");
    let follow_up = mail
        .iter()
        .find(|m| m.contains("Follow-up due"))
        .expect("the follow-up's e-mail");
    assert!(follow_up.contains("mei@shop.example"), "{follow_up}");
    assert!(
        follow_up.contains("Did the bank accept the evidence?"),
        "{follow_up}"
    );
    smtp.check_well_formed();
    gw.stop().await;
}
