//! `helloword replay`: deliveries a broken connector failed on were kept (see the module
//! above); once the plugin is fixed, this runs each of them through it again, exactly as
//! received, and stores what it yields as a new inbox record for the ticket engine.

use crate::plugin::PluginSet;
use crate::plugin::bindings::connector_api::{IncomingRequest, WebhookOutcome};
use crate::store::{Appended, InboxState, NewDelivery, Store, StoreError};

/// What a replay did with each kept delivery.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Replayed into a new inbox record: (old sequence number, new one, events).
    pub replayed: Vec<(u64, u64, usize)>,
    /// Acknowledged by the connector without events (an ignored topic, a reply): settled.
    pub settled: Vec<u64>,
    /// Still failing or refused, with why; they stay in the replay buffer.
    pub kept: Vec<(u64, String)>,
}

/// Replay every kept delivery through its (fixed) connector.
pub async fn replay(plugins: &PluginSet, store: &Store) -> Result<ReplayReport, StoreError> {
    let mut report = ReplayReport::default();
    for seq in store.unverified()? {
        let Some((record, body)) = store.delivery(seq)? else {
            continue;
        };
        let Some(plugin) = plugins.get(&record.plugin) else {
            report
                .kept
                .push((seq, format!("plugin `{}` is not loaded", record.plugin)));
            continue;
        };
        let request = IncomingRequest {
            method: record.method.clone(),
            path: record.path.clone(),
            query: record.query.clone(),
            headers: record.headers.clone(),
            body: body.clone(),
        };
        match plugin.handle_webhook(&request).await {
            Ok(Ok(WebhookOutcome::Events(events))) => {
                let count = events.len();
                let mut verified = record;
                verified.delivery_id = events.iter().find_map(|e| e.dedupe.delivery.clone());
                verified.events = events;
                verified.state = InboxState::Verified;
                let appended = store
                    .settle_unverified(
                        seq,
                        Some(NewDelivery {
                            raw_delivery_id: None,
                            record: verified,
                            body: &body,
                        }),
                    )
                    .await?;
                let new = match appended {
                    Some(Appended::Stored(n) | Appended::Duplicate(n)) => n,
                    None => seq,
                };
                report.replayed.push((seq, new, count));
            }
            Ok(Ok(_)) => {
                store.settle_unverified(seq, None).await?;
                report.settled.push(seq);
            }
            Ok(Err(rejection)) => report.kept.push((seq, format!("{rejection:?}"))),
            Err(failure) => report.kept.push((seq, failure.to_string())),
        }
    }
    Ok(report)
}
