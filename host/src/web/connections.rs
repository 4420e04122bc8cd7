//! Open connections: a cap that keeps file descriptors in reserve, and who makes room.
//!
//! Every accepted connection is admitted into a [`Table`]. When the table is full, the new
//! connection is still accepted — the reserve below the open-file limit is there for it —
//! and the oldest connection that is not working on a request is closed to make room: first
//! one waiting for a request (idle, or sending its headers), then one still sending a body.
//! A connection whose request is being answered is never closed. So a crowd of idle or
//! trickling connections, however large, cannot stop the gateway from accepting the next
//! client, and the process never runs out of descriptors for its store, plugins and
//! outbound calls (it used to: 1,074 idle connections under a 1,024-file limit stopped it
//! answering anything).
//!
//! [`raise_file_limit`] lifts the soft open-file limit to the hard one when serving starts;
//! [`default_cap`] takes the cap from what that leaves.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Descriptors kept for everything but client connections (the store, plugin files,
/// outbound HTTP, SMTP, PostgreSQL), at least.
const RESERVE: u64 = 128;
/// No more connections than this by default, whatever the file limit: each costs memory.
const MOST: u64 = 16_384;

/// The soft open-file limit after raising it to the hard limit (when it was lower); `None`
/// where it cannot be read.
pub fn raise_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            tracing::info!(
                message = "Raised the open-file limit to the hard limit.",
                from = limit.rlim_cur,
                to = limit.rlim_max
            );
            limit.rlim_cur = limit.rlim_max;
        } else {
            tracing::warn!(
                message = "Could not raise the open-file limit.",
                limit = limit.rlim_cur,
                error = %std::io::Error::last_os_error()
            );
        }
    }
    Some(limit.rlim_cur)
}

/// The connection cap for an open-file limit of `file_limit`: a quarter of the
/// descriptors (at least [`RESERVE`]) stay for the rest of the gateway, and at most
/// 16,384 connections.
pub fn default_cap(file_limit: Option<u64>) -> usize {
    let Some(limit) = file_limit else {
        return 1024;
    };
    let reserve = RESERVE.max(limit / 4);
    usize::try_from(limit.saturating_sub(reserve).clamp(16, MOST)).unwrap_or(1024)
}

/// What a connection is doing, as far as making room goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Between requests, or still sending a request's headers (or its TLS handshake).
    Waiting = 0,
    /// Sending a request body.
    Receiving = 1,
    /// Its request is being answered.
    Working = 2,
}

/// One admitted connection, shared by its task and the table.
#[derive(Debug)]
pub struct Connection {
    phase: AtomicU8,
    closing: tokio::sync::Notify,
}

impl Connection {
    /// Mark what the connection is doing.
    pub fn set(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Relaxed)
    }

    /// Resolves once the table closed this connection to make room.
    pub async fn closed(&self) {
        self.closing.notified().await;
    }
}

/// The open connections, oldest first.
#[derive(Debug)]
pub struct Table {
    cap: usize,
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<Connection>>>,
}

/// A connection's place in the table, given up when dropped.
#[derive(Debug)]
pub struct Admitted {
    table: Arc<Table>,
    id: u64,
    /// The connection.
    pub connection: Arc<Connection>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.table.lock().remove(&self.id);
    }
}

/// How a connection was admitted.
#[derive(Debug)]
pub enum Admission {
    /// There was room.
    Admitted(Admitted),
    /// An older connection was closed to make room.
    MadeRoom(Admitted, Phase),
    /// Every connection is working on a request: the new one is refused.
    Full,
}

impl Table {
    /// A table for at most `cap` connections.
    pub fn new(cap: usize) -> Arc<Table> {
        Arc::new(Table {
            cap: cap.max(1),
            next: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
        })
    }

    /// The cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Connections open now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Admit a new connection, closing the oldest waiting (else the oldest receiving)
    /// connection when the table is full.
    pub fn admit(self: &Arc<Self>) -> Admission {
        let mut open = self.lock();
        let mut made_room = None;
        if open.len() >= self.cap {
            let victim = [Phase::Waiting, Phase::Receiving]
                .into_iter()
                .find_map(|phase| {
                    open.iter()
                        .find(|(_, c)| c.phase() == phase as u8)
                        .map(|(id, _)| (*id, phase))
                });
            let Some((id, phase)) = victim else {
                return Admission::Full;
            };
            if let Some(closed) = open.remove(&id) {
                closed.closing.notify_one();
            }
            made_room = Some(phase);
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            phase: AtomicU8::new(Phase::Waiting as u8),
            closing: tokio::sync::Notify::new(),
        });
        open.insert(id, connection.clone());
        let admitted = Admitted {
            table: self.clone(),
            id,
            connection,
        };
        match made_room {
            None => Admission::Admitted(admitted),
            Some(phase) => Admission::MadeRoom(admitted, phase),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(admission: Admission) -> Admitted {
        match admission {
            Admission::Admitted(a) | Admission::MadeRoom(a, _) => a,
            Admission::Full => panic!("refused"),
        }
    }

    #[tokio::test]
    async fn a_full_table_closes_the_oldest_idle_then_the_oldest_receiving_never_the_working() {
        let table = Table::new(3);
        let working = admitted(table.admit());
        working.connection.set(Phase::Working);
        let receiving = admitted(table.admit());
        receiving.connection.set(Phase::Receiving);
        let waiting = admitted(table.admit());
        assert_eq!(table.len(), 3);

        let Admission::MadeRoom(fourth, Phase::Waiting) = table.admit() else {
            panic!("the waiting connection makes room first");
        };
        tokio::time::timeout(
            std::time::Duration::from_secs(1),
            waiting.connection.closed(),
        )
        .await
        .expect("the waiting connection is told to close");
        fourth.connection.set(Phase::Working);
        let Admission::MadeRoom(fifth, Phase::Receiving) = table.admit() else {
            panic!("then the one still sending its body");
        };
        drop(fifth);
        drop(waiting);
        drop(receiving);
        assert_eq!(table.len(), 2, "a dropped connection leaves the table");
        let sixth = admitted(table.admit());
        sixth.connection.set(Phase::Working);
        assert!(
            matches!(table.admit(), Admission::Full),
            "working connections are never closed"
        );
        drop(working);
        assert!(matches!(table.admit(), Admission::Admitted(_)));
    }

    #[test]
    fn the_cap_keeps_a_reserve_below_the_file_limit() {
        assert_eq!(default_cap(Some(1024)), 768);
        assert_eq!(default_cap(Some(256)), 128);
        assert_eq!(default_cap(Some(1 << 20)), 16_384);
        assert_eq!(default_cap(Some(100)), 16);
        assert_eq!(default_cap(None), 1024);
    }
}
