//! A partition's record batch turned into the source's column: NanoAOD branches grouped into
//! collections by prefix (`Muon_pt`, `Muon_eta` → `Muon: var * {pt, eta}` sharing the offsets of
//! their counter), flat groups into records (`MET_pt` → `MET.pt`).

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_buffer::OffsetBuffer;
use rask_core::column::Col;
use rask_plan::op::SourceSpec;
use rask_plan::types::{Layout, Ty};

use crate::error::ExecError;

/// The column of a source node of type `ty` from the branches read into `batch`; `spec` is
/// the source's (its label names it in errors, its schema gives each jagged branch's counter).
pub fn source_col(batch: &RecordBatch, ty: &Ty, spec: &SourceSpec) -> Result<Col, ExecError> {
    let label = &spec.label;
    let err = |m: String| ExecError::Eval(format!("source '{label}': {m}"));
    let Ty::Events {
        layout: Layout::Record(fields),
        ..
    } = ty
    else {
        return Err(err("a source is a record of branches".to_string()));
    };
    let n = batch.num_rows();
    // Branches of one collection share their offsets buffer in the batch: they get one rebased
    // copy too, so later alignment checks are pointer comparisons.
    let mut shared_offsets: Vec<(*const u8, usize, OffsetBuffer<i32>)> = Vec::new();
    let mut read = |name: &str| -> Result<Option<Col>, ExecError> {
        let Some(a) = batch.column_by_name(name) else {
            return Ok(None);
        };
        let conv = |e: arrow_schema::ArrowError| err(format!("branch '{name}': {e}"));
        let Some(list) = a.as_list_opt::<i32>().filter(|l| l.null_count() == 0) else {
            return Col::from_arrow(a.as_ref()).map(Some).map_err(conv);
        };
        let o = list.offsets();
        let key = (o.inner().inner().as_ptr(), o.len());
        let offsets = match shared_offsets.iter().find(|(p, l, _)| (*p, *l) == key) {
            Some((_, _, shared)) => shared.clone(),
            None => {
                let rebased = rask_core::column::rebased_offsets(o);
                shared_offsets.push((key.0, key.1, rebased.clone()));
                rebased
            }
        };
        Col::from_arrow_list(list, offsets).map(Some).map_err(conv)
    };
    // A source's type lists every branch of its files; the batch holds the few a query reads.
    // Only fields with a column here (`name`, `name_member`, the counter `nname` or the
    // branch's own counter) are looked up.
    // A jagged branch used by its own name whose lengths alone are read comes as its counter
    // (`num(Muon_pt)` reads `nMuon`: projection pushdown), named in the branch's metadata.
    let own_counter = |name: &str| {
        spec.schema
            .field_with_name(name)
            .ok()
            .and_then(|f| f.metadata().get(rask_core::COUNTER_METADATA_KEY).cloned())
    };
    let schema = batch.schema();
    // The branches whose counter the batch holds (one pass over the source's branches).
    let counted_here: std::collections::HashSet<&str> = spec
        .schema
        .fields()
        .iter()
        .filter(|f| {
            f.metadata()
                .get(rask_core::COUNTER_METADATA_KEY)
                .is_some_and(|c| schema.column_with_name(c).is_some())
        })
        .map(|f| f.name().as_str())
        .collect();
    let in_batch = |name: &str| {
        counted_here.contains(name)
            || schema.fields().iter().any(|f| {
                let column = f.name().as_str();
                column == name
                    || column
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('_'))
                    || column.strip_prefix('n') == Some(name)
            })
    };
    let mut out = Vec::new();
    let mut counted: Vec<(String, OffsetBuffer<i32>)> = Vec::new();
    for (name, layout) in fields.iter().filter(|(name, _)| in_batch(name)) {
        if let Some(c) = read(name)? {
            out.push((name.clone(), c));
            continue;
        }
        let mut members = Vec::new();
        for m in layout.field_names() {
            if let Some(c) = read(&format!("{name}_{m}"))? {
                members.push((m, c));
            }
        }
        match layout {
            Layout::List { .. } => {
                let offsets = match members.first() {
                    Some((_, Col::List(o, _))) => o.clone(),
                    Some((m, other)) => {
                        return Err(err(format!(
                            "branch '{name}_{m}' is {}, not a list",
                            other.kind()
                        )));
                    }
                    None => {
                        // Only the lengths are needed: the counter branch was read.
                        let prefix = format!("{name}_");
                        let counter = schema
                            .fields()
                            .iter()
                            .find_map(|f| {
                                f.metadata()
                                    .get(rask_core::COUNTER_METADATA_KEY)
                                    .filter(|_| f.name().starts_with(&prefix))
                                    .cloned()
                            })
                            .or_else(|| own_counter(name))
                            .or_else(|| Some(format!("n{name}")));
                        let Some(counter) = counter else {
                            continue;
                        };
                        // Offsets made once per counter (a collection's branches share it).
                        let offsets = match counted.iter().find(|(c, _)| *c == counter) {
                            Some((_, offsets)) => offsets.clone(),
                            None => {
                                let Some(counts) = read(&counter).ok().flatten() else {
                                    continue;
                                };
                                let offsets = match &counts {
                                    Col::I64(counts) => rask_core::kernels::offsets_from_lengths(
                                        counts.iter().map(|&c| c.max(0) as usize),
                                    ),
                                    _ => {
                                        let counts =
                                            counts.to_f64().map_err(|e| err(e.to_string()))?;
                                        rask_core::kernels::offsets_from_lengths(
                                            counts.iter().map(|&c| c.max(0.0) as usize),
                                        )
                                    }
                                }
                                .map_err(|e| err(e.to_string()))?;
                                let offsets = OffsetBuffer::new(offsets.into());
                                counted.push((counter, offsets.clone()));
                                offsets
                            }
                        };
                        let total = *offsets.last().unwrap_or(&0) as usize;
                        let empty = Col::record(total, vec![]);
                        out.push((name.clone(), Col::List(offsets, std::sync::Arc::new(empty))));
                        continue;
                    }
                };
                let mut items = Vec::with_capacity(members.len());
                for (m, c) in members {
                    let Col::List(o, values) = c else {
                        return Err(err(format!("branch '{name}_{m}' is not a list")));
                    };
                    if !super::broadcast::same_offsets(&o, &offsets) {
                        return Err(err(format!(
                            "branch '{name}_{m}' has other list lengths than the rest of '{name}'"
                        )));
                    }
                    items.push((m, values.as_ref().clone()));
                }
                let total = *offsets.last().unwrap_or(&0) as usize;
                out.push((
                    name.clone(),
                    Col::List(offsets, std::sync::Arc::new(Col::record(total, items))),
                ));
            }
            Layout::Record(_) if !members.is_empty() => {
                out.push((name.clone(), Col::record(n, members)));
            }
            _ => {}
        }
    }
    Ok(Col::record(n, out))
}

/// Bytes of the batch in memory (for the memory limit).
pub fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.get_array_memory_size())
        .sum()
}
