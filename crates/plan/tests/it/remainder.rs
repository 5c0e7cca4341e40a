//! `%` on floats: `arith::remainder` gives the bits of C's `fmod` (Rust's `%` on f64, libm), on
//! integer-valued operands (its division path) and on everything else.

use proptest::prelude::*;
use rask_plan::arith::{remainder, remainders_by};

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Integers around every scale up to past 2^53, both signs, and the edges of the fast path.
fn integer() -> impl Strategy<Value = f64> {
    let two52 = 4_503_599_627_370_496.0f64;
    prop_oneof![
        (-20i64..20).prop_map(|v| v as f64),
        (-(1i64 << 40)..(1i64 << 40)).prop_map(|v| v as f64),
        (-(1i64 << 54)..(1i64 << 54)).prop_map(|v| v as f64),
        prop::sample::select(vec![two52 - 1.0, two52, two52 + 2.0, -two52 + 1.0, -two52]),
        Just(-0.0),
        Just(0.0),
    ]
}

fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        -100.0f64..100.0,
        any::<f64>(),
        prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0]),
        integer(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn integer_operands_give_fmods_bits(p in integer(), q in integer()) {
        prop_assert!(same(remainder(p, q), p % q), "{} % {}: {} vs {}", p, q, remainder(p, q), p % q);
    }

    #[test]
    fn any_operands_give_fmods_bits(p in any_float(), q in any_float()) {
        prop_assert!(same(remainder(p, q), p % q), "{} % {}: {} vs {}", p, q, remainder(p, q), p % q);
    }

    /// A whole buffer by one divisor (the vector loop, then `fmod` where needed) gives `%`'s
    /// bits value by value: buffers of integers only, and integers mixed with anything.
    #[test]
    fn a_buffer_by_one_divisor_gives_fmods_bits(
        integers in prop::collection::vec(integer(), 0..40),
        mixed in prop::collection::vec(any_float(), 0..40),
        q in prop_oneof![integer(), any_float()],
    ) {
        for values in [&integers, &mixed] {
            let mut out = vec![0.0; values.len()];
            remainders_by(values, q, &mut out);
            for (&p, &r) in values.iter().zip(&out) {
                prop_assert!(same(r, p % q), "{} % {}: {} vs {}", p, q, r, p % q);
            }
        }
    }
}
