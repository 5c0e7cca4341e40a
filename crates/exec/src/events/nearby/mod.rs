//! "Is any (or every) particle of `b` within ΔR of this particle of `a`", straight from the
//! particles.
//!
//! `any(delta_r(p."0", p."1") < 0.4, axis=2)` over `p = cartesian_nested(a, b)` (ADL Q7's jet
//! cleaning, the AGC's and every analysis's overlap removal) would build the nested pairs of
//! every event (each `a` particle with each `b` particle), gather both sides' `eta` and `phi` into
//! pair columns, compute ΔR into a column, compare it into another and reduce the innermost
//! lists. [`plan`] finds that chain in a fused body; [`evaluate`] then computes, for each `a`
//! particle, whether it passes with any (every) `b` particle of its event, with the same
//! [`kernels::delta_r`] arithmetic and the same comparison, in vector lanes across the morsel's
//! `a` particles (`lanes.rs`). The result is the list of one flag per `a` particle that the
//! chain gives, bit for bit; the chain's other operations are not evaluated.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_buffer::BooleanBuffer;
use rask_core::column::Col;
use rask_core::kernels;
use rask_plan::op::{BinaryOp, FusedBody, FusedRef, LorentzOp, Op, ReduceOp};
use rask_plan::types::Ty;

use super::error::EventError;
use super::gather::list_parts;
use super::sums::{consumers, holds_records};

mod lanes;

type R<T> = Result<T, EventError>;

/// One chain `any|all(delta_r(first, second) <op> threshold, axis=2)` over a nested product.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    /// The body index of the `cartesian_nested` operation.
    pub product: usize,
    /// Whether `delta_r` reads the product's second side first (`delta_r(p."1", p."0")`).
    pub swapped: bool,
    /// The comparison, with ΔR on its left.
    pub op: BinaryOp,
    /// The number ΔR is compared with.
    pub threshold: f64,
    /// `all` instead of `any`.
    pub all: bool,
}

/// The chains of a fused body, by their reduction's body index, and the operations they make
/// unnecessary (the product, its two fields, `delta_r` and the comparison).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nearby {
    /// Each chain, by the body index of its `any`/`all`.
    pub chains: HashMap<usize, Near>,
    /// Operations no longer evaluated: the chains' products, fields, ΔRs and comparisons.
    pub skipped: Vec<bool>,
}

impl Nearby {
    /// Whether the `cartesian_nested` at `i` must keep its two sides for a chain.
    pub fn stashes(&self, i: usize) -> bool {
        self.chains.values().any(|c| c.product == i)
    }
}

/// The chains of `body` (operations typed `types`, inputs typed `tys`). A chain qualifies when
/// each of its operations has exactly the consumer the chain gives it, none is the body's
/// result, and both sides of the product are lists of plain records.
///
/// ```
/// use rask_exec::events::nearby::plan;
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::{Key, Op};
/// let body = FusedBody {
///     ops: vec![(Op::Num, vec![FusedRef::Input(0)])],
///     output: 0,
///     keys: vec![Key(1)],
///     input_keys: vec![Key(2)],
/// };
/// assert!(plan(&body, &[], &[]).chains.is_empty());
/// ```
pub fn plan(body: &FusedBody, types: &[Ty], tys: &[&Ty]) -> Nearby {
    let n = body.ops.len();
    let mut nearby = Nearby {
        chains: HashMap::new(),
        skipped: vec![false; n],
    };
    if types.len() != n {
        return nearby;
    }
    let consumers = consumers(body);
    let type_of = |r: &FusedRef| match r {
        FusedRef::Input(k) => tys.get(*k).copied(),
        FusedRef::Op(j) => types.get(*j),
    };
    for top in 0..n {
        let Some((near, internal)) = chain(body, top) else {
            continue;
        };
        // Each internal operation is read once, by the next one up the chain (the product by its
        // two fields), and is not the body's result.
        let only_inside = internal.iter().all(|&j| {
            j != body.output
                && consumers[j]
                    .iter()
                    .all(|c| *c == top || internal.contains(c))
        }) && consumers[near.product].len() == 2;
        let sides = &body.ops[near.product].1;
        let records =
            sides.len() == 2 && sides.iter().all(|r| type_of(r).is_some_and(holds_records));
        if !only_inside || !records {
            continue;
        }
        for &j in &internal {
            nearby.skipped[j] = true;
        }
        nearby.chains.insert(top, near);
    }
    nearby
}

/// The chain reduced at `top`, and its internal operations (product, fields, ΔR, comparison).
fn chain(body: &FusedBody, top: usize) -> Option<(Near, Vec<usize>)> {
    let (Op::Reduce { op, axis: Some(2) }, refs) = &body.ops[top] else {
        return None;
    };
    let all = match op {
        ReduceOp::Any => false,
        ReduceOp::All => true,
        _ => return None,
    };
    let [FusedRef::Op(compare)] = refs.as_slice() else {
        return None;
    };
    let (Op::Binary(op), operands) = &body.ops[*compare] else {
        return None;
    };
    let [FusedRef::Op(l), FusedRef::Op(r)] = operands.as_slice() else {
        return None;
    };
    // ΔR on the left, or the literal on the left and the comparison turned around.
    let (dr, literal, op) = match (literal_of(body, *l), literal_of(body, *r)) {
        (None, Some(t)) => (*l, t, *op),
        (Some(t), None) => (*r, t, op.swapped()?),
        _ => return None,
    };
    if !matches!(
        op,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
    ) {
        return None;
    }
    let (Op::Lorentz(LorentzOp::DeltaR), sides) = &body.ops[dr] else {
        return None;
    };
    let [FusedRef::Op(f), FusedRef::Op(g)] = sides.as_slice() else {
        return None;
    };
    let (product, first) = side(body, *f)?;
    let (other, second) = side(body, *g)?;
    if product != other || first == second {
        return None;
    }
    let near = Near {
        product,
        swapped: first == 1,
        op,
        threshold: literal,
        all,
    };
    Some((near, vec![product, *f, *g, dr, *compare]))
}

/// The number of a literal operation (not a boolean).
fn literal_of(body: &FusedBody, j: usize) -> Option<f64> {
    match &body.ops[j] {
        (Op::Literal(s @ (rask_plan::Scalar::F64(_) | rask_plan::Scalar::I64(_))), _) => {
            Some(s.as_f64())
        }
        _ => None,
    }
}

/// `field[name](p)` with `p` a nested product: its body index and which side `name` is.
fn side(body: &FusedBody, j: usize) -> Option<(usize, usize)> {
    let (Op::Field(name), refs) = &body.ops[j] else {
        return None;
    };
    let [FusedRef::Op(p)] = refs.as_slice() else {
        return None;
    };
    let (Op::CartesianNested { names }, _) = &body.ops[*p] else {
        return None;
    };
    Some((*p, names.iter().position(|n| n == name)?))
}

/// The chain's flags: for each particle of `a` (the product's first side), whether any (every)
/// particle of `b` in the same event passes `delta_r <op> threshold`, as a list per event
/// with `a`'s offsets.
pub fn evaluate(near: &Near, a: &Col, b: &Col) -> R<Col> {
    let (oa, ra) = list_parts(a, "delta_r over a nested product")?;
    let (ob, rb) = list_parts(b, "delta_r over a nested product")?;
    if oa.len() != ob.len() {
        return Err(EventError::internal(
            "the sides of a nested product have different events",
        ));
    }
    let (ea, pa) = (
        super::broadcast::field_f64(&ra, "eta")?,
        super::broadcast::field_f64(&ra, "phi")?,
    );
    let (eb, pb) = (
        super::broadcast::field_f64(&rb, "eta")?,
        super::broadcast::field_f64(&rb, "phi")?,
    );
    let fits = |o: &[i32], e: &[f64], p: &[f64]| {
        o.first() == Some(&0)
            && o.last()
                .is_some_and(|&end| end as usize <= e.len().min(p.len()))
    };
    if !fits(&oa, &ea, &pa) || !fits(&ob, &eb, &pb) {
        return Err(EventError::internal(
            "a side of a nested product has offsets past its particles",
        ));
    }
    let test = Threshold::new(near.op, near.threshold)?;
    let sides = Sides::new((&oa, &ea, &pa), (&ob, &eb, &pb));
    let flags = match (near.swapped, near.all) {
        (false, false) => sides.flags_in_lanes::<false, false>(&test),
        (false, true) => sides.flags_in_lanes::<false, true>(&test),
        (true, false) => sides.flags_in_lanes::<true, false>(&test),
        (true, true) => sides.flags_in_lanes::<true, true>(&test),
    };
    Ok(Col::List(oa, Arc::new(Col::Bool(flags))))
}

/// The two sides of a nested product: offsets, `eta` and `phi` of each.
struct Sides<'a> {
    oa: &'a [i32],
    ob: &'a [i32],
    ea: &'a [f64],
    pa: &'a [f64],
    eb: &'a [f64],
    pb: &'a [f64],
}

impl<'a> Sides<'a> {
    /// The sides from each one's offsets, η and φ.
    fn new(
        (oa, ea, pa): (&'a [i32], &'a [f64], &'a [f64]),
        (ob, eb, pb): (&'a [i32], &'a [f64], &'a [f64]),
    ) -> Sides<'a> {
        Sides {
            oa,
            ob,
            ea,
            pa,
            eb,
            pb,
        }
    }

    /// One flag per `a` particle; `SWAPPED`: ΔR reads the `b` particle first (`delta_phi` is
    /// wrapped, so the chain's order is kept); `ALL`: every `b` particle must pass. The
    /// definition [`Sides::flags_in_lanes`] computes (and is tested against), and its fallback.
    fn flags<const SWAPPED: bool, const ALL: bool>(&self, test: &Threshold) -> BooleanBuffer {
        let mut flags = arrow_buffer::BooleanBufferBuilder::new(self.ea.len());
        for (wa, wb) in self.oa.windows(2).zip(self.ob.windows(2)) {
            let (eb, pb) = (
                &self.eb[wb[0] as usize..wb[1] as usize],
                &self.pb[wb[0] as usize..wb[1] as usize],
            );
            for j in wa[0] as usize..wa[1] as usize {
                let (e, p) = (self.ea[j], self.pa[j]);
                let passes = |(&e2, &p2): (&f64, &f64)| {
                    test.passes(if SWAPPED {
                        kernels::delta_r_squared(e2, p2, e, p)
                    } else {
                        kernels::delta_r_squared(e, p, e2, p2)
                    })
                };
                // No early exit: whether a pair decides cannot be predicted, a few more pairs
                // cost less than the mispredicted branches.
                let mut flag = ALL;
                for pair in eb.iter().zip(pb) {
                    if ALL {
                        flag &= passes(pair);
                    } else {
                        flag |= passes(pair);
                    }
                }
                flags.append(flag);
            }
        }
        flags.finish()
    }
}

/// `sqrt(s) <op> t` for squared distances `s`, taking the square root only where `s` is within a
/// relative 1e-9 of `t²` (or the threshold is not a positive number): elsewhere the answer is
/// the same without it, so every flag is the one `delta_r <op> t` gives.
struct Threshold {
    op: BinaryOp,
    /// `<` or `<=`.
    wants_less: bool,
    t: f64,
    below: f64,
    above: f64,
}

impl Threshold {
    fn new(op: BinaryOp, t: f64) -> R<Threshold> {
        if !matches!(
            op,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        ) {
            return Err(EventError::Internal(format!(
                "a ΔR chain compares with {op:?}"
            )));
        }
        let (below, above) = if t.is_finite() && t > 0.0 && (t * t).is_normal() {
            (t * t * (1.0 - 1e-9), t * t * (1.0 + 1e-9))
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        Ok(Threshold {
            op,
            wants_less: matches!(op, BinaryOp::Lt | BinaryOp::Le),
            t,
            below,
            above,
        })
    }

    /// `s` is a sum of squares: not negative, or NaN (which takes the square root, giving what
    /// the comparison of NaN gives).
    #[inline(always)]
    fn passes(&self, s: f64) -> bool {
        let (less, more) = (s < self.below, s > self.above);
        if !(less | more) {
            return self.exact(s.sqrt());
        }
        if self.wants_less { less } else { more }
    }

    fn exact(&self, d: f64) -> bool {
        match self.op {
            BinaryOp::Lt => d < self.t,
            BinaryOp::Le => d <= self.t,
            BinaryOp::Gt => d > self.t,
            _ => d >= self.t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn thresholds_answer_as_the_square_root_does(
            s in prop_oneof![0.0..4.0f64, Just(0.16), Just(0.16000000000000003), Just(f64::NAN), Just(f64::INFINITY), Just(0.0), Just(f64::MAX)],
            t in prop_oneof![0.0..2.0f64, Just(0.4), Just(0.0), Just(-1.0), Just(f64::NAN), Just(f64::INFINITY), Just(1e-200), Just(1e200)],
            op in prop_oneof![Just(BinaryOp::Lt), Just(BinaryOp::Le), Just(BinaryOp::Gt), Just(BinaryOp::Ge)],
        ) {
            let d = s.sqrt();
            let want = match op {
                BinaryOp::Lt => d < t,
                BinaryOp::Le => d <= t,
                BinaryOp::Gt => d > t,
                _ => d >= t,
            };
            prop_assert_eq!(Threshold::new(op, t).map(|test| test.passes(s)).ok(), Some(want));
        }
    }
}
