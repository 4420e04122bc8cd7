//! Group commit: many writers, one flush.
//!
//! A writer inserts its records, then waits for the next flush that starts after its
//! insert. One thread runs flushes back to back, each covering every writer that asked
//! before it started, so a burst of concurrent deliveries shares a single fsync. (Awaiting
//! sled's own `flush_async` per request serialises them instead, and collapses under
//! concurrency.)

use std::sync::{Arc, mpsc};
use std::thread;

use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Handle to the flusher thread. Dropping the last handle stops the thread and waits for
/// it, so the database is closed when the store is (a reopen right after works).
#[derive(Clone)]
pub struct GroupCommit {
    inner: Arc<Inner>,
}

struct Inner {
    requests: Option<mpsc::Sender<Waiter>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl GroupCommit {
    /// Start the flusher for `db`.
    pub fn start(db: sled::Db) -> GroupCommit {
        let (requests, inbox) = mpsc::channel::<Waiter>();
        let thread = thread::Builder::new()
            .name("helloword-flush".into())
            .spawn(move || {
                while let Ok(first) = inbox.recv() {
                    let mut batch = vec![first];
                    batch.extend(inbox.try_iter());
                    let result = db.flush().map(|_| ()).map_err(|e| e.to_string());
                    for waiter in batch {
                        let _ = waiter.send(result.clone());
                    }
                }
            })
            .expect("spawning the flush thread");
        GroupCommit {
            inner: Arc::new(Inner {
                requests: Some(requests),
                thread: Some(thread),
            }),
        }
    }

    /// Resolve once everything written before this call is on disk.
    pub async fn durable(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .requests
            .as_ref()
            .ok_or_else(|| "the flush thread has stopped".to_string())?
            .send(tx)
            .map_err(|_| "the flush thread has stopped".to_string())?;
        rx.await
            .map_err(|_| "the flush thread has stopped".to_string())?
    }
}
