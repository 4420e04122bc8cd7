//! The ticket engine: reads verified deliveries from the inbox in arrival order and turns
//! their events into tickets — dedupe on business keys, find or open the case's ticket,
//! triage, set the first-response deadline and escalation ladder, append the timeline —
//! committing each inbox record's changes together with the inbox cursor.

mod privacy;

pub use privacy::{RetentionConfig, erase_and_audit};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tracing::Instrument as _;

use super::assignment::{Agent, AgentConfig, CaseNeeds, choose};
use super::customers::{Customer, Tag, key_for as customer_key_for};
use super::model::{
    CaseFacts, Happening, Status, Ticket, TimelineEntry, Timer, TimerKind, case_key,
};
use super::sla::{
    self, BusinessCalendar, EscalationLadder, MarketplaceRule, Severity, SeverityTargets,
};
use super::triage::{Triage, more_urgent};
use crate::plugin::bindings::types::{IssueKind, TicketEvent};
use crate::store::{InboxRecord, InboxState, Store, StoreError, TicketWrite};
use helloword_model::actions::Record;

/// The `[tickets]` config section as written (validated by [`EngineSettings::from_config`]).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketsConfig {
    /// Severity rules.
    #[serde(default)]
    pub triage: super::triage::TriageConfig,
    /// The seller's working time; always open (UTC) when absent.
    pub business_hours: Option<sla::BusinessCalendarConfig>,
    /// Severity targets in business time ("4h", "PT12H", ...).
    #[serde(default)]
    pub targets: SeverityTargets,
    /// Escalation points, per mille of the time to the deadline.
    #[serde(default)]
    pub escalation: EscalationLadder,
    /// Time zone eBay's business days are counted in.
    pub ebay_time_zone: Option<String>,
    /// The support team.
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
}

/// How the engine decides severities, deadlines and owners.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Severity rules.
    pub triage: Triage,
    /// The seller's working time.
    pub calendar: BusinessCalendar,
    /// Severity targets, in business time.
    pub targets: SeverityTargets,
    /// Reminder and escalation points.
    pub ladder: EscalationLadder,
    /// eBay's business days are counted in this zone.
    pub ebay_time_zone: jiff::tz::TimeZone,
    /// The support team.
    pub agents: Vec<Agent>,
    /// Acknowledge cases that open outside business hours (needs locale packs).
    pub off_hours_ack: bool,
    /// Ask the compensation policy for a proposal when a case opens (needs a policy plugin).
    pub auto_propose: bool,
    /// Alerts (`[alerts]`); none planned when absent.
    pub alerts: Option<helloword_model::alerts::AlertsConfig>,
    /// Where evidence files are kept (erasure deletes a buyer's).
    pub files_dir: Option<std::path::PathBuf>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            triage: Triage::default(),
            calendar: BusinessCalendar::always_open(jiff::tz::TimeZone::UTC),
            targets: SeverityTargets::default(),
            ladder: EscalationLadder::default(),
            ebay_time_zone: jiff::tz::TimeZone::get(sla::EBAY_DEFAULT_TIME_ZONE)
                .unwrap_or(jiff::tz::TimeZone::UTC),
            agents: Vec::new(),
            off_hours_ack: false,
            auto_propose: false,
            alerts: None,
            files_dir: None,
        }
    }
}

impl EngineSettings {
    /// Settings from the `[tickets]` section (reads the time-zone database). Errors name the
    /// key.
    pub fn from_config(config: &TicketsConfig) -> Result<EngineSettings, String> {
        let calendar = match &config.business_hours {
            Some(c) => BusinessCalendar::from_config(c)
                .map_err(|e| format!("`tickets.business_hours`: {e}"))?,
            None => BusinessCalendar::always_open(jiff::tz::TimeZone::UTC),
        };
        let ebay_time_zone = match &config.ebay_time_zone {
            Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| {
                format!("`tickets.ebay_time_zone` is {name:?}, which is not a known time zone")
            })?,
            None => EngineSettings::default().ebay_time_zone,
        };
        let mut agents = Vec::new();
        for (i, agent) in config.agents.iter().enumerate() {
            if agents.iter().any(|a: &Agent| a.name == agent.name) {
                return Err(format!(
                    "`tickets.agents[{i}].name` {:?} is used twice",
                    agent.name
                ));
            }
            agents.push(
                Agent::from_config(agent, &calendar)
                    .map_err(|e| format!("`tickets.agents[{i}].hours`: {e}"))?,
            );
        }
        Ok(EngineSettings {
            triage: Triage::from_config(&config.triage)?,
            calendar,
            targets: config.targets,
            ladder: config.escalation.clone(),
            ebay_time_zone,
            agents,
            off_hours_ack: false,
            auto_propose: false,
            alerts: None,
            files_dir: None,
        })
    }

    /// The marketplace rule for an event of `kind` from the connector `marketplace`.
    fn rule(&self, marketplace: &str, kind: IssueKind) -> Option<MarketplaceRule> {
        use IssueKind::*;
        match (marketplace, kind) {
            ("amazon", BuyerMessage) => Some(MarketplaceRule::amazon_buyer_message()),
            ("amazon", AToZClaim) => Some(MarketplaceRule::amazon_a_to_z_information_request()),
            ("ebay", ReturnRequest) => Some(MarketplaceRule::ebay_return_request(
                self.ebay_time_zone.clone(),
            )),
            ("ebay", AToZClaim | NotReceived | Damaged | WrongItem | Quality) => {
                Some(MarketplaceRule::ebay_case(self.ebay_time_zone.clone()))
            }
            ("shopify", Chargeback | PaymentDispute) => Some(MarketplaceRule::shopify_dispute()),
            _ => None,
        }
    }

    /// The first-response deadline of a case opened by `event` at `received_at`.
    fn deadline(
        &self,
        marketplace: &str,
        event: &TicketEvent,
        severity: Severity,
        received_at: Timestamp,
    ) -> sla::Deadline {
        let platform = event
            .platform_deadline
            .as_ref()
            .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok());
        let rule = self.rule(marketplace, event.kind).or_else(|| {
            platform.map(|_| MarketplaceRule {
                name: format!("{marketplace} deadline"),
                window: None,
                platform_margin: jiff::SignedDuration::ZERO,
            })
        });
        let marketplace_due =
            rule.and_then(|r| sla::marketplace_deadline(&r, received_at, platform));
        sla::first_response_deadline(
            &self.calendar,
            &self.targets,
            severity,
            received_at,
            marketplace_due,
        )
    }
}

/// Tickets whose timers one [`Engine::fire_due`] call handles before letting go of the
/// engine.
pub const TIMER_BATCH: usize = 256;

/// The `reason.code` of the event ingest writes about a signed delivery that its connector
/// cannot read and that is kept for replay; its ticket alerts
/// ([`Trigger::UnreadableDelivery`](helloword_model::alerts::Trigger)).
pub const UNREADABLE_DELIVERY: &str = "unreadable-delivery";

/// Open tickets per assignee.
fn count_loads(store: &Store) -> Result<HashMap<String, u32>, StoreError> {
    let mut loads = HashMap::new();
    for ticket in store.open_tickets(None) {
        if let Some(agent) = ticket?.assignee {
            *loads.entry(agent).or_insert(0) += 1;
        }
    }
    Ok(loads)
}

/// Held while the engine changes tickets (see [`Engine::writer`]).
struct Writer<'a> {
    // The shared lock is let go before the local one, so a task of this gateway waiting
    // for the local lock finds the shared one free of this gateway's claim.
    _shared: crate::store::WriterGuard,
    _local: tokio::sync::MutexGuard<'a, ()>,
}

/// The engine. One runs per gateway; it owns every change to tickets. Gateways sharing a
/// PostgreSQL store take turns as the writer.
pub struct Engine {
    store: Store,
    settings: EngineSettings,
    // Open tickets per assignee; changed only under `lock`.
    loads: std::sync::Mutex<HashMap<String, u32>>,
    // Serialises ticket changes between the inbox loop and API actions.
    lock: tokio::sync::Mutex<()>,
    // Wakes the timer loop after any change that may have added an earlier timer.
    timers_changed: tokio::sync::Notify,
    // Wakes the action dispatcher after a change that queued actions.
    actions_changed: tokio::sync::Notify,
    // Wakes the alert dispatcher after a change that planned alerts.
    alerts_changed: tokio::sync::Notify,
    // Wakes the attachment fetcher after a change that named files to fetch.
    files_changed: tokio::sync::Notify,
    // Policies for automatic proposals; set once by the gateway.
    plugins: std::sync::OnceLock<Arc<crate::plugin::PluginSet>>,
    // Writes automatic replies; set once by the gateway.
    replies: std::sync::OnceLock<Arc<crate::replies::Replies>>,
    // Where SLA breaches are counted; set once by the gateway.
    metrics: std::sync::OnceLock<crate::telemetry::Metrics>,
    /// The trace of the latest work on each ticket, for the alerts and actions it causes.
    pub traces: crate::telemetry::TraceLinks,
}

impl Engine {
    /// An engine over `store`.
    pub fn new(store: Store, settings: EngineSettings) -> Result<Arc<Engine>, StoreError> {
        let loads = count_loads(&store)?;
        Ok(Arc::new(Engine {
            store,
            settings,
            loads: std::sync::Mutex::new(loads),
            lock: tokio::sync::Mutex::new(()),
            timers_changed: tokio::sync::Notify::new(),
            replies: std::sync::OnceLock::new(),
            plugins: std::sync::OnceLock::new(),
            actions_changed: tokio::sync::Notify::new(),
            alerts_changed: tokio::sync::Notify::new(),
            files_changed: tokio::sync::Notify::new(),
            metrics: std::sync::OnceLock::new(),
            traces: crate::telemetry::TraceLinks::default(),
        }))
    }

    /// Count SLA breaches in `metrics`.
    pub fn set_metrics(&self, metrics: crate::telemetry::Metrics) {
        let _ = self.metrics.set(metrics);
    }

    /// The gateway's metrics, once set.
    pub fn metrics(&self) -> Option<&crate::telemetry::Metrics> {
        self.metrics.get()
    }

    /// Let the engine ask the policy plugins in `plugins` for proposals.
    pub fn set_plugins(&self, plugins: Arc<crate::plugin::PluginSet>) {
        let _ = self.plugins.set(plugins);
    }

    /// Let the engine write automatic replies (the off-hours acknowledgement) with `replies`.
    pub fn set_replies(&self, replies: Arc<crate::replies::Replies>) {
        let _ = self.replies.set(replies);
    }

    /// Become the one writer of tickets: first among this gateway's tasks, then, on a store
    /// shared by several gateways, among the gateways. When another gateway wrote since
    /// this one last did, the agents' loads are counted again from the queue.
    async fn writer(&self) -> Result<Writer<'_>, StoreError> {
        let local = self.lock.lock().await;
        let shared = self.store.writer_lock().await?;
        if shared.handed_over {
            *self.loads() = count_loads(&self.store)?;
        }
        Ok(Writer {
            _shared: shared,
            _local: local,
        })
    }

    fn loads(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        self.loads.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep the load count in step with a ticket going from `before` to `after`.
    fn track_load(&self, before: Option<&Ticket>, after: &Ticket) {
        let holds = |t: &Ticket| t.status.is_open().then(|| t.assignee.clone()).flatten();
        let (old, new) = (before.and_then(holds), holds(after));
        if old == new {
            return;
        }
        let mut loads = self.loads();
        if let Some(old) = old
            && let Some(n) = loads.get_mut(&old)
        {
            *n = n.saturating_sub(1);
        }
        if let Some(new) = new {
            *loads.entry(new).or_insert(0) += 1;
        }
    }

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
                let writes = span.in_scope(|| self.plan(seq, &record))?;
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
                let files = writes.iter().any(|w| {
                    w.records
                        .iter()
                        .any(|r| matches!(r, Record::File(f) if f.pending))
                });
                self.store
                    .commit_inbox_record(seq, &writes)
                    .instrument(span)
                    .await?;
                self.timers_changed.notify_one();
                if files {
                    self.files_changed.notify_one();
                }
                if alerts {
                    self.alerts_changed.notify_one();
                }
                applied += 1;
            }
        }
    }

    /// The ticket changes one inbox record causes.
    fn plan(&self, seq: u64, record: &InboxRecord) -> Result<Vec<TicketWrite>, StoreError> {
        if record.state != InboxState::Verified {
            return Ok(Vec::new());
        }
        // Changes within this record, by case index key, so two events of one case in a
        // single delivery land on one ticket.
        let mut planned: HashMap<String, TicketWrite> = HashMap::new();
        let mut profiles: HashMap<String, Customer> = HashMap::new();
        let mut seen_business: HashSet<String> = HashSet::new();
        for event in &record.events {
            let business = format!("{}\0{}", record.plugin, event.dedupe.business);
            if seen_business.contains(&business) || self.store.business_applied(&business)? {
                continue;
            }
            seen_business.insert(business.clone());
            let order_id = event.order.as_ref().map(|o| o.id.as_str());
            let case = case_key(
                event.case_id.as_deref(),
                order_id,
                event.kind,
                &event.dedupe.business,
            );
            let index = format!("{}\0{}\0{}", record.plugin, event.shop, case);
            let existing = match planned.remove(&index) {
                Some(write) => Some(write),
                None => self
                    .store
                    .ticket_for_case(&record.plugin, &event.shop, &case)?
                    .map(|t| TicketWrite {
                        before: Some(t.clone()),
                        after: t,
                        entries: Vec::new(),
                        business_keys: Vec::new(),
                        customer: None,
                        records: Vec::new(),
                    }),
            };
            let mut write = match existing {
                Some(write) => self.update(write, seq, record.received_at, event)?,
                None => self.open(seq, &record.plugin, record.received_at, case, event)?,
            };
            write.business_keys.push(business);
            write
                .records
                .extend(self.attachments(write.after.id, &record.plugin, event)?);
            if let Some(buyer) = &event.customer
                && let Some(key) = customer_key_for(&record.plugin, buyer)
            {
                let profile = match profiles.remove(&key) {
                    Some(p) => p,
                    None => self
                        .store
                        .customer(&key)?
                        .unwrap_or_else(|| Customer::new(key.clone())),
                };
                let mut profile = profile;
                profile.absorb(&record.plugin, buyer);
                profile.add_ticket(write.after.id, write.after.opened_at);
                write.after.customer = Some(key.clone());
                profiles.insert(key, profile);
            }
            planned.insert(index, write);
        }
        // Every write that touches a profile carries its final version.
        let mut writes: Vec<TicketWrite> = planned.into_values().collect();
        for write in &mut writes {
            if let Some(key) = &write.after.customer {
                write.customer = profiles.get(key).cloned();
            }
        }
        Ok(writes)
    }

    /// Files an event names for the gateway to fetch (attributes `attachment.<n>.url` and
    /// `attachment.<n>.name`, n from 1): pending evidence records, fetched by
    /// [`crate::ingest::attachments`]. A `data:` URL carries the file itself.
    fn attachments(
        &self,
        ticket: u64,
        plugin: &str,
        event: &TicketEvent,
    ) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for n in 1..=helloword_model::files::MAX_FILES_PER_TICKET {
            let value = |what: &str| {
                let key = format!("attachment.{n}.{what}");
                event
                    .attributes
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
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

    fn open(
        &self,
        seq: u64,
        marketplace: &str,
        received_at: Timestamp,
        case_key: String,
        event: &TicketEvent,
    ) -> Result<TicketWrite, StoreError> {
        let severity = self.settings.triage.severity(event);
        let due = self
            .settings
            .deadline(marketplace, event, severity, received_at);
        let escalation = sla::escalation_steps(received_at, due.at, &self.settings.ladder);
        let customer = event.customer.as_ref();
        let language = customer.and_then(|c| c.preferred_locale.clone());
        let needs = CaseNeeds {
            kind: event.kind,
            language: language.as_deref(),
            vip: customer.is_some_and(|c| c.vip),
        };
        let chosen = choose(
            &self.settings.agents,
            &needs,
            Timestamp::now(),
            &self.loads(),
        )
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
        };
        ticket.facts.absorb(event);
        ticket.timers = self.escalation_timers(&ticket)?;
        let has_policy = self.plugins.get().is_some_and(|p| {
            !p.of_kind(crate::plugin::PluginKind::CompensationPolicy)
                .is_empty()
        });
        if self.settings.auto_propose && has_policy {
            ticket.timers.insert(
                0,
                Timer {
                    id: self.store.new_timer_id()?,
                    due: received_at,
                    what: TimerKind::Propose,
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
        if self.settings.off_hours_ack && sla::is_off_hours(&self.settings.calendar, received_at) {
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
        let mut entries = vec![
            TimelineEntry {
                at: received_at,
                what: Happening::Opened { severity, due },
            },
            event_entry(seq, received_at, event),
        ];
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
        let mut records = Vec::new();
        if let Some(alerts) = &self.settings.alerts {
            if severity == Severity::Red {
                records.extend(self.plan_alerts(
                    &ticket,
                    helloword_model::alerts::Trigger::NewRed,
                    vip,
                )?);
            }
            for trigger in anomalies(event) {
                records.extend(self.plan_alerts(&ticket, trigger, vip)?);
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
        Ok(TicketWrite {
            before: None,
            after: ticket,
            entries,
            business_keys: Vec::new(),
            customer: None,
            records,
        })
    }

    /// Timers for each escalation step of `ticket`.
    fn escalation_timers(&self, ticket: &Ticket) -> Result<Vec<Timer>, StoreError> {
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

    fn update(
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
        let due = self
            .settings
            .deadline(&ticket.marketplace, event, severity, received_at);
        if due.at < ticket.due.at && ticket.first_response_at.is_none() {
            ticket.escalation =
                sla::escalation_steps(ticket.opened_at, due.at, &self.settings.ladder);
            ticket.due = due;
        }
        if !ticket.status.is_open() {
            write.entries.push(TimelineEntry {
                at: received_at,
                what: Happening::StatusChanged {
                    from: ticket.status,
                    to: Status::WaitingOnUs,
                    by: "system".into(),
                },
            });
            ticket.status = Status::WaitingOnUs;
            let reopened = ticket.clone();
            let before = write.before.clone();
            self.track_load(before.as_ref(), &reopened);
        }
        write.entries.push(event_entry(seq, received_at, event));
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

/// Why a change asked through the API was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No ticket has this id.
    #[error("no ticket {0}")]
    NoSuchTicket(u64),
    /// The change makes no sense for this ticket.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Change one ticket: `change` edits it and returns the timeline entries to append.
    async fn change(
        &self,
        id: u64,
        change: impl FnOnce(&mut Ticket, Timestamp) -> Result<Vec<Happening>, ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        self.change_with_customer(id, |ticket, now| Ok((change(ticket, now)?, None)))
            .await
    }

    /// Like `change`, with proposals, outbox entries and audit lines written in the same
    /// commit as the ticket change (a decision and the actions it causes are one commit).
    pub async fn change_with_records(
        &self,
        id: u64,
        change: impl FnOnce(
            &mut Ticket,
            Timestamp,
        ) -> Result<(Vec<Happening>, Vec<Record>), ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        self.commit_change(id, |ticket, now| {
            let (happenings, records) = change(ticket, now)?;
            Ok((happenings, None, records))
        })
        .await
    }

    /// The one path for API and dispatcher changes: under the engine's lock, apply `change`
    /// to ticket `id` and commit it with its timeline lines, profile and records.
    async fn commit_change(
        &self,
        id: u64,
        change: impl FnOnce(
            &mut Ticket,
            Timestamp,
        )
            -> Result<(Vec<Happening>, Option<Customer>, Vec<Record>), ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        let _one_writer = self.writer().await?;
        let before = self
            .store
            .ticket(id)?
            .ok_or(ChangeError::NoSuchTicket(id))?;
        let mut after = before.clone();
        let now = Timestamp::now();
        let (happenings, customer, records) = change(&mut after, now)?;
        after.updated_at = now;
        self.track_load(Some(&before), &after);
        let write = TicketWrite {
            before: Some(before),
            after: after.clone(),
            entries: happenings
                .into_iter()
                .map(|what| TimelineEntry { at: now, what })
                .collect(),
            business_keys: Vec::new(),
            customer,
            records,
        };
        let alerts = write
            .records
            .iter()
            .any(|r| matches!(r, Record::Alert(a) if a.state.is_open()));
        self.store.commit_tickets(&[write]).await?;
        self.timers_changed.notify_one();
        self.actions_changed.notify_one();
        if alerts {
            self.alerts_changed.notify_one();
        }
        Ok(after)
    }

    /// Wakes the action dispatcher.
    pub fn actions_changed(&self) -> &tokio::sync::Notify {
        &self.actions_changed
    }

    /// Wakes the alert dispatcher.
    pub fn alerts_changed(&self) -> &tokio::sync::Notify {
        &self.alerts_changed
    }

    /// Wakes the attachment fetcher.
    pub fn files_changed(&self) -> &tokio::sync::Notify {
        &self.files_changed
    }

    /// Record `records` (and a timeline line, if any) on ticket `id` in one commit.
    pub async fn record_quietly(
        &self,
        id: u64,
        happening: Option<Happening>,
        records: Vec<Record>,
    ) -> Result<Ticket, ChangeError> {
        self.change_with_records(id, |_, _| Ok((happening.into_iter().collect(), records)))
            .await
    }

    /// The alerts `trigger` causes on `ticket` now (none without `[alerts]`).
    fn plan_alerts(
        &self,
        ticket: &Ticket,
        trigger: helloword_model::alerts::Trigger,
        vip: bool,
    ) -> Result<Vec<Record>, StoreError> {
        let Some(config) = &self.settings.alerts else {
            return Ok(Vec::new());
        };
        let now = Timestamp::now();
        let local = now.to_zoned(self.settings.calendar.time_zone().clone());
        let minute = local.hour() as u32 * 60 + local.minute() as u32;
        let mut error = None;
        let alerts = helloword_model::alerts::plan(
            config,
            &self.settings.agents,
            ticket,
            &trigger,
            vip,
            minute,
            now,
            || match self.store.new_record_id() {
                Ok(id) => id,
                Err(e) => {
                    error = Some(e);
                    0
                }
            },
        );
        if let Some(e) = error {
            return Err(e);
        }
        Ok(alerts.into_iter().map(Record::Alert).collect())
    }

    /// Whether `ticket` already has alerts for `trigger_id` (stored, or in `pending`).
    fn alerted(
        &self,
        ticket: u64,
        trigger_id: &str,
        pending: &[Record],
    ) -> Result<bool, StoreError> {
        let in_pending = pending
            .iter()
            .any(|r| matches!(r, Record::Alert(a) if a.trigger.id() == trigger_id));
        Ok(in_pending
            || self
                .store
                .alerts(ticket)?
                .iter()
                .any(|a| a.trigger.id() == trigger_id))
    }

    /// Whether `who` (an API token's name) may approve what a lead must: leads, and
    /// operator tokens that are not an agent's.
    pub fn is_lead(&self, who: &str) -> bool {
        match self.settings.agents.iter().find(|a| a.name == who) {
            Some(agent) => agent.lead,
            None => true,
        }
    }

    /// Like `change`, where the change may also update the buyer's profile.
    async fn change_with_customer(
        &self,
        id: u64,
        change: impl FnOnce(
            &mut Ticket,
            Timestamp,
        ) -> Result<(Vec<Happening>, Option<Customer>), ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        self.commit_change(id, |ticket, now| {
            let (happenings, customer) = change(ticket, now)?;
            Ok((happenings, customer, Vec::new()))
        })
        .await
    }

    /// Give the ticket to `agent` (or nobody), on behalf of `by`.
    pub async fn assign(
        &self,
        id: u64,
        agent: Option<String>,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        self.change(id, |ticket, _| {
            ticket.assignee = agent.clone();
            Ok(vec![Happening::Assigned {
                to: agent,
                by: by.to_string(),
                reason: None,
            }])
        })
        .await
    }

    /// Record a translation `by` asked for on ticket `id`.
    pub async fn record_translation(
        &self,
        id: u64,
        t: crate::replies::translate::Translated,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        self.change(id, |_, _| {
            Ok(vec![Happening::Translated {
                by: by.to_string(),
                original: t.original,
                source_language: t.source_language,
                text: t.text,
                target_language: t.target_language,
                translator: t.translator,
            }])
        })
        .await
    }

    /// Names of the agents in the config.
    pub fn agent_names(&self) -> Vec<String> {
        self.settings
            .agents
            .iter()
            .map(|a| a.name.clone())
            .collect()
    }

    /// Add a note by `by`.
    pub async fn add_note(&self, id: u64, text: String, by: &str) -> Result<Ticket, ChangeError> {
        if text.trim().is_empty() {
            return Err(ChangeError::Invalid("a note needs text".into()));
        }
        self.change(id, |_, _| {
            Ok(vec![Happening::Note {
                by: by.to_string(),
                text,
            }])
        })
        .await
    }

    /// Move the ticket to `status`, on behalf of `by`. The first move away from `new` by a
    /// person counts as the first response.
    pub async fn set_status(
        &self,
        id: u64,
        status: Status,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        self.set_status_with(id, status, None, by).await
    }

    /// Move the ticket to `status`; `satisfied: Some(true)` on a resolution tags the buyer
    /// high-loyalty-potential (their problem ended well: a buyer worth winning over).
    pub async fn set_status_with(
        &self,
        id: u64,
        status: Status,
        satisfied: Option<bool>,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        if satisfied.is_some() && status != Status::Resolved {
            return Err(ChangeError::Invalid(
                "`satisfied` goes with the status `resolved`".into(),
            ));
        }
        let store = self.store.clone();
        self.change_with_customer(id, |ticket, now| {
            if ticket.status == status {
                return Err(ChangeError::Invalid(format!(
                    "ticket {id} is already {}",
                    serde_json::to_value(status).unwrap_or_default()
                )));
            }
            let mut profile = None;
            if satisfied == Some(true)
                && let Some(key) = &ticket.customer
            {
                let mut customer = store
                    .customer(key)?
                    .unwrap_or_else(|| Customer::new(key.clone()));
                customer.tag(Tag::HighLoyaltyPotential);
                profile = Some(customer);
            }
            let from = ticket.status;
            ticket.status = status;
            if ticket.first_response_at.is_none() && from == Status::New {
                ticket.first_response_at = Some(now);
            }
            Ok((
                vec![Happening::StatusChanged {
                    from,
                    to: status,
                    by: by.to_string(),
                }],
                profile,
            ))
        })
        .await
    }

    /// Fire timers as they come due until `shutdown` changes; woken early whenever a change
    /// may have added a sooner timer.
    pub async fn run_timers(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        // A change wakes this gateway's timer loop, but not another gateway's: gateways
        // sharing a store look more often, so a timer set by a gateway that died since
        // still fires within seconds.
        let every = if self.store.is_shared() { 5 } else { 60 };
        let pace = crate::worker::Pace {
            max_wait: Duration::from_secs(every),
            idle: Duration::from_secs(every),
        };
        crate::worker::run("timers", pace, &self.timers_changed, shutdown, |now| {
            self.fire_due(now)
        })
        .await;
    }

    /// Fire the timers due at `now`; returns when the next one is due. Each timer is
    /// removed in the same commit as its effect, so it fires at most once. At most
    /// [`TIMER_BATCH`] tickets are handled per call, so the inbox and the dispatchers get
    /// the engine between batches; a returned time at or before `now` means "call again".
    pub async fn fire_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        let _one_writer = self.writer().await?;
        for _ in 0..TIMER_BATCH {
            let Some(next) = self.store.next_timer()? else {
                return Ok(None);
            };
            if next.due > now {
                return Ok(Some(next.due));
            }
            let ticket_id = next.ticket;
            let Some(before) = self.store.ticket(ticket_id)? else {
                return Err(StoreError::Corrupt {
                    key: format!("timers → tickets/{ticket_id}"),
                    message: "a timer names a ticket that does not exist".into(),
                });
            };
            let mut after = before.clone();
            // Due by the millisecond, as the index orders them: a timer whose index entry is
            // due fires now, not when its nanoseconds have passed too.
            let (fired, pending): (Vec<Timer>, Vec<Timer>) = after
                .timers
                .drain(..)
                .partition(|t| t.due.as_millisecond() <= now.as_millisecond());
            after.timers = pending;
            if fired.is_empty() {
                // The index names a timer the ticket no longer holds; without this it would
                // stay due forever and hold the engine in this loop.
                tracing::warn!(
                    message = "Dropping a timer index entry its ticket no longer holds.",
                    ticket = ticket_id,
                    timer = next.id
                );
                self.store.forget_timer(&next)?;
                continue;
            }
            // The effects see the clock at least at the latest timer they fire, so a check
            // such as "still for three days?" agrees with the timer that asked it.
            let at = fired
                .iter()
                .map(|t| t.due)
                .max()
                .map_or(now, |due| due.max(now));
            let mut entries = Vec::new();
            let mut records = Vec::new();
            for timer in fired {
                entries.extend(self.effect(&mut after, &timer, at, &mut records).await?);
            }
            self.track_load(Some(&before), &after);
            let queued = !records.is_empty();
            let alerts = records
                .iter()
                .any(|r| matches!(r, Record::Alert(a) if a.state.is_open()));
            let write = TicketWrite {
                before: Some(before),
                after,
                entries,
                business_keys: Vec::new(),
                customer: None,
                records,
            };
            self.store.commit_tickets(&[write]).await?;
            if queued {
                self.actions_changed.notify_one();
            }
            if alerts {
                self.alerts_changed.notify_one();
            }
        }
        Ok(Some(now))
    }

    /// What a fired timer does to its ticket.
    async fn effect(
        &self,
        ticket: &mut Ticket,
        timer: &Timer,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let at = timer.due;
        match &timer.what {
            TimerKind::Escalation { per_mille } => {
                if ticket.first_response_at.is_some() || !ticket.status.is_open() {
                    return Ok(Vec::new());
                }
                if *per_mille >= 1000
                    && let Some(metrics) = self.metrics.get()
                {
                    metrics.counter_add(
                        "helloword_sla_breaches_total",
                        "First-response deadlines missed, by marketplace and severity.",
                        &[
                            ("marketplace", &ticket.marketplace),
                            ("severity", ticket.severity.as_str()),
                        ],
                        1,
                    );
                }
                let lead = (*per_mille >= 1000)
                    .then(|| self.settings.agents.iter().find(|a| a.lead))
                    .flatten()
                    .map(|a| a.name.clone());
                let mut entries = vec![TimelineEntry {
                    at,
                    what: Happening::Escalated {
                        per_mille: *per_mille,
                        lead: lead.clone(),
                    },
                }];
                records.extend(self.plan_alerts(
                    ticket,
                    helloword_model::alerts::Trigger::Sla {
                        per_mille: *per_mille,
                    },
                    false,
                )?);
                // On breach the case moves to the lead, who answers it or hands it on.
                if let Some(lead) = lead
                    && ticket.assignee.as_deref() != Some(lead.as_str())
                {
                    let reason = match &ticket.assignee {
                        Some(previous) => {
                            format!("first-response deadline missed; taken over from {previous}")
                        }
                        None => "first-response deadline missed with no owner".to_string(),
                    };
                    ticket.assignee = Some(lead.clone());
                    entries.push(TimelineEntry {
                        at,
                        what: Happening::Assigned {
                            to: Some(lead),
                            by: "system".into(),
                            reason: Some(reason),
                        },
                    });
                }
                Ok(entries)
            }
            TimerKind::StallCheck => {
                let Some(config) = &self.settings.alerts else {
                    return Ok(Vec::new());
                };
                if !ticket.status.is_open() || ticket.facts.delivered_at.is_some() {
                    return Ok(Vec::new());
                }
                let days = config.logistics_stalled_days;
                let quiet_since = ticket.updated_at;
                let threshold = jiff::SignedDuration::from_hours(24 * i64::from(days));
                if now.duration_since(quiet_since) >= threshold {
                    let trigger = helloword_model::alerts::Trigger::LogisticsStalled { days };
                    if !self.alerted(ticket.id, &trigger.id(), records)? {
                        records.extend(self.plan_alerts(ticket, trigger, false)?);
                    }
                } else {
                    // It moved since: look again once it has been still for the full time.
                    ticket.timers.push(Timer {
                        id: self.store.new_timer_id()?,
                        due: quiet_since + threshold,
                        what: TimerKind::StallCheck,
                    });
                    ticket.timers.sort_by_key(|t| t.due);
                }
                Ok(Vec::new())
            }
            TimerKind::Erase {
                marketplace,
                customer_id,
                email,
                aliases,
                orders,
                shop,
            } => {
                let subject = crate::store::Subject {
                    marketplace: marketplace.clone(),
                    customer_id: customer_id.clone(),
                    email: email.clone(),
                    aliases: aliases.clone(),
                    orders: orders.clone(),
                    shop: shop.clone(),
                };
                let (erased, needles) = self
                    .store
                    .erase(
                        &subject,
                        self.settings.files_dir.as_deref(),
                        Some(ticket.id),
                    )
                    .await?;
                // The profiles are gone; the request's own ticket no longer points at one,
                // nor names whom it was about.
                ticket.customer = None;
                crate::store::redact_ticket(ticket, &needles);
                let old = ticket.status;
                ticket.status = Status::Resolved;
                let mut lines = vec![TimelineEntry {
                    at: now,
                    what: Happening::Note {
                        by: "system".into(),
                        text: format!(
                            "Erased the buyer's data: {} profile(s), {} ticket(s) scrubbed, {} \
                             delivery body(ies) removed, {} evidence file(s) deleted.",
                            erased.profiles, erased.tickets, erased.deliveries, erased.files
                        ),
                    },
                }];
                if old != Status::Resolved {
                    lines.push(TimelineEntry {
                        at: now,
                        what: Happening::StatusChanged {
                            from: old,
                            to: Status::Resolved,
                            by: "system".into(),
                        },
                    });
                }
                records.push(Record::Audit(helloword_model::actions::AuditEntry {
                    at: now,
                    who: "system".into(),
                    ticket: ticket.id,
                    what: format!(
                        "erased buyer data on request: {} profile(s), {} ticket(s), {} \
                         delivery(ies), {} file(s)",
                        erased.profiles, erased.tickets, erased.deliveries, erased.files
                    ),
                }));
                Ok(lines)
            }
            TimerKind::Propose => {
                if !ticket.status.is_open() {
                    return Ok(Vec::new());
                }
                let Some(plugins) = self.plugins.get() else {
                    return Ok(Vec::new());
                };
                let decided =
                    crate::actions::desk::ask_policy(&self.store, plugins, ticket, None, now).await;
                let (policy, decided) = match decided {
                    Ok(Some(found)) => found,
                    Ok(None) => return Ok(Vec::new()),
                    Err(e) => {
                        // A policy that failed this time (a timeout under load, a plugin
                        // being replaced) is asked again in a minute.
                        ticket.timers.push(Timer {
                            id: self.store.new_timer_id()?,
                            due: now + jiff::SignedDuration::from_secs(60),
                            what: TimerKind::Propose,
                        });
                        ticket.timers.sort_by_key(|t| t.due);
                        return Ok(vec![TimelineEntry {
                            at: now,
                            what: Happening::Note {
                                text: format!(
                                    "No compensation proposal yet, retrying in a minute: {e}"
                                ),
                                by: "system".into(),
                            },
                        }]);
                    }
                };
                let (proposal, happenings, new_records) = crate::actions::desk::proposal_records(
                    &self.store,
                    ticket,
                    &policy,
                    &decided,
                    "system",
                    now,
                )
                .map_err(|e| match e {
                    ChangeError::Store(e) => e,
                    other => StoreError::Flush(format!("{other:?}")),
                })?;
                records.extend(new_records);
                // An investigation window: look again when it ends.
                if let Some(revisit) = proposal.revisit_at.filter(|r| *r > now) {
                    ticket.timers.push(Timer {
                        id: self.store.new_timer_id()?,
                        due: revisit,
                        what: TimerKind::Propose,
                    });
                    ticket.timers.sort_by_key(|t| t.due);
                }
                Ok(happenings
                    .into_iter()
                    .map(|what| TimelineEntry { at: now, what })
                    .collect())
            }
            TimerKind::OffHoursAck { answer_by } => {
                if ticket.first_response_at.is_some() || !ticket.status.is_open() {
                    return Ok(Vec::new());
                }
                let entries = self.off_hours_ack(ticket, *answer_by, now).await;
                // The acknowledgement goes out through the outbox, in this same commit.
                let mut lines = Vec::new();
                for entry in &entries {
                    if let Happening::AutoReply {
                        language,
                        subject,
                        body,
                        ..
                    } = &entry.what
                    {
                        let kind = crate::plugin::bindings::types::ActionKind::Message(
                            crate::plugin::bindings::types::MessageSpec {
                                subject: Some(subject.clone()),
                                body: body.clone(),
                                language: language.clone(),
                            },
                        );
                        let id = self.store.new_record_id()?;
                        let (h, r) = crate::actions::desk::queue_for(
                            ticket,
                            std::slice::from_ref(&kind),
                            &format!("off-hours-ack {}", timer.id),
                            &[id],
                            "system",
                            now,
                        );
                        lines.extend(h.into_iter().map(|what| TimelineEntry { at: now, what }));
                        records.extend(r);
                    }
                }
                Ok(entries.into_iter().chain(lines).collect())
            }
            TimerKind::FollowUp { what, .. } => {
                let mut entries = vec![TimelineEntry {
                    at,
                    what: Happening::FollowUpDue {
                        timer: timer.id,
                        what: what.clone(),
                    },
                }];
                if matches!(
                    ticket.status,
                    Status::WaitingOnBuyer | Status::WaitingOnMarketplace
                ) {
                    entries.push(TimelineEntry {
                        at,
                        what: Happening::StatusChanged {
                            from: ticket.status,
                            to: Status::WaitingOnUs,
                            by: "system".into(),
                        },
                    });
                    ticket.status = Status::WaitingOnUs;
                }
                Ok(entries)
            }
        }
    }

    /// The off-hours acknowledgement for `ticket`, in the buyer's language from the locale
    /// packs. It does not count as the first response (Amazon: auto-responders do not).
    async fn off_hours_ack(
        &self,
        ticket: &Ticket,
        answer_by: Timestamp,
        now: Timestamp,
    ) -> Vec<TimelineEntry> {
        const SCENARIO: &str = "off-hours-ack";
        let failed = |error: String| {
            vec![TimelineEntry {
                at: now,
                what: Happening::AutoReplyFailed {
                    scenario: SCENARIO.into(),
                    error,
                },
            }]
        };
        let Some(replies) = self.replies.get() else {
            return failed("no locale packs are available to write it".into());
        };
        let variables = [(
            "answer-by".to_string(),
            crate::plugin::bindings::locale_api::Value::Datetime(
                crate::plugin::bindings::types::Timestamp {
                    seconds: answer_by.as_second(),
                    nanoseconds: 0,
                },
            ),
        )]
        .into_iter()
        .collect();
        match replies
            .draft(ticket, SCENARIO, None, variables, None, now)
            .await
        {
            Ok(draft) if draft.blocked => failed(format!(
                "the compliance guard blocked it: {}",
                draft
                    .findings
                    .iter()
                    .filter(|f| f.blocking)
                    .map(|f| f.rule.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Ok(draft) => vec![TimelineEntry {
                at: now,
                what: Happening::AutoReply {
                    scenario: SCENARIO.into(),
                    language: draft.language,
                    subject: draft.subject,
                    body: draft.body,
                },
            }],
            Err(e) => failed(e.to_string()),
        }
    }

    /// Schedule a follow-up on ticket `id` at `due`.
    pub async fn schedule_follow_up(
        &self,
        id: u64,
        due: Timestamp,
        what: String,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        if what.trim().is_empty() {
            return Err(ChangeError::Invalid(
                "a follow-up needs `what` to check".into(),
            ));
        }
        let timer = self.store.new_timer_id()?;
        self.change(id, |ticket, now| {
            if due <= now {
                return Err(ChangeError::Invalid(format!("{due} is not in the future")));
            }
            ticket.timers.push(Timer {
                id: timer,
                due,
                what: TimerKind::FollowUp {
                    what: what.clone(),
                    by: by.to_string(),
                },
            });
            ticket.timers.sort_by_key(|t| (t.due, t.id));
            Ok(vec![Happening::FollowUpScheduled {
                timer,
                due,
                what,
                by: by.to_string(),
            }])
        })
        .await
    }

    /// Cancel follow-up `timer` of ticket `id`.
    pub async fn cancel_follow_up(
        &self,
        id: u64,
        timer: u64,
        by: &str,
    ) -> Result<Ticket, ChangeError> {
        self.change(id, |ticket, _| {
            let before = ticket.timers.len();
            ticket
                .timers
                .retain(|t| !(t.id == timer && matches!(t.what, TimerKind::FollowUp { .. })));
            if ticket.timers.len() == before {
                return Err(ChangeError::Invalid(format!(
                    "ticket {id} has no pending follow-up {timer}"
                )));
            }
            Ok(vec![Happening::FollowUpCancelled {
                timer,
                by: by.to_string(),
            }])
        })
        .await
    }

    /// The team as the API shows it: each agent with open tickets and whether on shift.
    pub fn agents(&self, now: Timestamp) -> Vec<serde_json::Value> {
        let loads = self.loads();
        self.settings
            .agents
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.name,
                    "skills": a.skills.iter().map(|s| format!("{s:?}").to_lowercase()).collect::<Vec<_>>(),
                    "languages": a.languages,
                    "capacity": a.capacity,
                    "open_tickets": loads.get(&a.name).copied().unwrap_or(0),
                    "on_shift": a.hours.is_open(now),
                    "lead": a.lead,
                    "vip": a.vip,
                })
            })
            .collect()
    }

    /// The store behind the engine (read side).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The anomaly watchers that look at single events: failed payments and the words of a
/// buyer about to leave a negative review.
///
/// The ticket about a kept delivery its connector cannot read (written by ingest with this
/// reason code and its sequence number in attribute `kept_delivery`) alerts too.
fn anomalies(event: &TicketEvent) -> Vec<helloword_model::alerts::Trigger> {
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
        && let Some(delivery) = event
            .attributes
            .iter()
            .find(|(name, _)| name == "kept_delivery")
            .and_then(|(_, seq)| seq.parse().ok())
    {
        found.push(helloword_model::alerts::Trigger::UnreadableDelivery { delivery });
    }
    found
}

/// Cases whose shipment the logistics watcher follows.
fn is_logistics(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::NotReceived
            | IssueKind::LogisticsDelay
            | IssueKind::CustomsHold
            | IssueKind::ShipmentUpdate
    )
}

fn event_entry(seq: u64, at: Timestamp, event: &TicketEvent) -> TimelineEntry {
    TimelineEntry {
        at,
        what: Happening::Event {
            delivery: seq,
            summary: event.summary.clone(),
            platform_status: event.status.clone(),
        },
    }
}

/// Whom a verified erasure request (`privacy-request` with `privacy_action` =
/// `erase_customer`) names, if `event` is one.
fn erasure_subject(marketplace: &str, event: &TicketEvent) -> Option<crate::store::Subject> {
    if event.kind != IssueKind::PrivacyRequest {
        return None;
    }
    let attribute = |name: &str| {
        event
            .attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
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
