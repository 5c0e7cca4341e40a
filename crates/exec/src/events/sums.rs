//! Sums of combination members computed straight from the particles.
//!
//! `p4_add(p4_add(t."0", t."1"), t."2")` over `t = combinations(jets, 3)` (ADL Q6, the AGC's
//! trijets, every pair mass) would gather each member's four components into its own columns and
//! add them in two passes through whole-column intermediates. [`plan`] finds such chains in a
//! fused body; the combination then keeps its slot indices ([`Stash`]) and [`evaluate`] adds the
//! particles' components through them in one pass, in the chain's order, so the sums are the
//! same to the bit. The chain's `field` and inner `p4_add` operations are not evaluated when
//! nothing else reads them, and [`super::demand`] leaves them out, so the combination gathers
//! only the fields other consumers read (none, in Q6a).

use std::sync::Arc;

use arrow_buffer::ScalarBuffer;
use rask_core::column::Col;
use rask_plan::op::{FusedBody, FusedRef, LorentzOp, Op};
use rask_plan::types::{Layout, Ty};
use std::collections::HashMap;

use super::error::EventError;

type R<T> = Result<T, EventError>;

/// A left-deep chain of `p4_add` over members of one combination.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The body index of the `combinations` operation.
    pub combination: usize,
    /// The slots summed, in the chain's order (`[0, 1, 2]` for `(t.0 + t.1) + t.2`).
    pub slots: Vec<usize>,
}

/// The chains of a fused body and the operations they make unnecessary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    /// The top `p4_add` of each chain, by body index.
    pub chains: HashMap<usize, Chain>,
    /// Operations no longer evaluated: the chains' `field`s and inner sums read by nothing else.
    pub skipped: Vec<bool>,
    /// Argcombinations whose tuples a chain reads through a jagged mask (`pairs[sfos]`, the
    /// chain's combination being the mask): they keep their slots for the mask to cut.
    pub cut_bases: Vec<usize>,
    /// `take(x, field[name](c))` of a combination `c` that keeps its slots (`leps[pairs.l1]`
    /// read for its flavour as well as summed, ADL Q8), by body index: `c` and the slot of
    /// `name`. The slot already holds the members' flat indices, so the take gathers by it
    /// instead of resolving the local indices again.
    pub member_takes: HashMap<usize, (usize, usize)>,
}

impl Sums {
    /// Whether the operation at `i` reads nothing of its operands through the normal path (a
    /// chain's top or a skipped operation): [`super::demand::demands`] leaves it out.
    pub fn silent(&self, i: usize) -> bool {
        self.skipped.get(i).copied().unwrap_or(false) || self.chains.contains_key(&i)
    }

    /// Whether the combination at `i` must keep its slots for a chain (or for a chain over
    /// its tuples cut by a mask).
    pub fn stashes(&self, i: usize) -> bool {
        self.chains.values().any(|c| c.combination == i) || self.cut_bases.contains(&i)
    }
}

/// The chains of `body` whose operations are typed `types` (inputs typed `tys`). A combination
/// qualifies when its lists hold plain records (the vectors `p4_add` reads), not options.
///
/// ```
/// use rask_exec::events::sums::plan;
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::{Key, Op};
/// # use rask_plan::LorentzOp;
/// // p4_add(field[0](c), field[1](c)) with c = combinations(in0, 2)
/// let c = Op::Combinations { n: 2, names: vec!["0".into(), "1".into()] };
/// let body = FusedBody {
///     ops: vec![
///         (c, vec![FusedRef::Input(0)]),
///         (Op::Field("0".into()), vec![FusedRef::Op(0)]),
///         (Op::Field("1".into()), vec![FusedRef::Op(0)]),
///         (Op::Lorentz(LorentzOp::Add), vec![FusedRef::Op(1), FusedRef::Op(2)]),
///     ],
///     output: 3,
///     keys: vec![Key(1), Key(2), Key(3), Key(4)],
///     input_keys: vec![Key(5)],
/// };
/// // (Types are needed to check the members are records; without them nothing qualifies.)
/// assert!(plan(&body, &[], &[]).chains.is_empty());
/// ```
pub fn plan(body: &FusedBody, types: &[Ty], tys: &[&Ty]) -> Sums {
    let n = body.ops.len();
    let mut sums = Sums {
        chains: HashMap::new(),
        skipped: vec![false; n],
        cut_bases: Vec::new(),
        member_takes: HashMap::new(),
    };
    if types.len() != n {
        return sums;
    }
    let consumers = consumers(body);
    let type_of = |r: &FusedRef| match r {
        FusedRef::Input(k) => tys.get(*k).copied(),
        FusedRef::Op(j) => types.get(*j),
    };
    // Chains from the top down: a chain's top is a matching sum that no matching sum extends.
    let mut inside = vec![false; n];
    for i in (0..n).rev() {
        if inside[i] {
            continue;
        }
        let Some((combination, slots, mut internal)) = chain(body, i) else {
            continue;
        };
        // The particles: the combination's operand (under the mask of a cut argcombination).
        let (base, particles) = match &body.ops[combination] {
            (Op::Combinations { .. } | Op::ArgCombinations { .. }, refs) => (None, refs.first()),
            (Op::Mask, refs) => match refs.first() {
                Some(FusedRef::Op(a)) => (Some(*a), body.ops[*a].1.first()),
                _ => continue,
            },
            _ => continue,
        };
        if !particles.and_then(type_of).is_some_and(holds_records) {
            continue;
        }
        if let Some(a) = base
            && !sums.cut_bases.contains(&a)
        {
            sums.cut_bases.push(a);
        }
        internal.sort_unstable();
        internal.dedup();
        for &j in &internal {
            inside[j] = true;
        }
        // An internal operation is skipped when only the top or skipped internal operations read
        // it (consumers come later in the body, so theirs are decided first).
        for &j in internal.iter().rev() {
            sums.skipped[j] = j != body.output
                && consumers[j]
                    .iter()
                    .all(|&c| c == i || internal.contains(&c) && sums.skipped[c]);
        }
        sums.chains.insert(i, Chain { combination, slots });
    }
    for (i, (op, _)) in body.ops.iter().enumerate() {
        if !matches!(op, Op::Take) || sums.silent(i) {
            continue;
        }
        if let Some((c, slot)) = member(body, i).filter(|(c, _)| sums.stashes(*c)) {
            sums.member_takes.insert(i, (c, slot));
        }
    }
    sums
}

fn is_add(op: &Op) -> bool {
    matches!(op, Op::Lorentz(LorentzOp::Add))
}

/// The body operations that read each body operation.
pub(super) fn consumers(body: &FusedBody) -> Vec<Vec<usize>> {
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); body.ops.len()];
    for (i, (_, refs)) in body.ops.iter().enumerate() {
        for r in refs {
            if let FusedRef::Op(j) = r {
                consumers[*j].push(i);
            }
        }
    }
    consumers
}

/// Lists of plain records (not options, not lists of lists).
pub(super) fn holds_records(t: &Ty) -> bool {
    matches!(t, Ty::Events { layout: Layout::List { item, .. }, .. } if matches!(**item, Layout::Record(_)))
}

/// The chain topped by the sum at `i`: its combination, slots in order and internal operations
/// (the members' `field`s and the inner sums).
fn chain(body: &FusedBody, i: usize) -> Option<(usize, Vec<usize>, Vec<usize>)> {
    let (op, refs) = &body.ops[i];
    if !is_add(op) {
        return None;
    }
    let [FusedRef::Op(l), FusedRef::Op(r)] = refs.as_slice() else {
        return None;
    };
    let (c, right) = member(body, *r)?;
    let (combination, mut slots, mut internal) = match member(body, *l) {
        Some((cl, left)) => (cl, vec![left], vec![*l]),
        None => {
            let (cl, slots, mut inner) = chain(body, *l)?;
            inner.push(*l);
            (cl, slots, inner)
        }
    };
    if combination != c {
        return None;
    }
    slots.push(right);
    internal.push(*r);
    Some((combination, slots, internal))
}

/// A combination's member: `field[name](c)` with `c` a combination, or `take(x, field[name](c))`
/// with `c` the argcombinations of that same `x` (`leps[pairs.l1]`, as ADL Q8 and coffea
/// analyses write it). Its body index and the slot of `name`.
fn member(body: &FusedBody, j: usize) -> Option<(usize, usize)> {
    match &body.ops[j] {
        (Op::Field(name), refs) => {
            let [FusedRef::Op(c)] = refs.as_slice() else {
                return None;
            };
            let (Op::Combinations { names, .. }, _) = &body.ops[*c] else {
                return None;
            };
            Some((*c, names.iter().position(|n| n == name)?))
        }
        (Op::Take, refs) => {
            let [data, FusedRef::Op(f)] = refs.as_slice() else {
                return None;
            };
            let (Op::Field(name), f_refs) = &body.ops[*f] else {
                return None;
            };
            let [FusedRef::Op(c)] = f_refs.as_slice() else {
                return None;
            };
            let (Op::ArgCombinations { names, .. }, c_refs) = &body.ops[argcombinations(body, *c)?]
            else {
                return None;
            };
            if c_refs.as_slice() != std::slice::from_ref(data) {
                return None;
            }
            Some((*c, names.iter().position(|n| n == name)?))
        }
        _ => None,
    }
}

/// The argcombinations at `c`, or under `c` when `c` cuts its tuples with a jagged mask
/// (`pairs[sfos]`, as the seed's Q8 writes it): its body index.
fn argcombinations(body: &FusedBody, c: usize) -> Option<usize> {
    match &body.ops[c] {
        (Op::ArgCombinations { .. }, _) => Some(c),
        (Op::Mask, refs) => match refs.as_slice() {
            [FusedRef::Op(a), FusedRef::Op(_)]
                if matches!(body.ops[*a].0, Op::ArgCombinations { .. }) =>
            {
                Some(*a)
            }
            _ => None,
        },
        _ => None,
    }
}

/// What a combination keeps for its chains: its tuples (offsets and slot indices into the particles)
/// and the particles' components.
#[derive(Debug, Clone)]
pub struct Stash {
    /// The tuples' offsets and slots; no slots when the combination is enumerated instead
    /// ([`super::best::Bests::enumerated`]).
    pub tuples: Arc<super::gather::CombinedTuples>,
    pub parts: [ScalarBuffer<f64>; 4],
    /// The lists combined, when the tuples are all their `n`-combinations in order (not cut by
    /// a mask): sums over them can be enumerated, and picked tuples found, without slots.
    pub combined: Option<Combined>,
    /// The members of the last tuples picked without slots, by the picks: several takes of
    /// one pick (the best trijet's pT and b-tags, in several fused bodies sharing this
    /// stash) find them once.
    pub found: std::rc::Rc<std::cell::RefCell<Found>>,
}

/// Picked tuples (flat indices) and their members, per slot.
pub type Found = Option<(Vec<u32>, Vec<Vec<u32>>)>;

/// The lists a combination combines and its `n`.
#[derive(Debug, Clone)]
pub struct Combined {
    pub lists: Col,
    pub offsets: arrow_buffer::OffsetBuffer<i32>,
    pub n: usize,
}

impl Stash {
    /// `f` of the items in slots `slots` of the tuples at flat indices `picked`: per slot,
    /// each tuple's index into the particles (read from the members found for the picks
    /// without slots, not copied).
    pub(super) fn with_picked_slots<T>(
        &self,
        slots: &[usize],
        picked: &[u32],
        f: impl FnOnce(&[&[u32]]) -> R<T>,
    ) -> R<T> {
        let total = self.tuples.offsets.last().copied().unwrap_or(0).max(0) as usize;
        if let Some(&bad) = picked.iter().find(|&&t| t as usize >= total) {
            return Err(EventError::Internal(format!(
                "tuple {bad} picked of {total}"
            )));
        }
        let lacks = || EventError::internal("a chain names a slot its combination lacks");
        if self.tuples.slots.is_empty() {
            let c = self
                .combined
                .as_ref()
                .ok_or_else(|| EventError::internal("tuples with neither slots nor lists"))?;
            let mut found = self.found.borrow_mut();
            let members = match &*found {
                Some((p, members)) if p.as_slice() == picked => members,
                _ => {
                    let members = rask_core::kernels::combination_members(
                        &c.offsets,
                        &self.tuples.offsets,
                        c.n,
                        picked,
                    )?;
                    &found.insert((picked.to_vec(), members)).1
                }
            };
            let chosen: Vec<&[u32]> = slots
                .iter()
                .map(|&s| members.get(s).map(Vec::as_slice).ok_or_else(lacks))
                .collect::<R<_>>()?;
            return f(&chosen);
        }
        let gathered: Vec<Vec<u32>> = slots
            .iter()
            .map(|&s| {
                let slot = self.tuples.slots.get(s).ok_or_else(lacks)?;
                Ok(picked.iter().map(|&t| slot[t as usize]).collect())
            })
            .collect::<R<_>>()?;
        let chosen: Vec<&[u32]> = gathered.iter().map(Vec::as_slice).collect();
        f(&chosen)
    }
}

/// `take(data, index)` with `index` the field of slot `slot` of the tuples `stash` keeps
/// ([`Sums::member_takes`]): the members gathered through the slot, as `read` reads them.
/// `None` when the index is not lists as long as the tuples' (the caller takes the usual way).
pub(super) fn take_through_slot(
    stash: &Stash,
    slot: usize,
    data: &Col,
    index: &Col,
    read: &super::demand::Demand,
) -> R<Option<Col>> {
    let (Col::List(io, _), Some(members)) = (index, stash.tuples.slots.get(slot)) else {
        return Ok(None);
    };
    if !super::broadcast::same_offsets(io, &stash.tuples.offsets)
        || io.last().copied().unwrap_or(0) as usize != members.len()
    {
        return Ok(None);
    }
    let (_, items) = super::gather::gathered(data, "indexing", read)?;
    if members
        .iter()
        .max()
        .is_some_and(|&m| m as usize >= items.len())
    {
        return Err(EventError::internal("a tuple's member past its particles"));
    }
    Ok(Some(Col::List(io.clone(), Arc::new(items.take(members)))))
}

/// The chain's sum per tuple: a list (the combination's offsets) of component records, as the
/// chain of `p4_add`s gives, summed in the same order.
pub fn evaluate(chain: &Chain, stash: &Stash) -> R<Col> {
    let slots = chain_slots(chain, stash)?;
    let (first, rest) = slots
        .split_first()
        .ok_or_else(|| EventError::internal("an empty chain"))?;
    Ok(Col::List(
        stash.tuples.offsets.clone(),
        Arc::new(super::vector::from_parts(summed(stash, first, rest))),
    ))
}

/// The chain's sums of the tuples `picked` only (flat tuple indices), as [`evaluate`] sums them:
/// the items a `take` of the chain's value picks.
pub(super) fn evaluate_at(chain: &Chain, stash: &Stash, picked: &[u32]) -> R<Col> {
    stash.with_picked_slots(&chain.slots, picked, |members| {
        let (first, rest) = members
            .split_first()
            .ok_or_else(|| EventError::internal("an empty chain"))?;
        Ok(super::vector::from_parts(summed(stash, first, rest)))
    })
}

/// The four components of the sums of the tuples whose slots are `first` and `rest`.
fn summed(stash: &Stash, first: &[u32], rest: &[&[u32]]) -> [ScalarBuffer<f64>; 4] {
    stash.parts.clone().map(|component| {
        let mut acc = vec![0.0; first.len()];
        sum_into(&component, first, rest, &mut acc);
        ScalarBuffer::from(acc)
    })
}

/// One component of the sums of tuples into `out`: the first slot's particle, then each other
/// slot's added in the chain's order, in loops over whole slot columns (every chain's sums, the
/// picked tuples' sums and the block sums of a pick add this way, so they have the same bits).
pub(super) fn sum_into(component: &[f64], first: &[u32], rest: &[&[u32]], out: &mut [f64]) {
    use rask_core::kernels::gather::gather_into;
    if gather_into::<false>(component, first, out)
        && rest
            .iter()
            .all(|slot| gather_into::<true>(component, slot, out))
    {
        return;
    }
    // A slot past the particles (a broken invariant): stop there, as indexing does.
    for (a, &k) in out.iter_mut().zip(first) {
        *a = component[k as usize];
    }
    for slot in rest {
        for (a, &k) in out.iter_mut().zip(slot.iter()) {
            *a += component[k as usize];
        }
    }
}

/// The slot indices `chain` sums, in its order.
pub(super) fn chain_slots<'a>(chain: &Chain, stash: &'a Stash) -> R<Vec<&'a [u32]>> {
    chain
        .slots
        .iter()
        .map(|&s| {
            stash
                .tuples
                .slots
                .get(s)
                .map(Vec::as_slice)
                .ok_or_else(|| EventError::internal("a chain names a slot its combination lacks"))
        })
        .collect()
}

/// The stash of `base`'s tuples cut by the jagged mask `flags` (offsets `mo`): the kept tuples'
/// slots, the same particles.
pub(super) fn cut_stash(
    base: &Stash,
    mo: &arrow_buffer::OffsetBuffer<i32>,
    flags: &arrow_buffer::BooleanBuffer,
) -> R<Stash> {
    let (offsets, kept) = rask_core::kernels::filter_bits(&base.tuples.offsets, mo, flags)?;
    let slots = base
        .tuples
        .slots
        .iter()
        .map(|slot| kept.iter().map(|&k| slot[k as usize]).collect())
        .collect();
    Ok(Stash {
        tuples: Arc::new(super::gather::CombinedTuples {
            offsets: arrow_buffer::OffsetBuffer::new(offsets.into()),
            slots,
        }),
        parts: base.parts.clone(),
        combined: None,
        found: Default::default(),
    })
}
