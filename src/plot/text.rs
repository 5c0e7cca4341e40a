//! Text of plots: TLatex labels (see [`super::latex`]) laid out with the metrics of the embedded
//! DejaVu Sans and drawn glyph by glyph.
//!
//! PNG text is rasterised here with `ab_glyph`, each glyph at its pen position plus its left
//! side bearing. plotters' own `ab_glyph` renderer (0.3.7) drops that bearing (it draws each
//! glyph's bitmap at the pen position), so narrow glyphs with wide bearings, the digit `1` above
//! all, sat at the left of their cell and left a gap after them ("1 000"): the bug this module
//! replaces. SVG text is written as `<text>` runs, one per segment, placed with the same
//! metrics; bold and italic are real font attributes there and are synthesised in PNGs
//! (double-struck and sheared).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters::style::FontTransform;

use super::DrawError;
use super::latex::{self, Segment};

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The font family written into SVG files.
const SVG_FAMILY: &str = "DejaVu Sans,Bitstream Vera Sans,Verdana,sans-serif";
/// Height of capital letters in em (DejaVu Sans: 1493 of 2048 units).
pub const CAP_HEIGHT: f64 = 0.729;
/// Horizontal shear of synthesised italics.
const SLANT: f64 = 0.2;

/// Bold, italic or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Normal,
    Bold,
    Italic,
    BoldItalic,
}

impl Face {
    fn bold(self) -> bool {
        matches!(self, Face::Bold | Face::BoldItalic)
    }
    fn italic(self) -> bool {
        matches!(self, Face::Italic | Face::BoldItalic)
    }
}

/// Where the anchor point is on the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Left,
    Center,
    Right,
}

/// Vertical placement: the anchor is on the baseline, at the top of capitals, or halfway up
/// capitals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAnchor {
    Baseline,
    Top,
    Middle,
}

/// The embedded font, parsed once.
pub(crate) fn font() -> Result<&'static FontRef<'static>, DrawError> {
    static F: OnceLock<Result<FontRef<'static>, DrawError>> = OnceLock::new();
    F.get_or_init(|| {
        FontRef::try_from_slice(FONT).map_err(|e| DrawError::Backend(format!("embedded font: {e}")))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// ab_glyph's scale for a font size of `em` pixels (its scale is the ascent-to-descent height).
fn px_scale(f: &FontRef<'_>, em: f64) -> PxScale {
    let units = f.units_per_em().unwrap_or(2048.0);
    PxScale::from((em * f64::from(f.height_unscaled() / units)) as f32)
}

/// A segment placed on the line: its pen x, baseline rise (pixels, up) and size (pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub text: String,
    pub x: f64,
    pub rise: f64,
    pub size: f64,
}

/// The advance of `text` at `size` pixels, kerning included.
fn advance(f: &FontRef<'_>, text: &str, size: f64, face: Face) -> f64 {
    let sf = f.as_scaled(px_scale(f, size));
    let mut x = 0.0f64;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += f64::from(sf.kern(p, id));
        }
        x += f64::from(sf.h_advance(id));
        if face.bold() {
            x += size * 0.03;
        }
        prev = Some(id);
    }
    x
}

/// Lays out a TLatex label at `size` pixels: the placed segments and the total width.
///
/// ```
/// use rask::plot::text::{layout, Face};
/// let (segs, width) = layout("p_{T}", 20.0, Face::Normal).unwrap();
/// assert_eq!(segs.len(), 2);
/// assert!(segs[1].size == 14.0 && segs[1].rise < 0.0 && segs[1].x > 0.0);
/// assert!(width > segs[1].x);
/// ```
pub fn layout(label: &str, size: f64, face: Face) -> Result<(Vec<Placed>, f64), DrawError> {
    let f = font()?;
    let segs: Vec<Segment> = latex::parse(label);
    let mut out = Vec::with_capacity(segs.len());
    let (mut pen, mut mark, mut widest) = (0.0f64, 0.0f64, 0.0f64);
    // While a stacked script is drawn: the end of the first script and the scale it had.
    let mut pending: Option<(f64, f64)> = None;
    for s in &segs {
        if let Some((end, scale)) = pending
            && s.scale > scale
            && !s.starts_script
        {
            pen = pen.max(end);
            pending = None;
        }
        if s.stacked {
            pending = Some((pen, s.scale));
            pen = mark;
        } else if s.starts_script {
            mark = pen;
        }
        let em = size * s.scale;
        out.push(Placed {
            text: s.text.clone(),
            x: pen,
            rise: size * s.rise,
            size: em,
        });
        pen += advance(f, &s.text, em, face);
        widest = widest.max(pen);
    }
    if let Some((end, _)) = pending {
        pen = pen.max(end);
    }
    Ok((out, pen.max(widest)))
}

/// A text request: the label, its size in pixels, face, colour and placement.
#[derive(Debug, Clone)]
pub struct TextSpec<'a> {
    pub label: &'a str,
    pub size: f64,
    pub face: Face,
    pub color: RGBColor,
    pub anchor: Anchor,
    pub vanchor: VAnchor,
    /// Reads bottom to top (a y-axis label).
    pub rotated: bool,
}

impl<'a> TextSpec<'a> {
    /// Black, normal, left and baseline anchored, horizontal.
    pub fn new(label: &'a str, size: f64) -> TextSpec<'a> {
        TextSpec {
            label,
            size,
            face: Face::Normal,
            color: BLACK,
            anchor: Anchor::Left,
            vanchor: VAnchor::Baseline,
            rotated: false,
        }
    }
}

/// How text reaches the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMode {
    /// Rasterised here (bitmaps).
    Raster,
    /// `<text>` elements (SVG).
    Svg,
}

/// Draws `t` with its anchor at `(x, y)`; returns the text's width in pixels.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    mode: TextMode,
    t: &TextSpec<'_>,
    x: f64,
    y: f64,
) -> Result<f64, DrawError> {
    let (segs, width) = layout(t.label, t.size, t.face)?;
    let along = match t.anchor {
        Anchor::Left => 0.0,
        Anchor::Center => -width / 2.0,
        Anchor::Right => -width,
    };
    let down = match t.vanchor {
        VAnchor::Baseline => 0.0,
        VAnchor::Top => t.size * CAP_HEIGHT,
        VAnchor::Middle => t.size * CAP_HEIGHT / 2.0,
    };
    // Local frame: u along the text, v down; the baseline origin is (along, down).
    let to_screen = |u: f64, v: f64| -> (f64, f64) {
        if t.rotated {
            (x + v, y - u)
        } else {
            (x + u, y + v)
        }
    };
    for s in &segs {
        let (u, v) = (along + s.x, down - s.rise);
        match mode {
            TextMode::Raster => raster(area, t, s, u, v, &to_screen)?,
            TextMode::Svg => {
                // plotters writes font-size = size / 1.24 and dy = 0.76em (anchor at the top).
                let (sx, sy) = to_screen(u, v - 0.76 * s.size);
                let style = match (t.face.bold(), t.face.italic()) {
                    (true, _) => FontStyle::Bold,
                    (false, true) => FontStyle::Italic,
                    _ => FontStyle::Normal,
                };
                let mut font = FontDesc::new(FontFamily::Name(SVG_FAMILY), s.size * 1.24, style)
                    .color(&t.color);
                if t.rotated {
                    font = font.transform(FontTransform::Rotate270);
                }
                area.draw(&Text::new(
                    s.text.clone(),
                    (sx.round() as i32, sy.round() as i32),
                    font,
                ))
                .map_err(DrawError::backend)?;
            }
        }
    }
    Ok(width)
}

/// Rasterises one segment whose baseline origin is at local `(u, v)`.
fn raster<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    t: &TextSpec<'_>,
    s: &Placed,
    u: f64,
    v: f64,
    to_screen: &dyn Fn(f64, f64) -> (f64, f64),
) -> Result<(), DrawError> {
    let f = font()?;
    let scale = px_scale(f, s.size);
    let sf = f.as_scaled(scale);
    let mut pen = u;
    let mut prev = None;
    let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
    for c in s.text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            pen += f64::from(sf.kern(p, id));
        }
        prev = Some(id);
        // The glyph at its pen position: px_bounds include the side bearing.
        let g = id.with_scale_and_position(scale, point(pen as f32, v as f32));
        if let Some(o) = f.outline_glyph(g) {
            let b = o.px_bounds();
            o.draw(|gx, gy, cov| {
                let lu = f64::from(b.min.x) + f64::from(gx);
                let lv = f64::from(b.min.y) + f64::from(gy);
                let shear = if t.face.italic() {
                    (v - lv) * SLANT
                } else {
                    0.0
                };
                let (px, py) = to_screen(lu + shear, lv);
                pixels.push((px.round() as i32, py.round() as i32, cov));
                if t.face.bold() {
                    let (bx, by) = to_screen(lu + shear + 1.0, lv);
                    pixels.push((bx.round() as i32, by.round() as i32, cov));
                }
            });
        }
        pen += f64::from(sf.h_advance(id));
        if t.face.bold() {
            pen += s.size * 0.03;
        }
    }
    for (px, py, cov) in pixels {
        if cov > 0.0 {
            let c = t.color.mix(f64::from(cov.min(1.0)));
            area.draw_pixel((px, py), &c).map_err(DrawError::backend)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether each column of the buffer has any dark pixel.
    fn ink_columns(buf: &[u8], w: usize, h: usize) -> Vec<bool> {
        (0..w)
            .map(|x| (0..h).any(|y| buf[3 * (y * w + x)] < 128))
            .collect()
    }

    fn render(label: &str, size: f64) -> (Vec<u8>, usize, usize) {
        let (w, h) = (200usize, 60usize);
        let mut buf = vec![255u8; 3 * w * h];
        {
            let area =
                BitMapBackend::with_buffer(&mut buf, (w as u32, h as u32)).into_drawing_area();
            draw(
                &area,
                TextMode::Raster,
                &TextSpec::new(label, size),
                10.0,
                45.0,
            )
            .unwrap();
            area.present().unwrap();
        }
        (buf, w, h)
    }

    #[test]
    fn the_digit_one_is_drawn_at_its_side_bearing() {
        // ab_glyph's own metrics say where the ink of "1" starts: pen + left side bearing.
        let f = font().unwrap();
        let sf = f.as_scaled(px_scale(f, 40.0));
        let one = sf.glyph_id('1');
        let lsb = f64::from(sf.h_side_bearing(one));
        assert!(lsb > 4.0, "DejaVu's 1 has a wide bearing ({lsb})");
        let (buf, w, h) = render("1000", 40.0);
        let ink = ink_columns(&buf, w, h);
        let first = ink.iter().position(|&i| i).unwrap() as f64;
        assert!(
            (first - (10.0 + lsb)).abs() <= 1.0,
            "ink starts at {first}, want {}",
            10.0 + lsb
        );
        // The gaps between the glyphs: after "1", and between the zeros, each close to what the
        // advances and bearings give.
        let runs: Vec<(usize, usize)> = {
            let mut r = Vec::new();
            let mut start = None;
            for (x, &i) in ink.iter().enumerate() {
                match (i, start) {
                    (true, None) => start = Some(x),
                    (false, Some(s)) => {
                        r.push((s, x));
                        start = None;
                    }
                    _ => {}
                }
            }
            r
        };
        assert_eq!(runs.len(), 4, "four separate glyphs: {runs:?}");
        let zero = sf.glyph_id('0');
        let adv1 = f64::from(sf.h_advance(one));
        let lsb0 = f64::from(sf.h_side_bearing(zero));
        let want_second = 10.0 + adv1 + lsb0;
        assert!(
            (runs[1].0 as f64 - want_second).abs() <= 1.5,
            "{runs:?}, want {want_second}"
        );
    }

    #[test]
    fn subscripts_are_smaller_and_below_the_baseline() {
        let (plain, _, _) = render("p", 40.0);
        let (sub, w, h) = render("p_{T}", 40.0);
        // The T's top: it sits lower than a full-size T would (baseline 45, cap height 0.73 em).
        let rows_of = |buf: &[u8], x0: usize| -> Vec<usize> {
            (0..h)
                .filter(|&y| (x0..w).any(|x| buf[3 * (y * w + x)] < 128))
                .collect()
        };
        let p_right = ink_columns(&plain, w, h).iter().rposition(|&i| i).unwrap();
        let t_rows = rows_of(&sub, p_right + 2);
        let (top, bottom) = (t_rows[0] as f64, *t_rows.last().unwrap() as f64);
        let cap = 0.7 * 40.0 * CAP_HEIGHT;
        assert!(
            (bottom - top + 1.0 - cap).abs() <= 2.0,
            "T is {top}..{bottom}, want {cap} tall"
        );
        let base = 45.0 + 0.18 * 40.0;
        assert!(
            (bottom - base).abs() <= 1.5,
            "T's foot at {bottom}, want {base}"
        );
    }
}
