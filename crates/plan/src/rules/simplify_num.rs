//! Simplify `num`: list lengths computed from the lists they come from, not from a built value.
//!
//! `num` of a concatenation (axis 1) is the sum of the two lengths; `num` of a zip of lists is
//! the length of its first list; `num` of a record list with a field added is the record list's.
//! So a cut on the number of leptons (`num(concatenate(muons, electrons)) >= 3`) does not keep
//! the concatenation of every event alive, and [`super::mask_pushdown`] can then filter the
//! muons and electrons before they are concatenated.
//!
//! Before: `num(concatenate(Muon, Electron))`. After: `add(num(Muon), num(Electron))`.

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{BinaryOp, Op};
use crate::types::{Layout, Ty};

/// The `num` simplification rule.
pub struct SimplifyNum;

impl Rule for SimplifyNum {
    fn name(&self) -> &'static str {
        "simplify_num"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        rebuild(plan, self.name(), |graph, old, id, inputs| {
            match &old.node(id).op {
                Op::Num => num_of(graph, inputs[0]),
                _ => copy_node(graph, old, id, inputs),
            }
        })
    }
}

/// `num(list)`, looking through the operations that keep list lengths. Walks with an explicit
/// stack: concatenations of concatenations may be long chains.
fn num_of(graph: &mut Graph, list: NodeId) -> Result<NodeId, PlanError> {
    enum Step {
        /// The length of this list.
        Length(NodeId),
        /// Adds the last two lengths found.
        Sum,
    }
    let plain = |g: &Graph, id: NodeId| is_plain_list(&g.node(id).ty);
    let mut steps = vec![Step::Length(list)];
    let mut lengths: Vec<NodeId> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Length(l) => {
                let node = graph.node(l);
                match &node.op {
                    Op::Concatenate if node.inputs.iter().all(|&i| plain(graph, i)) => {
                        let (a, b) = (node.inputs[0], node.inputs[1]);
                        steps.extend([Step::Sum, Step::Length(b), Step::Length(a)]);
                    }
                    // Zipped lists share their lengths (typing checked their lineage).
                    Op::Zip(_)
                        if plain(graph, l)
                            && node.inputs.first().is_some_and(|&i| plain(graph, i)) =>
                    {
                        steps.push(Step::Length(node.inputs[0]));
                    }
                    Op::WithField(_) if plain(graph, node.inputs[0]) => {
                        steps.push(Step::Length(node.inputs[0]));
                    }
                    _ => lengths.push(graph.add(Op::Num, vec![l])?),
                }
            }
            Step::Sum => {
                let (Some(nb), Some(na)) = (lengths.pop(), lengths.pop()) else {
                    return Err(internal());
                };
                lengths.push(graph.add(Op::Binary(BinaryOp::Add), vec![na, nb])?);
            }
        }
    }
    lengths.pop().ok_or_else(internal)
}

fn internal() -> PlanError {
    PlanError::Internal {
        rule: "simplify_num",
        message: "unbalanced lengths".to_string(),
    }
}

/// A list per event that is never missing (`num` of an optional list keeps its gaps).
fn is_plain_list(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Events {
            layout: Layout::List { .. },
            ..
        }
    )
}
