//! The same ingest pipeline with the Shopify connector compiled natively instead of run in
//! the wasm sandbox: the same request handling, HMAC check, normalization, inbox record and
//! shared flush — only the connector call differs. The difference is what the sandbox costs.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use helloword::plugin::bindings::connector_api as host_api;
use helloword::plugin::bindings::types as host;
use helloword_sdk::connector as guest_api;
use helloword_sdk::connector::native::{NativeHost, crypto, http, log};
use helloword_sdk::types as guest;
use hmac::Mac;
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// The host imports, natively: the client secret for the HMAC, the manifest's config.
pub struct BenchHost {
    pub secret: Vec<u8>,
}

impl NativeHost for BenchHost {
    fn log(&self, _level: log::Level, _message: &str, _fields: &[(String, String)]) {}

    fn now(&self) -> guest::Timestamp {
        let now = jiff::Timestamp::now();
        guest::Timestamp {
            seconds: now.as_second(),
            nanoseconds: now.subsec_nanosecond() as u32,
        }
    }

    fn config(&self, key: &str) -> Option<String> {
        (key == "api_version").then(|| "2025-07".to_string())
    }

    fn config_all(&self) -> Vec<(String, String)> {
        vec![("api_version".into(), "2025-07".into())]
    }

    fn counter_add(&self, _name: &str, _value: u64, _labels: &[(String, String)]) {}

    fn gauge_set(&self, _name: &str, _value: i64, _labels: &[(String, String)]) {}

    fn has_secret(&self, name: &str) -> bool {
        name == "shopify_client_secret"
    }

    fn hmac_sha256_verify(
        &self,
        secret: &str,
        message: &[u8],
        expected: &[u8],
    ) -> Result<bool, crypto::CryptoError> {
        if secret != "shopify_client_secret" {
            return Err(crypto::CryptoError::Missing(secret.into()));
        }
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.secret)
            .map_err(|e| crypto::CryptoError::InvalidInput(e.to_string()))?;
        mac.update(message);
        Ok(mac.verify_slice(expected).is_ok())
    }

    fn hmac_sha256(
        &self,
        _key: &[crypto::Part],
        _message: &[u8],
    ) -> Result<Vec<u8>, crypto::CryptoError> {
        Err(crypto::CryptoError::InvalidInput(
            "not in the benchmark".into(),
        ))
    }

    fn sha256(&self, _parts: &[crypto::Part]) -> Result<Vec<u8>, crypto::CryptoError> {
        Err(crypto::CryptoError::InvalidInput(
            "not in the benchmark".into(),
        ))
    }

    fn md5(&self, _parts: &[crypto::Part]) -> Result<Vec<u8>, crypto::CryptoError> {
        Err(crypto::CryptoError::InvalidInput(
            "not in the benchmark".into(),
        ))
    }

    fn ecdsa_p256_verify(
        &self,
        _public_key: &[u8],
        _message: &[u8],
        _signature: &[u8],
        _sha1: bool,
    ) -> Result<bool, crypto::CryptoError> {
        Err(crypto::CryptoError::InvalidInput(
            "not in the benchmark".into(),
        ))
    }

    fn send(&self, _req: &http::Request) -> Result<http::Response, http::HttpError> {
        Err(http::HttpError::InvalidRequest(
            "no HTTP in the benchmark".into(),
        ))
    }
}

fn money(m: guest::Money) -> host::Money {
    host::Money {
        minor_units: m.minor_units,
        currency: m.currency,
    }
}

fn time(t: guest::Timestamp) -> host::Timestamp {
    host::Timestamp {
        seconds: t.seconds,
        nanoseconds: t.nanoseconds,
    }
}

macro_rules! same_variants {
    ($value:expr, $from:ident => $to:ident, [$($v:ident),* $(,)?]) => {
        match $value { $($from::$v => $to::$v,)* }
    };
}

fn kind(k: guest::IssueKind) -> host::IssueKind {
    use guest::IssueKind as G;
    use host::IssueKind as H;
    same_variants!(k, G => H, [
        NotReceived, DeliveredNotReceived, Damaged, WrongItem, Quality, LogisticsDelay,
        CustomsHold, ReturnRequest, CancellationRequest, AToZClaim, Chargeback, PaymentDispute,
        NegativeReview, BuyerMessage, AccountHealth, RefundIssued, OrderUpdate, ShipmentUpdate,
        PrivacyRequest, Other,
    ])
}

/// A guest event as the host's type: the moves the canonical ABI replaces.
fn event(e: guest::TicketEvent) -> host::TicketEvent {
    host::TicketEvent {
        kind: kind(e.kind),
        shop: e.shop,
        case_id: e.case_id,
        order: e.order.map(|o| host::Order {
            id: o.id,
            display_name: o.display_name,
            placed_at: o.placed_at.map(time),
            total: o.total.map(money),
            line_items: o
                .line_items
                .into_iter()
                .map(|l| host::LineItem {
                    id: l.id,
                    sku: l.sku,
                    batch: l.batch,
                    title: l.title,
                    quantity: l.quantity,
                    unit_price: l.unit_price.map(money),
                })
                .collect(),
        }),
        customer: e.customer.map(|c| host::Customer {
            id: c.id,
            name: c.name,
            email: c.email,
            country: c.country,
            preferred_locale: c.preferred_locale,
            vip: c.vip,
        }),
        shipment: e.shipment.map(|s| host::Shipment {
            carrier: s.carrier,
            tracking_number: s.tracking_number,
            tracking_url: s.tracking_url,
            status: s.status,
            delivered_at: s.delivered_at.map(time),
            delivery_proof: s.delivery_proof,
            estimated_delivery: s.estimated_delivery.map(time),
        }),
        amount: e.amount.map(money),
        reason: e.reason.map(|r| host::Reason {
            code: r.code,
            network_code: r.network_code,
            text: r.text,
        }),
        status: e.status,
        platform_deadline: e.platform_deadline.map(time),
        occurred_at: e.occurred_at.map(time),
        buyer_text: e.buyer_text,
        rating: e.rating,
        summary: e.summary,
        dedupe: host::DedupeKey {
            delivery: e.dedupe.delivery,
            action: e.dedupe.action,
            business: e.dedupe.business,
        },
        attributes: e.attributes,
    }
}

/// A native connector's outcome as the host's type.
pub fn outcome(
    o: Result<guest_api::WebhookOutcome, guest_api::WebhookError>,
) -> Result<host_api::WebhookOutcome, host_api::WebhookError> {
    use guest_api::WebhookError as GE;
    use guest_api::WebhookOutcome as GO;
    use host_api::WebhookError as HE;
    use host_api::WebhookOutcome as HO;
    match o {
        Ok(GO::Events(events)) => Ok(HO::Events(events.into_iter().map(event).collect())),
        Ok(GO::Reply(r)) => Ok(HO::Reply(host_api::Reply {
            status: r.status,
            headers: r.headers,
            body: r.body,
        })),
        Ok(GO::Ignored(topic)) => Ok(HO::Ignored(topic)),
        Err(GE::Unauthorized(m)) => Err(HE::Unauthorized(m)),
        Err(GE::BadRequest(m)) => Err(HE::BadRequest(m)),
        Err(GE::PreconditionFailed(m)) => Err(HE::PreconditionFailed(m)),
        Err(GE::Misconfigured(m)) => Err(HE::Misconfigured(m)),
        Err(GE::Unavailable(m)) => Err(HE::Unavailable(m)),
    }
}

/// Serve `/hooks/shopify` through the gateway's own ingest with the native connector, or,
/// with `sandboxed`, with the gateway's wasm connector called right here on the tokio
/// workers (as the gateway did before its plugin-call threads, `plugin::executor`).
pub async fn native_server(app: Arc<helloword::web::App>, sandboxed: bool) -> String {
    use guest_api::Connector as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/shopify", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let app = app.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let app = app.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body: Bytes = body.collect().await.unwrap().to_bytes();
                        let incoming = helloword::web::hooks::incoming_request(&parts, "/", &body);
                        let request = guest_api::IncomingRequest {
                            method: incoming.method.clone(),
                            path: incoming.path.clone(),
                            query: incoming.query.clone(),
                            headers: incoming.headers.clone(),
                            body: incoming.body.clone(),
                        };
                        let answer = if sandboxed {
                            app.plugins
                                .get("shopify")
                                .unwrap()
                                .handle_webhook(&incoming)
                                .await
                                .unwrap()
                        } else {
                            outcome(shopify_connector::ShopifyConnector::handle_webhook(request))
                        };
                        Ok::<_, Infallible>(helloword::web::hooks::answer(
                            "shopify",
                            app.intake()
                                .accept("shopify", &incoming, &parts.headers, &body, Ok(answer))
                                .await,
                        ))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}
