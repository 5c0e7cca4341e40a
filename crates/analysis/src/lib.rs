//! rask-analysis: what a real analysis adds to the plan, written with the builder API alone.
//!
//! - [`Analysis::vary`]: systematic variations (`jet pT × 1.03`), rebuilding only what depends
//!   on what they replace, so variations share every untouched node and one reading of the
//!   files; [`Varied::stacked`] puts an output's variations on one histogram axis.
//! - [`Weights`]: named event weights multiplied together, with up/down variations (coffea's
//!   `Weights`).
//! - [`Analysis::cutflow`]: events passing each cut alone, in sequence and N-1, counted and
//!   weighted (coffea's `PackedSelection.cutflow`).
//!
//! Everything is ordinary plan nodes: one `compute` of the outputs reads the files once.
//!
//! ```
//! # use std::sync::Arc;
//! use rask_analysis::{Analysis, Substitute};
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
//! let pt = events.field("Jet")?.field("pt")?;
//! let ht = pt.sum(Some(1))?;
//! let up = ht.substitute(&[(&pt, &pt.mul(1.03)?)])?;
//! let both = ctx.vary(&[&ht], &[("jes_up", vec![(&pt, &pt.mul(1.03)?)])])?;
//! assert_eq!(both.variations[1].1[0].key(), up.key());
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

mod cutflow;
mod vary;
mod weights;

use rask_plan::{Context, Expr, PlanError};

pub use cutflow::{Cutflow, CutflowValues, WeightedCutflow, WeightedValues};
pub use rask_plan::limits::DEFAULT_MAX_VARIATIONS;
pub use vary::Varied;
pub use weights::Weights;

/// The analysis verbs of a [`Context`].
pub trait Analysis {
    /// `outputs` for the nominal case and for every variation `(name, replacements)`, where
    /// each replacement `(from, to)` stands `to` wherever `from` was used. Fails, naming the
    /// variation, when a name repeats or is `nominal`, when a replacement does not type where
    /// it is used, or when there are more variations than `Limits::max_variations`.
    fn vary(
        &self,
        outputs: &[&Expr],
        variations: &[(&str, Vec<(&Expr, &Expr)>)],
    ) -> Result<Varied, PlanError>;

    /// The cut-flow of `cuts` (named conditions, one per event, of the same events), counted,
    /// and summed with `weight` (one number per event) when given.
    fn cutflow(&self, cuts: &[(&str, &Expr)], weight: Option<&Expr>) -> Result<Cutflow, PlanError>;

    /// Histograms of the same axes side by side on one more string-category axis `label`, one
    /// category per `(name, histogram)`, appended after their axes (`Op::Stack`); computed in
    /// the same pass, within the context's cap on histogram cells.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use rask_analysis::Analysis;
    /// use rask_plan::{Axis, Storage};
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
    /// let met = events.field("MET")?.field("pt")?;
    /// let axis = Axis::Regular { bins: 10, lo: 0.0, hi: 100.0, label: "met".into() };
    /// let h = |x: &rask_plan::Expr| ctx.hist(vec![axis.clone()], Storage::Int, &[x], None);
    /// let both = ctx.stack("variation", &[("nominal", &h(&met)?), ("up", &h(&met.mul(1.1)?)?)])?;
    /// assert!(both.ty().describe().starts_with("hist 2D"));
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    fn stack(&self, label: &str, parts: &[(&str, &Expr)]) -> Result<Expr, PlanError>;
}

impl Analysis for Context {
    fn vary(
        &self,
        outputs: &[&Expr],
        variations: &[(&str, Vec<(&Expr, &Expr)>)],
    ) -> Result<Varied, PlanError> {
        vary::vary(self, outputs, variations)
    }

    fn cutflow(&self, cuts: &[(&str, &Expr)], weight: Option<&Expr>) -> Result<Cutflow, PlanError> {
        cutflow::cutflow(self, cuts, weight)
    }

    fn stack(&self, label: &str, parts: &[(&str, &Expr)]) -> Result<Expr, PlanError> {
        let axis = rask_plan::Axis::StrCategory {
            categories: parts.iter().map(|(n, _)| n.to_string()).collect(),
            label: label.to_string(),
        };
        let inputs: Vec<&Expr> = parts.iter().map(|(_, e)| *e).collect();
        let stacked = self.add_op(rask_plan::Op::Stack { axis }, &inputs)?;
        // The stack is one histogram: the cap on cells holds for it as for `hist`.
        if let rask_plan::Ty::Hist { axes, .. } = stacked.ty()
            && let Err(message) = rask_plan::limits::check_axes(&axes, self.limits().max_hist_cells)
        {
            return Err(PlanError::Hist {
                hist: format!("stack on {label:?}"),
                message,
            });
        }
        Ok(stacked)
    }
}

/// Replacing nodes of an expression.
pub trait Substitute {
    /// This expression with `to` wherever `from` was used, for every `(from, to)`: only what
    /// depends on a replaced node is built again (retyped, so `to` may have another number
    /// type than `from`; a `to` that does not fit where `from` was used is an error naming
    /// the expression); the rest is the same node.
    ///
    /// ```
    /// use rask_analysis::Substitute;
    /// let ctx = rask_plan::Context::new();
    /// let x = ctx.arange(10, 5)?;
    /// let z = (&(&x * 2.0)? + 1.0)?;
    /// let z3 = z.substitute(&[(&x, &x.mul(3)?)])?;
    /// assert_eq!(z3.key(), ((&(&x.mul(3)? * 2.0)? + 1.0)?).key());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    fn substitute(&self, replacements: &[(&Expr, &Expr)]) -> Result<Expr, PlanError>;
}

impl Substitute for Expr {
    fn substitute(&self, replacements: &[(&Expr, &Expr)]) -> Result<Expr, PlanError> {
        vary::substitute(self, replacements)
    }
}
