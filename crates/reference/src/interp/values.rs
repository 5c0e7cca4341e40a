//! Evaluating operations on values: field access, broadcasting over events and lists,
//! unary and binary operations, masks, reductions and Lorentz vectors.

use super::*;

pub(super) fn events(d: &Data) -> R<&Vec<Value>> {
    match d {
        Data::Events(v) => Ok(v),
        other => Err(EvalError::Internal(format!(
            "expected per-event values, got {}",
            kind(other)
        ))),
    }
}

pub(super) fn kind(d: &Data) -> &'static str {
    match d {
        Data::Array { .. } => "an array",
        Data::Events(_) => "events",
        Data::Scalar(_) => "a scalar",
        Data::Hist(_) => "a histogram",
    }
}

pub(super) fn layout_of(ty: &Ty) -> R<&Layout> {
    match ty {
        Ty::Events { layout, .. } => Ok(layout),
        other => Err(EvalError::Internal(format!(
            "expected events, got {}",
            other.describe()
        ))),
    }
}

/// A layout whose records are leaves (for functions applied to whole records).
pub(super) fn record_leaf(l: &Layout) -> Layout {
    l.clone()
}

pub(super) fn field_of(v: &Value, layout: &Layout, name: &str) -> R<Value> {
    match (layout, v) {
        (Layout::Record(_), Value::Record(fields)) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                EvalError::Internal(format!(
                    "no field '{name}' in this event (was the branch read?)"
                ))
            }),
        (Layout::List { item, .. }, Value::List(xs)) => Ok(Value::List(
            xs.iter()
                .map(|x| field_of(x, item, name))
                .collect::<R<_>>()?,
        )),
        (Layout::Option(inner), Value::List(xs)) => Ok(Value::List(
            xs.iter()
                .map(|x| field_of(x, inner, name))
                .collect::<R<_>>()?,
        )),
        (l, v) => Err(EvalError::Internal(format!(
            "cannot take field '{name}' of {v} ({l})"
        ))),
    }
}

/// Applies `f` to the leaves of several per-event values, broadcasting by their layouts:
/// missing optional values give missing results, lists of one lineage go element by element,
/// per-event values broadcast over lists. Records are leaves.
pub(super) fn zipn(
    vals: &[&Value],
    layouts: &[&Layout],
    f: &dyn Fn(&[&Value]) -> R<Value>,
) -> R<Value> {
    if let Some(i) = layouts.iter().position(|l| matches!(l, Layout::Option(_))) {
        let Layout::Option(inner) = layouts[i] else {
            unreachable!("position found an option")
        };
        let Value::List(xs) = vals[i] else {
            return Err(EvalError::Internal(format!(
                "an optional value must be a list of 0 or 1, got {}",
                vals[i]
            )));
        };
        return match xs.first() {
            None => Ok(Value::List(Vec::new())),
            Some(x) => {
                let mut v2 = vals.to_vec();
                v2[i] = x;
                let mut l2 = layouts.to_vec();
                l2[i] = inner;
                Ok(Value::List(vec![zipn(&v2, &l2, f)?]))
            }
        };
    }
    let lists: Vec<usize> = (0..vals.len())
        .filter(|&i| matches!(layouts[i], Layout::List { .. }))
        .collect();
    if let Some(&first) = lists.first() {
        let n = match vals[first] {
            Value::List(xs) => xs.len(),
            other => return Err(EvalError::Internal(format!("expected a list, got {other}"))),
        };
        let mut out = Vec::with_capacity(n);
        for j in 0..n {
            let mut v2: Vec<&Value> = Vec::with_capacity(vals.len());
            let mut l2: Vec<&Layout> = Vec::with_capacity(vals.len());
            for (i, (v, l)) in vals.iter().zip(layouts).enumerate() {
                match (l, v) {
                    (Layout::List { item, .. }, Value::List(xs)) if lists.contains(&i) => {
                        v2.push(xs.get(j).ok_or_else(|| {
                            EvalError::Data(format!(
                                "lists of different lengths ({} and {n})",
                                xs.len()
                            ))
                        })?);
                        l2.push(item);
                    }
                    _ => {
                        v2.push(v);
                        l2.push(l);
                    }
                }
            }
            for i in &lists {
                if let Value::List(xs) = vals[*i]
                    && xs.len() != n
                {
                    return Err(EvalError::Data(format!(
                        "lists of different lengths ({} and {n})",
                        xs.len()
                    )));
                }
            }
            out.push(zipn(&v2, &l2, f)?);
        }
        return Ok(Value::List(out));
    }
    f(vals)
}

pub(super) fn zip_events(
    inputs: &[&Data],
    layouts: &[Layout],
    f: &dyn Fn(&[&Value]) -> R<Value>,
) -> R<Data> {
    let cols: Vec<&Vec<Value>> = inputs.iter().map(|d| events(d)).collect::<R<_>>()?;
    let n = cols.first().map_or(0, |c| c.len());
    if cols.iter().any(|c| c.len() != n) {
        return Err(EvalError::Data(
            "operands have different numbers of events".to_string(),
        ));
    }
    let lrefs: Vec<&Layout> = layouts.iter().collect();
    let out = (0..n)
        .map(|e| {
            let vals: Vec<&Value> = cols.iter().map(|c| &c[e]).collect();
            zipn(&vals, &lrefs, f).map_err(|source| EvalError::InEvent {
                event: e,
                source: Box::new(source),
            })
        })
        .collect::<R<Vec<_>>>()?;
    Ok(Data::Events(out))
}

pub(super) fn elementwise(
    inputs: &[&Data],
    tys: &[&Ty],
    f: &dyn Fn(&[&Value]) -> R<Value>,
) -> R<Data> {
    if inputs.iter().any(|d| matches!(d, Data::Events(_))) {
        let n = inputs
            .iter()
            .find_map(|d| {
                if let Data::Events(v) = d {
                    Some(v.len())
                } else {
                    None
                }
            })
            .unwrap_or(0);
        let mut owned: Vec<Data> = Vec::new();
        let mut layouts: Vec<Layout> = Vec::new();
        for (d, t) in inputs.iter().zip(tys) {
            match d {
                Data::Scalar(s) => {
                    owned.push(Data::Events(vec![s.clone(); n]));
                    layouts.push(Layout::Prim(t.dtype().unwrap_or(DType::F64)));
                }
                other => {
                    owned.push((*other).clone());
                    layouts.push(layout_of(t)?.clone());
                }
            }
        }
        let refs: Vec<&Data> = owned.iter().collect();
        return zip_events(&refs, &layouts, f);
    }
    if inputs.iter().all(|d| matches!(d, Data::Scalar(_))) {
        let vals: Vec<&Value> = inputs
            .iter()
            .map(|d| {
                if let Data::Scalar(v) = d {
                    v
                } else {
                    unreachable!("all scalars")
                }
            })
            .collect();
        return Ok(Data::Scalar(f(&vals)?));
    }
    // Arrays (and scalars) with numpy broadcasting.
    let shapes: Vec<Vec<usize>> = inputs
        .iter()
        .map(|d| match d {
            Data::Array { shape, .. } => Ok(shape.clone()),
            Data::Scalar(_) => Ok(Vec::new()),
            other => Err(EvalError::Internal(format!(
                "cannot combine {} element-wise",
                kind(other)
            ))),
        })
        .collect::<R<_>>()?;
    let ndim = shapes.iter().map(Vec::len).max().unwrap_or(0);
    let padded: Vec<Vec<usize>> = shapes
        .iter()
        .map(|s| {
            std::iter::repeat_n(1, ndim - s.len())
                .chain(s.iter().copied())
                .collect()
        })
        .collect();
    let mut out_shape = vec![1usize; ndim];
    for s in &padded {
        for d in 0..ndim {
            if s[d] != 1 {
                if out_shape[d] != 1 && out_shape[d] != s[d] {
                    return Err(EvalError::Internal(format!(
                        "shapes {shapes:?} do not broadcast"
                    )));
                }
                out_shape[d] = s[d];
            }
        }
    }
    let total: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; ndim];
    for _ in 0..total {
        let vals: Vec<&Value> = inputs
            .iter()
            .zip(&padded)
            .map(|(d, s)| match d {
                Data::Scalar(v) => v,
                Data::Array { values, .. } => {
                    let mut flat = 0;
                    for k in 0..ndim {
                        flat = flat * s[k] + if s[k] == 1 { 0 } else { idx[k] };
                    }
                    &values[flat]
                }
                _ => unreachable!("checked above"),
            })
            .collect();
        out.push(f(&vals)?);
        for k in (0..ndim).rev() {
            idx[k] += 1;
            if idx[k] < out_shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Ok(Data::Array {
        shape: out_shape,
        values: out,
    })
}

pub(super) fn num(v: &Value) -> R<f64> {
    Ok(v.as_f64()?)
}

pub(super) fn unary(u: UnaryOp, v: &Value) -> R<Value> {
    Ok(match (u, v) {
        (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOp::Neg, Value::I64(i)) => Value::I64(
            i.checked_neg()
                .ok_or_else(|| rask_plan::arith::integer_overflow_unary(u, *i))?,
        ),
        (UnaryOp::Abs, Value::I64(i)) => Value::I64(
            i.checked_abs()
                .ok_or_else(|| rask_plan::arith::integer_overflow_unary(u, *i))?,
        ),
        (UnaryOp::Neg, v) => Value::F64(-num(v)?),
        (UnaryOp::Abs, v) => Value::F64(num(v)?.abs()),
        (UnaryOp::Not, v) => return Err(EvalError::Internal(format!("~ of {v}"))),
        (u, v) => Value::F64(u.float_fn()(num(v)?)),
    })
}

pub(super) fn binary(b: BinaryOp, x: &Value, y: &Value, out: Option<DType>) -> R<Value> {
    use BinaryOp::*;
    if b.is_logical() {
        let (p, q) = (x.as_bool()?, y.as_bool()?);
        return Ok(Value::Bool(if b == And { p && q } else { p || q }));
    }
    if b.is_comparison() {
        let ord = match (x, y) {
            (Value::I64(p), Value::I64(q)) => p.partial_cmp(q),
            (Value::Bool(p), Value::Bool(q)) => p.partial_cmp(q),
            _ => num(x)?.partial_cmp(&num(y)?),
        };
        use std::cmp::Ordering::*;
        return Ok(Value::Bool(match b {
            Eq => ord == Some(Equal),
            Ne => ord != Some(Equal),
            Lt => ord == Some(Less),
            Le => matches!(ord, Some(Less | Equal)),
            Gt => ord == Some(Greater),
            _ => matches!(ord, Some(Greater | Equal)),
        }));
    }
    if out == Some(DType::I64)
        && let (Value::I64(p), Value::I64(q)) = (x, y)
    {
        return Ok(Value::I64(rask_plan::arith::checked_integer(b, *p, *q)?));
    }
    let f = b.float_fn().ok_or_else(|| {
        EvalError::Internal(format!(
            "{b:?} is neither a comparison, logic nor arithmetic"
        ))
    })?;
    Ok(Value::F64(f(num(x)?, num(y)?)))
}

pub(super) fn mask(data: &Data, m: &Data, mty: &Ty) -> R<Data> {
    match (data, m) {
        (Data::Array { values, .. }, Data::Array { values: mv, .. }) => {
            let mut out = Vec::new();
            for (v, k) in values.iter().zip(mv) {
                if k.as_bool()? {
                    out.push(v.clone());
                }
            }
            Ok(Data::Array {
                shape: vec![out.len()],
                values: out,
            })
        }
        (Data::Events(v), Data::Events(mv)) => {
            let r = match mty {
                Ty::Events {
                    layout: Layout::Prim(DType::Bool),
                    ..
                } => jagged::mask_events(v, mv),
                _ => jagged::mask_jagged(v, mv),
            };
            Ok(Data::Events(r?))
        }
        _ => Err(EvalError::Internal(
            "mask operands do not match".to_string(),
        )),
    }
}

pub(super) fn reduce_values(r: ReduceOp, vals: &[Value]) -> R<Value> {
    let xs: Vec<f64> = vals.iter().map(num).collect::<R<_>>()?;
    Ok(match r {
        ReduceOp::Sum => {
            if vals
                .iter()
                .all(|v| matches!(v, Value::I64(_) | Value::Bool(_)))
            {
                let mut sum = 0i64;
                for v in vals {
                    // A boolean counts 1 when true (`count_if`, `sum(x > 0)`).
                    let term = match v {
                        Value::Bool(b) => i64::from(*b),
                        other => other.as_i64()?,
                    };
                    sum = rask_plan::arith::checked_integer(BinaryOp::Add, sum, term)?;
                }
                Value::I64(sum)
            } else {
                // From +0.0 (Rust's `Sum` starts at -0.0), as the engine and numpy.
                Value::F64(xs.iter().fold(0.0, |s, v| s + v))
            }
        }
        ReduceOp::Mean => Value::F64(xs.iter().fold(0.0, |s, v| s + v) / xs.len() as f64),
        ReduceOp::Min => Value::F64(xs.iter().copied().fold(f64::INFINITY, |a, b| {
            if b.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        })),
        ReduceOp::Max => Value::F64(xs.iter().copied().fold(f64::NEG_INFINITY, |a, b| {
            if b.is_nan() || a.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }
        })),
        ReduceOp::Count => Value::I64(vals.len() as i64),
        ReduceOp::Any => Value::Bool(xs.iter().any(|&x| x != 0.0)),
        ReduceOp::All => Value::Bool(xs.iter().all(|&x| x != 0.0)),
    })
}

pub(super) fn reduce(r: ReduceOp, axis: Option<u8>, d: &Data) -> R<Data> {
    match (d, axis) {
        (Data::Array { values, .. }, None) => Ok(Data::Scalar(reduce_values(r, values)?)),
        (Data::Array { shape, values }, Some(a)) if shape.len() == 2 => {
            let (rows, cols) = (shape[0], shape[1]);
            let lanes: Vec<Vec<Value>> = if a == 0 {
                (0..cols)
                    .map(|j| (0..rows).map(|i| values[i * cols + j].clone()).collect())
                    .collect()
            } else {
                (0..rows)
                    .map(|i| values[i * cols..(i + 1) * cols].to_vec())
                    .collect()
            };
            let out: Vec<Value> = lanes
                .iter()
                .map(|l| reduce_values(r, l))
                .collect::<R<_>>()?;
            Ok(Data::Array {
                shape: vec![out.len()],
                values: out,
            })
        }
        (Data::Array { values, .. }, Some(_)) => Ok(Data::Scalar(reduce_values(r, values)?)),
        (Data::Events(v), None) => {
            let flat = jagged::flatten_all(v)?;
            Ok(Data::Scalar(reduce_values(r, &flat)?))
        }
        (Data::Events(v), Some(2)) => {
            let inner = v
                .iter()
                .map(|ev| {
                    let lists = ev.as_list()?;
                    let reduced = reduce(r, Some(1), &Data::Events(lists.to_vec()))?;
                    match reduced {
                        Data::Events(x) => Ok(Value::List(x)),
                        _ => Err(EvalError::Internal(
                            "a per-list reduction gives per-list values".to_string(),
                        )),
                    }
                })
                .collect::<R<Vec<Value>>>()?;
            Ok(Data::Events(inner))
        }
        (Data::Events(v), Some(_)) => {
            let f = match r {
                ReduceOp::Sum => jagged::sum,
                ReduceOp::Mean => jagged::mean,
                ReduceOp::Min => jagged::min,
                ReduceOp::Max => jagged::max,
                ReduceOp::Count => jagged::count,
                ReduceOp::Any => jagged::any,
                ReduceOp::All => jagged::all,
            };
            // Per-event reductions of possibly missing lists: a missing list stays missing.
            Ok(Data::Events(f(v)?))
        }
        (Data::Scalar(v), _) => Ok(Data::Scalar(reduce_values(r, std::slice::from_ref(v))?)),
        (other, _) => Err(EvalError::Internal(format!(
            "cannot reduce {}",
            kind(other)
        ))),
    }
}

pub(super) fn lorentz(l: LorentzOp, inputs: &[&Data], tys: &[&Ty]) -> R<Data> {
    let layouts: Vec<Layout> = tys
        .iter()
        .map(|t| layout_of(t).cloned())
        .collect::<R<_>>()?;
    // Fields of vector records; `pt, eta, phi, mass` are derived from `px, py, pz, E` when a
    // record has only those (`jagged::vector_field`).
    let vf = |v: &Value, name: &str| -> R<f64> { Ok(jagged::vector_field("lorentz", v, name)?) };
    let phi = |v: &Value| -> R<f64> {
        match v {
            Value::Record(_) => vf(v, "phi"),
            other => num(other),
        }
    };
    zip_events(inputs, &layouts, &move |v: &[&Value]| -> R<Value> {
        Ok(match l {
            LorentzOp::Add => jagged::lorentz_add(v[0], v[1])?,
            LorentzOp::Mass => jagged::mass(v[0])?,
            LorentzOp::Pt => jagged::pt(v[0])?,
            LorentzOp::Eta => Value::F64(vf(v[0], "eta")?),
            LorentzOp::Phi => Value::F64(vf(v[0], "phi")?),
            LorentzOp::DeltaPhi => Value::F64(jagged::wrap_angle(phi(v[0])? - phi(v[1])?)),
            LorentzOp::DeltaR => jagged::delta_r(v[0], v[1])?,
            LorentzOp::Mt => Value::F64(rask_core::kernels::transverse_mass(
                vf(v[0], "pt")?,
                vf(v[0], "phi")?,
                vf(v[1], "pt")?,
                vf(v[1], "phi")?,
            )),
        })
    })
}
