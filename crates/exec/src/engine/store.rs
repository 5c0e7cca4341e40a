//! Values kept by `Engine::persist`, by plan key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rask_core::column::Col;
use rask_io_root::Partition;
use rask_plan::Key;

/// Values kept by [`super::Engine::persist`]: one column per morsel of every partition of the run
/// that made them, with that run's source and partitioning (later runs that read them use the same).
#[derive(Debug, Clone)]
pub(super) struct Persisted {
    pub(super) paths: Vec<String>,
    pub(super) tree: String,
    /// The entries of the source it was computed over (`events[a:b]`; `None`: all).
    pub(super) entries: Option<std::ops::Range<u64>>,
    pub(super) partitions: Vec<Partition>,
    pub(super) morsel: usize,
    pub(super) values: Arc<Vec<Vec<Col>>>,
}

/// Persisted values by plan key, shared by clones of an [`Engine`].
#[derive(Debug, Clone, Default)]
pub(super) struct Store(Arc<Mutex<HashMap<Key, Persisted>>>);

impl Store {
    pub(super) fn get(&self, key: Key) -> Option<Persisted> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }
    pub(super) fn contains(&self, key: Key) -> bool {
        self.get(key).is_some()
    }
    pub(super) fn insert(&self, key: Key, p: Persisted) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, p);
    }
}
