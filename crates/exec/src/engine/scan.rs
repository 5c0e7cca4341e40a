//! `ScanExec`, the scan of an event plan: partition `p` reads entry range `p` of the input files
//! (the branches projection pushdown left) and streams it as morsels of a few thousand events.
//! On a cluster the scan is split into one variant per task ([`ScanExec::split`]): variant `t`
//! reads a contiguous block of the partitions, so the tasks' partitions, concatenated in task
//! order, are the partitions in their order.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use datafusion_common::tree_node::TreeNodeRecursion;
use datafusion_execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion_execution::{SendableRecordBatchStream, TaskContext};
use datafusion_physical_plan::execution_plan::EmissionType;
use datafusion_physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties,
};
use futures::StreamExt;
use rask_io_root::decode::Widths;

use crate::error::ExecError;

use super::lower::Lowered;
use super::operator::properties;

/// The scan of an event plan's files: one partition per entry range, one batch per morsel.
pub(super) struct ScanExec {
    pub(super) lowered: Arc<Lowered>,
    schema: SchemaRef,
    /// The partitions of `lowered` this scan reads: its partition `j` is `range.start + j`.
    range: Range<usize>,
    /// Its partition count: `range.len()`, or more for the last variants of a split scan,
    /// whose extra partitions are empty (one empty morsel each).
    width: usize,
    /// Partitions that may run at once (their streams wait for a permit before reading).
    permits: Arc<tokio::sync::Semaphore>,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for ScanExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (files, columns) = self
            .lowered
            .events()
            .map_or((0, 0), |e| (e.source.num_files(), e.columns.len()));
        write!(
            f,
            "ScanExec: {files} file(s), {} partitions, {columns} column(s), morsels of {} events",
            self.width, self.lowered.morsel
        )?;
        if self.range != (0..self.lowered.partitions()) {
            write!(f, ", reading partitions {:?}", self.range)?;
        }
        Ok(())
    }
}

impl ScanExec {
    /// The scan of `lowered`'s event source, reading at most `concurrency` partitions at once.
    pub(super) fn new(lowered: Arc<Lowered>, concurrency: usize) -> Self {
        let schema = match lowered.events() {
            Some(ev) => {
                // ROOT branches are read widened (f64, i64): the engine computes on the decoded
                // buffers without a conversion pass.
                let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
                Arc::new(Schema::new(ev.source.fields_as(&cols, Widths::Widened)))
            }
            None => Arc::new(Schema::empty()),
        };
        let n = lowered.partitions();
        Self::reading(lowered, schema, 0..n, n, concurrency)
    }

    fn reading(
        lowered: Arc<Lowered>,
        schema: SchemaRef,
        range: Range<usize>,
        width: usize,
        concurrency: usize,
    ) -> Self {
        let props = properties(&schema, width, EmissionType::Incremental);
        ScanExec {
            lowered,
            schema,
            range,
            width,
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            props,
        }
    }

    /// A scan of the partitions `range` of `lowered` only, with `width` partitions (the ones
    /// past `range` empty).
    pub(super) fn restricted(
        lowered: Arc<Lowered>,
        range: Range<usize>,
        width: usize,
        concurrency: usize,
    ) -> Self {
        let schema = Self::new(lowered.clone(), concurrency).schema;
        let width = width.max(range.len());
        Self::reading(lowered, schema, range, width, concurrency)
    }

    /// The scan cut into `tasks` variants of equal partition counts: variant `t` reads the
    /// contiguous block `t * w .. (t + 1) * w` of the partitions (`w` = partitions / tasks,
    /// rounded up), so the variants' partitions in task order are this scan's in order.
    pub(super) fn split(&self, tasks: usize) -> Vec<ScanExec> {
        let n = self.range.len();
        let tasks = tasks.max(1);
        let w = n.div_ceil(tasks).max(1);
        (0..tasks)
            .map(|t| {
                let start = (self.range.start + t * w).min(self.range.end);
                let end = (start + w).min(self.range.end);
                ScanExec::reading(
                    self.lowered.clone(),
                    self.schema.clone(),
                    start..end,
                    w,
                    self.permits.available_permits().max(1),
                )
            })
            .collect()
    }

    /// The partitions of the plan this scan reads (indices into the lowered plan's).
    pub(super) fn range(&self) -> Range<usize> {
        self.range.clone()
    }
}

operator_basics!(display ScanExec);

#[allow(deprecated)] // `with_new_children` is deprecated in DataFusion 55 but still required
impl ExecutionPlan for ScanExec {
    operator_basics!(methods "ScanExec");
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> datafusion_common::Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            datafusion_common::internal_err!("ScanExec is a leaf")
        }
    }
    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> datafusion_common::Result<SendableRecordBatchStream> {
        let reservation =
            MemoryConsumer::new(format!("rask scan {partition}")).register(ctx.memory_pool());
        if partition >= self.width {
            return datafusion_common::internal_err!(
                "partition {partition} of a scan of {} partitions",
                self.width
            );
        }
        // Past the range: an empty partition of a split scan's last variants.
        let read = (partition < self.range.len()).then_some(self.range.start + partition);
        let morsels = morsels(
            self.lowered.clone(),
            self.schema.clone(),
            read,
            reservation,
            self.permits.clone(),
        )
        .map(|r| r.map_err(super::operator::to_datafusion));
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            morsels,
        )))
    }
}

/// The morsels of event partition `partition`, made as the stream is polled: the first poll
/// waits for a slot among the partitions that may run at once (`permits`), reads the
/// partition's branches and reserves them in DataFusion's memory pool (so a memory limit fails
/// the query with a clear error instead of exhausting the machine); every poll then gives one
/// morsel, and the task yields to the runtime between morsels, so dropping the stream stops the
/// work within one morsel. A set cancel flag ends the stream with [`ExecError::Cancelled`].
fn morsels(
    lowered: Arc<Lowered>,
    schema: SchemaRef,
    partition: Option<usize>,
    reservation: MemoryReservation,
    permits: Arc<tokio::sync::Semaphore>,
) -> impl futures::Stream<Item = Result<RecordBatch, ExecError>> + Send {
    let state = Morsels {
        lowered,
        schema,
        partition,
        reservation,
        permits,
        permit: None,
        batch: None,
        next: 0,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        if st.permit.is_none() {
            match st.permits.clone().acquire_owned().await {
                Ok(p) => st.permit = Some(p),
                Err(_) => {
                    st.done = true;
                    let e = ExecError::Internal("the partition slots were closed".to_string());
                    return Some((Err(e), st));
                }
            }
        } else {
            tokio::task::yield_now().await;
        }
        match st.step() {
            Ok(Some(row)) => Some((Ok(row), st)),
            Ok(None) => None,
            Err(e) => {
                st.done = true;
                Some((Err(e), st))
            }
        }
    })
}

/// Where a partition's scan is: its slot, its branches once read, the next morsel.
struct Morsels {
    lowered: Arc<Lowered>,
    schema: SchemaRef,
    /// The partition read; `None` for an empty one (a split scan's padding).
    partition: Option<usize>,
    reservation: MemoryReservation,
    permits: Arc<tokio::sync::Semaphore>,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
    batch: Option<RecordBatch>,
    next: usize,
    done: bool,
}

impl Morsels {
    /// The next morsel, or `None` when the partition is done (its memory and slot freed).
    fn step(&mut self) -> Result<Option<RecordBatch>, ExecError> {
        if self
            .lowered
            .cancel
            .as_ref()
            .is_some_and(|c| c.is_cancelled())
        {
            return Err(ExecError::Cancelled);
        }
        let batch = match &self.batch {
            Some(b) => b.clone(),
            None => {
                let ev = self.lowered.events().ok_or_else(|| {
                    ExecError::Internal("an array plan scanned as events".to_string())
                })?;
                let b = match self.partition {
                    Some(p) => {
                        let part = ev.partitions.get(p).ok_or_else(|| {
                            ExecError::Internal(format!("no partition {p} to scan"))
                        })?;
                        let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
                        ev.source.read_as(part, &cols, Widths::Widened)?
                    }
                    None => RecordBatch::new_empty(self.schema.clone()),
                };
                // The decoded branches (widened: f64, i64) and the intermediates of one morsel.
                self.reservation
                    .try_grow(2 * crate::events::source::batch_bytes(&b))?;
                self.batch = Some(b.clone());
                b
            }
        };
        // Partitions follow the baskets (often 100k events); the plan runs on morsels of a few
        // thousand events, whose columns stay in cache and whose buffers the allocator reuses.
        let morsel = self.lowered.morsel.max(1);
        let n = batch.num_rows();
        let start = self.next * morsel;
        // An empty partition still gives one (empty) morsel, so every output gets a row.
        if start >= n.max(1) {
            self.batch = None;
            self.reservation.free();
            self.permit = None;
            self.done = true;
            return Ok(None);
        }
        self.next += 1;
        Ok(Some(
            batch.slice(start.min(n), morsel.min(n - start.min(n))),
        ))
    }
}
