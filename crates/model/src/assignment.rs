//! Assignment: who owns a new ticket. Among agents on shift who have the skill the case
//! needs and room under their capacity, prefer those who speak the buyer's language, then
//! the least loaded; VIP buyers go to the agents named for them. Nobody is ever given a
//! ticket over capacity: when everyone is full the ticket waits unassigned.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;

use super::sla::{BusinessCalendar, BusinessCalendarConfig, CalendarError};
use crate::types::IssueKind;

/// What a case needs an agent to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Skill {
    /// Shipping, tracking, returns, cancellations.
    Logistics,
    /// Damaged, wrong or poor items, reviews.
    Quality,
    /// Chargebacks, payment disputes, refunds, claims.
    Payment,
}

/// The skill a kind of case needs, if any.
pub fn skill_for(kind: IssueKind) -> Option<Skill> {
    use IssueKind::*;
    match kind {
        NotReceived | DeliveredNotReceived | LogisticsDelay | CustomsHold | ShipmentUpdate
        | ReturnRequest | CancellationRequest => Some(Skill::Logistics),
        Damaged | WrongItem | Quality | NegativeReview => Some(Skill::Quality),
        Chargeback | PaymentDispute | RefundIssued | AToZClaim => Some(Skill::Payment),
        BuyerMessage | AccountHealth | OrderUpdate | PrivacyRequest | Other => None,
    }
}

/// One `[[agents]]` entry as written in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The agent's name, as assignments and the audit trail show it.
    pub name: String,
    /// What the agent handles.
    #[serde(default)]
    pub skills: Vec<Skill>,
    /// Languages the agent writes (BCP 47 primary tags, e.g. "de", "zh").
    #[serde(default)]
    pub languages: Vec<String>,
    /// Open tickets the agent may hold at once.
    pub capacity: u32,
    /// Leads receive escalations.
    #[serde(default)]
    pub lead: bool,
    /// Takes VIP customers.
    #[serde(default)]
    pub vip: bool,
    /// Working hours; the seller's business calendar when absent.
    pub hours: Option<BusinessCalendarConfig>,
    /// How alerts reach the agent.
    #[serde(default)]
    pub contact: crate::alerts::Contact,
}

/// An agent, validated.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Name.
    pub name: String,
    /// Skills.
    pub skills: Vec<Skill>,
    /// Languages, lower-case primary tags.
    pub languages: Vec<String>,
    /// Capacity.
    pub capacity: u32,
    /// Lead.
    pub lead: bool,
    /// Takes VIP customers.
    pub vip: bool,
    /// When the agent works.
    pub hours: BusinessCalendar,
    /// How alerts reach the agent.
    pub contact: crate::alerts::Contact,
}

impl Agent {
    /// An agent from config; `default_hours` when the entry has none.
    pub fn from_config(
        config: &AgentConfig,
        default_hours: &BusinessCalendar,
    ) -> Result<Agent, CalendarError> {
        Ok(Agent {
            name: config.name.clone(),
            skills: config.skills.clone(),
            languages: config.languages.iter().map(|l| primary(l)).collect(),
            capacity: config.capacity,
            lead: config.lead,
            vip: config.vip,
            hours: match &config.hours {
                Some(h) => BusinessCalendar::from_config(h)?,
                None => default_hours.clone(),
            },
            contact: config.contact.clone(),
        })
    }
}

/// The primary language subtag, lower case: "pt-BR" → "pt".
fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// What assignment needs to know about a case.
pub struct CaseNeeds<'a> {
    /// The kind of case.
    pub kind: IssueKind,
    /// The buyer's preferred language, if known.
    pub language: Option<&'a str>,
    /// Whether the buyer is a VIP.
    pub vip: bool,
}

/// The agent to give the case to, and why; `None` when nobody on shift has room.
pub fn choose<'a>(
    agents: &'a [Agent],
    needs: &CaseNeeds<'_>,
    now: Timestamp,
    loads: &HashMap<String, u32>,
) -> Option<(&'a Agent, String)> {
    let skill = skill_for(needs.kind);
    let language = needs.language.map(primary);
    let load = |a: &Agent| loads.get(&a.name).copied().unwrap_or(0);
    let candidates = agents.iter().filter(|a| {
        a.hours.is_open(now) && load(a) < a.capacity && skill.is_none_or(|s| a.skills.contains(&s))
    });
    // Best first: VIP agents for VIP buyers, then the buyer's language, then the lightest load.
    let best = candidates.min_by_key(|a| {
        let vip_miss = needs.vip && !a.vip;
        let language_miss = language.as_ref().is_some_and(|l| !a.languages.contains(l));
        (vip_miss, language_miss, load(a), a.name.clone())
    })?;
    let mut why = vec![format!("on shift, {}/{} open", load(best), best.capacity)];
    if let Some(s) = skill {
        why.push(format!("{s:?} skill").to_lowercase());
    }
    if let Some(l) = &language
        && best.languages.contains(l)
    {
        why.push(format!("speaks {l}"));
    }
    if needs.vip && best.vip {
        why.push("VIP agent".into());
    }
    Some((best, why.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str, skills: &[Skill], languages: &[&str], capacity: u32) -> Agent {
        Agent {
            name: name.into(),
            skills: skills.to_vec(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
            capacity,
            lead: false,
            vip: false,
            hours: BusinessCalendar::always_open(jiff::tz::TimeZone::UTC),
            contact: Default::default(),
        }
    }

    fn needs(kind: IssueKind, language: Option<&str>) -> CaseNeeds<'_> {
        CaseNeeds {
            kind,
            language,
            vip: false,
        }
    }

    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    #[test]
    fn the_skill_is_required_and_the_language_preferred() {
        let agents = [
            agent("ana", &[Skill::Payment], &["es"], 10),
            agent("ben", &[Skill::Payment], &["de", "en"], 10),
            agent("cai", &[Skill::Logistics], &["de"], 10),
        ];
        let loads = HashMap::new();
        let (who, why) = choose(
            &agents,
            &needs(IssueKind::Chargeback, Some("de-AT")),
            NOW,
            &loads,
        )
        .unwrap();
        assert_eq!(who.name, "ben");
        assert_eq!(why, "on shift, 0/10 open, payment skill, speaks de");
        let (who, _) = choose(
            &agents,
            &needs(IssueKind::LogisticsDelay, Some("fr")),
            NOW,
            &loads,
        )
        .unwrap();
        assert_eq!(who.name, "cai");
    }

    #[test]
    fn the_least_loaded_wins_and_nobody_goes_over_capacity() {
        let agents = [
            agent("ana", &[Skill::Quality], &["en"], 2),
            agent("ben", &[Skill::Quality], &["en"], 5),
        ];
        let mut loads = HashMap::from([("ana".to_string(), 1), ("ben".to_string(), 3)]);
        let (who, _) =
            choose(&agents, &needs(IssueKind::Damaged, Some("en")), NOW, &loads).unwrap();
        assert_eq!(who.name, "ana");
        loads.insert("ana".into(), 2);
        let (who, _) =
            choose(&agents, &needs(IssueKind::Damaged, Some("en")), NOW, &loads).unwrap();
        assert_eq!(who.name, "ben");
        loads.insert("ben".into(), 5);
        assert!(choose(&agents, &needs(IssueKind::Damaged, Some("en")), NOW, &loads).is_none());
    }

    #[test]
    fn agents_off_shift_are_skipped_and_vips_go_to_vip_agents() {
        let mut night = agent("nia", &[Skill::Payment], &["en"], 10);
        night.hours = BusinessCalendar::from_config(&BusinessCalendarConfig {
            time_zone: "UTC".into(),
            hours: toml::from_str("mon = [\"09:00-17:00\"]").unwrap(),
            holidays: vec![],
        })
        .unwrap();
        let mut vip = agent("vic", &[Skill::Payment], &["en"], 10);
        vip.vip = true;
        let agents = [night, vip, agent("zed", &[Skill::Payment], &["en"], 10)];
        // 1970-01-01 was a Thursday: the Monday-only agent is off shift.
        let loads = HashMap::from([("vic".to_string(), 5)]);
        let (who, _) = choose(&agents, &needs(IssueKind::Chargeback, None), NOW, &loads).unwrap();
        assert_eq!(who.name, "zed");
        let vip_case = CaseNeeds {
            kind: IssueKind::Chargeback,
            language: None,
            vip: true,
        };
        let (who, why) = choose(&agents, &vip_case, NOW, &loads).unwrap();
        assert_eq!(who.name, "vic");
        assert!(why.ends_with("VIP agent"), "{why}");
    }
}
