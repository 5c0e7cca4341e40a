//! Limits checked while a plan is built, so that a mistaken or hostile plan fails with an error
//! naming what is too big instead of exhausting the stack or the memory later.
//!
//! - **Expression depth** ([`MAX_DEPTH`]): the longest chain of operations from a source or
//!   literal to a node. The rules and evaluators walk the arena iteratively, but a cap keeps
//!   every pass (and the nested types a chain of `zip`s makes, [`MAX_LAYOUT_NESTING`]) within
//!   bounds on a 2 MiB thread stack.
//! - **Histogram size** ([`Limits::max_hist_cells`]): the product of the axes' bin counts (flow
//!   bins not counted), 10,000,000 unless the [`Context`](crate::Context) says otherwise.
//!   Edges must be finite and increasing, so every bin has finite, distinct bounds in UHI JSON.

use crate::types::Axis;

/// The deepest expression the builder accepts: a chain of more operations than this (say a sum
/// of 20,000 terms written `a + b + c + ...`) is a [`PlanError::TooDeep`](crate::PlanError).
pub const MAX_DEPTH: u32 = 10_000;

/// The deepest nesting of lists, options and records a value may have.
pub const MAX_LAYOUT_NESTING: usize = 64;

/// The default cap on the cells (bins, flow bins not counted) of one histogram.
pub const DEFAULT_MAX_HIST_CELLS: u64 = 10_000_000;

/// The most variations one analysis may build unless [`Limits`] says otherwise: a guard
/// against a loop that generates variations without end (`rask-analysis`'s `vary`).
pub const DEFAULT_MAX_VARIATIONS: usize = 10_000;

/// Resource limits of a [`Context`](crate::Context), checked when a plan is built.
///
/// ```
/// use rask_plan::{Axis, Context, Storage, limits::Limits};
/// let ctx = Context::with_limits(Limits { max_hist_cells: 100, ..Limits::default() });
/// let x = ctx.literal(1.0)?;
/// let axis = |bins| Axis::Regular { bins, lo: 0.0, hi: 1.0, label: String::new() };
/// assert!(ctx.hist(vec![axis(100)], Storage::Int, &[&x], None).is_ok());
/// assert!(ctx.hist(vec![axis(101)], Storage::Int, &[&x], None).is_err());
/// # Ok::<(), rask_plan::PlanError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most cells (the product of the axes' bin counts) one histogram may have.
    pub max_hist_cells: u64,
    /// The most variations one `Context::vary` call may build.
    pub max_variations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_hist_cells: DEFAULT_MAX_HIST_CELLS,
            max_variations: DEFAULT_MAX_VARIATIONS,
        }
    }
}

/// Why a histogram's axes are refused.
///
/// ```
/// use rask_plan::{Axis, limits::{AxisError, LimitError, check_axes}};
/// let regular = |bins, lo, hi| Axis::Regular { bins, lo, hi, label: String::new() };
/// let err = check_axes(&[regular(10, 0.0, 1.0), regular(0, 0.0, 1.0)], 1000).unwrap_err();
/// assert_eq!(err, LimitError::Axis { axis: Some(2), error: AxisError::NoBins });
/// assert_eq!(err.to_string(), "axis 2: the number of bins must be at least 1");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    /// A histogram without axes.
    #[error("a histogram needs at least one axis")]
    NoAxes,
    /// An invalid axis: `axis` numbers it from 1 when the histogram has several.
    #[error("{}{error}", axis.map(|i| format!("axis {i}: ")).unwrap_or_default())]
    Axis {
        axis: Option<usize>,
        #[source]
        error: AxisError,
    },
    /// More cells than the context's limit: `cells` is `None` when the product overflows,
    /// `several` says whether it is a product over several axes.
    #[error(
        "{} {}, more than the limit of {max} (raise it with Context::with_limits if the memory \
         is there)",
        cells.map_or_else(|| "too many".to_string(), |c| c.to_string()),
        if *several { "bins (the product over the axes)" } else { "bins" }
    )]
    TooManyCells {
        cells: Option<u64>,
        max: u64,
        several: bool,
    },
}

/// Why one axis is invalid.
///
/// ```
/// use rask_plan::limits::AxisError;
/// let e = AxisError::Range { lo: 1.0, hi: 0.0 };
/// assert_eq!(e.to_string(), "the lower edge 1 must be below the upper edge 0");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AxisError {
    /// A regular axis of zero bins.
    #[error("the number of bins must be at least 1")]
    NoBins,
    /// A regular axis with an infinite or NaN bound.
    #[error("the range [{lo}, {hi}) must be finite")]
    InfiniteRange { lo: f64, hi: f64 },
    /// A regular axis whose lower edge is not below its upper edge.
    #[error("the lower edge {lo} must be below the upper edge {hi}")]
    Range { lo: f64, hi: f64 },
    /// Bins narrower than the floats can tell apart (they would have equal edges).
    #[error("{bins} bins over [{lo}, {hi}) are narrower than the precision of the edges")]
    TooNarrow { bins: u32, lo: f64, hi: f64 },
    /// A variable axis of fewer than two edges.
    #[error("a variable axis needs at least two edges")]
    FewEdges,
    /// A variable axis with an infinite or NaN edge.
    #[error("the edges must be finite, not {edge}")]
    InfiniteEdge { edge: f64 },
    /// A variable axis whose edges do not increase strictly.
    #[error("the edges must increase strictly ({left} then {right})")]
    Unordered { left: f64, right: f64 },
    /// An integer axis whose lower bound is not below its upper bound.
    #[error("the lower bound {lo} must be below the upper bound {hi}")]
    IntRange { lo: i64, hi: i64 },
    /// A category axis without categories.
    #[error("a category axis needs at least one category")]
    NoCategories,
    /// A category listed twice (`category` is its debug form: quoted for strings).
    #[error("the category {category} is listed twice")]
    DuplicateCategory { category: String },
}

/// Checks a histogram's axes: every axis has bins, finite increasing edges (or integer bounds,
/// distinct categories), and all together at most `max_cells` cells. The error says which axis
/// (numbered from 1 when there are several) and why.
///
/// ```
/// use rask_plan::{Axis, limits::check_axes};
/// let regular = |bins, lo, hi| Axis::Regular { bins, lo, hi, label: String::new() };
/// assert!(check_axes(&[regular(10, 0.0, 1.0)], 1000).is_ok());
/// assert!(check_axes(&[regular(10, 0.0, f64::INFINITY)], 1000).is_err());
/// assert!(check_axes(&[regular(10, 1.0, 1.0)], 1000).is_err());
/// assert!(check_axes(&[regular(100, 0.0, 1.0), regular(100, 0.0, 1.0)], 1000).is_err());
/// ```
pub fn check_axes(axes: &[Axis], max_cells: u64) -> Result<(), LimitError> {
    if axes.is_empty() {
        return Err(LimitError::NoAxes);
    }
    let several = axes.len() > 1;
    let mut cells: u64 = 1;
    for (i, axis) in axes.iter().enumerate() {
        let bins = axis_bins(axis).map_err(|error| LimitError::Axis {
            axis: several.then_some(i + 1),
            error,
        })?;
        cells = cells.saturating_mul(bins);
        if cells > max_cells {
            return Err(LimitError::TooManyCells {
                cells: (cells != u64::MAX).then_some(cells),
                max: max_cells,
                several,
            });
        }
    }
    Ok(())
}

/// The number of bins of one axis (flow bins not counted), or why the axis is invalid.
fn axis_bins(axis: &Axis) -> Result<u64, AxisError> {
    match axis {
        Axis::Regular { bins, lo, hi, .. } => {
            let (lo, hi) = (*lo, *hi);
            if *bins == 0 {
                return Err(AxisError::NoBins);
            }
            if !lo.is_finite() || !hi.is_finite() {
                return Err(AxisError::InfiniteRange { lo, hi });
            }
            if lo >= hi {
                return Err(AxisError::Range { lo, hi });
            }
            // Bins narrower than the floats can tell apart would make equal edges.
            let width = (hi - lo) / f64::from(*bins);
            if lo + width <= lo || hi - width >= hi {
                return Err(AxisError::TooNarrow {
                    bins: *bins,
                    lo,
                    hi,
                });
            }
            Ok(u64::from(*bins))
        }
        Axis::Variable { edges, .. } => {
            if edges.len() < 2 {
                return Err(AxisError::FewEdges);
            }
            if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
                return Err(AxisError::InfiniteEdge { edge: *e });
            }
            if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
                return Err(AxisError::Unordered {
                    left: w[0],
                    right: w[1],
                });
            }
            Ok(edges.len() as u64 - 1)
        }
        Axis::Integer { lo, hi, .. } => {
            if lo >= hi {
                return Err(AxisError::IntRange { lo: *lo, hi: *hi });
            }
            Ok(hi.abs_diff(*lo))
        }
        Axis::IntCategory { categories, .. } => {
            let mut seen = categories.clone();
            seen.sort_unstable();
            distinct(&seen, categories.len())
        }
        Axis::StrCategory { categories, .. } => {
            let mut seen: Vec<&String> = categories.iter().collect();
            seen.sort_unstable();
            distinct(&seen, categories.len())
        }
        Axis::Boolean { .. } => Ok(2),
    }
}

fn distinct<T: PartialEq + std::fmt::Debug>(sorted: &[T], n: usize) -> Result<u64, AxisError> {
    if n == 0 {
        return Err(AxisError::NoCategories);
    }
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(AxisError::DuplicateCategory {
            category: format!("{:?}", w[0]),
        });
    }
    Ok(n as u64)
}
