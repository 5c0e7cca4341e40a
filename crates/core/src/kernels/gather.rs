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
    fn a_position_past_the_end_is_refused_in_a_vector_and_in_the_tail() {
        assert_eq!(gather(&[0.5; 9], &[0, 1, 2, 9, 4, 5, 6, 7, 8]), None);
        assert_eq!(gather_portable(&[0.5; 9], &[0, 1, 2, 9]), None);
        assert_eq!(
            gather(&[0i64; 3], &[0, 1, 2, 0, 1, 2, 0, 1, 4_000_000_000]),
            None
        );
    }
}
