//! Telemetry end to end: one signed Shopify delivery's trace, received over OTLP/HTTP by a
//! collector stand-in on loopback, and the metric families `/metrics` shows afterwards.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

use common::gateway::{fixture, start_with};

/// Spans received, with the `service.name` of their resource.
type Received = Arc<Mutex<Vec<(String, Span)>>>;

/// A collector stand-in: `POST /v1/traces` with an OTLP protobuf body.
async fn collector() -> (Received, u16, Arc<Mutex<Vec<String>>>) {
    let received: Received = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (spans, wrong) = (received.clone(), refused.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (spans, wrong) = (spans.clone(), wrong.clone());
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let (spans, wrong) = (spans.clone(), wrong.clone());
                async move {
                    let what = format!(
                        "{} {} {:?}",
                        req.method(),
                        req.uri().path(),
                        req.headers().get("content-type")
                    );
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    if what != "POST /v1/traces Some(\"application/x-protobuf\")" {
                        wrong.lock().unwrap().push(what);
                        return Ok::<_, hyper::Error>(
                            Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        );
                    }
                    let request = ExportTraceServiceRequest::decode(body).unwrap();
                    for resource in request.resource_spans {
                        let service = resource
                            .resource
                            .iter()
                            .flat_map(|r| &r.attributes)
                            .find(|kv| kv.key == "service.name")
                            .and_then(|kv| kv.value.as_ref()?.value.clone())
                            .map(|v| text(&v))
                            .unwrap_or_default();
                        for scope in resource.scope_spans {
                            for span in scope.spans {
                                spans.lock().unwrap().push((service.clone(), span));
                            }
                        }
                    }
                    let answer = ExportTraceServiceResponse::default().encode_to_vec();
                    Ok(Response::builder()
                        .header("content-type", "application/x-protobuf")
                        .body(Full::new(Bytes::from(answer)))
                        .unwrap())
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    (received, port, refused)
}

fn text(value: &Value) -> String {
    match value {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(i) => i.to_string(),
        Value::BoolValue(b) => b.to_string(),
        Value::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .map(text)
}

/// Whether `span` descends from `ancestor` in `spans`.
fn descends_from(spans: &[Span], span: &Span, ancestor: &Span) -> bool {
    let by_id: HashMap<&[u8], &Span> = spans.iter().map(|s| (&s.span_id[..], s)).collect();
    let mut parent = &span.parent_span_id;
    while !parent.is_empty() {
        if *parent == ancestor.span_id {
            return true;
        }
        match by_id.get(&parent[..]) {
            Some(p) => parent = &p.parent_span_id,
            None => return false,
        }
    }
    false
}

/// The subscriber is global: a gateway started by the other test while the traced one runs
/// would send its spans (with the same delivery numbers) to the same collector.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A red chargeback with an alert to the lead's dashboard, opened outside business hours
/// (the team works one minute a week: a chargeback is not acknowledged to the buyer even
/// then): ingest → plugin call → store commit → engine apply → alert, and → the action the
/// compensation policy decided at once.
const TEAM: &str = "[alerts]\nred = [\"app\"]\nyellow = [\"app\"]\nblue = []\n\
                    [[tickets.agents]]\nname = \"lin\"\nlead = true\ncapacity = 5\n\
                    [tickets.business_hours]\ntime_zone = \"Europe/Berlin\"\n\
                    hours = { mon = [\"09:00-09:01\"] }\n";

#[tokio::test]
async fn one_delivery_is_one_trace_from_ingest_to_the_alert_and_the_action() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let (received, port, refused) = collector().await;
    let telemetry_toml = format!(
        "[telemetry]\notlp_endpoint = \"http://127.0.0.1:{port}\"\n\
         service_name = \"helloword-test\"\nexport_delay_ms = 50\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    common::install_locale_packs(tmp.path());
    // The policy refunds every case at once (automatic tier): its action is traced too.
    common::shopify_admin::install_policy(tmp.path());
    let text = format!("{telemetry_toml}{TEAM}");
    // What `helloword serve` does with the same config before it starts the gateway.
    let config =
        helloword::config::Config::parse(&tmp.path().join("helloword.toml"), &text).unwrap();
    let telemetry = helloword::telemetry::init("warn", false, config.traces.as_ref()).unwrap();
    let gw = start_with(tmp.path(), &text).await;

    let status = gw
        .deliver(
            "disputes/create",
            &fixture("disputes__create.json"),
            "trace-1",
        )
        .await;
    assert_eq!(status, 200);
    gw.settled().await;
    let ticket = gw.queue().remove(0);

    // Wait for the batch processor to post the spans of the whole path.
    let mut spans = Vec::new();
    for _ in 0..200 {
        spans = received.lock().unwrap().clone();
        let names: Vec<&str> = spans.iter().map(|(_, s)| s.name.as_str()).collect();
        if [
            "ingest",
            "plugin.call",
            "store.commit",
            "engine.apply",
            "alert.deliver",
            "action.dispatch",
        ]
        .iter()
        .all(|n| names.contains(n))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused.lock().unwrap().is_empty(), "{refused:?}");
    assert!(spans.iter().all(|(service, _)| service == "helloword-test"));
    let spans: Vec<Span> = spans.into_iter().map(|(_, s)| s).collect();
    let named = |name: &str| {
        spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| {
                let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
                panic!("no `{name}` span among {names:?}")
            })
            .clone()
    };

    // The request is the root.
    let ingest = named("ingest");
    assert!(ingest.parent_span_id.is_empty());
    assert_eq!(attribute(&ingest, "plugin.id").as_deref(), Some("shopify"));
    assert_eq!(
        attribute(&ingest, "http.response.status_code").as_deref(),
        Some("200")
    );
    let seq = attribute(&ingest, "delivery.seq").expect("the ingest span names the delivery");

    // The connector's call and the commit happen inside it.
    let call = spans
        .iter()
        .find(|s| s.name == "plugin.call" && s.trace_id == ingest.trace_id)
        .expect("a plugin call in the delivery's trace");
    assert!(descends_from(&spans, call, &ingest));
    assert_eq!(attribute(call, "plugin.id").as_deref(), Some("shopify"));
    assert_eq!(
        attribute(call, "plugin.function").as_deref(),
        Some("handle-webhook")
    );
    assert_eq!(attribute(call, "plugin.outcome").as_deref(), Some("ok"));
    let commit = named("store.commit");
    assert!(descends_from(&spans, &commit, &ingest));
    assert_eq!(
        attribute(&commit, "delivery.seq").as_deref(),
        Some(seq.as_str())
    );

    // The engine applied it in its own task, in the same trace.
    let apply = spans
        .iter()
        .find(|s| s.name == "engine.apply" && attribute(s, "delivery.seq") == Some(seq.clone()))
        .expect("the engine's span for the delivery");
    assert_eq!(apply.trace_id, ingest.trace_id);
    assert!(descends_from(&spans, apply, &ingest));
    let ticket_id = ticket.id.to_string();
    assert_eq!(
        attribute(apply, "ticket.id").as_deref(),
        Some(ticket_id.as_str())
    );

    // …and the red alert it planned went out in that trace too.
    let alert = spans
        .iter()
        .find(|s| s.name == "alert.deliver" && s.trace_id == ingest.trace_id)
        .expect("the alert's span in the delivery's trace");
    assert!(descends_from(&spans, alert, apply));
    assert_eq!(
        attribute(alert, "ticket.id").as_deref(),
        Some(ticket_id.as_str())
    );
    assert_eq!(attribute(alert, "alert.channel").as_deref(), Some("app"));
    assert_eq!(
        attribute(alert, "alert.outcome").as_deref(),
        Some("delivered")
    );

    // …and so did the policy's refund, through the outbox and the connector.
    let action = spans
        .iter()
        .find(|s| s.name == "action.dispatch" && s.trace_id == ingest.trace_id)
        .expect("the action's span in the delivery's trace");
    assert!(descends_from(&spans, action, apply));
    assert_eq!(
        attribute(action, "ticket.id").as_deref(),
        Some(ticket_id.as_str())
    );
    assert!(
        attribute(action, "action.kind").is_some_and(|k| k.starts_with("refund")),
        "{:?}",
        attribute(action, "action.kind")
    );
    assert!(
        attribute(action, "action.origin").is_some_and(|o| o.starts_with("proposal")),
        "{:?}",
        attribute(action, "action.origin")
    );
    // No note went to the buyer about a chargeback, off hours or not.
    assert!(
        !spans
            .iter()
            .any(|s| attribute(s, "action.origin").is_some_and(|o| o.starts_with("off-hours-ack"))),
        "a chargeback was acknowledged to the buyer"
    );
    assert_eq!(attribute(action, "plugin.id").as_deref(), Some("shopify"));
    let execute = spans
        .iter()
        .find(|s| {
            s.name == "plugin.call"
                && s.trace_id == ingest.trace_id
                && attribute(s, "plugin.function").as_deref() == Some("execute")
        })
        .expect("the connector's execute call in the delivery's trace");
    assert!(descends_from(&spans, execute, action));

    gw.stop().await;
    telemetry.shutdown();
}

#[tokio::test]
async fn metrics_show_ingest_plugin_calls_sla_queue_outbox_and_alerts() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with(tmp.path(), TEAM).await;
    // Shopify's sample chargeback was due in 2021: it breaches its deadline at once.
    assert_eq!(
        gw.deliver(
            "disputes/create",
            &fixture("disputes__create.json"),
            "metrics-1"
        )
        .await,
        200
    );
    gw.settled().await;
    let metrics = || async {
        gw.client
            .get(format!("{}/metrics", gw.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let mut text = String::new();
    for _ in 0..200 {
        text = metrics().await;
        if text.contains("helloword_sla_breaches_total{")
            && text.contains("helloword_alert_deliveries_total{")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for expected in [
        "# TYPE helloword_webhooks_total counter\n",
        "helloword_webhooks_total{plugin=\"shopify\",status=\"200\"} 1\n",
        "# TYPE helloword_ingest_seconds histogram\n",
        "helloword_ingest_seconds_bucket{plugin=\"shopify\",le=\"+Inf\"} 1\n",
        "helloword_ingest_seconds_count{plugin=\"shopify\"} 1\n",
        "helloword_plugin_calls_total{export=\"handle-webhook\",outcome=\"ok\",plugin=\"shopify\"} 1\n",
        "# TYPE helloword_sla_breaches_total counter\n",
        "helloword_sla_breaches_total{marketplace=\"shopify\",severity=\"red\"} 1\n",
        "# TYPE helloword_queue_depth gauge\n",
        "helloword_queue_depth{severity=\"red\"} 1\n",
        "helloword_queue_depth{severity=\"yellow\"} 0\n",
        "helloword_queue_depth{severity=\"blue\"} 0\n",
        "# TYPE helloword_outbox_backlog gauge\n",
        "helloword_outbox_backlog ",
        "# TYPE helloword_alert_deliveries_total counter\n",
        "helloword_alert_deliveries_total{channel=\"app\",outcome=\"delivered\"} ",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    gw.stop().await;
}
