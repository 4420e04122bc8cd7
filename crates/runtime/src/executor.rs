//! Threads of their own for the webhook calls into connectors.
//!
//! Each webhook makes one call into a fresh instance of its connector. Made on the tokio
//! workers, between hyper's, sled's and the engine's work, such a call runs cold: about
//! 100 µs of wall time against 37 µs for the same call made back to back (BENCHMARKS.md,
//! ingest). On threads that do nothing else, the calls run back to back and keep the
//! runtime's and the component's memory in the caches. Ingest on two cores went from
//! 11.5–12.9 k/s to 14.2–15.2 k/s, with 20–30 µs less CPU per delivery.
//!
//! Each thread runs a single-threaded tokio runtime, so a call that waits (on a host import,
//! or yielding at an epoch tick) lets the next one run. Jobs are dealt out in turn.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};

/// A job: makes its future on the thread that runs it.
type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// The plugin-call threads.
pub struct Executor {
    threads: Vec<mpsc::UnboundedSender<Job>>,
    next: AtomicUsize,
}

/// Why a call did not come back: its thread stopped (it cannot start, or panicked).
#[derive(Debug, thiserror::Error)]
#[error("the plugin-call thread stopped before the call finished")]
pub struct Stopped;

impl Executor {
    /// Start `threads` threads (at least one), named `helloword-wasm`. A thread that cannot
    /// start is left out; with none, calls run where they are made.
    pub fn start(threads: usize) -> Executor {
        let mut senders = Vec::new();
        for _ in 0..threads.max(1) {
            let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
            let started = std::thread::Builder::new()
                .name("helloword-wasm".into())
                .spawn(move || {
                    let runtime = match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(runtime) => runtime,
                        Err(e) => {
                            tracing::error!(
                                message = "A plugin-call thread could not start its runtime.",
                                error = %e
                            );
                            return;
                        }
                    };
                    runtime.block_on(async move {
                        while let Some(job) = rx.recv().await {
                            tokio::spawn(job());
                        }
                    });
                });
            match started {
                Ok(_) => senders.push(tx),
                Err(e) => tracing::error!(
                    message = "A plugin-call thread could not start.",
                    error = %e
                ),
            }
        }
        Executor {
            threads: senders,
            next: AtomicUsize::new(0),
        }
    }

    /// One thread per core. Measured on two cores, two threads did as well as one or a
    /// little better (14.6–15.2 k/s against 13.3–14.3 k/s).
    pub fn for_this_machine() -> Executor {
        Executor::start(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// Run the future `make` returns on one of the threads, and wait for its output. With
    /// no thread to take it, it runs here.
    pub async fn run<T, F, Fut>(&self, make: F) -> Result<T, Stopped>
    where
        T: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = reply.send(make().await);
            })
        });
        if self.threads.is_empty() {
            job().await;
            return answer.await.map_err(|_| Stopped);
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.threads.len();
        if let Err(mpsc::error::SendError(job)) = self.threads[turn].send(job) {
            // That thread has stopped: run the call here rather than lose it.
            job().await;
        }
        answer.await.map_err(|_| Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_run_on_the_plugin_threads_in_turn_and_their_outputs_come_back() {
        let executor = Executor::start(2);
        let here = std::thread::current().id();
        let mut threads = std::collections::HashSet::new();
        for i in 0..4u32 {
            let (name, id, doubled) = executor
                .run(move || async move {
                    tokio::task::yield_now().await;
                    let thread = std::thread::current();
                    (thread.name().map(str::to_string), thread.id(), i * 2)
                })
                .await
                .unwrap();
            assert_eq!(doubled, i * 2);
            assert_eq!(name.as_deref(), Some("helloword-wasm"));
            assert_ne!(id, here);
            threads.insert(id);
        }
        assert_eq!(threads.len(), 2, "the calls took turns");
    }

    #[tokio::test]
    async fn a_call_that_panics_is_reported_and_the_thread_goes_on() {
        let executor = Executor::start(1);
        let failed = executor
            .run(|| async {
                panic!("a broken call");
                #[allow(unreachable_code)]
                ()
            })
            .await;
        assert!(matches!(failed, Err(Stopped)));
        assert_eq!(executor.run(|| async { 7 }).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn waiting_calls_share_a_thread() {
        let executor = std::sync::Arc::new(Executor::start(1));
        let (open, gate) = tokio::sync::oneshot::channel::<()>();
        let waiting = tokio::spawn({
            let executor = executor.clone();
            async move {
                executor
                    .run(move || async move { gate.await.is_ok() })
                    .await
            }
        });
        // The first call waits on its gate; a second call on the same thread still runs.
        assert_eq!(executor.run(|| async { "second" }).await.unwrap(), "second");
        open.send(()).unwrap();
        assert!(waiting.await.unwrap().unwrap());
    }
}
