//! Events by position (`events[a:b]`): the same expression over a source that reads only
//! entries `a..b` of its files, so the engine neither reads nor computes the others.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::PlanError;
use crate::expr::Expr;
use crate::graph::NodeId;
use crate::op::{Op, SourceSpec};
use crate::types::Ty;

impl Expr {
    /// The source whose entries `self` has one value each of (`self` is per event of the
    /// source itself, not of a cut of it): what [`Expr::slice_entries`] slices, and whose
    /// entries count `x[-n:]`. The error says why there is none.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// let schema = Schema::new(vec![Field::new("MET_pt", DataType::Float32, false)]);
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &["a.root".into()], "Events", Arc::new(schema))?;
    /// let met = events.field("MET_pt")?;
    /// assert_eq!((&met * 2.0)?.source_of_events()?.1.paths, vec!["a.root".to_string()]);
    /// assert!(met.mask(&met.gt(20.0)?)?.source_of_events().is_err());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn source_of_events(&self) -> Result<(NodeId, Arc<SourceSpec>), PlanError> {
        let fail = |message: &str| PlanError::Type {
            expr: self.describe(),
            message: message.to_string(),
        };
        let graph = self.context().graph();
        let order = graph.topo_order(&[self.node_id()]);
        let sources: Vec<(NodeId, &Arc<SourceSpec>)> = order
            .iter()
            .filter_map(|id| match &graph.node(*id).op {
                Op::Source(spec) => Some((*id, spec)),
                _ => None,
            })
            .collect();
        let [(source, spec)] = sources[..] else {
            return Err(fail(
                "events are sliced by position in the files of one source",
            ));
        };
        match &graph.node(self.node_id()).ty {
            Ty::Events { rows, .. } if *rows == graph.node(source).key => {
                Ok((source, spec.clone()))
            }
            Ty::Events { .. } => Err(fail(
                "positions count the entries of the files: slice the events before cutting them (events[a:b][mask])",
            )),
            _ => Err(fail("only per-event values are sliced by event position")),
        }
    }

    /// `self` over only the entries `start..stop` of its source (numbered across the files in
    /// order, as `events[start:stop]`; `stop` `None`: to the end). Positions count the files'
    /// entries, so `self` must be per event of the source itself, not of a cut of it: slice
    /// first, then cut. Slicing a sliced source counts within its entries.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// let schema = Schema::new(vec![
    ///     Field::new("MET_pt", DataType::Float32, false),
    ///     Field::new("MET_phi", DataType::Float32, false),
    /// ]);
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &["a.root".into()], "Events", Arc::new(schema))?;
    /// let met = events.field("MET")?.field("pt")?;
    /// let first = met.slice_entries(10, Some(20))?.slice_entries(5, None)?;
    /// let source = first.inputs()[0].inputs()[0].op();
    /// assert!(matches!(source, rask_plan::op::Op::Source(s) if s.entries == Some(15..20)));
    /// assert!(met.mask(&met.gt(20.0)?)?.slice_entries(0, Some(10)).is_err());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn slice_entries(&self, start: u64, stop: Option<u64>) -> Result<Expr, PlanError> {
        let fail = |message: &str| PlanError::Type {
            expr: format!(
                "{}[{start}:{}]",
                self.describe(),
                stop.map_or(String::new(), |s| s.to_string())
            ),
            message: message.to_string(),
        };
        if start == 0 && stop.is_none() {
            return Ok(self.clone()); // `x[:]`: every event
        }
        let (source, spec) = self.source_of_events().map_err(|e| match e {
            PlanError::Type { message, .. } => fail(&message),
            e => e,
        })?;
        let graph = self.context().graph();
        let order = graph.topo_order(&[self.node_id()]);
        let within = spec.entries.clone().unwrap_or(0..u64::MAX);
        let lo = within.start.saturating_add(start).min(within.end);
        let hi = stop.map_or(within.end, |s| {
            within.start.saturating_add(s).min(within.end)
        });
        let sliced = SourceSpec {
            entries: Some(lo..hi.max(lo)),
            ..spec.as_ref().clone()
        };
        let ctx = self.context();
        let mut moved: HashMap<NodeId, NodeId> = HashMap::new();
        moved.insert(
            source,
            ctx.add(Op::Source(Arc::new(sliced)), vec![])?.node_id(),
        );
        for id in order {
            let node = graph.node(id);
            if moved.contains_key(&id) || !node.inputs.iter().any(|i| moved.contains_key(i)) {
                continue;
            }
            let inputs = node
                .inputs
                .iter()
                .map(|i| *moved.get(i).unwrap_or(i))
                .collect();
            moved.insert(id, ctx.add(node.op.clone(), inputs)?.node_id());
        }
        let id = moved
            .get(&self.node_id())
            .copied()
            .ok_or_else(|| PlanError::InternalType {
                expr: self.describe(),
                message: "slicing did not rebuild the expression over its source".to_string(),
            })?;
        Ok(ctx.expr_of(id))
    }
}
