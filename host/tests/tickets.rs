//! From real Shopify deliveries to tickets: the gateway over loopback HTTP with the real
//! Shopify connector, the durable inbox and the ticket engine.

mod common;

use common::gateway::*;

use std::time::Duration;

use helloword::tickets::model::{Happening, Status};
use helloword::tickets::sla::{DeadlineSource, Severity};

#[tokio::test]
async fn a_chargeback_becomes_a_red_ticket_due_by_shopifys_evidence_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-1")
            .await,
        200
    );
    gw.settled().await;

    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    let ticket = &queue[0];
    assert_eq!(ticket.severity, Severity::Red);
    assert_eq!(ticket.status, Status::New);
    assert_eq!(ticket.case_key, "case:285332461850802063");
    assert_eq!(ticket.order_id.as_deref(), Some("820982911946154508"));
    assert_eq!(ticket.amount.as_ref().map(|m| m.minor_units), Some(1150));
    // evidence_due_by 2021-12-31T00:00Z minus Shopify's 24 h safety margin is earlier than
    // the 4 h red target counted from now.
    assert_eq!(ticket.due.at.to_string(), "2021-12-30T00:00:00Z");
    assert!(matches!(
        ticket.due.source,
        DeadlineSource::PlatformDeadline
    ));

    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert!(matches!(
        timeline[0].what,
        Happening::Opened {
            severity: Severity::Red,
            ..
        }
    ));
    assert!(
        matches!(&timeline[1].what, Happening::Event { summary, .. } if summary.starts_with("Chargeback opened"))
    );
}

#[tokio::test]
async fn later_events_of_a_case_append_to_its_ticket_and_repeats_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    let dispute = fixture("disputes__create.json");
    assert_eq!(gw.deliver("disputes/create", &dispute, "w-1").await, 200);
    // The same delivery again (Shopify retried it) and the same business event under a new
    // delivery id: neither changes anything.
    assert_eq!(gw.deliver("disputes/create", &dispute, "w-1").await, 200);
    assert_eq!(gw.deliver("disputes/create", &dispute, "w-2").await, 200);
    // The dispute moves on: same case, new state.
    let won = String::from_utf8(dispute.clone())
        .unwrap()
        .replace("\"under_review\"", "\"won\"");
    assert_eq!(
        gw.deliver("disputes/update", won.as_bytes(), "w-3").await,
        200
    );
    gw.settled().await;

    let queue = gw.queue();
    assert_eq!(queue.len(), 1);
    let ticket = &queue[0];
    assert_eq!(ticket.events, 2);
    assert_eq!(ticket.platform_status.as_deref(), Some("won"));
    let events = gw
        .app
        .store
        .timeline(ticket.id)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.what, Happening::Event { .. }))
        .count();
    assert_eq!(events, 2);
}

#[tokio::test]
async fn returns_are_yellow_and_the_queue_puts_red_first() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    assert_eq!(
        gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
            .await,
        200
    );
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
            .await,
        200
    );
    gw.settled().await;
    let severities: Vec<Severity> = gw.queue().iter().map(|t| t.severity).collect();
    assert_eq!(severities, [Severity::Red, Severity::Yellow]);
    let yellow = gw.app.store.queue(Some(Severity::Yellow), 10).unwrap();
    assert_eq!(yellow.len(), 1);
    assert!(matches!(
        yellow[0].due.source,
        DeadlineSource::SeverityTarget
    ));
}

#[tokio::test]
async fn the_admin_api_lists_shows_and_changes_tickets_with_an_audit_trail() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
        .await;
    gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
        .await;
    gw.settled().await;

    let (status, list) = gw.api("GET", "/api/tickets?severity=red", None).await;
    assert_eq!(status, 200);
    let tickets = list["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["kind"], "chargeback");
    let id = tickets[0]["id"].as_u64().unwrap();

    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/assign"),
            Some(r#"{"agent": "mei"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/notes"),
            Some(r#"{"text": "Evidence requested from the carrier."}"#),
        )
        .await;
    assert_eq!(status, 200);
    let (status, changed) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/status"),
            Some(r#"{"status": "waiting-on-marketplace"}"#),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        changed["ticket"]["first_response_at"].is_string(),
        "the agent says the case was answered elsewhere: {changed}"
    );

    let (status, mine) = gw.api("GET", "/api/tickets?agent=mei", None).await;
    assert_eq!(status, 200);
    assert_eq!(mine["tickets"].as_array().unwrap().len(), 1);

    let (_, shown) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    // The chargeback was overdue on arrival (Shopify's sample deadline is in 2021), so the
    // timer loop escalates it at once; the rest of the trail is the API's.
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|k| *k != "escalated")
        .collect();
    assert_eq!(
        kinds,
        ["opened", "event", "assigned", "note", "status-changed"]
    );
    let last = shown["timeline"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["by"].as_str(), last["to"].as_str()),
        (Some("lead"), Some("waiting-on-marketplace"))
    );
}

#[tokio::test]
async fn the_admin_api_refuses_bad_requests_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    let anonymous = gw
        .client
        .get(format!("{}/api/tickets", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let wrong = gw
        .client
        .get(format!("{}/api/tickets", gw.base))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);

    let (status, body) = gw.api("GET", "/api/tickets?severity=purple", None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad-query")));
    let (status, _) = gw.api("GET", "/api/tickets/999", None).await;
    assert_eq!(status, 404);
    let (status, body) = gw
        .api("POST", "/api/tickets/999/status", Some("{not json"))
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad-json")));
    let (status, body) = gw
        .api(
            "POST",
            "/api/tickets/999/status",
            Some(r#"{"status": "done"}"#),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad-body")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unknown variant `done`")
    );
}

#[tokio::test]
async fn tickets_survive_a_restart_and_the_inbox_is_not_applied_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-1")
        .await;
    gw.settled().await;
    assert_eq!(gw.queue().len(), 1);
    gw.stop().await;

    let gw = start(tmp.path()).await;
    // The same delivery, retried by Shopify after the restart, is still recognised.
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-1")
            .await,
        200
    );
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].events, 1);
}

#[tokio::test]
async fn new_tickets_go_to_an_agent_with_the_skill_and_room() {
    let tmp = tempfile::tempdir().unwrap();
    let agents = r#"
[[tickets.agents]]
name = "mei"
skills = ["payment"]
languages = ["zh", "en"]
capacity = 1

[[tickets.agents]]
name = "cai"
skills = ["logistics"]
languages = ["en"]
capacity = 5
"#;
    let gw = start_with(tmp.path(), agents).await;
    gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
        .await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
        .await;
    // A second chargeback on another order: mei is at capacity, nobody else has the skill.
    let other = String::from_utf8(fixture("disputes__create.json"))
        .unwrap()
        .replace("285332461850802063", "285332461850802064");
    gw.deliver("disputes/create", other.as_bytes(), "w-d2")
        .await;
    gw.settled().await;

    let owners: Vec<(String, Option<String>)> = gw
        .queue()
        .into_iter()
        .map(|t| {
            (
                helloword::tickets::model::kind_name(t.kind).to_string(),
                t.assignee,
            )
        })
        .collect();
    assert_eq!(
        owners,
        [
            ("chargeback".to_string(), Some("mei".to_string())),
            ("chargeback".to_string(), None),
            ("return-request".to_string(), Some("cai".to_string())),
        ]
    );
    let first = &gw.queue()[0];
    let timeline = gw.app.store.timeline(first.id).unwrap();
    assert!(timeline.iter().any(|e| matches!(&e.what,
        Happening::Assigned { to: Some(to), by, reason: Some(reason) }
            if to == "mei" && by == "system" && reason == "on shift, 0/1 open, payment skill")));

    // Closing mei's ticket frees her capacity for the next case.
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/status", first.id),
            Some(r#"{"status": "closed"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let third = String::from_utf8(fixture("disputes__create.json"))
        .unwrap()
        .replace("285332461850802063", "285332461850802065");
    gw.deliver("disputes/create", third.as_bytes(), "w-d3")
        .await;
    gw.settled().await;
    let mei: Vec<_> = gw
        .queue()
        .into_iter()
        .filter(|t| t.assignee.as_deref() == Some("mei"))
        .collect();
    assert_eq!(mei.len(), 1);
    assert_eq!(mei[0].case_key, "case:285332461850802065");
}

fn count(
    timeline: &[helloword::tickets::model::TimelineEntry],
    f: impl Fn(&Happening) -> bool,
) -> usize {
    timeline.iter().filter(|e| f(&e.what)).count()
}

#[tokio::test]
async fn escalation_steps_fire_once_each_until_the_seller_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let team = "[[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 0\n\
                [[tickets.agents]]\nname = \"ana\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
                languages = [\"en\"]\ncapacity = 5\n";
    let gw = start_with(tmp.path(), team).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
        .await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    assert_eq!(ticket.timers.len(), 3, "{:?}", ticket.timers);
    assert_eq!(ticket.assignee.as_deref(), Some("ana"));
    let opened = ticket.opened_at;

    // Seven hours into a 12 h yellow target: the 50 % step (6 h) has passed, 80 % has not.
    let later = opened
        .checked_add(jiff::SignedDuration::from_hours(7))
        .unwrap();
    gw.app.engine.fire_due(later).await.unwrap();
    gw.app.engine.fire_due(later).await.unwrap();
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert_eq!(
        count(&timeline, |h| matches!(
            h,
            Happening::Escalated {
                per_mille: 500,
                lead: None
            }
        )),
        1
    );
    assert_eq!(
        count(&timeline, |h| matches!(h, Happening::Escalated { .. })),
        1
    );
    assert_eq!(
        gw.app
            .store
            .ticket(ticket.id)
            .unwrap()
            .unwrap()
            .timers
            .len(),
        2
    );

    // At the deadline the lead is told.
    let due = ticket
        .due
        .at
        .checked_add(jiff::SignedDuration::from_secs(60))
        .unwrap();
    gw.app.engine.fire_due(due).await.unwrap();
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert_eq!(
        count(
            &timeline,
            |h| matches!(h, Happening::Escalated { per_mille: 1000, lead: Some(l) } if l == "lin")
        ),
        1
    );
    // …and the case is handed to them.
    let breached = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert_eq!(breached.assignee.as_deref(), Some("lin"));
    assert_eq!(
        count(&timeline, |h| matches!(
            h,
            Happening::Assigned { to: Some(to), by, reason: Some(r) }
                if to == "lin" && by == "system" && r.contains("taken over from ana")
        )),
        1
    );
    assert!(
        gw.app
            .store
            .ticket(ticket.id)
            .unwrap()
            .unwrap()
            .timers
            .is_empty()
    );
}

#[tokio::test]
async fn an_answered_ticket_does_not_escalate() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
        .await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    gw.api(
        "POST",
        &format!("/api/tickets/{}/status", ticket.id),
        Some(r#"{"status": "waiting-on-buyer"}"#),
    )
    .await;
    let after_deadline = ticket
        .due
        .at
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    gw.app.engine.fire_due(after_deadline).await.unwrap();
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert_eq!(
        count(&timeline, |h| matches!(h, Happening::Escalated { .. })),
        0
    );
    assert!(
        gw.app
            .store
            .ticket(ticket.id)
            .unwrap()
            .unwrap()
            .timers
            .is_empty()
    );
}

#[tokio::test]
async fn a_follow_up_fires_once_even_across_a_restart_and_a_cancelled_one_never() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-r")
        .await;
    gw.settled().await;
    let id = gw.queue()[0].id;
    gw.api(
        "POST",
        &format!("/api/tickets/{id}/status"),
        Some(r#"{"status": "waiting-on-buyer"}"#),
    )
    .await;

    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_millis(1500))
        .unwrap();
    let body = format!(r#"{{"what": "Check the replacement arrived", "due_at": "{soon}"}}"#);
    let (status, scheduled) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/follow-ups"),
            Some(&body),
        )
        .await;
    assert_eq!(status, 200, "{scheduled}");
    let body = r#"{"what": "Never mind", "due_in_minutes": 1}"#;
    let (_, with_two) = gw
        .api("POST", &format!("/api/tickets/{id}/follow-ups"), Some(body))
        .await;
    let cancel = with_two["ticket"]["timers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["what"] == "Never mind")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let (status, _) = gw
        .api(
            "DELETE",
            &format!("/api/tickets/{id}/follow-ups/{cancel}"),
            None,
        )
        .await;
    assert_eq!(status, 200);

    // Stop before the follow-up is due; it must fire after the restart.
    gw.stop().await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let gw = start(tmp.path()).await;
    let mut fired = false;
    for _ in 0..100 {
        let timeline = gw.app.store.timeline(id).unwrap();
        if count(&timeline, |h| matches!(h, Happening::FollowUpDue { .. })) == 1 {
            fired = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fired, "the follow-up fires after the restart");
    gw.app
        .engine
        .fire_due(jiff::Timestamp::now())
        .await
        .unwrap();
    let ticket = gw.app.store.ticket(id).unwrap().unwrap();
    let timeline = gw.app.store.timeline(id).unwrap();
    assert_eq!(
        count(&timeline, |h| matches!(h, Happening::FollowUpDue { .. })),
        1,
        "at most once"
    );
    assert_eq!(
        count(&timeline, |h| matches!(
            h,
            Happening::FollowUpCancelled { .. }
        )),
        1
    );
    assert_eq!(
        ticket.status,
        Status::WaitingOnUs,
        "the ball is back with the seller"
    );
    assert!(
        ticket.timers.iter().all(|t| t.id != cancel),
        "the cancelled follow-up is gone"
    );

    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/follow-ups"),
            Some(r#"{"what": "x", "due_at": "2020-01-01T00:00:00Z"}"#),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("invalid-change"))
    );
}

#[tokio::test]
async fn buyers_get_profiles_and_a_satisfied_resolution_marks_loyalty_potential() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(
        tmp.path(),
        "[[tickets.agents]]\nname = \"cai\"\nskills = [\"logistics\"]\ncapacity = 3\n",
    )
    .await;
    gw.deliver("orders/cancelled", &cancellation(), "w-o").await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    assert_eq!(ticket.customer.as_deref(), Some("email:jon@example.com"));
    assert_eq!(ticket.language.as_deref(), Some("en"));

    let (status, profile) = gw
        .api("GET", "/api/customers/email:jon@example.com", None)
        .await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(
        profile["customer"]["names"],
        serde_json::json!(["John Smith"])
    );
    assert_eq!(
        profile["customer"]["accounts"],
        serde_json::json!(["shopify:115310627314723954"])
    );
    assert_eq!(
        profile["customer"]["tickets"][0][0].as_u64(),
        Some(ticket.id)
    );

    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/status", ticket.id),
            Some(r#"{"status": "closed", "satisfied": true}"#),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("invalid-change"))
    );
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/status", ticket.id),
            Some(r#"{"status": "resolved", "satisfied": true}"#),
        )
        .await;
    assert_eq!(status, 200);
    let (_, loyal) = gw
        .api("GET", "/api/customers?tag=high-loyalty-potential", None)
        .await;
    let keys: Vec<&str> = loyal["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["email:jon@example.com"]);
    let (_, none) = gw.api("GET", "/api/customers?tag=vip", None).await;
    assert!(none["customers"].as_array().unwrap().is_empty());

    let (status, agents) = gw.api("GET", "/api/agents", None).await;
    assert_eq!(status, 200);
    assert_eq!(agents["agents"][0]["name"], "cai");
    assert_eq!(agents["agents"][0]["on_shift"], true);
}

/// A verified erasure request (Shopify's `customers/redact`, as eBay's account deletion
/// will be) removes the buyer's data: the profile, the buyer's name and free text on their
/// tickets, and the raw deliveries behind them; the request's own ticket records what was
/// done and is resolved. Amounts and case facts stay for the seller's books.
#[tokio::test]
async fn a_verified_erasure_request_erases_the_buyers_data() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(
        tmp.path(),
        "[[tickets.agents]]\nname = \"cai\"\nskills = [\"logistics\"]\ncapacity = 3\n",
    )
    .await;
    gw.deliver("orders/cancelled", &cancellation(), "e-1").await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    assert_eq!(ticket.customer.as_deref(), Some("email:jon@example.com"));
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/notes", ticket.id),
            Some(r#"{"text": "Called John Smith at home"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let delivery = gw.app.store.inbox_after(None, 10).unwrap()[0].0;
    let (_, body) = gw.app.store.delivery(delivery).unwrap().unwrap();
    assert!(String::from_utf8_lossy(&body).contains("jon@example.com"));

    let redact = String::from_utf8(fixture("customers__redact.json"))
        .unwrap()
        .replace("191167", "115310627314723954")
        .replace("john@example.com", "jon@example.com");
    assert_eq!(
        gw.deliver("customers/redact", redact.as_bytes(), "e-2")
            .await,
        200
    );
    gw.settled().await;
    let mut erased = false;
    for _ in 0..200 {
        if gw
            .app
            .store
            .customer("email:jon@example.com")
            .unwrap()
            .is_none()
        {
            erased = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(erased, "the profile is gone");
    let after = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert_eq!(after.customer, None);
    assert_eq!(after.facts.buyer_name, None);
    assert_eq!(after.amount, ticket.amount, "the seller's figures stay");
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    let text = serde_json::to_string(&timeline).unwrap();
    assert!(!text.contains("John Smith"), "{text}");
    assert!(text.contains(helloword::store::ERASED));
    let (record, body) = gw.app.store.delivery(delivery).unwrap().unwrap();
    assert!(body.is_empty(), "the raw delivery is gone");
    assert!(record.events.iter().all(|e| e.customer.is_none()));
    let (status, _) = gw
        .api("GET", "/api/customers/email:jon@example.com", None)
        .await;
    assert_eq!(status, 404);

    // The request's own ticket says what was done, and is resolved.
    // Erasing finishes when the request's own ticket is resolved.
    let mut request = None;
    for _ in 0..300 {
        request = gw.app.store.all_tickets().map(Result::unwrap).find(|t| {
            t.kind == helloword::plugin::bindings::types::IssueKind::PrivacyRequest
                && t.status == helloword::tickets::model::Status::Resolved
        });
        if request.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let request = request.expect("the erasure request's ticket is resolved");
    assert_eq!(request.status, Status::Resolved);
    let notes = gw.app.store.timeline(request.id).unwrap();
    assert!(
        notes
            .iter()
            .any(|e| matches!(&e.what, Happening::Note { text, .. }
            // The buyer's order delivery, and the request's own (it names the buyer too).
            if text.contains("1 profile(s), 1 order(s), 1 ticket(s) scrubbed, 2 delivery"))),
        "{notes:?}"
    );
    gw.stop().await;
}

/// Closing a case nobody answered does not answer it: the SLA report does not count it as
/// answered, on time or late.
#[tokio::test]
async fn resolving_an_unanswered_case_is_not_a_response() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-c")
        .await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    let (status, changed) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/status", ticket.id),
            Some(r#"{"status": "resolved"}"#),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert!(
        changed["ticket"]["first_response_at"].is_null(),
        "{changed}"
    );
    let (_, sla) = gw.api("GET", "/api/reports/sla", None).await;
    let columns: Vec<&str> = sla["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let answered = columns
        .iter()
        .position(|c| *c == "answered_on_time")
        .unwrap();
    let late = columns.iter().position(|c| *c == "answered_late").unwrap();
    let rows = sla["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{sla}");
    assert_eq!(rows[0][1], 1, "one ticket: {sla}");
    assert_eq!(rows[0][answered], 0, "{sla}");
    assert_eq!(rows[0][late], 0, "{sla}");
    gw.stop().await;
}

/// The `orders/updated` fixture as its buyer's cancellation (`orders/cancelled`, reason
/// "customer"): a case with a buyer. A plain order update is context and opens none.
fn cancellation() -> Vec<u8> {
    let mut order: serde_json::Value =
        serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["cancel_reason"] = "customer".into();
    order["cancelled_at"] = "2025-07-10T16:00:00-04:00".into();
    serde_json::to_vec(&order).unwrap()
}

/// Order, shipment and refund updates are context: they join the open case of their order
/// (a chargeback, which names no buyer, learns who the buyer is and where the parcel is),
/// keep its severity, deadline and status, open no ticket of their own, and fill the order
/// record the API shows; a failed delivery is a case of its own that knows its buyer from
/// the order at once.
#[tokio::test]
async fn context_updates_join_their_orders_case_and_open_no_ticket() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    gw.deliver("disputes/create", &fixture("disputes__create.json"), "c-1")
        .await;
    gw.settled().await;
    let before = gw.queue().remove(0);
    assert_eq!(before.facts.buyer_name, None, "a dispute names no buyer");
    for (topic, file, id) in [
        ("orders/updated", "orders__updated.json", "c-2"),
        ("fulfillments/update", "fulfillments__update.json", "c-3"),
        ("refunds/create", "refunds__create.json", "c-4"),
    ] {
        assert_eq!(gw.deliver(topic, &fixture(file), id).await, 200, "{topic}");
    }
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "context opened tickets: {queue:#?}");
    let after = &queue[0];
    assert_eq!(after.id, before.id);
    assert_eq!(after.events, 4);
    assert_eq!(after.facts.buyer_name.as_deref(), Some("John Smith"));
    assert_eq!(after.facts.tracking_number.as_deref(), Some("1z827wk74630"));
    assert_eq!(after.customer.as_deref(), Some("email:jon@example.com"));
    assert_eq!(after.language.as_deref(), Some("en"));
    assert_eq!(
        (after.severity, &after.due, after.status),
        (before.severity, &before.due, before.status),
        "context changes no severity, deadline or status"
    );
    let timeline = gw.app.store.timeline(after.id).unwrap();
    let events = timeline
        .iter()
        .filter(|e| matches!(e.what, Happening::Event { .. }))
        .count();
    assert_eq!(events, 4, "each update is on the case's timeline");
    let (status, view) = gw
        .api("GET", &format!("/api/tickets/{}", after.id), None)
        .await;
    assert_eq!(status, 200);
    let order = &view["order"];
    assert_eq!(order["id"], "820982911946154508", "{order:#}");
    assert_eq!(order["buyer"], "John Smith");
    assert_eq!(order["shipment"]["tracking_number"], "1z827wk74630");
    assert!(
        !order["refunds"].as_array().unwrap().is_empty(),
        "{order:#}"
    );
    assert_eq!(order["tickets"], serde_json::json!([after.id]));
    // The buyer's name now finds the chargeback.
    let (_, found) = gw.api("GET", "/api/tickets?q=john+smith", None).await;
    assert_eq!(found["tickets"][0]["id"], after.id, "{found}");

    // A failed delivery needs a human: its own case, with the buyer from the order.
    let mut failed: serde_json::Value =
        serde_json::from_slice(&fixture("fulfillment_events__create.json")).unwrap();
    failed["status"] = "failure".into();
    assert_eq!(
        gw.deliver(
            "fulfillment_events/create",
            &serde_json::to_vec(&failed).unwrap(),
            "c-5"
        )
        .await,
        200
    );
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 2, "{queue:#?}");
    let delay = queue.iter().find(|t| t.id != after.id).unwrap();
    assert_eq!(
        delay.kind,
        helloword::plugin::bindings::types::IssueKind::LogisticsDelay
    );
    assert_eq!(delay.facts.buyer_name.as_deref(), Some("John Smith"));
    assert_eq!(delay.language.as_deref(), Some("en"));
    gw.stop().await;
}

/// The queue pages with a cursor, with no cap: every open ticket exactly once, in the order
/// of one long page; views (mine, unassigned, overdue) and filters (kind, language) are the
/// server's; a cursor from another listing is refused.
#[tokio::test]
async fn the_queue_pages_with_a_cursor_and_filters_on_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    let dispute: serde_json::Value =
        serde_json::from_slice(&fixture("disputes__create.json")).unwrap();
    let returned: serde_json::Value =
        serde_json::from_slice(&fixture("returns__request.json")).unwrap();
    for n in 0..7u64 {
        let mut d = dispute.clone();
        d["id"] = (285_332_461_850_900_000u64 + n).into();
        d["order_id"] = (820_982_911_946_200_000u64 + n).into();
        let body = serde_json::to_vec(&d).unwrap();
        assert_eq!(
            gw.deliver("disputes/create", &body, &format!("p-d{n}"))
                .await,
            200
        );
        let mut r = returned.clone();
        r["id"] = (123_134_564_567_900u64 + n).into();
        r["admin_graphql_api_id"] =
            format!("gid://shopify/Return/{}", 123_134_564_567_900u64 + n).into();
        r["order"]["id"] = (4_783_296_544_900u64 + n).into();
        let body = serde_json::to_vec(&r).unwrap();
        assert_eq!(
            gw.deliver("returns/request", &body, &format!("p-r{n}"))
                .await,
            200
        );
    }
    gw.settled().await;
    let list = |query: String| {
        let gw = &gw;
        async move {
            let (status, body) = gw.api("GET", &format!("/api/tickets?{query}"), None).await;
            assert_eq!(status, 200, "{query}: {body}");
            let ids: Vec<u64> = body["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_u64().unwrap())
                .collect();
            (ids, body["next"].as_str().map(str::to_string))
        }
    };
    let (all, next) = list("limit=500".into()).await;
    assert_eq!(all.len(), 14);
    assert_eq!(next, None, "everything fits: no cursor");
    // Pages of three, following the cursor, give the same tickets in the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=3&cursor={c}"),
            None => "limit=3".to_string(),
        };
        let (ids, next) = list(query).await;
        assert!(ids.len() <= 3);
        paged.extend(ids);
        pages += 1;
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(paged, all, "pages of 3 cover the queue once, in order");
    assert_eq!(pages, 5);

    // Views and filters.
    let chargebacks = list("kind=chargeback&limit=500".into()).await.0;
    assert_eq!(chargebacks.len(), 7);
    let red = list("severity=red&limit=2".into()).await;
    assert_eq!(red.0.len(), 2);
    assert!(red.1.is_some());
    let first = all[0];
    let (status, _) = gw
        .as_token(
            MEI_TOKEN,
            "POST",
            &format!("/api/tickets/{first}/assign"),
            Some(r#"{"agent": "mei"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let mine = gw
        .as_token(MEI_TOKEN, "GET", "/api/tickets?mine=true", None)
        .await
        .1;
    let mine: Vec<u64> = mine["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(mine, vec![first]);
    let unassigned = list("unassigned=true&limit=500".into()).await.0;
    assert_eq!(unassigned.len(), 13);
    assert!(!unassigned.contains(&first));
    // The fixtures' disputes are long past Shopify's evidence deadline: overdue.
    let overdue = list("overdue=true&limit=500".into()).await.0;
    assert!(
        overdue.iter().all(|id| chargebacks.contains(id)) && !overdue.is_empty(),
        "{overdue:?}"
    );

    // A cursor of another listing, or none at all, is refused naming it.
    let (status, body) = gw
        .api("GET", "/api/tickets?status=closed&cursor=q00", None)
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = gw.api("GET", "/api/tickets?cursor=nonsense", None).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("`cursor`"),
        "{body}"
    );
    gw.stop().await;
}

/// Near its deadline, a case whose owner went off shift goes to an agent on shift, who is
/// the one alerted; the reason is on the timeline.
#[tokio::test]
async fn a_case_near_its_deadline_leaves_an_owner_who_is_off_shift() {
    let tmp = tempfile::tempdir().unwrap();
    // nia works one minute a week (never during a test run); ana has no hours of her own
    // (the seller's, here always open).
    let team = "[[tickets.agents]]\nname = \"nia\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
                capacity = 5\nhours = { time_zone = \"Europe/Berlin\", hours = { mon = [\"09:00-09:01\"] } }\n\
                [[tickets.agents]]\nname = \"ana\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
                capacity = 5\n";
    let gw = start_with(tmp.path(), team).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "w-s")
        .await;
    gw.settled().await;
    let ticket = gw.queue().remove(0);
    assert_eq!(
        ticket.assignee.as_deref(),
        Some("ana"),
        "nia is off shift at opening"
    );
    let (status, _) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/assign", ticket.id),
            Some(r#"{"agent": "nia"}"#),
        )
        .await;
    assert_eq!(status, 200);

    // The first reminder (half the time to the deadline) hands it back to someone on shift.
    gw.app
        .engine
        .fire_due(ticket.escalation[0].at)
        .await
        .unwrap();
    let after = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert_eq!(after.assignee.as_deref(), Some("ana"));
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert_eq!(
        count(&timeline, |h| matches!(
            h,
            Happening::Assigned { to: Some(to), by, reason: Some(r) }
                if to == "ana" && by == "system" && r.contains("nia is off shift")
        )),
        1,
        "{timeline:#?}"
    );
    // An owner on shift keeps the case at the next step.
    gw.app
        .engine
        .fire_due(ticket.escalation[1].at)
        .await
        .unwrap();
    let later = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert_eq!(later.assignee.as_deref(), Some("ana"));
    gw.stop().await;
}

/// Issue 27, item 4: a payment that failed arrives from Shopify (`order_transactions/create`)
/// and opens a case a human must look at; a payment that went through records nothing.
#[tokio::test]
async fn a_failed_shopify_payment_opens_a_case_and_a_successful_one_records_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    let transaction = |status: &str| {
        let mut t: serde_json::Value =
            serde_json::from_slice(&fixture("order_transactions__create.json")).unwrap();
        t["status"] = status.into();
        t["kind"] = "sale".into();
        t["message"] = "Your card was declined.".into();
        t["error_code"] = "card_declined".into();
        serde_json::to_vec(&t).unwrap()
    };
    assert_eq!(
        gw.deliver("order_transactions/create", &transaction("success"), "p-1")
            .await,
        200
    );
    gw.settled().await;
    assert!(gw.queue().is_empty(), "{:#?}", gw.queue());

    for webhook in ["p-2", "p-2"] {
        assert_eq!(
            gw.deliver(
                "order_transactions/create",
                &transaction("failure"),
                webhook
            )
            .await,
            200
        );
    }
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "one case, the retry joined it: {queue:#?}");
    let case = &queue[0];
    assert_eq!(case.events, 1, "{case:#?}");
    assert_eq!(
        case.summary,
        "Payment failure for order 820982911946154508 (sale, 419.95 USD): Your card was declined."
    );
    assert_eq!(case.order_id.as_deref(), Some("820982911946154508"));
    let (status, view) = gw
        .api("GET", &format!("/api/tickets/{}", case.id), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["order"]["id"], "820982911946154508", "{view:#}");
    gw.stop().await;
}

/// A Shopify fulfillment of `order` by `carrier`, in transit, last updated `days_ago`.
fn parcel(order: u64, carrier: &str, days_ago: i64) -> Vec<u8> {
    let mut f: serde_json::Value =
        serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago);
    f["id"] = (order + 5_000_000).into();
    f["order_id"] = order.into();
    f["status"] = "success".into();
    f["shipment_status"] = "in_transit".into();
    f["tracking_company"] = carrier.into();
    f["tracking_number"] = format!("TRK{order}").into();
    f["updated_at"] = at.to_string().into();
    f["created_at"] = at.to_string().into();
    serde_json::to_vec(&f).unwrap()
}

#[tokio::test]
async fn a_parcel_the_carrier_stopped_moving_opens_one_case_by_its_routes_days() {
    let tmp = tempfile::tempdir().unwrap();
    // USPS parcels may rest 3 days; every other carrier the default 5.
    let gw = start_with(
        tmp.path(),
        "[logistics]\ncheck_secs = 1\n[[logistics.routes]]\ncarrier = \"USPS\"\ndays = 3\n",
    )
    .await;
    // Four days without movement: stalled by USPS's 3, not by DHL's default 5.
    for (order, carrier, days) in [(701, "USPS", 4), (702, "DHL", 4), (703, "USPS", 1)] {
        assert_eq!(
            gw.deliver(
                "fulfillments/update",
                &parcel(order, carrier, days),
                &format!("f-{order}")
            )
            .await,
            200
        );
    }
    gw.settled().await;
    assert!(
        gw.queue().is_empty(),
        "shipments are context: {:#?}",
        gw.queue()
    );
    // An order update of the stalled USPS order is news of the order, not movement of its
    // parcel.
    let mut edit: serde_json::Value =
        serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    edit["id"] = 701.into();
    assert_eq!(
        gw.deliver(
            "orders/updated",
            &serde_json::to_vec(&edit).unwrap(),
            "o-701"
        )
        .await,
        200
    );

    let mut stalled = Vec::new();
    for _ in 0..200 {
        gw.settled().await;
        stalled = gw.queue();
        if !stalled.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stalled.len(), 1, "{stalled:#?}");
    let case = &stalled[0];
    assert_eq!(case.order_id.as_deref(), Some("701"));
    assert_eq!(
        case.kind,
        helloword::plugin::bindings::types::IssueKind::LogisticsDelay
    );
    assert!(
        case.summary
            .starts_with("Shipment stalled: no movement from USPS for 4 days"),
        "{}",
        case.summary
    );
    // Reported once per stop: later rounds add nothing.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    gw.settled().await;
    let queue = gw.queue();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    assert_eq!(queue[0].events, 1);
    let order = gw.app.store.order("shopify", SHOP, "701").unwrap().unwrap();
    let shipment = order.shipment.unwrap();
    assert_eq!(shipment.stall_reported, shipment.moved_at);
    gw.stop().await;
}
