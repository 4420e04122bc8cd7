//! Operator endpoints: `POST /api/export` writes a snapshot of the running gateway's data.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::{App, error, json};

/// `POST /api/export`: a consistent snapshot of the store and the evidence files, written
/// to `<data_dir>/exports/helloword-<time>.export` while the gateway keeps running (writers
/// wait while it is taken). Leads only: a snapshot holds every buyer's data.
pub async fn export(app: &App, who: &str) -> Response<Full<Bytes>> {
    if !app.engine.is_lead(who) {
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("only a lead may export the data; {who} is not a lead"),
        );
    }
    let Some(data_dir) = app.files_dir.parent().map(std::path::Path::to_path_buf) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no-data-folder",
            "the gateway has no data folder to export into",
        );
    };
    let store = app.store.clone();
    let files_dir = app.files_dir.clone();
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
