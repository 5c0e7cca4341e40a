//! Axes in the mplhep look: a closed frame, major and minor ticks pointing inwards on all four
//! sides, tick labels, and axis titles flush with the top (y) and right (x) ends.

use plotters::prelude::*;

use super::DrawError;
use super::canvas::Canvas;
use super::data::short_number;
use super::text::{Anchor, TextSpec, VAnchor};

/// A value range on an axis, linear or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl Scale {
    /// Where `v` falls, 0 at `lo` and 1 at `hi` (log scales need `v > 0`).
    ///
    /// ```
    /// use rask::plot::axes::Scale;
    /// assert_eq!(Scale { lo: 10.0, hi: 1000.0, log: true }.frac(100.0), 0.5);
    /// ```
    pub fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

/// A plot frame in pixels with the scales of its axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x: Scale,
    pub y: Scale,
}

impl Frame {
    /// The pixel column of `v`.
    pub fn px_x(&self, v: f64) -> f64 {
        self.left + self.x.frac(v) * (self.right - self.left)
    }

    /// The pixel row of `v`, clamped to the frame (values off a log scale go to the bottom).
    pub fn px_y(&self, v: f64) -> f64 {
        if self.y.log && v <= 0.0 {
            return self.bottom;
        }
        let y = self.bottom - self.y.frac(v) * (self.bottom - self.top);
        y.clamp(self.top, self.bottom)
    }
}

/// Major and minor tick positions within the scale's range.
///
/// ```
/// use rask::plot::axes::{ticks, Scale};
/// let (major, minor) = ticks(&Scale { lo: 0.0, hi: 200.0, log: false });
/// assert_eq!(major, vec![0.0, 50.0, 100.0, 150.0, 200.0]);
/// assert_eq!(minor.len(), 21 - 5);
/// ```
pub fn ticks(s: &Scale) -> (Vec<f64>, Vec<f64>) {
    let (lo, hi) = (s.lo.min(s.hi), s.lo.max(s.hi));
    if !(lo.is_finite() && hi.is_finite()) || lo == hi {
        return (Vec::new(), Vec::new());
    }
    if s.log {
        return log_ticks(lo, hi);
    }
    let raw = (hi - lo) / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let (step, sub) = if m <= 1.0 {
        (mag, 5.0)
    } else if m <= 2.0 {
        (2.0 * mag, 4.0)
    } else if m <= 5.0 {
        (5.0 * mag, 5.0)
    } else {
        (10.0 * mag, 5.0)
    };
    let fine = step / sub;
    let eps = fine * 1e-6;
    let first = (lo / fine - 1e-6).ceil() as i64;
    let (mut major, mut minor) = (Vec::new(), Vec::new());
    let mut k = first;
    loop {
        let v = k as f64 * fine;
        if v > hi + eps {
            break;
        }
        let at = if v.abs() < eps { 0.0 } else { v };
        if (k as f64 / sub).fract().abs() < 1e-9 {
            major.push(at);
        } else {
            minor.push(at);
        }
        k += 1;
    }
    (major, minor)
}

fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    if lo <= 0.0 {
        return (Vec::new(), Vec::new());
    }
    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let every = ((d1 - d0) / 8).max(1);
    let (mut major, mut minor) = (Vec::new(), Vec::new());
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    for d in d0..=d1 {
        let base = 10f64.powi(d);
        if inside(base) && (d - d0) % every == 0 {
            major.push(base);
        }
        if every == 1 {
            minor.extend((2..10).map(|k| k as f64 * base).filter(|&v| inside(v)));
        } else if inside(base) && (d - d0) % every != 0 {
            minor.push(base);
        }
    }
    (major, minor)
}

/// A tick label: log scales print powers of ten (`10^{3}`), linear ones as many decimals as the
/// tick step needs.
pub fn tick_label(v: f64, s: &Scale, step: f64) -> String {
    if s.log {
        let e = v.log10().round() as i32;
        return format!("10^{{{e}}}");
    }
    let decimals = if step > 0.0 {
        (-(step.log10().floor()) as i32).max(0) as usize
    } else {
        0
    };
    let t = format!("{v:.decimals$}");
    if t.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".to_string()
    } else if decimals == 0 {
        short_number(v)
    } else {
        t
    }
}

/// What to draw around a frame.
pub struct AxisText<'a> {
    /// Tick labels under the x axis (off for a main panel above a ratio panel).
    pub x_labels: bool,
    pub x_title: Option<&'a str>,
    pub y_title: &'a str,
    /// Leave out y tick labels on the frame's bottom or top edge, where a panel touches
    /// another one (they would overlap the other panel's labels).
    pub drop_bottom_label: bool,
    pub drop_top_label: bool,
}

/// Font sizes (pixels at scale 1).
pub const TITLE_SIZE: f64 = 22.0;
pub const TICK_SIZE: f64 = 18.0;

/// The labels of the major y ticks and the width of the widest.
pub fn y_tick_labels<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    y: &Scale,
) -> Result<(Vec<(f64, String)>, f64), DrawError> {
    let (major, _) = ticks(y);
    let step = if major.len() > 1 {
        major[1] - major[0]
    } else {
        1.0
    };
    let mut widest = 0.0f64;
    let mut out = Vec::new();
    for v in major {
        let l = tick_label(v, y, step);
        widest = widest.max(c.measure(&TextSpec::new(&l, TICK_SIZE * c.scale))?);
        out.push((v, l));
    }
    Ok((out, widest))
}

/// Draws the frame, ticks on all four sides (inwards), tick labels and titles.
pub fn draw_axes<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    f: &Frame,
    t: &AxisText<'_>,
) -> Result<(), DrawError> {
    let s = c.scale;
    let (major_len, minor_len) = (12.0 * s, 6.0 * s);
    let width = (1.6 * s).round().max(1.0) as u32;
    let (xmaj, xmin) = ticks(&f.x);
    let (ymaj, ymin) = ticks(&f.y);
    for (vals, len) in [(&xmaj, major_len), (&xmin, minor_len)] {
        for &v in vals.iter() {
            let x = f.px_x(v);
            c.line((x, f.bottom), (x, f.bottom - len), BLACK, width)?;
            c.line((x, f.top), (x, f.top + len), BLACK, width)?;
        }
    }
    for (vals, len) in [(&ymaj, major_len), (&ymin, minor_len)] {
        for &v in vals.iter() {
            let y = f.px_y(v);
            c.line((f.left, y), (f.left + len, y), BLACK, width)?;
            c.line((f.right, y), (f.right - len, y), BLACK, width)?;
        }
    }
    let frame_w = (2.0 * s).round().max(1.0) as u32;
    c.outline((f.left, f.top), (f.right, f.bottom), BLACK, frame_w)?;
    let tick = TICK_SIZE * s;
    let mut below = f.bottom + 8.0 * s;
    if t.x_labels {
        let step = if xmaj.len() > 1 {
            xmaj[1] - xmaj[0]
        } else {
            1.0
        };
        for &v in &xmaj {
            let l = tick_label(v, &f.x, step);
            let mut spec = TextSpec::new(&l, tick);
            spec.anchor = Anchor::Center;
            spec.vanchor = VAnchor::Top;
            c.text(&spec, f.px_x(v), below)?;
        }
        below += tick * 1.6;
    }
    if let Some(x_title) = t.x_title {
        let mut spec = TextSpec::new(x_title, TITLE_SIZE * s);
        spec.anchor = Anchor::Right;
        spec.vanchor = VAnchor::Top;
        c.text(&spec, f.right, below + 4.0 * s)?;
    }
    let (labels, widest) = y_tick_labels(c, &f.y)?;
    for (v, l) in &labels {
        let y = f.px_y(*v);
        if (t.drop_bottom_label && y >= f.bottom - 1.0) || (t.drop_top_label && y <= f.top + 1.0) {
            continue;
        }
        let mut spec = TextSpec::new(l, tick);
        spec.anchor = Anchor::Right;
        spec.vanchor = VAnchor::Middle;
        c.text(&spec, f.left - 7.0 * s, y)?;
    }
    let mut spec = TextSpec::new(t.y_title, TITLE_SIZE * s);
    spec.anchor = Anchor::Right;
    spec.rotated = true;
    c.text(&spec, f.left - 14.0 * s - widest, f.top)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lin(lo: f64, hi: f64) -> Scale {
        Scale { lo, hi, log: false }
    }

    #[test]
    fn linear_ticks_are_1_2_5_steps() {
        assert_eq!(
            ticks(&lin(0.0, 10.0)).0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(
            ticks(&lin(0.0, 1150.0)).0,
            vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        assert_eq!(ticks(&lin(-1.0, 1.0)).0, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        // Minor ticks: fifths of a 1 or 5 step, quarters of a 2 step.
        let (_, minor) = ticks(&lin(0.0, 10.0));
        assert_eq!(
            minor,
            vec![
                0.5, 1.0, 1.5, 2.5, 3.0, 3.5, 4.5, 5.0, 5.5, 6.5, 7.0, 7.5, 8.5, 9.0, 9.5
            ]
        );
    }

    #[test]
    fn log_ticks_are_decades_with_minor_multiples() {
        let (major, minor) = ticks(&Scale {
            lo: 0.5,
            hi: 200.0,
            log: true,
        });
        assert_eq!(major, vec![1.0, 10.0, 100.0]);
        assert_eq!(minor.first(), Some(&0.5));
        assert!(minor.contains(&200.0) && minor.contains(&20.0) && !minor.contains(&300.0));
    }

    #[test]
    fn labels() {
        assert_eq!(tick_label(1000.0, &lin(0.0, 1e3), 200.0), "1000");
        assert_eq!(tick_label(0.5, &lin(0.0, 1.0), 0.5), "0.5");
        assert_eq!(tick_label(1e-17, &lin(-1.0, 1.0), 0.5), "0");
        assert_eq!(
            tick_label(
                100.0,
                &Scale {
                    lo: 1.0,
                    hi: 1e3,
                    log: true
                },
                0.0
            ),
            "10^{2}"
        );
    }

    #[test]
    fn pixel_rows_follow_the_scale() {
        let f = Frame {
            left: 100.0,
            top: 50.0,
            right: 700.0,
            bottom: 550.0,
            x: lin(0.0, 10.0),
            y: Scale {
                lo: 1.0,
                hi: 1e4,
                log: true,
            },
        };
        assert_eq!(f.px_x(5.0), 400.0);
        assert_eq!(f.px_y(100.0), 300.0);
        assert_eq!(f.px_y(0.0), 550.0);
    }
}
