//! The leaves of a plan as values: seeded random arrays, Arrow columns and the sources a
//! `SourceReader` gives.

use super::*;

/// Values of a chunked random array: chunk (ci, cj) of the chunk grid, row-major, is stream
/// `ci * n_col_chunks + cj`, filled row-major inside the chunk.
pub(super) fn random_normal(shape: &[u64], chunks: &[u64], seed: u64) -> Data {
    let rows = rask_plan::typing::split_chunks(shape[0], chunks[0]);
    let cols = if shape.len() == 2 {
        rask_plan::typing::split_chunks(shape[1], chunks[1])
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

/// The values of a primitive array, one [`Value`] each.
fn prim<T: ArrowPrimitiveType>(a: &ArrayRef, f: impl Fn(T::Native) -> Value) -> Vec<Value> {
    a.as_primitive::<T>()
        .values()
        .iter()
        .map(|&v| f(v))
        .collect()
}

pub(super) fn arrow_values(a: &ArrayRef) -> R<Vec<Value>> {
    Ok(match a.data_type() {
        DataType::Boolean => a
            .as_boolean()
            .iter()
            .map(|v| Value::Bool(v.unwrap_or(false)))
            .collect(),
        DataType::Int8 => prim::<Int8Type>(a, |v| Value::I64(v as i64)),
        DataType::Int16 => prim::<Int16Type>(a, |v| Value::I64(v as i64)),
        DataType::Int32 => prim::<Int32Type>(a, |v| Value::I64(v as i64)),
        DataType::Int64 => prim::<Int64Type>(a, Value::I64),
        DataType::UInt8 => prim::<UInt8Type>(a, |v| Value::I64(v as i64)),
        DataType::UInt16 => prim::<UInt16Type>(a, |v| Value::I64(v as i64)),
        DataType::UInt32 => prim::<UInt32Type>(a, |v| Value::I64(v as i64)),
        DataType::UInt64 => prim::<UInt64Type>(a, |v| Value::I64(v as i64)),
        DataType::Float32 => prim::<Float32Type>(a, |v| Value::F64(v as f64)),
        DataType::Float64 => prim::<Float64Type>(a, Value::F64),
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
        other => {
            return Err(EvalError::Internal(format!(
                "the reference interpreter does not read {other}"
            )));
        }
    })
}

pub(super) fn read_source(spec: &Arc<SourceSpec>, out: &Ty, reader: &dyn SourceReader) -> R<Data> {
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
    // `events[a:b]`: only those entries, numbered across the files in order.
    let batch = match &spec.entries {
        Some(r) => {
            let n = batch.num_rows() as u64;
            let lo = r.start.min(n);
            batch.slice(lo as usize, (r.end.min(n).max(lo) - lo) as usize)
        }
        None => batch,
    };
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
        return Err(EvalError::Internal(
            "a source is a record of branches".to_string(),
        ));
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
                .find_map(|f| f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned())
                // A jagged branch by its own name (`num(Muon_pt)` reads `nMuon`).
                .or_else(|| {
                    let f = spec.schema.field_with_name(name).ok()?;
                    f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned()
                });
            if let (Some(counts), Layout::List { .. }) =
                (counter.and_then(|c| cols.get(&c)), layout)
            {
                for (e, n) in events.iter_mut().zip(counts) {
                    let n = n.as_i64()?.max(0) as usize;
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
        let zipped = jagged::zip(&fields).map_err(|source| EvalError::Group {
            name: name.clone(),
            source,
        })?;
        for (e, v) in events.iter_mut().zip(zipped) {
            e.push((name.clone(), v));
        }
    }
    Ok(Data::Events(
        events.into_iter().map(Value::Record).collect(),
    ))
}
