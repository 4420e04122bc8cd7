//! `helloword:gateway/cache`: a small cache the host keeps for one plugin version across its
//! calls (every call runs in a fresh instance, so the plugin cannot keep one itself).
//!
//! Bounded per plugin version ([`MAX_ENTRIES`], [`MAX_BYTES`], [`MAX_VALUE_BYTES`],
//! [`MAX_TTL`]); when full, expired entries go first, then those closest to expiry. It lives
//! in the plugin's [`Grants`](crate::state::Grants), so another plugin never sees it
//! and a replaced plugin starts empty. Nothing in it survives a restart. A value the bounds
//! refuse is simply not stored: a cache miss costs the plugin a fetch, never a failed call.
//!
//! Why the plugin decides what to keep, rather than the `http` import caching GETs by their
//! `Cache-Control`: what may be reused is the marketplace's rule, which the connector knows
//! and a response header need not say. eBay asks integrators to cache notification keys
//! (its own SDKs keep them an hour, by key id) whatever its answer's headers say; the
//! connector also knows the identity that matters (the key id, not the URL with its token),
//! and an HTTP cache in the host would hold responses to requests that carry secrets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::bindings::cache::Host;
use crate::state::CallState;

/// Entries one plugin version may keep.
pub const MAX_ENTRIES: usize = 256;
/// Bytes of keys and values one plugin version may keep.
pub const MAX_BYTES: usize = 1 << 20;
/// The largest value kept.
pub const MAX_VALUE_BYTES: usize = 64 << 10;
/// The longest key kept.
pub const MAX_KEY_BYTES: usize = 256;
/// The longest time to live.
pub const MAX_TTL: Duration = Duration::from_secs(86_400);

struct Entry {
    value: Vec<u8>,
    expires: Instant,
}

/// One plugin version's cache.
#[derive(Default)]
pub struct GuestCache {
    entries: Mutex<(HashMap<String, Entry>, usize)>,
}

impl GuestCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, (HashMap<String, Entry>, usize)> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value under `key` at `now`, unless it expired.
    pub fn get_at(&self, key: &str, now: Instant) -> Option<Vec<u8>> {
        let mut guard = self.entries();
        let (map, bytes) = &mut *guard;
        match map.get(key) {
            Some(entry) if entry.expires > now => Some(entry.value.clone()),
            Some(_) => {
                if let Some(gone) = map.remove(key) {
                    *bytes -= key.len() + gone.value.len();
                }
                None
            }
            None => None,
        }
    }

    /// Keep `value` under `key` for `ttl` from `now` (a zero `ttl` removes it). Returns
    /// whether it is kept.
    pub fn set_at(&self, key: &str, value: Vec<u8>, ttl: Duration, now: Instant) -> bool {
        let mut guard = self.entries();
        let (map, bytes) = &mut *guard;
        if let Some(old) = map.remove(key) {
            *bytes -= key.len() + old.value.len();
        }
        let size = key.len() + value.len();
        if ttl.is_zero() || key.len() > MAX_KEY_BYTES || value.len() > MAX_VALUE_BYTES {
            return false;
        }
        map.retain(|k, e| {
            let keep = e.expires > now;
            if !keep {
                *bytes -= k.len() + e.value.len();
            }
            keep
        });
        while map.len() >= MAX_ENTRIES || *bytes + size > MAX_BYTES {
            let Some(first) = map
                .iter()
                .min_by_key(|(_, e)| e.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = map.remove(&first) {
                *bytes -= first.len() + gone.value.len();
            }
        }
        *bytes += size;
        map.insert(
            key.to_string(),
            Entry {
                value,
                expires: now + ttl.min(MAX_TTL),
            },
        );
        true
    }
}

impl Host for CallState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        self.host.count_call()?;
        Ok(self.host.grants.cache.get_at(&key, Instant::now()))
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_seconds: u32) -> wasmtime::Result<()> {
        self.host.count_call()?;
        let ttl = Duration::from_secs(u64::from(ttl_seconds));
        if !self
            .host
            .grants
            .cache
            .set_at(&key, value, ttl, Instant::now())
            && !ttl.is_zero()
        {
            tracing::debug!(
                message = "A plugin's cache entry was over the cache's bounds and is not kept.",
                plugin = %self.host.grants.plugin,
                key_bytes = key.len()
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lives_for_its_ttl_and_no_longer() {
        let cache = GuestCache::default();
        let t0 = Instant::now();
        assert!(cache.set_at(
            "public_key:a",
            b"pem".to_vec(),
            Duration::from_secs(3600),
            t0
        ));
        assert_eq!(
            cache.get_at("public_key:a", t0 + Duration::from_secs(3599)),
            Some(b"pem".to_vec())
        );
        assert_eq!(
            cache.get_at("public_key:a", t0 + Duration::from_secs(3600)),
            None
        );
        assert_eq!(cache.get_at("public_key:b", t0), None);
        // A zero ttl removes.
        cache.set_at("k", b"v".to_vec(), Duration::from_secs(60), t0);
        cache.set_at("k", Vec::new(), Duration::ZERO, t0);
        assert_eq!(cache.get_at("k", t0), None);
    }

    #[test]
    fn the_ttl_is_capped_at_a_day() {
        let cache = GuestCache::default();
        let t0 = Instant::now();
        cache.set_at(
            "k",
            b"v".to_vec(),
            Duration::from_secs(u64::from(u32::MAX)),
            t0,
        );
        assert_eq!(
            cache.get_at("k", t0 + MAX_TTL - Duration::from_secs(1)),
            Some(b"v".to_vec())
        );
        assert_eq!(cache.get_at("k", t0 + MAX_TTL), None);
    }

    #[test]
    fn a_full_cache_drops_what_expires_first_and_stays_within_its_bounds() {
        let cache = GuestCache::default();
        let t0 = Instant::now();
        for i in 0..MAX_ENTRIES + 10 {
            let ttl = Duration::from_secs(1000 + i as u64);
            assert!(cache.set_at(&format!("k{i}"), vec![0; 16], ttl, t0));
        }
        let (map, bytes) = &*cache.entries();
        assert_eq!(map.len(), MAX_ENTRIES);
        assert!(!map.contains_key("k0"), "the soonest to expire went first");
        assert!(map.contains_key(&format!("k{}", MAX_ENTRIES + 9)));
        assert_eq!(
            *bytes,
            map.iter()
                .map(|(k, e)| k.len() + e.value.len())
                .sum::<usize>()
        );
    }

    #[test]
    fn values_and_keys_over_the_bounds_are_not_kept_and_bytes_are_bounded() {
        let cache = GuestCache::default();
        let t0 = Instant::now();
        let hour = Duration::from_secs(3600);
        assert!(!cache.set_at("big", vec![0; MAX_VALUE_BYTES + 1], hour, t0));
        assert!(!cache.set_at(&"k".repeat(MAX_KEY_BYTES + 1), b"v".to_vec(), hour, t0));
        for i in 0..40 {
            assert!(cache.set_at(&format!("v{i}"), vec![0; MAX_VALUE_BYTES], hour, t0));
        }
        let (_, bytes) = &*cache.entries();
        assert!(*bytes <= MAX_BYTES, "{bytes}");
    }
}
