//! The float functions of [`UnaryOp`](crate::UnaryOp) and [`BinaryOp`](crate::BinaryOp),
//! defined once: macros that bind a closure of its own type per operation, so that every loop
//! calling one is compiled per operation, inlined and vectorised.

/// Runs `$body` with `$f` bound to the float function of the [`UnaryOp`](crate::UnaryOp) `$op`: a closure of its
/// own type per operation, so a loop calling it is compiled once per operation, inlined and
/// vectorised, where a loop over [`UnaryOp::float_fn`](crate::UnaryOp::float_fn)'s pointer makes one indirect call per
/// element. The one place the functions are defined.
///
/// ```
/// use rask_plan::UnaryOp;
/// let xs = [1.0, 4.0, 9.0];
/// let roots: Vec<f64> = rask_plan::with_unary_float_fn!(UnaryOp::Sqrt, |f| xs.iter().map(|&x| f(x)).collect());
/// assert_eq!(roots, [1.0, 2.0, 3.0]);
/// ```
#[macro_export]
macro_rules! with_unary_float_fn {
    ($op:expr, |$f:ident| $body:expr) => {{
        use $crate::UnaryOp as U;
        match $op {
            U::Neg => {
                let $f = |x: f64| -x;
                $body
            }
            U::Abs => {
                let $f = f64::abs;
                $body
            }
            U::Sqrt => {
                let $f = f64::sqrt;
                $body
            }
            U::Exp => {
                let $f = f64::exp;
                $body
            }
            U::Log => {
                let $f = f64::ln;
                $body
            }
            U::Sin => {
                let $f = $crate::arith::sin;
                $body
            }
            U::Cos => {
                let $f = $crate::arith::cos;
                $body
            }
            U::Tan => {
                let $f = f64::tan;
                $body
            }
            U::Arctan => {
                let $f = f64::atan;
                $body
            }
            U::Sinh => {
                let $f = f64::sinh;
                $body
            }
            U::Cosh => {
                let $f = f64::cosh;
                $body
            }
            U::Tanh => {
                let $f = f64::tanh;
                $body
            }
            U::Floor => {
                let $f = f64::floor;
                $body
            }
            U::Ceil => {
                let $f = f64::ceil;
                $body
            }
            U::Log10 => {
                let $f = f64::log10;
                $body
            }
            U::Log2 => {
                let $f = f64::log2;
                $body
            }
            U::Log1p => {
                let $f = f64::ln_1p;
                $body
            }
            U::Expm1 => {
                let $f = f64::exp_m1;
                $body
            }
            U::Arcsin => {
                let $f = f64::asin;
                $body
            }
            U::Arccos => {
                let $f = f64::acos;
                $body
            }
            U::Arcsinh => {
                let $f = f64::asinh;
                $body
            }
            U::Arccosh => {
                let $f = f64::acosh;
                $body
            }
            U::Arctanh => {
                let $f = f64::atanh;
                $body
            }
            U::Rint => {
                let $f = f64::round_ties_even;
                $body
            }
            U::Trunc => {
                let $f = f64::trunc;
                $body
            }
            U::Exp2 => {
                let $f = f64::exp2;
                $body
            }
            U::Cbrt => {
                let $f = f64::cbrt;
                $body
            }
            U::Square => {
                let $f = |x: f64| x * x;
                $body
            }
            U::Deg2rad => {
                let $f = f64::to_radians;
                $body
            }
            U::Rad2deg => {
                let $f = f64::to_degrees;
                $body
            }
            U::Sign => {
                let $f = |x: f64| {
                    if x > 0.0 {
                        1.0
                    } else if x < 0.0 {
                        -1.0
                    } else if x == 0.0 {
                        0.0 // numpy: sign(-0.0) is +0.0
                    } else {
                        x // NaN
                    }
                };
                $body
            }
            // Boolean: the identity on floats.
            U::Not => {
                let $f = |x: f64| x;
                $body
            }
        }
    }};
}

/// Runs `$body` with `$f` bound to the float function of the [`BinaryOp`](crate::BinaryOp) `$op`, or gives
/// `$none` for comparisons and logic: a closure of its own type per operation, so a loop calling
/// it is compiled once per operation and inlined (see [`with_unary_float_fn!`]). The one place
/// the functions are defined.
///
/// ```
/// use rask_plan::BinaryOp;
/// let (a, b) = ([1.0, 2.0], [3.0, 5.0]);
/// let sums: Option<Vec<f64>> = rask_plan::with_binary_float_fn!(
///     BinaryOp::Add,
///     |f| Some(a.iter().zip(&b).map(|(&p, &q)| f(p, q)).collect()),
///     None
/// );
/// assert_eq!(sums, Some(vec![4.0, 7.0]));
/// ```
#[macro_export]
macro_rules! with_binary_float_fn {
    ($op:expr, |$f:ident| $body:expr, $none:expr) => {{
        use $crate::BinaryOp as B;
        match $op {
            B::Add => {
                let $f = |p: f64, q: f64| p + q;
                $body
            }
            B::Sub => {
                let $f = |p: f64, q: f64| p - q;
                $body
            }
            B::Mul => {
                let $f = |p: f64, q: f64| p * q;
                $body
            }
            B::Div => {
                let $f = |p: f64, q: f64| p / q;
                $body
            }
            B::Mod => {
                let $f = $crate::arith::remainder;
                $body
            }
            B::Pow => {
                let $f = f64::powf;
                $body
            }
            B::Arctan2 => {
                let $f = f64::atan2;
                $body
            }
            B::Hypot => {
                let $f = f64::hypot;
                $body
            }
            B::Minimum => {
                let $f = |p: f64, q: f64| {
                    if p.is_nan() || q.is_nan() {
                        f64::NAN
                    } else {
                        p.min(q)
                    }
                };
                $body
            }
            B::Maximum => {
                let $f = |p: f64, q: f64| {
                    if p.is_nan() || q.is_nan() {
                        f64::NAN
                    } else {
                        p.max(q)
                    }
                };
                $body
            }
            B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge | B::And | B::Or => $none,
        }
    }};
}
