//! WooCommerce payloads → ticket events. Pure functions of the payload, so they are tested
//! natively.
//!
//! An order delivery (`order.created`, `order.updated`, `order.restored`, or an order read
//! back for an action webhook) carries the whole order as the REST API v3 shows it. It
//! becomes one event per thing that needs after-sales attention:
//!
//! | in the order | event | business key |
//! |---|---|---|
//! | each entry of `refunds` | `refund-issued`, status `refunded`, the refund's amount | `refund:<refund id>` |
//! | status `refunded` with no refund listed | `refund-issued`, the order total | `order:<id>:status:refunded` |
//! | status `failed` | `order-update`, status `failed` (a failed payment) | `order:<id>:status:failed` |
//! | status `cancelled` after it was paid | `order-update`, status `cancelled` | `order:<id>:status:cancelled` |
//! | status `on-hold` after it was paid (a payment dispute or fraud review) | `order-update`, status `on-hold` | `order:<id>:status:on-hold` |
//! | a `customer_note` (the buyer's note at checkout) | `buyer-message` with the note as buyer text | `order:<id>:buyer-note` |
//!
//! Every event carries the order (id, number, placed-at, total, line items) and the buyer
//! (id, name, e-mail, country). WooCommerce sends the whole order again on every update, so
//! the business keys make repeated updates one change each.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{
    Customer, DedupeKey, IssueKind, LineItem, Money, Order, Reason, TicketEvent, Timestamp,
};

/// Where the events are from.
pub struct Context<'a> {
    /// The shop events are tagged with.
    pub shop: &'a str,
    /// The delivery's dedupe key, when the request had one.
    pub delivery: Option<&'a str>,
}

/// The events an order payload stands for (possibly none: an order in good standing).
pub fn order_events(order: &Value, ctx: &Context) -> Result<Vec<TicketEvent>, String> {
    let facts = OrderFacts::read(order)?;
    let mut events = facts.refunds(ctx)?;
    match facts.status.as_str() {
        "refunded" if events.is_empty() => {
            let mut event = facts.event(
                ctx,
                IssueKind::RefundIssued,
                format!("Order #{} marked refunded", facts.number),
                format!("order:{}:status:refunded", facts.id),
            );
            event.amount = facts.total.clone();
            event.status = Some("refunded".into());
            events.push(event);
        }
        "failed" => {
            let summary = format!("Payment failed for order #{}", facts.number);
            events.push(facts.status_event(ctx, summary));
        }
        "cancelled" if facts.paid => {
            let summary = format!("Order #{} cancelled after it was paid", facts.number);
            events.push(facts.status_event(ctx, summary));
        }
        "on-hold" if facts.paid => {
            let summary = format!("Order #{} put on hold after it was paid", facts.number);
            events.push(facts.status_event(ctx, summary));
        }
        _ => {}
    }
    if let Some(note) = json::str_at(order, "/customer_note").filter(|n| !n.trim().is_empty()) {
        let mut event = facts.event(
            ctx,
            IssueKind::BuyerMessage,
            format!("Buyer's note on order #{}: {}", facts.number, excerpt(note)),
            format!("order:{}:buyer-note", facts.id),
        );
        event.buyer_text = Some(note.to_string());
        event.occurred_at = facts.order.placed_at;
        events.push(event);
    }
    Ok(events)
}

/// `order.deleted`: WooCommerce sends only `{"id": …}` when an order goes to the trash.
pub fn order_trashed(order_id: &str, ctx: &Context) -> TicketEvent {
    let mut event = TicketEvent::new(
        IssueKind::OrderUpdate,
        ctx.shop,
        format!("Order {order_id} moved to the trash in WooCommerce"),
        dedupe(ctx, format!("order:{order_id}:status:trash")),
    );
    event.order = Some(bare_order(order_id));
    event.status = Some("trash".into());
    event
}

/// `action.woocommerce_new_customer_note`: someone at the store wrote a note to the buyer
/// (WooCommerce e-mails it). `digest` tells notes of one order apart, since the payload has
/// no note id.
pub fn note_to_buyer(order_id: &str, note: &str, digest: &str, ctx: &Context) -> TicketEvent {
    let mut event = TicketEvent::new(
        IssueKind::OrderUpdate,
        ctx.shop,
        format!("Note to the buyer on order {order_id}: {}", excerpt(note)),
        dedupe(ctx, format!("order:{order_id}:note:{digest}")),
    );
    event.order = Some(bare_order(order_id));
    event.attributes = vec![
        ("note".into(), note.to_string()),
        ("note.to_buyer".into(), "true".into()),
    ];
    event
}

/// What every event of one order shares.
struct OrderFacts<'a> {
    raw: &'a Value,
    id: String,
    number: String,
    status: String,
    currency: String,
    paid: bool,
    total: Option<Money>,
    modified_at: Option<Timestamp>,
    order: Order,
    customer: Option<Customer>,
    attributes: Vec<(String, String)>,
}

impl<'a> OrderFacts<'a> {
    fn read(raw: &'a Value) -> Result<OrderFacts<'a>, String> {
        if !raw.is_object() {
            return Err("the body is not a WooCommerce order (a JSON object)".into());
        }
        let id = match json::id_at(raw, "/id") {
            Some(id) => id,
            // The Legacy REST API wrapped the order; WooCommerce 9 no longer delivers it.
            None if json::at(raw, "/order").is_some() => {
                return Err(
                    "the order has no `id`: this is a Legacy REST API payload; set \
                            the webhook's API version to \"WP REST API Integration v3\""
                        .into(),
                );
            }
            None => return Err("the order has no `id`".into()),
        };
        let number = json::id_at(raw, "/number").unwrap_or_else(|| id.clone());
        let currency = json::str_at(raw, "/currency")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| format!("order {id} has no `currency`"))?
            .to_ascii_uppercase();
        let total = money_at(raw, "/total", &currency).map_err(|e| format!("order {id}: {e}"))?;
        let status = json::str_at(raw, "/status").unwrap_or_default().to_string();
        let paid = json::at(raw, "/date_paid_gmt")
            .or_else(|| json::at(raw, "/date_paid"))
            .is_some();
        let order = Order {
            id: id.clone(),
            display_name: Some(format!("#{number}")),
            placed_at: time_at(raw, "/date_created_gmt"),
            total: total.clone(),
            line_items: line_items(raw, &currency),
        };
        let mut attributes = vec![("order_status".to_string(), status.clone())];
        for (name, pointer) in [
            ("payment_method", "/payment_method_title"),
            ("transaction_id", "/transaction_id"),
        ] {
            if let Some(value) = json::str_at(raw, pointer).filter(|v| !v.is_empty()) {
                attributes.push((name.to_string(), value.to_string()));
            }
        }
        Ok(OrderFacts {
            raw,
            modified_at: time_at(raw, "/date_modified_gmt"),
            customer: customer(raw),
            id,
            number,
            status,
            currency,
            paid,
            total,
            order,
            attributes,
        })
    }

    fn event(&self, ctx: &Context, kind: IssueKind, summary: String, key: String) -> TicketEvent {
        let mut event = TicketEvent::new(kind, ctx.shop, summary, dedupe(ctx, key));
        event.order = Some(self.order.clone());
        event.customer = self.customer.clone();
        event.occurred_at = self.modified_at;
        event.attributes = self.attributes.clone();
        event
    }

    /// An `order-update` for the order's current status.
    fn status_event(&self, ctx: &Context, summary: String) -> TicketEvent {
        let mut event = self.event(
            ctx,
            IssueKind::OrderUpdate,
            summary,
            format!("order:{}:status:{}", self.id, self.status),
        );
        event.status = Some(self.status.clone());
        event.amount = self.total.clone();
        event
    }

    /// One `refund-issued` per refund the order lists (`{"id", "reason", "total": "-10.00"}`).
    fn refunds(&self, ctx: &Context) -> Result<Vec<TicketEvent>, String> {
        let Some(refunds) = json::at(self.raw, "/refunds").and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        let mut events = Vec::new();
        for refund in refunds {
            let Some(refund_id) = json::id_at(refund, "/id") else {
                continue;
            };
            let amount = money_at(refund, "/total", &self.currency)
                .map_err(|e| format!("refund {refund_id} of order {}: {e}", self.id))?
                .map(|m| Money {
                    minor_units: m.minor_units.abs(),
                    currency: m.currency,
                });
            let shown = amount.as_ref().map_or_else(String::new, |m| {
                format!(
                    " of {} {}",
                    to_decimal_string(m.minor_units, &m.currency),
                    m.currency
                )
            });
            let mut event = self.event(
                ctx,
                IssueKind::RefundIssued,
                format!("Refund{shown} on order #{}", self.number),
                format!("refund:{refund_id}"),
            );
            event.status = Some("refunded".into());
            event.amount = amount;
            let text = json::str_at(refund, "/reason").filter(|r| !r.trim().is_empty());
            if let Some(text) = text {
                event.reason = Some(Reason {
                    code: "refund".into(),
                    network_code: None,
                    text: Some(text.to_string()),
                });
                if let Some(key) = crate::reference::key_in(text) {
                    event
                        .attributes
                        .push(("action_key".into(), key.to_string()));
                }
            }
            event.attributes.push(("refund_id".into(), refund_id));
            events.push(event);
        }
        Ok(events)
    }
}

fn dedupe(ctx: &Context, business: String) -> DedupeKey {
    DedupeKey {
        delivery: ctx.delivery.map(str::to_string),
        action: None,
        business,
    }
}

fn bare_order(order_id: &str) -> Order {
    Order {
        id: order_id.to_string(),
        display_name: None,
        placed_at: None,
        total: None,
        line_items: Vec::new(),
    }
}

fn money_at(value: &Value, pointer: &str, currency: &str) -> Result<Option<Money>, String> {
    match json::minor_units_at(value, pointer, currency) {
        None => Ok(None),
        Some(Ok(minor_units)) => Ok(Some(Money {
            minor_units,
            currency: currency.to_string(),
        })),
        Some(Err(e)) => Err(format!("`{}`: {e}", pointer.trim_start_matches('/'))),
    }
}

/// A `*_gmt` date ("2017-03-22T19:28:08", UTC without an offset).
fn time_at(value: &Value, pointer: &str) -> Option<Timestamp> {
    json::str_at(value, pointer).and_then(|t| Timestamp::parse(t).ok())
}

fn line_items(order: &Value, currency: &str) -> Vec<LineItem> {
    let Some(items) = json::at(order, "/line_items").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            Some(LineItem {
                id: json::id_at(item, "/id")?,
                sku: json::str_at(item, "/sku")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                batch: None,
                title: decode_entities(json::str_at(item, "/name").unwrap_or_default()),
                quantity: json::at(item, "/quantity")
                    .and_then(Value::as_u64)
                    .and_then(|q| u32::try_from(q).ok())
                    .unwrap_or(0),
                // `price` is the line total over the quantity; an inexact share is left out
                // rather than rounded.
                unit_price: money_at(item, "/price", currency).ok().flatten(),
            })
        })
        .collect()
}

fn customer(order: &Value) -> Option<Customer> {
    let text = |pointer: &str| {
        json::str_at(order, pointer)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    // Family name first for a name in Chinese, Japanese or Korean script.
    let name = |address: &str| {
        helloword_sdk::names::full_name(
            text(&format!("/{address}/first_name")).as_deref(),
            text(&format!("/{address}/last_name")).as_deref(),
        )
    };
    let customer = Customer {
        // 0 is a guest checkout.
        id: json::id_at(order, "/customer_id").filter(|id| id != "0"),
        name: name("billing").or_else(|| name("shipping")),
        email: text("/billing/email"),
        country: text("/shipping/country")
            .or_else(|| text("/billing/country"))
            .map(|c| c.to_ascii_uppercase()),
        preferred_locale: None,
        vip: false,
    };
    let known = customer.id.is_some()
        || customer.name.is_some()
        || customer.email.is_some()
        || customer.country.is_some();
    known.then_some(customer)
}

/// The first 80 characters of `text` on one line, for a summary.
fn excerpt(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// WordPress stores product names with HTML entities ("Ship Your Idea &ndash; Color: Black");
/// the buyer sees the characters.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let decoded = rest
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "times" => '×',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context<'static> {
        Context {
            shop: "example.com",
            delivery: Some("d1"),
        }
    }

    fn order(json: &str) -> Value {
        json::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn entities_decode_and_unknown_text_stays() {
        assert_eq!(
            decode_entities("Ship Your Idea &ndash; Color: Black"),
            "Ship Your Idea – Color: Black"
        );
        assert_eq!(decode_entities("A &amp; B &#8211; &#x41;"), "A & B – A");
        assert_eq!(
            decode_entities("AT&T &bogus; & more"),
            "AT&T &bogus; & more"
        );
    }

    #[test]
    fn a_paid_then_cancelled_order_is_trouble_an_unpaid_one_is_not() {
        let paid = order(
            r#"{"id": 5, "number": "5", "status": "cancelled", "currency": "eur",
                "total": "12.50", "date_paid_gmt": "2024-01-02T03:04:05"}"#,
        );
        let events = order_events(&paid, &ctx()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, IssueKind::OrderUpdate);
        assert_eq!(events[0].dedupe.business, "order:5:status:cancelled");
        assert_eq!(
            events[0].amount,
            Some(Money {
                minor_units: 1250,
                currency: "EUR".into()
            })
        );
        let unpaid = order(
            r#"{"id": 6, "status": "cancelled", "currency": "EUR", "total": "1.00",
                "date_paid_gmt": null}"#,
        );
        assert!(order_events(&unpaid, &ctx()).unwrap().is_empty());
    }

    #[test]
    fn refunds_are_positive_amounts_with_their_reason() {
        let o = order(
            r#"{"id": 9007199254740993, "status": "processing", "currency": "JPY",
                "total": "1500", "refunds": [{"id": 77, "reason": "Broken [ref: hw-1]", "total": "-500"}]}"#,
        );
        let events = order_events(&o, &ctx()).unwrap();
        assert_eq!(events.len(), 1);
        let refund = &events[0];
        assert_eq!(refund.kind, IssueKind::RefundIssued);
        assert_eq!(
            refund.summary,
            "Refund of 500 JPY on order #9007199254740993"
        );
        assert_eq!(refund.shop, "example.com");
        assert_eq!(refund.dedupe.delivery.as_deref(), Some("d1"));
        assert_eq!(refund.amount.as_ref().map(|m| m.minor_units), Some(500));
        assert!(
            refund
                .attributes
                .contains(&("action_key".to_string(), "hw-1".to_string()))
        );
    }

    #[test]
    fn inexact_amounts_are_refused_not_rounded() {
        let o = order(r#"{"id": 1, "currency": "USD", "total": "1.005"}"#);
        let err = order_events(&o, &ctx()).unwrap_err();
        assert!(err.contains("order 1") && err.contains("total"), "{err}");
    }

    #[test]
    fn excerpts_stop_at_eighty_characters() {
        let long = "word ".repeat(40);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 81);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("a\n b"), "a b");
    }
}
