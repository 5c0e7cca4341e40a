//! Corrections on leaf columns: the broadcast leaves of an `Op::Correction` handed to the
//! correction's whole-column evaluator (`rask_correction::Evaluator::evaluate`).

use std::sync::Arc;

use arrow_array::Float64Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_schema::DataType;
use rask_core::column::Col;
use rask_correction::{Arg as CArg, VarType};
use rask_plan::Scalar;
use rask_plan::correction::{CorrectionArg, CorrectionSpec};

use super::broadcast::{Arg, rows};
use super::error::EventError;
use crate::block::BlockValue;
use crate::error::ExecError;

/// Evaluates the correction of `spec` on leaf arguments (one per expression input, in order),
/// giving f64 values with the leaves' length. Integer columns given to real inputs are converted.
///
/// ```no_run
/// # fn f(spec: &rask_plan::correction::CorrectionSpec, pt: &rask_core::column::Col) {
/// use rask_exec::events::broadcast::Arg;
/// let sf = rask_exec::events::correction::leaf(spec, &[Arg::Col(pt)]);
/// # }
/// ```
pub fn leaf(spec: &CorrectionSpec, args: &[Arg<'_>]) -> Result<Col, EventError> {
    let n = rows(args);
    let vars = spec.evaluator.inputs();
    // Integer columns given to real inputs, converted once.
    let mut converted: Vec<Vec<f64>> = Vec::new();
    let mut next = args.iter();
    let mut plan: Vec<Slot<'_>> = Vec::with_capacity(spec.args.len());
    for (slot, var) in spec.args.iter().zip(vars) {
        plan.push(match slot {
            CorrectionArg::Str(s) => Slot::Ready(CArg::StrConst(s)),
            CorrectionArg::Input => match (next.next(), &var.ty) {
                (Some(Arg::Col(Col::F64(v))), _) => Slot::Ready(CArg::Real(v)),
                (Some(Arg::Col(Col::I64(v))), VarType::Int) => Slot::Ready(CArg::Int(v)),
                (Some(Arg::Col(Col::I64(v))), _) => {
                    converted.push(v.iter().map(|&x| x as f64).collect());
                    Slot::Converted(converted.len() - 1)
                }
                (Some(Arg::Const(Scalar::F64(v))), _) => Slot::Ready(CArg::RealConst(*v)),
                (Some(Arg::Const(Scalar::I64(v))), VarType::Int) => Slot::Ready(CArg::IntConst(*v)),
                (Some(Arg::Const(Scalar::I64(v))), _) => Slot::Ready(CArg::RealConst(*v as f64)),
                (Some(other), _) => {
                    return Err(EventError::CorrectionInput {
                        name: spec.name.clone(),
                        input: var.name.clone(),
                        got: match other {
                            Arg::Col(c) => c.kind().to_string(),
                            Arg::Const(s) => format!("{s:?}"),
                        },
                    });
                }
                (None, _) => {
                    return Err(EventError::CorrectionArity {
                        name: spec.name.clone(),
                        input: var.name.clone(),
                    });
                }
            },
        });
    }
    let cargs: Vec<CArg<'_>> = plan
        .into_iter()
        .map(|s| match s {
            Slot::Ready(a) => a,
            Slot::Converted(i) => CArg::Real(&converted[i]),
        })
        .collect();
    let values = spec
        .evaluator
        .evaluate(&cargs, n)
        .map_err(|source| EventError::Correction {
            name: spec.name.clone(),
            path: spec.path.clone(),
            source: Box::new(source),
        })?;
    Ok(Col::F64(values.into()))
}

/// A correction on array blocks: the blocks as engine columns (integers stay integers for
/// integer inputs), evaluated by the same leaf function as event plans.
pub(crate) fn on_blocks(
    spec: &rask_plan::correction::CorrectionSpec,
    inputs: &[BlockValue],
) -> Result<BlockValue, ExecError> {
    let mut shape = None;
    let mut cols = Vec::with_capacity(inputs.len());
    for v in inputs {
        cols.push(match v {
            BlockValue::Array { data, shape: s } => {
                shape.get_or_insert_with(|| s.clone());
                Some(if data.data_type() == &DataType::Int64 {
                    Col::I64(data.as_primitive::<Int64Type>().values().clone())
                } else {
                    let f = arrow_cast::cast(data, &DataType::Float64)?;
                    Col::F64(f.as_primitive::<Float64Type>().values().clone())
                })
            }
            _ => None,
        });
    }
    let args = inputs
        .iter()
        .zip(&cols)
        .map(|(v, c)| match (v, c) {
            (_, Some(c)) => Ok(Arg::Col(c)),
            (BlockValue::Scalar(s), None) => Ok(Arg::Const(*s)),
            _ => Err(ExecError::Internal(format!(
                "correction '{}' given a partial result",
                spec.name
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let Some(shape) = shape else {
        return Err(ExecError::Eval(format!(
            "correction '{}' of constants only",
            spec.name
        )));
    };
    match leaf(spec, &args)? {
        Col::F64(values) => Ok(BlockValue::Array {
            data: Arc::new(Float64Array::new(values, None)),
            shape,
        }),
        other => Err(ExecError::Internal(format!(
            "correction '{}' gave {}",
            spec.name,
            other.kind()
        ))),
    }
}

/// An argument ready for the evaluator, or one converted to f64 first.
enum Slot<'a> {
    Ready(CArg<'a>),
    Converted(usize),
}
