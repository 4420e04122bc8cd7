//! Timers: escalations, stall checks, erasures, proposals, off-hours acknowledgements and
//! follow-ups, each fired at most once, in the same commit as its effect.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::{ChangeError, Engine, TIMER_BATCH};

/// Asks of the compensation policy, in a row, before a failing one is left to a human.
pub const POLICY_ATTEMPTS: u32 = 5;
use crate::store::{StoreError, TicketWrite};
use crate::tickets::model::{Happening, Status, Ticket, TimelineEntry, Timer, TimerKind};
use helloword_model::actions::Record;

impl Engine {
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

    /// What a fired timer does to its ticket: one function per kind of timer, each handed
    /// the ticket to change and the records to write in the same commit.
    async fn effect(
        &self,
        ticket: &mut Ticket,
        timer: &Timer,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        match &timer.what {
            TimerKind::Escalation { per_mille } => {
                self.escalate(ticket, *per_mille, timer.due, records)
            }
            TimerKind::StallCheck => self.check_stall(ticket, now, records),
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
                self.erase_on_request(ticket, subject, now, records).await
            }
            TimerKind::Propose { failed } => {
                self.propose_on_timer(ticket, *failed, now, records).await
            }
            TimerKind::OffHoursAck { answer_by } => {
                self.acknowledge_off_hours(ticket, timer.id, *answer_by, now, records)
                    .await
            }
            TimerKind::FollowUp { what, .. } => {
                // Its owner is told (every lead when nobody owns the ticket).
                let trigger = helloword_model::alerts::Trigger::FollowUpDue {
                    timer: timer.id,
                    check: what.clone(),
                };
                records.extend(self.plan_alerts(ticket, trigger, false)?);
                Ok(follow_up_due(ticket, timer.id, what, timer.due))
            }
        }
    }

    /// An escalation step: alert, count a breach, and at the deadline hand the case to the lead.
    fn escalate(
        &self,
        ticket: &mut Ticket,
        per_mille: u16,
        at: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        if ticket.answered() || !ticket.status.is_open() {
            return Ok(Vec::new());
        }
        if per_mille >= 1000 {
            self.metrics.counter_add(
                "helloword_sla_breaches_total",
                "First-response deadlines missed, by marketplace and severity.",
                &[
                    ("marketplace", &ticket.marketplace),
                    ("severity", ticket.severity.as_str()),
                ],
                1,
            );
        }
        let lead = (per_mille >= 1000)
            .then(|| self.settings.agents.iter().find(|a| a.lead))
            .flatten()
            .map(|a| a.name.clone());
        let mut entries = vec![TimelineEntry {
            at,
            what: Happening::Escalated {
                per_mille,
                lead: lead.clone(),
            },
        }];
        // Before the deadline: a case nobody on shift owns goes to someone who is.
        if per_mille < 1000
            && let Some(entry) = self.hand_to_someone_on_shift(ticket, at)
        {
            entries.push(entry);
        }
        records.extend(self.plan_alerts(
            ticket,
            helloword_model::alerts::Trigger::Sla { per_mille },
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

    /// Near its deadline, a case with no owner, or whose owner is off shift, goes to the
    /// best agent on shift with room (skill, language, load, as at opening). Nothing
    /// changes when nobody else can take it: the escalation alerts still go out.
    fn hand_to_someone_on_shift(
        &self,
        ticket: &mut Ticket,
        at: Timestamp,
    ) -> Option<TimelineEntry> {
        let agents = &self.settings.agents;
        let why = match &ticket.assignee {
            None => "near its deadline with no owner".to_string(),
            Some(owner) => {
                let agent = agents.iter().find(|a| &a.name == owner)?;
                if agent.hours.is_open(at) {
                    return None;
                }
                format!("near its deadline; {owner} is off shift")
            }
        };
        if ticket.kind == crate::plugin::bindings::types::IssueKind::PrivacyRequest {
            return None;
        }
        let needs = crate::tickets::assignment::CaseNeeds {
            kind: ticket.kind,
            language: ticket.language.as_deref(),
            vip: false,
        };
        let others: Vec<_> = agents
            .iter()
            .filter(|a| ticket.assignee.as_ref() != Some(&a.name))
            .cloned()
            .collect();
        let (agent, chosen_because) =
            crate::tickets::assignment::choose(&others, &needs, at, &self.loads())?;
        ticket.assignee = Some(agent.name.clone());
        Some(TimelineEntry {
            at,
            what: Happening::Assigned {
                to: Some(agent.name.clone()),
                by: "system".into(),
                reason: Some(format!("{why}: {chosen_because}")),
            },
        })
    }

    /// A shipment still (no carrier movement) for the configured days: alert once;
    /// otherwise look again when it would be.
    fn check_stall(
        &self,
        ticket: &mut Ticket,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let Some(config) = &self.settings.alerts else {
            return Ok(Vec::new());
        };
        if !ticket.status.is_open() || ticket.facts.delivered_at.is_some() {
            return Ok(Vec::new());
        }
        let days = config.logistics_stalled_days;
        // Quiet since the carrier last reported movement of the order's parcel; a ticket
        // without a known parcel since it last changed.
        let moved = self
            .store
            .order_of(ticket)?
            .and_then(|o| o.shipment)
            .and_then(|s| s.moved_at);
        let quiet_since = moved.unwrap_or(ticket.updated_at);
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

    /// A verified erasure request, carried out: the buyer's data goes everywhere, the request's
    /// own ticket is scrubbed and resolved.
    async fn erase_on_request(
        &self,
        ticket: &mut Ticket,
        subject: crate::store::Subject,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
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
                    "Erased the buyer's data: {} profile(s), {} order(s), {} ticket(s) scrubbed, \
                     {} delivery body(ies) removed, {} evidence file(s) deleted.",
                    erased.profiles, erased.orders, erased.tickets, erased.deliveries, erased.files
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
                "erased buyer data on request: {} profile(s), {} order(s), {} ticket(s), {} \
                 delivery(ies), {} file(s)",
                erased.profiles, erased.orders, erased.tickets, erased.deliveries, erased.files
            ),
        }));
        Ok(lines)
    }

    /// Ask the compensation policy for a proposal (`failed` asks before this one failed); an
    /// investigation window is looked at again when it ends. A failed ask is retried after
    /// 1, 2, 4 and 8 minutes (a timeout under load, a plugin being replaced); after
    /// [`POLICY_ATTEMPTS`] failures the ticket gets one note and its owner an alert, and the
    /// policy is not asked again until someone asks from the ticket.
    async fn propose_on_timer(
        &self,
        ticket: &mut Ticket,
        failed: u32,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        if !ticket.status.is_open() {
            return Ok(Vec::new());
        }
        let decided =
            super::compensation::ask_policy(&self.store, &self.plugins, ticket, None, now).await;
        let (policy, decided) = match decided {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(Vec::new()),
            Err(e) => {
                let failed = failed + 1;
                if failed < POLICY_ATTEMPTS {
                    let wait = jiff::SignedDuration::from_secs(60 << (failed - 1));
                    ticket.timers.push(Timer {
                        id: self.store.new_timer_id()?,
                        due: now + wait,
                        what: TimerKind::Propose { failed },
                    });
                    ticket.timers.sort_by_key(|t| t.due);
                    return Ok(Vec::new());
                }
                records.extend(self.plan_alerts(
                    ticket,
                    helloword_model::alerts::Trigger::PolicyFailed { asks: failed },
                    false,
                )?);
                return Ok(vec![TimelineEntry {
                    at: now,
                    what: Happening::Note {
                        text: format!(
                            "No compensation proposal: the policy failed {failed} times ({e}). \
                             Propose by hand, or ask the policy again from the ticket."
                        ),
                        by: "system".into(),
                    },
                }]);
            }
        };
        let (proposal, happenings, new_records) = super::compensation::proposal_records(
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
                what: TimerKind::Propose { failed: 0 },
            });
            ticket.timers.sort_by_key(|t| t.due);
        }
        Ok(happenings
            .into_iter()
            .map(|what| TimelineEntry { at: now, what })
            .collect())
    }

    /// Outside business hours and still unanswered: the acknowledgement, queued through the
    /// outbox in this same commit.
    async fn acknowledge_off_hours(
        &self,
        ticket: &mut Ticket,
        timer: u64,
        answer_by: Timestamp,
        now: Timestamp,
        records: &mut Vec<Record>,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        if ticket.first_response_at.is_some() || !ticket.status.is_open() {
            return Ok(Vec::new());
        }
        // Only on a channel that delivers it; the team sees why none went out.
        if let Some(why) = self.no_channel(&ticket.marketplace) {
            return Ok(vec![TimelineEntry {
                at: now,
                what: Happening::Note {
                    by: "system".into(),
                    text: format!("No off-hours acknowledgement was sent: {why}."),
                },
            }]);
        }
        let entries = self.off_hours_ack(ticket, answer_by, now).await;
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
                let (h, r) = super::compensation::queue_for(
                    ticket,
                    std::slice::from_ref(&kind),
                    &format!("off-hours-ack {}", timer),
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
        match self
            .replies
            .draft(
                ticket,
                SCENARIO,
                None,
                variables,
                crate::replies::ForAgent::default(),
                now,
            )
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
}

/// A follow-up came due: say so, and a case waiting on someone else waits on us again.
fn follow_up_due(ticket: &mut Ticket, timer: u64, what: &str, at: Timestamp) -> Vec<TimelineEntry> {
    let mut entries = vec![TimelineEntry {
        at,
        what: Happening::FollowUpDue {
            timer,
            what: what.to_string(),
        },
    }];
    if matches!(
        ticket.status,
        Status::WaitingOnBuyer | Status::WaitingOnMarketplace
    ) {
        entries.push(super::back_to_us(ticket, at));
    }
    entries
}
