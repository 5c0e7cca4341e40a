//! Pairs of operations evaluated as one, when nothing but the second reads the first.
//!
//! - **Selections cut to a region**: `x[selected][region]` keeps the selected elements of the kept
//!   events. Op by op, the selection gathers the selected elements of every event and the cut
//!   then drops most of them: the AGC's 4j2b region keeps 2.4% of the events, and its trijets'
//!   five jet fields were gathered for every event, for each jet-pT variation (about a tenth of
//!   the task's time on one thread). As a pair, only the kept events' selected elements are
//!   gathered ([`rask_core::kernels::filter_bits_of`]).
//! - **Sums of selections cut to a region**: `sum(x[selected][region], axis=1)` (ADL Q7's scalar
//!   sum of the clean jets' pT in events with one) is the sum of each kept event's selected
//!   elements ([`rask_core::kernels::sum_selected_of`]), without gathering them at all: three
//!   operations as one, the selection and the cut both read by nothing else.
//! - **Item `k`**: `firsts(x[:, k:k+1])` (awkward's `x[:, k]` on padded lists, what the
//!   `list_slice` rule makes of `firsts(x[local_index(x) == k])`) is item `k` of every list
//!   ([`rask_core::kernels::item_at`]), without building the one-item lists (the AGC's b-tag
//!   weights read the first four selected jets' pT this way).
//!
//! Planned once per body ([`super::planned`]); values of other shapes are evaluated as written.

use std::collections::HashMap;
use std::sync::Arc;

use rask_core::column::Col;
use rask_core::kernels;
use rask_plan::op::{FusedBody, FusedRef, Op, ReduceOp};
use rask_plan::types::{DType, Layout, Ty};

use super::demand::Demand;
use super::error::EventError;
use super::eval::EvValue;

/// What a pair computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// `mask(mask(x, selected), region)`: `selected` jagged booleans, `region` one per event.
    SelectedCut,
    /// `firsts(list_slice[k:k+1](x))`.
    Item(u32),
    /// `sum(mask(mask(x, selected), region), axis=1)`: the second is the sum, the first the cut,
    /// and the selection (operation `.0`) is computed by the sum too.
    SelectedCutSum(usize),
}

/// The pairs of a body.
#[derive(Debug, Default)]
pub struct Pairs {
    /// The second operation → the first and what the pair computes.
    pub seconds: HashMap<usize, (usize, Pair)>,
    /// The first operations, computed by their second (by operation; as long as the body).
    pub skipped: Vec<bool>,
}

impl Pairs {
    /// Whether operation `i` is computed by the second operation of its pair.
    pub fn skips(&self, i: usize) -> bool {
        self.skipped.get(i).copied().unwrap_or(false)
    }
}

/// Finds the pairs whose first operation nothing else reads; operations `taken` claims (chains
/// of sums, picks, ΔR tests) are left alone.
pub fn plan(body: &FusedBody, types: &[Ty], tys: &[&Ty], taken: impl Fn(usize) -> bool) -> Pairs {
    let n = body.ops.len();
    let mut readers = vec![0usize; n];
    for (_, refs) in &body.ops {
        for r in refs {
            if let FusedRef::Op(j) = r {
                readers[*j] += 1;
            }
        }
    }
    if body.output < n {
        readers[body.output] += 1;
    }
    let ty_of = |r: &FusedRef| match r {
        FusedRef::Input(k) => tys.get(*k).copied(),
        FusedRef::Op(j) => types.get(*j),
    };
    let mut out = Pairs {
        seconds: HashMap::new(),
        skipped: vec![false; n],
    };
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let Some(FusedRef::Op(j)) = refs.first().copied() else {
            continue;
        };
        let (first, first_refs) = (&body.ops[j].0, body.ops[j].1.as_slice());
        // The sum of a selected cut pair that nothing else reads: the three as one.
        if let (
            Op::Reduce {
                op: ReduceOp::Sum,
                axis: Some(1),
            },
            Some(&(k, Pair::SelectedCut)),
        ) = (op, out.seconds.get(&j))
            && readers[j] == 1
            && !taken(i)
            && is_f64(&types[i])
        {
            out.seconds.remove(&j);
            out.seconds.insert(i, (j, Pair::SelectedCutSum(k)));
            out.skipped[j] = true;
            continue;
        }
        let pair = match (op, refs.as_slice(), first, first_refs) {
            (Op::Mask, [_, cut], Op::Mask, [data, selection])
                if ty_of(cut).is_some_and(is_event_mask)
                    && ty_of(selection).is_some_and(is_jagged_mask)
                    && ty_of(data).is_some_and(is_list) =>
            {
                Pair::SelectedCut
            }
            (Op::Firsts, [_], Op::ListSlice { start, stop }, [data])
                if *stop == Some(start.saturating_add(1)) && ty_of(data).is_some_and(is_list) =>
            {
                Pair::Item(*start)
            }
            _ => continue,
        };
        if readers[j] == 1 && !taken(i) && !taken(j) {
            out.seconds.insert(i, (j, pair));
            out.skipped[j] = true;
        }
    }
    out
}

/// A first operation's operands and their types, kept for the second.
#[derive(Debug)]
pub(crate) struct Stashed {
    values: Vec<EvValue>,
    types: Vec<Ty>,
}

impl Stashed {
    /// The operands `ins` of a first operation, typed `ts`.
    pub fn new(ins: &[&EvValue], ts: &[&Ty]) -> Stashed {
        Stashed {
            values: ins.iter().map(|v| (*v).clone()).collect(),
            types: ts.iter().map(|t| (*t).clone()).collect(),
        }
    }
}

/// The evaluation of one operation (operation, operands, their types, result type, what is read).
pub(crate) type EvalOp = fn(&Op, &[&EvValue], &[&Ty], &Ty, &Demand) -> Result<EvValue, EventError>;

/// The second operation `second` of a pair, its first (`first`, with its operands `stashed`) not
/// computed. `ins`, `ts` and `out` are the second's operands and types, `reads` what is read of
/// the first and of the second. Values of other shapes go through `eval_op`, one after the other.
pub(crate) fn evaluate(
    (first, pair): (&Op, Pair),
    second: &Op,
    stashed: Stashed,
    (ins, ts, out): (&[&EvValue], &[&Ty], &Ty),
    reads: [&Demand; 2],
    eval_op: EvalOp,
) -> Result<EvValue, EventError> {
    let operands: Vec<&EvValue> = stashed.values.iter().collect();
    match (pair, operands.as_slice(), ins) {
        (
            Pair::SelectedCut,
            [
                EvValue::Col(Col::List(o, items)),
                EvValue::Col(Col::List(mo, flags)),
            ],
            [_, EvValue::Col(Col::Bool(keep))],
        ) => {
            if let Col::Bool(flags) = flags.as_ref() {
                let (offsets, kept) = kernels::filter_bits_of(o, mo, flags, keep)?;
                let items = reads[1].keep(items).take(&kept);
                return Ok(EvValue::Col(Col::list(offsets, items)));
            }
        }
        (Pair::Item(k), [EvValue::Col(Col::List(o, items))], _) => {
            return Ok(EvValue::Col(item_at(o, &reads[1].keep(items), k)));
        }
        _ => {}
    }
    let types: Vec<&Ty> = stashed.types.iter().collect();
    let value = eval_op(first, &operands, &types, ts[0], reads[0])?;
    let mut rest = ins.to_vec();
    rest[0] = &value;
    eval_op(second, &rest, ts, out, reads[1])
}

/// Item `k` of the lists with offsets `o` over `items`, missing where a list is shorter.
pub(crate) fn item_at(o: &[i32], items: &Col, k: u32) -> Col {
    let (valid, idx) = kernels::item_at(o, k);
    let values = if items.is_empty() {
        items.defaults(idx.len())
    } else {
        items.take(&idx)
    };
    Col::Opt(valid, Arc::new(values))
}

/// The three operations of [`Pair::SelectedCutSum`]: the selection, the cut (each with its
/// stashed operands and what is read of it) and the sum (operation, operands, their types, its
/// type, what is read). Sums of values other than `f64` go operation by operation.
pub(crate) fn selected_cut_sum(
    [(select, selected, read_selected), (cut, kept, read_kept)]: [(&Op, Stashed, &Demand); 2],
    sum: &Op,
    (ins, ts, out, read): (&[&EvValue], &[&Ty], &Ty, &Demand),
    eval_op: EvalOp,
) -> Result<EvValue, EventError> {
    if let (
        [
            EvValue::Col(Col::List(o, items)),
            EvValue::Col(Col::List(mo, flags)),
        ],
        [_, EvValue::Col(Col::Bool(keep))],
        true,
    ) = (
        selected.values.as_slice(),
        kept.values.as_slice(),
        is_f64(out),
    ) && let (Col::F64(values), Col::Bool(flags)) = (items.as_ref(), flags.as_ref())
    {
        let sums = kernels::sum_selected_of(o, mo, flags, keep, values)?;
        return Ok(EvValue::Col(Col::F64(sums.into())));
    }
    // Otherwise the selected cut as a pair, then the sum.
    let cut_ins: Vec<&EvValue> = kept.values.iter().collect();
    let cut_types: Vec<&Ty> = kept.types.iter().collect();
    let reads = [read_selected, read_kept];
    let first = (select, Pair::SelectedCut);
    let cut_of = (cut_ins.as_slice(), cut_types.as_slice(), ts[0]);
    let region = evaluate(first, cut, selected, cut_of, reads, eval_op)?;
    let mut rest = ins.to_vec();
    rest[0] = &region;
    eval_op(sum, &rest, ts, out, read)
}

fn is_f64(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Events {
            layout: Layout::Prim(DType::F64),
            ..
        }
    )
}

fn is_event_mask(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Events {
            layout: Layout::Prim(DType::Bool),
            ..
        }
    )
}

fn is_jagged_mask(ty: &Ty) -> bool {
    matches!(ty, Ty::Events { layout: Layout::List { item, .. }, .. }
        if matches!(item.as_ref(), Layout::Prim(DType::Bool)))
}

fn is_list(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Events {
            layout: Layout::List { .. },
            ..
        }
    )
}
