//! The one loop behind every evaluator of fused nodes.

use super::*;

/// Runs a fused body op by op: `eval(op, inputs, input_types, type)` for each operation, with
/// the operations typed by the plan's own keys (so lineages match values from outside the body).
/// The one loop behind every evaluator of fused nodes.
pub fn run_fused<V>(
    body: &crate::op::FusedBody,
    inputs: &[&V],
    tys: &[&Ty],
    mut eval: impl FnMut(&Op, &[&V], &[&Ty], &Ty) -> Result<V, String>,
) -> Result<V, String> {
    use crate::op::FusedRef;
    let mut vals: Vec<V> = Vec::with_capacity(body.ops.len());
    let mut vtys: Vec<Ty> = Vec::with_capacity(body.ops.len());
    for (i, (op, refs)) in body.ops.iter().enumerate() {
        let (ds, ts): (Vec<&V>, Vec<&Ty>) = refs
            .iter()
            .map(|r| match r {
                FusedRef::Input(k) => (inputs[*k], tys[*k]),
                FusedRef::Op(j) => (&vals[*j], &vtys[*j]),
            })
            .unzip();
        let typed: Vec<(&Ty, Key)> = ts
            .iter()
            .zip(refs)
            .map(|(t, r)| (*t, body.key_of(*r)))
            .collect();
        let ty = infer(op, &typed, body.key_of(FusedRef::Op(i)))
            .map_err(|e| format!("fused op {}: {e}", op.name()))?;
        let v = eval(op, &ds, &ts, &ty)?;
        vals.push(v);
        vtys.push(ty);
    }
    vals.into_iter()
        .nth(body.output)
        .ok_or_else(|| "fused body without output".to_string())
}
