//! Evaluation of a content tree: on a selection of rows (the column path), and on one row
//! (the scalar path, also used to find the first failing row of a column).
//!
//! A node with children computes every selected row's child index at once, then either
//! gathers from a table (all children numbers) or groups the rows by child (a counting sort)
//! and evaluates each child once on its rows.

use crate::columns::{Column, Sel};
use crate::node::{Node, SharedFormula, Transform, round_to_i64};
use crate::types::Value;

/// Why a row cannot be evaluated; mapped to a [`CorrectionError`](crate::CorrectionError)
/// with the correction's and inputs' names by the evaluator.
#[derive(Debug)]
pub(crate) enum EvalError {
    /// `flow: "error"` and a value outside the edges.
    OutOfRange {
        input: usize,
        value: f64,
        above: bool,
    },
    /// No category for the value and no default.
    CategoryMiss { input: usize, value: String },
    /// A value the node cannot take.
    Unevaluable {
        input: usize,
        value: String,
        what: &'static str,
    },
}

/// Evaluates `node` on the rows of `sel` into `out` (one value per position of `sel`).
pub(crate) fn eval_node(
    node: &Node,
    cols: &[Column<'_>],
    sel: Sel<'_>,
    out: &mut [f64],
) -> Result<(), EvalError> {
    match node {
        Node::Const(v) => {
            out.fill(*v);
            Ok(())
        }
        Node::Binning(b) => b.eval_columns(cols, sel, out),
        Node::MultiBinning(b) => b.eval_columns(cols, sel, out),
        Node::Category(c) => c.eval_columns(cols, sel, out),
        Node::Formula(f) => {
            f.formula.eval_columns(cols, sel, &f.params, out);
            Ok(())
        }
        Node::Transform(t) => transform_columns(t, cols, sel, out),
        Node::HashPrng(h) => {
            h.eval_columns(cols, sel, out);
            Ok(())
        }
    }
}

/// Evaluates `node` on one row.
pub(crate) fn eval_one(node: &Node, vals: &[Value<'_>]) -> Result<f64, EvalError> {
    match node {
        Node::Const(v) => Ok(*v),
        Node::Binning(b) => b.eval_one(vals),
        Node::MultiBinning(b) => b.eval_one(vals),
        Node::Category(c) => c.eval_one(vals),
        Node::Formula(f) => Ok(f.formula.eval_one(vals, &f.params)),
        Node::Transform(t) => {
            let v = eval_one(&t.rule, vals)?;
            let mut changed = vals.to_vec();
            if let Some(slot) = changed.get_mut(t.input) {
                *slot = match slot {
                    Value::Int(_) => Value::Int(round_to_i64(v)),
                    _ => Value::Real(v),
                };
            }
            eval_one(&t.content, &changed)
        }
        Node::HashPrng(h) => Ok(h.eval_one(vals)),
    }
}

/// A Transform on a selection: the rule's values replace the input for the content, which
/// is evaluated on the selection's rows re-based to `0..n`.
fn transform_columns(
    t: &Transform,
    cols: &[Column<'_>],
    sel: Sel<'_>,
    out: &mut [f64],
) -> Result<(), EvalError> {
    let n = sel.len();
    let mut values = crate::buffer::zeroed(n);
    eval_node(&t.rule, cols, sel, &mut values)?;
    let mut rebased: Vec<Column<'_>> = cols.iter().map(|c| c.rebase(sel)).collect();
    if let Some(slot) = rebased.get_mut(t.input) {
        *slot = match slot {
            Column::Int(_) | Column::IntConst(_) => {
                Column::Int(values.iter().map(|&v| round_to_i64(v)).collect())
            }
            _ => Column::Real(values.into()),
        };
    }
    eval_node(&t.content, &rebased, Sel::Range(0, n), out)
}

/// Evaluates, for each position k of `sel`, child `slots[k]` of `children` into `out[k]`:
/// rows grouped by child, each child evaluated once on its rows (or, when the children
/// share one generic formula, that formula once on all rows with per-row parameters).
pub(crate) fn dispatch(
    children: &[Node],
    shared: Option<&SharedFormula>,
    slots: &[u32],
    cols: &[Column<'_>],
    sel: Sel<'_>,
    out: &mut [f64],
) -> Result<(), EvalError> {
    let n = slots.len();
    if n == 0 {
        return Ok(());
    }
    // One child for every row: evaluate it on the selection as it is.
    let first = slots[0];
    if slots.iter().all(|&s| s == first) {
        return match children.get(first as usize) {
            Some(child) => eval_node(child, cols, sel, out),
            None => Ok(()),
        };
    }
    if let Some(sf) = shared {
        let kinds = slots.iter().fold(0u8, |acc, &s| acc | sf.kind[s as usize]);
        if kinds & SharedFormula::OTHER == 0 {
            sf.formula
                .eval_columns_by_slot(cols, sel, &sf.columns, slots, out);
            if kinds & SharedFormula::CONSTANT != 0 {
                for (o, &s) in out.iter_mut().zip(slots) {
                    if let Some(v) = children[s as usize].as_const() {
                        *o = v;
                    }
                }
            }
            return Ok(());
        }
    }
    // Counting sort of positions by child.
    let mut starts = vec![0usize; children.len() + 1];
    for &s in slots {
        starts[s as usize + 1] += 1;
    }
    for c in 0..children.len() {
        starts[c + 1] += starts[c];
    }
    let mut next = starts.clone();
    let mut order = vec![0usize; n];
    for (k, &s) in slots.iter().enumerate() {
        order[next[s as usize]] = k;
        next[s as usize] += 1;
    }
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (c, child) in children.iter().enumerate() {
        let positions = &order[starts[c]..starts[c + 1]];
        if positions.is_empty() {
            continue;
        }
        if let Some(v) = child.as_const() {
            for &k in positions {
                out[k] = v;
            }
            continue;
        }
        rows.clear();
        rows.extend(positions.iter().map(|&k| sel.row(k)));
        values.clear();
        values.resize(positions.len(), 0.0);
        eval_node(child, cols, Sel::Rows(&rows), &mut values)?;
        for (&k, &v) in positions.iter().zip(&values) {
            out[k] = v;
        }
    }
    Ok(())
}
