//! A drawing surface in pixel coordinates (floats, rounded when drawn): lines, boxes, markers
//! and TLatex text, over any plotters backend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawError;
use super::text::{self, TextMode, TextSpec};

/// The image being drawn and how its text is made; `scale` multiplies every font size and line
/// length (1 for 800×600).
pub struct Canvas<'a, DB: DrawingBackend> {
    pub area: &'a DrawingArea<DB, Shift>,
    pub mode: TextMode,
    pub scale: f64,
}

fn px(p: (f64, f64)) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

impl<DB: DrawingBackend> Canvas<'_, DB> {
    /// A straight line.
    pub fn line(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        color: RGBColor,
        width: u32,
    ) -> Result<(), DrawError> {
        self.polyline(&[a, b], color, width)
    }

    /// Connected line segments.
    pub fn polyline(
        &self,
        points: &[(f64, f64)],
        color: RGBColor,
        width: u32,
    ) -> Result<(), DrawError> {
        let pts: Vec<(i32, i32)> = points.iter().map(|&p| px(p)).collect();
        self.area
            .draw(&PathElement::new(pts, color.stroke_width(width)))
            .map_err(DrawError::backend)
    }

    /// A filled box between two corners.
    pub fn fill(&self, a: (f64, f64), b: (f64, f64), color: RGBAColor) -> Result<(), DrawError> {
        self.area
            .draw(&Rectangle::new([px(a), px(b)], color.filled()))
            .map_err(DrawError::backend)
    }

    /// A box outline.
    pub fn outline(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        color: RGBColor,
        width: u32,
    ) -> Result<(), DrawError> {
        let (a, b) = (px(a), px(b));
        self.area
            .draw(&Rectangle::new([a, b], color.stroke_width(width)))
            .map_err(DrawError::backend)
    }

    /// A filled circle of radius `r`.
    pub fn dot(&self, c: (f64, f64), r: f64, color: RGBColor) -> Result<(), DrawError> {
        self.area
            .draw(&Circle::new(
                px(c),
                r.round().max(1.0) as i32,
                color.filled(),
            ))
            .map_err(DrawError::backend)
    }

    /// Text anchored at `(x, y)`; returns its width.
    pub fn text(&self, t: &TextSpec<'_>, x: f64, y: f64) -> Result<f64, DrawError> {
        text::draw(self.area, self.mode, t, x, y)
    }

    /// The width of a label at `size` pixels, without drawing it.
    pub fn measure(&self, t: &TextSpec<'_>) -> Result<f64, DrawError> {
        Ok(text::layout(t.label, t.size, t.face)?.1)
    }
}
