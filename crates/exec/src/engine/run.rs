//! Evaluating the plan on one array block, or on one morsel of an event partition, into a row
//! of one-element lists (the block's or morsel's share of every output).

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch,
};
use arrow_schema::{DataType, Field, SchemaRef};
use rask_core::column::Col;
use rask_core::hist::Storage;
use rask_plan::NodeId;
use rask_plan::op::Op;
use rask_plan::types::Ty;

use crate::block::{BlockId, BlockValue, Partial, eval};
use crate::error::ExecError;

use super::lower::{EventPlan, Kind, Lowered};

/// Evaluates every output on one slice of a partition's branches and packs them into one row.
pub(super) fn run_morsel(
    lowered: &Lowered,
    ev: &EventPlan,
    schema: &SchemaRef,
    batch: &RecordBatch,
    (partition, morsel): (usize, usize),
) -> Result<RecordBatch, ExecError> {
    let mut sources = std::collections::HashMap::new();
    for (id, values) in &ev.cached {
        let col = values
            .get(partition)
            .and_then(|p| p.get(morsel))
            .ok_or_else(|| {
                ExecError::Eval(format!(
                    "no persisted value for morsel {morsel} of partition {partition}"
                ))
            })?;
        sources.insert(*id, col.clone());
    }
    for (id, _) in &ev.nodes {
        let node = lowered.graph.node(*id);
        let Op::Source(spec) = &node.op else {
            return Err(ExecError::Internal(format!(
                "{} was lowered as a source",
                lowered.graph.describe(*id)
            )));
        };
        sources.insert(
            *id,
            crate::events::source::source_col(batch, &node.ty, spec)?,
        );
    }
    let ids: Vec<NodeId> = lowered.outputs.iter().map(|(id, _)| *id).collect();
    let values = crate::events::eval::evaluate(&lowered.graph, &ids, &sources)?;
    if let (Some(capture), Some(crate::events::eval::EvValue::Col(c))) =
        (&lowered.capture, values.first())
    {
        let mut slots = capture.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() <= partition {
            slots.resize(partition + 1, Vec::new());
        }
        let part = &mut slots[partition];
        if part.len() <= morsel {
            part.resize(morsel + 1, Col::I64(Vec::<i64>::new().into()));
        }
        part[morsel] = c.clone();
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(values.len());
    for ((value, field), (id, _)) in values
        .into_iter()
        .zip(schema.fields())
        .zip(&lowered.outputs)
    {
        use crate::events::eval::EvValue;
        let data: ArrayRef = match value {
            EvValue::Col(c) => {
                let c = match &lowered.graph.node(*id).ty {
                    Ty::Events { layout, .. } => {
                        crate::events::vector::conform(&c, layout).map_err(ExecError::Output)?
                    }
                    _ => c,
                };
                c.to_arrow()?
            }
            EvValue::Flat(c) => c.to_arrow()?,
            EvValue::Partial(p) => encode_partial(p),
            EvValue::Const(_) => {
                return Err(ExecError::Unsupported("a literal as an output".to_string()));
            }
        };
        columns.push(one_row(field, data)?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Wraps `values` as the single list of a one-row column of type `field`.
pub(super) fn one_row(field: &Field, values: ArrayRef) -> Result<ArrayRef, ExecError> {
    let DataType::List(item) = field.data_type() else {
        return Err(ExecError::Internal(format!(
            "output column {} is not a list",
            field.name()
        )));
    };
    let values = if values.data_type() == item.data_type() {
        values
    } else {
        arrow_cast::cast(&values, item.data_type())?
    };
    Ok(Arc::new(ListArray::try_new(
        item.clone(),
        arrow_buffer::OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )?))
}

/// Evaluates every output for block `partition` and packs them into one row.
pub(super) fn run_block(
    lowered: &Lowered,
    (_, cols): (usize, usize),
    schema: &SchemaRef,
    partition: usize,
) -> Result<RecordBatch, ExecError> {
    let block = BlockId {
        row: partition / cols,
        col: partition % cols,
    };
    let mut memo = vec![None; lowered.graph.len()];
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(lowered.outputs.len());
    for ((id, kind), field) in lowered.outputs.iter().zip(schema.fields()) {
        let value = eval(&lowered.graph, *id, block, &mut memo)?;
        let values: ArrayRef = match (kind, value) {
            (Kind::Array(..), BlockValue::Array { data, .. }) => data,
            (_, BlockValue::Partial(p)) => encode_partial(p),
            (_, other) => {
                return Err(ExecError::Unsupported(format!(
                    "unexpected block value {other:?}"
                )));
            }
        };
        columns.push(one_row(field, values)?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn encode_partial(p: Partial) -> ArrayRef {
    match p {
        Partial::Sum(x) | Partial::Min(x) | Partial::Max(x) => {
            Arc::new(Float64Array::from(vec![x]))
        }
        Partial::SumInt(x) | Partial::Count(x) => Arc::new(Int64Array::from(vec![x])),
        Partial::Any(b) | Partial::All(b) => Arc::new(BooleanArray::from(vec![b])),
        Partial::Mean(s, n) => Arc::new(Float64Array::from(vec![s, n as f64])),
        Partial::Hist(h) => {
            let mut v = h.values();
            if let Storage::Weight { sum2, .. } = &h.storage {
                v.extend_from_slice(sum2);
            }
            Arc::new(Float64Array::from(v))
        }
    }
}
