//! `GET /api/reports/...`: the reports of [`crate::reports`] as JSON, CSV (`?format=csv`)
//! or a server-drawn SVG chart (`<name>.svg`); `?lang=zh-CN` puts the title, the chart's
//! words and the notes in Chinese (the dashboard's other language).

use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::{error, json};
use crate::plugin::bindings::rules::MarketplaceRules;
use crate::reports::{self, Lang, Report};
use crate::store::Store;
use crate::tickets::customers::Tag;

/// The gateway's own reports; the connectors' health rates come beside them.
use crate::plugin::bindings::rules::RESERVED_REPORTS as BUILT_IN;

/// Every report's name, the health rates of the loaded connectors included.
fn names(rules: &[(String, MarketplaceRules)]) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|n| n.to_string()).collect();
    for (_, r) in rules {
        for metric in &r.health {
            if !names.contains(&metric.name) {
                names.push(metric.name.clone());
            }
        }
    }
    names
}

/// `GET /api/reports`: what there is, so the dashboard offers the loaded connectors' rates.
fn list(rules: &[(String, MarketplaceRules)], query: &str) -> Response<Full<Bytes>> {
    let zh =
        url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "lang" && v == "zh-CN");
    let health: Vec<serde_json::Value> = rules
        .iter()
        .flat_map(|(connector, r)| {
            r.health.iter().map(move |m| {
                serde_json::json!({
                    "name": m.name,
                    "marketplace": connector,
                    "title": m.title.pick(zh),
                    "per": m.per,
                    "days": m.days,
                })
            })
        })
        .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({ "reports": BUILT_IN, "health": health }),
    )
}

/// Parameters every report takes besides its own.
const COMMON: [&str; 2] = ["format", "lang"];

/// Query parameters, checked against what each report accepts.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(query: &str, allowed: &[&str]) -> Result<Query, String> {
        let mut pairs = Vec::new();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if !COMMON.contains(&k.as_ref()) && !allowed.contains(&k.as_ref()) {
                let mut expected = allowed.to_vec();
                expected.extend(COMMON);
                return Err(format!(
                    "unknown query parameter `{k}`; this report takes {}",
                    expected.join(", ")
                ));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Query { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, name: &str, default: i64, range: (i64, i64)) -> Result<i64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (range.0..=range.1).contains(n))
                .ok_or_else(|| format!("`{name}` is {v:?}; expected {} to {}", range.0, range.1)),
        }
    }

    /// Repeated `<name>=<shop>:<count>` pairs.
    fn counts(&self, name: &str) -> Result<HashMap<String, u64>, String> {
        let mut out = HashMap::new();
        for (k, v) in &self.pairs {
            if k != name {
                continue;
            }
            let parsed = v
                .rsplit_once(':')
                .and_then(|(shop, n)| Some((shop.to_string(), n.parse::<u64>().ok()?)))
                .filter(|(shop, _)| !shop.is_empty());
            let Some((shop, n)) = parsed else {
                return Err(format!(
                    "`{name}` is {v:?}; expected <shop>:<count>, e.g. {name}=A1B2C3:1200"
                ));
            };
            out.insert(shop, n);
        }
        Ok(out)
    }
}

/// Handle `GET /api/reports/<name>[.svg]`; `rest` is the path after `/api/reports`.
pub fn handle(
    store: &Store,
    rules: &[(String, MarketplaceRules)],
    settings: &reports::ReportsConfig,
    rest: &[&str],
    query: &str,
) -> Response<Full<Bytes>> {
    let [name] = rest else {
        if rest.is_empty() {
            return list(rules, query);
        }
        return error(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!(
                "no report here; expected /api/reports/<name> with name {}",
                names(rules).join(", ")
            ),
        );
    };
    let (name, svg) = match name.strip_suffix(".svg") {
        Some(n) => (n, true),
        None => (*name, false),
    };
    let report = match build(store, rules, settings, name, query) {
        Ok(r) => r,
        Err(Problem::Query(m)) => return error(StatusCode::BAD_REQUEST, "bad-query", &m),
        Err(Problem::Unknown) => {
            return error(
                StatusCode::NOT_FOUND,
                "unknown-report",
                &format!("no report `{name}`; expected {}", names(rules).join(", ")),
            );
        }
        Err(Problem::Store(m)) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "storage-unavailable", &m);
        }
    };
    if svg {
        return match &report.svg {
            Some(chart) => Response::builder()
                .header("content-type", "image/svg+xml")
                .header(
                    "content-security-policy",
                    "default-src 'none'; style-src 'unsafe-inline'",
                )
                .header("x-content-type-options", "nosniff")
                .header("cache-control", "no-store")
                .body(Full::new(Bytes::from(chart.clone())))
                .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
            None => error(
                StatusCode::NOT_FOUND,
                "no-chart",
                &format!("report `{name}` is a list without a chart; ask for /api/reports/{name}"),
            ),
        };
    }
    let format = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.into_owned());
    match format.as_deref() {
        None | Some("json") => json(StatusCode::OK, &report.to_json()),
        Some("csv") => csv(&report),
        Some(other) => error(
            StatusCode::BAD_REQUEST,
            "bad-query",
            &format!("`format` is {other:?}; expected json or csv"),
        ),
    }
}

enum Problem {
    Query(String),
    Unknown,
    Store(String),
}

fn build(
    store: &Store,
    rules: &[(String, MarketplaceRules)],
    settings: &reports::ReportsConfig,
    name: &str,
    query: &str,
) -> Result<Report, Problem> {
    let now = jiff::Timestamp::now();
    // A health rate: of the connector the caller names, else of the first that has it.
    let health = (!BUILT_IN.contains(&name))
        .then(|| {
            rules.iter().find_map(|(connector, r)| {
                let metric = r.health.iter().find(|m| m.name == name)?;
                Some((connector.as_str(), metric))
            })
        })
        .flatten();
    let health_params;
    let allowed: &[&str] = match name {
        "heatmap" | "carriers" | "sla" => &["days"],
        "hotspots" => &["month", "limit"],
        "segments" => &["tag"],
        "care" => &["high_value", "stalled_days"],
        _ => match health {
            Some((_, metric)) => {
                health_params = ["days", "marketplace", metric.per.as_str()];
                &health_params
            }
            None => return Err(Problem::Unknown),
        },
    };
    let q = Query::parse(query, allowed).map_err(Problem::Query)?;
    let lang = match q.get("lang") {
        None => Lang::En,
        Some(tag) => Lang::parse(tag)
            .ok_or_else(|| Problem::Query(format!("`lang` is {tag:?}; expected en or zh-CN")))?,
    };
    let unreadable = |e: crate::store::StoreError| Problem::Store(e.to_string());
    if name == "segments" {
        let tag = match q.get("tag") {
            None => Tag::HighLoyaltyPotential,
            Some(t) => {
                serde_json::from_value(serde_json::Value::String(t.to_string())).map_err(|_| {
                    Problem::Query(format!(
                        "`tag` is {t:?}; expected high-loyalty-potential, vip or repeat-complainer"
                    ))
                })?
            }
        };
        let customers = store
            .all_customers()
            .collect::<Result<Vec<_>, _>>()
            .map_err(unreadable)?;
        return Ok(reports::segment(&customers, tag, lang, rules));
    }
    let days = |default| q.number("days", default, (1, 730)).map_err(Problem::Query);
    let mut cases = reports::gather(store).map_err(unreadable)?;
    reports::assign_batches(&mut cases, settings);
    if let Some((first, metric)) = health {
        let (connector, metric) = match q.get("marketplace") {
            None => (first, metric),
            Some(wanted) => rules
                .iter()
                .find_map(|(connector, r)| {
                    let m = r.health.iter().find(|m| m.name == name)?;
                    (connector == wanted).then_some((connector.as_str(), m))
                })
                .ok_or_else(|| {
                    Problem::Query(format!(
                        "`marketplace` is {wanted:?}, which has no `{name}` rate"
                    ))
                })?,
        };
        let counts = q.counts(&metric.per).map_err(Problem::Query)?;
        return Ok(reports::health(
            metric,
            connector,
            &cases,
            now,
            days(metric.days)?,
            &counts,
            lang,
        ));
    }
    Ok(match name {
        "heatmap" => reports::heatmap(&cases, now, days(90)?, lang),
        "carriers" => reports::carriers(&cases, now, days(90)?, lang),
        "sla" => reports::sla(&cases, now, days(30)?, lang),
        "hotspots" => {
            let this_month = now
                .to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%Y-%m")
                .to_string();
            let month = q.get("month").map_or(this_month, str::to_string);
            let bounds = reports::month_bounds(&month).ok_or_else(|| {
                Problem::Query(format!(
                    "`month` is {month:?}; expected YYYY-MM, e.g. 2026-11"
                ))
            })?;
            let limit = q.number("limit", 10, (1, 100)).map_err(Problem::Query)? as usize;
            reports::hotspots(&cases, &month, bounds, limit, lang)
        }
        "care" => {
            let high_value = q
                .number(
                    "high_value",
                    reports::DEFAULT_HIGH_VALUE_MINOR,
                    (1, i64::MAX),
                )
                .map_err(Problem::Query)?;
            let stalled = q
                .number("stalled_days", reports::DEFAULT_STALLED_DAYS, (1, 365))
                .map_err(Problem::Query)?;
            let customers = store
                .all_customers()
                .map(|c| c.map(|c| (c.key.clone(), c)))
                .collect::<Result<HashMap<_, _>, _>>()
                .map_err(unreadable)?;
            let orders = store
                .all_orders()
                .collect::<Result<Vec<_>, _>>()
                .map_err(unreadable)?;
            let rules = helloword_model::care::CareRules {
                high_value_minor: high_value,
                stalled_days: stalled,
            };
            reports::care(&orders, &cases, &customers, now, rules, lang)
        }
        _ => return Err(Problem::Unknown),
    })
}

/// A report as a CSV download.
fn csv(report: &Report) -> Response<Full<Bytes>> {
    let date = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%d")
        .to_string();
    Response::builder()
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!(
                "attachment; filename=\"helloword-{}-{date}.csv\"",
                report.name
            ),
        )
        .header("x-content-type-options", "nosniff")
        .body(Full::new(Bytes::from(report.table.to_csv())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
