//! The vectorisable sine, cosine and `sinh` of `kernels::trig` against libm, and the
//! whole-buffer Lorentz conversion against the scalar one.

use proptest::prelude::*;
use rask_core::kernels::trig::{SIN_COS_LIMIT, SINH_LIMIT, sin_cos, sinh};
use rask_core::kernels::{P4, PtEtaPhiM, cartesian_parts};

/// The distance in units in the last place between two finite doubles of one sign (or zero).
fn ulps(a: f64, b: f64) -> u64 {
    if a == b {
        return 0;
    }
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    key(a).abs_diff(key(b))
}

/// Deterministic inputs: a xorshift stream scaled to `[-range, range]`, rounded through f32
/// when `f32_inputs` (as branches of detector coordinates are stored).
fn inputs(n: usize, range: f64, f32_inputs: bool) -> Vec<f64> {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * range;
            if f32_inputs { x as f32 as f64 } else { x }
        })
        .collect()
}

/// The largest distance in ulp between `ours` and `libm`'s values (each gives one or more
/// values per input) over 300,000 inputs of each `(range, f32_inputs)`, and where it is.
fn worst_ulps(
    ranges: [(f64, bool); 4],
    ours: impl Fn(f64) -> Vec<f64>,
    libm: impl Fn(f64) -> Vec<f64>,
) -> (u64, f64) {
    let mut worst = (0u64, 0.0);
    for (range, f32_inputs) in ranges {
        for x in inputs(300_000, range, f32_inputs) {
            for (got, want) in ours(x).into_iter().zip(libm(x)) {
                let d = ulps(got, want);
                if d > worst.0 {
                    worst = (d, x);
                }
            }
        }
    }
    worst
}

#[test]
fn sine_and_cosine_are_within_one_ulp_of_libm() {
    let ranges = [
        (3.5, true),
        (3.5, false),
        (100.0, false),
        (SIN_COS_LIMIT, false),
    ];
    let ours = |x: f64| {
        let (s, c) = sin_cos(x);
        vec![s, c]
    };
    let worst = worst_ulps(ranges, ours, |x| vec![x.sin(), x.cos()]);
    assert!(worst.0 <= 1, "{} ulp at x = {:e}", worst.0, worst.1);
}

#[test]
fn hyperbolic_sine_is_within_two_ulp_of_libm() {
    let ranges = [
        (5.0, true),
        (1.2, false),
        (30.0, false),
        (SINH_LIMIT, false),
    ];
    let worst = worst_ulps(ranges, |x| vec![sinh(x)], |x| vec![x.sinh()]);
    assert!(worst.0 <= 2, "{} ulp at x = {:e}", worst.0, worst.1);
}

#[test]
fn special_values_follow_libm() {
    for x in [0.0, -0.0, 1e-300, -1e-300, 5e-324] {
        assert_eq!(sinh(x).to_bits(), x.sinh().to_bits(), "sinh({x:e})");
        assert_eq!(sin_cos(x).0.to_bits(), x.sin().to_bits(), "sin({x:e})");
        assert_eq!(sin_cos(x).1, x.cos(), "cos({x:e})");
    }
    // Where sinh changes formula.
    for x in [1.0, -1.0, 1f64.next_down(), -(1f64.next_down())] {
        assert!(ulps(sinh(x), x.sinh()) <= 2, "sinh({x:e})");
    }
    for x in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
        -1e300,
        710.0,
        -800.0,
    ] {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan();
        assert!(same(sinh(x), x.sinh()), "sinh({x:e})");
        assert!(same(sin_cos(x).0, x.sin()), "sin({x:e})");
        assert!(same(sin_cos(x).1, x.cos()), "cos({x:e})");
    }
}

#[test]
fn the_quadrants_have_the_signs_of_libm() {
    // Just either side of every multiple of π/4 up to ±4π.
    for k in -16..=16 {
        let m = k as f64 * std::f64::consts::FRAC_PI_4;
        for x in [m, m.next_up(), m.next_down(), m + 1e-9, m - 1e-9] {
            let (s, c) = sin_cos(x);
            assert!(
                ulps(s, x.sin()) <= 1,
                "sin({x:e}) = {s:e}, libm {:e}",
                x.sin()
            );
            assert!(
                ulps(c, x.cos()) <= 1,
                "cos({x:e}) = {c:e}, libm {:e}",
                x.cos()
            );
        }
    }
}

fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -6.0..6.0f64,
        1 => prop::num::f64::ANY,
        1 => Just(f64::NAN),
        1 => prop_oneof![Just(700.5), Just(-1e6), Just(65536.5), Just(f64::INFINITY)],
    ]
}

proptest! {
    #[test]
    fn the_whole_buffer_conversion_equals_the_scalar_one_to_the_bit(
        v in prop::collection::vec((0.0..500.0f64, coordinate(), coordinate(), 0.0..100.0f64), 0..70)
    ) {
        let pt: Vec<f64> = v.iter().map(|x| x.0).collect();
        let eta: Vec<f64> = v.iter().map(|x| x.1).collect();
        let phi: Vec<f64> = v.iter().map(|x| x.2).collect();
        let mass: Vec<f64> = v.iter().map(|x| x.3).collect();
        let parts = cartesian_parts(PtEtaPhiM { pt: &pt, eta: &eta, phi: &phi, mass: &mass });
        for i in 0..v.len() {
            let p = P4::from_ptetaphim(pt[i], eta[i], phi[i], mass[i]);
            let want = [p.px, p.py, p.pz, p.e];
            for (k, w) in want.iter().enumerate() {
                let got = parts[k][i];
                prop_assert!(
                    got.to_bits() == w.to_bits() || got.is_nan() && w.is_nan(),
                    "component {k} of ({}, {}, {}, {}): {got:e} vs {w:e}", pt[i], eta[i], phi[i], mass[i]
                );
            }
        }
    }
}

proptest! {
    /// The buffer forms give each value's `sin_cos` bit for bit, in range or not (NaN, ±inf,
    /// beyond the fast range), whatever the buffer's length.
    #[test]
    fn buffer_sine_and_cosine_equal_the_per_value_ones(
        xs in prop::collection::vec(
            prop_oneof![-7.0f64..7.0, -1e6f64..1e6, Just(f64::NAN), Just(f64::INFINITY), any::<f64>()],
            0..40,
        )
    ) {
        use rask_core::kernels::trig::{cos_into, sin_into};
        let (mut s, mut c) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        sin_into(&xs, &mut s);
        cos_into(&xs, &mut c);
        for (k, &x) in xs.iter().enumerate() {
            let (ws, wc) = sin_cos(x);
            prop_assert_eq!(s[k].to_bits(), ws.to_bits(), "sin {}", x);
            prop_assert_eq!(c[k].to_bits(), wc.to_bits(), "cos {}", x);
        }
    }
}
