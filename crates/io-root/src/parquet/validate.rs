//! Checks of what the Parquet reader produced, before it reaches the engine: every array's
//! buffers and offsets consistent (`validate_full`), and every counted list as long, row by row,
//! as its counter (`Muon_pt` has `nMuon[i]` items), which ties the lengths of a collection's
//! columns to one independently stored column.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};

use super::pages::Damage;

/// Checks `batch` (rows from `first_row` on); `schema` gives the counters (`rask.counter`);
/// `row_group_of` maps a row to its row group.
pub(crate) fn check_batch(
    batch: &RecordBatch,
    schema: &Schema,
    first_row: u64,
    row_group_of: impl Fn(u64) -> usize,
) -> Result<(), Damage> {
    let damage = |column: &str, row: u64, detail: String| Damage {
        column: Some(column.to_string()),
        row_group: Some(row_group_of(row)),
        detail,
    };
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        column
            .to_data()
            .validate_full()
            .map_err(|e| damage(field.name(), first_row, format!("inconsistent data: {e}")))?;
    }
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let Some(counter) = schema
            .field_with_name(field.name())
            .ok()
            .and_then(|f| f.metadata().get(rask_core::COUNTER_METADATA_KEY))
        else {
            continue;
        };
        let Some(counts) = batch.column_by_name(counter) else {
            continue;
        };
        let Some(lengths) = list_lengths(column.as_ref()) else {
            continue;
        };
        let counts = arrow_cast::cast(counts, &DataType::Int64)
            .map_err(|e| damage(counter, first_row, format!("counter is not a count: {e}")))?;
        let counts = counts.as_primitive::<Int64Type>();
        let mismatch = lengths
            .iter()
            .zip(counts.values().iter())
            .position(|(&len, &n)| len != n);
        if let Some(i) = mismatch {
            let row = first_row + i as u64;
            return Err(damage(
                field.name(),
                row,
                format!(
                    "row {row} has {} items, its counter '{counter}' says {}",
                    lengths[i],
                    counts.value(i)
                ),
            ));
        }
    }
    Ok(())
}

/// The length of every row of a list column (i32 or i64 offsets).
fn list_lengths(array: &dyn Array) -> Option<Vec<i64>> {
    if let Some(l) = array.as_list_opt::<i32>() {
        return Some(
            l.value_offsets()
                .windows(2)
                .map(|w| i64::from(w[1]) - i64::from(w[0]))
                .collect(),
        );
    }
    array
        .as_list_opt::<i64>()
        .map(|l| l.value_offsets().windows(2).map(|w| w[1] - w[0]).collect())
}
