//! Operator endpoints: `POST /api/export` writes a snapshot of the running gateway's data;
//! `POST /api/erasures` erases a buyer's (or a shop's) personal data; `POST /api/compact`
//! rewrites the store now rather than at `retention.compact_hour`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::{App, Desk, error, json};

/// `POST /api/export`: a consistent snapshot of the store and the evidence files, written
/// to `<data_dir>/exports/helloword-<time>.export` while the gateway keeps running (writers
/// wait while it is taken). Leads only: a snapshot holds every buyer's data.
pub async fn export(desk: &Desk<'_>, who: &str) -> Response<Full<Bytes>> {
    if !desk.engine.is_lead(who) {
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("only a lead may export the data; {who} is not a lead"),
        );
    }
    let Some(data_dir) = desk.files_dir.parent().map(std::path::Path::to_path_buf) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no-data-folder",
            "the gateway has no data folder to export into",
        );
    };
    let store = desk.store.clone();
    let files_dir = desk.files_dir.to_path_buf();
    let written = tokio::task::spawn_blocking(move || {
        let folder = data_dir.join("exports");
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%S%.3fZ")
            .to_string();
        let path = folder.join(format!("helloword-{stamp}.export"));
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let summary = store
            .export(file, Some(&files_dir))
            .map_err(|e| format!("the export failed: {e}"))?;
        Ok::<_, String>((path, summary))
    })
    .await;
    match written {
        Ok(Ok((path, summary))) => json(
            StatusCode::OK,
            &serde_json::json!({
                "path": path.display().to_string(),
                "bytes": summary.bytes,
                "sha256": summary.sha256,
                "files": summary.files,
                "trees": summary.trees.iter()
                    .map(|(name, count)| serde_json::json!({"name": name, "entries": count}))
                    .collect::<Vec<_>>(),
            }),
        ),
        Ok(Err(message)) => error(StatusCode::INTERNAL_SERVER_ERROR, "export-failed", &message),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "export-failed",
            &format!("the export stopped: {e}"),
        ),
    }
}

/// The body of `POST /api/erasures`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ErasureBody {
    marketplace: String,
    customer_id: Option<String>,
    email: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    orders: Vec<String>,
    shop: Option<String>,
}

/// `POST /api/erasures`: erase one buyer's personal data everywhere the gateway keeps it
/// (`{"marketplace", "customer_id"?, "email"?, "aliases"?, "orders"?}`), or every buyer's of a shop
/// (`{"marketplace", "shop"}`). Answers with what was erased; the audit log names who asked
/// and the counts, never whom. The store is rewritten at `retention.compact_hour`.
pub async fn erase(desk: &Desk<'_>, body: serde_json::Value, who: &str) -> Response<Full<Bytes>> {
    let body: ErasureBody = match serde_json::from_value(body) {
        Ok(body) => body,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-body",
                &format!(
                    "an erasure names `marketplace` and a buyer (`customer_id`, `email`, `aliases`) or a `shop`: {e}"
                ),
            );
        }
    };
    let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let buyer = present(&body.customer_id)
        || present(&body.email)
        || body.aliases.iter().any(|a| !a.trim().is_empty());
    let problem = if body.marketplace.trim().is_empty() {
        Some("`marketplace` is empty")
    } else if buyer == present(&body.shop) {
        Some(
            "name either a buyer (`customer_id`, `email`, `aliases`) or a `shop`, not both or neither",
        )
    } else {
        None
    };
    if let Some(problem) = problem {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "bad-body", problem);
    }
    let subject = crate::store::Subject {
        marketplace: body.marketplace.trim().to_string(),
        customer_id: body.customer_id.filter(|v| !v.trim().is_empty()),
        email: body.email.filter(|v| !v.trim().is_empty()),
        aliases: body
            .aliases
            .into_iter()
            .filter(|a| !a.trim().is_empty())
            .collect(),
        orders: body
            .orders
            .into_iter()
            .filter(|o| !o.trim().is_empty())
            .collect(),
        shop: body.shop.filter(|v| !v.trim().is_empty()),
    };
    match desk.engine.erase(&subject, who).await {
        Ok(erased) => json(StatusCode::OK, &serde_json::json!({ "erased": erased })),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "erasure-failed",
            &format!("the erasure did not finish (asking again completes it): {e}"),
        ),
    }
}

/// `POST /api/compact`: reopen the store now, rewriting it with only its live values (what
/// otherwise happens at `retention.compact_hour` after an erasure or purge). `helloword
/// serve` stops taking requests, compacts, and starts again in place; `GET /healthz` shows
/// the new `started_at` once it is back. Answers 202 before it begins.
/// On PostgreSQL there is nothing to rewrite (vacuum reclaims old rows): 409
/// `not-compactable`, and nothing restarts.
pub fn compact(app: &App) -> Response<Full<Bytes>> {
    if app.store.is_shared() {
        return error(
            StatusCode::CONFLICT,
            "not-compactable",
            "the store is PostgreSQL, which needs no compaction: its vacuum reclaims old row \
             versions (VACUUM FULL hw_kv returns their space to the system at once)",
        );
    }
    app.compact_now.notify_one();
    json(
        StatusCode::ACCEPTED,
        &serde_json::json!({
            "compacting": true,
            "started_at": app.started_at,
            "message": "the gateway restarts in place to compact its store; GET /healthz shows a new started_at when it is back",
        }),
    )
}
