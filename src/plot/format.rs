//! The image format of a plot: compiled with or without the `plot` feature, since a batch job
//! ([`crate::adl::AdlJob`]) names it either way.

use std::path::Path;

/// The image format of a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Png,
    Svg,
}

impl PlotFormat {
    /// The file extension.
    ///
    /// ```
    /// assert_eq!(rask::plot::PlotFormat::Svg.extension(), "svg");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Png => "png",
            PlotFormat::Svg => "svg",
        }
    }

    /// The format named by a path's extension (`.png`, `.svg`, any case).
    ///
    /// ```
    /// use rask::plot::PlotFormat;
    /// assert_eq!(PlotFormat::from_path("a/b.SVG".as_ref()), Some(PlotFormat::Svg));
    /// assert_eq!(PlotFormat::from_path("b.pdf".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<PlotFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(PlotFormat::Png),
            "svg" => Some(PlotFormat::Svg),
            _ => None,
        }
    }
}
