//! Where the store's trees live: sled in a local folder (the embedded default), or one
//! PostgreSQL database shared by several gateways.
//!
//! The store above this module is a set of ordered key-value trees (see the table in the
//! crate's `lib.rs`). Both backends keep exactly that shape, so nothing above the boundary —
//! the ticket engine, the dispatchers, the API — knows which one it runs on:
//!
//! - **sled** (`sled_kv.rs`): one sled tree per tree.
//! - **PostgreSQL** (`postgres_kv.rs`): one table, `hw_kv (tree text, key bytea, value
//!   bytea)`, primary key `(tree, key)`. `bytea` compares byte by byte, exactly as sled
//!   orders its keys, so range and prefix scans return the same entries in the same order.
//!   Ids come from the sequence `hw_ids`. Schema changes are the numbered files in
//!   `crates/store/migrations/postgres/`, applied once each at start under an advisory lock
//!   (several gateways may start at once).
//!
//! Writes that must land together ([`Backend::apply`]) are one sled transaction or one SQL
//! transaction. PostgreSQL commits are durable when they return (`synchronous_commit` on),
//! so the sled group flush has no counterpart there.
//!
//! Connections are made by [`Target`] (`postgres_tls.rs`): TLS with libpq's `sslmode`
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
use std::sync::{Arc, mpsc};

use sled::IVec;

mod postgres_kv;
mod sled_kv;

use postgres_kv::{APPLY, APPLY_IF_ABSENT, NEXT_ID, PUT, pg_rows};
pub use postgres_kv::{Pg, PgScan, pg_error};
use sled_kv::{apply_sled, transact_sled};

use super::StoreError;

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
            Backend::Sled(db) => {
                // sled lists its trees in the order of its own table; sorted, as PostgreSQL
                // answers.
                let mut names: Vec<String> = db
                    .tree_names()
                    .into_iter()
                    .filter(|n| n.as_ref() != b"__sled__default")
                    .map(|n| String::from_utf8_lossy(&n).into_owned())
                    .collect();
                names.sort();
                Ok(names)
            }
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

/// What [`Backend::apply_if_absent`] did.
pub enum Claim {
    /// The key was free: it and the ops are written.
    Written,
    /// The key was taken; nothing was written.
    Taken,
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
