//! Mask pushdown: an event cut filters the inputs of the work below it, so that work runs only
//! on the events that pass (what RDataFrame gets by evaluating a `Define` only after `Filter`).
//!
//! `x[m]`, with `m` one boolean per event, commutes with every operation that works event by
//! event: `f(a, b)[m] == f(a[m], b[m])`. The rule moves the cut below such an `f` when the cut is
//! `f`'s only consumer (otherwise `f` would run on every event anyway, and again on the kept
//! ones) and when `f`'s inputs have no more columns than its result (a cut filters every column
//! it gets: below a zip it filters the same columns, below `p4_add(l1, l2)` twice as many), and
//! keeps going down while that holds. It stops at fields (free: masking their record
//! would filter every other field too), at sources, at earlier event cuts (`m` is aligned with
//! the events they keep) and at values something else also uses.
//!
//! Before: `concatenate(zip(Muon.pt, …), zip(Electron.pt, …))[n >= 3]` builds and concatenates
//! the leptons of every event. After: `concatenate(zip(Muon.pt[n >= 3], …), zip(Electron.pt[n >= 3],
//! …))`: only those of the events kept (about one in nine in ADL Q8).

use std::collections::HashMap;

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::key::Key;
use crate::op::Op;
use crate::types::{DType, Layout, Ty};

/// The mask pushdown rule.
pub struct MaskPushdown;

impl Rule for MaskPushdown {
    fn name(&self) -> &'static str {
        "mask_pushdown"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        let consumers = consumers_by_key(&plan.graph, &plan.outputs);
        rebuild(plan, self.name(), |graph, old, id, inputs| {
            match &old.node(id).op {
                Op::Mask if is_event_mask(&graph.node(inputs[1]).ty) => {
                    let (data, mask) = (inputs[0], inputs[1]);
                    if pushable(graph, &consumers, data) {
                        push(graph, &consumers, data, mask)
                    } else {
                        copy_node(graph, old, id, inputs)
                    }
                }
                _ => copy_node(graph, old, id, inputs),
            }
        })
    }
}

/// `data[mask]`, with the cut moved below `data`'s operation as far as it may go.
fn push(
    graph: &mut Graph,
    consumers: &HashMap<Key, usize>,
    data: NodeId,
    mask: NodeId,
) -> Result<NodeId, PlanError> {
    if !pushable(graph, consumers, data) {
        return graph.add(Op::Mask, vec![data, mask]);
    }
    let node = graph.node(data).clone();
    let mut inputs = Vec::with_capacity(node.inputs.len());
    for &input in &node.inputs {
        inputs.push(match graph.node(input).ty {
            Ty::Events { .. } => push(graph, consumers, input, mask)?,
            // Literals and whole-collection numbers are the same for every event.
            _ => input,
        });
    }
    graph.add(node.op, inputs)
}

/// Whether the cut may move below `data`: an event-by-event operation whose per-event inputs are
/// all aligned with it, used by nothing but the cut.
fn pushable(graph: &Graph, consumers: &HashMap<Key, usize>, data: NodeId) -> bool {
    let node = graph.node(data);
    let Ty::Events { rows, .. } = &node.ty else {
        return false;
    };
    let event_by_event = match &node.op {
        Op::Unary(_)
        | Op::Binary(_)
        | Op::Where
        | Op::Cast(_)
        | Op::Zip(_)
        | Op::WithField(_)
        | Op::Num
        | Op::Concatenate
        | Op::Combinations { .. }
        | Op::ArgCombinations { .. }
        | Op::Cartesian { .. }
        | Op::CartesianNested { .. }
        | Op::ArgMin { .. }
        | Op::ArgMax { .. }
        | Op::Firsts
        | Op::FillNone(_)
        | Op::LocalIndex
        | Op::Flatten
        | Op::Take
        | Op::Sort { .. }
        | Op::ArgSort { .. }
        | Op::Lorentz(_) => true,
        Op::Reduce { axis, .. } => axis.is_some(),
        // A jagged mask works inside each event; an event cut changes the events.
        Op::Mask => node
            .inputs
            .get(1)
            .is_some_and(|&m| !is_event_mask(&graph.node(m).ty)),
        _ => false,
    };
    let aligned = node.inputs.iter().all(|&i| match &graph.node(i).ty {
        Ty::Events { rows: r, .. } => r == rows,
        _ => true,
    });
    // The cut filters every leaf column of what it masks: moving it below `data` must not make
    // it filter more columns than `data` has (`p4_add(l1, l2)[m]` masks one vector, not two).
    // A concatenation's inputs hold its elements between them, so that costs the same.
    let input_leaves: usize = node
        .inputs
        .iter()
        .map(|&i| match &graph.node(i).ty {
            Ty::Events { layout, .. } => leaves(layout),
            _ => 0,
        })
        .sum();
    let output_leaves = match &node.ty {
        Ty::Events { layout, .. } => leaves(layout),
        _ => 0,
    };
    let cheaper = matches!(node.op, Op::Concatenate) || input_leaves <= output_leaves;
    event_by_event && aligned && cheaper && consumers.get(&node.key) == Some(&1)
}

/// The number of primitive columns of a layout (a list counts its items').
fn leaves(layout: &Layout) -> usize {
    match layout {
        Layout::Prim(_) => 1,
        Layout::List { item, .. } => leaves(item),
        Layout::Option(inner) => leaves(inner),
        Layout::Record(fields) => fields.iter().map(|(_, l)| leaves(l)).sum(),
    }
}

/// One boolean per event (not per list element, and never missing).
fn is_event_mask(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Events {
            layout: Layout::Prim(DType::Bool),
            ..
        }
    )
}

/// How many nodes (and outputs) use each node, by key: the keys survive the rebuild of the nodes
/// below a cut, so the counts of the old plan apply to them.
fn consumers_by_key(graph: &Graph, outputs: &[NodeId]) -> HashMap<Key, usize> {
    let mut counts: HashMap<Key, usize> = HashMap::new();
    for id in graph.topo_order(outputs) {
        let mut inputs = graph.node(id).inputs.clone();
        inputs.sort_unstable_by_key(|i| i.0);
        inputs.dedup();
        for i in inputs {
            *counts.entry(graph.node(i).key).or_default() += 1;
        }
    }
    for o in outputs {
        *counts.entry(graph.node(*o).key).or_default() += 1;
    }
    counts
}
