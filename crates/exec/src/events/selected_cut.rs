//! Event cuts of jagged selections, made as one selection.
//!
//! `x[selected][region]`, where nothing else reads `x[selected]`, keeps the selected elements
//! of the kept events: evaluated op by op, the selection gathers the selected elements of every
//! event and the cut then drops most of them. The AGC's 4j2b region keeps 2.4% of the events, and
//! its trijets' five jet fields were gathered for every event, for each jet-pT variation (about
//! a tenth of the task's time on one thread). Here the selection is not computed: the cut takes
//! its two operands and gathers the selected elements of the kept events only
//! ([`rask_core::kernels::filter_bits_of`]).
//!
//! Planned once per body ([`super::planned`]); anything but a list cut by a jagged boolean mask
//! then by a boolean per event is evaluated as it was written.

use std::collections::HashMap;

use rask_core::column::Col;
use rask_core::kernels;
use rask_plan::op::{FusedBody, FusedRef, Op};
use rask_plan::types::{DType, Layout, Ty};

use super::demand::Demand;
use super::error::EventError;
use super::eval::EvValue;

/// The selections of a body that only an event cut reads.
#[derive(Debug, Default)]
pub struct SelectedCuts {
    /// The cut → the selection it cuts.
    pub cuts: HashMap<usize, usize>,
    /// The selections computed by their cut (by operation; as long as the body).
    pub skipped: Vec<bool>,
}

impl SelectedCuts {
    /// Whether operation `i` is a selection its cut computes.
    pub fn skips(&self, i: usize) -> bool {
        self.skipped.get(i).copied().unwrap_or(false)
    }
}

/// Finds `mask(mask(x, jagged), per_event)` with the inner mask read by the outer alone;
/// operations `taken` claims (chains of sums, picks, ΔR tests) are left alone.
pub fn plan(
    body: &FusedBody,
    types: &[Ty],
    tys: &[&Ty],
    taken: impl Fn(usize) -> bool,
) -> SelectedCuts {
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
    let mut out = SelectedCuts {
        cuts: HashMap::new(),
        skipped: vec![false; n],
    };
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let (Op::Mask, [FusedRef::Op(j), cut]) = (op, refs.as_slice()) else {
            continue;
        };
        let (Op::Mask, [data, selection]) = (&body.ops[*j].0, body.ops[*j].1.as_slice()) else {
            continue;
        };
        let fits = readers[*j] == 1
            && !taken(i)
            && !taken(*j)
            && ty_of(cut).is_some_and(is_event_mask)
            && ty_of(selection).is_some_and(is_jagged_mask)
            && ty_of(data).is_some_and(is_list);
        if fits {
            out.cuts.insert(i, *j);
            out.skipped[*j] = true;
        }
    }
    out
}

/// A selection's operands and their types, kept for its cut.
#[derive(Debug)]
pub(crate) struct Stashed {
    values: [EvValue; 2],
    types: [Ty; 2],
}

impl Stashed {
    /// The operands `ins` (data, jagged mask) of a selection, typed `ts`.
    pub fn new(ins: &[&EvValue], ts: &[&Ty]) -> Result<Stashed, EventError> {
        match (ins, ts) {
            ([data, selection], [dt, st]) => Ok(Stashed {
                values: [(*data).clone(), (*selection).clone()],
                types: [(*dt).clone(), (*st).clone()],
            }),
            _ => Err(EventError::internal("a selection without two operands")),
        }
    }
}

/// The evaluation of one operation (operation, operands, their types, result type, what is read).
pub(crate) type EvalOp = fn(&Op, &[&EvValue], &[&Ty], &Ty, &Demand) -> Result<EvValue, EventError>;

/// `data[selection][cut]`: the selected elements of the kept events. `ts` and `out` type the cut,
/// `reads` says what is read of the selection and of the cut. Values that are not a list, a jagged
/// boolean mask and a boolean per event are masked one after the other by `eval_op`.
pub(crate) fn evaluate(
    stashed: Stashed,
    cut: &EvValue,
    ts: &[&Ty],
    out: &Ty,
    reads: [&Demand; 2],
    eval_op: EvalOp,
) -> Result<EvValue, EventError> {
    let [data, selection] = &stashed.values;
    if let (
        EvValue::Col(Col::List(o, items)),
        EvValue::Col(Col::List(mo, flags)),
        EvValue::Col(Col::Bool(keep)),
    ) = (data, selection, cut)
        && let Col::Bool(flags) = flags.as_ref()
    {
        let (offsets, kept) = kernels::filter_bits_of(o, mo, flags, keep)?;
        return Ok(EvValue::Col(Col::list(
            offsets,
            reads[1].keep(items).take(&kept),
        )));
    }
    let [dt, st] = &stashed.types;
    let selected = eval_op(&Op::Mask, &[data, selection], &[dt, st], ts[0], reads[0])?;
    eval_op(&Op::Mask, &[&selected, cut], ts, out, reads[1])
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
