//! Replies: a draft in the buyer's language from the locale packs, with culture tips and the
//! compliance guard's findings; the guard on its own for texts agents write; translation of
//! an agent's draft through a translator plugin.
//!
//! The [`Catalog`] is built from the loaded locale packs (their languages, markets,
//! scenarios, compliance phrases and marker words) and rebuilt when the pack set changes —
//! dropping a new pack into the plugin folder makes its language available without a
//! restart.

pub mod detect;
pub mod guard;
pub mod translate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::Serialize;

use crate::plugin::bindings::locale_api::{Direction, RenderError, RenderRequest, Rendered, Value};
use crate::plugin::bindings::rules::MarketplaceRules;
use crate::plugin::bindings::types::{self, Money};
use crate::plugin::{Plugin, PluginError, PluginKind, PluginSet};
use detect::Detector;
use guard::{Context, Finding, Guard};
use helloword_model::model::Ticket;

/// The language a reply falls back to when the buyer's is unknown or has no pack.
pub const FALLBACK_LANGUAGE: &str = "en";

/// One loaded locale pack, as the catalog knows it.
#[derive(Debug, Clone, Serialize)]
pub struct PackEntry {
    /// Plugin id.
    pub plugin: String,
    /// Languages it writes.
    pub languages: Vec<String>,
    /// Markets it formats for.
    pub markets: Vec<String>,
    /// Scenarios it has templates for.
    pub scenarios: Vec<String>,
    #[serde(skip)]
    handle: Arc<Plugin>,
}

/// What the loaded packs offer, and the guard built from them.
#[derive(Debug, Default)]
pub struct Catalog {
    fingerprint: Vec<(String, String)>,
    /// Packs, by plugin id.
    pub packs: Vec<PackEntry>,
    /// Language detection.
    pub detector: Detector,
    /// The compliance guard.
    pub guard: Guard,
}

impl Catalog {
    /// The pack for `language` (exact tag first, then the primary language), if any.
    pub fn pack_for(&self, language: &str) -> Option<(&PackEntry, String)> {
        let wanted = language.replace('_', "-");
        let exact = self.packs.iter().find_map(|p| {
            p.languages
                .iter()
                .find(|l| l.eq_ignore_ascii_case(&wanted))
                .map(|l| (p, l.clone()))
        });
        exact.or_else(|| {
            let primary = detect::primary(&wanted);
            self.packs.iter().find_map(|p| {
                p.languages
                    .iter()
                    .find(|l| detect::primary(l) == primary)
                    .map(|l| (p, l.clone()))
            })
        })
    }

    /// The pack serving `market` (ISO 3166-1 alpha-2), if any.
    pub fn pack_for_market(&self, market: &str) -> Option<(&PackEntry, String)> {
        self.packs.iter().find_map(|p| {
            p.markets
                .iter()
                .any(|m| m.eq_ignore_ascii_case(market))
                .then(|| (p, p.languages.first().cloned().unwrap_or_default()))
        })
    }

    /// The language and pack a ticket's reply is written in: the language asked for, else
    /// the buyer's preferred locale, else the language of the buyer's country, else English.
    pub fn choose(
        &self,
        asked: Option<&str>,
        ticket: &Ticket,
    ) -> Result<(&PackEntry, String), ReplyError> {
        if let Some(asked) = asked {
            return self
                .pack_for(asked)
                .ok_or_else(|| ReplyError::NoPack(asked.to_string()));
        }
        ticket
            .language
            .as_deref()
            .and_then(|l| self.pack_for(l))
            .or_else(|| {
                ticket
                    .country
                    .as_deref()
                    .and_then(|c| self.pack_for_market(c))
            })
            .or_else(|| self.pack_for(FALLBACK_LANGUAGE))
            .ok_or_else(|| ReplyError::NoPack(FALLBACK_LANGUAGE.to_string()))
    }
}

/// Why a reply could not be drafted, checked or translated.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// No loaded pack writes the language.
    #[error("no locale pack writes {0:?}; install one in the plugin folder")]
    NoPack(String),
    /// The pack has no template for the scenario.
    #[error("unknown scenario {0:?}; see GET /api/locales for the scenarios")]
    UnknownScenario(String),
    /// A variable the template needs is not known for this ticket and was not given.
    #[error("the template needs variable {0:?}: give it in \"variables\"")]
    MissingVariable(String),
    /// A given variable could not be read.
    #[error("variable {name:?}: {problem}")]
    BadVariable {
        /// Which variable.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The pack failed (trap, timeout, …).
    #[error("locale pack {plugin}: {error}")]
    Plugin {
        /// Which pack.
        plugin: String,
        /// What happened.
        error: PluginError,
    },
    /// Translation failed; nothing was translated.
    #[error("translation failed: {0}")]
    Translation(String),
    /// The template would promise compensation nobody granted or the policy does not offer.
    #[error("{0}")]
    NotGranted(String),
}

/// The compensation a template names, from what was granted and what the policy offers
/// (see [`helloword_model::actions::Compensation`]), so a reply never promises more:
///
/// - `refund-confirmation` confirms the refund granted (queued, under way or done): its
///   `amount` is that refund's; a different given amount, or no refund, is refused;
/// - `partial-refund-offer` and `settlement-offer` offer at most what the policy offers (or
///   what was granted): a given `amount` or `coupon-amount` above it is refused, a smaller
///   one kept; the `coupon-code` is the code of a coupon that exists.
/// - `damaged-item` and `wrong-item` tell the buyer a replacement is on its way: one must
///   have been granted;
/// - `lost-parcel` and `quality-problem` offer a replacement or a refund: the policy must
///   offer (or someone have granted) one of them.
///
/// Other scenarios promise nothing and pass through.
pub fn compensation_variables(
    ticket: u64,
    scenario: &str,
    granted: &helloword_model::actions::Compensation,
    offered: &helloword_model::actions::Compensation,
    variables: &mut BTreeMap<String, Value>,
) -> Result<(), ReplyError> {
    use helloword_model::types::Money;
    let show = |m: &Money| {
        format!(
            "{} {}",
            helloword_sdk::money::to_decimal_string(m.minor_units, &m.currency),
            m.currency
        )
    };
    let given = |variables: &BTreeMap<String, Value>, name: &str| match variables.get(name) {
        Some(Value::Money(m)) => Some(m.clone()),
        _ => None,
    };
    let refused = |m: String| Err(ReplyError::NotGranted(m));
    match scenario {
        "refund-confirmation" => {
            let Some(refund) = granted.refund.clone() else {
                return refused(if granted.any_refund {
                    format!(
                        "the refund of ticket {ticket} has no known amount until the marketplace \
                         has made it; confirm it then"
                    )
                } else {
                    format!(
                        "no refund was granted on ticket {ticket}: approve the policy's proposal \
                         or issue a refund before confirming one"
                    )
                });
            };
            if let Some(asked) = given(variables, "amount")
                && asked != refund
            {
                return refused(format!(
                    "the refund granted on ticket {ticket} is {}; the reply cannot confirm {}",
                    show(&refund),
                    show(&asked)
                ));
            }
            variables.insert("amount".into(), Value::Money(refund));
        }
        "partial-refund-offer" | "settlement-offer" => {
            let limit = offered.refund.clone().or_else(|| granted.refund.clone());
            let Some(limit) = limit else {
                return refused(format!(
                    "the policy offers no refund on ticket {ticket}, and none was granted: a \
                     reply cannot offer one"
                ));
            };
            let amount = match given(variables, "amount") {
                Some(asked)
                    if asked.currency != limit.currency
                        || asked.minor_units > limit.minor_units =>
                {
                    return refused(format!(
                        "the reply offers {}, above the {} the policy offers on ticket {ticket}",
                        show(&asked),
                        show(&limit)
                    ));
                }
                Some(asked) => asked,
                None => limit,
            };
            variables.insert("amount".into(), Value::Money(amount));
            if scenario == "partial-refund-offer" {
                let Some((value, code)) = granted.coupon.clone() else {
                    return refused(format!(
                        "no coupon was created on ticket {ticket}: create it first, so the reply \
                         names its code"
                    ));
                };
                let Some(code) = code else {
                    return refused(format!(
                        "the coupon of ticket {ticket} has no code until the marketplace has made \
                         it"
                    ));
                };
                if let Some(asked) = given(variables, "coupon-amount")
                    && asked != value
                {
                    return refused(format!(
                        "the coupon created on ticket {ticket} is worth {}; the reply cannot \
                         offer {}",
                        show(&value),
                        show(&asked)
                    ));
                }
                variables.insert("coupon-amount".into(), Value::Money(value));
                variables.insert("coupon-code".into(), Value::Text(code));
            }
        }
        "damaged-item" | "wrong-item" if !granted.reship => {
            return refused(format!(
                "the {scenario} template tells the buyer a replacement is on its way, and none \
                 was granted on ticket {ticket}: approve the policy's proposal or queue a \
                 replacement first (or ask for photos with evidence-request)"
            ));
        }
        "lost-parcel" | "quality-problem"
            if !(offered.reship || offered.any_refund || granted.reship || granted.any_refund) =>
        {
            return refused(format!(
                "the {scenario} template offers a replacement or a refund, and the policy offers \
                 neither on ticket {ticket}, nor was one granted"
            ));
        }
        _ => {}
    }
    Ok(())
}

/// A drafted reply.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    /// Scenario id.
    pub scenario: String,
    /// Language written in.
    pub language: String,
    /// Market whose conventions were used, when the pack serves the buyer's country.
    pub market: Option<String>,
    /// Pack plugin id.
    pub pack: String,
    /// Subject line.
    pub subject: String,
    /// Body.
    pub body: String,
    /// "ltr" or "rtl".
    pub direction: &'static str,
    /// Tips for the agent about the buyer's market.
    pub culture_tips: Vec<Tip>,
    /// What the compliance guard found.
    pub findings: Vec<Finding>,
    /// Whether a finding blocks sending.
    pub blocked: bool,
}

/// The agent a draft is written for.
#[derive(Debug, Clone, Copy)]
pub struct ForAgent<'a> {
    /// The agent who signs it, when on the team (`None`: the ticket's owner, else the team).
    pub name: Option<&'a str>,
    /// The language the agent reads the dashboard in (a BCP 47 tag: "en", "zh-CN"): the
    /// draft's culture tips are written in it where the pack has them (the reply itself is
    /// in the buyer's language).
    pub reads: &'a str,
}

impl Default for ForAgent<'_> {
    /// Nobody in particular, reading English.
    fn default() -> Self {
        ForAgent {
            name: None,
            reads: "en",
        }
    }
}

/// A culture tip, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Tip {
    /// Short title.
    pub title: String,
    /// The advice.
    pub text: String,
}

/// The type of each template variable, so values given as JSON are read the right way.
pub fn variable_type(name: &str) -> VariableType {
    match name {
        "delivered-at" | "expected-at" | "answer-by" | "return-by" => VariableType::Datetime,
        "amount" | "coupon-amount" => VariableType::Money,
        "tracking-url" | "return-url" => VariableType::Url,
        _ => VariableType::Text,
    }
}

/// How a variable's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableType {
    /// Plain text.
    Text,
    /// An RFC 3339 instant.
    Datetime,
    /// `{"amount": "12.34", "currency": "EUR"}`.
    Money,
    /// A link.
    Url,
}

/// Read a variable given in a request.
pub fn parse_variable(name: &str, value: &serde_json::Value) -> Result<Value, ReplyError> {
    let bad = |problem: &str| ReplyError::BadVariable {
        name: name.to_string(),
        problem: problem.to_string(),
    };
    match variable_type(name) {
        VariableType::Text => value
            .as_str()
            .map(|s| Value::Text(s.to_string()))
            .ok_or_else(|| bad("expected a string")),
        VariableType::Url => value
            .as_str()
            .filter(|s| s.starts_with("https://") || s.starts_with("http://"))
            .map(|s| Value::Url(s.to_string()))
            .ok_or_else(|| bad("expected an http(s) link")),
        VariableType::Datetime => {
            let text = value
                .as_str()
                .ok_or_else(|| bad("expected an RFC 3339 instant"))?;
            let at: Timestamp = text
                .parse()
                .map_err(|_| bad("expected an RFC 3339 instant such as 2025-07-10T16:00:00Z"))?;
            Ok(Value::Datetime(timestamp(at)))
        }
        VariableType::Money => {
            let currency = value
                .get("currency")
                .and_then(|c| c.as_str())
                .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
                .ok_or_else(|| bad("expected {\"amount\": \"12.34\", \"currency\": \"EUR\"}"))?;
            let amount = value
                .get("amount")
                .and_then(|a| a.as_str())
                .ok_or_else(|| bad("expected \"amount\" as a decimal string"))?;
            let minor_units = helloword_sdk::money::to_minor_units(amount, currency)
                .map_err(|e| bad(&e.to_string()))?;
            Ok(Value::Money(Money {
                minor_units,
                currency: currency.to_string(),
            }))
        }
    }
}

fn timestamp(at: Timestamp) -> types::Timestamp {
    types::Timestamp {
        seconds: at.as_second(),
        nanoseconds: at.subsec_nanosecond().max(0) as u32,
    }
}

/// Replies over the loaded locale packs.
pub struct Replies {
    plugins: Arc<PluginSet>,
    catalog: Mutex<Arc<Catalog>>,
    rebuild: tokio::sync::Mutex<()>,
    /// Signs replies when the ticket has no owner.
    pub team_name: String,
}

impl Replies {
    /// Replies over the locale packs in `plugins`.
    pub fn new(plugins: Arc<PluginSet>, team_name: String) -> Replies {
        Replies {
            plugins,
            catalog: Mutex::new(Arc::new(Catalog::default())),
            rebuild: tokio::sync::Mutex::new(()),
            team_name,
        }
    }

    /// The catalog of the packs loaded now (rebuilt when the set changed).
    pub async fn catalog(&self) -> Arc<Catalog> {
        let packs = self.plugins.of_kind(PluginKind::LocalePack);
        let fingerprint: Vec<(String, String)> = packs
            .iter()
            .map(|p| (p.id().to_string(), p.content_hash.clone()))
            .collect();
        let current = self.current();
        if current.fingerprint == fingerprint {
            return current;
        }
        let _one = self.rebuild.lock().await;
        let current = self.current();
        if current.fingerprint == fingerprint {
            return current;
        }
        let catalog = Arc::new(build_catalog(packs, fingerprint).await);
        *self.catalog.lock().unwrap_or_else(|e| e.into_inner()) = catalog.clone();
        catalog
    }

    /// The plugin set the packs come from.
    pub fn plugins(&self) -> &Arc<PluginSet> {
        &self.plugins
    }

    /// The marketplace rules of the connector `connector` (its manifest's `[rules]`; the
    /// defaults when it declares none or is not loaded).
    pub fn rules_of(&self, connector: &str) -> MarketplaceRules {
        self.plugins
            .get(connector)
            .map(|p| p.manifest.rules.clone())
            .unwrap_or_default()
    }

    fn current(&self) -> Arc<Catalog> {
        self.catalog
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Check `text` against the rules of `ticket`'s marketplace, in `language` (else the
    /// buyer's).
    pub async fn check(&self, text: &str, ticket: &Ticket, language: Option<&str>) -> Vec<Finding> {
        let catalog = self.catalog().await;
        let allowed = ticket.facts.allowed_strings(ticket.order_id.as_deref());
        let rules = self.rules_of(&ticket.marketplace);
        let ctx = Context {
            rules: rules.messages,
            own_sites: &rules.own_sites,
            language: language.or(ticket.language.as_deref()),
            allowed: &allowed,
            review_requests_sent: ticket.facts.review_requests,
        };
        catalog.guard.check(text, &ctx, &catalog.detector)
    }

    /// Draft `scenario` for `ticket`: the language chosen from the buyer, variables from the
    /// ticket overridden by `given`, signed by `agent.name` (else the owner, else the team),
    /// with culture tips in the language `agent` reads.
    pub async fn draft(
        &self,
        ticket: &Ticket,
        scenario: &str,
        language: Option<&str>,
        given: BTreeMap<String, Value>,
        agent: ForAgent<'_>,
        now: Timestamp,
    ) -> Result<Draft, ReplyError> {
        let catalog = self.catalog().await;
        let (pack, language) = catalog.choose(language, ticket)?;
        if !pack.scenarios.iter().any(|s| s == scenario) {
            return Err(ReplyError::UnknownScenario(scenario.to_string()));
        }
        let market = ticket
            .country
            .clone()
            .filter(|c| pack.markets.iter().any(|m| m.eq_ignore_ascii_case(c)));
        let mut variables = self.ticket_variables(ticket, agent.name, now);
        variables.extend(given);
        let request = RenderRequest {
            scenario: scenario.to_string(),
            language: language.clone(),
            market: market.clone(),
            variables: variables.into_iter().collect(),
        };
        let plugin_error = |error| ReplyError::Plugin {
            plugin: pack.plugin.clone(),
            error,
        };
        let rendered: Rendered = pack
            .handle
            .render(&request)
            .await
            .map_err(plugin_error)?
            .map_err(|e| match e {
                RenderError::UnknownScenario(s) => ReplyError::UnknownScenario(s),
                RenderError::UnsupportedLanguage(l) => ReplyError::NoPack(l),
                RenderError::MissingVariable(v) => ReplyError::MissingVariable(v),
            })?;
        let tip_market = ticket.country.clone().or_else(|| market.clone());
        // The tips are for the agent, so in the agent's language (the reply is in the
        // buyer's); a pack without them in it answers in English.
        let culture_tips = match tip_market {
            Some(m) => pack
                .handle
                .culture_tips_in(&m, agent.reads)
                .await
                .map_err(plugin_error)?
                .into_iter()
                .map(|t| Tip {
                    title: t.title,
                    text: t.text,
                })
                .collect(),
            None => Vec::new(),
        };
        let allowed = ticket.facts.allowed_strings(ticket.order_id.as_deref());
        let rules = self.rules_of(&ticket.marketplace);
        let ctx = Context {
            rules: rules.messages,
            own_sites: &rules.own_sites,
            language: Some(&language),
            allowed: &allowed,
            review_requests_sent: ticket.facts.review_requests,
        };
        let text = format!("{}\n{}", rendered.subject, rendered.body);
        let findings: Vec<Finding> = catalog
            .guard
            .check(&text, &ctx, &catalog.detector)
            .into_iter()
            .map(|mut f| {
                // Spans refer to the body; a finding in the subject keeps its excerpt.
                let shift = rendered.subject.len() + 1;
                f.start = f.start.saturating_sub(shift);
                f.end = f.end.saturating_sub(shift);
                f
            })
            .collect();
        Ok(Draft {
            scenario: scenario.to_string(),
            language,
            market,
            pack: pack.plugin.clone(),
            blocked: findings.iter().any(|f| f.blocking),
            findings,
            subject: rendered.subject,
            body: rendered.body,
            direction: match rendered.direction {
                Direction::LeftToRight => "ltr",
                Direction::RightToLeft => "rtl",
            },
            culture_tips,
        })
    }

    /// What the ticket already knows, as template variables.
    fn ticket_variables(
        &self,
        ticket: &Ticket,
        agent: Option<&str>,
        now: Timestamp,
    ) -> BTreeMap<String, Value> {
        let mut vars = BTreeMap::new();
        let facts = &ticket.facts;
        let mut text = |name: &str, value: Option<&str>| {
            if let Some(v) = value {
                vars.insert(name.to_string(), Value::Text(v.to_string()));
            }
        };
        text(
            "order-number",
            facts.order_name.as_deref().or(ticket.order_id.as_deref()),
        );
        text(
            "buyer-name",
            Some(facts.buyer_name.as_deref().unwrap_or("")),
        );
        text(
            "agent-name",
            Some(
                agent
                    .or(ticket.assignee.as_deref())
                    .unwrap_or(&self.team_name),
            ),
        );
        text("carrier", facts.carrier.as_deref());
        text("tracking-number", facts.tracking_number.as_deref());
        if let Some(url) = &facts.tracking_url {
            vars.insert("tracking-url".into(), Value::Url(url.clone()));
        }
        if let Some(at) = facts.delivered_at {
            vars.insert("delivered-at".into(), Value::Datetime(timestamp(at)));
        }
        if let Some(at) = facts.estimated_delivery {
            vars.insert("expected-at".into(), Value::Datetime(timestamp(at)));
        }
        // Until the seller says otherwise, promise an answer by the first-response deadline
        // (or within two days once that has passed).
        let answer_by = if ticket.due.at > now {
            ticket.due.at
        } else {
            now + jiff::SignedDuration::from_hours(48)
        };
        vars.insert("answer-by".into(), Value::Datetime(timestamp(answer_by)));
        vars
    }
}

async fn build_catalog(packs: Vec<Arc<Plugin>>, fingerprint: Vec<(String, String)>) -> Catalog {
    let mut catalog = Catalog {
        fingerprint,
        ..Catalog::default()
    };
    let mut phrases = Vec::new();
    for plugin in packs {
        let crate::plugin::Description::LocalePack(info) = &plugin.description else {
            continue;
        };
        for language in &info.languages {
            match plugin.compliance_phrases(language).await {
                Ok(list) => phrases.extend(list.into_iter().map(|p| (p.rule, p.phrase))),
                Err(e) => tracing::warn!(
                    message = "Locale pack failed to list its compliance phrases.",
                    plugin = plugin.id(),
                    error = %e
                ),
            }
            match plugin.language_markers(language).await {
                Ok(markers) => catalog.detector.add(language, markers),
                Err(e) => tracing::warn!(
                    message = "Locale pack failed to list its language markers.",
                    plugin = plugin.id(),
                    error = %e
                ),
            }
        }
        catalog.packs.push(PackEntry {
            plugin: plugin.id().to_string(),
            languages: info.languages.clone(),
            markets: info.markets.clone(),
            scenarios: info.scenarios.clone(),
            handle: plugin.clone(),
        });
    }
    catalog.guard = Guard::new(phrases);
    catalog
}
