//! `EvalExec`, the operator that evaluates the fused plan: over an event plan's [`ScanExec`]
//! (one row per morsel it scans), or as a leaf over the blocks of an array plan (one row per
//! block). Each row holds the morsel's or block's share of every output.

use std::fmt;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Field, Schema, SchemaRef};
use datafusion_common::tree_node::TreeNodeRecursion;
use datafusion_execution::{SendableRecordBatchStream, TaskContext};
use datafusion_physical_expr::EquivalenceProperties;
use datafusion_physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion_physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PhysicalExpr, PlanProperties,
};
use futures::StreamExt;

use crate::error::ExecError;

use super::lower::field_type;
use super::lower::{Lowered, Mode};
use super::run::{run_block, run_morsel};
use super::scan::ScanExec;

/// The properties of one of our operators: bounded, `partitions` of unknown partitioning.
pub(super) fn properties(
    schema: &SchemaRef,
    partitions: usize,
    emission: EmissionType,
) -> Arc<PlanProperties> {
    Arc::new(PlanProperties::new(
        EquivalenceProperties::new(schema.clone()),
        Partitioning::UnknownPartitioning(partitions),
        emission,
        Boundedness::Bounded,
    ))
}

/// Our errors inside DataFusion's (unwrapped again by the engine).
pub(super) fn to_datafusion(e: ExecError) -> datafusion_common::DataFusionError {
    match e {
        ExecError::DataFusion(d) => d,
        other => datafusion_common::DataFusionError::External(Box::new(other)),
    }
}

/// Evaluates every output of the fused plan: partition `p` is event partition `p` of its scan
/// (morsel by morsel) or block `p` of the array plan's chunk grid.
pub(super) struct EvalExec {
    pub(super) lowered: Arc<Lowered>,
    pub(super) schema: SchemaRef,
    /// The scan of an event plan; `None` for array plans, whose blocks are generated here.
    input: Option<Arc<dyn ExecutionPlan>>,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for EvalExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.lowered.graph.len();
        match &self.lowered.mode {
            Mode::Events(_) => write!(
                f,
                "EvalExec: {} output(s) per morsel, fused plan of {nodes} nodes",
                self.lowered.outputs.len()
            ),
            Mode::Array { grid } => write!(
                f,
                "EvalExec: {} output(s) per block of a {}x{} chunk grid, fused plan of {nodes} nodes",
                self.lowered.outputs.len(),
                grid.0,
                grid.1
            ),
        }
    }
}

impl EvalExec {
    /// The operator over `lowered` (with its scan, for event plans), running at most
    /// `concurrency` partitions at once.
    pub(super) fn new(lowered: Lowered, concurrency: usize) -> Self {
        let schema = Self::schema_of(&lowered);
        let lowered = Arc::new(lowered);
        let input: Option<Arc<dyn ExecutionPlan>> = match &lowered.mode {
            Mode::Events(_) => Some(Arc::new(ScanExec::new(lowered.clone(), concurrency))),
            Mode::Array { .. } => None,
        };
        let props = properties(&schema, lowered.partitions(), EmissionType::Incremental);
        EvalExec {
            lowered,
            schema,
            input,
            props,
        }
    }
}

impl EvalExec {
    /// The operator over an event plan's `input` scan (of any partition count: a cluster's
    /// split scan has fewer partitions than the plan).
    pub(super) fn over(lowered: Arc<Lowered>, input: Arc<dyn ExecutionPlan>) -> Self {
        let schema = Self::schema_of(&lowered);
        let props = properties(
            &schema,
            input.properties().partitioning.partition_count(),
            EmissionType::Incremental,
        );
        EvalExec {
            lowered,
            schema,
            input: Some(input),
            props,
        }
    }

    /// One column per output: the output's share of a morsel or block.
    fn schema_of(lowered: &Lowered) -> SchemaRef {
        let fields: Vec<Field> = lowered
            .outputs
            .iter()
            .enumerate()
            .map(|(i, (_, k))| Field::new(format!("out{i}"), field_type(k), false))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

operator_basics!(display EvalExec);

#[allow(deprecated)] // `with_new_children` is deprecated in DataFusion 55 but still required
impl ExecutionPlan for EvalExec {
    operator_basics!(methods "EvalExec");
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        self.input.iter().collect()
    }
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> datafusion_common::Result<Arc<dyn ExecutionPlan>> {
        match (children.len(), self.input.is_some()) {
            (0, false) => Ok(self),
            (1, true) => match children.into_iter().next() {
                Some(input) => Ok(Arc::new(EvalExec::over(self.lowered.clone(), input))),
                None => datafusion_common::internal_err!("EvalExec lost its input"),
            },
            _ => datafusion_common::internal_err!(
                "EvalExec takes one input over events and none over arrays"
            ),
        }
    }
    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> datafusion_common::Result<SendableRecordBatchStream> {
        let lowered = self.lowered.clone();
        let schema = self.schema.clone();
        // The work happens when the stream is polled, inside the task DataFusion spawns for it.
        let rows: futures::stream::BoxStream<'static, datafusion_common::Result<RecordBatch>> =
            match (&lowered.mode, &self.input) {
                (Mode::Events(_), Some(input)) => {
                    let morsels = input.execute(partition, ctx)?;
                    morsels
                        .enumerate()
                        .map(move |(m, batch)| {
                            let batch = batch?;
                            let Some(ev) = lowered.events() else {
                                return datafusion_common::internal_err!("events without a plan");
                            };
                            // No morsel of a run that has returned (a dropped partition).
                            let Some(_running) =
                                super::inflight::InFlight::enter(&lowered.inflight)
                            else {
                                return Err(to_datafusion(ExecError::Cancelled));
                            };
                            let row = run_morsel(&lowered, ev, &schema, &batch, (partition, m))
                                .map_err(to_datafusion)?;
                            if let Some(p) = &lowered.progress {
                                (p.0)(batch.num_rows() as u64);
                            }
                            Ok(row)
                        })
                        .boxed()
                }
                (Mode::Array { grid }, None) => {
                    let grid = *grid;
                    futures::stream::once(async move {
                        run_block(&lowered, grid, &schema, partition).map_err(to_datafusion)
                    })
                    .boxed()
                }
                _ => {
                    return datafusion_common::internal_err!(
                        "EvalExec's input does not fit its plan"
                    );
                }
            };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            rows,
        )))
    }
}
