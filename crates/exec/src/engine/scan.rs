//! `ScanExec`, the scan of an event plan: partition `p` reads entry range `p` of the input files
//! (the branches projection pushdown left) and streams it as morsels of a few thousand events.

use std::fmt;
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

use crate::error::ExecError;

use super::lower::Lowered;
use super::operator::properties;

/// The scan of an event plan's files: one partition per entry range, one batch per morsel.
pub(super) struct ScanExec {
    lowered: Arc<Lowered>,
    schema: SchemaRef,
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
            self.lowered.partitions(),
            self.lowered.morsel
        )
    }
}

impl ScanExec {
    /// The scan of `lowered`'s event source, reading at most `concurrency` partitions at once.
    pub(super) fn new(lowered: Arc<Lowered>, concurrency: usize) -> Self {
        let schema = match lowered.events() {
            Some(ev) => {
                let src = ev.source.schema();
                Arc::new(Schema::new(
                    ev.columns
                        .iter()
                        .filter_map(|c| src.field_with_name(c).ok().cloned())
                        .collect::<Vec<_>>(),
                ))
            }
            None => Arc::new(Schema::empty()),
        };
        let props = properties(&schema, lowered.partitions(), EmissionType::Incremental);
        ScanExec {
            lowered,
            schema,
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            props,
        }
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
        let morsels = morsels(
            self.lowered.clone(),
            partition,
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
    partition: usize,
    reservation: MemoryReservation,
    permits: Arc<tokio::sync::Semaphore>,
) -> impl futures::Stream<Item = Result<RecordBatch, ExecError>> + Send {
    let state = Morsels {
        lowered,
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
    partition: usize,
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
                let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
                let b = ev.source.read(&ev.partitions[self.partition], &cols)?;
                // The decoded branches, and the f64 copies and intermediates of one morsel.
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
