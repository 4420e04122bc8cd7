//! Erasing a buyer: what a verified erasure request (eBay's marketplace account deletion,
//! Shopify's `customers/redact`) removes from the gateway.
//!
//! For every ticket of the buyer's profiles: the link to the profile and the buyer's name;
//! free text that may carry personal data on the timeline (replies, acknowledgements,
//! translations, notes, file names); message bodies in the outbox; evidence files (records
//! and bytes); and, in the inbox, the raw bodies of the deliveries behind those tickets and
//! the buyer fields of their normalized events. Then the profiles themselves. Ticket ids,
//! amounts, reasons, deadlines and outcomes stay: the seller's books need them and they do
//! not identify the buyer.
//!
//! Erasure writes many trees, so it is not one transaction; it is idempotent instead, and
//! the engine repeats it until it has finished (it runs from a timer that is removed only
//! afterwards).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use super::{Store, StoreError, decode_seq, seq_key};
use crate::actions::{ActionState, OutboxEntry};
use crate::plugin::bindings::types::ActionKind;
use crate::tickets::customers::Customer;
use crate::tickets::model::{Happening, Ticket, TicketId, TimelineEntry};

/// What replaces erased text.
pub const ERASED: &str = "[erased]";

/// Whom to erase: the profile keys an erasure request names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The marketplace the request came from.
    pub marketplace: String,
    /// The buyer's id at that marketplace.
    pub customer_id: Option<String>,
    /// The buyer's e-mail address.
    pub email: Option<String>,
    /// Other ids of the same buyer at that marketplace (eBay names a deleted account by its
    /// user id, its other events by the user name).
    pub aliases: Vec<String>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Customer profiles deleted.
    pub profiles: usize,
    /// Tickets scrubbed.
    pub tickets: usize,
    /// Inbox deliveries scrubbed (raw body removed, buyer fields cleared).
    pub deliveries: usize,
    /// Evidence files deleted.
    pub files: usize,
}

fn corrupt(key: String, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        message: e.to_string(),
    }
}

impl Store {
    /// The profiles `subject` names: by e-mail, by marketplace account, and every profile
    /// listing that account.
    fn profiles_of(&self, subject: &Subject) -> Result<Vec<Customer>, StoreError> {
        let accounts: Vec<String> = subject
            .customer_id
            .iter()
            .chain(&subject.aliases)
            .map(|id| format!("{}:{id}", subject.marketplace))
            .collect();
        let email = subject
            .email
            .as_ref()
            .map(|e| format!("email:{}", e.trim().to_ascii_lowercase()));
        let mut found = Vec::new();
        for profile in self.all_customers() {
            let profile = profile?;
            let named = accounts.contains(&profile.key)
                || Some(&profile.key) == email.as_ref()
                || profile.accounts.iter().any(|a| accounts.contains(a));
            if named {
                found.push(profile);
            }
        }
        Ok(found)
    }

    /// Erase `subject`'s personal data (see the module documentation), deleting evidence
    /// files under `files_dir`; `keep` is a ticket left alone (the erasure request's own).
    /// Returns once it is on disk.
    pub async fn erase_customer(
        &self,
        subject: &Subject,
        files_dir: Option<&Path>,
        keep: TicketId,
    ) -> Result<Erased, StoreError> {
        let profiles = self.profiles_of(subject)?;
        let mut tickets: BTreeSet<TicketId> = profiles
            .iter()
            .flat_map(|p| p.tickets.iter().map(|(id, _)| *id))
            .collect();
        tickets.remove(&keep);
        let mut erased = Erased {
            profiles: profiles.len(),
            ..Erased::default()
        };
        for id in tickets {
            let Some(mut ticket) = self.ticket(id)? else {
                continue;
            };
            erased.tickets += 1;
            erased.deliveries += self.scrub_timeline(&ticket)?;
            erased.files += self.drop_files(id, files_dir)?;
            self.scrub_outbox(id)?;
            scrub_ticket(&mut ticket);
            let json =
                serde_json::to_vec(&ticket).map_err(|e| corrupt(format!("tickets/{id}"), e))?;
            self.tickets.insert(id.to_be_bytes(), json)?;
        }
        for profile in &profiles {
            self.customers.remove(profile.key.as_bytes())?;
        }
        self.commit.durable().await.map_err(StoreError::Flush)?;
        Ok(erased)
    }

    /// Scrub the timeline of `ticket` and the deliveries it names; returns how many
    /// deliveries were scrubbed.
    fn scrub_timeline(&self, ticket: &Ticket) -> Result<usize, StoreError> {
        let mut deliveries = 0;
        for item in self.timeline.scan_prefix(ticket.id.to_be_bytes()) {
            let (key, json) = item?;
            let mut entry: TimelineEntry = serde_json::from_slice(&json)
                .map_err(|e| corrupt(format!("timeline/{}", ticket.id), e))?;
            if let Happening::Event { delivery, .. } = &entry.what
                && self.scrub_delivery(*delivery)?
            {
                deliveries += 1;
            }
            if scrub_happening(&mut entry.what) {
                let json = serde_json::to_vec(&entry)
                    .map_err(|e| corrupt(format!("timeline/{}", ticket.id), e))?;
                self.timeline.insert(key, json)?;
            }
        }
        Ok(deliveries)
    }

    /// Remove a delivery's raw body and clear the buyer fields of its events; whether there
    /// was anything to scrub.
    fn scrub_delivery(&self, seq: u64) -> Result<bool, StoreError> {
        let had_body = self.bodies.remove(seq_key(seq))?.is_some();
        let Some(json) = self.inbox.get(seq_key(seq))? else {
            return Ok(had_body);
        };
        let mut record: super::InboxRecord =
            serde_json::from_slice(&json).map_err(|e| corrupt(format!("inbox/{seq}"), e))?;
        let mut changed = false;
        for event in &mut record.events {
            if event.customer.take().is_some() {
                changed = true;
            }
            if event.buyer_text.take().is_some() {
                changed = true;
            }
            // `reply.*` attributes say how to reach the buyer (a relay address, a thread).
            let before = event.attributes.len();
            event.attributes.retain(|(k, _)| !k.starts_with("reply."));
            changed |= event.attributes.len() != before;
        }
        if changed {
            let json =
                serde_json::to_vec(&record).map_err(|e| corrupt(format!("inbox/{seq}"), e))?;
            self.inbox.insert(seq_key(seq), json)?;
        }
        Ok(had_body || changed)
    }

    /// Delete `ticket`'s evidence files, records and bytes; returns how many.
    fn drop_files(&self, ticket: TicketId, files_dir: Option<&Path>) -> Result<usize, StoreError> {
        let keys: Vec<_> = self
            .files
            .scan_prefix(ticket.to_be_bytes())
            .keys()
            .collect::<Result<_, _>>()?;
        for key in &keys {
            if let (Some(dir), Some(id)) = (files_dir, key.get(8..16).and_then(decode_seq)) {
                let path = dir.join(ticket.to_string()).join(id.to_string());
                if let Err(e) = std::fs::remove_file(&path)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    return Err(StoreError::Flush(format!(
                        "cannot delete evidence file {}: {e}",
                        path.display()
                    )));
                }
            }
            self.files.remove(key)?;
        }
        Ok(keys.len())
    }

    /// Replace message bodies in `ticket`'s outbox entries that are no longer open.
    fn scrub_outbox(&self, ticket: TicketId) -> Result<(), StoreError> {
        for item in self.outbox.scan_prefix(ticket.to_be_bytes()) {
            let (key, json) = item?;
            let mut entry: OutboxEntry = serde_json::from_slice(&json)
                .map_err(|e| corrupt(format!("outbox of {ticket}"), e))?;
            // A message still to be sent keeps its text: erasing it would send "[erased]".
            if !matches!(
                entry.state,
                ActionState::Done { .. } | ActionState::Failed { .. }
            ) {
                continue;
            }
            let mut changed = !entry.action.reply_context.is_empty();
            entry.action.reply_context.clear();
            if let ActionKind::Message(message) = &mut entry.action.kind
                && message.body != ERASED
            {
                message.body = ERASED.into();
                message.subject = message.subject.as_ref().map(|_| ERASED.into());
                changed = true;
            }
            if changed {
                let json = serde_json::to_vec(&entry)
                    .map_err(|e| corrupt(format!("outbox of {ticket}"), e))?;
                self.outbox.insert(key, json)?;
            }
        }
        Ok(())
    }
}

fn scrub_ticket(ticket: &mut Ticket) {
    ticket.customer = None;
    ticket.facts.buyer_name = None;
    ticket.facts.reply_context.clear();
}

/// Replace free text in `what`; whether anything changed.
fn scrub_happening(what: &mut Happening) -> bool {
    let mut changed = false;
    let mut erase = |text: &mut String| {
        if text != ERASED {
            *text = ERASED.into();
            changed = true;
        }
    };
    match what {
        Happening::ReplySent { body, .. } | Happening::AutoReply { body, .. } => erase(body),
        Happening::Note { text, .. } => erase(text),
        Happening::Translated { text, original, .. } => {
            erase(text);
            erase(original);
        }
        Happening::EvidenceReceived { name, .. } => erase(name),
        _ => {}
    }
    changed
}
