//! The eBay connector in the running gateway: the account-deletion handshake and a signed
//! deletion over loopback HTTP (eBay's published test vectors and SDK fixtures) reaching the
//! erasure path, and polling of the Post-Order searches through a loopback stand-in,
//! resumed where it stopped after a restart.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::gateway::*;
use helloword::plugin::bindings::types::IssueKind;

/// eBay's published challenge test vector (marketplaces.md).
const TOKEN: &str = "71745723-d031-455c-bfa5-f90d11b4f20a";
const ENDPOINT: &str = "http://www.testendpoint.com/webhook";
const CODE: &str = "a8628072-3d33-45ee-9004-bee86830a22d";
const EXPECTED: &str = "ca527df75caa230092d7e90484071e8f05d63068f1317973d6a3a42593734bbb";
const USER_TOKEN: &str = "v^1.1#user-token";

fn ebay_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/ebay/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A stand-in for the Post-Order return search: two returns, one per page; the first
/// buyer is the account the deletion fixture names. Records every request's target.
async fn search_stand_in() -> (Arc<Mutex<Vec<String>>>, u16) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let port = common::stand_in::serve(move |req| {
        log.lock().unwrap().push(req.target.to_string());
        let offset: u32 = req
            .target
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("offset="))
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        let sample: serde_json::Value = serde_json::from_slice(&ebay_fixture(
            "schema-derived/post_order_return.get.third_party_shape.json",
        ))
        .unwrap();
        let mut member = sample["summary"].clone();
        if offset == 0 {
            member["buyerLoginName"] = "test_user".into();
        } else {
            member["returnId"] = "5300000001".into();
        }
        let (status, body) = if req.authorization != Some(&format!("IAF {USER_TOKEN}")) {
            (401, serde_json::json!({"error": "bad token"}))
        } else if req.target.starts_with("/post-order/v2/return/search") {
            (
                200,
                serde_json::json!({"members": [member],
                    "paginationOutput": {"offset": offset, "limit": 1, "totalEntries": 2}}),
            )
        } else {
            (404, serde_json::json!({"errors": [{"message": "unknown"}]}))
        };
        (status, body.to_string())
    })
    .await;
    (seen, port)
}

/// Install the eBay connector, pointed at the stand-in, with the test key and endpoint.
fn install_ebay(dir: &Path, port: u16) {
    let folder = dir.join("plugins/ebay");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(test_artifacts::EBAY, folder.join("ebay_connector.wasm")).unwrap();
    let key: serde_json::Value = serde_json::from_slice(&ebay_fixture(
        "commerce_notification/public_key_response.json",
    ))
    .unwrap();
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/ebay/plugin.toml"),
    )
    .unwrap()
    .replace(
        "allowed_hosts = [\"api.ebay.com\", \"apiz.ebay.com\"]",
        &format!("allowed_hosts = [\"127.0.0.1:{port}\"]"),
    )
    .replace(
        "api_base = \"https://api.ebay.com\"",
        &format!("api_base = \"http://127.0.0.1:{port}\""),
    )
    .replace(
        "apiz_base = \"https://apiz.ebay.com\"",
        &format!(
            "apiz_base = \"http://127.0.0.1:{port}\"\nendpoint = \"{ENDPOINT}\"\n\
             \"public_key.9936261a-7d7b-4621-a0f1-96ccb428af49\" = {}",
            key["key"]
        ),
    )
    .replace("poll_page_size = 50", "poll_page_size = 1")
    .replace(
        "poll_stages = \"returns,cases,inquiries,cancellations,disputes\"",
        "poll_stages = \"returns\"",
    );
    assert!(
        manifest.contains("127.0.0.1") && manifest.contains("poll_stages = \"returns\""),
        "the manifest changed shape"
    );
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
}

/// Secrets and settings: background polling off (the test polls through the API, one page
/// at a time).
fn config() -> String {
    format!(
        "ebay_verification_token = {{ value = \"{TOKEN}\" }}\n\
         ebay_user_token = {{ value = \"{USER_TOKEN}\" }}\n\
         [polling]\ninterval_secs = 0\nmax_pages = 1\n"
    )
}

#[tokio::test]
async fn polling_stores_each_page_and_resumes_from_its_cursor_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let (seen, port) = search_stand_in().await;
    install_ebay(tmp.path(), port);
    let gw = start_with(tmp.path(), &config()).await;
    let (status, body) = gw.api("POST", "/api/plugins/ebay/poll", None).await;
    assert_eq!(
        status,
        200,
        "{body} {:?}",
        gw.app
            .plugins
            .statuses()
            .into_iter()
            .filter_map(|s| s.error)
            .collect::<Vec<_>>()
    );
    assert_eq!(body["pages"], 1);
    assert_eq!(body["events"], 1);
    assert_eq!(body["more"], true);
    gw.settled().await;
    assert_eq!(gw.queue().len(), 1);
    gw.stop().await;

    // After a restart the next poll asks for the second page, not the first again.
    let gw = start_with(tmp.path(), &config()).await;
    let (status, body) = gw.api("POST", "/api/plugins/ebay/poll", None).await;
    assert_eq!(status, 200, "{body}");
    gw.settled().await;
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(!requests[0].contains("offset=1"), "{requests:?}");
    assert!(requests[1].contains("offset=1"), "{requests:?}");
    let tickets = gw.queue();
    assert_eq!(tickets.len(), 2, "one ticket per return");
    assert!(tickets.iter().all(|t| t.kind == IssueKind::ReturnRequest));
    assert!(tickets.iter().all(|t| t.marketplace == "ebay"));

    // A shopify-only kind of plugin cannot be polled; an unknown one is not found.
    let (status, body) = gw.api("POST", "/api/plugins/shopify/poll", None).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("cannot-poll")));
    let (status, _) = gw.api("POST", "/api/plugins/nope/poll", None).await;
    assert_eq!(status, 404);
    gw.stop().await;
}

#[tokio::test]
async fn the_deletion_handshake_and_a_signed_account_deletion_erase_the_buyer() {
    let tmp = tempfile::tempdir().unwrap();
    let (_seen, port) = search_stand_in().await;
    install_ebay(tmp.path(), port);
    let gw = start_with(tmp.path(), &config()).await;
    let client = reqwest::Client::new();

    // The handshake, with eBay's published test vector.
    let answer = client
        .get(format!("{}/hooks/ebay?challenge_code={CODE}", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        answer
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"))
    );
    let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body["challengeResponse"], EXPECTED);

    // The buyer has a return on file (found by polling).
    let (status, _) = gw.api("POST", "/api/plugins/ebay/poll", None).await;
    assert_eq!(status, 200);
    gw.settled().await;
    let ret = gw.queue().remove(0);
    assert_eq!(ret.customer.as_deref(), Some("ebay:test_user"));

    // A tampered deletion is refused with 412 and stores nothing.
    let signature = String::from_utf8(ebay_fixture(
        "commerce_notification/x-ebay-signature.valid.txt",
    ))
    .unwrap();
    let inbox = gw.app.store.inbox_len();
    let tampered = client
        .post(format!("{}/hooks/ebay", gw.base))
        .header("X-EBAY-SIGNATURE", signature.trim())
        .header("content-type", "application/json")
        .body(ebay_fixture(
            "commerce_notification/marketplace_account_deletion.tampered_body.compact.json",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 412);
    assert_eq!(gw.app.store.inbox_len(), inbox, "nothing stored");

    // The genuine one is stored and erases the buyer.
    let genuine = client
        .post(format!("{}/hooks/ebay", gw.base))
        .header("X-EBAY-SIGNATURE", signature.trim())
        .header("content-type", "application/json")
        .body(ebay_fixture(
            "commerce_notification/marketplace_account_deletion.body.compact.json",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 200);
    gw.settled().await;
    let mut erased = false;
    for _ in 0..200 {
        if gw.app.store.customer("ebay:test_user").unwrap().is_none() {
            erased = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(erased, "the buyer's profile is erased");
    let after = gw.app.store.ticket(ret.id).unwrap().unwrap();
    assert_eq!(after.customer, None);
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
    assert_eq!(request.status, helloword::tickets::model::Status::Resolved);
    gw.stop().await;
}

/// eBay asks integrators to cache its notification public keys (its Notification API has a
/// daily call limit): before the fix every notification fetched the key again (14
/// notifications, 14 fetches).
#[tokio::test]
async fn a_hundred_notifications_fetch_their_public_key_once_and_an_unknown_kid_is_fetched() {
    use common::ebay_keys::{EbayKey, KeyServer, deletion};
    let first = EbayKey::new(7, "3a9f0a7e-0d1c-4f36-9d7e-1f3c5b2a8e01");
    let second = EbayKey::new(9, "b2c8d6e4-5f70-4a81-9b2c-3d4e5f607182");
    let keys = [
        (first.kid.clone(), first.pem()),
        (second.kid.clone(), second.pem()),
    ];
    let server = KeyServer::start(keys.into_iter().collect()).await;
    let tmp = tempfile::tempdir().unwrap();
    install_ebay(tmp.path(), server.port);
    let gw = start_with(
        tmp.path(),
        &format!("ebay_app_token = {{ value = \"app-token\" }}\n{}", config()),
    )
    .await;
    let client = reqwest::Client::new();
    let send = |key: &EbayKey, body: Vec<u8>| {
        client
            .post(format!("{}/hooks/ebay", gw.base))
            .header("X-EBAY-SIGNATURE", key.sign(&body))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for i in 0..100 {
        let body = deletion(&format!("n-{i}"), &format!("buyer_{i}"));
        let answer = send(&first, body).await.unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    }
    assert_eq!(
        server.fetches(&first.kid),
        1,
        "one fetch for 100 notifications"
    );
    // A key id the gateway has not seen is fetched, once.
    for i in 0..3 {
        let answer = send(&second, deletion(&format!("m-{i}"), "other"))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    assert_eq!(server.fetches(&second.kid), 1);
    // A kid eBay does not know is fetched (and refused) each time: nothing to cache.
    let unknown = EbayKey::new(11, "00000000-0000-4000-8000-000000000000");
    let answer = send(&unknown, deletion("x-1", "x")).await.unwrap();
    assert_eq!(answer.status(), 412);
    assert_eq!(server.all_fetches(), 3);
    gw.stop().await;
}
