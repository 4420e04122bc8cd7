//! Tickets in the store: the records, their indexes and their timelines, changed together in
//! one transaction with the inbox cursor, so a crash replays an inbox record completely or
//! not at all.

use super::backend::Op;

use super::{Store, StoreError};
use helloword_model::actions::Record;
use helloword_model::customers::Customer;
use helloword_model::model::{Status, Ticket, TicketId, TimelineEntry};
use helloword_model::orders::OrderRecord;
use helloword_model::sla::Severity;
use helloword_model::types::IssueKind;

const CURSOR: &[u8] = b"processed_inbox";

/// One ticket change, planned by the ticket engine.
#[derive(Debug, Clone)]
pub struct TicketWrite {
    /// The ticket as stored before (none for a new ticket).
    pub before: Option<Ticket>,
    /// The ticket as it must be stored.
    pub after: Ticket,
    /// Timeline entries to append.
    pub entries: Vec<TimelineEntry>,
    /// Business keys whose effect this change applies (`<marketplace>\0<key>`).
    pub business_keys: Vec<String>,
    /// The buyer's profile as it must be stored, when the change touches it.
    pub customer: Option<Customer>,
    /// Proposals, outbox entries and audit lines written in the same commit.
    pub records: Vec<Record>,
}

impl TicketWrite {
    /// A change of `ticket` as stored, that changes nothing yet.
    pub fn of(ticket: Ticket) -> TicketWrite {
        TicketWrite {
            before: Some(ticket.clone()),
            after: ticket,
            entries: Vec::new(),
            business_keys: Vec::new(),
            customer: None,
            records: Vec::new(),
        }
    }
}

/// What an inbox record changes besides its tickets: orders, the profiles of buyers whose
/// events opened no ticket, and the business keys of events that changed no ticket (an
/// order update with no case). Committed with the tickets and the cursor.
#[derive(Debug, Clone, Default)]
pub struct ContextWrite {
    /// Orders as they must be stored.
    pub orders: Vec<OrderRecord>,
    /// Profiles as they must be stored (those no ticket write carries).
    pub customers: Vec<Customer>,
    /// Business keys applied by events that changed no ticket.
    pub business_keys: Vec<String>,
}

/// The `orders` key of an order.
pub fn order_key(marketplace: &str, shop: &str, id: &str) -> Vec<u8> {
    [
        marketplace.as_bytes(),
        b"\0",
        shop.as_bytes(),
        b"\0",
        id.as_bytes(),
    ]
    .concat()
}

/// Key in the open-work index: the kind byte, then the record id.
fn open_key(kind: u8, id: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(kind);
    key.extend_from_slice(id);
    key
}

/// Key of a per-ticket record: ticket id then record id.
pub(crate) fn pair_key(ticket: u64, id: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&ticket.to_be_bytes());
    key[8..].copy_from_slice(&id.to_be_bytes());
    key
}

/// Timer key: due instant (milliseconds, sign-flipped u64) then timer id, so the first key
/// is the next timer to fire.
/// The earliest entry of the timer index.
#[derive(Debug, Clone, Copy)]
pub struct DueTimer {
    /// When it is due, to the millisecond (the index's precision).
    pub due: jiff::Timestamp,
    /// The timer's id.
    pub id: u64,
    /// The ticket holding it.
    pub ticket: TicketId,
}

/// The timer index key: due millisecond, then id. Timers fire by the millisecond, so a
/// timer is due exactly when its key is.
fn timer_key(due: jiff::Timestamp, id: u64) -> [u8; 16] {
    let ms = (due.as_millisecond() as u64) ^ (1 << 63);
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&ms.to_be_bytes());
    key[8..].copy_from_slice(&id.to_be_bytes());
    key
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Red => 0,
        Severity::Yellow => 1,
        Severity::Blue => 2,
    }
}

/// Queue key: severity, then deadline, then id, so a range scan reads open tickets in the
/// order agents work them.
fn queue_key(ticket: &Ticket) -> Vec<u8> {
    let due = (ticket.due.at.as_second() as u64) ^ (1 << 63);
    let mut key = Vec::with_capacity(17);
    key.push(severity_rank(ticket.severity));
    key.extend_from_slice(&due.to_be_bytes());
    key.extend_from_slice(&ticket.id.to_be_bytes());
    key
}

/// The fields of a ticket that the queue filters on (`GET /api/tickets`), under the
/// ticket's own field names. The queue index keeps them, as JSON, beside each open ticket,
/// so a filter reads only the tickets it matches instead of every open one; and since the
/// names are the ticket's, the same struct reads them out of a stored ticket without
/// decoding the rest of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueFields {
    /// Where the ticket stands.
    pub status: Status,
    /// The marketplace.
    pub marketplace: String,
    /// The shop within the marketplace.
    pub shop: String,
    /// The agent who owns it.
    pub assignee: Option<String>,
    /// What the case is about (absent in index entries written before it was kept).
    #[serde(default, with = "optional_kind")]
    pub kind: Option<IssueKind>,
    /// The buyer's language.
    #[serde(default)]
    pub language: Option<String>,
}

impl QueueFields {
    fn of(ticket: &Ticket) -> QueueFields {
        QueueFields {
            status: ticket.status,
            marketplace: ticket.marketplace.clone(),
            shop: ticket.shop.clone(),
            assignee: ticket.assignee.clone(),
            kind: Some(ticket.kind),
            language: ticket.language.clone(),
        }
    }
}

/// An issue kind by its name, or none (an index entry older than the field; an unknown
/// name).
mod optional_kind {
    use helloword_model::model::{kind_from_name, kind_name};
    use helloword_model::types::IssueKind;

    pub fn serialize<S: serde::Serializer>(
        kind: &Option<IssueKind>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match kind {
            Some(kind) => s.serialize_some(kind_name(*kind)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<IssueKind>, D::Error> {
        let name: Option<String> = serde::Deserialize::deserialize(d)?;
        Ok(name.as_deref().and_then(kind_from_name))
    }
}

fn case_index_key(ticket: &Ticket) -> Vec<u8> {
    [
        ticket.marketplace.as_bytes(),
        b"\0",
        ticket.shop.as_bytes(),
        b"\0",
        ticket.case_key.as_bytes(),
    ]
    .concat()
}

/// The `cases` key under which a message the gateway sent through `connector` with the
/// Message-ID (or marketplace message id) `id` names its ticket: connector-wide (the
/// answer to it does not know the shop), the case key `thread:<id>`.
fn thread_key(connector: &str, id: &str) -> Vec<u8> {
    [
        connector.as_bytes(),
        b"\0\0",
        helloword_model::model::thread_case(id).as_bytes(),
    ]
    .concat()
}

/// The thread key of an outbox entry: a message delivered with the id it was given.
fn sent_thread(entry: &helloword_model::actions::OutboxEntry) -> Option<Vec<u8>> {
    let helloword_model::types::ActionKind::Message(_) = entry.action.kind else {
        return None;
    };
    let helloword_model::actions::ActionState::Done { outcome } = &entry.state else {
        return None;
    };
    let id = outcome.marketplace_ref.as_deref()?.trim();
    (!id.is_empty()).then(|| thread_key(&entry.connector, id))
}

fn timeline_key(ticket: TicketId, entry: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&ticket.to_be_bytes());
    key[8..].copy_from_slice(&entry.to_be_bytes());
    key
}

pub(crate) fn corrupt(key: String, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        message: e.to_string(),
    }
}

impl Store {
    /// The customer profile under `key`.
    pub fn customer(&self, key: &str) -> Result<Option<Customer>, StoreError> {
        self.customers
            .get(key)?
            .map(|json| {
                serde_json::from_slice(&json).map_err(|e| corrupt(format!("customers/{key}"), e))
            })
            .transpose()
    }

    /// Every order with a pending lookup.
    pub fn pending_lookups(&self) -> Result<Vec<OrderRecord>, StoreError> {
        self.indexed_orders(b'l')
    }

    /// Every order whose parcel is in transit with its current stop not reported as a
    /// stall.
    pub fn orders_in_transit(&self) -> Result<Vec<OrderRecord>, StoreError> {
        self.indexed_orders(b's')
    }

    /// The orders the open-work index lists under `kind`.
    fn indexed_orders(&self, kind: u8) -> Result<Vec<OrderRecord>, StoreError> {
        let mut out = Vec::new();
        for key in self.open.scan_prefix([kind]).keys() {
            let key = key?;
            if let Some(json) = self.orders.get(&key[1..])? {
                let order: OrderRecord = serde_json::from_slice(&json)
                    .map_err(|e| corrupt("orders (open work)".into(), e))?;
                out.push(order);
            }
        }
        Ok(out)
    }

    /// The order `id` of `shop` at `marketplace`, as far as the gateway heard of it.
    pub fn order(
        &self,
        marketplace: &str,
        shop: &str,
        id: &str,
    ) -> Result<Option<OrderRecord>, StoreError> {
        self.orders
            .get(order_key(marketplace, shop, id))?
            .map(|json| {
                serde_json::from_slice(&json).map_err(|e| corrupt(format!("orders/{id}"), e))
            })
            .transpose()
    }

    /// The order a ticket is about, when it names one.
    pub fn order_of(&self, ticket: &Ticket) -> Result<Option<OrderRecord>, StoreError> {
        match &ticket.order_id {
            Some(id) => self.order(&ticket.marketplace, &ticket.shop, id),
            None => Ok(None),
        }
    }

    /// Every order, by marketplace, shop and id.
    pub fn all_orders(&self) -> impl Iterator<Item = Result<OrderRecord, StoreError>> + '_ {
        self.orders.iter().values().map(|json| {
            let json = json?;
            serde_json::from_slice(&json).map_err(|e| corrupt("orders".into(), e))
        })
    }

    pub(crate) fn put_order(&self, order: &OrderRecord) -> Result<(), StoreError> {
        let json =
            serde_json::to_vec(order).map_err(|e| corrupt(format!("orders/{}", order.id), e))?;
        self.orders
            .insert(order_key(&order.marketplace, &order.shop, &order.id), json)?;
        Ok(())
    }

    /// Every customer profile, by key.
    pub fn all_customers(&self) -> impl Iterator<Item = Result<Customer, StoreError>> + '_ {
        self.customers.iter().values().map(|json| {
            let json = json?;
            serde_json::from_slice(&json).map_err(|e| corrupt("customers".into(), e))
        })
    }

    /// The next timer to fire: its due instant and ticket.
    pub fn next_timer(&self) -> Result<Option<DueTimer>, StoreError> {
        match self.timers.first()? {
            Some((key, ticket)) => {
                let ms = <[u8; 8]>::try_from(&key[..8]).map_or(0, u64::from_be_bytes) ^ (1 << 63);
                let due = jiff::Timestamp::from_millisecond(ms as i64)
                    .map_err(|e| corrupt("timers".into(), e))?;
                let id = <[u8; 8]>::try_from(&key[8..16]).map_or(0, u64::from_be_bytes);
                let ticket = <[u8; 8]>::try_from(ticket.as_ref()).map_or(0, u64::from_be_bytes);
                Ok(Some(DueTimer { due, id, ticket }))
            }
            None => Ok(None),
        }
    }

    /// Remove a timer index entry its ticket no longer holds, so it cannot come due again.
    pub fn forget_timer(&self, timer: &DueTimer) -> Result<(), StoreError> {
        self.timers.remove(timer_key(timer.due, timer.id))?;
        Ok(())
    }

    /// A fresh timer id.
    pub fn new_timer_id(&self) -> Result<u64, StoreError> {
        Ok(self.next_id()? + 1)
    }

    /// The inbox record the ticket engine applied last (for information: what is still to
    /// apply is [`Store::unapplied`], since records can be written out of sequence order).
    pub fn processed_cursor(&self) -> Result<Option<u64>, StoreError> {
        Ok(self
            .meta
            .get(CURSOR)?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(u64::from_be_bytes))
    }

    /// A fresh ticket id.
    pub fn new_ticket_id(&self) -> Result<TicketId, StoreError> {
        // Ticket numbers are what people read and say ("ticket 42"), so they count up by one
        // from their own counter instead of sharing the record ids, which leap by a million
        // at every reopen (sled's id generator). The counter is written before the ticket, so
        // after a crash it is never behind a ticket that survived. A store from before the
        // counter continues after its highest ticket.
        loop {
            let current = self.meta.get(super::TICKET_SEQ)?;
            let last = match &current {
                Some(bytes) => super::decode_seq(bytes)
                    .ok_or_else(|| corrupt("meta/ticket-seq".into(), "not 8 bytes"))?,
                None => match self.tickets.last()? {
                    Some((key, _)) => super::decode_seq(&key)
                        .ok_or_else(|| corrupt("tickets".into(), "a key is not 8 bytes"))?,
                    None => 0,
                },
            };
            let next = last + 1;
            if self
                .meta
                .compare_and_swap(super::TICKET_SEQ, current, Some(&next.to_be_bytes()))?
            {
                return Ok(next);
            }
        }
    }

    /// The ticket with `id`.
    pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.tickets
            .get(id.to_be_bytes())?
            .map(|json| {
                serde_json::from_slice(&json).map_err(|e| corrupt(format!("tickets/{id}"), e))
            })
            .transpose()
    }

    /// The ticket of a case, if one is open or was ever opened.
    pub fn ticket_for_case(
        &self,
        marketplace: &str,
        shop: &str,
        case_key: &str,
    ) -> Result<Option<Ticket>, StoreError> {
        let key = [
            marketplace.as_bytes(),
            b"\0",
            shop.as_bytes(),
            b"\0",
            case_key.as_bytes(),
        ]
        .concat();
        match self.cases.get(key)? {
            Some(id) => {
                let id = <[u8; 8]>::try_from(id.as_ref()).map_or(0, u64::from_be_bytes);
                self.ticket(id)
            }
            None => Ok(None),
        }
    }

    /// The ticket of the message the gateway sent through `connector` as `id` (a
    /// Message-ID): where an answer to it belongs.
    pub fn ticket_for_thread(
        &self,
        connector: &str,
        id: &str,
    ) -> Result<Option<Ticket>, StoreError> {
        match self.cases.get(thread_key(connector, id))? {
            Some(ticket) => {
                let ticket = <[u8; 8]>::try_from(ticket.as_ref()).map_or(0, u64::from_be_bytes);
                self.ticket(ticket)
            }
            None => Ok(None),
        }
    }

    /// Whether the effect of a business key was applied already.
    pub fn business_applied(&self, key: &str) -> Result<bool, StoreError> {
        self.business.contains_key(key)
    }

    /// A ticket's timeline, oldest first.
    pub fn timeline(&self, id: TicketId) -> Result<Vec<TimelineEntry>, StoreError> {
        self.timeline
            .scan_prefix(id.to_be_bytes())
            .values()
            .map(|json| {
                let json = json?;
                serde_json::from_slice(&json).map_err(|e| corrupt(format!("timeline/{id}"), e))
            })
            .collect()
    }

    /// Open tickets by deadline, red first unless `severity` picks one lane; at most `limit`.
    pub fn queue(
        &self,
        severity: Option<Severity>,
        limit: usize,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.open_tickets(severity).take(limit).collect()
    }

    /// Open tickets of one lane (or all lanes, red first), each lane by deadline.
    pub fn open_tickets(
        &self,
        severity: Option<Severity>,
    ) -> impl Iterator<Item = Result<Ticket, StoreError>> + '_ {
        self.open_tickets_where(severity, |_| true)
    }

    /// Like [`Store::open_tickets`], but only the tickets whose [`QueueFields`] `accept`
    /// takes are read. Index entries written before the index kept those fields (empty
    /// values) are passed through unfiltered: the caller checks the tickets it gets.
    pub fn open_tickets_where<'a>(
        &'a self,
        severity: Option<Severity>,
        accept: impl Fn(&QueueFields) -> bool + 'a,
    ) -> impl Iterator<Item = Result<Ticket, StoreError>> + 'a {
        self.open_tickets_after(severity, None, accept)
            .map(|found| found.map(|(_, ticket)| ticket))
    }

    /// Open tickets in queue order (red, yellow, blue; each by deadline, then id) after the
    /// queue key `after` (none: from the start), each with its queue key — the cursor of the
    /// next page. Only the tickets whose [`QueueFields`] `accept` takes are decoded.
    pub fn open_tickets_after<'a>(
        &'a self,
        severity: Option<Severity>,
        after: Option<Vec<u8>>,
        accept: impl Fn(&QueueFields) -> bool + 'a,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Ticket), StoreError>> + 'a {
        let lane = severity.map(severity_rank);
        let start = match (after, lane) {
            // The smallest key after `after`.
            (Some(mut key), _) => {
                key.push(0);
                key
            }
            (None, Some(lane)) => vec![lane],
            (None, None) => Vec::new(),
        };
        self.queue
            .range_from(start)
            .take_while(move |entry| match (entry, lane) {
                (Ok((key, _)), Some(lane)) => key.first() == Some(&lane),
                _ => true,
            })
            .filter_map(move |entry| {
                let (key, fields) = match entry {
                    Ok(entry) => entry,
                    Err(e) => return Some(Err(e)),
                };
                if !fields.is_empty()
                    && serde_json::from_slice::<QueueFields>(&fields).is_ok_and(|f| !accept(&f))
                {
                    return None;
                }
                let id = <[u8; 8]>::try_from(key.get(9..17)?).map_or(0, u64::from_be_bytes);
                match self.ticket(id) {
                    Ok(Some(ticket)) => Some(Ok((key.to_vec(), ticket))),
                    Ok(None) => None,
                    Err(e) => Some(Err(e)),
                }
            })
    }

    /// Every ticket with an id above `after`, by id; only those whose [`QueueFields`]
    /// `accept` takes are decoded in full.
    pub fn all_tickets_after<'a>(
        &'a self,
        after: Option<TicketId>,
        accept: impl Fn(&QueueFields) -> bool + 'a,
    ) -> impl Iterator<Item = Result<Ticket, StoreError>> + 'a {
        let start = after.map_or(0, |id| id.saturating_add(1));
        self.tickets
            .range_from(start.to_be_bytes())
            .values()
            .filter_map(move |json| {
                let json = match json {
                    Ok(json) => json,
                    Err(e) => return Some(Err(e)),
                };
                if serde_json::from_slice::<QueueFields>(&json).is_ok_and(|f| !accept(&f)) {
                    return None;
                }
                Some(serde_json::from_slice(&json).map_err(|e| corrupt("tickets".into(), e)))
            })
    }

    /// How many open tickets wait in the `severity` lane (a key scan: no ticket is read).
    pub fn queue_depth(&self, severity: Severity) -> usize {
        self.queue.scan_prefix([severity_rank(severity)]).count()
    }

    /// How many outbox actions the dispatcher still has work on (a key scan).
    pub fn outbox_backlog(&self) -> usize {
        self.open.scan_prefix([b'o']).count()
    }

    /// Every ticket, open or not, by id.
    pub fn all_tickets(&self) -> impl Iterator<Item = Result<Ticket, StoreError>> + '_ {
        self.all_tickets_where(|_| true)
    }

    /// Like [`Store::all_tickets`], but only the tickets whose [`QueueFields`] `accept`
    /// takes are decoded in full.
    pub fn all_tickets_where<'a>(
        &'a self,
        accept: impl Fn(&QueueFields) -> bool + 'a,
    ) -> impl Iterator<Item = Result<Ticket, StoreError>> + 'a {
        self.all_tickets_after(None, accept)
    }

    /// Apply the ticket changes planned for inbox record `seq` and move the cursor past it,
    /// atomically, then wait until it is on disk.
    pub async fn commit_inbox_record(
        &self,
        seq: u64,
        writes: &[TicketWrite],
    ) -> Result<(), StoreError> {
        self.commit_writes(Some(seq), writes, &ContextWrite::default())?;
        self.durable().await
    }

    /// Like [`Store::commit_inbox_record`], with the record's orders, profiles and business
    /// keys beside its tickets.
    pub async fn commit_inbox_plan(
        &self,
        seq: u64,
        writes: &[TicketWrite],
        context: &ContextWrite,
    ) -> Result<(), StoreError> {
        self.commit_writes(Some(seq), writes, context)?;
        self.durable().await
    }

    /// Apply ticket changes that do not come from the inbox, with the order and profile
    /// records they change, in one commit.
    pub async fn commit_tickets_with(
        &self,
        writes: &[TicketWrite],
        context: &ContextWrite,
    ) -> Result<(), StoreError> {
        self.commit_writes(None, writes, context)?;
        self.durable().await
    }

    /// Apply ticket changes that do not come from the inbox (API actions, timers).
    pub async fn commit_tickets(&self, writes: &[TicketWrite]) -> Result<(), StoreError> {
        self.commit_writes(None, writes, &ContextWrite::default())?;
        self.durable().await
    }

    fn commit_writes(
        &self,
        seq: Option<u64>,
        writes: &[TicketWrite],
        context: &ContextWrite,
    ) -> Result<(), StoreError> {
        // Ids and encodings are prepared outside the transaction, which may run more than once.
        let mut prepared = Vec::with_capacity(writes.len());
        for write in writes {
            let id = write.after.id;
            let json = serde_json::to_vec(&write.after)
                .map_err(|e| corrupt(format!("tickets/{id}"), e))?;
            let fields = serde_json::to_vec(&QueueFields::of(&write.after))
                .map_err(|e| corrupt(format!("queue/{id}"), e))?;
            let mut entries = Vec::with_capacity(write.entries.len());
            for entry in &write.entries {
                let entry_json =
                    serde_json::to_vec(entry).map_err(|e| corrupt(format!("timeline/{id}"), e))?;
                entries.push((timeline_key(id, self.next_id()?), entry_json));
            }
            let customer = write
                .customer
                .as_ref()
                .map(|c| {
                    serde_json::to_vec(c)
                        .map(|json| (c.key.clone(), json))
                        .map_err(|e| corrupt(format!("customers/{}", c.key), e))
                })
                .transpose()?;
            let mut records = Vec::with_capacity(write.records.len());
            let threads: Vec<Vec<u8>> = write
                .records
                .iter()
                .filter_map(|r| match r {
                    Record::Outbox(o) => sent_thread(o),
                    _ => None,
                })
                .collect();
            for record in &write.records {
                records.push(match record {
                    Record::Proposal(p) => (
                        0u8,
                        pair_key(p.ticket, p.id).to_vec(),
                        serde_json::to_vec(p)
                            .map_err(|e| corrupt(format!("proposals/{}", p.id), e))?,
                        false,
                    ),
                    Record::Outbox(o) => (
                        1u8,
                        pair_key(o.ticket, o.id).to_vec(),
                        serde_json::to_vec(o)
                            .map_err(|e| corrupt(format!("outbox/{}", o.id), e))?,
                        o.state.is_open(),
                    ),
                    Record::File(f) => (
                        4u8,
                        pair_key(f.ticket, f.id).to_vec(),
                        serde_json::to_vec(f).map_err(|e| corrupt(format!("files/{}", f.id), e))?,
                        f.pending,
                    ),
                    Record::Alert(a) => (
                        3u8,
                        pair_key(a.ticket, a.id).to_vec(),
                        serde_json::to_vec(a)
                            .map_err(|e| corrupt(format!("alerts/{}", a.id), e))?,
                        a.state.is_open(),
                    ),
                    Record::Audit(a) => (
                        2u8,
                        self.next_id()?.to_be_bytes().to_vec(),
                        serde_json::to_vec(a).map_err(|e| corrupt("audit".into(), e))?,
                        false,
                    ),
                });
            }
            let terms = super::search::new_terms(write);
            prepared.push((
                write, json, fields, entries, customer, records, terms, threads,
            ));
        }
        let mut ops = Vec::new();
        for order in &context.orders {
            let json = serde_json::to_vec(order)
                .map_err(|e| corrupt(format!("orders/{}", order.id), e))?;
            let key = order_key(&order.marketplace, &order.shop, &order.id);
            // A pending lookup is open work, indexed with the order it is for.
            let index = open_key(b'l', &key);
            if order.lookup.as_ref().is_some_and(|l| l.pending) {
                ops.push(Op::Put(&self.open, index, Vec::new()));
            } else if order.lookup.is_some() {
                ops.push(Op::Delete(&self.open, index));
            }
            // A parcel in transit whose stop is not reported yet is watched for a stall.
            let watched = open_key(b's', &key);
            let shipment = order.shipment.as_ref();
            if shipment.is_some_and(|s| {
                s.in_transit() && s.stall_reported != Some(s.moved_at.unwrap_or(order.updated_at))
            }) {
                ops.push(Op::Put(&self.open, watched, Vec::new()));
            } else if shipment.is_some() {
                ops.push(Op::Delete(&self.open, watched));
            }
            ops.push(Op::Put(&self.orders, key, json));
        }
        for profile in &context.customers {
            let json = serde_json::to_vec(profile)
                .map_err(|e| corrupt(format!("customers/{}", profile.key), e))?;
            ops.push(Op::Put(
                &self.customers,
                profile.key.as_bytes().to_vec(),
                json,
            ));
        }
        for key in &context.business_keys {
            ops.push(Op::Put(&self.business, key.as_bytes().to_vec(), Vec::new()));
        }
        for (write, json, fields, entries, customer, records, terms, threads) in prepared {
            for key in threads {
                ops.push(Op::Put(
                    &self.cases,
                    key,
                    write.after.id.to_be_bytes().to_vec(),
                ));
            }
            self.index_ops(
                write.after.id,
                write.after.order_id.as_deref(),
                &terms,
                &mut ops,
            );
            for (tree, key, json, is_open) in records {
                let (records_tree, kind) = match tree {
                    0 => (&*self.proposals, None),
                    1 => (&*self.outbox, Some(b'o')),
                    3 => (&*self.alerts, Some(b'a')),
                    4 => (&*self.files, Some(b'f')),
                    _ => (&*self.audit, None),
                };
                if let Some(kind) = kind {
                    let index = open_key(kind, &key[8..]);
                    if is_open {
                        ops.push(Op::Put(&self.open, index, key[..8].to_vec()));
                    } else {
                        ops.push(Op::Delete(&self.open, index));
                    }
                }
                ops.push(Op::Put(records_tree, key, json));
            }
            if let Some((key, json)) = customer {
                ops.push(Op::Put(&self.customers, key.into_bytes(), json));
            }
            let ticket = &write.after;
            ops.push(Op::Put(
                &self.tickets,
                ticket.id.to_be_bytes().to_vec(),
                json,
            ));
            ops.push(Op::Put(
                &self.cases,
                case_index_key(ticket),
                ticket.id.to_be_bytes().to_vec(),
            ));
            if let Some(before) = &write.before
                && before.status.is_open()
            {
                ops.push(Op::Delete(&self.queue, queue_key(before)));
            }
            if ticket.status.is_open() {
                ops.push(Op::Put(&self.queue, queue_key(ticket), fields));
            }
            for (key, entry) in entries {
                ops.push(Op::Put(&self.timeline, key.to_vec(), entry));
            }
            for key in &write.business_keys {
                ops.push(Op::Put(&self.business, key.as_bytes().to_vec(), Vec::new()));
            }
            // The ticket's timer list is the truth; the timers tree mirrors it.
            let old: &[helloword_model::model::Timer] =
                write.before.as_ref().map_or(&[], |b| b.timers.as_slice());
            for timer in old.iter().filter(|t| !ticket.timers.contains(t)) {
                ops.push(Op::Delete(
                    &self.timers,
                    timer_key(timer.due, timer.id).to_vec(),
                ));
            }
            for timer in ticket.timers.iter().filter(|t| !old.contains(t)) {
                ops.push(Op::Put(
                    &self.timers,
                    timer_key(timer.due, timer.id).to_vec(),
                    ticket.id.to_be_bytes().to_vec(),
                ));
            }
        }
        if let Some(seq) = seq {
            ops.push(Op::Put(
                &self.meta,
                CURSOR.to_vec(),
                seq.to_be_bytes().to_vec(),
            ));
            ops.push(Op::Delete(&self.meta, super::pending_key(seq)));
        }
        self.apply(&ops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helloword_model::sla::{Deadline, DeadlineSource};
    use helloword_model::types::IssueKind;

    fn ticket(id: u64, assignee: &str) -> Ticket {
        let opened = jiff::Timestamp::from_second(1_750_000_000).unwrap();
        Ticket {
            v: helloword_model::SCHEMA_VERSION,
            id,
            marketplace: "shopify".into(),
            shop: "a.myshopify.com".into(),
            case_key: format!("case:{id}"),
            kind: IssueKind::Chargeback,
            severity: Severity::Red,
            status: Status::New,
            opened_at: opened,
            updated_at: opened,
            due: Deadline {
                at: opened,
                source: DeadlineSource::SeverityTarget,
            },
            escalation: Vec::new(),
            first_response_at: None,
            assignee: Some(assignee.into()),
            customer: None,
            order_id: None,
            amount: None,
            language: None,
            country: None,
            platform_status: None,
            facts: Default::default(),
            undelivered_reply: None,
            awaiting_reply_since: None,
            summary: String::new(),
            events: 1,
            timers: Vec::new(),
        }
    }

    fn write(before: Option<Ticket>, after: Ticket) -> TicketWrite {
        TicketWrite {
            before,
            after,
            entries: Vec::new(),
            business_keys: Vec::new(),
            customer: None,
            records: Vec::new(),
        }
    }

    fn ids_for(store: &Store, agent: &str) -> Vec<u64> {
        store
            .open_tickets_where(None, |f| f.assignee.as_deref() == Some(agent))
            .map(|t| t.unwrap().id)
            .collect()
    }

    #[tokio::test]
    async fn ticket_numbers_count_by_one_across_reopens_and_continue_an_older_store() {
        for place in super::super::both::places() {
            {
                let store = place.open();
                // A store from before the counter: its tickets have record ids.
                store
                    .commit_tickets(&[write(None, ticket(2_000_007, "mei"))])
                    .await
                    .unwrap();
                assert_eq!(store.new_ticket_id().unwrap(), 2_000_008);
                assert_eq!(store.new_ticket_id().unwrap(), 2_000_009);
                // Records in between do not take numbers from tickets.
                store.new_record_id().unwrap();
                assert_eq!(store.new_ticket_id().unwrap(), 2_000_010);
            }
            let store = place.open();
            assert_eq!(
                store.new_ticket_id().unwrap(),
                2_000_011,
                "{}",
                place.name()
            );
        }
        for fresh in super::super::both::places() {
            let store = fresh.open();
            assert_eq!(store.new_ticket_id().unwrap(), 1);
            assert_eq!(store.new_ticket_id().unwrap(), 2);
        }
    }

    /// The queue index keeps the filtered fields beside each open ticket: they must follow
    /// a reassignment, and an entry written before they were kept must still be listed.
    #[tokio::test]
    async fn the_queue_index_follows_a_reassignment_and_keeps_old_entries() {
        for place in super::super::both::places() {
            let store = place.open();
            let mei = ticket(1, "mei");
            store
                .commit_tickets(&[write(None, mei.clone())])
                .await
                .unwrap();
            assert_eq!(ids_for(&store, "mei"), [1]);
            assert!(ids_for(&store, "lin").is_empty());

            let lin = Ticket {
                assignee: Some("lin".into()),
                ..mei.clone()
            };
            store
                .commit_tickets(&[write(Some(mei), lin)])
                .await
                .unwrap();
            assert!(ids_for(&store, "mei").is_empty());
            assert_eq!(ids_for(&store, "lin"), [1]);

            // An index entry from an older version has no fields: it is passed through.
            let old = ticket(2, "ana");
            store
                .commit_tickets(&[write(None, old.clone())])
                .await
                .unwrap();
            store.queue.insert(queue_key(&old), []).unwrap();
            assert_eq!(ids_for(&store, "lin"), [1, 2], "{}", place.name());
        }
    }

    /// A gateway whose writer session ended (PostgreSQL restarted, the network broke) may
    /// find another gateway writing by the time it commits: its commit must write nothing,
    /// and the next turn as the writer works again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_whose_database_session_ended_writes_nothing() {
        let url = super::super::both::fresh_database();
        let a = Store::open_postgres(&url).unwrap();
        let b = Store::open_postgres(&url).unwrap();
        let held = a.writer_lock().await.unwrap();
        // End a's writer session from outside, as a database restart would.
        assert_eq!(super::super::both::end_other_lock_holders(&b), 1);
        let other = b.writer_lock().await.unwrap();
        let error = a
            .commit_tickets(&[write(None, ticket(1, "mei"))])
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("lost the engine's writer lock"),
            "{error}"
        );
        assert!(b.ticket(1).unwrap().is_none(), "nothing was written");
        drop(held);
        drop(other);
        let _again = a.writer_lock().await.unwrap();
        a.commit_tickets(&[write(None, ticket(1, "mei"))])
            .await
            .unwrap();
        assert!(b.ticket(1).unwrap().is_some());
    }
}
