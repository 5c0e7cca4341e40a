//! Systematic variations of a whole analysis: the same outputs with some inputs replaced
//! (`jet pT × 1.03`), built by rebuilding only what depends on the replaced inputs.
//!
//! Everything a variation does not touch is the same node in every variation (the arena
//! hash-conses by structure), so the plan grows with what the variations change, not with
//! their number times the analysis, and the file is read once for all of them.
//!
//! ```
//! # use std::sync::Arc;
//! let ctx = rask_plan::Context::new();
//! let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
//! let pt = events.field("Jet")?.field("pt")?;
//! let ht = pt.mask(&pt.gt(30.0)?)?.sum(Some(1))?;
//! let met = events.field("MET")?.field("pt")?;
//! let out = (&ht + &met)?;
//! let varied = ctx.vary(&[&out], &[
//!     ("jes_up", vec![(&pt, &pt.mul(1.03)?)]),
//!     ("jes_down", vec![(&pt, &pt.mul(0.97)?)]),
//! ])?;
//! assert_eq!(varied.names(), ["nominal", "jes_up", "jes_down"]);
//! assert!(varied.summary().contains("3 variations"));
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

use std::collections::{HashMap, HashSet};

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::graph::NodeId;

/// The most variations one [`Context::vary`] call builds, unless [`crate::limits::Limits`] says
/// otherwise: a guard against a loop that generates variations without end.
pub const DEFAULT_MAX_VARIATIONS: usize = 10_000;

/// The outputs of an analysis for the nominal case and each variation.
#[derive(Debug, Clone)]
pub struct Varied {
    /// `(name, outputs)`: `nominal` first, then the variations in the order given.
    pub variations: Vec<(String, Vec<Expr>)>,
    /// Nodes reachable from all outputs of all variations.
    pub nodes: usize,
    /// Nodes the variations would take if each were built as a plan of its own.
    pub nodes_separately: usize,
}

impl Varied {
    /// The variation names, `nominal` first.
    pub fn names(&self) -> Vec<&str> {
        self.variations.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// How much the variations share, for `explain`: "14 variations: 1,203 nodes (9,870 if
    /// built one by one: 88% shared)".
    pub fn summary(&self) -> String {
        let shared = if self.nodes_separately == 0 {
            0.0
        } else {
            100.0 * (1.0 - self.nodes as f64 / self.nodes_separately as f64)
        };
        format!(
            "{} variations: {} nodes ({} if built one by one: {shared:.0}% shared)",
            self.variations.len(),
            self.nodes,
            self.nodes_separately
        )
    }
}

impl Varied {
    /// Output `i` of every variation side by side on a string-category axis `label` (one
    /// category per variation, `nominal` first): one histogram with a `variation` axis.
    pub fn stacked(&self, i: usize, label: &str) -> Result<Expr, PlanError> {
        let parts = self
            .variations
            .iter()
            .map(|(name, outs)| {
                outs.get(i)
                    .map(|e| (name.as_str(), e))
                    .ok_or_else(|| PlanError::Internal {
                        rule: "vary",
                        message: format!("no output {i}"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ctx = parts
            .first()
            .map(|(_, e)| e.context().clone())
            .ok_or(PlanError::Internal {
                rule: "vary",
                message: "no variations".to_string(),
            })?;
        ctx.stack(label, &parts)
    }
}

/// A variation that cannot be built.
fn vary_error(name: &str, message: String) -> PlanError {
    PlanError::Type {
        expr: format!("variation '{name}'"),
        message,
    }
}

impl Context {
    /// `outputs` for the nominal case and for every variation `(name, replacements)`, where each
    /// replacement `(from, to)` stands `to` wherever `from` was used. Fails, naming the
    /// variation, when a name repeats or is `nominal`, when a replacement does not type where
    /// it is used (`to` must have `from`'s type), or when there are more variations than
    /// [`crate::limits::Limits::max_variations`].
    pub fn vary(
        &self,
        outputs: &[&Expr],
        variations: &[(&str, Vec<(&Expr, &Expr)>)],
    ) -> Result<Varied, PlanError> {
        let max = self.limits().max_variations;
        if variations.len() > max {
            return Err(vary_error(
                variations.get(max).map_or("", |v| v.0),
                format!(
                    "{} variations, more than the limit of {max} (Limits::max_variations)",
                    variations.len()
                ),
            ));
        }
        let mut seen = HashSet::from(["nominal"]);
        let mut all = vec![(
            "nominal".to_string(),
            outputs.iter().map(|e| (*e).clone()).collect::<Vec<_>>(),
        )];
        for (name, replacements) in variations {
            if !seen.insert(name) {
                return Err(vary_error(name, "the name is used twice".to_string()));
            }
            let varied = substitute_all(self, outputs, replacements).map_err(|e| match e {
                PlanError::Type { expr, message } => vary_error(name, format!("{expr}: {message}")),
                other => other,
            })?;
            all.push((name.to_string(), varied));
        }
        let shared = self.lock();
        let graph = &shared.graph;
        let ids = |outs: &[Expr]| outs.iter().map(Expr::node_id).collect::<Vec<_>>();
        let every: Vec<NodeId> = all.iter().flat_map(|(_, o)| ids(o)).collect();
        let nodes = graph.topo_order(&every).len();
        let nodes_separately = all
            .iter()
            .map(|(_, o)| graph.topo_order(&ids(o)).len())
            .sum();
        drop(shared);
        Ok(Varied {
            variations: all,
            nodes,
            nodes_separately,
        })
    }
}

impl Context {
    /// Histograms of the same axes side by side on one more string-category axis `label`, one
    /// category per `(name, histogram)`, appended after their axes; computed in the same pass.
    ///
    /// ```
    /// # use std::sync::Arc;
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
    pub fn stack(&self, label: &str, parts: &[(&str, &Expr)]) -> Result<Expr, PlanError> {
        let axis = crate::types::Axis::StrCategory {
            categories: parts.iter().map(|(n, _)| n.to_string()).collect(),
            label: label.to_string(),
        };
        let inputs: Vec<&Expr> = parts.iter().map(|(_, e)| *e).collect();
        self.add_op(crate::op::Op::Stack { axis }, &inputs)
    }
}

impl Expr {
    /// This expression with `to` wherever `from` was used, for every `(from, to)`: only what
    /// depends on a replaced node is built again (retyped, so `to` may have another number
    /// type than `from`, and a `to` that does not fit where `from` was used is an error naming
    /// the expression); the rest is the same node.
    ///
    /// ```
    /// let ctx = rask_plan::Context::new();
    /// let x = ctx.arange(10, 5)?;
    /// let y = (&x * 2.0)?;
    /// let z = (&y + 1.0)?;
    /// let z3 = z.substitute(&[(&x, &(&x * 3.0)?)])?;
    /// assert_eq!(z3.key(), ((&(&(&x * 3.0)? * 2.0)? + 1.0)?).key());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn substitute(&self, replacements: &[(&Expr, &Expr)]) -> Result<Expr, PlanError> {
        let mut out = substitute_all(self.context(), &[self], replacements)?;
        out.pop().ok_or_else(|| PlanError::Internal {
            rule: "vary",
            message: "no output".to_string(),
        })
    }
}

/// `outputs` with every `(from, to)` replaced, rebuilding only the nodes above a replaced one.
/// Reads the arena in place (no copy of it), so a variation costs what it rebuilds plus one walk
/// of the outputs' ancestors.
fn substitute_all(
    ctx: &Context,
    outputs: &[&Expr],
    replacements: &[(&Expr, &Expr)],
) -> Result<Vec<Expr>, PlanError> {
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for (from, to) in replacements {
        map.insert(ctx.own(from)?, ctx.own(to)?);
    }
    let roots = outputs
        .iter()
        .map(|e| ctx.own(e))
        .collect::<Result<Vec<_>, _>>()?;
    let order = ctx.lock().graph.topo_order(&roots);
    for id in order {
        if map.contains_key(&id) {
            continue;
        }
        let (op, inputs) = {
            let shared = ctx.lock();
            let node = shared.graph.node(id);
            let inputs: Vec<NodeId> = node
                .inputs
                .iter()
                .map(|i| map.get(i).copied().unwrap_or(*i))
                .collect();
            if inputs == node.inputs {
                continue;
            }
            (node.op.clone(), inputs)
        };
        let new = ctx.add(op, inputs)?;
        map.insert(id, new.node_id());
    }
    Ok(roots
        .iter()
        .map(|r| ctx.expr_of(map.get(r).copied().unwrap_or(*r)))
        .collect())
}
