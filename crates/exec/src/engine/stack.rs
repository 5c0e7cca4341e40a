//! `stack` outputs: histograms side by side on a new axis (the systematics of an analysis).
//! The engine computes the stacked histograms as outputs of the same pass and puts them side
//! by side after the merge; a stack is never lowered.

use rask_core::hist::Histogram;
use rask_plan::Expr;
use rask_plan::op::Op;

use crate::error::ExecError;
use crate::hist::core_axis;

use super::Output;

/// Where an output comes from: one computed output, or a stack of others.
pub(super) enum Shape {
    Leaf(usize),
    Stack {
        axis: rask_core::hist::Axis,
        parts: Vec<Shape>,
    },
}

/// The outputs to compute (stacks replaced by what they stack) and how to rebuild the ones
/// asked for.
pub(super) fn expand(exprs: &[&Expr]) -> (Vec<Expr>, Vec<Shape>) {
    fn walk(e: &Expr, leaves: &mut Vec<Expr>) -> Shape {
        match e.op() {
            Op::Stack { axis } => Shape::Stack {
                axis: core_axis(&axis),
                parts: e.inputs().iter().map(|i| walk(i, leaves)).collect(),
            },
            _ => {
                leaves.push(e.clone());
                Shape::Leaf(leaves.len() - 1)
            }
        }
    }
    let mut leaves = Vec::new();
    let shapes = exprs.iter().map(|e| walk(e, &mut leaves)).collect();
    (leaves, shapes)
}

/// The outputs asked for, from the computed ones.
pub(super) fn assemble(computed: Vec<Output>, shapes: &[Shape]) -> Result<Vec<Output>, ExecError> {
    fn build(shape: &Shape, computed: &[Output]) -> Result<Output, ExecError> {
        match shape {
            Shape::Leaf(i) => computed
                .get(*i)
                .cloned()
                .ok_or_else(|| ExecError::Internal(format!("no computed output {i}"))),
            Shape::Stack { axis, parts } => {
                let hists = parts
                    .iter()
                    .map(|p| match build(p, computed)? {
                        Output::Hist(h) => Ok(h),
                        _ => Err(ExecError::Internal(
                            "a stack of a value that is not a histogram".into(),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Histogram::stack(axis.clone(), &hists)
                    .map(Output::Hist)
                    .map_err(|e| ExecError::Internal(format!("stack: {e}")))
            }
        }
    }
    shapes.iter().map(|s| build(s, &computed)).collect()
}
