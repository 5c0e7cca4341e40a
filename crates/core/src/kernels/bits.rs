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
    if !within(offsets, bits) {
        return None;
    }
    let ranks = Ranks::new(bits);
    let mut prev = ranks.rank(offsets.first().map_or(0, |&o| o as usize));
    Some(
        offsets
            .iter()
            .skip(1)
            .map(|&o| {
                let r = ranks.rank(o as usize);
                let n = r - prev;
                prev = r;
                n as i64
            })
            .collect(),
    )
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
    if !within(offsets, bits) {
        return None;
    }
    let ranks = Ranks::new(bits);
    let base = ranks.rank(offsets.first().map_or(0, |&o| o as usize));
    // Fewer set bits than positions, and offsets fit i32: every rank difference fits i32.
    Some(
        offsets
            .iter()
            .map(|&o| (ranks.rank(o as usize) - base) as i32)
            .collect(),
    )
}

/// Offsets non-negative, non-decreasing and inside `bits`.
fn within(offsets: &[i32], bits: &BooleanBuffer) -> bool {
    let ordered = offsets.windows(2).fold(true, |ok, w| ok & (w[0] <= w[1]));
    ordered
        && offsets.first().is_none_or(|&o| o >= 0)
        && offsets.last().is_none_or(|&o| o as usize <= bits.len())
}
