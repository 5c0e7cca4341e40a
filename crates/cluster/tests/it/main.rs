//! Integration tests of rask-cluster, linked into one binary: plans run on workers in this
//! process (real gRPC over 127.0.0.1) equal local runs bit for bit.

#[allow(unused_imports, dead_code)]
#[path = "../../../exec/tests/it/common.rs"]
mod common;
#[path = "../../../exec/tests/it/random_plans.rs"]
mod random_plans;

mod adl;
mod errors;
mod random;

use std::sync::OnceLock;

use rask_cluster::{Cluster, LocalWorker, WorkerOptions};

/// Two workers of two threads, shared by the tests of this binary.
pub fn workers() -> &'static [LocalWorker] {
    static WORKERS: OnceLock<Vec<LocalWorker>> = OnceLock::new();
    WORKERS.get_or_init(|| {
        let options = WorkerOptions {
            threads: 2,
            ..WorkerOptions::default()
        };
        (0..2)
            .map(|_| LocalWorker::start(&options).unwrap())
            .collect()
    })
}

/// A cluster of the shared workers.
pub fn cluster() -> Cluster {
    let addresses: Vec<String> = workers().iter().map(LocalWorker::address).collect();
    Cluster::new(&addresses).unwrap()
}
