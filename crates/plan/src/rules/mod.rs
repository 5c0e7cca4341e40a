//! Rewrite rules and the driver that runs them to a fixed point.
//!
//! Each rule lives in its own file and rewrites a [`Plan`] into a new one (a fresh, hash-consed
//! arena holding only what the outputs reach). The driver runs cull → CSE → `num`
//! simplification → list slices → mask pushdown → take pushdown → projection pushdown until the
//! output keys stop changing, checks every rule kept the output types, then fuses.

use std::collections::HashMap;

use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::Op;

pub mod cse;
pub mod cull;
pub mod fusion;
pub mod list_slice;
pub mod mask_pushdown;
mod push;
pub mod pushdown;
pub mod simplify_num;
pub mod take_pushdown;

/// A plan: an arena and the nodes the user asked for.
#[derive(Clone, Debug)]
pub struct Plan {
    pub graph: Graph,
    pub outputs: Vec<NodeId>,
}

impl Plan {
    /// Nodes reachable from the outputs.
    pub fn node_count(&self) -> usize {
        self.graph.topo_order(&self.outputs).len()
    }

    /// The keys of the outputs (`op-token`).
    pub fn output_keys(&self) -> Vec<String> {
        self.outputs
            .iter()
            .map(|o| self.graph.name_of(*o))
            .collect()
    }
}

/// A rewrite rule.
pub trait Rule {
    fn name(&self) -> &'static str;
    /// The rewritten plan (the same plan, rebuilt, when nothing applies).
    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError>;
}

/// Rebuilds `plan` bottom-up into a fresh arena: `f` gets the old node and its already rebuilt
/// inputs and adds the replacement to the new graph (hash-consing merges equal results).
pub fn rebuild(
    plan: &Plan,
    rule: &'static str,
    mut f: impl FnMut(&mut Graph, &Graph, NodeId, Vec<NodeId>) -> Result<NodeId, PlanError>,
) -> Result<Plan, PlanError> {
    rebuild_with_map(plan, rule, |graph, old, id, inputs, _| {
        f(graph, old, id, inputs)
    })
}

/// [`rebuild`], where `f` also sees the replacements of the old nodes rebuilt so far (for rules
/// that rewrite a node in terms of nodes further down).
pub fn rebuild_with_map(
    plan: &Plan,
    rule: &'static str,
    mut f: impl FnMut(
        &mut Graph,
        &Graph,
        NodeId,
        Vec<NodeId>,
        &HashMap<NodeId, NodeId>,
    ) -> Result<NodeId, PlanError>,
) -> Result<Plan, PlanError> {
    let mut graph = Graph::new();
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for id in plan.graph.topo_order(&plan.outputs) {
        let inputs: Vec<NodeId> = plan.graph.node(id).inputs.iter().map(|i| map[i]).collect();
        let new = f(&mut graph, &plan.graph, id, inputs, &map).map_err(|e| match e {
            PlanError::Type { expr, message } => PlanError::Internal {
                rule,
                message: format!("{expr}: {message}"),
            },
            other => other,
        })?;
        map.insert(id, new);
    }
    let outputs = plan.outputs.iter().map(|o| map[o]).collect();
    Ok(Plan { graph, outputs })
}

/// Copies a node unchanged (fused nodes keep their type).
pub fn copy_node(
    graph: &mut Graph,
    old: &Graph,
    id: NodeId,
    inputs: Vec<NodeId>,
) -> Result<NodeId, PlanError> {
    let node = old.node(id);
    let unchanged = node
        .inputs
        .iter()
        .zip(&inputs)
        .all(|(o, n)| old.node(*o).key == graph.node(*n).key);
    if unchanged {
        return Ok(graph.add_known(node.op.clone(), inputs, node.key, node.ty.clone()));
    }
    match &node.op {
        Op::Fused(_) | Op::Cached(_) => {
            Ok(graph.add_typed(node.op.clone(), inputs, node.ty.clone()))
        }
        op => graph.add(op.clone(), inputs),
    }
}

/// Node counts and the stages of one optimisation.
#[derive(Clone, Debug)]
pub struct Optimized {
    pub before: Plan,
    /// After cull, CSE, `num` simplification, mask pushdown and projection pushdown (the
    /// logical plan).
    pub logical: Plan,
    /// After fusion (what execution runs).
    pub fused: Plan,
    /// Rule passes until the fixed point.
    pub passes: usize,
}

/// Runs the rules to a fixed point, then fusion.
pub fn optimize(plan: &Plan) -> Result<Optimized, PlanError> {
    let rules: [&dyn Rule; 7] = [
        &cull::Cull,
        &cse::Cse,
        &simplify_num::SimplifyNum,
        &list_slice::ListSlice,
        &mask_pushdown::MaskPushdown,
        &take_pushdown::TakePushdown,
        &pushdown::ProjectionPushdown,
    ];
    let mut current = plan.clone();
    let mut passes = 0;
    loop {
        let before = current.output_keys();
        for rule in rules {
            let next = rule.rewrite(&current)?;
            check_types(rule.name(), &current, &next)?;
            current = next;
        }
        passes += 1;
        if current.output_keys() == before {
            break;
        }
        if passes >= 16 {
            return Err(PlanError::Internal {
                rule: "optimize",
                message: "the rules did not reach a fixed point in 16 passes".to_string(),
            });
        }
    }
    let fused = fusion::Fusion.rewrite(&current)?;
    check_types("fusion", &current, &fused)?;
    Ok(Optimized {
        before: plan.clone(),
        logical: current,
        fused,
        passes,
    })
}

/// A rule must keep the outputs' types (like DataFusion's schema check after every rule).
fn check_types(rule: &'static str, before: &Plan, after: &Plan) -> Result<(), PlanError> {
    for (a, b) in before.outputs.iter().zip(&after.outputs) {
        let (ta, tb) = (&before.graph.node(*a).ty, &after.graph.node(*b).ty);
        if ta.describe() != tb.describe() {
            return Err(PlanError::Internal {
                rule,
                message: format!(
                    "output type changed from {} to {}",
                    ta.describe(),
                    tb.describe()
                ),
            });
        }
    }
    Ok(())
}
