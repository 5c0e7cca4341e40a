//! Histograms side by side on one more axis: the nominal histogram and each systematic
//! variation's as one histogram with a `variation` axis.

use crate::hist::{Axis, HistError, Histogram, Storage};

impl Histogram {
    /// `parts` (same axes and storage) as one histogram with `axis` appended: part `k` is
    /// bin `k` of the new axis (a category axis with one category per part; its flow bin, if
    /// any, stays empty).
    ///
    /// ```
    /// use rask_core::hist::{Axis, Histogram, StorageKind};
    /// let mut a = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Int);
    /// let mut b = a.clone();
    /// a.fill(&[&[0.5]], None).unwrap();
    /// b.fill(&[&[1.5, 1.5]], None).unwrap();
    /// let var = Axis::StrCategory {
    ///     categories: vec!["nominal".into(), "up".into()],
    ///     flow: false,
    ///     name: "variation".into(),
    ///     label: "variation".into(),
    /// };
    /// let h = Histogram::stack(var, &[a, b]).unwrap();
    /// // x bins (underflow, 2 bins, overflow) x (nominal, up)
    /// assert_eq!(h.values(), vec![0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
    /// ```
    pub fn stack(axis: Axis, parts: &[Histogram]) -> Result<Histogram, HistError> {
        let Some(first) = parts.first() else {
            return Err(HistError::Incompatible);
        };
        let n = axis.extent();
        if parts.len() > n
            || parts
                .iter()
                .any(|p| p.axes != first.axes || p.kind() != first.kind())
        {
            return Err(HistError::Incompatible);
        }
        let cells: usize = first.axes.iter().map(Axis::extent).product();
        let mut axes = first.axes.clone();
        axes.push(axis);
        let mut out = Histogram::new(axes, first.kind());
        for (k, part) in parts.iter().enumerate() {
            match (&mut out.storage, &part.storage) {
                (Storage::Int(o), Storage::Int(p)) => spread(o, p, n, k, cells),
                (Storage::Double(o), Storage::Double(p)) => spread(o, p, n, k, cells),
                (Storage::Weight { sum, sum2 }, Storage::Weight { sum: s, sum2: s2 }) => {
                    spread(sum, s, n, k, cells);
                    spread(sum2, s2, n, k, cells);
                }
                _ => return Err(HistError::Incompatible),
            }
        }
        Ok(out)
    }
}

/// Bin `i` of a part goes to bin `i * n + k` of the stack (row-major, the new axis last).
fn spread<T: Copy>(out: &mut [T], part: &[T], n: usize, k: usize, cells: usize) {
    for (i, v) in part.iter().take(cells).enumerate() {
        out[i * n + k] = *v;
    }
}
