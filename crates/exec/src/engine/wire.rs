//! The wire form of our operators, for cluster workers: a scan carries the plan it was lowered
//! from (before optimising: the worker lowers it again, with the same rules, to the same fused
//! graph and outputs) and the partitions its task reads; the operators above it carry nothing,
//! since they take their plan from their decoded input. bincode, through the plan types' serde
//! (JSON cannot carry NaN or infinite literals and axis edges), with a size limit.
//!
//! A worker trusts its coordinator as it trusts the files it is asked to read, but a plan that
//! does not decode, does not type, or names partitions its files do not have is an error,
//! never a panic.

use std::sync::Arc;

use bincode::Options as _;
use datafusion_physical_plan::ExecutionPlan;
use rask_io_root::Partition;
use rask_plan::op::Op;
use rask_plan::{Graph, NodeId, Plan};
use serde::{Deserialize, Serialize};

use crate::error::ExecError;

use super::Options;
use super::final_merge::MergeExec;
use super::lower::lower_plan;
use super::operator::EvalExec;
use super::partial::PartialExec;
use super::scan::ScanExec;
use super::store::Store;

/// The most bytes a sent operator may take (a bigger one, or a length prefix past it in bytes
/// that were damaged or forged, is an error before anything is allocated).
const MAX_BYTES: u64 = 1 << 30;

fn options() -> impl bincode::Options {
    bincode::DefaultOptions::new().with_limit(MAX_BYTES)
}

/// One of our operators, as sent.
#[derive(Serialize, Deserialize)]
enum Wire {
    Scan(WireScan),
    Eval,
    Partial,
}

/// A scan: its plan, its partitions and its width (partition count, padding included).
#[derive(Serialize, Deserialize)]
struct WireScan {
    /// Operations reachable from the outputs, in topological order; inputs index earlier ones.
    nodes: Nodes,
    outputs: Vec<u32>,
    /// `(file, first entry, end entry)` of every partition read.
    partitions: Vec<(usize, u64, u64)>,
    width: usize,
    morsel: usize,
}

/// Operations with the indices of their inputs, in topological order.
type Nodes = Vec<(Op, Vec<u32>)>;

/// The plan reachable from `plan`'s outputs, renumbered in topological order, and its outputs;
/// an error names an operation that cannot be sent.
fn pruned(plan: &Plan) -> Result<(Nodes, Vec<u32>), ExecError> {
    let order = plan.graph.topo_order(&plan.outputs);
    let mut index = std::collections::HashMap::with_capacity(order.len());
    let mut nodes = Vec::with_capacity(order.len());
    for id in order {
        let node = plan.graph.node(id);
        let what = match &node.op {
            Op::Cached(_) => Some("a persisted value (it lives in this process's memory)"),
            Op::Correction(_) => Some("a correction (not sent to workers yet)"),
            Op::FromArrow { .. } => Some("an array from memory"),
            Op::Source(spec)
                if spec
                    .paths
                    .iter()
                    .any(|p| rask_io_root::memory::is_memory(p.as_ref())) =>
            {
                Some("events in this process's memory (from_awkward)")
            }
            Op::Fused(_) => Some("a fused node"),
            _ => None,
        };
        if let Some(what) = what {
            return Err(ExecError::Unsupported(format!(
                "{} cannot run on cluster workers: it is {what}; run it without --workers",
                plan.graph.describe(id)
            )));
        }
        let inputs = node
            .inputs
            .iter()
            .map(|i| {
                index.get(i).copied().ok_or_else(|| {
                    ExecError::Internal(format!("{} before its input", plan.graph.describe(id)))
                })
            })
            .collect::<Result<Vec<u32>, _>>()?;
        index.insert(id, nodes.len() as u32);
        nodes.push((node.op.clone(), inputs));
    }
    let outputs = plan
        .outputs
        .iter()
        .map(|o| {
            index
                .get(o)
                .copied()
                .ok_or_else(|| ExecError::Internal("an output outside its plan".to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok((nodes, outputs))
}

/// Whether a scan's plan can be sent (the error names the operation that cannot), without
/// encoding it.
pub(super) fn check_sendable(scan: &ScanExec) -> Result<(), ExecError> {
    match scan.lowered.plan.as_ref() {
        Some(source) => pruned(source).map(|_| ()),
        None => Err(ExecError::Internal(
            "a scan without the plan it was lowered from".to_string(),
        )),
    }
}

/// The bytes of one of our operators; `None` for a plan that is not ours.
pub(super) fn encode(plan: &dyn ExecutionPlan) -> Option<Result<Vec<u8>, ExecError>> {
    let wire = if let Some(scan) = plan.downcast_ref::<ScanExec>() {
        let encoded = (|| {
            let source = scan.lowered.plan.as_ref().ok_or_else(|| {
                ExecError::Internal("a scan without the plan it was lowered from".to_string())
            })?;
            let (nodes, outputs) = pruned(source)?;
            let ev = scan
                .lowered
                .events()
                .ok_or_else(|| ExecError::Internal("a scan of an array plan".to_string()))?;
            let partitions = ev.partitions[scan.range()]
                .iter()
                .map(|p| (p.file, p.entries.start, p.entries.end))
                .collect();
            Ok(Wire::Scan(WireScan {
                nodes,
                outputs,
                partitions,
                width: scan.properties().partitioning.partition_count(),
                morsel: scan.lowered.morsel,
            }))
        })();
        match encoded {
            Ok(w) => w,
            Err(e) => return Some(Err(e)),
        }
    } else if plan.is::<EvalExec>() {
        Wire::Eval
    } else if plan.is::<PartialExec>() {
        Wire::Partial
    } else if plan.is::<MergeExec>() {
        return Some(Err(ExecError::Internal(
            "the final merge runs on the coordinator and is not sent".to_string(),
        )));
    } else {
        return None;
    };
    Some(
        options()
            .serialize(&wire)
            .map_err(|e| ExecError::Internal(format!("encoding: {e}"))),
    )
}

/// One of our operators from its bytes, over its decoded `inputs`; a scan reads at most
/// `concurrency` partitions at once.
pub(super) fn decode(
    bytes: &[u8],
    inputs: &[Arc<dyn ExecutionPlan>],
    concurrency: usize,
) -> Result<Arc<dyn ExecutionPlan>, ExecError> {
    let wire: Wire = options()
        .deserialize(bytes)
        .map_err(|e| ExecError::Eval(format!("a rask operator that does not decode: {e}")))?;
    let input = || -> Result<Arc<dyn ExecutionPlan>, ExecError> {
        match inputs {
            [one] => Ok(one.clone()),
            _ => Err(ExecError::Eval(format!(
                "a rask operator with {} inputs instead of one",
                inputs.len()
            ))),
        }
    };
    // The plan of the operator below (a scan's or an evaluation's).
    let lowered_of = |plan: &Arc<dyn ExecutionPlan>| {
        plan.downcast_ref::<ScanExec>()
            .map(|s| s.lowered.clone())
            .or_else(|| plan.downcast_ref::<EvalExec>().map(|e| e.lowered.clone()))
            .ok_or_else(|| ExecError::Eval(format!("a rask operator over a {}", plan.name())))
    };
    Ok(match wire {
        Wire::Scan(scan) => Arc::new(decode_scan(scan, concurrency)?),
        Wire::Eval => {
            let input = input()?;
            Arc::new(EvalExec::over(lowered_of(&input)?, input))
        }
        Wire::Partial => {
            let input = input()?;
            Arc::new(PartialExec::new(lowered_of(&input)?, input))
        }
    })
}

fn decode_scan(scan: WireScan, concurrency: usize) -> Result<ScanExec, ExecError> {
    let mut graph = Graph::new();
    for (i, (op, inputs)) in scan.nodes.into_iter().enumerate() {
        if let Some(bad) = inputs.iter().find(|&&j| j as usize >= i) {
            return Err(ExecError::Eval(format!(
                "operation {i} of a sent plan reads operation {bad}, not an earlier one"
            )));
        }
        // The histograms a plan may fill here are the ones a plan built here may: no sent axis
        // allocates more cells than the default limit allows.
        if let Op::Hist { axes, .. } = &op {
            let max = rask_plan::limits::Limits::default().max_hist_cells;
            rask_plan::limits::check_axes(axes, max)
                .map_err(|e| ExecError::Eval(format!("histogram {i} of a sent plan: {e}")))?;
        }
        let id = graph.add(op, inputs.into_iter().map(NodeId).collect())?;
        if id.index() != i {
            return Err(ExecError::Eval(format!(
                "operation {i} of a sent plan repeats an earlier one"
            )));
        }
    }
    if let Some(bad) = scan.outputs.iter().find(|&&o| o as usize >= graph.len()) {
        return Err(ExecError::Eval(format!(
            "a sent plan's output {bad} is not one of its {} operations",
            graph.len()
        )));
    }
    let plan = Plan {
        graph,
        outputs: scan.outputs.into_iter().map(NodeId).collect(),
    };
    let partitions: Vec<Partition> = scan
        .partitions
        .into_iter()
        .map(|(file, start, end)| Partition {
            file,
            entries: start..end,
        })
        .collect();
    let read = partitions.len();
    let options = Options {
        morsel_events: scan.morsel.max(1),
        partitions: Some(partitions),
        ..Options::default()
    };
    let lowered = lower_plan(plan, &options, &Store::default())?;
    if scan.width < read {
        return Err(ExecError::Eval(format!(
            "a sent scan of {} partitions reads {read}",
            scan.width
        )));
    }
    Ok(ScanExec::restricted(
        Arc::new(lowered),
        0..read,
        scan.width,
        concurrency,
    ))
}
