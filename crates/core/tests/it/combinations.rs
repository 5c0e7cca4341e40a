//! The combination kernels without slots (counts, members of picked tuples, measures of every
//! tuple's sum) against the slots `kernels::combinations` gives, which its own property test
//! checks against plain nested loops.

use proptest::prelude::*;
use rask_core::kernels::{self, P4, SumMeasure};

/// Per-event lists of 0 to 12 particles (four components each, some NaN or infinite): rows of
/// tuples longer than a vector of eight too.
fn particles() -> impl Strategy<Value = Vec<Vec<[f64; 4]>>> {
    let component = prop_oneof![
        8 => -50.0f64..50.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(0.0),
    ];
    prop::collection::vec(
        prop::collection::vec(prop::array::uniform4(component), 0..13),
        0..10,
    )
}

fn offsets_of<T>(l: &[Vec<T>]) -> Vec<i32> {
    kernels::offsets_from_lengths(l.iter().map(Vec::len)).unwrap()
}

/// Every tuple's members, for `n`-combinations of lists of these lengths, two ways.
fn members_both_ways(lengths: &[usize], n: usize) {
    let o = kernels::offsets_from_lengths(lengths.iter().copied()).unwrap();
    let t = kernels::combinations(&o, n).unwrap();
    let tuples = kernels::combination_offsets(&o, n).unwrap();
    assert_eq!(tuples, t.offsets, "n = {n}");
    let all: Vec<u32> = (0..*tuples.last().unwrap() as u32).collect();
    let got = kernels::combination_members(&o, &tuples, n, &all).unwrap();
    assert_eq!(got, t.slots, "n = {n}, in order");
    // Backwards: every pick found by a search, not the walk.
    let back: Vec<u32> = all.iter().rev().copied().collect();
    let got = kernels::combination_members(&o, &tuples, n, &back).unwrap();
    let want: Vec<Vec<u32>> = t
        .slots
        .iter()
        .map(|s| s.iter().rev().copied().collect())
        .collect();
    assert_eq!(got, want, "n = {n}, backwards");
}

proptest! {
    #[test]
    fn members_of_picked_tuples_are_their_slots(
        lengths in prop::collection::vec(0usize..9, 0..12),
        n in 2usize..4,
    ) {
        members_both_ways(&lengths, n);
    }

    #[test]
    fn sum_measures_add_the_members_in_slot_order(l in particles(), n in 2usize..4) {
        let o = offsets_of(&l);
        let flat: Vec<[f64; 4]> = l.iter().flatten().copied().collect();
        let parts: [Vec<f64>; 4] = std::array::from_fn(|c| flat.iter().map(|p| p[c]).collect());
        let t = kernels::combinations(&o, n).unwrap();
        let at = |k: u32| {
            let p = flat[k as usize];
            P4 { px: p[0], py: p[1], pz: p[2], e: p[3] }
        };
        for (measure, name) in [(P4::mass as fn(P4) -> f64, "mass"), (P4::pt, "pt")] {
            let want: Vec<f64> = (0..t.slots[0].len())
                .map(|i| {
                    let sum = t.slots[1..].iter().fold(at(t.slots[0][i]), |s, slot| s + at(slot[i]));
                    measure(sum)
                })
                .collect();
            let [px, py, pz, e] = &parts;
            let by_kind = if name == "mass" { SumMeasure::Mass } else { SumMeasure::Pt };
            // The scalar loop, and the one the CPU chooses (eight tuples a vector on AVX-512).
            for vector in [false, true] {
                let mut got = vec![7.0]; // appended to what is there
                if vector {
                    kernels::combination_sum_measure(&o, [px, py, pz, e], n, by_kind, &mut got)
                        .unwrap();
                } else {
                    kernels::combination_sum_measures(&o, [px, py, pz, e], n, measure, &mut got)
                        .unwrap();
                }
                prop_assert_eq!(got.len(), want.len() + 1);
                let same = got[1..]
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan());
                prop_assert!(same, "{name} (vector {vector}): {:?} vs {:?}", &got[1..], want);
            }
        }
    }
}

#[test]
fn members_of_long_lists_are_unranked() {
    // Lists of 64 items and more are unranked by counting; shorter ones by their pattern.
    members_both_ways(&[70, 3, 0, 64, 5, 63, 2, 1], 2);
    members_both_ways(&[70, 3, 0, 64, 5, 63, 2, 1], 3);
}

#[test]
fn picks_past_the_tuples_are_errors() {
    let o = [0, 3];
    let tuples = kernels::combination_offsets(&o, 2).unwrap();
    let err = kernels::combination_members(&o, &tuples, 2, &[3]).unwrap_err();
    assert_eq!(err.to_string(), "picked tuple: index 3 past the end (3)");
    // Components shorter than the lists' items.
    let short = [0.0; 2];
    let err = kernels::combination_sum_measures(&o, [&short; 4], 2, P4::mass, &mut Vec::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "particle components: index 3 past the end (2)"
    );
    let err = kernels::combination_sum_measure(&o, [&short; 4], 2, SumMeasure::Mass, &mut vec![])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "particle components: index 3 past the end (2)"
    );
    // Offsets that go back, or past the components halfway: errors, not reads outside.
    let four = [1.0; 4];
    for bad in [[0, 3, 1, 4], [0, 6, 2, 4]] {
        let mut out = vec![7.0];
        let err = kernels::combination_sum_measure(&bad, [&four; 4], 2, SumMeasure::Pt, &mut out);
        assert!(err.is_err(), "{bad:?}");
        assert_eq!(out, vec![7.0], "{bad:?}: nothing appended");
    }
}
