//! Fusion: chains of element-wise and per-event operations become one node run in one pass per
//! partition (dask's blockwise fusion).
//!
//! A per-partition node joins the group of its consumers when all its consumers are in one
//! group; otherwise (an output, or a value used by several groups or by a reduction) it roots a
//! group of its own. Literals are copied into every group that uses them. Groups of two or more
//! operations become a `fused` node whose body is the group in topological order; sources,
//! histograms and whole-collection reductions stay as they are.
//!
//! Before: `source → field → field → greater → getitem → … → histogram` (one node per operation).
//! After: `source → fused[…] → histogram`.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Plan, Rule, copy_node};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{FusedBody, FusedRef, Op};
use crate::types::Ty;

/// The fusion rule.
pub struct Fusion;

fn fusible(graph: &Graph, id: NodeId) -> bool {
    let node = graph.node(id);
    match &node.op {
        Op::Fused(_) | Op::Literal(_) => false,
        Op::Reduce { axis, .. } => {
            matches!(axis, Some(1) | Some(2)) && matches!(node.ty, Ty::Events { .. })
        }
        op => {
            op.is_per_partition()
                && !op.is_source()
                && matches!(node.ty, Ty::Events { .. } | Ty::Array { .. })
        }
    }
}

impl Rule for Fusion {
    fn name(&self) -> &'static str {
        "fusion"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        let g = &plan.graph;
        let order = g.topo_order(&plan.outputs);
        let mut consumers: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        for &id in &order {
            for &input in &g.node(id).inputs {
                let list = consumers.entry(input).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        // Group membership, consumers first.
        let mut group: HashMap<NodeId, usize> = HashMap::new();
        let mut roots: Vec<NodeId> = Vec::new();
        for &id in order.iter().rev() {
            if !fusible(g, id) {
                continue;
            }
            let cons = consumers.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            let target = if plan.outputs.contains(&id) || cons.is_empty() {
                None
            } else {
                let first = group.get(&cons[0]).copied();
                first.filter(|f| cons.iter().all(|c| group.get(c) == Some(f)))
            };
            match target {
                Some(gid) => {
                    group.insert(id, gid);
                }
                None => {
                    group.insert(id, roots.len());
                    roots.push(id);
                }
            }
        }
        let mut size = vec![0usize; roots.len()];
        for gid in group.values() {
            size[*gid] += 1;
        }
        let fused_member = |id: NodeId| group.get(&id).is_some_and(|gid| size[*gid] >= 2);
        // Members of each fused group, in topological order.
        let mut members: Vec<Vec<NodeId>> = vec![Vec::new(); roots.len()];
        for &id in &order {
            if let Some(gid) = group.get(&id)
                && size[*gid] >= 2
            {
                members[*gid].push(id);
            }
        }

        let mut out = Graph::new();
        let mut map: HashMap<NodeId, NodeId> = HashMap::new();
        for &id in &order {
            let node = g.node(id);
            if matches!(node.op, Op::Literal(_)) {
                let only_fused = consumers
                    .get(&id)
                    .is_some_and(|c| c.iter().all(|c| fused_member(*c)));
                if only_fused && !plan.outputs.contains(&id) {
                    continue;
                }
            }
            if fused_member(id) {
                let gid = group[&id];
                if roots[gid] != id {
                    continue;
                }
                let (body, externals) = fused_body(g, &members[gid], id);
                let inputs = externals.iter().map(|e| map[e]).collect();
                // The fused node computes its root's value: it keeps the root's key (and type),
                // so that what consumes it, retyped after fusion, sees the same lineage as
                // values cut by the same masks outside the group.
                let new =
                    out.add_known(Op::Fused(Arc::new(body)), inputs, node.key, node.ty.clone());
                map.insert(id, new);
                continue;
            }
            let inputs = node.inputs.iter().map(|i| map[i]).collect();
            map.insert(id, copy_node(&mut out, g, id, inputs)?);
        }
        let outputs = plan.outputs.iter().map(|o| map[o]).collect();
        Ok(Plan {
            graph: out,
            outputs,
        })
    }
}

/// The body of a fused group and its external inputs (in order of first use).
fn fused_body(g: &Graph, members: &[NodeId], root: NodeId) -> (FusedBody, Vec<NodeId>) {
    let mut ops: Vec<(Op, Vec<FusedRef>)> = Vec::new();
    let mut keys: Vec<crate::key::Key> = Vec::new();
    let mut index: HashMap<NodeId, usize> = HashMap::new();
    let mut externals: Vec<NodeId> = Vec::new();
    for &m in members {
        let node = g.node(m);
        let mut refs = Vec::with_capacity(node.inputs.len());
        for &input in &node.inputs {
            let r = if let Some(&i) = index.get(&input) {
                FusedRef::Op(i)
            } else if let Op::Literal(s) = g.node(input).op {
                ops.push((Op::Literal(s), Vec::new()));
                keys.push(g.node(input).key);
                index.insert(input, ops.len() - 1);
                FusedRef::Op(ops.len() - 1)
            } else {
                let k = externals
                    .iter()
                    .position(|e| *e == input)
                    .unwrap_or_else(|| {
                        externals.push(input);
                        externals.len() - 1
                    });
                FusedRef::Input(k)
            };
            refs.push(r);
        }
        ops.push((node.op.clone(), refs));
        keys.push(node.key);
        index.insert(m, ops.len() - 1);
    }
    let output = index
        .get(&root)
        .copied()
        .unwrap_or(ops.len().saturating_sub(1));
    let input_keys = externals.iter().map(|e| g.node(*e).key).collect();
    (
        FusedBody {
            ops,
            output,
            keys,
            input_keys,
        },
        externals,
    )
}
