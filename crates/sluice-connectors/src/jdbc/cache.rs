//! A partial lookup cache, as Flink's `lookup.cache = PARTIAL`: values by key bytes,
//! bounded by a number of keys (least recently used go first) and by time since write
//! and since last access. It knows nothing of PostgreSQL, so any lookup source (a file
//! table, say) can keep its rows in one: the key is any canonical byte encoding of the
//! key columns, the value typically the key's rows as a `RecordBatch` (empty for a key
//! known to have none).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

struct Entry<V> {
    value: V,
    written: Instant,
    accessed: Instant,
    /// Position in the recency order.
    tick: u64,
}

/// Keys to values with size and time bounds.
pub struct LookupCache<V> {
    entries: HashMap<Vec<u8>, Entry<V>>,
    /// Recency order: tick to key, oldest first.
    order: BTreeMap<u64, Vec<u8>>,
    next_tick: u64,
    max_keys: Option<u64>,
    expire_after_write: Option<Duration>,
    expire_after_access: Option<Duration>,
}

impl<V: Clone> LookupCache<V> {
    pub fn new(
        max_keys: Option<u64>,
        expire_after_write: Option<Duration>,
        expire_after_access: Option<Duration>,
    ) -> LookupCache<V> {
        LookupCache {
            entries: HashMap::new(),
            order: BTreeMap::new(),
            next_tick: 0,
            max_keys,
            expire_after_write,
            expire_after_access,
        }
    }

    /// The value of `key` if cached and not expired; counts as an access.
    pub fn get(&mut self, key: &[u8]) -> Option<V> {
        self.get_at(key, Instant::now())
    }

    /// `get` as of `now`, for tests of expiry.
    pub fn get_at(&mut self, key: &[u8], now: Instant) -> Option<V> {
        let expired = {
            let entry = self.entries.get(key)?;
            self.expire_after_write.is_some_and(|ttl| now.duration_since(entry.written) >= ttl)
                || self.expire_after_access.is_some_and(|ttl| now.duration_since(entry.accessed) >= ttl)
        };
        if expired {
            self.remove(key);
            return None;
        }
        let tick = self.bump();
        let entry = self.entries.get_mut(key)?;
        self.order.remove(&entry.tick);
        entry.tick = tick;
        entry.accessed = now;
        self.order.insert(tick, key.to_vec());
        Some(entry.value.clone())
    }

    /// Stores `value` for `key`, evicting the least recently used keys beyond the bound.
    pub fn put(&mut self, key: Vec<u8>, value: V) {
        self.put_at(key, value, Instant::now())
    }

    pub fn put_at(&mut self, key: Vec<u8>, value: V, now: Instant) {
        if self.max_keys == Some(0) {
            return;
        }
        self.remove(&key);
        let tick = self.bump();
        self.order.insert(tick, key.clone());
        self.entries.insert(key, Entry { value, written: now, accessed: now, tick });
        if let Some(max) = self.max_keys {
            while self.entries.len() as u64 > max {
                let Some((_, oldest)) = self.order.pop_first() else { break };
                self.entries.remove(&oldest);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn remove(&mut self, key: &[u8]) {
        if let Some(entry) = self.entries.remove(key) {
            self.order.remove(&entry.tick);
        }
    }

    fn bump(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_beyond_the_bound() {
        let mut cache = LookupCache::new(Some(2), None, None);
        cache.put(b"a".to_vec(), 1);
        cache.put(b"b".to_vec(), 2);
        assert_eq!(cache.get(b"a"), Some(1));
        cache.put(b"c".to_vec(), 3);
        assert_eq!(cache.get(b"b"), None);
        assert_eq!(cache.get(b"a"), Some(1));
        assert_eq!(cache.get(b"c"), Some(3));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn expires_after_write_and_after_access() {
        let start = Instant::now();
        let mut cache = LookupCache::new(None, Some(Duration::from_secs(10)), None);
        cache.put_at(b"k".to_vec(), 1, start);
        assert_eq!(cache.get_at(b"k", start + Duration::from_secs(9)), Some(1));
        assert_eq!(cache.get_at(b"k", start + Duration::from_secs(10)), None);

        let mut cache = LookupCache::new(None, None, Some(Duration::from_secs(10)));
        cache.put_at(b"k".to_vec(), 1, start);
        assert_eq!(cache.get_at(b"k", start + Duration::from_secs(9)), Some(1));
        assert_eq!(cache.get_at(b"k", start + Duration::from_secs(18)), Some(1));
        assert_eq!(cache.get_at(b"k", start + Duration::from_secs(29)), None);
    }
}
