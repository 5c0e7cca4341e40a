//! Why a figure could not be drawn, inside the plotting modules (the public [`super::PlotError`]
//! adds the file at fault).

/// A drawing failure: of the backend or the embedded font (internal), or of the figure asked
/// for (nothing to draw, histograms whose bins do not line up: the user's input).
///
/// ```
/// use rask::plot::DrawError;
/// let e = DrawError::Figure("nothing to plot".into());
/// assert_eq!(e.to_string(), "nothing to plot");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DrawError {
    /// The drawing backend or the embedded font failed.
    #[error("{0}")]
    Backend(String),
    /// The figure cannot be drawn as asked.
    #[error("{0}")]
    Figure(String),
}

impl DrawError {
    /// A backend's error.
    pub(crate) fn backend(e: impl std::fmt::Display) -> DrawError {
        DrawError::Backend(e.to_string())
    }
}
