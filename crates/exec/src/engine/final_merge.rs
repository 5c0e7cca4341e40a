//! `MergeExec`, the final step of an event plan: runs every partition of its input (a
//! [`super::partial::PartialExec`], whose partitions give one row each, here or on cluster
//! workers) and combines those rows, in partition order, into the result — histograms summed bin
//! by bin, reductions combined, per-event values concatenated — so the result is the same for
//! any scheduler, partitioning or worker count.

use std::fmt;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use datafusion_common::tree_node::TreeNodeRecursion;
use datafusion_execution::memory_pool::MemoryConsumer;
use datafusion_execution::{SendableRecordBatchStream, TaskContext};
use datafusion_physical_plan::execution_plan::EmissionType;
use datafusion_physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties,
};

use crate::error::ExecError;

use super::lower::{Kind, Lowered};
use super::merge::{combine_hists, combine_partials};
use super::operator::properties;
use super::operator::to_datafusion;
use super::partial::collect_reserved;
use super::run::one_row;

/// One output partition: the input's partitions combined in partition order.
pub(super) struct MergeExec {
    lowered: Arc<Lowered>,
    input: Arc<dyn ExecutionPlan>,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for MergeExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MergeExec: {} partitions combined in partition order",
            self.input.properties().partitioning.partition_count()
        )
    }
}

impl MergeExec {
    /// The final merge of `input`'s partitions (whose rows have `lowered`'s output kinds).
    pub(super) fn new(lowered: Arc<Lowered>, input: Arc<dyn ExecutionPlan>) -> Self {
        let props = properties(&input.schema(), 1, EmissionType::Final);
        MergeExec {
            lowered,
            input,
            props,
        }
    }
}

operator_basics!(display MergeExec);

#[allow(deprecated)] // `with_new_children` is deprecated in DataFusion 55 but still required
impl ExecutionPlan for MergeExec {
    operator_basics!(methods "MergeExec");
    operator_basics!(one_input MergeExec, "MergeExec");
    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> datafusion_common::Result<SendableRecordBatchStream> {
        if partition != 0 {
            return datafusion_common::internal_err!("MergeExec has one partition");
        }
        let input = self.input.clone();
        let lowered = self.lowered.clone();
        let schema = self.input.schema();
        let n = input.properties().partitioning.partition_count();
        // The plan's partitions; a cluster's split scans may add empty ones after them.
        let real = lowered.partitions();
        if n < real {
            return datafusion_common::internal_err!(
                "MergeExec over {n} partitions of a plan of {real}"
            );
        }
        // Every input partition runs as its own task (their scans take turns for the worker
        // slots, or they arrive from cluster workers); dropping this stream drops the tasks,
        // which stops them. Each partition gives one row (see `PartialExec`), reserved in the
        // memory pool until the final merge.
        let merged = async move {
            let mut tasks = tokio::task::JoinSet::new();
            for p in 0..n {
                let stream = input.execute(p, ctx.clone())?;
                let reservation =
                    MemoryConsumer::new(format!("rask merge {p}")).register(ctx.memory_pool());
                tasks.spawn(async move {
                    let mut stream = stream;
                    let rows = collect_reserved(&mut stream, &reservation).await?;
                    Ok::<_, datafusion_common::DataFusionError>((p, rows, reservation))
                });
            }
            let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
            let mut held = Vec::with_capacity(n);
            while let Some(done) = tasks.join_next().await {
                let (p, rows, reservation) = done.map_err(|e| {
                    to_datafusion(ExecError::Internal(format!("a partition task failed: {e}")))
                })??;
                parts[p] = rows;
                held.push(reservation);
            }
            let rows: Vec<&RecordBatch> = parts[..real].iter().flatten().collect();
            combine(&lowered, &schema, &rows).map_err(to_datafusion)
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.input.schema(),
            futures::stream::once(merged),
        )))
    }
}

/// The rows of every partition, in order, as one row of the same schema.
pub(super) fn combine(
    lowered: &Lowered,
    schema: &SchemaRef,
    rows: &[&RecordBatch],
) -> Result<RecordBatch, ExecError> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(lowered.outputs.len());
    for (i, ((id, kind), field)) in lowered.outputs.iter().zip(schema.fields()).enumerate() {
        let values: Vec<ArrayRef> = rows
            .iter()
            .map(|b| b.column(i).as_list::<i32>().value(0))
            .collect();
        let merged: ArrayRef = match kind {
            Kind::Events(t, _) | Kind::Flat(t) => {
                let refs: Vec<&dyn Array> = values.iter().map(|b| b.as_ref()).collect();
                if refs.is_empty() {
                    arrow_array::new_empty_array(t)
                } else {
                    arrow_select::concat::concat(&refs)?
                }
            }
            Kind::Reduce(op, _) => combine_partials(*op, &values).map_err(|m| {
                ExecError::Eval(format!("evaluating {}: {m}", lowered.graph.describe(*id)))
            })?,
            Kind::Hist => combine_hists(&values),
            Kind::Array(..) => {
                return Err(ExecError::Internal(
                    "array blocks are assembled by the engine, not merged".to_string(),
                ));
            }
        };
        columns.push(one_row(field, merged)?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
