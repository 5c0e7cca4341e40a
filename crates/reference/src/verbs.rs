//! `compute` and `persist` with the reference interpreter: the [`Reference`] trait on [`Expr`].

use std::collections::HashMap;
use std::sync::Mutex;

use rask_plan::rules::{Plan, optimize};
use rask_plan::{Expr, Key, PlanError};

use crate::interp::{Data, SourceReader, evaluate, with_cached};

/// The values `persist` kept, by node key: state of the expressions' [`rask_plan::Context`].
#[derive(Default)]
struct Persisted(Mutex<HashMap<Key, Data>>);

fn persisted(e: &Expr) -> HashMap<Key, Data> {
    let store = e.context().extension::<Persisted>();
    // A poisoned lock means a panic while another thread inserted; the map is still whole.
    let map = store.0.lock().unwrap_or_else(|p| p.into_inner());
    map.clone()
}

/// Computes several outputs together with the reference interpreter: one plan, each source
/// read once. All expressions must come from one [`rask_plan::Context`].
///
/// ```
/// use rask_reference::{Data, NoSources, Value, compute_many};
/// let ctx = rask_plan::Context::new();
/// let x = ctx.arange(4, 2)?;
/// let out = compute_many(&[&x.sum(None)?, &x.max(None)?], &NoSources)?;
/// assert_eq!(out, vec![Data::Scalar(Value::I64(6)), Data::Scalar(Value::I64(3))]);
/// # Ok::<(), rask_plan::PlanError>(())
/// ```
pub fn compute_many(exprs: &[&Expr], reader: &dyn SourceReader) -> Result<Vec<Data>, PlanError> {
    let Some(first) = exprs.first() else {
        return Err(PlanError::Internal {
            rule: "compute",
            message: "no expressions".to_string(),
        });
    };
    let graph = first.context().graph();
    for e in exprs {
        let key = e.context().graph().node(e.node_id()).key;
        if graph.find(key).is_none() {
            return Err(PlanError::ForeignExpr { expr: e.describe() });
        }
    }
    let mut plan = Plan {
        outputs: exprs.iter().map(|e| e.node_id()).collect(),
        graph,
    };
    let persisted = persisted(first);
    // Persisted values become leaves before optimising, so what is below them is culled.
    plan.graph = with_cached(&plan.graph, &plan.outputs, &persisted);
    let opt = optimize(&plan)?;
    evaluate(&opt.fused.graph, &opt.fused.outputs, reader, &persisted)
}

fn only(mut out: Vec<Data>) -> Result<Data, PlanError> {
    out.pop().ok_or_else(|| PlanError::Internal {
        rule: "compute",
        message: "no result".to_string(),
    })
}

/// The reference interpreter's verbs on an expression: `use rask_reference::Reference`.
///
/// ```
/// use rask_reference::{Data, NoSources, Reference, Value};
/// let ctx = rask_plan::Context::new();
/// let n = ctx.arange(3, 3)?.sum(None)?;
/// assert_eq!(n.compute(&NoSources)?, n.compute_unoptimized(&NoSources)?);
/// # Ok::<(), rask_plan::PlanError>(())
/// ```
pub trait Reference {
    /// Evaluates the optimised plan.
    fn compute(&self, reader: &dyn SourceReader) -> Result<Data, PlanError>;

    /// Evaluates the plan as built, without any rewrite (to check the rules against).
    fn compute_unoptimized(&self, reader: &dyn SourceReader) -> Result<Data, PlanError>;

    /// Computes this expression and keeps the result with its context: later computes that
    /// use it read it instead of recomputing it. Returns the expression, like dask's `persist`.
    fn persist(&self, reader: &dyn SourceReader) -> Result<Expr, PlanError>;
}

impl Reference for Expr {
    fn compute(&self, reader: &dyn SourceReader) -> Result<Data, PlanError> {
        only(compute_many(&[self], reader)?)
    }

    fn compute_unoptimized(&self, reader: &dyn SourceReader) -> Result<Data, PlanError> {
        let plan = self.plan();
        only(evaluate(
            &plan.graph,
            &plan.outputs,
            reader,
            &persisted(self),
        )?)
    }

    fn persist(&self, reader: &dyn SourceReader) -> Result<Expr, PlanError> {
        let data = self.compute(reader)?;
        let key = self.context().graph().node(self.node_id()).key;
        let store = self.context().extension::<Persisted>();
        store
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, data);
        Ok(self.clone())
    }
}
