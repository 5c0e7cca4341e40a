//! Lookup tables of binnings (any flow but `wrap`): each axis turns a value into a code
//! ([`Edges::codes`], the same under every flow), and a table over the product of the axes'
//! codes holds the slot each combination reads, worked out once by correctionlib's rules
//! (the flow, the default slot, `content.back()`, NaN indices) — and the slot's value when
//! all slots are numbers. A morsel of rows is then one code pass per axis, their flat index
//! (Horner) and one gather, without branches. Combinations correctionlib fails on are
//! marked; a morsel that meets one goes to the general path, which reports the error.

use crate::columns::{Column, Sel};
use crate::edges::Edges;
use crate::eval::{EvalError, dispatch};
use crate::formula::CHUNK;
use crate::node::{Node, SharedFormula};

/// The slot of a combination correctionlib fails on.
const FAIL: u32 = u32::MAX;

/// The most table entries: twice the slots and 4096 more (each axis adds codes: one for
/// explicit edges, four for uniform ones), and never more than this many (12 bytes each).
const MAX_ENTRIES: usize = 1 << 22;

/// The slot (and value) of every combination of the axes' codes, C-ordered.
#[derive(Debug)]
pub(crate) struct Lookup {
    slot: Vec<u32>,
    /// The slots' values when all slots are numbers (NaN where a combination fails).
    value: Option<Vec<f64>>,
    /// Whether some combination fails.
    fails: bool,
    /// The kinds (`SharedFormula::MEMBER`, ...) of the slots some combination reads, when
    /// the slots share a formula.
    kinds: u8,
    /// Parameter p of every combination (`params[p][i]`) when every slot read is the
    /// shared formula or a number.
    params: Vec<Vec<f64>>,
}

impl Lookup {
    /// The table of axes `edges` (in order) over the slots `slots` (their values `table`
    /// when all are numbers, their shared formula `shared`): `slot_of(codes)` is the slot
    /// the codes read, `None` where correctionlib fails. `None` when the table would be too
    /// large.
    pub(crate) fn new(
        edges: &[&Edges],
        slots: &[Node],
        table: Option<&[f64]>,
        shared: Option<&SharedFormula>,
        slot_of: impl Fn(&[u64]) -> Option<usize>,
    ) -> Option<Lookup> {
        let nslots = slots.len();
        let extents: Vec<usize> = edges.iter().map(|e| e.ncodes()).collect();
        let total = extents
            .iter()
            .try_fold(1usize, |acc, &e| acc.checked_mul(e))?;
        if edges.is_empty() || total > MAX_ENTRIES.min(nslots.saturating_mul(2) + 4096) {
            return None;
        }
        let mut codes = vec![0u64; extents.len()];
        let mut slot = Vec::with_capacity(total);
        for _ in 0..total {
            let s = slot_of(&codes)
                .filter(|&s| s < nslots)
                .and_then(|s| u32::try_from(s).ok())
                .filter(|&s| s != FAIL);
            slot.push(s.unwrap_or(FAIL));
            // The next combination, the last axis fastest.
            for (c, &e) in codes.iter_mut().zip(&extents).rev() {
                *c += 1;
                if *c < e as u64 {
                    break;
                }
                *c = 0;
            }
        }
        let value = table.map(|t| {
            slot.iter()
                .map(|&s| t.get(s as usize).copied().unwrap_or(f64::NAN))
                .collect()
        });
        let fails = slot.contains(&FAIL);
        let mut kinds = 0;
        let mut params = Vec::new();
        if let Some(sf) = shared {
            kinds = slot
                .iter()
                .filter_map(|&s| sf.kind.get(s as usize))
                .fold(0, |acc, &k| acc | k);
            if kinds & SharedFormula::OTHER == 0 {
                params = sf
                    .columns
                    .iter()
                    .map(|col| {
                        slot.iter()
                            .map(|&s| col.get(s as usize).copied().unwrap_or(f64::NAN))
                            .collect()
                    })
                    .collect();
            }
        }
        Some(Lookup {
            slot,
            value,
            fails,
            kinds,
            params,
        })
    }

    /// Folds one axis's codes of a morsel's values into the flat indices `flat` (`first`
    /// starts them); `local` is scratch.
    #[inline]
    pub(crate) fn fold(
        edges: &Edges,
        first: bool,
        vals: &[f64],
        local: &mut [u64],
        flat: &mut [u64],
    ) {
        if first {
            edges.codes(vals, flat);
            return;
        }
        edges.codes(vals, local);
        let c = edges.ncodes() as u64;
        for (f, &l) in flat.iter_mut().zip(local.iter()) {
            *f = *f * c + l;
        }
    }

    /// Whether the values are in the table (all slots numbers).
    pub(crate) fn has_values(&self) -> bool {
        self.value.is_some()
    }

    /// Whether some row of `flat` fails.
    fn any_fails(&self, flat: &[u64]) -> bool {
        self.fails
            && flat
                .iter()
                .any(|&f| self.slot.get(f as usize).is_none_or(|&s| s == FAIL))
    }

    /// The value of every row of `flat` into `out`; false (nothing written) when a row
    /// fails or the values are not in the table.
    pub(crate) fn values(&self, flat: &[u64], out: &mut [f64]) -> bool {
        let Some(value) = &self.value else {
            return false;
        };
        if self.any_fails(flat) {
            return false;
        }
        let last = value.len().saturating_sub(1);
        for (o, &f) in out.iter_mut().zip(flat) {
            *o = value[(f as usize).min(last)];
        }
        true
    }

    /// The slot of every row of `flat` into `out`; false when a row fails.
    pub(crate) fn slots(&self, flat: &[u64], out: &mut [u32]) -> bool {
        if self.any_fails(flat) {
            return false;
        }
        let last = self.slot.len().saturating_sub(1);
        for (o, &f) in out.iter_mut().zip(flat) {
            *o = self.slot[(f as usize).min(last)];
        }
        true
    }
}

/// Evaluates a binning on `sel` through its lookup table `lk` (`children` its slots,
/// `shared` their shared formula): `flat_of(part, ahead, local, flat)` computes the flat
/// indices of a morsel's rows (and may touch `ahead`, the rows of the next morsel, so they
/// are in the cache when it comes). `Ok(false)` when some row fails: the caller then takes
/// the general path (which reports the error); `out` may be partly written.
pub(crate) fn eval_lookup(
    lk: &Lookup,
    children: &[Node],
    shared: Option<&SharedFormula>,
    cols: &[Column<'_>],
    sel: Sel<'_>,
    out: &mut [f64],
    mut flat_of: impl FnMut(Sel<'_>, Sel<'_>, &mut [u64], &mut [u64]),
) -> Result<bool, EvalError> {
    let n = sel.len();
    let mut local = [0u64; CHUNK];
    let mut flat = [0u64; CHUNK];
    let morsels = (0..n).step_by(CHUNK).map(|s| (s, (s + CHUNK).min(n)));
    let ahead = |end: usize| sel.sub(end, (end + CHUNK).min(n));
    if lk.has_values() {
        for (start, end) in morsels {
            let (local, flat) = (&mut local[..end - start], &mut flat[..end - start]);
            flat_of(sel.sub(start, end), ahead(end), local, flat);
            if !lk.values(flat, &mut out[start..end]) {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    let mut slots = [0u32; CHUNK];
    if let Some(sf) = shared.filter(|_| lk.kinds & SharedFormula::OTHER == 0) {
        // One generic formula (and numbers): run it morsel by morsel, each row with its
        // combination's parameters, as `dispatch` would on all rows at once.
        let constants = lk.kinds & SharedFormula::CONSTANT != 0;
        let mut scratch = sf.formula.scratch(n);
        for (start, end) in morsels {
            let part = sel.sub(start, end);
            let (local, flat) = (&mut local[..end - start], &mut flat[..end - start]);
            let (slots, out) = (&mut slots[..end - start], &mut out[start..end]);
            flat_of(part, ahead(end), local, flat);
            if lk.any_fails(flat) {
                return Ok(false);
            }
            sf.formula
                .morsel_by_index(cols, part, &lk.params, flat, out, &mut scratch);
            if constants && lk.slots(flat, slots) {
                for (o, &s) in out.iter_mut().zip(slots.iter()) {
                    if sf.kind.get(s as usize) == Some(&SharedFormula::CONSTANT)
                        && let Some(v) = children.get(s as usize).and_then(Node::as_const)
                    {
                        *o = v;
                    }
                }
            }
        }
        return Ok(true);
    }
    let mut all = vec![0u32; n];
    for (start, end) in morsels {
        let (local, flat) = (&mut local[..end - start], &mut flat[..end - start]);
        flat_of(sel.sub(start, end), ahead(end), local, flat);
        if !lk.slots(flat, &mut all[start..end]) {
            return Ok(false);
        }
    }
    dispatch(children, shared, &all, cols, sel, out)?;
    Ok(true)
}
