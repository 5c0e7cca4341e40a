//! `explain()` text and `visualize()` drawings of plans.

use std::fmt::Write;
use std::path::Path;

use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{FusedRef, Op};
use crate::rules::{Optimized, Plan, pushdown};
use rask_layout::{DagNode, DagShape, render_dot, render_svg};

/// One line per node, inputs first: `%3 = greater(%1, %2) : events * var * bool`.
pub fn render_plan(plan: &Plan) -> String {
    let g = &plan.graph;
    let order = g.topo_order(&plan.outputs);
    let pos: std::collections::HashMap<NodeId, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut out = String::new();
    for (i, &id) in order.iter().enumerate() {
        let n = g.node(id);
        let args: Vec<String> = n.inputs.iter().map(|x| format!("%{}", pos[x])).collect();
        let mark = if plan.outputs.contains(&id) {
            " (output)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  %{i} = {}({}) : {}{mark}",
            label(&n.op),
            args.join(", "),
            n.ty.describe()
        );
        if let Op::Fused(body) = &n.op {
            for (j, (op, refs)) in body.ops.iter().enumerate() {
                let args: Vec<String> = refs
                    .iter()
                    .map(|r| match r {
                        FusedRef::Input(k) => format!("in{k}"),
                        FusedRef::Op(k) => format!("#{k}"),
                    })
                    .collect();
                let _ = writeln!(out, "      #{j} = {}({})", label(op), args.join(", "));
            }
        }
    }
    out
}

/// A short label of an operation with its parameters.
pub fn label(op: &Op) -> String {
    match op {
        Op::Source(spec) => match &spec.columns {
            Some(c) => format!("source[{}: {}]", spec.display_name(), c.join(", ")),
            None => format!(
                "source[{}, {} branches]",
                spec.display_name(),
                spec.schema.fields().len()
            ),
        },
        Op::Literal(s) => format!("literal[{}]", s.as_f64()),
        Op::Field(n) => format!("field[{n}]"),
        Op::Rows { start, stop } => format!(
            "rows[{start}:{}]",
            stop.map_or(String::new(), |s| s.to_string())
        ),
        Op::ListSlice { start, stop } => format!(
            "list_slice[{start}:{}]",
            stop.map_or(String::new(), |s| s.to_string())
        ),
        Op::Zip(names) | Op::Combinations { names, .. } | Op::ArgCombinations { names, .. } => {
            format!("{}[{}]", op.name(), names.join(","))
        }
        Op::Reduce { axis, .. } => format!("{}[axis={axis:?}]", op.name()),
        Op::ArgMin { keepdims } | Op::ArgMax { keepdims } => {
            format!("{}[keepdims={keepdims}]", op.name())
        }
        Op::RandomNormal {
            shape,
            chunks,
            seed,
        } => format!("random_normal[{shape:?}, chunks={chunks:?}, seed={seed}]"),
        Op::Hist { axes, .. } => format!("histogram[{} axes]", axes.len()),
        Op::Stack { axis } => format!("stack[{}]", axis.label()),
        Op::Fused(body) => format!("fused[{} ops]", body.ops.len()),
        Op::Correction(spec) => format!("correction[{}: {}]", spec.path, spec.name),
        other => other.name().to_string(),
    }
}

/// The explain text of an optimisation: each stage with its node count, and the branches read.
pub fn explain(opt: &Optimized) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== plan as built: {} nodes ==",
        opt.before.node_count()
    );
    out.push_str(&render_plan(&opt.before));
    let _ = writeln!(
        out,
        "== after cull, CSE, mask and projection pushdown ({} pass{}): {} nodes ==",
        opt.passes,
        if opt.passes == 1 { "" } else { "es" },
        opt.logical.node_count()
    );
    out.push_str(&render_plan(&opt.logical));
    let _ = writeln!(out, "== after fusion: {} nodes ==", opt.fused.node_count());
    out.push_str(&render_plan(&opt.fused));
    // Variations stacked on one axis: how much of the plan they share.
    let (g, outs) = (&opt.logical.graph, &opt.logical.outputs);
    for id in g
        .topo_order(outs)
        .into_iter()
        .filter(|id| matches!(g.node(*id).op, Op::Stack { .. }))
    {
        let parts = &g.node(id).inputs;
        let alone: usize = parts.iter().map(|p| g.topo_order(&[*p]).len()).sum();
        let all = g.topo_order(parts).len();
        let shared = 100.0 * (1.0 - all as f64 / alone.max(1) as f64);
        let _ = writeln!(
            out,
            "== {}: {} variations share {shared:.0}% of their nodes ({all}, {alone} one by one) ==",
            label(&g.node(id).op),
            parts.len()
        );
    }
    let _ = writeln!(out, "== branches read ==");
    for (source, cols) in pushdown::necessary_columns(&opt.logical.graph, &opt.logical.outputs) {
        let _ = writeln!(out, "  {source}: {}", cols.join(", "));
    }
    out
}

fn dag(graph: &Graph, outputs: &[NodeId]) -> (Vec<DagNode>, Vec<(usize, usize)>) {
    let order = graph.topo_order(outputs);
    let pos: std::collections::HashMap<NodeId, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut nodes = Vec::with_capacity(order.len());
    let mut edges = Vec::new();
    for &id in &order {
        let n = graph.node(id);
        let (fill, shape) = match &n.op {
            Op::Source(_)
            | Op::RandomNormal { .. }
            | Op::Full { .. }
            | Op::Arange { .. }
            | Op::FromArrow { .. } => ("#dcfce7", DagShape::Ellipse),
            Op::Hist { .. } | Op::Stack { .. } | Op::Reduce { axis: None, .. } => {
                ("#fde68a", DagShape::Ellipse)
            }
            Op::Fused(_) => ("#e9d5ff", DagShape::Box),
            Op::Literal(_) => ("#f3f4f6", DagShape::Box),
            _ => ("#dbeafe", DagShape::Box),
        };
        nodes.push(DagNode {
            label: format!("{}\n{}", label(&n.op), n.ty.describe()),
            tooltip: graph.name_of(id),
            fill: fill.to_string(),
            shape,
        });
        for input in &n.inputs {
            edges.push((pos[input], pos[&id]));
        }
    }
    (nodes, edges)
}

/// Writes `path` with extension `.svg` (pure-Rust layout) and `.dot` (for Graphviz users).
/// Both files are written atomically (`rask_core::atomic`: temporary file, then rename).
pub fn visualize(graph: &Graph, outputs: &[NodeId], path: &Path) -> Result<(), PlanError> {
    let (nodes, edges) = dag(graph, outputs);
    write_atomic(&path.with_extension("svg"), &render_svg(&nodes, &edges))?;
    write_atomic(
        &path.with_extension("dot"),
        &render_dot("rask", &nodes, &edges),
    )
}

fn write_atomic(path: &Path, text: &str) -> Result<(), PlanError> {
    rask_core::atomic::write(path, text.as_bytes()).map_err(|e| PlanError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
