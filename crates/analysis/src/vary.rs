//! Systematic variations of a whole analysis: the same outputs with some inputs replaced
//! (`jet pT × 1.03`), built by rebuilding only what depends on the replaced inputs.
//!
//! Everything a variation does not touch is the same node in every variation (the arena
//! hash-conses by structure), so the plan grows with what the variations change, not with
//! their number times the analysis, and the file is read once for all of them.
//!
//! ```
//! # use std::sync::Arc;
//! use rask_analysis::Analysis;
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

use rask_plan::{Context, Expr, NodeId, PlanError};

use crate::Analysis as _;

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

/// `outputs` for the nominal case and for every variation `(name, replacements)`, where each
/// replacement `(from, to)` stands `to` wherever `from` was used. Fails, naming the variation,
/// when a name repeats or is `nominal`, when a replacement does not type where it is used, or
/// when there are more variations than [`rask_plan::limits::Limits::max_variations`].
pub(crate) fn vary(
    ctx: &Context,
    outputs: &[&Expr],
    variations: &[(&str, Vec<(&Expr, &Expr)>)],
) -> Result<Varied, PlanError> {
    {
        let max = ctx.limits().max_variations;
        if variations.len() > max {
            return Err(vary_error(
                variations.get(max).map_or("", |v| v.0),
                format!(
                    "{} variations, more than the limit of {max} (Limits::max_variations)",
                    variations.len()
                ),
            ));
        }
        // The arena as it is: what the outputs reach (new nodes are added to the context).
        let graph = ctx.graph();
        let mut seen = HashSet::from(["nominal"]);
        let mut all = vec![(
            "nominal".to_string(),
            outputs.iter().map(|e| (*e).clone()).collect::<Vec<_>>(),
        )];
        for (name, replacements) in variations {
            if !seen.insert(name) {
                return Err(vary_error(name, "the name is used twice".to_string()));
            }
            let varied =
                substitute_all(ctx, &graph, outputs, replacements).map_err(|e| match e {
                    PlanError::Type { expr, message } => {
                        vary_error(name, format!("{expr}: {message}"))
                    }
                    other => other,
                })?;
            all.push((name.to_string(), varied));
        }
        let graph = ctx.graph();
        let ids = |outs: &[Expr]| outs.iter().map(Expr::node_id).collect::<Vec<_>>();
        let every: Vec<NodeId> = all.iter().flat_map(|(_, o)| ids(o)).collect();
        let nodes = graph.topo_order(&every).len();
        let nodes_separately = all
            .iter()
            .map(|(_, o)| graph.topo_order(&ids(o)).len())
            .sum();
        Ok(Varied {
            variations: all,
            nodes,
            nodes_separately,
        })
    }
}

/// This expression with `to` wherever `from` was used (see [`crate::Substitute`]).
pub(crate) fn substitute(e: &Expr, replacements: &[(&Expr, &Expr)]) -> Result<Expr, PlanError> {
    let graph = e.context().graph();
    let mut out = substitute_all(e.context(), &graph, &[e], replacements)?;
    out.pop().ok_or_else(|| PlanError::Internal {
        rule: "vary",
        message: "no output".to_string(),
    })
}

/// `outputs` with every `(from, to)` replaced, rebuilding only the nodes above a replaced one;
/// `graph` is the context's arena as it was before (read, not copied per variation), so a
/// variation costs what it rebuilds plus one walk of the outputs' ancestors.
fn substitute_all(
    ctx: &Context,
    graph: &rask_plan::Graph,
    outputs: &[&Expr],
    replacements: &[(&Expr, &Expr)],
) -> Result<Vec<Expr>, PlanError> {
    let mut map: HashMap<NodeId, NodeId> = HashMap::new();
    for (from, to) in replacements {
        // Both must be nodes of this plan (node ids of another context mean other nodes).
        for e in [from, to] {
            let known = e.node_id().index() < graph.len() && graph.name_of(e.node_id()) == e.key();
            if !known {
                return Err(PlanError::ForeignExpr { expr: e.describe() });
            }
        }
        map.insert(from.node_id(), to.node_id());
    }
    for e in outputs {
        if e.node_id().index() >= graph.len() || graph.name_of(e.node_id()) != e.key() {
            return Err(PlanError::ForeignExpr { expr: e.describe() });
        }
    }
    let roots: Vec<NodeId> = outputs.iter().map(|e| e.node_id()).collect();
    for id in graph.topo_order(&roots) {
        if map.contains_key(&id) {
            continue;
        }
        let node = graph.node(id);
        if !node.inputs.iter().any(|i| map.contains_key(i)) {
            continue;
        }
        let inputs: Vec<Expr> = node
            .inputs
            .iter()
            .map(|i| ctx.expr_of(map.get(i).copied().unwrap_or(*i)))
            .collect();
        let refs: Vec<&Expr> = inputs.iter().collect();
        let new = ctx.add_op(node.op.clone(), &refs)?;
        map.insert(id, new.node_id());
    }
    Ok(roots
        .iter()
        .map(|r| ctx.expr_of(map.get(r).copied().unwrap_or(*r)))
        .collect())
}
