//! `rask plot`: draws saved UHI JSON histograms.
//!
//! ```text
//! rask plot FILE.json... --out PLOT.png|svg [--stack] [--data FILE.json] [--log-y]
//!           [--size WxH] [--label TEXT] [--lumi TEXT] [--style cms|atlas]
//! ```
//!
//! One 1-D file: a step line with error bars. Several: overlaid lines, or with `--stack` a
//! filled stack (the first file at the bottom; legend entries are the file stems). `--data`
//! adds black points and, with other files, a data/MC ratio panel. A 2-D file is drawn alone,
//! as a colour map.

use std::path::{Path, PathBuf};

use super::style::{Label, Style};
use super::{Figure, PlotError, PlotFormat, PlotOptions, data, one_d, uhi};

/// The experiment style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StyleArg {
    Cms,
    Atlas,
}

/// An image size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u32, pub u32);

/// `WxH`, each side 16 to 20000 pixels.
///
/// ```
/// use rask::plot::cli::{parse_size, Size};
/// assert_eq!(parse_size("1200x900").ok(), Some(Size(1200, 900)));
/// assert!(parse_size("1200").is_err() && parse_size("0x10").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<Size, PlotError> {
    let bad = || {
        PlotError::Usage(format!(
            "'{s}' is not a size: write WIDTHxHEIGHT in pixels (16 to 20000 each), e.g. 1200x900"
        ))
    };
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if (16..=20_000).contains(&w) && (16..=20_000).contains(&h) {
        Ok(Size(w, h))
    } else {
        Err(bad())
    }
}

/// The arguments of `rask plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// UHI JSON histograms (as `rask adl`/`query` write them); one 2-D histogram is drawn as a
    /// colour map.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The image to write: .png or .svg (written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Stack the 1-D histograms (filled; the first file at the bottom).
    #[arg(long)]
    pub stack: bool,
    /// A 1-D histogram drawn as data points; with other files, adds a data/MC ratio panel.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Logarithmic y axis (logarithmic colour scale for a 2-D histogram).
    #[arg(long)]
    pub log_y: bool,
    /// Image size in pixels, WIDTHxHEIGHT [default: 800x600].
    #[arg(long, value_parser = parse_size)]
    pub size: Option<Size>,
    /// Experiment label: the first word bold, the rest italic (e.g. "CMS Preliminary")
    /// [default: rask].
    #[arg(long)]
    pub label: Option<String>,
    /// Text on the right above the plot, TLatex allowed (e.g. "59.8 fb^{-1} (13 TeV)").
    #[arg(long)]
    pub lumi: Option<String>,
    /// The experiment style.
    #[arg(long, value_enum, default_value = "cms")]
    pub style: StyleArg,
}

/// The legend name of a file: its stem, shown as written (not as TLatex).
fn stem(p: &Path) -> String {
    let s = p.file_stem().map_or_else(
        || p.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    super::latex::escape(&s)
}

fn read(p: &Path) -> Result<rask_core::hist::Histogram, PlotError> {
    uhi::read(p).map_err(|e| PlotError::Input {
        path: p.display().to_string(),
        message: e.to_string(),
    })
}

/// The figure the arguments ask for.
pub fn figure(a: &PlotArgs) -> Result<Figure, PlotError> {
    let hists = a
        .files
        .iter()
        .map(|p| read(p).map(|h| (p, h)))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some((p, h)) = hists.iter().find(|(_, h)| h.axes.len() == 2) {
        if hists.len() > 1 || a.stack || a.data.is_some() {
            return Err(PlotError::Usage(format!(
                "{} is a 2-D histogram: it is drawn alone (no other files, --stack or --data)",
                p.display()
            )));
        }
        return data::bins2(h)
            .map(Figure::TwoD)
            .ok_or(PlotError::Unsupported {
                path: p.display().to_string(),
            });
    }
    let one = |p: &Path, h: &rask_core::hist::Histogram| {
        data::bins1(h)
            .map(|b| (stem(p), b))
            .ok_or(PlotError::Unsupported {
                path: p.display().to_string(),
            })
    };
    let series = hists
        .iter()
        .map(|(p, h)| one(p, h))
        .collect::<Result<Vec<_>, _>>()?;
    let data = match &a.data {
        Some(p) => Some(one(p, &read(p)?)?),
        None => None,
    };
    let fig = one_d::OneD {
        stats: series.len() == 1 && data.is_none(),
        series,
        stack: a.stack,
        data,
    };
    one_d::check_binning(&fig).map_err(|e| PlotError::Usage(e.to_string()))?;
    Ok(Figure::OneD(fig))
}

/// Runs `rask plot`: reads the files, draws, writes `--out` and says so on stdout.
pub fn run(a: PlotArgs) -> Result<(), PlotError> {
    let format = PlotFormat::from_path(&a.out).ok_or_else(|| {
        PlotError::Usage(format!(
            "--out {}: the file name must end in .png or .svg",
            a.out.display()
        ))
    })?;
    let fig = figure(&a)?;
    let o = PlotOptions {
        size: a.size.map_or((800, 600), |s| (s.0, s.1)),
        log_y: a.log_y,
        style: match a.style {
            StyleArg::Cms => Style::Cms,
            StyleArg::Atlas => Style::Atlas,
        },
        label: Label {
            text: a.label.clone(),
            lumi: a.lumi.clone(),
        },
    };
    super::write_figure(&fig, &a.out, format, &o)?;
    println!("wrote {}", a.out.display());
    Ok(())
}
