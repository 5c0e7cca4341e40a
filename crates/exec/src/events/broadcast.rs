//! Element-wise work on event columns: operands are broadcast by their structure (missing values
//! stay missing, lists of one lineage go element by element, per-event values are repeated over
//! lists), then a whole-buffer leaf function runs once on the flat leaves.

use std::sync::Arc;

use arrow_buffer::{BooleanBuffer, OffsetBuffer, ScalarBuffer};
use rask_core::column::Col;
use rask_core::kernels::{self, KernelError};
use rask_plan::arith::{IntegerError, checked_integer};
use rask_plan::op::{BinaryOp, LorentzOp, Scalar, UnaryOp};
use rask_plan::types::DType;

use super::error::EventError;

/// An operand: a column or a literal.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Col(&'a Col),
    Const(Scalar),
}

type R<T> = Result<T, EventError>;

/// Whether two lists have the same lengths per event: the same buffer (shared offsets of one
/// counter, checked in O(1)) or equal values.
pub(crate) fn same_offsets(a: &OffsetBuffer<i32>, b: &OffsetBuffer<i32>) -> bool {
    a.inner().inner().ptr_eq(b.inner().inner()) && a.len() == b.len() || a[..] == b[..]
}

/// Broadcasts `args` to one structure and applies `leaf` to the flat leaves (numbers or records
/// of equal length; literals stay literals).
pub fn broadcast(args: &[Arg<'_>], leaf: &dyn Fn(&[Arg<'_>]) -> R<Col>) -> R<Col> {
    if args.iter().any(|a| matches!(a, Arg::Col(Col::Opt(..)))) {
        let mut valid: Option<BooleanBuffer> = None;
        let mut inner = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Arg::Col(Col::Opt(v, c)) => {
                    valid = Some(match valid {
                        None => v.clone(),
                        Some(x) => &x & v,
                    });
                    inner.push(Arg::Col(c.as_ref()));
                }
                other => inner.push(*other),
            }
        }
        let out = broadcast(&inner, leaf)?;
        let valid = valid.unwrap_or_else(|| BooleanBuffer::new_set(out.len()));
        return Ok(Col::Opt(valid, Arc::new(out)));
    }
    let Some(offsets) = args.iter().find_map(|a| match a {
        Arg::Col(Col::List(o, _)) => Some(o.clone()),
        _ => None,
    }) else {
        return leaf(args);
    };
    let mut parents: Option<Vec<u32>> = None;
    let mut repeated: Vec<Option<Col>> = vec![None; args.len()];
    for (i, a) in args.iter().enumerate() {
        if let Arg::Col(c) = a {
            match c {
                Col::List(o, _) => {
                    if !same_offsets(o, &offsets) {
                        return Err(mismatch(o, &offsets).into());
                    }
                }
                other => {
                    if other.len() != offsets.len() - 1 {
                        return Err(KernelError::EventCount {
                            a: other.len(),
                            b: offsets.len() - 1,
                        }
                        .into());
                    }
                    let p = parents.get_or_insert_with(|| kernels::parents(&offsets));
                    repeated[i] = Some(other.take(p));
                }
            }
        }
    }
    let items: Vec<Arg<'_>> = args
        .iter()
        .zip(&repeated)
        .map(|(a, r)| match (a, r) {
            (_, Some(c)) => Arg::Col(c),
            (Arg::Col(Col::List(_, items)), None) => Arg::Col(items.as_ref()),
            (other, None) => *other,
        })
        .collect();
    let out = broadcast(&items, leaf)?;
    Ok(Col::List(offsets, Arc::new(out)))
}

/// The first event whose lists differ in length, else the numbers of events.
pub(crate) fn mismatch(a: &OffsetBuffer<i32>, b: &OffsetBuffer<i32>) -> KernelError {
    let n = a.len().min(b.len());
    let len = |o: &OffsetBuffer<i32>, e: usize| (o[e + 1] - o[e]).max(0) as usize;
    for e in 0..n.saturating_sub(1) {
        let (x, y) = (len(a, e), len(b, e));
        if x != y {
            return KernelError::LengthMismatch {
                event: e,
                a: x,
                b: y,
            };
        }
    }
    KernelError::EventCount {
        a: a.len().saturating_sub(1),
        b: b.len().saturating_sub(1),
    }
}

/// The row count of the first column among `args`.
pub(crate) fn rows(args: &[Arg<'_>]) -> usize {
    args.iter()
        .find_map(|a| match a {
            Arg::Col(c) => Some(c.len()),
            Arg::Const(_) => None,
        })
        .unwrap_or(1)
}

/// A number operand viewed element by element.
enum Num<'a> {
    F(&'a [f64]),
    I(&'a [i64]),
    B(&'a BooleanBuffer),
    Const(Scalar),
}

impl<'a> Num<'a> {
    fn of(a: &Arg<'a>) -> R<Num<'a>> {
        Ok(match a {
            Arg::Col(Col::F64(v)) => Num::F(v),
            Arg::Col(Col::I64(v)) => Num::I(v),
            Arg::Col(Col::Bool(v)) => Num::B(v),
            Arg::Col(other) => {
                return Err(EventError::Internal(format!(
                    "expected numbers, found {}",
                    other.kind()
                )));
            }
            Arg::Const(s) => Num::Const(*s),
        })
    }
    #[inline]
    fn f(&self, i: usize) -> f64 {
        match self {
            Num::F(v) => v[i],
            Num::I(v) => v[i] as f64,
            Num::B(v) => v.value(i) as u8 as f64,
            Num::Const(s) => s.as_f64(),
        }
    }
    #[inline]
    fn i(&self, i: usize) -> i64 {
        match self {
            Num::F(v) => v[i] as i64,
            Num::I(v) => v[i],
            Num::B(v) => v.value(i) as i64,
            Num::Const(Scalar::I64(x)) => *x,
            Num::Const(Scalar::Bool(b)) => *b as i64,
            Num::Const(Scalar::F64(x)) => *x as i64,
        }
    }
    #[inline]
    fn b(&self, i: usize) -> bool {
        match self {
            Num::F(v) => v[i] != 0.0,
            Num::I(v) => v[i] != 0,
            Num::B(v) => v.value(i),
            Num::Const(s) => s.as_f64() != 0.0,
        }
    }
    fn is_int(&self) -> bool {
        matches!(self, Num::I(_) | Num::Const(Scalar::I64(_)))
    }
    fn is_bool(&self) -> bool {
        matches!(self, Num::B(_) | Num::Const(Scalar::Bool(_)))
    }
}

/// The column kind of a plan dtype.
fn fix(col: Col, d: DType) -> Col {
    match (&col, d) {
        (Col::F64(_), DType::F32 | DType::F64)
        | (Col::I64(_), DType::I32 | DType::I64 | DType::U32 | DType::U64)
        | (Col::Bool(_), DType::Bool) => col,
        _ => cast_leaf(&col, d),
    }
}

/// A leaf converted to dtype `d` (f32 rounds through f32, as the reference interpreter does).
pub fn cast_leaf(col: &Col, d: DType) -> Col {
    // The common kinds as whole-buffer loops (the same expressions as the general case below).
    match (col, d) {
        (Col::F64(v), DType::F32) => return Col::F64(v.iter().map(|&x| x as f32 as f64).collect()),
        (Col::F64(_), DType::F64) | (Col::I64(_), DType::I64) => return col.clone(),
        (Col::I64(v), DType::F64) => return Col::F64(v.iter().map(|&x| x as f64).collect()),
        (Col::I64(v), DType::F32) => {
            return Col::F64(v.iter().map(|&x| x as f64 as f32 as f64).collect());
        }
        _ => {}
    }
    let n = col.len();
    let Ok(x) = Num::of(&Arg::Col(col)) else {
        return col.clone();
    };
    match d {
        DType::Bool => Col::Bool((0..n).map(|i| x.b(i)).collect()),
        DType::F32 => Col::F64((0..n).map(|i| x.f(i) as f32 as f64).collect()),
        DType::F64 => Col::F64((0..n).map(|i| x.f(i)).collect()),
        _ => Col::I64((0..n).map(|i| x.i(i)).collect()),
    }
}

/// Brings every leaf of `col` to the kind of dtype `d` (see [`cast_leaf`]).
pub fn fix_kind(col: Col, d: DType) -> Col {
    match col {
        Col::List(o, items) => {
            let items = Arc::unwrap_or_clone(items);
            Col::List(o, Arc::new(fix_kind(items, d)))
        }
        Col::Opt(v, inner) => {
            let inner = Arc::unwrap_or_clone(inner);
            Col::Opt(v, Arc::new(fix_kind(inner, d)))
        }
        Col::Record(..) => col,
        leaf => fix(leaf, d),
    }
}

/// `a op b` on leaves, with the result dtype `out` of the plan.
pub fn binary(op: BinaryOp, args: &[Arg<'_>], out: DType) -> R<Col> {
    use BinaryOp::*;
    let n = rows(args);
    let (x, y) = (Num::of(&args[0])?, Num::of(&args[1])?);
    if op.is_logical() {
        if let (Num::B(a), Num::B(b)) = (&x, &y)
            && a.len() == b.len()
        {
            // Whole words at a time.
            return Ok(Col::Bool(if op == And { *a & *b } else { *a | *b }));
        }
        return Ok(Col::Bool(
            (0..n)
                .map(|i| {
                    if op == And {
                        x.b(i) && y.b(i)
                    } else {
                        x.b(i) || y.b(i)
                    }
                })
                .collect(),
        ));
    }
    if op.is_comparison() {
        // Numbers against numbers or a constant: 64 results per word, no per-element dispatch
        // (IEEE comparisons give what the `partial_cmp` tests below give, NaN included).
        use super::chain::{Rhs, compare_items};
        let fast = match (&x, &y) {
            (Num::F(a), Num::Const(c)) => Some(compare_items(op, a, Rhs::Const(c.as_f64()))),
            (Num::F(a), Num::F(b)) if a.len() == b.len() => {
                Some(compare_items(op, a, Rhs::Items(b)))
            }
            (Num::I(a), Num::Const(Scalar::I64(c))) => Some(compare_items(op, a, Rhs::Const(*c))),
            (Num::I(a), Num::I(b)) if a.len() == b.len() => {
                Some(compare_items(op, a, Rhs::Items(b)))
            }
            _ => None,
        };
        if let Some(out) = fast {
            return Ok(Col::Bool(out));
        }
        use std::cmp::Ordering::*;
        let test = move |o: Option<std::cmp::Ordering>| match op {
            Eq => o == Some(Equal),
            Ne => o != Some(Equal),
            Lt => o == Some(Less),
            Le => matches!(o, Some(Less | Equal)),
            Gt => o == Some(Greater),
            _ => matches!(o, Some(Greater | Equal)),
        };
        let out: BooleanBuffer = if x.is_int() && y.is_int() {
            (0..n).map(|i| test(Some(x.i(i).cmp(&y.i(i))))).collect()
        } else if x.is_bool() && y.is_bool() {
            (0..n).map(|i| test(Some(x.b(i).cmp(&y.b(i))))).collect()
        } else {
            (0..n).map(|i| test(x.f(i).partial_cmp(&y.f(i)))).collect()
        };
        return Ok(Col::Bool(out));
    }
    if !(out.is_float() || x.is_bool() && y.is_bool() && out == DType::Bool) {
        // Integer arithmetic is exact or an error (`rask_plan::reference::interp` does the
        // same): the wrapped result and an overflow flag per element, the flags or-ed so the
        // loop stays branch-free.
        // One loop per operation (a `fn` pointer called per element would not inline).
        let (values, overflow) = match op {
            Add => int_map2(&x, &y, n, i64::overflowing_add),
            Sub => int_map2(&x, &y, n, i64::overflowing_sub),
            Mul => match (&x, &y) {
                // By a constant (`-11 * charge`): when the extreme products fit, none overflows
                // (the product is monotonic), and the loop needs no flag per element.
                (Num::I(a), Num::Const(Scalar::I64(c)))
                | (Num::Const(Scalar::I64(c)), Num::I(a))
                    if products_fit(a, *c) =>
                {
                    (a.iter().map(|&p| p.wrapping_mul(*c)).collect(), false)
                }
                _ => int_map2(&x, &y, n, i64::overflowing_mul),
            },
            Minimum => int_map2(&x, &y, n, |p, q| (p.min(q), false)),
            Maximum => int_map2(&x, &y, n, |p, q| (p.max(q), false)),
            other => return Err(IntegerError::NotInteger { op: other }.into()),
        };
        if overflow {
            let overflows = |&i: &usize| checked_integer(op, x.i(i), y.i(i)).is_err();
            let i = (0..n).find(overflows).unwrap_or(0);
            return Err(rask_plan::arith::integer_overflow(op, x.i(i), y.i(i)).into());
        }
        return Ok(Col::I64(values.into()));
    }
    let v: Vec<f64> = rask_plan::with_binary_float_fn!(
        op,
        |f| float_map2(&x, &y, n, f),
        return Err(EventError::Internal(format!("{op:?} is not arithmetic")))
    );
    Ok(fix(Col::F64(v.into()), out))
}

/// Whether `v * c` fits in an `i64` for every `v` of `values`: it does for their smallest and
/// largest, between which the product is monotonic.
fn products_fit(values: &[i64], c: i64) -> bool {
    let (lo, hi) = values
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let fits = |v: i64| i64::try_from(i128::from(v) * i128::from(c)).is_ok();
    values.is_empty() || fits(lo) && fits(hi)
}

/// `f` over two integer operands, whole buffers where they are: the wrapped results and whether
/// any overflowed (the flags or-ed, so the loop stays branch-free).
#[inline]
fn int_map2(
    x: &Num<'_>,
    y: &Num<'_>,
    n: usize,
    f: impl Fn(i64, i64) -> (i64, bool),
) -> (Vec<i64>, bool) {
    let mut overflow = false;
    let mut apply = |p: i64, q: i64| {
        let (r, o) = f(p, q);
        overflow |= o;
        r
    };
    let values = match (x, y) {
        (Num::I(a), Num::I(b)) => a.iter().zip(b.iter()).map(|(p, q)| apply(*p, *q)).collect(),
        (Num::I(a), Num::Const(Scalar::I64(c))) => a.iter().map(|p| apply(*p, *c)).collect(),
        (Num::Const(Scalar::I64(c)), Num::I(b)) => b.iter().map(|q| apply(*c, *q)).collect(),
        _ => (0..n).map(|i| apply(x.i(i), y.i(i))).collect(),
    };
    (values, overflow)
}

/// `f` over two float operands, whole buffers where they are (the loop is compiled per `f`).
#[inline]
fn float_map2(x: &Num<'_>, y: &Num<'_>, n: usize, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    match (x, y) {
        (Num::F(a), Num::F(b)) => a.iter().zip(b.iter()).map(|(p, q)| f(*p, *q)).collect(),
        (Num::F(a), Num::Const(c)) => {
            let c = c.as_f64();
            a.iter().map(|p| f(*p, c)).collect()
        }
        (Num::Const(c), Num::F(b)) => {
            let c = c.as_f64();
            b.iter().map(|q| f(c, *q)).collect()
        }
        _ => (0..n).map(|i| f(x.f(i), y.f(i))).collect(),
    }
}

/// A function of one leaf.
pub fn unary(op: UnaryOp, args: &[Arg<'_>], out: DType) -> R<Col> {
    let n = rows(args);
    let x = Num::of(&args[0])?;
    Ok(match (op, &x) {
        (UnaryOp::Not, _) => Col::Bool((0..n).map(|i| !x.b(i)).collect()),
        (UnaryOp::Neg | UnaryOp::Abs, Num::I(v)) => {
            // Only i64::MIN has no negation; exact or an error, as for binary operations.
            if v.contains(&i64::MIN) {
                return Err(rask_plan::arith::integer_overflow_unary(op, i64::MIN).into());
            }
            let f: fn(i64) -> i64 = if op == UnaryOp::Neg { |a| -a } else { i64::abs };
            Col::I64(v.iter().map(|a| f(*a)).collect())
        }
        (u, Num::F(v)) => fix(
            Col::F64(rask_plan::with_unary_float_fn!(u, |f| v
                .iter()
                .map(|&a| f(a))
                .collect())),
            out,
        ),
        (u, _) => {
            let f = u.float_fn();
            fix(Col::F64((0..n).map(|i| f(x.f(i))).collect()), out)
        }
    })
}

/// `where(cond, a, b)` on leaves.
pub fn where_(args: &[Arg<'_>], out: DType) -> R<Col> {
    let n = rows(args);
    let (c, a, b) = (Num::of(&args[0])?, Num::of(&args[1])?, Num::of(&args[2])?);
    Ok(match out {
        DType::Bool => Col::Bool(
            (0..n)
                .map(|i| if c.b(i) { a.b(i) } else { b.b(i) })
                .collect(),
        ),
        d if d.is_float() => Col::F64(match (&c, a.floats(n), b.floats(n)) {
            (Num::B(c), Some(a), Some(b)) if c.len() == n => pick_floats(c, a, b).into(),
            _ => (0..n)
                .map(|i| if c.b(i) { a.f(i) } else { b.f(i) })
                .collect(),
        }),
        _ => Col::I64(match (&c, a.ints(n), b.ints(n)) {
            (Num::B(c), Some(a), Some(b)) if c.len() == n => pick(c, a, b).into(),
            _ => (0..n)
                .map(|i| if c.b(i) { a.i(i) } else { b.i(i) })
                .collect(),
        }),
    })
}

/// A numbers operand of `where` read without conversion: a slice of `n` or a literal.
#[derive(Clone, Copy)]
enum Picked<'a, T> {
    Slice(&'a [T]),
    Const(T),
}

impl<'a> Num<'a> {
    /// Floats as they are (f64 leaves, float literals), else `None`.
    fn floats(&self, n: usize) -> Option<Picked<'a, f64>> {
        match self {
            Num::F(v) if v.len() == n => Some(Picked::Slice(v)),
            Num::Const(Scalar::F64(x)) => Some(Picked::Const(*x)),
            _ => None,
        }
    }
    /// Integers as they are (i64 leaves, integer literals), else `None`.
    fn ints(&self, n: usize) -> Option<Picked<'a, i64>> {
        match self {
            Num::I(v) if v.len() == n => Some(Picked::Slice(v)),
            Num::Const(Scalar::I64(x)) => Some(Picked::Const(*x)),
            _ => None,
        }
    }
}

/// [`pick`] for floats: a column and a literal (`where(mask, pt, -inf)` before an `argmax`,
/// either way round) by copying the column and blending the literal in, eight values per
/// masked operation ([`kernels::bits::keep_where_set`]), 64 flags a word.
fn pick_floats(c: &BooleanBuffer, a: Picked<'_, f64>, b: Picked<'_, f64>) -> Vec<f64> {
    let (values, otherwise, flip) = match (a, b) {
        (Picked::Slice(x), Picked::Const(q)) => (x, q, 0),
        (Picked::Const(p), Picked::Slice(y)) => (y, p, u64::MAX),
        _ => return pick(c, a, b),
    };
    let mut out = values.to_vec();
    let chunks = c.inner().bit_chunks(c.offset(), c.len());
    let words = chunks
        .iter()
        .chain(std::iter::once(chunks.remainder_bits()))
        .map(|word| word ^ flip);
    kernels::bits::keep_where_set(&mut out, words, otherwise);
    out
}

/// `c ? a : b` item by item, a loop per operand kind (no per-item dispatch).
fn pick<T: Copy>(c: &BooleanBuffer, a: Picked<'_, T>, b: Picked<'_, T>) -> Vec<T> {
    use Picked::{Const, Slice};
    match (a, b) {
        (Slice(x), Slice(y)) => c
            .iter()
            .zip(x.iter().zip(y))
            .map(|(k, (p, q))| if k { *p } else { *q })
            .collect(),
        (Slice(x), Const(q)) => c
            .iter()
            .zip(x)
            .map(|(k, p)| if k { *p } else { q })
            .collect(),
        (Const(p), Slice(y)) => c
            .iter()
            .zip(y)
            .map(|(k, q)| if k { p } else { *q })
            .collect(),
        (Const(p), Const(q)) => c.iter().map(|k| if k { p } else { q }).collect(),
    }
}

/// A numeric field of a record leaf, as f64 (derived for sums, see [`super::vector`]).
pub(super) fn field_f64(c: &Col, name: &str) -> R<ScalarBuffer<f64>> {
    super::vector::field(c, name)
        .ok_or_else(|| EventError::Internal(format!("the records have no field '{name}'")))?
        .f64_buffer()
        .map_err(EventError::from)
}

fn phi_of(a: &Arg<'_>) -> R<ScalarBuffer<f64>> {
    match a {
        Arg::Col(c @ Col::Record(..)) => field_f64(c, "phi"),
        Arg::Col(c) => c.f64_buffer().map_err(EventError::from),
        Arg::Const(_) => Err(EventError::internal("delta_phi of a literal")),
    }
}

fn record_of<'a>(a: &Arg<'a>) -> R<&'a Col> {
    match a {
        Arg::Col(c @ Col::Record(..)) => Ok(c),
        Arg::Col(c) => Err(EventError::Internal(format!(
            "expected vector records, found {}",
            c.kind()
        ))),
        Arg::Const(_) => Err(EventError::internal(
            "expected vector records, found a literal",
        )),
    }
}

/// Lorentz-vector operations on record leaves (`pt, eta, phi, mass`, or a sum's Cartesian
/// components).
pub fn lorentz(op: LorentzOp, args: &[Arg<'_>]) -> R<Col> {
    use super::vector;
    Ok(match op {
        LorentzOp::Add => {
            let [ax, ay, az, ae] = vector::parts(record_of(&args[0])?)?;
            let [bx, by, bz, be] = vector::parts(record_of(&args[1])?)?;
            let add = |x: ScalarBuffer<f64>, y: ScalarBuffer<f64>| -> ScalarBuffer<f64> {
                x.iter().zip(y.iter()).map(|(p, q)| p + q).collect()
            };
            vector::from_parts([add(ax, bx), add(ay, by), add(az, bz), add(ae, be)])
        }
        LorentzOp::Mass => {
            let [px, py, pz, e] = vector::parts(record_of(&args[0])?)?;
            Col::F64(
                (0..px.len())
                    .map(|i| {
                        kernels::P4 {
                            px: px[i],
                            py: py[i],
                            pz: pz[i],
                            e: e[i],
                        }
                        .mass()
                    })
                    .collect(),
            )
        }
        LorentzOp::Pt => Col::F64(field_f64(record_of(&args[0])?, "pt")?),
        LorentzOp::Eta => Col::F64(field_f64(record_of(&args[0])?, "eta")?),
        LorentzOp::Phi => Col::F64(field_f64(record_of(&args[0])?, "phi")?),
        LorentzOp::DeltaPhi => {
            let (a, b) = (phi_of(&args[0])?, phi_of(&args[1])?);
            Col::F64(
                a.iter()
                    .zip(&b)
                    .map(|(x, y)| kernels::delta_phi(*x, *y))
                    .collect(),
            )
        }
        LorentzOp::Mt => {
            let (a, b) = (record_of(&args[0])?, record_of(&args[1])?);
            let (pa, fa, pb, fb) = (
                field_f64(a, "pt")?,
                field_f64(a, "phi")?,
                field_f64(b, "pt")?,
                field_f64(b, "phi")?,
            );
            Col::F64(
                (0..pa.len())
                    .map(|i| kernels::transverse_mass(pa[i], fa[i], pb[i], fb[i]))
                    .collect(),
            )
        }
        LorentzOp::DeltaR => {
            let (a, b) = (record_of(&args[0])?, record_of(&args[1])?);
            let (ea, pa, eb, pb) = (
                field_f64(a, "eta")?,
                field_f64(a, "phi")?,
                field_f64(b, "eta")?,
                field_f64(b, "phi")?,
            );
            Col::F64(
                (0..ea.len())
                    .map(|i| kernels::delta_r(ea[i], pa[i], eb[i], pb[i]))
                    .collect(),
            )
        }
    })
}

/// The leaves of `args` as f64 columns of one record (for histogram fills).
pub fn tuple(args: &[Arg<'_>]) -> R<Col> {
    let n = rows(args);
    let fields = args
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let values = match a {
                // f64 columns are shared, not copied.
                Arg::Col(c) => c.f64_buffer()?,
                Arg::Const(s) => vec![s.as_f64(); n].into(),
            };
            Ok((k.to_string(), Col::F64(values)))
        })
        .collect::<R<Vec<_>>>()?;
    Ok(Col::record(n, fields))
}

/// The rows of the leaves of `col` (a broadcast [`tuple`]) that are present: lists flattened,
/// missing values dropped. Returns the f64 columns of the record at the bottom.
pub fn present_leaves(col: &Col) -> R<Vec<ScalarBuffer<f64>>> {
    fn walk(col: &Col, sel: Option<Vec<u32>>) -> R<Vec<ScalarBuffer<f64>>> {
        match col {
            Col::Opt(valid, inner) => {
                let keep: Vec<u32> = match sel {
                    None => valid.set_indices().map(|i| i as u32).collect(),
                    Some(s) => s.into_iter().filter(|&i| valid.value(i as usize)).collect(),
                };
                walk(inner, Some(keep))
            }
            Col::List(o, items) => {
                let inner: Option<Vec<u32>> = sel.map(|s| {
                    let mut out = Vec::new();
                    for i in s {
                        out.extend(o[i as usize] as u32..o[i as usize + 1] as u32);
                    }
                    out
                });
                walk(items, inner)
            }
            Col::Record(_, fields) => fields
                .iter()
                .map(|(_, c)| match &sel {
                    None => c.f64_buffer().map_err(EventError::from),
                    Some(s) => c.take(s).f64_buffer().map_err(EventError::from),
                })
                .collect(),
            other => Err(EventError::Internal(format!(
                "unexpected {} while filling",
                other.kind()
            ))),
        }
    }
    walk(col, None)
}

#[cfg(test)]
mod tests {
    use super::{Arg, products_fit, where_};
    use rask_core::column::Col;
    use rask_plan::op::Scalar;
    use rask_plan::types::DType;

    #[test]
    fn where_of_floats_and_a_literal_picks_item_by_item_either_way_round() {
        // 150 items (two whole words and a part), the mask read from bit 3 of its buffer.
        let bits: Vec<bool> = (0..153).map(|i| (i * 7 + i / 5) % 3 != 0).collect();
        let cond = arrow_buffer::BooleanBuffer::from(bits.clone()).slice(3, 150);
        let x: Vec<f64> = (0..150).map(|i| i as f64 * 0.5 - 7.0).collect();
        let (mask, values) = (Col::Bool(cond), Col::F64(x.clone().into()));
        let lit = Arg::Const(Scalar::F64(f64::NEG_INFINITY));
        let ways = [
            [Arg::Col(&mask), Arg::Col(&values), lit],
            [Arg::Col(&mask), lit, Arg::Col(&values)],
        ];
        for (k, args) in ways.iter().enumerate() {
            let result = where_(args, DType::F64);
            assert!(matches!(result, Ok(Col::F64(_))), "{result:?}");
            let got = match &result {
                Ok(Col::F64(v)) => v.to_vec(),
                _ => Vec::new(),
            };
            let want: Vec<f64> = (0..150)
                .map(|i| match (bits[i + 3], k) {
                    (true, 0) | (false, 1) => x[i],
                    _ => f64::NEG_INFINITY,
                })
                .collect();
            assert_eq!(
                &got[..],
                &want[..],
                "literal {}",
                if k == 0 { "second" } else { "first" }
            );
        }
    }

    #[test]
    fn products_by_a_constant_fit_only_when_both_extremes_do() {
        assert!(products_fit(&[], i64::MAX));
        assert!(products_fit(&[-3, 0, 5], -13));
        assert!(products_fit(&[i64::MAX / 2, -(i64::MAX / 2)], 2));
        assert!(!products_fit(&[0, i64::MAX / 2 + 1], 2));
        assert!(!products_fit(&[i64::MIN, 0], -1));
        assert!(products_fit(&[i64::MIN, i64::MAX], 1));
        assert!(products_fit(&[i64::MIN, i64::MAX], 0));
        assert!(!products_fit(&[-2, 1], i64::MIN));
    }
}
