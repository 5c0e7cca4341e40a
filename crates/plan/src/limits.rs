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

/// Resource limits of a [`Context`](crate::Context), checked when a plan is built.
///
/// ```
/// use rask_plan::{Axis, Context, Storage, limits::Limits};
/// let ctx = Context::with_limits(Limits { max_hist_cells: 100 });
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_hist_cells: DEFAULT_MAX_HIST_CELLS,
        }
    }
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
pub fn check_axes(axes: &[Axis], max_cells: u64) -> Result<(), String> {
    if axes.is_empty() {
        return Err("a histogram needs at least one axis".to_string());
    }
    let mut cells: u64 = 1;
    for (i, axis) in axes.iter().enumerate() {
        let which = if axes.len() > 1 {
            format!("axis {}: ", i + 1)
        } else {
            String::new()
        };
        let bins = axis_bins(axis).map_err(|m| format!("{which}{m}"))?;
        cells = cells.saturating_mul(bins);
        if cells > max_cells {
            let what = if axes.len() > 1 {
                "bins (the product over the axes)"
            } else {
                "bins"
            };
            return Err(format!(
                "{} {what}, more than the limit of {max_cells} (raise it with \
                 Context::with_limits if the memory is there)",
                if cells == u64::MAX {
                    "too many".to_string()
                } else {
                    cells.to_string()
                }
            ));
        }
    }
    Ok(())
}

/// The number of bins of one axis (flow bins not counted), or why the axis is invalid.
fn axis_bins(axis: &Axis) -> Result<u64, String> {
    match axis {
        Axis::Regular { bins, lo, hi, .. } => {
            if *bins == 0 {
                return Err("the number of bins must be at least 1".to_string());
            }
            if !lo.is_finite() || !hi.is_finite() {
                return Err(format!("the range [{lo}, {hi}) must be finite"));
            }
            if lo >= hi {
                return Err(format!(
                    "the lower edge {lo} must be below the upper edge {hi}"
                ));
            }
            // Bins narrower than the floats can tell apart would make equal edges.
            let width = (hi - lo) / f64::from(*bins);
            if lo + width <= *lo || hi - width >= *hi {
                return Err(format!(
                    "{bins} bins over [{lo}, {hi}) are narrower than the precision of the edges"
                ));
            }
            Ok(u64::from(*bins))
        }
        Axis::Variable { edges, .. } => {
            if edges.len() < 2 {
                return Err("a variable axis needs at least two edges".to_string());
            }
            if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
                return Err(format!("the edges must be finite, not {e}"));
            }
            if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
                return Err(format!(
                    "the edges must increase strictly ({} then {})",
                    w[0], w[1]
                ));
            }
            Ok(edges.len() as u64 - 1)
        }
        Axis::Integer { lo, hi, .. } => {
            if lo >= hi {
                return Err(format!(
                    "the lower bound {lo} must be below the upper bound {hi}"
                ));
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

fn distinct<T: PartialEq + std::fmt::Debug>(sorted: &[T], n: usize) -> Result<u64, String> {
    if n == 0 {
        return Err("a category axis needs at least one category".to_string());
    }
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("the category {:?} is listed twice", w[0]));
    }
    Ok(n as u64)
}
