//! Results of the prompt as text: numbers with a sensible precision, the first rows of
//! per-event values, and histograms as aligned bar charts.

use rask_core::hist::{Axis, Histogram, StorageKind};
use rask_exec::Output;

/// Significant digits of a non-integer number on the prompt.
const SIGNIFICANT: i32 = 3;
/// The longest bar of a chart, in characters.
const BAR: f64 = 40.0;
/// At most this many rows in a chart: neighbouring bins are merged.
const ROWS: usize = 20;

/// A number for display: integers exactly (below 10¹⁵), other numbers with three significant
/// digits (all the digits before the point are kept; trailing zeros are dropped), very small or
/// very large ones in scientific notation.
///
/// ```
/// use rask::repl::number;
/// assert_eq!(number(9.268617141882714), "9.27");
/// assert_eq!(number(20000.0), "20000");
/// assert_eq!(number(1234.567), "1235");
/// assert_eq!(number(0.000123456), "0.000123");
/// assert_eq!(number(2.5), "2.5");
/// assert_eq!(number(1.5e-9), "1.50e-9");
/// ```
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        // `as` is exact here: |x| < 10¹⁵ < 2⁶³; `+ 0.0` turns -0 into 0.
        return format!("{}", (x + 0.0) as i64);
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return format!("{:.*e}", (SIGNIFICANT - 1) as usize, x);
    }
    let decimals = (SIGNIFICANT - 1 - magnitude).max(0) as usize;
    trim_zeros(format!("{x:.decimals$}"))
}

/// `2.500` → `2.5`, `10.00` → `10`; numbers without a point are left alone.
fn trim_zeros(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The fewest decimals (at most 12) that show every edge within a thousandth of the narrowest
/// bin: `0, 0.1, 0.2` with one, `0, 10, 20` with none, `0, 1/3, 2/3, 1` with four.
fn edge_decimals(edges: &[f64]) -> usize {
    let width = edges
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|w| *w > 0.0)
        .fold(f64::INFINITY, f64::min);
    let tolerance = if width.is_finite() { width * 1e-3 } else { 0.0 };
    (0..12)
        .find(|&d| {
            edges.iter().all(|e| {
                format!("{e:.d$}")
                    .parse::<f64>()
                    .is_ok_and(|shown| (shown - e).abs() <= tolerance)
            })
        })
        .unwrap_or(12)
}

/// One output as text: a number, the first rows of per-event values, or a histogram summary
/// with a bar chart.
pub(super) fn show(name: &str, r: &Output) -> String {
    match r {
        Output::Int(i) => format!("{name} = {i}\n"),
        Output::Float(x) => format!("{name} = {x}\n"),
        Output::Bool(b) => format!("{name} = {b}\n"),
        Output::Events(a) | Output::Array { data: a, .. } => {
            let n = a.len();
            let shown = n.min(10);
            let mut s = format!("{name}: {n} rows\n");
            for i in 0..shown {
                let v = arrow_cast::display::array_value_to_string(a.as_ref(), i)
                    .unwrap_or_else(|_| "?".to_string());
                s.push_str(&format!("  {i:>6}  {v}\n"));
            }
            if n > shown {
                s.push_str(&format!("  … {} more\n", n - shown));
            }
            s
        }
        Output::Hist(h) => histogram(name, h),
    }
}

/// A histogram: its entries (sum of weights when weighted) and, for one axis with edges, a bar
/// chart of at most 20 rows with the edges, contents and bars aligned.
pub(super) fn histogram(name: &str, h: &Histogram) -> String {
    let values = h.values();
    let total: f64 = values.iter().sum();
    let weighted = if h.kind() == StorageKind::Int {
        ""
    } else {
        " weighted"
    };
    let mut s = format!(
        "{name}: histogram, {}{weighted} entries (flow bins included)\n",
        number(total)
    );
    if let Some(table) = category_table(h) {
        s.push_str(&table);
        return s;
    }
    let [axis] = h.axes.as_slice() else {
        return s;
    };
    let (edges, start): (Vec<f64>, usize) = match axis {
        Axis::Regular {
            bins,
            lower,
            upper,
            underflow,
            ..
        } => (
            (0..=*bins)
                .map(|i| lower + (upper - lower) * f64::from(i) / f64::from(*bins))
                .collect(),
            usize::from(*underflow),
        ),
        Axis::Variable {
            edges, underflow, ..
        } => (edges.clone(), usize::from(*underflow)),
        Axis::Integer {
            lower,
            upper,
            underflow,
            ..
        } => (
            (*lower..=*upper).map(|i| i as f64).collect(),
            usize::from(*underflow),
        ),
        _ => return s,
    };
    let Some(inner) = values.get(start..start + edges.len().saturating_sub(1)) else {
        return s;
    };
    let group = inner.len().div_ceil(ROWS).max(1);
    let decimals = edge_decimals(&edges);
    let edge = |x: f64| trim_edge(format!("{x:.decimals$}"));
    let rows: Vec<(String, String, f64)> = inner
        .chunks(group)
        .enumerate()
        .map(|(k, c)| {
            let lo = edges[k * group];
            let hi = edges[(k * group + c.len()).min(edges.len() - 1)];
            (edge(lo), edge(hi), c.iter().sum())
        })
        .collect();
    let shown: Vec<String> = rows.iter().map(|r| number(r.2)).collect();
    let lo_w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let hi_w = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let v_w = shown.iter().map(|v| v.chars().count()).max().unwrap_or(0);
    let top = rows.iter().map(|r| r.2).fold(0.0, f64::max);
    for ((lo, hi, v), text) in rows.iter().zip(&shown) {
        let len = if top > 0.0 && *v > 0.0 {
            ((v / top) * BAR).round() as usize
        } else {
            0
        };
        // A content too small for a whole block still shows it is not empty.
        let bar = if len == 0 && *v > 0.0 {
            "▏".to_string()
        } else {
            "█".repeat(len)
        };
        let line = format!("  [{lo:>lo_w$}, {hi:>hi_w$})  {text:>v_w$}  {bar}");
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// For a histogram with one or two string-category axes (by dataset, by systematic, a
/// cut-flow's cut x step): the contents summed over the other axes, one row per category of the
/// first and, with two, one column per category of the second. Flow bins of the categories are
/// left out.
fn category_table(h: &Histogram) -> Option<String> {
    let cats: Vec<(usize, &Vec<String>)> = h
        .axes
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Axis::StrCategory { categories, .. } => Some((i, categories)),
            _ => None,
        })
        .collect();
    if cats.is_empty() || cats.len() > 2 {
        return None;
    }
    let extents: Vec<usize> = h.axes.iter().map(Axis::extent).collect();
    let (rows, cols) = (cats[0].1, cats.get(1).map(|c| c.1));
    let ncols = cols.map_or(1, Vec::len);
    let mut sums = vec![0.0; rows.len() * ncols];
    for (flat, v) in h.values().iter().enumerate() {
        // The index along each axis, row-major (the last axis varies fastest).
        let mut rest = flat;
        let mut at = vec![0; extents.len()];
        for (i, e) in extents.iter().enumerate().rev() {
            at[i] = rest % e.max(&1);
            rest /= e.max(&1);
        }
        let (r, c) = (at[cats[0].0], cats.get(1).map_or(0, |c| at[c.0]));
        if r < rows.len() && c < ncols {
            sums[r * ncols + c] += v;
        }
    }
    let texts: Vec<String> = sums.iter().map(|v| number(*v)).collect();
    let name_w = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0);
    let headers: Vec<&str> = cols.map_or(vec![""], |c| c.iter().map(String::as_str).collect());
    let col_w = texts
        .iter()
        .map(|t| t.chars().count())
        .chain(headers.iter().map(|h| h.chars().count()))
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    if cols.is_some() {
        let line: Vec<String> = headers.iter().map(|h| format!("{h:>col_w$}")).collect();
        s.push_str(&format!("  {:name_w$}  {}\n", "", line.join("  ")));
    }
    for (r, row) in rows.iter().enumerate() {
        let line: Vec<String> = texts[r * ncols..(r + 1) * ncols]
            .iter()
            .map(|t| format!("{t:>col_w$}"))
            .collect();
        s.push_str(&format!("  {row:<name_w$}  {}\n", line.join("  ")));
    }
    Some(s)
}

/// `-0` (a rounded tiny negative edge) is shown as `0`.
fn trim_edge(s: String) -> String {
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_integers_and_three_significant_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(123456789.0), "123456789");
        assert_eq!(number(0.30000000000000004), "0.3");
        assert_eq!(number(-9.268617141882714), "-9.27");
        assert_eq!(number(99.96), "100");
        assert_eq!(number(0.001), "0.001");
        assert_eq!(number(f64::NAN), "nan");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
        assert_eq!(number(2.0e20 + 0.5), "2.00e20");
    }

    #[test]
    fn edges_get_the_decimals_they_need() {
        assert_eq!(edge_decimals(&[0.0, 10.0, 20.0]), 0);
        assert_eq!(edge_decimals(&[0.0, 0.1, 0.2, 0.30000000000000004]), 1);
        assert_eq!(edge_decimals(&[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]), 4);
        assert_eq!(edge_decimals(&[100.0, 100.001, 100.002]), 3);
    }

    /// Weighted contents worked out by hand: bins [0,1) 1.25+2.5, [1,2) 0.1, overflow 5.
    #[test]
    fn a_weighted_histogram_is_short_and_aligned() {
        let mut h = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Weight);
        h.fill(&[&[0.5, 0.7, 1.5, 9.0]], Some(&[1.25, 2.5, 0.1, 5.0]))
            .unwrap();
        let text = histogram("w", &h);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "w: histogram, 8.85 weighted entries (flow bins included)",
                "  [0, 1)  3.75  ████████████████████████████████████████",
                "  [1, 2)   0.1  █",
            ]
        );
    }

    /// Bars start in one column whatever the widths of the edges and contents.
    #[test]
    fn category_histograms_print_a_table_of_their_categories() {
        use rask_core::hist::Histogram;
        let cat = |names: &[&str], name: &str| Axis::StrCategory {
            categories: names.iter().map(|n| n.to_string()).collect(),
            flow: true,
            name: name.into(),
            label: name.into(),
        };
        let x = Axis::Regular {
            bins: 1,
            lower: 0.0,
            upper: 1.0,
            underflow: true,
            overflow: true,
            name: "x".into(),
            label: "x".into(),
        };
        let mut h = Histogram::new(
            vec![
                x,
                cat(&["met", "jets"], "cut"),
                cat(&["alone", "N-1"], "step"),
            ],
            StorageKind::Int,
        );
        // (x = 0.5, cut, step) for 3 events of (met, alone), 2 of (jets, N-1), 1 of (jets, alone).
        let (cuts, steps) = (
            [0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            [0.0, 0.0, 0.0, 1.0, 1.0, 0.0],
        );
        h.fill(&[&[0.5; 6], &cuts, &steps], None).unwrap();
        let text = histogram("f", &h);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["alone", "N-1"]
        );
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["met", "3", "0"]
        );
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["jets", "1", "2"]
        );
    }

    #[test]
    fn bars_are_aligned() {
        let mut h = Histogram::new(vec![Axis::regular(4, -10.0, 100.0, "x")], StorageKind::Int);
        let xs: Vec<f64> = (0..1000).map(|i| -10.0 + f64::from(i) * 0.125).collect();
        h.fill(&[&xs], None).unwrap();
        h.fill(&[&[-5.0; 1000]], None).unwrap();
        let text = histogram("h", &h);
        let columns: Vec<usize> = text
            .lines()
            .skip(1)
            .map(|l| l.chars().position(|c| c == '█' || c == '▏').unwrap())
            .collect();
        assert_eq!(columns.len(), 4, "{text}");
        assert!(columns.iter().all(|c| *c == columns[0]), "{text}");
        assert!(text.contains("  [-10.0,  17.5)  1220  "), "{text}");
        assert!(text.contains("  [ 72.5, 100.0)   220  "), "{text}");
    }
}
