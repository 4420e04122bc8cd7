//! Alerts: the seller learns about a red case within seconds, on the channel that reaches
//! them, without being flooded.
//!
//! A trigger (a new red ticket, an SLA step, an anomaly) plans one alert per recipient and
//! channel — in the same commit as the ticket change that caused it, so a trigger alerts
//! once and nothing is lost in a crash. The [`dispatch`] loop delivers them: in-app through
//! the live stream, e-mail over SMTP, SMS through a Twilio-shaped HTTP API, and a signed
//! outbound webhook (Standard Webhooks) for chat tools. Each alert's delivery status is on
//! its ticket.
//!
//! The alert records and their planning are the model's (`helloword_model::alerts`),
//! re-exported here.

pub mod dispatch;
pub mod send;

pub use helloword_model::alerts::*;
/// Words that announce a complaint (pure, the model's).
pub use helloword_model::keywords;
