//! Per-partition evaluation of array plans: one block (chunk) of every output, computed from the
//! block's sources with Arrow's vectorised kernels. Sources are generated inside the partition
//! (deterministically from seed and chunk index), so any block can be produced anywhere — which
//! is also how `x.T` is read: block (i, j) of `x.T` is block (j, i) of `x`, transposed.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array};
use arrow_schema::DataType;
use rask_core::hist::{Histogram, StorageKind};
use rask_plan::op::{BinaryOp, FusedBody, FusedRef, Op, ReduceOp, Scalar};
use rask_plan::types::{DType, Ty};
use rask_plan::{Graph, NodeId};

use crate::error::ExecError;

mod arith;

use arith::{binary, datum, unary};

/// The position of a block in the chunk grid of the plan's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockId {
    pub row: usize,
    pub col: usize,
}

/// The value of a node for one block.
#[derive(Debug, Clone)]
pub enum BlockValue {
    /// Array data of the block (row-major for 2-D blocks) with the block's shape.
    Array { data: ArrayRef, shape: Vec<usize> },
    /// A literal.
    Scalar(Scalar),
    /// A partial reduction or histogram of this block.
    Partial(Partial),
}

/// Partial results merged across blocks in partition order.
#[derive(Debug, Clone)]
pub enum Partial {
    Sum(f64),
    SumInt(i64),
    Count(i64),
    Min(f64),
    Max(f64),
    Any(bool),
    All(bool),
    /// Sum and count, for means.
    Mean(f64, i64),
    Hist(Histogram),
}

/// The chunk grid of an array type: chunk sizes per axis.
pub fn chunk_grid(ty: &Ty) -> Option<Vec<Vec<u64>>> {
    match ty {
        Ty::Array { chunks, .. } => chunks.iter().cloned().collect(),
        _ => None,
    }
}

/// Evaluates `id` for block `block`; `memo` caches node values of this block.
pub fn eval(
    graph: &Graph,
    id: NodeId,
    block: BlockId,
    memo: &mut Vec<Option<BlockValue>>,
) -> Result<BlockValue, ExecError> {
    if let Some(v) = &memo[id.index()] {
        return Ok(v.clone());
    }
    // Inputs first, bottom-up, so that evaluating a node finds its inputs done and the
    // recursion stays shallow however long a chain of operations is.
    for n in inputs_first(graph, id, memo) {
        eval_node(graph, n, block, memo)?;
    }
    eval_node(graph, id, block, memo)
}

/// The nodes below `id` not evaluated yet, inputs before users, stopping at transposes (they
/// evaluate their input for another block) and leaving out random inputs (a fused body may
/// stream those a morsel at a time).
fn inputs_first(graph: &Graph, id: NodeId, memo: &[Option<BlockValue>]) -> Vec<NodeId> {
    let mut seen = vec![false; memo.len()];
    let mut out = Vec::new();
    let mut stack: Vec<(NodeId, bool)> = graph
        .node(id)
        .inputs
        .iter()
        .rev()
        .map(|i| (*i, false))
        .collect();
    while let Some((n, expanded)) = stack.pop() {
        if expanded {
            out.push(n);
            continue;
        }
        let node = graph.node(n);
        if seen[n.index()]
            || memo[n.index()].is_some()
            || matches!(node.op, Op::RandomNormal { .. })
        {
            continue;
        }
        seen[n.index()] = true;
        stack.push((n, true));
        if !matches!(node.op, Op::Transpose) {
            stack.extend(node.inputs.iter().rev().map(|i| (*i, false)));
        }
    }
    out
}

fn eval_node(
    graph: &Graph,
    id: NodeId,
    block: BlockId,
    memo: &mut Vec<Option<BlockValue>>,
) -> Result<BlockValue, ExecError> {
    if let Some(v) = &memo[id.index()] {
        return Ok(v.clone());
    }
    let node = graph.node(id);
    let value = match &node.op {
        Op::Reshape { .. } if !matches!(graph.node(node.inputs[0]).op, Op::Arange { .. }) => {
            return Err(ExecError::Unsupported(
                "reshape of anything but arange".to_string(),
            ));
        }
        Op::Transpose => {
            // Block (i, j) of x.T is block (j, i) of x, transposed.
            let inner = eval(
                graph,
                node.inputs[0],
                BlockId {
                    row: block.col,
                    col: block.row,
                },
                &mut vec![None; memo.len()],
            )?;
            transpose_block(inner)?
        }
        Op::Fused(body) if row_local(graph, node, body) => {
            eval_fused_in_morsels(graph, node, body, block, memo)
                .map_err(|e| e.context(&graph.describe(id)))?
        }
        op => {
            let inputs = node
                .inputs
                .iter()
                .map(|i| eval(graph, *i, block, memo))
                .collect::<Result<Vec<_>, _>>()?;
            let in_tys: Vec<&Ty> = node.inputs.iter().map(|i| &graph.node(*i).ty).collect();
            eval_op(op, &inputs, &in_tys, &node.ty, block)
                .map_err(|e| e.context(&graph.describe(id)))?
        }
    };
    memo[id.index()] = Some(value.clone());
    Ok(value)
}

fn eval_op(
    op: &Op,
    inputs: &[BlockValue],
    in_tys: &[&Ty],
    out: &Ty,
    block: BlockId,
) -> Result<BlockValue, ExecError> {
    Ok(match op {
        Op::RandomNormal {
            shape,
            chunks,
            seed,
        } => {
            let (h, w, stream) = block_dims(shape, chunks, block)?;
            let mut values = vec![0.0; h * w];
            rask_core::random::fill_normal(*seed, stream, &mut values);
            BlockValue::Array {
                data: Arc::new(Float64Array::from(values)),
                shape: block_shape(shape, h, w),
            }
        }
        Op::Full {
            shape,
            chunks,
            value,
        } => {
            let (h, w, _) = block_dims(shape, chunks, block)?;
            let data: ArrayRef = match value {
                Scalar::F64(v) => Arc::new(Float64Array::from(vec![*v; h * w])),
                Scalar::I64(v) => Arc::new(Int64Array::from(vec![*v; h * w])),
                Scalar::Bool(v) => Arc::new(BooleanArray::from(vec![*v; h * w])),
            };
            BlockValue::Array {
                data,
                shape: block_shape(shape, h, w),
            }
        }
        Op::Arange { n, chunks } => {
            let start = block.row as u64 * chunks;
            let end = (start + chunks).min(*n);
            BlockValue::Array {
                data: Arc::new(Int64Array::from_iter_values(start as i64..end as i64)),
                shape: vec![(end - start) as usize],
            }
        }
        Op::FromArrow { data, chunks } => {
            let start = (block.row as u64 * chunks) as usize;
            let len = (*chunks as usize).min(data.array.len().saturating_sub(start));
            BlockValue::Array {
                data: data.array.slice(start, len),
                shape: vec![len],
            }
        }
        Op::Reshape { shape, chunks } => {
            // Only reshapes of `arange` are executed (checked in `eval`): generated in place,
            // numbered row-major.
            let (h, w, _) = block_dims(shape, chunks, block)?;
            let width = shape.get(1).copied().unwrap_or(1) as usize;
            let (r0, c0) = (
                block.row * chunks[0] as usize,
                block.col * chunks.get(1).copied().unwrap_or(1) as usize,
            );
            let mut values = Vec::with_capacity(h * w);
            for r in 0..h {
                for c in 0..w {
                    values.push(((r0 + r) * width + c0 + c) as i64);
                }
            }
            BlockValue::Array {
                data: Arc::new(Int64Array::from(values)),
                shape: block_shape(shape, h, w),
            }
        }
        Op::Literal(s) => BlockValue::Scalar(*s),
        Op::Unary(u) => unary(*u, &inputs[0], out)?,
        Op::Binary(b) => binary(*b, &inputs[0], &inputs[1], out)?,
        Op::Where => {
            let cond = as_array(&inputs[0])?;
            let d = out.dtype().unwrap_or(DType::F64);
            let (a, b) = (datum(&inputs[1], d)?, datum(&inputs[2], d)?);
            let data = arrow_select::zip::zip(cond.0.as_boolean(), a.as_ref(), b.as_ref())?;
            BlockValue::Array {
                data,
                shape: cond.1,
            }
        }
        Op::Correction(spec) => crate::events::correction::on_blocks(spec, inputs)?,
        Op::Cast(d) => match &inputs[0] {
            BlockValue::Array { data, shape } => BlockValue::Array {
                data: arrow_cast::cast(data, &arrow_type(*d))?,
                shape: shape.clone(),
            },
            other => other.clone(),
        },
        Op::Mask => {
            let (data, _) = as_array(&inputs[0])?;
            let (mask, _) = as_array(&inputs[1])?;
            let kept = arrow_select::filter::filter(data.as_ref(), mask.as_boolean())?;
            let n = kept.len();
            BlockValue::Array {
                data: kept,
                shape: vec![n],
            }
        }
        Op::Reduce { op: r, axis: None } => BlockValue::Partial(reduce(*r, &inputs[0])?),
        Op::Hist { axes, storage } => {
            let axes: Vec<rask_core::hist::Axis> =
                axes.iter().map(crate::hist::core_axis).collect();
            let kind = crate::hist::core_storage(*storage);
            let mut h = Histogram::new(axes, kind);
            let n = inputs
                .iter()
                .find_map(|v| {
                    if let BlockValue::Array { data, .. } = v {
                        Some(data.len())
                    } else {
                        None
                    }
                })
                .unwrap_or(1);
            let mut cols: Vec<ArrayRef> = Vec::with_capacity(inputs.len());
            for v in inputs {
                cols.push(match v {
                    BlockValue::Array { data, .. } => arrow_cast::cast(data, &DataType::Float64)?,
                    BlockValue::Scalar(s) => Arc::new(Float64Array::from(vec![s.as_f64(); n])),
                    BlockValue::Partial(_) => {
                        return Err(ExecError::Unsupported(
                            "histograms of reductions".to_string(),
                        ));
                    }
                });
            }
            let weights = (cols.len() > h.axes.len()).then(|| cols.pop()).flatten();
            if kind == StorageKind::Int && weights.is_some() {
                return Err(ExecError::Unsupported(
                    "weights on an integer histogram".to_string(),
                ));
            }
            h.fill_arrays(&cols, weights.as_ref())
                .map_err(|e| ExecError::Unsupported(e.to_string()))?;
            BlockValue::Partial(Partial::Hist(h))
        }
        Op::Fused(body) => eval_fused(body, inputs, in_tys, block)?,
        other => {
            return Err(ExecError::Unsupported(format!(
                "{} on arrays is not executed yet",
                other.name()
            )));
        }
    })
}

fn eval_fused(
    body: &FusedBody,
    inputs: &[BlockValue],
    in_tys: &[&Ty],
    block: BlockId,
) -> Result<BlockValue, ExecError> {
    let mut vals: Vec<BlockValue> = Vec::with_capacity(body.ops.len());
    let mut tys: Vec<Ty> = Vec::with_capacity(body.ops.len());
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let ins: Vec<BlockValue> = refs
            .iter()
            .map(|r| match r {
                FusedRef::Input(k) => inputs[*k].clone(),
                FusedRef::Op(j) => vals[*j].clone(),
            })
            .collect();
        let ts: Vec<&Ty> = refs
            .iter()
            .map(|r| match r {
                FusedRef::Input(k) => in_tys[*k],
                FusedRef::Op(j) => &tys[*j],
            })
            .collect();
        let typed: Vec<(&Ty, rask_plan::Key)> =
            ts.iter().map(|t| (*t, rask_plan::Key(0))).collect();
        let ty = rask_plan::typing::infer(op, &typed, rask_plan::Key(i as u128))
            .map_err(|e| ExecError::Unsupported(e.to_string()))?;
        let v = eval_op(op, &ins, &ts, &ty, block)?;
        vals.push(v);
        tys.push(ty);
    }
    vals.get(body.output)
        .cloned()
        .ok_or_else(|| ExecError::Unsupported("fused body without output".to_string()))
}

/// Elements per morsel of a fused 1-D body: its temporaries stay in the core's cache.
const MORSEL: usize = 16 * 1024;

/// Whether a fused body works row by row on 1-D arrays (element-wise operations and boolean
/// masks) whose array inputs are all aligned (the same rows, so the same length), so it can run
/// morsel by morsel. A body that also reads an input masked outside it (fewer rows) is not.
fn row_local(graph: &Graph, node: &rask_plan::Node, body: &FusedBody) -> bool {
    let one_d = |ty: &Ty| matches!(ty, Ty::Array { shape, .. } if shape.len() == 1);
    let mut rows = node.inputs.iter().filter_map(|i| match &graph.node(*i).ty {
        Ty::Array { rows, .. } => Some(*rows),
        _ => None,
    });
    let aligned = match rows.next() {
        Some(first) => rows.all(|r| r == first),
        None => false,
    };
    aligned
        && one_d(&node.ty)
        && node.inputs.iter().all(|i| {
            let ty = &graph.node(*i).ty;
            one_d(ty) || matches!(ty, Ty::Scalar(_))
        })
        && body.ops.iter().all(|(op, _)| {
            matches!(
                op,
                Op::Literal(_) | Op::Unary(_) | Op::Binary(_) | Op::Where | Op::Cast(_) | Op::Mask
            )
        })
}

/// A fused 1-D body run morsel by morsel: the inputs are sliced (random inputs generated a
/// morsel at a time from their stream, which gives the values of the whole chunk), so every
/// temporary of the body stays in cache; the output morsels are concatenated in order.
fn eval_fused_in_morsels(
    graph: &Graph,
    node: &rask_plan::Node,
    body: &FusedBody,
    block: BlockId,
    memo: &mut Vec<Option<BlockValue>>,
) -> Result<BlockValue, ExecError> {
    enum Input {
        // Boxed: the generator's state is large, and there is one per input.
        Normals(Box<rask_core::random::Normals>),
        Array(ArrayRef),
        Whole(BlockValue),
    }
    let mut inputs = Vec::with_capacity(node.inputs.len());
    let mut len: Option<usize> = None;
    let mut same_len = |n: usize| -> Result<(), ExecError> {
        match len {
            Some(l) if l != n => Err(ExecError::Internal(format!(
                "inputs of a fused body of {} and {n} elements",
                l
            ))),
            _ => {
                len = Some(n);
                Ok(())
            }
        }
    };
    for &i in &node.inputs {
        match &graph.node(i).op {
            Op::RandomNormal {
                shape,
                chunks,
                seed,
            } if memo[i.index()].is_none() => {
                let (h, w, stream) = block_dims(shape, chunks, block)?;
                same_len(h * w)?;
                inputs.push(Input::Normals(Box::new(rask_core::random::Normals::new(
                    *seed, stream,
                ))));
            }
            _ => match eval(graph, i, block, memo)? {
                BlockValue::Array { data, .. } => {
                    same_len(data.len())?;
                    inputs.push(Input::Array(data));
                }
                other => inputs.push(Input::Whole(other)),
            },
        }
    }
    let n = len.unwrap_or(0);
    let in_tys: Vec<&Ty> = node.inputs.iter().map(|i| &graph.node(*i).ty).collect();
    // f64 results go straight into one buffer (at most `n` values: masks only drop rows), so
    // each morsel's arrays are freed at once and their memory, still in cache, serves the next
    // morsel; other types are concatenated at the end.
    let mut f64s: Option<Vec<f64>> =
        (node.ty.dtype() == Some(DType::F64)).then(|| Vec::with_capacity(n));
    let mut parts: Vec<ArrayRef> = Vec::new();
    for offset in (0..n).step_by(MORSEL) {
        let m = MORSEL.min(n - offset);
        let morsel: Vec<BlockValue> = inputs
            .iter_mut()
            .map(|input| match input {
                Input::Normals(stream) => {
                    let mut values = vec![0.0; m];
                    stream.fill(&mut values);
                    BlockValue::Array {
                        data: Arc::new(Float64Array::from(values)),
                        shape: vec![m],
                    }
                }
                Input::Array(a) => BlockValue::Array {
                    data: a.slice(offset, m),
                    shape: vec![m],
                },
                Input::Whole(v) => v.clone(),
            })
            .collect();
        match eval_fused(body, &morsel, &in_tys, block)? {
            BlockValue::Array { data, .. } => {
                match (&mut f64s, data.as_primitive_opt::<Float64Type>()) {
                    (Some(out), Some(values)) if values.null_count() == 0 => {
                        out.extend_from_slice(values.values())
                    }
                    _ => {
                        // Not plain f64 after all: keep the morsels and concatenate.
                        if let Some(out) = f64s.take() {
                            parts.push(Arc::new(Float64Array::from(out)));
                        }
                        parts.push(data)
                    }
                }
            }
            _ => {
                return Err(ExecError::Internal(
                    "a row-local fused body gave no array".to_string(),
                ));
            }
        }
    }
    if let Some(out) = f64s {
        let data: ArrayRef = Arc::new(Float64Array::from(out));
        return Ok(BlockValue::Array {
            shape: vec![data.len()],
            data,
        });
    }
    let data = match parts.as_slice() {
        [] => arrow_array::new_empty_array(&arrow_type(node.ty.dtype().unwrap_or(DType::F64))),
        [one] => one.clone(),
        many => {
            let refs: Vec<&dyn Array> = many.iter().map(|a| a.as_ref()).collect();
            arrow_select::concat::concat(&refs)?
        }
    };
    Ok(BlockValue::Array {
        shape: vec![data.len()],
        data,
    })
}

/// Rows, columns and stream index of `block` in a chunk grid.
fn block_dims(
    shape: &[u64],
    chunks: &[u64],
    block: BlockId,
) -> Result<(usize, usize, u64), ExecError> {
    let rows = rask_plan::typing::split_chunks(shape[0], chunks[0]);
    let cols = if shape.len() == 2 {
        rask_plan::typing::split_chunks(shape[1], chunks[1])
    } else {
        vec![1]
    };
    let h = *rows.get(block.row).ok_or_else(|| {
        ExecError::Unsupported(format!("block row {} outside the grid", block.row))
    })?;
    let w = *cols.get(block.col).ok_or_else(|| {
        ExecError::Unsupported(format!("block column {} outside the grid", block.col))
    })?;
    Ok((
        h as usize,
        w as usize,
        (block.row * cols.len() + block.col) as u64,
    ))
}

fn block_shape(shape: &[u64], h: usize, w: usize) -> Vec<usize> {
    if shape.len() == 2 {
        vec![h, w]
    } else {
        vec![h]
    }
}

fn transpose_block(v: BlockValue) -> Result<BlockValue, ExecError> {
    match v {
        BlockValue::Array { data, shape } if shape.len() == 2 => {
            let (h, w) = (shape[0], shape[1]);
            let idx: Vec<u32> = (0..w)
                .flat_map(|c| (0..h).map(move |r| (r * w + c) as u32))
                .collect();
            let data = arrow_select::take::take(
                data.as_ref(),
                &arrow_array::UInt32Array::from(idx),
                None,
            )?;
            Ok(BlockValue::Array {
                data,
                shape: vec![w, h],
            })
        }
        other => Ok(other),
    }
}

fn as_array(v: &BlockValue) -> Result<(ArrayRef, Vec<usize>), ExecError> {
    match v {
        BlockValue::Array { data, shape } => Ok((data.clone(), shape.clone())),
        _ => Err(ExecError::Unsupported("expected array data".to_string())),
    }
}

pub(crate) fn arrow_type(d: DType) -> DataType {
    match d {
        DType::Bool => DataType::Boolean,
        DType::I32 => DataType::Int32,
        DType::I64 => DataType::Int64,
        DType::U32 => DataType::UInt32,
        DType::U64 => DataType::UInt64,
        DType::F32 => DataType::Float32,
        DType::F64 => DataType::Float64,
    }
}

fn reduce(r: ReduceOp, v: &BlockValue) -> Result<Partial, ExecError> {
    reduce_array(r, &as_array(v)?.0)
}

/// The partial reduction of a flat array (booleans, integers or floats).
pub(crate) fn reduce_array(r: ReduceOp, data: &ArrayRef) -> Result<Partial, ExecError> {
    let data = data.clone();
    Ok(match r {
        ReduceOp::Count => Partial::Count(data.len() as i64),
        ReduceOp::Any => {
            Partial::Any(arrow_arith::aggregate::bool_or(data.as_boolean()).unwrap_or(false))
        }
        ReduceOp::All => {
            Partial::All(arrow_arith::aggregate::bool_and(data.as_boolean()).unwrap_or(true))
        }
        // Trues counted from the bitmap (a cut-flow's count of the events a cut keeps), not
        // each widened to an integer and added with an overflow check.
        ReduceOp::Sum if data.data_type() == &DataType::Boolean => {
            Partial::SumInt(data.as_boolean().true_count() as i64)
        }
        ReduceOp::Sum if data.data_type() == &DataType::Int64 => {
            let x = arrow_cast::cast(&data, &DataType::Int64)?;
            let mut sum = 0i64;
            for v in x.as_primitive::<Int64Type>().values() {
                sum = rask_plan::arith::checked_integer(BinaryOp::Add, sum, *v)
                    .map_err(|e| ExecError::Eval(e.to_string()))?;
            }
            Partial::SumInt(sum)
        }
        _ => {
            let x = arrow_cast::cast(&data, &DataType::Float64)?;
            let vals = x.as_primitive::<Float64Type>().values();
            match r {
                // From +0.0, as per-event sums (`kernels::sum_f64`) and numpy's `sum([])`:
                // Rust's `Sum` starts at -0.0, so no values summed to -0.0.
                ReduceOp::Sum => Partial::Sum(vals.iter().fold(0.0, |s, v| s + v)),
                ReduceOp::Mean => {
                    Partial::Mean(vals.iter().fold(0.0, |s, v| s + v), vals.len() as i64)
                }
                ReduceOp::Min => Partial::Min(vals.iter().copied().fold(f64::INFINITY, |a, b| {
                    if a.is_nan() || b.is_nan() {
                        f64::NAN
                    } else {
                        a.min(b)
                    }
                })),
                _ => Partial::Max(vals.iter().copied().fold(f64::NEG_INFINITY, |a, b| {
                    if a.is_nan() || b.is_nan() {
                        f64::NAN
                    } else {
                        a.max(b)
                    }
                })),
            }
        }
    })
}
