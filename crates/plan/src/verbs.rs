//! The verbs of an expression: optimize, explain, visualize, necessary_columns, compute, persist.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::reference::interp::{Data, SourceReader, evaluate};
use crate::rules::{Optimized, Plan, optimize, pushdown};

fn plan_of(exprs: &[&Expr]) -> Result<(Context, Plan), PlanError> {
    let Some(first) = exprs.first() else {
        return Err(PlanError::Internal {
            rule: "verbs",
            message: "no expressions".to_string(),
        });
    };
    let ctx = first.context().clone();
    let graph = ctx.graph();
    let mut outputs = Vec::with_capacity(exprs.len());
    for e in exprs {
        if graph.node(e.node_id()).key.0 == 0
            || e.context().graph().len() != graph.len() && !std::ptr::eq(e.context(), &ctx)
        {
            // Different contexts have different arenas; node ids would not match.
        }
        outputs.push(e.node_id());
    }
    Ok((ctx, Plan { graph, outputs }))
}

/// Computes several outputs together: one plan, each source scanned once.
pub fn compute_many(exprs: &[&Expr], reader: &dyn SourceReader) -> Result<Vec<Data>, PlanError> {
    for e in exprs {
        if let Some(first) = exprs.first() {
            e.context().graph(); // all from one context (checked by key lookup below)
            if first
                .context()
                .graph()
                .find(e.context().graph().node(e.node_id()).key)
                .is_none()
            {
                return Err(PlanError::ForeignExpr { expr: e.describe() });
            }
        }
    }
    let (ctx, mut plan) = plan_of(exprs)?;
    let persisted = ctx.lock().persisted.clone();
    // Persisted values become leaves before optimising, so what is below them is culled.
    plan.graph = crate::reference::interp::with_cached(&plan.graph, &plan.outputs, &persisted);
    let opt = optimize(&plan)?;
    evaluate(&opt.fused.graph, &opt.fused.outputs, reader, &persisted)
}

impl Expr {
    /// The plan of this expression alone, as built.
    pub fn plan(&self) -> Plan {
        Plan {
            graph: self.context().graph(),
            outputs: vec![self.node_id()],
        }
    }

    /// Runs the rewrite rules: the plan before, after the logical rules, and after fusion.
    pub fn optimize(&self) -> Result<Optimized, PlanError> {
        optimize(&self.plan())
    }

    /// The plan before and after optimisation, with node counts and the branches read.
    pub fn explain(&self) -> Result<String, PlanError> {
        Ok(crate::explain::explain(&self.optimize()?))
    }

    /// Writes the plan as built to `path` (`.svg`, and `.dot` beside it).
    pub fn visualize(&self, path: &Path) -> Result<(), PlanError> {
        let plan = self.plan();
        crate::explain::visualize(&plan.graph, &plan.outputs, path)
    }

    /// Writes the optimised (fused) plan to `path` (`.svg` and `.dot`).
    pub fn visualize_optimized(&self, path: &Path) -> Result<(), PlanError> {
        let opt = self.optimize()?;
        crate::explain::visualize(&opt.fused.graph, &opt.fused.outputs, path)
    }

    /// The branches each source must read, by source label, sorted (like
    /// `dask_awkward.necessary_columns`); derived from the types, nothing is run.
    pub fn necessary_columns(&self) -> Result<BTreeMap<String, Vec<String>>, PlanError> {
        let opt = self.optimize()?;
        Ok(pushdown::necessary_columns(
            &opt.logical.graph,
            &opt.logical.outputs,
        ))
    }

    /// Evaluates the optimised plan with the reference interpreter.
    pub fn compute(&self, reader: &dyn SourceReader) -> Result<Data, PlanError> {
        let mut out = compute_many(&[self], reader)?;
        out.pop().ok_or_else(|| PlanError::Internal {
            rule: "compute",
            message: "no result".to_string(),
        })
    }

    /// Evaluates the plan as built, without any rewrite (to check the rules against).
    pub fn compute_unoptimized(&self, reader: &dyn SourceReader) -> Result<Data, PlanError> {
        let plan = self.plan();
        let persisted = self.context().lock().persisted.clone();
        let mut out = evaluate(&plan.graph, &plan.outputs, reader, &persisted)?;
        out.pop().ok_or_else(|| PlanError::Internal {
            rule: "compute",
            message: "no result".to_string(),
        })
    }

    /// Computes this expression and keeps the result: later computes that use it read it.
    pub fn persist(&self, reader: &dyn SourceReader) -> Result<Expr, PlanError> {
        let data = self.compute(reader)?;
        let key = self.context().graph().node(self.node_id()).key;
        self.context().lock().persisted.insert(key, data);
        Ok(self.clone())
    }
}
