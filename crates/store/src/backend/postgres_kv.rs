//! The PostgreSQL backend: the schema and its migrations, batches as single statements,
//! paged scans, and the pool of connection threads every statement runs on (the `postgres`
//! client is synchronous), with session advisory locks for claims and the single writer.

use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::{Arc, Mutex, mpsc};

use sled::IVec;

use super::Op;
use crate::StoreError;
use crate::postgres_tls::Target;

/// The schema migrations for PostgreSQL, in order. Each runs once, in a transaction.
pub(super) const MIGRATIONS: &[(i32, &str)] =
    &[(1, include_str!("../../migrations/postgres/0001_kv.sql"))];

/// Rows fetched per round trip by a PostgreSQL scan.
pub(super) const PAGE: i64 = 256;

/// Connections in a gateway's pool (besides its two lock sessions).
pub(super) const POOL_CONNECTIONS: usize = 8;

/// Advisory lock key under which migrations run.
pub(super) const MIGRATION_LOCK: i64 = 0x4857_0000_0000_0001;

/// Puts (trees, keys, values) and deletes (trees, keys), each key once: the last op on a
/// key wins, as it would in a transaction.
pub(super) type Puts = (Vec<String>, Vec<Vec<u8>>, Vec<Vec<u8>>);
pub(super) type Deletes = (Vec<String>, Vec<Vec<u8>>);

pub(super) fn pg_rows(ops: &[Op<'_>]) -> (Puts, Deletes) {
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

pub(super) const NEXT_ID: &str = "SELECT nextval('hw_ids')";

/// A batch in one statement, so it is atomic and takes one round trip.
pub(super) const APPLY: &str = "WITH gone AS (\
       DELETE FROM hw_kv d USING unnest($4::text[], $5::bytea[]) AS g(tree, key) \
       WHERE d.tree = g.tree AND d.key = g.key), \
     put AS (\
       INSERT INTO hw_kv (tree, key, value) \
       SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) \
       ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value) \
     SELECT 1";

/// A batch that is written only if its guard key was absent (and is then set).
pub(super) const APPLY_IF_ABSENT: &str = "WITH fresh AS (\
       INSERT INTO hw_kv (tree, key, value) VALUES ($1, $2, $3) \
       ON CONFLICT (tree, key) DO NOTHING RETURNING 1), \
     put AS (\
       INSERT INTO hw_kv (tree, key, value) \
       SELECT u.tree, u.key, u.value \
       FROM unnest($4::text[], $5::bytea[], $6::bytea[]) AS u(tree, key, value) \
       WHERE EXISTS (SELECT 1 FROM fresh) \
       ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value) \
     SELECT count(*) FROM fresh";

pub(super) const PUT: &str = "INSERT INTO hw_kv (tree, key, value) VALUES ($1, $2, $3) \
                   ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value";

/// A key range of one tree, read a page at a time from either end. `lo` and `hi` close in
/// as pages are fetched, so the two ends never fetch the same entry.
pub struct PgScan {
    pub(super) pg: Arc<Pg>,
    pub(super) tree: String,
    pub(super) lo: Bound<Vec<u8>>,
    pub(super) hi: Bound<Vec<u8>>,
    /// Fetched from the low end, ascending.
    pub(super) front: VecDeque<(IVec, IVec)>,
    /// Fetched from the high end, descending.
    pub(super) back: VecDeque<(IVec, IVec)>,
    /// Nothing is left between `lo` and `hi`.
    pub(super) ended: bool,
}

impl PgScan {
    pub(super) fn next_from(&mut self, back: bool) -> Option<Result<(IVec, IVec), StoreError>> {
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

    pub(super) fn fetch(&mut self, back: bool) -> Result<(), StoreError> {
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

pub(super) type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A connection made on first use and made again after it broke, with the statements it
/// prepared (a prepared statement runs in one round trip).
pub struct Connection {
    pub(super) target: Arc<Target>,
    pub(super) client: Option<postgres::Client>,
    pub(super) statements: std::collections::HashMap<String, postgres::Statement>,
    /// Counts connections made: a session's locks belong to one generation.
    pub(super) generation: u64,
}

impl Connection {
    pub(super) fn new(target: &Arc<Target>) -> Connection {
        Connection {
            target: target.clone(),
            client: None,
            statements: std::collections::HashMap::new(),
            generation: 0,
        }
    }

    pub(super) fn client(&mut self) -> Result<&mut postgres::Client, postgres::Error> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.statements.clear();
            self.client = Some(self.target.connect()?);
            self.generation += 1;
        }
        Ok(self.client.as_mut().expect("connected above"))
    }

    /// `sql`, prepared once per connection.
    pub(super) fn prepared(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
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
    pub(super) fn execute(
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
pub(super) struct Workers {
    pub(super) jobs: mpsc::Sender<Job>,
}

impl Workers {
    pub(super) fn start(
        target: &Arc<Target>,
        threads: usize,
        name: &str,
    ) -> Result<Workers, StoreError> {
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

    pub(super) fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Postgres("the database threads have stopped".into()))
    }

    /// Run `f` on a connection and wait for its answer.
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run_on(move |conn| conn.client().and_then(f))
    }

    /// Run `f` on a connection (with its prepared statements) and wait for its answer. On a
    /// tokio worker the wait is announced to the runtime (`block_in_place`), which moves
    /// the worker's other tasks elsewhere meanwhile: a round trip to the database must not
    /// stall every request queued behind it.
    pub(super) fn run_on<T: Send + 'static>(
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
    pub(super) async fn run_on_async<T: Send + 'static>(
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

pub fn pg_error(e: postgres::Error) -> StoreError {
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
pub(super) fn retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

/// A PostgreSQL database: a pool of connections, and two sessions for locks.
pub struct Pg {
    pub(super) pool: Workers,
    /// Holds the engine's single-writer lock, and writes the engine's batches while it is
    /// held: a batch is written only on the connection that still holds the lock.
    pub(super) writer: Workers,
    /// The writer session's connection generation when the lock was taken; `None` while
    /// this gateway does not hold it.
    pub(super) writer_held: Mutex<Option<u64>>,
    /// Holds claims on work items.
    pub(super) claims: Workers,
    /// Where the database is: the live-event listener opens a connection of its own.
    pub(super) target: Arc<Target>,
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

    pub(super) fn migrate(&self) -> Result<(), StoreError> {
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
