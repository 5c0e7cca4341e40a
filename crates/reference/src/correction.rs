//! Corrections in the reference interpreter: one row at a time through the correction's scalar
//! path (`Evaluator::evaluate_one`), independent of the engine's whole-column path.

use super::value::Value;
use crate::error::EvalError;

type R<T> = Result<T, EvalError>;

/// One correction value, row by row through the correction's scalar path (`evaluate_one`).
pub(super) fn one(spec: &rask_plan::correction::CorrectionSpec, v: &[&Value]) -> R<Value> {
    use rask_correction::{Value as CValue, VarType};
    use rask_plan::correction::CorrectionArg;
    let mut next = v.iter();
    let mut args = Vec::with_capacity(spec.args.len());
    for (slot, var) in spec.args.iter().zip(spec.evaluator.inputs()) {
        args.push(match slot {
            CorrectionArg::Str(s) => CValue::Str(s),
            CorrectionArg::Input => match (next.next().copied(), &var.ty) {
                (Some(&Value::I64(i)), VarType::Int) => CValue::Int(i),
                (Some(&Value::I64(i)), _) => CValue::Real(i as f64),
                (Some(&Value::F64(x)), _) => CValue::Real(x),
                (other, _) => {
                    return Err(EvalError::Internal(format!(
                        "correction '{}': input '{}' got {other:?}",
                        spec.name, var.name
                    )));
                }
            },
        });
    }
    spec.evaluator
        .evaluate_one(&args)
        .map(Value::F64)
        .map_err(|source| EvalError::Correction {
            name: spec.name.clone(),
            path: spec.path.clone(),
            source: Box::new(source),
        })
}
