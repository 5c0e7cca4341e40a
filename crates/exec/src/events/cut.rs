//! Event cuts made once per evaluation, and `x[mask]` ([`mask`]: events by a mask of events,
//! items by a jagged mask).
//!
//! Mask pushdown moves an event cut down to every branch it cuts: ADL Q8's `≥ 3 leptons` cuts
//! ten jagged branches and two MET fields, each with the same mask, and the five fields of one
//! collection share their offsets. [`cut`] finds the kept events once per mask and the kept
//! lists' runs once per mask and offsets, then copies each column's runs; where a cut keeps a
//! quarter or more, the kept values are packed by the mask's bits instead of gathered by index.

use std::sync::Arc;

use arrow_buffer::{BooleanBuffer, OffsetBuffer};
use rask_core::column::{Col, ListSelection};
use rask_core::kernels;

use super::demand::Demand;
use super::error::EventError;
use super::eval::EvValue;
use super::gather::with_gathered_items;

type R<T> = Result<T, EventError>;

/// The events of `c` that `keep` keeps (`keep` as long as `c`).
pub(super) fn cut(c: &Col, keep: &BooleanBuffer) -> Col {
    match c {
        Col::List(o, items) => selection(keep, o).apply(items),
        Col::Record(n, fields) if fields.iter().any(|(_, f)| matches!(f, Col::List(..))) => {
            debug_assert_eq!(*n, keep.len());
            Col::Record(
                kept(keep).len(),
                fields
                    .iter()
                    .map(|(k, f)| (k.clone(), cut(f, keep)))
                    .collect(),
            )
        }
        other => {
            let packed = rask_core::column::worth_packing(keep.count_set_bits(), keep.len())
                .then(|| other.compress(keep))
                .flatten();
            packed.unwrap_or_else(|| other.take(&kept(keep)))
        }
    }
}

/// `data[m]`: the events (or, with a jagged mask, the items) `m` keeps, their fields read as
/// `read` reads them.
pub(super) fn mask(data: &EvValue, m: &EvValue, read: &Demand) -> R<EvValue> {
    match (data, super::eval::col(m)?) {
        (EvValue::Flat(d), Col::Bool(keep)) => {
            let idx: Vec<u32> = keep.set_indices().map(|i| i as u32).collect();
            Ok(EvValue::Flat(d.take(&idx)))
        }
        (EvValue::Col(d), Col::Bool(keep)) => {
            if d.len() != keep.len() {
                return Err(EventError::Data(format!(
                    "a mask of {} events for {} events",
                    keep.len(),
                    d.len()
                )));
            }
            Ok(EvValue::Col(cut(&read.keep(&with_gathered_items(d)), keep)))
        }
        (EvValue::Col(Col::List(o, items)), Col::List(mo, flags)) => {
            let Col::Bool(flags) = flags.as_ref() else {
                return Err(EventError::internal("a jagged mask must hold booleans"));
            };
            if let Some(packed) = packed_filter(o, mo, flags, items, read) {
                return Ok(EvValue::Col(packed));
            }
            let (offsets, kept) = kernels::filter_bits(o, mo, flags)?;
            Ok(EvValue::Col(Col::list(
                offsets,
                read.keep(items).take(&kept),
            )))
        }
        (_, m) => Err(EventError::Internal(format!(
            "cannot mask with {}",
            m.kind()
        ))),
    }
}

/// `x[m]` with `m` a jagged mask over the lists of `x`, when it keeps a quarter of the items or
/// more: the kept items packed by the mask's bits ([`Col::compress`], a vector at a time)
/// instead of gathered by the index of each set bit (ADL Q3's `Jet.pt[abs(Jet.eta) < 1]`).
/// `None` when the lists do not line up with the mask from item 0 (the caller gathers).
fn packed_filter(
    o: &OffsetBuffer<i32>,
    mo: &OffsetBuffer<i32>,
    flags: &BooleanBuffer,
    items: &Col,
    read: &Demand,
) -> Option<Col> {
    let end = o.last().copied().unwrap_or(0).max(0) as usize;
    let aligned = end == flags.len() && items.len() == end;
    if !aligned || !rask_core::column::worth_packing(flags.count_set_bits(), end) {
        return None;
    }
    let offsets = kernels::filter_offsets(o, mo, flags)?;
    let values = read.keep(items).compress(flags)?;
    Some(Col::list(offsets, values))
}

/// The indices of the events `keep` keeps, made once per mask.
fn kept(keep: &BooleanBuffer) -> Arc<Vec<u32>> {
    if let Some(rows) = ROWS.with(|r| {
        r.borrow()
            .iter()
            .find(|(k, _)| same_bits(k, keep))
            .map(|(_, v)| v.clone())
    }) {
        return rows;
    }
    let rows: Arc<Vec<u32>> = Arc::new(keep.set_indices().map(|i| i as u32).collect());
    ROWS.with(|r| r.borrow_mut().push((keep.clone(), rows.clone())));
    rows
}

/// The kept lists of lists with offsets `o`, made once per mask and offsets.
fn selection(keep: &BooleanBuffer, o: &OffsetBuffer<i32>) -> Arc<ListSelection> {
    let same_offsets =
        |k: &OffsetBuffer<i32>| k.inner().inner().ptr_eq(o.inner().inner()) && k.len() == o.len();
    if let Some(s) = LISTS.with(|l| {
        l.borrow()
            .iter()
            .find(|(k, ko, _)| same_bits(k, keep) && same_offsets(ko))
            .map(|(_, _, s)| s.clone())
    }) {
        return s;
    }
    let s = Arc::new(ListSelection::new(o, &kept(keep)));
    LISTS.with(|l| l.borrow_mut().push((keep.clone(), o.clone(), s.clone())));
    s
}

fn same_bits(a: &BooleanBuffer, b: &BooleanBuffer) -> bool {
    a.inner().ptr_eq(b.inner()) && a.offset() == b.offset() && a.len() == b.len()
}

/// Forgets the cuts (at the start and end of a partition).
pub(super) fn forget() {
    ROWS.with(|r| r.borrow_mut().clear());
    LISTS.with(|l| l.borrow_mut().clear());
}

type Lists = Vec<(BooleanBuffer, OffsetBuffer<i32>, Arc<ListSelection>)>;

thread_local! {
    /// Kept events by mask (masks kept alive, so pointer identity is sound).
    static ROWS: std::cell::RefCell<Vec<(BooleanBuffer, Arc<Vec<u32>>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Kept lists by mask and offsets (both kept alive).
    static LISTS: std::cell::RefCell<Lists> = const { std::cell::RefCell::new(Vec::new()) };
}
