//! Reports over real tickets: Shopify webhooks through the real connector and engine, then
//! `GET /api/reports/...` as JSON, CSV and SVG — with a hostile SKU and carrier name.

mod common;

use common::gateway::*;

/// A carrier and SKU as a hostile or careless marketplace might send them.
const HOSTILE_CARRIER: &str = "<script>alert(\"x\"),1</script>";
const HOSTILE_SKU: &str = "<script>sku</script>";

/// A failed delivery (a logistics-delay ticket) of order `order` with the hostile names.
fn failed_fulfillment(order: u64, id: u64) -> Vec<u8> {
    let mut f: serde_json::Value =
        serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    f["id"] = id.into();
    f["order_id"] = order.into();
    f["shipment_status"] = "failure".into();
    f["tracking_company"] = HOSTILE_CARRIER.into();
    f["line_items"][0]["sku"] = HOSTILE_SKU.into();
    serde_json::to_vec(&f).unwrap()
}

/// A rate like Amazon's ODR, declared for the Shopify connector of these tests, whose
/// chargebacks count as defects: a health rate is the connector's data, whatever the
/// marketplace.
const DISPUTE_RATE: &str = r#"
[[rules.health]]
name = "dispute-rate"
title = { en = "Dispute rate", zh-CN = "争议率" }
days = 60
per = "orders"
per_label = { en = "order", zh-CN = "订单" }
limit = 1.0
bands = [{ below = 1.0, status = "ok" }, { status = "over-limit" }]
defects = [{ name = "chargebacks", label = { en = "chargebacks", zh-CN = "拒付" }, kinds = ["chargeback"] }]
note = { en = "The shop's admin shows the order count.", zh-CN = "店铺后台显示订单数。" }
"#;

/// A gateway in `dir` with the Shopify connector (with [`DISPUTE_RATE`]) and the Amazon
/// connector (with its ODR), as they are built from this repository.
async fn start(dir: &std::path::Path) -> Running {
    start_with_config(dir, "").await
}

/// [`start`], with `extra` appended to the gateway config.
async fn start_with_config(dir: &std::path::Path, extra: &str) -> Running {
    let plugins = dir.join("plugins");
    let shopify = plugins.join("shopify");
    std::fs::create_dir_all(&shopify).unwrap();
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
    )
    .unwrap();
    std::fs::write(shopify.join("plugin.toml"), manifest + DISPUTE_RATE).unwrap();
    common::install_amazon(&plugins);
    common::gateway::start_with(dir, extra).await
}

/// A gateway in `dir` with one ticket: a failed delivery of order 7001, settled.
async fn with_one_failed_delivery(dir: &std::path::Path) -> Running {
    let gw = start(dir).await;
    assert_eq!(
        gw.deliver(
            "fulfillments/update",
            &failed_fulfillment(7001, 9000),
            "w-f"
        )
        .await,
        200
    );
    gw.settled().await;
    gw
}

/// The body of `GET path`, as text.
async fn get_text(gw: &Running, path: &str) -> String {
    get(gw, path).await.text().await.unwrap()
}

async fn get(gw: &Running, path: &str) -> reqwest::Response {
    gw.client
        .get(format!("{}{path}", gw.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

fn row<'a>(report: &'a serde_json::Value, column: &str, value: &str) -> &'a serde_json::Value {
    let at = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column}: {report}"));
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[at] == value)
        .unwrap_or_else(|| panic!("no row with {column} = {value}: {report}"))
}

fn cell<'a>(
    report: &'a serde_json::Value,
    row: &'a serde_json::Value,
    column: &str,
) -> &'a serde_json::Value {
    let at = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column}: {report}"));
    &row[at]
}

/// Failed deliveries of orders 7001 and 7002, both of the hostile SKU and carrier.
async fn two_failed_deliveries(gw: &Running) {
    for (i, order) in [7001_u64, 7002].into_iter().enumerate() {
        let status = gw
            .deliver(
                "fulfillments/update",
                &failed_fulfillment(order, 9000 + i as u64),
                &format!("w-f{i}"),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn reports_count_tickets_export_csv_and_draw_inert_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    two_failed_deliveries(&gw).await;
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "w-d")
            .await,
        200
    );
    gw.settled().await;

    // Heatmap: the hostile SKU had two logistics delays.
    let (status, heat) = gw.api("GET", "/api/reports/heatmap", None).await;
    assert_eq!(status, 200, "{heat}");
    let r = row(&heat, "sku", HOSTILE_SKU);
    assert_eq!(cell(&heat, r, "logistics-delay"), 2, "{heat}");
    assert_eq!(cell(&heat, r, "total"), 2);

    // Carriers: both orders seen with the hostile carrier had a problem.
    let (_, carriers) = gw.api("GET", "/api/reports/carriers", None).await;
    let r = row(&carriers, "carrier", HOSTILE_CARRIER);
    assert_eq!(cell(&carriers, r, "orders_seen"), 2, "{carriers}");
    assert_eq!(cell(&carriers, r, "problem_rate_percent"), 100.0);

    // The connector's dispute rate (the Shopify shop has the chargeback): no order count,
    // no rate.
    let (_, rate) = gw.api("GET", "/api/reports/dispute-rate", None).await;
    let r = row(&rate, "shop", SHOP);
    assert_eq!(cell(&rate, r, "chargebacks"), 1, "{rate}");
    assert_eq!(cell(&rate, r, "orders_with_defect"), 1);
    assert!(cell(&rate, r, "rate_percent").is_null());
    assert_eq!(cell(&rate, r, "status"), "orders-unknown");
    let notes = rate["notes"].to_string();
    assert!(notes.contains("cannot know how many orders"), "{notes}");
    assert!(
        notes.contains("The shop's admin shows the order count."),
        "{notes}"
    );
    // With the order count the seller knows: 1 of 50 orders = 2 %, over its 1 %.
    let (_, rate) = gw
        .api(
            "GET",
            &format!("/api/reports/dispute-rate?orders={SHOP}:50"),
            None,
        )
        .await;
    let r = row(&rate, "shop", SHOP);
    assert_eq!(cell(&rate, r, "rate_percent"), 2.0, "{rate}");
    assert_eq!(cell(&rate, r, "limit_percent"), 1.0, "{rate}");
    assert_eq!(cell(&rate, r, "status"), "over-limit");
    // Amazon's ODR counts Amazon's cases only: the Shopify chargeback is not one.
    let (_, odr) = gw.api("GET", "/api/reports/odr", None).await;
    assert_eq!(odr["rows"], serde_json::json!([]), "{odr}");
    assert!(
        odr["title"]
            .as_str()
            .unwrap()
            .starts_with("Order Defect Rate (amazon)")
    );
    // The list the dashboard offers names both.
    let (_, list) = gw.api("GET", "/api/reports", None).await;
    let health: Vec<(&str, &str)> = list["health"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap(),
                h["marketplace"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(health.contains(&("odr", "amazon")), "{list}");
    assert!(health.contains(&("dispute-rate", "shopify")), "{list}");

    // SLA: three new tickets, nobody answered yet.
    let (status, sla) = gw.api("GET", "/api/reports/sla", None).await;
    assert_eq!(status, 200);
    let tickets: u64 = sla["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_u64().unwrap())
        .sum();
    assert_eq!(tickets, 3, "{sla}");

    // Hotspots of this month: logistics-delay × the hostile SKU × carrier is first.
    let (_, hot) = gw.api("GET", "/api/reports/hotspots", None).await;
    let first = &hot["rows"][0];
    assert_eq!(cell(&hot, first, "issue_kind"), "logistics-delay", "{hot}");
    assert_eq!(cell(&hot, first, "sku"), HOSTILE_SKU);
    assert_eq!(cell(&hot, first, "carrier"), HOSTILE_CARRIER);
    assert_eq!(cell(&hot, first, "tickets"), 2);

    // CSV: the carrier's quote and comma are quoted, the download is named.
    let response = get(&gw, "/api/reports/carriers?format=csv").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"helloword-carriers-"),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("carrier,orders_seen,problem_orders,problem_rate_percent,top_problem\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\"<script>alert(\"\"x\"\"),1</script>\",2,2,100.0,logistics-delay\r\n"),
        "{text}"
    );

    // SVG: drawn by the server, the hostile names only as escaped text.
    for chart in [
        "heatmap",
        "carriers",
        "odr",
        "sla",
        "hotspots",
        "dispute-rate",
    ] {
        let response = get(&gw, &format!("/api/reports/{chart}.svg")).await;
        assert_eq!(response.status(), 200, "{chart}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert!(svg.starts_with("<svg "), "{chart}: {svg}");
        assert!(
            !svg.to_ascii_lowercase().contains("<script"),
            "{chart}: {svg}"
        );
        assert!(!svg.contains(" on"), "{chart}: an event attribute in {svg}");
    }
    let svg = get_text(&gw, "/api/reports/heatmap.svg").await;
    assert!(svg.contains("&lt;script&gt;sku&lt;/script&gt;"), "{svg}");

    // Errors name the problem.
    let (status, body) = gw.api("GET", "/api/reports/nope", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("unknown-report"))
    );
    let (status, body) = gw.api("GET", "/api/reports/heatmap?days=0", None).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("`days`"),
        "{body}"
    );
    let (status, body) = gw.api("GET", "/api/reports/odr?orders=nocount", None).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = gw
        .api("GET", "/api/reports/odr?marketplace=shopify", None)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("which has no `odr` rate"),
        "{body}"
    );
    let (status, body) = gw.api("GET", "/api/reports/segments.svg", None).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("no-chart")));
    gw.stop().await;
}

/// `?lang=zh-CN` (the dashboard's Chinese) puts every report's title, chart words and notes
/// in Chinese; its columns and numbers, which tools read, stay as they are. Another language
/// is refused, naming the parameter and the languages there are.
#[tokio::test]
async fn reports_speak_the_dashboards_language() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = with_one_failed_delivery(tmp.path()).await;

    let has_chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for report in [
        "heatmap",
        "carriers",
        "odr",
        "dispute-rate",
        "sla",
        "hotspots",
        "segments",
        "care",
    ] {
        let (status, en) = gw.api("GET", &format!("/api/reports/{report}"), None).await;
        assert_eq!(status, 200, "{report}: {en}");
        let (status, zh) = gw
            .api("GET", &format!("/api/reports/{report}?lang=zh-CN"), None)
            .await;
        assert_eq!(status, 200, "{report}: {zh}");
        let title = zh["title"].as_str().unwrap();
        assert!(has_chinese(title), "{report}: title {title:?}");
        assert!(
            !has_chinese(en["title"].as_str().unwrap()),
            "{report}: {en}"
        );
        let notes = zh["notes"].as_array().unwrap();
        assert!(!notes.is_empty(), "{report}: {zh}");
        for note in notes {
            assert!(has_chinese(note.as_str().unwrap()), "{report}: note {note}");
        }
        assert_eq!(
            zh["columns"], en["columns"],
            "{report}: the columns are data"
        );
        assert_eq!(zh["rows"], en["rows"], "{report}: the numbers are the same");
    }

    // The chart: the title inside the SVG, and the words drawn on it.
    let svg = get_text(&gw, "/api/reports/dispute-rate.svg?lang=zh-CN").await;
    assert!(svg.contains("<title>争议率（shopify）"), "{svg}");
    assert!(svg.contains("订单数未知"), "the bar's note: {svg}");
    assert!(!svg.contains("unknown"), "{svg}");
    let english = get_text(&gw, "/api/reports/dispute-rate.svg").await;
    assert!(
        english.contains("<title>Dispute rate (shopify)"),
        "{english}"
    );
    // Issue kinds on the charts are in the dashboard's words too.
    let month = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string();
    for chart in [
        "heatmap.svg?lang=zh-CN".to_string(),
        format!("hotspots.svg?month={month}&lang=zh-CN"),
    ] {
        let svg = get_text(&gw, &format!("/api/reports/{chart}")).await;
        assert!(svg.contains("物流延误"), "{chart}: {svg}");
        assert!(!svg.contains("logistics-delay"), "{chart}: {svg}");
    }

    // The CSV is data, the same in both.
    assert_eq!(
        get_text(&gw, "/api/reports/carriers?format=csv&lang=zh-CN").await,
        get_text(&gw, "/api/reports/carriers?format=csv").await
    );

    let (status, body) = gw
        .api("GET", "/api/reports/heatmap.svg?lang=fr", None)
        .await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("`lang`") && message.contains("zh-CN"),
        "{message}"
    );
    gw.stop().await;
}

#[tokio::test]
async fn a_satisfied_buyer_joins_the_segment_without_marketplace_markers() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = with_one_failed_delivery(tmp.path()).await;
    let ticket = gw.queue()[0].clone();

    // Not on the proactive-care list: a Shopify fulfillment carries no order total (so no
    // value to call high) and the shipment had news today.
    let (status, care) = gw
        .api("GET", "/api/reports/care?high_value=1&stalled_days=1", None)
        .await;
    assert_eq!(status, 200, "{care}");
    assert_eq!(care["rows"].as_array().unwrap().len(), 0, "{care}");

    // Resolved to the buyer's satisfaction: in the high-loyalty-potential segment.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{}/status", ticket.id),
            Some(r#"{"status": "resolved", "satisfied": true}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, segment) = gw.api("GET", "/api/reports/segments", None).await;
    assert_eq!(status, 200);
    let r = row(&segment, "email", "jon@example.com");
    assert_eq!(
        cell(&segment, r, "contact_channel"),
        "own-email-with-consent"
    );
    assert_eq!(
        cell(&segment, r, "no_marketing_via"),
        &serde_json::json!([])
    );
    let csv = get_text(&gw, "/api/reports/segments?format=csv").await;
    assert!(
        csv.starts_with("customer_key,name,email,country,language,marketplaces,"),
        "{csv}"
    );
    assert!(csv.contains("email:jon@example.com,"), "{csv}");
    gw.stop().await;
}

/// A carrier or SKU name with a character XML 1.0 forbids (U+FFFF, U+FFFE, a control
/// character) used to go into the SVG as it was, and no XML parser could read the chart.
#[tokio::test]
async fn charts_stay_well_formed_xml_when_names_hold_characters_xml_forbids() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start(tmp.path()).await;
    let carrier = "Post\u{FFFF}\u{1}\u{FFFE}Express";
    let sku = "SKU-\u{FFFF}\u{0B}7";
    let mut f: serde_json::Value =
        serde_json::from_slice(&fixture("fulfillments__update.json")).unwrap();
    f["order_id"] = 7101.into();
    f["shipment_status"] = "failure".into();
    f["tracking_company"] = carrier.into();
    f["line_items"][0]["sku"] = sku.into();
    let body = serde_json::to_vec(&f).unwrap();
    assert_eq!(gw.deliver("fulfillments/update", &body, "w-xml").await, 200);
    gw.settled().await;

    let (_, carriers) = gw.api("GET", "/api/reports/carriers", None).await;
    row(&carriers, "carrier", carrier);
    for chart in [
        "heatmap",
        "carriers",
        "odr",
        "sla",
        "hotspots",
        "dispute-rate",
    ] {
        let svg = get_text(&gw, &format!("/api/reports/{chart}.svg")).await;
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{chart}.svg is not well-formed XML: {e}\n{svg:?}"));
        assert_eq!(document.root_element().tag_name().name(), "svg");
    }
    let svg = get_text(&gw, "/api/reports/heatmap.svg").await;
    let document = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"SKU-\u{FFFD}\u{FFFD}7"),
        "the SKU is drawn with U+FFFD where XML forbids a character: {texts:?}"
    );
    let svg = get_text(&gw, "/api/reports/carriers.svg").await;
    let document = roxmltree::Document::parse(&svg).unwrap();
    assert!(
        document
            .descendants()
            .filter_map(|n| n.text())
            .any(|t| t == "Post\u{FFFD}\u{FFFD}\u{FFFD}Express"),
        "{svg:?}"
    );
    gw.stop().await;
}

/// Issue 27, item 4: the seller maps SKUs to production batches (`[[reports.batches]]`), and
/// the heatmap counts the problems of each batch, by the day the order was placed; a line
/// the marketplace gave a batch keeps it.
#[tokio::test]
async fn the_sellers_batches_split_the_heatmap_by_production_run() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_with_config(
        tmp.path(),
        &format!(
            "[[reports.batches]]\nsku = {HOSTILE_SKU:?}\nbatch = \"B-2020\"\n\
             [[reports.batches]]\nsku = {HOSTILE_SKU:?}\nbatch = \"B-NOW\"\nfrom = \"2025-01-01\"\n"
        ),
    )
    .await;
    // Two failed deliveries of one SKU: no order date in a fulfillment, so the day the case
    // opened (today) picks the batch from 2025 on.
    two_failed_deliveries(&gw).await;
    gw.settled().await;
    let (status, heat) = gw.api("GET", "/api/reports/heatmap", None).await;
    assert_eq!(status, 200, "{heat}");
    let r = row(&heat, "sku", HOSTILE_SKU);
    assert_eq!(cell(&heat, r, "batch"), "B-NOW", "{heat}");
    assert_eq!(cell(&heat, r, "logistics-delay"), 2, "{heat}");
    gw.stop().await;

    // A mapping that names no batch is refused when the config is read, naming the entry.
    let error = helloword::config::Config::parse(
        std::path::Path::new("helloword.toml"),
        "[[reports.batches]]\nsku = \"LAMP-1\"\nbatch = \"\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`reports.batches[0]` needs a `sku` and a `batch`"),
        "{error}"
    );
}
