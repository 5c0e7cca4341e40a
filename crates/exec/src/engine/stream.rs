//! Per-event values streamed partition by partition ([`Engine::for_each_partition`]): the
//! consumer (a skim writer) gets each partition's values in partition order as soon as it and
//! those before it are done, so a run never holds more than a few partitions' values, however
//! many events it selects.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, RecordBatch};
use datafusion_execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion_physical_plan::ExecutionPlan;
use rask_plan::Expr;
use rask_plan::types::Ty;

use super::partial::{PartialExec, collect_reserved};
use super::{Engine, EvalExec, Output, RunStats, lower, merge, planned_stats};
use crate::error::ExecError;

/// One partition's rows and their reservation in the memory pool.
type Done = (usize, Vec<RecordBatch>, MemoryReservation);

impl Engine {
    /// Computes per-event expressions and calls `f(partition, values)` once per partition, in
    /// partition order, with that partition's values of every expression (each an
    /// [`Output::Events`]). At most one partition per worker thread, plus one, runs ahead of
    /// the consumer, and their values are reserved in the memory pool until `f` returns: the
    /// memory a run needs does not grow with the number of events it keeps. An error of `f`
    /// stops the run (the partitions still running are dropped) and is returned.
    ///
    /// Expressions sliced after a cut (`Expr::rows`, one slice for all, from the start:
    /// non-negative positions) give each partition's part of the slice, and the run stops once
    /// the slice is complete (`LIMIT 10` reads no further than its tenth event).
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::threads());
    /// let met = events.field("MET")?.field("pt")?;
    /// let mut rows = 0;
    /// engine.for_each_partition::<rask_exec::ExecError>(&[&met], |_, values| {
    ///     if let rask_exec::Output::Events(a) = &values[0] {
    ///         rows += a.len();
    ///     }
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_each_partition<E: From<ExecError>>(
        &self,
        exprs: &[&Expr],
        mut f: impl FnMut(usize, Vec<Output>) -> Result<(), E>,
    ) -> Result<RunStats, E> {
        let start = Instant::now();
        self.scheduler.check()?;
        // Values of all events read per event (`x - mean(x)`): computed first, then literals.
        let staged = super::stages::reductions_first(self, exprs)?;
        let staged: Vec<&Expr> = match &staged {
            Some(s) => s.iter().collect(),
            None => exprs.to_vec(),
        };
        let (unsliced, slice) = one_slice(&staged)?;
        let exprs: Vec<&Expr> = unsliced.iter().collect();
        let exprs = &exprs[..];
        if let Some(e) = exprs.iter().find(|e| !matches!(e.ty(), Ty::Events { .. })) {
            return Err(ExecError::Unsupported(format!(
                "streaming gives per-event values; {} is {}",
                e.describe(),
                e.ty().describe()
            ))
            .into());
        }
        let lowered = lower(exprs, &self.options, &self.store)?;
        if lowered.events().is_none() {
            return Err(ExecError::Unsupported(
                "streaming runs event plans, not array plans".to_string(),
            )
            .into());
        }
        let mut stats = planned_stats(&lowered)?;
        let read_before = lowered.events().map_or(0, |e| e.source.bytes_read());
        let session = self.session()?;
        let eval = Arc::new(EvalExec::new(lowered, session.concurrency));
        let lowered = eval.lowered.clone();
        let partial = Arc::new(PartialExec::new(lowered.clone(), eval));
        let n = lowered.partitions();
        let window = session.concurrency + 1;
        let task = session.task.clone();
        let limit = self.options.memory_limit;
        let spawn = |tasks: &mut tokio::task::JoinSet<datafusion_common::Result<Done>>,
                     p: usize|
         -> Result<(), ExecError> {
            let stream = partial
                .execute(p, task.clone())
                .map_err(|e| super::run_error(e, limit))?;
            let reservation =
                MemoryConsumer::new(format!("rask stream {p}")).register(task.memory_pool());
            tasks.spawn(async move {
                let mut stream = stream;
                let rows = collect_reserved(&mut stream, &reservation).await?;
                Ok::<Done, datafusion_common::DataFusionError>((p, rows, reservation))
            });
            Ok(())
        };
        let run = session.runtime.block_on(async {
            // Dropping the set (on an error, or once a slice is complete) aborts the partitions
            // still running.
            let mut tasks = tokio::task::JoinSet::new();
            let mut finished: BTreeMap<usize, (Vec<RecordBatch>, MemoryReservation)> =
                BTreeMap::new();
            let mut spawned = 0;
            // Events before this partition, for a slice.
            let mut seen = 0usize;
            for p in 0..n {
                while spawned < n && spawned < p + window {
                    spawn(&mut tasks, spawned)?;
                    spawned += 1;
                }
                while !finished.contains_key(&p) {
                    let joined = tasks.join_next().await.ok_or_else(|| {
                        ExecError::Internal(format!("partition {p} was never run"))
                    })?;
                    let (q, rows, reservation) = joined
                        .map_err(|e| ExecError::Internal(format!("a partition task failed: {e}")))?
                        .map_err(|e| super::run_error(e, limit))?;
                    finished.insert(q, (rows, reservation));
                }
                let Some((rows, reservation)) = finished.remove(&p) else {
                    continue;
                };
                let mut values = merge(&lowered, &[rows])?;
                if let Some((from, to)) = slice {
                    let len = match values.first() {
                        Some(Output::Events(a)) => a.len(),
                        _ => 0,
                    };
                    let lo = from.saturating_sub(seen).min(len);
                    let hi = to.map_or(len, |t| t.saturating_sub(seen).min(len)).max(lo);
                    for v in &mut values {
                        if let Output::Events(a) = v {
                            *a = a.slice(lo, hi - lo);
                        }
                    }
                    seen += len;
                    f(p, values)?;
                    drop(reservation);
                    if to.is_some_and(|t| seen >= t) {
                        break; // the slice is complete: the partitions running are dropped
                    }
                    continue;
                }
                f(p, values)?;
                drop(reservation);
            }
            Ok::<(), E>(())
        });
        // Morsels of dropped partitions still running finish before the run returns.
        lowered.inflight.end();
        run?;
        if let Some(ev) = lowered.events() {
            stats.bytes_read = ev.source.bytes_read() - read_before;
        }
        stats.seconds = start.elapsed().as_secs_f64();
        Ok(stats)
    }
}

impl Engine {
    /// `exprs` that are all one slice after a cut from the start with an end
    /// (`events[mask][:10]`), computed by streaming, which stops once the slice is complete:
    /// a look at the first selected events reads only the partitions that hold them. `None`
    /// for anything else (computed as a whole).
    pub(super) fn compute_head(
        &self,
        exprs: &[&Expr],
    ) -> Result<Option<(Vec<Output>, RunStats)>, ExecError> {
        let mut slices = Vec::with_capacity(exprs.len());
        for e in exprs {
            slices.push(e.without_rows()?.1);
        }
        // One slice (the same positions of the same cut) from the start, with an end.
        let head = match slices.first() {
            Some(Some(s)) if s.start >= 0 && s.stop.is_some_and(|t| t >= 0) => slices[0],
            _ => return Ok(None),
        };
        if slices.iter().any(|s| *s != head) {
            return Ok(None);
        }
        let mut parts: Vec<Vec<arrow_array::ArrayRef>> = vec![Vec::new(); exprs.len()];
        let stats = self.for_each_partition::<ExecError>(exprs, |_, values| {
            for (part, v) in parts.iter_mut().zip(values) {
                if let Output::Events(a) = v {
                    part.push(a);
                }
            }
            Ok(())
        })?;
        let mut outputs = Vec::with_capacity(parts.len());
        for part in &parts {
            if part.is_empty() {
                return Ok(None); // no partition at all: the whole computation gives the types
            }
            let pieces: Vec<&dyn Array> = part.iter().map(|a| a.as_ref()).collect();
            let joined = arrow_select::concat::concat(&pieces)
                .map_err(|e| ExecError::Internal(format!("joining a slice's partitions: {e}")))?;
            outputs.push(Output::Events(joined));
        }
        Ok(Some((outputs, stats)))
    }
}

/// `exprs` without their slice after a cut, and that slice as positions from the start
/// (`None`: no slice). Streaming needs one slice for all and non-negative positions (the number
/// of events a cut keeps is known only at the end).
fn one_slice(exprs: &[&Expr]) -> Result<(Vec<Expr>, Option<(usize, Option<usize>)>), ExecError> {
    let mut unsliced = Vec::with_capacity(exprs.len());
    let mut slices = Vec::with_capacity(exprs.len());
    for e in exprs {
        let (u, bounds) = e.without_rows()?;
        unsliced.push(u);
        slices.push(bounds);
    }
    let Some(first) = slices.first().copied().flatten() else {
        if slices.iter().any(Option::is_some) {
            return Err(ExecError::Unsupported(
                "streaming values of one slice of cut events beside values of all of them"
                    .to_string(),
            ));
        }
        return Ok((unsliced, None));
    };
    // The same positions of two cuts are different events (and partitions hold different
    // numbers of them): one slice of one cut only.
    if slices.iter().any(|s| *s != Some(first)) {
        return Err(ExecError::Unsupported(
            "streaming values of different slices of cut events".to_string(),
        ));
    }
    let (start, stop) = (first.start, first.stop);
    let from = usize::try_from(start);
    let to = stop.map(usize::try_from).transpose();
    match (from, to) {
        (Ok(from), Ok(to)) => Ok((unsliced, Some((from, to)))),
        _ => Err(ExecError::Unsupported(format!(
            "streaming a slice of cut events counted from the end ([{start}:{}]): compute it \
             instead",
            stop.map_or(String::new(), |s| s.to_string())
        ))),
    }
}
