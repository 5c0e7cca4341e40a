//! The engine: an optimised plan lowered to a DataFusion `ExecutionPlan` whose partitions are
//! the chunks (blocks) of the plan, run on DataFusion's executor with one thread (`Sync`) or a
//! pool (`Threads(n)`). Each partition emits one row: the block's share of every output (its
//! values, or its partial reduction or histogram), and partials are merged in partition order,
//! so results do not depend on the scheduler.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion_common::tree_node::TreeNodeRecursion;
use datafusion_execution::config::SessionConfig;
use datafusion_execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion_execution::runtime_env::RuntimeEnvBuilder;
use datafusion_execution::{SendableRecordBatchStream, TaskContext};
use datafusion_physical_expr::EquivalenceProperties;
use datafusion_physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion_physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PhysicalExpr, PlanProperties,
};
use futures::StreamExt;
use rask_core::column::Col;
use rask_core::hist::{Histogram, Storage};
use rask_io_root::{EventSource, Partition};
use rask_plan::SourceSpec;
use rask_plan::op::{BinaryOp, Op, ReduceOp};
use rask_plan::types::{DType, Layout, Ty};
use rask_plan::{Expr, Graph, Key, NodeId};

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
        Scheduler::Threads(cores())
    }

    /// The most worker threads [`Scheduler::Threads`] accepts: four per core, at least 256.
    /// More threads than that cannot make a run faster, and far more (100,000) cannot even be
    /// started: the operating system refuses their stacks and the process would abort.
    pub fn max_threads() -> usize {
        cores().saturating_mul(4).max(256)
    }

    /// The scheduler, if it can run: `Threads(n)` needs `1 <= n <= max_threads()`.
    ///
    /// ```
    /// use rask_exec::{ExecError, Scheduler};
    /// assert!(Scheduler::Threads(2).check().is_ok());
    /// assert!(matches!(Scheduler::Threads(0).check(), Err(ExecError::Threads { .. })));
    /// assert!(matches!(Scheduler::Threads(100_000).check(), Err(ExecError::Threads { .. })));
    /// ```
    pub fn check(self) -> Result<Scheduler, ExecError> {
        match self {
            Scheduler::Threads(n) if n == 0 || n > Scheduler::max_threads() => {
                Err(ExecError::Threads {
                    requested: n,
                    max: Scheduler::max_threads(),
                })
            }
            s => Ok(s),
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A computed output.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// One value per event (numbers, lists as Arrow lists, records as structs, missing values
    /// as nulls), in the order of the files and entries.
    Events(ArrayRef),
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
    /// Per-event values of this Arrow type (nullable when optional).
    Events(DataType, bool),
    /// A flat array made by `flatten`.
    Flat(DataType),
    Reduce(ReduceOp, DType),
    Hist,
}

/// The lowered plan: the fused graph, its outputs and their partition grid.
#[derive(Debug)]
struct Lowered {
    graph: Arc<Graph>,
    outputs: Vec<(NodeId, Kind)>,
    grid: (usize, usize),
    /// For plans over event sources: the files and their partitions (then `grid` is unused).
    events: Option<EventPlan>,
    progress: Option<Progress>,
    /// Events per morsel (the unit of evaluation inside a partition).
    morsel: usize,
    /// For `persist`: the first output's value of every morsel, by partition.
    capture: Option<Arc<Mutex<Vec<Vec<Col>>>>>,
}

impl Lowered {
    fn partitions(&self) -> usize {
        match &self.events {
            Some(e) => e.partitions.len(),
            None => self.grid.0 * self.grid.1,
        }
    }
}

/// Values kept by [`Engine::persist`]: one column per morsel of every partition of the run that
/// made them, with that run's source and partitioning (later runs that read them use the same).
#[derive(Debug, Clone)]
struct Persisted {
    paths: Vec<String>,
    tree: String,
    partitions: Vec<Partition>,
    morsel: usize,
    values: Arc<Vec<Vec<Col>>>,
}

/// Persisted values by plan key, shared by clones of an [`Engine`].
#[derive(Debug, Clone, Default)]
struct Store(Arc<Mutex<HashMap<Key, Persisted>>>);

impl Store {
    fn get(&self, key: Key) -> Option<Persisted> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }
    fn contains(&self, key: Key) -> bool {
        self.get(key).is_some()
    }
    fn insert(&self, key: Key, p: Persisted) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, p);
    }
}

/// The event source of a plan, opened, with the partitions to run.
#[derive(Debug)]
struct EventPlan {
    source: EventSource,
    /// Source nodes and the columns each reads (after projection pushdown).
    nodes: Vec<(NodeId, Vec<String>)>,
    /// Union of the columns of all source nodes, read once per partition.
    columns: Vec<String>,
    partitions: Vec<Partition>,
    /// Persisted nodes and their values (same partitions and morsels as this run).
    cached: Vec<(NodeId, Arc<Vec<Vec<Col>>>)>,
    source_paths: Vec<String>,
    source_tree: String,
}

/// A callback told the number of entries of every finished partition.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(u64) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Progress")
    }
}

/// The Arrow type of per-event values of `layout`, and whether they may be missing.
fn layout_arrow(layout: &Layout) -> (DataType, bool) {
    match layout {
        Layout::Prim(d) => (
            match d {
                DType::Bool => DataType::Boolean,
                d if d.is_float() => DataType::Float64,
                _ => DataType::Int64,
            },
            false,
        ),
        Layout::List { item, .. } => {
            let (t, nullable) = layout_arrow(item);
            (
                DataType::List(Arc::new(Field::new("item", t, nullable))),
                false,
            )
        }
        Layout::Option(inner) => (layout_arrow(inner).0, true),
        Layout::Record(fields) => (
            DataType::Struct(
                fields
                    .iter()
                    .map(|(n, l)| {
                        let (t, nullable) = layout_arrow(l);
                        Field::new(n, t, nullable)
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            false,
        ),
    }
}

fn lower_events(
    graph: Graph,
    outputs: Vec<NodeId>,
    options: &Options,
    store: &Store,
) -> Result<Lowered, ExecError> {
    let order = graph.topo_order(&outputs);
    let mut spec: Option<Arc<SourceSpec>> = None;
    let mut nodes = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut cached: Vec<(NodeId, Persisted)> = Vec::new();
    for &id in &order {
        let node = graph.node(id);
        match &node.op {
            Op::Cached(key) => {
                let p = store.get(*key).ok_or_else(|| {
                    ExecError::Eval(format!(
                        "the persisted value of {} is gone",
                        graph.describe(id)
                    ))
                })?;
                cached.push((id, p));
            }
            Op::Source(s) => {
                match &spec {
                    Some(first) if first.paths != s.paths || first.tree != s.tree => {
                        return Err(ExecError::Unsupported(format!(
                            "two different event sources ('{}' and '{}') in one computation",
                            first.label, s.label
                        )));
                    }
                    Some(_) => {}
                    None => spec = Some(s.clone()),
                }
                let cols: Vec<String> = match &s.columns {
                    Some(c) => c.clone(),
                    None => s.schema.fields().iter().map(|f| f.name().clone()).collect(),
                };
                for c in &cols {
                    if !columns.contains(c) {
                        columns.push(c.clone());
                    }
                }
                nodes.push((id, cols));
            }
            Op::RandomNormal { .. }
            | Op::Full { .. }
            | Op::Arange { .. }
            | Op::FromArrow { .. }
            | Op::Reshape { .. } => {
                return Err(ExecError::Unsupported(format!(
                    "{} arrays mixed with event sources in one computation",
                    node.op.name()
                )));
            }
            _ => {}
        }
    }
    // Persisted values fix the source, the partitions and the morsels.
    let (paths, tree, label) = match (&spec, cached.first()) {
        (Some(s), _) => (s.paths.clone(), s.tree.clone(), s.label.clone()),
        (None, Some((_, p))) => (p.paths.clone(), p.tree.clone(), "persisted".to_string()),
        (None, None) => return Err(ExecError::Unsupported("no event source".to_string())),
    };
    if paths.is_empty() {
        return Err(ExecError::Eval(format!(
            "the event source '{label}' has no files"
        )));
    }
    for (id, p) in &cached {
        if p.paths != paths || p.tree != tree || p.partitions != cached[0].1.partitions {
            return Err(ExecError::Unsupported(format!(
                "{} was persisted from other files or partitions than this computation reads",
                graph.describe(*id)
            )));
        }
    }
    let source = EventSource::open(&paths, &tree)?;
    let col_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let (partitions, morsel) = match cached.first() {
        Some((_, p)) => (p.partitions.clone(), p.morsel),
        None if col_refs.is_empty() => (source.split_evenly(1), options.morsel_events),
        None => (
            source.partitions(&col_refs, options.partition_entries)?,
            options.morsel_events,
        ),
    };
    let outs = outputs
        .iter()
        .map(|&o| {
            let node = graph.node(o);
            let kind = match (&node.op, &node.ty) {
                (Op::Reduce { op, axis: None }, _) => Kind::Reduce(
                    *op,
                    graph.node(node.inputs[0]).ty.dtype().unwrap_or(DType::F64),
                ),
                (_, Ty::Hist { .. }) => Kind::Hist,
                (_, Ty::Events { layout, .. }) => {
                    let (t, nullable) = layout_arrow(layout);
                    Kind::Events(t, nullable)
                }
                (_, Ty::Array { dtype, .. }) => Kind::Flat(arrow_type(*dtype)),
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
        outputs: outs,
        grid: (0, 0),
        events: Some(EventPlan {
            source,
            nodes,
            columns,
            partitions,
            cached: cached
                .into_iter()
                .map(|(id, p)| (id, p.values.clone()))
                .collect(),
            source_paths: paths,
            source_tree: tree,
        }),
        progress: options.progress.clone(),
        morsel,
        capture: None,
    })
}

fn lower(exprs: &[&Expr], options: &Options, store: &Store) -> Result<Lowered, ExecError> {
    let first = exprs
        .first()
        .ok_or_else(|| ExecError::Unsupported("nothing to compute".to_string()))?;
    let mut plan = rask_plan::Plan {
        graph: first.context().graph(),
        outputs: exprs.iter().map(|e| e.node_id()).collect(),
    };
    // Persisted values become leaves before optimising, so what is below them is culled (and
    // their branches are not read).
    plan.graph.replace_with_cached(|k| store.contains(k));
    let opt = rask_plan::optimize(&plan)?;
    let graph = opt.fused.graph;
    if graph
        .topo_order(&opt.fused.outputs)
        .iter()
        .any(|id| matches!(graph.node(*id).op, Op::Source(_) | Op::Cached(_)))
    {
        return lower_events(graph, opt.fused.outputs, options, store);
    }
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
        events: None,
        progress: options.progress.clone(),
        morsel: options.morsel_events,
        capture: None,
    })
}

fn field_type(kind: &Kind) -> DataType {
    let item = match kind {
        Kind::Events(t, nullable) => {
            return DataType::List(Arc::new(Field::new("item", t.clone(), *nullable)));
        }
        Kind::Flat(t) => t.clone(),
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
        let n = lowered.partitions();
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
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> datafusion_common::Result<TreeNodeRecursion>,
    ) -> datafusion_common::Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> datafusion_common::Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            datafusion_common::internal_err!("BlockExec is a leaf")
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
        let fut = async move {
            let reservation = MemoryConsumer::new(format!("rask partition {partition}"))
                .register(ctx.memory_pool());
            let out = match &lowered.events {
                Some(ev) => run_events(
                    &lowered,
                    ev,
                    &schema,
                    partition,
                    &reservation,
                    lowered.morsel,
                ),
                None => run_block(&lowered, &schema, partition).map(|b| vec![b]),
            };
            out.map_err(|e| match e {
                ExecError::DataFusion(d) => d,
                other => datafusion_common::error::DataFusionError::External(Box::new(other)),
            })
        };
        let rows = futures::stream::once(fut).flat_map(|res| {
            futures::stream::iter(match res {
                Ok(batches) => batches.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            rows,
        )))
    }
}

/// Reads one partition of the event source, evaluates every output on it and packs them into
/// one row. The decoded branches and their working copies are reserved in DataFusion's memory
/// pool, so a memory limit fails the query with a clear error instead of exhausting the machine.
fn run_events(
    lowered: &Lowered,
    ev: &EventPlan,
    schema: &SchemaRef,
    partition: usize,
    reservation: &MemoryReservation,
    morsel: usize,
) -> Result<Vec<RecordBatch>, ExecError> {
    let part = &ev.partitions[partition];
    let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
    let batch = ev.source.read(part, &cols)?;
    // The decoded branches, and the f64 copies and intermediate columns of one morsel.
    reservation.try_grow(2 * crate::events::source::batch_bytes(&batch))?;
    // Partitions follow the baskets (often 100k events); the plan runs on morsels of a few
    // thousand events, whose columns stay in cache and whose buffers the allocator reuses.
    let morsel = morsel.max(1);
    let n = batch.num_rows();
    let mut out = Vec::with_capacity(n.div_ceil(morsel).max(1));
    // An empty partition still gives one (empty) row per output.
    for (m, start) in (0..n.max(1)).step_by(morsel).enumerate() {
        let len = morsel.min(n - start.min(n));
        out.push(run_morsel(
            lowered,
            ev,
            schema,
            &batch.slice(start.min(n), len),
            (partition, m),
        )?);
        if let Some(p) = &lowered.progress {
            (p.0)(len as u64);
        }
    }
    reservation.free();
    Ok(out)
}

/// Evaluates every output on one slice of a partition's branches and packs them into one row.
fn run_morsel(
    lowered: &Lowered,
    ev: &EventPlan,
    schema: &SchemaRef,
    batch: &RecordBatch,
    (partition, morsel): (usize, usize),
) -> Result<RecordBatch, ExecError> {
    let mut sources = std::collections::HashMap::new();
    for (id, values) in &ev.cached {
        let col = values
            .get(partition)
            .and_then(|p| p.get(morsel))
            .ok_or_else(|| {
                ExecError::Eval(format!(
                    "no persisted value for morsel {morsel} of partition {partition}"
                ))
            })?;
        sources.insert(*id, col.clone());
    }
    for (id, _) in &ev.nodes {
        let node = lowered.graph.node(*id);
        let Op::Source(spec) = &node.op else {
            return Err(ExecError::Internal(format!(
                "{} was lowered as a source",
                lowered.graph.describe(*id)
            )));
        };
        sources.insert(
            *id,
            crate::events::source::source_col(batch, &node.ty, &spec.label)?,
        );
    }
    let ids: Vec<NodeId> = lowered.outputs.iter().map(|(id, _)| *id).collect();
    let values = crate::events::eval::evaluate(&lowered.graph, &ids, &sources)?;
    if let (Some(capture), Some(crate::events::eval::EvValue::Col(c))) =
        (&lowered.capture, values.first())
    {
        let mut slots = capture.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() <= partition {
            slots.resize(partition + 1, Vec::new());
        }
        let part = &mut slots[partition];
        if part.len() <= morsel {
            part.resize(morsel + 1, Col::I64(Vec::<i64>::new().into()));
        }
        part[morsel] = c.clone();
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(values.len());
    for ((value, field), (id, _)) in values
        .into_iter()
        .zip(schema.fields())
        .zip(&lowered.outputs)
    {
        use crate::events::eval::EvValue;
        let data: ArrayRef = match value {
            EvValue::Col(c) => {
                let c = match &lowered.graph.node(*id).ty {
                    Ty::Events { layout, .. } => crate::events::vector::conform(&c, layout)
                        .map_err(|m| ExecError::Eval(format!("output: {m}")))?,
                    _ => c,
                };
                c.to_arrow()?
            }
            EvValue::Flat(c) => c.to_arrow()?,
            EvValue::Partial(p) => encode_partial(p),
            EvValue::Const(_) => {
                return Err(ExecError::Unsupported("a literal as an output".to_string()));
            }
        };
        columns.push(one_row(field, data)?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Wraps `values` as the single list of a one-row column of type `field`.
fn one_row(field: &Field, values: ArrayRef) -> Result<ArrayRef, ExecError> {
    let DataType::List(item) = field.data_type() else {
        return Err(ExecError::Internal(format!(
            "output column {} is not a list",
            field.name()
        )));
    };
    let values = if values.data_type() == item.data_type() {
        values
    } else {
        arrow_cast::cast(&values, item.data_type())?
    };
    Ok(Arc::new(ListArray::try_new(
        item.clone(),
        arrow_buffer::OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )?))
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
        columns.push(one_row(field, values)?);
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

/// What a run read and how long it took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Events in the partitions run.
    pub events: u64,
    pub partitions: usize,
    /// The branches (columns) read.
    pub columns: Vec<String>,
    /// Bytes taken from the files by the run (counted by the readers).
    pub bytes_read: u64,
    /// Compressed bytes of `columns` in the files.
    pub column_bytes: u64,
    /// Size of the input files.
    pub file_bytes: u64,
    /// Wall time from lowering to merged outputs.
    pub seconds: f64,
}

/// Settings of an [`Engine`] besides the scheduler.
#[derive(Debug, Clone)]
struct Options {
    /// Target entries per partition of event sources (cut at basket / row-group boundaries).
    partition_entries: u64,
    /// DataFusion memory pool size in bytes (`None`: unbounded).
    memory_limit: Option<usize>,
    progress: Option<Progress>,
    /// Events per morsel inside a partition.
    morsel_events: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            partition_entries: 100_000,
            memory_limit: None,
            progress: None,
            morsel_events: std::env::var("RASK_MORSEL")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(8192),
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
    options: Options,
    store: Store,
}

impl Engine {
    pub fn new(scheduler: Scheduler) -> Self {
        Engine {
            scheduler,
            options: Options::default(),
            store: Store::default(),
        }
    }

    /// Partitions of about `entries` events for event sources (default 100,000).
    pub fn with_partition_entries(mut self, entries: u64) -> Self {
        self.options.partition_entries = entries.max(1);
        self
    }

    /// A memory limit in bytes for DataFusion's memory pool: a partition whose data would not
    /// fit fails the computation with [`ExecError::MemoryLimit`].
    pub fn with_memory_limit(mut self, bytes: usize) -> Self {
        self.options.memory_limit = Some(bytes);
        self
    }

    /// Evaluates event plans on morsels of `events` events inside each partition (default 8192).
    pub fn with_morsel_events(mut self, events: usize) -> Self {
        self.options.morsel_events = events.max(1);
        self
    }

    /// Calls `f(entries)` after every partition of an event source (for progress bars).
    pub fn with_progress(mut self, f: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.options.progress = Some(Progress(Arc::new(f)));
        self
    }

    /// The partitions an event plan would run: (file index, entry range) each.
    pub fn partitions(&self, expr: &Expr) -> Result<Vec<Partition>, ExecError> {
        let lowered = lower(&[expr], &self.options, &self.store)?;
        Ok(lowered.events.map(|e| e.partitions).unwrap_or_default())
    }

    fn runtime(&self) -> Result<tokio::runtime::Runtime, ExecError> {
        let rt = match self.scheduler.check()? {
            Scheduler::Sync => tokio::runtime::Builder::new_current_thread().build(),
            Scheduler::Threads(n) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
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
        Ok(self.compute_with_stats(exprs)?.0)
    }

    /// Computes several expressions in one pass and reports what the run read.
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_plan::adl::nano_schema()))?;
    /// let met = events.field("MET")?.field("pt")?;
    /// let (out, stats) = rask_exec::Engine::new(rask_exec::Scheduler::threads())
    ///     .compute_with_stats(&[&met])?;
    /// println!("{} events, {} bytes read", stats.events, stats.bytes_read);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute_with_stats(
        &self,
        exprs: &[&Expr],
    ) -> Result<(Vec<Output>, RunStats), ExecError> {
        let start = std::time::Instant::now();
        // Before any file is opened: an impossible thread count is the caller's mistake.
        self.scheduler.check()?;
        let lowered = lower(exprs, &self.options, &self.store)?;
        let mut stats = RunStats {
            partitions: lowered.partitions(),
            ..RunStats::default()
        };
        let read_before = lowered.events.as_ref().map_or(0, |e| e.source.bytes_read());
        if let Some(ev) = &lowered.events {
            stats.events = ev
                .partitions
                .iter()
                .map(|p| p.entries.end - p.entries.start)
                .sum();
            stats.file_bytes = ev.source.file_bytes();
            stats.columns = ev.columns.clone();
            let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
            stats.column_bytes = ev.source.column_bytes(&cols)?;
        }
        let (out, lowered) = self.run(lowered)?;
        if let Some(ev) = &lowered.events {
            stats.bytes_read = ev.source.bytes_read() - read_before;
        }
        stats.seconds = start.elapsed().as_secs_f64();
        Ok((out, stats))
    }

    /// Runs a lowered plan on DataFusion and merges the partitions' rows in order.
    fn run(&self, lowered: Lowered) -> Result<(Vec<Output>, Arc<Lowered>), ExecError> {
        let plan = Arc::new(BlockExec::new(lowered));
        let partitions = match self.scheduler {
            Scheduler::Sync => 1,
            Scheduler::Threads(n) => n,
        };
        let config = SessionConfig::new().with_target_partitions(partitions);
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(bytes) = self.options.memory_limit {
            runtime = runtime.with_memory_limit(bytes, 1.0);
        }
        let task = Arc::new(
            TaskContext::default()
                .with_session_config(config)
                .with_runtime(runtime.build_arc()?),
        );
        let rt = self.runtime()?;
        let parts = rt
            .block_on(datafusion_physical_plan::collect_partitioned(
                plan.clone() as Arc<dyn ExecutionPlan>,
                task,
            ))
            .map_err(|e| match e.find_root() {
                datafusion_common::error::DataFusionError::ResourcesExhausted(m) => {
                    ExecError::MemoryLimit {
                        limit: self.options.memory_limit.unwrap_or(0),
                        detail: m.clone(),
                    }
                }
                _ => unwrap_external(e),
            })?;
        let out = merge(&plan.lowered, &parts)?;
        Ok((out, plan.lowered.clone()))
    }

    /// Computes a per-event expression and keeps its values in memory, partition by partition:
    /// later computations on this engine (and its clones) that use it read them instead of
    /// recomputing it or reading its branches. Returns the expression, like dask's `persist`.
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_plan::adl::nano_schema()))?;
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::threads());
    /// let jets = events.field("Jet")?;
    /// let jets = engine.persist(&jets.mask(&jets.num()?.ge(2)?)?)?;
    /// let n = engine.compute(&jets.num()?.sum(None)?)?; // reads no branch again
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persist(&self, expr: &Expr) -> Result<Expr, ExecError> {
        if !matches!(expr.ty(), Ty::Events { .. }) {
            return Err(ExecError::Unsupported(format!(
                "persist keeps per-event values; {} is {}",
                expr.describe(),
                expr.ty().describe()
            )));
        }
        let mut lowered = lower(&[expr], &self.options, &self.store)?;
        let Some(ev) = &lowered.events else {
            return Err(ExecError::Unsupported(
                "persist of array plans (arrays are regenerated per chunk)".to_string(),
            ));
        };
        let (paths, tree) = (ev.source_paths.clone(), ev.source_tree.clone());
        let partitions = ev.partitions.clone();
        let capture = Arc::new(Mutex::new(Vec::new()));
        lowered.capture = Some(capture.clone());
        let morsel = lowered.morsel;
        self.run(lowered)?;
        let values = std::mem::take(&mut *capture.lock().unwrap_or_else(|e| e.into_inner()));
        let key = expr.context().graph().node(expr.node_id()).key;
        self.store.insert(
            key,
            Persisted {
                paths,
                tree,
                partitions,
                morsel,
                values: Arc::new(values),
            },
        );
        Ok(expr.clone())
    }

    /// Runs a single partition of the plan, for debugging (like dask's `.partitions[i]`).
    pub fn compute_partition(&self, expr: &Expr, partition: usize) -> Result<Output, ExecError> {
        let lowered = lower(&[expr], &self.options, &self.store)?;
        let plan = BlockExec::new(lowered);
        let n = plan.lowered.partitions();
        if partition >= n {
            return Err(ExecError::Unsupported(format!(
                "partition {partition} of a plan with {n} partitions"
            )));
        }
        let batch = match &plan.lowered.events {
            Some(ev) => {
                let pool: Arc<dyn datafusion_execution::memory_pool::MemoryPool> =
                    Arc::new(datafusion_execution::memory_pool::UnboundedMemoryPool::default());
                let reservation = MemoryConsumer::new("rask partition").register(&pool);
                run_events(
                    &plan.lowered,
                    ev,
                    &plan.schema,
                    partition,
                    &reservation,
                    plan.lowered.morsel,
                )?
            }
            None => vec![run_block(&plan.lowered, &plan.schema, partition)?],
        };
        let mut out = merge(&plan.lowered, &[batch])?;
        out.pop()
            .ok_or_else(|| ExecError::Unsupported("no output".to_string()))
    }
}

/// Our own errors come back from DataFusion wrapped as external errors: unwrap them.
fn unwrap_external(e: datafusion_common::error::DataFusionError) -> ExecError {
    match e {
        datafusion_common::error::DataFusionError::External(inner) => {
            match inner.downcast::<ExecError>() {
                Ok(ours) => *ours,
                Err(other) => ExecError::DataFusion(
                    datafusion_common::error::DataFusionError::External(other),
                ),
            }
        }
        datafusion_common::error::DataFusionError::Context(_, inner) => unwrap_external(*inner),
        other => ExecError::DataFusion(other),
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
            Kind::Events(t, _) | Kind::Flat(t) => {
                let refs: Vec<&dyn Array> = values.iter().map(|b| b.as_ref()).collect();
                let data = if refs.is_empty() {
                    arrow_array::new_empty_array(t)
                } else {
                    arrow_select::concat::concat(&refs)?
                };
                match kind {
                    Kind::Events(..) => Output::Events(data),
                    _ => {
                        let n = data.len();
                        Output::Array {
                            data,
                            shape: vec![n],
                        }
                    }
                }
            }
            Kind::Array(_, ndim) => assemble(lowered, *id, &values, *ndim)?,
            Kind::Reduce(op, _) => reduce_partials(*op, &values).map_err(|m| {
                ExecError::Eval(format!("evaluating {}: {m}", lowered.graph.describe(*id)))
            })?,
            Kind::Hist => {
                let Op::Hist { axes, storage } = &lowered.graph.node(*id).op else {
                    return Err(ExecError::Internal(format!(
                        "{} was lowered as a histogram",
                        lowered.graph.describe(*id)
                    )));
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

/// Merges whole-collection reductions (integer sums exact or an error, as everywhere).
fn reduce_partials(op: ReduceOp, values: &[ArrayRef]) -> Result<Output, String> {
    let f = |a: &ArrayRef| a.as_primitive::<Float64Type>().values().to_vec();
    let i = |a: &ArrayRef| a.as_primitive::<Int64Type>().value(0);
    let b = |a: &ArrayRef| a.as_boolean().value(0);
    Ok(match op {
        ReduceOp::Count => Output::Int(values.iter().map(i).sum()),
        ReduceOp::Any => Output::Bool(values.iter().any(b)),
        ReduceOp::All => Output::Bool(values.iter().all(b)),
        ReduceOp::Sum
            if values
                .first()
                .is_some_and(|v| v.data_type() == &DataType::Int64) =>
        {
            let mut sum = 0i64;
            for v in values {
                sum = rask_plan::reference::checked_integer(BinaryOp::Add, sum, i(v))?;
            }
            Output::Int(sum)
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
    })
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
        return Err(ExecError::Internal(format!(
            "{} was lowered as an array",
            lowered.graph.describe(id)
        )));
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
