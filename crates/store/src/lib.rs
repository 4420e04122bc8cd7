//! The storage boundary: every byte HelloWord keeps goes through [`Store`]; nothing else
//! opens sled or PostgreSQL. The boundary speaks in domain terms (deliveries, inbox
//! records), and runs on either store ([`Location`]): sled in a local folder for one
//! gateway, or one PostgreSQL database shared by several (`backend.rs` says how the trees
//! map onto it, and how gateways share work: [`Store::writer_lock`], [`Store::claim`]).
//!
//! ## Trees and key layout (sled trees; on PostgreSQL, rows of `hw_kv` by tree name)
//!
//! | tree | key | value |
//! |---|---|---|
//! | `inbox` | sequence number, u64 big-endian (sorts in arrival order) | [`InboxRecord`] as JSON |
//! | `inbox_bodies` | same sequence number | the raw request body, exactly as received |
//! | `deliveries` | `<plugin>\0<delivery id>` | sequence number of the first copy |
//! | `unverified` | sequence number of an inbox record its connector failed on or cannot read (kept for replay) | empty |
//! | `tickets` | ticket id, u64 big-endian | [`Ticket`](helloword_model::model::Ticket) as JSON |
//! | `cases` | `<marketplace>\0<shop>\0<case key>`; and `<connector>\0\0thread:<message id>` for each message the gateway delivered (where an answer to it belongs) | ticket id |
//! | `business` | `<marketplace>\0<business key>` | empty: the key's effect was applied |
//! | `timeline` | ticket id + entry id, both u64 big-endian | a timeline entry as JSON (the conversation's messages are timeline entries) |
//! | `search` | term, a zero byte, ticket id (u64 big-endian) | the ticket's order id (empty: none): the ticket has a word starting with the term (`search.rs`) |
//! | `search_terms` | ticket id (u64 big-endian), term | empty: the same posting by ticket, for erasure and for checking a query's further words |
//! | `queue` | severity rank (u8), deadline (seconds, sign-flipped u64), ticket id | empty; open tickets only |
//! | `orders` | `<marketplace>\0<shop>\0<order id>` | [`OrderRecord`](helloword_model::orders::OrderRecord) as JSON: the order joined from every event that named it, and its tickets |
//! | `customers` | profile key (`email:<address>` or `<marketplace>:<buyer id>`) | [`Customer`](helloword_model::customers::Customer) as JSON |
//! | `timers` | due instant (ms, sign-flipped u64) + timer id | ticket id; mirrors `Ticket::timers` |
//! | `proposals` | ticket id + proposal id, both u64 big-endian | a compensation proposal as JSON |
//! | `outbox` | ticket id + entry id, both u64 big-endian | an outbox entry (an action to execute at the marketplace) as JSON |
//! | `alerts` | ticket id + alert id, both u64 big-endian | an alert and its delivery state as JSON |
//! | `files` | ticket id + file id, both u64 big-endian | an evidence file's record as JSON (its bytes are files in the data folder) |
//! | `audit` | a store-wide id, u64 big-endian | an audit line (who changed what) as JSON |
//! | `open_work` | kind byte (`o` outbox, `a` alert, `f` file) + record id | ticket id; the records a worker still has work on |
//! | `meta` | name | value (`schema`: u32 big-endian; `processed_inbox`: u64 cursor; `id-base`: u64 added to generated ids after a restore or compaction; `compact-due`: present after an erasure or purge until the store is rewritten; `ticket-seq`: u64, the last ticket number handed out) |
//!
//! Every JSON record carries a schema version (`v`). A record is written before the key that
//! marks its delivery as seen, and sled recovers a prefix of its writes after a crash, so a
//! crash can at worst store a retried delivery twice — never lose one; the ticket engine
//! applies business effects once on business keys. On PostgreSQL a delivery is stored in
//! one statement together with its delivery-id marker, and each batch is one statement.

mod backend;
#[cfg(test)]
mod both;
mod compact;
mod erase;
mod export;
pub mod files;
mod group_commit;
mod health;
mod inbox;
mod postgres_tls;
mod records;
mod search;
mod tickets;

use std::path::Path;

pub use erase::{ERASED, Erased, Needles, Purged, Subject, redact_ticket};
pub use export::{ExportSummary, SnapshotError};
pub use group_commit::GroupCommit;
pub use health::{Health, HealthReport};
pub use inbox::{
    Appended, InboxRecord, InboxState, MAX_UNVERIFIED, MAX_UNVERIFIED_BYTES, NewDelivery,
    pending_key,
};
pub(crate) use inbox::{PENDING_MARKED, ReplayBudget, decode_record, decode_seq, seq_key};
pub use postgres_tls::check_url as check_postgres_url;
pub use tickets::{ContextWrite, DueTimer, QueueFields, TicketWrite, order_key};

/// Version of the records this build writes (the model's).
pub use helloword_model::SCHEMA_VERSION;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled reported an error (disk full, corruption, I/O).
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    /// PostgreSQL refused or could not be reached.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// A record could not be encoded or decoded.
    #[error("record {key} is unreadable: {message}")]
    Corrupt { key: String, message: String },
    /// The data folder was written by a newer HelloWord.
    #[error(
        "the data folder has schema {found}; this build reads schema {SCHEMA_VERSION} (upgrade HelloWord)"
    )]
    NewerSchema { found: u32 },
    /// The flush that makes writes durable failed.
    #[error("flushing to disk failed: {0}")]
    Flush(String),
    /// The store refuses writes for now ([`Health`]): the disk is full, read-only, or the
    /// data folder is gone.
    #[error("the store refuses writes: {0}")]
    Unavailable(String),
}

/// The store.
#[derive(Clone)]
pub struct Store {
    backend: backend::Backend,
    /// Writes take it shared, one operation at a time; an export takes it exclusively.
    gate: std::sync::Arc<std::sync::RwLock<()>>,
    /// Added to sled's id generator, so a restored store continues above the ids it holds.
    id_base: u64,
    inbox: Gated,
    bodies: Gated,
    deliveries: Gated,
    unverified: Gated,
    tickets: Gated,
    cases: Gated,
    business: Gated,
    timeline: Gated,
    /// The search index: term\0ticket.
    search: Gated,
    /// The search index by ticket: ticket + term.
    search_terms: Gated,
    queue: Gated,
    timers: Gated,
    customers: Gated,
    /// Orders by marketplace, shop and id.
    orders: Gated,
    meta: Gated,
    /// Proposals by (ticket, id).
    proposals: Gated,
    /// Outbox entries by (ticket, id).
    outbox: Gated,
    /// Work still to do, by kind byte (`o` outbox, `a` alerts) and id → ticket.
    open: Gated,
    /// Audit log by sequence.
    audit: Gated,
    /// Alerts by (ticket, id).
    alerts: Gated,
    /// Evidence files by (ticket, id).
    files: Gated,
    /// What the deliveries kept for replay take.
    replay: std::sync::Arc<ReplayBudget>,
    /// sled's shared flush; PostgreSQL commits are durable when they return.
    commit: Option<GroupCommit>,
    /// Whether sled's folder takes writes (none on PostgreSQL, whose server says so itself).
    health: Option<std::sync::Arc<Health>>,
    /// Delivery ids being stored right now, on sled.
    claims: std::sync::Arc<Claims>,
    /// Names of the [`Store::secret_key`]s known to be on stable storage.
    durable_keys: std::sync::Arc<KeySet>,
    /// This store handle's name among the gateways on one database (for the engine's
    /// writer hand-over).
    writer_id: std::sync::Arc<str>,
}

/// Delivery ids being stored right now: copies of one delivery take turns here, so the
/// second sees the first's marker and record (sled; one gateway per folder).
#[derive(Default)]
pub struct Claims(
    std::sync::Mutex<std::collections::HashMap<Vec<u8>, std::sync::Arc<tokio::sync::Mutex<()>>>>,
);

/// A claim on a delivery id; released when dropped.
pub struct IdClaim<'a> {
    claims: &'a Claims,
    marker: Vec<u8>,
    lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Claims {
    fn map(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<Vec<u8>, std::sync::Arc<tokio::sync::Mutex<()>>>,
    > {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wait until no other task holds `marker`, and hold it.
    pub async fn claim(&self, marker: &[u8]) -> IdClaim<'_> {
        let lock = self.map().entry(marker.to_vec()).or_default().clone();
        let guard = lock.clone().lock_owned().await;
        IdClaim {
            claims: self,
            marker: marker.to_vec(),
            lock,
            guard: Some(guard),
        }
    }
}

impl Drop for IdClaim<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.claims.map();
        // The map's handle and this one: nobody else is waiting for the id.
        if std::sync::Arc::strong_count(&self.lock) == 2 {
            map.remove(&self.marker);
        }
    }
}

/// A set of names shared by the store's clones.
#[derive(Default)]
pub struct KeySet(std::sync::Mutex<std::collections::HashSet<String>>);

impl KeySet {
    fn set(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.set().contains(name)
    }

    pub fn insert(&self, name: String) {
        self.set().insert(name);
    }
}

/// Meta key: the offset added to sled's id generator ([`Store::next_id`]).
const ID_BASE: &[u8] = b"id-base";

/// Meta key: the last ticket number handed out ([`Store::new_ticket_id`]).
pub const TICKET_SEQ: &[u8] = b"ticket-seq";

/// A sled tree whose writes pass the store's export gate, one operation at a time. The
/// store stays consistent after a crash at any point between two operations (records before
/// the keys that mark them, transactions where several trees change together), so a snapshot
/// taken with every writer held between two operations is as consistent as that.
/// Reads go straight to the tree.
#[derive(Clone)]
pub struct Gated {
    tree: backend::Tree,
    gate: std::sync::Arc<std::sync::RwLock<()>>,
    health: Option<std::sync::Arc<Health>>,
}

impl std::ops::Deref for Gated {
    type Target = backend::Tree;

    fn deref(&self) -> &backend::Tree {
        &self.tree
    }
}

impl Gated {
    pub fn pass(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.gate
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Ok` while the store takes writes ([`Health::check`]).
    pub fn writable(&self) -> Result<(), StoreError> {
        self.health.as_ref().map_or(Ok(()), |h| h.check())
    }

    /// [`backend::Tree::insert`], gated.
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), StoreError> {
        self.writable()?;
        let _pass = self.pass();
        self.tree.insert(key, value)
    }

    /// [`backend::Tree::remove`], gated.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<sled::IVec>, StoreError> {
        self.writable()?;
        let _pass = self.pass();
        self.tree.remove(key)
    }

    /// [`backend::Tree::compare_and_swap`], gated; returns whether it swapped.
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        old: Option<impl AsRef<[u8]>>,
        new: Option<impl AsRef<[u8]>>,
    ) -> Result<bool, StoreError> {
        self.writable()?;
        let _pass = self.pass();
        self.tree.compare_and_swap(key, old, new)
    }
}

/// Where a gateway's store lives (`[storage] store` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// sled in a local folder: the embedded default, for one gateway.
    Sled {
        /// The sled folder.
        dir: std::path::PathBuf,
        /// sled's page cache.
        cache_bytes: u64,
        /// Writes are refused while the folder's file system has less free space than this
        /// (`storage.min_free_mb`; 0: never).
        min_free_bytes: u64,
    },
    /// A PostgreSQL database, shared by any number of gateways.
    Postgres {
        /// `postgres://user[:password]@host[:port]/database[?options]`.
        url: String,
    },
}

/// A name for one open store, unique among the gateways on a database.
fn new_writer_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::getrandom(&mut bytes);
    format!("{}-{}", std::process::id(), hex::encode(bytes))
}

/// The page cache when the config does not set `storage.cache_mb`.
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

/// The free space below which writes are refused, when the config does not set
/// `storage.min_free_mb`: room for sled to finish what it has begun and compact.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 64 << 20;

impl Store {
    /// Open (or create) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// Open the store in `dir` with a page cache of `cache_bytes` (sled's cache bounds
    /// most of the gateway's memory).
    /// An erasure or purge since the store was last rewritten is compacted first (see
    /// `compact.rs`).
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        Store::open_sled(dir, cache_bytes, DEFAULT_MIN_FREE_BYTES)
    }

    /// [`Store::open_with_cache`], refusing writes while the folder's file system has less
    /// than `min_free_bytes` free (0: never).
    pub fn open_sled(
        dir: &Path,
        cache_bytes: u64,
        min_free_bytes: u64,
    ) -> Result<Store, StoreError> {
        compact::recover(dir)?;
        let store = Store::open_as_is(dir, cache_bytes, min_free_bytes)?;
        if !store.compaction_due()? {
            return Ok(store);
        }
        tracing::info!(message = "Compacting the store after an erasure or purge.");
        compact::rewrite(store, dir)?;
        Store::open_as_is(dir, cache_bytes, min_free_bytes)
    }

    fn open_as_is(dir: &Path, cache_bytes: u64, min_free_bytes: u64) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_bytes)
            // Durability comes from explicit group flushes, not from a timer.
            .flush_every_ms(None)
            .open()?;
        let io = |e: std::io::Error| StoreError::Flush(format!("{}: {e}", dir.display()));
        let health = std::sync::Arc::new(Health::new(dir, min_free_bytes).map_err(io)?);
        let commit = GroupCommit::start(db.clone(), dir, health.clone()).map_err(io)?;
        Store::on(backend::Backend::Sled(db), Some(commit), Some(health))
    }

    /// Open (or create) the store in the PostgreSQL database at `url`, bringing its schema
    /// up to date. Several gateways may share one database.
    pub fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let pg = backend::Pg::open(url)?;
        Store::on(backend::Backend::Pg(pg), None, None)
    }

    /// Open the store `location` names.
    pub fn open_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sled {
                dir,
                cache_bytes,
                min_free_bytes,
            } => Store::open_sled(dir, *cache_bytes, *min_free_bytes),
            Location::Postgres { url } => Store::open_postgres(url),
        }
    }

    fn on(
        backend: backend::Backend,
        commit: Option<GroupCommit>,
        health: Option<std::sync::Arc<Health>>,
    ) -> Result<Store, StoreError> {
        let gate = std::sync::Arc::new(std::sync::RwLock::new(()));
        let tree = |name: &str| -> Result<Gated, StoreError> {
            Ok(Gated {
                tree: backend.tree(name)?,
                gate: gate.clone(),
                health: health.clone(),
            })
        };
        let meta = tree("meta")?;
        match meta.get("schema")? {
            Some(found) => {
                let found =
                    <[u8; 4]>::try_from(found.as_ref()).map_or(u32::MAX, u32::from_be_bytes);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema { found });
                }
            }
            None => {
                meta.insert("schema", SCHEMA_VERSION.to_be_bytes())?;
            }
        }
        let inbox = tree("inbox")?;
        if meta.get(PENDING_MARKED)?.is_none() {
            // A store from before the markers: everything after its cursor is unapplied.
            let after = meta
                .get(b"processed_inbox")?
                .and_then(|v| decode_seq(&v))
                .map_or(0, |c| c.saturating_add(1));
            for item in inbox.range_from(seq_key(after)) {
                let (key, json) = item?;
                let seq = decode_seq(&key).unwrap_or(0);
                if decode_record(seq, &json)?.state == InboxState::Verified {
                    meta.insert(pending_key(seq), [])?;
                }
            }
            meta.insert(PENDING_MARKED, [])?;
        }
        let unverified = tree("unverified")?;
        let id_base = meta.get(ID_BASE)?.and_then(|v| decode_seq(&v)).unwrap_or(0);
        let bodies = tree("inbox_bodies")?;
        let replay = ReplayBudget::default();
        for seq in unverified.iter().keys() {
            let body = bodies.get(seq?)?;
            let mut held = replay.held();
            held.0 += 1;
            held.1 += body.map_or(0, |b| b.len() as u64);
        }
        Ok(Store {
            tickets: tree("tickets")?,
            cases: tree("cases")?,
            business: tree("business")?,
            timeline: tree("timeline")?,
            search: tree("search")?,
            search_terms: tree("search_terms")?,
            queue: tree("queue")?,
            timers: tree("timers")?,
            customers: tree("customers")?,
            orders: tree("orders")?,
            proposals: tree("proposals")?,
            outbox: tree("outbox")?,
            open: tree("open_work")?,
            audit: tree("audit")?,
            alerts: tree("alerts")?,
            files: tree("files")?,
            meta,
            unverified,
            replay: std::sync::Arc::new(replay),
            inbox,
            bodies,
            deliveries: tree("deliveries")?,
            commit,
            health,
            durable_keys: Default::default(),
            claims: Default::default(),
            backend,
            gate,
            id_base,
            writer_id: new_writer_id().into(),
        })
    }

    /// Resolve once every write made before the call is on stable storage.
    pub async fn durable(&self) -> Result<(), StoreError> {
        match &self.commit {
            Some(commit) => {
                commit.durable().await.map_err(StoreError::Flush)?;
                // A flush into a folder that was deleted meanwhile "succeeds".
                self.writable()
            }
            None => Ok(()),
        }
    }

    /// [`Store::durable`] for a synchronous caller (blocks the thread for one flush).
    pub fn durable_blocking(&self) -> Result<(), StoreError> {
        match &self.commit {
            Some(commit) => {
                commit.durable_blocking().map_err(StoreError::Flush)?;
                self.writable()
            }
            None => Ok(()),
        }
    }

    /// `Ok` while the store takes writes.
    pub fn writable(&self) -> Result<(), StoreError> {
        self.health.as_ref().map_or(Ok(()), |h| h.check())
    }

    /// Whether the store takes writes, and if not why (always fine on PostgreSQL, whose
    /// errors reach each request).
    pub fn health(&self) -> HealthReport {
        self.health.as_ref().map_or(
            HealthReport {
                ok: true,
                problem: None,
            },
            |h| h.report(),
        )
    }

    /// Whether the store failed a write but its folder looks fine again: reopening it
    /// should bring it back ([`Health::needs_reopen`]).
    pub fn needs_reopen(&self) -> bool {
        self.health.as_ref().is_some_and(|h| h.needs_reopen())
    }

    /// Whether the store is a PostgreSQL database (shared by several gateways).
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, backend::Backend::Pg(_))
    }
}
impl Store {
    /// Apply `ops` together, as one operation for the export gate, while the store takes
    /// writes.
    pub fn apply(&self, ops: &[backend::Op<'_>]) -> Result<(), StoreError> {
        self.writable()?;
        let _pass = self.meta.pass();
        self.backend.apply(ops)
    }

    /// A new id, above every id this store (and the store it was restored from) handed out.
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.backend.generate_id()? + self.id_base)
    }

    /// Hold every writer between two operations while `f` runs (an export's snapshot).
    pub fn with_writes_held<T>(&self, f: impl FnOnce() -> T) -> T {
        let _held = self
            .gate
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f()
    }
}

/// Advisory lock key of the engine's single writer across gateways.
const WRITER_LOCK: i64 = 0x4857_0000_0000_0002;

/// Meta key: the store handle that last held the engine's writer lock.
const LAST_WRITER: &[u8] = b"engine-writer";

/// Held while this gateway is the ticket engine's one writer (on sled, the only gateway
/// always is). Released when dropped, or when the gateway's database connection ends.
pub struct WriterGuard {
    pg: Option<std::sync::Arc<backend::Pg>>,
    /// Another gateway wrote since this one last held the lock: what this gateway keeps in
    /// memory about tickets (agents' loads) must be read again.
    pub handed_over: bool,
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if let Some(pg) = &self.pg {
            pg.unlock_writer(WRITER_LOCK);
        }
    }
}

/// A claim on one work item (an outbox action, an alert, a file to fetch, a connector's
/// poll): while it is held no other gateway works on the item. Released when dropped, or
/// when the gateway's database connection ends (a gateway killed mid-item).
pub struct Claim {
    pg: Option<(std::sync::Arc<backend::Pg>, i64)>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some((pg, key)) = &self.pg {
            pg.release(*key);
        }
    }
}

/// The kinds of work item a gateway claims.
#[derive(Debug, Clone, Copy)]
pub enum Work<'a> {
    /// An outbox action, by id.
    Action(u64),
    /// An alert, by id.
    Alert(u64),
    /// An evidence file to fetch, by id.
    File(u64),
    /// A connector's poll, by plugin id.
    Poll(&'a str),
    /// An order lookup, by the order's key (`<marketplace>\0<shop>\0<order id>`).
    Lookup(&'a [u8]),
    /// Reporting an order's stalled parcel, by the order's key.
    Stall(&'a [u8]),
}

/// FNV-1a: the same on every gateway, whatever Rust built it (std's hasher promises no
/// stable output across versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Work<'_> {
    fn key(&self) -> i64 {
        let (kind, id) = match self {
            Work::Action(id) => (1u64, *id),
            Work::Alert(id) => (2, *id),
            Work::File(id) => (3, *id),
            Work::Poll(plugin) => (4, fnv1a(plugin.as_bytes())),
            Work::Lookup(order) => (5, fnv1a(order)),
            Work::Stall(order) => (6, fnv1a(order)),
        };
        // The kind in the top byte keeps kinds apart; ids are far below 2^56.
        ((kind << 56) | (id & ((1 << 56) - 1))) as i64
    }
}

impl Store {
    /// Become the ticket engine's one writer across every gateway on this store, waiting
    /// for another gateway to let go if it holds the lock.
    pub async fn writer_lock(&self) -> Result<WriterGuard, StoreError> {
        let backend::Backend::Pg(pg) = &self.backend else {
            return Ok(WriterGuard {
                pg: None,
                handed_over: false,
            });
        };
        pg.lock_writer(WRITER_LOCK).await?;
        let mut guard = WriterGuard {
            pg: Some(pg.clone()),
            handed_over: false,
        };
        let last = self.meta.get(LAST_WRITER)?;
        if last.as_deref() != Some(self.writer_id.as_bytes()) {
            self.meta.insert(LAST_WRITER, self.writer_id.as_bytes())?;
            guard.handed_over = last.is_some();
        }
        Ok(guard)
    }

    /// Claim `work` for this gateway; `None` when another gateway holds it.
    pub fn claim(&self, work: Work<'_>) -> Result<Option<Claim>, StoreError> {
        let backend::Backend::Pg(pg) = &self.backend else {
            return Ok(Some(Claim { pg: None }));
        };
        let key = work.key();
        Ok(pg.try_claim(key)?.then(|| Claim {
            pg: Some((pg.clone(), key)),
        }))
    }

    /// Send `event` to the live stream of every gateway on this store (`None`: this store
    /// is not shared; the caller sends it to its own stream).
    pub fn publish_live(&self, event: String) -> Option<()> {
        let backend::Backend::Pg(pg) = &self.backend else {
            return None;
        };
        pg.notify(event);
        Some(())
    }

    /// On a shared store, forward what any gateway publishes with [`Store::publish_live`]
    /// to `sink` (from a thread of its own) until `sink` returns false; `sink` also gets
    /// `None` every few quiet seconds.
    pub fn listen_live(&self, sink: impl FnMut(Option<String>) -> bool + Send + 'static) {
        if let backend::Backend::Pg(pg) = &self.backend {
            pg.listen(sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[tokio::test]
    async fn a_key_made_on_first_use_is_the_same_after_a_reopen() {
        let place = both::Place::Sled(tempfile::tempdir().unwrap());
        let key = place.open().secret_key("upload_link_key").unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(place.open().secret_key("upload_link_key").unwrap(), key);
    }
}
