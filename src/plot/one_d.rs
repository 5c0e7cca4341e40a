//! 1-D figures: one histogram (a step line with error bars), several overlaid or stacked
//! (filled, colour-cycled), data points on top, and a data/MC ratio panel underneath.

use plotters::prelude::*;

use super::DrawError;
use super::PlotOptions;
use super::axes::{self, AxisText, Frame, Scale};
use super::canvas::Canvas;
use super::data::{Bins1, y_label};
use super::style::{self, Entry, Swatch};

/// A 1-D figure: `series` drawn as step lines (or a filled stack), optionally data points.
#[derive(Debug, Clone, PartialEq)]
pub struct OneD {
    /// Named histograms (processes when stacked), all with the same bins.
    pub series: Vec<(String, Bins1)>,
    /// Stack the series (filled, the first at the bottom).
    pub stack: bool,
    /// Data drawn as black points with error bars; with series, a ratio panel is added.
    pub data: Option<(String, Bins1)>,
    /// Entries and flow counts in the legend (for a single histogram).
    pub stats: bool,
}

/// Checks that all histograms of a figure have the same edges (to 1e-9 relative).
pub fn check_binning(fig: &OneD) -> Result<(), DrawError> {
    let all: Vec<&(String, Bins1)> = fig.series.iter().chain(fig.data.as_ref()).collect();
    let Some((first, b0)) = all.first() else {
        return Err(DrawError::Figure("nothing to plot".to_string()));
    };
    for (name, b) in &all[1..] {
        let same = b.edges.len() == b0.edges.len()
            && b.edges
                .iter()
                .zip(&b0.edges)
                .all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0));
        if !same {
            return Err(DrawError::Figure(format!(
                "'{name}' has other bins than '{first}' ({} bins over [{}, {}] against {} over [{}, {}])",
                b.edges.len() - 1,
                b.edges[0],
                b.edges[b.edges.len() - 1],
                b0.edges.len() - 1,
                b0.edges[0],
                b0.edges[b0.edges.len() - 1]
            )));
        }
    }
    Ok(())
}

/// A count as text: exact integers in full, other numbers to 4 significant digits.
///
/// ```
/// assert_eq!(rask::plot::one_d::count_text(20000.0), "20000");
/// assert_eq!(rask::plot::one_d::count_text(9.268617141882714), "9.269");
/// ```
pub fn count_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let d = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.d$}")
}

/// Sums of the series per bin and the errors of those sums.
fn totals(fig: &OneD, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut sum = vec![0.0; n];
    let mut var = vec![0.0; n];
    for (_, b) in &fig.series {
        for i in 0..n {
            sum[i] += b.values[i];
            var[i] += b.errors[i] * b.errors[i];
        }
    }
    (sum, var.into_iter().map(f64::sqrt).collect())
}

/// The y range with room above the data for the legend: the data's maximum sits `frac` below
/// the top of the frame (on a log scale, in decades).
pub fn y_scale(max: f64, min_positive: Option<f64>, min: f64, log: bool, frac: f64) -> Scale {
    let keep = 1.0 - frac.clamp(0.0, 0.7);
    if log {
        let lo = match min_positive {
            Some(m) => 10f64.powf((m * 0.5).log10().floor()),
            None => 0.1,
        };
        let top = if max > lo { max } else { lo * 100.0 };
        let hi = 10f64.powf(lo.log10() + (top.log10() - lo.log10()) / keep);
        Scale { lo, hi, log }
    } else {
        let lo = min.min(0.0);
        let top = if max > lo { max } else { lo + 1.0 };
        Scale {
            lo,
            hi: lo + (top - lo) / keep,
            log,
        }
    }
}

/// Draws a 1-D figure on the whole canvas.
pub fn draw<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    fig: &OneD,
    o: &PlotOptions,
) -> Result<(), DrawError> {
    check_binning(fig)?;
    let s = c.scale;
    let (w, h) = c.area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let base = fig
        .series
        .first()
        .or(fig.data.as_ref())
        .map(|x| &x.1)
        .ok_or_else(|| DrawError::Figure("nothing to plot".to_string()))?;
    let n = base.values.len();
    let edges = &base.edges;
    let ratio = fig.data.is_some() && !fig.series.is_empty();
    let (sum, sum_err) = totals(fig, n);

    // The legend.
    let mut entries = Vec::new();
    if let Some((name, _)) = &fig.data {
        entries.push(Entry {
            swatch: Swatch::Marker,
            text: name.clone(),
        });
    }
    let mut named: Vec<Entry> = fig
        .series
        .iter()
        .enumerate()
        .map(|(i, (name, _))| Entry {
            swatch: if fig.stack {
                Swatch::Fill(o.style.color(i))
            } else {
                Swatch::Line(o.style.color(i))
            },
            text: name.clone(),
        })
        .collect();
    if fig.stack {
        named.reverse();
    }
    entries.extend(named);
    if fig.stats
        && let Some((_, b)) = fig.series.first()
    {
        let total: f64 = b.values.iter().sum::<f64>() + b.underflow + b.overflow;
        entries.push(Entry {
            swatch: Swatch::None,
            text: format!("Entries {}", count_text(total)),
        });
        if b.underflow != 0.0 || b.overflow != 0.0 {
            entries.push(Entry {
                swatch: Swatch::None,
                text: format!(
                    "Underflow {}, overflow {}",
                    count_text(b.underflow),
                    count_text(b.overflow)
                ),
            });
        }
    }

    // The panels.
    let top = 0.085 * h.max(300.0 * s);
    let bottom = h - 82.0 * s;
    let split = if ratio {
        top + 0.72 * (bottom - top)
    } else {
        bottom
    };
    let box_h =
        style::legend_height(&entries, s).max(style::label_depth(o.style, s, &o.label)) + 12.0 * s;
    let frac = box_h / (split - top);

    // Data extremes: tops of bars and of their error bars.
    let mut max = 0.0f64;
    let mut min = 0.0f64;
    let mut min_pos: Option<f64> = None;
    let mut see = |v: f64, e: f64| {
        max = max.max(v + e);
        min = min.min(v - e);
        if v > 0.0 {
            min_pos = Some(min_pos.map_or(v, |m: f64| m.min(v)));
        }
    };
    if fig.stack {
        for i in 0..n {
            see(sum[i], sum_err[i]);
        }
        if let Some((_, b)) = fig.series.first() {
            b.values.iter().for_each(|&v| see(v, 0.0));
        }
    } else {
        for (_, b) in &fig.series {
            for i in 0..n {
                see(b.values[i], b.errors[i]);
            }
        }
    }
    if let Some((_, d)) = &fig.data {
        for i in 0..n {
            see(d.values[i], d.errors[i]);
        }
    }
    let y = y_scale(max, min_pos, min, o.log_y, frac);
    let x = Scale {
        lo: edges[0],
        hi: edges[n],
        log: false,
    };
    let ratio_y = Scale {
        lo: 0.5,
        hi: 1.5,
        log: false,
    };
    let ratio_y = if ratio
        && ratio_points(fig, &sum)
            .iter()
            .any(|p| p.1 < 0.5 || p.1 > 1.5)
    {
        Scale {
            lo: 0.0,
            hi: 2.0,
            log: false,
        }
    } else {
        ratio_y
    };
    let (_, wide_main) = axes::y_tick_labels(c, &y)?;
    let (_, wide_ratio) = axes::y_tick_labels(c, &ratio_y)?;
    let left = wide_main.max(wide_ratio) + (14.0 + axes::TITLE_SIZE + 14.0) * s;
    let right = w - 0.04 * w;
    let main = Frame {
        left,
        top,
        right,
        bottom: split,
        x,
        y,
    };

    // Contents, then the frame over them.
    let step_w = (2.0 * s).round().max(1.0) as u32;
    let thin = (1.2 * s).round().max(1.0) as u32;
    let centre = |i: usize| main.px_x((edges[i] + edges[i + 1]) / 2.0);
    if fig.stack {
        let mut below = vec![0.0; n];
        for (k, (_, b)) in fig.series.iter().enumerate() {
            let col = o.style.color(k);
            for i in 0..n {
                let upto = below[i] + b.values[i];
                let (y0, y1) = (main.px_y(below[i]), main.px_y(upto));
                if y0 - y1 >= 0.5 {
                    c.fill(
                        (main.px_x(edges[i]), y1),
                        (main.px_x(edges[i + 1]), y0),
                        col.to_rgba(),
                    )?;
                }
                below[i] = upto;
            }
        }
        c.polyline(&step(&main, edges, &sum), BLACK, thin)?;
    } else {
        for (k, (_, b)) in fig.series.iter().enumerate() {
            let col = o.style.color(k);
            c.polyline(&step(&main, edges, &b.values), col, step_w)?;
            for i in 0..n {
                if b.errors[i] > 0.0 {
                    let (v, e) = (b.values[i], b.errors[i]);
                    c.line(
                        (centre(i), main.px_y(v - e)),
                        (centre(i), main.px_y(v + e)),
                        col,
                        thin,
                    )?;
                }
            }
        }
    }
    if let Some((_, d)) = &fig.data {
        points(c, &main, edges, &d.values, &d.errors)?;
    }
    let x_title = fig
        .series
        .first()
        .or(fig.data.as_ref())
        .map(|x| x.1.label.as_str())
        .unwrap_or("");
    let y_title = y_label(base.regular_width, x_title);
    axes::draw_axes(
        c,
        &main,
        &AxisText {
            x_labels: !ratio,
            x_title: (!ratio).then_some(x_title),
            y_title: &y_title,
            drop_bottom_label: ratio,
            drop_top_label: false,
        },
    )?;
    style::draw_legend(c, &entries, right, top)?;
    style::draw_label(c, o.style, &o.label, left, right, top)?;

    if ratio {
        let panel = Frame {
            left,
            top: split,
            right,
            bottom,
            x,
            y: ratio_y,
        };
        draw_ratio(c, fig, &panel, &sum, &sum_err)?;
        let text = AxisText {
            x_labels: true,
            x_title: Some(x_title),
            y_title: "Data / MC",
            drop_bottom_label: false,
            drop_top_label: true,
        };
        axes::draw_axes(c, &panel, &text)?;
    }
    Ok(())
}

/// The outline of a step histogram, down to the frame's bottom at both ends.
fn step(f: &Frame, edges: &[f64], values: &[f64]) -> Vec<(f64, f64)> {
    let mut p = Vec::with_capacity(2 * values.len() + 2);
    p.push((f.px_x(edges[0]), f.bottom));
    for (i, v) in values.iter().enumerate() {
        let y = f.px_y(*v);
        p.push((f.px_x(edges[i]), y));
        p.push((f.px_x(edges[i + 1]), y));
    }
    p.push((f.px_x(edges[values.len()]), f.bottom));
    p
}

/// Black markers with vertical error bars at the bin centres; empty bins are left out.
fn points<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    f: &Frame,
    edges: &[f64],
    v: &[f64],
    e: &[f64],
) -> Result<(), DrawError> {
    let s = c.scale;
    let width = (1.6 * s).round().max(1.0) as u32;
    for i in 0..v.len() {
        if v[i] == 0.0 {
            continue;
        }
        let x = f.px_x((edges[i] + edges[i + 1]) / 2.0);
        c.line(
            (x, f.px_y(v[i] - e[i])),
            (x, f.px_y(v[i] + e[i])),
            BLACK,
            width,
        )?;
        let y = f.px_y(v[i]);
        if y > f.top && y < f.bottom {
            c.dot((x, y), 4.0 * s, BLACK)?;
        }
    }
    Ok(())
}

/// Data over the summed series per bin, with the data's error over the sum: (bin, ratio,
/// error) for bins where both are positive.
pub fn ratio_points(fig: &OneD, sum: &[f64]) -> Vec<(usize, f64, f64)> {
    let Some((_, d)) = &fig.data else {
        return Vec::new();
    };
    (0..sum.len())
        .filter(|&i| sum[i] > 0.0 && d.values[i] > 0.0)
        .map(|i| (i, d.values[i] / sum[i], d.errors[i] / sum[i]))
        .collect()
}

/// The ratio panel's contents: the summed series' relative error as a grey band, a line at 1,
/// and the data/MC points.
fn draw_ratio<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    fig: &OneD,
    f: &Frame,
    sum: &[f64],
    err: &[f64],
) -> Result<(), DrawError> {
    let Some((_, d)) = &fig.data else {
        return Ok(());
    };
    let edges = &d.edges;
    for i in 0..sum.len() {
        if sum[i] > 0.0 {
            let r = err[i] / sum[i];
            let band = RGBColor(160, 160, 160).mix(0.45);
            c.fill(
                (f.px_x(edges[i]), f.px_y(1.0 + r)),
                (f.px_x(edges[i + 1]), f.px_y(1.0 - r)),
                band,
            )?;
        }
    }
    let one = f.px_y(1.0);
    c.line(
        (f.left, one),
        (f.right, one),
        RGBColor(90, 90, 90),
        (1.2 * c.scale).round().max(1.0) as u32,
    )?;
    let mut v = vec![0.0; sum.len()];
    let mut e = vec![0.0; sum.len()];
    for (i, r, re) in ratio_points(fig, sum) {
        v[i] = r;
        e[i] = re;
    }
    points(c, f, edges, &v, &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_puts_the_maximum_below_the_box() {
        // frac 0.25: the maximum 300 is three quarters up a linear frame from 0.
        let y = y_scale(300.0, Some(1.0), 0.0, false, 0.25);
        assert_eq!((y.lo, y.hi), (0.0, 400.0));
        // Log: lowest positive 3 → 10^floor(log10 1.5) = 1; the maximum 1000 three quarters up.
        let y = y_scale(1000.0, Some(3.0), 0.0, true, 0.25);
        assert_eq!(y.lo, 1.0);
        assert!((y.hi.log10() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn ratio_is_data_over_the_summed_stack() {
        let b = |v: Vec<f64>| Bins1 {
            edges: vec![0.0, 1.0, 2.0, 3.0],
            errors: v.iter().map(|x: &f64| x.sqrt()).collect(),
            values: v,
            underflow: 0.0,
            overflow: 0.0,
            label: "x".into(),
            regular_width: Some(1.0),
        };
        let fig = OneD {
            series: vec![
                ("a".into(), b(vec![1.0, 2.0, 0.0])),
                ("b".into(), b(vec![3.0, 2.0, 0.0])),
            ],
            stack: true,
            data: Some(("data".into(), b(vec![8.0, 0.0, 5.0]))),
            stats: false,
        };
        let (sum, _) = totals(&fig, 3);
        assert_eq!(sum, vec![4.0, 4.0, 0.0]);
        let r = ratio_points(&fig, &sum);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 0);
        assert_eq!(r[0].1, 2.0);
        assert!((r[0].2 - 8f64.sqrt() / 4.0).abs() < 1e-15);
    }

    #[test]
    fn different_bins_are_refused_by_name() {
        let b = |edges: Vec<f64>| Bins1 {
            values: vec![0.0; edges.len() - 1],
            errors: vec![0.0; edges.len() - 1],
            edges,
            underflow: 0.0,
            overflow: 0.0,
            label: String::new(),
            regular_width: None,
        };
        let fig = OneD {
            series: vec![
                ("ttbar".into(), b(vec![0.0, 1.0, 2.0])),
                ("wjets".into(), b(vec![0.0, 1.0, 3.0])),
            ],
            stack: true,
            data: None,
            stats: false,
        };
        let e = check_binning(&fig).unwrap_err();
        assert!(matches!(e, DrawError::Figure(_)), "{e:?}");
        let e = e.to_string();
        assert!(e.contains("'wjets'") && e.contains("'ttbar'"), "{e}");
    }
}
