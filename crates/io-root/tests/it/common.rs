//! Shared fixtures: where the data lives, and bit-exact comparison of Arrow columns.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The read-only shared material (`../shared` beside the repository, or `$RASK_SHARED`).
pub fn shared() -> PathBuf {
    let dir = std::env::var_os("RASK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"));
    assert!(
        dir.join("data/root").is_dir(),
        "the shared test data is missing: expected {} (set RASK_SHARED)",
        dir.display()
    );
    dir
}

/// A ROOT sample file shipped in the repository's `data/`.
pub fn data(name: &str) -> PathBuf {
    repo().join("data").join(name)
}

/// Asserts two columns are identical: same canonical type, same offsets, same values, and floats
/// equal bit for bit (NaN payloads and signed zeros included).
pub fn assert_identical(column: &str, got: &ArrayRef, want: &ArrayRef) {
    let want =
        rask_core::canonical_array(column, want).expect("expected column is canonicalisable");
    let got_c = rask_core::canonical_array(column, got).expect("read column is canonical");
    assert_eq!(
        got_c.data_type(),
        want.data_type(),
        "column {column}: types differ"
    );
    assert_eq!(got_c.len(), want.len(), "column {column}: lengths differ");
    assert_eq!(
        got_c.to_data(),
        want.to_data(),
        "column {column}: values differ"
    );
    assert_eq!(
        float_bits(&got_c),
        float_bits(&want),
        "column {column}: float bits differ"
    );
}

/// The bit patterns of all float values in `a` (through lists), in order.
pub fn float_bits(a: &ArrayRef) -> Vec<u64> {
    match a.data_type() {
        DataType::Float32 => a
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|v| v.to_bits() as u64)
            .collect(),
        DataType::Float64 => a
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|v| v.to_bits())
            .collect(),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let (start, end) = (
                l.value_offsets()[0] as usize,
                *l.value_offsets().last().unwrap_or(&0) as usize,
            );
            float_bits(&l.values().slice(start, end - start))
        }
        DataType::FixedSizeList(_, _) => {
            let l = a.as_fixed_size_list();
            let n = l.value_length() as usize;
            float_bits(&l.values().slice(l.offset() * n, l.len() * n))
        }
        _ => Vec::new(),
    }
}

/// Asserts two batches hold identical columns (by name, in `want`'s order).
pub fn assert_batches_identical(got: &RecordBatch, want: &RecordBatch) {
    assert_eq!(got.num_rows(), want.num_rows(), "row counts differ");
    for field in want.schema().fields() {
        let g = got
            .column_by_name(field.name())
            .unwrap_or_else(|| panic!("column {} missing", field.name()));
        assert_identical(
            field.name(),
            g,
            want.column_by_name(field.name())
                .map(Arc::clone)
                .as_ref()
                .unwrap_or_else(|| unreachable!()),
        );
    }
}
