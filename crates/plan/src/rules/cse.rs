//! Common-subexpression elimination by structural identity, after canonicalisation.
//!
//! Nodes are hash-consed by key after canonicalisation ([`canonical`], applied by `Graph::add`
//! to every node as it is built: commutative operands ordered by key, `0 < x` spelled `x > 0`),
//! so equal expressions are one node from the start: `y[x > 0] + z[0 < x]` has one `greater`.
//! This rule adds what needs a look at values: constant subexpressions are folded
//! (`x * (2.0 * 3.0)` → `x * 6.0`), double negations cancel (`--x` → `x`), and `x & x`, `x | x`
//! are `x`. Rebuilding into a fresh arena merges whatever became equal.
//!
//! Before: `(x > (1.0 + 1.0)) & ~~(x > 2.0)` — two comparisons and an `and`. After: `x > 2.0`.

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{BinaryOp, Op, Scalar, UnaryOp};

/// The CSE rule.
pub struct Cse;

impl Rule for Cse {
    fn name(&self) -> &'static str {
        "cse"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        rebuild(plan, self.name(), |graph, old, id, mut inputs| {
            let op = &old.node(id).op;
            match op {
                Op::Binary(b) => {
                    if let Some(folded) = fold_binary(graph, *b, &inputs) {
                        return graph.add(Op::Literal(folded), vec![]);
                    }
                    // `x & x` and `x | x` are `x` (same type and lineage: one operand).
                    if matches!(b, BinaryOp::And | BinaryOp::Or)
                        && inputs.len() == 2
                        && inputs[0] == inputs[1]
                    {
                        return Ok(inputs[0]);
                    }
                    // `Graph::add` puts the operands in canonical order.
                    graph.add(Op::Binary(*b), std::mem::take(&mut inputs))
                }
                Op::Unary(u) => {
                    let input = inputs[0];
                    if let Op::Literal(s) = graph.node(input).op
                        && let Some(folded) = fold_unary(*u, s)
                    {
                        return graph.add(Op::Literal(folded), vec![]);
                    }
                    match (&graph.node(input).op, u) {
                        (Op::Unary(inner), UnaryOp::Neg | UnaryOp::Not) if inner == u => {
                            Ok(graph.node(input).inputs[0])
                        }
                        _ => graph.add(op.clone(), inputs),
                    }
                }
                _ => copy_node(graph, old, id, inputs),
            }
        })
    }
}

/// The canonical spelling of `op(inputs)`, applied whenever a node is added: commutative operands
/// ordered by key, literals on the right of comparisons.
pub(crate) fn canonical(graph: &Graph, op: Op, mut inputs: Vec<NodeId>) -> (Op, Vec<NodeId>) {
    if let Op::Binary(b) = op
        && inputs.len() == 2
    {
        // Literals go right (`x + 1`), other operands by key.
        let rank = |id: NodeId| (is_literal(graph, id), graph.node(id).key);
        if b.is_commutative() && rank(inputs[0]) > rank(inputs[1]) {
            inputs.swap(0, 1);
        } else if let (Some(swapped), true) = (
            b.swapped(),
            is_literal(graph, inputs[0]) && !is_literal(graph, inputs[1]),
        ) {
            inputs.swap(0, 1);
            return (Op::Binary(swapped), inputs);
        }
    }
    (op, inputs)
}

fn is_literal(graph: &Graph, id: NodeId) -> bool {
    matches!(graph.node(id).op, Op::Literal(_))
}

fn literal(graph: &Graph, id: NodeId) -> Option<Scalar> {
    match graph.node(id).op {
        Op::Literal(s) => Some(s),
        _ => None,
    }
}

/// The value of `a op b` for two literals, of the dtype the typing rules give the expression.
fn fold_binary(graph: &Graph, op: BinaryOp, inputs: &[NodeId]) -> Option<Scalar> {
    use BinaryOp::*;
    let (a, b) = (literal(graph, inputs[0])?, literal(graph, inputs[1])?);
    Some(match (op, a, b) {
        (And, Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x && y),
        (Or, Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x || y),
        (Add | Sub | Mul | Minimum | Maximum, Scalar::I64(x), Scalar::I64(y)) => {
            Scalar::I64(match op {
                Add => x.checked_add(y)?,
                Sub => x.checked_sub(y)?,
                Mul => x.checked_mul(y)?,
                Minimum => x.min(y),
                _ => x.max(y),
            })
        }
        (_, Scalar::Bool(_), _) | (_, _, Scalar::Bool(_)) if !matches!(op, Eq | Ne) => return None,
        (Eq | Ne | Lt | Le | Gt | Ge, x, y) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            Scalar::Bool(match op {
                Eq => x == y,
                Ne => x != y,
                Lt => x < y,
                Le => x <= y,
                Gt => x > y,
                _ => x >= y,
            })
        }
        // The one definition every evaluator uses (`minimum`/`maximum` propagate NaN, as
        // numpy's do: `f64::min` would not).
        (_, x, y) => Scalar::F64(op.float_fn()?(x.as_f64(), y.as_f64())),
    })
}

fn fold_unary(op: UnaryOp, s: Scalar) -> Option<Scalar> {
    Some(match (op, s) {
        (UnaryOp::Not, Scalar::Bool(b)) => Scalar::Bool(!b),
        (UnaryOp::Neg, Scalar::I64(i)) => Scalar::I64(i.checked_neg()?),
        (UnaryOp::Abs, Scalar::I64(i)) => Scalar::I64(i.checked_abs()?),
        (UnaryOp::Neg, Scalar::F64(f)) => Scalar::F64(-f),
        (UnaryOp::Abs, Scalar::F64(f)) => Scalar::F64(f.abs()),
        (_, Scalar::Bool(_)) | (UnaryOp::Not, _) => return None,
        (u, s) => Scalar::F64(u.float_fn()(s.as_f64())),
    })
}
