//! Picks and takes by index: `argmin`/`argmax` as local indices, and `take` of lists by local
//! indices (a list of them per event, an optional one, or one per event), resolved once
//! ([`take_by`]) for every kind of items: gathered records, or the sums of picked tuples
//! ([`super::best`]).

use std::sync::Arc;

use arrow_buffer::OffsetBuffer;
use rask_core::column::{Col, opt_picks};
use rask_core::kernels;

use super::demand::Demand;
use super::error::EventError;
use super::eval::EvValue;
use super::gather::gathered;

type R<T> = Result<T, EventError>;

/// The first minimum (or maximum) of each list of `items`, as flat indices.
pub(super) fn arg_extreme(o: &[i32], items: &Col, max: bool) -> R<Vec<Option<u32>>> {
    Ok(match items {
        Col::F64(v) => kernels::arg_extreme(o, v, max),
        Col::I64(v) => kernels::arg_extreme(o, v, max),
        Col::Bool(v) => {
            let k: Vec<i64> = v.iter().map(|b| b as i64).collect();
            kernels::arg_extreme(o, &k, max)
        }
        other => {
            return Err(EventError::Internal(format!(
                "argmin/argmax need numbers, found {}",
                other.kind()
            )));
        }
    })
}

/// What `argmin`/`argmax` give for the picks `found` (flat indices) of lists with offsets `o`:
/// local indices, as a list of 0 or 1 (`keepdims`) or an optional value.
pub(super) fn picked_index(o: &[i32], found: &[Option<u32>], keepdims: bool) -> R<Col> {
    let local: Vec<Option<i64>> = found
        .iter()
        .enumerate()
        .map(|(e, k)| k.map(|k| k as i64 - o[e] as i64))
        .collect();
    optional_index(&local, keepdims)
}

/// Per-event optional indices as a list of 0 or 1 (`keepdims`) or an optional value.
fn optional_index(local: &[Option<i64>], keepdims: bool) -> R<Col> {
    if keepdims {
        let present: Vec<i64> = local.iter().flatten().copied().collect();
        let offsets = kernels::offsets_from_lengths(local.iter().map(|k| k.is_some() as usize))?;
        Ok(Col::list(offsets, Col::I64(present.into())))
    } else {
        let values: Vec<i64> = local.iter().map(|k| k.unwrap_or(0)).collect();
        Ok(Col::Opt(
            local.iter().map(Option::is_some).collect(),
            Arc::new(Col::I64(values.into())),
        ))
    }
}

/// `take(data, index)`: the items of `data` gathered as `read` reads them.
pub(super) fn take(data: &Col, index: &Col, read: &Demand) -> R<EvValue> {
    let (o, items) = gathered(data, "indexing", read)?;
    Ok(EvValue::Col(take_by(&o, index, items.len(), |picked| {
        Ok(items.take(picked))
    })?))
}

/// `index` (local indices per list, a list of them or an optional one) resolved against lists
/// with offsets `o` holding `n_items` items, `items` giving the items at flat indices: what
/// `take` gives. Missing picks hold the defaults of the items' structure.
pub(super) fn take_by(
    o: &OffsetBuffer<i32>,
    index: &Col,
    n_items: usize,
    items: impl Fn(&[u32]) -> R<Col>,
) -> R<Col> {
    Ok(match index {
        Col::List(io, idx) => {
            let idx: &[i64] = match idx.as_ref() {
                Col::I64(v) => v,
                other => {
                    return Err(EventError::Internal(format!(
                        "indices must be integers, found {}",
                        other.kind()
                    )));
                }
            };
            let global = kernels::take_local(o, io, idx)?;
            Col::List(io.clone(), Arc::new(items(&global)?))
        }
        Col::Opt(valid, idx) => {
            let Col::I64(v) = idx.as_ref() else {
                return Err(EventError::internal("indices must be integers"));
            };
            let local: Vec<Option<i64>> = v
                .iter()
                .enumerate()
                .map(|(e, &k)| valid.value(e).then_some(k))
                .collect();
            let global = kernels::take_per_event(o, &local)?;
            // As `Col::take_opt`: defaults where nothing is picked, or nothing can be.
            let (valid, flat) = opt_picks(&global);
            let inner = if n_items == 0 {
                items(&[])?.defaults(global.len())
            } else {
                items(&flat)?
            };
            Col::Opt(valid, Arc::new(inner))
        }
        Col::I64(v) => {
            let local: Vec<Option<i64>> = v.iter().map(|&k| Some(k)).collect();
            let global: Vec<u32> = kernels::take_per_event(o, &local)?
                .into_iter()
                .flatten()
                .collect();
            items(&global)?
        }
        other => {
            return Err(EventError::Internal(format!(
                "indices must be integers, found {}",
                other.kind()
            )));
        }
    })
}
