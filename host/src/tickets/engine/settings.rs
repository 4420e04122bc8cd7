//! How the engine decides: the `[tickets]` section and what it becomes (severity rules,
//! the business calendar, targets, the escalation ladder, the marketplaces' own deadlines,
//! the team).

use jiff::Timestamp;

use crate::plugin::bindings::rules::MarketplaceRules;
use crate::plugin::bindings::types::{IssueKind, TicketEvent};
use crate::tickets::assignment::{Agent, AgentConfig};
use crate::tickets::sla::{
    self, BusinessCalendar, EscalationLadder, MarketplaceRule, Severity, SeverityTargets,
};
use crate::tickets::triage::Triage;

/// The `[tickets]` config section as written (validated by [`EngineSettings::from_config`]).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketsConfig {
    /// Severity rules.
    #[serde(default)]
    pub triage: crate::tickets::triage::TriageConfig,
    /// The seller's working time; always open (UTC) when absent.
    pub business_hours: Option<sla::BusinessCalendarConfig>,
    /// Severity targets in business time ("4h", "PT12H", ...).
    #[serde(default)]
    pub targets: SeverityTargets,
    /// Escalation points, per mille of the time to the deadline.
    #[serde(default)]
    pub escalation: EscalationLadder,
    /// The operator's changes to connectors' deadline rules, matched by rule name.
    #[serde(default)]
    pub rule_overrides: Vec<MarketplaceRule>,
    /// The support team.
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    /// Issue kinds that are context, not cases: they update their order and its open
    /// cases, and open a ticket only when a payment or delivery failed. Default:
    /// order-update, shipment-update, refund-issued; `[]` opens a ticket for every event.
    pub context_kinds: Option<Vec<String>>,
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
    /// The operator's changes to connectors' deadline rules, matched by rule name.
    pub rule_overrides: Vec<MarketplaceRule>,
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
    /// Issue kinds that are context (see [`TicketsConfig::context_kinds`]).
    pub context_kinds: Vec<IssueKind>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            triage: Triage::default(),
            calendar: BusinessCalendar::always_open(jiff::tz::TimeZone::UTC),
            targets: SeverityTargets::default(),
            ladder: EscalationLadder::default(),
            rule_overrides: Vec::new(),
            agents: Vec::new(),
            off_hours_ack: false,
            auto_propose: false,
            alerts: None,
            files_dir: None,
            context_kinds: helloword_model::orders::CONTEXT_KINDS.to_vec(),
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
        for (i, rule) in config.rule_overrides.iter().enumerate() {
            if config.rule_overrides[..i]
                .iter()
                .any(|r| r.name == rule.name)
            {
                return Err(format!(
                    "`tickets.rule_overrides[{i}].name` {:?} is used twice",
                    rule.name
                ));
            }
        }
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
        let context_kinds = match &config.context_kinds {
            None => helloword_model::orders::CONTEXT_KINDS.to_vec(),
            Some(names) => names
                .iter()
                .map(|name| {
                    crate::tickets::model::kind_from_name(name).ok_or_else(|| {
                        format!(
                            "`tickets.context_kinds` names {name:?}, which is not an issue kind \
                             (e.g. order-update, shipment-update, refund-issued)"
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(EngineSettings {
            context_kinds,
            triage: Triage::from_config(&config.triage)?,
            calendar,
            targets: config.targets,
            ladder: config.escalation.clone(),
            rule_overrides: config.rule_overrides.clone(),
            agents,
            off_hours_ack: false,
            auto_propose: false,
            alerts: None,
            files_dir: None,
        })
    }

    /// The deadline rule for an event of `kind` under a connector's `rules`: the
    /// connector's rule for the kind with the operator's override of the same name over it;
    /// a privacy request's legal deadline on every marketplace.
    pub(super) fn rule(
        &self,
        rules: &MarketplaceRules,
        kind: IssueKind,
    ) -> Option<MarketplaceRule> {
        if kind == IssueKind::PrivacyRequest {
            return Some(sla::privacy_rule());
        }
        let rule = rules.deadline(kind)?;
        Some(
            self.rule_overrides
                .iter()
                .find(|r| r.name == rule.name)
                .cloned()
                .unwrap_or_else(|| rule.rule()),
        )
    }

    /// The names of `rule_overrides` that no deadline rule among `rules` (the loaded
    /// connectors') has: an override that changes nothing, most likely a typo.
    pub fn unmatched_overrides<'a>(
        &self,
        rules: impl IntoIterator<Item = &'a MarketplaceRules> + Clone,
    ) -> Vec<String> {
        self.rule_overrides
            .iter()
            .filter(|o| {
                !rules
                    .clone()
                    .into_iter()
                    .any(|r| r.deadlines.iter().any(|d| d.name == o.name))
            })
            .map(|o| o.name.clone())
            .collect()
    }

    /// The first-response deadline of a case opened by `event` at `received_at`.
    pub(super) fn deadline(
        &self,
        marketplace: &str,
        rules: &MarketplaceRules,
        event: &TicketEvent,
        severity: Severity,
        received_at: Timestamp,
    ) -> sla::Deadline {
        let platform = event
            .platform_deadline
            .as_ref()
            .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok());
        let rule = self.rule(rules, event.kind).or_else(|| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_no_connector_rule_has_is_named() {
        let config: TicketsConfig = toml::from_str(
            "[[rule_overrides]]\nname = \"ebay.case\"\nwindow = { calendar = \"12h\" }\n\
             [[rule_overrides]]\nname = \"ebay.cases\"\nwindow = { calendar = \"12h\" }\n",
        )
        .unwrap();
        let settings = EngineSettings::from_config(&config).unwrap();
        let rules: MarketplaceRules = toml::from_str(
            "[[deadlines]]\nname = \"ebay.case\"\nkinds = [\"not-received\"]\n\
             window = { calendar = \"72h\" }\n",
        )
        .unwrap();
        assert_eq!(settings.unmatched_overrides([&rules]), ["ebay.cases"]);
        // The override replaces the connector's window by the rule's name.
        let rule = settings.rule(&rules, IssueKind::NotReceived).unwrap();
        assert_eq!(
            rule.window,
            Some(sla::ResponseWindow::Calendar(
                jiff::SignedDuration::from_hours(12)
            ))
        );
    }
}
