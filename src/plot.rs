//! Step-histogram plots of 1-D histograms, PNG or SVG, in the spirit of mplhep: a black step
//! line over the in-range bins, the axis label (with its units) on x, "Events" on y, the
//! histogram's name and its under/overflow counts in the corner.
//!
//! The text is drawn with DejaVu Sans embedded in the binary (`assets/fonts`, free licence), so
//! plots need no system font libraries.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use rask_core::hist::{Axis, Histogram};

/// The image format of a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Png,
    Svg,
}

impl PlotFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Png => "png",
            PlotFormat::Svg => "svg",
        }
    }
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{path}: only 1-D histograms with regular or variable bins are plotted")]
    Unsupported { path: String },
    #[error("{path}: {message}")]
    Draw { path: String, message: String },
}

const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is a valid TrueType file; a failure leaves text unrendered, which
        // the tests would show.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The bin edges and in-range contents (flow bins dropped) of a 1-D histogram, plus the
/// underflow and overflow contents.
fn bins(h: &Histogram) -> Option<(Vec<f64>, Vec<f64>, f64, f64, String)> {
    let [axis] = h.axes.as_slice() else {
        return None;
    };
    let values = h.values();
    let (edges, under, over, label) = match axis {
        Axis::Regular {
            bins,
            lower,
            upper,
            underflow,
            overflow,
            label,
            ..
        } => {
            let w = (upper - lower) / *bins as f64;
            let edges: Vec<f64> = (0..=*bins).map(|i| lower + w * i as f64).collect();
            (edges, *underflow, *overflow, label.clone())
        }
        Axis::Variable {
            edges,
            underflow,
            overflow,
            label,
            ..
        } => (edges.clone(), *underflow, *overflow, label.clone()),
        _ => return None,
    };
    let start = usize::from(under);
    let n = edges.len() - 1;
    let inner = values[start..start + n].to_vec();
    let u = if under { values[0] } else { 0.0 };
    let o = if over { values[start + n] } else { 0.0 };
    Some((edges, inner, u, o, label))
}

/// Draws `h` to `path` (written atomically, see `rask_core::atomic`: a temporary file, then a
/// rename; nothing is left on an error).
///
/// ```no_run
/// use rask_core::hist::{Axis, Histogram, StorageKind};
/// let mut h = Histogram::new(vec![Axis::regular(10, 0.0, 10.0, "x [GeV]")], StorageKind::Int);
/// h.fill(&[&[1.0, 2.5, 2.7]], None).unwrap();
/// rask::plot::write_plot(&h, "q1", std::path::Path::new("q1.svg"), rask::plot::PlotFormat::Svg)?;
/// # Ok::<(), rask::plot::PlotError>(())
/// ```
pub fn write_plot(
    h: &Histogram,
    title: &str,
    path: &Path,
    format: PlotFormat,
) -> Result<(), PlotError> {
    let shown = path.display().to_string();
    let (edges, values, under, over, label) = bins(h).ok_or(PlotError::Unsupported {
        path: shown.clone(),
    })?;
    let err = |e: String| PlotError::Draw {
        path: shown.clone(),
        message: e,
    };
    // The backends open a path themselves: they draw to the temporary file's path, which keeps
    // the extension the bitmap encoder chooses its format by.
    let tmp = rask_core::atomic::AtomicFile::create(path).map_err(|e| err(e.to_string()))?;
    register_font();
    let size = (800, 600);
    let drawn = match format {
        PlotFormat::Png => {
            let root = BitMapBackend::new(tmp.temp_path(), size).into_drawing_area();
            draw(root, &edges, &values, under, over, &label, title)
        }
        PlotFormat::Svg => {
            let root = SVGBackend::new(tmp.temp_path(), size).into_drawing_area();
            draw(root, &edges, &values, under, over, &label, title)
        }
    };
    // On an error `tmp` is dropped, which removes the temporary file.
    drawn.map_err(err)?;
    tmp.commit().map_err(|e| err(e.to_string()))
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    edges: &[f64],
    values: &[f64],
    under: f64,
    over: f64,
    label: &str,
    title: &str,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (lo, hi) = (edges[0], edges[edges.len() - 1]);
    let top = values.iter().copied().fold(0.0f64, f64::max).max(1.0) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, 0.0..top)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&|v| format!("{v}"))
        .y_label_formatter(&|v| format!("{v}"))
        .x_desc(label)
        .y_desc("Events")
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(e)?;
    // The step line: up and across every bin.
    let mut points = Vec::with_capacity(2 * values.len() + 2);
    points.push((lo, 0.0));
    for (i, v) in values.iter().enumerate() {
        points.push((edges[i], *v));
        points.push((edges[i + 1], *v));
    }
    points.push((hi, 0.0));
    chart
        .draw_series(LineSeries::new(points, BLACK.stroke_width(2)))
        .map_err(e)?;
    let entries: f64 = values.iter().sum::<f64>() + under + over;
    let text = [
        title.to_string(),
        format!("entries {entries}"),
        format!("underflow {under}, overflow {over}"),
    ];
    let (w, _) = root.dim_in_pixel();
    for (k, line) in text.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (w as i32 - 300, 40 + 22 * k as i32),
            ("sans-serif", 18).into_font(),
        ))
        .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}
