//! Type inference: the output type of every operation, from its inputs' types, at build time.
//! An error here is a user mistake and names what does not fit.

use arrow_schema::{DataType, SchemaRef};

use crate::key::Key;
use crate::op::{BinaryOp, LorentzOp, Op, ReduceOp, UnaryOp};
use crate::types::{Axis, DType, Layout, Ty};

mod error;
mod fused;
mod layouts;
mod sources;

pub use error::*;
pub use fused::*;
pub use layouts::*;
pub use sources::*;

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

fn known_array(dtype: DType, shape: &[u64], chunks: &[u64]) -> Result<Ty, TypeError> {
    if shape.is_empty() || shape.len() > 2 || chunks.len() != shape.len() {
        return Err(TypeError::ArrayShape {
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
        });
    }
    if chunks.contains(&0) {
        return Err(TypeError::ZeroChunk);
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
///
/// ```
/// use rask_plan::typing::{TypeError, infer};
/// use rask_plan::{DType, Key, Op, Ty, UnaryOp};
/// let x = Ty::Scalar(DType::F64);
/// let sqrt = Op::Unary(UnaryOp::Sqrt);
/// assert_eq!(infer(&sqrt, &[(&x, Key(1))], Key(2)), Ok(Ty::Scalar(DType::F64)));
/// assert_eq!(
///     infer(&sqrt, &[], Key(2)),
///     Err(TypeError::Arity { op: "sqrt", expected: 1, got: 0 })
/// );
/// ```
pub fn infer(op: &Op, inputs: &[Input<'_>], key: Key) -> Result<Ty, TypeError> {
    let arity = |n: usize| -> Result<(), TypeError> {
        if inputs.len() == n {
            Ok(())
        } else {
            Err(TypeError::Arity {
                op: op.name(),
                expected: n,
                got: inputs.len(),
            })
        }
    };
    let expected = |what: &str, wanted: &'static str, found: String| TypeError::Expected {
        what: what.to_string(),
        wanted,
        found,
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
            let dtype =
                DType::from_arrow(data.array.data_type()).ok_or_else(|| TypeError::ArrowType {
                    dtype: data.array.data_type().to_string(),
                })?;
            known_array(dtype, &[data.array.len() as u64], &[*chunks])
        }
        Op::Reshape { shape, chunks } => {
            arity(1)?;
            let (dtype, old) = match inputs[0].0 {
                Ty::Array { dtype, shape, .. } => (*dtype, shape.clone()),
                other => {
                    return Err(expected("reshape needs", "an array", other.describe()));
                }
            };
            let total: Option<u64> = old.iter().try_fold(1u64, |acc, d| d.map(|d| acc * d));
            match total {
                Some(t) if t == shape.iter().product::<u64>() => known_array(dtype, shape, chunks),
                Some(t) => Err(TypeError::Reshape {
                    elements: t,
                    shape: shape.clone(),
                }),
                None => Err(TypeError::ReshapeUnknownLength),
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
                other => Err(expected("transpose needs", "an array", other.describe())),
            }
        }
        Op::Source(spec) => Ok(Ty::Events {
            layout: event_layout(&spec.schema, key),
            rows: key,
        }),
        Op::Literal(s) => Ok(Ty::Scalar(s.dtype())),
        Op::Unary(u) => {
            arity(1)?;
            let d = inputs[0].0.dtype().ok_or(TypeError::ElementwiseOfRecords)?;
            let out = match u {
                UnaryOp::Not if d != DType::Bool => {
                    return Err(expected("~ needs", "booleans", d.name().to_string()));
                }
                UnaryOp::Not => DType::Bool,
                UnaryOp::Neg | UnaryOp::Abs if d == DType::Bool => {
                    return Err(TypeError::BoolNotNumber { op: op.name() });
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
                    return Err(TypeError::Compare {
                        left: da.name(),
                        right: db.name(),
                    });
                }
                DType::Bool
            } else if b.is_logical() {
                if da != DType::Bool || db != DType::Bool {
                    return Err(expected(
                        &format!("{} needs", b.symbol().unwrap_or("and/or")),
                        "booleans",
                        format!("{} and {}", da.name(), db.name()),
                    ));
                }
                DType::Bool
            } else {
                if da == DType::Bool || db == DType::Bool {
                    return Err(TypeError::BoolArithmetic {
                        left: da.name(),
                        right: db.name(),
                    });
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
                return Err(TypeError::WhereCondition);
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
                    return Err(TypeError::CorrectionNumbers {
                        name: spec.name.clone(),
                    });
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
        Op::Rows { start, stop } => {
            arity(1)?;
            match inputs[0].0 {
                // The events of one slice of one cut: the same rows whatever field is sliced.
                Ty::Events { layout, rows } => Ok(Ty::Events {
                    layout: layout.clone(),
                    rows: Key::of(&[
                        b"slice",
                        &rows.bytes(),
                        &start.to_le_bytes(),
                        &stop.map_or([0xff; 9], |s| {
                            let mut b = [0u8; 9];
                            b[1..].copy_from_slice(&s.to_le_bytes());
                            b
                        }),
                    ]),
                }),
                other => Err(expected(
                    "slicing by position needs",
                    "per-event values",
                    other.describe(),
                )),
            }
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
                    .ok_or_else(|| TypeError::NoField {
                        name: name.clone(),
                        fields: layout.field_names(),
                    }),
                other => Err(TypeError::NoFields {
                    found: other.describe(),
                }),
            }
        }
        Op::Zip(names) => zip(names, inputs),
        Op::WithField(name) => {
            arity(2)?;
            let (record, rows) = events(inputs[0].0)?;
            let (value, vrows) = events(inputs[1].0)?;
            if rows != vrows {
                return Err(Misaligned::NewFieldEvents.into());
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
                other => Err(expected("num needs", "lists", other.to_string())),
            }
        }
        Op::Combinations { n, names } | Op::ArgCombinations { n, names } => {
            arity(1)?;
            if !(2..=3).contains(n) || names.len() != *n as usize {
                return Err(TypeError::CombinationNames { n: *n });
            }
            let (layout, rows) = events(inputs[0].0)?;
            let Layout::List { item, .. } = layout else {
                return Err(expected("combinations need", "lists", layout.to_string()));
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
            let (record, _, rows) = pair_record("cartesian", inputs, names)?;
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(record),
                    lineage: key,
                },
                rows,
            })
        }
        Op::CartesianNested { names } => {
            arity(2)?;
            let (record, outer, rows) = pair_record("cartesian_nested", inputs, names)?;
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(Layout::List {
                        item: Box::new(record),
                        lineage: key,
                    }),
                    lineage: outer,
                },
                rows,
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
                other => Err(expected(
                    &format!("{} needs", op.name()),
                    "lists of numbers",
                    other.to_string(),
                )),
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
                other => Err(expected("firsts needs", "lists", other.to_string())),
            }
        }
        Op::Singletons => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            let item = match layout {
                Layout::Option(inner) => (**inner).clone(),
                other => other.clone(),
            };
            Ok(Ty::Events {
                layout: Layout::List {
                    item: Box::new(item),
                    lineage: key,
                },
                rows,
            })
        }
        Op::FillNone(value) => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                Layout::Option(inner) => {
                    let d = inner.dtype().ok_or(TypeError::FillNoneItems)?;
                    if (d == DType::Bool) != (value.dtype() == DType::Bool) {
                        return Err(TypeError::FillValue {
                            dtype: d.name(),
                            value: format!("{value:?}"),
                        });
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
                other => Err(expected("local_index needs", "lists", other.to_string())),
            }
        }
        Op::ListSlice { start, stop } => {
            arity(1)?;
            let (layout, rows) = events(inputs[0].0)?;
            match layout {
                // Lists sliced alike (every field of a collection) stay aligned.
                Layout::List { item, lineage } => Ok(Ty::Events {
                    layout: Layout::List {
                        item: item.clone(),
                        lineage: Key::of(&[
                            b"list_slice",
                            &lineage.bytes(),
                            &start.to_le_bytes(),
                            &stop.map_or(u64::MAX, u64::from).to_le_bytes(),
                        ]),
                    },
                    rows,
                }),
                other => Err(expected("list_slice needs", "lists", other.to_string())),
            }
        }
        Op::Concatenate => {
            arity(2)?;
            let (a, ra) = events(inputs[0].0)?;
            let (b, rb) = events(inputs[1].0)?;
            if ra != rb {
                return Err(Misaligned::Concatenate.into());
            }
            let (Layout::List { item: ia, .. }, Layout::List { item: ib, .. }) = (a, b) else {
                return Err(expected(
                    "concatenate (axis 1) needs",
                    "two lists",
                    format!("{a} and {b}"),
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
                        return Err(TypeError::NoCommonField);
                    }
                    Layout::Record(common)
                }
                (Layout::Prim(x), Layout::Prim(y)) if x == y => Layout::Prim(*x),
                (Layout::Prim(x), Layout::Prim(y)) if x.is_numeric() && y.is_numeric() => {
                    Layout::Prim(DType::arithmetic(*x, *y))
                }
                (x, y) => {
                    return Err(TypeError::Concatenate {
                        left: x.to_string(),
                        right: y.to_string(),
                    });
                }
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
                    other => Err(TypeError::Flatten {
                        found: format!("lists of {other}"),
                    }),
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
                other => Err(TypeError::Flatten {
                    found: other.describe(),
                }),
            }
        }
        Op::Take => {
            arity(2)?;
            let (data, rows) = events(inputs[0].0)?;
            let (index, irows) = events(inputs[1].0)?;
            if rows != irows {
                return Err(Misaligned::Indices.into());
            }
            let Layout::List { item, .. } = data else {
                return Err(expected("indexing needs", "lists", data.to_string()));
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
                other => Err(expected(
                    "indices must be",
                    "integers per event or lists of integers",
                    other.to_string(),
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
                other => Err(expected(
                    &format!("{} needs", op.name()),
                    "lists of numbers",
                    other.to_string(),
                )),
            }
        }
        Op::Lorentz(l) => lorentz(*l, inputs),
        Op::Hist { axes, storage } => {
            if inputs.len() != axes.len() && inputs.len() != axes.len() + 1 {
                return Err(TypeError::HistArity {
                    axes: axes.len(),
                    got: inputs.len(),
                });
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
        Op::Stack { axis } => {
            let Axis::StrCategory { categories, .. } = axis else {
                return Err(TypeError::Stack("the new axis is a string category".into()));
            };
            if categories.len() != inputs.len() {
                return Err(TypeError::Stack(format!(
                    "{} categories for {} histograms",
                    categories.len(),
                    inputs.len()
                )));
            }
            let Some((Ty::Hist { axes, storage }, _)) = inputs.first() else {
                return Err(TypeError::Stack("needs histograms".into()));
            };
            if inputs.iter().any(|(t, _)| !matches!(t, Ty::Hist { axes: a, storage: s } if a == axes && s == storage)) {
                return Err(TypeError::Stack(
                    "the histograms must have the same axes and storage".into(),
                ));
            }
            let mut axes = axes.clone();
            axes.push(axis.clone());
            Ok(Ty::Hist {
                axes,
                storage: *storage,
            })
        }
        Op::Fused(_) | Op::Cached(_) => Err(InternalTypeError::TypedByMaker.into()),
    }
}

/// The two list inputs of `op` (`cartesian`, `cartesian_nested`) of the same events, as the
/// record of their items named `names`, with the first list's lineage and the rows.
fn pair_record(
    op: &'static str,
    inputs: &[Input<'_>],
    names: &[String],
) -> Result<(Layout, Key, Key), TypeError> {
    let (a, ra) = events(inputs[0].0)?;
    let (b, rb) = events(inputs[1].0)?;
    if ra != rb || names.len() != 2 {
        return Err(Misaligned::Cartesian { op }.into());
    }
    let (Layout::List { item: ia, lineage }, Layout::List { item: ib, .. }) = (a, b) else {
        return Err(TypeError::Expected {
            what: format!("{op} needs"),
            wanted: "two lists",
            found: format!("{a} and {b}"),
        });
    };
    let record = Layout::Record(vec![
        (names[0].clone(), (**ia).clone()),
        (names[1].clone(), (**ib).clone()),
    ]);
    Ok((record, *lineage, ra))
}
