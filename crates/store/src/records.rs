//! The records a ticket's decisions and deliveries leave beside it: proposals, outbox
//! entries, the audit log, alerts, evidence files, and the gateway's own secret keys. Each
//! is keyed by its ticket and its id (`pair_key`), written in the ticket's commits.

use super::tickets::{corrupt, pair_key};
use super::{Store, StoreError};
use helloword_model::actions::{AuditEntry, OutboxEntry, Proposal};

impl Store {
    /// The proposals of `ticket`, oldest first.
    pub fn proposals(&self, ticket: u64) -> Result<Vec<Proposal>, StoreError> {
        self.proposals
            .scan_prefix(ticket.to_be_bytes())
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| corrupt(format!("proposals of {ticket}"), e))
            })
            .collect()
    }

    /// Proposal `id` of `ticket`.
    pub fn proposal(&self, ticket: u64, id: u64) -> Result<Option<Proposal>, StoreError> {
        self.proposals
            .get(pair_key(ticket, id))?
            .map(|v| serde_json::from_slice(&v).map_err(|e| corrupt(format!("proposals/{id}"), e)))
            .transpose()
    }

    /// The outbox entries of `ticket`, oldest first.
    pub fn actions(&self, ticket: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox
            .scan_prefix(ticket.to_be_bytes())
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| corrupt(format!("outbox of {ticket}"), e))
            })
            .collect()
    }

    /// Outbox entry `id` of `ticket`.
    pub fn action(&self, ticket: u64, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        self.outbox
            .get(pair_key(ticket, id))?
            .map(|v| serde_json::from_slice(&v).map_err(|e| corrupt(format!("outbox/{id}"), e)))
            .transpose()
    }

    /// Every outbox entry.
    pub fn all_actions(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.outbox
            .iter()
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| corrupt("outbox".into(), e))
            })
            .collect()
    }

    /// Every outbox entry the dispatcher still has work on, oldest first.
    pub fn open_actions(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.open.scan_prefix([b'o']) {
            let (key, ticket) = item?;
            let id = &key[1..];
            let (Some(id), Some(ticket)) = (super::decode_seq(id), super::decode_seq(&ticket))
            else {
                continue;
            };
            if let Some(entry) = self.action(ticket, id)? {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Every evidence file still to be fetched, oldest first.
    pub fn pending_files(&self) -> Result<Vec<helloword_model::files::EvidenceFile>, StoreError> {
        let mut out = Vec::new();
        for item in self.open.scan_prefix([b'f']) {
            let (key, ticket) = item?;
            let (Some(id), Some(ticket)) =
                (super::decode_seq(&key[1..]), super::decode_seq(&ticket))
            else {
                continue;
            };
            if let Some(json) = self.files.get(pair_key(ticket, id))? {
                out.push(
                    serde_json::from_slice(&json).map_err(|e| corrupt(format!("files/{id}"), e))?,
                );
            }
        }
        Ok(out)
    }

    /// The audit log, newest first, at most `limit` lines.
    pub fn audit(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit
            .iter()
            .rev()
            .take(limit)
            .map(|item| {
                let (_, v) = item?;
                serde_json::from_slice(&v).map_err(|e| corrupt("audit".into(), e))
            })
            .collect()
    }

    /// Append `entry` to the audit log on its own (a change that is no ticket's), and
    /// return once it is on disk.
    pub async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let json = serde_json::to_vec(entry).map_err(|e| corrupt("audit".into(), e))?;
        self.audit.insert(self.next_id()?.to_be_bytes(), json)?;
        self.durable().await
    }

    /// A fresh id for a proposal or outbox entry.
    pub fn new_record_id(&self) -> Result<u64, StoreError> {
        self.next_id()
    }
}

impl Store {
    /// The alerts of `ticket`, oldest first.
    pub fn alerts(&self, ticket: u64) -> Result<Vec<helloword_model::alerts::Alert>, StoreError> {
        self.alerts
            .scan_prefix(ticket.to_be_bytes())
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| corrupt(format!("alerts of {ticket}"), e))
            })
            .collect()
    }

    /// Alert `id` of `ticket`.
    pub fn alert(
        &self,
        ticket: u64,
        id: u64,
    ) -> Result<Option<helloword_model::alerts::Alert>, StoreError> {
        self.alerts
            .get(pair_key(ticket, id))?
            .map(|v| serde_json::from_slice(&v).map_err(|e| corrupt(format!("alerts/{id}"), e)))
            .transpose()
    }

    /// Alerts still to deliver.
    pub fn open_alerts(&self) -> Result<Vec<helloword_model::alerts::Alert>, StoreError> {
        let mut out = Vec::new();
        for item in self.open.scan_prefix([b'a']) {
            let (key, ticket) = item?;
            let id = &key[1..];
            let (Some(id), Some(ticket)) = (super::decode_seq(id), super::decode_seq(&ticket))
            else {
                continue;
            };
            if let Some(v) = self.alerts.get(pair_key(ticket, id))? {
                out.push(
                    serde_json::from_slice(&v).map_err(|e| corrupt(format!("alerts/{id}"), e))?,
                );
            }
        }
        Ok(out)
    }

    /// Every alert delivered since `since` (for rate limits and the SMS budget).
    pub fn alerts_since(
        &self,
        since: jiff::Timestamp,
    ) -> Result<Vec<helloword_model::alerts::Alert>, StoreError> {
        let mut out = Vec::new();
        for v in self.alerts.iter().values() {
            let alert: helloword_model::alerts::Alert =
                serde_json::from_slice(&v?).map_err(|e| corrupt("alerts".into(), e))?;
            if alert.created_at >= since {
                out.push(alert);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// The evidence files of `ticket`, oldest first.
    pub fn files(
        &self,
        ticket: u64,
    ) -> Result<Vec<helloword_model::files::EvidenceFile>, StoreError> {
        self.files
            .scan_prefix(ticket.to_be_bytes())
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| corrupt(format!("files of {ticket}"), e))
            })
            .collect()
    }

    /// A 32-byte key the gateway keeps in its store under `name`, made on first use. It is
    /// on stable storage before it is returned: whatever it signs (an upload link sent to a
    /// buyer) must still verify after a crash or power cut.
    pub fn secret_key(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        let key = format!("key:{name}");
        let found = match self.meta.get(&key)? {
            Some(found) => found.to_vec(),
            None => {
                let mut fresh = [0u8; 32];
                getrandom::getrandom(&mut fresh).map_err(|e| StoreError::Flush(e.to_string()))?;
                // Two first uses at once keep whichever was stored first.
                let _ =
                    self.meta
                        .compare_and_swap(&key, None as Option<&[u8]>, Some(&fresh[..]))?;
                self.meta
                    .get(&key)?
                    .map_or_else(|| fresh.to_vec(), |v| v.to_vec())
            }
        };
        // Found is not yet durable when another caller made it a moment ago: flush once per
        // key and process.
        if !self.durable_keys.contains(&key) {
            self.durable_blocking()?;
            self.durable_keys.insert(key);
        }
        Ok(found)
    }
}
