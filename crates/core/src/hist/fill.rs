//! Filling in chunks: every axis turns a chunk of its column into storage slots in one
//! whole-buffer loop (vectorised for regular axes, the commonest), then the slots are counted
//! or summed into the storage.
//!
//! A row that falls in a flow bin its axis lacks gets the slot [`TRASH`]. Integer counts of a
//! chunk go into two interleaved local count arrays (consecutive rows in the same bin do not
//! wait on each other's increments), added into the storage at the end: integers, so the order
//! does not matter. Weights are summed in row order straight into the storage, so every sum
//! has the bits of the row-by-row loop.

use super::{Axis, Storage};
use crate::isa::Isa;

/// Rows per chunk: the slots of a chunk stay in L1.
const CHUNK: usize = 1024;

/// The slot of a row that is not filled.
const TRASH: u32 = u32::MAX;

/// Whether [`fill`] can take these axes: every slot, [`TRASH`] excluded, fits in a `u32`.
pub(super) fn fits(axes: &[Axis]) -> bool {
    let size = storage_size(axes);
    let regular_fits = axes.iter().all(|a| match a {
        Axis::Regular { bins, .. } => *bins < (1 << 30),
        _ => true,
    });
    regular_fits && size.is_some_and(|s| s < TRASH as usize)
}

/// Fills `storage` (of `axes`' extents) from `columns` (one per axis, all of one length) and
/// `weights`; the caller has checked the lengths, the weights' storage and [`fits`].
pub(super) fn fill(
    axes: &[Axis],
    storage: &mut Storage,
    columns: &[&[f64]],
    weights: Option<&[f64]>,
) {
    let n = columns.first().map_or(0, |c| c.len());
    let size = storage_len(storage);
    // Two local count arrays (and a trash slot each) pay off once there are rows to spread.
    let mut local = match storage {
        Storage::Int(_) if n >= 2 * size => vec![0i64; 2 * (size + 1)],
        _ => Vec::new(),
    };
    let mut flat = [0u32; CHUNK];
    let mut slots = [0u32; CHUNK];
    for start in (0..n).step_by(CHUNK) {
        let m = CHUNK.min(n - start);
        let flat = &mut flat[..m];
        for (a, axis) in axes.iter().enumerate() {
            let xs = &columns[a][start..start + m];
            if a == 0 {
                axis_slots(axis, xs, flat);
            } else {
                let slots = &mut slots[..m];
                axis_slots(axis, xs, slots);
                let extent = axis.extent() as u32;
                for (f, &s) in flat.iter_mut().zip(slots.iter()) {
                    *f = if *f == TRASH || s == TRASH {
                        TRASH
                    } else {
                        *f * extent + s
                    };
                }
            }
        }
        let w = weights.map(|w| &w[start..start + m]);
        match (&mut *storage, w) {
            (Storage::Int(counts), _) if local.is_empty() => {
                for &f in flat.iter().filter(|&&f| f != TRASH) {
                    counts[f as usize] += 1;
                }
            }
            (Storage::Int(_), _) => count_interleaved(flat, &mut local, size),
            (Storage::Double(sums), w) => {
                for (k, &f) in flat.iter().enumerate().filter(|(_, f)| **f != TRASH) {
                    sums[f as usize] += w.map_or(1.0, |w| w[k]);
                }
            }
            (Storage::Weight { sum, sum2 }, w) => {
                for (k, &f) in flat.iter().enumerate().filter(|(_, f)| **f != TRASH) {
                    let w = w.map_or(1.0, |w| w[k]);
                    sum[f as usize] += w;
                    sum2[f as usize] += w * w;
                }
            }
        }
    }
    if let Storage::Int(counts) = storage
        && !local.is_empty()
    {
        let (a, b) = local.split_at(size + 1);
        for (i, c) in counts.iter_mut().enumerate() {
            *c += a[i] + b[i];
        }
    }
}

/// The definition [`fill`] follows: row by row, each axis's [`Axis::index`]. Used for axes too
/// large for `u32` slots.
pub(super) fn fill_by_row(
    axes: &[Axis],
    storage: &mut Storage,
    columns: &[&[f64]],
    weights: Option<&[f64]>,
) {
    let n = columns.first().map_or(0, |c| c.len());
    'rows: for row in 0..n {
        let mut flat = 0usize;
        for (a, axis) in axes.iter().enumerate() {
            match axis.index(columns[a][row]) {
                Some(i) => flat = flat * axis.extent() + i,
                None => continue 'rows,
            }
        }
        let w = weights.map_or(1.0, |w| w[row]);
        match storage {
            Storage::Int(v) => v[flat] += 1,
            Storage::Double(v) => v[flat] += w,
            Storage::Weight { sum, sum2 } => {
                sum[flat] += w;
                sum2[flat] += w * w;
            }
        }
    }
}

/// The number of bins `axes` make (flow bins included), `None` past `usize`.
pub(super) fn storage_size(axes: &[Axis]) -> Option<usize> {
    axes.iter()
        .try_fold(1usize, |size, a| size.checked_mul(a.extent()))
}

/// The number of bins `storage` holds.
pub(super) fn storage_len(storage: &Storage) -> usize {
    match storage {
        Storage::Int(v) => v.len(),
        Storage::Double(v) => v.len(),
        Storage::Weight { sum, .. } => sum.len(),
    }
}

/// Counts `flat` into the two halves of `local` (each `size` slots and a trash slot),
/// alternating rows.
fn count_interleaved(flat: &[u32], local: &mut [i64], size: usize) {
    let trash = size as u32;
    let (a, b) = local.split_at_mut(size + 1);
    let mut pairs = flat.chunks_exact(2);
    for p in &mut pairs {
        a[p[0].min(trash) as usize] += 1;
        b[p[1].min(trash) as usize] += 1;
    }
    for &f in pairs.remainder() {
        a[f.min(trash) as usize] += 1;
    }
}

/// The slots of `xs` on `axis` (its bin index, flow bins included), [`TRASH`] where
/// [`Axis::index`] is `None`.
fn axis_slots(axis: &Axis, xs: &[f64], out: &mut [u32]) {
    match axis {
        Axis::Regular {
            bins,
            lower,
            upper,
            underflow,
            overflow,
            ..
        } => {
            let axis = RegularAxis {
                bins: *bins,
                lower: *lower,
                upper: *upper,
                underflow: *underflow,
                overflow: *overflow,
            };
            regular_slots(axis, xs, out)
        }
        _ => {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = axis.index(x).map_or(TRASH, |i| i as u32);
            }
        }
    }
}

/// A regular axis's numbers, copied out of the [`Axis`] so the loop keeps them in registers.
#[derive(Clone, Copy)]
struct RegularAxis {
    bins: u32,
    lower: f64,
    upper: f64,
    underflow: bool,
    overflow: bool,
}

/// [`super::regular_index`] of every value, as slots: one loop without branches, compiled for the
/// widest instruction set of the CPU.
fn regular_slots(axis: RegularAxis, xs: &[f64], out: &mut [u32]) {
    // The bodies' unchecked conversion relies on it (`fits` keeps such axes out).
    debug_assert!(axis.bins < 1 << 30);
    match Isa::detect() {
        Isa::Portable => regular_slots_body(axis, xs, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { regular_slots_avx2(axis, xs, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { regular_slots_avx512(axis, xs, out) },
    }
}

/// The same arithmetic as [`super::regular_index`] (`z = (x - lower) / (upper - lower)`, `z < 1`
/// tested first so NaN is overflow, then `z * bins` truncated), with selects for branches.
#[inline(always)]
fn regular_slots_exact(axis: RegularAxis, xs: &[f64], out: &mut [u32]) {
    let (lower, width) = (axis.lower, axis.upper - axis.lower);
    let bins = axis.bins as f64;
    let places = Places::of(axis);
    for (o, &x) in out.iter_mut().zip(xs) {
        let z = (x - lower) / width;
        let v = if z >= 0.0 { z * bins } else { -1.0 };
        let v = if z < 1.0 { v } else { bins };
        // SAFETY: `v` is -1, or in [0, bins] after the `min` (z < 1 makes z * bins finite), and
        // `bins < 2^30` (`fits`), so it is finite and in `i32`'s range.
        let i = unsafe { v.min(bins).to_int_unchecked::<i32>() };
        *o = places.slot(i);
    }
}

/// Where a bin number lands: its slot, or a flow slot (or [`TRASH`]).
#[derive(Clone, Copy)]
struct Places {
    n: i32,
    shift: i32,
    under: i32,
    over: i32,
}

impl Places {
    fn of(axis: RegularAxis) -> Places {
        let n = axis.bins as i32;
        let shift = i32::from(axis.underflow);
        Places {
            n,
            shift,
            under: if axis.underflow { 0 } else { TRASH as i32 },
            over: if axis.overflow {
                n + shift
            } else {
                TRASH as i32
            },
        }
    }

    /// The slot of bin `i` (-1 below the axis, `n` above).
    #[inline(always)]
    fn slot(self, i: i32) -> u32 {
        let slot = if i < 0 {
            self.under
        } else if i >= self.n {
            self.over
        } else {
            i + self.shift
        };
        slot as u32
    }
}

/// A product within this relative distance of a whole number may truncate to another bin
/// than the quotient's: `(x - lower) * (1 / width) * bins` differs from
/// `(x - lower) / width * bins` by less than 2^-50 of itself (three roundings of 2^-53).
const NEAR_WHOLE: f64 = 1.0 / (1u64 << 45) as f64;

/// [`regular_slots_exact`]'s slots with a multiplication by the reciprocal of the width instead
/// of a division (a vector division takes as long as a dozen multiplications). Where the
/// product is not clearly inside a bin (within [`NEAR_WHOLE`] of a whole number: an edge, the
/// axis's ends, zero, NaN, infinities and huge values), the eight values around it are done
/// again by the division, so every slot is the division's.
#[inline(always)]
fn regular_slots_body(axis: RegularAxis, xs: &[f64], out: &mut [u32]) {
    let (lower, width) = (axis.lower, axis.upper - axis.lower);
    let inv = 1.0 / width;
    if !(width > 0.0 && inv.is_finite() && inv >= f64::MIN_POSITIVE) {
        return regular_slots_exact(axis, xs, out);
    }
    let bins = axis.bins as f64;
    let places = Places::of(axis);
    // Below the axis for sure (`z < 0` exactly when `x - lower < 0`, the width being
    // positive), or the product clearly inside one bin.
    let product = |x: f64| (x - lower) * inv * bins;
    let sure = |x: f64| {
        let v = product(x);
        let frac = v - v.floor();
        let tol = v * NEAR_WHOLE;
        (x - lower < 0.0) | ((frac > tol) & (frac < 1.0 - tol))
    };
    let mut all_sure = true;
    for (o, &x) in out.iter_mut().zip(xs) {
        let v = product(x);
        let v = if x - lower < 0.0 { -1.0 } else { v.min(bins) };
        // SAFETY: `v` is -1, or at most `bins` and not below 0 (`x - lower` is not negative,
        // the reciprocal and `bins` are positive; NaN gives `bins` through the `min`), and
        // `bins < 2^30` (`fits`), so it is finite and in `i32`'s range.
        let i = unsafe { v.to_int_unchecked::<i32>() };
        *o = places.slot(i);
        all_sure &= sure(x);
    }
    if all_sure {
        return;
    }
    for (xs8, out8) in xs.chunks(8).zip(out.chunks_mut(8)) {
        if !xs8.iter().fold(true, |all, &x| all & sure(x)) {
            regular_slots_exact(axis, xs8, out8);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn regular_slots_avx2(axis: RegularAxis, xs: &[f64], out: &mut [u32]) {
    regular_slots_body(axis, xs, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn regular_slots_avx512(axis: RegularAxis, xs: &[f64], out: &mut [u32]) {
    regular_slots_body(axis, xs, out)
}

#[cfg(test)]
mod tests {
    use super::super::regular_index;
    use super::*;
    use proptest::prelude::*;

    fn edge_values() -> impl Strategy<Value = f64> {
        prop_oneof![
            -300.0..300.0f64,
            (-40i32..40).prop_map(|k| f64::from(k) * 0.25),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(f64::MIN_POSITIVE),
            Just(-f64::MIN_POSITIVE),
            Just(f64::MAX),
        ]
    }

    /// Every compiled variant of the slot loop this CPU can run.
    fn variants() -> Vec<fn(RegularAxis, &[f64], &mut [u32])> {
        let mut v: Vec<fn(RegularAxis, &[f64], &mut [u32])> =
            vec![|a, x, o| regular_slots_body(a, x, o)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                v.push(|a, x, o| unsafe { regular_slots_avx2(a, x, o) });
            }
            if Isa::detect() == Isa::Avx512 {
                // SAFETY: the CPU has the AVX-512 subsets.
                v.push(|a, x, o| unsafe { regular_slots_avx512(a, x, o) });
            }
        }
        v
    }

    /// Every compiled variant of the slot loop gives each value's [`regular_index`].
    fn every_variant_gives_the_index(axis: RegularAxis, xs: &[f64]) -> Result<(), TestCaseError> {
        let RegularAxis {
            bins,
            lower,
            upper,
            underflow,
            overflow,
        } = axis;
        let want: Vec<u32> = xs
            .iter()
            .map(|&x| {
                regular_index(x, lower, upper, bins, underflow, overflow)
                    .map_or(TRASH, |i| i as u32)
            })
            .collect();
        for slots in variants() {
            let mut got = vec![7u32; xs.len()];
            slots(axis, xs, &mut got);
            prop_assert_eq!(&got, &want);
        }
        Ok(())
    }

    fn axis_strategy() -> impl Strategy<Value = Axis> {
        let flows = (any::<bool>(), any::<bool>());
        prop_oneof![
            (1u32..40, -5.0..5.0f64, 0.5..20.0f64, flows.clone()).prop_map(|(b, lo, w, (u, o))| {
                Axis::Regular {
                    bins: b,
                    lower: lo,
                    upper: lo + w,
                    underflow: u,
                    overflow: o,
                    name: "r".into(),
                    label: "r".into(),
                }
            }),
            flows.clone().prop_map(|(u, o)| Axis::Variable {
                edges: vec![-3.0, -1.0, 0.0, 2.5, 7.0],
                underflow: u,
                overflow: o,
                name: "v".into(),
                label: "v".into(),
            }),
            flows.prop_map(|(u, o)| Axis::Integer {
                lower: -2,
                upper: 6,
                underflow: u,
                overflow: o,
                name: "i".into(),
                label: "i".into()
            }),
            any::<bool>().prop_map(|flow| Axis::IntCategory {
                categories: vec![3, -1, 0],
                flow,
                name: "c".into(),
                label: "c".into()
            }),
            Just(Axis::Boolean {
                name: "b".into(),
                label: "b".into()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Values on every edge of the axis and one step of a float either side: where the
        /// product by the reciprocal and the quotient can truncate to different bins.
        #[test]
        fn slots_at_and_beside_every_edge_are_the_division_s(
            bins in 1u32..120,
            lower in prop_oneof![-100.0..100.0f64, (-8i32..8).prop_map(f64::from)],
            width in prop_oneof![1e-3..300.0f64, (1i32..400).prop_map(f64::from), Just(0.1), Just(2.5)],
            underflow in any::<bool>(),
            overflow in any::<bool>(),
        ) {
            let axis = RegularAxis { bins, lower, upper: lower + width, underflow, overflow };
            let xs: Vec<f64> = (0..=bins)
                .map(|k| lower + f64::from(k) * width / f64::from(bins))
                .flat_map(|e| [e.next_down(), e, e.next_up(), e as f32 as f64])
                .collect();
            every_variant_gives_the_index(axis, &xs)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn chunked_fills_equal_the_row_by_row_definition(
            axes in proptest::collection::vec(axis_strategy(), 1..4),
            rows in 0usize..2600,
            seed in any::<u64>(),
            kind in 0u8..3,
        ) {
            // Values on and between edges, NaN and infinities, over more than two chunks.
            let mut state = seed | 1;
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut value = || match next() % 16 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => f64::NEG_INFINITY,
                3..=8 => (next() % 40) as f64 * 0.5 - 8.0,
                _ => (next() >> 11) as f64 / (1u64 << 53) as f64 * 30.0 - 10.0,
            };
            let columns: Vec<Vec<f64>> = axes.iter().map(|_| (0..rows).map(|_| value()).collect()).collect();
            let weights: Vec<f64> = (0..rows).map(|_| value().abs().min(1e3) + 0.1).collect();
            let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            let size: usize = axes.iter().map(Axis::extent).product();
            let (storage, w) = match kind {
                0 => (Storage::Int(vec![0; size]), None),
                1 => (Storage::Double(vec![0.0; size]), Some(weights.as_slice())),
                _ => (Storage::Weight { sum: vec![0.0; size], sum2: vec![0.0; size] }, Some(weights.as_slice())),
            };
            let (mut chunked, mut by_row) = (storage.clone(), storage);
            fill(&axes, &mut chunked, &refs, w);
            fill_by_row(&axes, &mut by_row, &refs, w);
            // Bit for bit: the sums are taken in the same order.
            prop_assert_eq!(format!("{chunked:?}"), format!("{by_row:?}"));
        }

        #[test]
        fn regular_slots_equal_the_index_of_each_value(
            bins in 1u32..300,
            lower in prop_oneof![-100.0..100.0f64, (-8i32..8).prop_map(f64::from)],
            width in prop_oneof![0.001..300.0f64, (1i32..20).prop_map(f64::from)],
            underflow in any::<bool>(),
            overflow in any::<bool>(),
            xs in proptest::collection::vec(edge_values(), 0..100),
        ) {
            let axis = RegularAxis { bins, lower, upper: lower + width, underflow, overflow };
            every_variant_gives_the_index(axis, &xs)?;
        }
    }
}
