//! Typing helpers for the operations of `infer`: leaf dtypes, broadcasting of layouts and
//! arrays, masks, reductions, zips, record fields and Lorentz vectors.

use super::*;

pub(super) fn leaf_dtype(ty: &Ty) -> Result<DType, TypeError> {
    ty.dtype().ok_or_else(|| TypeError::NotNumbers {
        found: ty.describe(),
    })
}

pub(super) fn events(ty: &Ty) -> Result<(&Layout, Key), TypeError> {
    match ty {
        Ty::Events { layout, rows } => Ok((layout, *rows)),
        other => Err(TypeError::Expected {
            what: "needs".to_string(),
            wanted: "per-event values",
            found: other.describe(),
        }),
    }
}

pub(super) fn strip_option(l: &Layout) -> &Layout {
    match l {
        Layout::Option(inner) => strip_option(inner),
        other => other,
    }
}

pub(super) fn map_dtype(ty: &Ty, d: DType) -> Result<Ty, TypeError> {
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
        Ty::Hist { .. } => return Err(TypeError::ElementwiseOfHist),
    })
}

/// The type of an element-wise operation over `tys`, with leaf dtype `out`.
///
/// ```
/// use rask_plan::typing::{TypeError, broadcast};
/// use rask_plan::{DType, Ty};
/// let x = Ty::Scalar(DType::I64);
/// assert_eq!(broadcast(&[&x, &x], DType::F64), Ok(Ty::Scalar(DType::F64)));
/// assert_eq!(broadcast(&[], DType::F64), Err(TypeError::NoOperands));
/// ```
pub fn broadcast(tys: &[&Ty], out: DType) -> Result<Ty, TypeError> {
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
                    return Err(Misaligned::Operands.into());
                }
                Ty::Events {
                    layout: broadcast_layout(&la, lb)?.with_dtype(out),
                    rows: ra,
                }
            }
            (Some(a @ Ty::Array { .. }), b @ Ty::Array { .. }) => broadcast_arrays(&a, b, out)?,
            (Some(a), b) => {
                return Err(TypeError::Combine {
                    left: a.describe(),
                    right: b.describe(),
                });
            }
        });
    }
    acc.ok_or(TypeError::NoOperands)
}

pub(super) fn broadcast_layout(a: &Layout, b: &Layout) -> Result<Layout, TypeError> {
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
                return Err(Misaligned::ListLengths.into());
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
            return Err(TypeError::RecordsInArithmetic);
        }
    })
}

pub(super) fn broadcast_arrays(a: &Ty, b: &Ty, out: DType) -> Result<Ty, TypeError> {
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
        return Err(InternalTypeError::NotArrays.into());
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
        return Err(Misaligned::MaskedArrays.into());
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
                    return Err(TypeError::Chunks {
                        axis: d,
                        left: ca[d].clone(),
                        right: cb[d].clone(),
                    });
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
                return Err(TypeError::Shapes {
                    axis: d,
                    left: x,
                    right: y,
                });
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

pub(super) fn mask(data: Input<'_>, mask: Input<'_>, key: Key) -> Result<Ty, TypeError> {
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
                return Err(TypeError::MaskShape {
                    mask: ms.clone(),
                    array: shape.clone(),
                });
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
                return Err(Misaligned::Mask.into());
            }
            match ml {
                Layout::Prim(DType::Bool) => {
                    let rows = Key::of(&[b"rows", &rows.bytes(), &mask_key.bytes()]);
                    Ok(Ty::Events {
                        layout: layout.clone(),
                        rows,
                    })
                }
                Layout::List {
                    item,
                    lineage: ml_lineage,
                } if **item == Layout::Prim(DType::Bool) => match layout {
                    Layout::List { item, lineage } if lineage == ml_lineage => {
                        let lineage = Key::of(&[b"list", &lineage.bytes(), &mask_key.bytes()]);
                        Ok(Ty::Events {
                            layout: Layout::List {
                                item: item.clone(),
                                lineage,
                            },
                            rows: *rows,
                        })
                    }
                    _ => Err(Misaligned::JaggedMask.into()),
                },
                other => Err(TypeError::Expected {
                    what: "a mask must be".to_string(),
                    wanted: "booleans per event or per list element",
                    found: other.to_string(),
                }),
            }
        }
        (Ty::Events { .. }, Ty::Array { .. }) | (Ty::Array { .. }, Ty::Events { .. }) => {
            let _ = key;
            Err(TypeError::MaskMix)
        }
        // A literal or a whole-collection number is the same for every event: nothing to cut.
        (d @ (Ty::Scalar(_) | Ty::Hist { .. }), _) => Err(TypeError::Expected {
            what: "a mask selects from".to_string(),
            wanted: "per-event values or arrays",
            found: d.describe(),
        }),
        (_, m) => Err(TypeError::Expected {
            what: "a mask must be".to_string(),
            wanted: "boolean",
            found: m.describe(),
        }),
    }
}

pub(super) fn reduce(r: ReduceOp, axis: Option<u8>, ty: &Ty) -> Result<Ty, TypeError> {
    let d = leaf_dtype(ty)?;
    let out = match r {
        ReduceOp::Count => DType::I64,
        ReduceOp::Any | ReduceOp::All => {
            if d != DType::Bool {
                return Err(TypeError::Expected {
                    what: "any/all need".to_string(),
                    wanted: "booleans",
                    found: d.name().to_string(),
                });
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
                return Err(TypeError::AxisOutOfRange {
                    axis: a,
                    dims: shape.len(),
                });
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
            other => Err(TypeError::Expected {
                what: "per-event reductions need".to_string(),
                wanted: "lists of numbers",
                found: other.to_string(),
            }),
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
                other => Err(TypeError::Expected {
                    what: "reductions over axis 2 need".to_string(),
                    wanted: "lists of lists of numbers",
                    found: format!("lists of {other}"),
                }),
            },
            other => Err(TypeError::Expected {
                what: "reductions over axis 2 need".to_string(),
                wanted: "lists of lists of numbers",
                found: other.to_string(),
            }),
        },
        (other, Some(a)) => Err(TypeError::Reduce {
            found: other.describe(),
            axis: a,
        }),
    }
}

pub(super) fn zip(names: &[String], inputs: &[Input<'_>]) -> Result<Ty, TypeError> {
    if names.len() != inputs.len() || names.is_empty() {
        return Err(TypeError::ZipNames {
            names: names.len(),
            fields: inputs.len(),
        });
    }
    let mut rows = None;
    let mut lineage = None;
    let mut fields = Vec::with_capacity(names.len());
    for (name, (ty, _)) in names.iter().zip(inputs) {
        let (layout, r) = events(ty)?;
        if *rows.get_or_insert(r) != r {
            return Err(Misaligned::ZipEvents { name: name.clone() }.into());
        }
        match layout {
            Layout::List { item, lineage: l } => {
                if *lineage.get_or_insert(*l) != *l {
                    return Err(Misaligned::ZipLengths { name: name.clone() }.into());
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

pub(super) fn with_field(record: &Layout, name: &str, value: &Layout) -> Result<Layout, TypeError> {
    fn add(record: &Layout, name: &str, value: &Layout) -> Result<Layout, TypeError> {
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
            (Layout::List { .. }, Layout::List { .. }) => Err(Misaligned::NewFieldLengths.into()),
            (Layout::List { item, lineage }, v) => Ok(Layout::List {
                item: Box::new(add(item, name, v)?),
                lineage: *lineage,
            }),
            (other, _) => Err(TypeError::Expected {
                what: "with_field needs".to_string(),
                wanted: "records",
                found: other.to_string(),
            }),
        }
    }
    add(record, name, value)
}

pub(super) fn lorentz(l: LorentzOp, inputs: &[Input<'_>]) -> Result<Ty, TypeError> {
    // The named fields, or a record's own Cartesian components (`px, py, pz, E`), from which
    // the engine and the reference derive `pt, eta, phi, mass` (`rask_core::kernels::vector_kind`).
    let need = |layout: &Layout, fields: &[&'static str]| -> Result<(), TypeError> {
        let names = layout.field_names();
        if fields.iter().all(|f| names.iter().any(|n| n == f)) {
            return Ok(());
        }
        if let Some(cartesian) =
            rask_core::kernels::cartesian_names(names.iter().map(String::as_str))
        {
            for c in cartesian {
                fn leaf(l: Layout) -> Layout {
                    match l {
                        Layout::List { item, .. } | Layout::Option(item) => leaf(*item),
                        other => other,
                    }
                }
                match layout.field(c).map(leaf) {
                    Some(Layout::Prim(d)) if d.is_numeric() => {}
                    other => {
                        return Err(TypeError::Expected {
                            what: format!("the four-vector component '{c}' must be"),
                            wanted: "numbers",
                            found: other.map_or_else(|| "missing".to_string(), |l| l.to_string()),
                        });
                    }
                }
            }
            return Ok(());
        }
        Err(TypeError::VectorFields {
            wanted: fields.to_vec(),
            has: names,
        })
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
    let (a, rows) = events(inputs.first().map(|i| i.0).ok_or(TypeError::MissingInput)?)?;
    match l {
        LorentzOp::Mass | LorentzOp::Pt | LorentzOp::Eta | LorentzOp::Phi => {
            if inputs.len() != 1 {
                return Err(TypeError::VectorArity {
                    op: format!("{l:?}"),
                    takes: "one vector",
                });
            }
            need(a, &["pt", "eta", "phi", "mass"])?;
            Ok(Ty::Events {
                layout: as_number(a, DType::F64),
                rows,
            })
        }
        LorentzOp::Add | LorentzOp::DeltaR | LorentzOp::DeltaPhi | LorentzOp::Mt => {
            if inputs.len() != 2 {
                return Err(TypeError::VectorArity {
                    op: format!("{l:?}"),
                    takes: "two inputs",
                });
            }
            let (b, rb) = events(inputs[1].0)?;
            if rows != rb {
                return Err(Misaligned::Vectors.into());
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
