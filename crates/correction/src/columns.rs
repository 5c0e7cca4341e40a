//! The evaluator's view of its inputs: one column per correction input (borrowed from the
//! caller, or owned after a conversion or a Transform), and selections of rows.

use std::borrow::Cow;

use crate::types::Value;

/// The rows a node is evaluated on: a range of rows, or listed rows (ascending), as a
/// binning's child sees the rows that fell in its bin. Position k of the selection is row
/// `row(k)`; node outputs are indexed by position.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sel<'s> {
    Range(usize, usize),
    Rows(&'s [usize]),
}

impl<'s> Sel<'s> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Sel::Range(a, b) => b - a,
            Sel::Rows(r) => r.len(),
        }
    }

    /// The row at position `k`.
    pub(crate) fn row(&self, k: usize) -> usize {
        match self {
            Sel::Range(a, _) => a + k,
            Sel::Rows(r) => r[k],
        }
    }

    /// Positions `a..b` of the selection.
    pub(crate) fn sub(&self, a: usize, b: usize) -> Sel<'s> {
        match self {
            Sel::Range(s, _) => Sel::Range(s + a, s + b),
            Sel::Rows(r) => Sel::Rows(&r[a..b]),
        }
    }
}

/// One input column.
#[derive(Debug)]
pub(crate) enum Column<'a> {
    Real(Cow<'a, [f64]>),
    RealConst(f64),
    Int(Cow<'a, [i64]>),
    IntConst(i64),
    Str(Cow<'a, [&'a str]>),
    StrConst(&'a str),
}

/// Values of selected rows: `src[row]` for each row of `sel`, into `buf`.
fn gather<'b, T: Copy>(src: &'b [T], sel: Sel<'_>, buf: &'b mut Vec<T>) -> &'b [T] {
    match sel {
        Sel::Range(a, b) => &src[a..b],
        Sel::Rows(rows) => {
            buf.clear();
            buf.extend(rows.iter().map(|&r| src[r]));
            buf
        }
    }
}

fn filled<T: Copy>(v: T, n: usize, buf: &mut Vec<T>) -> &[T] {
    buf.clear();
    buf.resize(n, v);
    buf
}

impl<'a> Column<'a> {
    /// The selected rows as reals (ints converted as C++ `static_cast<double>`; strings, never
    /// asked for, as NaN).
    pub(crate) fn reals<'b>(&'b self, sel: Sel<'_>, buf: &'b mut Vec<f64>) -> &'b [f64] {
        match self {
            Column::Real(v) => gather(v, sel, buf),
            Column::RealConst(x) => filled(*x, sel.len(), buf),
            Column::Int(v) => {
                buf.clear();
                buf.extend((0..sel.len()).map(|k| v[sel.row(k)] as f64));
                buf
            }
            Column::IntConst(i) => filled(*i as f64, sel.len(), buf),
            Column::Str(_) | Column::StrConst(_) => filled(f64::NAN, sel.len(), buf),
        }
    }

    /// The selected rows as integers (only asked of int inputs).
    pub(crate) fn ints<'b>(&'b self, sel: Sel<'_>, buf: &'b mut Vec<i64>) -> &'b [i64] {
        match self {
            Column::Int(v) => gather(v, sel, buf),
            Column::IntConst(i) => filled(*i, sel.len(), buf),
            Column::Real(v) => {
                buf.clear();
                buf.extend((0..sel.len()).map(|k| v[sel.row(k)] as i64));
                buf
            }
            Column::RealConst(x) => filled(*x as i64, sel.len(), buf),
            Column::Str(_) | Column::StrConst(_) => filled(0, sel.len(), buf),
        }
    }

    /// The selected rows as strings (only asked of string inputs).
    pub(crate) fn strs<'b>(&'b self, sel: Sel<'_>, buf: &'b mut Vec<&'a str>) -> &'b [&'a str] {
        match self {
            Column::Str(v) => gather(v, sel, buf),
            Column::StrConst(s) => filled(*s, sel.len(), buf),
            _ => filled("", sel.len(), buf),
        }
    }

    /// Reads one value per cache line of the selected rows (a range of a real column), so
    /// that they are in the cache when asked for: called on the next morsel while one is
    /// evaluated, as the hardware prefetcher stops at every 4 KiB page.
    pub(crate) fn touch(&self, sel: Sel<'_>) {
        if let (Column::Real(v), Sel::Range(a, b)) = (self, sel)
            && let Some(v) = v.get(a..b)
        {
            let bits = v.iter().step_by(8).fold(0u64, |acc, x| acc ^ x.to_bits());
            std::hint::black_box(bits);
        }
    }

    /// The value at `row`.
    pub(crate) fn value_at(&self, row: usize) -> Value<'a> {
        match self {
            Column::Real(v) => Value::Real(v[row]),
            Column::RealConst(x) => Value::Real(*x),
            Column::Int(v) => Value::Int(v[row]),
            Column::IntConst(i) => Value::Int(*i),
            Column::Str(v) => Value::Str(v[row]),
            Column::StrConst(s) => Value::Str(s),
        }
    }

    /// Whether every row has the same value.
    pub(crate) fn is_const(&self) -> bool {
        matches!(
            self,
            Column::RealConst(_) | Column::IntConst(_) | Column::StrConst(_)
        )
    }

    /// The column restricted to `sel`, as a column of `sel.len()` rows (a borrowed slice for a
    /// range, gathered values for listed rows).
    pub(crate) fn rebase<'b>(&'b self, sel: Sel<'_>) -> Column<'b> {
        match (self, sel) {
            (Column::Real(v), Sel::Range(a, b)) => Column::Real(Cow::Borrowed(&v[a..b])),
            (Column::Int(v), Sel::Range(a, b)) => Column::Int(Cow::Borrowed(&v[a..b])),
            (Column::Str(v), Sel::Range(a, b)) => Column::Str(Cow::Borrowed(&v[a..b])),
            (Column::Real(v), Sel::Rows(r)) => Column::Real(r.iter().map(|&i| v[i]).collect()),
            (Column::Int(v), Sel::Rows(r)) => Column::Int(r.iter().map(|&i| v[i]).collect()),
            (Column::Str(v), Sel::Rows(r)) => Column::Str(r.iter().map(|&i| v[i]).collect()),
            (Column::RealConst(x), _) => Column::RealConst(*x),
            (Column::IntConst(i), _) => Column::IntConst(*i),
            (Column::StrConst(s), _) => Column::StrConst(s),
        }
    }
}
