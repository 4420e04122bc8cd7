//! Changes asked through the API (assign, note, status, translation, follow-ups) and the
//! alert planning every change shares.

use jiff::Timestamp;

use super::{ChangeError, Engine};
use crate::store::StoreError;
use crate::tickets::customers::{Customer, Tag};
use crate::tickets::model::{Happening, Status, Ticket, Timer, TimerKind};
use helloword_model::actions::Record;

impl Engine {
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
    pub(super) fn plan_alerts(
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
    pub(super) fn alerted(
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

    /// Why a message to the buyer of a `connector` ticket cannot be delivered, when its
    /// connector is loaded and says it cannot message buyers (Shopify without e-mail set
    /// up). A connector that is not loaded right now may come back: its messages wait.
    pub fn no_channel(&self, connector: &str) -> Option<String> {
        use crate::plugin::bindings::connector_api::Capability;
        let plugin = self.plugins.get(connector)?;
        (!plugin.can(Capability::Message)).then(|| {
            let how = match &plugin.manifest.rules.message_setup {
                Some(setup) => setup.clone(),
                None => format!(
                    "its plugin.toml says which settings of [plugins.config.{connector}] let it \
                     message buyers, if any"
                ),
            };
            format!(
                "the {connector} connector cannot message buyers as configured: it lists no \
                 `message` capability ({how})"
            )
        })
    }

    /// Why `connector` cannot carry out one of `kinds`: its `describe` lists no capability
    /// for it. `None` when it can, or when it is not loaded right now (it may come back; the
    /// action waits). Messages are [`Engine::no_channel`]'s.
    pub fn unsupported(
        &self,
        connector: &str,
        kinds: &[crate::plugin::bindings::types::ActionKind],
    ) -> Option<String> {
        use crate::plugin::bindings::connector_api::Capability;
        use crate::plugin::bindings::types::ActionKind;
        let plugin = self.plugins.get(connector)?;
        kinds.iter().find_map(|kind| {
            let (capability, what) = match kind {
                ActionKind::Refund(_) => (Capability::Refund, ("refunds", "refund")),
                ActionKind::Reship(_) => (Capability::Reship, ("replacements", "reship")),
                ActionKind::Coupon(_) => (Capability::Coupon, ("coupons", "coupon")),
                ActionKind::ReturnDecision(_) => (
                    Capability::ReturnDecision,
                    ("return decisions", "return-decision"),
                ),
                ActionKind::DisputeEvidence(_) => (
                    Capability::DisputeEvidence,
                    ("dispute evidence", "dispute-evidence"),
                ),
                ActionKind::Message(_) => return None,
            };
            (!plugin.can(capability)).then(|| {
                format!(
                    "the {connector} connector does not offer {} (its describe lists no `{}` \
                     capability); nothing was queued: do it at the marketplace by hand",
                    what.0, what.1
                )
            })
        })
    }

    /// The first-response deadline of a case from `connector` opened by `event` at
    /// `received_at`, under the connector's marketplace rules (the defaults when it is not
    /// loaded).
    pub(super) fn deadline(
        &self,
        connector: &str,
        event: &crate::plugin::bindings::types::TicketEvent,
        severity: crate::tickets::sla::Severity,
        received_at: Timestamp,
    ) -> crate::tickets::sla::Deadline {
        // Borrowed from the loaded plugin, not cloned: this runs for every event applied.
        let plugin = self.plugins.get(connector);
        let defaults = crate::plugin::bindings::rules::MarketplaceRules::default();
        let rules = plugin.as_ref().map_or(&defaults, |p| &p.manifest.rules);
        self.settings
            .deadline(connector, rules, event, severity, received_at)
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
    pub(super) async fn change_with_customer(
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
            // An agent who moves a new case to waiting (on the buyer, on the marketplace)
            // says it was answered outside the gateway; closing an unanswered case leaves it
            // unanswered. What the gateway sends counts once delivered (`delivery.rs`).
            let waiting = matches!(
                status,
                Status::WaitingOnBuyer | Status::WaitingOnMarketplace
            );
            if ticket.first_response_at.is_none() && from == Status::New && waiting {
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
}
