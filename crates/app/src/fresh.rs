//! Values read from the store and kept for a moment, so that the hot paths (an API token's
//! principal, the matter in force, delegations, the catalog's revision) are not read again
//! for every request. An entry is used only while it is younger than its time to live and
//! was read under the same generation (a counter the store or catalog raises on change);
//! a change made by another process is seen once the time to live has passed.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long another process's change may go unseen.
pub const SEEN_WITHIN: Duration = Duration::from_secs(1);

/// Kept values by key.
pub struct Fresh<K, V> {
    entries: Mutex<HashMap<K, (Instant, u64, V)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> Fresh<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Fresh {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    /// The value kept for `key` under `generation`, if still fresh.
    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, g, v) = entries.get(key)?;
        (*g == generation && at.elapsed() < self.ttl).then(|| v.clone())
    }

    /// Keeps `value` for `key`, read under `generation`.
    pub fn put(&self, key: K, generation: u64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.retain(|_, (at, _, _)| at.elapsed() < self.ttl);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), generation, value));
        }
    }

    /// Forgets everything (a change made here).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl<K, V> std::fmt::Debug for Fresh<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fresh")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_generation_and_time_only() {
        let f: Fresh<&str, u32> = Fresh::new(Duration::from_millis(50), 2);
        f.put("a", 1, 10);
        assert_eq!(f.get(&"a", 1), Some(10));
        assert_eq!(f.get(&"a", 2), None, "another generation: stale");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(f.get(&"a", 1), None, "too old");
        f.put("a", 1, 11);
        f.put("b", 1, 12);
        f.put("c", 1, 13);
        assert!(f.get(&"c", 1).is_some(), "full: old entries make room");
        f.clear();
        assert_eq!(f.get(&"c", 1), None);
    }
}
