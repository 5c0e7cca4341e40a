//! Merging the partitions' rows in partition order: concatenated values, summed
//! histograms, combined reductions, 2-D arrays assembled from blocks.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch};
use arrow_schema::DataType;
use rask_core::hist::{Histogram, Storage};
use rask_plan::NodeId;
use rask_plan::op::{BinaryOp, Op, ReduceOp};
use rask_plan::types::Ty;

use crate::error::ExecError;

use super::Output;
use super::lower::{Kind, Lowered};

/// Merges the per-partition rows in partition order.
pub(super) fn merge(
    lowered: &Lowered,
    parts: &[Vec<RecordBatch>],
) -> Result<Vec<Output>, ExecError> {
    let rows: Vec<&RecordBatch> = parts.iter().flatten().collect();
    let mut outputs = Vec::with_capacity(lowered.outputs.len());
    for (i, (id, kind)) in lowered.outputs.iter().enumerate() {
        let values: Vec<ArrayRef> = rows
            .iter()
            .map(|b| b.column(i).as_list::<i32>().value(0))
            .collect();
        outputs.push(match kind {
            Kind::Events(t, _) | Kind::Flat(t) => {
                let refs: Vec<&dyn Array> = values.iter().map(|b| b.as_ref()).collect();
                let data = if refs.is_empty() {
                    arrow_array::new_empty_array(t)
                } else {
                    arrow_select::concat::concat(&refs)?
                };
                match kind {
                    Kind::Events(..) => Output::Events(data),
                    _ => {
                        let n = data.len();
                        Output::Array {
                            data,
                            shape: vec![n],
                        }
                    }
                }
            }
            Kind::Array(_, ndim) => assemble(lowered, *id, &values, *ndim)?,
            Kind::Reduce(op, _) => reduce_partials(*op, &values).map_err(|m| {
                ExecError::Eval(format!("evaluating {}: {m}", lowered.graph.describe(*id)))
            })?,
            Kind::Hist => {
                let Op::Hist { axes, storage } = &lowered.graph.node(*id).op else {
                    return Err(ExecError::Internal(format!(
                        "{} was lowered as a histogram",
                        lowered.graph.describe(*id)
                    )));
                };
                let axes: Vec<rask_core::hist::Axis> =
                    axes.iter().map(crate::hist::core_axis).collect();
                let mut total = Histogram::new(axes, crate::hist::core_storage(*storage));
                let size = total.values().len();
                for v in &values {
                    let v = v.as_primitive::<Float64Type>().values();
                    match &mut total.storage {
                        Storage::Int(t) => t.iter_mut().zip(v).for_each(|(a, b)| *a += *b as i64),
                        Storage::Double(t) => t.iter_mut().zip(v).for_each(|(a, b)| *a += b),
                        Storage::Weight { sum, sum2 } => {
                            sum.iter_mut().zip(&v[..size]).for_each(|(a, b)| *a += b);
                            sum2.iter_mut().zip(&v[size..]).for_each(|(a, b)| *a += b);
                        }
                    }
                }
                Output::Hist(total)
            }
        });
    }
    Ok(outputs)
}

/// Combines the partials of a whole-collection reduction, in order, into one partial of the same
/// encoding (integer sums exact or an error, as everywhere): the final step of the partial/final
/// pair, shared by [`merge`] and the [`super::final_merge::MergeExec`] operator.
pub(super) fn combine_partials(op: ReduceOp, values: &[ArrayRef]) -> Result<ArrayRef, ExecError> {
    let f = |a: &ArrayRef| a.as_primitive::<Float64Type>().values().to_vec();
    let i = |a: &ArrayRef| a.as_primitive::<Int64Type>().value(0);
    let b = |a: &ArrayRef| a.as_boolean().value(0);
    let float = |x: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![x])) };
    Ok(match op {
        ReduceOp::Count => Arc::new(Int64Array::from(vec![values.iter().map(i).sum::<i64>()])),
        ReduceOp::Any => Arc::new(BooleanArray::from(vec![values.iter().any(b)])),
        ReduceOp::All => Arc::new(BooleanArray::from(vec![values.iter().all(b)])),
        ReduceOp::Sum
            if values
                .first()
                .is_some_and(|v| v.data_type() == &DataType::Int64) =>
        {
            let mut sum = 0i64;
            for v in values {
                sum = rask_plan::arith::checked_integer(BinaryOp::Add, sum, i(v))
                    .map_err(|e| ExecError::Eval(e.to_string()))?;
            }
            Arc::new(Int64Array::from(vec![sum]))
        }
        ReduceOp::Sum => float(values.iter().map(|v| f(v)[0]).sum()),
        ReduceOp::Min => float(values.iter().map(|v| f(v)[0]).fold(f64::INFINITY, |a, b| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        })),
        ReduceOp::Max => float(
            values
                .iter()
                .map(|v| f(v)[0])
                .fold(f64::NEG_INFINITY, |a, b| {
                    if a.is_nan() || b.is_nan() {
                        f64::NAN
                    } else {
                        a.max(b)
                    }
                }),
        ),
        ReduceOp::Mean => {
            let (s, n) = values
                .iter()
                .map(f)
                .fold((0.0, 0.0), |(s, n), p| (s + p[0], n + p[1]));
            Arc::new(Float64Array::from(vec![s, n]))
        }
    })
}

/// Sums histogram partials (contents, then the sums of squared weights) bin by bin, in order.
pub(super) fn combine_hists(values: &[ArrayRef]) -> ArrayRef {
    let mut total: Vec<f64> = Vec::new();
    for v in values {
        let v = v.as_primitive::<Float64Type>().values();
        if total.is_empty() {
            total = vec![0.0; v.len()];
        }
        total.iter_mut().zip(v.iter()).for_each(|(a, b)| *a += b);
    }
    Arc::new(Float64Array::from(total))
}

/// A whole-collection reduction's result from its partials.
fn reduce_partials(op: ReduceOp, values: &[ArrayRef]) -> Result<Output, ExecError> {
    let c = combine_partials(op, values)?;
    Ok(match op {
        ReduceOp::Count => Output::Int(c.as_primitive::<Int64Type>().value(0)),
        ReduceOp::Any | ReduceOp::All => Output::Bool(c.as_boolean().value(0)),
        ReduceOp::Sum if c.data_type() == &DataType::Int64 => {
            Output::Int(c.as_primitive::<Int64Type>().value(0))
        }
        ReduceOp::Sum | ReduceOp::Min | ReduceOp::Max => {
            Output::Float(c.as_primitive::<Float64Type>().value(0))
        }
        ReduceOp::Mean => {
            let p = c.as_primitive::<Float64Type>().values();
            Output::Float(p[0] / p[1])
        }
    })
}

/// Concatenates 1-D blocks in order, or places 2-D blocks into a row-major array.
fn assemble(
    lowered: &Lowered,
    id: NodeId,
    blocks: &[ArrayRef],
    ndim: usize,
) -> Result<Output, ExecError> {
    let refs: Vec<&dyn Array> = blocks.iter().map(|b| b.as_ref()).collect();
    if ndim < 2 {
        let data = arrow_select::concat::concat(&refs)?;
        let n = data.len();
        return Ok(Output::Array {
            data,
            shape: vec![n],
        });
    }
    let Ty::Array { shape, chunks, .. } = &lowered.graph.node(id).ty else {
        return Err(ExecError::Internal(format!(
            "{} was lowered as an array",
            lowered.graph.describe(id)
        )));
    };
    let (Some(h), Some(w)) = (shape[0], shape[1]) else {
        return Err(ExecError::Unsupported(
            "2-D arrays of unknown shape".to_string(),
        ));
    };
    let (Some(rc), Some(cc)) = (chunks[0].clone(), chunks[1].clone()) else {
        return Err(ExecError::Unsupported(
            "2-D arrays of unknown chunks".to_string(),
        ));
    };
    let (h, w) = (h as usize, w as usize);
    // Global position of every block's elements, then one `take` to put them in row-major order.
    let mut source_index = vec![0u32; h * w];
    let mut offset = 0u32;
    let mut r0 = 0usize;
    for (bi, &bh) in rc.iter().enumerate() {
        let mut c0 = 0usize;
        for (bj, &bw) in cc.iter().enumerate() {
            let _ = (bi, bj);
            for r in 0..bh as usize {
                for c in 0..bw as usize {
                    source_index[(r0 + r) * w + c0 + c] = offset;
                    offset += 1;
                }
            }
            c0 += bw as usize;
        }
        r0 += bh as usize;
    }
    let all = arrow_select::concat::concat(&refs)?;
    let data = arrow_select::take::take(
        all.as_ref(),
        &arrow_array::UInt32Array::from(source_index),
        None,
    )?;
    Ok(Output::Array {
        data,
        shape: vec![h, w],
    })
}
