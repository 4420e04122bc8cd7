//! SP-API notifications → `ticket-event`s, one function per notification type.
//!
//! Every event's `dedupe.delivery` is the `NotificationId`; business keys name the object and
//! its state, so the same change seen through SQS and EventBridge (or twice through SQS,
//! which delivers at least once) has one effect.

use helloword_sdk::json::Value;
use helloword_sdk::types::{
    Customer, DedupeKey, IssueKind, LineItem, Order, Reason, Shipment, TicketEvent,
};

use crate::envelope::{Notification, ci_path, text, time};
use crate::market;
use crate::settings::Settings;

/// Every notification type the connector reads.
pub const TYPES: [&str; 7] = [
    "ORDER_CHANGE",
    "ORDER_STATUS_CHANGE",
    "MFN_ORDER_STATUS_CHANGE",
    "FULFILLMENT_ORDER_STATUS",
    "FBA_OUTBOUND_SHIPMENT_STATUS",
    "ACCOUNT_STATUS_CHANGED",
    "REPORT_PROCESSING_FINISHED",
];

/// A finished report a notification announces, to be downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedReport {
    /// `reportId`.
    pub report_id: String,
    /// `reportType`.
    pub report_type: String,
    /// `reportDocumentId`.
    pub document_id: String,
}

/// What a notification becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalized {
    /// Events to record.
    Events(Vec<TicketEvent>),
    /// Nothing to record; the string names the type (and state) for the metrics.
    Ignored(String),
    /// A report to download and read.
    Report(FinishedReport),
}

/// Normalize one notification.
pub fn normalize(n: &Notification<'_>, settings: &Settings) -> Result<Normalized, String> {
    let ctx = Context { n, settings };
    match n.kind.as_str() {
        "ORDER_CHANGE" => ctx.order_change().map(|e| Normalized::Events(vec![e])),
        "ORDER_STATUS_CHANGE" | "MFN_ORDER_STATUS_CHANGE" => {
            ctx.order_status().map(|e| Normalized::Events(vec![e]))
        }
        "FULFILLMENT_ORDER_STATUS" => ctx.fulfillment_order().map(Normalized::Events),
        "FBA_OUTBOUND_SHIPMENT_STATUS" => ctx.fba_shipment().map(|e| Normalized::Events(vec![e])),
        "ACCOUNT_STATUS_CHANGED" => ctx.account_status().map(|e| Normalized::Events(vec![e])),
        "REPORT_PROCESSING_FINISHED" => ctx.report_finished(),
        other => Ok(Normalized::Ignored(other.to_string())),
    }
}

struct Context<'a> {
    n: &'a Notification<'a>,
    settings: &'a Settings,
}

impl Context<'_> {
    fn get(&self, keys: &[&str]) -> Option<String> {
        text(self.n.body, keys)
    }

    fn required(&self, keys: &[&str]) -> Result<String, String> {
        self.get(keys)
            .ok_or_else(|| format!("{} notification has no `{}`", self.n.kind, keys.join(".")))
    }

    fn event(&self, kind: IssueKind, summary: String, business: String) -> TicketEvent {
        let shop = self.settings.shop(self.get(&["SellerId"]).as_deref());
        let mut e = TicketEvent::new(
            kind,
            shop,
            summary,
            DedupeKey {
                delivery: self.n.id.clone(),
                action: None,
                business,
            },
        );
        e.occurred_at = self.n.event_time;
        e.attributes
            .push(("notification_type".into(), self.n.kind.clone()));
        if let Some(id) = &self.n.id {
            e.attributes.push(("notification_id".into(), id.clone()));
        }
        e
    }

    fn customer(marketplace: Option<&str>) -> Option<Customer> {
        let marketplace = marketplace?;
        Some(Customer {
            id: None,
            name: None,
            email: None,
            country: market::country(marketplace).map(str::to_string),
            preferred_locale: market::language(marketplace).map(str::to_string),
            vip: false,
        })
    }

    /// ORDER_CHANGE: a buyer-requested cancellation is a `cancellation-request` whose
    /// deadline is `CancelNotifyDate`; other changes are `order-update`s.
    fn order_change(&self) -> Result<TicketEvent, String> {
        let order_id = self.required(&["AmazonOrderId"])?;
        let change_type = self.get(&["OrderChangeType"]).unwrap_or_default();
        let change_reason = self.get(&["OrderChangeTrigger", "ChangeReason"]);
        let summary_of = |k: &str| ci_path(self.n.body, &["Summary", k]);
        let items: &[Value] = summary_of("OrderItems")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let buyer_cancel = change_type == "BuyerRequestedChange"
            && (items
                .iter()
                .any(|i| text(i, &["IsBuyerRequestedCancel"]).as_deref() == Some("true"))
                || change_reason
                    .as_deref()
                    .is_some_and(|r| r.to_ascii_lowercase().contains("cancel")));
        let order_status = self.get(&["Summary", "OrderStatus"]);
        let marketplace = self.get(&["Summary", "MarketplaceId"]);
        let changed_at = time(self.n.body, &["OrderChangeTrigger", "TimeOfOrderChange"]);

        let mut e = if buyer_cancel {
            let mut e = self.event(
                IssueKind::CancellationRequest,
                format!(
                    "Buyer asked to cancel order {order_id}: {}",
                    change_reason.as_deref().unwrap_or("no reason given")
                ),
                format!("order:{order_id}:cancel-requested"),
            );
            e.case_id = Some(format!("cancel:{order_id}"));
            e.platform_deadline = time(self.n.body, &["Summary", "CancelNotifyDate"]);
            e
        } else {
            let when = changed_at
                .map(|t| t.to_rfc3339())
                .or_else(|| self.n.id.clone())
                .unwrap_or_default();
            self.event(
                IssueKind::OrderUpdate,
                format!(
                    "Order {order_id} changed ({}){}",
                    if change_type.is_empty() {
                        "unknown change"
                    } else {
                        &change_type
                    },
                    order_status
                        .as_deref()
                        .map(|s| format!(": {s}"))
                        .unwrap_or_default()
                ),
                format!("order:{order_id}:change:{change_type}:{when}"),
            )
        };
        e.order = Some(Order {
            id: order_id,
            display_name: None,
            placed_at: time(self.n.body, &["Summary", "PurchaseDate"]),
            total: None,
            line_items: items
                .iter()
                .filter_map(|i| {
                    Some(LineItem {
                        id: text(i, &["OrderItemId"])?,
                        sku: text(i, &["SellerSKU"]),
                        batch: None,
                        title: text(i, &["SellerSKU"]).unwrap_or_default(),
                        quantity: text(i, &["Quantity"])
                            .and_then(|q| q.parse().ok())
                            .unwrap_or(0),
                        unit_price: None,
                    })
                })
                .collect(),
        });
        e.customer = Self::customer(marketplace.as_deref());
        e.status = order_status;
        e.reason = Some(Reason {
            code: change_type,
            network_code: None,
            text: change_reason,
        });
        if changed_at.is_some() {
            e.occurred_at = changed_at;
        }
        for (attr, key) in [
            ("marketplace_id", "MarketplaceId"),
            ("fulfillment_type", "FulfillmentType"),
            ("order_type", "OrderType"),
            ("latest_ship_date", "LatestShipDate"),
            ("latest_delivery_date", "LatestDeliveryDate"),
            ("cancel_notify_date", "CancelNotifyDate"),
        ] {
            if let Some(v) = self.get(&["Summary", key]) {
                e.attributes.push((attr.into(), v));
            }
        }
        Ok(e)
    }

    /// ORDER_STATUS_CHANGE and MFN_ORDER_STATUS_CHANGE: one item per message.
    fn order_status(&self) -> Result<TicketEvent, String> {
        let order_id = self.required(&["AmazonOrderId"])?;
        let status = self.required(&["OrderStatus"])?;
        let marketplace = self.get(&["MarketplaceId"]);
        let mut e = self.event(
            IssueKind::OrderUpdate,
            format!("Order {order_id} is now {status}"),
            format!(
                "order:{order_id}:status:{}:{}",
                status.to_ascii_lowercase(),
                self.get(&["OrderItemId"]).unwrap_or_default()
            ),
        );
        e.order = Some(Order {
            id: order_id,
            display_name: None,
            placed_at: time(self.n.body, &["PurchaseDate"]),
            total: None,
            line_items: self
                .get(&["OrderItemId"])
                .map(|id| LineItem {
                    id,
                    sku: self.get(&["SellerSKU"]),
                    batch: None,
                    title: self.get(&["SellerSKU"]).unwrap_or_default(),
                    quantity: self
                        .get(&["Quantity"])
                        .and_then(|q| q.parse().ok())
                        .unwrap_or(0),
                    unit_price: None,
                })
                .into_iter()
                .collect(),
        });
        e.customer = Self::customer(marketplace.as_deref());
        e.status = Some(status);
        for (attr, key) in [
            ("marketplace_id", "MarketplaceId"),
            ("fulfillment_channel", "FulfillmentChannel"),
        ] {
            if let Some(v) = self.get(&[key]) {
                e.attributes.push((attr.into(), v));
            }
        }
        Ok(e)
    }

    /// FULFILLMENT_ORDER_STATUS (Multi-Channel Fulfillment): problems are logistics cases,
    /// progress is a shipment update, and `FulfillmentReturnItem` is a return.
    fn fulfillment_order(&self) -> Result<Vec<TicketEvent>, String> {
        let order_id = self.required(&["SellerFulfillmentOrderId"])?;
        let order_status = self.get(&["FulfillmentOrderStatus"]).unwrap_or_default();
        let shipment_status = self.get(&["FulfillmentShipment", "FulfillmentShipmentStatus"]);
        let shipment_id = self.get(&["FulfillmentShipment", "AmazonShipmentId"]);
        let problem = |s: &str| {
            let s = s.to_ascii_uppercase();
            [
                "INVALID",
                "UNFULFILLABLE",
                "CANCELLED",
                "PARTIAL",
                "DELAYED",
                "FAIL",
                "UNDELIVERABLE",
            ]
            .iter()
            .any(|p| s.contains(p))
        };
        let is_problem = problem(&order_status) || shipment_status.as_deref().is_some_and(problem);
        let (kind, verb) = if is_problem {
            (IssueKind::LogisticsDelay, "needs attention")
        } else {
            (IssueKind::ShipmentUpdate, "updated")
        };
        let state = format!(
            "{}{}",
            order_status.to_ascii_lowercase(),
            shipment_status
                .as_deref()
                .map(|s| format!("/{}", s.to_ascii_lowercase()))
                .unwrap_or_default()
        );
        let mut e = self.event(
            kind,
            format!(
                "Multi-Channel Fulfillment order {order_id} {verb}: {}",
                state.to_ascii_uppercase()
            ),
            format!(
                "mcf:{order_id}:{}:{state}",
                shipment_id.as_deref().unwrap_or("-")
            ),
        );
        e.case_id = Some(format!("mcf:{order_id}"));
        e.order = Some(order_only(&order_id));
        e.status = Some(state);
        let packages = ci_path(
            self.n.body,
            &["FulfillmentShipment", "FulfillmentShipmentPackages"],
        )
        .and_then(Value::as_array);
        let first_package = packages
            .and_then(|p| p.first())
            .or_else(|| ci_path(self.n.body, &["FulfillmentShipment", "info"]));
        e.shipment = Some(Shipment {
            carrier: first_package.and_then(|p| text(p, &["CarrierCode"])),
            tracking_number: first_package.and_then(|p| text(p, &["TrackingNumber"])),
            tracking_url: None,
            status: shipment_status,
            delivered_at: None,
            delivery_proof: None,
            estimated_delivery: time(
                self.n.body,
                &["FulfillmentShipment", "EstimatedArrivalDateTime"],
            ),
        });
        if let Some(t) = time(self.n.body, &["StatusUpdatedDateTime"]) {
            e.occurred_at = Some(t);
        }
        if let Some(id) = &shipment_id {
            e.attributes.push(("amazon_shipment_id".into(), id.clone()));
        }
        if let Some(t) = self.get(&["EventType"]) {
            e.attributes.push(("event_type".into(), t));
        }
        if let Some(packages) = packages {
            let tracking: Vec<String> = packages
                .iter()
                .filter_map(|p| text(p, &["TrackingNumber"]))
                .collect();
            if tracking.len() > 1 {
                e.attributes
                    .push(("tracking_numbers".into(), tracking.join(",")));
            }
        }
        let mut events = vec![e];

        if let Some(item) = ci_path(self.n.body, &["FulfillmentReturnItem"]) {
            let sku = text(item, &["SellerSKU"]);
            let quantity = text(item, &["ReturnedQuantity"]).unwrap_or_default();
            let received = time(item, &["ReceivedDateTime"]);
            let mut r = self.event(
                IssueKind::ReturnRequest,
                format!(
                    "Multi-Channel Fulfillment return received for order {order_id}: {quantity} × {}",
                    sku.as_deref().unwrap_or("unknown SKU")
                ),
                format!(
                    "mcf:{order_id}:return:{}:{}",
                    sku.as_deref().unwrap_or("-"),
                    received.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
            );
            r.case_id = Some(format!("mcf:{order_id}"));
            let mut order = order_only(&order_id);
            order.line_items.push(LineItem {
                id: sku.clone().unwrap_or_default(),
                sku: sku.clone(),
                batch: None,
                title: sku.unwrap_or_default(),
                quantity: quantity.parse().unwrap_or(0),
                unit_price: None,
            });
            r.order = Some(order);
            r.status = Some("received".into());
            if received.is_some() {
                r.occurred_at = received;
            }
            events.push(r);
        }
        Ok(events)
    }

    /// FBA_OUTBOUND_SHIPMENT_STATUS: `Created` is progress, `Cancelled` a logistics problem.
    fn fba_shipment(&self) -> Result<TicketEvent, String> {
        let order_id = self.required(&["AmazonOrderId"])?;
        let status = self.required(&["ShipmentStatus"])?;
        let shipment_id = self.get(&["AmazonShipmentId"]);
        let kind = if status.eq_ignore_ascii_case("cancelled") {
            IssueKind::LogisticsDelay
        } else {
            IssueKind::ShipmentUpdate
        };
        let mut e = self.event(
            kind,
            format!("FBA shipment for order {order_id}: {status}"),
            format!(
                "fba-shipment:{}:{}",
                shipment_id.as_deref().unwrap_or(&order_id),
                status.to_ascii_lowercase()
            ),
        );
        e.order = Some(order_only(&order_id));
        e.status = Some(status.clone());
        e.shipment = Some(Shipment {
            carrier: None,
            tracking_number: None,
            tracking_url: None,
            status: Some(status),
            delivered_at: None,
            delivery_proof: None,
            estimated_delivery: None,
        });
        if let Some(id) = shipment_id {
            e.attributes.push(("amazon_shipment_id".into(), id));
        }
        Ok(e)
    }

    /// ACCOUNT_STATUS_CHANGED: always `account-health` (the host triages it red), a recovery
    /// to NORMAL included, so the ticket shows it.
    fn account_status(&self) -> Result<TicketEvent, String> {
        let current = self.required(&["currentAccountStatus"])?;
        let previous = self
            .get(&["previousAccountStatus"])
            .unwrap_or_else(|| "UNKNOWN".into());
        let when = self
            .n
            .event_time
            .map(|t| t.to_rfc3339())
            .or_else(|| self.n.id.clone())
            .unwrap_or_default();
        let mut e = self.event(
            IssueKind::AccountHealth,
            format!("Amazon account status changed from {previous} to {current}"),
            format!("account-status:{previous}:{current}:{when}"),
        );
        e.case_id = Some("account-status".into());
        e.status = Some(current.clone());
        e.reason = Some(Reason {
            code: current,
            network_code: None,
            text: Some(format!("previous status {previous}")),
        });
        Ok(e)
    }

    /// REPORT_PROCESSING_FINISHED: a finished report of a type the connector reads is to be
    /// downloaded; anything else is acknowledged.
    fn report_finished(&self) -> Result<Normalized, String> {
        let status = self.required(&["processingStatus"])?;
        let report_type = self.required(&["reportType"])?;
        if status != "DONE" {
            return Ok(Normalized::Ignored(format!(
                "REPORT_PROCESSING_FINISHED:{status}"
            )));
        }
        if !crate::settings::KNOWN_REPORTS.contains(&report_type.as_str()) {
            return Ok(Normalized::Ignored(format!(
                "REPORT_PROCESSING_FINISHED:{report_type}"
            )));
        }
        Ok(Normalized::Report(FinishedReport {
            report_id: self.required(&["reportId"])?,
            report_type,
            document_id: self.required(&["reportDocumentId"])?,
        }))
    }
}

fn order_only(id: &str) -> Order {
    Order {
        id: id.to_string(),
        display_name: None,
        placed_at: None,
        total: None,
        line_items: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::parse;
    use crate::settings::test_support::settings;
    use helloword_sdk::json;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/notifications/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        json::parse(&std::fs::read(path).unwrap()).unwrap()
    }

    fn events(name: &str) -> Vec<TicketEvent> {
        let v = fixture(name);
        match normalize(&parse(&v).unwrap(), &settings(&[]).unwrap()).unwrap() {
            Normalized::Events(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_buyer_cancellation_is_a_cancellation_request_due_at_cancel_notify_date() {
        let e = &events("ORDER_CHANGE")[0];
        assert_eq!(e.kind, IssueKind::CancellationRequest);
        assert_eq!(e.case_id.as_deref(), Some("cancel:903-8868176-2219830"));
        assert_eq!(
            e.platform_deadline.unwrap().to_rfc3339(),
            "2022-12-07T19:42:04.284Z"
        );
        assert_eq!(e.shop, "A3TH9S8BH6GOGM");
        assert_eq!(e.customer.as_ref().unwrap().country.as_deref(), Some("US"));
    }

    #[test]
    fn a_mcf_return_item_becomes_a_second_event() {
        let e = events("FULFILLMENT_ORDER_STATUS");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].kind, IssueKind::ShipmentUpdate);
        assert_eq!(e[1].kind, IssueKind::ReturnRequest);
    }

    #[test]
    fn unknown_types_are_ignored_by_name() {
        let v = json::parse(
            br#"{"NotificationType":"ANY_OFFER_CHANGED","Payload":{},"NotificationMetadata":{}}"#,
        )
        .unwrap();
        assert_eq!(
            normalize(&parse(&v).unwrap(), &settings(&[]).unwrap()).unwrap(),
            Normalized::Ignored("ANY_OFFER_CHANGED".into())
        );
    }
}
