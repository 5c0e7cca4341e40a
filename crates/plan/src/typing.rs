//! Type inference: the output type of every operation, from its inputs' types, at build time.
//! An error here is a user mistake and names what does not fit.

use arrow_schema::{DataType, SchemaRef};

use crate::key::Key;
use crate::op::{BinaryOp, LorentzOp, Op, ReduceOp, UnaryOp};
use crate::types::{DType, Layout, Ty};

/// An input of an operation being typed: its type and key.
pub type Input<'a> = (&'a Ty, Key);

/// Splits `n` into chunks of `c` (the last may be smaller).
pub fn split_chunks(n: u64, c: u64) -> Vec<u64> {
    let c = c.max(1);
    let mut out = Vec::with_capacity(n.div_ceil(c) as usize);
    let mut left = n;
    while left > 0 {
        out.push(left.min(c));
        left -= left.min(c);
    }
    out
}

fn rows_of(shape: &[Option<u64>], chunks: &[Option<Vec<u64>>]) -> Key {
    Key::of(&[b"rows", format!("{shape:?}{chunks:?}").as_bytes()])
}

fn known_array(dtype: DType, shape: &[u64], chunks: &[u64]) -> Result<Ty, String> {
    if shape.is_empty() || shape.len() > 2 || chunks.len() != shape.len() {
        return Err(format!(
            "arrays are 1-D or 2-D with one chunk size per axis (shape {shape:?}, chunks {chunks:?})"
        ));
    }
    if chunks.contains(&0) {
        return Err("chunk sizes must be positive".to_string());
    }
    let shape: Vec<Option<u64>> = shape.iter().map(|&n| Some(n)).collect();
    let chunks: Vec<Option<Vec<u64>>> = shape
        .iter()
        .zip(chunks)
        .map(|(n, &c)| Some(split_chunks(n.unwrap_or(0), c)))
        .collect();
    let rows = rows_of(&shape, &chunks);
    Ok(Ty::Array {
        dtype,
        shape,
        chunks,
        rows,
    })
}

/// The type of `op` applied to `inputs`; `key` is the new node's key (new lineages derive from it).
pub fn infer(op: &Op, inputs: &[Input<'_>], key: Key) -> Result<Ty, String> {
    let arity = |n: usize| -> Result<(), String> {
        if inputs.len() == n {
            Ok(())
        } else {
            Err(format!(
                "{} takes {n} input(s), got {}",
                op.name(),
                inputs.len()
            ))
        }
    };
    match op {
        Op::RandomNormal { shape, chunks, .. } => known_array(DType::F64, shape, chunks),
        Op::Full {
            shape,
            chunks,
            value,
        } => known_array(value.dtype(), shape, chunks),
        Op::Arange { n, chunks } => known_array(DType::I64, &[*n], &[*chunks]),
        Op::FromArrow { data, chunks } => {
            let dtype = DType::from_arrow(data.array.data_type()).ok_or_else(|| {
                format!(
                    "arrays of type {} are not supported",
                    data.array.data_type()
                )
            })?;
            known_array(dtype, &[data.array.len() as u64], &[*chunks])
        }
        Op::Reshape { shape, chunks } => {
            arity(1)?;
            let (dtype, old) = match inputs[0].0 {
                Ty::Array { dtype, shape, .. } => (*dtype, shape.clone()),
                other => return Err(format!("reshape needs an array, not {}", other.describe())),
            };
            let total: Option<u64> = old.iter().try_fold(1u64, |acc, d| d.map(|d| acc * d));
            match total {
                Some(t) if t == shape.iter().product::<u64>() => known_array(dtype, shape, chunks),
                Some(t) => Err(format!("cannot reshape {t} elements into {shape:?}")),
                None => Err("cannot reshape an array of unknown length (after a mask)".to_string()),
            }
        }
        Op::Transpose => {
            arity(1)?;
            match inputs[0].0 {
                Ty::Array {
                    dtype,
                    shape,
                    chunks,
                    ..
                } => {
                    let shape: Vec<Option<u64>> = shape.iter().rev().cloned().collect();
                    let chunks: Vec<Option<Vec<u64>>> = chunks.iter().rev().cloned().collect();
                    let rows = rows_of(&shape, &chunks);
                    Ok(Ty::Array {
                        dtype: *dtype,
                        shape,
                        chunks,
                        rows,
                    })
                }
                other => Err(format!(
                    "transpose needs an array, not {}",
                    other.describe()
                )),
            }
        }
        Op::Source(spec) => Ok(Ty::Events {
            layout: event_layout(&spec.schema, key)?,
            rows: key,
        }),
        Op::Literal(s) => Ok(Ty::Scalar(s.dtype())),
        Op::Unary(u) => {
            arity(1)?;
            let d = inputs[0].0.dtype().ok_or(
                "records and histograms have no element-wise functions; take a field first",
            )?;
            let out = match u {
                UnaryOp::Not if d != DType::Bool => {
                    return Err(format!("~ needs booleans, not {}", d.name()));
                }
                UnaryOp::Not => DType::Bool,
                UnaryOp::Neg | UnaryOp::Abs if d == DType::Bool => {
                    return Err(format!("{} needs numbers, not booleans", op.name()));
                }
                UnaryOp::Neg | UnaryOp::Abs => d,
                _ => DType::math(d),
            };
            map_dtype(inputs[0].0, out)
        }
        Op::Binary(b) => {
            arity(2)?;
            let (da, db) = (leaf_dtype(inputs[0].0)?, leaf_dtype(inputs[1].0)?);
            let out = if b.is_comparison() {
                if (da == DType::Bool) != (db == DType::Bool)
                    && !matches!(b, BinaryOp::Eq | BinaryOp::Ne)
                {
                    return Err(format!("cannot compare {} with {}", da.name(), db.name()));
                }
                DType::Bool
            } else if b.is_logical() {
                if da != DType::Bool || db != DType::Bool {
                    return Err(format!(
                        "{} needs booleans, not {} and {}",
                        b.symbol().unwrap_or("and/or"),
                        da.name(),
                        db.name()
                    ));
                }
                DType::Bool
            } else {
                if da == DType::Bool || db == DType::Bool {
                    return Err(format!(
                        "arithmetic on booleans ({} and {})",
                        da.name(),
                        db.name()
                    ));
                }
                match b {
                    BinaryOp::Pow | BinaryOp::Arctan2 | BinaryOp::Hypot => DType::F64,
                    // True division and the remainder compute in f64: integer operands are
                    // converted, so `n / 0` is inf and `n % 0` NaN, as for floats.
                    BinaryOp::Div | BinaryOp::Mod => DType::F64,
                    _ => DType::arithmetic(da, db),
                }
            };
            broadcast(&[inputs[0].0, inputs[1].0], out)
        }
        Op::Where => {
            arity(3)?;
            if leaf_dtype(inputs[0].0)? != DType::Bool {
                return Err("the condition of where must be boolean".to_string());
            }
            let (da, db) = (leaf_dtype(inputs[1].0)?, leaf_dtype(inputs[2].0)?);
            let out = if da == DType::Bool && db == DType::Bool {
                DType::Bool
            } else {
                DType::arithmetic(da, db)
            };
            broadcast(&[inputs[0].0, inputs[1].0, inputs[2].0], out)
        }
        Op::Correction(spec) => {
            let wanted = spec
                .args
                .iter()
                .filter(|a| matches!(a, crate::correction::CorrectionArg::Input))
                .count();
            arity(wanted)?;
            for (ty, _) in inputs {
                if leaf_dtype(ty)? == DType::Bool {
                    return Err(format!("correction '{}' needs numbers", spec.name));
                }
            }
            let tys: Vec<&Ty> = inputs.iter().map(|(t, _)| *t).collect();
            broadcast(&tys, DType::F64)
        }
        Op::Cast(d) => {
            arity(1)?;
            leaf_dtype(inputs[0].0)?;
            map_dtype(inputs[0].0, *d)
        }
        Op::Mask => {
            arity(2)?;
            mask(inputs[0], inputs[1], key)
        }
        Op::Reduce { op: r, axis } => {
            arity(1)?;
            reduce(*r, *axis, inputs[0].0)
        }
        Op::Field(name) => {
            arity(1)?;
            match inputs[0].0 {
                Ty::Events { layout, rows } => layout
                    .field(name)
                    .map(|layout| Ty::Events {
                        layout,
                        rows: *rows,
                    })
                    .ok_or_else(|| {
                        format!(
                            "no field '{name}' (fields: {})",
                            layout.field_names().join(", ")
                        )
                    }),
                other => Err(format!("{} has no fields", other.describe())),
            }
        }
        Op::Zip(names) => zip(names, inputs),
        Op::WithField(name) => {
            arity(2)?;
            let (record, rows) = events(inputs[0].0)?;
            let (value, vrows) = events(inputs[1].0)?;
            if rows != vrows {
                return Err("the new field is aligned with other events".to_string());
            }
            with_field(record, name, value).map(|layout| Ty::Events { layout, rows })
        }
        Op::Num => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match strip_option(layout) {
                Layout::List { .. } => Ok(Ty::Events {
                    layout: Layout::Prim(DType::I64),
                    rows,
                }),
                other => Err(format!("num needs lists, not {other}")),
            }
        }
        Op::Combinations { n, names } | Op::ArgCombinations { n, names } => {
            arity(1)?;
            if !(2..=3).contains(n) || names.len() != *n as usize {
                return Err(format!("combinations of {n} need {n} names (n is 2 or 3)"));
            }
            let (layout, rows) = events(inputs[0].0)?;
            let Layout::List { item, .. } = layout else {
                return Err(format!("combinations need lists, not {layout}"));
            };
            let item = if matches!(op, Op::ArgCombinations { .. }) {
                Layout::Prim(DType::I64)
            } else {
                (**item).clone()
            };
            let record = Layout::Record(names.iter().map(|n| (n.clone(), item.clone())).collect());
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(record),
                    lineage: key,
                },
                rows,
            })
        }
        Op::Cartesian { names } => {
            arity(2)?;
            let (a, ra) = events(inputs[0].0)?;
            let (b, rb) = events(inputs[1].0)?;
            if ra != rb || names.len() != 2 {
                return Err(
                    "cartesian needs two lists of the same events and two names".to_string()
                );
            }
            let (Layout::List { item: ia, .. }, Layout::List { item: ib, .. }) = (a, b) else {
                return Err("cartesian needs two lists".to_string());
            };
            let record = Layout::Record(vec![
                (names[0].clone(), (**ia).clone()),
                (names[1].clone(), (**ib).clone()),
            ]);
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(record),
                    lineage: key,
                },
                rows: ra,
            })
        }
        Op::CartesianNested { names } => {
            arity(2)?;
            let (a, ra) = events(inputs[0].0)?;
            let (b, rb) = events(inputs[1].0)?;
            if ra != rb || names.len() != 2 {
                return Err(
                    "cartesian_nested needs two lists of the same events and two names".to_string(),
                );
            }
            let (
                Layout::List {
                    item: ia,
                    lineage: la,
                },
                Layout::List { item: ib, .. },
            ) = (a, b)
            else {
                return Err("cartesian_nested needs two lists".to_string());
            };
            let record = Layout::Record(vec![
                (names[0].clone(), (**ia).clone()),
                (names[1].clone(), (**ib).clone()),
            ]);
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(Layout::List {
                        item: Box::new(record),
                        lineage: key,
                    }),
                    lineage: *la,
                },
                rows: ra,
            })
        }
        Op::ArgMin { keepdims } | Op::ArgMax { keepdims } => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::List { item, .. } if matches!(**item, Layout::Prim(d) if d.is_numeric()) => {
                    let layout = if *keepdims {
                        Layout::List {
                            item: Box::new(Layout::Prim(DType::I64)),
                            lineage: key,
                        }
                    } else {
                        Layout::Option(Box::new(Layout::Prim(DType::I64)))
                    };
                    Ok(Ty::Events { layout, rows })
                }
                other => Err(format!("{} needs lists of numbers, not {other}", op.name())),
            }
        }
        Op::Firsts => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::List { item, .. } => Ok(Ty::Events {
                    layout: Layout::Option(item.clone()),
                    rows,
                }),
                other => Err(format!("firsts needs lists, not {other}")),
            }
        }
        Op::FillNone(value) => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::Option(inner) => {
                    let d = inner
                        .dtype()
                        .ok_or("fill_none needs optional numbers or booleans")?;
                    if (d == DType::Bool) != (value.dtype() == DType::Bool) {
                        return Err(format!(
                            "cannot fill missing {} values with {:?}",
                            d.name(),
                            value
                        ));
                    }
                    Ok(Ty::Events {
                        layout: (**inner).clone(),
                        rows,
                    })
                }
                other => Ok(Ty::Events {
                    layout: other.clone(),
                    rows,
                }),
            }
        }
        Op::LocalIndex => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::List { lineage, .. } => Ok(Ty::Events {
                    layout: Layout::List {
                        item: Box::new(Layout::Prim(DType::I64)),
                        lineage: *lineage,
                    },
                    rows,
                }),
                other => Err(format!("local_index needs lists, not {other}")),
            }
        }
        Op::Concatenate => {
            arity(2)?;
            let (a, ra) = events(inputs[0].0)?;
            let (b, rb) = events(inputs[1].0)?;
            if ra != rb {
                return Err("concatenate needs lists of the same events".to_string());
            }
            let (Layout::List { item: ia, .. }, Layout::List { item: ib, .. }) = (a, b) else {
                return Err(format!(
                    "concatenate (axis 1) needs two lists, not {a} and {b}"
                ));
            };
            let item = match (&**ia, &**ib) {
                (Layout::Record(fa), Layout::Record(fb)) => {
                    let common: Vec<(String, Layout)> = fa
                        .iter()
                        .filter(|(n, l)| {
                            fb.iter().any(|(m, k)| {
                                m == n && k.dtype() == l.dtype() && k.depth() == l.depth()
                            })
                        })
                        .cloned()
                        .collect();
                    if common.is_empty() {
                        return Err("the records have no field in common".to_string());
                    }
                    Layout::Record(common)
                }
                (Layout::Prim(x), Layout::Prim(y)) if x == y => Layout::Prim(*x),
                (Layout::Prim(x), Layout::Prim(y)) if x.is_numeric() && y.is_numeric() => {
                    Layout::Prim(DType::arithmetic(*x, *y))
                }
                (x, y) => return Err(format!("cannot concatenate lists of {x} and {y}")),
            };
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(item),
                    lineage: key,
                },
                rows: ra,
            })
        }
        Op::Flatten => {
            arity(1)?;
            match inputs[0].0 {
                Ty::Events {
                    layout: Layout::List { item, .. },
                    rows,
                } => match &**item {
                    Layout::List { item: inner, .. } => Ok(Ty::Events {
                        layout: Layout::List {
                            item: inner.clone(),
                            lineage: key,
                        },
                        rows: *rows,
                    }),
                    Layout::Prim(d) => Ok(Ty::Array {
                        dtype: *d,
                        shape: vec![None],
                        chunks: vec![None],
                        rows: key,
                    }),
                    other => Err(format!("cannot flatten lists of {other}")),
                },
                Ty::Events {
                    layout: Layout::Prim(d),
                    ..
                } => Ok(Ty::Array {
                    dtype: *d,
                    shape: vec![None],
                    chunks: vec![None],
                    rows: key,
                }),
                Ty::Array { dtype, .. } => Ok(Ty::Array {
                    dtype: *dtype,
                    shape: vec![None],
                    chunks: vec![None],
                    rows: key,
                }),
                other => Err(format!("cannot flatten {}", other.describe())),
            }
        }
        Op::Take => {
            arity(2)?;
            let (data, rows) = events(inputs[0].0)?;
            let (index, irows) = events(inputs[1].0)?;
            if rows != irows {
                return Err("the indices are aligned with other events".to_string());
            }
            let Layout::List { item, .. } = data else {
                return Err(format!("indexing needs lists, not {data}"));
            };
            match index {
                Layout::List { item: ii, lineage }
                    if **ii == Layout::Prim(DType::I64)
                        || matches!(**ii, Layout::Prim(DType::I32)) =>
                {
                    Ok(Ty::Events {
                        layout: Layout::List {
                            item: item.clone(),
                            lineage: *lineage,
                        },
                        rows,
                    })
                }
                Layout::Option(ii) if matches!(**ii, Layout::Prim(DType::I64 | DType::I32)) => {
                    Ok(Ty::Events {
                        layout: Layout::Option(item.clone()),
                        rows,
                    })
                }
                Layout::Prim(DType::I64 | DType::I32) => Ok(Ty::Events {
                    layout: (**item).clone(),
                    rows,
                }),
                other => Err(format!(
                    "indices must be integers per event or lists of integers, not {other}"
                )),
            }
        }
        Op::Sort { .. } | Op::ArgSort { .. } => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::List { item, lineage } if matches!(**item, Layout::Prim(d) if d.is_numeric()) =>
                {
                    let item = if matches!(op, Op::ArgSort { .. }) {
                        Box::new(Layout::Prim(DType::I64))
                    } else {
                        item.clone()
                    };
                    Ok(Ty::Events {
                        layout: Layout::List {
                            item,
                            lineage: *lineage,
                        },
                        rows,
                    })
                }
                other => Err(format!("{} needs lists of numbers, not {other}", op.name())),
            }
        }
        Op::Lorentz(l) => lorentz(*l, inputs),
        Op::Hist { axes, storage } => {
            if inputs.len() != axes.len() && inputs.len() != axes.len() + 1 {
                return Err(format!(
                    "a {}-D histogram takes {} values (and an optional weight), got {}",
                    axes.len(),
                    axes.len(),
                    inputs.len()
                ));
            }
            for (ty, _) in inputs {
                leaf_dtype(ty)?;
            }
            let tys: Vec<&Ty> = inputs.iter().map(|(t, _)| *t).collect();
            broadcast(&tys, DType::F64)?;
            Ok(Ty::Hist {
                axes: axes.clone(),
                storage: *storage,
            })
        }
        Op::Fused(_) | Op::Cached(_) => {
            Err("fused and persisted nodes are typed by whoever makes them".to_string())
        }
    }
}

fn leaf_dtype(ty: &Ty) -> Result<DType, String> {
    ty.dtype().ok_or_else(|| {
        format!(
            "{} is not made of numbers or booleans; take a field first",
            ty.describe()
        )
    })
}

fn events(ty: &Ty) -> Result<(&Layout, Key), String> {
    match ty {
        Ty::Events { layout, rows } => Ok((layout, *rows)),
        other => Err(format!("needs per-event values, not {}", other.describe())),
    }
}

fn strip_option(l: &Layout) -> &Layout {
    match l {
        Layout::Option(inner) => strip_option(inner),
        other => other,
    }
}

fn map_dtype(ty: &Ty, d: DType) -> Result<Ty, String> {
    Ok(match ty {
        Ty::Array {
            shape,
            chunks,
            rows,
            ..
        } => Ty::Array {
            dtype: d,
            shape: shape.clone(),
            chunks: chunks.clone(),
            rows: *rows,
        },
        Ty::Events { layout, rows } => Ty::Events {
            layout: layout.with_dtype(d),
            rows: *rows,
        },
        Ty::Scalar(_) => Ty::Scalar(d),
        Ty::Hist { .. } => return Err("histograms have no element-wise functions".to_string()),
    })
}

/// The type of an element-wise operation over `tys`, with leaf dtype `out`.
pub fn broadcast(tys: &[&Ty], out: DType) -> Result<Ty, String> {
    let mut acc: Option<Ty> = None;
    for ty in tys {
        acc = Some(match (acc, *ty) {
            (None, t) => map_dtype(t, out)?,
            (Some(Ty::Scalar(_)), t) => map_dtype(t, out)?,
            (Some(a), Ty::Scalar(_)) => a,
            (
                Some(Ty::Events {
                    layout: la,
                    rows: ra,
                }),
                Ty::Events {
                    layout: lb,
                    rows: rb,
                },
            ) => {
                if ra != *rb {
                    return Err("the operands belong to different events (a different selection or source): apply the same masks to both".to_string());
                }
                Ty::Events {
                    layout: broadcast_layout(&la, lb)?.with_dtype(out),
                    rows: ra,
                }
            }
            (Some(a @ Ty::Array { .. }), b @ Ty::Array { .. }) => broadcast_arrays(&a, b, out)?,
            (Some(a), b) => {
                return Err(format!(
                    "cannot combine {} with {}",
                    a.describe(),
                    b.describe()
                ));
            }
        });
    }
    acc.ok_or_else(|| "no operands".to_string())
}

fn broadcast_layout(a: &Layout, b: &Layout) -> Result<Layout, String> {
    Ok(match (a, b) {
        (Layout::Prim(x), Layout::Prim(_)) => Layout::Prim(*x),
        (
            Layout::List {
                item: ia,
                lineage: la,
            },
            Layout::List {
                item: ib,
                lineage: lb,
            },
        ) => {
            if la != lb {
                return Err("the lists have different lengths per event (e.g. muons and jets, or lists after different cuts)".to_string());
            }
            Layout::List {
                item: Box::new(broadcast_layout(ia, ib)?),
                lineage: *la,
            }
        }
        (Layout::List { item, lineage }, p @ Layout::Prim(_))
        | (p @ Layout::Prim(_), Layout::List { item, lineage }) => Layout::List {
            item: Box::new(broadcast_layout(item, p)?),
            lineage: *lineage,
        },
        (Layout::Option(x), y) | (y, Layout::Option(x)) => {
            Layout::Option(Box::new(broadcast_layout(x, y)?))
        }
        (Layout::Record(_), _) | (_, Layout::Record(_)) => {
            return Err("records cannot be used in arithmetic; take a field first".to_string());
        }
    })
}

fn broadcast_arrays(a: &Ty, b: &Ty, out: DType) -> Result<Ty, String> {
    let (
        Ty::Array {
            shape: sa,
            chunks: ca,
            rows: ra,
            ..
        },
        Ty::Array {
            shape: sb,
            chunks: cb,
            rows: rb,
            ..
        },
    ) = (a, b)
    else {
        return Err("internal: not arrays".to_string());
    };
    if sa.iter().chain(sb).any(Option::is_none) {
        if ra == rb && sa == sb {
            return Ok(Ty::Array {
                dtype: out,
                shape: sa.clone(),
                chunks: ca.clone(),
                rows: *ra,
            });
        }
        return Err(
            "arrays of unknown length (after a mask) combine only with arrays masked the same way"
                .to_string(),
        );
    }
    let n = sa.len().max(sb.len());
    let pad = |s: &[Option<u64>], c: &[Option<Vec<u64>>]| {
        let k = n - s.len();
        let mut s2 = vec![Some(1u64); k];
        s2.extend_from_slice(s);
        let mut c2 = vec![Some(vec![1u64]); k];
        c2.extend_from_slice(c);
        (s2, c2)
    };
    let ((sa, ca), (sb, cb)) = (pad(sa, ca), pad(sb, cb));
    let mut shape = Vec::with_capacity(n);
    let mut chunks = Vec::with_capacity(n);
    for d in 0..n {
        match (sa[d], sb[d]) {
            (x, y) if x == y => {
                if ca[d] != cb[d] {
                    return Err(format!(
                        "axis {d} is chunked differently ({:?} and {:?}): rechunk one operand",
                        ca[d], cb[d]
                    ));
                }
                shape.push(x);
                chunks.push(ca[d].clone());
            }
            (Some(1), y) => {
                shape.push(y);
                chunks.push(cb[d].clone());
            }
            (x, Some(1)) => {
                shape.push(x);
                chunks.push(ca[d].clone());
            }
            (x, y) => {
                return Err(format!(
                    "shapes do not broadcast on axis {d}: {x:?} and {y:?}"
                ));
            }
        }
    }
    let rows = rows_of(&shape, &chunks);
    Ok(Ty::Array {
        dtype: out,
        shape,
        chunks,
        rows,
    })
}

fn mask(data: Input<'_>, mask: Input<'_>, key: Key) -> Result<Ty, String> {
    let mask_key = mask.1;
    match (data.0, mask.0) {
        (
            Ty::Array {
                dtype, shape, rows, ..
            },
            Ty::Array {
                dtype: DType::Bool,
                shape: ms,
                rows: mr,
                ..
            },
        ) => {
            if shape != ms || rows != mr {
                return Err(format!("the mask has shape {ms:?}, the array {shape:?}"));
            }
            let rows = Key::of(&[b"mask", &rows.bytes(), &mask_key.bytes()]);
            Ok(Ty::Array {
                dtype: *dtype,
                shape: vec![None],
                chunks: vec![None],
                rows,
            })
        }
        (
            Ty::Events { layout, rows },
            Ty::Events {
                layout: ml,
                rows: mr,
            },
        ) => {
            if rows != mr {
                return Err(
                    "the mask belongs to other events (apply the same earlier cuts to both)"
                        .to_string(),
                );
            }
            match ml {
                Layout::Prim(DType::Bool) => {
                    let rows = Key::of(&[b"rows", &rows.bytes(), &mask_key.bytes()]);
                    Ok(Ty::Events { layout: layout.clone(), rows })
                }
                Layout::List { item, lineage: ml_lineage } if **item == Layout::Prim(DType::Bool) => match layout {
                    Layout::List { item, lineage } if lineage == ml_lineage => {
                        let lineage = Key::of(&[b"list", &lineage.bytes(), &mask_key.bytes()]);
                        Ok(Ty::Events { layout: Layout::List { item: item.clone(), lineage }, rows: *rows })
                    }
                    _ => Err("the jagged mask has other list lengths than the data (a mask made from another collection)".to_string()),
                },
                other => Err(format!("a mask must be booleans per event or per list element, not {other}")),
            }
        }
        (Ty::Events { .. }, Ty::Array { .. }) | (Ty::Array { .. }, Ty::Events { .. }) => {
            let _ = key;
            Err("cannot mask events with an array or an array with events".to_string())
        }
        (_, m) => Err(format!("a mask must be boolean, not {}", m.describe())),
    }
}

fn reduce(r: ReduceOp, axis: Option<u8>, ty: &Ty) -> Result<Ty, String> {
    let d = leaf_dtype(ty)?;
    let out = match r {
        ReduceOp::Count => DType::I64,
        ReduceOp::Any | ReduceOp::All => {
            if d != DType::Bool {
                return Err(format!("any/all need booleans, not {}", d.name()));
            }
            DType::Bool
        }
        ReduceOp::Mean => DType::F64,
        ReduceOp::Sum => {
            if d == DType::Bool {
                DType::I64
            } else {
                DType::arithmetic(d, d)
            }
        }
        ReduceOp::Min | ReduceOp::Max => d,
    };
    match (ty, axis) {
        (_, None) => Ok(Ty::Scalar(out)),
        (Ty::Array { shape, chunks, .. }, Some(a)) => {
            let a = a as usize;
            if a >= shape.len() {
                return Err(format!(
                    "axis {a} is out of range for a {}-D array",
                    shape.len()
                ));
            }
            let mut shape = shape.clone();
            let mut chunks = chunks.clone();
            shape.remove(a);
            chunks.remove(a);
            if shape.is_empty() {
                return Ok(Ty::Scalar(out));
            }
            let rows = rows_of(&shape, &chunks);
            Ok(Ty::Array {
                dtype: out,
                shape,
                chunks,
                rows,
            })
        }
        (Ty::Events { layout, rows }, Some(1)) => match strip_option(layout) {
            Layout::List { item, .. } if matches!(**item, Layout::Prim(_)) => {
                let value = Layout::Prim(out);
                let layout = if matches!(r, ReduceOp::Min | ReduceOp::Max | ReduceOp::Mean) {
                    Layout::Option(Box::new(value))
                } else {
                    value
                };
                Ok(Ty::Events {
                    layout,
                    rows: *rows,
                })
            }
            other => Err(format!(
                "per-event reductions need lists of numbers, not {other}"
            )),
        },
        (Ty::Events { layout, rows }, Some(2)) => match layout {
            Layout::List { item, lineage } => match &**item {
                Layout::List { item: leaf, .. } if matches!(**leaf, Layout::Prim(_)) => {
                    let value = Layout::Prim(out);
                    let inner = if matches!(r, ReduceOp::Min | ReduceOp::Max | ReduceOp::Mean) {
                        Layout::Option(Box::new(value))
                    } else {
                        value
                    };
                    Ok(Ty::Events {
                        layout: Layout::List {
                            item: Box::new(inner),
                            lineage: *lineage,
                        },
                        rows: *rows,
                    })
                }
                other => Err(format!(
                    "reductions over axis 2 need lists of lists of numbers, not lists of {other}"
                )),
            },
            other => Err(format!(
                "reductions over axis 2 need lists of lists of numbers, not {other}"
            )),
        },
        (other, Some(a)) => Err(format!("cannot reduce {} over axis {a}", other.describe())),
    }
}

fn zip(names: &[String], inputs: &[Input<'_>]) -> Result<Ty, String> {
    if names.len() != inputs.len() || names.is_empty() {
        return Err(format!(
            "zip needs one name per field ({} names, {} fields)",
            names.len(),
            inputs.len()
        ));
    }
    let mut rows = None;
    let mut lineage = None;
    let mut fields = Vec::with_capacity(names.len());
    for (name, (ty, _)) in names.iter().zip(inputs) {
        let (layout, r) = events(ty)?;
        if *rows.get_or_insert(r) != r {
            return Err(format!("field '{name}' belongs to other events"));
        }
        match layout {
            Layout::List { item, lineage: l } => {
                if *lineage.get_or_insert(*l) != *l {
                    return Err(format!(
                        "field '{name}' has other list lengths than the first list field"
                    ));
                }
                fields.push((name.clone(), (**item).clone()));
            }
            other => fields.push((name.clone(), other.clone())),
        }
    }
    let record = Layout::Record(fields);
    let layout = match lineage {
        Some(lineage) => Layout::List {
            item: Box::new(record),
            lineage,
        },
        None => record,
    };
    Ok(Ty::Events {
        layout,
        rows: rows.unwrap_or(Key(0)),
    })
}

fn with_field(record: &Layout, name: &str, value: &Layout) -> Result<Layout, String> {
    fn add(record: &Layout, name: &str, value: &Layout) -> Result<Layout, String> {
        match (record, value) {
            (Layout::Record(fields), v) => {
                let mut fields: Vec<(String, Layout)> =
                    fields.iter().filter(|(n, _)| n != name).cloned().collect();
                fields.push((name.to_string(), v.clone()));
                Ok(Layout::Record(fields))
            }
            (
                Layout::List { item, lineage },
                Layout::List {
                    item: vi,
                    lineage: vl,
                },
            ) if lineage == vl => Ok(Layout::List {
                item: Box::new(add(item, name, vi)?),
                lineage: *lineage,
            }),
            (Layout::List { .. }, Layout::List { .. }) => {
                Err("the new field has other list lengths than the records".to_string())
            }
            (Layout::List { item, lineage }, v) => Ok(Layout::List {
                item: Box::new(add(item, name, v)?),
                lineage: *lineage,
            }),
            (other, _) => Err(format!("with_field needs records, not {other}")),
        }
    }
    add(record, name, value)
}

fn lorentz(l: LorentzOp, inputs: &[Input<'_>]) -> Result<Ty, String> {
    let need = |layout: &Layout, fields: &[&str]| -> Result<(), String> {
        let names = layout.field_names();
        for f in fields {
            if !names.iter().any(|n| n == f) {
                return Err(format!(
                    "needs records with fields {} (has: {})",
                    fields.join(", "),
                    names.join(", ")
                ));
            }
        }
        Ok(())
    };
    // The structure of a record layout with its record replaced by a number.
    fn as_number(layout: &Layout, d: DType) -> Layout {
        match layout {
            Layout::Record(_) | Layout::Prim(_) => Layout::Prim(d),
            Layout::List { item, lineage } => Layout::List {
                item: Box::new(as_number(item, d)),
                lineage: *lineage,
            },
            Layout::Option(inner) => Layout::Option(Box::new(as_number(inner, d))),
        }
    }
    let (a, rows) = events(inputs.first().map(|i| i.0).ok_or("missing input")?)?;
    match l {
        LorentzOp::Mass | LorentzOp::Pt | LorentzOp::Eta | LorentzOp::Phi => {
            if inputs.len() != 1 {
                return Err(format!("{l:?} takes one vector"));
            }
            need(a, &["pt", "eta", "phi", "mass"])?;
            Ok(Ty::Events {
                layout: as_number(a, DType::F64),
                rows,
            })
        }
        LorentzOp::Add | LorentzOp::DeltaR | LorentzOp::DeltaPhi | LorentzOp::Mt => {
            if inputs.len() != 2 {
                return Err(format!("{l:?} takes two inputs"));
            }
            let (b, rb) = events(inputs[1].0)?;
            if rows != rb {
                return Err("the vectors belong to different events".to_string());
            }
            let fields: &[&str] = match l {
                LorentzOp::Add => &["pt", "eta", "phi", "mass"],
                LorentzOp::DeltaR => &["eta", "phi"],
                LorentzOp::Mt => &["pt", "phi"],
                _ => &["phi"],
            };
            let (na, nb) = (as_number(a, DType::F64), as_number(b, DType::F64));
            let records = !a.field_names().is_empty() || !b.field_names().is_empty();
            if records || l != LorentzOp::DeltaPhi {
                need(a, fields)?;
                need(b, fields)?;
            }
            let shape = broadcast_layout(&na, &nb)?;
            let layout = if l == LorentzOp::Add {
                fn with_record(l: &Layout) -> Layout {
                    match l {
                        Layout::Prim(_) => Layout::Record(
                            ["pt", "eta", "phi", "mass"]
                                .iter()
                                .map(|f| (f.to_string(), Layout::Prim(DType::F64)))
                                .collect(),
                        ),
                        Layout::List { item, lineage } => Layout::List {
                            item: Box::new(with_record(item)),
                            lineage: *lineage,
                        },
                        Layout::Option(inner) => Layout::Option(Box::new(with_record(inner))),
                        Layout::Record(f) => Layout::Record(f.clone()),
                    }
                }
                with_record(&shape)
            } else {
                shape
            };
            Ok(Ty::Events { layout, rows })
        }
    }
}

/// The record layout of a source's events, grouping NanoAOD-style branches: `Muon_pt` with counter
/// `nMuon` becomes `Muon: var * {pt, ...}`; flat `MET_pt`, `MET_phi` become `MET: {pt, phi}`;
/// other branches keep their names. Every branch stays reachable by its own name too.
pub fn event_layout(schema: &SchemaRef, source: Key) -> Result<Layout, String> {
    let mut fields: Vec<(String, Layout)> = Vec::new();
    let mut groups: Vec<(String, Option<String>, Vec<(String, Layout)>)> = Vec::new();
    for f in schema.fields() {
        let counter = f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned();
        let Some(layout) = branch_layout(f.name(), f.data_type(), counter.as_deref(), source)
        else {
            continue; // unreadable branches (type Null) stay out of the plan's types
        };
        fields.push((f.name().clone(), layout.clone()));
        if let Some((prefix, suffix)) = f.name().split_once('_') {
            let item = match (&layout, &counter) {
                (Layout::List { item, .. }, Some(_)) => (**item).clone(),
                _ => layout.clone(),
            };
            match groups
                .iter_mut()
                .find(|(p, c, _)| p == prefix && *c == counter)
            {
                Some((_, _, members)) => members.push((suffix.to_string(), item)),
                None => groups.push((
                    prefix.to_string(),
                    counter.clone(),
                    vec![(suffix.to_string(), item)],
                )),
            }
        }
    }
    for (prefix, counter, members) in groups {
        if fields.iter().any(|(n, _)| *n == prefix) || members.len() < 2 && counter.is_none() {
            continue;
        }
        let record = Layout::Record(members);
        let layout = match counter {
            Some(c) => Layout::List {
                item: Box::new(record),
                lineage: counter_lineage(source, &c),
            },
            None => record,
        };
        fields.push((prefix, layout));
    }
    Ok(Layout::Record(fields))
}

/// The list lineage of branches with counter `counter` in source `source`.
pub fn counter_lineage(source: Key, counter: &str) -> Key {
    Key::of(&[b"counter", &source.bytes(), counter.as_bytes()])
}

fn branch_layout(name: &str, t: &DataType, counter: Option<&str>, source: Key) -> Option<Layout> {
    if let Some(d) = DType::from_arrow(t) {
        return Some(Layout::Prim(d));
    }
    match t {
        DataType::List(item) | DataType::LargeList(item) => {
            let item = branch_layout(name, item.data_type(), None, source)?;
            let lineage = match counter {
                Some(c) => counter_lineage(source, c),
                // A list without a counter (std::vector) has lengths of its own.
                None => Key::of(&[b"own-lineage", &source.bytes(), name.as_bytes()]),
            };
            Some(Layout::List {
                item: Box::new(item),
                lineage,
            })
        }
        _ => None,
    }
}

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
