//! The best tuple of a combination by a measure of its sum, without the measure's columns.
//!
//! ADL Q6 picks, per event, the trijet whose mass is closest to 172.5 GeV:
//! `argmin(abs(p4_mass(t.0 + t.1 + t.2) - 172.5))`. Evaluated op by op, that is the sums' four
//! component columns ([`super::sums`]), then a mass column, a difference column and an absolute
//! column, each as long as the tuples, before `argmin` reads the last. [`plan`] finds such an
//! `argmin`/`argmax` over a chain of sums; [`evaluate`] computes each tuple's sum, measure and
//! element-wise steps in one pass (the same functions in the same order, so the same bits) into
//! one value per tuple, and picks as `argmin`/`argmax` do. A `take` of the sum (the best
//! trijet's pT) sums the picked tuples alone. The measure and its steps are not evaluated, nor
//! the sum when nothing else reads it.

use std::collections::HashMap;

use rask_core::column::Col;
use rask_core::kernels::{self, P4, SumMeasure};
use rask_plan::op::{BinaryOp, FusedBody, FusedRef, LorentzOp, Op, UnaryOp};
use rask_plan::types::{DType, Layout, Ty};

use super::demand::Demand;
use super::error::EventError;
use super::sums::{Chain, Stash, Sums};

type R<T> = Result<T, EventError>;

/// An element-wise step after the measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// A float function of the value (`abs`, `sqrt` …).
    Unary(UnaryOp),
    /// `value op literal`.
    Right(BinaryOp, f64),
    /// `literal op value`.
    Left(BinaryOp, f64),
}

/// `where(cond, value, otherwise)` (or `where(cond, otherwise, value)`) between the steps and
/// the pick, `otherwise` a literal: ADL Q8's `argmin(where(sfos, abs(mass - 91.2), inf))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guard {
    /// The body index of the condition (lists of booleans, as long as the tuples).
    pub cond: usize,
    /// The literal the tuples get where the value is not taken.
    pub otherwise: f64,
    /// The condition's value that takes the measured value (`true` for `where(cond, value, _)`).
    pub takes_value_when: bool,
}

/// An `argmin`/`argmax` over a measure of a chain of sums.
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    /// The body index of the chain's top `p4_add` (a key of [`Sums::chains`]).
    pub sum: usize,
    /// `p4_mass` or `p4_pt` of the sum.
    pub measure: LorentzOp,
    /// The steps from the measure to the `argmin`/`argmax` operand, in order.
    pub steps: Vec<Step>,
    /// `argmax` (else `argmin`).
    pub max: bool,
    /// A list of 0 or 1 index per event (else an optional index), as `argmin` was asked.
    pub keepdims: bool,
    /// A `where` with a literal between the steps and the pick.
    pub guard: Option<Guard>,
}

/// The bests of a fused body, the takes of sums, and the operations they make unnecessary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bests {
    /// By the body index of the `argmin`/`argmax`.
    pub picks: HashMap<usize, Best>,
    /// `take(sum, index)` of a chain's sum, by body index: the chain's top. The picked tuples
    /// are summed alone ([`super::sums::evaluate_at`]).
    pub takes: HashMap<usize, usize>,
    /// Operations not evaluated: the measures, their steps, and sums read by nothing else.
    pub skipped: Vec<bool>,
    /// Combinations whose tuples are never made ([`enumerate`]): only picks over their sums,
    /// takes of those sums and takes of their members read them.
    pub enumerated: Vec<usize>,
    /// `take(field[name](c), index)` of an enumerated combination `c`, by body index: the
    /// combination and the slot of `name`. Only the picked tuples' members are gathered.
    pub members: HashMap<usize, (usize, usize)>,
}

impl Bests {
    /// Whether operation `i` is the condition of a guarded pick (its value is kept for it).
    pub fn guards(&self, i: usize) -> bool {
        self.picks
            .values()
            .any(|p| p.guard.is_some_and(|g| g.cond == i))
    }
}

/// The bests of `body` (operations typed `types`) over the chains `sums` found.
///
/// ```
/// use rask_exec::events::{best, sums::Sums};
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::{Key, Op};
/// let body = FusedBody {
///     ops: vec![(Op::ArgMin { keepdims: true }, vec![FusedRef::Input(0)])],
///     output: 0,
///     keys: vec![Key(1)],
///     input_keys: vec![Key(2)],
/// };
/// // An argmin of an input is no pick over sums.
/// assert!(best::plan(&body, &[], &Sums::default()).picks.is_empty());
/// ```
pub fn plan(body: &FusedBody, types: &[Ty], sums: &Sums) -> Bests {
    let n = body.ops.len();
    let mut bests = Bests {
        picks: HashMap::new(),
        takes: HashMap::new(),
        skipped: vec![false; n],
        enumerated: Vec::new(),
        members: HashMap::new(),
    };
    if types.len() != n {
        return bests;
    }
    let consumers = super::sums::consumers(body);
    // Read by `reader` alone, and not the body's value.
    let only_for = |j: usize, reader: usize| j != body.output && consumers[j] == [reader];
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let (max, keepdims) = match op {
            Op::ArgMin { keepdims } => (false, *keepdims),
            Op::ArgMax { keepdims } => (true, *keepdims),
            _ => continue,
        };
        let &[FusedRef::Op(mut j)] = refs.as_slice() else {
            continue;
        };
        let mut reader = i;
        let mut steps = Vec::new();
        let mut inner = Vec::new();
        let guard = guard_of(body, types, j).filter(|_| only_for(j, i));
        if let Some((_, value)) = guard {
            inner.push(j);
            reader = j;
            j = value;
        }
        let guard = guard.map(|(g, _)| g);
        let found = loop {
            if !only_for(j, reader) || !floats(&types[j]) {
                break None;
            }
            inner.push(j);
            let (op, refs) = &body.ops[j];
            let next = match (op, refs.as_slice()) {
                (Op::Lorentz(m @ (LorentzOp::Mass | LorentzOp::Pt)), [FusedRef::Op(s)])
                    if sums.chains.contains_key(s) =>
                {
                    break Some((*s, *m));
                }
                // A sum's `mass`/`pt` field is derived by the same functions (`vector::field`).
                (Op::Field(name), [FusedRef::Op(s)])
                    if sums.chains.contains_key(s) && (name == "mass" || name == "pt") =>
                {
                    let m = if name == "mass" {
                        LorentzOp::Mass
                    } else {
                        LorentzOp::Pt
                    };
                    break Some((*s, m));
                }
                (Op::Unary(u), [FusedRef::Op(k)]) if *u != UnaryOp::Not => {
                    steps.push(Step::Unary(*u));
                    *k
                }
                (Op::Binary(b), [FusedRef::Op(a), FusedRef::Op(c)]) if b.float_fn().is_some() => {
                    match (literal(body, *a), literal(body, *c)) {
                        (None, Some(v)) => {
                            steps.push(Step::Right(*b, v));
                            *a
                        }
                        (Some(v), None) => {
                            steps.push(Step::Left(*b, v));
                            *c
                        }
                        _ => break None,
                    }
                }
                _ => break None,
            };
            reader = j;
            j = next;
        };
        let Some((sum, measure)) = found else {
            continue;
        };
        steps.reverse();
        for &k in &inner {
            bests.skipped[k] = true;
        }
        bests.picks.insert(
            i,
            Best {
                sum,
                measure,
                steps,
                max,
                keepdims,
                guard,
            },
        );
    }
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        if let (Op::Take, [FusedRef::Op(s), index]) = (op, refs.as_slice())
            && sums.chains.contains_key(s)
            && *index != FusedRef::Op(*s)
        {
            bests.takes.insert(i, *s);
        }
    }
    // A sum whose readers are all measures of picks or takes is not evaluated.
    for &s in sums.chains.keys() {
        let read_another_way = |c: &usize| bests.skipped[*c] || bests.takes.get(c) == Some(&s);
        if s != body.output && !consumers[s].is_empty() && consumers[s].iter().all(read_another_way)
        {
            bests.skipped[s] = true;
        }
    }
    enumerate(body, sums, &consumers, &mut bests);
    bests
}

/// Whether a chain over the `n`-combination sums its members in an order the enumeration adds
/// them in (`(t.0 + t.1) + t.2`, the first two either way round: a sum of two is the same
/// either way).
fn enumerable(chain: &Chain, n: usize) -> bool {
    match chain.slots.as_slice() {
        [a, b] => n == 2 && a.min(b) == &0 && a.max(b) == &1,
        [a, b, 2] => n == 3 && a.min(b) == &0 && a.max(b) == &1,
        _ => false,
    }
}

/// Combinations read only through picks over their chains' sums, takes of those sums and
/// takes of their members (ADL Q6's trijets: the best trijet's pT and its b-tags, each in its
/// own fused body): their tuples are enumerated per list by the pick and found again for the
/// picked tuples alone, so neither the slots nor the members of every tuple are made.
fn enumerate(body: &FusedBody, sums: &Sums, consumers: &[Vec<usize>], bests: &mut Bests) {
    for (c, (op, _)) in body.ops.iter().enumerate() {
        let Op::Combinations { n, names } = op else {
            continue;
        };
        let n = *n as usize;
        if c == body.output || sums.cut_bases.contains(&c) {
            continue;
        }
        let chains_enumerable = sums
            .chains
            .iter()
            .filter(|(_, chain)| chain.combination == c)
            .all(|(top, chain)| bests.skipped[*top] && enumerable(chain, n));
        if !chains_enumerable {
            continue;
        }
        // Every reader of the combination is a member's field, read only by skipped chain
        // operations and takes of the member.
        let mut members = Vec::new();
        let mut fields = Vec::new();
        let all_read_so = consumers[c].iter().all(|&f| {
            let (Op::Field(name), [FusedRef::Op(_)]) = (&body.ops[f].0, body.ops[f].1.as_slice())
            else {
                return false;
            };
            let Some(slot) = names.iter().position(|x| x == name) else {
                return false;
            };
            fields.push(f);
            f != body.output
                && consumers[f].iter().all(|&r| {
                    let skipped =
                        sums.skipped[r] || sums.chains.contains_key(&r) && bests.skipped[r];
                    let take = matches!(
                        (&body.ops[r].0, body.ops[r].1.as_slice()),
                        (Op::Take, [FusedRef::Op(d), i]) if *d == f && *i != FusedRef::Op(f)
                    );
                    if take {
                        members.push((r, (c, slot)));
                    }
                    skipped || take
                })
        });
        if !all_read_so {
            continue;
        }
        for f in fields {
            bests.skipped[f] = true;
        }
        bests.members.extend(members);
        bests.enumerated.push(c);
    }
}

/// The guard of `where(cond, value, literal)` or `where(cond, literal, value)` at `j` (typed
/// lists of f64, `cond` lists of booleans) and the body index of its value.
fn guard_of(body: &FusedBody, types: &[Ty], j: usize) -> Option<(Guard, usize)> {
    let (Op::Where, [FusedRef::Op(cond), a, b]) = (&body.ops[j].0, body.ops[j].1.as_slice()) else {
        return None;
    };
    let bools = matches!(&types[*cond], Ty::Events { layout: Layout::List { item, .. }, .. }
        if **item == Layout::Prim(DType::Bool));
    if !bools || !floats(&types[j]) {
        return None;
    }
    let op_literal = |r: &FusedRef| match r {
        FusedRef::Op(k) => Some((*k, literal(body, *k))),
        FusedRef::Input(_) => None,
    };
    let guard = |otherwise, takes_value_when| Guard {
        cond: *cond,
        otherwise,
        takes_value_when,
    };
    match (op_literal(a)?, op_literal(b)?) {
        ((value, None), (_, Some(otherwise))) => Some((guard(otherwise, true), value)),
        ((_, Some(otherwise)), (value, None)) => Some((guard(otherwise, false), value)),
        _ => None,
    }
}

/// Lists of f64 (what the measure and its steps give).
fn floats(t: &Ty) -> bool {
    matches!(t, Ty::Events { layout: Layout::List { item, .. }, .. } if **item == Layout::Prim(DType::F64))
}

/// The value of a literal operation, as broadcasting reads it in float arithmetic.
fn literal(body: &FusedBody, j: usize) -> Option<f64> {
    match &body.ops[j].0 {
        Op::Literal(s) => Some(s.as_f64()),
        _ => None,
    }
}

impl Step {
    /// The step on each value, with the functions broadcasting compiles in (one definition).
    fn apply_all(self, values: &mut [f64]) -> R<()> {
        let not_arithmetic = || EventError::Internal(format!("{self:?} is not arithmetic"));
        match self {
            Step::Unary(u) => {
                rask_plan::with_unary_float_fn!(u, |f| values.iter_mut().for_each(|v| *v = f(*v)))
            }
            Step::Right(b, c) => rask_plan::with_binary_float_fn!(
                b,
                |f| values.iter_mut().for_each(|v| *v = f(*v, c)),
                return Err(not_arithmetic())
            ),
            Step::Left(b, c) => rask_plan::with_binary_float_fn!(
                b,
                |f| values.iter_mut().for_each(|v| *v = f(c, *v)),
                return Err(not_arithmetic())
            ),
        }
        Ok(())
    }
}

/// The pick of `best` per event over the tuples of `stash`, summed as `chain` sums them: local
/// indices as `argmin`/`argmax` give them (a list of 0 or 1 with `keepdims`, else optional).
///
/// With a guard, `cond` is the guard's condition: the tuples it does not take get the guard's
/// literal, as `where` gives it.
pub(super) fn evaluate(best: &Best, chain: &Chain, stash: &Stash, cond: Option<&Col>) -> R<Col> {
    if !matches!(best.measure, LorentzOp::Mass | LorentzOp::Pt) {
        return Err(EventError::Internal(format!(
            "a best tuple measured by {:?}",
            best.measure
        )));
    }
    let o = &stash.tuples.offsets;
    let found = match &stash.combined {
        // Tuples made anyway (ADL Q8's pairs) are summed through their slots: enumerating
        // pairs of short lists costs more than the gathers.
        Some(c) if stash.tuples.slots.is_empty() && enumerable(chain, c.n) => {
            enumerated_picks(best, c, stash, cond)?
        }
        _ => {
            let mut values = measured_by_slots(best, chain, stash)?;
            if values.len() != o.last().copied().unwrap_or(0) as usize {
                return Err(EventError::internal("a measure per tuple of another count"));
            }
            if let Some(guard) = &best.guard {
                apply_guard(guard, cond, o, &mut values, 0)?;
            }
            kernels::arg_extreme(o, &values, best.max)
        }
    };
    super::pick::picked_index(o, &found, best.keepdims)
}

/// The picks of `best` over every `n`-combination of the lists `c`, enumerated a block of
/// lists at a time: each block's tuples summed, measured, stepped and guarded into a buffer
/// that stays in cache, then picked as `argmin`/`argmax` pick (flat tuple indices).
fn enumerated_picks(
    best: &Best,
    c: &super::sums::Combined,
    stash: &Stash,
    cond: Option<&Col>,
) -> R<Vec<Option<u32>>> {
    const BLOCK: i32 = 2048;
    let (o, lists) = (&stash.tuples.offsets, &c.offsets);
    let events = lists.len().saturating_sub(1);
    if o.len() != lists.len() {
        return Err(EventError::internal(
            "tuple lists per list of another count",
        ));
    }
    let parts = [0, 1, 2, 3].map(|k| &stash.parts[k][..]);
    let mut found = Vec::with_capacity(events);
    let mut values = Vec::with_capacity(BLOCK as usize);
    let mut rebased = Vec::new();
    let mut e0 = 0;
    while e0 < events {
        let mut e1 = e0 + 1;
        while e1 < events && o[e1 + 1] - o[e0] <= BLOCK {
            e1 += 1;
        }
        values.clear();
        let block = &lists[e0..=e1];
        let measure = if best.measure == LorentzOp::Mass {
            SumMeasure::Mass
        } else {
            SumMeasure::Pt
        };
        kernels::combination_sum_measure(block, parts, c.n, measure, &mut values)?;
        if values.len() != (o[e1] - o[e0]) as usize {
            return Err(EventError::internal("a measure per tuple of another count"));
        }
        for step in &best.steps {
            step.apply_all(&mut values)?;
        }
        if let Some(guard) = &best.guard {
            apply_guard(guard, cond, o, &mut values, o[e0] as usize)?;
        }
        rebased.clear();
        rebased.extend(o[e0..=e1].iter().map(|&k| k - o[e0]));
        let start = o[e0] as u32;
        found.extend(
            kernels::arg_extreme(&rebased, &values, best.max)
                .into_iter()
                .map(|k| k.map(|k| k + start)),
        );
        e0 = e1;
    }
    Ok(found)
}

/// The measured and stepped sum of every tuple of `stash`, through its slots.
fn measured_by_slots(best: &Best, chain: &Chain, stash: &Stash) -> R<Vec<f64>> {
    let slots = super::sums::chain_slots(chain, stash)?;
    let (first, rest) = slots
        .split_first()
        .ok_or_else(|| EventError::internal("an empty chain"))?;
    // A block of tuples at a time: each component summed over the slots in the chain's order
    // in simple loops (as `sums::evaluate` does for every tuple), then measured and stepped.
    const BLOCK: usize = 512;
    let n = first.len();
    let mut values = Vec::with_capacity(n);
    let mut sums = [[0.0f64; BLOCK]; 4];
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let len = end - start;
        let block: Vec<&[u32]> = rest.iter().map(|slot| &slot[start..end]).collect();
        for (acc, component) in sums.iter_mut().zip(&stash.parts) {
            super::sums::sum_into(component, &first[start..end], &block, &mut acc[..len]);
        }
        let [px, py, pz, e] = &sums;
        let at = values.len();
        let p4 = |i: usize| P4 {
            px: px[i],
            py: py[i],
            pz: pz[i],
            e: e[i],
        };
        if best.measure == LorentzOp::Mass {
            values.extend((0..len).map(|i| p4(i).mass()));
        } else {
            values.extend((0..len).map(|i| p4(i).pt()));
        }
        for step in &best.steps {
            step.apply_all(&mut values[at..])?;
        }
    }
    Ok(values)
}

/// `where(cond, values, otherwise)` (or the other way round) in place, `cond` lists as long as
/// the tuples (offsets `o`): lists of other lengths are the error broadcasting gives. `values`
/// are the tuples from flat index `start` on.
fn apply_guard(
    guard: &Guard,
    cond: Option<&Col>,
    o: &arrow_buffer::OffsetBuffer<i32>,
    values: &mut [f64],
    start: usize,
) -> R<()> {
    let Some(Col::List(co, flags)) = cond else {
        return Err(EventError::internal(
            "a guarded pick without its condition's lists",
        ));
    };
    let Col::Bool(flags) = flags.as_ref() else {
        return Err(EventError::internal(
            "a guard's condition must hold booleans",
        ));
    };
    if !super::broadcast::same_offsets(co, o) {
        return Err(super::broadcast::mismatch(o, co).into());
    }
    if flags.len() != o.last().copied().unwrap_or(0) as usize || start + values.len() > flags.len()
    {
        return Err(EventError::internal(
            "a guard's condition is not as long as its tuples",
        ));
    }
    // 64 flags a word: eight values per masked blend, no branch on each flag.
    let flip = if guard.takes_value_when { 0 } else { u64::MAX };
    let chunks = flags
        .inner()
        .bit_chunks(flags.offset() + start, values.len());
    let words = chunks
        .iter()
        .chain(std::iter::once(chunks.remainder_bits()))
        .map(|word| word ^ flip);
    kernels::bits::keep_where_set(values, words, guard.otherwise);
    Ok(())
}

/// `take(sum, index)` of a chain's sum: the picked tuples' sums.
pub(super) fn take(chain: &Chain, stash: &Stash, index: &Col) -> R<Col> {
    let o = &stash.tuples.offsets;
    let n = o.last().copied().unwrap_or(0).max(0) as usize;
    super::pick::take_by(o, index, n, |picked| {
        super::sums::evaluate_at(chain, stash, picked)
    })
}

/// `take(field[name](c), index)` of an enumerated combination: the picked tuples' members in
/// `slot`, read as `read`.
pub(super) fn take_member(stash: &Stash, slot: usize, index: &Col, read: &Demand) -> R<Col> {
    let c = stash
        .combined
        .as_ref()
        .ok_or_else(|| EventError::internal("a member take of tuples without their lists"))?;
    let (_, items) = super::gather::gathered(&c.lists, "indexing", read)?;
    let o = &stash.tuples.offsets;
    let n = o.last().copied().unwrap_or(0).max(0) as usize;
    super::pick::take_by(o, index, n, |picked| {
        stash.with_picked_slots(&[slot], picked, |members| {
            Ok(items.take(members.first().copied().unwrap_or_default()))
        })
    })
}
