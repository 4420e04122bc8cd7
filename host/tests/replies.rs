//! Replies end to end: every bundled locale pack loaded as wasm by the real runtime, the
//! compliance corpus of every language through the guard, drafts and the off-hours
//! acknowledgement through the gateway, translation against a loopback server that speaks
//! DeepL's API.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::gateway::*;
use helloword::plugin::PluginSet;
use helloword::plugin::bindings::locale_api::{RenderRequest, Value};
use helloword::plugin::bindings::types::{Money, Timestamp};
use helloword::replies::Replies;
use helloword::replies::guard::Context;
use helloword::tickets::model::Happening;
use helloword_sdk::locale::kit::{COMMON_VARIABLES, SCENARIOS};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn replies_over_all_packs(dir: &Path) -> Replies {
    common::install_locale_packs(dir);
    let plugins = PluginSet::open(common::runtime(), dir.join("plugins")).await;
    Replies::new(plugins, "Customer Service".into())
}

/// A value for every variable any scenario uses.
/// Amazon's rules, as the bundled connector's manifest declares them.
fn amazon_rules() -> helloword::plugin::bindings::rules::MarketplaceRules {
    helloword::plugin::manifest::Manifest::load(&repo().join("plugins/amazon/plugin.toml"))
        .unwrap()
        .rules
}

fn all_variables() -> Vec<(String, Value)> {
    let at = |seconds| {
        Value::Datetime(Timestamp {
            seconds,
            nanoseconds: 0,
        })
    };
    let money = |minor_units| {
        Value::Money(Money {
            minor_units,
            currency: "EUR".into(),
        })
    };
    let text = |t: &str| Value::Text(t.into());
    vec![
        ("order-number".into(), text("#1001")),
        ("buyer-name".into(), text("Alex Morgan")),
        ("agent-name".into(), text("Sam")),
        ("carrier".into(), text("DHL")),
        ("tracking-number".into(), text("00340434161094015902")),
        (
            "tracking-url".into(),
            Value::Url("https://www.dhl.com/track?id=00340434161094015902".into()),
        ),
        ("delivered-at".into(), at(1_752_164_147)),
        ("expected-at".into(), at(1_752_483_600)),
        ("answer-by".into(), at(1_752_222_600)),
        ("amount".into(), money(123_450)),
        ("coupon-code".into(), text("SORRY10")),
        ("coupon-amount".into(), money(1_000)),
        ("return-by".into(), at(1_753_401_600)),
        (
            "return-url".into(),
            Value::Url("https://returns.example-shop.com/1001".into()),
        ),
    ]
}

#[tokio::test]
async fn twelve_languages_every_scenario_rendered_in_its_own_language() {
    let amazon = amazon_rules();
    let tmp = tempfile::tempdir().unwrap();
    let replies = replies_over_all_packs(tmp.path()).await;
    let catalog = replies.catalog().await;
    let languages: BTreeSet<String> = catalog
        .packs
        .iter()
        .flat_map(|p| p.languages.clone())
        .collect();
    let wanted = [
        "ar", "de", "en", "es", "fr", "it", "ja", "nl", "pl", "pt-BR", "sv", "tr",
    ];
    assert_eq!(
        languages,
        wanted.iter().map(|l| l.to_string()).collect(),
        "the bundled packs"
    );
    for pack in &catalog.packs {
        let language = &pack.languages[0];
        let handle = replies.plugins().get(&pack.plugin).unwrap();
        for scenario in SCENARIOS {
            assert!(
                pack.scenarios.iter().any(|s| s == scenario.id),
                "{}: no {}",
                pack.plugin,
                scenario.id
            );
            // Every template renders with exactly the variables the catalogue promises…
            let needed: Vec<&str> = COMMON_VARIABLES
                .iter()
                .chain(scenario.variables)
                .copied()
                .collect();
            let variables = all_variables()
                .into_iter()
                .filter(|(n, _)| needed.contains(&n.as_str()))
                .collect();
            let req = RenderRequest {
                scenario: scenario.id.into(),
                language: language.clone(),
                market: None,
                variables,
            };
            let rendered = handle
                .render(&req)
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{} {}: {e:?}", pack.plugin, scenario.id));
            let text = format!("{}\n{}", rendered.subject, rendered.body);
            assert!(
                !text.contains('{') && !text.contains('}'),
                "{} {}: a placeholder is left: {text}",
                pack.plugin,
                scenario.id
            );
            assert!(text.contains("#1001") && text.contains("Sam"), "{text}");
            // …and reads as its own language, not another pack's.
            let detected = catalog.detector.detect(&rendered.body);
            assert_eq!(
                detected.as_deref(),
                Some(helloword::replies::detect::primary(language).as_str()),
                "{} {}: the text reads as {detected:?}:\n{text}",
                pack.plugin,
                scenario.id
            );
            // A pack's own templates never trip its guard.
            let allowed = vec![
                "00340434161094015902".to_string(),
                "https://www.dhl.com/track?id=00340434161094015902".to_string(),
                "https://returns.example-shop.com/1001".to_string(),
                "#1001".to_string(),
            ];
            let ctx = Context {
                rules: amazon.messages,
                own_sites: &amazon.own_sites,
                language: Some(language),
                allowed: &allowed,
                review_requests_sent: 0,
            };
            let findings = catalog.guard.check(&text, &ctx, &catalog.detector);
            assert!(
                findings.is_empty(),
                "{} {}: {findings:#?}",
                pack.plugin,
                scenario.id
            );
        }
        // A request in a language the pack does not write is refused.
        let other = RenderRequest {
            scenario: "damaged-item".into(),
            language: if language == "en" { "de" } else { "en" }.into(),
            market: None,
            variables: all_variables(),
        };
        assert!(handle.render(&other).await.unwrap().is_err());
        // Tips exist for every market it serves.
        for market in &pack.markets {
            let tips = handle.culture_tips(market).await.unwrap();
            assert!(!tips.is_empty(), "{}: no tips for {market}", pack.plugin);
            // …and the same tips in Chinese, for the Chinese dashboard.
            assert!(handle.exports_tips_in_language(), "{}", pack.plugin);
            let chinese = handle.culture_tips_in(market, "zh-CN").await.unwrap();
            assert_eq!(chinese.len(), tips.len(), "{}: {market}", pack.plugin);
            for (tip, english) in chinese.iter().zip(&tips) {
                assert!(
                    has_chinese(&tip.title) && has_chinese(&tip.text),
                    "{}: {market}: {tip:?}",
                    pack.plugin
                );
                // (English tips of the Japanese pack quote Japanese, so compare too.)
                assert_ne!(tip.title, english.title, "{}: {market}", pack.plugin);
            }
        }
    }
    assert_eq!(
        catalog
            .packs
            .iter()
            .find(|p| p.plugin == "locale-ar")
            .map(|_| ()),
        Some(())
    );
}

#[tokio::test]
async fn arabic_is_right_to_left_and_markets_format_their_own_way() {
    let tmp = tempfile::tempdir().unwrap();
    let replies = replies_over_all_packs(tmp.path()).await;
    let render = |plugin: &'static str, language: &'static str, market: &'static str| {
        let plugins = replies.plugins().clone();
        async move {
            let req = RenderRequest {
                scenario: "refund-confirmation".into(),
                language: language.into(),
                market: Some(market.into()),
                variables: all_variables(),
            };
            plugins
                .get(plugin)
                .unwrap()
                .render(&req)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let ar = render("locale-ar", "ar", "SA").await;
    assert_eq!(
        ar.direction,
        helloword::plugin::bindings::locale_api::Direction::RightToLeft
    );
    let de = render("locale-de", "de", "DE").await;
    assert!(de.body.contains("1.234,50 €"), "{}", de.body);
    let en = render("locale-en", "en", "US").await;
    assert!(en.body.contains("€1,234.50"), "{}", en.body);
    let fr = render("locale-fr", "fr", "FR").await;
    assert!(fr.body.contains("1\u{202f}234,50"), "{}", fr.body);
}

#[derive(serde::Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    rules: Vec<String>,
}

#[tokio::test]
async fn the_compliance_corpus_of_every_language_is_caught_exactly() {
    let amazon = amazon_rules();
    let tmp = tempfile::tempdir().unwrap();
    let replies = replies_over_all_packs(tmp.path()).await;
    let catalog = replies.catalog().await;
    let mut failures = Vec::new();
    let mut cases = 0;
    for pack in &catalog.packs {
        let file = repo()
            .join("plugins")
            .join(&pack.plugin)
            .join("tests/compliance.toml");
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let corpus: Corpus =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rules_seen: BTreeSet<&str> = corpus
            .case
            .iter()
            .flat_map(|c| c.rules.iter().map(String::as_str))
            .collect();
        for rule in [
            "review-manipulation",
            "incentive",
            "review-request",
            "marketing",
            "off-platform",
            "email-address",
            "phone-number",
            "link",
            "wrong-language",
        ] {
            assert!(
                rules_seen.contains(rule),
                "{}: the corpus has no case for {rule}",
                file.display()
            );
        }
        assert!(
            corpus.case.iter().filter(|c| c.rules.is_empty()).count() >= 4,
            "{}: at least four allowed messages",
            file.display()
        );
        for case in &corpus.case {
            cases += 1;
            let ctx = Context {
                rules: amazon.messages,
                own_sites: &amazon.own_sites,
                language: Some(&pack.languages[0]),
                allowed: &[],
                review_requests_sent: 0,
            };
            let found: BTreeSet<&str> = catalog
                .guard
                .check(&case.text, &ctx, &catalog.detector)
                .iter()
                .map(|f| f.rule.id())
                .collect();
            let expected: BTreeSet<&str> = case.rules.iter().map(String::as_str).collect();
            if found != expected {
                failures.push(format!(
                    "{}: {:?}\n    expected {expected:?}, found {found:?}",
                    pack.plugin, case.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 12 * 14, "{cases} cases");
}

/// Shopify's published chargeback sample.
fn dispute() -> Vec<u8> {
    fixture("disputes__create.json")
}

const WOO_SECRET: &str = "woo-test-secret";

/// WooCommerce order 727 with what the buyer wrote at checkout, signed as WooCommerce signs
/// it: a buyer's message.
async fn deliver_woo_note(gw: &Running, note: &str, delivery: &str) -> u16 {
    let body = common::woo_order_with_note(note);
    common::deliver_woo_order(&gw.client, &gw.base, WOO_SECRET, &body, delivery).await
}

/// Off hours, a buyer's question is acknowledged in the buyer's language; a return request
/// (not a question) is not.
#[tokio::test]
async fn a_case_opened_outside_business_hours_is_acknowledged_in_the_buyers_language() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    std::fs::create_dir_all(tmp.path().join("plugins")).unwrap();
    common::drop_in_woocommerce(&tmp.path().join("plugins"));
    // The team works 09:00–09:01 on Mondays only: every test run is off hours.
    let gw = start_with(
        tmp.path(),
        &format!(
            "woocommerce_webhook_secret = {{ value = \"{WOO_SECRET}\" }}\n\
             [tickets.business_hours]\ntime_zone = \"Europe/Berlin\"\n\
             hours = {{ mon = [\"09:00-09:01\"] }}\n"
        ),
    )
    .await;
    let body = fixture("returns__request.json");
    assert_eq!(gw.deliver("returns/request", &body, "ack-1").await, 200);
    assert_eq!(
        deliver_woo_note(
            &gw,
            "Could you ship it before Friday? It is a birthday present.",
            "ack-2"
        )
        .await,
        200
    );
    gw.settled().await;
    let queue = gw.queue();
    let ticket = queue
        .iter()
        .find(|t| t.kind == helloword::plugin::bindings::types::IssueKind::BuyerMessage)
        .expect("the buyer's question is a ticket")
        .clone();
    let returned = queue
        .iter()
        .find(|t| t.kind == helloword::plugin::bindings::types::IssueKind::ReturnRequest)
        .expect("the return is a ticket")
        .clone();
    let mut ack = None;
    for _ in 0..200 {
        let timeline = gw.app.store.timeline(ticket.id).unwrap();
        ack = timeline.into_iter().find_map(|e| match e.what {
            Happening::AutoReply { language, body, .. } => Some((language, body)),
            Happening::AutoReplyFailed { error, .. } => panic!("no acknowledgement: {error}"),
            _ => None,
        });
        if ack.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (language, body) = ack.expect("the acknowledgement is on the timeline");
    let expected = ticket.language.clone().unwrap_or_else(|| "en".into());
    assert!(
        helloword::replies::guard::same_language(&language, &expected),
        "{language} for a buyer in {expected}"
    );
    assert!(body.contains("Customer Service"), "{body}");
    // An acknowledgement is not an answer: the first-response clock keeps running.
    let after = gw.app.store.ticket(ticket.id).unwrap().unwrap();
    assert!(after.first_response_at.is_none());
    // The return asked nothing: no note went to its buyer.
    assert!(
        returned.timers.iter().all(|t| !matches!(
            t.what,
            helloword::tickets::model::TimerKind::OffHoursAck { .. }
        )),
        "{:?}",
        returned.timers
    );
    let timeline = gw.app.store.timeline(returned.id).unwrap();
    assert!(
        !timeline
            .iter()
            .any(|e| matches!(e.what, Happening::AutoReply { .. })),
        "{timeline:?}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn drafts_come_in_the_buyers_language_with_tips_and_findings() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let gw = start(tmp.path()).await;
    assert_eq!(
        gw.deliver("disputes/create", &dispute(), "draft-1").await,
        200
    );
    gw.settled().await;
    let id = gw.queue()[0].id;

    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/draft"),
            Some(r#"{"scenario": "evidence-request", "language": "de"}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let draft = &body["draft"];
    assert_eq!(draft["language"], "de");
    assert_eq!(draft["pack"], "locale-de");
    assert!(
        draft["body"].as_str().unwrap().contains("Guten Tag"),
        "{draft}"
    );
    assert_eq!(draft["blocked"], false);

    // An offer names only what the policy offers: none here, so none is written.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/draft"),
            Some(
                r#"{"scenario": "settlement-offer", "language": "de", "variables": {
                    "amount": {"amount": "5.00", "currency": "EUR"}}}"#,
            ),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not-granted");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("policy offers no refund"),
        "{body}"
    );
    // Bad input is named.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/draft"),
            Some(r#"{"scenario": "no-such-thing"}"#),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("unknown-scenario"))
    );
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/draft"),
            Some(r#"{"scenario": "evidence-request", "language": "kl"}"#),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("no-locale-pack"))
    );

    // The guard on an agent's own text: a review request with an e-mail address.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/check"),
            Some(
                r#"{"text": "Guten Tag, bitte ändern Sie Ihre Bewertung zu ändern, schreiben Sie an info@shop.de", "language": "de"}"#,
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rules: Vec<&str> = body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"review-manipulation"), "{rules:?}");
    assert!(rules.contains(&"email-address"), "{rules:?}");
    // Shopify is the seller's own channel: contact details are allowed there, review
    // manipulation never.
    assert_eq!(body["blocked"], true);
    let email = body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "email-address")
        .unwrap();
    assert_eq!(email["blocking"], false);
    assert_eq!(email["excerpt"], "info@shop.de");

    let (status, body) = gw.api("GET", "/api/locales", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["packs"].as_array().unwrap().len(), 12);
    assert_eq!(body["scenarios"].as_array().unwrap().len(), SCENARIOS.len());
    gw.stop().await;
}

/// A loopback server speaking DeepL's `POST /v2/translate`; `up` decides whether it
/// answers or fails with 503.
async fn deepl_stand_in(
    key: &'static str,
    up: Arc<std::sync::atomic::AtomicBool>,
) -> (u16, Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use http_body_util::BodyExt;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let log = log.clone();
            let up = up.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        let up = up.clone();
                        async move {
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string();
                            let path = req.uri().path().to_string();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let reply = |status: u16, body: String| {
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .header("content-type", "application/json")
                                        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                        .unwrap(),
                                )
                            };
                            if auth != format!("DeepL-Auth-Key {key}") {
                                return reply(403, r#"{"message":"Wrong key"}"#.into());
                            }
                            if path != "/v2/translate" {
                                return reply(404, "{}".into());
                            }
                            if !up.load(std::sync::atomic::Ordering::SeqCst) {
                                return reply(503, r#"{"message":"Service unavailable"}"#.into());
                            }
                            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                            log.lock().unwrap().push(json.clone());
                            let text = json["text"][0].as_str().unwrap_or_default();
                            let translated =
                                match (json["target_lang"].as_str(), text) {
                                    (Some("DE"), "您的包裹今天发出。") => {
                                        "Ihr Paket wird heute versandt."
                                    }
                                    _ => return reply(
                                        400,
                                        r#"{"message":"Value for 'target_lang' not supported."}"#
                                            .into(),
                                    ),
                                };
                            reply(
                            200,
                            serde_json::json!({"translations": [{"detected_source_language": "ZH", "text": translated}]})
                                .to_string(),
                        )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn an_agents_chinese_draft_is_translated_through_deepl_and_both_stay_on_the_timeline() {
    const KEY: &str = "deepl-test-key:fx";
    let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (port, seen) = deepl_stand_in(KEY, up.clone()).await;
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let folder = tmp.path().join("plugins/translate-deepl");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        test_artifacts::TRANSLATE_DEEPL,
        folder.join("translate_deepl.wasm"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(repo().join("plugins/translate-deepl/plugin.toml"))
        .unwrap()
        .replace(
            r#"allowed_hosts = ["api-free.deepl.com", "api.deepl.com"]"#,
            &format!(r#"allowed_hosts = ["127.0.0.1:{port}"]"#),
        )
        .replace(
            r#"api_base = "https://api-free.deepl.com""#,
            &format!(r#"api_base = "http://127.0.0.1:{port}""#),
        );
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
    let gw = start_with(
        tmp.path(),
        &format!("deepl_auth_key = {{ value = \"{KEY}\" }}\n"),
    )
    .await;
    assert_eq!(
        gw.deliver("disputes/create", &dispute(), "translate-1")
            .await,
        200
    );
    gw.settled().await;
    let id = gw.queue()[0].id;
    let path = format!("/api/tickets/{id}/translate");

    let (status, body) = gw
        .api(
            "POST",
            &path,
            Some(r#"{"text": "您的包裹今天发出。", "target_language": "de"}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["translation"]["text"],
        "Ihr Paket wird heute versandt."
    );
    assert_eq!(body["translation"]["source_language"], "zh");
    let sent = seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["target_lang"], "DE");
    assert_eq!(sent[0]["formality"], "prefer_more");
    let timeline = gw.app.store.timeline(id).unwrap();
    let recorded = timeline
        .iter()
        .filter_map(|e| match &e.what {
            Happening::Translated { original, text, .. } => Some((original.clone(), text.clone())),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(
        recorded,
        [(
            "您的包裹今天发出。".to_string(),
            "Ihr Paket wird heute versandt.".to_string()
        )]
    );

    // A buyer's message translated for the agent to read: the translation comes back,
    // the timeline holds no draft of it (nothing is sent).
    let (status, body) = gw
        .api(
            "POST",
            &path,
            Some(r#"{"text": "您的包裹今天发出。", "source_language": "zh", "target_language": "de", "read": true}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["translation"]["text"],
        "Ihr Paket wird heute versandt."
    );
    assert!(body.get("findings").is_none(), "{body}");
    assert_eq!(seen.lock().unwrap().len(), 2);
    let timeline = gw.app.store.timeline(id).unwrap();
    assert_eq!(
        timeline
            .iter()
            .filter(|e| matches!(e.what, Happening::Translated { .. }))
            .count(),
        1,
        "a translation to read is not recorded as a draft"
    );

    // The service is down: the agent is told, nothing half-translated lands anywhere.
    up.store(false, std::sync::atomic::Ordering::SeqCst);
    let (status, body) = gw
        .api(
            "POST",
            &path,
            Some(r#"{"text": "您的包裹今天发出。", "target_language": "de"}"#),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "translation-unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("unavailable"),
        "{body}"
    );
    let after = gw.app.store.timeline(id).unwrap();
    assert_eq!(after.len(), timeline.len(), "nothing recorded");
    gw.stop().await;
}

/// A Shopify order that buyer `given` `family` (writing in `locale`, from `country`)
/// cancelled, as order `id`.
fn cancelled_by(id: u64, given: &str, family: &str, locale: &str, country: &str) -> Vec<u8> {
    let mut order: serde_json::Value =
        serde_json::from_slice(&fixture("orders__updated.json")).unwrap();
    order["id"] = id.into();
    order["name"] = format!("#{id}").into();
    order["cancel_reason"] = "customer".into();
    order["cancelled_at"] = "2025-07-10T16:00:00-04:00".into();
    order["customer_locale"] = locale.into();
    order["customer"]["id"] = (id + 1).into();
    order["customer"]["first_name"] = given.into();
    order["customer"]["last_name"] = family.into();
    order["shipping_address"]["country_code"] = country.into();
    serde_json::to_vec(&order).unwrap()
}

/// The culture tips of a `follow-up-check` draft for ticket `id`, drafted with URL query
/// `query`: the answer's status, and each tip's title and text (none on an error).
async fn draft_tips(gw: &Running, id: u64, query: &str) -> (u16, Vec<(String, String)>, String) {
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/draft{query}"),
            Some(r#"{"scenario": "follow-up-check"}"#),
        )
        .await;
    let tips = body["draft"]["culture_tips"]
        .as_array()
        .map(|tips| {
            tips.iter()
                .map(|t| {
                    let field = |name: &str| t[name].as_str().unwrap_or_default().to_string();
                    (field("title"), field("text"))
                })
                .collect()
        })
        .unwrap_or_default();
    (status, tips, body.to_string())
}

/// Whether `text` has a Chinese character (CJK Unified Ideographs).
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Culture tips are for the agent, so in the agent's language: a German buyer's draft asked
/// for by the Chinese dashboard (`?lang=zh-CN`) carries the German pack's tips in Chinese,
/// while the reply stays German; without `lang`, or with `lang=en`, the same tips are in
/// English; any other `lang` is refused, naming it.
#[tokio::test]
async fn a_german_buyers_culture_tips_are_chinese_on_the_chinese_dashboard() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let gw = start(tmp.path()).await;
    let body = cancelled_by(7200, "Jonas", "Becker", "de", "DE");
    assert_eq!(gw.deliver("orders/cancelled", &body, "tips-1").await, 200);
    gw.settled().await;
    let ticket = gw.queue().into_iter().next().expect("a ticket");
    assert_eq!(ticket.country.as_deref(), Some("DE"));
    let id = ticket.id;

    let (status, chinese, body) = draft_tips(&gw, id, "?lang=zh-CN").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Guten Tag"), "the reply stays German: {body}");
    assert!(!chinese.is_empty(), "{body}");
    for (title, text) in &chinese {
        assert!(has_chinese(title) && has_chinese(text), "{title}: {text}");
    }
    // The German pack's own Chinese for its tip on formal address.
    assert!(
        chinese.contains(&(
            "正式称呼".to_string(),
            "使用“Sie”（您）和“Guten Tag”（您好）；绝不要对买家直呼其名、套近乎。".to_string()
        )),
        "{chinese:?}"
    );

    let (status, english, body) = draft_tips(&gw, id, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(english.len(), chinese.len(), "the same tips, in English");
    assert!(
        english
            .iter()
            .all(|(t, x)| !has_chinese(t) && !has_chinese(x)),
        "{english:?}"
    );
    assert!(
        english.iter().any(|(title, _)| title == "Formal address"),
        "{english:?}"
    );
    assert_eq!(draft_tips(&gw, id, "?lang=en").await.1, english);

    let (status, tips, body) = draft_tips(&gw, id, "?lang=xx").await;
    assert_eq!((status, tips.len()), (400, 0), "{body}");
    assert!(
        body.contains("bad-query") && body.contains("`lang`"),
        "{body}"
    );
    gw.stop().await;
}

/// The name on the ticket the cancellation opens, and the body of the `language` draft of
/// scenario `follow-up-check` for it.
async fn buyer_name_and_draft(
    given: &str,
    family: &str,
    locale: &str,
    country: &str,
    language: &str,
) -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    let gw = start(tmp.path()).await;
    let body = cancelled_by(7100, given, family, locale, country);
    assert_eq!(gw.deliver("orders/cancelled", &body, "name-1").await, 200);
    gw.settled().await;
    let ticket = gw.queue().into_iter().next().expect("a ticket");
    let (status, draft) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/draft", ticket.id),
            Some(&format!(
                r#"{{"scenario": "follow-up-check", "language": "{language}"}}"#
            )),
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    gw.stop().await;
    (
        ticket.facts.buyer_name.unwrap_or_default(),
        draft["draft"]["body"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Japanese names take the family name first: the connector composed Shopify's first and
/// last name the Western way, and the Japanese pack greeted "花子 山田 様".
#[tokio::test]
async fn a_japanese_buyer_is_named_family_name_first() {
    let (name, body) = buyer_name_and_draft("花子", "山田", "ja", "JP", "ja").await;
    assert_eq!(name, "山田 花子");
    assert!(body.starts_with("山田 花子 様\n"), "{body}");
}

/// Chinese names take the family name first, in a reply in any language.
#[tokio::test]
async fn a_chinese_buyer_is_named_family_name_first() {
    let (name, body) = buyer_name_and_draft("小明", "王", "zh-CN", "CN", "en").await;
    assert_eq!(name, "王 小明");
    assert!(body.contains("王 小明"), "{body}");
}

/// Korean names take the family name first, in a reply in any language.
#[tokio::test]
async fn a_korean_buyer_is_named_family_name_first() {
    let (name, body) = buyer_name_and_draft("민준", "김", "ko", "KR", "en").await;
    assert_eq!(name, "김 민준");
    assert!(body.contains("김 민준"), "{body}");
}

/// A data-protection request is the operator's work with its legal deadline: no
/// acknowledgement to the buyer off hours, no owner chosen by skill and load, no
/// compensation asked for, a month to answer.
#[tokio::test]
async fn a_privacy_request_is_operator_work_with_its_legal_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    // Off hours on every run, and an agent who would take any case.
    let gw = start_with(
        tmp.path(),
        "[tickets.business_hours]\ntime_zone = \"Europe/Berlin\"\n\
         hours = { mon = [\"09:00-09:01\"] }\n\
         [[tickets.agents]]\nname = \"cai\"\nskills = [\"logistics\"]\ncapacity = 5\n",
    )
    .await;
    let body = fixture("customers__data_request.json");
    assert_eq!(
        gw.deliver("customers/data_request", &body, "privacy-1")
            .await,
        200
    );
    gw.settled().await;
    let ticket = gw
        .queue()
        .into_iter()
        .find(|t| t.kind == helloword::plugin::bindings::types::IssueKind::PrivacyRequest)
        .expect("the request is on the operator's queue");
    assert_eq!(ticket.assignee, None, "no agent is chosen for it");
    assert_eq!(
        ticket.due.at.duration_since(ticket.opened_at),
        jiff::SignedDuration::from_hours(24 * 30)
    );
    assert!(
        matches!(&ticket.due.source, helloword::tickets::sla::DeadlineSource::MarketplaceRule { name } if name == "privacy.legal_deadline"),
        "{:?}",
        ticket.due
    );
    assert!(
        ticket.timers.iter().all(|t| !matches!(
            t.what,
            helloword::tickets::model::TimerKind::OffHoursAck { .. }
                | helloword::tickets::model::TimerKind::Propose { .. }
        )),
        "{:?}",
        ticket.timers
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let timeline = gw.app.store.timeline(ticket.id).unwrap();
    assert!(
        !timeline.iter().any(|e| matches!(
            e.what,
            Happening::AutoReply { .. } | Happening::AutoReplyFailed { .. }
        )),
        "{timeline:?}"
    );
    assert!(
        gw.app.store.actions(ticket.id).unwrap().is_empty(),
        "nothing is sent to the buyer"
    );
    gw.stop().await;
}
