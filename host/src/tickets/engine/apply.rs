//! Applying the inbox: each verified delivery's events become ticket changes — dedupe on
//! business keys, find or open the case's ticket, triage, deadlines, owner, timeline —
//! committed together with the inbox cursor.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tracing::Instrument as _;

use super::{Engine, UNREADABLE_DELIVERY};
use crate::plugin::bindings::types::{IssueKind, TicketEvent};
use crate::store::{ContextWrite, InboxRecord, InboxState, StoreError, TicketWrite};
use crate::tickets::assignment::{CaseNeeds, choose};
use crate::tickets::customers::{Customer, key_for as customer_key_for};
use crate::tickets::model::{
    CaseFacts, Happening, Status, Ticket, TimelineEntry, Timer, TimerKind, case_key,
};
use crate::tickets::sla::{self, Severity};
use crate::tickets::triage::more_urgent;
use helloword_model::actions::Record;
use helloword_model::orders::{Lookup, OrderRecord};

impl Engine {
    /// Apply inbox records until `shutdown` changes: whenever `notify` fires, and every
    /// second in any case.
    pub async fn run(
        self: Arc<Self>,
        notify: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.process_pending().await {
                tracing::error!(message = "Applying the inbox failed; retrying.", error = %e);
            }
            tokio::select! {
                () = notify.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Apply every inbox record after the cursor. Returns how many records were applied.
    pub async fn process_pending(&self) -> Result<usize, StoreError> {
        let _one_writer = self.writer().await?;
        let mut applied = 0;
        loop {
            let batch = self.store.unapplied(128)?;
            if batch.is_empty() {
                return Ok(applied);
            }
            for (seq, record) in batch {
                // Part of the trace of the request that brought the record.
                let span = tracing::debug_span!(
                    parent: None,
                    "engine.apply",
                    delivery.seq = seq,
                    plugin.id = %record.plugin,
                    ticket.id = tracing::field::Empty,
                    tickets = tracing::field::Empty,
                );
                crate::telemetry::continue_trace(&span, record.trace.as_deref());
                let (writes, context) = span.in_scope(|| self.plan(seq, &record))?;
                if let Some(first) = writes.first() {
                    span.record("ticket.id", first.after.id);
                }
                span.record("tickets", writes.len());
                for write in &writes {
                    self.traces.remember(write.after.id, &span);
                }
                let alerts = writes
                    .iter()
                    .any(|w| w.records.iter().any(|r| matches!(r, Record::Alert(_))));
                let lookups = context.orders.iter().any(|o| {
                    o.lookup
                        .as_ref()
                        .is_some_and(|l| l.pending && l.attempts == 0)
                });
                let files = writes.iter().any(|w| {
                    w.records
                        .iter()
                        .any(|r| matches!(r, Record::File(f) if f.pending))
                });
                self.store
                    .commit_inbox_plan(seq, &writes, &context)
                    .instrument(span)
                    .await?;
                self.timers_changed.notify_one();
                if files {
                    self.files_changed.notify_one();
                }
                if lookups {
                    self.lookups_changed.notify_one();
                }
                if alerts {
                    self.alerts_changed.notify_one();
                }
                applied += 1;
            }
        }
    }

    /// The ticket changes one inbox record causes, and its orders, profiles and business
    /// keys besides.
    pub(super) fn plan(
        &self,
        seq: u64,
        record: &InboxRecord,
    ) -> Result<(Vec<TicketWrite>, ContextWrite), StoreError> {
        if record.state != InboxState::Verified {
            return Ok((Vec::new(), ContextWrite::default()));
        }
        let mut plan = Plan::default();
        let mut context_keys = Vec::new();
        for event in &record.events {
            let business = format!("{}\0{}", record.plugin, event.dedupe.business);
            if plan.seen_business.contains(&business) || self.store.business_applied(&business)? {
                continue;
            }
            plan.seen_business.insert(business.clone());
            let profile_key = event
                .customer
                .as_ref()
                .and_then(|buyer| customer_key_for(&record.plugin, buyer));
            if let Some(key) = &profile_key {
                let buyer = event.customer.as_ref().expect("a key comes from a buyer");
                let mut profile = match plan.profiles.remove(key) {
                    Some(p) => p,
                    None => self
                        .store
                        .customer(key)?
                        .unwrap_or_else(|| Customer::new(key.clone())),
                };
                profile.absorb(&record.plugin, buyer);
                plan.profiles.insert(key.clone(), profile);
            }
            // The order record: every event that names an order updates it.
            let order_key = event
                .order
                .as_ref()
                .map(|o| (event.shop.clone(), o.id.clone()));
            if let Some((shop, id)) = &order_key {
                let mut order = match plan.orders.remove(&(shop.clone(), id.clone())) {
                    Some(o) => o,
                    None => self
                        .store
                        .order(&record.plugin, shop, id)?
                        .unwrap_or_else(|| {
                            OrderRecord::new(&record.plugin, shop, id, record.received_at)
                        }),
                };
                order.absorb(event, profile_key.as_deref(), record.received_at);
                plan.orders.insert((shop.clone(), id.clone()), order);
            }
            let context = self.settings.context_kinds.contains(&event.kind)
                && !helloword_model::orders::opens_ticket(event);
            if context {
                // Context: the open cases of its order take it; no ticket of its own.
                let cases = order_key
                    .as_ref()
                    .and_then(|k| plan.orders.get(k))
                    .map(|o| o.tickets.clone())
                    .unwrap_or_default();
                let mut joined = false;
                for id in cases {
                    let Some(write) = plan.take_ticket(&self.store, id)? else {
                        continue;
                    };
                    if !write.after.status.is_open() {
                        plan.put_back(write);
                        continue;
                    }
                    let mut write = self.update_context(write, seq, record.received_at, event);
                    if write.after.customer.is_none()
                        && let Some(key) = &profile_key
                        && let Some(profile) = plan.profiles.get_mut(key)
                    {
                        profile.add_ticket(write.after.id, write.after.opened_at);
                        write.after.customer = Some(key.clone());
                    }
                    if !joined {
                        write.business_keys.push(business.clone());
                        joined = true;
                    }
                    plan.put_back(write);
                }
                if !joined {
                    context_keys.push(business);
                }
                continue;
            }
            // An answer to a message the gateway sent joins that message's case.
            let (shop, case) = match self.threaded(&record.plugin, event)? {
                Some(ticket) => (ticket.shop, ticket.case_key),
                None => (
                    event.shop.clone(),
                    case_key(
                        event.case_id.as_deref(),
                        event.order.as_ref().map(|o| o.id.as_str()),
                        event.kind,
                        &event.dedupe.business,
                    ),
                ),
            };
            let index = format!("{}\0{}\0{}", record.plugin, shop, case);
            let existing = match plan.planned.remove(&index) {
                Some(write) => Some(write),
                None => self
                    .store
                    .ticket_for_case(&record.plugin, &shop, &case)?
                    .map(TicketWrite::of),
            };
            let opened = existing.is_none();
            let mut write = match existing {
                Some(write) => self.update(write, seq, record.received_at, event)?,
                None => {
                    let arrival = Arrival {
                        at: record.received_at,
                        fetched: matches!(record.method.as_str(), "POLL" | "LOOKUP"),
                    };
                    self.open(seq, &record.plugin, arrival, case, event)?
                }
            };
            write.business_keys.push(business);
            write
                .records
                .extend(self.attachments(write.after.id, &record.plugin, event)?);
            if let Some(key) = &profile_key
                && let Some(profile) = plan.profiles.get_mut(key)
            {
                profile.add_ticket(write.after.id, write.after.opened_at);
                write.after.customer = Some(key.clone());
            }
            if let Some(order) = order_key.as_ref().and_then(|k| plan.orders.get_mut(k)) {
                order.add_ticket(write.after.id);
                join_order(&mut write.after, order);
                if opened && self.needs_lookup(&record.plugin, order) {
                    order.lookup = Some(Lookup::due_at(record.received_at));
                }
            }
            plan.planned.insert(index, write);
        }
        // Every write that touches a profile carries its final version; the others go
        // with the context.
        let mut writes: Vec<TicketWrite> = plan.planned.into_values().collect();
        let mut carried = HashSet::new();
        for write in &mut writes {
            if let Some(key) = &write.after.customer
                && let Some(profile) = plan.profiles.get(key)
            {
                write.customer = Some(profile.clone());
                carried.insert(key.clone());
            }
        }
        let context = ContextWrite {
            orders: plan.orders.into_values().collect(),
            customers: plan
                .profiles
                .into_iter()
                .filter(|(key, _)| !carried.contains(key))
                .map(|(_, p)| p)
                .collect(),
            business_keys: context_keys,
        };
        Ok((writes, context))
    }

    /// Whether a case that opens on `order` should have the order looked up: the gateway
    /// knows no buyer of it (a Shopify chargeback names none), nobody asked yet, and the
    /// connector exports `lookup-order`.
    fn needs_lookup(&self, connector: &str, order: &OrderRecord) -> bool {
        order.buyer.is_none()
            && order.email.is_none()
            && order.lookup.is_none()
            && !order.anonymized
            && self
                .plugins
                .get(connector)
                .is_some_and(|p| p.exports_order_lookup())
    }

    /// The ticket of the first message the gateway sent that `event` answers: the
    /// attribute `thread.parents` lists the Message-IDs (or marketplace message ids) it
    /// answers, nearest first (In-Reply-To, then References from the newest).
    fn threaded(&self, connector: &str, event: &TicketEvent) -> Result<Option<Ticket>, StoreError> {
        let Some(parents) = helloword_model::model::attribute(event, "thread.parents") else {
            return Ok(None);
        };
        for id in parents.split_whitespace().take(MAX_THREAD_PARENTS) {
            if let Some(ticket) = self.store.ticket_for_thread(connector, id)? {
                return Ok(Some(ticket));
            }
        }
        Ok(None)
    }

    /// The buyer wrote again after the seller answered: the message needs an answer under
    /// the marketplace's rule (Amazon's 24 hours apply to every buyer message) and the
    /// seller's targets, from when it was written. The ticket's deadline and escalation
    /// ladder start over for it, and a ticket waiting on the buyer waits on the seller.
    /// Notes (return, order) and reviews start no clock; neither does a message the buyer
    /// sent before the answer was delivered (the running clock covers it).
    fn restart_clock_on_a_new_message(
        &self,
        write: &mut TicketWrite,
        received_at: Timestamp,
        event: &TicketEvent,
    ) -> Result<(), StoreError> {
        let written = write.entries.iter().find_map(|e| match &e.what {
            Happening::BuyerWrote { source, .. } if source == "message" => Some(e.at),
            _ => None,
        });
        let ticket = &mut write.after;
        let Some(since) = written else {
            return Ok(());
        };
        if !ticket.answered() || !ticket.status.is_open() {
            return Ok(());
        }
        let due = self.deadline(&ticket.marketplace, event, ticket.severity, since);
        ticket.escalation = sla::escalation_steps(since, due.at, &self.settings.ladder);
        ticket.due = due.clone();
        ticket.awaiting_reply_since = Some(since);
        ticket
            .timers
            .retain(|t| !matches!(t.what, TimerKind::Escalation { .. }));
        let steps = self.escalation_timers(ticket)?;
        ticket.timers.extend(steps);
        ticket.timers.sort_by_key(|t| t.due);
        write.entries.push(TimelineEntry {
            at: received_at,
            what: Happening::AwaitingReply { since, due },
        });
        if matches!(
            ticket.status,
            Status::WaitingOnBuyer | Status::WaitingOnMarketplace
        ) {
            write.entries.push(super::back_to_us(ticket, received_at));
        }
        Ok(())
    }

    /// A context event (an order, shipment or refund update) on an open case of its order:
    /// the case learns what it says and shows it on its timeline; its severity, deadline
    /// and status stay.
    fn update_context(
        &self,
        mut write: TicketWrite,
        seq: u64,
        received_at: Timestamp,
        event: &TicketEvent,
    ) -> TicketWrite {
        let ticket = &mut write.after;
        ticket.events += 1;
        ticket.updated_at = received_at;
        ticket.facts.absorb(event);
        if let Some(buyer) = &event.customer {
            if ticket.language.is_none() {
                ticket.language = buyer.preferred_locale.clone();
            }
            if ticket.country.is_none() {
                ticket.country = buyer.country.clone();
            }
        }
        if ticket.order_id.is_none() {
            ticket.order_id = event.order.as_ref().map(|o| o.id.clone());
        }
        let marketplace = ticket.marketplace.clone();
        write.entries.extend(event_entries(
            seq,
            &marketplace,
            received_at,
            event,
            &mut write.after.facts,
            write.after.language.as_deref(),
        ));
        write
    }

    /// Files an event names for the gateway to fetch (attributes `attachment.<n>.url` and
    /// `attachment.<n>.name`, n from 1): pending evidence records, fetched by
    /// [`crate::ingest::attachments`]. A `data:` URL carries the file itself.
    pub(super) fn attachments(
        &self,
        ticket: u64,
        plugin: &str,
        event: &TicketEvent,
    ) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for n in 1..=helloword_model::files::MAX_FILES_PER_TICKET {
            let value = |what: &str| {
                helloword_model::model::attribute(event, &format!("attachment.{n}.{what}"))
                    .map(str::to_string)
            };
            let Some(url) = value("url") else {
                break;
            };
            let name = value("name").unwrap_or_else(|| {
                if url.starts_with("data:") {
                    return "attachment".to_string();
                }
                url.rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("attachment")
                    .to_string()
            });
            out.push(Record::File(helloword_model::files::EvidenceFile {
                id: self.store.new_record_id()?,
                ticket,
                name,
                content_type: String::new(),
                bytes: 0,
                sha256: String::new(),
                received_at: Timestamp::now(),
                source: Some(url),
                via: Some(plugin.to_string()),
                pending: true,
                attempts: 0,
                error: None,
            }));
        }
        Ok(out)
    }

    pub(super) fn open(
        &self,
        seq: u64,
        marketplace: &str,
        arrival: Arrival,
        case_key: String,
        event: &TicketEvent,
    ) -> Result<TicketWrite, StoreError> {
        let received_at = arrival.at;
        let severity = self.settings.triage.severity(event);
        // A buyer's message is due from when the buyer sent it, and a case the gateway
        // fetched (a poll sees it up to an interval late) from when it opened, when the
        // marketplace says.
        let start = message_written_at(event, received_at)
            .or_else(|| marketplace_time(event, received_at).filter(|_| arrival.fetched))
            .unwrap_or(received_at);
        let due = self.deadline(marketplace, event, severity, start);
        let escalation = sla::escalation_steps(start, due.at, &self.settings.ladder);
        let customer = event.customer.as_ref();
        let language = customer.and_then(|c| c.preferred_locale.clone());
        let needs = CaseNeeds {
            kind: event.kind,
            language: language.as_deref(),
            vip: customer.is_some_and(|c| c.vip),
        };
        // A data-protection request is the operator's work, not an agent's case: nobody is
        // chosen by skill and load for it.
        let chosen = (event.kind != IssueKind::PrivacyRequest)
            .then(|| {
                choose(
                    &self.settings.agents,
                    &needs,
                    Timestamp::now(),
                    &self.loads(),
                )
            })
            .flatten()
            .map(|(agent, why)| (agent.name.clone(), why));
        let mut ticket = Ticket {
            v: helloword_model::SCHEMA_VERSION,
            id: self.store.new_ticket_id()?,
            marketplace: marketplace.to_string(),
            shop: event.shop.clone(),
            case_key,
            kind: event.kind,
            severity,
            status: Status::New,
            opened_at: received_at,
            updated_at: received_at,
            due: due.clone(),
            escalation,
            first_response_at: None,
            assignee: None,
            order_id: event.order.as_ref().map(|o| o.id.clone()),
            amount: event.amount.clone(),
            customer: None,
            language,
            country: customer.and_then(|c| c.country.clone()),
            platform_status: event.status.clone(),
            summary: event.summary.clone(),
            events: 1,
            timers: Vec::new(),
            facts: CaseFacts::default(),
            undelivered_reply: None,
            awaiting_reply_since: None,
        };
        ticket.facts.absorb(event);
        ticket.timers = self.escalation_timers(&ticket)?;
        self.add_opening_timers(&mut ticket, marketplace, event, received_at)?;
        let mut entries = vec![TimelineEntry {
            at: received_at,
            what: Happening::Opened { severity, due },
        }];
        entries.extend(event_entries(
            seq,
            marketplace,
            received_at,
            event,
            &mut ticket.facts,
            ticket.language.as_deref(),
        ));
        if ticket.language.is_none() {
            ticket.language = written_language(&entries);
        }
        if let Some((agent, why)) = chosen {
            ticket.assignee = Some(agent.clone());
            self.track_load(None, &ticket);
            entries.push(TimelineEntry {
                at: received_at,
                what: Happening::Assigned {
                    to: Some(agent),
                    by: "system".into(),
                    reason: Some(why),
                },
            });
        }
        let vip = customer.is_some_and(|c| c.vip);
        let records = self.opening_alerts(&mut ticket, event, severity, vip, received_at)?;
        Ok(TicketWrite {
            before: None,
            after: ticket,
            entries,
            business_keys: Vec::new(),
            customer: None,
            records,
        })
    }

    /// The timers a new ticket starts with besides its escalations, each put first: ask the
    /// compensation policy now, carry out an erasure request, acknowledge a message that
    /// arrived off hours.
    fn add_opening_timers(
        &self,
        ticket: &mut Ticket,
        marketplace: &str,
        event: &TicketEvent,
        received_at: Timestamp,
    ) -> Result<(), StoreError> {
        let has_policy = !self
            .plugins
            .of_kind(crate::plugin::PluginKind::CompensationPolicy)
            .is_empty();
        // Nothing is proposed for, or said to the buyer about, a data-protection request.
        let privacy = event.kind == IssueKind::PrivacyRequest;
        if self.settings.auto_propose && has_policy && !privacy {
            ticket.timers.insert(
                0,
                Timer {
                    id: self.store.new_timer_id()?,
                    due: received_at,
                    what: TimerKind::Propose { failed: 0 },
                },
            );
        }
        if let Some(subject) = erasure_subject(marketplace, event) {
            // Erasing runs from a timer, so it is repeated after a crash until it finished.
            ticket.timers.insert(
                0,
                Timer {
                    id: self.store.new_timer_id()?,
                    due: received_at,
                    what: TimerKind::Erase {
                        marketplace: subject.marketplace,
                        customer_id: subject.customer_id,
                        email: subject.email,
                        aliases: subject.aliases,
                        orders: subject.orders,
                        shop: subject.shop,
                    },
                },
            );
        }
        if self.settings.off_hours_ack
            && buyer_asked(event)
            && sla::is_off_hours(&self.settings.calendar, received_at)
        {
            // A human answers within two business hours of opening, and never after the
            // deadline.
            let promise = self
                .settings
                .calendar
                .add_business_time(received_at, jiff::SignedDuration::from_hours(2))
                .min(ticket.due.at);
            ticket.timers.insert(
                0,
                Timer {
                    id: self.store.new_timer_id()?,
                    due: received_at,
                    what: TimerKind::OffHoursAck { answer_by: promise },
                },
            );
        }
        Ok(())
    }

    /// The alerts a new ticket raises (a red case, the anomalies its event shows) and, for a
    /// shipment, the check that alerts when it stalls.
    fn opening_alerts(
        &self,
        ticket: &mut Ticket,
        event: &TicketEvent,
        severity: Severity,
        vip: bool,
        received_at: Timestamp,
    ) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::new();
        if let Some(alerts) = &self.settings.alerts {
            if severity == Severity::Red {
                records.extend(self.plan_alerts(
                    ticket,
                    helloword_model::alerts::Trigger::NewRed,
                    vip,
                )?);
            }
            for trigger in anomalies(event) {
                records.extend(self.plan_alerts(ticket, trigger, vip)?);
            }
            if is_logistics(event.kind) {
                ticket.timers.push(Timer {
                    id: self.store.new_timer_id()?,
                    due: received_at
                        + jiff::SignedDuration::from_hours(
                            24 * i64::from(alerts.logistics_stalled_days),
                        ),
                    what: TimerKind::StallCheck,
                });
                ticket.timers.sort_by_key(|t| t.due);
            }
        }
        Ok(records)
    }

    /// Timers for each escalation step of `ticket`.
    pub(super) fn escalation_timers(&self, ticket: &Ticket) -> Result<Vec<Timer>, StoreError> {
        ticket
            .escalation
            .iter()
            .map(|step| {
                Ok(Timer {
                    id: self.store.new_timer_id()?,
                    due: step.at,
                    what: TimerKind::Escalation {
                        per_mille: step.per_mille,
                    },
                })
            })
            .collect()
    }

    pub(super) fn update(
        &self,
        mut write: TicketWrite,
        seq: u64,
        received_at: Timestamp,
        event: &TicketEvent,
    ) -> Result<TicketWrite, StoreError> {
        let ticket = &mut write.after;
        ticket.events += 1;
        ticket.updated_at = received_at;
        ticket.summary = event.summary.clone();
        ticket.facts.absorb(event);
        if event.status.is_some() {
            ticket.platform_status = event.status.clone();
        }
        if ticket.order_id.is_none() {
            ticket.order_id = event.order.as_ref().map(|o| o.id.clone());
        }
        if ticket.amount.is_none() {
            ticket.amount = event.amount.clone();
        }
        if let Some(customer) = &event.customer {
            ticket.language = ticket.language.take().or(customer.preferred_locale.clone());
            ticket.country = ticket.country.take().or(customer.country.clone());
        }
        let severity = more_urgent(ticket.severity, self.settings.triage.severity(event));
        if severity != ticket.severity {
            write.entries.push(TimelineEntry {
                at: received_at,
                what: Happening::SeverityRaised {
                    from: ticket.severity,
                    to: severity,
                },
            });
            ticket.severity = severity;
        }
        // A later event can only bring the deadline forward (a stricter severity, a new
        // platform deadline), never push it back.
        let due = self.deadline(&ticket.marketplace, event, severity, received_at);
        if due.at < ticket.due.at && !ticket.answered() {
            ticket.escalation =
                sla::escalation_steps(ticket.opened_at, due.at, &self.settings.ladder);
            ticket.due = due;
        }
        if !ticket.status.is_open() {
            write.entries.push(super::back_to_us(ticket, received_at));
            let reopened = ticket.clone();
            let before = write.before.clone();
            self.track_load(before.as_ref(), &reopened);
        }
        let marketplace = ticket.marketplace.clone();
        write.entries.extend(event_entries(
            seq,
            &marketplace,
            received_at,
            event,
            &mut write.after.facts,
            write.after.language.as_deref(),
        ));
        if write.after.language.is_none() {
            write.after.language = written_language(&write.entries);
        }
        self.restart_clock_on_a_new_message(&mut write, received_at, event)?;
        // A ticket that turns red alerts like a new red one; anomalies alert once each.
        if self.settings.alerts.is_some() {
            let vip = event.customer.as_ref().is_some_and(|c| c.vip);
            let mut triggers = anomalies(event);
            if write.after.severity == Severity::Red {
                triggers.push(helloword_model::alerts::Trigger::NewRed);
            }
            for trigger in triggers {
                if !self.alerted(write.after.id, &trigger.id(), &write.records)? {
                    let planned = self.plan_alerts(&write.after, trigger, vip)?;
                    write.records.extend(planned);
                }
            }
        }
        Ok(write)
    }
}

/// The anomaly watchers that look at single events: failed payments and the words of a
/// buyer about to leave a negative review.
///
/// The ticket about a kept delivery its connector cannot read (written by ingest with this
/// reason code and its sequence number in attribute `kept_delivery`) alerts too.
pub(super) fn anomalies(event: &TicketEvent) -> Vec<helloword_model::alerts::Trigger> {
    let mut found = Vec::new();
    let failed = event.status.as_deref().is_some_and(|s| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "failure" | "failed" | "declined" | "error" | "payment_failed"
        )
    });
    if failed
        && matches!(
            event.kind,
            IssueKind::RefundIssued | IssueKind::OrderUpdate | IssueKind::PaymentDispute
        )
    {
        found.push(helloword_model::alerts::Trigger::PaymentFailed);
    }
    if let Some(text) = &event.buyer_text {
        let words = helloword_model::keywords::find(text);
        if !words.is_empty() {
            found.push(helloword_model::alerts::Trigger::NegativeWords { words });
        }
    }
    if event.kind == IssueKind::Other
        && event
            .reason
            .as_ref()
            .is_some_and(|r| r.code == UNREADABLE_DELIVERY)
        && let Some(delivery) = helloword_model::model::attribute(event, "kept_delivery")
            .and_then(|seq| seq.parse().ok())
    {
        found.push(helloword_model::alerts::Trigger::UnreadableDelivery { delivery });
    }
    found
}

/// Cases whose shipment the logistics watcher follows.
pub(super) fn is_logistics(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::NotReceived
            | IssueKind::LogisticsDelay
            | IssueKind::CustomsHold
            | IssueKind::ShipmentUpdate
    )
}

/// What [`Engine::plan`] gathers while it walks one inbox record's events.
#[derive(Default)]
struct Plan {
    /// Ticket changes by case index key, so two events of one case in a single delivery
    /// land on one ticket.
    planned: HashMap<String, TicketWrite>,
    /// Buyer profiles as they will be stored.
    profiles: HashMap<String, Customer>,
    /// Orders as they will be stored, by shop and order id.
    orders: HashMap<(String, String), OrderRecord>,
    /// Business keys met in this record.
    seen_business: HashSet<String>,
}

impl Plan {
    /// The planned change of ticket `id`, or a fresh one from the store (none: no such
    /// ticket). [`Plan::put_back`] returns it.
    fn take_ticket(
        &mut self,
        store: &crate::store::Store,
        id: u64,
    ) -> Result<Option<TicketWrite>, StoreError> {
        if let Some(index) = self
            .planned
            .iter()
            .find(|(_, w)| w.after.id == id)
            .map(|(k, _)| k.clone())
        {
            return Ok(self.planned.remove(&index));
        }
        Ok(store.ticket(id)?.map(TicketWrite::of))
    }

    fn put_back(&mut self, write: TicketWrite) {
        let t = &write.after;
        let index = format!("{}\0{}\0{}", t.marketplace, t.shop, t.case_key);
        self.planned.insert(index, write);
    }
}

/// What the order knows and the case does not yet: the buyer, their language and country,
/// the order's name, the tracking (a chargeback arrives without any of it).
/// How many of an event's `thread.parents` are looked up (a long References chain is
/// mostly older messages of the same thread).
const MAX_THREAD_PARENTS: usize = 20;

pub(super) fn join_order(ticket: &mut Ticket, order: &OrderRecord) {
    let facts = &mut ticket.facts;
    if facts.buyer_name.is_none() {
        facts.buyer_name = order.buyer.clone();
    }
    if facts.order_name.is_none() {
        facts.order_name = order.name.clone();
    }
    if facts.reply_context.is_empty() {
        facts.reply_context = order.reply_context.clone();
    }
    if ticket.language.is_none() {
        ticket.language = order.language.clone();
    }
    if ticket.country.is_none() {
        ticket.country = order.country.clone();
    }
    if ticket.customer.is_none() {
        ticket.customer = order.customer.clone();
    }
    if let Some(shipment) = &order.shipment {
        if facts.carrier.is_none() {
            facts.carrier = shipment.carrier.clone();
        }
        if facts.tracking_number.is_none() {
            facts.tracking_number = shipment.tracking_number.clone();
        }
        if facts.tracking_url.is_none() {
            facts.tracking_url = shipment.tracking_url.clone();
        }
    }
}

/// Whether `event` is the buyer asking the seller something: a message, or a problem the
/// buyer describes in words (not received, damaged, …). Only that is acknowledged off
/// hours; a chargeback, a claim, a return, a cancellation, a review, an order or shipment
/// update or a data-protection request gets no automatic note to the buyer.
fn buyer_asked(event: &TicketEvent) -> bool {
    let described = event
        .buyer_text
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty());
    described
        && matches!(
            event.kind,
            IssueKind::BuyerMessage
                | IssueKind::NotReceived
                | IssueKind::DeliveredNotReceived
                | IssueKind::Damaged
                | IssueKind::WrongItem
                | IssueKind::Quality
                | IssueKind::LogisticsDelay
                | IssueKind::CustomsHold
                | IssueKind::Other
        )
}

/// How an event reached the gateway.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival {
    /// When it was stored.
    pub at: Timestamp,
    /// The gateway fetched it (a poll, an order lookup) rather than the marketplace
    /// pushing it as it happened.
    pub fetched: bool,
}

/// When the buyer wrote the message `event` carries, if it is a message the marketplace
/// dated (not after the gateway received it: another clock ahead of ours).
fn message_written_at(event: &TicketEvent, received_at: Timestamp) -> Option<Timestamp> {
    if event.kind != IssueKind::BuyerMessage || event.buyer_text.is_none() {
        return None;
    }
    marketplace_time(event, received_at)
}

/// When the marketplace says `event` happened, if it says, not after `received_at`.
fn marketplace_time(event: &TicketEvent, received_at: Timestamp) -> Option<Timestamp> {
    let at = event.occurred_at.as_ref()?;
    Timestamp::new(at.seconds, at.nanoseconds as i32)
        .ok()
        .filter(|t| *t <= received_at)
}

/// The language the buyer wrote in, for a case whose buyer's preferred language is unknown.
fn written_language(entries: &[TimelineEntry]) -> Option<String> {
    entries.iter().find_map(|e| match &e.what {
        Happening::BuyerWrote { language, .. } => language.clone(),
        _ => None,
    })
}

/// The timeline entries of a marketplace event: the event, and the buyer's words when it
/// carries any the case has not heard yet (a message of the case's conversation).
pub(super) fn event_entries(
    seq: u64,
    marketplace: &str,
    at: Timestamp,
    event: &TicketEvent,
    facts: &mut helloword_model::model::CaseFacts,
    language: Option<&str>,
) -> Vec<TimelineEntry> {
    let mut entries = vec![TimelineEntry {
        at,
        what: Happening::Event {
            delivery: seq,
            summary: event.summary.clone(),
            platform_status: event.status.clone(),
        },
    }];
    if event
        .buyer_text
        .as_deref()
        .is_some_and(|text| facts.first_hearing(text))
    {
        entries.extend(helloword_model::conversation::buyer_wrote(
            seq,
            marketplace,
            at,
            event,
            language,
        ));
    }
    entries
}

/// Whom a verified erasure request (`privacy-request` with `privacy_action` =
/// `erase_customer`) names, if `event` is one.
pub(super) fn erasure_subject(
    marketplace: &str,
    event: &TicketEvent,
) -> Option<crate::store::Subject> {
    if event.kind != IssueKind::PrivacyRequest {
        return None;
    }
    let attribute = |name: &str| {
        helloword_model::model::attribute(event, name)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    match attribute("privacy_action").as_deref() {
        Some("erase_customer") => {}
        // The shop the delivery's signature vouches for, not one its body names.
        Some("erase_shop") if !event.shop.is_empty() => {
            return Some(crate::store::Subject {
                marketplace: marketplace.to_string(),
                shop: Some(event.shop.clone()),
                ..Default::default()
            });
        }
        _ => return None,
    }
    let customer = event.customer.as_ref();
    let customer_id = attribute("customer_id").or_else(|| customer.and_then(|c| c.id.clone()));
    let email = attribute("customer_email").or_else(|| customer.and_then(|c| c.email.clone()));
    let aliases: Vec<String> = attribute("customer_username").into_iter().collect();
    let orders: Vec<String> = attribute("orders_to_redact")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    (customer_id.is_some() || email.is_some() || !aliases.is_empty()).then(|| {
        crate::store::Subject {
            marketplace: marketplace.to_string(),
            customer_id,
            email,
            aliases,
            orders,
            shop: None,
        }
    })
}
