//! Bitmap kernels along jagged offsets: set bits counted per list by rank queries (a running
//! popcount per 64-bit word, then one lookup and one popcount per offset), never element by
//! element. A mask's per-event counts, its `any`/`all` and the offsets of what it keeps all come
//! from the same table.

use arrow_buffer::BooleanBuffer;

/// How many bits of a bitmap are set before each position.
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// use rask_core::kernels::Ranks;
/// let bits = BooleanBuffer::from_iter([true, false, true, true]);
/// let ranks = Ranks::new(&bits);
/// assert_eq!((0..=4).map(|p| ranks.rank(p)).collect::<Vec<_>>(), vec![0, 1, 1, 2, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct Ranks {
    /// The bitmap's bits, 64 per word (the last word holds the remainder).
    words: Vec<u64>,
    /// Set bits in the words before each word.
    before: Vec<u64>,
    len: usize,
}

impl Ranks {
    /// The rank table of `bits` (one pass over its words).
    pub fn new(bits: &BooleanBuffer) -> Ranks {
        let chunks = bits.bit_chunks();
        let mut words = Vec::with_capacity(bits.len() / 64 + 1);
        words.extend(chunks.iter());
        words.push(chunks.remainder_bits());
        let mut before = Vec::with_capacity(words.len());
        let mut total = 0u64;
        for w in &words {
            before.push(total);
            total += u64::from(w.count_ones());
        }
        Ranks {
            words,
            before,
            len: bits.len(),
        }
    }

    /// Set bits among positions `0..p`; `p` past the end counts the whole bitmap.
    #[inline]
    pub fn rank(&self, p: usize) -> u64 {
        let p = p.min(self.len);
        let (w, b) = (p >> 6, p & 63);
        // `words` has `len / 64 + 1` entries, so `w` is always in range.
        self.before[w] + u64::from((self.words[w] & ((1u64 << b) - 1)).count_ones())
    }

    /// The rank of every position of `positions` (positions past the end count the whole bitmap):
    /// eight at a time with AVX-512 (two gathers and a vector popcount) where the CPU has it.
    ///
    /// ```
    /// use arrow_buffer::BooleanBuffer;
    /// use rask_core::kernels::Ranks;
    /// let ranks = Ranks::new(&BooleanBuffer::from_iter([true, false, true, true]));
    /// assert_eq!(ranks.ranks_at(&[0, 1, 4, 2]), vec![0, 1, 3, 1]);
    /// ```
    pub fn ranks_at(&self, positions: &[i32]) -> Vec<u64> {
        if positions.iter().all(|&p| p >= 0 && p as usize <= self.len) {
            return self.ranks_within(Within {
                offsets: positions,
                len: self.len,
            });
        }
        positions
            .iter()
            .map(|&p| self.rank(p.max(0) as usize))
            .collect()
    }

    /// [`Ranks::ranks_at`] of positions already found inside the bitmap (not checked again).
    fn ranks_within(&self, positions: Within<'_>) -> Vec<u64> {
        let mut out = Vec::with_capacity(positions.offsets.len());
        #[cfg(target_arch = "x86_64")]
        if positions.len == self.len && has_vector_popcount() {
            // SAFETY: the CPU has AVX-512F and VPOPCNTDQ; every position is in `0..=len`
            // (what a `Within` of this length holds), so its word is one of the
            // `len / 64 + 1` words.
            unsafe { ranks_avx512(self, positions.offsets, &mut out) };
            return out;
        }
        out.extend(
            positions
                .offsets
                .iter()
                .map(|&p| self.rank(p.max(0) as usize)),
        );
        out
    }
}

/// Positions found inside a bitmap of `len` bits (each in `0..=len`).
#[derive(Debug, Clone, Copy)]
struct Within<'a> {
    offsets: &'a [i32],
    len: usize,
}

/// Whether this CPU counts bits eight words at a time (AVX-512 VPOPCNTDQ).
#[cfg(target_arch = "x86_64")]
fn has_vector_popcount() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        crate::isa::Isa::detect() == crate::isa::Isa::Avx512
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
    })
}

/// [`Ranks::ranks_at`] eight positions at a time, the rest one by one.
///
/// # Safety
/// The CPU has AVX-512F and VPOPCNTDQ; every position is in `0..=ranks.len`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn ranks_avx512(ranks: &Ranks, positions: &[i32], out: &mut Vec<u64>) {
    use std::arch::x86_64::*;
    let (eights, rest) = positions.as_chunks::<8>();
    let (words, before) = (ranks.words.as_ptr(), ranks.before.as_ptr());
    let (one, low6) = (_mm512_set1_epi64(1), _mm512_set1_epi64(63));
    for eight in eights {
        // SAFETY: `eight` is 8 readable i32s; the word indices `p >> 6` are at most
        // `len / 64`, inside `words` and `before` (both `len / 64 + 1` long).
        let r = unsafe {
            let p = _mm512_cvtepu32_epi64(_mm256_loadu_si256(eight.as_ptr() as *const __m256i));
            let w = _mm512_srli_epi64::<6>(p);
            let below = _mm512_sub_epi64(_mm512_sllv_epi64(one, _mm512_and_si512(p, low6)), one);
            let word = _mm512_i64gather_epi64::<8>(w, words as *const i64);
            let base = _mm512_i64gather_epi64::<8>(w, before as *const i64);
            _mm512_add_epi64(base, _mm512_popcnt_epi64(_mm512_and_si512(word, below)))
        };
        let mut lanes = [0u64; 8];
        // SAFETY: `lanes` is 64 writable bytes.
        unsafe { _mm512_storeu_si512(lanes.as_mut_ptr() as *mut __m512i, r) };
        out.extend_from_slice(&lanes);
    }
    out.extend(rest.iter().map(|&p| ranks.rank(p as usize)));
}

/// Per list of `offsets` (absolute positions into `bits`), how many of its bits are set; `None`
/// when a list reaches past the bitmap.
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// let bits = BooleanBuffer::from_iter([true, false, true, true, false]);
/// assert_eq!(rask_core::kernels::count_set(&[0, 2, 2, 5], &bits), Some(vec![1, 0, 2]));
/// ```
pub fn count_set(offsets: &[i32], bits: &BooleanBuffer) -> Option<Vec<i64>> {
    let ranks = Ranks::new(bits).ranks_within(within(offsets, bits)?);
    Some(ranks.windows(2).map(|w| (w[1] - w[0]) as i64).collect())
}

/// Per list: is any of its bits set (`all = false`), or every one (`all = true`, so empty lists
/// give true)? `None` when a list reaches past the bitmap.
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// let bits = BooleanBuffer::from_iter([true, false, true, true]);
/// let o = [0, 2, 2, 4];
/// assert_eq!(rask_core::kernels::any_all_set(&o, &bits, false), Some(vec![true, false, true]));
/// assert_eq!(rask_core::kernels::any_all_set(&o, &bits, true), Some(vec![false, true, true]));
/// ```
pub fn any_all_set(offsets: &[i32], bits: &BooleanBuffer, all: bool) -> Option<Vec<bool>> {
    let counts = count_set(offsets, bits)?;
    Some(
        counts
            .iter()
            .zip(offsets.windows(2))
            .map(|(&n, w)| {
                if all {
                    n == i64::from(w[1] - w[0])
                } else {
                    n > 0
                }
            })
            .collect(),
    )
}

/// The offsets after keeping the set bits of each list: `out[i]` = set bits between
/// `offsets[0]` and `offsets[i]`. `None` when a list reaches past the bitmap.
pub(crate) fn kept_offsets_of(offsets: &[i32], bits: &BooleanBuffer) -> Option<Vec<i32>> {
    let ranks = Ranks::new(bits).ranks_within(within(offsets, bits)?);
    let base = ranks.first().copied().unwrap_or(0);
    // Fewer set bits than positions, and offsets fit i32: every rank difference fits i32.
    Some(ranks.iter().map(|&r| (r - base) as i32).collect())
}

/// The offsets, when they are non-negative, non-decreasing and inside `bits`.
fn within<'a>(offsets: &'a [i32], bits: &BooleanBuffer) -> Option<Within<'a>> {
    let ordered = offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    let inside = ordered
        && offsets.first().is_none_or(|&o| o >= 0)
        && offsets.last().is_none_or(|&o| o as usize <= bits.len());
    inside.then_some(Within {
        offsets,
        len: bits.len(),
    })
}

/// Keeps `values[k]` where bit `k` of `words` is set (64 bits a word, the lowest first, as
/// Arrow packs them) and writes `otherwise` where it is clear: `where(cond, values, otherwise)`
/// in place, eight values per masked blend with AVX-512.
///
/// ```
/// let mut v = [1.0, 2.0, 3.0];
/// rask_core::kernels::bits::keep_where_set(&mut v, [0b101], f64::INFINITY);
/// assert_eq!(v, [1.0, f64::INFINITY, 3.0]);
/// ```
pub fn keep_where_set(values: &mut [f64], words: impl IntoIterator<Item = u64>, otherwise: f64) {
    match crate::isa::Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it.
        crate::isa::Isa::Avx512 => unsafe { keep_where_set_avx512(values, words, otherwise) },
        _ => keep_where_set_portable(values, words, otherwise),
    }
}

/// [`keep_where_set`] a value at a time.
fn keep_where_set_portable(
    values: &mut [f64],
    words: impl IntoIterator<Item = u64>,
    otherwise: f64,
) {
    for (block, word) in values.chunks_mut(64).zip(words) {
        for (k, v) in block.iter_mut().enumerate() {
            if word >> k & 1 == 0 {
                *v = otherwise;
            }
        }
    }
}

/// [`keep_where_set`], whole words as eight masked blends.
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn keep_where_set_avx512(
    values: &mut [f64],
    words: impl IntoIterator<Item = u64>,
    otherwise: f64,
) {
    use std::arch::x86_64::{
        _mm512_loadu_pd, _mm512_mask_blend_pd, _mm512_set1_pd, _mm512_storeu_pd,
    };
    let fill = _mm512_set1_pd(otherwise);
    for (block, word) in values.chunks_mut(64).zip(words) {
        if block.len() < 64 {
            keep_where_set_portable(block, [word], otherwise);
            continue;
        }
        for j in 0..8 {
            // SAFETY: the block holds 64 values, so values `8 j .. 8 j + 8` are inside it.
            unsafe {
                let at = block.as_mut_ptr().add(8 * j);
                let kept = _mm512_mask_blend_pd((word >> (8 * j)) as u8, fill, _mm512_loadu_pd(at));
                _mm512_storeu_pd(at, kept);
            }
        }
    }
}

#[cfg(test)]
mod keep_tests {
    use super::*;

    #[test]
    fn keeps_the_set_bits_values_at_every_length() {
        for n in 0..200usize {
            let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let words: Vec<u64> = (0..n.div_ceil(64) as u64)
                .map(|w| 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(w + 1))
                .collect();
            let want: Vec<f64> = (0..n)
                .map(|i| {
                    if words[i / 64] >> (i % 64) & 1 == 1 {
                        i as f64
                    } else {
                        -1.0
                    }
                })
                .collect();
            let mut got = values.clone();
            keep_where_set(&mut got, words.iter().copied(), -1.0);
            assert_eq!(got, want, "{n} values");
            let mut portable = values;
            keep_where_set_portable(&mut portable, words.iter().copied(), -1.0);
            assert_eq!(portable, want);
        }
    }
}
