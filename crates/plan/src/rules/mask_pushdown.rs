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
//! Work used by two event cuts and nothing else (`w[region_a]`, `w[region_b]`: a weight filled
//! into two regions' histograms) is copied below each: two copies, each on its cut's events,
//! instead of one on every event. Analysis regions are usually disjoint and small (the AGC's
//! 4j1b and 4j2b keep 1–3% of the events between them); at worst (two cuts keeping every
//! event) the work runs twice, which is why a third cut stops the copying.
//!
//! Before: `concatenate(zip(Muon.pt, …), zip(Electron.pt, …))[n >= 3]` builds and concatenates
//! the leptons of every event. After: `concatenate(zip(Muon.pt[n >= 3], …), zip(Electron.pt[n >= 3],
//! …))`: only those of the events kept (about one in nine in ADL Q8).

use std::collections::HashMap;

use super::push::{Push, consumers};
use super::{Plan, Rule, copy_node, rebuild_with_map};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::Op;
use crate::types::{DType, Layout, Ty};

/// The mask pushdown rule.
pub struct MaskPushdown;

impl Rule for MaskPushdown {
    fn name(&self) -> &'static str {
        "mask_pushdown"
    }

    /// Pushes until nothing moves: a cut that went below its work may meet, in the rebuilt
    /// plan, the work of an earlier cut to go below next (chains of "work, then cut").
    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        let mut current = once(plan, self.name())?;
        for _ in 0..MAX_ROUNDS {
            let next = once(&current, self.name())?;
            if next.output_keys() == current.output_keys() {
                return Ok(next);
            }
            current = next;
        }
        Ok(current)
    }
}

/// Rounds of pushing within one application of the rule (each moves every cut below at least
/// one more operation, so this bounds the depth of work between cuts that is reordered).
const MAX_ROUNDS: usize = 256;

/// One round: every cut goes below the work it alone consumes, as far as the plan as it stands
/// allows.
fn once(plan: &Plan, name: &'static str) -> Result<Plan, PlanError> {
    let old = &plan.graph;
    let consumers = consumers(old, &plan.outputs);
    let cuts = cut_consumers(old, &plan.outputs);
    // (old data, new mask) → the pushed result: a value reached twice (`zip(a = x, b = x)`)
    // is pushed once.
    let mut memo: HashMap<(NodeId, NodeId), NodeId> = HashMap::new();
    rebuild_with_map(plan, name, |graph, old, id, inputs, map| {
        let node = old.node(id);
        let data = node.inputs.first().copied();
        match (&node.op, data) {
            (Op::Mask, Some(data))
                if is_event_mask(&old.node(node.inputs[1]).ty)
                    && pushable(old, &consumers, &cuts, data) =>
            {
                let passes = |d: NodeId| pushable(old, &consumers, &cuts, d);
                // Literals and whole-collection numbers are the same for every event.
                let carries = |i: NodeId| matches!(old.node(i).ty, Ty::Events { .. });
                let mut push = Push {
                    graph,
                    old,
                    map,
                    memo: &mut memo,
                    cut: Op::Mask,
                    passes: &passes,
                    carries: &carries,
                    rule: "mask_pushdown",
                };
                push.below(data, inputs[1])
            }
            _ => copy_node(graph, old, id, inputs),
        }
    })
}

/// The most event cuts that work used by nothing else is copied below (see the module notes).
const MAX_SHARING_CUTS: usize = 2;

/// Whether the cut may move below `data` (a node of `graph`): an event-by-event operation whose
/// per-event inputs are all aligned with it, used by nothing but the cut (or by nothing but
/// [`MAX_SHARING_CUTS`] event cuts, each of which gets a copy).
fn pushable(
    graph: &Graph,
    consumers: &HashMap<NodeId, usize>,
    cuts: &HashMap<NodeId, usize>,
    data: NodeId,
) -> bool {
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
        | Op::Singletons
        | Op::FillNone(_)
        | Op::LocalIndex
        | Op::ListSlice { .. }
        | Op::Flatten
        | Op::Take
        | Op::Sort { .. }
        | Op::ArgSort { .. }
        | Op::Lorentz(_)
        | Op::Correction(_) => true,
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
    let used = consumers.get(&data).copied().unwrap_or(0);
    let only_cuts = used <= MAX_SHARING_CUTS && cuts.get(&data) == Some(&used);
    // Shared by cuts, the work below would otherwise run on every event and then be cut once
    // per cut: cutting its inputs instead costs no more while they are no more columns than
    // the cuts would filter above (`w[a]`, `w[b]` with `w = x * y`: x and y, cut twice each).
    let cut_columns = if only_cuts { used } else { 1 } * output_leaves;
    let cheaper = matches!(node.op, Op::Concatenate) || input_leaves <= cut_columns;
    event_by_event && aligned && cheaper && (used == 1 || only_cuts)
}

/// How many event cuts (`x[m]`, `m` one boolean per event) use each node as their data.
fn cut_consumers(graph: &Graph, outputs: &[NodeId]) -> HashMap<NodeId, usize> {
    let mut counts: HashMap<NodeId, usize> = HashMap::new();
    for id in graph.topo_order(outputs) {
        let node = graph.node(id);
        if let (Op::Mask, [data, mask]) = (&node.op, node.inputs.as_slice())
            && data != mask
            && is_event_mask(&graph.node(*mask).ty)
        {
            *counts.entry(*data).or_default() += 1;
        }
    }
    counts
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
