//! Lowering: the optimised plan's fused graph, its outputs and what each needs per
//! partition, in array mode (a grid of chunks) or event mode (files cut into partitions).

use std::sync::{Arc, Mutex};

use arrow_schema::{DataType, Field};
use rask_core::column::Col;
use rask_io_root::{EventSource, Partition};
use rask_plan::SourceSpec;
use rask_plan::op::{Op, ReduceOp};
use rask_plan::types::{DType, Layout, Ty};
use rask_plan::{Expr, Graph, NodeId};

use crate::block::arrow_type;
use crate::error::ExecError;

use super::store::{Persisted, Store};
use super::{Options, Progress};

/// What one output needs per block.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    Array(DType, usize),
    /// Per-event values of this Arrow type (nullable when optional).
    Events(DataType, bool),
    /// A flat array made by `flatten`.
    Flat(DataType),
    Reduce(ReduceOp, DType),
    Hist,
}

/// The lowered plan: the fused graph, its outputs and what its partitions are.
#[derive(Debug)]
pub(super) struct Lowered {
    pub(super) graph: Arc<Graph>,
    pub(super) outputs: Vec<(NodeId, Kind)>,
    pub(super) mode: Mode,
    pub(super) progress: Option<Progress>,
    /// Events per morsel (the unit of evaluation inside an event partition).
    pub(super) morsel: usize,
    /// Checked before every morsel: once set, the run stops with [`ExecError::Cancelled`].
    pub(super) cancel: Option<super::Cancel>,
    /// The morsels being evaluated: the run returns when none is ([`super::inflight`]).
    pub(super) inflight: Arc<super::inflight::InFlight>,
    /// For `persist`: the first output's value of every morsel, by partition.
    pub(super) capture: Option<Arc<Mutex<Vec<Vec<Col>>>>>,
    /// The plan an event plan was lowered from, before optimising: what a cluster worker is
    /// sent, to lower it again itself (see [`crate::distributed`]).
    pub(super) plan: Option<rask_plan::Plan>,
}

/// What the partitions of a lowered plan are.
#[derive(Debug)]
pub(super) enum Mode {
    /// Array plans: partition `p` is block `(p / cols, p % cols)` of a `(rows, cols)` grid of
    /// chunks.
    Array { grid: (usize, usize) },
    /// Plans over event sources: the files, cut into partitions of entries.
    Events(EventPlan),
}

impl Lowered {
    pub(super) fn partitions(&self) -> usize {
        match &self.mode {
            Mode::Events(e) => e.partitions.len(),
            Mode::Array { grid } => grid.0 * grid.1,
        }
    }

    /// The event plan, in event mode.
    pub(super) fn events(&self) -> Option<&EventPlan> {
        match &self.mode {
            Mode::Events(e) => Some(e),
            Mode::Array { .. } => None,
        }
    }
}

/// The event source of a plan, opened, with the partitions to run.
#[derive(Debug)]
pub(super) struct EventPlan {
    pub(super) source: EventSource,
    /// Source nodes and the columns each reads (after projection pushdown).
    pub(super) nodes: Vec<(NodeId, Vec<String>)>,
    /// Union of the columns of all source nodes, read once per partition.
    pub(super) columns: Vec<String>,
    pub(super) partitions: Vec<Partition>,
    /// Persisted nodes and their values (same partitions and morsels as this run).
    pub(super) cached: Vec<(NodeId, Arc<Vec<Vec<Col>>>)>,
    pub(super) source_paths: Vec<String>,
    pub(super) source_tree: String,
    /// The entries the source is sliced to (`events[a:b]`; `None`: all).
    pub(super) source_entries: Option<std::ops::Range<u64>>,
}

/// A callback told the number of entries of every finished partition.
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
                    Some(first)
                        if first.paths != s.paths
                            || first.tree != s.tree
                            || first.file_columns != s.file_columns
                            || first.entries != s.entries =>
                    {
                        return Err(ExecError::Unsupported(format!(
                            "two different event sources ('{}' and '{}') in one computation",
                            first.display_name(),
                            s.display_name()
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
            // `Engine::compute_many` takes them off first (`Expr::without_rows`).
            Op::Rows { .. } => {
                return Err(ExecError::Unsupported(format!(
                    "{}: events by position after a cut are sliced from a computed result; \
                     compute it (persisting it, planning it or running it on workers is not \
                     supported)",
                    graph.describe(id)
                )));
            }
            _ => {}
        }
    }
    // Persisted values fix the source, the partitions and the morsels.
    let (paths, tree, label, entries) = match (&spec, cached.first()) {
        (Some(s), _) => (
            s.paths.clone(),
            s.tree.clone(),
            s.label.clone(),
            s.entries.clone(),
        ),
        (None, Some((_, p))) => (
            p.paths.clone(),
            p.tree.clone(),
            "persisted".to_string(),
            p.entries.clone(),
        ),
        (None, None) => return Err(ExecError::Unsupported("no event source".to_string())),
    };
    if paths.is_empty() {
        return Err(ExecError::Eval(format!(
            "the event source '{label}' has no files"
        )));
    }
    for (id, p) in &cached {
        if p.paths != paths
            || p.tree != tree
            || p.entries != entries
            || p.partitions != cached[0].1.partitions
        {
            return Err(ExecError::Unsupported(format!(
                "{} was persisted from other files, entries or partitions than this computation reads",
                graph.describe(*id)
            )));
        }
    }
    let source = EventSource::open(&paths, &tree)?;
    // A fileset's per-file columns (`dataset`, metadata) are read beside the branches.
    let source = match spec.as_ref().and_then(|s| s.file_columns.as_ref()) {
        Some(fc) => source.with_file_columns(fc.as_ref().clone())?,
        None => source,
    };
    let col_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let (partitions, morsel) = match (cached.first(), &options.partitions) {
        (_, Some(sent)) => {
            if let Some(bad) = sent.iter().find(|p| !source.has_partition(p)) {
                return Err(ExecError::Eval(format!(
                    "entries {:?} of file {} are not in the source '{label}'",
                    bad.entries, bad.file
                )));
            }
            (sent.clone(), options.morsel_events)
        }
        (Some((_, p)), None) => (p.partitions.clone(), p.morsel),
        (None, None) if col_refs.is_empty() => (source.split_evenly(1), options.morsel_events),
        (None, None) => (
            source.partitions(&col_refs, options.partition_entries)?,
            options.morsel_events,
        ),
    };
    // `events[a:b]`: only the partitions' parts inside the entries (sent and persisted
    // partitions were cut so already).
    let partitions = match entries.clone() {
        Some(range) if options.partitions.is_none() && cached.is_empty() => {
            source.within(partitions, range)
        }
        _ => partitions,
    };
    let outs = outputs
        .iter()
        .map(|&o| Ok((o, output_kind(&graph, o, true)?)))
        .collect::<Result<_, ExecError>>()?;
    Ok(Lowered {
        graph: Arc::new(graph),
        outputs: outs,
        mode: Mode::Events(EventPlan {
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
            source_entries: entries,
        }),
        progress: options.progress.clone(),
        cancel: options.cancel.clone(),
        morsel,
        inflight: Arc::default(),
        capture: None,
        plan: None,
    })
}

pub(super) fn lower(
    exprs: &[&Expr],
    options: &Options,
    store: &Store,
) -> Result<Lowered, ExecError> {
    let first = exprs
        .first()
        .ok_or_else(|| ExecError::Unsupported("nothing to compute".to_string()))?;
    let plan = rask_plan::Plan {
        graph: first.context().graph(),
        outputs: exprs.iter().map(|e| e.node_id()).collect(),
    };
    lower_plan(plan, options, store)
}

/// Lowers a plan (an arena and its outputs, as [`lower`] makes from expressions or a cluster
/// worker decodes): persisted values become leaves, then the plan is optimised and its
/// partitions resolved.
pub(super) fn lower_plan(
    mut plan: rask_plan::Plan,
    options: &Options,
    store: &Store,
) -> Result<Lowered, ExecError> {
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
        let mut lowered = lower_events(graph, opt.fused.outputs, options, store)?;
        lowered.plan = Some(plan);
        return Ok(lowered);
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
                    "event source '{}' read through an array reshape",
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
        .map(|&o| Ok((o, output_kind(&graph, o, false)?)))
        .collect::<Result<_, ExecError>>()?;
    Ok(Lowered {
        graph: Arc::new(graph),
        outputs,
        mode: Mode::Array { grid },
        progress: options.progress.clone(),
        cancel: options.cancel.clone(),
        morsel: options.morsel_events,
        inflight: Arc::default(),
        capture: None,
        plan: None,
    })
}

pub(super) fn field_type(kind: &Kind) -> DataType {
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

/// What output `id` needs per partition: the one place that decides an output's kind.
fn output_kind(graph: &Graph, id: NodeId, events: bool) -> Result<Kind, ExecError> {
    let node = graph.node(id);
    Ok(match (&node.op, &node.ty) {
        (Op::Reduce { op, axis: None }, _) => Kind::Reduce(
            *op,
            graph.node(node.inputs[0]).ty.dtype().unwrap_or(DType::F64),
        ),
        (Op::Hist { .. }, _) | (_, Ty::Hist { .. }) => Kind::Hist,
        (_, Ty::Events { layout, .. }) if events => {
            let (t, nullable) = layout_arrow(layout);
            Kind::Events(t, nullable)
        }
        (_, Ty::Array { dtype, .. }) if events => Kind::Flat(arrow_type(*dtype)),
        (_, Ty::Array { dtype, shape, .. }) => Kind::Array(*dtype, shape.len()),
        (_, ty) => {
            return Err(ExecError::Unsupported(format!(
                "outputs of type {}",
                ty.describe()
            )));
        }
    })
}
