//! Sine, cosine and hyperbolic sine for turning `(pt, eta, phi, mass)` into Cartesian
//! components, written so that a loop over whole buffers vectorises.
//!
//! Why our own: libm's `sin`, `cos` and `sinh` are scalar calls of 10–20 ns each, and the
//! conversion spent about 45 ns a particle in them (ADL Q6 profile: 17 % of the run, more than
//! all other compute). No maintained stable-Rust crate offers vectorisable double-precision
//! versions (SLEEF's Rust port needs nightly SIMD). These are the textbook algorithms: a
//! three-part Cody–Waite reduction by π/2 with fdlibm's minimax polynomials (as musl's `__sin`
//! and `__cos`), and `sinh` from a Taylor series below 1 and from `exp` above, `exp` by
//! reduction with ln 2 and a Taylor series. They use plain IEEE-754 operations only (no fused
//! multiply-add, no table), so every machine and every instruction set gives the same bits;
//! quadrants and signs are chosen with integer bit operations instead of branches.
//!
//! Each function has a fast range (|x| ≤ [`SIN_COS_LIMIT`] for sine and cosine, |x| ≤
//! [`SINH_LIMIT`] for `sinh`, which every detector coordinate is in); outside it (and for NaN
//! and infinities) the scalar functions give libm's values. Accuracy against libm within the
//! fast range: sine and cosine within 1 ulp, `sinh` within 2 ulp (`tests/it/trig.rs`).

/// Sine and cosine take the fast path for |x| up to this (beyond: libm).
pub const SIN_COS_LIMIT: f64 = 65536.0;

/// `sinh` takes the fast path for |x| up to this (beyond: libm).
pub const SINH_LIMIT: f64 = 700.0;

/// Adding and subtracting 1.5·2^52 rounds a double below 2^51 to the nearest integer, and the
/// sum's low mantissa bits hold that integer in two's complement.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// 2/π.
const INV_PIO2: f64 = 6.366_197_723_675_813_824_33e-1;
/// π/2 in three parts: the first two have 33 significant bits, so multiples by |k| < 2^20 are
/// exact (musl's `__rem_pio2`).
const PIO2_1: f64 = 1.570_796_326_734_125_614_17e0;
const PIO2_2: f64 = 6.077_100_506_303_965_976_60e-11;
const PIO2_2T: f64 = 2.022_266_248_795_950_631_54e-21;

// fdlibm's minimax polynomials on [-π/4, π/4] (k_sin.c, k_cos.c).
const S1: f64 = -1.666_666_666_666_663_243_48e-1;
const S2: f64 = 8.333_333_333_322_489_461_24e-3;
const S3: f64 = -1.984_126_982_985_794_931_34e-4;
const S4: f64 = 2.755_731_370_707_006_767_89e-6;
const S5: f64 = -2.505_076_025_340_686_341_95e-8;
const S6: f64 = 1.589_690_995_211_550_102_21e-10;
const C1: f64 = 4.166_666_666_666_660_190_37e-2;
const C2: f64 = -1.388_888_888_887_410_957_49e-3;
const C3: f64 = 2.480_158_728_947_672_941_78e-5;
const C4: f64 = -2.755_731_435_139_066_330_35e-7;
const C5: f64 = 2.087_572_321_298_174_827_90e-9;
const C6: f64 = -1.135_964_755_778_819_482_65e-11;

/// 1/ln 2, and ln 2 in two parts (the first with 32 significant bits: multiples by |k| < 2^20
/// are exact).
const INV_LN2: f64 = 1.442_695_040_888_963_387_00e0;
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// 1/3!, 1/4!, …, 1/14!: the Taylor coefficients of (e^r - 1 - r - r²/2) / r³.
const EXP_TAYLOR: [f64; 12] = [
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
    1.0 / 87_178_291_200.0,
];

/// 1/3!, 1/5!, …, 1/21!: the Taylor coefficients of (sinh x - x) / x³ in x².
const SINH_TAYLOR: [f64; 10] = [
    1.0 / 6.0,
    1.0 / 120.0,
    1.0 / 5040.0,
    1.0 / 362_880.0,
    1.0 / 39_916_800.0,
    1.0 / 6_227_020_800.0,
    1.0 / 1_307_674_368_000.0,
    1.0 / 355_687_428_096_000.0,
    1.0 / 121_645_100_408_832_000.0,
    1.0 / 51_090_942_171_709_440_000.0,
];

/// `c[0] + x (c[1] + x (c[2] + …))`, unrolled.
#[inline(always)]
fn horner<const N: usize>(x: f64, c: [f64; N]) -> f64 {
    let mut acc = c[N - 1];
    for k in (0..N - 1).rev() {
        acc = c[k] + x * acc;
    }
    acc
}

/// `(sin x, cos x)` for |x| ≤ [`SIN_COS_LIMIT`], branch-free (any value elsewhere).
#[inline(always)]
pub(crate) fn sin_cos_fast(x: f64) -> (f64, f64) {
    let shifted = x * INV_PIO2 + ROUNDER;
    let k = shifted - ROUNDER;
    let quadrant = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    // x - kπ/2 as hi + lo: the first difference is exact, the second is kept exactly by
    // TwoSum, and the last part goes into the tail.
    let r = x - k * PIO2_1;
    let w = k * PIO2_2;
    let hi = r - w;
    let back = hi - r;
    let lo = ((r - (hi - back)) + (-w - back)) - k * PIO2_2T;
    // musl's __sin and __cos with the tail.
    let z = hi * hi;
    let zz = z * z;
    let v = z * hi;
    let sin_poly = S2 + z * (S3 + z * S4) + z * zz * (S5 + z * S6);
    let sin_r = hi - ((z * (0.5 * lo - v * sin_poly) - lo) - v * S1);
    let cos_poly = z * (C1 + z * (C2 + z * C3)) + zz * zz * (C4 + z * (C5 + z * C6));
    let half_z = 0.5 * z;
    let one_minus = 1.0 - half_z;
    let cos_r = one_minus + (((1.0 - one_minus) - half_z) + (z * cos_poly - hi * lo));
    // Quadrant k: (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s).
    let swap = 0u64.wrapping_sub(quadrant & 1);
    let (sb, cb) = (sin_r.to_bits(), cos_r.to_bits());
    let sin_bits = (sb & !swap) | (cb & swap);
    let cos_bits = (cb & !swap) | (sb & swap);
    let sin_sign = (quadrant & 2) << 62;
    let cos_sign = ((quadrant ^ (quadrant >> 1)) & 1) << 63;
    (
        f64::from_bits(sin_bits ^ sin_sign),
        f64::from_bits(cos_bits ^ cos_sign),
    )
}

/// `e^a` for 0 ≤ a ≤ [`SINH_LIMIT`], branch-free (any value elsewhere).
#[inline(always)]
fn exp_fast(a: f64) -> f64 {
    let shifted = a * INV_LN2 + ROUNDER;
    let k = shifted - ROUNDER;
    let ki = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let r = (a - k * LN2_HI) - k * LN2_LO;
    // e^r - 1 for |r| ≤ ln2/2 by Taylor to r^14 (the next term is below 2^-62).
    let p = horner(r, EXP_TAYLOR);
    let em1 = r + r * r * (0.5 + r * p);
    let scale = f64::from_bits(ki.wrapping_add(1023) << 52);
    (1.0 + em1) * scale
}

/// `sinh x` for |x| ≤ [`SINH_LIMIT`], branch-free (any value elsewhere).
#[inline(always)]
pub(crate) fn sinh_fast(x: f64) -> f64 {
    let a = x.abs();
    // Below 1: x + x³/3! + … + x^21/21! (the next term is below 2^-74).
    let z = a * a;
    let series = a + a * z * horner(z, SINH_TAYLOR);
    let e = exp_fast(a);
    let from_exp = 0.5 * (e - 1.0 / e);
    let magnitude = if a < 1.0 { series } else { from_exp };
    magnitude.copysign(x)
}

/// Whether `(sin x, cos x)` takes the fast path.
#[inline(always)]
pub(crate) fn sin_cos_in_range(x: f64) -> bool {
    x.abs() <= SIN_COS_LIMIT
}

/// Whether `sinh x` takes the fast path.
#[inline(always)]
pub(crate) fn sinh_in_range(x: f64) -> bool {
    x.abs() <= SINH_LIMIT
}

/// `(sin x, cos x)`: the fast path within [`SIN_COS_LIMIT`], libm elsewhere.
///
/// ```
/// let (s, c) = rask_core::kernels::trig::sin_cos(std::f64::consts::FRAC_PI_6);
/// assert!((s - 0.5).abs() < 1e-16 && (c - 0.75f64.sqrt()).abs() < 1e-16);
/// assert!(rask_core::kernels::trig::sin_cos(f64::NAN).0.is_nan());
/// ```
#[inline]
pub fn sin_cos(x: f64) -> (f64, f64) {
    if sin_cos_in_range(x) {
        sin_cos_fast(x)
    } else {
        libm_sin_cos(x)
    }
}

/// `out[k] = sin(values[k])` for every `k`, as [`sin_cos`] gives each (the same bits): the
/// fast path over the whole buffer in one loop that vectorises, then libm's value for the few
/// outside its range.
///
/// ```
/// let mut out = [0.0; 2];
/// rask_core::kernels::trig::sin_into(&[0.5, 1e300], &mut out);
/// assert_eq!(out, [rask_core::kernels::trig::sin_cos(0.5).0, 1e300f64.sin()]);
/// ```
pub fn sin_into(values: &[f64], out: &mut [f64]) {
    trig_into::<true>(values, out)
}

/// `out[k] = cos(values[k])` for every `k`, as [`sin_into`].
///
/// ```
/// let mut out = [0.0; 2];
/// rask_core::kernels::trig::cos_into(&[0.5, f64::NAN], &mut out);
/// assert_eq!(out[0], rask_core::kernels::trig::sin_cos(0.5).1);
/// assert!(out[1].is_nan());
/// ```
pub fn cos_into(values: &[f64], out: &mut [f64]) {
    trig_into::<false>(values, out)
}

fn trig_into<const SIN: bool>(values: &[f64], out: &mut [f64]) {
    use crate::isa::Isa;
    match Isa::detect() {
        Isa::Portable => trig_body::<SIN>(values, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { trig_avx2::<SIN>(values, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { trig_avx512::<SIN>(values, out) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn trig_avx2<const SIN: bool>(values: &[f64], out: &mut [f64]) {
    trig_body::<SIN>(values, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn trig_avx512<const SIN: bool>(values: &[f64], out: &mut [f64]) {
    trig_body::<SIN>(values, out)
}

#[inline(always)]
fn trig_body<const SIN: bool>(values: &[f64], out: &mut [f64]) {
    let mut all_fast = true;
    for (o, &x) in out.iter_mut().zip(values) {
        let (s, c) = sin_cos_fast(x);
        *o = if SIN { s } else { c };
        all_fast &= sin_cos_in_range(x);
    }
    if all_fast {
        return;
    }
    for (o, &x) in out.iter_mut().zip(values) {
        if !sin_cos_in_range(x) {
            let (s, c) = libm_sin_cos(x);
            *o = if SIN { s } else { c };
        }
    }
}

/// libm's sine and cosine, out of line: LLVM treats `f64::sin`/`cos` as pure, so inlined into a
/// loop it computes them for every value and selects (a libm call per value even where the
/// fast path applies); a call it cannot see into is made only where it is needed.
#[cold]
#[inline(never)]
fn libm_sin_cos(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

/// libm's `sinh`, out of line for the reason [`libm_sin_cos`] is.
#[cold]
#[inline(never)]
fn libm_sinh(x: f64) -> f64 {
    x.sinh()
}

/// `sinh x`: the fast path within [`SINH_LIMIT`], libm elsewhere.
///
/// ```
/// use rask_core::kernels::trig::sinh;
/// assert_eq!(sinh(0.0), 0.0);
/// assert!((sinh(1.5) - 1.5f64.sinh()).abs() <= 2.0 * f64::EPSILON * 1.5f64.sinh());
/// assert_eq!(sinh(f64::INFINITY), f64::INFINITY);
/// ```
#[inline]
pub fn sinh(x: f64) -> f64 {
    if sinh_in_range(x) {
        sinh_fast(x)
    } else {
        libm_sinh(x)
    }
}
