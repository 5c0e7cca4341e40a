//! The C math library's functions, called directly: correctionlib's C++ calls them through
//! `std::exp`, `std::erf`, ... so the same libm gives the same bits. (Rust's `asinh`, `acosh`
//! and `atanh` are computed in Rust with other formulas, and `erf` is not in Rust's std.)

// SAFETY: these are the C99 <math.h> functions of the platform's libm (linked by std on every
// supported target), each a pure function of its f64 arguments with exactly this signature.
unsafe extern "C" {
    pub(crate) safe fn exp(x: f64) -> f64;
    pub(crate) safe fn log(x: f64) -> f64;
    pub(crate) safe fn log10(x: f64) -> f64;
    pub(crate) safe fn erf(x: f64) -> f64;
    pub(crate) safe fn cos(x: f64) -> f64;
    pub(crate) safe fn sin(x: f64) -> f64;
    pub(crate) safe fn tan(x: f64) -> f64;
    pub(crate) safe fn acos(x: f64) -> f64;
    pub(crate) safe fn asin(x: f64) -> f64;
    pub(crate) safe fn atan(x: f64) -> f64;
    pub(crate) safe fn cosh(x: f64) -> f64;
    pub(crate) safe fn sinh(x: f64) -> f64;
    pub(crate) safe fn tanh(x: f64) -> f64;
    pub(crate) safe fn acosh(x: f64) -> f64;
    pub(crate) safe fn asinh(x: f64) -> f64;
    pub(crate) safe fn atanh(x: f64) -> f64;
    pub(crate) safe fn pow(x: f64, y: f64) -> f64;
    pub(crate) safe fn atan2(y: f64, x: f64) -> f64;
}
