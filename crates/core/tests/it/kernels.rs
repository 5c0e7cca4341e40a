//! Every jagged and Lorentz kernel against a plain per-event implementation (`Vec<Vec<_>>`),
//! over random lists including empty lists, empty partitions, NaN and ±inf.

use proptest::prelude::*;
use rask_core::kernels::{self, P4};

/// Values with the awkward cases: NaN, ±inf, repeated values (ties), negative zero.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -5.0f64..5.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1.0),
        1 => Just(-0.0),
    ]
}

/// Per-event lists (0 to 5 elements; 0 to 12 events, so empty partitions occur).
fn lists() -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(value(), 0..6), 0..12)
}

fn int_lists() -> impl Strategy<Value = Vec<Vec<i64>>> {
    prop::collection::vec(prop::collection::vec(-3i64..4, 0..6), 0..12)
}

fn offsets_of<T>(l: &[Vec<T>]) -> Vec<i32> {
    kernels::offsets_from_lengths(l.iter().map(Vec::len)).unwrap()
}

fn flat<T: Clone>(l: &[Vec<T>]) -> Vec<T> {
    l.iter().flatten().cloned().collect()
}

/// Same bits, or both NaN (whatever their payload).
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn first_extreme(l: &[f64], max: bool) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, &v) in l.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        best = match best {
            None => Some(k),
            Some(b) if (max && v > l[b]) || (!max && v < l[b]) => Some(k),
            b => b,
        };
    }
    best
}

/// Each list's first extreme, as an index into the items of lists with offsets `o`.
fn first_extremes(l: &[Vec<f64>], o: &[i32], max: bool) -> Vec<Option<u32>> {
    l.iter()
        .enumerate()
        .map(|(e, x)| first_extreme(x, max).map(|k| o[e] as u32 + k as u32))
        .collect()
}

proptest! {
    /// Set bits counted per list by rank queries (eight lists at a time on AVX-512 machines,
    /// the rest one by one) over hundreds of lists and a bitmap read through an offset, equal
    /// the counts of a loop over the bits.
    #[test]
    fn set_bits_per_list_equal_a_loop(
        lengths in prop::collection::vec(0usize..70, 0..300),
        seed in any::<u64>(),
        skip in 0usize..64,
    ) {
        let total: usize = lengths.iter().sum();
        let mut x = seed | 1;
        let flags: Vec<bool> = (0..skip + total).map(|_| {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            x % 3 == 0
        }).collect();
        let bits = arrow_buffer::BooleanBuffer::from_iter(flags.iter().copied()).slice(skip, total);
        let o = kernels::offsets_from_lengths(lengths.iter().copied()).unwrap();
        let want: Vec<i64> = o.windows(2)
            .map(|w| (w[0]..w[1]).filter(|&k| flags[skip + k as usize]).count() as i64)
            .collect();
        prop_assert_eq!(kernels::count_set(&o, &bits), Some(want.clone()));
        let ranks = kernels::Ranks::new(&bits);
        let at: Vec<u64> = o.iter().map(|&p| ranks.rank(p as usize)).collect();
        prop_assert_eq!(ranks.ranks_at(&o), at);
    }
}

proptest! {
    /// Values gathered at positions (eight per vector gather on AVX-512 machines, the tail one
    /// by one) equal indexing position by position, for any count of positions; a position past
    /// the end anywhere among them is refused.
    #[test]
    fn gathered_values_equal_indexing(
        values in prop::collection::vec(any::<i64>(), 1..200),
        picks in prop::collection::vec(any::<u32>(), 0..100),
        bad_at in any::<prop::sample::Index>(),
    ) {
        let n = values.len() as u32;
        let positions: Vec<u32> = picks.iter().map(|&p| p % n).collect();
        let want: Vec<i64> = positions.iter().map(|&p| values[p as usize]).collect();
        prop_assert_eq!(kernels::gather::gather(&values, &positions), Some(want));
        let floats: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        let want: Vec<f64> = positions.iter().map(|&p| floats[p as usize]).collect();
        prop_assert_eq!(kernels::gather::gather(&floats, &positions), Some(want));
        if !positions.is_empty() {
            let mut bad = positions.clone();
            bad[bad_at.index(positions.len())] = n;
            prop_assert_eq!(kernels::gather::gather(&values, &bad), None);
        }
    }
}

proptest! {
    #[test]
    fn counts_parents_local_index(l in lists()) {
        let o = offsets_of(&l);
        prop_assert_eq!(kernels::counts(&o), l.iter().map(|x| x.len() as i64).collect::<Vec<_>>());
        let parents: Vec<u32> = l.iter().enumerate().flat_map(|(e, x)| vec![e as u32; x.len()]).collect();
        prop_assert_eq!(kernels::parents(&o), parents);
        let local: Vec<i64> = l.iter().flat_map(|x| 0..x.len() as i64).collect();
        prop_assert_eq!(kernels::local_index(&o), local.clone());
        // Every element's flat index, back as its position in its list.
        let flat: Vec<u32> = (0..local.len() as u32).collect();
        prop_assert_eq!(kernels::local_positions(&flat, &kernels::parents(&o), &o), local);
    }

    #[test]
    fn slice_index_keeps_each_lists_window(l in lists(), start in 0u32..6, width in 0u32..4) {
        let o = offsets_of(&l);
        let stop = start + width;
        let mut want_offsets = vec![0i32];
        let mut want = Vec::new();
        for (e, x) in l.iter().enumerate() {
            for k in (start as usize)..(stop as usize).min(x.len()) {
                want.push(o[e] as u32 + k as u32);
            }
            want_offsets.push(want.len() as i32);
        }
        prop_assert_eq!(kernels::slice_index(&o, start, stop), (want_offsets, want));
    }

    #[test]
    fn take_local_picks_each_lists_elements(l in lists(), picks in int_lists()) {
        // As many lists of indices as lists of data: cut or pad the random picks to fit.
        let picks: Vec<Vec<i64>> = (0..l.len()).map(|e| picks.get(e).cloned().unwrap_or_default()).collect();
        let (o, io) = (offsets_of(&l), offsets_of(&picks));
        let mut want = Ok(Vec::new());
        'events: for (e, (x, p)) in l.iter().zip(&picks).enumerate() {
            for &i in p {
                let abs = if i < 0 { i + x.len() as i64 } else { i };
                if abs < 0 || abs >= x.len() as i64 {
                    want = Err(format!("event {e}: index {i} out of range for a list of length {}", x.len()));
                    break 'events;
                }
                if let Ok(w) = want.as_mut() { w.push(o[e] as u32 + abs as u32) }
            }
        }
        let got = kernels::take_local(&o, &io, &flat(&picks)).map_err(|e| e.to_string());
        prop_assert_eq!(got, want);
    }

    #[test]
    fn combinations_are_lexicographic(l in lists(), n in 2usize..4) {
        let o = offsets_of(&l);
        let t = kernels::combinations(&o, n).unwrap();
        let mut want_offsets = vec![0i32];
        let mut want: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (e, x) in l.iter().enumerate() {
            let base = o[e] as u32;
            let m = x.len() as u32;
            let mut count = 0;
            for i in 0..m {
                for j in i + 1..m {
                    if n == 2 {
                        want[0].push(base + i);
                        want[1].push(base + j);
                        count += 1;
                    } else {
                        for k in j + 1..m {
                            want[0].push(base + i);
                            want[1].push(base + j);
                            want[2].push(base + k);
                            count += 1;
                        }
                    }
                }
            }
            want_offsets.push(want_offsets.last().unwrap() + count);
        }
        prop_assert_eq!(t.offsets, want_offsets);
        prop_assert_eq!(t.slots, want);
    }

    #[test]
    fn cartesian_flat_and_nested(pairs in prop::collection::vec((prop::collection::vec(value(), 0..4), prop::collection::vec(value(), 0..4)), 0..10)) {
        let a: Vec<Vec<f64>> = pairs.iter().map(|p| p.0.clone()).collect();
        let b: Vec<Vec<f64>> = pairs.iter().map(|p| p.1.clone()).collect();
        let (oa, ob) = (offsets_of(&a), offsets_of(&b));
        let t = kernels::cartesian(&oa, &ob).unwrap();
        let mut want = vec![Vec::new(), Vec::new()];
        let mut inner = vec![0i32];
        for e in 0..a.len() {
            for i in 0..a[e].len() {
                for j in 0..b[e].len() {
                    want[0].push(oa[e] as u32 + i as u32);
                    want[1].push(ob[e] as u32 + j as u32);
                }
                inner.push(inner.last().unwrap() + b[e].len() as i32);
            }
        }
        prop_assert_eq!(&t.slots, &want);
        let (nested_inner, nt) = kernels::cartesian_nested(&oa, &ob).unwrap();
        prop_assert_eq!(nested_inner, inner);
        prop_assert_eq!(nt.slots, want);
    }

    #[test]
    fn arg_extreme_takes_the_first_and_skips_nan(l in lists(), max in any::<bool>()) {
        let o = offsets_of(&l);
        prop_assert_eq!(kernels::arg_extreme(&o, &flat(&l), max), first_extremes(&l, &o, max));
    }

    #[test]
    fn arg_extreme_of_lists_that_start_past_the_first_value(
        l in lists(),
        skip in 0usize..5,
        max in any::<bool>(),
    ) {
        // Offsets of a slice: the lists start at item `skip` of the values.
        let o: Vec<i32> = offsets_of(&l).iter().map(|&k| k + skip as i32).collect();
        let mut values = vec![f64::NEG_INFINITY; skip];
        values.extend(flat(&l));
        prop_assert_eq!(kernels::arg_extreme(&o, &values, max), first_extremes(&l, &o, max));
    }

    #[test]
    fn arg_extreme_of_integers(l in int_lists(), max in any::<bool>()) {
        let o = offsets_of(&l);
        let got = kernels::arg_extreme(&o, &flat(&l), max);
        let want: Vec<Option<u32>> = l
            .iter()
            .enumerate()
            .map(|(e, x)| {
                let f: Vec<f64> = x.iter().map(|&v| v as f64).collect();
                first_extreme(&f, max).map(|k| o[e] as u32 + k as u32)
            })
            .collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn filter_keeps_flagged_elements(l in lists()) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let keep = |k: usize| values[k] > 0.0;
        let (off, kept) = kernels::filter(&o, &o, keep).unwrap();
        let want: Vec<Vec<f64>> = l.iter().map(|x| x.iter().copied().filter(|v| *v > 0.0).collect()).collect();
        prop_assert_eq!(off, offsets_of(&want));
        let got: Vec<f64> = kept.iter().map(|&k| values[k as usize]).collect();
        prop_assert!(same(&got, &flat(&want)));
        // A mask whose offsets start elsewhere (a slice of a longer mask): the per-event path.
        let shifted: Vec<i32> = o.iter().map(|x| x + 3).collect();
        let (off2, kept2) = kernels::filter(&o, &shifted, |f| values[f - 3] > 0.0).unwrap();
        prop_assert_eq!(off2, offsets_of(&want));
        let got2: Vec<f64> = kept2.iter().map(|&k| values[k as usize]).collect();
        prop_assert!(same(&got2, &flat(&want)));
        // The bitmap path, also over lists that start past element 0 (a slice).
        let bits = arrow_buffer::BooleanBuffer::from_iter(values.iter().map(|v| *v > 0.0));
        let (off3, kept3) = kernels::filter_bits(&o, &o, &bits).unwrap();
        prop_assert_eq!(&off3, &offsets_of(&want));
        // The offsets alone (the packed path), from item 0 only.
        prop_assert_eq!(kernels::filter_offsets(&o, &o, &bits), Some(off3.clone()));
        prop_assert_eq!(kernels::filter_offsets(&o[1..], &o[1..], &bits).is_none(), o.len() > 1 && o[1] != 0);
        let got3: Vec<f64> = kept3.iter().map(|&k| values[k as usize]).collect();
        prop_assert!(same(&got3, &flat(&want)));
        if o.len() > 2 {
            let tail = &o[1..];
            let (off4, kept4) = kernels::filter_bits(tail, tail, &bits).unwrap();
            let (off5, kept5) = kernels::filter(tail, tail, keep).unwrap();
            prop_assert_eq!((off4, kept4), (off5, kept5));
        }
    }

    #[test]
    fn item_k_is_the_kth_element_or_missing(l in lists(), k in 0u32..7) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let (valid, idx) = kernels::item_at(&o, k);
        prop_assert_eq!(valid.len(), l.len());
        prop_assert_eq!(idx.len(), l.len());
        for (e, list) in l.iter().enumerate() {
            match list.get(k as usize) {
                Some(v) => {
                    prop_assert!(valid.value(e));
                    prop_assert!(same(&[values[idx[e] as usize]], &[*v]));
                }
                None => prop_assert!(!valid.value(e)),
            }
        }
    }

    #[test]
    fn filter_of_kept_events_is_the_filter_then_the_cut(
        l in lists(),
        events in prop::collection::vec(any::<bool>(), 12),
    ) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let bits = arrow_buffer::BooleanBuffer::from_iter(values.iter().map(|v| *v > 0.0));
        let keep = arrow_buffer::BooleanBuffer::from_iter(events[..l.len()].iter().copied());
        let (off, kept) = kernels::filter_bits_of(&o, &o, &bits, &keep).unwrap();
        // Per event: the positive elements of the kept events.
        let want: Vec<Vec<f64>> = l
            .iter()
            .zip(&events)
            .filter(|(_, k)| **k)
            .map(|(x, _)| x.iter().copied().filter(|v| *v > 0.0).collect())
            .collect();
        prop_assert_eq!(off, offsets_of(&want));
        let got: Vec<f64> = kept.iter().map(|&k| values[k as usize]).collect();
        prop_assert!(same(&got, &flat(&want)));
        // A mask of other lengths, or a cut of another number of events: errors, not panics.
        if let Some(e) = l.iter().position(|x| !x.is_empty()) {
            let mut other = l.clone();
            other[e].pop();
            let everything = arrow_buffer::BooleanBuffer::new_set(l.len());
            prop_assert!(kernels::filter_bits_of(&o, &offsets_of(&other), &bits, &everything).is_err());
        }
        let more = arrow_buffer::BooleanBuffer::new_set(l.len() + 1);
        prop_assert!(kernels::filter_bits_of(&o, &o, &bits, &more).is_err());
        let short = arrow_buffer::BooleanBuffer::from_iter(values.iter().skip(1).map(|v| *v > 0.0));
        if keep.count_set_bits() == l.len() && !values.is_empty() {
            prop_assert!(kernels::filter_bits_of(&o, &o, &short, &keep).is_err());
        }
    }

    #[test]
    fn sums_of_the_kept_selections_are_the_sums_of_the_filtered_cut_lists(
        l in lists(),
        events in prop::collection::vec(any::<bool>(), 12),
        selected in prop::collection::vec(any::<bool>(), 60),
    ) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let bits = arrow_buffer::BooleanBuffer::from_iter(selected[..values.len()].iter().copied());
        let keep = arrow_buffer::BooleanBuffer::from_iter(events[..l.len()].iter().copied());
        let sums = kernels::sum_selected_of(&o, &o, &bits, &keep, &values).unwrap();
        // Filter, cut, then sum each list (as `sum_f64` does: from +0.0, in order), with
        // NaN, infinities and -0.0 among the values.
        let (off, kept) = kernels::filter_bits_of(&o, &o, &bits, &keep).unwrap();
        let picked: Vec<f64> = kept.iter().map(|&k| values[k as usize]).collect();
        let want = kernels::sum_f64(&off, &picked);
        // Equal bits (any NaN for a NaN: Rust leaves a NaN's sign and payload unspecified).
        prop_assert!(same(&sums, &want));
        // A mask of other lengths, too few values or a cut of another number of events:
        // errors, not panics.
        if let Some(e) = l.iter().position(|x| !x.is_empty()) {
            let mut other = l.clone();
            other[e].pop();
            let everything = arrow_buffer::BooleanBuffer::new_set(l.len());
            prop_assert!(kernels::sum_selected_of(&o, &offsets_of(&other), &bits, &everything, &values).is_err());
            prop_assert!(kernels::sum_selected_of(&o, &o, &bits, &everything, &values[1..]).is_err());
        }
        let more = arrow_buffer::BooleanBuffer::new_set(l.len() + 1);
        prop_assert!(kernels::sum_selected_of(&o, &o, &bits, &more, &values).is_err());
    }

    #[test]
    fn concat_puts_a_before_b(pairs in prop::collection::vec((prop::collection::vec(value(), 0..4), prop::collection::vec(value(), 0..4)), 0..10)) {
        let a: Vec<Vec<f64>> = pairs.iter().map(|p| p.0.clone()).collect();
        let b: Vec<Vec<f64>> = pairs.iter().map(|p| p.1.clone()).collect();
        let stacked: Vec<f64> = flat(&a).into_iter().chain(flat(&b)).collect();
        let (off, idx) = kernels::concat_index(&offsets_of(&a), &offsets_of(&b), flat(&a).len()).unwrap();
        let want: Vec<Vec<f64>> = a.iter().zip(&b).map(|(x, y)| x.iter().chain(y).copied().collect()).collect();
        prop_assert_eq!(off, offsets_of(&want));
        let got: Vec<f64> = idx.iter().map(|&k| stacked[k as usize]).collect();
        prop_assert!(same(&got, &flat(&want)));
    }

    #[test]
    fn take_resolves_python_indices(l in lists(), picks in prop::collection::vec(-6i64..6, 0..12)) {
        let o = offsets_of(&l);
        // One index per event (events without one pass None).
        let index: Vec<Option<i64>> = (0..l.len()).map(|e| picks.get(e).copied()).collect();
        let got = kernels::take_per_event(&o, &index);
        let mut want = Vec::new();
        let mut error = None;
        for (e, (x, i)) in l.iter().zip(&index).enumerate() {
            match i {
                None => want.push(None),
                Some(i) => {
                    let abs = if *i < 0 { *i + x.len() as i64 } else { *i };
                    if abs < 0 || abs >= x.len() as i64 {
                        error.get_or_insert(e);
                        want.push(None);
                    } else {
                        want.push(Some(o[e] as u32 + abs as u32));
                    }
                }
            }
        }
        match (got, error) {
            (Ok(g), None) => prop_assert_eq!(g, want),
            (Err(kernels::KernelError::IndexOutOfRange { event, .. }), Some(e)) => prop_assert_eq!(event, e),
            (g, e) => prop_assert!(false, "got {:?}, expected error at {:?}", g, e),
        }
    }

    #[test]
    fn sort_is_stable_with_nan_last(l in lists(), ascending in any::<bool>()) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let perm = kernels::sort_permutation(&o, &values, ascending);
        for (e, x) in l.iter().enumerate() {
            let mut idx: Vec<usize> = (0..x.len()).collect();
            idx.sort_by(|&p, &q| {
                let (a, b) = (x[p], x[q]);
                match (a.is_nan(), b.is_nan()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    _ if ascending => a.partial_cmp(&b).unwrap(),
                    _ => b.partial_cmp(&a).unwrap(),
                }
            });
            let got: Vec<usize> = perm[o[e] as usize..o[e + 1] as usize].iter().map(|&k| k as usize - o[e] as usize).collect();
            prop_assert_eq!(got, idx);
        }
    }

    #[test]
    fn reductions_per_event(l in lists(), il in int_lists()) {
        let o = offsets_of(&l);
        let values = flat(&l);
        let sums: Vec<f64> = l.iter().map(|x| x.iter().fold(0.0, |a, b| a + b)).collect();
        prop_assert!(same(&kernels::sum_f64(&o, &values), &sums));
        let io = offsets_of(&il);
        let isums: Vec<i64> = il.iter().map(|x| x.iter().sum()).collect();
        prop_assert_eq!(kernels::sum_i64(&io, &flat(&il)), isums);
        let pos: Vec<i64> = l.iter().map(|x| x.iter().filter(|v| **v > 0.0).count() as i64).collect();
        prop_assert_eq!(kernels::count_where(&o, |k| values[k] > 0.0), pos.clone());
        let any: Vec<bool> = l.iter().map(|x| x.iter().any(|v| v.is_nan())).collect();
        prop_assert_eq!(kernels::any_all(&o, false, |k| values[k].is_nan()), any);
        let all: Vec<bool> = l.iter().map(|x| x.iter().all(|v| v.is_nan())).collect();
        prop_assert_eq!(kernels::any_all(&o, true, |k| values[k].is_nan()), all);
        // The bitmap kernels (rank queries), also over lists that start past element 0 and over
        // a bitmap that starts mid-byte (a slice), equal the per-element counts.
        let bits = arrow_buffer::BooleanBuffer::from_iter(values.iter().map(|v| *v > 0.0));
        prop_assert_eq!(kernels::count_set(&o, &bits), Some(pos.clone()));
        let any_pos: Vec<bool> = pos.iter().map(|&n| n > 0).collect();
        let all_pos: Vec<bool> = l.iter().map(|x| x.iter().all(|v| *v > 0.0)).collect();
        prop_assert_eq!(kernels::any_all_set(&o, &bits, false), Some(any_pos));
        prop_assert_eq!(kernels::any_all_set(&o, &bits, true), Some(all_pos));
        if o.len() > 2 {
            let tail = &o[1..];
            prop_assert_eq!(kernels::count_set(tail, &bits), Some(pos[1..].to_vec()));
        }
        let padded = arrow_buffer::BooleanBuffer::from_iter(
            [true, false, true].into_iter().chain(values.iter().map(|v| *v > 0.0)),
        )
        .slice(3, values.len());
        prop_assert_eq!(kernels::count_set(&o, &padded), Some(pos.clone()));
        // A list past the bitmap is refused, not read.
        if let Some(&last) = o.last() {
            let mut past = o.clone();
            past.push(last + 1);
            prop_assert_eq!(kernels::count_set(&past, &bits), None);
        }
    }

    #[test]
    fn lorentz_columns_equal_the_scalar_formulas(v in prop::collection::vec((0.0f64..100.0, -3.0f64..3.0, -4.0f64..4.0, 0.0f64..20.0), 0..20)) {
        let pt: Vec<f64> = v.iter().map(|x| x.0).collect();
        let eta: Vec<f64> = v.iter().map(|x| x.1).collect();
        let phi: Vec<f64> = v.iter().map(|x| x.2).collect();
        let mass: Vec<f64> = v.iter().map(|x| x.3).collect();
        let cols = kernels::PtEtaPhiM { pt: &pt, eta: &eta, phi: &phi, mass: &mass };
        let m = kernels::p4_mass(cols);
        let [spt, seta, sphi, smass] = kernels::p4_add(cols, cols);
        for i in 0..v.len() {
            // The textbook formulas, written out independently (with rask's sine, cosine and
            // sinh, within 1–2 ulp of libm's: `trig.rs`).
            let (sin, cos) = kernels::trig::sin_cos(phi[i]);
            let (px, py, pz) = (pt[i] * cos, pt[i] * sin, pt[i] * kernels::trig::sinh(eta[i]));
            // E² = |p|² + m², with |p|² = pt² + pz² (= pt² cosh²η).
            let e = (pt[i] * pt[i] + pz * pz + mass[i] * mass[i]).sqrt();
            let m2 = e * e - px * px - py * py - pz * pz;
            prop_assert_eq!(m[i].to_bits(), m2.max(0.0).sqrt().to_bits());
            // With libm's functions: the same mass² to rounding.
            let (lx, ly, lz) = (pt[i] * phi[i].cos(), pt[i] * phi[i].sin(), pt[i] * eta[i].sinh());
            let le = (pt[i] * pt[i] + lz * lz + mass[i] * mass[i]).sqrt();
            let lm2 = le * le - lx * lx - ly * ly - lz * lz;
            prop_assert!((m[i] * m[i] - lm2.max(0.0)).abs() <= 1e-12 * (e * e + 1.0));
            // QUERIES.md's spelling of E, with cosh: the same to rounding.
            let e_cosh = ((pt[i] * eta[i].cosh()).powi(2) + mass[i] * mass[i]).sqrt();
            let m2_cosh = e_cosh * e_cosh - px * px - py * py - pz * pz;
            prop_assert!((m[i] * m[i] - m2_cosh.max(0.0)).abs() <= 1e-12 * (e * e + 1.0));
            // Doubling a vector doubles pt and mass and keeps its direction.
            prop_assert!((spt[i] - 2.0 * pt[i]).abs() <= 1e-9 * (1.0 + pt[i]));
            prop_assert!((smass[i] - 2.0 * m[i]).abs() <= 1e-6 * (1.0 + e));
            if pt[i] > 1e-3 {
                prop_assert!((seta[i] - eta[i]).abs() < 1e-9);
                prop_assert!(kernels::delta_phi(sphi[i], phi[i]).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn delta_phi_has_the_bits_of_the_remainder_by_division(
        a in prop_oneof![-20.0f64..20.0, -3.2f64..3.2, value(), (-8i32..8).prop_map(|k| f64::from(k) * std::f64::consts::FRAC_PI_2)],
        b in prop_oneof![-20.0f64..20.0, -3.2f64..3.2, value(), (-8i32..8).prop_map(|k| f64::from(k) * std::f64::consts::FRAC_PI_2)],
    ) {
        // The definition with `%` (C's fmod), which `delta_phi` skips where the quotient is 0
        // or 1: every result, NaN and signed zeros included, has the same bits.
        use std::f64::consts::{PI, TAU};
        let x = a - b + PI;
        let mut r = x % TAU;
        if r != 0.0 && r < 0.0 {
            r += TAU;
        }
        let want = r - PI;
        let got = kernels::delta_phi(a, b);
        prop_assert!(got.to_bits() == want.to_bits() || got.is_nan() && want.is_nan(), "{a} {b}: {got} vs {want}");
    }

    #[test]
    fn delta_phi_is_numpy_mod(a in -20.0f64..20.0, b in -20.0f64..20.0) {
        use std::f64::consts::{PI, TAU};
        let d = kernels::delta_phi(a, b);
        let x = a - b + PI;
        let want = x - (x / TAU).floor() * TAU - PI;
        prop_assert!((d - want).abs() < 1e-12, "{} vs {}", d, want);
        prop_assert!((-PI..=PI).contains(&d));
        let mt = kernels::transverse_mass(3.0, a, 4.0, b);
        prop_assert!((mt - (24.0 * (1.0 - (a - b).cos())).sqrt()).abs() < 1e-9);
        let r = kernels::delta_r(0.5, a, -0.25, b);
        prop_assert!((r - (0.75f64 * 0.75 + d * d).sqrt()).abs() < 1e-12);
    }
}

#[test]
fn p4_eta_at_zero_pt() {
    let p = |pz: f64| P4 {
        px: 0.0,
        py: 0.0,
        pz,
        e: 1.0,
    };
    assert_eq!(p(0.0).eta(), 0.0);
    assert_eq!(p(2.0).eta(), f64::INFINITY);
    assert_eq!(p(-2.0).eta(), f64::NEG_INFINITY);
}

/// Lengths whose running total passes the largest offset are refused, wherever the total
/// passes it and even when it would wrap around the machine's integers; the largest total that
/// fits is kept.
#[test]
fn offsets_past_the_largest_are_refused() {
    let max = i32::MAX as usize;
    assert_eq!(
        kernels::offsets_from_lengths([max - 1, 1]).ok(),
        Some(vec![0, i32::MAX - 1, i32::MAX])
    );
    assert!(kernels::offsets_from_lengths([max, 1, 0]).is_err());
    assert!(kernels::offsets_from_lengths([1, max]).is_err());
    assert!(kernels::offsets_from_lengths([usize::MAX, 2]).is_err());
    assert!(kernels::offsets_from_lengths([usize::MAX / 2 + 1, usize::MAX / 2 + 1, 0]).is_err());
}

#[test]
fn kernels_refuse_mismatched_inputs() {
    assert!(matches!(
        kernels::filter(&[0, 2], &[0, 1], |_| true),
        Err(kernels::KernelError::LengthMismatch {
            event: 0,
            a: 2,
            b: 1
        })
    ));
    assert!(matches!(
        kernels::cartesian(&[0, 1], &[0, 1, 2]),
        Err(kernels::KernelError::EventCount { .. })
    ));
    // Index lists longer than the indices they hold: an error, not a panic.
    assert!(matches!(
        kernels::take_local(&[0, 2], &[0, 3], &[0]),
        Err(kernels::KernelError::LengthMismatch {
            event: 0,
            a: 3,
            b: 1
        })
    ));
    let err = kernels::take_local(&[0, 2], &[0, 1], &[2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event 0: index 2 out of range for a list of length 2"
    );
}

#[test]
fn combinations_of_long_lists_and_short_ones_mixed() {
    // Lists of 64 items and more take the loop; shorter ones the pattern of their length.
    let lengths = [70usize, 3, 0, 64, 5, 63, 1];
    let o = kernels::offsets_from_lengths(lengths.iter().copied()).unwrap();
    for n in [2, 3] {
        let t = kernels::combinations(&o, n).unwrap();
        let mut want: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (e, &m) in lengths.iter().enumerate() {
            let (base, m) = (o[e] as u32, m as u32);
            for i in 0..m {
                for j in i + 1..m {
                    if n == 2 {
                        want[0].push(base + i);
                        want[1].push(base + j);
                    }
                    for k in (j + 1..m).filter(|_| n == 3) {
                        want[0].push(base + i);
                        want[1].push(base + j);
                        want[2].push(base + k);
                    }
                }
            }
        }
        assert_eq!(t.slots, want, "n = {n}");
        assert_eq!(*t.offsets.last().unwrap() as usize, want[0].len());
    }
}
