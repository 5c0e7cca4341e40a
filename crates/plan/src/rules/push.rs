//! Moving a cut (an event mask, or a take of at most one element per list) below the work that
//! only it consumes: what [`super::mask_pushdown`] and [`super::take_pushdown`] share.

use std::collections::HashMap;

use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::op::Op;

/// One pushdown: walks the old plan below a cut, building the cut-first version in the new one.
pub(super) struct Push<'a> {
    pub graph: &'a mut Graph,
    pub old: &'a Graph,
    /// Old nodes already rebuilt (everything below the cut is).
    pub map: &'a HashMap<NodeId, NodeId>,
    /// (old data, new cut argument) → the pushed result: a value reached twice
    /// (`zip(a = x, b = x)`) is pushed once.
    pub memo: &'a mut HashMap<(NodeId, NodeId), NodeId>,
    /// The cut, applied as `cut(data, argument)` where pushing stops.
    pub cut: Op,
    /// Whether the cut may move below an old node.
    pub passes: &'a dyn Fn(NodeId) -> bool,
    /// Whether an input of a node the cut moves below gets the cut too (the others, such as
    /// literals, are the same for every element it keeps).
    pub carries: &'a dyn Fn(NodeId) -> bool,
    pub rule: &'static str,
}

impl Push<'_> {
    /// `cut(data, arg)` (`data` an old node, `arg` a new one), with the cut moved below
    /// `data`'s operation as far as it may go. Walks with an explicit stack: chains of
    /// element-wise work may be thousands of operations long.
    pub fn below(&mut self, data: NodeId, arg: NodeId) -> Result<NodeId, PlanError> {
        // (old node, its inputs are done)
        let mut stack = vec![(data, false)];
        while let Some((d, inputs_done)) = stack.pop() {
            if self.memo.contains_key(&(d, arg)) {
                continue;
            }
            if !(self.passes)(d) {
                let out = self.graph.add(self.cut.clone(), vec![self.map[&d], arg])?;
                self.memo.insert((d, arg), out);
                continue;
            }
            let node = self.old.node(d);
            if !inputs_done {
                stack.push((d, true));
                for &input in node.inputs.iter().rev() {
                    if (self.carries)(input) && !self.memo.contains_key(&(input, arg)) {
                        stack.push((input, false));
                    }
                }
                continue;
            }
            let inputs: Vec<NodeId> = node
                .inputs
                .iter()
                .map(|&i| {
                    if (self.carries)(i) {
                        self.memo[&(i, arg)]
                    } else {
                        self.map[&i]
                    }
                })
                .collect();
            let out = self.graph.add(node.op.clone(), inputs)?;
            self.memo.insert((d, arg), out);
        }
        self.memo
            .get(&(data, arg))
            .copied()
            .ok_or_else(|| PlanError::Internal {
                rule: self.rule,
                message: "a pushed cut was not built".to_string(),
            })
    }
}

/// How many nodes (and outputs) use each node of the plan.
pub(super) fn consumers(graph: &Graph, outputs: &[NodeId]) -> HashMap<NodeId, usize> {
    let mut counts: HashMap<NodeId, usize> = HashMap::new();
    for id in graph.topo_order(outputs) {
        let mut inputs = graph.node(id).inputs.clone();
        inputs.sort_unstable_by_key(|i| i.0);
        inputs.dedup();
        for i in inputs {
            *counts.entry(i).or_default() += 1;
        }
    }
    for o in outputs {
        *counts.entry(*o).or_default() += 1;
    }
    counts
}
