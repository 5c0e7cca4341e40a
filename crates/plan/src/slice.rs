//! Events by position (`events[a:b]`): the same expression over a source that reads only
//! entries `a..b` of its files, so the engine neither reads nor computes the others.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::graph::{Node, NodeId};
use crate::key::Key;
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
        let source_rows = graph.node(source).key;
        match &graph.node(self.node_id()).ty {
            Ty::Events { rows, .. } if *rows == source_rows => {
                // Rebuilt over fewer entries, a value of all events (a mean subtracted from
                // each) would become a value of those entries: every value computed from the
                // source must be per event of it.
                let mut from_source: HashSet<NodeId> = HashSet::from([source]);
                for &id in &order {
                    let node = graph.node(id);
                    if !node.inputs.iter().any(|i| from_source.contains(i)) {
                        continue;
                    }
                    from_source.insert(id);
                    let per_event =
                        matches!(&node.ty, Ty::Events { rows, .. } if *rows == source_rows);
                    if !per_event {
                        return Err(PlanError::Type {
                            expr: self.describe(),
                            message: format!(
                                "it uses {}, a value of all the events: positions in the files \
                                 would recompute it over the slice; slice the computed values \
                                 (rows)",
                                graph.describe(id)
                            ),
                        });
                    }
                }
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
            add_over_moved(&ctx, graph.node(id), id, &mut moved)?;
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

    /// `self`'s events at positions `start..stop` among those it has (Python's slice rules:
    /// negative positions count from the end; `stop` `None`: to the end), for values of a cut
    /// (`events[mask][:10]`), whose positions no file gives. The engine slices the computed
    /// result, so what follows must keep its events (fields, arithmetic, per-event reductions);
    /// values of the source itself are better sliced with [`Expr::slice_entries`], which reads
    /// only those entries.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// let schema = Schema::new(vec![Field::new("MET_pt", DataType::Float32, false)]);
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &["a.root".into()], "Events", Arc::new(schema))?;
    /// let met = events.field("MET_pt")?;
    /// let high = met.mask(&met.gt(20.0)?)?;
    /// let first = (&high.rows(0, Some(10))? * 2.0)?;
    /// assert!(first.describe().contains("[0:10]"));
    /// // Values of different slices (or of the unsliced cut) do not line up.
    /// assert!((&first + &high.rows(-10, None)?).is_err());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn rows(&self, start: i64, stop: Option<i64>) -> Result<Expr, PlanError> {
        // A slice of a slice of the same events is one slice: `x[m][:10][2:5]` is `x[m][2:5]`.
        if let Ok((whole, Some(inner))) = self.without_rows() {
            let from_start = |a: i64, b: Option<i64>| a >= 0 && b.is_none_or(|b| b >= 0);
            if !(from_start(inner.start, inner.stop) && from_start(start, stop)) {
                return Err(PlanError::Type {
                    expr: self.describe(),
                    message: "a slice of a slice counted from the end: compute the first slice, \
                              then slice the values"
                        .to_string(),
                });
            }
            let lo = inner.start.saturating_add(start);
            let hi = match (inner.stop, stop) {
                (b, None) => b,
                (None, Some(d)) => Some(inner.start.saturating_add(d)),
                (Some(b), Some(d)) => Some(b.min(inner.start.saturating_add(d))),
            };
            return whole.context().add(
                Op::Rows {
                    start: lo,
                    stop: hi,
                },
                vec![whole.node_id()],
            );
        }
        self.context()
            .add(Op::Rows { start, stop }, vec![self.node_id()])
    }
}

/// An output's slice of cut events, as [`Expr::without_rows`] finds it: the positions of its
/// [`Op::Rows`] and the events it makes (two outputs with the same `rows` are the same slice of
/// the same cut; the same positions of other cuts are other events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSlice {
    pub start: i64,
    pub stop: Option<i64>,
    pub rows: Key,
}

impl Expr {
    /// `self` with every [`Op::Rows`] (`events[mask][a:b]`) replaced by the values it slices, and
    /// the slice to take of the computed result (`None`: no slice in `self`). The engine computes
    /// the first and slices it: right because everything after the slice keeps its events, which
    /// this checks (the result has the slice's events).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// let schema = Schema::new(vec![Field::new("MET_pt", DataType::Float32, false)]);
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &["a.root".into()], "Events", Arc::new(schema))?;
    /// let met = events.field("MET_pt")?;
    /// let high = met.mask(&met.gt(20.0)?)?;
    /// let (whole, slice) = (&high.rows(-5, None)? * 2.0)?.without_rows()?;
    /// assert_eq!(slice.map(|s| (s.start, s.stop)), Some((-5, None)));
    /// assert_eq!(whole.describe(), (&high * 2.0)?.describe());
    /// // A sum over the sliced events is not a slice of a sum over all of them.
    /// assert!(high.rows(0, Some(5))?.sum(None)?.without_rows().is_err());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn without_rows(&self) -> Result<(Expr, Option<RowSlice>), PlanError> {
        let graph = self.context().graph();
        let order = graph.topo_order(&[self.node_id()]);
        let slices: Vec<NodeId> = order
            .iter()
            .copied()
            .filter(|id| matches!(graph.node(*id).op, Op::Rows { .. }))
            .collect();
        let Some(&first) = slices.first() else {
            return Ok((self.clone(), None));
        };
        let Op::Rows { start, stop } = graph.node(first).op else {
            return Ok((self.clone(), None));
        };
        let sliced_rows = match &graph.node(first).ty {
            Ty::Events { rows, .. } => *rows,
            _ => Key(0),
        };
        // Everything computed from a slice must have the slice's events (a sum over the slice
        // broadcast back, or another slice, would change if computed over the whole cut).
        let mut tainted: HashSet<NodeId> = HashSet::new();
        let mut wrong = None;
        for &id in &order {
            let node = graph.node(id);
            let from_slice = matches!(node.op, Op::Rows { .. })
                || node.inputs.iter().any(|i| tainted.contains(i));
            if !from_slice {
                continue;
            }
            tainted.insert(id);
            let keeps = matches!(&node.ty, Ty::Events { rows, .. } if *rows == sliced_rows);
            if !keeps && wrong.is_none() {
                wrong = Some(id);
            }
        }
        if let Some(wrong) = wrong {
            return Err(PlanError::Type {
                expr: graph.describe(wrong),
                message: format!(
                    "events by position after a cut ({}) are sliced from the computed result, so \
                     only per-event steps may follow (fields, arithmetic, per-event reductions); \
                     compute the slice first, or cut and reduce before slicing",
                    graph.describe(first)
                ),
            });
        }
        // Every slice feeds a result with its events: they are all the same slice.
        let ctx = self.context();
        let mut moved: HashMap<NodeId, NodeId> = HashMap::new();
        for id in order {
            let node = graph.node(id);
            if let Op::Rows { .. } = node.op {
                let input = node.inputs[0];
                moved.insert(id, *moved.get(&input).unwrap_or(&input));
                continue;
            }
            add_over_moved(&ctx, node, id, &mut moved)?;
        }
        let id = moved
            .get(&self.node_id())
            .copied()
            .unwrap_or(self.node_id());
        let slice = RowSlice {
            start,
            stop,
            rows: sliced_rows,
        };
        Ok((ctx.expr_of(id), Some(slice)))
    }
}

/// Adds node `id` again over the replacements in `moved` (old node → new node) when one of its
/// inputs was replaced, and records it there: rebuilding a plan in topological order.
fn add_over_moved(
    ctx: &Context,
    node: &Node,
    id: NodeId,
    moved: &mut HashMap<NodeId, NodeId>,
) -> Result<(), PlanError> {
    if moved.contains_key(&id) || !node.inputs.iter().any(|i| moved.contains_key(i)) {
        return Ok(());
    }
    let inputs = node
        .inputs
        .iter()
        .map(|i| *moved.get(i).unwrap_or(i))
        .collect();
    moved.insert(id, ctx.add(node.op.clone(), inputs)?.node_id());
    Ok(())
}

/// The positions `start..stop` of `len` rows by Python's slice rules (negative positions count
/// from the end; both clipped to `0..len`; `stop` `None`: to the end): what [`Op::Rows`] keeps.
///
/// ```
/// use rask_plan::rows_range;
/// assert_eq!(rows_range(0, Some(3), 10), 0..3);
/// assert_eq!(rows_range(-3, None, 10), 7..10);
/// assert_eq!(rows_range(2, Some(-1), 10), 2..9);
/// assert_eq!(rows_range(8, Some(4), 10), 8..8);
/// assert_eq!(rows_range(-20, Some(20), 10), 0..10);
/// ```
pub fn rows_range(start: i64, stop: Option<i64>, len: usize) -> std::ops::Range<usize> {
    let n = len as i64;
    let at = |p: i64| if p < 0 { (p + n).max(0) } else { p.min(n) };
    let lo = at(start);
    let hi = stop.map_or(n, at).max(lo);
    lo as usize..hi as usize
}
