//! Conformance: every shared ROOT file read completely equals what uproot read from it.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rask_io_root::{EventSource, RootTree, offsets_shared};

use crate::common::{assert_batches_identical, assert_identical, data, shared};

const SAMPLES: [(&str, &[&str]); 2] = [
    (
        "HZZ",
        &["", "-zlib", "-lz4", "-lzma", "-zstd", "-uncompressed"],
    ),
    ("Zmumu", &["", "-lz4", "-lzma", "-zstd", "-uncompressed"]),
];

fn read_expected_parquet(path: &Path) -> RecordBatch {
    let file = File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(1 << 20)
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

fn read_all(tree: &RootTree) -> RecordBatch {
    let names = tree.readable_branches();
    assert_eq!(
        names.len(),
        tree.meta().branches.len(),
        "every branch of the shared files is readable"
    );
    tree.read(0..tree.entries(), &names).unwrap()
}

#[test]
fn every_shared_root_file_equals_uproot_reading() {
    let dir = shared().join("data/root");
    let mut files = 0;
    for (sample, variants) in SAMPLES {
        let want = read_expected_parquet(&dir.join(format!("{sample}.expected.parquet")));
        let summary: serde_json::Value = serde_json::from_reader(
            File::open(dir.join(format!("{sample}.expected.json"))).unwrap(),
        )
        .unwrap();
        for variant in variants {
            let path = dir.join(format!("{sample}{variant}.root"));
            let tree = RootTree::open(&path, "events").unwrap();
            let got = read_all(&tree);
            assert_eq!(got.num_columns(), want.num_columns(), "{}", path.display());
            assert_batches_identical(&got, &want);
            check_summary(&path, &got, &summary["events"]);
            files += 1;
        }
    }
    assert_eq!(files, 11);
}

/// Compares against the per-branch sums, extremes and first entries uproot recorded.
fn check_summary(path: &Path, got: &RecordBatch, summary: &serde_json::Value) {
    assert_eq!(summary["entries"].as_u64(), Some(got.num_rows() as u64));
    let branches = summary["branches"].as_object().unwrap();
    assert_eq!(branches.len(), got.num_columns());
    for (name, info) in branches {
        let column = got
            .column_by_name(name)
            .unwrap_or_else(|| panic!("{}: no column {name}", path.display()));
        assert_eq!(
            info["entries"].as_u64(),
            Some(column.len() as u64),
            "{name}"
        );
        let got3 = first3(column);
        assert!(
            json_close(&got3, &info["first3"]),
            "{}: {name} first entries {got3} vs {}",
            path.display(),
            info["first3"]
        );
        let values = flat_f64(column);
        let Some(count) = info["values"].as_u64() else {
            continue;
        };
        assert_eq!(values.len() as u64, count, "{name}: value count");
        let sum: f64 = values.iter().sum();
        let want = info["sum"].as_f64().unwrap();
        assert!(
            (sum - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{name}: sum {sum} vs {want}"
        );
        if let (Some(lo), Some(hi)) = (info["min"].as_f64(), info["max"].as_f64()) {
            // The JSON went through Python's float printing: compare to the last bits of a double.
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1e-300);
            let (min, max) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            assert!(close(min, lo), "{name}: min {min} vs {lo}");
            assert!(close(max, hi), "{name}: max {max} vs {hi}");
        }
    }
}

/// All numbers of a column, lists flattened (strings have none).
fn flat_f64(a: &ArrayRef) -> Vec<f64> {
    if a.data_type() == &DataType::Utf8 {
        return Vec::new();
    }
    rask_core::hist::flat_f64(a).unwrap_or_else(|e| panic!("{e}"))
}

fn json_of(a: &ArrayRef, i: usize) -> serde_json::Value {
    use serde_json::Value;
    match a.data_type() {
        DataType::List(_) => Value::Array({
            let v = a.as_list::<i32>().value(i);
            (0..v.len()).map(|j| json_of(&v, j)).collect()
        }),
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int32 => Value::from(a.as_primitive::<Int32Type>().value(i)),
        DataType::Float32 => Value::from(a.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => Value::from(a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => Value::from(a.as_string::<i32>().value(i)),
        other => panic!("unexpected type {other}"),
    }
}

/// JSON equality, numbers to 1e-14 relative (the expected file went through Python's float printing).
fn json_close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(x, y))
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-14 * y.abs()
        }
        _ => a == b,
    }
}

fn first3(a: &ArrayRef) -> serde_json::Value {
    serde_json::Value::Array((0..3.min(a.len())).map(|i| json_of(a, i)).collect())
}

#[test]
fn nano_root_equals_nano_parquet() {
    let root = EventSource::open(&[data("nano-20k.root")], "Events").unwrap();
    let parquet =
        EventSource::open(&[shared().join("adl/data/nano-20k.parquet")], "Events").unwrap();
    assert_eq!(root.entries(), 20_000);
    assert_eq!(parquet.entries(), 20_000);
    let names: Vec<String> = root
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(names.len(), parquet.schema().fields().len());
    let whole = |s: &EventSource| {
        s.read(
            &rask_io_root::Partition {
                file: 0,
                entries: 0..20_000,
            },
            &names,
        )
        .unwrap()
    };
    let (r, p) = (whole(&root), whole(&parquet));
    for name in &names {
        assert_identical(
            name,
            r.column_by_name(name).unwrap(),
            p.column_by_name(name).unwrap(),
        );
        let (rt, pt) = (
            r.schema()
                .field_with_name(name)
                .unwrap()
                .data_type()
                .clone(),
            p.schema()
                .field_with_name(name)
                .unwrap()
                .data_type()
                .clone(),
        );
        assert_eq!(rt, pt, "{name}: the two readers give different Arrow types");
    }
}

#[test]
fn branches_of_one_counter_share_their_offsets() {
    let tree = RootTree::open(data("nano-20k.root"), "Events").unwrap();
    let b = tree
        .read(0..tree.entries(), &["Muon_pt", "Muon_eta", "Jet_pt"])
        .unwrap();
    assert!(offsets_shared(b.column(0).as_ref(), b.column(1).as_ref()));
    assert!(!offsets_shared(b.column(0).as_ref(), b.column(2).as_ref()));
    let meta = tree
        .schema()
        .field_with_name("Muon_pt")
        .unwrap()
        .metadata()
        .clone();
    assert_eq!(
        meta.get(rask_core::COUNTER_METADATA_KEY)
            .map(String::as_str),
        Some("nMuon")
    );
    assert_eq!(
        meta.get(rask_core::ROOT_TYPE_METADATA_KEY)
            .map(String::as_str),
        Some("Float_t[nMuon]")
    );
}

#[test]
fn unsigned_counters_and_64_bit_values_keep_their_types() {
    let tree = RootTree::open(data("nano-20k.root"), "Events").unwrap();
    let s = tree.schema();
    assert_eq!(
        s.field_with_name("luminosityBlock").unwrap().data_type(),
        &DataType::UInt32
    );
    assert_eq!(
        s.field_with_name("event").unwrap().data_type(),
        &DataType::UInt64
    );
}
