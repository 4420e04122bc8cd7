//! Request-rate limits per client: a token bucket for each client address, for the admin
//! API and the dashboard, and a stricter one for sign-in attempts (so a token cannot be
//! guessed at speed). Webhooks are not limited per client: marketplaces send bursts from a
//! few addresses, and every webhook is checked by its signature and body-size limit first.
//!
//! The client is the connection's peer; behind a reverse proxy listed in
//! `server.trusted_proxies`, the right-most `X-Forwarded-For` address the proxy added.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hyper::HeaderMap;

/// The connection's peer, put into each request's extensions by the server loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

/// A token bucket per client: `per_minute` requests a minute, in bursts of up to
/// `per_minute` (at least 1).
pub struct Limiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// A limiter for `per_minute` requests a minute per client; 0 turns it off.
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request for `client`: `Ok`, or how long until it may try again.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            // Drop the clients whose buckets have refilled: they lose nothing.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// The client a request comes from: its peer, or, when the peer is a trusted proxy, the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client(peer: Option<Peer>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?.0.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_for_the_refill() {
        let limiter = Limiter::new(3);
        let now = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.take(a, now).is_ok());
        }
        let wait = limiter.take(a, now).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.take(b, now).is_ok(), "clients are limited apart");
        assert!(limiter.take(a, now + Duration::from_secs(20)).is_ok());
        assert!(
            Limiter::new(0).take(a, now).is_ok(),
            "0 turns the limit off"
        );
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_forwarded_one() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let peer = Some(Peer(SocketAddr::new(proxy, 4000)));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(
            client(peer, &headers, &[proxy]),
            Some("198.51.100.7".parse().unwrap()),
            "the right-most address the proxy added, not what the client claimed"
        );
        assert_eq!(
            client(peer, &headers, &[]),
            Some(proxy),
            "an untrusted peer is the client"
        );
    }
}
