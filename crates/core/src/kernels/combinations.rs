//! Combinations of the items of every list: their tuples as slot indices ([`combinations`]),
//! or without slots: their counts ([`combination_offsets`]), the members of chosen tuples
//! ([`combination_members`]) and the measures of every tuple's four-momentum sum
//! ([`combination_sum_measures`]), for plans that only pick one tuple per list (ADL Q6's
//! best trijet).
//!
//! Tuples are `i < j (< k)` in lexicographic order, like `ak.combinations(x, n)`; `n` is 2 or 3.

use super::jagged::{KernelError, Res, Tuples, events, offsets_from_lengths, range};
use super::lorentz::P4;

/// The number of `n`-combinations of `m` items (`n` 2 or 3; otherwise 0).
pub(super) fn choose(m: usize, n: usize) -> usize {
    match n {
        2 => m * m.saturating_sub(1) / 2,
        3 => m * m.saturating_sub(1) * m.saturating_sub(2) / 6,
        _ => 0,
    }
}

/// The offsets of the lists of `n`-combinations of every list: what [`combinations`] gives,
/// without the slots.
///
/// ```
/// assert_eq!(rask_core::kernels::combination_offsets(&[0, 3, 4, 8], 3).unwrap(), vec![0, 1, 1, 5]);
/// ```
pub fn combination_offsets(offsets: &[i32], n: usize) -> Res<Vec<i32>> {
    offsets_from_lengths(
        offsets
            .windows(2)
            .map(|w| choose((w[1] - w[0]).max(0) as usize, n)),
    )
}

/// All `n`-element combinations `i < j (< k)` of every list, in lexicographic order (`n` is 2 or
/// 3), like `ak.combinations(x, n)`.
///
/// ```
/// let t = rask_core::kernels::combinations(&[0, 3], 2).unwrap();
/// assert_eq!(t.slots, vec![vec![0, 0, 1], vec![1, 2, 2]]);
/// ```
pub fn combinations(offsets: &[i32], n: usize) -> Res<Tuples> {
    let out_offsets = combination_offsets(offsets, n)?;
    let total = *out_offsets.last().unwrap_or(&0) as usize;
    let mut slots: Vec<Vec<u32>> = (0..n).map(|_| Vec::with_capacity(total)).collect();
    if !matches!(n, 2 | 3) {
        return Ok(Tuples {
            offsets: out_offsets,
            slots,
        });
    }
    // Every list of one length has the same tuples of local indices: they are made once per
    // length (up to PATTERN_LENGTHS) and each list's are that pattern plus its start, a
    // vectorised add per slot instead of a push per index.
    let mut patterns: Vec<Option<Vec<Vec<u32>>>> = Vec::new();
    for e in 0..events(offsets) {
        let r = range(offsets, e);
        let (a, m) = (r.start as u32, r.len());
        if m < n {
            continue;
        }
        if m >= PATTERN_LENGTHS {
            push_tuples(&mut slots, a, a + m as u32);
            continue;
        }
        if patterns.len() <= m {
            patterns.resize(m + 1, None);
        }
        let pattern = patterns[m].get_or_insert_with(|| {
            let mut local: Vec<Vec<u32>> = (0..n).map(|_| Vec::new()).collect();
            push_tuples(&mut local, 0, m as u32);
            local
        });
        for (slot, local) in slots.iter_mut().zip(pattern.iter()) {
            slot.extend(local.iter().map(|&k| k + a));
        }
    }
    Ok(Tuples {
        offsets: out_offsets,
        slots,
    })
}

/// Lists shorter than this get their tuples from a pattern made once per length.
const PATTERN_LENGTHS: usize = 64;

/// The tuples `i < j (< k)` of the items `a..b`, one per slot of `slots` (2 or 3), in
/// lexicographic order.
fn push_tuples(slots: &mut [Vec<u32>], a: u32, b: u32) {
    match slots {
        [s0, s1] => {
            for i in a..b {
                for j in i + 1..b {
                    s0.push(i);
                    s1.push(j);
                }
            }
        }
        [s0, s1, s2] => {
            for i in a..b {
                for j in i + 1..b {
                    for k in j + 1..b {
                        s0.push(i);
                        s1.push(j);
                        s2.push(k);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The members of the tuples at flat indices `picked` of the `n`-combinations of the lists
/// `offsets`, whose tuple lists have offsets `tuples` (as [`combination_offsets`] gives them):
/// per slot, each picked tuple's absolute item index, as [`combinations`]'s slots hold it.
/// Picks in increasing order (one per list, as `argmin` gives them) are found by walking the
/// lists once; others by a binary search.
///
/// ```
/// use rask_core::kernels::{combination_members, combination_offsets};
/// let o = [0, 3, 7];
/// let t = combination_offsets(&o, 2).unwrap(); // 3 pairs, then 6
/// // Pair 1 of the first list is (0, 2); pair 4 of the second is (4, 6) (items 3..7).
/// assert_eq!(combination_members(&o, &t, 2, &[1, 7]).unwrap(), vec![vec![0, 4], vec![2, 6]]);
/// ```
pub fn combination_members(
    offsets: &[i32],
    tuples: &[i32],
    n: usize,
    picked: &[u32],
) -> Res<Vec<Vec<u32>>> {
    let total = tuples.last().copied().unwrap_or(0).max(0) as usize;
    if tuples.len() != offsets.len() || !matches!(n, 2 | 3) {
        return Err(KernelError::OutOfBounds {
            what: "combination tuples per list",
            index: tuples.len(),
            len: offsets.len(),
        });
    }
    let mut members: Vec<Vec<u32>> = (0..n).map(|_| Vec::with_capacity(picked.len())).collect();
    // The local tuples of each list length below PATTERN_LENGTHS, made on first use.
    let mut patterns: Vec<Vec<[u8; 3]>> = Vec::new();
    let mut e = 0usize;
    for &t in picked {
        if t as usize >= total {
            return Err(KernelError::OutOfBounds {
                what: "picked tuple",
                index: t as usize,
                len: total,
            });
        }
        let t = t as i32;
        if t < tuples[e] {
            e = tuples.partition_point(|&x| x <= t) - 1;
        }
        while tuples[e + 1] <= t {
            e += 1;
        }
        let r = range(offsets, e);
        let (m, rank) = (r.len(), (t - tuples[e]) as usize);
        if rank >= choose(m, n) {
            return Err(KernelError::OutOfBounds {
                what: "tuple of a list",
                index: rank,
                len: choose(m, n),
            });
        }
        if m < PATTERN_LENGTHS {
            if patterns.len() <= m {
                patterns.resize(m + 1, Vec::new());
            }
            if patterns[m].is_empty() {
                patterns[m] = local_tuples(m, n);
            }
            for (slot, &k) in members.iter_mut().zip(&patterns[m][rank]) {
                slot.push(r.start as u32 + k as u32);
            }
            continue;
        }
        let mut rank = rank;
        let mut start = 0usize;
        for (s, slot) in members.iter_mut().enumerate() {
            // The first item of this slot: skip whole blocks of tuples that start earlier
            // (`rank` is below the count of tuples from `start` on, so `i` stays in the list).
            let rest = n - s - 1;
            let mut i = start;
            loop {
                let block = choose_rest(m - 1 - i, rest);
                if rank < block {
                    break;
                }
                rank -= block;
                i += 1;
            }
            slot.push((r.start + i) as u32);
            start = i + 1;
        }
    }
    Ok(members)
}

/// The `n`-tuples of local indices of a list of `m` (< 256) items, in order.
fn local_tuples(m: usize, n: usize) -> Vec<[u8; 3]> {
    let mut slots: Vec<Vec<u32>> = (0..n).map(|_| Vec::new()).collect();
    push_tuples(&mut slots, 0, m as u32);
    (0..slots[0].len())
        .map(|t| {
            let mut local = [0u8; 3];
            for (l, slot) in local.iter_mut().zip(&slots) {
                *l = slot[t] as u8;
            }
            local
        })
        .collect()
}

/// [`combination_sum_measures`] for `N`-combinations into `values` (as many as the tuples).
/// Lists of 3 to 6 items, most of them in HEP collections, run the loops with their length
/// known, unrolled: no mispredicted loop exit per pair.
fn sum_measures<const N: usize>(
    offsets: &[i32],
    parts: [&[f64]; 4],
    measure: &impl Fn(P4) -> f64,
    values: &mut [f64],
) {
    let mut w = 0usize;
    for e in 0..events(offsets) {
        let r = range(offsets, e);
        let [px, py, pz, pe] = parts.map(|c| &c[r.clone()]);
        let at = |i: usize| P4 {
            px: px[i],
            py: py[i],
            pz: pz[i],
            e: pe[i],
        };
        let mut put = |p: P4| {
            values[w] = measure(p);
            w += 1;
        };
        match r.len() {
            3 => list_sums::<N>(at, 3, &mut put),
            4 => list_sums::<N>(at, 4, &mut put),
            5 => list_sums::<N>(at, 5, &mut put),
            6 => list_sums::<N>(at, 6, &mut put),
            m => list_sums::<N>(at, m, &mut put),
        }
    }
}

/// The sum of every `N`-combination of the `m` particles `at(0..m)`, in order, handed to
/// `put`: `(p_i + p_j) + p_k`, the pair summed once per third member.
#[inline(always)]
pub(super) fn list_sums<const N: usize>(
    at: impl Fn(usize) -> P4,
    m: usize,
    put: &mut impl FnMut(P4),
) {
    for i in 0..m {
        for j in i + 1..m {
            let p = at(i) + at(j);
            if N == 2 {
                put(p);
                continue;
            }
            for k in j + 1..m {
                put(p + at(k));
            }
        }
    }
}

/// The number of ways to choose `k` (0, 1 or 2) of `m` items.
fn choose_rest(m: usize, k: usize) -> usize {
    match k {
        0 => 1,
        1 => m,
        _ => m * m.saturating_sub(1) / 2,
    }
}

/// `measure` of the four-momentum sum of every `n`-combination of every list, in the order
/// [`combinations`] gives the tuples, appended to `out`. The particles' Cartesian components
/// are `parts` (px, py, pz, E, indexed as the lists' items) and each sum adds the members in
/// slot order, `(p_i + p_j) + p_k`, as adding the gathered members does: the same bits,
/// without the slots or the gathers.
///
/// ```
/// use rask_core::kernels::combination_sum_measures;
/// let (px, py, pz, e) = ([1.0, 2.0, 4.0], [0.0; 3], [0.0; 3], [10.0; 3]);
/// let mut out = Vec::new();
/// combination_sum_measures(&[0, 3], [&px, &py, &pz, &e], 2, |p| p.px, &mut out).unwrap();
/// assert_eq!(out, vec![3.0, 5.0, 6.0]);
/// ```
pub fn combination_sum_measures(
    offsets: &[i32],
    parts: [&[f64]; 4],
    n: usize,
    measure: impl Fn(P4) -> f64,
    out: &mut Vec<f64>,
) -> Res<()> {
    let total = measured_tuples(offsets, parts, n)?;
    let start = out.len();
    out.resize(start + total, 0.0);
    let values = &mut out[start..];
    match n {
        2 => sum_measures::<2>(offsets, parts, &measure, values),
        3 => sum_measures::<3>(offsets, parts, &measure, values),
        _ => {}
    }
    Ok(())
}

/// The count of `n`-combinations of the lists `offsets`, checked to fit 32-bit offsets, with
/// the particles' components `parts` long enough for the lists' items.
pub(super) fn measured_tuples(offsets: &[i32], parts: [&[f64]; 4], n: usize) -> Res<usize> {
    let items = offsets.last().copied().unwrap_or(0).max(0) as usize;
    for c in parts {
        if c.len() < items {
            return Err(KernelError::OutOfBounds {
                what: "particle components",
                index: items,
                len: c.len(),
            });
        }
    }
    let total: usize = offsets
        .windows(2)
        .map(|w| choose((w[1] - w[0]).max(0) as usize, n))
        .sum();
    if i32::try_from(total).is_err() {
        return Err(KernelError::TooLarge {
            what: "combinations",
        });
    }
    Ok(total)
}
