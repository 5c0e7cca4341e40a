//! Plots in the look of mplhep's CMS and ATLAS styles, as PNG or SVG: a closed frame with
//! inward major and minor ticks on all four sides, the experiment label ("rask", or any text:
//! first word bold, the rest italic) with the luminosity text on the right, a legend, labels in
//! ROOT's TLatex spelling drawn with real sub- and superscripts.
//!
//! - 1-D histograms: a step line with error bars (see [`data`] for where errors come from),
//!   several overlaid or stacked (filled), data as black points with error bars, and a data/MC
//!   ratio panel under a stack with data ([`one_d`]); `y` is labelled "Events / 2 GeV" from the
//!   bin width and the x label's unit ("Events / bin" for variable bins).
//! - 2-D histograms: viridis colour maps with a colour bar ([`two_d`]).
//!
//! The y range leaves room above the data for the legend, so the two never overlap. Text uses
//! DejaVu Sans embedded in the binary (`assets/fonts`), laid out and rasterised by [`text`],
//! so plots need no system font libraries. PDF is not written: plotters has no PDF backend and
//! converting the SVG (svg2pdf) would add some 90 crates.

pub mod axes;
pub mod canvas;
#[cfg(feature = "cli")]
pub mod cli;
pub mod data;
mod error;
mod format;
pub mod latex;
pub mod one_d;
pub mod style;
pub mod text;
pub mod two_d;
pub mod uhi;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use rask_core::hist::Histogram;

pub use error::DrawError;

use canvas::Canvas;
use data::Bins2;
use one_d::OneD;
use style::{Label, Style};
use text::TextMode;

pub use format::PlotFormat;

/// How a figure looks: image size in pixels, log y (log colour scale for 2-D), style, label.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    pub size: (u32, u32),
    pub log_y: bool,
    pub style: Style,
    pub label: Label,
}

impl Default for PlotOptions {
    /// 800×600, linear, CMS style, the label "rask".
    fn default() -> PlotOptions {
        PlotOptions {
            size: (800, 600),
            log_y: false,
            style: Style::Cms,
            label: Label::default(),
        }
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    OneD(OneD),
    TwoD(Bins2),
}

impl Figure {
    /// One histogram: 1-D as a step line with errors and its statistics in the legend, 2-D as a
    /// colour map; `None` for other axes (categories) and more dimensions.
    pub fn single(h: &Histogram, name: &str) -> Option<Figure> {
        match h.axes.len() {
            1 => Some(Figure::OneD(OneD {
                series: vec![(latex::escape(name), data::bins1(h)?)],
                stack: false,
                data: None,
                stats: true,
            })),
            2 => Some(Figure::TwoD(data::bins2(h)?)),
            _ => None,
        }
    }
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(
        "{path}: only histograms with one or two regular, variable or integer axes are plotted"
    )]
    Unsupported { path: String },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Draw { path: String, message: String },
}

/// Draws `h` to `path` with the default options (written atomically, see
/// `rask_core::atomic`: a temporary file, then a rename; nothing is left on an error).
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
    let fig = Figure::single(h, title).ok_or(PlotError::Unsupported {
        path: path.display().to_string(),
    })?;
    write_figure(&fig, path, format, &PlotOptions::default())
}

/// Draws a figure to `path` (atomically, as [`write_plot`]).
pub fn write_figure(
    fig: &Figure,
    path: &Path,
    format: PlotFormat,
    o: &PlotOptions,
) -> Result<(), PlotError> {
    let shown = path.display().to_string();
    let err = |e: String| PlotError::Draw {
        path: shown.clone(),
        message: e,
    };
    let (w, h) = o.size;
    if !(16..=20_000).contains(&w) || !(16..=20_000).contains(&h) {
        return Err(err(format!(
            "a plot of {w}x{h} pixels: each side must be 16 to 20000"
        )));
    }
    // The backends open a path themselves: they draw to the temporary file's path, which keeps
    // the extension the bitmap encoder chooses its format by.
    let tmp = rask_core::atomic::AtomicFile::create(path).map_err(|e| err(e.to_string()))?;
    let drawn = match format {
        PlotFormat::Png => {
            let root = BitMapBackend::new(tmp.temp_path(), o.size).into_drawing_area();
            render(&root, TextMode::Raster, fig, o)
        }
        PlotFormat::Svg => {
            let root = SVGBackend::new(tmp.temp_path(), o.size).into_drawing_area();
            render(&root, TextMode::Svg, fig, o)
        }
    };
    // On an error `tmp` is dropped, which removes the temporary file.
    drawn.map_err(|e| err(e.to_string()))?;
    tmp.commit().map_err(|e| err(e.to_string()))
}

/// Draws a figure on a drawing area and presents it.
fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mode: TextMode,
    fig: &Figure,
    o: &PlotOptions,
) -> Result<(), DrawError> {
    root.fill(&WHITE).map_err(DrawError::backend)?;
    let (w, h) = root.dim_in_pixel();
    let c = Canvas {
        area: root,
        mode,
        scale: (f64::from(w) / 800.0).min(f64::from(h) / 600.0),
    };
    match fig {
        Figure::OneD(f) => one_d::draw(&c, f, o)?,
        Figure::TwoD(b) => two_d::draw(&c, b, o)?,
    }
    root.present().map_err(DrawError::backend)
}
