//! Erasing personal data: what an erasure request (eBay's marketplace account deletion,
//! Shopify's `customers/redact` and `shop/redact`, an operator's `helloword erase`) and the
//! retention policy remove from the gateway.
//!
//! For every ticket concerned: the link to the buyer's profile, the buyer's name and how to
//! reach them; free text that may carry personal data on the timeline (replies,
//! acknowledgements, translations, notes, file names); message bodies in the outbox and in
//! proposals; evidence files (records and bytes); and, in the inbox, the raw bodies of the
//! deliveries behind those tickets and the buyer fields of their normalized events. Every
//! other text the gateway kept about those tickets (summaries, rationales, attributes) has
//! the buyer's known names, addresses and ids replaced. Raw deliveries that name the buyer
//! without having made a ticket (an erasure request itself, a delivery kept for replay) are
//! found by content and removed too. Then the profiles themselves. Ticket ids, amounts,
//! reasons, deadlines and outcomes stay: the seller's books need them and they do not
//! identify the buyer.
//!
//! sled is log-structured: an overwritten value stays in its log until the log is rewritten.
//! Every erasure therefore marks the store for compaction ([`Store::compaction_due`]), which
//! rewrites it with only the live values (`compact.rs`).
//!
//! Erasure writes many trees, so it is not one transaction; it is idempotent instead, and
//! the engine repeats it until it has finished (it runs from a timer that is removed only
//! afterwards).

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

use super::{Store, StoreError, decode_seq, seq_key};
use helloword_model::actions::{ActionState, OutboxEntry, Proposal};
use helloword_model::customers::Customer;
use helloword_model::model::{Happening, Ticket, TicketId, TimelineEntry, TimerKind};
use helloword_model::types::ActionKind;

/// What replaces erased text.
pub const ERASED: &str = "[erased]";

/// Whom to erase: the profile keys an erasure request names, or a whole shop.
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
    /// The buyer's orders there (Shopify's `orders_to_redact`): their tickets are erased
    /// too, as are the tickets of every order of the buyer's profiles.
    pub orders: Vec<String>,
    /// Erase every buyer of this shop instead (Shopify's `shop/redact`).
    pub shop: Option<String>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Customer profiles deleted.
    pub profiles: usize,
    /// Orders whose buyer was removed.
    pub orders: usize,
    /// Tickets scrubbed.
    pub tickets: usize,
    /// Inbox deliveries scrubbed (raw body removed, buyer fields cleared).
    pub deliveries: usize,
    /// Evidence files deleted.
    pub files: usize,
}

/// What a retention pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Raw delivery bodies deleted.
    pub raw_deliveries: usize,
    /// Closed tickets anonymized.
    pub tickets: usize,
    /// Orders whose buyer was removed.
    pub orders: usize,
}

/// Texts that identify a buyer: replaced wherever they appear in what the gateway keeps.
/// Matching ignores ASCII case; shorter texts than three characters are not searched for
/// (they would match everywhere).
#[derive(Debug, Clone, Default)]
pub struct Needles(Vec<String>);

impl Needles {
    fn add(&mut self, text: &str) {
        let text = text.trim();
        if text.chars().count() >= 3
            && text != ERASED
            && !self.0.iter().any(|n| n.eq_ignore_ascii_case(text))
        {
            self.0.push(text.to_string());
        }
    }

    fn add_profile(&mut self, profile: &Customer) {
        if let Some(email) = profile.key.strip_prefix("email:") {
            self.add(email);
        }
        for name in &profile.names {
            self.add(name);
        }
        for account in &profile.accounts {
            self.add(
                account
                    .split_once(':')
                    .map_or(account.as_str(), |(_, id)| id),
            );
        }
    }

    fn add_ticket(&mut self, ticket: &Ticket) {
        if let Some(name) = &ticket.facts.buyer_name {
            self.add(name);
        }
        // How to reach the buyer is theirs (an address, a relay alias, their subject line);
        // the order's name is the seller's and stays, like the order's id.
        for (name, value) in &ticket.facts.reply_context {
            if name != "order" {
                self.add(value);
            }
        }
    }

    /// Whether `bytes` contains any needle.
    fn found_in(&self, bytes: &[u8]) -> bool {
        self.0.iter().any(|n| find(bytes, n.as_bytes()).is_some())
    }

    /// `text` with every needle replaced by [`ERASED`]; `None` when nothing was found.
    fn redact(&self, text: &str) -> Option<String> {
        let mut out = text.to_string();
        let mut changed = false;
        for needle in &self.0 {
            let mut from = 0;
            while let Some(at) = find(&out.as_bytes()[from..], needle.as_bytes()) {
                let at = from + at;
                out.replace_range(at..at + needle.len(), ERASED);
                from = at + ERASED.len();
                changed = true;
            }
        }
        changed.then_some(out)
    }

    /// Redact every string in `value`; whether anything changed.
    fn redact_json(&self, value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(text) => match self.redact(text) {
                Some(redacted) => {
                    *text = redacted;
                    true
                }
                None => false,
            },
            serde_json::Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| self.redact_json(v) | changed),
            serde_json::Value::Object(fields) => fields
                .values_mut()
                .fold(false, |changed, v| self.redact_json(v) | changed),
            _ => false,
        }
    }
}

/// Where `needle` starts in `haystack` as a whole word (no letter or digit right before or
/// after it), ignoring ASCII case. Bytes of non-ASCII characters count as letters.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    (0..=haystack.len() - needle.len()).find(|&i| {
        let end = i + needle.len();
        haystack[i..end].eq_ignore_ascii_case(needle)
            && (i == 0 || !word(haystack[i - 1]) || !word(needle[0]))
            && (end == haystack.len() || !word(haystack[end]) || !word(needle[needle.len() - 1]))
    })
}

/// Redact `record` (any JSON record) with `needles`; the redacted record when anything
/// changed. A record whose redaction no longer reads back (a needle inside a structured
/// value) is left as it was.
fn redacted_record<T: Serialize + serde::de::DeserializeOwned>(
    record: &T,
    needles: &Needles,
) -> Result<Option<T>, serde_json::Error> {
    let mut value = serde_json::to_value(record)?;
    if !needles.redact_json(&mut value) {
        return Ok(None);
    }
    match serde_json::from_value(value) {
        Ok(redacted) => Ok(Some(redacted)),
        Err(e) => {
            tracing::warn!(message = "A record could not be redacted.", error = %e);
            Ok(None)
        }
    }
}

fn corrupt(key: String, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        message: e.to_string(),
    }
}

/// The meta key that says an erasure or purge happened since the store was last rewritten.
pub(super) const COMPACT_DUE: &[u8] = b"compact-due";

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
    /// files under `files_dir`. `keep` is a ticket left in place (the erasure request's
    /// own): its deliveries and timeline are scrubbed, the ticket itself is the caller's to
    /// redact with the returned [`Needles`] ([`redact_ticket`]). Returns once it is on disk.
    pub async fn erase(
        &self,
        subject: &Subject,
        files_dir: Option<&Path>,
        keep: Option<TicketId>,
    ) -> Result<(Erased, Needles), StoreError> {
        let mut needles = Needles::default();
        let mut tickets: BTreeSet<TicketId> = BTreeSet::new();
        let mut profiles = Vec::new();
        match &subject.shop {
            Some(shop) => {
                for ticket in self.all_tickets() {
                    let ticket = ticket?;
                    if ticket.marketplace == subject.marketplace && &ticket.shop == shop {
                        tickets.insert(ticket.id);
                    }
                }
                for profile in self.all_customers() {
                    let profile = profile?;
                    if profile.tickets.iter().any(|(id, _)| tickets.contains(id)) {
                        needles.add_profile(&profile);
                        profiles.push(profile);
                    }
                }
            }
            None => {
                for id in subject
                    .customer_id
                    .iter()
                    .chain(&subject.email)
                    .chain(&subject.aliases)
                {
                    needles.add(id);
                }
                profiles = self.profiles_of(subject)?;
                for profile in &profiles {
                    needles.add_profile(profile);
                    tickets.extend(profile.tickets.iter().map(|(id, _)| *id));
                }
                // A dispute or a return names only the order: its ticket is the buyer's
                // when the order is.
                let mut orders: BTreeSet<String> = subject.orders.iter().cloned().collect();
                for id in &tickets {
                    if let Some(order) = self.ticket(*id)?.and_then(|t| t.order_id) {
                        orders.insert(order);
                    }
                }
                if !orders.is_empty() {
                    for ticket in self.all_tickets() {
                        let ticket = ticket?;
                        if ticket.marketplace == subject.marketplace
                            && ticket.order_id.as_ref().is_some_and(|o| orders.contains(o))
                        {
                            tickets.insert(ticket.id);
                        }
                    }
                }
            }
        }
        // The buyer's orders: those of their tickets and profiles, those the request names,
        // those with their address; their names redact the tickets too.
        let mut owned_orders = Vec::new();
        {
            let keys: BTreeSet<&str> = profiles.iter().map(|p| p.key.as_str()).collect();
            let email = subject.email.as_deref().map(str::to_ascii_lowercase);
            for order in self.all_orders() {
                let order = order?;
                if order.marketplace != subject.marketplace || order.anonymized {
                    continue;
                }
                let theirs = match &subject.shop {
                    Some(shop) => &order.shop == shop,
                    None => {
                        subject.orders.contains(&order.id)
                            || order.tickets.iter().any(|id| tickets.contains(id))
                            || order.customer.as_deref().is_some_and(|k| keys.contains(k))
                            || order
                                .email
                                .as_deref()
                                .is_some_and(|e| Some(e.to_ascii_lowercase()) == email)
                    }
                };
                if theirs {
                    for text in [&order.buyer, &order.email].into_iter().flatten() {
                        needles.add(text);
                    }
                    tickets.extend(order.tickets.iter().copied());
                    owned_orders.push(order);
                }
            }
        }
        if let Some(keep) = keep {
            tickets.remove(&keep);
        }
        let mut loaded = Vec::new();
        for id in tickets {
            if let Some(ticket) = self.ticket(id)? {
                needles.add_ticket(&ticket);
                loaded.push(ticket);
            }
        }
        let mut erased = Erased::default();
        for mut ticket in loaded {
            erased.tickets += 1;
            let (deliveries, files) = self.scrub(&mut ticket, &needles, files_dir, true)?;
            erased.deliveries += deliveries;
            erased.files += files;
        }
        if let Some(keep) = keep
            && let Some(mut ticket) = self.ticket(keep)?
        {
            // The request keeps its own history, minus who it was about.
            erased.deliveries += self.scrub_timeline(&ticket, &needles, false)?;
            self.forget_terms(ticket.id)?;
            redact_ticket(&mut ticket, &needles);
            self.put_ticket(&ticket)?;
        }
        for profile in &profiles {
            match &subject.shop {
                // A buyer of several shops keeps the profile of the others.
                Some(_) => self.unlink_profile(profile, |id| {
                    self.ticket(id)
                        .map(|t| t.is_some_and(|t| t.facts.anonymized))
                })?,
                None => {
                    self.customers.remove(profile.key.as_bytes())?;
                }
            }
        }
        erased.orders = owned_orders.len();
        for mut order in owned_orders {
            anonymize_order(&mut order, &needles);
            self.put_order(&order)?;
        }
        erased.profiles = profiles.len();
        erased.deliveries += self.scrub_raw_deliveries(&needles)?;
        self.meta.insert(COMPACT_DUE, [1u8])?;
        self.durable().await?;
        Ok((erased, needles))
    }

    /// Apply the retention policy at `now`: delete the raw bodies of deliveries received
    /// before `raw_before` (bodies of deliveries kept for replay stay), and anonymize the
    /// resolved and closed tickets last changed before `closed_before`. At most `limit`
    /// tickets per call, so the caller can let other work in between.
    pub async fn purge(
        &self,
        raw_before: Option<Timestamp>,
        closed_before: Option<Timestamp>,
        files_dir: Option<&Path>,
        limit: usize,
    ) -> Result<Purged, StoreError> {
        let mut purged = Purged::default();
        if let Some(before) = raw_before {
            let mut old = Vec::new();
            for item in self.bodies.iter() {
                let (key, _) = item?;
                let Some(seq) = decode_seq(&key) else {
                    continue;
                };
                let Some(json) = self.inbox.get(key)? else {
                    continue;
                };
                let record: super::InboxRecord = serde_json::from_slice(&json)
                    .map_err(|e| corrupt(format!("inbox/{seq}"), e))?;
                // Sequence numbers follow arrival: the first young one ends the search.
                if record.received_at >= before {
                    break;
                }
                if self.unverified.get(seq_key(seq))?.is_none() {
                    old.push(seq);
                }
            }
            for seq in old {
                self.bodies.remove(seq_key(seq))?;
                purged.raw_deliveries += 1;
            }
        }
        if let Some(before) = closed_before {
            let mut due = Vec::new();
            for ticket in self.all_tickets() {
                let ticket = ticket?;
                if !ticket.status.is_open()
                    && !ticket.facts.anonymized
                    && ticket.updated_at < before
                {
                    due.push(ticket);
                    if due.len() == limit {
                        break;
                    }
                }
            }
            for mut ticket in due {
                let mut needles = Needles::default();
                needles.add_ticket(&ticket);
                let profile = match &ticket.customer {
                    Some(key) => self.customer(key)?,
                    None => None,
                };
                if let Some(profile) = &profile {
                    needles.add_profile(profile);
                }
                self.scrub(&mut ticket, &needles, files_dir, true)?;
                if let Some(profile) = &profile {
                    self.unlink_profile(profile, |id| {
                        self.ticket(id)
                            .map(|t| t.is_some_and(|t| t.facts.anonymized))
                    })?;
                }
                purged.tickets += 1;
            }
        }
        if let Some(before) = closed_before {
            // Orders last heard of before the cutoff whose cases are all anonymized (or
            // that never had one) lose their buyer too.
            let mut due = Vec::new();
            for order in self.all_orders() {
                let order = order?;
                if order.anonymized || order.updated_at >= before {
                    continue;
                }
                let mut done = true;
                for id in &order.tickets {
                    if self.ticket(*id)?.is_some_and(|t| !t.facts.anonymized) {
                        done = false;
                        break;
                    }
                }
                if done {
                    due.push(order);
                    if due.len() == limit {
                        break;
                    }
                }
            }
            for mut order in due {
                let mut needles = Needles::default();
                for text in [&order.buyer, &order.email].into_iter().flatten() {
                    needles.add(text);
                }
                anonymize_order(&mut order, &needles);
                self.put_order(&order)?;
                purged.orders += 1;
            }
        }
        if purged != Purged::default() {
            self.meta.insert(COMPACT_DUE, [1u8])?;
            self.durable().await?;
        }
        Ok(purged)
    }

    /// Whether something was erased or purged since the store was last rewritten. Never
    /// on PostgreSQL, whose vacuum reclaims the old row versions (run `VACUUM FULL hw_kv`
    /// to return their space to the system at once).
    pub fn compaction_due(&self) -> Result<bool, StoreError> {
        if self.is_shared() {
            return Ok(false);
        }
        Ok(self.meta.get(COMPACT_DUE)?.is_some())
    }

    /// Drop from `profile` the tickets `gone` says are anonymized; delete the profile when
    /// none is left.
    fn unlink_profile(
        &self,
        profile: &Customer,
        gone: impl Fn(TicketId) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut kept = profile.clone();
        kept.tickets.clear();
        for (id, at) in &profile.tickets {
            if !gone(*id)? {
                kept.tickets.push((*id, *at));
            }
        }
        if kept.tickets.is_empty() {
            self.customers.remove(profile.key.as_bytes())?;
        } else if kept.tickets.len() != profile.tickets.len() {
            let json = serde_json::to_vec(&kept)
                .map_err(|e| corrupt(format!("customers/{}", kept.key), e))?;
            self.customers.insert(profile.key.as_bytes(), json)?;
        }
        Ok(())
    }

    /// Scrub one ticket everywhere it is kept and mark it anonymized; returns how many
    /// deliveries and evidence files were scrubbed.
    fn scrub(
        &self,
        ticket: &mut Ticket,
        needles: &Needles,
        files_dir: Option<&Path>,
        free_text: bool,
    ) -> Result<(usize, usize), StoreError> {
        let deliveries = self.scrub_timeline(ticket, needles, free_text)?;
        // The index holds the buyer's words and names: none of it stays.
        self.forget_terms(ticket.id)?;
        let files = self.drop_files(ticket.id, files_dir)?;
        self.scrub_outbox(ticket.id, needles)?;
        self.scrub_proposals(ticket.id, needles)?;
        self.scrub_alerts(ticket.id, needles, free_text)?;
        ticket.customer = None;
        ticket.facts.buyer_name = None;
        ticket.facts.reply_context.clear();
        if free_text {
            for timer in &mut ticket.timers {
                if let TimerKind::FollowUp { what, .. } = &mut timer.what {
                    *what = ERASED.into();
                }
            }
        }
        redact_ticket(ticket, needles);
        ticket.facts.anonymized = true;
        self.put_ticket(ticket)?;
        Ok((deliveries, files))
    }

    fn put_ticket(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let json =
            serde_json::to_vec(ticket).map_err(|e| corrupt(format!("tickets/{}", ticket.id), e))?;
        self.tickets.insert(ticket.id.to_be_bytes(), json)?;
        Ok(())
    }

    /// Scrub the timeline of `ticket` and the deliveries it names (with `free_text`, also
    /// every reply, note and file name); returns how many deliveries were scrubbed.
    fn scrub_timeline(
        &self,
        ticket: &Ticket,
        needles: &Needles,
        free_text: bool,
    ) -> Result<usize, StoreError> {
        let mut deliveries = 0;
        for item in self.timeline.scan_prefix(ticket.id.to_be_bytes()) {
            let (key, json) = item?;
            let key_name = || format!("timeline/{}", ticket.id);
            let mut entry: TimelineEntry =
                serde_json::from_slice(&json).map_err(|e| corrupt(key_name(), e))?;
            if let Happening::Event { delivery, .. } = &entry.what
                && self.scrub_delivery(*delivery, needles)?
            {
                deliveries += 1;
            }
            // The buyer's own words go in every erasure; other free text (replies, notes)
            // with `free_text`.
            let buyers = matches!(entry.what, Happening::BuyerWrote { .. });
            let mut changed = (free_text || buyers) && scrub_happening(&mut entry.what);
            if let Some(redacted) =
                redacted_record(&entry, needles).map_err(|e| corrupt(key_name(), e))?
            {
                entry = redacted;
                changed = true;
            }
            if changed {
                let json = serde_json::to_vec(&entry).map_err(|e| corrupt(key_name(), e))?;
                self.timeline.insert(key, json)?;
            }
        }
        Ok(deliveries)
    }

    /// Remove a delivery's raw body, clear the buyer fields of its events and redact the
    /// rest; whether there was anything to scrub.
    fn scrub_delivery(&self, seq: u64, needles: &Needles) -> Result<bool, StoreError> {
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
            // `reply.*` attributes say how to reach the buyer (a relay address, a thread);
            // `customer_*` ones name the buyer (an erasure request's); `attachment.*` ones
            // carry the buyer's files (a `data:` URL) and their names.
            let before = event.attributes.len();
            event.attributes.retain(|(k, _)| {
                !k.starts_with("reply.")
                    && !k.starts_with("customer_")
                    && !k.starts_with("attachment.")
            });
            changed |= event.attributes.len() != before;
        }
        if let Some(redacted) =
            redacted_record(&record, needles).map_err(|e| corrupt(format!("inbox/{seq}"), e))?
        {
            record = redacted;
            changed = true;
        }
        if changed {
            let json =
                serde_json::to_vec(&record).map_err(|e| corrupt(format!("inbox/{seq}"), e))?;
            self.inbox.insert(seq_key(seq), json)?;
        }
        Ok(had_body || changed)
    }

    /// Scrub every delivery whose raw body or normalized events name the buyer, whether or
    /// not it made a ticket; returns how many.
    fn scrub_raw_deliveries(&self, needles: &Needles) -> Result<usize, StoreError> {
        let mut named = BTreeSet::new();
        for item in self.bodies.iter() {
            let (key, body) = item?;
            if needles.found_in(&body)
                && let Some(seq) = decode_seq(&key)
            {
                named.insert(seq);
            }
        }
        for item in self.inbox.iter() {
            let (key, json) = item?;
            if needles.found_in(&json)
                && let Some(seq) = decode_seq(&key)
            {
                named.insert(seq);
            }
        }
        let mut scrubbed = 0;
        for seq in named {
            if self.scrub_delivery(seq, needles)? {
                scrubbed += 1;
            }
        }
        Ok(scrubbed)
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

    /// Replace message bodies in `ticket`'s outbox entries that are no longer open, and
    /// redact the rest. A message still to be sent keeps its text: erasing it would send
    /// "[erased]".
    fn scrub_outbox(&self, ticket: TicketId, needles: &Needles) -> Result<(), StoreError> {
        self.scrub_records(
            &self.outbox,
            ticket,
            "outbox",
            needles,
            |entry: &mut OutboxEntry| {
                if !matches!(
                    entry.state,
                    ActionState::Done { .. } | ActionState::Failed { .. }
                ) {
                    return false;
                }
                let had_context = !entry.action.reply_context.is_empty();
                entry.action.reply_context.clear();
                erase_message(&mut entry.action.kind) | had_context
            },
        )
    }

    /// Replace message bodies in `ticket`'s proposals that are no longer open, and redact
    /// the rest.
    fn scrub_proposals(&self, ticket: TicketId, needles: &Needles) -> Result<(), StoreError> {
        self.scrub_records(
            &self.proposals,
            ticket,
            "proposals",
            needles,
            |p: &mut Proposal| {
                if matches!(p.state, helloword_model::actions::ProposalState::Open) {
                    return false;
                }
                p.actions
                    .iter_mut()
                    .fold(false, |changed, kind| erase_message(kind) | changed)
            },
        )
    }

    /// The alerts of `ticket`: the buyer's words an alert quotes and, with `free_text`,
    /// what an agent wrote (a follow-up's check) or a connector said about a reply.
    fn scrub_alerts(
        &self,
        ticket: TicketId,
        needles: &Needles,
        free_text: bool,
    ) -> Result<(), StoreError> {
        self.scrub_records(
            &self.alerts,
            ticket,
            "alerts",
            needles,
            |a: &mut helloword_model::alerts::Alert| {
                use helloword_model::alerts::Trigger;
                match &mut a.trigger {
                    Trigger::NegativeWords { words } if !words.is_empty() => {
                        words.clear();
                        true
                    }
                    Trigger::FollowUpDue { check: text, .. }
                    | Trigger::ReplyFailed { why: text, .. }
                        if free_text && text != ERASED =>
                    {
                        *text = ERASED.into();
                        true
                    }
                    _ => false,
                }
            },
        )
    }

    /// Apply `scrub` and then `needles` to every record of `ticket` in `tree` (keyed by
    /// ticket first), writing back the ones that changed.
    fn scrub_records<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        tree: &super::Gated,
        ticket: TicketId,
        what: &str,
        needles: &Needles,
        scrub: impl Fn(&mut T) -> bool,
    ) -> Result<(), StoreError> {
        let key_name = || format!("{what} of {ticket}");
        for item in tree.scan_prefix(ticket.to_be_bytes()) {
            let (key, json) = item?;
            let mut record: T =
                serde_json::from_slice(&json).map_err(|e| corrupt(key_name(), e))?;
            let mut changed = scrub(&mut record);
            if let Some(redacted) =
                redacted_record(&record, needles).map_err(|e| corrupt(key_name(), e))?
            {
                record = redacted;
                changed = true;
            }
            if changed {
                let json = serde_json::to_vec(&record).map_err(|e| corrupt(key_name(), e))?;
                tree.insert(key, json)?;
            }
        }
        Ok(())
    }
}

/// Replace a message action's subject and body; whether anything changed.
fn erase_message(kind: &mut ActionKind) -> bool {
    match kind {
        ActionKind::Message(message) if message.body != ERASED => {
            message.body = ERASED.into();
            message.subject = message.subject.as_ref().map(|_| ERASED.into());
            true
        }
        _ => false,
    }
}

/// Replace the buyer's names, addresses and ids in `ticket`'s own texts (its summary, its
/// case facts).
/// Its case key stays: the case index is keyed by it.
pub fn redact_ticket(ticket: &mut Ticket, needles: &Needles) {
    if let Ok(Some(mut redacted)) = redacted_record(ticket, needles) {
        redacted.case_key = std::mem::take(&mut ticket.case_key);
        *ticket = redacted;
    }
}

/// Remove the buyer from `order`: who they are, how to reach them, where the parcel went;
/// what was ordered, for how much, and when stay for the books.
fn anonymize_order(order: &mut helloword_model::orders::OrderRecord, needles: &Needles) {
    order.buyer = None;
    order.email = None;
    order.note = None;
    order.reply_context.clear();
    order.customer = None;
    if let Some(shipment) = &mut order.shipment {
        shipment.tracking_number = None;
        shipment.tracking_url = None;
        shipment.delivery_proof = None;
    }
    for (_, line) in &mut order.history {
        if let Some(redacted) = needles.redact(line) {
            *line = redacted;
        }
    }
    order.anonymized = true;
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
        Happening::BuyerWrote {
            text,
            author,
            attachments,
            ..
        } => {
            erase(text);
            if let Some(name) = author {
                erase(name);
            }
            for name in attachments {
                erase(name);
            }
        }
        Happening::Translated { text, original, .. } => {
            erase(text);
            erase(original);
        }
        Happening::EvidenceReceived { name, .. } => erase(name),
        Happening::FollowUpScheduled { what, .. } | Happening::FollowUpDue { what, .. } => {
            erase(what)
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(texts: &[&str]) -> Needles {
        let mut n = Needles::default();
        for t in texts {
            n.add(t);
        }
        n
    }

    #[test]
    fn redaction_ignores_ascii_case_and_skips_short_texts() {
        let n = needles(&["Anna.Schmidt@example.com", "Li", "Anna Schmidt"]);
        assert_eq!(
            n.redact("from anna.schmidt@EXAMPLE.com (Anna Schmidt), Li")
                .as_deref(),
            Some("from [erased] ([erased]), Li")
        );
        assert_eq!(n.redact("nothing here"), None);
        // Whole words only: a name inside a longer word, an id inside a longer number stay.
        let n = needles(&["Anna", "207119551"]);
        assert_eq!(n.redact("Annabel, 2071195510"), None);
        assert_eq!(
            n.redact("anna: order 207119551.").as_deref(),
            Some("[erased]: order [erased].")
        );
    }

    /// Alerts quote the buyer (the words of a negative review) and carry free text (a
    /// follow-up's check, why a reply failed): an erased ticket's alerts keep none of it.
    #[test]
    fn an_erased_tickets_alerts_keep_neither_the_buyers_words_nor_free_text() {
        use helloword_model::alerts::{Alert, AlertState, Channel, Trigger};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let alert = |id, trigger| Alert {
            id,
            ticket: 7,
            trigger,
            level: helloword_model::sla::Severity::Yellow,
            channel: Channel::App,
            recipient: "mei".into(),
            address: String::new(),
            language: "en".into(),
            state: AlertState::Pending,
            attempts: 0,
            next_attempt_at: jiff::Timestamp::UNIX_EPOCH,
            created_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let planted = [
            alert(
                1,
                Trigger::NegativeWords {
                    words: vec!["terrible".into()],
                },
            ),
            alert(
                2,
                Trigger::FollowUpDue {
                    timer: 3,
                    check: "call Zoë Quartz about the parcel".into(),
                },
            ),
            alert(
                3,
                Trigger::ReplyFailed {
                    action: 4,
                    why: "550 no mailbox zoe@quartz.example".into(),
                },
            ),
        ];
        for a in &planted {
            store
                .alerts
                .insert(
                    crate::tickets::pair_key(a.ticket, a.id),
                    serde_json::to_vec(a).unwrap(),
                )
                .unwrap();
        }
        store
            .scrub_alerts(7, &needles(&["Zoë Quartz", "zoe@quartz.example"]), true)
            .unwrap();
        let kept = store.alerts(7).unwrap();
        assert_eq!(kept.len(), 3);
        let text = serde_json::to_string(&kept).unwrap();
        for gone in ["terrible", "Zoë", "quartz", "parcel", "550"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert_eq!(
            kept[1].trigger.id(),
            "follow-up-3",
            "the alert itself stays"
        );
    }

    #[test]
    fn redaction_reaches_every_string_of_a_record() {
        let n = needles(&["Zoë Quartz"]);
        let mut v = serde_json::json!({"a": ["x Zoë Quartz y", {"b": "Zoë Quartz"}], "c": 3});
        assert!(n.redact_json(&mut v));
        assert_eq!(
            v,
            serde_json::json!({"a": ["x [erased] y", {"b": "[erased]"}], "c": 3})
        );
        assert!(!n.redact_json(&mut v));
    }
}
