//! Histogram filling: the bin of a value on an axis, and the fill of a whole histogram.

use super::*;

/// The bin of `x` on `axis`, counting the underflow bin as 0 where the axis has one.
pub(super) fn bin_of(axis: &Axis, x: f64) -> usize {
    match axis {
        Axis::Regular { bins, lo, hi, .. } => {
            if x.is_nan() {
                *bins as usize + 1
            } else if x < *lo {
                0
            } else if x >= *hi {
                *bins as usize + 1
            } else {
                let i = ((x - lo) / (hi - lo) * *bins as f64) as usize;
                1 + i.min(*bins as usize - 1)
            }
        }
        Axis::Variable { edges, .. } => {
            if x.is_nan() || x >= edges[edges.len() - 1] {
                edges.len()
            } else if x < edges[0] {
                0
            } else {
                edges.partition_point(|e| *e <= x)
            }
        }
        Axis::Integer { lo, hi, .. } => {
            let i = x.floor();
            if i.is_nan() || i >= *hi as f64 {
                (hi - lo) as usize + 1
            } else if i < *lo as f64 {
                0
            } else {
                (i as i64 - lo) as usize + 1
            }
        }
        Axis::IntCategory { categories, .. } => categories
            .iter()
            .position(|c| *c as f64 == x)
            .unwrap_or(categories.len()),
        // Category codes: the k-th category for k = 0, 1, ...; the flow bin otherwise.
        Axis::StrCategory { categories, .. } => (0..categories.len())
            .find(|k| *k as f64 == x)
            .unwrap_or(categories.len()),
        Axis::Boolean { .. } => usize::from(x != 0.0),
    }
}

/// Bins of an axis including its flow bins.
pub fn axis_extent(axis: &Axis) -> usize {
    match axis {
        Axis::Regular { bins, .. } => *bins as usize + 2,
        Axis::Variable { edges, .. } => edges.len() + 1,
        Axis::Integer { lo, hi, .. } => (hi - lo) as usize + 2,
        Axis::IntCategory { categories, .. } => categories.len() + 1,
        Axis::StrCategory { categories, .. } => categories.len() + 1,
        Axis::Boolean { .. } => 2,
    }
}

pub(super) fn fill_hist(
    axes: &[Axis],
    storage: Storage,
    inputs: &[&Data],
    tys: &[&Ty],
) -> R<RefHist> {
    // Broadcast all inputs to one structure, then collect the tuples at the leaves.
    let tuples: Vec<Vec<f64>> = if inputs.iter().any(|d| matches!(d, Data::Events(_))) {
        let tupled = elementwise(inputs, tys, &|v: &[&Value]| {
            Ok(Value::Record(
                v.iter()
                    .enumerate()
                    .map(|(i, x)| (i.to_string(), (*x).clone()))
                    .collect(),
            ))
        })?;
        let mut out = Vec::new();
        if let Data::Events(evs) = tupled {
            for e in &evs {
                collect_tuples(e, &mut out)?;
            }
        }
        out
    } else {
        let cols: Vec<Vec<f64>> = inputs
            .iter()
            .map(|d| match d {
                Data::Array { values, .. } => values.iter().map(num).collect::<R<Vec<f64>>>(),
                Data::Scalar(v) => Ok(vec![num(v)?]),
                _ => Err(EvalError::Internal(
                    "cannot fill a histogram with this".to_string(),
                )),
            })
            .collect::<R<_>>()?;
        let n = cols.iter().map(Vec::len).max().unwrap_or(0);
        (0..n)
            .map(|i| {
                cols.iter()
                    .map(|c| if c.len() == 1 { c[0] } else { c[i] })
                    .collect()
            })
            .collect()
    };
    let extents: Vec<usize> = axes.iter().map(axis_extent).collect();
    let size: usize = extents.iter().product();
    let mut h = RefHist {
        axes: axes.to_vec(),
        storage,
        values: vec![0.0; size],
        variances: vec![0.0; size],
    };
    for t in tuples {
        let w = if t.len() > axes.len() {
            t[axes.len()]
        } else {
            1.0
        };
        let mut flat = 0;
        for (a, (axis, ext)) in axes.iter().zip(&extents).enumerate() {
            flat = flat * ext + bin_of(axis, t[a]);
        }
        h.values[flat] += w;
        h.variances[flat] += w * w;
    }
    Ok(h)
}

pub(super) fn collect_tuples(v: &Value, out: &mut Vec<Vec<f64>>) -> R<()> {
    match v {
        Value::Record(fields) => {
            out.push(fields.iter().map(|(_, x)| num(x)).collect::<R<_>>()?);
            Ok(())
        }
        Value::List(xs) => xs.iter().try_for_each(|x| collect_tuples(x, out)),
        other => Err(EvalError::Internal(format!(
            "unexpected {other} while filling"
        ))),
    }
}

/// Histograms side by side on one more axis (appended): part `k` is bin `k` of `axis`.
pub(super) fn stack_hists(axis: &Axis, parts: &[&Data]) -> R<RefHist> {
    let hists: Vec<&RefHist> = parts
        .iter()
        .map(|d| match d {
            Data::Hist(h) => Ok(h),
            _ => Err(EvalError::Internal(
                "a stack of a value that is not a histogram".into(),
            )),
        })
        .collect::<R<_>>()?;
    let Some(first) = hists.first() else {
        return Err(EvalError::Internal("a stack of nothing".into()));
    };
    let n = axis_extent(axis);
    let mut axes = first.axes.clone();
    axes.push(axis.clone());
    let mut values = vec![0.0; first.values.len() * n];
    let mut variances = vec![0.0; first.values.len() * n];
    for (k, h) in hists.iter().enumerate() {
        for (i, (v, w)) in h.values.iter().zip(&h.variances).enumerate() {
            values[i * n + k] = *v;
            variances[i * n + k] = *w;
        }
    }
    Ok(RefHist {
        axes,
        storage: first.storage,
        values,
        variances,
    })
}
