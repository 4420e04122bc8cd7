//! Request-rate limits per client: a token bucket for each client address, for the admin
//! API and the dashboard, and a stricter one for sign-in attempts (so a token cannot be
//! guessed at speed). Webhooks are not limited per client: marketplaces send bursts from a
//! few addresses, and every webhook is checked by its signature and body-size limit first.
//!
//! The client is the connection's peer; behind a reverse proxy listed in
//! `server.trusted_proxies`, the right-most `X-Forwarded-For` address the proxy added.
//! Limits count per [`ClientKey`]: an IPv4 address, or an IPv6 /64 — one customer's
//! allocation is usually a whole /64, so keying by address would give whoever holds one
//! 2^64 buckets.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::HeaderMap;

/// The connection's peer, put into each request's extensions by the server loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// What limits count by: an IPv4 address, or the /64 network of an IPv6 address (an
/// IPv4-mapped IPv6 address counts as its IPv4 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    /// The key `client` counts under.
    pub fn of(client: IpAddr) -> ClientKey {
        match client {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !(u128::from(u64::MAX));
                    ClientKey(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

/// A token bucket per client: `per_minute` requests a minute, in bursts of up to
/// `per_minute` (at least 1).
pub struct Limiter {
    per_minute: u32,
    buckets: Mutex<HashMap<ClientKey, Bucket>>,
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

    /// Take one request for `client` (counted under its [`ClientKey`]): `Ok`, or how long
    /// until it may try again.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let client = ClientKey::of(client);
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

/// Places per client for requests that stay open (live streams): at most `max` at once.
pub struct Slots {
    max: usize,
    held: Mutex<HashMap<ClientKey, usize>>,
}

/// A place taken from [`Slots`], given back when dropped.
pub struct Slot {
    slots: Arc<Slots>,
    client: ClientKey,
}

impl Slots {
    /// At most `max` places per client.
    pub fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max,
            held: Mutex::new(HashMap::new()),
        })
    }

    /// The most places one client may hold.
    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for `client` (counted under its [`ClientKey`]), unless it holds them all.
    pub fn take(self: &Arc<Self>, client: IpAddr) -> Option<Slot> {
        let client = ClientKey::of(client);
        let mut held = self.lock();
        let count = held.entry(client).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            client,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientKey, usize>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.lock();
        if let Some(count) = held.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.client);
            }
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
    fn an_ipv6_slash_64_is_one_client_however_many_addresses_it_uses() {
        let limiter = Limiter::new(2);
        let now = Instant::now();
        let in_64 = |host: u16| -> IpAddr { format!("2001:db8:1:2::{host:x}").parse().unwrap() };
        assert!(limiter.take(in_64(1), now).is_ok());
        assert!(limiter.take(in_64(2), now).is_ok());
        assert!(
            limiter.take(in_64(0xbeef), now).is_err(),
            "a third address of the same /64 shares its bucket"
        );
        let neighbour: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(
            limiter.take(neighbour, now).is_ok(),
            "the next /64 is another client"
        );
        assert_eq!(
            ClientKey::of(in_64(0xffff)).to_string(),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn an_ipv4_mapped_ipv6_address_is_its_ipv4_address() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let plain: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(ClientKey::of(mapped), ClientKey::of(plain));
        assert_ne!(
            ClientKey::of(mapped),
            ClientKey::of("::ffff:192.0.2.8".parse().unwrap()),
            "mapped addresses are not folded into one /64"
        );
        assert_eq!(ClientKey::of(mapped).to_string(), "192.0.2.7");
        let limiter = Limiter::new(1);
        let now = Instant::now();
        assert!(limiter.take(mapped, now).is_ok());
        assert!(
            limiter.take(plain, now).is_err(),
            "one bucket for both forms"
        );
    }

    #[test]
    fn a_client_holds_at_most_its_slots_and_gets_them_back_when_done() {
        let slots = Slots::new(2);
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let first = slots.take(a).unwrap();
        let _second = slots.take(same_64).unwrap();
        assert!(slots.take(a).is_none(), "the /64 holds both places");
        assert!(slots.take("192.0.2.1".parse().unwrap()).is_some());
        drop(first);
        assert!(
            slots.take(same_64).is_some(),
            "a dropped slot is given back"
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
