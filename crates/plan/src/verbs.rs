//! The verbs of an expression that run nothing: optimize, explain, visualize, necessary_columns.
//! (`compute` and `persist` belong to whoever runs plans: `rask-exec`'s `Engine`, and the
//! reference interpreter's `Reference` trait in `rask-reference`.)

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::PlanError;
use crate::expr::Expr;
use crate::rules::{Optimized, Plan, optimize, pushdown};

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
}
