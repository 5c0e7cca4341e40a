//! Histograms: boost-histogram semantics, N-dimensional, filled from whole Arrow buffers, merged
//! from partial histograms, and written as UHI JSON that Python's `hist` reads.
//!
//! Bin indices include the flow bins: on an axis with underflow, index 0 is the underflow and
//! the regular bins start at 1. Values are stored row-major over all axes' extents, which is the
//! order of UHI's nested arrays.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use serde_json::{Value, json};

mod fill;

/// An axis of a histogram.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    /// `bins` equal bins over `[lower, upper)`.
    Regular {
        bins: u32,
        lower: f64,
        upper: f64,
        underflow: bool,
        overflow: bool,
        name: String,
        label: String,
    },
    /// Bins between increasing `edges`.
    Variable {
        edges: Vec<f64>,
        underflow: bool,
        overflow: bool,
        name: String,
        label: String,
    },
    /// One bin per integer in `[lower, upper)`.
    Integer {
        lower: i64,
        upper: i64,
        underflow: bool,
        overflow: bool,
        name: String,
        label: String,
    },
    /// One bin per listed integer, plus an "other" bin when `flow`.
    IntCategory {
        categories: Vec<i64>,
        flow: bool,
        name: String,
        label: String,
    },
    /// One bin per listed string, plus an "other" bin when `flow`.
    StrCategory {
        categories: Vec<String>,
        flow: bool,
        name: String,
        label: String,
    },
    /// False and true.
    Boolean { name: String, label: String },
}

impl Axis {
    /// A regular axis with under- and overflow (the default of `hist`).
    ///
    /// ```
    /// let a = rask_core::hist::Axis::regular(10, 0.0, 1.0, "x");
    /// assert_eq!(a.index(0.05), Some(1));
    /// assert_eq!(a.index(-1.0), Some(0));
    /// assert_eq!(a.index(1.0), Some(11));
    /// ```
    pub fn regular(bins: u32, lower: f64, upper: f64, name: &str) -> Axis {
        Axis::Regular {
            bins,
            lower,
            upper,
            underflow: true,
            overflow: true,
            name: name.to_string(),
            label: name.to_string(),
        }
    }

    /// The bin edges of a numeric axis (regular edges computed as `lower + i * width`, the last
    /// exactly `upper`; integer axes one bin per integer); `None` for category and boolean axes.
    ///
    /// ```
    /// use rask_core::hist::Axis;
    /// assert_eq!(Axis::regular(4, 0.0, 2.0, "x").edges(), Some(vec![0.0, 0.5, 1.0, 1.5, 2.0]));
    /// ```
    pub fn edges(&self) -> Option<Vec<f64>> {
        match self {
            Axis::Regular {
                bins, lower, upper, ..
            } => {
                let n = *bins as usize;
                let width = (upper - lower) / n.max(1) as f64;
                let mut edges: Vec<f64> = (0..n).map(|i| lower + i as f64 * width).collect();
                edges.push(*upper);
                Some(edges)
            }
            Axis::Variable { edges, .. } => Some(edges.clone()),
            Axis::Integer { lower, upper, .. } => {
                Some((*lower..=*upper).map(|i| i as f64).collect())
            }
            _ => None,
        }
    }

    /// Number of bins including flow bins.
    pub fn extent(&self) -> usize {
        let flow = |u: bool, o: bool| usize::from(u) + usize::from(o);
        match self {
            Axis::Regular {
                bins,
                underflow,
                overflow,
                ..
            } => *bins as usize + flow(*underflow, *overflow),
            Axis::Variable {
                edges,
                underflow,
                overflow,
                ..
            } => edges.len().saturating_sub(1) + flow(*underflow, *overflow),
            Axis::Integer {
                lower,
                upper,
                underflow,
                overflow,
                ..
            } => (upper - lower).max(0) as usize + flow(*underflow, *overflow),
            Axis::IntCategory {
                categories, flow, ..
            } => categories.len() + usize::from(*flow),
            Axis::StrCategory {
                categories, flow, ..
            } => categories.len() + usize::from(*flow),
            Axis::Boolean { .. } => 2,
        }
    }

    /// The storage index of `x` (flow bins included), or `None` when it falls outside an axis
    /// without that flow bin. NaN goes to the overflow bin, as in boost-histogram.
    pub fn index(&self, x: f64) -> Option<usize> {
        match self {
            Axis::Regular {
                bins,
                lower,
                upper,
                underflow,
                overflow,
                ..
            } => regular_index(x, *lower, *upper, *bins, *underflow, *overflow),
            Axis::Variable {
                edges,
                underflow,
                overflow,
                ..
            } => {
                let n = edges.len() as i64 - 1;
                let i = if edges.last() == Some(&x) {
                    n
                } else {
                    edges.partition_point(|e| *e <= x) as i64 - 1
                };
                let i = if x.is_nan() { n } else { i };
                flow_place(i, n, *underflow, *overflow)
            }
            Axis::Integer {
                lower,
                upper,
                underflow,
                overflow,
                ..
            } => {
                let n = upper - lower;
                let i = if x.is_nan() {
                    n
                } else {
                    (x.floor() - *lower as f64).clamp(-1.0, n as f64) as i64
                };
                flow_place(i, n, *underflow, *overflow)
            }
            Axis::IntCategory {
                categories, flow, ..
            } => match categories.iter().position(|c| *c as f64 == x) {
                Some(i) => Some(i),
                None => flow.then_some(categories.len()),
            },
            // A number on a string axis is a category code (a fileset's coded `dataset` or
            // `process` column): code k is the k-th category; anything else is the flow bin.
            Axis::StrCategory {
                categories, flow, ..
            } => match category_code(x, categories.len()) {
                Some(k) => Some(k),
                None => flow.then_some(categories.len()),
            },
            Axis::Boolean { .. } => Some(usize::from(x != 0.0)),
        }
    }

    /// The storage index of a string on a string-category axis (numbers are category codes:
    /// see [`Axis::index`]).
    pub fn index_str(&self, s: &str) -> Option<usize> {
        match self {
            Axis::StrCategory {
                categories, flow, ..
            } => match categories.iter().position(|c| c == s) {
                Some(i) => Some(i),
                None => flow.then_some(categories.len()),
            },
            _ => None,
        }
    }

    fn uhi(&self) -> Value {
        let meta = |name: &str, label: &str| json!({"name": name, "label": label});
        match self {
            Axis::Regular {
                bins,
                lower,
                upper,
                underflow,
                overflow,
                name,
                label,
            } => json!({
                "type": "regular", "lower": lower, "upper": upper, "bins": bins,
                "underflow": underflow, "overflow": overflow, "circular": false, "metadata": meta(name, label)
            }),
            Axis::Variable {
                edges,
                underflow,
                overflow,
                name,
                label,
            } => json!({
                "type": "variable", "edges": edges, "underflow": underflow, "overflow": overflow,
                "circular": false, "metadata": meta(name, label)
            }),
            Axis::Integer {
                lower,
                upper,
                underflow,
                overflow,
                name,
                label,
            } => json!({
                "type": "regular", "lower": lower, "upper": upper, "bins": upper - lower,
                "underflow": underflow, "overflow": overflow, "circular": false, "metadata": meta(name, label),
                "writer_info": {"boost-histogram": {"orig_type": "Integer"}}
            }),
            Axis::IntCategory {
                categories,
                flow,
                name,
                label,
            } => json!({
                "type": "category_int", "categories": categories, "flow": flow, "metadata": meta(name, label)
            }),
            Axis::StrCategory {
                categories,
                flow,
                name,
                label,
            } => json!({
                "type": "category_str", "categories": categories, "flow": flow, "metadata": meta(name, label)
            }),
            Axis::Boolean { name, label } => {
                json!({"type": "boolean", "metadata": meta(name, label)})
            }
        }
    }
}

/// The storage kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageKind {
    /// Integer counts.
    Int,
    /// Sums of weights.
    Double,
    /// Sums of weights and of squared weights.
    Weight,
}

/// Bin contents.
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    Int(Vec<i64>),
    Double(Vec<f64>),
    Weight { sum: Vec<f64>, sum2: Vec<f64> },
}

/// Errors of histogram filling and merging.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistError {
    #[error("a {axes}-D histogram needs {axes} value columns, got {got}")]
    Arity { axes: usize, got: usize },
    #[error("fill columns have different lengths ({0} and {1})")]
    Lengths(usize, usize),
    #[error("the storage holds {got} bins, the axes make {want}")]
    StorageSize { want: usize, got: usize },
    #[error("cannot fill from Arrow type {0}")]
    Type(DataType),
    #[error("cannot merge histograms with different axes or storage")]
    Incompatible,
    #[error("integer storage cannot take weights")]
    WeightsOnInt,
}

/// An N-dimensional histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub axes: Vec<Axis>,
    pub storage: Storage,
}

impl Histogram {
    /// An empty histogram.
    ///
    /// ```
    /// use rask_core::hist::{Axis, Histogram, StorageKind};
    /// let mut h = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Int);
    /// h.fill(&[&[0.5, 1.5, 1.7, 9.0]], None).unwrap();
    /// assert_eq!(h.values(), vec![0.0, 1.0, 2.0, 1.0]);
    /// ```
    pub fn new(axes: Vec<Axis>, kind: StorageKind) -> Histogram {
        let size: usize = axes.iter().map(Axis::extent).product();
        let storage = match kind {
            StorageKind::Int => Storage::Int(vec![0; size]),
            StorageKind::Double => Storage::Double(vec![0.0; size]),
            StorageKind::Weight => Storage::Weight {
                sum: vec![0.0; size],
                sum2: vec![0.0; size],
            },
        };
        Histogram { axes, storage }
    }

    /// The storage kind.
    pub fn kind(&self) -> StorageKind {
        match self.storage {
            Storage::Int(_) => StorageKind::Int,
            Storage::Double(_) => StorageKind::Double,
            Storage::Weight { .. } => StorageKind::Weight,
        }
    }

    /// Bin contents as f64, flow bins included, row-major.
    pub fn values(&self) -> Vec<f64> {
        match &self.storage {
            Storage::Int(v) => v.iter().map(|&x| x as f64).collect(),
            Storage::Double(v) => v.clone(),
            Storage::Weight { sum, .. } => sum.clone(),
        }
    }

    /// Fills one entry per row of `columns` (one column per axis), weighted by `weights`.
    pub fn fill(&mut self, columns: &[&[f64]], weights: Option<&[f64]>) -> Result<(), HistError> {
        if columns.len() != self.axes.len() {
            return Err(HistError::Arity {
                axes: self.axes.len(),
                got: columns.len(),
            });
        }
        let n = columns.first().map_or(0, |c| c.len());
        for c in columns
            .iter()
            .map(|c| c.len())
            .chain(weights.map(<[f64]>::len))
        {
            if c != n {
                return Err(HistError::Lengths(n, c));
            }
        }
        if weights.is_some() && matches!(self.storage, Storage::Int(_)) {
            return Err(HistError::WeightsOnInt);
        }
        let want = fill::storage_size(&self.axes);
        let got = fill::storage_len(&self.storage);
        if want != Some(got) {
            return Err(HistError::StorageSize {
                want: want.unwrap_or(usize::MAX),
                got,
            });
        }
        if fill::fits(&self.axes) {
            fill::fill(&self.axes, &mut self.storage, columns, weights);
        } else {
            fill::fill_by_row(&self.axes, &mut self.storage, columns, weights);
        }
        Ok(())
    }

    /// Fills from Arrow columns: numbers, or lists of numbers flattened (jagged fills). All columns
    /// and the weights must flatten to the same length.
    pub fn fill_arrays(
        &mut self,
        columns: &[ArrayRef],
        weights: Option<&ArrayRef>,
    ) -> Result<(), HistError> {
        let cols: Vec<Vec<f64>> = columns.iter().map(flat_f64).collect::<Result<_, _>>()?;
        let w = weights.map(flat_f64).transpose()?;
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        self.fill(&refs, w.as_deref())
    }

    /// Adds `other` (a partial histogram of the same axes and storage) into `self`.
    pub fn merge(&mut self, other: &Histogram) -> Result<(), HistError> {
        if self.axes != other.axes {
            return Err(HistError::Incompatible);
        }
        match (&mut self.storage, &other.storage) {
            (Storage::Int(a), Storage::Int(b)) => a.iter_mut().zip(b).for_each(|(x, y)| *x += y),
            (Storage::Double(a), Storage::Double(b)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y)
            }
            (Storage::Weight { sum: a, sum2: a2 }, Storage::Weight { sum: b, sum2: b2 }) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a2.iter_mut().zip(b2).for_each(|(x, y)| *x += y);
            }
            _ => return Err(HistError::Incompatible),
        }
        Ok(())
    }

    /// The histogram as UHI JSON (schema version 1), readable by `hist` via `uhi.io.json`.
    pub fn to_uhi_json(&self) -> Value {
        let extents: Vec<usize> = self.axes.iter().map(Axis::extent).collect();
        let nest = |flat: Vec<Value>| nested(&flat, &extents);
        let storage = match &self.storage {
            Storage::Int(v) => {
                json!({"type": "int", "values": nest(v.iter().map(|x| json!(x)).collect())})
            }
            Storage::Double(v) => {
                json!({"type": "double", "values": nest(v.iter().map(|x| json!(x)).collect())})
            }
            Storage::Weight { sum, sum2 } => json!({
                "type": "weighted",
                "values": nest(sum.iter().map(|x| json!(x)).collect()),
                "variances": nest(sum2.iter().map(|x| json!(x)).collect()),
            }),
        };
        json!({
            "uhi_schema": 1,
            "writer_info": {"rask": {"version": env!("CARGO_PKG_VERSION")}},
            "axes": self.axes.iter().map(Axis::uhi).collect::<Vec<_>>(),
            "storage": storage,
        })
    }
}

/// Row-major nesting of `flat` into `extents` (a 1-D histogram stays flat).
fn nested(flat: &[Value], extents: &[usize]) -> Value {
    match extents {
        [] => flat.first().cloned().unwrap_or(json!(0)),
        [_] => Value::Array(flat.to_vec()),
        [_, rest @ ..] => {
            let stride: usize = rest.iter().product();
            Value::Array(
                flat.chunks(stride.max(1))
                    .map(|c| nested(c, rest))
                    .collect(),
            )
        }
    }
}

/// All numbers of `a` as f64, lists flattened (respecting slices of the list array).
pub fn flat_f64(a: &ArrayRef) -> Result<Vec<f64>, HistError> {
    Ok(match a.data_type() {
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let (start, end) = (
                l.value_offsets()[0] as usize,
                *l.value_offsets().last().unwrap_or(&0) as usize,
            );
            return flat_f64(&l.values().slice(start, end - start));
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let (start, end) = (
                l.value_offsets()[0] as usize,
                *l.value_offsets().last().unwrap_or(&0) as usize,
            );
            return flat_f64(&l.values().slice(start, end - start));
        }
        DataType::Float64 => a.as_primitive::<Float64Type>().values().to_vec(),
        // Every other number type and booleans (1 and 0), widened by arrow-cast.
        t if t.is_numeric() || *t == DataType::Boolean => {
            let wide =
                arrow_cast::cast(a, &DataType::Float64).map_err(|_| HistError::Type(t.clone()))?;
            wide.as_primitive::<Float64Type>().values().to_vec()
        }
        other => return Err(HistError::Type(other.clone())),
    })
}

/// Writes `h` as UHI JSON to `path` atomically (see [`crate::atomic`]: a temporary file in the
/// same directory, renamed when complete; removed on any error).
pub fn write_uhi_json(h: &Histogram, path: &std::path::Path) -> std::io::Result<()> {
    let text = serde_json::to_string(&h.to_uhi_json()).map_err(std::io::Error::other)?;
    crate::atomic::write(path, text.as_bytes())
}

/// The storage index of `x` on a regular axis of `bins` bins over `[lower, upper)` (flow bins
/// included), as boost-histogram's `regular::index`: `z < 1` is tested first, so NaN lands in the
/// overflow bin.
#[inline]
fn regular_index(
    x: f64,
    lower: f64,
    upper: f64,
    bins: u32,
    underflow: bool,
    overflow: bool,
) -> Option<usize> {
    let n = bins as i64;
    let z = (x - lower) / (upper - lower);
    let i = if z < 1.0 {
        if z >= 0.0 { (z * n as f64) as i64 } else { -1 }
    } else {
        n
    };
    flow_place(i, n, underflow, overflow)
}

/// The storage index of regular bin `i` of `n` (-1 is below, `n` and more above), flow bins
/// included, or `None` when it falls in a flow bin the axis does not have.
#[inline]
fn flow_place(i: i64, n: i64, underflow: bool, overflow: bool) -> Option<usize> {
    let shift = i64::from(underflow);
    if i < 0 {
        underflow.then_some(0)
    } else if i >= n {
        overflow.then_some((n + shift) as usize)
    } else {
        Some((i + shift) as usize)
    }
}

/// `x` as the index of one of `n` categories, if it is one (0, 1, ..., n - 1).
fn category_code(x: f64, n: usize) -> Option<usize> {
    (x >= 0.0 && x < n as f64 && x.fract() == 0.0).then_some(x as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn naive_regular(bins: u32, lo: f64, hi: f64, x: f64) -> usize {
        // The definition: underflow 0, bins 1..=n, overflow n+1; NaN overflows.
        if x.is_nan() || x >= hi {
            bins as usize + 1
        } else if x < lo {
            0
        } else {
            1 + (((x - lo) / (hi - lo)) * bins as f64) as usize
        }
    }

    #[test]
    fn a_storage_that_does_not_fit_the_axes_is_an_error() {
        let mut h = Histogram::new(vec![Axis::regular(4, 0.0, 4.0, "x")], StorageKind::Int);
        h.storage = Storage::Int(vec![0; 3]);
        let values = [0.5; 20];
        assert_eq!(
            h.fill(&[&values], None),
            Err(HistError::StorageSize { want: 6, got: 3 })
        );
    }

    proptest! {
        #[test]
        fn regular_index_matches_the_definition(bins in 1u32..200, lo in -100.0..100.0f64, width in 0.1..100.0f64, x in prop_oneof![-300.0..300.0f64, Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]) {
            let hi = lo + width;
            let a = Axis::regular(bins, lo, hi, "x");
            let want = naive_regular(bins, lo, hi, x).min(bins as usize + 1);
            prop_assert_eq!(a.index(x), Some(want));
        }

        #[test]
        fn one_axis_counts_equal_the_general_fill(values in proptest::collection::vec(prop_oneof![-5.0..15.0f64, Just(0.0), Just(10.0), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)], 0..300), flow in any::<bool>()) {
            // 1-D counts against a 1-D double histogram and against the index of each value.
            let mut axis = Axis::regular(10, 0.0, 10.0, "x");
            if let Axis::Regular { underflow, overflow, .. } = &mut axis {
                (*underflow, *overflow) = (flow, flow);
            }
            let mut counts = Histogram::new(vec![axis.clone()], StorageKind::Int);
            counts.fill(&[&values], None).unwrap();
            let mut general = Histogram::new(vec![axis.clone()], StorageKind::Double);
            general.fill(&[&values], None).unwrap();
            prop_assert_eq!(counts.values(), general.values());
            let mut by_index = vec![0.0; axis.extent()];
            for v in &values {
                if let Some(i) = axis.index(*v) {
                    by_index[i] += 1.0;
                }
            }
            prop_assert_eq!(counts.values(), by_index);
        }

        #[test]
        fn partial_fills_merge_to_the_whole(values in proptest::collection::vec(-5.0..15.0f64, 0..300), split in 0usize..300, weighted in any::<bool>()) {
            let axes = vec![Axis::regular(10, 0.0, 10.0, "x"), Axis::Variable { edges: vec![-1.0, 0.0, 2.5, 7.0], underflow: true, overflow: true, name: "y".into(), label: "y".into() }];
            let kind = if weighted { StorageKind::Weight } else { StorageKind::Int };
            let ys: Vec<f64> = values.iter().map(|v| v * 0.7 - 1.0).collect();
            let ws: Vec<f64> = values.iter().map(|v| v.abs() + 0.5).collect();
            let w = weighted.then_some(ws.as_slice());
            let mut whole = Histogram::new(axes.clone(), kind);
            whole.fill(&[&values, &ys], w).unwrap();
            let k = split.min(values.len());
            let mut a = Histogram::new(axes.clone(), kind);
            let mut b = Histogram::new(axes, kind);
            a.fill(&[&values[..k], &ys[..k]], w.map(|w| &w[..k])).unwrap();
            b.fill(&[&values[k..], &ys[k..]], w.map(|w| &w[k..])).unwrap();
            a.merge(&b).unwrap();
            match (&a.storage, &whole.storage) {
                (Storage::Weight { sum: s1, sum2: q1 }, Storage::Weight { sum: s2, sum2: q2 }) => {
                    for (x, y) in s1.iter().zip(s2).chain(q1.iter().zip(q2)) {
                        prop_assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0));
                    }
                }
                _ => prop_assert_eq!(&a, &whole),
            }
            let total: f64 = whole.values().iter().sum();
            let want: f64 = if weighted { ws.iter().sum() } else { values.len() as f64 };
            prop_assert!((total - want).abs() <= 1e-9 * want.max(1.0));
        }
    }

    #[test]
    fn jagged_arrays_fill_flattened() {
        use arrow_array::ListArray;
        let l = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
            Some(vec![Some(1.5), Some(2.5)]),
            Some(vec![]),
            Some(vec![Some(9.0)]),
        ]);
        let mut h = Histogram::new(vec![Axis::regular(3, 0.0, 3.0, "x")], StorageKind::Int);
        h.fill_arrays(&[Arc::new(l) as ArrayRef], None).unwrap();
        assert_eq!(h.values(), vec![0.0, 0.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn uhi_json_nests_values_by_axis() {
        let mut h = Histogram::new(
            vec![
                Axis::regular(2, 0.0, 2.0, "x"),
                Axis::Boolean {
                    name: "b".into(),
                    label: "b".into(),
                },
            ],
            StorageKind::Double,
        );
        h.fill(&[&[0.5, 1.5], &[0.0, 1.0]], None).unwrap();
        let j = h.to_uhi_json();
        assert_eq!(
            j["storage"]["values"],
            json!([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        );
        assert_eq!(j["axes"][0]["type"], "regular");
    }
}
