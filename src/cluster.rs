//! Runs on cluster workers (`--workers`, `rask worker`) with the `cluster` feature, which
//! builds `rask-cluster` (datafusion-distributed); without it, asking for workers is a clear
//! error naming the feature.

use rask_exec::{Engine, Output, RunStats};
use rask_plan::Expr;

/// `--workers` given to a rask built without the `cluster` feature.
#[derive(Debug, thiserror::Error)]
#[error(
    "this rask was built without cluster support: build it with `cargo build --release --features cluster` to use {0}"
)]
pub struct ClusterNotBuilt(pub &'static str);

/// Computes `exprs` with `engine` on this machine (`workers` empty) or on the workers,
/// reporting what the run read.
///
/// ```no_run
/// # let ctx = rask_plan::Context::new();
/// # let events = rask::sources::open(&ctx, "events", &["data/nano-20k.root"], "Events")?;
/// let h = rask::adl::q1(&ctx, &events)?;
/// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync);
/// let (out, stats) = rask::cluster::compute_with_stats(&engine, &[], &[&h])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compute_with_stats(
    engine: &Engine,
    workers: &[String],
    exprs: &[&Expr],
) -> Result<(Vec<Output>, RunStats), Box<dyn std::error::Error>> {
    if workers.is_empty() {
        return Ok(engine.compute_with_stats(exprs)?);
    }
    #[cfg(feature = "cluster")]
    {
        let cluster = rask_cluster::Cluster::new(workers)?;
        Ok(cluster.compute_with_stats(engine, exprs)?)
    }
    #[cfg(not(feature = "cluster"))]
    {
        Err(Box::new(ClusterNotBuilt("--workers")))
    }
}

/// `rask worker`: serves partitions on `listen` until killed, printing the address.
pub fn run_worker(
    listen: &str,
    threads: Option<usize>,
    memory_limit: Option<usize>,
) -> Result<(), Box<dyn std::error::Error>> {
    #[cfg(feature = "cluster")]
    {
        let defaults = rask_cluster::WorkerOptions::default();
        let options = rask_cluster::WorkerOptions {
            threads: threads.unwrap_or(defaults.threads),
            memory_limit,
            // A line per task on stderr: what the worker is doing, for whoever runs it.
            on_task: Some(std::sync::Arc::new(|partitions| {
                eprintln!("rask worker: task of {partitions} partition(s) started");
            })),
        };
        rask_cluster::run_worker(listen, &options, |addr| {
            // One line on stdout, flushed: scripts (and tests) read the port from it.
            use std::io::Write;
            println!("rask worker listening on {addr}");
            let _ = std::io::stdout().flush();
        })?;
        Ok(())
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = (listen, threads, memory_limit);
        Err(Box::new(ClusterNotBuilt("rask worker")))
    }
}
