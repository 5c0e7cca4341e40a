//! What a plot needs from a histogram: in-range edges, contents and their errors, the axis
//! labels, and the y label ("Events / 2 GeV").
//!
//! Errors are √(variance) for Weight storage (the sum of squared weights, √Σw²) and √(count)
//! for Int and Double storage, which store no variances (Poisson errors of unweighted counts).

use rask_core::hist::{Axis, Histogram, Storage};

/// A 1-D histogram's in-range bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins1 {
    pub edges: Vec<f64>,
    pub values: Vec<f64>,
    /// One error per bin (see the module doc for where they come from).
    pub errors: Vec<f64>,
    pub underflow: f64,
    pub overflow: f64,
    pub label: String,
    /// The width of every bin of a regular axis; `None` for variable bins.
    pub regular_width: Option<f64>,
}

/// A 2-D histogram's in-range bins, `values[ix][iy]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins2 {
    pub x_edges: Vec<f64>,
    pub y_edges: Vec<f64>,
    pub values: Vec<Vec<f64>>,
    pub x_label: String,
    pub y_label: String,
}

/// Edges, in-range offset, flow flags and label of a regular or variable axis.
struct AxisBins {
    edges: Vec<f64>,
    underflow: bool,
    extent: usize,
    label: String,
    regular_width: Option<f64>,
}

fn axis_bins(a: &Axis) -> Option<AxisBins> {
    let edges = a.edges().filter(|e| e.len() >= 2)?;
    let (underflow, label, regular_width) = match a {
        Axis::Regular {
            bins,
            lower,
            upper,
            underflow,
            label,
            ..
        } => (underflow, label, Some((upper - lower) / f64::from(*bins))),
        Axis::Variable {
            underflow, label, ..
        } => (underflow, label, None),
        Axis::Integer {
            underflow, label, ..
        } => (underflow, label, Some(1.0)),
        _ => return None,
    };
    Some(AxisBins {
        edges,
        underflow: *underflow,
        extent: a.extent(),
        label: label.clone(),
        regular_width,
    })
}

/// The variances per storage bin: stored ones for Weight storage, the contents otherwise.
fn variances(h: &Histogram) -> Vec<f64> {
    match &h.storage {
        Storage::Weight { sum2, .. } => sum2.clone(),
        _ => h.values().iter().map(|v| v.abs()).collect(),
    }
}

/// The in-range bins of a 1-D histogram with a regular, variable or integer axis.
///
/// ```
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let mut h = Histogram::new(vec![Axis::regular(2, 0.0, 4.0, "m [GeV]")], StorageKind::Int);
/// h.fill(&[&[1.0, 1.5, 1.7, 1.9, 9.0]], None).unwrap();
/// let b = rask::plot::data::bins1(&h).unwrap();
/// assert_eq!(b.values, vec![4.0, 0.0]);
/// assert_eq!(b.errors, vec![2.0, 0.0]); // √4: Poisson errors of counts
/// assert_eq!(b.overflow, 1.0);
/// ```
pub fn bins1(h: &Histogram) -> Option<Bins1> {
    let [axis] = h.axes.as_slice() else {
        return None;
    };
    let a = axis_bins(axis)?;
    let values = h.values();
    let var = variances(h);
    let start = usize::from(a.underflow);
    let n = a.edges.len() - 1;
    let under = if a.underflow { values[0] } else { 0.0 };
    let over = if a.extent > start + n {
        values[start + n]
    } else {
        0.0
    };
    Some(Bins1 {
        values: values[start..start + n].to_vec(),
        errors: var[start..start + n].iter().map(|v| v.sqrt()).collect(),
        edges: a.edges,
        underflow: under,
        overflow: over,
        label: a.label,
        regular_width: a.regular_width,
    })
}

/// The in-range bins of a 2-D histogram whose axes are regular, variable or integer.
pub fn bins2(h: &Histogram) -> Option<Bins2> {
    let [ax, ay] = h.axes.as_slice() else {
        return None;
    };
    let (x, y) = (axis_bins(ax)?, axis_bins(ay)?);
    let values = h.values();
    let (nx, ny) = (x.edges.len() - 1, y.edges.len() - 1);
    let (sx, sy) = (usize::from(x.underflow), usize::from(y.underflow));
    let grid = (0..nx)
        .map(|i| {
            (0..ny)
                .map(|j| values[(i + sx) * y.extent + j + sy])
                .collect()
        })
        .collect();
    Some(Bins2 {
        x_edges: x.edges,
        y_edges: y.edges,
        values: grid,
        x_label: x.label,
        y_label: y.label,
    })
}

/// The unit in a label's last brackets: `p_{T} [GeV]` → `GeV`.
///
/// ```
/// assert_eq!(rask::plot::data::unit("m_{#mu#mu} [GeV]").as_deref(), Some("GeV"));
/// assert_eq!(rask::plot::data::unit("#eta"), None);
/// ```
pub fn unit(label: &str) -> Option<String> {
    let open = label.rfind('[')?;
    let close = open + label[open..].find(']')?;
    let u = label[open + 1..close].trim();
    (!u.is_empty()).then(|| u.to_string())
}

/// A number as short as it can be written exactly to 6 significant digits (`2`, `0.5`, `2.5`).
pub fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The y label of a 1-D plot: `Events / 2 GeV` for regular bins (width and the x label's
/// unit), `Events / bin` for variable bins.
///
/// ```
/// use rask::plot::data::y_label;
/// assert_eq!(y_label(Some(2.0), "m_{#mu#mu} [GeV]"), "Events / 2 GeV");
/// assert_eq!(y_label(Some(0.25), "#eta"), "Events / 0.25");
/// assert_eq!(y_label(None, "p_{T} [GeV]"), "Events / bin");
/// ```
pub fn y_label(regular_width: Option<f64>, x_label: &str) -> String {
    match (regular_width, unit(x_label)) {
        (Some(w), Some(u)) => format!("Events / {} {u}", short_number(w)),
        (Some(w), None) => format!("Events / {}", short_number(w)),
        (None, _) => "Events / bin".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rask_core::hist::StorageKind;

    #[test]
    fn weighted_errors_are_the_root_of_the_summed_squared_weights() {
        let mut h = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Weight);
        h.fill(&[&[0.5, 0.5, 1.5]], Some(&[3.0, 4.0, 2.0])).unwrap();
        let b = bins1(&h).unwrap();
        assert_eq!(b.values, vec![7.0, 2.0]);
        // √(9 + 16) = 5, √4 = 2.
        assert_eq!(b.errors, vec![5.0, 2.0]);
    }

    #[test]
    fn regular_widths_print_short() {
        assert_eq!(y_label(Some(200.0 / 100.0), "MET [GeV]"), "Events / 2 GeV");
        assert_eq!(y_label(Some(0.1), "x [cm]"), "Events / 0.1 cm");
        assert_eq!(y_label(Some(1.0 / 3.0), "x"), "Events / 0.333333");
        assert_eq!(y_label(Some(2.5), "a [b] [GeV]"), "Events / 2.5 GeV");
        assert_eq!(short_number(1000.0), "1000");
    }

    #[test]
    fn two_d_values_are_indexed_x_then_y_without_flow() {
        let mut h = Histogram::new(
            vec![
                Axis::regular(2, 0.0, 2.0, "x"),
                Axis::regular(3, 0.0, 3.0, "y"),
            ],
            StorageKind::Double,
        );
        h.fill(&[&[0.5, 1.5, 1.5, 9.0], &[2.5, 0.5, 0.5, 1.0]], None)
            .unwrap();
        let b = bins2(&h).unwrap();
        assert_eq!(b.values, vec![vec![0.0, 0.0, 1.0], vec![2.0, 0.0, 0.0]]);
        assert_eq!(b.x_edges, vec![0.0, 1.0, 2.0]);
    }
}
