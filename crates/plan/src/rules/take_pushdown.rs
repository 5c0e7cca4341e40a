//! Take pushdown: picking one element per list (`x[argmin(...)]`, `x[:, k]`) picks the inputs
//! of the element-wise work below it, so that work runs on the picked element only.
//!
//! `f(a, b)[i] == f(a[i], b[i])` when `f` works element by element on lists of one lineage and
//! `i` picks elements of those lists. The rule moves the take below such an `f` (arithmetic,
//! comparisons, `where`, casts, Lorentz-vector functions, fields and zips) when the take is `f`'s
//! only consumer and picks at most one element per list: an `argmin`/`argmax` or one integer
//! per event. Then the work below runs once per event instead of once per element, whatever
//! the inputs' columns. It stops at values something else also uses, and at every other
//! operation.
//!
//! Before (ADL Q6): `p4_pt(p4_add(j1, j2, j3))[argmin(|mass - 172.5|)]` takes the pT of every
//! trijet (about 56 per event) and keeps one. After: `p4_pt(p4_add(j1, j2, j3)[argmin(...)])`:
//! one pT per event.

use std::collections::HashMap;

use super::push::{Push, consumers};
use super::{Plan, Rule, copy_node, rebuild_with_map};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::key::Key;
use crate::op::Op;
use crate::types::{Layout, Ty};

/// The take pushdown rule.
pub struct TakePushdown;

impl Rule for TakePushdown {
    fn name(&self) -> &'static str {
        "take_pushdown"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        let old = &plan.graph;
        let consumers = consumers(old, &plan.outputs);
        let mut memo: HashMap<(NodeId, NodeId), NodeId> = HashMap::new();
        rebuild_with_map(plan, self.name(), |graph, old, id, inputs, map| {
            let node = old.node(id);
            let (Op::Take, [data, index]) = (&node.op, node.inputs.as_slice()) else {
                return copy_node(graph, old, id, inputs);
            };
            let Some(lineage) = list_lineage(&old.node(*data).ty) else {
                return copy_node(graph, old, id, inputs);
            };
            if !picks_one(old, *index) || !pushable(old, &consumers, *data, lineage) {
                return copy_node(graph, old, id, inputs);
            }
            let passes = |d: NodeId| pushable(old, &consumers, d, lineage);
            let carries = |i: NodeId| list_lineage(&old.node(i).ty) == Some(lineage);
            let mut push = Push {
                graph,
                old,
                map,
                memo: &mut memo,
                cut: Op::Take,
                passes: &passes,
                carries: &carries,
                rule: "take_pushdown",
            };
            push.below(*data, inputs[1])
        })
    }
}

/// The lineage of a per-event list value.
fn list_lineage(ty: &Ty) -> Option<Key> {
    match ty {
        Ty::Events {
            layout: Layout::List { lineage, .. },
            ..
        } => Some(*lineage),
        _ => None,
    }
}

/// Whether an index picks at most one element per list: an `argmin`/`argmax` (kept as a list
/// of at most one, or not), or one integer (possibly missing) per event.
fn picks_one(graph: &Graph, index: NodeId) -> bool {
    let node = graph.node(index);
    matches!(node.op, Op::ArgMin { .. } | Op::ArgMax { .. })
        || matches!(&node.ty, Ty::Events { layout, .. } if layout.depth() == 0)
}

/// Whether the take may move below `data`: element-wise work on lists of `lineage`, whose
/// inputs are such lists or values without lists (the same for every element of an event),
/// used by nothing but the take.
fn pushable(graph: &Graph, consumers: &HashMap<NodeId, usize>, data: NodeId, lineage: Key) -> bool {
    let node = graph.node(data);
    let Ty::Events { rows, .. } = &node.ty else {
        return false;
    };
    let element_wise = matches!(
        node.op,
        Op::Unary(_)
            | Op::Binary(_)
            | Op::Where
            | Op::Cast(_)
            | Op::Lorentz(_)
            | Op::Field(_)
            | Op::Zip(_)
    );
    let inputs_fit = node.inputs.iter().all(|&i| match &graph.node(i).ty {
        Ty::Events { rows: r, layout } => {
            r == rows
                && match layout {
                    Layout::List { lineage: l, .. } => *l == lineage,
                    other => other.depth() == 0,
                }
        }
        _ => true,
    });
    element_wise
        && list_lineage(&node.ty) == Some(lineage)
        && inputs_fit
        && consumers.get(&data) == Some(&1)
}
