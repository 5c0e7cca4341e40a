//! Masks on local indices become list slices: `x[local_index(x) == k]` keeps item `k` of every
//! list, `x[(i >= a) & (i < b)]` (awkward's `x[:, a:b]`, as the Python package builds it) items
//! `a..b`. Evaluated as masks they compare every item's index, build a boolean per item and
//! gather the kept ones; as [`Op::ListSlice`] they are one run of items per list.
//!
//! Fires on a mask made of comparisons (`==`, `<`, `<=`, `>`, `>=`) of one `local_index` with
//! number literals, and-ed together; any other mask (`!=`, `|`, an index from elsewhere) stays a
//! mask. Every mask node with such a mask becomes a slice, so lists cut by it stay aligned.
//!
//! Before: `mask(%x, equal(local_index(%x), 0))`. After: `list_slice[0:1](%x)`.

use super::{Plan, Rule, copy_node, rebuild};
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::{BinaryOp, Op, Scalar};

/// The list-slice rule.
pub struct ListSlice;

impl Rule for ListSlice {
    fn name(&self) -> &'static str {
        "list_slice"
    }

    fn rewrite(&self, plan: &Plan) -> Result<Plan, PlanError> {
        rebuild(plan, self.name(), |graph, old, id, inputs| {
            if matches!(old.node(id).op, Op::Mask)
                && let Some(Items { start, stop, .. }) = items(graph, inputs[1])
            {
                let slice = Op::ListSlice {
                    start: to_u32(start),
                    stop: stop.map(to_u32),
                };
                // A mask the typing accepted on lists this slice also takes; anything else (a
                // mask of events) stays as it was.
                if let Ok(sliced) = graph.add(slice, vec![inputs[0]]) {
                    return Ok(sliced);
                }
            }
            copy_node(graph, old, id, inputs)
        })
    }
}

/// The local indices `start..stop` a mask keeps (`stop: None`: to the end), and the
/// `local_index` node they are positions of.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Items {
    index: NodeId,
    start: u64,
    stop: Option<u64>,
}

/// What `mask` keeps, when it is comparisons of one local index with literals, and-ed.
fn items(graph: &Graph, mask: NodeId) -> Option<Items> {
    let node = graph.node(mask);
    let Op::Binary(op) = node.op else {
        return None;
    };
    let (a, b) = (*node.inputs.first()?, *node.inputs.get(1)?);
    if op == BinaryOp::And {
        let (x, y) = (items(graph, a)?, items(graph, b)?);
        if x.index != y.index {
            return None;
        }
        let stop = match (x.stop, y.stop) {
            (Some(p), Some(q)) => Some(p.min(q)),
            (p, q) => p.or(q),
        };
        return Some(Items {
            index: x.index,
            start: x.start.max(y.start),
            stop,
        });
    }
    // Literals are on the right (CSE's canonical form swaps comparisons to put them there).
    if !matches!(graph.node(a).op, Op::LocalIndex) {
        return None;
    }
    let k = match graph.node(b).op {
        Op::Literal(Scalar::I64(k)) => k as f64,
        Op::Literal(Scalar::F64(k)) => k,
        _ => return None,
    };
    let (start, stop) = kept(op, k)?;
    Some(Items {
        index: a,
        start,
        stop,
    })
}

/// The indices `i >= 0` with `i op k`, as `start..stop` (`None`: unbounded).
fn kept(op: BinaryOp, k: f64) -> Option<(u64, Option<u64>)> {
    // Comparisons with NaN hold for no index.
    if k.is_nan() {
        return matches!(
            op,
            BinaryOp::Eq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
        .then_some((0, Some(0)));
    }
    // `f64 as u64` clamps: negative bounds become 0, +inf the largest.
    let at = |x: f64| x.max(0.0) as u64;
    Some(match op {
        BinaryOp::Eq if k.fract() == 0.0 && k >= 0.0 => (at(k), Some(at(k).saturating_add(1))),
        BinaryOp::Eq => (0, Some(0)),
        BinaryOp::Lt => (0, Some(at(k.ceil()))),
        BinaryOp::Le if k < 0.0 => (0, Some(0)),
        BinaryOp::Le => (0, Some(at(k.floor()).saturating_add(1))),
        BinaryOp::Gt if k < 0.0 => (0, None),
        BinaryOp::Gt => (at(k.floor()).saturating_add(1), None),
        BinaryOp::Ge => (at(k.ceil()), None),
        _ => return None,
    })
}

/// A bound as the operation holds it: lists are shorter than `u32::MAX` items.
fn to_u32(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_comparison_keeps_the_indices_it_holds_for() {
        // Against the comparison itself, over indices 0..8 and bounds around them.
        for op in [
            BinaryOp::Eq,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
        ] {
            for k in [
                -2.0,
                -0.5,
                0.0,
                0.5,
                1.0,
                2.5,
                3.0,
                7.0,
                9.0,
                f64::INFINITY,
                f64::NAN,
            ] {
                let (start, stop) = kept(op, k).unwrap();
                for i in 0..8u64 {
                    let x = i as f64;
                    let holds = match op {
                        BinaryOp::Eq => x == k,
                        BinaryOp::Lt => x < k,
                        BinaryOp::Le => x <= k,
                        BinaryOp::Gt => x > k,
                        _ => x >= k,
                    };
                    let inside = i >= start && stop.is_none_or(|s| i < s);
                    assert_eq!(inside, holds, "{op:?} {k}: index {i}");
                }
            }
        }
        assert_eq!(kept(BinaryOp::Ne, 1.0), None);
    }
}
