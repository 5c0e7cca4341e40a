//! The reference interpreter: evaluates a plan on whole collections with the obvious algorithms
//! of [`super::jagged`]. Slow on purpose; kept forever as the oracle of the optimiser and of the
//! DataFusion execution path.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::error::{EvalError, ReadError};
use crate::jagged;
use crate::value::Value;
use rask_plan::error::PlanError;
use rask_plan::graph::{Graph, NodeId};
use rask_plan::key::Key;
use rask_plan::op::{BinaryOp, FusedBody, LorentzOp, Op, ReduceOp, Scalar, SourceSpec, UnaryOp};
use rask_plan::types::{Axis, DType, Layout, Storage, Ty};

mod fill;
mod leaves;
mod values;

pub use fill::*;
use leaves::*;
use values::*;

/// What evaluating a node gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// An n-d array, row-major.
    Array {
        shape: Vec<usize>,
        values: Vec<Value>,
    },
    /// One value per event.
    Events(Vec<Value>),
    /// One number.
    Scalar(Value),
    /// A filled histogram.
    Hist(RefHist),
}

/// A histogram of the reference interpreter: bins of every axis including flow bins, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct RefHist {
    pub axes: Vec<Axis>,
    pub storage: Storage,
    /// Sum of weights per bin (counts when unweighted).
    pub values: Vec<f64>,
    /// Sum of squared weights per bin.
    pub variances: Vec<f64>,
}

/// Reads the columns of a source for the reference interpreter (the whole source at once).
pub trait SourceReader {
    fn read(&self, spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, ReadError>;
}

/// A reader serving one in-memory batch for every source (tests, small examples).
pub struct MemoryReader(pub RecordBatch);

impl SourceReader for MemoryReader {
    fn read(&self, _spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, ReadError> {
        let idx = columns
            .iter()
            .map(|c| {
                self.0
                    .schema()
                    .index_of(c)
                    .map_err(|source| ReadError::MissingColumn {
                        column: c.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<usize>, ReadError>>()?;
        Ok(self.0.project(&idx)?)
    }
}

/// A reader for plans without event sources.
pub struct NoSources;

impl SourceReader for NoSources {
    fn read(&self, spec: &SourceSpec, _columns: &[String]) -> Result<RecordBatch, ReadError> {
        Err(ReadError::NoReader {
            label: spec.label.clone(),
        })
    }
}

/// Evaluates `outputs` of `graph`; `persisted` values (by key) are used instead of recomputing.
pub fn evaluate(
    graph: &Graph,
    outputs: &[NodeId],
    reader: &dyn SourceReader,
    persisted: &HashMap<Key, Data>,
) -> Result<Vec<Data>, PlanError> {
    let graph = &with_cached(graph, outputs, persisted);
    let mut values: HashMap<NodeId, Data> = HashMap::new();
    for id in graph.topo_order(outputs) {
        let node = graph.node(id);
        if let Op::Cached(key) = &node.op {
            let d = persisted.get(key).ok_or_else(|| PlanError::Eval {
                expr: graph.describe(id),
                message: "the persisted value is gone".to_string(),
            })?;
            values.insert(id, d.clone());
            continue;
        }
        let inputs: Vec<&Data> = node.inputs.iter().map(|i| &values[i]).collect();
        let in_tys: Vec<&Ty> = node.inputs.iter().map(|i| &graph.node(*i).ty).collect();
        let out =
            eval_op(&node.op, &inputs, &in_tys, &node.ty, reader).map_err(|e| PlanError::Eval {
                expr: graph.describe(id),
                message: e.to_string(),
            })?;
        values.insert(id, out);
    }
    Ok(outputs.iter().map(|o| values[o].clone()).collect())
}

/// The graph with persisted nodes replaced by `Cached` leaves (same ids for the outputs), so
/// nothing below them is evaluated again.
pub fn with_cached(graph: &Graph, outputs: &[NodeId], persisted: &HashMap<Key, Data>) -> Graph {
    if persisted.is_empty()
        || !graph
            .topo_order(outputs)
            .iter()
            .any(|id| persisted.contains_key(&graph.node(*id).key))
    {
        return graph.clone();
    }
    let mut g = graph.clone();
    g.replace_with_cached(|key| persisted.contains_key(&key));
    g
}

type R<T> = Result<T, EvalError>;

fn eval_op(
    op: &Op,
    inputs: &[&Data],
    in_tys: &[&Ty],
    out: &Ty,
    reader: &dyn SourceReader,
) -> R<Data> {
    let data = match op {
        Op::RandomNormal {
            shape,
            chunks,
            seed,
        } => random_normal(shape, chunks, *seed),
        Op::Full { shape, value, .. } => {
            let n: u64 = shape.iter().product();
            Data::Array {
                shape: usize_shape(shape),
                values: vec![scalar_value(*value); n as usize],
            }
        }
        Op::Arange { n, .. } => Data::Array {
            shape: vec![*n as usize],
            values: (0..*n as i64).map(Value::I64).collect(),
        },
        Op::FromArrow { data, .. } => Data::Array {
            shape: vec![data.array.len()],
            values: arrow_values(&data.array)?,
        },
        Op::Reshape { shape, .. } => match inputs[0] {
            Data::Array { values, .. } => Data::Array {
                shape: usize_shape(shape),
                values: values.clone(),
            },
            _ => return Err(EvalError::Internal("reshape of a non-array".to_string())),
        },
        Op::Transpose => match inputs[0] {
            Data::Array { shape, values } if shape.len() == 2 => {
                let (r, c) = (shape[0], shape[1]);
                let mut t = Vec::with_capacity(values.len());
                for j in 0..c {
                    for i in 0..r {
                        t.push(values[i * c + j].clone());
                    }
                }
                Data::Array {
                    shape: vec![c, r],
                    values: t,
                }
            }
            other => other.clone(),
        },
        Op::Source(spec) => read_source(spec, out, reader)?,
        Op::Literal(s) => Data::Scalar(scalar_value(*s)),
        Op::Unary(u) => elementwise(inputs, in_tys, &|v: &[&Value]| unary(*u, v[0]))?,
        Op::Binary(b) => elementwise(inputs, in_tys, &|v: &[&Value]| {
            binary(*b, v[0], v[1], out.dtype())
        })?,
        Op::Where => elementwise(inputs, in_tys, &|v: &[&Value]| {
            Ok(if v[0].as_bool()? {
                v[1].clone()
            } else {
                v[2].clone()
            })
        })?,
        Op::Cast(_) => elementwise(inputs, in_tys, &|v: &[&Value]| Ok(v[0].clone()))?,
        Op::Correction(spec) => elementwise(inputs, in_tys, &|v: &[&Value]| {
            super::correction::one(spec, v)
        })?,
        Op::Mask => mask(inputs[0], inputs[1], in_tys[1])?,
        Op::Rows { start, stop } => {
            let values = events(inputs[0])?;
            Data::Events(values[rask_plan::rows_range(*start, *stop, values.len())].to_vec())
        }
        Op::Reduce { op: r, axis } => reduce(*r, *axis, inputs[0])?,
        Op::Field(name) => {
            let layout = layout_of(in_tys[0])?;
            Data::Events(
                events(inputs[0])?
                    .iter()
                    .map(|v| field_of(v, layout, name))
                    .collect::<R<_>>()?,
            )
        }
        Op::Zip(names) => {
            let cols: Vec<Vec<Value>> = inputs
                .iter()
                .map(|d| events(d).cloned())
                .collect::<R<_>>()?;
            let fields: Vec<(&str, &[Value])> = names
                .iter()
                .map(String::as_str)
                .zip(cols.iter().map(Vec::as_slice))
                .collect();
            let zipped = jagged::zip(&fields)?;
            Data::Events(zipped.into_iter().map(with_cartesian).collect())
        }
        Op::WithField(name) => {
            let layouts = [
                record_leaf(layout_of(in_tys[0])?),
                layout_of(in_tys[1])?.clone(),
            ];
            let name = name.clone();
            zip_events(inputs, &layouts, &move |v: &[&Value]| {
                let Value::Record(fields) = v[0] else {
                    return Err(EvalError::Internal("with_field needs records".to_string()));
                };
                // Setting a vector field makes the carried Cartesian components stale.
                let vector = rask_core::kernels::VECTOR_FIELDS.contains(&name.as_str());
                let mut fields: Vec<(String, Value)> = fields
                    .iter()
                    .filter(|(n, _)| {
                        *n != name
                            && !(vector
                                && rask_core::kernels::CARTESIAN_FIELDS.contains(&n.as_str()))
                    })
                    .cloned()
                    .collect();
                fields.push((name.clone(), v[1].clone()));
                Ok(Value::Record(fields))
            })?
        }
        Op::Num => Data::Events(jagged::num(events(inputs[0])?)?),
        Op::Combinations { n, names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Data::Events(jagged::combinations(
                events(inputs[0])?,
                *n as usize,
                Some(&names),
            )?)
        }
        Op::ArgCombinations { n, .. } => {
            Data::Events(jagged::argcombinations(events(inputs[0])?, *n as usize)?)
        }
        Op::Cartesian { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Data::Events(jagged::cartesian(
                events(inputs[0])?,
                events(inputs[1])?,
                Some(&names),
            )?)
        }
        Op::CartesianNested { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let (a, b) = (events(inputs[0])?, events(inputs[1])?);
            let nested = a
                .iter()
                .zip(b)
                .map(|(ea, eb)| {
                    let (la, lb) = (ea.as_list()?, eb.as_list()?);
                    let outer = la
                        .iter()
                        .map(|x| {
                            let one = [Value::List(vec![x.clone()])];
                            let pairs =
                                jagged::cartesian(&one, std::slice::from_ref(eb), Some(&names))?;
                            Ok(pairs.into_iter().next().unwrap_or(Value::List(Vec::new())))
                        })
                        .collect::<R<Vec<Value>>>()?;
                    let _ = lb;
                    Ok(Value::List(outer))
                })
                .collect::<R<Vec<Value>>>()?;
            Data::Events(nested)
        }
        Op::ArgMin { keepdims } => Data::Events(jagged::argmin(events(inputs[0])?, *keepdims)?),
        Op::ArgMax { keepdims } => Data::Events(jagged::argmax(events(inputs[0])?, *keepdims)?),
        Op::Firsts => Data::Events(jagged::firsts(events(inputs[0])?)?),
        // An optional value already is a list of 0 or 1 here; anything else gets wrapped.
        Op::Singletons => match layout_of(in_tys[0])? {
            Layout::Option(_) => inputs[0].clone(),
            _ => Data::Events(
                events(inputs[0])?
                    .iter()
                    .map(|v| Value::List(vec![v.clone()]))
                    .collect(),
            ),
        },
        Op::FillNone(value) => match layout_of(in_tys[0])? {
            Layout::Option(_) => Data::Events(
                events(inputs[0])?
                    .iter()
                    .map(|v| match v {
                        Value::List(xs) => {
                            Ok(xs.first().cloned().unwrap_or_else(|| scalar_value(*value)))
                        }
                        other => Err(EvalError::Internal(format!(
                            "an optional value must be a list of 0 or 1, got {other}"
                        ))),
                    })
                    .collect::<R<_>>()?,
            ),
            _ => inputs[0].clone(),
        },
        Op::LocalIndex => Data::Events(jagged::local_index(events(inputs[0])?)?),
        Op::ListSlice { start, stop } => {
            Data::Events(jagged::list_slice(events(inputs[0])?, *start, *stop)?)
        }
        Op::Concatenate => {
            Data::Events(jagged::concatenate(events(inputs[0])?, events(inputs[1])?)?)
        }
        Op::Flatten => match (inputs[0], out) {
            (Data::Events(v), Ty::Events { .. }) => Data::Events(jagged::flatten(v)?),
            (Data::Events(v), _) => {
                let flat = jagged::flatten_all(v)?;
                Data::Array {
                    shape: vec![flat.len()],
                    values: flat,
                }
            }
            (Data::Array { values, .. }, _) => Data::Array {
                shape: vec![values.len()],
                values: values.clone(),
            },
            _ => {
                return Err(EvalError::Internal(
                    "flatten of a non-collection".to_string(),
                ));
            }
        },
        Op::Take => Data::Events(jagged::take(events(inputs[0])?, events(inputs[1])?)?),
        Op::Sort { ascending } => Data::Events(jagged::sort(events(inputs[0])?, *ascending)?),
        Op::ArgSort { ascending } => Data::Events(jagged::argsort(events(inputs[0])?, *ascending)?),
        Op::Lorentz(l) => lorentz(*l, inputs, in_tys)?,
        Op::Cached(_) => {
            return Err(EvalError::Internal(
                "persisted values are looked up by the evaluator".to_string(),
            ));
        }
        Op::Hist { axes, storage } => Data::Hist(fill_hist(axes, *storage, inputs, in_tys)?),
        Op::Stack { axis } => Data::Hist(stack_hists(axis, inputs)?),
        Op::Fused(body) => eval_fused(body, inputs, in_tys, reader)?,
    };
    Ok(coerce(data, out))
}

fn eval_fused(
    body: &FusedBody,
    inputs: &[&Data],
    in_tys: &[&Ty],
    reader: &dyn SourceReader,
) -> R<Data> {
    rask_plan::typing::run_fused(body, inputs, in_tys, |op, ds, ts, ty| {
        eval_op(op, ds, ts, ty, reader)
    })
}

fn usize_shape(shape: &[u64]) -> Vec<usize> {
    shape.iter().map(|&n| n as usize).collect()
}

fn scalar_value(s: Scalar) -> Value {
    match s {
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::I64(i) => Value::I64(i),
        Scalar::F64(f) => Value::F64(f),
    }
}

/// Brings leaf values to the dtype of the node's type (F32 values rounded to f32, integers as I64).
fn coerce(d: Data, ty: &Ty) -> Data {
    let Some(dtype) = ty.dtype() else { return d };
    let fix = |v: Value| coerce_value(v, dtype);
    match d {
        Data::Array { shape, values } => Data::Array {
            shape,
            values: values.into_iter().map(fix).collect(),
        },
        Data::Events(v) => Data::Events(v.into_iter().map(fix).collect()),
        Data::Scalar(v) => Data::Scalar(fix(v)),
        h => h,
    }
}

fn coerce_value(v: Value, d: DType) -> Value {
    match v {
        Value::List(xs) => Value::List(xs.into_iter().map(|x| coerce_value(x, d)).collect()),
        Value::Record(f) => Value::Record(f),
        Value::F64(x) => match d {
            DType::F32 => Value::F64(x as f32 as f64),
            DType::F64 => Value::F64(x),
            DType::Bool => Value::Bool(x != 0.0),
            _ => Value::I64(x as i64),
        },
        Value::I64(i) => match d {
            DType::F32 => Value::F64(i as f32 as f64),
            DType::F64 => Value::F64(i as f64),
            DType::Bool => Value::Bool(i != 0),
            _ => Value::I64(i),
        },
        Value::Bool(b) => match d {
            DType::Bool => Value::Bool(b),
            DType::F32 | DType::F64 => Value::F64(b as u8 as f64),
            _ => Value::I64(b as i64),
        },
    }
}

/// A record zipped from `pt, eta, phi, mass` carries its Cartesian components (see
/// `rask_core::kernels::CARTESIAN_FIELDS`); lists are walked.
fn with_cartesian(v: Value) -> Value {
    match v {
        Value::List(items) => Value::List(items.into_iter().map(with_cartesian).collect()),
        Value::Record(mut fields) => {
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, v)| v.as_f64().ok())
            };
            let has_cartesian = fields
                .iter()
                .any(|(n, _)| n == rask_core::kernels::CARTESIAN_FIELDS[0]);
            if let (Some(pt), Some(eta), Some(phi), Some(mass), false) = (
                get("pt"),
                get("eta"),
                get("phi"),
                get("mass"),
                has_cartesian,
            ) {
                let p = rask_core::kernels::P4::from_ptetaphim(pt, eta, phi, mass);
                for (name, x) in rask_core::kernels::CARTESIAN_FIELDS
                    .iter()
                    .zip([p.px, p.py, p.pz, p.e])
                {
                    fields.push((name.to_string(), Value::F64(x)));
                }
            }
            Value::Record(fields)
        }
        other => other,
    }
}
