//! Loading the values at a list of positions: the copy behind [`crate::column::Col::take`]
//! (pairs' sides, items of kept lists, the k-th item), behind concatenated lists
//! ([`gather_two`]) and behind sums of tuple members ([`gather_into`]).
//!
//! A load per position with a bounds check each was the portable loop; with AVX-512 the
//! positions are checked eight at a time against the length and the values loaded by one masked
//! gather (`vpgatherdq`) per eight ([`lanes`], the one vector loop of all three), so a bad
//! position costs nothing until the end, where it is reported exactly as slice indexing would.

#[cfg(target_arch = "x86_64")]
use crate::isa::Isa;

/// The values (8 bytes each: `f64`, `i64`) at `positions`, in the order of `positions`;
/// `None` when a position is not below `values.len()`.
///
/// ```
/// use rask_core::kernels::gather::gather;
/// assert_eq!(gather(&[1.0, 2.0, 3.0], &[2, 0, 0, 1]), Some(vec![3.0, 1.0, 1.0, 2.0]));
/// assert_eq!(gather(&[1.0, 2.0, 3.0], &[3]), None);
/// ```
pub fn gather<T: Copy>(values: &[T], positions: &[u32]) -> Option<Vec<T>> {
    gather_two(values, &[], positions)
}

/// [`gather`] one position at a time (CPUs without AVX-512, buffers of 2^31 values or more).
#[cfg(test)]
fn gather_portable<T: Copy>(values: &[T], positions: &[u32]) -> Option<Vec<T>> {
    gather_two_portable(values, &[], positions)
}

/// The values at `positions` of `a` followed by `b` (`a ++ b`) without making that
/// concatenation: a position below `a.len()` reads `a`, the rest read `b` shifted by `a.len()`
/// (the items of two lists per event concatenated); `None` when a position is past both.
///
/// ```
/// use rask_core::kernels::gather::gather_two;
/// assert_eq!(gather_two(&[1i64, 2], &[30, 40, 50], &[4, 0, 2, 1]), Some(vec![50, 1, 30, 2]));
/// assert_eq!(gather_two(&[1i64], &[2], &[2]), None);
/// ```
pub fn gather_two<T: Copy>(a: &[T], b: &[T], positions: &[u32]) -> Option<Vec<T>> {
    collect_two(a, b, positions, vectors_for(a, b))
}

/// [`gather_two`] one position at a time.
#[cfg(test)]
fn gather_two_portable<T: Copy>(a: &[T], b: &[T], positions: &[u32]) -> Option<Vec<T>> {
    collect_two(a, b, positions, false)
}

/// [`gather_two`], the whole eights of positions by [`lanes`] when `vectors`, the rest one at a
/// time.
fn collect_two<T: Copy>(a: &[T], b: &[T], positions: &[u32], vectors: bool) -> Option<Vec<T>> {
    const { assert!(std::mem::size_of::<T>() == 8) };
    let mut out: Vec<T> = Vec::with_capacity(positions.len());
    let done = if vectors {
        // SAFETY: `vectors_for` allows vectors only on a CPU with AVX-512 and for buffers
        // shorter than 2^31; `out` has room for `positions.len()` values.
        let done = unsafe {
            if b.is_empty() {
                lanes::<T, false, false>(a, b, positions, out.as_mut_ptr())
            } else {
                lanes::<T, true, false>(a, b, positions, out.as_mut_ptr())
            }
        };
        // SAFETY: the first `done` slots were written (no position among them was bad).
        unsafe { out.set_len(done?) };
        out.len()
    } else {
        0
    };
    for &p in &positions[done..] {
        let p = p as usize;
        out.push(match p.checked_sub(a.len()) {
            None => a[p],
            Some(q) => *b.get(q)?,
        });
    }
    Some(out)
}

/// `out[k] = values[positions[k]]`, or with `ADD` `out[k] += values[positions[k]]`, for every
/// `k` (`out` as long as `positions`): the loads and additions of a sum of tuple members, eight
/// at a time with AVX-512 (the same IEEE additions in the same order, so the same bits). `false`
/// when a position is not below `values.len()` or the lengths differ (`out` is then partly
/// written).
///
/// ```
/// use rask_core::kernels::gather::gather_into;
/// let mut out = [0.0; 3];
/// assert!(gather_into::<false>(&[1.0, 2.0, 4.0], &[2, 0, 1], &mut out));
/// assert!(gather_into::<true>(&[1.0, 2.0, 4.0], &[0, 0, 0], &mut out));
/// assert_eq!(out, [5.0, 2.0, 3.0]);
/// assert!(!gather_into::<true>(&[1.0], &[0, 1, 0], &mut out));
/// ```
pub fn gather_into<const ADD: bool>(values: &[f64], positions: &[u32], out: &mut [f64]) -> bool {
    into_with::<ADD>(values, positions, out, vectors_for(values, &[]))
}

/// [`gather_into`] one position at a time.
#[cfg(test)]
fn gather_into_portable<const ADD: bool>(
    values: &[f64],
    positions: &[u32],
    out: &mut [f64],
) -> bool {
    into_with::<ADD>(values, positions, out, false)
}

/// [`gather_into`], the whole eights of positions by [`lanes`] when `vectors`, the rest one at
/// a time.
fn into_with<const ADD: bool>(
    values: &[f64],
    positions: &[u32],
    out: &mut [f64],
    vectors: bool,
) -> bool {
    if out.len() != positions.len() {
        return false;
    }
    let done = if vectors {
        // SAFETY: as in `collect_two`; `out` is as long as `positions` and initialised, and the
        // values are `f64`, as `ADD` needs.
        match unsafe { lanes::<f64, false, ADD>(values, &[], positions, out.as_mut_ptr()) } {
            Some(done) => done,
            None => return false,
        }
    } else {
        0
    };
    for (o, &p) in out[done..].iter_mut().zip(&positions[done..]) {
        let Some(&v) = values.get(p as usize) else {
            return false;
        };
        *o = if ADD { *o + v } else { v };
    }
    true
}

/// Whether [`lanes`] may gather from `a` and `b`: AVX-512 on this CPU, and both shorter than
/// 2^31 (the vector gather's offsets are signed 32-bit; longer buffers take the scalar loop).
fn vectors_for<T>(a: &[T], b: &[T]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if Isa::detect() == Isa::Avx512 {
        return a.len() <= i32::MAX as usize && b.len() <= i32::MAX as usize;
    }
    let _ = (a, b);
    false
}

/// The whole eights of `positions`, eight per masked gather: the value of `a ++ b` at each
/// (without `TWO`, of `a` alone) written to `out`, or with `ADD` added to it as `f64`s; how
/// many positions were done, `None` when one of them was past both buffers (checked by a
/// mask per eight, reported at the end).
///
/// # Safety
/// The CPU has AVX-512F and VL; `out` has room for `positions.len()` values; `a` and `b` are
/// shorter than 2^31; with `ADD`, `T` is `f64` and `out`'s first `positions.len()` values are
/// initialised.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn lanes<T: Copy, const TWO: bool, const ADD: bool>(
    a: &[T],
    b: &[T],
    positions: &[u32],
    out: *mut T,
) -> Option<usize> {
    use std::arch::x86_64::{
        __m256i, __m512i, _mm256_cmplt_epu32_mask, _mm256_loadu_si256, _mm256_set1_epi32,
        _mm256_sub_epi32, _mm512_add_pd, _mm512_castpd_si512, _mm512_castsi512_pd, _mm512_loadu_pd,
        _mm512_mask_i32gather_epi64, _mm512_setzero_si512, _mm512_storeu_si512,
    };
    const { assert!(std::mem::size_of::<T>() == 8) };
    let (base_a, base_b) = (a.as_ptr() as *const i64, b.as_ptr() as *const i64);
    let dst = out as *mut i64;
    let (len_a, len_b) = (
        _mm256_set1_epi32(a.len() as i32),
        _mm256_set1_epi32(b.len() as i32),
    );
    let whole = positions.len() / 8 * 8;
    let mut bad = 0u8;
    let mut at = 0;
    while at < whole {
        // SAFETY: `at + 8 <= positions.len()`; each gather loads only lanes whose position is
        // inside its buffer (the masks); `out` has room for `positions.len()` values.
        unsafe {
            let p = _mm256_loadu_si256(positions.as_ptr().add(at) as *const __m256i);
            let in_a = _mm256_cmplt_epu32_mask(p, len_a);
            let mut v = _mm512_mask_i32gather_epi64::<8>(_mm512_setzero_si512(), in_a, p, base_a);
            let mut inside = in_a;
            if TWO {
                let q = _mm256_sub_epi32(p, len_a);
                let in_b = !in_a & _mm256_cmplt_epu32_mask(q, len_b);
                v = _mm512_mask_i32gather_epi64::<8>(v, in_b, q, base_b);
                inside |= in_b;
            }
            bad |= !inside;
            if ADD {
                let sum = _mm512_loadu_pd(dst.add(at) as *const f64);
                v = _mm512_castpd_si512(_mm512_add_pd(sum, _mm512_castsi512_pd(v)));
            }
            _mm512_storeu_si512(dst.add(at) as *mut __m512i, v);
        }
        at += 8;
    }
    (bad == 0).then_some(whole)
}

/// Off x86-64 there is no vector loop ([`vectors_for`] is always `false`).
#[cfg(not(target_arch = "x86_64"))]
unsafe fn lanes<T: Copy, const TWO: bool, const ADD: bool>(
    _: &[T],
    _: &[T],
    _: &[u32],
    _: *mut T,
) -> Option<usize> {
    Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_around_a_vector_gathers_like_indexing() {
        let values: Vec<i64> = (0..40).map(|i| i * 3 - 7).collect();
        for n in 0..27 {
            let positions: Vec<u32> = (0..n).map(|k| (k * 7 + 3) % 40).collect();
            let want: Vec<i64> = positions.iter().map(|&p| values[p as usize]).collect();
            assert_eq!(gather_portable(&values, &positions), Some(want.clone()));
            assert_eq!(gather(&values, &positions), Some(want), "{n} positions");
        }
    }

    #[test]
    fn gathers_from_two_buffers_like_indexing_their_concatenation() {
        let (a, b): (Vec<i64>, Vec<i64>) = ((0..13).collect(), (100..120).collect());
        let both: Vec<i64> = a.iter().chain(&b).copied().collect();
        for n in 0..27u32 {
            let positions: Vec<u32> = (0..n).map(|k| (k * 11 + 4) % 33).collect();
            let want: Vec<i64> = positions.iter().map(|&p| both[p as usize]).collect();
            assert_eq!(gather_two(&a, &b, &positions), Some(want.clone()), "{n}");
            assert_eq!(gather_two_portable(&a, &b, &positions), Some(want));
            if n > 0 {
                let mut bad = positions.clone();
                bad[(n as usize * 5 + 3) % n as usize] = 33;
                assert_eq!(gather_two(&a, &b, &bad), None, "{n}");
                assert_eq!(gather_two_portable(&a, &b, &bad), None);
            }
        }
    }

    #[test]
    fn gathers_into_and_adds_like_indexing_at_every_length() {
        let values: Vec<f64> = (0..40).map(|i| i as f64 * 0.37 - 3.0).collect();
        for n in 0..27 {
            let a: Vec<u32> = (0..n).map(|k| (k * 7 + 3) % 40).collect();
            let b: Vec<u32> = (0..n).map(|k| (k * 11 + 5) % 40).collect();
            let want: Vec<f64> = a
                .iter()
                .zip(&b)
                .map(|(&p, &q)| values[p as usize] + values[q as usize])
                .collect();
            let mut out = vec![0.0; n as usize];
            assert!(gather_into::<false>(&values, &a, &mut out));
            assert!(gather_into::<true>(&values, &b, &mut out));
            assert_eq!(out, want, "{n} positions");
            let mut portable = vec![0.0; n as usize];
            assert!(gather_into_portable::<false>(&values, &a, &mut portable));
            assert!(gather_into_portable::<true>(&values, &b, &mut portable));
            assert_eq!(portable, want);
        }
    }

    #[test]
    fn gathering_into_refuses_a_bad_position_anywhere_and_other_lengths() {
        let values = [0.5; 9];
        let mut out = [0.0; 9];
        for bad in 0..9 {
            let mut p = [0u32, 1, 2, 3, 4, 5, 6, 7, 8];
            p[bad] = 9;
            assert!(!gather_into::<false>(&values, &p, &mut out), "bad at {bad}");
        }
        assert!(!gather_into::<false>(&values, &[0, 1], &mut out));
    }

    #[test]
    fn a_position_past_the_end_is_refused_in_a_vector_and_in_the_tail() {
        assert_eq!(gather(&[0.5; 9], &[0, 1, 2, 9, 4, 5, 6, 7, 8]), None);
        assert_eq!(gather_portable(&[0.5; 9], &[0, 1, 2, 9]), None);
        assert_eq!(
            gather(&[0i64; 3], &[0, 1, 2, 0, 1, 2, 0, 1, 4_000_000_000]),
            None
        );
    }
}
