//! Customer profiles: one per buyer, across marketplaces where the buyer can be recognised
//! (by e-mail address), else per marketplace account. A profile lists the buyer's tickets
//! and carries tags agents act on.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::model::TicketId;
use crate::types::Customer as EventCustomer;

/// A tag on a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    /// The seller or marketplace marks the buyer as a VIP.
    Vip,
    /// A problem ended in a satisfied resolution: a buyer worth winning over.
    HighLoyaltyPotential,
    /// Three or more tickets within 90 days.
    RepeatComplainer,
}

/// Tickets within this window make a repeat complainer.
const REPEAT_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(90 * 24);
const REPEAT_TICKETS: usize = 3;

/// A customer profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Schema version.
    pub v: u32,
    /// The profile's key: `email:<address>` or `<marketplace>:<buyer id>`.
    pub key: String,
    /// Names seen.
    pub names: Vec<String>,
    /// Marketplace accounts seen, as `<marketplace>:<buyer id>`.
    pub accounts: Vec<String>,
    /// Countries seen (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// The preferred language last seen.
    pub language: Option<String>,
    /// Tickets, with when each opened.
    pub tickets: Vec<(TicketId, Timestamp)>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// The profile key for a buyer an event names, if the buyer is identifiable at all.
pub fn key_for(marketplace: &str, customer: &EventCustomer) -> Option<String> {
    if let Some(email) = customer
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| e.contains('@'))
    {
        return Some(format!("email:{}", email.to_ascii_lowercase()));
    }
    customer.id.as_ref().map(|id| format!("{marketplace}:{id}"))
}

impl Customer {
    /// An empty profile under `key`.
    pub fn new(key: String) -> Customer {
        Customer {
            v: crate::SCHEMA_VERSION,
            key,
            names: Vec::new(),
            accounts: Vec::new(),
            countries: Vec::new(),
            language: None,
            tickets: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// Take in what an event tells about the buyer.
    pub fn absorb(&mut self, marketplace: &str, customer: &EventCustomer) {
        let add = |list: &mut Vec<String>, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty())
                && !list.contains(&v)
            {
                list.push(v);
            }
        };
        add(&mut self.names, customer.name.clone());
        add(
            &mut self.accounts,
            customer.id.as_ref().map(|id| format!("{marketplace}:{id}")),
        );
        add(&mut self.countries, customer.country.clone());
        if customer.preferred_locale.is_some() {
            self.language = customer.preferred_locale.clone();
        }
        if customer.vip {
            self.tag(Tag::Vip);
        }
    }

    /// Record a ticket opened for this buyer; tags a repeat complainer.
    pub fn add_ticket(&mut self, ticket: TicketId, opened_at: Timestamp) {
        if self.tickets.iter().any(|(id, _)| *id == ticket) {
            return;
        }
        self.tickets.push((ticket, opened_at));
        let since = opened_at
            .checked_sub(REPEAT_WINDOW)
            .unwrap_or(Timestamp::MIN);
        let recent = self.tickets.iter().filter(|(_, at)| *at >= since).count();
        if recent >= REPEAT_TICKETS {
            self.tag(Tag::RepeatComplainer);
        }
    }

    /// Add a tag once.
    pub fn tag(&mut self, tag: Tag) {
        if !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyer(email: Option<&str>, id: Option<&str>) -> EventCustomer {
        EventCustomer {
            id: id.map(str::to_string),
            name: Some("Jon Snow".into()),
            email: email.map(str::to_string),
            country: Some("CA".into()),
            preferred_locale: Some("en".into()),
            vip: false,
        }
    }

    #[test]
    fn buyers_are_recognised_by_email_across_marketplaces() {
        let a = key_for("shopify", &buyer(Some(" Jon@Example.com"), Some("1")));
        let b = key_for("ebay", &buyer(Some("jon@example.com"), Some("jsnow")));
        assert_eq!(a.as_deref(), Some("email:jon@example.com"));
        assert_eq!(a, b);
        assert_eq!(
            key_for("ebay", &buyer(None, Some("jsnow"))).as_deref(),
            Some("ebay:jsnow")
        );
        assert_eq!(key_for("ebay", &buyer(None, None)), None);
    }

    #[test]
    fn three_tickets_in_ninety_days_make_a_repeat_complainer() {
        let mut c = Customer::new("email:x@y.z".into());
        let day = |d: i64| Timestamp::from_second(d * 86_400).unwrap();
        c.add_ticket(1, day(0));
        c.add_ticket(2, day(100));
        c.add_ticket(2, day(100));
        c.add_ticket(3, day(150));
        assert!(c.tags.is_empty(), "only two within 90 days");
        c.add_ticket(4, day(160));
        assert_eq!(c.tags, [Tag::RepeatComplainer]);
    }
}
