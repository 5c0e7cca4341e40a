#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_imports))]
//! The mass or pT of every combination's four-momentum sum, eight tuples a vector: ADL Q6's
//! trijet masses, measured before `argmin` picks the one nearest the top mass.
//!
//! [`super::combination_sum_measures`] sums each tuple's members one tuple at a time, scalar,
//! and a triplet's mass then waits on one square root. Here a list of up to eight particles is
//! loaded into one vector per component (AVX-512, a masked load), and every vector of eight
//! tuples takes its members from those registers by permutation, with index vectors made once
//! per list length: the sums, the mass (or pT) and its square root are eight lanes wide. The
//! lanes do the same operations in the same order as [`P4`]'s `+`, [`P4::mass`] and
//! [`P4::pt`] (no fused multiply-add; `max(m², 0)` takes 0 for NaN as `f64::max` does), so
//! the values are the same bits. Longer lists, other CPUs and other measures take the scalar
//! path.

use super::combinations::{choose, combination_sum_measures, list_sums, measured_tuples};
use super::jagged::{KernelError, Res, events};
use super::lorentz::P4;

/// What [`combination_sum_measure`] measures of each tuple's four-momentum sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumMeasure {
    /// [`P4::mass`].
    Mass,
    /// [`P4::pt`].
    Pt,
}

impl SumMeasure {
    /// The measure of one four-momentum.
    ///
    /// ```
    /// use rask_core::kernels::{P4, SumMeasure};
    /// let p = P4 { px: 3.0, py: 4.0, pz: 0.0, e: 13.0 };
    /// assert_eq!((SumMeasure::Pt.of(p), SumMeasure::Mass.of(p)), (5.0, 12.0));
    /// ```
    pub fn of(self, p: P4) -> f64 {
        match self {
            SumMeasure::Mass => p.mass(),
            SumMeasure::Pt => p.pt(),
        }
    }
}

/// `measure` of the four-momentum sum of every `n`-combination (`n` 2 or 3) of every list,
/// appended to `out`: the same values, bit for bit, as [`combination_sum_measures`] with
/// [`SumMeasure::of`], computed eight tuples at a time where the CPU allows.
///
/// ```
/// use rask_core::kernels::{SumMeasure, combination_sum_measure};
/// let (px, py, pz, e) = ([1.0, 2.0, 4.0], [0.0; 3], [0.0; 3], [10.0; 3]);
/// let mut out = Vec::new();
/// combination_sum_measure(&[0, 3], [&px, &py, &pz, &e], 2, SumMeasure::Pt, &mut out)?;
/// assert_eq!(out, vec![3.0, 5.0, 6.0]);
/// # Ok::<(), rask_core::kernels::KernelError>(())
/// ```
pub fn combination_sum_measure(
    offsets: &[i32],
    parts: [&[f64]; 4],
    n: usize,
    measure: SumMeasure,
    out: &mut Vec<f64>,
) -> Res<()> {
    #[cfg(target_arch = "x86_64")]
    if matches!(n, 2 | 3) && crate::isa::Isa::detect() == crate::isa::Isa::Avx512 {
        let total = measured_tuples(offsets, parts, n)?;
        let start = out.len();
        out.resize(start + total, 0.0);
        let values = &mut out[start..];
        let tables = patterns(n);
        // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it.
        let written = unsafe {
            match (n, measure) {
                (2, SumMeasure::Mass) => avx512::<2, true>(offsets, parts, tables, values),
                (2, SumMeasure::Pt) => avx512::<2, false>(offsets, parts, tables, values),
                (_, SumMeasure::Mass) => avx512::<3, true>(offsets, parts, tables, values),
                (_, SumMeasure::Pt) => avx512::<3, false>(offsets, parts, tables, values),
            }
        };
        if let Err(e) = written {
            out.truncate(start);
            return Err(e);
        }
        return Ok(());
    }
    combination_sum_measures(offsets, parts, n, |p| measure.of(p), out)
}

/// Lists of up to this many particles fill one vector per component.
const LANES: usize = 8;

/// The tuples of a list of `m` particles, a vector of eight at a time: per slot, the member's
/// local index in each lane (lanes past the last tuple index particle 0, and are not stored).
type Chunk = [[i64; LANES]; 3];

/// The chunks of every list length `0..=LANES` (none below `n`) for `n`-combinations, made
/// once per process.
fn patterns(n: usize) -> &'static [Vec<Chunk>] {
    static PAIRS: std::sync::OnceLock<Vec<Vec<Chunk>>> = std::sync::OnceLock::new();
    static TRIPLETS: std::sync::OnceLock<Vec<Vec<Chunk>>> = std::sync::OnceLock::new();
    let slot = if n == 2 { &PAIRS } else { &TRIPLETS };
    slot.get_or_init(|| (0..=LANES).map(|m| chunks(m, n)).collect())
}

/// The chunks of the `n`-combinations of `m` items, in lexicographic order.
fn chunks(m: usize, n: usize) -> Vec<Chunk> {
    let mut tuples: Vec<[i64; 3]> = Vec::new();
    for i in 0..m {
        for j in i + 1..m {
            if n == 2 {
                tuples.push([i as i64, j as i64, 0]);
                continue;
            }
            for k in j + 1..m {
                tuples.push([i as i64, j as i64, k as i64]);
            }
        }
    }
    tuples
        .chunks(LANES)
        .map(|group| {
            let mut chunk = [[0i64; LANES]; 3];
            for (lane, t) in group.iter().enumerate() {
                for (slot, &member) in chunk.iter_mut().zip(t) {
                    slot[lane] = member;
                }
            }
            chunk
        })
        .collect()
}

/// The measures of the `N`-combinations of every list into `values` (exactly as many as the
/// tuples); lists longer than [`LANES`] take the scalar loop. An error for a list outside the
/// components (offsets that decrease, or point past them).
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
unsafe fn avx512<const N: usize, const MASS: bool>(
    offsets: &[i32],
    parts: [&[f64]; 4],
    tables: &[Vec<Chunk>],
    values: &mut [f64],
) -> Res<()> {
    use std::arch::x86_64::*;
    let len = parts.iter().map(|c| c.len()).min().unwrap_or(0);
    let outside = |index: usize| KernelError::OutOfBounds {
        what: "particle components",
        index,
        len,
    };
    let mut w = 0usize;
    for e in 0..events(offsets) {
        let (s, t) = (offsets[e], offsets[e + 1]);
        if s < 0 || t < s || t as usize > len {
            return Err(outside(t.max(s).max(0) as usize));
        }
        let (start, m) = (s as usize, (t - s) as usize);
        let count = choose(m, N);
        if w + count > values.len() {
            return Err(KernelError::OutOfBounds {
                what: "combination measures",
                index: w + count,
                len: values.len(),
            });
        }
        if m > LANES {
            let [px, py, pz, pe] = parts.map(|c| &c[start..start + m]);
            let at = |i: usize| P4 {
                px: px[i],
                py: py[i],
                pz: pz[i],
                e: pe[i],
            };
            let measure = if MASS { P4::mass } else { P4::pt };
            list_sums::<N>(at, m, &mut |p| {
                values[w] = measure(p);
                w += 1;
            });
            continue;
        }
        if count == 0 {
            continue;
        }
        let lanes = ((1u16 << m) - 1) as __mmask8;
        // SAFETY: lanes `0..m` read `start..start + m`, inside every component (checked
        // above); masked-off lanes are not read.
        let load = |c: &[f64]| unsafe { _mm512_maskz_loadu_pd(lanes, c.as_ptr().add(start)) };
        let (px, py, pz, pe) = (
            load(parts[0]),
            load(parts[1]),
            load(parts[2]),
            load(parts[3]),
        );
        let mut left = count;
        for chunk in &tables[m] {
            // SAFETY: each slot of a chunk is eight `i64`s.
            let slot = |k: usize| unsafe { _mm512_loadu_si512(chunk[k].as_ptr().cast()) };
            let (ii, jj, kk) = (slot(0), slot(1), slot(2));
            // `(p_i + p_j) + p_k`, as `list_sums` adds them.
            let sum = |v: __m512d| {
                let pair =
                    _mm512_add_pd(_mm512_permutexvar_pd(ii, v), _mm512_permutexvar_pd(jj, v));
                if N == 3 {
                    _mm512_add_pd(pair, _mm512_permutexvar_pd(kk, v))
                } else {
                    pair
                }
            };
            let (x, y, z, en) = (sum(px), sum(py), sum(pz), sum(pe));
            let sq = |v: __m512d| _mm512_mul_pd(v, v);
            let v = if MASS {
                // `((e² - px²) - py²) - pz²`, then `max(m², 0)` (0 for NaN, as f64::max).
                let m2 = _mm512_sub_pd(_mm512_sub_pd(_mm512_sub_pd(sq(en), sq(x)), sq(y)), sq(z));
                _mm512_sqrt_pd(_mm512_max_pd(m2, _mm512_setzero_pd()))
            } else {
                _mm512_sqrt_pd(_mm512_add_pd(sq(x), sq(y)))
            };
            let k = left.min(LANES);
            // SAFETY: `w + k <= w + count <= values.len()` (checked above); lanes past `k`
            // are not stored.
            unsafe {
                _mm512_mask_storeu_pd(values.as_mut_ptr().add(w), ((1u16 << k) - 1) as u8, v)
            };
            (w, left) = (w + k, left - k);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_has_its_tuples_in_order_in_whole_chunks() {
        for n in [2, 3] {
            for m in 0..=LANES {
                let chunks = chunks(m, n);
                assert_eq!(chunks.len(), choose(m, n).div_ceil(LANES), "m {m} n {n}");
                let lanes: Vec<[i64; 3]> = chunks
                    .iter()
                    .flat_map(|c| (0..LANES).map(move |l| [c[0][l], c[1][l], c[2][l]]))
                    .take(choose(m, n))
                    .collect();
                let mut sorted = lanes.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted, lanes, "m {m} n {n}: in order, no repeats");
                for t in &lanes {
                    assert!(t[0] < t[1] && (n == 2 || t[1] < t[2]) && t[n - 1] < m as i64);
                }
            }
        }
    }
}
