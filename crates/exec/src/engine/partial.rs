//! `PartialExec`, the partial step of an event plan's merge: each partition of its input (an
//! [`super::operator::EvalExec`], one row per morsel) becomes one row when it ends — its
//! histograms summed, reductions combined, values concatenated — so what waits for the final
//! [`super::final_merge::MergeExec`] (or crosses the network from a cluster worker) is one row
//! per partition, whatever the number of files or morsels.

use std::fmt;
use std::sync::Arc;

use arrow_array::RecordBatch;
use datafusion_common::tree_node::TreeNodeRecursion;
use datafusion_execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion_execution::{SendableRecordBatchStream, TaskContext};
use datafusion_physical_plan::execution_plan::EmissionType;
use datafusion_physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties,
};
use futures::StreamExt;

use super::final_merge::combine;
use super::lower::Lowered;
use super::operator::{properties, to_datafusion};

/// One row per input partition: the partition's morsel rows combined in order.
pub(super) struct PartialExec {
    pub(super) lowered: Arc<Lowered>,
    input: Arc<dyn ExecutionPlan>,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for PartialExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PartialExec: each of {} partitions combined into one row",
            self.props.partitioning.partition_count()
        )
    }
}

impl PartialExec {
    /// The partial merge of `input`'s partitions (whose rows have `lowered`'s output kinds).
    pub(super) fn new(lowered: Arc<Lowered>, input: Arc<dyn ExecutionPlan>) -> Self {
        let props = properties(
            &input.schema(),
            input.properties().partitioning.partition_count(),
            EmissionType::Final,
        );
        PartialExec {
            lowered,
            input,
            props,
        }
    }
}

operator_basics!(display PartialExec);

#[allow(deprecated)] // `with_new_children` is deprecated in DataFusion 55 but still required
impl ExecutionPlan for PartialExec {
    operator_basics!(methods "PartialExec");
    operator_basics!(one_input PartialExec, "PartialExec");
    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> datafusion_common::Result<SendableRecordBatchStream> {
        let mut stream = self.input.execute(partition, ctx.clone())?;
        let lowered = self.lowered.clone();
        let schema = self.input.schema();
        // What a partition's outputs hold (per-event values grow with its events; histograms
        // and reductions stay small) is reserved in the memory pool while it runs.
        let reservation =
            MemoryConsumer::new(format!("rask partial {partition}")).register(ctx.memory_pool());
        let row = async move {
            let rows = collect_reserved(&mut stream, &reservation).await?;
            let refs: Vec<&RecordBatch> = rows.iter().collect();
            let row = combine(&lowered, &schema, &refs).map_err(to_datafusion)?;
            drop(reservation);
            Ok(row)
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.input.schema(),
            futures::stream::once(row),
        )))
    }
}

/// Every row of `stream`, each reserved in `reservation` as it arrives (a partition's rows
/// while they are combined, or the partitions' rows while they wait for the final merge).
pub(super) async fn collect_reserved(
    stream: &mut SendableRecordBatchStream,
    reservation: &MemoryReservation,
) -> datafusion_common::Result<Vec<RecordBatch>> {
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await {
        let row = row?;
        reservation.try_grow(row.get_array_memory_size())?;
        rows.push(row);
    }
    Ok(rows)
}
