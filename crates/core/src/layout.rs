//! The canonical Arrow layout of event data.
//!
//! One event is one row. A flat per-event value (`MET_pt`, `nMuon`) is a primitive column; a jagged
//! per-event list (`Muon_pt[nMuon]`) is `List<item: T not null>` with 32-bit offsets: the offsets are
//! the running sum of the counter (`nMuon`), the values are one contiguous buffer of all muons of the
//! batch. Columns that share a counter share one offsets buffer (the same `Arc`). Fixed-size arrays
//! (`Float_t p[3]`) are `FixedSizeList<item: T not null, 3>`; strings are `Utf8`. Event data has no
//! nulls: every field is declared non-nullable.
//!
//! Readers of other formats (Parquet written by awkward or pyarrow uses `large_list`, item names such
//! as `element`, nullable flags) convert to this layout with [`canonical_array`], without copying the
//! values.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, FixedSizeListArray, LargeListArray, ListArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef};

/// Field metadata key holding the ROOT type of a branch, e.g. `Float_t[nMuon]` or `vector<float>`.
pub const ROOT_TYPE_METADATA_KEY: &str = "rask.root_type";
/// Field metadata key holding the name of the counter branch of a jagged branch, e.g. `nMuon`.
pub const COUNTER_METADATA_KEY: &str = "rask.counter";

/// A value that cannot be brought to the canonical layout.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The column holds nulls, which event data never has.
    #[error("column '{column}' holds {count} null value(s); event data must not be null")]
    Nulls { column: String, count: usize },
    /// A `large_list` column is too long for 32-bit offsets.
    #[error("column '{column}' has {len} list values, more than 32-bit offsets can address")]
    TooLong { column: String, len: i64 },
    /// The type has no canonical counterpart (e.g. a map, a union).
    #[error("column '{column}' has type {data_type}, which rask does not read")]
    Unsupported { column: String, data_type: DataType },
}

/// The list type of the canonical layout: `List<item: T not null>`.
///
/// ```
/// use arrow_schema::DataType;
/// let t = rask_core::list_of(DataType::Float32);
/// assert_eq!(t.to_string(), "List(non-null Float32)");
/// ```
pub fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, false)))
}

/// The canonical counterpart of `data_type`: lists become `List<item not null>`, nested likewise.
///
/// ```
/// use std::sync::Arc;
/// use arrow_schema::{DataType, Field};
/// let large = DataType::LargeList(Arc::new(Field::new("element", DataType::Int32, true)));
/// assert_eq!(rask_core::canonical_type(&large).unwrap(), rask_core::list_of(DataType::Int32));
/// ```
pub fn canonical_type(data_type: &DataType) -> Result<DataType, LayoutError> {
    canonical_type_of("", data_type)
}

fn canonical_type_of(column: &str, data_type: &DataType) -> Result<DataType, LayoutError> {
    Ok(match data_type {
        DataType::List(item) | DataType::LargeList(item) => {
            list_of(canonical_type_of(column, item.data_type())?)
        }
        DataType::FixedSizeList(item, n) => DataType::FixedSizeList(
            Arc::new(Field::new(
                "item",
                canonical_type_of(column, item.data_type())?,
                false,
            )),
            *n,
        ),
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        t if t.is_primitive() || matches!(t, DataType::Boolean | DataType::Utf8) => t.clone(),
        t => {
            return Err(LayoutError::Unsupported {
                column: column.to_string(),
                data_type: t.clone(),
            });
        }
    })
}

/// A non-nullable field of the canonical type, keeping the field's metadata.
pub fn canonical_field(field: &Field) -> Result<FieldRef, LayoutError> {
    let data_type = canonical_type_of(field.name(), field.data_type())?;
    Ok(Arc::new(
        Field::new(field.name(), data_type, false).with_metadata(field.metadata().clone()),
    ))
}

/// Brings `array` (column `column`) to the canonical layout without copying values.
///
/// Only offsets of `large_list` columns are rewritten (to 32 bits); item fields are renamed to
/// `item` and marked non-nullable. Nulls are an error: event data has none.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Array, LargeListArray, types::Float32Type};
/// let a = LargeListArray::from_iter_primitive::<Float32Type, _, _>(vec![Some(vec![Some(1.0)]), Some(vec![])]);
/// let c = rask_core::canonical_array("x", &(Arc::new(a) as _)).unwrap();
/// assert_eq!(c.data_type(), &rask_core::list_of(arrow_schema::DataType::Float32));
/// ```
pub fn canonical_array(column: &str, array: &ArrayRef) -> Result<ArrayRef, LayoutError> {
    if array.null_count() > 0 {
        return Err(LayoutError::Nulls {
            column: column.to_string(),
            count: array.null_count(),
        });
    }
    let target = canonical_type_of(column, array.data_type())?;
    if &target == array.data_type() {
        return Ok(array.clone());
    }
    Ok(match array.data_type() {
        DataType::List(_) => {
            let list = array
                .as_any()
                .downcast_ref::<ListArray>()
                .ok_or_else(|| unsupported(column, array))?;
            let values = canonical_array(column, list.values())?;
            Arc::new(ListArray::new(
                item_field(&target),
                list.offsets().clone(),
                values,
                None,
            ))
        }
        DataType::LargeList(_) => {
            let list = array
                .as_any()
                .downcast_ref::<LargeListArray>()
                .ok_or_else(|| unsupported(column, array))?;
            let last = list.offsets().last().copied().unwrap_or(0);
            if last > i32::MAX as i64 {
                return Err(LayoutError::TooLong {
                    column: column.to_string(),
                    len: last,
                });
            }
            // Offsets are checked above to fit in i32 (they are monotone, so the last is the largest).
            let offsets: ScalarBuffer<i32> = list.offsets().iter().map(|&o| o as i32).collect();
            let values = canonical_array(column, list.values())?;
            // SAFETY-free: OffsetBuffer::new validates monotonicity again (cheap, per batch).
            Arc::new(ListArray::new(
                item_field(&target),
                OffsetBuffer::new(offsets),
                values,
                None,
            ))
        }
        DataType::FixedSizeList(_, n) => {
            let list = array
                .as_any()
                .downcast_ref::<FixedSizeListArray>()
                .ok_or_else(|| unsupported(column, array))?;
            let values = canonical_array(column, list.values())?;
            Arc::new(FixedSizeListArray::new(
                item_field(&target),
                *n,
                values,
                None,
            ))
        }
        DataType::LargeUtf8 | DataType::Utf8View => {
            let strings: arrow_array::StringArray = (0..array.len())
                .map(|i| string_at(array, i))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| unsupported(column, array))?
                .into_iter()
                .map(Some)
                .collect();
            Arc::new(strings)
        }
        _ => return Err(unsupported(column, array)),
    })
}

fn string_at(array: &ArrayRef, i: usize) -> Option<String> {
    use arrow_array::{LargeStringArray, StringViewArray};
    if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
        return Some(a.value(i).to_string());
    }
    array
        .as_any()
        .downcast_ref::<StringViewArray>()
        .map(|a| a.value(i).to_string())
}

fn item_field(list_type: &DataType) -> FieldRef {
    match list_type {
        DataType::List(f) | DataType::FixedSizeList(f, _) => f.clone(),
        // canonical_type_of only returns list types for list inputs.
        other => Arc::new(Field::new("item", other.clone(), false)),
    }
}

fn unsupported(column: &str, array: &ArrayRef) -> LayoutError {
    LayoutError::Unsupported {
        column: column.to_string(),
        data_type: array.data_type().clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn large_list_canonicalises_to_the_same_values(lists in proptest::collection::vec(proptest::collection::vec(any::<i32>(), 0..5), 0..50)) {
            let large = LargeListArray::from_iter_primitive::<Int32Type, _, _>(
                lists.iter().map(|l| Some(l.iter().copied().map(Some).collect::<Vec<_>>())));
            let small = ListArray::from_iter_primitive::<Int32Type, _, _>(
                lists.iter().map(|l| Some(l.iter().copied().map(Some).collect::<Vec<_>>())));
            let got = canonical_array("x", &(Arc::new(large) as ArrayRef)).unwrap();
            let want = canonical_array("x", &(Arc::new(small) as ArrayRef)).unwrap();
            prop_assert_eq!(got.data_type(), &list_of(DataType::Int32));
            prop_assert_eq!(got.to_data(), want.to_data());
        }
    }

    #[test]
    fn nulls_are_rejected_with_the_column_name() {
        let a: ArrayRef = Arc::new(arrow_array::Int32Array::from(vec![Some(1), None]));
        let err = canonical_array("Muon_charge", &a).unwrap_err();
        assert!(err.to_string().contains("Muon_charge"), "{err}");
    }
}
