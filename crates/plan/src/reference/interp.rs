//! The reference interpreter: evaluates a plan on whole collections with the obvious algorithms
//! of [`super::jagged`]. Slow on purpose; kept forever as the oracle of the optimiser and of the
//! DataFusion execution path.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use super::jagged;
use super::value::Value;
use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::key::Key;
use crate::op::{BinaryOp, FusedBody, LorentzOp, Op, ReduceOp, Scalar, SourceSpec, UnaryOp};
use crate::types::{Axis, DType, Layout, Storage, Ty};

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
    fn read(&self, spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, String>;
}

/// A reader serving one in-memory batch for every source (tests, small examples).
pub struct MemoryReader(pub RecordBatch);

impl SourceReader for MemoryReader {
    fn read(&self, _spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, String> {
        let idx: Result<Vec<usize>, String> = columns
            .iter()
            .map(|c| self.0.schema().index_of(c).map_err(|e| e.to_string()))
            .collect();
        self.0.project(&idx?).map_err(|e| e.to_string())
    }
}

/// A reader for plans without event sources.
pub struct NoSources;

impl SourceReader for NoSources {
    fn read(&self, spec: &SourceSpec, _columns: &[String]) -> Result<RecordBatch, String> {
        Err(format!("no reader was given for source '{}'", spec.label))
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
        let out = eval_op(&node.op, &inputs, &in_tys, &node.ty, reader).map_err(|message| {
            PlanError::Eval {
                expr: graph.describe(id),
                message,
            }
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

type R<T> = Result<T, String>;

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
            _ => return Err("reshape of a non-array".to_string()),
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
            Ok(if v[0].as_bool().map_err(|e| e.to_string())? {
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
            let zipped = jagged::zip(&fields).map_err(|e| e.to_string())?;
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
                    return Err("with_field needs records".to_string());
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
        Op::Num => Data::Events(jagged::num(events(inputs[0])?).map_err(|e| e.to_string())?),
        Op::Combinations { n, names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Data::Events(
                jagged::combinations(events(inputs[0])?, *n as usize, Some(&names))
                    .map_err(|e| e.to_string())?,
            )
        }
        Op::ArgCombinations { n, .. } => Data::Events(
            jagged::argcombinations(events(inputs[0])?, *n as usize).map_err(|e| e.to_string())?,
        ),
        Op::Cartesian { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Data::Events(
                jagged::cartesian(events(inputs[0])?, events(inputs[1])?, Some(&names))
                    .map_err(|e| e.to_string())?,
            )
        }
        Op::CartesianNested { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let (a, b) = (events(inputs[0])?, events(inputs[1])?);
            let nested = a
                .iter()
                .zip(b)
                .map(|(ea, eb)| {
                    let (la, lb) = (
                        ea.as_list().map_err(|e| e.to_string())?,
                        eb.as_list().map_err(|e| e.to_string())?,
                    );
                    let outer = la
                        .iter()
                        .map(|x| {
                            let one = [Value::List(vec![x.clone()])];
                            let pairs =
                                jagged::cartesian(&one, std::slice::from_ref(eb), Some(&names))
                                    .map_err(|e| e.to_string())?;
                            Ok(pairs.into_iter().next().unwrap_or(Value::List(Vec::new())))
                        })
                        .collect::<R<Vec<Value>>>()?;
                    let _ = lb;
                    Ok(Value::List(outer))
                })
                .collect::<R<Vec<Value>>>()?;
            Data::Events(nested)
        }
        Op::ArgMin { keepdims } => {
            Data::Events(jagged::argmin(events(inputs[0])?, *keepdims).map_err(|e| e.to_string())?)
        }
        Op::ArgMax { keepdims } => {
            Data::Events(jagged::argmax(events(inputs[0])?, *keepdims).map_err(|e| e.to_string())?)
        }
        Op::Firsts => Data::Events(jagged::firsts(events(inputs[0])?).map_err(|e| e.to_string())?),
        Op::FillNone(value) => match layout_of(in_tys[0])? {
            Layout::Option(_) => Data::Events(
                events(inputs[0])?
                    .iter()
                    .map(|v| match v {
                        Value::List(xs) => {
                            Ok(xs.first().cloned().unwrap_or_else(|| scalar_value(*value)))
                        }
                        other => Err(format!(
                            "an optional value must be a list of 0 or 1, got {other}"
                        )),
                    })
                    .collect::<R<_>>()?,
            ),
            _ => inputs[0].clone(),
        },
        Op::LocalIndex => {
            Data::Events(jagged::local_index(events(inputs[0])?).map_err(|e| e.to_string())?)
        }
        Op::Concatenate => Data::Events(
            jagged::concatenate(events(inputs[0])?, events(inputs[1])?)
                .map_err(|e| e.to_string())?,
        ),
        Op::Flatten => match (inputs[0], out) {
            (Data::Events(v), Ty::Events { .. }) => {
                Data::Events(jagged::flatten(v).map_err(|e| e.to_string())?)
            }
            (Data::Events(v), _) => {
                let flat = jagged::flatten_all(v).map_err(|e| e.to_string())?;
                Data::Array {
                    shape: vec![flat.len()],
                    values: flat,
                }
            }
            (Data::Array { values, .. }, _) => Data::Array {
                shape: vec![values.len()],
                values: values.clone(),
            },
            _ => return Err("flatten of a non-collection".to_string()),
        },
        Op::Take => Data::Events(
            jagged::take(events(inputs[0])?, events(inputs[1])?).map_err(|e| e.to_string())?,
        ),
        Op::Sort { ascending } => {
            Data::Events(jagged::sort(events(inputs[0])?, *ascending).map_err(|e| e.to_string())?)
        }
        Op::ArgSort { ascending } => Data::Events(
            jagged::argsort(events(inputs[0])?, *ascending).map_err(|e| e.to_string())?,
        ),
        Op::Lorentz(l) => lorentz(*l, inputs, in_tys)?,
        Op::Cached(_) => return Err("persisted values are looked up by the evaluator".to_string()),
        Op::Hist { axes, storage } => Data::Hist(fill_hist(axes, *storage, inputs, in_tys)?),
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
    crate::typing::run_fused(body, inputs, in_tys, |op, ds, ts, ty| {
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

/// Values of a chunked random array: chunk (ci, cj) of the chunk grid, row-major, is stream
/// `ci * n_col_chunks + cj`, filled row-major inside the chunk.
fn random_normal(shape: &[u64], chunks: &[u64], seed: u64) -> Data {
    let rows = crate::typing::split_chunks(shape[0], chunks[0]);
    let cols = if shape.len() == 2 {
        crate::typing::split_chunks(shape[1], chunks[1])
    } else {
        vec![1]
    };
    let width = if shape.len() == 2 {
        shape[1] as usize
    } else {
        1
    };
    let mut values = vec![Value::F64(0.0); shape.iter().product::<u64>() as usize];
    let mut r0 = 0usize;
    for (ci, &h) in rows.iter().enumerate() {
        let mut c0 = 0usize;
        for (cj, &w) in cols.iter().enumerate() {
            let mut buf = vec![0.0; (h * w) as usize];
            rask_core::random::fill_normal(seed, (ci * cols.len() + cj) as u64, &mut buf);
            for r in 0..h as usize {
                for c in 0..w as usize {
                    values[(r0 + r) * width + c0 + c] = Value::F64(buf[r * w as usize + c]);
                }
            }
            c0 += w as usize;
        }
        r0 += h as usize;
    }
    Data::Array {
        shape: usize_shape(shape),
        values,
    }
}

fn arrow_values(a: &ArrayRef) -> R<Vec<Value>> {
    Ok(match a.data_type() {
        DataType::Boolean => a
            .as_boolean()
            .iter()
            .map(|v| Value::Bool(v.unwrap_or(false)))
            .collect(),
        DataType::Int8 => a
            .as_primitive::<Int8Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::Int16 => a
            .as_primitive::<Int16Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::Int32 => a
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::Int64 => a
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v))
            .collect(),
        DataType::UInt8 => a
            .as_primitive::<UInt8Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::UInt16 => a
            .as_primitive::<UInt16Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::UInt32 => a
            .as_primitive::<UInt32Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::UInt64 => a
            .as_primitive::<UInt64Type>()
            .values()
            .iter()
            .map(|&v| Value::I64(v as i64))
            .collect(),
        DataType::Float32 => a
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&v| Value::F64(v as f64))
            .collect(),
        DataType::Float64 => a
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| Value::F64(v))
            .collect(),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let inner = arrow_values(l.values())?;
            l.value_offsets()
                .windows(2)
                .map(|w| Value::List(inner[w[0] as usize..w[1] as usize].to_vec()))
                .collect()
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let inner = arrow_values(l.values())?;
            l.value_offsets()
                .windows(2)
                .map(|w| Value::List(inner[w[0] as usize..w[1] as usize].to_vec()))
                .collect()
        }
        other => return Err(format!("the reference interpreter does not read {other}")),
    })
}

fn read_source(spec: &Arc<SourceSpec>, out: &Ty, reader: &dyn SourceReader) -> R<Data> {
    let columns: Vec<String> = match &spec.columns {
        Some(c) => c.clone(),
        None => spec
            .schema
            .fields()
            .iter()
            .filter(|f| f.data_type() != &DataType::Null)
            .map(|f| f.name().clone())
            .collect(),
    };
    let batch = reader.read(spec, &columns)?;
    let mut cols: HashMap<String, Vec<Value>> = HashMap::new();
    for (f, a) in batch.schema().fields().iter().zip(batch.columns()) {
        cols.insert(f.name().clone(), arrow_values(a)?);
    }
    let n = batch.num_rows();
    let Ty::Events {
        layout: Layout::Record(fields),
        ..
    } = out
    else {
        return Err("a source is a record of branches".to_string());
    };
    let mut events: Vec<Vec<(String, Value)>> = vec![Vec::new(); n];
    for (name, layout) in fields {
        if let Some(values) = cols.get(name) {
            for (e, v) in events.iter_mut().zip(values) {
                e.push((name.clone(), v.clone()));
            }
            continue;
        }
        // A group of branches `name_member`; only members that were read.
        let members: Vec<(String, &Vec<Value>)> = layout
            .field_names()
            .into_iter()
            .filter_map(|m| cols.get(&format!("{name}_{m}")).map(|v| (m, v)))
            .collect();
        if members.is_empty() {
            // Only list lengths were needed: lists of empty records, counted by the counter branch.
            let counter = spec
                .schema
                .fields()
                .iter()
                .filter(|f| f.name().starts_with(&format!("{name}_")))
                .find_map(|f| f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned());
            if let (Some(counts), Layout::List { .. }) =
                (counter.and_then(|c| cols.get(&c)), layout)
            {
                for (e, n) in events.iter_mut().zip(counts) {
                    let n = n.as_i64().map_err(|e| e.to_string())?.max(0) as usize;
                    e.push((
                        name.clone(),
                        Value::List(vec![Value::Record(Vec::new()); n]),
                    ));
                }
            }
            continue;
        }
        let fields: Vec<(&str, &[Value])> = members
            .iter()
            .map(|(m, v)| (m.as_str(), v.as_slice()))
            .collect();
        let zipped = jagged::zip(&fields).map_err(|e| format!("group '{name}': {e}"))?;
        for (e, v) in events.iter_mut().zip(zipped) {
            e.push((name.clone(), v));
        }
    }
    Ok(Data::Events(
        events.into_iter().map(Value::Record).collect(),
    ))
}

fn events(d: &Data) -> R<&Vec<Value>> {
    match d {
        Data::Events(v) => Ok(v),
        other => Err(format!("expected per-event values, got {}", kind(other))),
    }
}

fn kind(d: &Data) -> &'static str {
    match d {
        Data::Array { .. } => "an array",
        Data::Events(_) => "events",
        Data::Scalar(_) => "a scalar",
        Data::Hist(_) => "a histogram",
    }
}

fn layout_of(ty: &Ty) -> R<&Layout> {
    match ty {
        Ty::Events { layout, .. } => Ok(layout),
        other => Err(format!("expected events, got {}", other.describe())),
    }
}

/// A layout whose records are leaves (for functions applied to whole records).
fn record_leaf(l: &Layout) -> Layout {
    l.clone()
}

fn field_of(v: &Value, layout: &Layout, name: &str) -> R<Value> {
    match (layout, v) {
        (Layout::Record(_), Value::Record(fields)) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("no field '{name}' in this event (was the branch read?)")),
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
        (l, v) => Err(format!("cannot take field '{name}' of {v} ({l})")),
    }
}

/// Applies `f` to the leaves of several per-event values, broadcasting by their layouts:
/// missing optional values give missing results, lists of one lineage go element by element,
/// per-event values broadcast over lists. Records are leaves.
fn zipn(vals: &[&Value], layouts: &[&Layout], f: &dyn Fn(&[&Value]) -> R<Value>) -> R<Value> {
    if let Some(i) = layouts.iter().position(|l| matches!(l, Layout::Option(_))) {
        let Layout::Option(inner) = layouts[i] else {
            unreachable!("position found an option")
        };
        let Value::List(xs) = vals[i] else {
            return Err(format!(
                "an optional value must be a list of 0 or 1, got {}",
                vals[i]
            ));
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
            other => return Err(format!("expected a list, got {other}")),
        };
        let mut out = Vec::with_capacity(n);
        for j in 0..n {
            let mut v2: Vec<&Value> = Vec::with_capacity(vals.len());
            let mut l2: Vec<&Layout> = Vec::with_capacity(vals.len());
            for (i, (v, l)) in vals.iter().zip(layouts).enumerate() {
                match (l, v) {
                    (Layout::List { item, .. }, Value::List(xs)) if lists.contains(&i) => {
                        v2.push(xs.get(j).ok_or_else(|| {
                            format!("lists of different lengths ({} and {n})", xs.len())
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
                if let Value::List(xs) = vals[*i] {
                    if xs.len() != n {
                        return Err(format!("lists of different lengths ({} and {n})", xs.len()));
                    }
                }
            }
            out.push(zipn(&v2, &l2, f)?);
        }
        return Ok(Value::List(out));
    }
    f(vals)
}

fn zip_events(inputs: &[&Data], layouts: &[Layout], f: &dyn Fn(&[&Value]) -> R<Value>) -> R<Data> {
    let cols: Vec<&Vec<Value>> = inputs.iter().map(|d| events(d)).collect::<R<_>>()?;
    let n = cols.first().map_or(0, |c| c.len());
    if cols.iter().any(|c| c.len() != n) {
        return Err("operands have different numbers of events".to_string());
    }
    let lrefs: Vec<&Layout> = layouts.iter().collect();
    let out = (0..n)
        .map(|e| {
            let vals: Vec<&Value> = cols.iter().map(|c| &c[e]).collect();
            zipn(&vals, &lrefs, f).map_err(|m| format!("event {e}: {m}"))
        })
        .collect::<R<Vec<_>>>()?;
    Ok(Data::Events(out))
}

fn elementwise(inputs: &[&Data], tys: &[&Ty], f: &dyn Fn(&[&Value]) -> R<Value>) -> R<Data> {
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
            other => Err(format!("cannot combine {} element-wise", kind(other))),
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
                    return Err(format!("shapes {shapes:?} do not broadcast"));
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

fn num(v: &Value) -> R<f64> {
    v.as_f64().map_err(|e| e.to_string())
}

fn unary(u: UnaryOp, v: &Value) -> R<Value> {
    Ok(match (u, v) {
        (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOp::Neg, Value::I64(i)) => Value::I64(
            i.checked_neg()
                .ok_or_else(|| super::integer_overflow_unary(u, *i))?,
        ),
        (UnaryOp::Abs, Value::I64(i)) => Value::I64(
            i.checked_abs()
                .ok_or_else(|| super::integer_overflow_unary(u, *i))?,
        ),
        (UnaryOp::Neg, v) => Value::F64(-num(v)?),
        (UnaryOp::Abs, v) => Value::F64(num(v)?.abs()),
        (UnaryOp::Not, v) => return Err(format!("~ of {v}")),
        (u, v) => Value::F64(u.float_fn()(num(v)?)),
    })
}

fn binary(b: BinaryOp, x: &Value, y: &Value, out: Option<DType>) -> R<Value> {
    use BinaryOp::*;
    if b.is_logical() {
        let (p, q) = (
            x.as_bool().map_err(|e| e.to_string())?,
            y.as_bool().map_err(|e| e.to_string())?,
        );
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
    if out == Some(DType::I64) {
        if let (Value::I64(p), Value::I64(q)) = (x, y) {
            return Ok(Value::I64(super::checked_integer(b, *p, *q)?));
        }
    }
    let (p, q) = (num(x)?, num(y)?);
    Ok(Value::F64(match b {
        Add => p + q,
        Sub => p - q,
        Mul => p * q,
        Div => p / q,
        Mod => p % q,
        Pow => p.powf(q),
        Arctan2 => p.atan2(q),
        Hypot => p.hypot(q),
        Minimum => {
            if p.is_nan() || q.is_nan() {
                f64::NAN
            } else {
                p.min(q)
            }
        }
        Maximum => {
            if p.is_nan() || q.is_nan() {
                f64::NAN
            } else {
                p.max(q)
            }
        }
        _ => unreachable!("comparisons and logic handled above"),
    }))
}

fn mask(data: &Data, m: &Data, mty: &Ty) -> R<Data> {
    match (data, m) {
        (Data::Array { values, .. }, Data::Array { values: mv, .. }) => {
            let mut out = Vec::new();
            for (v, k) in values.iter().zip(mv) {
                if k.as_bool().map_err(|e| e.to_string())? {
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
            Ok(Data::Events(r.map_err(|e| e.to_string())?))
        }
        _ => Err("mask operands do not match".to_string()),
    }
}

fn reduce_values(r: ReduceOp, vals: &[Value]) -> R<Value> {
    let xs: Vec<f64> = vals.iter().map(num).collect::<R<_>>()?;
    Ok(match r {
        ReduceOp::Sum => {
            if vals
                .iter()
                .all(|v| matches!(v, Value::I64(_) | Value::Bool(_)))
            {
                let mut sum = 0i64;
                for v in vals {
                    sum = super::checked_integer(BinaryOp::Add, sum, v.as_i64().unwrap_or(0))?;
                }
                Value::I64(sum)
            } else {
                Value::F64(xs.iter().sum())
            }
        }
        ReduceOp::Mean => Value::F64(xs.iter().sum::<f64>() / xs.len() as f64),
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

fn reduce(r: ReduceOp, axis: Option<u8>, d: &Data) -> R<Data> {
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
            let flat = jagged::flatten_all(v).map_err(|e| e.to_string())?;
            Ok(Data::Scalar(reduce_values(r, &flat)?))
        }
        (Data::Events(v), Some(2)) => {
            let inner = v
                .iter()
                .map(|ev| {
                    let lists = ev.as_list().map_err(|e| e.to_string())?;
                    let reduced = reduce(r, Some(1), &Data::Events(lists.to_vec()))?;
                    match reduced {
                        Data::Events(x) => Ok(Value::List(x)),
                        _ => Err("a per-list reduction gives per-list values".to_string()),
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
            Ok(Data::Events(f(v).map_err(|e| e.to_string())?))
        }
        (Data::Scalar(v), _) => Ok(Data::Scalar(reduce_values(r, std::slice::from_ref(v))?)),
        (other, _) => Err(format!("cannot reduce {}", kind(other))),
    }
}

fn lorentz(l: LorentzOp, inputs: &[&Data], tys: &[&Ty]) -> R<Data> {
    let layouts: Vec<Layout> = tys
        .iter()
        .map(|t| layout_of(t).cloned())
        .collect::<R<_>>()?;
    let phi = |v: &Value| -> R<f64> {
        match v {
            Value::Record(_) => num(v.field("phi").map_err(|e| e.to_string())?),
            other => num(other),
        }
    };
    let err = |e: jagged::RefError| e.to_string();
    zip_events(inputs, &layouts, &move |v: &[&Value]| -> R<Value> {
        Ok(match l {
            LorentzOp::Add => jagged::lorentz_add(v[0], v[1]).map_err(err)?,
            LorentzOp::Mass => jagged::mass(v[0]).map_err(err)?,
            LorentzOp::Pt => jagged::pt(v[0]).map_err(err)?,
            LorentzOp::Eta => v[0].field("eta").map_err(|e| e.to_string())?.clone(),
            LorentzOp::Phi => v[0].field("phi").map_err(|e| e.to_string())?.clone(),
            LorentzOp::DeltaPhi => Value::F64(jagged::wrap_angle(phi(v[0])? - phi(v[1])?)),
            LorentzOp::DeltaR => jagged::delta_r(v[0], v[1]).map_err(err)?,
            LorentzOp::Mt => {
                let f = |x: &Value, name: &str| -> R<f64> {
                    num(x.field(name).map_err(|e| e.to_string())?)
                };
                Value::F64(rask_core::kernels::transverse_mass(
                    f(v[0], "pt")?,
                    f(v[0], "phi")?,
                    f(v[1], "pt")?,
                    f(v[1], "phi")?,
                ))
            }
        })
    })
}

/// The bin of `x` on `axis`, counting the underflow bin as 0 where the axis has one.
fn bin_of(axis: &Axis, x: f64) -> usize {
    match axis {
        Axis::Regular { bins, lo, hi, .. } => {
            if x.is_nan() {
                *bins as usize + 1
            } else if x < *lo {
                0
            } else if x >= *hi {
                *bins as usize + 1
            } else {
                let i = ((x - lo) / (hi - lo) * *bins as f64) as usize;
                1 + i.min(*bins as usize - 1)
            }
        }
        Axis::Variable { edges, .. } => {
            if x.is_nan() || x >= edges[edges.len() - 1] {
                edges.len()
            } else if x < edges[0] {
                0
            } else {
                edges.partition_point(|e| *e <= x)
            }
        }
        Axis::Integer { lo, hi, .. } => {
            let i = x.floor();
            if i.is_nan() || i >= *hi as f64 {
                (hi - lo) as usize + 1
            } else if i < *lo as f64 {
                0
            } else {
                (i as i64 - lo) as usize + 1
            }
        }
        Axis::IntCategory { categories, .. } => categories
            .iter()
            .position(|c| *c as f64 == x)
            .unwrap_or(categories.len()),
        Axis::StrCategory { categories, .. } => categories.len(),
        Axis::Boolean { .. } => usize::from(x != 0.0),
    }
}

/// Bins of an axis including its flow bins.
pub fn axis_extent(axis: &Axis) -> usize {
    match axis {
        Axis::Regular { bins, .. } => *bins as usize + 2,
        Axis::Variable { edges, .. } => edges.len() + 1,
        Axis::Integer { lo, hi, .. } => (hi - lo) as usize + 2,
        Axis::IntCategory { categories, .. } => categories.len() + 1,
        Axis::StrCategory { categories, .. } => categories.len() + 1,
        Axis::Boolean { .. } => 2,
    }
}

fn fill_hist(axes: &[Axis], storage: Storage, inputs: &[&Data], tys: &[&Ty]) -> R<RefHist> {
    // Broadcast all inputs to one structure, then collect the tuples at the leaves.
    let tuples: Vec<Vec<f64>> = if inputs.iter().any(|d| matches!(d, Data::Events(_))) {
        let tupled = elementwise(inputs, tys, &|v: &[&Value]| {
            Ok(Value::Record(
                v.iter()
                    .enumerate()
                    .map(|(i, x)| (i.to_string(), (*x).clone()))
                    .collect(),
            ))
        })?;
        let mut out = Vec::new();
        if let Data::Events(evs) = tupled {
            for e in &evs {
                collect_tuples(e, &mut out)?;
            }
        }
        out
    } else {
        let cols: Vec<Vec<f64>> = inputs
            .iter()
            .map(|d| match d {
                Data::Array { values, .. } => values.iter().map(num).collect::<R<Vec<f64>>>(),
                Data::Scalar(v) => Ok(vec![num(v)?]),
                _ => Err("cannot fill a histogram with this".to_string()),
            })
            .collect::<R<_>>()?;
        let n = cols.iter().map(Vec::len).max().unwrap_or(0);
        (0..n)
            .map(|i| {
                cols.iter()
                    .map(|c| if c.len() == 1 { c[0] } else { c[i] })
                    .collect()
            })
            .collect()
    };
    let extents: Vec<usize> = axes.iter().map(axis_extent).collect();
    let size: usize = extents.iter().product();
    let mut h = RefHist {
        axes: axes.to_vec(),
        storage,
        values: vec![0.0; size],
        variances: vec![0.0; size],
    };
    for t in tuples {
        let w = if t.len() > axes.len() {
            t[axes.len()]
        } else {
            1.0
        };
        let mut flat = 0;
        for (a, (axis, ext)) in axes.iter().zip(&extents).enumerate() {
            flat = flat * ext + bin_of(axis, t[a]);
        }
        h.values[flat] += w;
        h.variances[flat] += w * w;
    }
    Ok(h)
}

fn collect_tuples(v: &Value, out: &mut Vec<Vec<f64>>) -> R<()> {
    match v {
        Value::Record(fields) => {
            out.push(fields.iter().map(|(_, x)| num(x)).collect::<R<_>>()?);
            Ok(())
        }
        Value::List(xs) => xs.iter().try_for_each(|x| collect_tuples(x, out)),
        other => Err(format!("unexpected {other} while filling")),
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
