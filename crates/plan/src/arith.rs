//! Integer arithmetic, the one definition the reference interpreter and the engine share.
//!
//! **Integers are exact or an error.** `+ - *`, unary minus and `abs` on 64-bit integers
//! (counts like `nMuon`, integer branches, integer literals) give the exact result, or fail
//! with an error naming the operation and the operands when the result does not fit in 64 bits
//! (`nMuon * 9223372036854775807`); they never wrap around. Write a float (`2.0`) to compute in
//! floating point instead.
//!
//! **Division and remainder are float operations.** `/` and `%` convert integer operands to
//! f64, so they follow IEEE 754 as float columns do: `n / 0` is ±inf (0 / 0 is NaN), `n % 0`
//! is NaN, and histograms put ±inf in the flow bins and NaN in the overflow bin. A cut like
//! `if(nJet > 0, nMuon / nJet, 0)` therefore never fails on the events it discards.

use crate::op::{BinaryOp, UnaryOp};

/// An integer operation without an exact 64-bit result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IntegerError {
    /// `a op b` does not fit in 64 bits.
    #[error(
        "integer overflow: {a} {sym} {b} does not fit in a 64-bit integer (integer arithmetic \
         is exact or an error; write a float such as 2.0 to compute in floating point)",
        sym = .op.symbol().unwrap_or("?")
    )]
    Overflow { op: BinaryOp, a: i64, b: i64 },
    /// `-a` or `abs(a)` for the one integer without a negation (`i64::MIN`).
    #[error("integer overflow: {}({a}) does not fit in a 64-bit integer", if *.op == UnaryOp::Neg { "-" } else { "abs " })]
    OverflowUnary { op: UnaryOp, a: i64 },
    /// The operation has no integer form (an internal error: typing makes it a float).
    #[error("internal error: integer {op:?} is not an integer operation")]
    NotInteger { op: BinaryOp },
}

/// The error of an integer operation whose result does not fit in 64 bits.
///
/// ```
/// let m = rask_plan::arith::integer_overflow(rask_plan::BinaryOp::Mul, 2, i64::MAX).to_string();
/// assert!(m.contains("2 * 9223372036854775807"));
/// ```
pub fn integer_overflow(op: BinaryOp, a: i64, b: i64) -> IntegerError {
    IntegerError::Overflow { op, a, b }
}

/// The error of `-x` or `abs(x)` for the one integer without a negation (`i64::MIN`).
pub fn integer_overflow_unary(op: UnaryOp, a: i64) -> IntegerError {
    IntegerError::OverflowUnary { op, a }
}

/// `a op b` on two integers for the integer operations (`+ - *`, minimum, maximum): the exact
/// result, or the overflow error.
///
/// ```
/// use rask_plan::{BinaryOp, arith::checked_integer};
/// assert_eq!(checked_integer(BinaryOp::Add, 2, 3), Ok(5));
/// assert!(checked_integer(BinaryOp::Mul, 3, i64::MAX).is_err());
/// ```
pub fn checked_integer(op: BinaryOp, a: i64, b: i64) -> Result<i64, IntegerError> {
    let r = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Minimum => Some(a.min(b)),
        BinaryOp::Maximum => Some(a.max(b)),
        other => return Err(IntegerError::NotInteger { op: other }),
    };
    r.ok_or_else(|| integer_overflow(op, a, b))
}

/// Integer-valued floats below this take [`remainder`]'s division path: their quotient's
/// rounding cannot cross an integer (that needs `|p| >= 2^53`), so its truncation is exact.
const EXACT_QUOTIENT: f64 = 4_503_599_627_370_496.0; // 2^52

/// `p % q` as C's `fmod` (the sign of `p`, exact), the one definition of `%` on floats. For
/// integer-valued operands below 2^52 (integer branches such as NanoAOD's `jetId % 8`) it is
/// `p - trunc(p / q) * q`, exact there and a division instead of a libm call; anything else is
/// Rust's `%` (libm's `fmod`). Same bits either way, signed zeros included.
///
/// ```
/// use rask_plan::arith::remainder;
/// assert_eq!(remainder(14.0, 8.0), 6.0);
/// assert_eq!(remainder(-8.0, 8.0).to_bits(), (-0.0f64).to_bits());
/// assert_eq!(remainder(5.5, 2.0), 1.5);
/// assert!(remainder(1.0, 0.0).is_nan());
/// ```
#[inline]
pub fn remainder(p: f64, q: f64) -> f64 {
    if exact_integer(p) && exact_integer(q) && q != 0.0 {
        (p - (p / q).trunc() * q).copysign(p)
    } else {
        fmod(p, q)
    }
}

/// [`remainder`]`(p, q)` of every `p` of `values` into `out`, bit for bit, for one divisor: the
/// divisor of `jetId % 8`. With an integer-valued divisor every value takes the division path
/// in one loop the compiler vectorises (no call in it), and a second loop redoes with `fmod`
/// only values that are not integer-valued below 2^52, when there are any.
///
/// ```
/// let mut out = [0.0; 5];
/// rask_plan::arith::remainders_by(&[14.0, -8.0, 5.5, f64::NAN, 3.0], 8.0, &mut out);
/// assert_eq!(out.map(f64::to_bits)[..2], [6.0f64.to_bits(), (-0.0f64).to_bits()]);
/// assert_eq!((out[2], out[3].is_nan(), out[4]), (5.5, true, 3.0));
/// ```
#[inline(always)]
pub fn remainders_by(values: &[f64], q: f64, out: &mut [f64]) {
    if !(exact_integer(q) && q != 0.0) {
        for (o, &p) in out.iter_mut().zip(values) {
            *o = remainder(p, q);
        }
        return;
    }
    let mut all_exact = true;
    for (o, &p) in out.iter_mut().zip(values) {
        *o = (p - (p / q).trunc() * q).copysign(p);
        all_exact &= exact_integer(p);
    }
    if !all_exact {
        for (o, &p) in out.iter_mut().zip(values) {
            if !exact_integer(p) {
                *o = fmod(p, q);
            }
        }
    }
}

/// An integer value below 2^52 in magnitude: where [`remainder`]'s division path is exact.
#[inline(always)]
fn exact_integer(x: f64) -> bool {
    x.abs() < EXACT_QUOTIENT && x == x.trunc()
}

/// Rust's `%` on floats, kept out of line: inlined, LLVM's `frem` is free of side effects and a
/// vectorised loop computes it (a libm call per element) on every element, then selects.
#[cold]
#[inline(never)]
fn fmod(p: f64, q: f64) -> f64 {
    p % q
}

/// `sin x` as every plan computes it: [`rask_core::kernels::trig::sin_cos`] (within 1 ulp of
/// libm, libm's own value beyond |x| ≤ 65536 and for NaN and infinities), a few multiplies
/// instead of a libm call that saves and restores the rounding mode (about 20 ns).
///
/// ```
/// assert_eq!(rask_plan::arith::sin(0.0), 0.0);
/// assert!((rask_plan::arith::sin(1.0) - 1.0f64.sin()).abs() <= f64::EPSILON);
/// assert!(rask_plan::arith::sin(f64::INFINITY).is_nan());
/// ```
#[inline]
pub fn sin(x: f64) -> f64 {
    rask_core::kernels::trig::sin_cos(x).0
}

/// `cos x` as every plan computes it, as [`sin`].
///
/// ```
/// assert_eq!(rask_plan::arith::cos(0.0), 1.0);
/// assert!((rask_plan::arith::cos(3.0) - 3.0f64.cos()).abs() <= f64::EPSILON);
/// assert_eq!(rask_plan::arith::cos(1e300), 1e300f64.cos());
/// ```
#[inline]
pub fn cos(x: f64) -> f64 {
    rask_core::kernels::trig::sin_cos(x).1
}
