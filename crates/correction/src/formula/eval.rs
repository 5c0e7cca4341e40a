//! Runs a compiled formula program over a morsel of rows: one instruction at a time, each a
//! tight loop over the morsel's slices (no per-row dispatch, no allocation).

use super::ast::{BinOp, UnOp};
use super::compile::{OpKind, Operand, Program};

/// Rows per morsel (registers hold this many values).
pub(crate) const CHUNK: usize = 1024;

/// A generic formula's parameters: the same for every row (a FormulaRef), or one value per
/// row of the morsel (the FormulaRefs of a binning's bins, gathered by bin).
#[derive(Clone, Copy)]
pub(crate) enum Params<'s> {
    Fixed(&'s [f64]),
    Rows(&'s [&'s [f64]]),
}

impl<'s> Params<'s> {
    fn operand(self, p: usize, n: usize) -> In<'s> {
        match self {
            Params::Fixed(v) => In::Scalar(v.get(p).copied().unwrap_or(f64::NAN)),
            Params::Rows(r) => In::Slice(r.get(p).and_then(|s| s.get(..n)).unwrap_or(&[])),
        }
    }
}

/// An instruction operand resolved for one morsel.
#[derive(Clone, Copy)]
enum In<'s> {
    /// The destination register itself (the operation is in place).
    Dst,
    Slice(&'s [f64]),
    Scalar(f64),
}

impl Program {
    /// Evaluates rows `0..n` of a morsel: `vars[i]` holds the morsel's values of the i-th
    /// input (`n` of them), `regs` has room for `nregs` registers of `stride >= n` rows.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &self,
        regs: &mut [f64],
        stride: usize,
        vars: &[&[f64]],
        params: Params<'_>,
        n: usize,
        out: &mut [f64],
    ) {
        for ins in &self.instrs {
            let d = ins.dst as usize;
            let Some((lo, rest)) = split(regs, d * stride) else {
                return;
            };
            let Some((dst, hi)) = split(rest, stride) else {
                return;
            };
            let dst = &mut dst[..n];
            let resolve = |o: Operand| -> In<'_> {
                match o {
                    Operand::Reg(r) if r as usize == d => In::Dst,
                    Operand::Reg(r) if (r as usize) < d => {
                        let s = r as usize * stride;
                        In::Slice(lo.get(s..s + n).unwrap_or(&[]))
                    }
                    Operand::Reg(r) => {
                        let s = (r as usize - d - 1) * stride;
                        In::Slice(hi.get(s..s + n).unwrap_or(&[]))
                    }
                    Operand::Var(v) => In::Slice(vars.get(v as usize).copied().unwrap_or(&[])),
                    Operand::Const(c) => In::Scalar(c),
                    Operand::Param(p) => params.operand(p, n),
                }
            };
            let (a, b) = (resolve(ins.a), resolve(ins.b));
            match ins.op {
                OpKind::Un(op) => unary(op, dst, a),
                OpKind::Bin(op) => binary(op, dst, a, b),
            }
        }
        let out = &mut out[..n];
        match self.result {
            Operand::Reg(r) => {
                let s = r as usize * stride;
                if let Some(v) = regs.get(s..s + n) {
                    out.copy_from_slice(v);
                }
            }
            Operand::Var(v) => {
                if let Some(col) = vars.get(v as usize).and_then(|c| c.get(..n)) {
                    out.copy_from_slice(col);
                }
            }
            Operand::Const(c) => out.fill(c),
            Operand::Param(p) => match params.operand(p, n) {
                In::Scalar(v) => out.fill(v),
                In::Slice(v) if v.len() == n => out.copy_from_slice(v),
                _ => out.fill(f64::NAN),
            },
        }
    }
}

fn split(s: &mut [f64], at: usize) -> Option<(&mut [f64], &mut [f64])> {
    (at <= s.len()).then(|| s.split_at_mut(at))
}

#[inline(always)]
fn un<F: Fn(f64) -> f64>(d: &mut [f64], a: In<'_>, f: F) {
    match a {
        In::Dst => d.iter_mut().for_each(|x| *x = f(*x)),
        In::Slice(a) => d.iter_mut().zip(a).for_each(|(x, &v)| *x = f(v)),
        In::Scalar(v) => d.fill(f(v)),
    }
}

#[inline(always)]
fn bin<F: Fn(f64, f64) -> f64>(d: &mut [f64], a: In<'_>, b: In<'_>, f: F) {
    match (a, b) {
        (In::Dst, In::Slice(b)) => d.iter_mut().zip(b).for_each(|(x, &y)| *x = f(*x, y)),
        (In::Dst, In::Scalar(y)) => d.iter_mut().for_each(|x| *x = f(*x, y)),
        (In::Slice(a), In::Dst) => d.iter_mut().zip(a).for_each(|(x, &w)| *x = f(w, *x)),
        (In::Scalar(w), In::Dst) => d.iter_mut().for_each(|x| *x = f(w, *x)),
        (In::Slice(a), In::Slice(b)) => d
            .iter_mut()
            .zip(a.iter().zip(b))
            .for_each(|(x, (&w, &y))| *x = f(w, y)),
        (In::Slice(a), In::Scalar(y)) => d.iter_mut().zip(a).for_each(|(x, &w)| *x = f(w, y)),
        (In::Scalar(w), In::Slice(b)) => d.iter_mut().zip(b).for_each(|(x, &y)| *x = f(w, y)),
        (In::Scalar(w), In::Scalar(y)) => d.fill(f(w, y)),
        (In::Dst, In::Dst) => d.iter_mut().for_each(|x| *x = f(*x, *x)),
    }
}

/// `d = op(a)` row by row, with AVX2 where the CPU has it (twice the lanes of the SSE2
/// baseline for the arithmetic; every lane computes the same IEEE operation, so the bits are
/// the same; the C library's functions are called one value at a time either way).
fn unary(op: UnOp, d: &mut [f64], a: In<'_>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (detected just above), all `unary_avx2` needs.
        return unsafe { unary_avx2(op, d, a) };
    }
    unary_any(op, d, a);
}

/// `d = op(a, b)` row by row, with AVX2 where the CPU has it (as [`unary`]).
fn binary(op: BinOp, d: &mut [f64], a: In<'_>, b: In<'_>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (detected just above), all `binary_avx2` needs.
        return unsafe { binary_avx2(op, d, a, b) };
    }
    binary_any(op, d, a, b);
}

/// [`unary_any`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn unary_avx2(op: UnOp, d: &mut [f64], a: In<'_>) {
    unary_any(op, d, a);
}

/// [`binary_any`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn binary_avx2(op: BinOp, d: &mut [f64], a: In<'_>, b: In<'_>) {
    binary_any(op, d, a, b);
}

/// One monomorphised loop per operator: `op` is a constant in each arm, so `apply` folds to
/// the bare operation.
#[inline(always)]
fn unary_any(op: UnOp, d: &mut [f64], a: In<'_>) {
    macro_rules! arms {
        ($($v:ident),*) => {
            match op { $(UnOp::$v => un(d, a, |x| UnOp::$v.apply(x)),)* }
        };
    }
    arms!(
        Neg, Log, Log10, Exp, Erf, Sqrt, Abs, Cos, Sin, Tan, Acos, Asin, Atan, Cosh, Sinh, Tanh,
        Acosh, Asinh, Atanh
    )
}

#[inline(always)]
fn binary_any(op: BinOp, d: &mut [f64], a: In<'_>, b: In<'_>) {
    macro_rules! arms {
        ($($v:ident),*) => {
            match op { $(BinOp::$v => bin(d, a, b, |x, y| BinOp::$v.apply(x, y)),)* }
        };
    }
    arms!(
        Or, And, Eq, Ne, Gt, Lt, Ge, Le, Sub, Add, Div, Mul, Pow, Atan2, Max, Min
    )
}
