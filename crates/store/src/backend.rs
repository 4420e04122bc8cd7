//! Where the store's trees live: sled in a local folder (the embedded default), or one
//! PostgreSQL database shared by several gateways.
//!
//! The store above this module is a set of ordered key-value trees (see the table in
//! `store/mod.rs`). Both backends keep exactly that shape, so nothing above the boundary —
//! the ticket engine, the dispatchers, the API — knows which one it runs on:
//!
//! - **sled**: one sled tree per tree.
//! - **PostgreSQL**: one table, `hw_kv (tree text, key bytea, value bytea)`, primary key
//!   `(tree, key)`. `bytea` compares byte by byte, exactly as sled orders its keys, so range
//!   and prefix scans return the same entries in the same order. Ids come from the
//!   sequence `hw_ids`. Schema changes are the numbered files in `crates/store/migrations/postgres/`,
//!   applied once each at start under an advisory lock (several gateways may start at once).
//!
//! Writes that must land together ([`Backend::apply`]) are one sled transaction or one SQL
//! transaction. PostgreSQL commits are durable when they return (`synchronous_commit` on),
//! so the sled group flush has no counterpart there.
//!
//! Connections are made by [`Target`] (`store/postgres_tls.rs`): TLS with libpq's `sslmode`
//! and `sslrootcert` from the URL.
//!
//! The `postgres` client is synchronous and must not run inside the tokio runtime, so every
//! statement runs on a small pool of connection threads (`helloword-pg`); a store call
//! hands its work to one and waits for the answer, just as a sled call waits for its page.
//! Locks that outlive a transaction (the engine's single writer, claims on work items) are
//! PostgreSQL session advisory locks, each on a connection of its own: they are released
//! when the gateway lets go of them or when its connection ends — a gateway killed
//! mid-item releases the item for the others.

use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::{Arc, Mutex, mpsc};

use sled::IVec;

use super::StoreError;
use super::postgres_tls::Target;

/// The schema migrations for PostgreSQL, in order. Each runs once, in a transaction.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../migrations/postgres/0001_kv.sql"))];

/// Rows fetched per round trip by a PostgreSQL scan.
const PAGE: i64 = 256;

/// Connections in a gateway's pool (besides its two lock sessions).
const POOL_CONNECTIONS: usize = 8;

/// Advisory lock key under which migrations run.
const MIGRATION_LOCK: i64 = 0x4857_0000_0000_0001;

/// The storage a store runs on.
#[derive(Clone)]
pub enum Backend {
    /// sled in a local folder.
    Sled(sled::Db),
    /// A PostgreSQL database.
    Pg(Arc<Pg>),
}

/// One ordered key-value tree.
#[derive(Clone)]
pub enum Tree {
    /// A sled tree.
    Sled(sled::Tree),
    /// The rows of `hw_kv` whose `tree` column is `name`.
    Pg {
        /// The database.
        pg: Arc<Pg>,
        /// The tree's name.
        name: Arc<str>,
    },
}

/// One write of an atomic batch.
pub enum Op<'a> {
    /// Set `key` in `tree` to the value.
    Put(&'a Tree, Vec<u8>, Vec<u8>),
    /// Remove `key` from `tree`.
    Delete(&'a Tree, Vec<u8>),
}

impl Backend {
    /// The tree called `name`, created when missing.
    pub fn tree(&self, name: &str) -> Result<Tree, StoreError> {
        Ok(match self {
            Backend::Sled(db) => Tree::Sled(db.open_tree(name)?),
            Backend::Pg(pg) => Tree::Pg {
                pg: pg.clone(),
                name: name.into(),
            },
        })
    }

    /// The names of every tree that holds (or held) entries.
    pub fn tree_names(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Backend::Sled(db) => Ok(db
                .tree_names()
                .into_iter()
                .filter(|n| n.as_ref() != b"__sled__default")
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .collect()),
            Backend::Pg(pg) => pg.run(|c| {
                Ok(
                    c.query("SELECT DISTINCT tree FROM hw_kv ORDER BY tree", &[])?
                        .iter()
                        .map(|row| row.get::<_, String>(0))
                        .collect(),
                )
            }),
        }
    }

    /// A new id, unique across every gateway on this store.
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        match self {
            Backend::Sled(db) => Ok(db.generate_id()?),
            Backend::Pg(pg) => pg.call(|c| {
                let id: i64 = c.execute(NEXT_ID, &[])?[0].get(0);
                Ok(id as u64)
            }),
        }
    }

    /// Apply `ops` together: all of them or, on an error, none.
    pub fn apply(&self, ops: &[Op<'_>]) -> Result<(), StoreError> {
        match self {
            Backend::Sled(_) => apply_sled(ops),
            Backend::Pg(pg) => {
                let (puts, deletes) = pg_rows(ops);
                let held = *pg.writer_held.lock().unwrap_or_else(|e| e.into_inner());
                let Some(generation) = held else {
                    return pg.call(move |c| {
                        c.execute(APPLY, &[&puts.0, &puts.1, &puts.2, &deletes.0, &deletes.1])?;
                        Ok(())
                    });
                };
                // While this gateway is the writer, its batches go through the session that
                // holds the lock. If that session was lost (PostgreSQL restarted, the network
                // broke), another gateway may be writing: the batch is refused, and the
                // engine takes the lock again before it retries.
                let written = pg.writer.run_on(move |c| {
                    c.client()?;
                    if c.generation != generation {
                        return Ok(false);
                    }
                    match c.execute(APPLY, &[&puts.0, &puts.1, &puts.2, &deletes.0, &deletes.1]) {
                        Ok(_) => Ok(true),
                        // The session ended under the statement: so did the lock.
                        Err(_) if c.client.as_ref().is_some_and(postgres::Client::is_closed) => {
                            Ok(false)
                        }
                        Err(e) => Err(e),
                    }
                })?;
                if written {
                    Ok(())
                } else {
                    *pg.writer_held.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    Err(StoreError::Postgres(
                        "this gateway lost the engine's writer lock (its database session \
                         ended); the change was not written and will be retried"
                            .into(),
                    ))
                }
            }
        }
    }
}

impl Backend {
    /// A new id, awaited without holding a thread on PostgreSQL.
    pub async fn generate_id_async(&self) -> Result<u64, StoreError> {
        match self {
            Backend::Sled(db) => Ok(db.generate_id()?),
            Backend::Pg(pg) => {
                pg.pool
                    .run_on_async(|c| {
                        let id: i64 = c.execute(NEXT_ID, &[])?[0].get(0);
                        Ok(id as u64)
                    })
                    .await
            }
        }
    }

    /// Atomically: set `key` in `tree` to `value` unless the key is present, and only then
    /// apply `ops` (puts only). Two callers racing on one key: exactly one writes; the other
    /// returns once the winner's write is visible (one sled transaction; on PostgreSQL one
    /// statement, which waits on the winner's uncommitted row).
    pub async fn apply_if_absent(
        &self,
        (tree, key, value): (&Tree, Vec<u8>, Vec<u8>),
        ops: &[Op<'_>],
    ) -> Result<Claim, StoreError> {
        let Backend::Pg(pg) = self else {
            return transact_sled(Some((tree, &key, &value)), ops)
                .map(|taken| taken.map_or(Claim::Written, |_| Claim::Taken));
        };
        let (puts, deletes) = pg_rows(ops);
        if !deletes.0.is_empty() {
            return Err(StoreError::Postgres(
                "apply_if_absent takes puts only".into(),
            ));
        }
        let guard_tree = tree.pg_name().to_string();
        pg.pool
            .run_on_async(move |c| {
                let fresh: i64 = c.execute(
                    APPLY_IF_ABSENT,
                    &[&guard_tree, &key, &value, &puts.0, &puts.1, &puts.2],
                )?[0]
                    .get(0);
                Ok(if fresh == 1 {
                    Claim::Written
                } else {
                    Claim::Taken
                })
            })
            .await
    }
}

impl Backend {
    /// Every entry of every tree, as of one moment: `sink` gets `(Some(tree), _, _)` when a
    /// tree starts, then `(None, key, value)` for each of its entries in key order, and
    /// stops the walk by returning false. On PostgreSQL the walk is one read-only
    /// repeatable-read transaction, so other gateways writing meanwhile do not tear it.
    pub fn snapshot(
        &self,
        mut sink: impl FnMut(Option<&str>, &[u8], &[u8]) -> bool,
    ) -> Result<(), StoreError> {
        match self {
            Backend::Sled(_) => {
                for name in self.tree_names()? {
                    if !sink(Some(&name), &[], &[]) {
                        return Ok(());
                    }
                    for item in self.tree(&name)?.iter() {
                        let (key, value) = item?;
                        if !sink(None, &key, &value) {
                            return Ok(());
                        }
                    }
                }
                Ok(())
            }
            Backend::Pg(pg) => {
                type Entry = Result<(String, Vec<u8>, Vec<u8>), StoreError>;
                let (tx, rx) = mpsc::sync_channel::<Entry>(1024);
                pg.pool.send(Box::new(move |conn| {
                    let walk = (|| {
                        let client = conn.client()?;
                        let mut read = client
                            .build_transaction()
                            .isolation_level(postgres::IsolationLevel::RepeatableRead)
                            .read_only(true)
                            .start()?;
                        let rows = read.query_raw(
                            "SELECT tree, key, value FROM hw_kv ORDER BY tree, key",
                            std::iter::empty::<i32>(),
                        )?;
                        let mut rows = rows;
                        while let Some(row) =
                            postgres::fallible_iterator::FallibleIterator::next(&mut rows)?
                        {
                            if tx.send(Ok((row.get(0), row.get(1), row.get(2)))).is_err() {
                                break;
                            }
                        }
                        Ok::<(), postgres::Error>(())
                    })();
                    if let Err(e) = walk {
                        let _ = tx.send(Err(pg_error(e)));
                    }
                }))?;
                let mut current: Option<String> = None;
                for entry in rx {
                    let (tree, key, value) = entry?;
                    if current.as_deref() != Some(tree.as_str()) {
                        if !sink(Some(&tree), &[], &[]) {
                            return Ok(());
                        }
                        current = Some(tree);
                    }
                    if !sink(None, &key, &value) {
                        return Ok(());
                    }
                }
                Ok(())
            }
        }
    }
}

/// Puts (trees, keys, values) and deletes (trees, keys), each key once: the last op on a
/// key wins, as it would in a transaction.
type Puts = (Vec<String>, Vec<Vec<u8>>, Vec<Vec<u8>>);
type Deletes = (Vec<String>, Vec<Vec<u8>>);

fn pg_rows(ops: &[Op<'_>]) -> (Puts, Deletes) {
    let mut last: std::collections::HashMap<(&str, &[u8]), usize> =
        std::collections::HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        let (Op::Put(tree, key, _) | Op::Delete(tree, key)) = op;
        last.insert((tree.pg_name(), key.as_slice()), i);
    }
    let (mut puts, mut deletes): (Puts, Deletes) = Default::default();
    for (i, op) in ops.iter().enumerate() {
        let (Op::Put(tree, key, _) | Op::Delete(tree, key)) = op;
        if last.get(&(tree.pg_name(), key.as_slice())) != Some(&i) {
            continue;
        }
        match op {
            Op::Put(tree, key, value) => {
                puts.0.push(tree.pg_name().to_string());
                puts.1.push(key.clone());
                puts.2.push(value.clone());
            }
            Op::Delete(tree, key) => {
                deletes.0.push(tree.pg_name().to_string());
                deletes.1.push(key.clone());
            }
        }
    }
    (puts, deletes)
}

const NEXT_ID: &str = "SELECT nextval('hw_ids')";

/// A batch in one statement, so it is atomic and takes one round trip.
const APPLY: &str = "WITH gone AS (\
       DELETE FROM hw_kv d USING unnest($4::text[], $5::bytea[]) AS g(tree, key) \
       WHERE d.tree = g.tree AND d.key = g.key), \
     put AS (\
       INSERT INTO hw_kv (tree, key, value) \
       SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) \
       ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value) \
     SELECT 1";

/// A batch that is written only if its guard key was absent (and is then set).
const APPLY_IF_ABSENT: &str = "WITH fresh AS (\
       INSERT INTO hw_kv (tree, key, value) VALUES ($1, $2, $3) \
       ON CONFLICT (tree, key) DO NOTHING RETURNING 1), \
     put AS (\
       INSERT INTO hw_kv (tree, key, value) \
       SELECT u.tree, u.key, u.value \
       FROM unnest($4::text[], $5::bytea[], $6::bytea[]) AS u(tree, key, value) \
       WHERE EXISTS (SELECT 1 FROM fresh) \
       ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value) \
     SELECT count(*) FROM fresh";

const PUT: &str = "INSERT INTO hw_kv (tree, key, value) VALUES ($1, $2, $3) \
                   ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value";

/// What [`Backend::apply_if_absent`] did.
pub enum Claim {
    /// The key was free: it and the ops are written.
    Written,
    /// The key was taken; nothing was written.
    Taken,
}

fn apply_sled(ops: &[Op<'_>]) -> Result<(), StoreError> {
    transact_sled(None, ops).map(drop)
}

/// One sled transaction: when `guard` (tree, key, value) is given and its key is present,
/// nothing is written and the key's value is returned; otherwise the guard is set and `ops`
/// applied, together.
fn transact_sled(
    guard: Option<(&Tree, &[u8], &[u8])>,
    ops: &[Op<'_>],
) -> Result<Option<sled::IVec>, StoreError> {
    use sled::Transactional as _;
    use sled::transaction::{ConflictableTransactionError, TransactionError};
    fn sled_tree(tree: &Tree) -> Result<&sled::Tree, StoreError> {
        match tree {
            Tree::Sled(tree) => Ok(tree),
            Tree::Pg { .. } => Err(StoreError::Flush(
                "a batch mixes sled and PostgreSQL trees".into(),
            )),
        }
    }
    // The distinct trees the batch touches (the guard's first), and each op's index among them.
    fn position<'t>(trees: &mut Vec<&'t sled::Tree>, tree: &'t sled::Tree) -> usize {
        match trees.iter().position(|t| std::ptr::eq(*t, tree)) {
            Some(at) => at,
            None => {
                trees.push(tree);
                trees.len() - 1
            }
        }
    }
    let mut trees: Vec<&sled::Tree> = Vec::new();
    let guard = match guard {
        Some((tree, key, value)) => Some((position(&mut trees, sled_tree(tree)?), key, value)),
        None => None,
    };
    let mut index = Vec::with_capacity(ops.len());
    for op in ops {
        let (Op::Put(tree, ..) | Op::Delete(tree, _)) = op;
        index.push(position(&mut trees, sled_tree(tree)?));
    }
    if trees.is_empty() {
        return Ok(None);
    }
    let result = trees.as_slice().transaction(|views| {
        if let Some((at, key, value)) = guard {
            if let Some(taken) = views[at].get(key)? {
                return Err(ConflictableTransactionError::Abort(taken));
            }
            views[at].insert(key, value)?;
        }
        for (op, &at) in ops.iter().zip(&index) {
            match op {
                Op::Put(_, key, value) => {
                    views[at].insert(key.as_slice(), value.as_slice())?;
                }
                Op::Delete(_, key) => {
                    views[at].remove(key.as_slice())?;
                }
            }
        }
        Ok::<(), ConflictableTransactionError<sled::IVec>>(())
    });
    match result {
        Ok(()) => Ok(None),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
        Err(TransactionError::Abort(taken)) => Ok(Some(taken)),
    }
}

impl Tree {
    fn pg_name(&self) -> &str {
        match self {
            Tree::Sled(_) => "",
            Tree::Pg { name, .. } => name,
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>, StoreError> {
        match self {
            Tree::Sled(t) => Ok(t.get(key)?),
            Tree::Pg { pg, name } => {
                let (name, key) = (name.to_string(), key.as_ref().to_vec());
                pg.call(move |c| {
                    Ok(c.execute(
                        "SELECT value FROM hw_kv WHERE tree = $1 AND key = $2",
                        &[&name, &key],
                    )?
                    .first()
                    .map(|row| IVec::from(row.get::<_, Vec<u8>>(0))))
                })
            }
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        Ok(self.get(key)?.is_some())
    }

    /// Set `key` to `value`.
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), StoreError> {
        match self {
            Tree::Sled(t) => {
                t.insert(key.as_ref(), value.as_ref())?;
                Ok(())
            }
            Tree::Pg { pg, name } => {
                let (name, key, value) = (
                    name.to_string(),
                    key.as_ref().to_vec(),
                    value.as_ref().to_vec(),
                );
                pg.call(move |c| {
                    c.execute(PUT, &[&name, &key, &value])?;
                    Ok(())
                })
            }
        }
    }

    /// Remove `key`; returns the value it had.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<IVec>, StoreError> {
        match self {
            Tree::Sled(t) => Ok(t.remove(key)?),
            Tree::Pg { pg, name } => {
                let (name, key) = (name.to_string(), key.as_ref().to_vec());
                pg.call(move |c| {
                    Ok(c.execute(
                        "DELETE FROM hw_kv WHERE tree = $1 AND key = $2 RETURNING value",
                        &[&name, &key],
                    )?
                    .first()
                    .map(|row| IVec::from(row.get::<_, Vec<u8>>(0))))
                })
            }
        }
    }

    /// Set `key` to `new` (remove it for `None`) only if it holds `old` (is absent for
    /// `None`); returns whether it did.
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        old: Option<impl AsRef<[u8]>>,
        new: Option<impl AsRef<[u8]>>,
    ) -> Result<bool, StoreError> {
        match self {
            Tree::Sled(t) => Ok(t
                .compare_and_swap(
                    key.as_ref(),
                    old.as_ref().map(|v| v.as_ref()),
                    new.as_ref().map(|v| v.as_ref()),
                )?
                .is_ok()),
            Tree::Pg { pg, name } => {
                let name = name.to_string();
                let key = key.as_ref().to_vec();
                let old = old.map(|v| v.as_ref().to_vec());
                let new = new.map(|v| v.as_ref().to_vec());
                pg.call(move |c| {
                    Ok(match (old, new) {
                        (None, Some(new)) => !c
                            .execute(
                                "INSERT INTO hw_kv (tree, key, value) VALUES ($1, $2, $3) \
                                 ON CONFLICT (tree, key) DO NOTHING RETURNING 1",
                                &[&name, &key, &new],
                            )?
                            .is_empty(),
                        (Some(old), Some(new)) => !c
                            .execute(
                                "UPDATE hw_kv SET value = $4 \
                                 WHERE tree = $1 AND key = $2 AND value = $3 RETURNING 1",
                                &[&name, &key, &old, &new],
                            )?
                            .is_empty(),
                        (Some(old), None) => !c
                            .execute(
                                "DELETE FROM hw_kv \
                                 WHERE tree = $1 AND key = $2 AND value = $3 RETURNING 1",
                                &[&name, &key, &old],
                            )?
                            .is_empty(),
                        (None, None) => c
                            .execute(
                                "SELECT 1 FROM hw_kv WHERE tree = $1 AND key = $2",
                                &[&name, &key],
                            )?
                            .is_empty(),
                    })
                })
            }
        }
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.iter()),
            Tree::Pg { .. } => self.pg_scan(Bound::Unbounded, Bound::Unbounded),
        }
    }

    /// Entries whose keys start with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.scan_prefix(prefix)),
            Tree::Pg { .. } => {
                let prefix = prefix.as_ref().to_vec();
                let end = prefix_end(&prefix);
                self.pg_scan(Bound::Included(prefix), end)
            }
        }
    }

    /// Entries from `start` (inclusive) on, in key order.
    pub fn range_from(&self, start: impl AsRef<[u8]>) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(t.range(start.as_ref().to_vec()..)),
            Tree::Pg { .. } => {
                self.pg_scan(Bound::Included(start.as_ref().to_vec()), Bound::Unbounded)
            }
        }
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Result<Option<(IVec, IVec)>, StoreError> {
        match self {
            Tree::Sled(t) => Ok(t.first()?),
            Tree::Pg { pg, name } => {
                let name = name.to_string();
                pg.call(move |c| {
                    Ok(c.execute(
                        "SELECT key, value FROM hw_kv WHERE tree = $1 ORDER BY key LIMIT 1",
                        &[&name],
                    )?
                    .first()
                    .map(|row| {
                        (
                            IVec::from(row.get::<_, Vec<u8>>(0)),
                            IVec::from(row.get::<_, Vec<u8>>(1)),
                        )
                    }))
                })
            }
        }
    }

    /// The entry with the greatest key.
    pub fn last(&self) -> Result<Option<(IVec, IVec)>, StoreError> {
        self.iter().next_back().transpose()
    }

    /// How many entries the tree holds.
    pub fn len(&self) -> usize {
        match self {
            Tree::Sled(t) => t.len(),
            Tree::Pg { pg, name } => {
                let tree = name.to_string();
                pg.call(move |c| {
                    let n: i64 = c
                        .execute("SELECT count(*) FROM hw_kv WHERE tree = $1", &[&tree])?[0]
                        .get(0);
                    Ok(n as usize)
                })
                // sled's count cannot fail; a count here is for information (metrics, the
                // replay buffer's bound), so a failure is logged and counted as empty.
                .unwrap_or_else(|e| {
                    tracing::warn!(message = "Counting a tree failed.", tree = %name, error = %e);
                    0
                })
            }
        }
    }

    fn pg_scan(&self, lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>) -> Iter {
        let Tree::Pg { pg, name } = self else {
            unreachable!("pg_scan on a sled tree")
        };
        Iter::Pg(PgScan {
            pg: pg.clone(),
            tree: name.to_string(),
            lo,
            hi,
            front: VecDeque::new(),
            back: VecDeque::new(),
            ended: false,
        })
    }
}

/// The first key after every key that starts with `prefix` (unbounded if there is none).
fn prefix_end(prefix: &[u8]) -> Bound<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Bound::Excluded(end);
        }
    }
    Bound::Unbounded
}

/// Entries of a tree in key order, from either end.
pub enum Iter {
    /// A sled iterator.
    Sled(sled::Iter),
    /// A PostgreSQL scan, fetched a page at a time.
    Pg(PgScan),
}

impl Iter {
    /// Only the keys.
    pub fn keys(self) -> impl DoubleEndedIterator<Item = Result<IVec, StoreError>> {
        self.map(|item| item.map(|(k, _)| k))
    }

    /// Only the values.
    pub fn values(self) -> impl DoubleEndedIterator<Item = Result<IVec, StoreError>> {
        self.map(|item| item.map(|(_, v)| v))
    }
}

impl Iterator for Iter {
    type Item = Result<(IVec, IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(it) => it.next().map(|r| r.map_err(StoreError::from)),
            Iter::Pg(scan) => scan.next_from(false),
        }
    }
}

impl DoubleEndedIterator for Iter {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(it) => it.next_back().map(|r| r.map_err(StoreError::from)),
            Iter::Pg(scan) => scan.next_from(true),
        }
    }
}

/// A key range of one tree, read a page at a time from either end. `lo` and `hi` close in
/// as pages are fetched, so the two ends never fetch the same entry.
pub struct PgScan {
    pg: Arc<Pg>,
    tree: String,
    lo: Bound<Vec<u8>>,
    hi: Bound<Vec<u8>>,
    /// Fetched from the low end, ascending.
    front: VecDeque<(IVec, IVec)>,
    /// Fetched from the high end, descending.
    back: VecDeque<(IVec, IVec)>,
    /// Nothing is left between `lo` and `hi`.
    ended: bool,
}

impl PgScan {
    fn next_from(&mut self, back: bool) -> Option<Result<(IVec, IVec), StoreError>> {
        let buffered = if back {
            self.back
                .pop_front()
                .or_else(|| self.ended.then(|| self.front.pop_back()).flatten())
        } else {
            self.front
                .pop_front()
                .or_else(|| self.ended.then(|| self.back.pop_back()).flatten())
        };
        if buffered.is_some() || self.ended {
            return buffered.map(Ok);
        }
        if let Err(e) = self.fetch(back) {
            self.ended = true;
            return Some(Err(e));
        }
        self.next_from(back)
    }

    fn fetch(&mut self, back: bool) -> Result<(), StoreError> {
        let mut sql = String::from("SELECT key, value FROM hw_kv WHERE tree = $1");
        let mut params: Vec<Vec<u8>> = Vec::new();
        for (bound, below) in [(&self.lo, false), (&self.hi, true)] {
            let (op, key) = match (bound, below) {
                (Bound::Included(k), false) => (">=", k),
                (Bound::Excluded(k), false) => (">", k),
                (Bound::Included(k), true) => ("<=", k),
                (Bound::Excluded(k), true) => ("<", k),
                (Bound::Unbounded, _) => continue,
            };
            params.push(key.clone());
            sql.push_str(&format!(" AND key {op} ${}", params.len() + 1));
        }
        sql.push_str(if back {
            " ORDER BY key DESC LIMIT "
        } else {
            " ORDER BY key LIMIT "
        });
        sql.push_str(&PAGE.to_string());
        let tree = self.tree.clone();
        let rows: Vec<(Vec<u8>, Vec<u8>)> = self.pg.call(move |c| {
            let mut args: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&tree];
            for p in &params {
                args.push(p);
            }
            Ok(c.execute(sql.as_str(), &args)?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect())
        })?;
        if (rows.len() as i64) < PAGE {
            self.ended = true;
        }
        if let Some((last, _)) = rows.last() {
            if back {
                self.hi = Bound::Excluded(last.clone());
            } else {
                self.lo = Bound::Excluded(last.clone());
            }
        }
        let target = if back {
            &mut self.back
        } else {
            &mut self.front
        };
        target.extend(
            rows.into_iter()
                .map(|(k, v)| (IVec::from(k), IVec::from(v))),
        );
        Ok(())
    }
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A connection made on first use and made again after it broke, with the statements it
/// prepared (a prepared statement runs in one round trip).
pub struct Connection {
    target: Arc<Target>,
    client: Option<postgres::Client>,
    statements: std::collections::HashMap<String, postgres::Statement>,
    /// Counts connections made: a session's locks belong to one generation.
    generation: u64,
}

impl Connection {
    fn new(target: &Arc<Target>) -> Connection {
        Connection {
            target: target.clone(),
            client: None,
            statements: std::collections::HashMap::new(),
            generation: 0,
        }
    }

    fn client(&mut self) -> Result<&mut postgres::Client, postgres::Error> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.statements.clear();
            self.client = Some(self.target.connect()?);
            self.generation += 1;
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    /// `sql`, prepared once per connection.
    fn prepared(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        self.client()?;
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client()?.prepare(sql)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Run the statement `sql` with `params`, retrying a deadlock or serialization failure
    /// (gateways writing the same keys in another order).
    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        let mut attempt = 0;
        loop {
            match self.client()?.query(&statement, params) {
                Err(e) if retryable(&e) && attempt < 8 => attempt += 1,
                other => return other,
            }
        }
    }
}

/// Threads that each hold one connection and run the jobs handed to them.
struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    fn start(target: &Arc<Target>, threads: usize, name: &str) -> Result<Workers, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..threads {
            let queue = queue.clone();
            let mut connection = Connection::new(target);
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    loop {
                        let job = {
                            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
                            queue.recv()
                        };
                        match job {
                            Ok(job) => job(&mut connection),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| StoreError::Flush(format!("cannot start a database thread: {e}")))?;
        }
        Ok(Workers { jobs })
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Postgres("the database threads have stopped".into()))
    }

    /// Run `f` on a connection and wait for its answer.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run_on(move |conn| conn.client().and_then(f))
    }

    /// Run `f` on a connection (with its prepared statements) and wait for its answer. On a
    /// tokio worker the wait is announced to the runtime (`block_in_place`), which moves
    /// the worker's other tasks elsewhere meanwhile: a round trip to the database must not
    /// stall every request queued behind it.
    fn run_on<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Box::new(move |conn| {
            let _ = tx.send(f(conn));
        }))?;
        let on_worker = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let answer = if on_worker {
            tokio::task::block_in_place(|| rx.recv())
        } else {
            rx.recv()
        };
        answer
            .map_err(|_| StoreError::Postgres("a database thread stopped mid-call".into()))?
            .map_err(pg_error)
    }

    /// [`Workers::run_on`], awaited without holding a thread.
    async fn run_on_async<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Box::new(move |conn| {
            let _ = tx.send(f(conn));
        }))?;
        rx.await
            .map_err(|_| StoreError::Postgres("a database thread stopped mid-call".into()))?
            .map_err(pg_error)
    }
}

pub(super) fn pg_error(e: postgres::Error) -> StoreError {
    StoreError::Postgres(match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        // The client's own text is only the kind ("error performing TLS handshake"); why is
        // in its sources.
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    })
}

/// Is `e` a conflict a retry resolves (a deadlock between gateways, a serialization
/// failure)?
fn retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

/// A PostgreSQL database: a pool of connections, and two sessions for locks.
pub struct Pg {
    pool: Workers,
    /// Holds the engine's single-writer lock, and writes the engine's batches while it is
    /// held: a batch is written only on the connection that still holds the lock.
    writer: Workers,
    /// The writer session's connection generation when the lock was taken; `None` while
    /// this gateway does not hold it.
    writer_held: Mutex<Option<u64>>,
    /// Holds claims on work items.
    claims: Workers,
    /// Where the database is: the live-event listener opens a connection of its own.
    target: Arc<Target>,
}

/// The `LISTEN` channel on which live events (alerts for the dashboard) cross gateways.
pub const LIVE_CHANNEL: &str = "helloword_live";

impl Pg {
    /// Connect to `url` and bring its schema up to date.
    pub fn open(url: &str) -> Result<Arc<Pg>, StoreError> {
        let target = Arc::new(Target::parse(url).map_err(StoreError::Postgres)?);
        let pg = Pg {
            pool: Workers::start(&target, POOL_CONNECTIONS, "helloword-pg")?,
            writer: Workers::start(&target, 1, "helloword-pg-writer")?,
            writer_held: Mutex::new(None),
            claims: Workers::start(&target, 1, "helloword-pg-claims")?,
            target,
        };
        pg.migrate()?;
        Ok(Arc::new(pg))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        self.run(|c| {
            c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
            let result = (|| {
                c.batch_execute(
                    "CREATE TABLE IF NOT EXISTS hw_migrations (\
                       version integer PRIMARY KEY, \
                       applied_at timestamptz NOT NULL DEFAULT now())",
                )?;
                for (version, sql) in MIGRATIONS {
                    let done = c
                        .query_opt("SELECT 1 FROM hw_migrations WHERE version = $1", &[version])?
                        .is_some();
                    if done {
                        continue;
                    }
                    let mut tx = c.transaction()?;
                    tx.batch_execute(sql)?;
                    tx.execute(
                        "INSERT INTO hw_migrations (version) VALUES ($1)",
                        &[version],
                    )?;
                    tx.commit()?;
                }
                Ok(())
            })();
            c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
            result
        })
    }

    /// Run `f` on a pooled connection and wait for its answer.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.pool.run(f)
    }

    /// Run `f` on a pooled connection with its prepared statements.
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.pool.run_on(f)
    }

    /// Wait until this gateway holds the engine's single-writer lock.
    pub async fn lock_writer(&self, key: i64) -> Result<(), StoreError> {
        let generation = self
            .writer
            .run_on_async(move |conn| {
                conn.client()?
                    .execute("SELECT pg_advisory_lock($1)", &[&key])?;
                Ok(conn.generation)
            })
            .await?;
        *self.writer_held.lock().unwrap_or_else(|e| e.into_inner()) = Some(generation);
        Ok(())
    }

    /// Let go of the engine's single-writer lock.
    pub fn unlock_writer(&self, key: i64) {
        *self.writer_held.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let _ = self.writer.send(Box::new(move |conn| {
            if let Ok(c) = conn.client() {
                let _ = c.execute("SELECT pg_advisory_unlock($1)", &[&key]);
            }
        }));
    }

    /// Take the claim `key` unless another gateway holds it.
    pub fn try_claim(&self, key: i64) -> Result<bool, StoreError> {
        self.claims.run(move |c| {
            Ok(c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?
                .get::<_, bool>(0))
        })
    }

    /// Let go of the claim `key`.
    pub fn release(&self, key: i64) {
        let _ = self.claims.send(Box::new(move |conn| {
            if let Ok(c) = conn.client() {
                let _ = c.execute("SELECT pg_advisory_unlock($1)", &[&key]);
            }
        }));
    }

    /// Publish `payload` to every gateway's live stream.
    pub fn notify(&self, payload: String) {
        let _ = self.pool.send(Box::new(move |conn| {
            if let Ok(c) = conn.client() {
                let _ = c.execute("SELECT pg_notify($1, $2)", &[&LIVE_CHANNEL, &payload]);
            }
        }));
    }

    /// Forward every notification on [`LIVE_CHANNEL`] to `sink` until it returns false,
    /// reconnecting when the connection breaks.
    /// `sink` also gets `None` every few quiet seconds, so it can end the thread.
    pub fn listen(&self, mut sink: impl FnMut(Option<String>) -> bool + Send + 'static) {
        let target = self.target.clone();
        let _ = std::thread::Builder::new()
            .name("helloword-pg-listen".into())
            .spawn(move || {
                loop {
                    let mut connection = Connection::new(&target);
                    if let Ok(c) = connection.client()
                        && c.batch_execute(&format!("LISTEN {LIVE_CHANNEL}")).is_ok()
                    {
                        let mut notifications = c.notifications();
                        let mut waiting =
                            notifications.timeout_iter(std::time::Duration::from_secs(5));
                        loop {
                            match postgres::fallible_iterator::FallibleIterator::next(&mut waiting)
                            {
                                Ok(Some(n)) => {
                                    if !sink(Some(n.payload().to_string())) {
                                        return;
                                    }
                                }
                                // A quiet spell: check the stream still has readers.
                                Ok(None) => {
                                    if !sink(None) {
                                        return;
                                    }
                                }
                                Err(_) => break,
                            }
                        }
                    }
                    if !sink(None) {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_before_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), Bound::Excluded(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Bound::Excluded(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), Bound::Unbounded);
        assert_eq!(prefix_end(b""), Bound::Unbounded);
    }
}
