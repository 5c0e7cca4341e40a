//! Jagged kernels: free functions over Arrow-style offsets (`offsets[i]..offsets[i + 1]` are the
//! elements of event `i`, as absolute positions in the values buffer) and whole value buffers.
//!
//! They return index vectors (absolute positions into the input values) rather than values, so
//! one kernel serves every element type: the caller gathers numbers, records or nested lists with
//! one `take`. No kernel allocates per event.

use std::cmp::Ordering;

use thiserror::Error;

/// What a jagged kernel can refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KernelError {
    /// An index outside its list (negative indices count from the end, as in Python).
    #[error("event {event}: index {index} out of range for a list of length {len}")]
    IndexOutOfRange {
        event: usize,
        index: i64,
        len: usize,
    },
    /// Two lists that must have equal lengths per event do not.
    #[error("event {event}: lists of different lengths ({a} and {b})")]
    LengthMismatch { event: usize, a: usize, b: usize },
    /// Two operands with different numbers of events.
    #[error("operands with {a} and {b} events")]
    EventCount { a: usize, b: usize },
    /// The output would not fit 32-bit offsets.
    #[error("more than 2^31 - 1 elements in one partition ({what}); use smaller partitions")]
    TooLarge { what: &'static str },
    /// An index past the end of what it indexes (an internal inconsistency between buffers).
    #[error("{what}: index {index} past the end ({len})")]
    OutOfBounds {
        what: &'static str,
        index: usize,
        len: usize,
    },
}

pub(crate) type Res<T> = Result<T, KernelError>;

pub(crate) fn range(offsets: &[i32], i: usize) -> std::ops::Range<usize> {
    offsets[i] as usize..offsets[i + 1] as usize
}

pub(crate) fn events(offsets: &[i32]) -> usize {
    offsets.len().saturating_sub(1)
}

fn checked_offset(total: usize, what: &'static str) -> Res<i32> {
    i32::try_from(total).map_err(|_| KernelError::TooLarge { what })
}

/// Offsets from per-event lengths, starting at 0.
///
/// ```
/// assert_eq!(rask_core::kernels::offsets_from_lengths([2, 0, 3]).unwrap(), vec![0, 2, 2, 5]);
/// ```
pub fn offsets_from_lengths(lengths: impl IntoIterator<Item = usize>) -> Res<Vec<i32>> {
    let it = lengths.into_iter();
    let mut out = Vec::with_capacity(it.size_hint().0 + 1);
    out.push(0i32);
    // The running total never decreases: when the last fits an offset, every one before it
    // did, so it is checked once, at the end (no branch per list).
    let mut total = 0usize;
    for n in it {
        total = total.saturating_add(n);
        out.push(total as i32);
    }
    checked_offset(total, "list lengths")?;
    Ok(out)
}

/// The number of elements of every list.
///
/// ```
/// assert_eq!(rask_core::kernels::counts(&[0, 2, 2, 5]), vec![2, 0, 3]);
/// ```
pub fn counts(offsets: &[i32]) -> Vec<i64> {
    // Two shifted slices rather than `windows(2)`: the loop vectorises.
    let ends = offsets.get(1..).unwrap_or(&[]);
    ends.iter()
        .zip(offsets)
        .map(|(&b, &a)| (b - a) as i64)
        .collect()
}

/// For every element, the index of its event (the "parents" of awkward).
///
/// ```
/// assert_eq!(rask_core::kernels::parents(&[0, 2, 2, 3]), vec![0, 0, 2]);
/// ```
pub fn parents(offsets: &[i32]) -> Vec<u32> {
    let first = offsets.first().copied().unwrap_or(0) as usize;
    let last = offsets.last().copied().unwrap_or(0) as usize;
    let mut out = Vec::with_capacity(last - first);
    for (e, w) in offsets.windows(2).enumerate() {
        out.extend(std::iter::repeat_n(e as u32, (w[1] - w[0]) as usize));
    }
    out
}

/// For every element, its position inside its list.
///
/// ```
/// assert_eq!(rask_core::kernels::local_index(&[0, 2, 2, 3]), vec![0, 1, 0]);
/// ```
pub fn local_index(offsets: &[i32]) -> Vec<i64> {
    let mut out = Vec::with_capacity(offsets.last().copied().unwrap_or(0) as usize);
    for w in offsets.windows(2) {
        out.extend(0..(w[1] - w[0]) as i64);
    }
    out
}

/// Flat indices into lists with `offsets`, as positions within their lists: index `flat[i]`
/// lies in list `parents[i]` (as [`parents`] gives them for the lists that hold the indices).
///
/// ```
/// // Lists [a, b] and [c, d, e]: the flat indices 1, 3, 4 are b, d, e.
/// assert_eq!(rask_core::kernels::local_positions(&[1, 3, 4], &[0, 1, 1], &[0, 2, 5]), vec![1, 1, 2]);
/// ```
pub fn local_positions(flat: &[u32], parents: &[u32], offsets: &[i32]) -> Vec<i64> {
    flat.iter()
        .zip(parents)
        .map(|(&k, &e)| k as i64 - offsets[e as usize] as i64)
        .collect()
}

/// Tuples drawn from lists: the offsets of the tuple lists and, per slot, the absolute index of
/// the slot's element for every tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuples {
    pub offsets: Vec<i32>,
    pub slots: Vec<Vec<u32>>,
}

/// The pairs (a, b) of every event's two lists, `a` major, like `ak.cartesian([a, b])`.
///
/// ```
/// let t = rask_core::kernels::cartesian(&[0, 2], &[0, 1]).unwrap();
/// assert_eq!(t.slots, vec![vec![0, 1], vec![0, 0]]);
/// ```
pub fn cartesian(a: &[i32], b: &[i32]) -> Res<Tuples> {
    if a.len() != b.len() {
        return Err(KernelError::EventCount {
            a: events(a),
            b: events(b),
        });
    }
    let offsets = offsets_from_lengths(
        a.windows(2)
            .zip(b.windows(2))
            .map(|(x, y)| (x[1] - x[0]) as usize * (y[1] - y[0]) as usize),
    )?;
    let total = *offsets.last().unwrap_or(&0) as usize;
    let mut slots = vec![Vec::with_capacity(total), Vec::with_capacity(total)];
    for e in 0..events(a) {
        for i in range(a, e) {
            for j in range(b, e) {
                slots[0].push(i as u32);
                slots[1].push(j as u32);
            }
        }
    }
    Ok(Tuples { offsets, slots })
}

/// The nested cartesian product: for every element of `a`, the list of its pairs with `b`
/// (`ak.cartesian([a, b], nested=True)`). Returns the inner offsets (one list per element of
/// `a`) and the pairs, as in [`cartesian`].
///
/// ```
/// let (inner, t) = rask_core::kernels::cartesian_nested(&[0, 2], &[0, 1]).unwrap();
/// assert_eq!(inner, vec![0, 1, 2]);
/// assert_eq!(t.slots, vec![vec![0, 1], vec![0, 0]]);
/// ```
pub fn cartesian_nested(a: &[i32], b: &[i32]) -> Res<(Vec<i32>, Tuples)> {
    let flat = cartesian(a, b)?;
    let mut lengths = Vec::with_capacity(a.last().copied().unwrap_or(0) as usize);
    for e in 0..events(a) {
        let nb = range(b, e).len();
        lengths.extend(std::iter::repeat_n(nb, range(a, e).len()));
    }
    Ok((offsets_from_lengths(lengths)?, flat))
}

/// A number type the ordering kernels accept: integers compare exactly, floats by IEEE order
/// with NaN set apart.
pub trait Key: Copy + PartialOrd {
    /// The least value (no value is less): `-inf`, `i64::MIN`.
    const LEAST: Self;
    /// The greatest value (no value is greater): `inf`, `i64::MAX`.
    const GREATEST: Self;
    fn is_nan(self) -> bool;
    fn compare(self, other: Self) -> Option<Ordering>;
    /// `compare` gives `Less` (false when either is NaN).
    #[inline]
    fn less(self, other: Self) -> bool {
        self < other
    }
    /// `compare` gives `Greater` (false when either is NaN).
    #[inline]
    fn greater(self, other: Self) -> bool {
        self > other
    }
}

impl Key for f64 {
    const LEAST: f64 = f64::NEG_INFINITY;
    const GREATEST: f64 = f64::INFINITY;
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn compare(self, other: Self) -> Option<Ordering> {
        self.partial_cmp(&other)
    }
}

impl Key for i64 {
    const LEAST: i64 = i64::MIN;
    const GREATEST: i64 = i64::MAX;
    fn is_nan(self) -> bool {
        false
    }
    fn compare(self, other: Self) -> Option<Ordering> {
        Some(self.cmp(&other))
    }
}

/// Per event, the absolute index of the first minimum (`max = false`) or first maximum of its
/// list, skipping NaN; `None` for an empty or all-NaN list (awkward's `argmin`/`argmax`).
///
/// ```
/// let v = [3.0, 1.0, 1.0, f64::NAN];
/// assert_eq!(rask_core::kernels::arg_extreme(&[0, 3, 3, 4], &v, false), vec![Some(1), None, None]);
/// ```
pub fn arg_extreme<T: Key>(offsets: &[i32], values: &[T], max: bool) -> Vec<Option<u32>> {
    if max {
        extreme::<T, true>(offsets, values)
    } else {
        extreme::<T, false>(offsets, values)
    }
}

/// [`arg_extreme`], compiled for one direction.
fn extreme<T: Key, const MAX: bool>(offsets: &[i32], values: &[T]) -> Vec<Option<u32>> {
    let worst = if MAX { T::LEAST } else { T::GREATEST };
    let better = |v: T, than: T| if MAX { v.greater(than) } else { v.less(than) };
    offsets
        .windows(2)
        .map(|w| {
            let start = w[0] as usize;
            let list = &values[start..w[1] as usize];
            let at = if list.len() < 4 {
                first_extreme_by_selects(list, better)
            } else {
                // The extreme value first, kept in four running extremes so that no
                // comparison waits for the one before (a NaN replaces none), then its first
                // position: the first extreme, NaN skipped. (Values equal to it compare
                // equal, as +0 and -0 do, and none beats the first of them.)
                let mut run = [worst; 4];
                let mut fours = list.chunks_exact(4);
                for four in &mut fours {
                    for (r, &v) in run.iter_mut().zip(four) {
                        *r = if better(v, *r) { v } else { *r };
                    }
                }
                let best = fours
                    .remainder()
                    .iter()
                    .chain(&run)
                    .fold(worst, |b, &v| if better(v, b) { v } else { b });
                list.iter().position(|&v| v == best)
            };
            at.map(|k| (start + k) as u32)
        })
        .collect()
}

/// The first extreme of a short list, NaN skipped, in one pass: which item wins is
/// unpredictable, so the running best is kept by selects rather than jumps. A NaN is never
/// better: not the first, and no comparison with it holds.
fn first_extreme_by_selects<T: Key>(list: &[T], better: impl Fn(T, T) -> bool) -> Option<usize> {
    let &first = list.first()?;
    let (mut found, mut best, mut at) = (false, first, 0usize);
    for (k, &v) in list.iter().enumerate() {
        let wins = (found & better(v, best)) | (!found & !v.is_nan());
        best = if wins { v } else { best };
        at = if wins { k } else { at };
        found |= wins;
    }
    found.then_some(at)
}

/// The offsets [`filter_bits`] gives, alone, when the lists start at item 0 and the mask's lists
/// are theirs, each within `bits`; `None` otherwise. With them, the kept items are the set
/// bits' items in order, which `Col::compress` packs a vector at a time.
///
/// ```
/// let bits = arrow_buffer::BooleanBuffer::from(vec![true, false, true]);
/// let kept = rask_core::kernels::filter_offsets(&[0, 2, 3], &[0, 2, 3], &bits);
/// assert_eq!(kept, Some(vec![0, 1, 2]));
/// ```
pub fn filter_offsets(
    offsets: &[i32],
    mask_offsets: &[i32],
    bits: &arrow_buffer::BooleanBuffer,
) -> Option<Vec<i32>> {
    if offsets.first().is_some_and(|&o| o != 0) || offsets != mask_offsets {
        return None;
    }
    super::bits::kept_offsets_of(offsets, bits)
}

/// [`filter`] with the mask as a bitmap (the engine's boolean columns): the same result, the
/// kept elements found a 64-bit word at a time.
///
/// ```
/// let bits = arrow_buffer::BooleanBuffer::from(vec![true, false, true]);
/// let (off, kept) = rask_core::kernels::filter_bits(&[0, 2, 3], &[0, 2, 3], &bits).unwrap();
/// assert_eq!((off, kept), (vec![0, 1, 2], vec![0, 2]));
/// ```
pub fn filter_bits(
    offsets: &[i32],
    mask_offsets: &[i32],
    bits: &arrow_buffer::BooleanBuffer,
) -> Res<(Vec<i32>, Vec<u32>)> {
    let start = offsets.first().map_or(0, |&o| o.max(0) as usize);
    let end = offsets.last().map_or(0, |&o| o.max(0) as usize);
    if offsets != mask_offsets || end > bits.len() || start > end {
        return filter(offsets, mask_offsets, |k| bits.value(k));
    }
    let kept: Vec<u32> = bits
        .slice(start, end - start)
        .set_indices_u32()
        .map(|k| k + start as u32)
        .collect();
    let offsets = match super::bits::kept_offsets_of(offsets, bits) {
        Some(o) => o,
        None => kept_offsets(offsets, &kept)?,
    };
    Ok((offsets, kept))
}

/// [`filter_bits`] of the events `events` keeps only: `x[mask][events]` as one selection, reading
/// the lists of the kept events and no others (an analysis's region cut keeps a few percent of the
/// events; gathering every event's selected elements first and cutting them after moved all of
/// them).
///
/// ```
/// use arrow_buffer::BooleanBuffer;
/// let bits = BooleanBuffer::from(vec![true, false, true, true]);
/// let events = BooleanBuffer::from(vec![false, true]);
/// let (off, kept) = rask_core::kernels::filter_bits_of(&[0, 2, 4], &[0, 2, 4], &bits, &events)?;
/// assert_eq!((off, kept), (vec![0, 2], vec![2, 3]));
/// # Ok::<(), rask_core::kernels::KernelError>(())
/// ```
pub fn filter_bits_of(
    offsets: &[i32],
    mask_offsets: &[i32],
    bits: &arrow_buffer::BooleanBuffer,
    events_kept: &arrow_buffer::BooleanBuffer,
) -> Res<(Vec<i32>, Vec<u32>)> {
    same_events(offsets, mask_offsets, events_kept)?;
    let mut out = Vec::with_capacity(events_kept.count_set_bits() + 1);
    out.push(0i32);
    let mut kept = Vec::new();
    for e in events_kept.set_indices() {
        let (r, m) = aligned_ranges(offsets, mask_offsets, e)?;
        if m.end > bits.len() {
            return Err(KernelError::OutOfBounds {
                what: "jagged mask",
                index: m.end,
                len: bits.len(),
            });
        }
        kept.extend(
            r.zip(m)
                .filter(|&(_, f)| bits.value(f))
                .map(|(k, _)| k as u32),
        );
        out.push(checked_offset(kept.len(), "filter")?);
    }
    Ok((out, kept))
}

/// Checks that lists `offsets`, a jagged mask's `mask_offsets` and a cut `events_kept` are of
/// one number of events.
pub(crate) fn same_events(
    offsets: &[i32],
    mask_offsets: &[i32],
    events_kept: &arrow_buffer::BooleanBuffer,
) -> Res<()> {
    let n = events(offsets);
    if mask_offsets.len() != offsets.len() || events_kept.len() != n {
        return Err(KernelError::EventCount {
            a: n,
            b: if mask_offsets.len() != offsets.len() {
                events(mask_offsets)
            } else {
                events_kept.len()
            },
        });
    }
    Ok(())
}

/// The element ranges of event `e` in lists `offsets` and in a mask's `mask_offsets`, which must be
/// as long.
pub(crate) fn aligned_ranges(
    offsets: &[i32],
    mask_offsets: &[i32],
    e: usize,
) -> Res<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let (r, m) = (range(offsets, e), range(mask_offsets, e));
    if r.len() != m.len() {
        return Err(KernelError::LengthMismatch {
            event: e,
            a: r.len(),
            b: m.len(),
        });
    }
    Ok((r, m))
}

/// The offsets of the kept elements (sorted indices into the lists of `offsets`).
fn kept_offsets(offsets: &[i32], kept: &[u32]) -> Res<Vec<i32>> {
    let mut out = Vec::with_capacity(offsets.len());
    out.push(0i32);
    let mut at = 0;
    for &o in offsets.iter().skip(1) {
        while at < kept.len() && (kept[at] as i64) < o as i64 {
            at += 1;
        }
        out.push(checked_offset(at, "filter")?);
    }
    Ok(out)
}

/// The elements kept by a jagged boolean mask: new offsets and the absolute indices kept.
///
/// ```
/// let (off, kept) = rask_core::kernels::filter(&[0, 2, 3], &[0, 2, 3], |i| i != 1).unwrap();
/// assert_eq!((off, kept), (vec![0, 1, 2], vec![0, 2]));
/// ```
pub fn filter(
    offsets: &[i32],
    mask_offsets: &[i32],
    keep: impl Fn(usize) -> bool,
) -> Res<(Vec<i32>, Vec<u32>)> {
    if offsets.len() != mask_offsets.len() {
        return Err(KernelError::EventCount {
            a: events(offsets),
            b: events(mask_offsets),
        });
    }
    if offsets == mask_offsets {
        // The usual case (a mask made from the same lists): one pass over the elements, then the
        // new offsets by walking the kept indices along the old ones.
        let start = offsets.first().map_or(0, |&o| o.max(0) as usize);
        let end = offsets.last().map_or(0, |&o| o.max(0) as usize);
        let kept: Vec<u32> = (start..end)
            .filter(|&k| keep(k))
            .map(|k| k as u32)
            .collect();
        return Ok((kept_offsets(offsets, &kept)?, kept));
    }
    let mut out = Vec::with_capacity(offsets.len());
    out.push(0i32);
    let mut kept = Vec::new();
    for e in 0..events(offsets) {
        let (r, m) = aligned_ranges(offsets, mask_offsets, e)?;
        for (k, f) in r.zip(m) {
            if keep(f) {
                kept.push(k as u32);
            }
        }
        out.push(checked_offset(kept.len(), "filter")?);
    }
    Ok((out, kept))
}

/// Concatenation of two lists per event (axis 1): new offsets and, for every output element, its
/// absolute index in the stacked values `a ++ b` (elements of `b` are shifted by `a_len`).
///
/// ```
/// let (off, idx) = rask_core::kernels::concat_index(&[0, 1, 2], &[0, 1, 1], 2).unwrap();
/// assert_eq!((off, idx), (vec![0, 2, 3], vec![0, 2, 1]));
/// ```
pub fn concat_index(a: &[i32], b: &[i32], a_len: usize) -> Res<(Vec<i32>, Vec<u32>)> {
    if a.len() != b.len() {
        return Err(KernelError::EventCount {
            a: events(a),
            b: events(b),
        });
    }
    let offsets = offsets_from_lengths(
        a.windows(2)
            .zip(b.windows(2))
            .map(|(x, y)| (x[1] - x[0] + y[1] - y[0]) as usize),
    )?;
    let total = *offsets.last().unwrap_or(&0) as usize;
    let shift = a_len as u32;
    let runs = (0..events(a)).flat_map(|e| {
        let (ra, rb) = (range(a, e), range(b, e));
        [
            ra.start as u32..ra.end as u32,
            rb.start as u32 + shift..rb.end as u32 + shift,
        ]
    });
    Ok((offsets, indices_of_runs(runs, total)))
}

/// Every index of `runs`, in order (`total`: how many, to size the output). A run of up to 8
/// is written as 8 indices at once and the next one starts where it ends (overwriting the
/// excess): one store per run, no loop whose exit depends on the run's length.
///
/// ```
/// let idx = rask_core::kernels::indices_of_runs([2..4, 7..7, 0..3], 5);
/// assert_eq!(idx, vec![2, 3, 0, 1, 2]);
/// ```
pub fn indices_of_runs(
    runs: impl IntoIterator<Item = std::ops::Range<u32>>,
    total: usize,
) -> Vec<u32> {
    const STEP: [u32; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
    let mut index = vec![0u32; total + 8];
    let mut w = 0usize;
    for r in runs {
        let len = r.len();
        if w + len.max(8) > index.len() {
            index.resize(w + len.max(8), 0);
        }
        if len <= 8 {
            let eight: [u32; 8] = STEP.map(|k| r.start.wrapping_add(k));
            index[w..w + 8].copy_from_slice(&eight);
        } else {
            for (slot, k) in index[w..w + len].iter_mut().zip(r) {
                *slot = k;
            }
        }
        w += len;
    }
    index.truncate(w);
    index
}

fn resolve(event: usize, index: i64, r: &std::ops::Range<usize>) -> Res<u32> {
    let len = r.len();
    let abs = if index < 0 { index + len as i64 } else { index };
    if abs < 0 || abs >= len as i64 {
        return Err(KernelError::IndexOutOfRange { event, index, len });
    }
    Ok((r.start + abs as usize) as u32)
}

/// Absolute element indices of per-element local indices: list `e` of `index` (offsets
/// `index_offsets`) picks elements of `data` list `e` (negative counts from the end), one pass
/// over the lists with no per-element event index.
///
/// ```
/// let idx = rask_core::kernels::take_local(&[0, 2, 5], &[0, 1, 3], &[1, -1, 0]).unwrap();
/// assert_eq!(idx, vec![1, 4, 2]);
/// ```
pub fn take_local(data_offsets: &[i32], index_offsets: &[i32], index: &[i64]) -> Res<Vec<u32>> {
    if data_offsets.len() != index_offsets.len() {
        return Err(KernelError::EventCount {
            a: events(data_offsets),
            b: events(index_offsets),
        });
    }
    let first = index_offsets.first().copied().unwrap_or(0) as usize;
    let last = index_offsets.last().copied().unwrap_or(0) as usize;
    let mut out = Vec::with_capacity(last - first);
    for e in 0..events(data_offsets) {
        let r = range(data_offsets, e);
        // Offsets past the indices held: the index lists are shorter than they say.
        let picks = index
            .get(range(index_offsets, e))
            .ok_or(KernelError::LengthMismatch {
                event: e,
                a: range(index_offsets, e).len(),
                b: index.len().saturating_sub(index_offsets[e].max(0) as usize),
            })?;
        for &i in picks {
            out.push(resolve(e, i, &r)?);
        }
    }
    Ok(out)
}

/// Items `start..stop` of every list (clipped to its length): the new offsets and the
/// absolute index of every kept item, one pass over the lists (for narrow windows, where a
/// gather per item beats a copy per list).
///
/// ```
/// let (o, idx) = rask_core::kernels::slice_index(&[0, 3, 3, 4], 1, 3);
/// assert_eq!((o, idx), (vec![0, 2, 2, 2], vec![1, 2]));
/// ```
pub fn slice_index(offsets: &[i32], start: u32, stop: u32) -> (Vec<i32>, Vec<u32>) {
    let mut out = Vec::with_capacity(offsets.len());
    out.push(0i32);
    let items = (offsets.last().map_or(0, |&l| l.max(0) as usize))
        .saturating_sub(offsets.first().map_or(0, |&f| f.max(0) as usize));
    let width = stop.saturating_sub(start) as usize;
    let mut idx = Vec::with_capacity(events(offsets).saturating_mul(width).min(items));
    for w in offsets.windows(2) {
        let kept = window((w[1] - w[0]).max(0) as u32, start, Some(stop));
        idx.extend(w[0] as u32 + kept.start..w[0] as u32 + kept.end);
        out.push(idx.len() as i32);
    }
    (out, idx)
}

/// Item `k` of every list, as awkward's `x[:, k]` after padding the lists to `k + 1` items: which
/// lists have one, and its absolute index (0 where there is none). `firsts` is `k = 0`.
///
/// ```
/// let (valid, idx) = rask_core::kernels::item_at(&[0, 2, 2, 5], 1);
/// assert_eq!(valid.iter().collect::<Vec<_>>(), vec![true, false, true]);
/// assert_eq!(idx, vec![1, 0, 3]);
/// ```
pub fn item_at(offsets: &[i32], k: u32) -> (arrow_buffer::BooleanBuffer, Vec<u32>) {
    let has = |w: &[i32]| i64::from(w[1]) - i64::from(w[0]) > i64::from(k);
    let valid =
        arrow_buffer::BooleanBuffer::collect_bool(events(offsets), |e| has(&offsets[e..e + 2]));
    let idx = offsets
        .windows(2)
        .map(|w| if has(w) { w[0] as u32 + k } else { 0 })
        .collect();
    (valid, idx)
}

/// The positions `start..stop` of a list of `len` items, clipped to it (`stop: None`: to its
/// end), as awkward's `x[:, start:stop]` keeps them.
///
/// ```
/// assert_eq!(rask_core::kernels::window(3, 1, Some(5)), 1..3);
/// assert_eq!(rask_core::kernels::window(3, 4, None), 3..3);
/// ```
pub fn window(len: u32, start: u32, stop: Option<u32>) -> std::ops::Range<u32> {
    let end = stop.map_or(len, |s| s.min(len));
    start.min(end)..end
}

/// Absolute indices of one local index per event (`None` events get `None`).
///
/// ```
/// let idx = rask_core::kernels::take_per_event(&[0, 2, 5], &[Some(1), None]).unwrap();
/// assert_eq!(idx, vec![Some(1), None]);
/// ```
pub fn take_per_event(data_offsets: &[i32], index: &[Option<i64>]) -> Res<Vec<Option<u32>>> {
    if data_offsets.len() != index.len() + 1 {
        return Err(KernelError::EventCount {
            a: events(data_offsets),
            b: index.len(),
        });
    }
    index
        .iter()
        .enumerate()
        .map(|(e, i)| {
            i.map(|i| resolve(e, i, &range(data_offsets, e)))
                .transpose()
        })
        .collect()
}

/// The stable sorting permutation of every list (absolute indices), NaN last in both directions.
///
/// ```
/// let p = rask_core::kernels::sort_permutation(&[0, 3], &[2.0, f64::NAN, 1.0], true);
/// assert_eq!(p, vec![2, 0, 1]);
/// ```
pub fn sort_permutation<T: Key>(offsets: &[i32], values: &[T], ascending: bool) -> Vec<u32> {
    let mut perm: Vec<u32> = (offsets.first().copied().unwrap_or(0) as u32
        ..offsets.last().copied().unwrap_or(0) as u32)
        .collect();
    let base = offsets.first().copied().unwrap_or(0) as usize;
    for e in 0..events(offsets) {
        let r = range(offsets, e);
        perm[r.start - base..r.end - base].sort_by(|&x, &y| {
            let (a, b) = (values[x as usize], values[y as usize]);
            match (a.is_nan(), b.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    let o = a.compare(b).unwrap_or(Ordering::Equal);
                    if ascending { o } else { o.reverse() }
                }
            }
        });
    }
    perm
}

/// Per-event sums in element order.
///
/// ```
/// assert_eq!(rask_core::kernels::sum_f64(&[0, 2, 2], &[1.0, 2.5]), vec![3.5, 0.0]);
/// ```
pub fn sum_f64(offsets: &[i32], values: &[f64]) -> Vec<f64> {
    (0..events(offsets))
        .map(|e| {
            let mut s = 0.0;
            for &v in &values[range(offsets, e)] {
                s += v;
            }
            s
        })
        .collect()
}

/// Per-event integer sums, or the first event whose sum does not fit in 64 bits.
///
/// ```
/// use rask_core::kernels::checked_sum_i64;
/// assert_eq!(checked_sum_i64(&[0, 2, 2], &[1, 2]), Ok(vec![3, 0]));
/// assert_eq!(checked_sum_i64(&[0, 1, 3], &[1, i64::MAX, 1]), Err(1));
/// ```
pub fn checked_sum_i64(offsets: &[i32], values: &[i64]) -> Result<Vec<i64>, usize> {
    (0..events(offsets))
        .map(|e| {
            values[range(offsets, e)]
                .iter()
                .try_fold(0i64, |a, &b| a.checked_add(b))
                .ok_or(e)
        })
        .collect()
}

/// Per-event integer sums (wrapping).
pub fn sum_i64(offsets: &[i32], values: &[i64]) -> Vec<i64> {
    (0..events(offsets))
        .map(|e| {
            values[range(offsets, e)]
                .iter()
                .fold(0i64, |a, &b| a.wrapping_add(b))
        })
        .collect()
}

/// Per event, how many elements satisfy `pred` (absolute index).
pub fn count_where(offsets: &[i32], pred: impl Fn(usize) -> bool) -> Vec<i64> {
    (0..events(offsets))
        .map(|e| range(offsets, e).filter(|&k| pred(k)).count() as i64)
        .collect()
}

/// Per event: does any element (`all = false`) or every element satisfy `pred`?
pub fn any_all(offsets: &[i32], all: bool, pred: impl Fn(usize) -> bool) -> Vec<bool> {
    (0..events(offsets))
        .map(|e| {
            let mut r = range(offsets, e);
            if all { r.all(&pred) } else { r.any(&pred) }
        })
        .collect()
}
