//! The one loop behind every evaluator of fused nodes.

use super::*;

/// A fused body that cannot run: internal errors, since the body was typed when it was made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FusedError {
    /// An operation of the body no longer types with its inputs.
    #[error("internal error: fused op {op}: {source}")]
    Type {
        op: &'static str,
        #[source]
        source: TypeError,
    },
    /// The body's output index points past its operations.
    #[error("internal error: fused body without output")]
    NoOutput,
    /// [`run_fused_typed`] was given types for another body.
    #[error("internal error: a fused body of {ops} operations given {types} types")]
    TypeCount { ops: usize, types: usize },
}

/// Runs a fused body op by op: `eval(op, inputs, input_types, type)` for each operation, with
/// the operations typed by the plan's own keys (so lineages match values from outside the body).
/// The one loop behind every evaluator of fused nodes; `E` is the caller's error, into which
/// the body's own failures ([`FusedError`], internal) convert.
///
/// ```
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::typing::{FusedError, run_fused};
/// use rask_plan::{DType, Key, Op, Ty, UnaryOp};
/// let body = FusedBody {
///     ops: vec![(Op::Unary(UnaryOp::Sqrt), vec![FusedRef::Input(0)])],
///     output: 0,
///     keys: vec![Key(1)],
///     input_keys: vec![Key(2)],
/// };
/// let x = Ty::Scalar(DType::F64);
/// let root = run_fused::<f64, FusedError>(&body, &[&9.0], &[&x], |_, ins, _, _| Ok(ins[0].sqrt()));
/// assert_eq!(root, Ok(3.0));
/// ```
pub fn run_fused<V, E: From<FusedError>>(
    body: &crate::op::FusedBody,
    inputs: &[&V],
    tys: &[&Ty],
    mut eval: impl FnMut(&Op, &[&V], &[&Ty], &Ty) -> Result<V, E>,
) -> Result<V, E> {
    let types = fused_types(body, tys)?;
    run_fused_typed(body, inputs, tys, &types, |_, op, ds, ts, ty| {
        eval(op, ds, ts, ty)
    })
}

/// The type of every operation of `body`, its inputs typed `tys`, by the plan's own keys (what
/// [`run_fused`] infers as it goes; evaluators that analyse a body before running it call this
/// and then [`run_fused_typed`]).
///
/// ```
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::typing::fused_types;
/// use rask_plan::{DType, Key, Op, Ty, UnaryOp};
/// let body = FusedBody {
///     ops: vec![(Op::Unary(UnaryOp::Sqrt), vec![FusedRef::Input(0)])],
///     output: 0,
///     keys: vec![Key(1)],
///     input_keys: vec![Key(2)],
/// };
/// let x = Ty::Scalar(DType::F64);
/// assert_eq!(fused_types(&body, &[&x]), Ok(vec![Ty::Scalar(DType::F64)]));
/// ```
pub fn fused_types(body: &crate::op::FusedBody, tys: &[&Ty]) -> Result<Vec<Ty>, FusedError> {
    use crate::op::FusedRef;
    let mut out: Vec<Ty> = Vec::with_capacity(body.ops.len());
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let typed: Vec<(&Ty, Key)> = refs
            .iter()
            .map(|r| {
                let t = match r {
                    FusedRef::Input(k) => tys[*k],
                    FusedRef::Op(j) => &out[*j],
                };
                (t, body.key_of(*r))
            })
            .collect();
        let ty =
            infer(op, &typed, body.key_of(FusedRef::Op(i))).map_err(|source| FusedError::Type {
                op: op.name(),
                source,
            })?;
        out.push(ty);
    }
    Ok(out)
}

/// [`run_fused`] with the operations' types from [`fused_types`], telling `eval` the index of
/// each operation in `body.ops`.
///
/// ```
/// use rask_plan::op::{FusedBody, FusedRef};
/// use rask_plan::typing::{FusedError, fused_types, run_fused_typed};
/// use rask_plan::{DType, Key, Op, Ty, UnaryOp};
/// let body = FusedBody {
///     ops: vec![(Op::Unary(UnaryOp::Sqrt), vec![FusedRef::Input(0)])],
///     output: 0,
///     keys: vec![Key(1)],
///     input_keys: vec![Key(2)],
/// };
/// let x = Ty::Scalar(DType::F64);
/// let types = fused_types(&body, &[&x])?;
/// let root = run_fused_typed::<f64, FusedError>(&body, &[&9.0], &[&x], &types, |i, _, ins, _, _| {
///     Ok(ins[0].sqrt() + i as f64)
/// });
/// assert_eq!(root, Ok(3.0));
/// # Ok::<(), FusedError>(())
/// ```
pub fn run_fused_typed<V, E: From<FusedError>>(
    body: &crate::op::FusedBody,
    inputs: &[&V],
    tys: &[&Ty],
    types: &[Ty],
    mut eval: impl FnMut(usize, &Op, &[&V], &[&Ty], &Ty) -> Result<V, E>,
) -> Result<V, E> {
    use crate::op::FusedRef;
    if types.len() != body.ops.len() {
        return Err(FusedError::TypeCount {
            ops: body.ops.len(),
            types: types.len(),
        }
        .into());
    }
    let mut vals: Vec<V> = Vec::with_capacity(body.ops.len());
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let (ds, ts): (Vec<&V>, Vec<&Ty>) = refs
            .iter()
            .map(|r| match r {
                FusedRef::Input(k) => (inputs[*k], tys[*k]),
                FusedRef::Op(j) => (&vals[*j], &types[*j]),
            })
            .unzip();
        let v = eval(i, op, &ds, &ts, &types[i])?;
        vals.push(v);
    }
    vals.into_iter()
        .nth(body.output)
        .ok_or_else(|| FusedError::NoOutput.into())
}
