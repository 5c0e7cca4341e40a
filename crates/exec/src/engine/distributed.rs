//! What a distributed runner (`rask-cluster`, on datafusion-distributed) needs from the engine:
//! an event plan's per-partition stage (`PartialExec > EvalExec > ScanExec`, run by workers),
//! its final merge (run by the coordinator over the stage's partitions, in order), the scan
//! split into one variant per task, and the wire form of the three operators.
//!
//! The stage's partitions, concatenated in task order, are the plan's partitions in order (each
//! task scans a contiguous block; the last tasks' extra partitions are empty and dropped by the
//! merge), so the final merge combines the same partials in the same order as a local run:
//! results are bit-identical for any number of workers.

use std::sync::Arc;

use arrow_array::RecordBatch;
use datafusion_physical_plan::ExecutionPlan;
use rask_plan::Expr;

use crate::error::ExecError;

use super::final_merge::MergeExec;
use super::lower::{Lowered, lower};
use super::operator::EvalExec;
use super::partial::PartialExec;
use super::scan::ScanExec;
use super::stack::{self, Shape};
use super::{Engine, Output, RunStats, merge, wire};

/// An event plan ready to be distributed: its per-partition stage and how to finish it.
pub struct DistributedPlan {
    lowered: Arc<Lowered>,
    shapes: Vec<Shape>,
    scan: Arc<ScanExec>,
}

impl std::fmt::Debug for DistributedPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DistributedPlan({} partitions)", self.partitions())
    }
}

impl Engine {
    /// The distributable form of computing `exprs` (an event plan): see [`DistributedPlan`].
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["data/nano-20k.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let met = events.field("MET")?.field("pt")?.sum(None)?;
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync);
    /// let plan = engine.distributed(&[&met])?;
    /// // Run `plan.stage()` anywhere, then `plan.final_merge(...)` over its partitions in order.
    /// let local = plan.final_merge(plan.stage());
    /// println!("{}", datafusion_physical_plan::displayable(local.as_ref()).indent(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn distributed(&self, exprs: &[&Expr]) -> Result<DistributedPlan, ExecError> {
        let (leaves, shapes) = stack::expand(exprs);
        let leaves: Vec<&Expr> = leaves.iter().collect();
        let lowered = lower(&leaves, &self.options, &self.store)?;
        if lowered.events().is_none() {
            return Err(ExecError::Unsupported(
                "array plans on cluster workers (their blocks are generated where they run)"
                    .to_string(),
            ));
        }
        let concurrency = match self.scheduler {
            super::Scheduler::Sync => 1,
            super::Scheduler::Threads(n) => n,
        };
        let lowered = Arc::new(lowered);
        let scan = Arc::new(ScanExec::new(lowered.clone(), concurrency));
        // Fail now, not on a worker, if the plan cannot be sent.
        wire::check_sendable(&scan)?;
        Ok(DistributedPlan {
            lowered,
            shapes,
            scan,
        })
    }
}

impl DistributedPlan {
    /// The per-partition stage over the whole scan: one row per partition, its partials.
    pub fn stage(&self) -> Arc<dyn ExecutionPlan> {
        self.stage_over(self.scan.clone())
    }

    /// The per-partition stage (`PartialExec > EvalExec`) over `leaf`: the scan, one of the
    /// variants of [`DistributedPlan::split_scan`], or a node holding them.
    pub fn stage_over(&self, leaf: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
        let eval = Arc::new(EvalExec::over(self.lowered.clone(), leaf));
        Arc::new(PartialExec::new(self.lowered.clone(), eval))
    }

    /// The scan (the leaf of the stage).
    pub fn scan(&self) -> Arc<dyn ExecutionPlan> {
        self.scan.clone()
    }

    /// The scan cut into `tasks` variants of the same partition count, variant `t` reading the
    /// `t`-th contiguous block of the partitions.
    pub fn split_scan(&self, tasks: usize) -> Vec<Arc<dyn ExecutionPlan>> {
        self.scan
            .split(tasks)
            .into_iter()
            .map(|s| Arc::new(s) as Arc<dyn ExecutionPlan>)
            .collect()
    }

    /// The plan's partitions (the stage may have more once split: empty ones at the end).
    pub fn partitions(&self) -> usize {
        self.lowered.partitions()
    }

    /// The final merge over `input`, whose partitions are the stage's in order (as a network
    /// boundary above split stages gives them).
    pub fn final_merge(&self, input: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
        Arc::new(MergeExec::new(self.lowered.clone(), input))
    }

    /// What the run will read (events, partitions, columns; the bytes are read by workers and
    /// not counted here).
    pub fn stats(&self) -> Result<RunStats, ExecError> {
        super::planned_stats(&self.lowered)
    }

    /// The outputs asked for, from the final merge's rows.
    pub fn outputs(&self, rows: Vec<RecordBatch>) -> Result<Vec<Output>, ExecError> {
        let out = merge::merge(&self.lowered, &[rows])?;
        stack::assemble(out, &self.shapes)
    }
}

/// The wire form of one of rask's operators (`None` for other plans): a scan carries its plan
/// and partitions, the operators above it nothing.
pub fn encode_operator(plan: &dyn ExecutionPlan) -> Option<Result<Vec<u8>, ExecError>> {
    wire::encode(plan)
}

/// One of rask's operators from its wire form, over its decoded inputs. A scan is lowered again
/// here, opening its files; it reads at most `concurrency` partitions at once.
pub fn decode_operator(
    bytes: &[u8],
    inputs: &[Arc<dyn ExecutionPlan>],
    concurrency: usize,
) -> Result<Arc<dyn ExecutionPlan>, ExecError> {
    wire::decode(bytes, inputs, concurrency)
}

/// A run's error as rask's: our own errors unwrapped from DataFusion's, a memory pool's refusal
/// as [`ExecError::MemoryLimit`] of `limit` bytes.
pub fn run_error(e: datafusion_common::DataFusionError, limit: Option<usize>) -> ExecError {
    super::run_error(e, limit)
}
