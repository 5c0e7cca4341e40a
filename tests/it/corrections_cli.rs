//! `rask corrections`: the listing of a published file, and `--eval` on Parquet columns (flat
//! and jagged) against values worked out from the file's bins by hand.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float32Array, Int32Array, ListArray, RecordBatch, StringArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Schema};

fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const FILE: &str = r#"{
  "schema_version": 2,
  "corrections": [
    {"name": "jet_sf", "version": 3, "description": "a test scale factor",
     "inputs": [{"name": "pt", "type": "real", "description": "jet pT"},
                {"name": "eta", "type": "real"},
                {"name": "syst", "type": "string"}],
     "output": {"name": "sf", "type": "real"},
     "data": {"nodetype": "category", "input": "syst", "content": [
        {"key": "nominal", "value": {"nodetype": "multibinning", "inputs": ["pt", "eta"],
          "edges": [[0.0, 30.0, 50.0, 10000.0], [-5.0, 0.0, 5.0]],
          "content": [1.0, 1.5, 2.0, 2.5, 3.0, 3.5], "flow": "clamp"}},
        {"key": "up", "value": 2.0}]}}
  ]
}"#;

/// The nominal scale factor of `FILE`, from its bins.
fn by_hand(pt: f64, eta: f64, syst: &str) -> f64 {
    if syst == "up" {
        return 2.0;
    }
    let row = if pt < 30.0 {
        0
    } else if pt < 50.0 {
        1
    } else {
        2
    };
    let col = if eta < 0.0 { 0 } else { 1 };
    [1.0, 1.5, 2.0, 2.5, 3.0, 3.5][row * 2 + col]
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn read_parquet(path: &Path) -> RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn corrections_lists_the_agc_file() {
    let path = repo().join("crates/correction/tests/data/real/agc/corrections.json");
    let out = rask().arg("corrections").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // Every correction and input the JSON declares, with its type.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let corrections = json["corrections"].as_array().unwrap();
    assert!(!corrections.is_empty());
    for c in corrections {
        assert!(text.contains(c["name"].as_str().unwrap()), "{text}");
        for i in c["inputs"].as_array().unwrap() {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().next() == i["name"].as_str())
                .unwrap_or_else(|| panic!("input {i} missing:\n{text}"));
            assert!(line.contains(i["type"].as_str().unwrap()), "{line}");
        }
    }
}

#[test]
fn corrections_eval_writes_inputs_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let corr = dir.path().join("sf.json");
    std::fs::write(&corr, FILE).unwrap();
    // Per jet: pt (f32), eta (list), syst per event, with an event without jets.
    let pt = [25.0f32, 31.0, 49.9, 50.0, 900.0, 12000.0];
    let eta = [-1.0f32, 0.0, 2.0, -0.1, 7.0, -9.0];
    let offsets = OffsetBuffer::new(vec![0, 2, 2, 5, 6].into());
    let list = |v: &[f32]| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new("item", DataType::Float32, false)),
            offsets.clone(),
            Arc::new(Float32Array::from(v.to_vec())),
            None,
        ))
    };
    let syst: ArrayRef = Arc::new(StringArray::from(vec!["nominal", "up", "nominal", "up"]));
    let n: ArrayRef = Arc::new(Int32Array::from(vec![2, 0, 3, 1]));
    let schema = Arc::new(Schema::new(vec![
        Field::new("n", DataType::Int32, false),
        Field::new("pt", list(&pt).data_type().clone(), false),
        Field::new("eta", list(&eta).data_type().clone(), false),
        Field::new("syst", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(schema, vec![n, list(&pt), list(&eta), syst]).unwrap();
    let input = dir.path().join("jets.parquet");
    write_parquet(&input, &batch);
    let out_path = dir.path().join("out.parquet");
    let out = rask()
        .args(["corrections"])
        .arg(&corr)
        .args(["--eval", "jet_sf", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = read_parquet(&out_path);
    let schema = got.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["pt", "eta", "syst", "output"]);
    let output = got.column(3).as_list::<i32>();
    assert_eq!(output.value_offsets(), &[0, 2, 2, 5, 6]);
    let values = output.values().as_primitive::<Float64Type>().values();
    let event_of = [0, 0, 2, 2, 2, 3];
    let systs = ["nominal", "up", "nominal", "up"];
    for (j, v) in values.iter().enumerate() {
        let want = by_hand(pt[j] as f64, eta[j] as f64, systs[event_of[j]]);
        assert_eq!(*v, want, "jet {j}");
    }
    // Nothing else is left in the directory (the write is atomic).
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["jets.parquet", "out.parquet", "sf.json"]);
}

#[test]
fn corrections_eval_errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let corr = dir.path().join("sf.json");
    std::fs::write(&corr, FILE).unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "pt",
            DataType::Float32,
            false,
        )])),
        vec![Arc::new(Float32Array::from(vec![10.0f32]))],
    )
    .unwrap();
    let input = dir.path().join("in.parquet");
    write_parquet(&input, &batch);
    let run = |name: &str, out: &Path| {
        let o = rask()
            .arg("corrections")
            .arg(&corr)
            .args(["--eval", name, "--input"])
            .arg(&input)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = run("jet_sf", &dir.path().join("o.parquet"));
    assert!(
        err.contains("no column 'eta'") && err.contains("jet_sf"),
        "{err}"
    );
    let err = run("jet_fs", &dir.path().join("o.parquet"));
    assert!(err.contains("jet_fs") && err.contains("jet_sf"), "{err}");
    let err = run("jet_sf", &input);
    assert!(err.contains("input"), "{err}");
    assert!(!dir.path().join("o.parquet").exists());
    // A damaged file is an error naming it.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 2, \"corrections\": [").unwrap();
    let o = rask().arg("corrections").arg(&bad).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
