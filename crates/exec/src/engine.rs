//! The engine: an optimised plan lowered to a DataFusion `ExecutionPlan` whose partitions are
//! the chunks (blocks) of the plan, run on DataFusion's executor with one thread (`Sync`) or a
//! pool (`Threads(n)`). Each partition emits one row: the block's share of every output (its
//! values, or its partial reduction or histogram), and partials are merged in partition order,
//! so results do not depend on the scheduler.

use std::fmt;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PhysicalExpr, PlanProperties,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use rask_core::hist::{Histogram, Storage};
use rask_plan::op::{Op, ReduceOp};
use rask_plan::types::{DType, Ty};
use rask_plan::{Expr, Graph, NodeId};

use crate::block::{BlockId, BlockValue, Partial, arrow_type, eval};
use crate::error::ExecError;

/// How partitions are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// One thread: partitions interleave on a current-thread runtime.
    Sync,
    /// A pool of `n` worker threads.
    Threads(usize),
}

impl Scheduler {
    /// All cores.
    pub fn threads() -> Scheduler {
        Scheduler::Threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// A computed output.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Array values, row-major, with their shape.
    Array {
        data: ArrayRef,
        shape: Vec<usize>,
    },
    /// A whole-collection reduction.
    Float(f64),
    Int(i64),
    Bool(bool),
    /// A filled histogram.
    Hist(Histogram),
}

/// What one output needs per block.
#[derive(Debug, Clone)]
enum Kind {
    Array(DType, usize),
    Reduce(ReduceOp, DType),
    Hist,
}

/// The lowered plan: the fused graph, its outputs and their partition grid.
#[derive(Debug)]
struct Lowered {
    graph: Arc<Graph>,
    outputs: Vec<(NodeId, Kind)>,
    grid: (usize, usize),
}

fn lower(exprs: &[&Expr]) -> Result<Lowered, ExecError> {
    let first = exprs
        .first()
        .ok_or_else(|| ExecError::Unsupported("nothing to compute".to_string()))?;
    let plan = rask_plan::Plan {
        graph: first.context().graph(),
        outputs: exprs.iter().map(|e| e.node_id()).collect(),
    };
    let opt = rask_plan::optimize(&plan)?;
    let graph = opt.fused.graph;
    let mut grid: Option<(usize, usize)> = None;
    let order = graph.topo_order(&opt.fused.outputs);
    // Sources read through a reshape are generated in the reshape's blocks.
    let reshaped: Vec<NodeId> = order
        .iter()
        .filter(|id| matches!(graph.node(**id).op, Op::Reshape { .. }))
        .flat_map(|id| graph.node(*id).inputs.clone())
        .collect();
    for id in order {
        let node = graph.node(id);
        if reshaped.contains(&id) {
            continue;
        }
        match &node.op {
            Op::Source(spec) => {
                return Err(ExecError::Unsupported(format!(
                    "event source '{}': the engine runs array plans so far; evaluate event plans with `compute()` (reference interpreter)",
                    spec.label
                )));
            }
            Op::RandomNormal { .. }
            | Op::Full { .. }
            | Op::Arange { .. }
            | Op::FromArrow { .. }
            | Op::Reshape { .. } => {
                let Some(chunks) = crate::block::chunk_grid(&node.ty) else {
                    continue;
                };
                let g = (chunks[0].len(), chunks.get(1).map_or(1, Vec::len));
                match grid {
                    None => grid = Some(g),
                    Some(h) if h == g || (h == (g.1, g.0)) => {}
                    Some(h) => {
                        return Err(ExecError::Unsupported(format!(
                            "sources chunked into {h:?} and {g:?} blocks: rechunk to one grid"
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    let grid =
        grid.ok_or_else(|| ExecError::Unsupported("a plan without array sources".to_string()))?;
    let outputs = opt
        .fused
        .outputs
        .iter()
        .map(|&o| {
            let node = graph.node(o);
            let kind = match (&node.op, &node.ty) {
                (Op::Reduce { op, axis: None }, _) => Kind::Reduce(
                    *op,
                    graph.node(node.inputs[0]).ty.dtype().unwrap_or(DType::F64),
                ),
                (Op::Hist { .. }, _) => Kind::Hist,
                (_, Ty::Array { dtype, shape, .. }) => Kind::Array(*dtype, shape.len()),
                (_, ty) => {
                    return Err(ExecError::Unsupported(format!(
                        "outputs of type {}",
                        ty.describe()
                    )));
                }
            };
            Ok((o, kind))
        })
        .collect::<Result<_, ExecError>>()?;
    Ok(Lowered {
        graph: Arc::new(graph),
        outputs,
        grid,
    })
}

fn field_type(kind: &Kind) -> DataType {
    let item = match kind {
        Kind::Array(d, _) => arrow_type(*d),
        Kind::Reduce(ReduceOp::Count, _) => DataType::Int64,
        Kind::Reduce(ReduceOp::Sum, d) if !d.is_float() => DataType::Int64,
        Kind::Reduce(ReduceOp::Any | ReduceOp::All, _) => DataType::Boolean,
        Kind::Reduce(..) | Kind::Hist => DataType::Float64,
    };
    DataType::List(Arc::new(Field::new("item", item, false)))
}

/// The DataFusion operator: partition `p` evaluates block `p` of the chunk grid.
struct BlockExec {
    lowered: Arc<Lowered>,
    schema: SchemaRef,
    props: Arc<PlanProperties>,
}

impl fmt::Debug for BlockExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BlockExec({} outputs, grid {:?})",
            self.lowered.outputs.len(),
            self.lowered.grid
        )
    }
}

impl BlockExec {
    fn new(lowered: Lowered) -> Self {
        let fields: Vec<Field> = lowered
            .outputs
            .iter()
            .enumerate()
            .map(|(i, (_, k))| Field::new(format!("out{i}"), field_type(k), false))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let n = lowered.grid.0 * lowered.grid.1;
        let props = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(n),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        BlockExec {
            lowered: Arc::new(lowered),
            schema,
            props: Arc::new(props),
        }
    }
}

impl DisplayAs for BlockExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[allow(deprecated)] // `with_new_children` is deprecated in DataFusion 55 but still required
impl ExecutionPlan for BlockExec {
    fn name(&self) -> &str {
        "BlockExec"
    }
    fn properties(&self) -> &Arc<PlanProperties> {
        &self.props
    }
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }
    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> datafusion::common::Result<TreeNodeRecursion>,
    ) -> datafusion::common::Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            datafusion::common::internal_err!("BlockExec is a leaf")
        }
    }
    fn execute(
        &self,
        partition: usize,
        _ctx: Arc<TaskContext>,
    ) -> datafusion::common::Result<SendableRecordBatchStream> {
        let lowered = self.lowered.clone();
        let schema = self.schema.clone();
        // The work happens when the stream is polled, inside the task DataFusion spawns for it.
        let fut = async move {
            run_block(&lowered, &schema, partition)
                .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            futures::stream::once(fut),
        )))
    }
}

/// Evaluates every output for block `partition` and packs them into one row.
fn run_block(
    lowered: &Lowered,
    schema: &SchemaRef,
    partition: usize,
) -> Result<RecordBatch, ExecError> {
    let (_, cols) = lowered.grid;
    let block = BlockId {
        row: partition / cols,
        col: partition % cols,
    };
    let mut memo = vec![None; lowered.graph.len()];
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(lowered.outputs.len());
    for ((id, kind), field) in lowered.outputs.iter().zip(schema.fields()) {
        let value = eval(&lowered.graph, *id, block, &mut memo)?;
        let values: ArrayRef = match (kind, value) {
            (Kind::Array(..), BlockValue::Array { data, .. }) => data,
            (_, BlockValue::Partial(p)) => encode_partial(p),
            (_, other) => {
                return Err(ExecError::Unsupported(format!(
                    "unexpected block value {other:?}"
                )));
            }
        };
        let DataType::List(item) = field.data_type() else {
            unreachable!("all output fields are lists")
        };
        let values = if values.data_type() == item.data_type() {
            values
        } else {
            arrow_cast::cast(&values, item.data_type())?
        };
        let list = ListArray::try_new(
            item.clone(),
            arrow_buffer::OffsetBuffer::from_lengths([values.len()]),
            values,
            None,
        )?;
        columns.push(Arc::new(list));
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn encode_partial(p: Partial) -> ArrayRef {
    match p {
        Partial::Sum(x) | Partial::Min(x) | Partial::Max(x) => {
            Arc::new(Float64Array::from(vec![x]))
        }
        Partial::SumInt(x) | Partial::Count(x) => Arc::new(Int64Array::from(vec![x])),
        Partial::Any(b) | Partial::All(b) => Arc::new(BooleanArray::from(vec![b])),
        Partial::Mean(s, n) => Arc::new(Float64Array::from(vec![s, n as f64])),
        Partial::Hist(h) => {
            let mut v = h.values();
            if let Storage::Weight { sum2, .. } = &h.storage {
                v.extend_from_slice(sum2);
            }
            Arc::new(Float64Array::from(v))
        }
    }
}

/// Runs plans on DataFusion.
///
/// ```no_run
/// use rask_exec::{Engine, Scheduler};
/// let ctx = rask_plan::Context::new();
/// let x = ctx.random_normal(&[1_000_000], &[100_000], 1)?;
/// let n = x.mask(&x.gt(0.0)?)?.count(None)?;
/// let out = Engine::new(Scheduler::threads()).compute(&n)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    scheduler: Scheduler,
}

impl Engine {
    pub fn new(scheduler: Scheduler) -> Self {
        Engine { scheduler }
    }

    fn runtime(&self) -> Result<tokio::runtime::Runtime, ExecError> {
        let rt = match self.scheduler {
            Scheduler::Sync => tokio::runtime::Builder::new_current_thread().build(),
            Scheduler::Threads(n) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n.max(1))
                .build(),
        };
        rt.map_err(|e| ExecError::Unsupported(format!("cannot start the runtime: {e}")))
    }

    /// Computes one expression.
    pub fn compute(&self, expr: &Expr) -> Result<Output, ExecError> {
        self.compute_many(&[expr])?
            .pop()
            .ok_or_else(|| ExecError::Unsupported("no output".to_string()))
    }

    /// Computes several expressions in one pass over the partitions.
    pub fn compute_many(&self, exprs: &[&Expr]) -> Result<Vec<Output>, ExecError> {
        let lowered = lower(exprs)?;
        let plan = Arc::new(BlockExec::new(lowered));
        let partitions = match self.scheduler {
            Scheduler::Sync => 1,
            Scheduler::Threads(n) => n,
        };
        let session = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        let task = session.task_ctx();
        let rt = self.runtime()?;
        let parts = rt.block_on(datafusion::physical_plan::collect_partitioned(
            plan.clone() as Arc<dyn ExecutionPlan>,
            task,
        ))?;
        merge(&plan.lowered, &parts)
    }

    /// Runs a single partition (block) of the plan, for debugging (like dask's `.partitions[i]`).
    pub fn compute_partition(&self, expr: &Expr, partition: usize) -> Result<Output, ExecError> {
        let lowered = lower(&[expr])?;
        let plan = BlockExec::new(lowered);
        let n = plan.lowered.grid.0 * plan.lowered.grid.1;
        if partition >= n {
            return Err(ExecError::Unsupported(format!(
                "partition {partition} of a plan with {n} partitions"
            )));
        }
        let batch = run_block(&plan.lowered, &plan.schema, partition)?;
        let mut out = merge(&plan.lowered, &[vec![batch]])?;
        out.pop()
            .ok_or_else(|| ExecError::Unsupported("no output".to_string()))
    }
}

/// Merges the per-partition rows in partition order.
fn merge(lowered: &Lowered, parts: &[Vec<RecordBatch>]) -> Result<Vec<Output>, ExecError> {
    let rows: Vec<&RecordBatch> = parts.iter().flatten().collect();
    let mut outputs = Vec::with_capacity(lowered.outputs.len());
    for (i, (id, kind)) in lowered.outputs.iter().enumerate() {
        let values: Vec<ArrayRef> = rows
            .iter()
            .map(|b| b.column(i).as_list::<i32>().value(0))
            .collect();
        outputs.push(match kind {
            Kind::Array(_, ndim) => assemble(lowered, *id, &values, *ndim)?,
            Kind::Reduce(op, _) => reduce_partials(*op, &values),
            Kind::Hist => {
                let Op::Hist { axes, storage } = &lowered.graph.node(*id).op else {
                    unreachable!("hist output")
                };
                let axes: Vec<rask_core::hist::Axis> =
                    axes.iter().map(crate::hist::core_axis).collect();
                let mut total = Histogram::new(axes, crate::hist::core_storage(*storage));
                let size = total.values().len();
                for v in &values {
                    let v = v.as_primitive::<Float64Type>().values();
                    match &mut total.storage {
                        Storage::Int(t) => t.iter_mut().zip(v).for_each(|(a, b)| *a += *b as i64),
                        Storage::Double(t) => t.iter_mut().zip(v).for_each(|(a, b)| *a += b),
                        Storage::Weight { sum, sum2 } => {
                            sum.iter_mut().zip(&v[..size]).for_each(|(a, b)| *a += b);
                            sum2.iter_mut().zip(&v[size..]).for_each(|(a, b)| *a += b);
                        }
                    }
                }
                Output::Hist(total)
            }
        });
    }
    Ok(outputs)
}

fn reduce_partials(op: ReduceOp, values: &[ArrayRef]) -> Output {
    let f = |a: &ArrayRef| a.as_primitive::<Float64Type>().values().to_vec();
    let i = |a: &ArrayRef| a.as_primitive::<Int64Type>().value(0);
    let b = |a: &ArrayRef| a.as_boolean().value(0);
    match op {
        ReduceOp::Count => Output::Int(values.iter().map(i).sum()),
        ReduceOp::Any => Output::Bool(values.iter().any(b)),
        ReduceOp::All => Output::Bool(values.iter().all(b)),
        ReduceOp::Sum
            if values
                .first()
                .is_some_and(|v| v.data_type() == &DataType::Int64) =>
        {
            Output::Int(values.iter().map(i).fold(0, i64::wrapping_add))
        }
        ReduceOp::Sum => Output::Float(values.iter().map(|v| f(v)[0]).sum()),
        ReduceOp::Min => {
            Output::Float(values.iter().map(|v| f(v)[0]).fold(f64::INFINITY, |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }))
        }
        ReduceOp::Max => Output::Float(values.iter().map(|v| f(v)[0]).fold(
            f64::NEG_INFINITY,
            |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            },
        )),
        ReduceOp::Mean => {
            let (s, n) = values
                .iter()
                .map(|v| f(v))
                .fold((0.0, 0.0), |(s, n), p| (s + p[0], n + p[1]));
            Output::Float(s / n)
        }
    }
}

/// Concatenates 1-D blocks in order, or places 2-D blocks into a row-major array.
fn assemble(
    lowered: &Lowered,
    id: NodeId,
    blocks: &[ArrayRef],
    ndim: usize,
) -> Result<Output, ExecError> {
    let refs: Vec<&dyn Array> = blocks.iter().map(|b| b.as_ref()).collect();
    if ndim < 2 {
        let data = arrow_select::concat::concat(&refs)?;
        let n = data.len();
        return Ok(Output::Array {
            data,
            shape: vec![n],
        });
    }
    let Ty::Array { shape, chunks, .. } = &lowered.graph.node(id).ty else {
        unreachable!("array output")
    };
    let (Some(h), Some(w)) = (shape[0], shape[1]) else {
        return Err(ExecError::Unsupported(
            "2-D arrays of unknown shape".to_string(),
        ));
    };
    let (Some(rc), Some(cc)) = (chunks[0].clone(), chunks[1].clone()) else {
        return Err(ExecError::Unsupported(
            "2-D arrays of unknown chunks".to_string(),
        ));
    };
    let (h, w) = (h as usize, w as usize);
    // Global position of every block's elements, then one `take` to put them in row-major order.
    let mut source_index = vec![0u32; h * w];
    let mut offset = 0u32;
    let mut r0 = 0usize;
    for (bi, &bh) in rc.iter().enumerate() {
        let mut c0 = 0usize;
        for (bj, &bw) in cc.iter().enumerate() {
            let _ = (bi, bj);
            for r in 0..bh as usize {
                for c in 0..bw as usize {
                    source_index[(r0 + r) * w + c0 + c] = offset;
                    offset += 1;
                }
            }
            c0 += bw as usize;
        }
        r0 += bh as usize;
    }
    let all = arrow_select::concat::concat(&refs)?;
    let data = arrow_select::take::take(
        all.as_ref(),
        &arrow_array::UInt32Array::from(source_index),
        None,
    )?;
    Ok(Output::Array {
        data,
        shape: vec![h, w],
    })
}
