//! Experiment styles (CMS, ATLAS): colour cycles, the experiment label and luminosity text, the
//! legend, and the viridis colour map.

use plotters::prelude::*;

use super::DrawError;
use super::canvas::Canvas;
use super::text::{Anchor, Face, TextSpec, VAnchor};

/// The look of the experiment label and the colours of filled histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// mplhep's CMS style: the label above the frame, bold then italic; the Petroff colours.
    #[default]
    Cms,
    /// mplhep's ATLAS style: the label inside the frame, bold italic then normal; the
    /// matplotlib colours.
    Atlas,
}

const fn hex(v: u32) -> RGBColor {
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// CMS's colour cycle (Petroff 6, as mplhep's CMS style).
const CMS_COLORS: [RGBColor; 6] = [
    hex(0x5790fc),
    hex(0xf89c20),
    hex(0xe42536),
    hex(0x964a8b),
    hex(0x9c9ca1),
    hex(0x7a21dd),
];

/// matplotlib's tab10 cycle (mplhep's ATLAS style).
const ATLAS_COLORS: [RGBColor; 10] = [
    hex(0x1f77b4),
    hex(0xff7f0e),
    hex(0x2ca02c),
    hex(0xd62728),
    hex(0x9467bd),
    hex(0x8c564b),
    hex(0xe377c2),
    hex(0x7f7f7f),
    hex(0xbcbd22),
    hex(0x17becf),
];

impl Style {
    /// The `i`-th colour of the style's cycle.
    ///
    /// ```
    /// use rask::plot::style::Style;
    /// assert_eq!(Style::Cms.color(0), Style::Cms.color(6));
    /// ```
    pub fn color(self, i: usize) -> RGBColor {
        match self {
            Style::Cms => CMS_COLORS[i % CMS_COLORS.len()],
            Style::Atlas => ATLAS_COLORS[i % ATLAS_COLORS.len()],
        }
    }
}

/// matplotlib's viridis at 0, 1/9, …, 1 (interpolated linearly between).
const VIRIDIS: [u32; 10] = [
    0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b,
    0xfde725,
];

/// The viridis colour of `t` in `[0, 1]` (clamped).
///
/// ```
/// use plotters::style::RGBColor;
/// assert_eq!(rask::plot::style::viridis(0.0), RGBColor(0x44, 0x01, 0x54));
/// assert_eq!(rask::plot::style::viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
/// ```
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (hex(VIRIDIS[i]), hex(VIRIDIS[i + 1]));
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The experiment label: bold first word (the experiment, `rask` by default), the rest in
/// italics (`Preliminary`, `Simulation`), and the luminosity text on the right
/// (`59.8 fb^{-1} (13 TeV)`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Label {
    pub text: Option<String>,
    pub lumi: Option<String>,
}

/// Label sizes (pixels at scale 1).
const EXP_SIZE: f64 = 26.0;
const SUB_SIZE: f64 = 21.0;
const LUMI_SIZE: f64 = 19.0;
/// The legend's text size (pixels at scale 1).
pub const LEGEND_SIZE: f64 = 17.0;

/// The height taken inside the frame, from its top, by the label (ATLAS style) in pixels.
pub fn label_depth(style: Style, scale: f64, label: &Label) -> f64 {
    match style {
        Style::Cms => 0.0,
        Style::Atlas => {
            let lines = 1.0 + f64::from(u8::from(label.lumi.is_some()));
            scale * (14.0 + EXP_SIZE * 1.35 * lines)
        }
    }
}

/// Draws the experiment label and luminosity text for a frame spanning `left..right` whose top
/// edge is at `top`.
pub fn draw_label<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    style: Style,
    label: &Label,
    left: f64,
    right: f64,
    top: f64,
) -> Result<(), DrawError> {
    let s = c.scale;
    let text = label.text.as_deref().unwrap_or("rask");
    let (head, tail) = match text.trim().split_once(' ') {
        Some((h, t)) => (h, t.trim()),
        None => (text.trim(), ""),
    };
    let (head_face, tail_face, x, y) = match style {
        Style::Cms => (Face::Bold, Face::Italic, left, top - 8.0 * s),
        Style::Atlas => (
            Face::BoldItalic,
            Face::Normal,
            left + 18.0 * s,
            top + 14.0 * s + EXP_SIZE * s * 0.73,
        ),
    };
    let mut spec = TextSpec::new(head, EXP_SIZE * s);
    spec.face = head_face;
    let w = c.text(&spec, x, y)?;
    if !tail.is_empty() {
        let mut spec = TextSpec::new(tail, SUB_SIZE * s);
        spec.face = tail_face;
        c.text(&spec, x + w + 0.3 * EXP_SIZE * s, y)?;
    }
    if let Some(lumi) = &label.lumi {
        let mut spec = TextSpec::new(lumi, LUMI_SIZE * s);
        match style {
            Style::Cms => {
                spec.anchor = Anchor::Right;
                c.text(&spec, right, y)?;
            }
            Style::Atlas => {
                c.text(&spec, x, y + EXP_SIZE * s * 1.35)?;
            }
        }
    }
    Ok(())
}

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A line (a step histogram).
    Line(RGBColor),
    /// A filled box (a stacked process).
    Fill(RGBColor),
    /// A black marker with an error bar (data).
    Marker,
    /// Text only (statistics).
    None,
}

/// A legend line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub swatch: Swatch,
    pub text: String,
}

/// The legend's height in pixels.
pub fn legend_height(entries: &[Entry], scale: f64) -> f64 {
    entries.len() as f64 * LEGEND_SIZE * scale * 1.5 + 10.0 * scale
}

/// Draws the legend in the frame's top right corner.
pub fn draw_legend<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    entries: &[Entry],
    right: f64,
    top: f64,
) -> Result<(), DrawError> {
    let s = c.scale;
    let size = LEGEND_SIZE * s;
    let sw = 30.0 * s;
    let mut widest = 0.0f64;
    for e in entries {
        widest = widest.max(c.measure(&TextSpec::new(&e.text, size))?);
    }
    let x0 = right - 16.0 * s - widest - sw - 10.0 * s;
    for (i, e) in entries.iter().enumerate() {
        let mid = top + 10.0 * s + (i as f64 + 0.5) * size * 1.5;
        let (a, b) = ((x0, mid - size * 0.45), (x0 + sw, mid + size * 0.45));
        match e.swatch {
            Swatch::Line(col) => c.line((a.0, mid), (b.0, mid), col, (2.0 * s).round() as u32)?,
            Swatch::Fill(col) => c.fill(a, b, col.to_rgba())?,
            Swatch::Marker => {
                let cx = x0 + sw / 2.0;
                c.line(
                    (cx, a.1),
                    (cx, b.1),
                    BLACK,
                    (1.5 * s).round().max(1.0) as u32,
                )?;
                c.dot((cx, mid), 4.0 * s, BLACK)?;
            }
            Swatch::None => {}
        }
        let mut spec = TextSpec::new(&e.text, size);
        spec.vanchor = VAnchor::Middle;
        c.text(&spec, x0 + sw + 10.0 * s, mid)?;
    }
    Ok(())
}
