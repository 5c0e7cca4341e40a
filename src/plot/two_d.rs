//! 2-D histograms as viridis colour maps with a colour bar (linear, or logarithmic with
//! `log_y`, where empty bins stay white).

use plotters::prelude::*;

use super::DrawError;
use super::PlotOptions;
use super::axes::{self, AxisText, Frame, Scale};
use super::canvas::Canvas;
use super::data::Bins2;
use super::style::{self, viridis};
use super::text::{Anchor, TextSpec, VAnchor};

/// The colour scale of a map: 0 (or the smallest positive content, log) to the largest content.
pub fn z_scale(b: &Bins2, log: bool) -> Scale {
    let all = b.values.iter().flatten().copied();
    let max = all.clone().fold(0.0f64, f64::max);
    if log {
        let min = all.filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
        let lo = if min.is_finite() {
            10f64.powf(min.log10().floor())
        } else {
            0.1
        };
        let hi = if max > lo { max } else { lo * 10.0 };
        Scale { lo, hi, log }
    } else {
        let min = all.fold(0.0f64, f64::min);
        Scale {
            lo: min,
            hi: if max > min { max } else { min + 1.0 },
            log,
        }
    }
}

/// Draws a 2-D histogram as a colour map with its colour bar.
pub fn draw<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    b: &Bins2,
    o: &PlotOptions,
) -> Result<(), DrawError> {
    let s = c.scale;
    let (w, h) = c.area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let (nx, ny) = (b.x_edges.len() - 1, b.y_edges.len() - 1);
    let x = Scale {
        lo: b.x_edges[0],
        hi: b.x_edges[nx],
        log: false,
    };
    let y = Scale {
        lo: b.y_edges[0],
        hi: b.y_edges[ny],
        log: false,
    };
    let z = z_scale(b, o.log_y);
    let (_, wide) = axes::y_tick_labels(c, &y)?;
    let (_, wide_z) = axes::y_tick_labels(c, &z)?;
    let top = 0.085 * h.max(300.0 * s);
    let bottom = h - 82.0 * s;
    let left = wide + (14.0 + axes::TITLE_SIZE + 14.0) * s;
    let bar_w = 22.0 * s;
    let right = w - (0.03 * w + bar_w + 24.0 * s + wide_z + axes::TITLE_SIZE * s * 1.4);
    let f = Frame {
        left,
        top,
        right,
        bottom,
        x,
        y,
    };
    for i in 0..nx {
        for j in 0..ny {
            let v = b.values[i][j];
            if z.log && v <= 0.0 {
                continue;
            }
            let col = viridis(z.frac(v));
            let (x0, x1) = (f.px_x(b.x_edges[i]), f.px_x(b.x_edges[i + 1]));
            let (y0, y1) = (f.px_y(b.y_edges[j]), f.px_y(b.y_edges[j + 1]));
            c.fill((x0, y1), (x1, y0), col.to_rgba())?;
        }
    }
    axes::draw_axes(
        c,
        &f,
        &AxisText {
            x_labels: true,
            x_title: Some(&b.x_label),
            y_title: &b.y_label,
            drop_bottom_label: false,
            drop_top_label: false,
        },
    )?;
    style::draw_label(c, o.style, &o.label, left, right, top)?;

    // The colour bar: a frame with the z scale, filled in slices.
    let bar = Frame {
        left: right + 24.0 * s,
        top,
        right: right + 24.0 * s + bar_w,
        bottom,
        x: Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
        },
        y: z,
    };
    let slices = (bottom - top).round().max(1.0) as usize;
    for k in 0..slices {
        let (y0, y1) = (bottom - k as f64, bottom - (k + 1) as f64);
        let t = (k as f64 + 0.5) / slices as f64;
        c.fill((bar.left, y1), (bar.right, y0), viridis(t).to_rgba())?;
    }
    c.outline(
        (bar.left, bar.top),
        (bar.right, bar.bottom),
        BLACK,
        (1.6 * s).round().max(1.0) as u32,
    )?;
    let (major, minor) = axes::ticks(&z);
    let step = if major.len() > 1 {
        major[1] - major[0]
    } else {
        1.0
    };
    for (vals, len) in [(&major, 8.0 * s), (&minor, 4.0 * s)] {
        for &v in vals.iter() {
            let yy = bar.px_y(v);
            c.line(
                (bar.right, yy),
                (bar.right - len, yy),
                BLACK,
                (1.2 * s).round().max(1.0) as u32,
            )?;
        }
    }
    for &v in &major {
        let l = axes::tick_label(v, &z, step);
        let mut spec = TextSpec::new(&l, axes::TICK_SIZE * s);
        spec.vanchor = VAnchor::Middle;
        c.text(&spec, bar.right + 6.0 * s, bar.px_y(v))?;
    }
    let mut spec = TextSpec::new("Events", axes::TITLE_SIZE * s);
    spec.anchor = Anchor::Right;
    spec.rotated = true;
    spec.vanchor = VAnchor::Top;
    c.text(&spec, bar.right + 12.0 * s + wide_z, top)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_scale_spans_the_contents() {
        let b = Bins2 {
            x_edges: vec![0.0, 1.0, 2.0],
            y_edges: vec![0.0, 1.0],
            values: vec![vec![0.0], vec![40.0]],
            x_label: "x".into(),
            y_label: "y".into(),
        };
        assert_eq!(
            z_scale(&b, false),
            Scale {
                lo: 0.0,
                hi: 40.0,
                log: false
            }
        );
        assert_eq!(
            z_scale(&b, true),
            Scale {
                lo: 10.0,
                hi: 40.0,
                log: true
            }
        );
    }
}
