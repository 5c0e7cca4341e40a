//! Keeping the values whose bit is set, in order: the copy behind every event cut
//! ([`crate::column::Col::compress`]).
//!
//! A cut used to gather by index (an index per kept value, made first, then a load per index);
//! here the values are read in order, eight at a time, and the kept ones packed together
//! (AVX-512's `vpcompressq` on x86-64, a walk over the set bits elsewhere), with no index list.

use arrow_buffer::BooleanBuffer;

use crate::isa::Isa;

/// The values (8 bytes each: `f64`, `i64`, `u64`) whose bit in `keep` is set, in order;
/// `None` when `keep` is longer than `values`.
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// let keep = BooleanBuffer::from_iter([true, false, false, true, true]);
/// let kept = rask_core::kernels::compress::compress(&[1.0, 2.0, 3.0, 4.0, 5.0], &keep);
/// assert_eq!(kept, Some(vec![1.0, 4.0, 5.0]));
/// ```
pub fn compress<T: Copy>(values: &[T], keep: &BooleanBuffer) -> Option<Vec<T>> {
    const { assert!(std::mem::size_of::<T>() == 8) };
    if keep.len() > values.len() {
        return None;
    }
    let kept = keep.count_set_bits();
    // Eight slots beyond the kept values: the vector path stores eight lanes at a time.
    let mut out: Vec<T> = Vec::with_capacity(kept + 8);
    let written = match Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it; `out` has room for
        // `kept` values (the set bits) plus eight.
        Isa::Avx512 => unsafe { compress_avx512(values, keep, out.as_mut_ptr()) },
        _ => {
            out.extend(keep.set_indices().map(|i| values[i]));
            out.len()
        }
    };
    debug_assert_eq!(written, kept);
    // SAFETY: the first `kept` slots were written (one per set bit), and `kept` fits the capacity.
    unsafe { out.set_len(written.min(kept)) };
    Some(out)
}

/// A bitmap of `len` bits with exactly the bits of `runs` set (runs in order, not overlapping,
/// inside `len`): the items of kept lists, for [`compress`].
///
/// ```
/// let bits = rask_core::kernels::compress::bits_of_runs([1..3, 3..3, 4..5], 6);
/// assert_eq!(bits.iter().collect::<Vec<_>>(), [false, true, true, false, true, false]);
/// ```
pub fn bits_of_runs(
    runs: impl IntoIterator<Item = std::ops::Range<usize>>,
    len: usize,
) -> BooleanBuffer {
    // A few word operations per run (the items of a kept list, often a handful): the first and
    // last words masked in, whole words between set.
    let mut words = vec![0u64; len.div_ceil(64)];
    for r in runs {
        let (start, end) = (r.start, r.end.min(len));
        if start >= end {
            continue;
        }
        let (first, last) = (start / 64, (end - 1) / 64);
        let head = u64::MAX << (start % 64);
        let tail = u64::MAX >> (63 - (end - 1) % 64);
        if first == last {
            words[first] |= head & tail;
        } else {
            words[first] |= head;
            words[first + 1..last].fill(u64::MAX);
            words[last] |= tail;
        }
    }
    BooleanBuffer::new(arrow_buffer::Buffer::from_vec(words), 0, len)
}

/// Packs the values of `values` whose bit in `keep` is set into `out`, a byte of bits at a
/// time; returns how many it wrote. Lanes past the kept ones in a store are garbage that the
/// next store (or the final length) overwrites or leaves out.
///
/// # Safety
/// The CPU has AVX-512F; `out` has room for `keep.count_set_bits() + 8` values; `keep` is no
/// longer than `values`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
unsafe fn compress_avx512<T: Copy>(values: &[T], keep: &BooleanBuffer, out: *mut T) -> usize {
    use std::arch::x86_64::_mm512_storeu_si512;
    use std::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_maskz_compress_epi64};
    let chunks = keep.inner().bit_chunks(keep.offset(), keep.len());
    let src = values.as_ptr() as *const i64;
    let dst = out as *mut i64;
    let mut w = 0usize;
    let mut at = 0usize;
    for word in chunks.iter() {
        // Whole words kept or dropped (the items of runs of kept or cut lists) need no packing.
        if word == u64::MAX {
            // SAFETY: as below, for 64 values: `at + 64 <= keep.len() <= values.len()` and
            // `w + 64` fits `out`.
            unsafe { std::ptr::copy_nonoverlapping(src.add(at), dst.add(w), 64) };
            (w, at) = (w + 64, at + 64);
            continue;
        }
        if word == 0 {
            at += 64;
            continue;
        }
        for byte in word.to_le_bytes() {
            if byte != 0 {
                // SAFETY: `at + 8 <= 64 * chunks <= keep.len() <= values.len()`: a whole chunk
                // of eight values is in bounds; `w + 8` fits `out` (w counts set bits so far).
                unsafe {
                    let v = _mm512_loadu_si512(src.add(at) as *const __m512i);
                    let packed = _mm512_maskz_compress_epi64(byte, v);
                    _mm512_storeu_si512(dst.add(w) as *mut __m512i, packed);
                }
                w += byte.count_ones() as usize;
            }
            at += 8;
        }
    }
    let rest = chunks.remainder_bits();
    for k in 0..chunks.remainder_len() {
        if rest >> k & 1 == 1 {
            // SAFETY: `at + k < keep.len() <= values.len()`; `w` is below the set-bit count.
            unsafe { *dst.add(w) = *src.add(at + k) };
            w += 1;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sliced_mask_keeps_from_its_offset() -> Result<(), Box<dyn std::error::Error>> {
        let bits = BooleanBuffer::from_iter((0..200).map(|i| i % 3 == 0 || i % 7 == 1));
        let keep = bits.slice(5, 130);
        let values: Vec<i64> = (0..130).collect();
        let want: Vec<i64> = (0..130).filter(|&i| keep.value(i as usize)).collect();
        assert_eq!(compress(&values, &keep).ok_or("too long")?, want);
        Ok(())
    }

    #[test]
    fn whole_words_kept_or_dropped_are_copied_or_skipped_in_order() {
        // Runs of 64 and more set and clear bits between scattered ones, not word-aligned
        // after the slice.
        let bits = BooleanBuffer::from_iter(
            (0..1000).map(|i| (100..300).contains(&i) || i % 5 == 0 && i > 600),
        );
        for offset in [0, 3] {
            let keep = bits.slice(offset, 1000 - offset);
            let values: Vec<u64> = (0..1000 - offset as u64).map(|v| v * 7).collect();
            let want: Vec<u64> = (0..keep.len())
                .filter(|&i| keep.value(i))
                .map(|i| values[i])
                .collect();
            assert_eq!(compress(&values, &keep), Some(want), "offset {offset}");
        }
    }

    #[test]
    fn runs_set_exactly_their_bits_within_and_across_words() {
        let runs = [0..1, 3..3, 5..64, 64..70, 100..300, 300..301, 399..400];
        let bits = bits_of_runs(runs.clone(), 400);
        let want: Vec<bool> = (0..400)
            .map(|i| runs.iter().any(|r| r.contains(&i)))
            .collect();
        assert_eq!(bits.iter().collect::<Vec<_>>(), want);
        assert_eq!(
            bits_of_runs([2..9], 5).iter().collect::<Vec<_>>(),
            [false, false, true, true, true]
        );
    }

    #[test]
    fn a_mask_longer_than_the_values_is_refused() {
        let keep = BooleanBuffer::from_iter([true; 3]);
        assert_eq!(compress(&[1i64, 2], &keep), None);
    }
}
