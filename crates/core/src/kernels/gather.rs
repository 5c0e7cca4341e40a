//! Loading the values at a list of positions: the copy behind [`crate::column::Col::take`]
//! (pairs' sides, items of kept lists, the k-th item).
//!
//! A load per position with a bounds check each was the portable loop; with AVX-512 the
//! positions are checked eight at a time against the length and the values loaded by one masked
//! gather (`vpgatherdq`) per eight, so a bad position costs nothing until the end, where it is
//! reported exactly as slice indexing would.

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
    const { assert!(std::mem::size_of::<T>() == 8) };
    match Isa::detect() {
        // The vector gather's offsets are signed 32-bit: longer buffers take the portable loop.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if values.len() <= i32::MAX as usize => {
            let mut out: Vec<T> = Vec::with_capacity(positions.len());
            // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it; `out` has room for
            // `positions.len()` values; `values` is shorter than 2^31.
            if unsafe { gather_avx512(values, positions, out.as_mut_ptr()) } {
                return None;
            }
            // SAFETY: every slot below `positions.len()` was written (no position was bad).
            unsafe { out.set_len(positions.len()) };
            Some(out)
        }
        _ => gather_portable(values, positions),
    }
}

/// [`gather`] one position at a time (CPUs without AVX-512, buffers of 2^31 values or more).
fn gather_portable<T: Copy>(values: &[T], positions: &[u32]) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(positions.len());
    for &p in positions {
        out.push(*values.get(p as usize)?);
    }
    Some(out)
}

/// Writes `values[positions[k]]` to `out[k]` for every `k`, eight at a time; returns whether a
/// position was out of bounds (its slot is then zero or unwritten).
///
/// # Safety
/// The CPU has AVX-512F and VL; `out` has room for `positions.len()` values;
/// `values.len() <= i32::MAX`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn gather_avx512<T: Copy>(values: &[T], positions: &[u32], out: *mut T) -> bool {
    use std::arch::x86_64::{
        __m256i, __m512i, _mm256_cmplt_epu32_mask, _mm256_loadu_si256, _mm256_set1_epi32,
        _mm512_mask_i32gather_epi64, _mm512_setzero_si512, _mm512_storeu_si512,
    };
    let base = values.as_ptr() as *const i64;
    let dst = out as *mut i64;
    let len = values.len() as i32;
    let limit = _mm256_set1_epi32(len);
    let whole = positions.len() / 8 * 8;
    let mut bad = 0u8;
    let mut at = 0;
    while at < whole {
        // SAFETY: `at + 8 <= positions.len()`; the gather loads only lanes whose position is
        // below `values.len()` (the mask), and `out` has room for `positions.len()` values.
        unsafe {
            let p = _mm256_loadu_si256(positions.as_ptr().add(at) as *const __m256i);
            let inside = _mm256_cmplt_epu32_mask(p, limit);
            bad |= !inside;
            let v = _mm512_mask_i32gather_epi64::<8>(_mm512_setzero_si512(), inside, p, base);
            _mm512_storeu_si512(dst.add(at) as *mut __m512i, v);
        }
        at += 8;
    }
    if bad != 0 {
        return true;
    }
    for (k, &p) in positions.iter().enumerate().skip(whole) {
        let Some(&v) = values.get(p as usize) else {
            return true;
        };
        // SAFETY: `k < positions.len()`, within `out`'s room.
        unsafe { *out.add(k) = v };
    }
    false
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
    const { assert!(std::mem::size_of::<T>() == 8) };
    match Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if a.len() <= i32::MAX as usize && b.len() <= i32::MAX as usize => {
            let mut out: Vec<T> = Vec::with_capacity(positions.len());
            // SAFETY: as in `gather`: AVX-512 present, room for every position, both buffers
            // shorter than 2^31.
            if unsafe { gather_two_avx512(a, b, positions, out.as_mut_ptr()) } {
                return None;
            }
            // SAFETY: every slot below `positions.len()` was written (no position was bad).
            unsafe { out.set_len(positions.len()) };
            Some(out)
        }
        _ => gather_two_portable(a, b, positions),
    }
}

/// [`gather_two`] one position at a time.
fn gather_two_portable<T: Copy>(a: &[T], b: &[T], positions: &[u32]) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(positions.len());
    for &p in positions {
        let p = p as usize;
        out.push(match p.checked_sub(a.len()) {
            None => a[p],
            Some(q) => *b.get(q)?,
        });
    }
    Some(out)
}

/// [`gather_two`] eight positions at a time: two masked gathers, one per buffer; returns
/// whether a position was past both.
///
/// # Safety
/// The CPU has AVX-512F and VL; `out` has room for `positions.len()` values; `a` and `b` are
/// shorter than 2^31.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn gather_two_avx512<T: Copy>(a: &[T], b: &[T], positions: &[u32], out: *mut T) -> bool {
    use std::arch::x86_64::{
        __m256i, __m512i, _mm256_cmplt_epu32_mask, _mm256_loadu_si256, _mm256_set1_epi32,
        _mm256_sub_epi32, _mm512_mask_i32gather_epi64, _mm512_setzero_si512, _mm512_storeu_si512,
    };
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
        // inside its buffer (the masks), and `out` has room for `positions.len()` values.
        unsafe {
            let p = _mm256_loadu_si256(positions.as_ptr().add(at) as *const __m256i);
            let in_a = _mm256_cmplt_epu32_mask(p, len_a);
            let q = _mm256_sub_epi32(p, len_a);
            let in_b = !in_a & _mm256_cmplt_epu32_mask(q, len_b);
            bad |= !(in_a | in_b);
            let v = _mm512_mask_i32gather_epi64::<8>(_mm512_setzero_si512(), in_a, p, base_a);
            let v = _mm512_mask_i32gather_epi64::<8>(v, in_b, q, base_b);
            _mm512_storeu_si512(dst.add(at) as *mut __m512i, v);
        }
        at += 8;
    }
    if bad != 0 {
        return true;
    }
    let Some(tail) = gather_two_portable(a, b, &positions[whole..]) else {
        return true;
    };
    // SAFETY: `whole + tail.len() == positions.len()`, within `out`'s room.
    unsafe { std::ptr::copy_nonoverlapping(tail.as_ptr(), out.add(whole), tail.len()) };
    false
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
    if out.len() != positions.len() {
        return false;
    }
    match Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if values.len() <= i32::MAX as usize => {
            // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it; `out` is as long as
            // `positions`; `values` is shorter than 2^31.
            unsafe { gather_into_avx512::<ADD>(values, positions, out) }
        }
        _ => gather_into_portable::<ADD>(values, positions, out),
    }
}

/// [`gather_into`] one position at a time.
fn gather_into_portable<const ADD: bool>(
    values: &[f64],
    positions: &[u32],
    out: &mut [f64],
) -> bool {
    for (o, &p) in out.iter_mut().zip(positions) {
        let Some(&v) = values.get(p as usize) else {
            return false;
        };
        *o = if ADD { *o + v } else { v };
    }
    true
}

/// [`gather_into`] eight positions at a time, checked against the length by a mask as
/// [`gather_avx512`] does.
///
/// # Safety
/// The CPU has AVX-512F and VL; `out.len() == positions.len()`; `values.len() <= i32::MAX`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn gather_into_avx512<const ADD: bool>(
    values: &[f64],
    positions: &[u32],
    out: &mut [f64],
) -> bool {
    use std::arch::x86_64::{
        __m256i, _mm256_cmplt_epu32_mask, _mm256_loadu_si256, _mm256_set1_epi32, _mm512_add_pd,
        _mm512_loadu_pd, _mm512_mask_i32gather_pd, _mm512_setzero_pd, _mm512_storeu_pd,
    };
    let base = values.as_ptr();
    let limit = _mm256_set1_epi32(values.len() as i32);
    let whole = positions.len() / 8 * 8;
    let mut bad = 0u8;
    let mut at = 0;
    while at < whole {
        // SAFETY: `at + 8 <= positions.len() == out.len()`; the gather loads only lanes whose
        // position is below `values.len()` (the mask).
        unsafe {
            let p = _mm256_loadu_si256(positions.as_ptr().add(at) as *const __m256i);
            let inside = _mm256_cmplt_epu32_mask(p, limit);
            bad |= !inside;
            let mut v = _mm512_mask_i32gather_pd::<8>(_mm512_setzero_pd(), inside, p, base);
            if ADD {
                v = _mm512_add_pd(_mm512_loadu_pd(out.as_ptr().add(at)), v);
            }
            _mm512_storeu_pd(out.as_mut_ptr().add(at), v);
        }
        at += 8;
    }
    bad == 0 && gather_into_portable::<ADD>(values, &positions[whole..], &mut out[whole..])
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
