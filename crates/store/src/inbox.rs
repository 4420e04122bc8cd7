//! The inbox: every delivery as received (its record and its raw body), appended durably
//! before the marketplace gets its 2xx; the marks of records the ticket engine has not
//! applied yet; deliveries kept for `helloword replay` within a budget; polling cursors.

use serde::{Deserialize, Serialize};

use super::{SCHEMA_VERSION, Store, StoreError, backend};
use helloword_model::types::TicketEvent;

/// How an inbox record stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum InboxState {
    /// Verified by its connector; its events wait for the ticket engine.
    Verified,
    /// The connector failed on it (a trap, a timeout); kept for `helloword replay` after the
    /// plugin is fixed. The marketplace was told to retry.
    Unverified {
        /// What went wrong.
        error: String,
    },
    /// Its signature verified but its connector cannot read it (the connector said so
    /// through `delivery.verified-unreadable`); kept for `helloword replay` like an
    /// unverified one, and answered 202 so the marketplace keeps the subscription.
    Unreadable {
        /// What the connector cannot read.
        error: String,
    },
    /// Was unverified or unreadable; `helloword replay` ran it through the fixed connector
    /// and stored the result as a new inbox record.
    Replayed {
        /// The new record's sequence number.
        delivery: u64,
    },
}

/// One delivery as kept in the inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboxRecord {
    /// Schema version.
    pub v: u32,
    /// The connector that received it.
    pub plugin: String,
    /// When the gateway received it.
    pub received_at: jiff::Timestamp,
    /// HTTP method.
    pub method: String,
    /// Path after `/hooks/<plugin>`.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers as received.
    pub headers: Vec<(String, String)>,
    /// The delivery id the connector reported (for duplicate detection), if any.
    pub delivery_id: Option<String>,
    /// Normalized events (empty for an unverified delivery).
    pub events: Vec<TicketEvent>,
    /// Verified, or kept for replay.
    pub state: InboxState,
    /// The W3C `traceparent` of the request that brought it, when traces are exported: the
    /// engine's work on it joins that trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// A delivery to append.
pub struct NewDelivery<'a> {
    /// The record (its `v` is set by the store).
    pub record: InboxRecord,
    /// The raw body.
    pub body: &'a [u8],
    /// The delivery id as the bytes received, when they are not the UTF-8 of
    /// `record.delivery_id` (a header that was not UTF-8 reaches the connector with U+FFFD in
    /// it, and two such ids must not be taken for one).
    pub raw_delivery_id: Option<Vec<u8>>,
}

/// What appending did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored under this sequence number, durably.
    Stored(u64),
    /// The same delivery was already stored under this sequence number; nothing changed.
    Duplicate(u64),
}

/// How many deliveries a broken connector may leave in the inbox for replay; past this,
/// further failures are answered (so the marketplace retries) but not kept.
pub const MAX_UNVERIFIED: usize = 10_000;

/// How many bytes of request bodies the deliveries kept for replay may take together. They
/// failed before their connector verified them, so anyone can send them: without a bound in
/// bytes, 10,000 bodies of 1 MiB would fill 10 GiB of disk.
pub const MAX_UNVERIFIED_BYTES: u64 = 64 << 20;

/// Count and bytes of the deliveries kept for replay, against [`MAX_UNVERIFIED`] and
/// [`MAX_UNVERIFIED_BYTES`].
#[derive(Default)]
pub(crate) struct ReplayBudget(std::sync::Mutex<(usize, u64)>);

impl ReplayBudget {
    pub(crate) fn held(&self) -> std::sync::MutexGuard<'_, (usize, u64)> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Take room for one body of `bytes`; false when the buffer is full.
    pub(crate) fn take(&self, bytes: u64) -> bool {
        let mut held = self.held();
        if held.0 >= MAX_UNVERIFIED || held.1.saturating_add(bytes) > MAX_UNVERIFIED_BYTES {
            return false;
        }
        held.0 += 1;
        held.1 += bytes;
        true
    }

    pub(crate) fn give_back(&self, bytes: u64) {
        let mut held = self.held();
        held.0 = held.0.saturating_sub(1);
        held.1 = held.1.saturating_sub(bytes);
    }
}

pub(crate) fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// Meta keys marking inbox records the ticket engine has not applied yet, in sequence order.
/// (A single "applied up to" cursor is not enough: sequence numbers are taken before the
/// record is written, so a record can appear after a later one was already applied.)
pub(crate) const PENDING: &[u8] = b"inbox-pending\0";

/// Set once the markers exist for records stored before they were introduced.
pub(crate) const PENDING_MARKED: &[u8] = b"inbox-pending-marked";

pub fn pending_key(seq: u64) -> Vec<u8> {
    [PENDING, &seq.to_be_bytes()].concat()
}

pub(crate) fn poll_cursor_key(plugin: &str) -> Vec<u8> {
    [b"poll-cursor\0".as_slice(), plugin.as_bytes()].concat()
}

pub(crate) fn decode_seq(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

impl Store {
    /// Append a delivery and return once it is on stable storage. A delivery whose id was
    /// seen before changes nothing, and is answered only once the copy it duplicates is on
    /// stable storage (it may still be on its way there, from a request running alongside).
    ///
    /// Two copies arriving at once store one record. On PostgreSQL one statement claims the
    /// delivery id and writes the record. On sled, which one gateway has to itself, copies
    /// meet at an in-process claim on the id ([`Claims`]); then the id's marker, the body,
    /// the pending mark and last the record are written in that order. sled recovers a
    /// prefix of its writes, so after a crash a marker whose record is missing belongs to a
    /// delivery that was never acknowledged, and its retry is written in full under the
    /// marker's number. (One sled transaction over the four trees did the same, but took
    /// sled's process-wide transaction lock on every delivery: measured, it cost the gateway
    /// most of its throughput.)
    pub async fn append_delivery(&self, delivery: NewDelivery<'_>) -> Result<Appended, StoreError> {
        self.writable()?;
        let mut record = delivery.record;
        record.v = SCHEMA_VERSION;
        let id = delivery
            .raw_delivery_id
            .as_deref()
            .or(record.delivery_id.as_deref().map(str::as_bytes));
        let marker = id.map(|id| [record.plugin.as_bytes(), b"\0", id].concat());
        if self.is_shared() {
            return self.append_shared(record, delivery.body, marker).await;
        }
        let claim = match &marker {
            Some(marker) => Some(self.claims.claim(marker).await),
            None => None,
        };
        let mut seq = None;
        if let Some(marker) = &marker
            && let Some(first) = self.deliveries.get(marker)?.as_deref().and_then(decode_seq)
        {
            if self.inbox.get(seq_key(first))?.is_some() {
                drop(claim);
                // The first copy is written, but its flush may not have run yet.
                self.durable().await?;
                return Ok(Appended::Duplicate(first));
            }
            // A crash cut the first copy's writing short: finish it under its number.
            seq = Some(first);
        }
        let seq = match seq {
            Some(seq) => seq,
            None => {
                let seq = self.next_id()?;
                if let Some(marker) = &marker {
                    self.deliveries.insert(marker, seq_key(seq))?;
                }
                seq
            }
        };
        let json = encode_record(seq, &record)?;
        self.bodies.insert(seq_key(seq), delivery.body)?;
        self.meta.insert(pending_key(seq), [])?;
        self.inbox.insert(seq_key(seq), json)?;
        drop(claim);
        self.durable().await?;
        Ok(Appended::Stored(seq))
    }

    /// [`Store::append_delivery`] on PostgreSQL.
    async fn append_shared(
        &self,
        record: InboxRecord,
        body: &[u8],
        marker: Option<Vec<u8>>,
    ) -> Result<Appended, StoreError> {
        let seq = self.backend.generate_id_async().await? + self.id_base;
        let json = encode_record(seq, &record)?;
        let ops = [
            backend::Op::Put(&self.bodies, seq_key(seq).to_vec(), body.to_vec()),
            backend::Op::Put(&self.inbox, seq_key(seq).to_vec(), json),
            backend::Op::Put(&self.meta, pending_key(seq), Vec::new()),
        ];
        let Some(marker) = marker else {
            self.apply(&ops)?;
            return Ok(Appended::Stored(seq));
        };
        // Another gateway may be storing the same delivery right now, and only one of them
        // may: one statement takes the delivery's id and, only if it was free, writes the
        // record; a second waits on the first's uncommitted row.
        let guard = (&*self.deliveries, marker.clone(), seq_key(seq).to_vec());
        match self.backend.apply_if_absent(guard, &ops).await? {
            backend::Claim::Written => Ok(Appended::Stored(seq)),
            backend::Claim::Taken => {
                let first = self
                    .deliveries
                    .get(&marker)?
                    .as_deref()
                    .and_then(decode_seq);
                Ok(Appended::Duplicate(first.unwrap_or(seq)))
            }
        }
    }

    /// Keep a delivery its connector failed on, for replay once the plugin is fixed. Returns
    /// `None` (and keeps nothing) when [`MAX_UNVERIFIED`] deliveries or
    /// [`MAX_UNVERIFIED_BYTES`] of bodies are already kept.
    pub async fn append_unverified(
        &self,
        mut record: InboxRecord,
        body: &[u8],
    ) -> Result<Option<u64>, StoreError> {
        self.writable()?;
        if !self.replay.take(body.len() as u64) {
            return Ok(None);
        }
        let kept = async {
            record.v = SCHEMA_VERSION;
            record.events.clear();
            let seq = self.next_id()?;
            let json = serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt {
                key: format!("inbox/{seq}"),
                message: e.to_string(),
            })?;
            self.apply(&[
                backend::Op::Put(&self.bodies, seq_key(seq).to_vec(), body.to_vec()),
                backend::Op::Put(&self.inbox, seq_key(seq).to_vec(), json),
                backend::Op::Put(&self.unverified, seq_key(seq).to_vec(), Vec::new()),
            ])?;
            self.durable().await?;
            Ok(Some(seq))
        }
        .await;
        if kept.is_err() {
            self.replay.give_back(body.len() as u64);
        }
        kept
    }

    /// Settle unverified delivery `seq` after a replay: `result` (a verified record) is
    /// appended as a new delivery — `None` when the connector now acknowledges it without
    /// events — and the old record is marked replayed and leaves the replay buffer.
    pub async fn settle_unverified(
        &self,
        seq: u64,
        result: Option<NewDelivery<'_>>,
    ) -> Result<Option<Appended>, StoreError> {
        let appended = match result {
            Some(delivery) => Some(self.append_delivery(delivery).await?),
            None => None,
        };
        let mut body_len = 0;
        if let Some((mut old, body)) = self.delivery(seq)? {
            body_len = body.len() as u64;
            old.state = InboxState::Replayed {
                delivery: match appended {
                    Some(Appended::Stored(n) | Appended::Duplicate(n)) => n,
                    None => seq,
                },
            };
            let json = serde_json::to_vec(&old).map_err(|e| StoreError::Corrupt {
                key: format!("inbox/{seq}"),
                message: e.to_string(),
            })?;
            self.inbox.insert(seq_key(seq), json)?;
        }
        if self.unverified.remove(seq_key(seq))?.is_some() {
            self.replay.give_back(body_len);
        }
        self.durable().await?;
        Ok(appended)
    }

    /// Sequence numbers of the deliveries kept for replay.
    pub fn unverified(&self) -> Result<Vec<u64>, StoreError> {
        self.unverified
            .iter()
            .keys()
            .map(|k| Ok(decode_seq(&k?).unwrap_or(0)))
            .collect()
    }

    /// The inbox record and raw body stored under `seq`.
    pub fn delivery(&self, seq: u64) -> Result<Option<(InboxRecord, Vec<u8>)>, StoreError> {
        let Some(json) = self.inbox.get(seq_key(seq))? else {
            return Ok(None);
        };
        let record = decode_record(seq, &json)?;
        let body = self
            .bodies
            .get(seq_key(seq))?
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Ok(Some((record, body)))
    }

    /// Up to `limit` inbox records after `after` (exclusive), in arrival order.
    pub fn inbox_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, InboxRecord)>, StoreError> {
        let start = after.map_or(0, |s| s.saturating_add(1));
        let mut out = Vec::new();
        for item in self.inbox.range_from(seq_key(start)).take(limit) {
            let (key, json) = item?;
            let seq = decode_seq(&key).unwrap_or(0);
            out.push((seq, decode_record(seq, &json)?));
        }
        Ok(out)
    }

    /// Where connector `plugin`'s next poll resumes (`None` before its first poll).
    pub fn poll_cursor(&self, plugin: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .meta
            .get(poll_cursor_key(plugin))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Store what a poll of `plugin` found (as one inbox record, when it found anything) and
    /// where the next poll resumes, and return once both are on disk. The cursor is written
    /// after the record, so a crash between them repeats the poll (its events are deduplicated
    /// by business key) rather than skip it.
    pub async fn append_poll(
        &self,
        plugin: &str,
        events: Vec<TicketEvent>,
        next_cursor: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let seq = self.put_fetched(plugin, "POLL", events)?;
        match next_cursor {
            Some(cursor) => self
                .meta
                .insert(poll_cursor_key(plugin), cursor.as_bytes())?,
            None => {
                self.meta.remove(poll_cursor_key(plugin))?;
            }
        }
        self.durable().await?;
        Ok(seq)
    }

    /// Store the events a connector's order lookup returned, exactly as if they had been
    /// pushed (method `LOOKUP`), for the ticket engine. Returns the record's sequence
    /// number (`None` when there were no events).
    pub async fn append_lookup(
        &self,
        plugin: &str,
        events: Vec<TicketEvent>,
    ) -> Result<Option<u64>, StoreError> {
        self.append_own(plugin, "LOOKUP", events).await
    }

    /// Store events the gateway itself writes about connector `plugin`'s orders (method
    /// `method`: `STALL` for a parcel that stopped moving) for the ticket engine, like a
    /// delivery of that connector.
    pub async fn append_own(
        &self,
        plugin: &str,
        method: &str,
        events: Vec<TicketEvent>,
    ) -> Result<Option<u64>, StoreError> {
        let seq = self.put_fetched(plugin, method, events)?;
        self.durable().await?;
        Ok(seq)
    }

    /// Write an inbox record of events a connector fetched (not pushed), not yet durable.
    fn put_fetched(
        &self,
        plugin: &str,
        method: &str,
        events: Vec<TicketEvent>,
    ) -> Result<Option<u64>, StoreError> {
        if events.is_empty() {
            return Ok(None);
        }
        let record = InboxRecord {
            v: SCHEMA_VERSION,
            plugin: plugin.to_string(),
            received_at: jiff::Timestamp::now(),
            method: method.into(),
            path: "/".into(),
            query: String::new(),
            headers: Vec::new(),
            delivery_id: None,
            events,
            state: InboxState::Verified,
            trace: None,
        };
        let n = self.next_id()?;
        let json = serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt {
            key: format!("inbox/{n}"),
            message: e.to_string(),
        })?;
        self.inbox.insert(seq_key(n), json)?;
        self.meta.insert(pending_key(n), [])?;
        Ok(Some(n))
    }

    /// Up to `limit` inbox records the ticket engine has not applied yet, oldest first.
    pub fn unapplied(&self, limit: usize) -> Result<Vec<(u64, InboxRecord)>, StoreError> {
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(PENDING).keys().take(limit) {
            let key = item?;
            let Some(seq) = decode_seq(&key[PENDING.len()..]) else {
                continue;
            };
            // A mark without its record is a delivery being written right now (the record
            // comes last), or one a crash cut short, whose retry will finish it: not yet.
            if let Some(json) = self.inbox.get(seq_key(seq))? {
                out.push((seq, decode_record(seq, &json)?));
            }
        }
        Ok(out)
    }

    /// Number of inbox records.
    pub fn inbox_len(&self) -> usize {
        self.inbox.len()
    }
}

pub(crate) fn encode_record(seq: u64, record: &InboxRecord) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(record).map_err(|e| StoreError::Corrupt {
        key: format!("inbox/{seq}"),
        message: e.to_string(),
    })
}

pub(crate) fn decode_record(seq: u64, json: &[u8]) -> Result<InboxRecord, StoreError> {
    serde_json::from_slice(json).map_err(|e| StoreError::Corrupt {
        key: format!("inbox/{seq}"),
        message: e.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::both;

    /// A Shopify delivery's inbox record with `delivery` as its id.
    pub fn record(delivery: Option<&str>) -> InboxRecord {
        InboxRecord {
            v: 0,
            plugin: "shopify".into(),
            received_at: jiff::Timestamp::UNIX_EPOCH,
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: vec![("x-shopify-topic".into(), "disputes/create".into())],
            delivery_id: delivery.map(str::to_string),
            events: vec![],
            state: InboxState::Verified,
            trace: None,
        }
    }

    #[tokio::test]
    async fn appended_deliveries_survive_a_reopen_with_their_exact_bytes() {
        for place in both::places() {
            let body = b"{\"id\": 820982911946154508}";
            let seq = {
                let store = place.open();
                let appended = store
                    .append_delivery(NewDelivery {
                        raw_delivery_id: None,
                        record: record(Some("w-1")),
                        body,
                    })
                    .await
                    .unwrap();
                let Appended::Stored(seq) = appended else {
                    panic!("{appended:?}")
                };
                seq
            };
            let store = place.open();
            let (stored, stored_body) = store.delivery(seq).unwrap().unwrap();
            assert_eq!(stored_body, body, "{}", place.name());
            assert_eq!(stored.v, SCHEMA_VERSION);
            assert_eq!(stored.delivery_id.as_deref(), Some("w-1"));
        }
    }

    /// Sequence numbers are taken before a record is written, so under concurrency a later
    /// record can be applied before an earlier one is even visible. Applying the later one
    /// must not skip the earlier one (a single "applied up to" cursor did: the crash test
    /// found acknowledged deliveries that never became tickets).
    #[tokio::test]
    async fn applying_a_later_record_does_not_skip_an_earlier_one() {
        for place in both::places() {
            let store = place.open();
            let mut seqs = Vec::new();
            for id in ["w-1", "w-2"] {
                let Appended::Stored(seq) = store
                    .append_delivery(NewDelivery {
                        raw_delivery_id: None,
                        record: record(Some(id)),
                        body: b"{}",
                    })
                    .await
                    .unwrap()
                else {
                    panic!("stored twice")
                };
                seqs.push(seq);
            }
            store.commit_inbox_record(seqs[1], &[]).await.unwrap();
            let left: Vec<u64> = store
                .unapplied(10)
                .unwrap()
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            assert_eq!(left, [seqs[0]]);
            store.commit_inbox_record(seqs[0], &[]).await.unwrap();
            assert!(store.unapplied(10).unwrap().is_empty());
            drop(store);
            assert!(
                place.open().unapplied(10).unwrap().is_empty(),
                "{}",
                place.name()
            );
        }
    }

    #[tokio::test]
    async fn a_repeated_delivery_id_changes_nothing() {
        for place in both::places() {
            let store = place.open();
            let first = store
                .append_delivery(NewDelivery {
                    raw_delivery_id: None,
                    record: record(Some("w-1")),
                    body: b"a",
                })
                .await
                .unwrap();
            let again = store
                .append_delivery(NewDelivery {
                    raw_delivery_id: None,
                    record: record(Some("w-1")),
                    body: b"a",
                })
                .await
                .unwrap();
            let Appended::Stored(seq) = first else {
                panic!()
            };
            assert_eq!(again, Appended::Duplicate(seq));
            assert_eq!(store.inbox_len(), 1);
            // Without a delivery id nothing can be recognised as a repeat.
            store
                .append_delivery(NewDelivery {
                    raw_delivery_id: None,
                    record: record(None),
                    body: b"a",
                })
                .await
                .unwrap();
            assert_eq!(store.inbox_len(), 2, "{}", place.name());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_share_flushes_and_all_become_durable() {
        for place in both::places() {
            let store = place.open();
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let id = format!("w-{i}");
                        store
                            .append_delivery(NewDelivery {
                                raw_delivery_id: None,
                                record: record(Some(&id)),
                                body: b"x",
                            })
                            .await
                            .unwrap()
                    })
                })
                .collect();
            for t in tasks {
                assert!(matches!(t.await.unwrap(), Appended::Stored(_)));
            }
            let listed = store.inbox_after(None, 1000).unwrap();
            assert_eq!(listed.len(), 200);
            assert!(listed.windows(2).all(|w| w[0].0 < w[1].0), "arrival order");
        }
    }

    /// Issue #23: copies of one delivery arriving at once were each checked against the
    /// marker before either wrote it, and both were stored.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn copies_of_a_delivery_racing_each_other_store_one_record() {
        for place in both::places() {
            let store = place.open();
            let tasks: Vec<_> = (0..400)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        // Eight copies of each of 50 deliveries, interleaved.
                        let id = format!("w-{}", i % 50);
                        store
                            .append_delivery(NewDelivery {
                                raw_delivery_id: None,
                                record: record(Some(&id)),
                                body: b"x",
                            })
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut stored = std::collections::BTreeSet::new();
            let mut answered = Vec::new();
            for t in tasks {
                match t.await.unwrap() {
                    Appended::Stored(seq) => assert!(stored.insert(seq)),
                    Appended::Duplicate(seq) => answered.push(seq),
                }
            }
            assert_eq!(
                stored.len(),
                50,
                "{}: one record per delivery",
                place.name()
            );
            assert_eq!(store.inbox_len(), 50, "{}", place.name());
            assert!(
                answered.iter().all(|seq| stored.contains(seq)),
                "{}: every duplicate names the stored copy",
                place.name()
            );
        }
    }

    #[tokio::test]
    async fn delivery_ids_are_compared_as_the_bytes_received() {
        let place = both::Place::Sled(tempfile::tempdir().unwrap());
        let store = place.open();
        let mut seqs = Vec::new();
        for raw in [b"w-\xff".as_slice(), b"w-\xfe", b"w-\xfe"] {
            let appended = store
                .append_delivery(NewDelivery {
                    raw_delivery_id: Some(raw.to_vec()),
                    record: record(Some("w-\u{FFFD}")),
                    body: b"x",
                })
                .await
                .unwrap();
            seqs.push(appended);
        }
        assert!(matches!(seqs[0], Appended::Stored(_)));
        assert!(matches!(seqs[1], Appended::Stored(_)), "0xfe is not 0xff");
        let Appended::Stored(second) = seqs[1] else {
            unreachable!()
        };
        assert_eq!(seqs[2], Appended::Duplicate(second));
    }

    #[tokio::test]
    async fn the_replay_buffer_is_bounded_in_bytes() {
        let place = both::Place::Sled(tempfile::tempdir().unwrap());
        let store = place.open();
        let body = vec![b'x'; 1 << 20];
        let mut kept = 0;
        for _ in 0..(MAX_UNVERIFIED_BYTES >> 20) + 10 {
            let mut failed = record(None);
            failed.state = InboxState::Unverified {
                error: "trap".into(),
            };
            if store
                .append_unverified(failed, &body)
                .await
                .unwrap()
                .is_some()
            {
                kept += 1;
            }
        }
        assert_eq!(kept, MAX_UNVERIFIED_BYTES >> 20);
        drop(store);
        // The bound holds across a restart: what is kept is counted on open.
        let store = place.open();
        let mut failed = record(None);
        failed.state = InboxState::Unverified {
            error: "trap".into(),
        };
        assert_eq!(store.append_unverified(failed, b"x").await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_unreadable_delivery_is_kept_until_a_replay_settles_it() {
        let place = both::Place::Sled(tempfile::tempdir().unwrap());
        let store = place.open();
        let mut kept = record(None);
        kept.state = InboxState::Unreadable {
            error: "expected value at line 1 column 1".into(),
        };
        let seq = store
            .append_unverified(kept, b"{not json")
            .await
            .unwrap()
            .unwrap();
        drop(store);
        let store = place.open();
        assert_eq!(store.unverified().unwrap(), vec![seq]);
        let (record, body) = store.delivery(seq).unwrap().unwrap();
        assert_eq!(body, b"{not json");
        assert_eq!(
            record.state,
            InboxState::Unreadable {
                error: "expected value at line 1 column 1".into()
            }
        );
        store.settle_unverified(seq, None).await.unwrap();
        assert!(store.unverified().unwrap().is_empty());
        // Records written before the state existed still read.
        let old = br#"{"v":1,"plugin":"shopify","received_at":"2025-07-10T16:15:47Z","method":"POST","path":"/","query":"","headers":[],"delivery_id":null,"events":[],"state":{"state":"unverified","error":"trap"}}"#;
        assert_eq!(
            decode_record(1, old).unwrap().state,
            InboxState::Unverified {
                error: "trap".into()
            }
        );
    }
}
