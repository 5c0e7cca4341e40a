//! rask histograms as ROOT histograms: axes to `TAxis`, contents reordered from rask's
//! row-major storage (last axis fastest) to ROOT's global bins (x fastest), absent flow bins
//! as zeros, and ROOT's summary sums.
//!
//! | rask axis | ROOT axis |
//! |---|---|
//! | `Regular` | equal bins over `[lower, upper)` |
//! | `Variable` | `fXbins` edges |
//! | `Integer` | one bin per integer: `upper - lower` bins over `[lower, upper)` |
//! | `StrCategory`, `IntCategory` | one labelled bin per category over `[0, n)`; the "other" bin is the overflow |
//! | `Boolean` | two bins over `[0, 2)` |
//!
//! Storage: `Weight` gives `TH1D`/`TH2D` with `Sumw2` (the variances); `Double` gives
//! `TH1D`/`TH2D` without `Sumw2` (ROOT then takes √content as the error, as `hist` takes the
//! values as variances); `Int` gives `TH1I`/`TH2I`.

use rask_core::hist::{Axis, Histogram, Storage};

use super::WriteError;
use super::objects::{Contents, RootAxis, RootHist, Stats};

/// One axis as ROOT stores it, with where rask's bins go.
struct Placed {
    axis: RootAxis,
    /// ROOT bin of rask's bin 0 (0 with an underflow bin, else 1).
    offset: usize,
    /// Centres of the bins in range, for the summary sums.
    centers: Vec<f64>,
}

/// Converts `h`, named `name`, to a ROOT histogram.
pub(crate) fn to_root(name: &str, h: &Histogram) -> Result<RootHist, WriteError> {
    if h.axes.is_empty() || h.axes.len() > 2 {
        return Err(WriteError::Dimensions {
            name: name.to_string(),
            dims: h.axes.len(),
        });
    }
    let placed: Vec<Placed> = h
        .axes
        .iter()
        .zip(["xaxis", "yaxis"])
        .map(|(a, which)| place(name, a, which))
        .collect::<Result<_, _>>()?;
    let extents: Vec<usize> = h.axes.iter().map(Axis::extent).collect();
    // ROOT's cells per axis: the bins plus under- and overflow.
    let nx = placed[0].axis.nbins as usize + 2;
    let ny = placed.get(1).map_or(1, |p| p.axis.nbins as usize + 2);
    let cells = nx * ny;
    if cells > i32::MAX as usize {
        return Err(WriteError::TooManyBins {
            name: name.to_string(),
            cells,
        });
    }
    // ROOT's global bin of each rask storage index.
    let global = |flat: usize| -> usize {
        match (extents.as_slice(), placed.as_slice()) {
            ([_, ey], [px, py]) => (flat / ey + px.offset) + nx * (flat % ey + py.offset),
            (_, [px, ..]) => flat + px.offset,
            _ => 0,
        }
    };
    let scatter = |values: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; cells];
        for (i, &v) in values.iter().enumerate() {
            out[global(i)] = v;
        }
        out
    };
    let (contents, sumw2, values) = match &h.storage {
        Storage::Int(v) => {
            let mut out = vec![0i32; cells];
            for (i, &c) in v.iter().enumerate() {
                out[global(i)] = i32::try_from(c).map_err(|_| WriteError::IntOverflow {
                    name: name.to_string(),
                    value: c,
                })?;
            }
            let values: Vec<f64> = out.iter().map(|&c| f64::from(c)).collect();
            (Contents::I32(out), Vec::new(), values)
        }
        Storage::Double(v) => {
            let values = scatter(v);
            (Contents::F64(values.clone()), Vec::new(), values)
        }
        Storage::Weight { sum, sum2 } => {
            let values = scatter(sum);
            (Contents::F64(values.clone()), scatter(sum2), values)
        }
    };
    let stats = stats(&values, &sumw2, &placed, nx);
    let mut axes = placed.into_iter().map(|p| p.axis);
    let x = axes.next().unwrap_or_else(|| RootAxis::unused("xaxis"));
    Ok(RootHist {
        name: name.to_string(),
        title: name.to_string(),
        x,
        y: axes.next(),
        contents,
        sumw2,
        stats,
    })
}

/// ROOT's summary sums: entries over all bins, weighted moments over the bins in range (as
/// ROOT computes them by default, flow bins excluded).
fn stats(values: &[f64], sumw2: &[f64], placed: &[Placed], nx: usize) -> Stats {
    let mut s = Stats {
        entries: values.iter().sum(),
        ..Stats::default()
    };
    let one = [0.0];
    let ycenters = placed.get(1).map_or(&one[..], |p| &p.centers[..]);
    for (iy, &y) in ycenters.iter().enumerate() {
        let row = if placed.len() > 1 { (iy + 1) * nx } else { 0 };
        for (ix, &x) in placed[0].centers.iter().enumerate() {
            let g = row + ix + 1;
            let w = values[g];
            s.tsumw += w;
            s.tsumw2 += if sumw2.is_empty() { w } else { sumw2[g] };
            s.tsumwx += w * x;
            s.tsumwx2 += w * x * x;
            s.tsumwy += w * y;
            s.tsumwy2 += w * y * y;
            s.tsumwxy += w * x * y;
        }
    }
    s
}

/// ROOT's axis for rask's `a`.
fn place(name: &str, a: &Axis, which: &'static str) -> Result<Placed, WriteError> {
    let empty = || WriteError::EmptyAxis {
        name: name.to_string(),
        axis: which,
    };
    let numeric = |edges: Vec<f64>, equal: bool, underflow: bool, label: &str| {
        let n = edges.len().saturating_sub(1);
        if n == 0 || n > i32::MAX as usize - 2 {
            return Err(empty());
        }
        let centers = edges.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        Ok(Placed {
            axis: RootAxis {
                name: which,
                title: label.to_string(),
                nbins: n as i32,
                xmin: edges[0],
                xmax: edges[n],
                edges: if equal { Vec::new() } else { edges },
                labels: Vec::new(),
            },
            offset: usize::from(!underflow),
            centers,
        })
    };
    let labelled = |labels: Vec<String>, label: &str| {
        let n = labels.len();
        if n == 0 || n > i32::MAX as usize - 2 {
            return Err(empty());
        }
        Ok(Placed {
            axis: RootAxis {
                name: which,
                title: label.to_string(),
                nbins: n as i32,
                xmin: 0.0,
                xmax: n as f64,
                edges: Vec::new(),
                labels,
            },
            offset: 1,
            centers: (0..n).map(|i| i as f64 + 0.5).collect(),
        })
    };
    // Numeric axes always have edges (`Axis::edges`, the one definition).
    let edges = || a.edges().unwrap_or_default();
    match a {
        Axis::Regular {
            underflow, label, ..
        }
        | Axis::Integer {
            underflow, label, ..
        } => numeric(edges(), true, *underflow, label),
        Axis::Variable {
            underflow, label, ..
        } => numeric(edges(), false, *underflow, label),
        Axis::IntCategory {
            categories, label, ..
        } => labelled(categories.iter().map(i64::to_string).collect(), label),
        Axis::StrCategory {
            categories, label, ..
        } => labelled(categories.clone(), label),
        Axis::Boolean { label, .. } => numeric(vec![0.0, 1.0, 2.0], true, false, label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rask_core::hist::StorageKind;

    fn weighted(axes: Vec<Axis>, sum: Vec<f64>, sum2: Vec<f64>) -> Histogram {
        let mut h = Histogram::new(axes, StorageKind::Weight);
        h.storage = Storage::Weight { sum, sum2 };
        h
    }

    #[test]
    fn one_d_keeps_flow_bins_and_sums_in_range() {
        // Bins [0,1) [1,2) with flow: underflow 5, bins 1 and 2, overflow 7.
        let h = weighted(
            vec![Axis::regular(2, 0.0, 2.0, "x")],
            vec![5.0, 1.0, 2.0, 7.0],
            vec![25.0, 1.0, 4.0, 49.0],
        );
        let r = to_root("h", &h).unwrap();
        assert_eq!(r.class_name(), "TH1D");
        assert_eq!(r.contents, Contents::F64(vec![5.0, 1.0, 2.0, 7.0]));
        assert_eq!(r.sumw2, vec![25.0, 1.0, 4.0, 49.0]);
        assert_eq!(r.x.edges, Vec::<f64>::new());
        // By hand: centres 0.5 and 1.5.
        assert_eq!(r.stats.entries, 15.0);
        assert_eq!(r.stats.tsumw, 3.0);
        assert_eq!(r.stats.tsumw2, 5.0);
        assert_eq!(r.stats.tsumwx, 0.5 + 3.0);
        assert_eq!(r.stats.tsumwx2, 0.25 + 2.0 * 2.25);
    }

    #[test]
    fn two_d_is_transposed_to_x_fastest() {
        // x: 2 bins no flow; y: 1 bin with flow (3 slots). rask index = ix * 3 + iy.
        let x = Axis::Regular {
            bins: 2,
            lower: 0.0,
            upper: 2.0,
            underflow: false,
            overflow: false,
            name: "x".into(),
            label: "x".into(),
        };
        let y = Axis::regular(1, 0.0, 1.0, "y");
        let sum: Vec<f64> = (1..=6).map(f64::from).collect();
        let h = weighted(vec![x, y], sum.clone(), sum);
        let r = to_root("h", &h).unwrap();
        // ROOT: 4 x-cells (flow, 1, 2, flow) by 3 y-cells; global = ix + 4 * iy.
        let mut want = vec![0.0; 12];
        for ix in 0..2 {
            for iy in 0..3 {
                want[(ix + 1) + 4 * iy] = (ix * 3 + iy + 1) as f64;
            }
        }
        assert_eq!(r.contents, Contents::F64(want));
        assert_eq!(r.class_name(), "TH2D");
        // In range: (x=0.5, y=0.5) holds 2, (x=1.5, y=0.5) holds 5.
        assert_eq!(r.stats.tsumw, 7.0);
        assert_eq!(r.stats.tsumwxy, 2.0 * 0.25 + 5.0 * 0.75);
    }

    #[test]
    fn categories_get_labels_and_ints_must_fit() {
        let a = Axis::StrCategory {
            categories: vec!["e".into(), "mu".into()],
            flow: true,
            name: "c".into(),
            label: "flavour".into(),
        };
        let mut h = Histogram::new(vec![a], StorageKind::Int);
        h.storage = Storage::Int(vec![1, 2, 3]);
        let r = to_root("c", &h).unwrap();
        assert_eq!(r.class_name(), "TH1I");
        assert_eq!(r.x.labels, ["e", "mu"]);
        assert_eq!(r.x.title, "flavour");
        assert_eq!(r.contents, Contents::I32(vec![0, 1, 2, 3]));
        h.storage = Storage::Int(vec![1, 1 << 40, 3]);
        assert!(matches!(
            to_root("c", &h),
            Err(WriteError::IntOverflow { value, .. }) if value == 1 << 40
        ));
    }

    #[test]
    fn three_d_and_empty_axes_are_errors() {
        let a = || Axis::regular(1, 0.0, 1.0, "x");
        let h = Histogram::new(vec![a(), a(), a()], StorageKind::Double);
        assert!(matches!(
            to_root("h", &h),
            Err(WriteError::Dimensions { dims: 3, .. })
        ));
        let h = Histogram::new(
            vec![Axis::Variable {
                edges: vec![1.0],
                underflow: true,
                overflow: true,
                name: "v".into(),
                label: "v".into(),
            }],
            StorageKind::Double,
        );
        assert!(matches!(
            to_root("h", &h),
            Err(WriteError::EmptyAxis { axis: "xaxis", .. })
        ));
    }
}
