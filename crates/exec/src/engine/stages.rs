//! Values of all events used per event (`x - mean(x)`, a histogram weighted by `1 / sum(w)`):
//! one pass computes those reductions first, and the plan then reads them as literals, as dask
//! computes a reduction before what depends on it. A morsel never waits for every partition.

use std::collections::HashSet;

use rask_analysis::Substitute;
use rask_plan::op::Scalar;
use rask_plan::types::Ty;
use rask_plan::{Expr, NodeId};

use super::{Engine, Output};
use crate::error::ExecError;

/// `exprs` with every reduction over events that a per-event value or a histogram reads
/// replaced by its computed value (one pass for all of them); `None` when there is none.
///
/// ```no_run
/// # let ctx = rask_plan::Context::new();
/// # let events = ctx.source("events", &["f.root".into()], "Events",
/// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
/// let met = events.field("MET")?.field("pt")?;
/// let centred = (&met - &met.mean(None)?)?; // two passes: the mean, then every event's value
/// let engine = rask_exec::Engine::new(rask_exec::Scheduler::threads());
/// let values = engine.compute(&centred)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub(super) fn reductions_first(
    engine: &Engine,
    exprs: &[&Expr],
) -> Result<Option<Vec<Expr>>, ExecError> {
    let Some(first) = exprs.first() else {
        return Ok(None);
    };
    let ctx = first.context();
    let graph = ctx.graph();
    let ids: Vec<NodeId> = exprs.iter().map(|e| e.node_id()).collect();
    // The reductions over events (one value from per-event values) a per-event value or a
    // histogram reads, directly or through arithmetic on such values (`1 / sum(w)`), which
    // becomes arithmetic on literals.
    let is_scalar = |i: NodeId| matches!(graph.node(i).ty, Ty::Scalar(_));
    let mut staged: Vec<NodeId> = Vec::new();
    let mut seen: HashSet<NodeId> = HashSet::new();
    for id in graph.topo_order(&ids) {
        let node = graph.node(id);
        if is_scalar(id) {
            continue;
        }
        let mut stack: Vec<NodeId> = node
            .inputs
            .iter()
            .copied()
            .filter(|&i| is_scalar(i))
            .collect();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            let inputs = &graph.node(i).inputs;
            if inputs.iter().any(|&j| !is_scalar(j)) {
                staged.push(i); // a reduction: computed first
            } else {
                stack.extend(inputs.iter().copied()); // arithmetic on scalars: look further
            }
        }
    }
    if staged.is_empty() {
        return Ok(None);
    }
    let reductions: Vec<Expr> = staged.iter().map(|&i| ctx.expr_of(i)).collect();
    let refs: Vec<&Expr> = reductions.iter().collect();
    let values = engine.compute_many(&refs)?;
    let mut literals = Vec::with_capacity(values.len());
    for (e, v) in reductions.iter().zip(values) {
        let value: Scalar = match v {
            Output::Float(x) => x.into(),
            Output::Int(i) => i.into(),
            Output::Bool(b) => b.into(),
            other => {
                return Err(ExecError::Internal(format!(
                    "{} is one value for all events, computed as {other:?}",
                    e.describe()
                )));
            }
        };
        literals.push(ctx.literal(value)?);
    }
    let replacements: Vec<(&Expr, &Expr)> = reductions.iter().zip(&literals).collect();
    let mut out = Vec::with_capacity(exprs.len());
    for e in exprs {
        out.push(e.substitute(&replacements)?);
    }
    Ok(Some(out))
}
