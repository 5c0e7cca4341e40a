//! rask-cluster: event plans run on workers through
//! [datafusion-distributed](https://github.com/datafusion-contrib/datafusion-distributed).
//!
//! A worker ([`run_worker`], `rask worker --listen HOST:PORT`) is datafusion-distributed's
//! gRPC worker service with rask's codec ([`RaskCodec`]). The coordinator ([`Cluster`]) lowers
//! a plan as the local engine does, cuts its scan into one contiguous block of partitions per
//! worker, sends each worker the plan (before optimising; the worker lowers it again) and the
//! partitions it reads, and merges the rows the workers send back in partition order: results
//! are bit-identical to a local run's. Inputs are paths that every worker can read.
//!
//! This crate is the only one built on the `datafusion` umbrella crate (datafusion-distributed
//! needs it); the facade builds it with its `cluster` feature only.

mod codec;
mod coordinator;
mod worker;

pub use codec::RaskCodec;
pub use coordinator::Cluster;
pub use worker::{LocalWorker, WorkerOptions, run_worker, serve};

/// What went wrong on a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// `--workers` was given no address.
    #[error("no workers: give --workers HOST:PORT[,HOST:PORT...]")]
    NoWorkers,
    /// A worker address that is not `HOST:PORT`.
    #[error("worker address '{address}': {detail}")]
    Address { address: String, detail: String },
    /// A worker that does not accept connections.
    #[error("worker {worker} is unreachable: {detail}")]
    Unreachable { worker: String, detail: String },
    /// The worker could not listen on its address.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
    /// Building or planning the computation failed (the user's plan, or one that cannot be
    /// sent to workers).
    #[error(transparent)]
    Plan(#[from] rask_exec::ExecError),
    /// The run failed on a worker or on the coordinator (a worker that died mid-run is named
    /// in the message).
    #[error("cluster run failed: {0}")]
    Run(Box<rask_exec::ExecError>),
    /// A worker stopped answering during the run, which failed (nothing of it is returned).
    #[error("worker {worker} stopped during the run, which failed: {run}")]
    WorkerLost {
        worker: String,
        run: Box<rask_exec::ExecError>,
    },
    /// A worker's or coordinator's runtime could not be made or stopped (an internal or
    /// resource error).
    #[error("cluster: {0}")]
    Worker(String),
}
