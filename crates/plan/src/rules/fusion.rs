//! Fusion: chains of element-wise and per-event operations become one node run in one pass per
//! partition (dask's blockwise fusion).
//!
//! A per-partition node joins the group of its consumers when all its consumers are in one
//! group; otherwise (an output, or a value used by several groups or by a reduction) it roots a
//! group of its own. Literals are copied into every group that uses them, and so is a
//! combination read only through its slots (`combinations(x)."0"` ...), with those `field`s: each
//! group then holds the whole `combination → field → p4_add` chain, which the engine evaluates
//! without gathering what the group does not read (sums straight from the particles); so are the
//! `p4_add` chains over such slots read only by `p4_mass`, `p4_pt` and takes. Groups of
//! two or more operations become a `fused` node whose body is the group in topological order;
//! sources, histograms and whole-collection reductions stay as they are.
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
        // Combinations copied into their consumers' groups, with their slot fields; dropped
        // from the set when one of their values is needed outside fused groups (it would be
        // computed twice), until the grouping is stable.
        let mut copied = copyable_combinations(g, plan, &order, &consumers);
        copied.extend(copyable_sums(g, plan, &order, &consumers, &copied));
        let (group, roots, size) = loop {
            let (group, roots) = groups(g, plan, &order, &consumers, &copied);
            let mut size = vec![0usize; roots.len()];
            for gid in group.values() {
                size[*gid] += 1;
            }
            let fused = |id: &NodeId| group.get(id).is_some_and(|gid| size[*gid] >= 2);
            let before = copied.len();
            let inside: Vec<NodeId> = copied
                .iter()
                .copied()
                .filter(|id| {
                    consumers
                        .get(id)
                        .is_some_and(|cs| cs.iter().all(|c| fused(c) || copied.contains(c)))
                })
                .collect();
            copied = inside;
            // A combination whose slot field left the set leaves it too.
            let fields_left: Vec<NodeId> = copied
                .iter()
                .copied()
                .filter(|id| matches!(g.node(*id).op, Op::Combinations { .. }))
                .filter(|id| consumers[id].iter().any(|f| !copied.contains(f)))
                .collect();
            for c in fields_left {
                copied.retain(|id| *id != c && !consumers[&c].contains(id));
            }
            // A sum whose operand left the set leaves it too (it would be recomputed from
            // gathered columns in every group).
            loop {
                let stranded: Vec<NodeId> = copied
                    .iter()
                    .copied()
                    .filter(|id| matches!(g.node(*id).op, Op::Lorentz(_)))
                    .filter(|id| g.node(*id).inputs.iter().any(|i| !copied.contains(i)))
                    .collect();
                if stranded.is_empty() {
                    break;
                }
                copied.retain(|id| !stranded.contains(id));
            }
            if copied.len() == before {
                break (group, roots, size);
            }
        };
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
            if copied.contains(&id) {
                continue;
            }
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
                let (body, externals) = fused_body(g, &members[gid], id, &copied);
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

/// Group membership (consumers first) of the fusible nodes that are not `copied`, and each
/// group's root.
fn groups(
    g: &Graph,
    plan: &Plan,
    order: &[NodeId],
    consumers: &HashMap<NodeId, Vec<NodeId>>,
    copied: &[NodeId],
) -> (HashMap<NodeId, usize>, Vec<NodeId>) {
    let mut group: HashMap<NodeId, usize> = HashMap::new();
    let mut roots: Vec<NodeId> = Vec::new();
    for &id in order.iter().rev() {
        if !fusible(g, id) || copied.contains(&id) {
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
    (group, roots)
}

/// Combinations (of values, not indices) read only through `field`s of their slots, and those
/// fields: candidates for copying into every group that reads them.
fn copyable_combinations(
    g: &Graph,
    plan: &Plan,
    order: &[NodeId],
    consumers: &HashMap<NodeId, Vec<NodeId>>,
) -> Vec<NodeId> {
    let mut out = Vec::new();
    for &id in order {
        if !matches!(g.node(id).op, Op::Combinations { .. })
            || plan.outputs.contains(&id)
            || !fusible(g, id)
        {
            continue;
        }
        let Some(fields) = consumers.get(&id) else {
            continue;
        };
        let slots_only = fields.iter().all(|f| {
            matches!(g.node(*f).op, Op::Field(_)) && fusible(g, *f) && !plan.outputs.contains(f)
        });
        if slots_only {
            out.push(id);
            out.extend(fields.iter().copied());
        }
    }
    out
}

/// Chains of `p4_add` over copied combination slots whose sums are read, outside the chain,
/// only by `p4_mass`, `p4_pt` or as the data of a `take`: candidates for copying with their
/// combination. ADL Q6 reads its trijet sums in two groups (the best trijet's index, its pT);
/// a copy in each lets the engine compute what each reads from the particles (the best tuple by
/// the mass, the sums of the picked tuples) instead of one group computing every tuple's sum
/// for both.
fn copyable_sums(
    g: &Graph,
    plan: &Plan,
    order: &[NodeId],
    consumers: &HashMap<NodeId, Vec<NodeId>>,
    combinations: &[NodeId],
) -> Vec<NodeId> {
    use crate::op::LorentzOp;
    let mut out: Vec<NodeId> = Vec::new();
    for &id in order {
        let node = g.node(id);
        if !matches!(node.op, Op::Lorentz(LorentzOp::Add))
            || plan.outputs.contains(&id)
            || !fusible(g, id)
        {
            continue;
        }
        // Each operand a copied slot field or a copied sum.
        let member = |i: &NodeId| {
            out.contains(i) || combinations.contains(i) && matches!(g.node(*i).op, Op::Field(_))
        };
        if !node.inputs.iter().all(member) {
            continue;
        }
        let read_as_sum = consumers.get(&id).is_some_and(|cs| {
            cs.iter().all(|c| match &g.node(*c).op {
                Op::Lorentz(LorentzOp::Add | LorentzOp::Mass | LorentzOp::Pt) => true,
                Op::Take => g.node(*c).inputs.first() == Some(&id),
                _ => false,
            })
        });
        if read_as_sum {
            out.push(id);
        }
    }
    out
}

/// The body of a fused group and its external inputs (in order of first use); literals and
/// `copied` nodes the group reads are inlined.
fn fused_body(
    g: &Graph,
    members: &[NodeId],
    root: NodeId,
    copied: &[NodeId],
) -> (FusedBody, Vec<NodeId>) {
    let mut body = BodyBuilder {
        g,
        copied,
        ops: Vec::new(),
        keys: Vec::new(),
        index: HashMap::new(),
        externals: Vec::new(),
    };
    for &m in members {
        body.push(m);
    }
    let output = body
        .index
        .get(&root)
        .copied()
        .unwrap_or(body.ops.len().saturating_sub(1));
    let input_keys = body.externals.iter().map(|e| g.node(*e).key).collect();
    (
        FusedBody {
            ops: body.ops,
            output,
            keys: body.keys,
            input_keys,
        },
        body.externals,
    )
}

struct BodyBuilder<'a> {
    g: &'a Graph,
    copied: &'a [NodeId],
    ops: Vec<(Op, Vec<FusedRef>)>,
    keys: Vec<crate::key::Key>,
    index: HashMap<NodeId, usize>,
    externals: Vec<NodeId>,
}

impl BodyBuilder<'_> {
    /// Adds node `m` after its operands.
    fn push(&mut self, m: NodeId) -> usize {
        let node = self.g.node(m);
        let refs = node.inputs.iter().map(|&i| self.operand(i)).collect();
        self.ops.push((node.op.clone(), refs));
        self.keys.push(node.key);
        self.index.insert(m, self.ops.len() - 1);
        self.ops.len() - 1
    }

    /// The reference to `input`: an operation already in the body, an inlined literal or copied
    /// node, or an external input.
    fn operand(&mut self, input: NodeId) -> FusedRef {
        if let Some(&i) = self.index.get(&input) {
            return FusedRef::Op(i);
        }
        if matches!(self.g.node(input).op, Op::Literal(_)) || self.copied.contains(&input) {
            return FusedRef::Op(self.push(input));
        }
        let k = self
            .externals
            .iter()
            .position(|e| *e == input)
            .unwrap_or_else(|| {
                self.externals.push(input);
                self.externals.len() - 1
            });
        FusedRef::Input(k)
    }
}
