//! Webhook ingest: a delivery to `/hooks/<plugin-id>[/<rest>]`, exactly as received, goes
//! to that connector; verified events go into the durable inbox, and the answer is only
//! [`Outcome::Stored`] once the inbox record is on disk. A delivery on which the connector
//! failed is kept (bounded) for `helloword replay`.
//!
//! A delivery whose signature verified but that the connector cannot read (it called
//! `delivery.verified-unreadable` and refused with `bad-request`) is kept the same way
//! ([`Outcome::Kept`]): refusing it would make the marketplace retry it and in the end
//! disable the subscription, and the case in it would be lost. A ticket about it alerts the
//! seller ([`unreadable`]); `helloword replay` runs it again once the connector is fixed.
//!
//! Ingest answers in its own terms, an [`Outcome`]; the HTTP front (`web::hooks`) reads the
//! request and turns the outcome into a status code and body.

pub mod attachments;
pub mod lookup;
pub mod poll;
pub mod replay;
pub mod stalls;
pub mod unreadable;

use std::sync::Arc;

use tracing::Instrument as _;

use crate::plugin::bindings::connector_api::{
    IncomingRequest, Reply, WebhookError, WebhookOutcome,
};
use crate::plugin::{Executor, Plugin, PluginError, PluginKind, PluginSet};
use crate::store::{Appended, InboxRecord, InboxState, NewDelivery, Store};
use crate::telemetry::Metrics;

/// What ingest needs of the gateway: the plugins, the store, the metrics, the engine's
/// wake-up and the threads connector calls run on.
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    /// Loaded plugins.
    pub plugins: &'a PluginSet,
    /// The store the inbox is in.
    pub store: &'a Store,
    /// Metrics registry.
    pub metrics: &'a Metrics,
    /// Wakes the ticket engine when a delivery is stored.
    pub inbox_notify: &'a tokio::sync::Notify,
    /// The threads webhook calls into connectors run on.
    pub webhook_calls: &'a Executor,
}

/// What became of a delivery.
#[derive(Debug)]
pub enum Outcome {
    /// No plugin of that id is loaded.
    UnknownPlugin {
        /// The plugins that are, comma-separated.
        loaded: String,
    },
    /// The plugin is not a marketplace connector.
    NotAConnector {
        /// What it is.
        kind: PluginKind,
    },
    /// The call into the connector was lost (the gateway is stopping); nothing was stored.
    CallLost,
    /// The delivery's events are on disk.
    Stored {
        /// How many events it carried.
        accepted: usize,
        /// Its inbox sequence number.
        delivery: u64,
    },
    /// A copy of a delivery already stored as `of`.
    Duplicate {
        /// The first copy's inbox sequence number.
        of: u64,
    },
    /// The store could not keep the delivery; the marketplace should retry.
    NotStored(String),
    /// The connector acknowledged a topic that makes no ticket.
    Ignored(String),
    /// The connector answers the request itself (a challenge, a verification handshake).
    Reply(Reply),
    /// The connector refused the request; nothing was stored.
    Rejected(WebhookError),
    /// The connector failed (a limit, a trap); the delivery is kept for replay when the
    /// buffer has room.
    Failed(PluginError),
    /// Signed but unreadable: kept for replay as delivery `delivery`, a ticket raised.
    Kept {
        /// Its inbox sequence number.
        delivery: u64,
        /// What the connector said.
        why: String,
    },
    /// Signed but unreadable, and the replay buffer is full: the marketplace should retry.
    KeptBufferFull {
        /// What the connector said.
        why: String,
    },
}

impl<'a> Intake<'a> {
    /// The connector `id`, or why a delivery to it goes nowhere.
    pub fn connector(&self, id: &str) -> Result<Arc<Plugin>, Outcome> {
        let Some(plugin) = self.plugins.get(id) else {
            return Err(Outcome::UnknownPlugin {
                loaded: self.plugins.ids().join(", "),
            });
        };
        if plugin.manifest.kind != PluginKind::MarketplaceConnector {
            return Err(Outcome::NotAConnector {
                kind: plugin.manifest.kind,
            });
        }
        Ok(plugin)
    }

    /// Hand `incoming` (its body also in `body`, its headers as received in `raw_headers`)
    /// to `plugin`, the connector `id`, on the plugin-call threads, and act on its verdict.
    pub async fn deliver(
        &self,
        id: &str,
        plugin: Arc<Plugin>,
        incoming: IncomingRequest,
        raw_headers: &http::HeaderMap,
        body: &[u8],
    ) -> Outcome {
        // On the plugin-call threads (see `plugin::executor`), in this delivery's trace.
        let span = tracing::Span::current();
        let called = self
            .webhook_calls
            .run(move || {
                async move {
                    let verdict = plugin.handle_webhook_verdict(&incoming).await;
                    (incoming, verdict)
                }
                .instrument(span)
            })
            .await;
        let Ok((incoming, verdict)) = called else {
            return Outcome::CallLost;
        };
        let outcome = match verdict {
            Ok(verdict) => match verdict.unreadable() {
                Some(why) => return unreadable::keep(self, id, &incoming, body, why).await,
                None => Ok(verdict.outcome),
            },
            Err(failure) => Err(failure),
        };
        self.accept(id, &incoming, raw_headers, body, outcome).await
    }

    /// Act on what connector `id` made of `incoming`: store its events durably and answer, send
    /// its reply, or refuse (keeping a delivery the connector failed on for replay).
    pub async fn accept(
        &self,
        id: &str,
        incoming: &IncomingRequest,
        raw_headers: &http::HeaderMap,
        body: &[u8],
        outcome: Result<Result<WebhookOutcome, WebhookError>, PluginError>,
    ) -> Outcome {
        let record = |events, state| InboxRecord {
            v: 0,
            plugin: id.to_string(),
            received_at: jiff::Timestamp::now(),
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            query: incoming.query.clone(),
            headers: incoming.headers.clone(),
            delivery_id: None,
            events,
            state,
            trace: crate::telemetry::traceparent(&tracing::Span::current()),
        };
        match outcome {
            Ok(Ok(WebhookOutcome::Events(events))) => {
                let count = events.len();
                let mut inbox = record(events, InboxState::Verified);
                inbox.delivery_id = inbox.events.iter().find_map(|e| e.dedupe.delivery.clone());
                let raw_delivery_id = inbox
                    .delivery_id
                    .as_deref()
                    .and_then(|id| raw_delivery_id(id, raw_headers));
                let commit = tracing::debug_span!(
                    "store.commit",
                    delivery.seq = tracing::field::Empty,
                    delivery.duplicate = tracing::field::Empty,
                );
                let appended = self
                    .store
                    .append_delivery(NewDelivery {
                        record: inbox,
                        body,
                        raw_delivery_id,
                    })
                    .instrument(commit.clone())
                    .await;
                if let Ok(Appended::Stored(seq) | Appended::Duplicate(seq)) = appended {
                    commit.record("delivery.seq", seq);
                    commit.record(
                        "delivery.duplicate",
                        matches!(appended, Ok(Appended::Duplicate(_))),
                    );
                    tracing::Span::current().record("delivery.seq", seq);
                }
                match appended {
                    Ok(Appended::Stored(seq)) => {
                        self.inbox_notify.notify_one();
                        Outcome::Stored {
                            accepted: count,
                            delivery: seq,
                        }
                    }
                    Ok(Appended::Duplicate(seq)) => Outcome::Duplicate { of: seq },
                    Err(e) => {
                        tracing::error!(message = "Cannot store a delivery.", plugin = id, error = %e);
                        Outcome::NotStored(e.to_string())
                    }
                }
            }
            Ok(Ok(WebhookOutcome::Reply(reply))) => Outcome::Reply(reply),
            Ok(Ok(WebhookOutcome::Ignored(topic))) => {
                // Not labelled with the topic: it may come from a part of the request that no
                // signature covers (Shopify's topic header), and every new value would be a new
                // series.
                self.metrics.counter_add(
                    "helloword_webhooks_ignored_total",
                    "Deliveries acknowledged without a ticket, by plugin.",
                    &[("plugin", id)],
                    1,
                );
                Outcome::Ignored(topic)
            }
            Ok(Err(rejection)) => Outcome::Rejected(rejection),
            Err(failure) => {
                let kept = self
                    .store
                    .append_unverified(
                        record(
                            Vec::new(),
                            InboxState::Unverified {
                                error: failure.to_string(),
                            },
                        ),
                        body,
                    )
                    .await;
                if !matches!(kept, Ok(Some(_))) {
                    tracing::warn!(
                        message = "A delivery the connector failed on was not kept for replay.",
                        plugin = id,
                        reason = %kept.map_or_else(|e| e.to_string(), |_| "the replay buffer is full".into())
                    );
                }
                Outcome::Failed(failure)
            }
        }
    }
}

/// The delivery id `id` as the bytes received, when they were not UTF-8. The connector sees
/// header values with U+FFFD in place of bytes that are not UTF-8, so two ids that differ
/// only there would look alike; the id is matched back to the header it came from, whose
/// bytes then stand for it.
fn raw_delivery_id(id: &str, headers: &http::HeaderMap) -> Option<Vec<u8>> {
    if !id.contains(char::REPLACEMENT_CHARACTER) {
        return None;
    }
    let lossy = headers
        .values()
        .filter(|v| std::str::from_utf8(v.as_bytes()).is_err())
        .map(|v| (v.as_bytes(), String::from_utf8_lossy(v.as_bytes())));
    let mut containing = None;
    for (raw, text) in lossy {
        if text == id {
            return Some(raw.to_vec());
        }
        if containing.is_none() && text.contains(id) {
            containing = Some(raw.to_vec());
        }
    }
    containing
}

#[cfg(test)]
mod tests {
    use super::raw_delivery_id;

    fn headers(pairs: &[(&str, &[u8])]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn an_id_that_is_utf8_is_its_own_bytes() {
        let map = headers(&[("x-id", b"w-\xff")]);
        assert_eq!(raw_delivery_id("w-1", &map), None);
    }

    #[test]
    fn an_id_with_bytes_that_are_not_utf8_is_the_header_it_came_from() {
        let map = headers(&[("x-other", b"a\xfe"), ("x-id", b"w-\xff")]);
        assert_eq!(
            raw_delivery_id("w-\u{FFFD}", &map),
            Some(b"w-\xff".to_vec())
        );
        // Part of a header: that header's bytes.
        let map = headers(&[("x-id", b"id=w-\xfe; v=1")]);
        assert_eq!(
            raw_delivery_id("w-\u{FFFD}", &map),
            Some(b"id=w-\xfe; v=1".to_vec())
        );
    }
}
