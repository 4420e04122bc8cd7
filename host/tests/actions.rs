//! Actions through the outbox, exactly once: a refund decided through the API reaches a
//! loopback stand-in of Shopify's Admin API once; a lost answer is reconciled, not repeated;
//! replies pass the compliance guard or a lead's audited override.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::gateway::*;
use common::shopify_admin;
use helloword::plugin::bindings::types::{ActionKind, Money, RefundSpec};
use helloword::tickets::model::Happening;

const LEAD_TOKEN: &str = LIN_TOKEN;
const AGENT_TOKEN: &str = MEI_TOKEN;

/// Config: a lead (the harness's `lead` token is an operator), an agent, the Admin API
/// token, fast retries.
fn team() -> String {
    format!(
        "shopify_admin_token = {{ value = \"{}\" }}\n\
         [actions]\nretry_base_ms = 50\n\
         [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 5\n\
         [[tickets.agents]]\nname = \"mei\"\nskills = [\"logistics\", \"quality\", \"payment\"]\n\
         languages = [\"en\"]\ncapacity = 5\n",
        shopify_admin::ADMIN_TOKEN
    )
}

fn refund() -> String {
    let kind = ActionKind::Refund(RefundSpec {
        amount: None,
        line_items: vec![("518995019".into(), 1)],
        include_shipping: true,
        note: Some("damaged in transit".into()),
        notify_buyer: true,
    });
    serde_json::json!({ "actions": [kind] }).to_string()
}

impl Running {
    /// Wait until the dispatcher has nothing left to do.
    async fn drained(&self) {
        for _ in 0..300 {
            if self.app.store.open_actions().unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "actions still open: {:?}",
            self.app.store.open_actions().unwrap()
        );
    }
}

/// Start a gateway whose Shopify connector talks to a fresh stand-in; one return request
/// delivered, its ticket id.
async fn setup(dir: &std::path::Path) -> (Running, std::sync::Arc<shopify_admin::Admin>, u64) {
    setup_with(dir, &team()).await
}

/// [`setup`] with `config` in place of the team's.
async fn setup_with(
    dir: &std::path::Path,
    config: &str,
) -> (Running, std::sync::Arc<shopify_admin::Admin>, u64) {
    let (admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(dir, port);
    let gw = start_with(dir, config).await;
    assert_eq!(
        gw.deliver("returns/request", &fixture("returns__request.json"), "a-1")
            .await,
        200
    );
    gw.settled().await;
    let id = gw.queue()[0].id;
    (gw, admin, id)
}

/// [`setup_with`], with replies by e-mail set up (Shopify has no messaging API) through an
/// SMTP server on a port nothing listens on: the return's order told no buyer address, so
/// no reply ever gets as far as connecting.
async fn setup_with_mail(
    dir: &std::path::Path,
    config: &str,
) -> (Running, std::sync::Arc<shopify_admin::Admin>, u64) {
    let mail = "[plugins.config.shopify]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = \"1\"\n\
                smtp_security = \"none\"\nsmtp_username = \"support@shop.example\"\n\
                support_email = \"support@shop.example\"\n";
    setup_with(dir, &format!("{config}{mail}")).await
}

#[tokio::test]
async fn a_refund_is_sent_once_and_its_outcome_lands_on_the_ticket() {
    let tmp = tempfile::tempdir().unwrap();
    let (gw, admin, id) = setup(tmp.path()).await;

    // An agent may not move money by hand; a lead may.
    let path = format!("/api/tickets/{id}/actions");
    let (status, body) = gw
        .as_token(AGENT_TOKEN, "POST", &path, Some(&refund()))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = gw
        .as_token(LEAD_TOKEN, "POST", &path, Some(&refund()))
        .await;
    assert_eq!(status, 200, "{body}");
    gw.drained().await;

    assert_eq!(admin.refund_count(), 1);
    let (_, shown) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    let action = &shown["actions"][0];
    assert_eq!(action["state"], "done", "{shown}");
    let key = action["action"]["idempotency_key"].as_str().unwrap();
    assert_eq!(admin.refunds_with(key), 1);
    assert_eq!(action["attempts"], 1);
    let timeline = gw.app.store.timeline(id).unwrap();
    assert!(timeline.iter().any(
        |e| matches!(&e.what, Happening::ActionDone { what, .. } if what.starts_with("refund"))
    ));
    let (_, audit) = gw.api("GET", "/api/audit?limit=10", None).await;
    let lines: Vec<&str> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["what"].as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("queued refund")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("done")), "{lines:?}");
    gw.stop().await;
}

#[tokio::test]
async fn a_lost_answer_is_reconciled_with_the_marketplace_not_repeated() {
    let tmp = tempfile::tempdir().unwrap();
    let (gw, admin, id) = setup(tmp.path()).await;
    // Shopify creates the refund but the answer never arrives.
    admin.lose_answers.store(1, Ordering::SeqCst);
    let (status, body) = gw
        .as_token(
            LEAD_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/actions"),
            Some(&refund()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    gw.drained().await;

    assert_eq!(admin.refund_count(), 1, "reconciled, not sent twice");
    let actions = gw.app.store.actions(id).unwrap();
    assert!(
        matches!(
            actions[0].state,
            helloword::actions::ActionState::Done { .. }
        ),
        "{:?}",
        actions[0].state
    );
    let seen = admin.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|r| r.starts_with("GET ") && r.contains("refunds.json")),
        "the retry asked Shopify first: {seen:?}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn a_reply_the_guard_blocks_needs_a_leads_audited_override() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    // App alerts for every level: a reply that cannot be delivered alerts its owner.
    let config = format!(
        "{}[alerts]\nred = [\"app\"]\nyellow = [\"app\"]\nblue = [\"app\"]\n",
        team()
    );
    let (gw, _admin, id) = setup_with_mail(tmp.path(), &config).await;
    let path = format!("/api/tickets/{id}/reply");
    let manipulative = r#"{"body": "Hello, we would be grateful if you could change your review now that it is solved.", "language": "en"}"#;

    let (status, body) = gw
        .as_token(AGENT_TOKEN, "POST", &path, Some(manipulative))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "blocked-by-compliance");
    assert_eq!(body["findings"][0]["rule"], "review-manipulation");
    assert_eq!(body["findings"][0]["excerpt"], "change your review");
    assert!(
        gw.app.store.actions(id).unwrap().is_empty(),
        "nothing queued"
    );

    let overridden = r#"{"body": "Hello, we would be grateful if you could change your review now that it is solved.", "language": "en", "override_reason": "buyer asked how to edit it"}"#;
    let (status, body) = gw
        .as_token(AGENT_TOKEN, "POST", &path, Some(overridden))
        .await;
    assert_eq!(status, 403, "only a lead overrides: {body}");
    let (status, body) = gw
        .as_token(LEAD_TOKEN, "POST", &path, Some(overridden))
        .await;
    assert_eq!(status, 200, "{body}");
    let timeline = gw.app.store.timeline(id).unwrap();
    assert!(timeline.iter().any(|e| matches!(&e.what,
        Happening::ReplySent { by, override_reason: Some(r), .. }
            if by == "lin" && r.contains("buyer asked") && r.contains("review-manipulation"))));
    let (_, audit) = gw.api("GET", "/api/audit", None).await;
    assert!(audit["audit"].as_array().unwrap().iter().any(|l| {
        l["who"] == "lin"
            && l["what"]
                .as_str()
                .unwrap()
                .contains("past the compliance guard")
    }));

    // One review request per order: the first goes (on Shopify), the second is blocked.
    let review = r#"{"body": "Hello, if you are happy with the replacement, please leave a review.", "language": "en"}"#;
    let (status, body) = gw.as_token(AGENT_TOKEN, "POST", &path, Some(review)).await;
    assert_eq!(status, 200, "the first review request: {body}");
    let (status, body) = gw.as_token(AGENT_TOKEN, "POST", &path, Some(review)).await;
    assert_eq!(status, 422, "the second review request: {body}");
    assert_eq!(body["findings"][0]["rule"], "review-request");

    // A clean reply goes straight through.
    let clean = r#"{"body": "Hello, we are sorry about the damage. A replacement ships today.", "language": "en"}"#;
    let (status, body) = gw.as_token(AGENT_TOKEN, "POST", &path, Some(clean)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["ticket"]["first_response_at"].is_null(),
        "a queued reply is not an answer yet: {body}"
    );
    assert_ne!(body["ticket"]["status"], "waiting-on-buyer", "{body}");

    // Messages go out through the outbox, by e-mail; the return's order told no address, so
    // each ends as a task for a human, said so on the ticket.
    gw.drained().await;
    let actions = gw.app.store.actions(id).unwrap();
    assert_eq!(actions.len(), 3);
    for action in &actions {
        match &action.state {
            helloword::actions::ActionState::Failed { error } => {
                assert!(error.contains("no e-mail address"), "{error}")
            }
            other => panic!("{other:?}"),
        }
    }
    // None of them reached the buyer: the ticket is still unanswered, escalates as before,
    // and says so in red (the queue and the ticket page read `undelivered_reply`).
    let ticket = gw.app.store.ticket(id).unwrap().unwrap();
    assert_eq!(
        ticket.first_response_at, None,
        "an undelivered reply is not a response"
    );
    assert_ne!(
        ticket.status,
        helloword::tickets::model::Status::WaitingOnBuyer
    );
    let undelivered = ticket
        .undelivered_reply
        .clone()
        .expect("marked undelivered");
    let last = actions.iter().map(|a| a.id).max().unwrap();
    assert_eq!(undelivered.action, last);
    assert!(
        undelivered.error.contains("no e-mail address"),
        "{undelivered:?}"
    );
    let (_, shown) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    assert!(
        shown["ticket"]["undelivered_reply"]["error"]
            .as_str()
            .unwrap()
            .contains("no e-mail address"),
        "{shown}"
    );
    // Each failure alerted the ticket's owner (or the lead when nobody owns it).
    let owner = ticket.assignee.clone().unwrap_or_else(|| "lin".into());
    let alerts = gw.app.store.alerts(id).unwrap();
    for action in &actions {
        let trigger = format!("reply-failed-{}", action.id);
        assert!(
            alerts
                .iter()
                .any(|a| a.trigger.id() == trigger && a.recipient == owner),
            "{trigger} for {owner}: {alerts:?}"
        );
    }
    gw.stop().await;
}

#[tokio::test]
async fn a_dispute_gets_an_evidence_packet_from_the_ticket_within_shopifys_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let (gw, admin, _) = setup(tmp.path()).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "d-1")
            .await,
        200
    );
    gw.settled().await;
    let dispute = gw
        .queue()
        .into_iter()
        .find(|t| t.case_key.starts_with("case:"))
        .expect("the chargeback is a case");
    let path = format!("/api/tickets/{}/evidence", dispute.id);
    // Submitting is final: a lead's call.
    let (status, body) = gw
        .as_token(AGENT_TOKEN, "POST", &path, Some(r#"{"submit": true}"#))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = gw
        .as_token(AGENT_TOKEN, "POST", &path, Some(r#"{"submit": false}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    let fields: Vec<(String, String)> = serde_json::from_value(body["evidence"].clone()).unwrap();
    // The gateway's case file, the same for every marketplace; the connector makes it
    // Shopify's fields.
    let text = &fields
        .iter()
        .find(|(k, _)| k == "case.history")
        .expect("the narrative")
        .1;
    assert!(text.contains("History of the case"), "{text}");
    gw.drained().await;
    let written = admin.evidence.lock().unwrap().clone();
    assert_eq!(written.len(), 1, "one write, no submission");
    assert_eq!(written[0].0, "285332461850802063");
    assert!(
        written[0].1["dispute_evidence"]["uncategorized_text"]
            .as_str()
            .unwrap()
            .contains("Marketplace:")
    );
    let actions = gw.app.store.actions(dispute.id).unwrap();
    assert!(
        matches!(
            actions[0].state,
            helloword::actions::ActionState::Done { .. }
        ),
        "{:?}",
        actions[0].state
    );
    // A draft of the evidence is not an answer to the dispute; submitting it is, once
    // Shopify took it.
    let unanswered = gw.app.store.ticket(dispute.id).unwrap().unwrap();
    assert_eq!(unanswered.first_response_at, None);
    let (status, body) = gw
        .as_token(LEAD_TOKEN, "POST", &path, Some(r#"{"submit": true}"#))
        .await;
    assert_eq!(status, 200, "{body}");
    gw.drained().await;
    let submitted = gw.app.store.actions(dispute.id).unwrap();
    assert!(
        submitted
            .iter()
            .all(|a| matches!(a.state, helloword::actions::ActionState::Done { .. })),
        "{submitted:?}"
    );
    let answered = gw.app.store.ticket(dispute.id).unwrap().unwrap();
    assert!(
        answered.first_response_at.is_some(),
        "submitted evidence answers the dispute"
    );

    // An unknown ticket is named.
    let (status, body) = gw
        .as_token(
            LEAD_TOKEN,
            "POST",
            "/api/tickets/999999/evidence",
            Some("{}"),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    gw.stop().await;
}

#[tokio::test]
async fn a_lead_tier_proposal_waits_for_a_lead_and_is_executed_once_approved() {
    let tmp = tempfile::tempdir().unwrap();
    shopify_admin::install_policy_with(tmp.path(), "tier = \"lead\"\n");
    let (gw, admin, id) = setup(tmp.path()).await;
    // The policy was asked when the case opened.
    let mut shown = serde_json::Value::Null;
    for _ in 0..200 {
        shown = gw.api("GET", &format!("/api/tickets/{id}"), None).await.1;
        if shown["proposals"].as_array().is_some_and(|p| !p.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let proposal = &shown["proposals"][0];
    assert_eq!(proposal["tier"], "lead", "{shown}");
    assert_eq!(proposal["state"], "open");
    let pid = proposal["id"].as_u64().unwrap();
    let approve = format!("/api/tickets/{id}/proposals/{pid}/approve");

    let (status, body) = gw.as_token(AGENT_TOKEN, "POST", &approve, Some("{}")).await;
    assert_eq!(status, 403, "{body}");
    assert!(gw.app.store.actions(id).unwrap().is_empty());
    let (status, body) = gw
        .as_token(
            LEAD_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/proposals/{pid}/reject"),
            Some("{}"),
        )
        .await;
    assert_eq!(status, 409, "a rejection needs a reason: {body}");

    // Two leads approve at once: one wins, the refund happens once.
    let (a, b) = tokio::join!(
        gw.as_token(LEAD_TOKEN, "POST", &approve, Some("{}")),
        gw.as_token(TOKEN, "POST", &approve, Some("{}")),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    gw.drained().await;
    assert_eq!(admin.refund_count(), 1);
    let (_, shown) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    assert_eq!(shown["proposals"][0]["state"], "approved");
    assert_eq!(shown["actions"][0]["state"], "done");

    // Batch: a fresh proposal, rejected in a batch with an unknown one beside it.
    let (status, made) = gw
        .as_token(
            LEAD_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/propose"),
            Some("{}"),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let fresh = made["proposal"]["id"].as_u64().unwrap();
    let batch = format!(
        r#"{{"proposals": [{{"ticket": {id}, "proposal": {fresh}}}, {{"ticket": {id}, "proposal": 424242}}], "reject": true, "reason": "already refunded"}}"#
    );
    let (status, results) = gw
        .as_token(LEAD_TOKEN, "POST", "/api/proposals/decide", Some(&batch))
        .await;
    assert_eq!(status, 200);
    assert_eq!(results["results"][0]["ok"], true, "{results}");
    assert_eq!(results["results"][1]["ok"], false, "{results}");
    assert_eq!(admin.refund_count(), 1, "nothing more was refunded");
    gw.stop().await;
}

#[tokio::test]
async fn buyers_send_photos_through_a_signed_expiring_link_and_they_join_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let (gw, _admin, _) = setup(tmp.path()).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "d-2")
            .await,
        200
    );
    gw.settled().await;
    let id = gw
        .queue()
        .into_iter()
        .find(|t| t.case_key.starts_with("case:285332461850802063"))
        .unwrap()
        .id;
    let (status, link) = gw
        .as_token(
            AGENT_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/upload-link"),
            Some(r#"{"days": 3}"#),
        )
        .await;
    assert_eq!(status, 200, "{link}");
    let path = link["path"].as_str().unwrap().to_string();

    let page = gw
        .client
        .get(format!("{}{path}", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'nonce-")
    );
    assert!(page.text().await.unwrap().contains("type=\"file\""));

    let (base_path, query) = path.split_once('?').unwrap();
    let put = |name: &str, body: Vec<u8>, query: String| {
        let url = format!("{}{base_path}/{name}?{query}", gw.base);
        let client = gw.client.clone();
        async move {
            let r = client.put(url).body(body).send().await.unwrap();
            let status = r.status().as_u16();
            (
                status,
                serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap())
                    .unwrap_or_default(),
            )
        }
    };
    let photo = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2048][..]].concat();
    let (status, body) = put("broken%20lamp.jpg", photo.clone(), query.to_string()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["file"]["content_type"], "image/jpeg");
    assert_eq!(body["file"]["name"], "broken_lamp.jpg");
    // Not a photo, whatever its name says.
    let (status, body) = put(
        "photo.jpg",
        b"MZ\x90\0this is a program".to_vec(),
        query.to_string(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    // A forged signature, and an expired link.
    let forged = query.replace("sig=", "sig=00");
    assert_eq!(put("x.jpg", photo.clone(), forged).await.0, 403);
    let expired = helloword::web::intake::link(
        &gw.app.store,
        id,
        jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1),
    )
    .unwrap();
    let expired_query = expired.split_once('?').unwrap().1.to_string();
    assert_eq!(put("x.jpg", photo.clone(), expired_query).await.0, 410);
    // Another ticket's link does not open this one.
    let other = helloword::web::intake::link(
        &gw.app.store,
        id + 1,
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
    )
    .unwrap();
    assert_eq!(
        put(
            "x.jpg",
            photo.clone(),
            other.split_once('?').unwrap().1.to_string()
        )
        .await
        .0,
        403
    );

    let (status, files) = gw
        .api("GET", &format!("/api/tickets/{id}/files"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(files["files"].as_array().unwrap().len(), 1, "{files}");
    let file = files["files"][0]["id"].as_u64().unwrap();
    let downloaded = gw
        .client
        .get(format!("{}/api/tickets/{id}/files/{file}", gw.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(downloaded.headers()["content-type"], "image/jpeg");
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), photo);

    // The evidence packet names it.
    let (status, body) = gw
        .as_token(
            AGENT_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/evidence"),
            Some("{}"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let text = body["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f[0] == "case.history")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("Buyer sent broken_lamp.jpg (image/jpeg, 3 KB)"),
        "{text}"
    );
    gw.stop().await;
}

/// A loopback OAuth token endpoint: hands out `tokens` in turn (the last one forever) and
/// records each request's authorization header and form.
async fn token_endpoint(
    tokens: &'static [&'static str],
) -> (std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>, u16) {
    use http_body_util::BodyExt;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let form = String::from_utf8_lossy(&body).into_owned();
                            let n = {
                                let mut log = log.lock().unwrap();
                                log.push((auth, form));
                                log.len()
                            };
                            let token = tokens[(n - 1).min(tokens.len() - 1)];
                            let answer = serde_json::json!({
                                "access_token": token, "expires_in": 7200, "token_type": "User Access Token"
                            });
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                http_body_util::Full::new(bytes::Bytes::from(answer.to_string())),
                            ))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (seen, port)
}

/// A marketplace token the gateway refreshes itself: the first token it gets has been
/// revoked, so the marketplace answers 401; the gateway fetches a fresh one, sends again,
/// and keeps using it. The refresh token and client secret stay in the host.
#[tokio::test]
async fn an_oauth_token_is_fetched_refreshed_on_401_and_reused() {
    let tmp = tempfile::tempdir().unwrap();
    let (admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(tmp.path(), port);
    let (token_requests, token_port) =
        token_endpoint(&["revoked-token", shopify_admin::ADMIN_TOKEN]).await;
    let config = format!(
        "client_secret = {{ value = \"cs-123\" }}\nrefresh = {{ value = \"rt-456\" }}\n\
         shopify_admin_token = {{ oauth = {{ token_url = \"http://127.0.0.1:{token_port}/token\", \
         client_id = \"app-1\", client_secret = \"client_secret\", refresh_token = \"refresh\", \
         scopes = [\"a\", \"b\"] }} }}\n\
         [actions]\nretry_base_ms = 50\n\
         [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 5\n"
    );
    let gw = start_with(tmp.path(), &config).await;
    gw.deliver("returns/request", &fixture("returns__request.json"), "o-1")
        .await;
    gw.settled().await;
    let id = gw.queue()[0].id;
    let path = format!("/api/tickets/{id}/actions");
    for _ in 0..2 {
        let (status, body) = gw
            .as_token(LEAD_TOKEN, "POST", &path, Some(&refund()))
            .await;
        assert_eq!(status, 200, "{body}");
        gw.drained().await;
    }
    assert_eq!(
        admin.refund_count(),
        2,
        "both refunds went through: {:?}, seen {:?}, tokens {:?}",
        gw.app.store.actions(id).unwrap(),
        admin.seen.lock().unwrap(),
        token_requests.lock().unwrap()
    );
    let seen = admin.seen.lock().unwrap().clone();
    assert!(
        seen.iter().filter(|s| s.starts_with("POST")).count() >= 3,
        "the first refund was sent twice (401, then with the fresh token): {seen:?}"
    );
    let requests = token_requests.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        2,
        "one fetch, one refresh after the 401, then the cached token: {requests:?}"
    );
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("app-1:cs-123")
    );
    for (auth, form) in &requests {
        assert_eq!(auth, &basic);
        assert_eq!(
            form,
            "grant_type=refresh_token&refresh_token=rt-456&scope=a+b"
        );
    }
    gw.stop().await;
}

/// A loopback file server for attachments: a PNG photo, a text file, and 404 for the rest.
async fn file_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |req: hyper::Request<hyper::body::Incoming>| async move {
                        let (status, body): (u16, Vec<u8>) = match req.uri().path() {
                            "/photo.png" => (200, photo()),
                            "/note.txt" => (200, b"just words".to_vec()),
                            _ => (404, b"not found".to_vec()),
                        };
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                .unwrap(),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

fn photo() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..2000u32).map(|i| (i % 251) as u8));
    png
}

/// Files a buyer attached to a marketplace message, named by the connector's event: the
/// gateway fetches them from hosts the connector may reach, keeps what passes the upload
/// page's checks with the ticket (on the timeline, downloadable, ready for evidence), and
/// says on the timeline why the rest were not kept.
#[tokio::test]
async fn attachments_a_message_names_are_fetched_checked_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let port = file_server().await;
    common::plugin_folder(
        &tmp.path().join("plugins"),
        "echo",
        test_artifacts::ECHO,
        &format!("secrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1:{port}\"]"),
        "",
    );
    let gw = start_with(tmp.path(), "echo_secret = { value = \"s\" }\n").await;
    let base = format!("http://127.0.0.1:{port}");
    let attachments = format!(
        "{base}/photo.png {base}/note.txt {base}/missing.jpg http://127.0.0.2:{port}/photo.png"
    );
    let answer = gw
        .client
        .post(format!("{}/hooks/echo", gw.base))
        .header("x-echo-delivery", "m-1")
        .header("x-echo-attachments", attachments)
        .body("Here are photos of the broken lamp")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    gw.settled().await;
    let id = gw.queue()[0].id;

    let mut files = Vec::new();
    for _ in 0..300 {
        files = gw.app.store.files(id).unwrap();
        if files.len() == 4 && files.iter().all(|f| !f.pending) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.iter().all(|f| !f.pending), "{files:?}");
    let kept: Vec<_> = files.iter().filter(|f| f.error.is_none()).collect();
    assert_eq!(kept.len(), 1, "{files:?}");
    assert_eq!(kept[0].name, "photo.png");
    assert_eq!(kept[0].content_type, "image/png");
    assert_eq!(kept[0].bytes, photo().len() as u64);
    let error_of = |name: &str, host: &str| {
        files
            .iter()
            .find(|f| f.name == name && f.source.as_deref().unwrap().contains(host))
            .and_then(|f| f.error.clone())
            .unwrap_or_default()
    };
    assert!(
        error_of("note.txt", "127.0.0.1").contains("not a photo"),
        "{files:?}"
    );
    assert!(
        error_of("missing.jpg", "127.0.0.1").contains("404"),
        "{files:?}"
    );
    assert!(
        error_of("photo.png", "127.0.0.2").contains("allowed_hosts"),
        "{files:?}"
    );

    // The kept photo downloads byte for byte and is on the timeline; the rest say why not.
    let content = gw
        .client
        .get(format!("{}/api/tickets/{id}/files/{}", gw.base, kept[0].id))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(content.as_ref(), photo().as_slice());
    let timeline = gw.app.store.timeline(id).unwrap();
    assert_eq!(
        timeline
            .iter()
            .filter(|e| matches!(e.what, Happening::EvidenceReceived { .. }))
            .count(),
        1
    );
    assert_eq!(
        timeline
            .iter()
            .filter(
                |e| matches!(&e.what, Happening::Note { text, .. } if text.contains("was not kept"))
            )
            .count(),
        3
    );
    gw.stop().await;
}

/// Every amount in `value` (a key that names an amount or a price, at any depth), with where.
fn amounts<'v>(
    value: &'v serde_json::Value,
    at: String,
    out: &mut Vec<(String, &'v serde_json::Value)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let k = key.to_ascii_lowercase();
                let names_money = k.contains("amount") || k.contains("price") || k == "value";
                if names_money && !v.is_object() && !v.is_array() {
                    out.push((format!("{at}/{key}"), v));
                } else {
                    amounts(v, format!("{at}/{key}"), out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                amounts(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Issue 24, item 7: a 10.00 refund went out to Shopify as `10.0`. Every amount in every
/// request the stand-in captured is a decimal string with the currency's two decimals.
#[tokio::test]
async fn every_amount_sent_to_shopify_is_a_decimal_string_written_from_minor_units() {
    let tmp = tempfile::tempdir().unwrap();
    let (gw, admin, id) = setup(tmp.path()).await;
    let ten = ActionKind::Refund(RefundSpec {
        amount: Some(Money {
            minor_units: 1000,
            currency: "USD".into(),
        }),
        line_items: vec![],
        include_shipping: false,
        note: Some("goodwill".into()),
        notify_buyer: false,
    });
    let path = format!("/api/tickets/{id}/actions");
    for body in [
        serde_json::json!({ "actions": [ten] }).to_string(),
        refund(),
    ] {
        let (status, answer) = gw.as_token(LEAD_TOKEN, "POST", &path, Some(&body)).await;
        assert_eq!(status, 200, "{answer}");
        gw.drained().await;
    }
    assert_eq!(admin.refund_count(), 2);
    let bodies = admin.bodies.lock().unwrap().clone();
    let mut seen = Vec::new();
    for (request, text) in &bodies {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut found = Vec::new();
        amounts(&json, String::new(), &mut found);
        for (at, amount) in found {
            let ok = amount.as_str().is_some_and(|a| {
                a.split_once('.').is_some_and(|(whole, cents)| {
                    !whole.is_empty()
                        && whole.bytes().all(|b| b.is_ascii_digit())
                        && cents.len() == 2
                        && cents.bytes().all(|b| b.is_ascii_digit())
                })
            });
            assert!(
                ok,
                "{request}: {at} is {amount}, not a decimal string\n{text}"
            );
            seen.push(amount.as_str().unwrap_or_default().to_string());
        }
    }
    // The 10.00 refund and the suggested 41.94, both as Shopify is sent them.
    assert!(seen.contains(&"10.00".to_string()), "{seen:?}\n{bodies:?}");
    assert!(seen.contains(&"41.94".to_string()), "{seen:?}\n{bodies:?}");
    gw.stop().await;
}

/// A policy that cannot decide is asked again after 1, 2, 4 and 8 minutes; after the fifth
/// failure the ticket gets one note and its owner an alert, and the policy is left alone —
/// not asked every minute for ever, with a note each time.
#[tokio::test]
async fn a_failing_policy_is_retried_with_backoff_then_left_to_a_human_with_one_note() {
    use helloword::tickets::model::TimerKind;
    let tmp = tempfile::tempdir().unwrap();
    shopify_admin::install_policy_with(tmp.path(), "fail = \"yes\"\n");
    let config = format!(
        "{}[alerts]\nred = [\"app\"]\nyellow = [\"app\"]\nblue = [\"app\"]\n",
        team()
    );
    let (gw, _admin, id) = setup_with(tmp.path(), &config).await;
    let retry = |id| {
        let ticket = gw.app.store.ticket(id).unwrap().unwrap();
        ticket.timers.iter().find_map(|t| match t.what {
            TimerKind::Propose { failed } => Some((failed, t.due)),
            _ => None,
        })
    };
    // The ask when the case opened failed: the next is a minute later.
    let mut first = None;
    for _ in 0..200 {
        first = retry(id).filter(|(failed, _)| *failed > 0);
        if first.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (failed, due) = first.expect("a retry is scheduled");
    assert_eq!(failed, 1);
    let mut waits = Vec::new();
    let mut at = due;
    while let Some((failed, due)) = retry(id) {
        waits.push((failed, due.duration_since(at).as_secs()));
        at = due;
        gw.app.engine.fire_due(due).await.unwrap();
        assert!(waits.len() < 10, "the policy is asked for ever: {waits:?}");
    }
    // After the first minute: 2, 4 and 8 minutes between the asks, five asks in all.
    assert_eq!(
        waits,
        [(1, 0), (2, 120), (3, 240), (4, 480)],
        "failed asks and the wait before each retry"
    );
    let timeline = gw.app.store.timeline(id).unwrap();
    let notes: Vec<_> = timeline
        .iter()
        .filter_map(|e| match &e.what {
            Happening::Note { text, .. } if text.contains("compensation proposal") => {
                Some(text.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("failed 5 times"), "{notes:?}");
    let ticket = gw.app.store.ticket(id).unwrap().unwrap();
    let owner = ticket.assignee.clone().unwrap_or_else(|| "lin".into());
    let alerts = gw.app.store.alerts(id).unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.trigger.id() == "policy-failed" && a.recipient == owner),
        "{alerts:?}"
    );
    // Nothing more to fire: an hour later the policy is still left alone.
    gw.app
        .engine
        .fire_due(at + jiff::SignedDuration::from_hours(1))
        .await
        .unwrap();
    assert_eq!(gw.app.store.timeline(id).unwrap().len(), timeline.len());
    gw.stop().await;
}

/// An automatic proposal needs nobody's approval, also when it proposes nothing: it is
/// approved by the system at once, so the dashboard offers no Approve/Reject for it, and
/// nothing is queued.
#[tokio::test]
async fn an_automatic_proposal_of_nothing_is_approved_at_once_and_queues_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    shopify_admin::install_policy_with(tmp.path(), "refund = \"no\"\n");
    let (gw, _admin, id) = setup(tmp.path()).await;
    let mut proposals = Vec::new();
    for _ in 0..200 {
        proposals = gw.app.store.proposals(id).unwrap();
        if !proposals.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(proposals.len(), 1, "{proposals:?}");
    assert!(proposals[0].actions.is_empty());
    assert!(
        matches!(
            &proposals[0].state,
            helloword::actions::ProposalState::Approved { by, .. } if by == "system"
        ),
        "{:?}",
        proposals[0].state
    );
    let (_, shown) = gw.api("GET", &format!("/api/tickets/{id}"), None).await;
    assert_eq!(shown["proposals"][0]["state"], "approved", "{shown}");
    assert!(gw.app.store.actions(id).unwrap().is_empty());
    gw.stop().await;
}

/// A reply template names the compensation that was granted, never the claim's amount and
/// never more: confirming a refund before one exists is refused, then the confirmation
/// names what the marketplace refunded; an offer above it, or a different amount, is
/// refused naming both.
#[tokio::test]
async fn a_refund_confirmation_names_the_refund_granted_and_nothing_more() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let (gw, _admin, id) = setup(tmp.path()).await;
    let draft = |body: String| {
        let gw = &gw;
        async move {
            gw.api("POST", &format!("/api/tickets/{id}/draft"), Some(&body))
                .await
        }
    };
    let confirmation = r#"{"scenario": "refund-confirmation", "language": "en"}"#;
    let (status, body) = draft(confirmation.to_string()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not-granted");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no refund was granted"),
        "{body}"
    );

    let (status, body) = gw
        .as_token(
            LEAD_TOKEN,
            "POST",
            &format!("/api/tickets/{id}/actions"),
            Some(&refund()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    gw.drained().await;
    let refunded = gw
        .app
        .store
        .actions(id)
        .unwrap()
        .into_iter()
        .find_map(|a| match a.state {
            helloword::actions::ActionState::Done { outcome } => outcome.amount,
            _ => None,
        })
        .expect("the marketplace said what it refunded");
    let decimal = helloword_sdk::money::to_decimal_string(refunded.minor_units, &refunded.currency);

    let (status, body) = draft(confirmation.to_string()).await;
    assert_eq!(status, 200, "{body}");
    let text = body["draft"]["body"].as_str().unwrap();
    assert!(text.contains(&decimal), "{decimal} in {text}");

    let more = format!("{}", refunded.minor_units + 1000);
    let asked = helloword_sdk::money::to_decimal_string(more.parse().unwrap(), &refunded.currency);
    let (status, body) = draft(format!(
        r#"{{"scenario": "refund-confirmation", "language": "en", "variables": {{
            "amount": {{"amount": "{asked}", "currency": "{}"}}}}}}"#,
        refunded.currency
    ))
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("cannot confirm"),
        "{body}"
    );
    let (status, body) = draft(format!(
        r#"{{"scenario": "settlement-offer", "language": "en", "variables": {{
            "amount": {{"amount": "{asked}", "currency": "{}"}}}}}}"#,
        refunded.currency
    ))
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("above"),
        "{body}"
    );
    // No coupon exists, so an offer of one is refused.
    let (status, body) =
        draft(r#"{"scenario": "partial-refund-offer", "language": "en"}"#.to_string()).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("no coupon"),
        "{body}"
    );
    gw.stop().await;
}
