//! Filesets: coffea's JSON forms, checked before any work, and opened as one source whose
//! per-file columns (`dataset`, metadata) read like branches.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type};
use rask_io_root::{EventSource, Fileset, FilesetError, MetaValue};

use crate::common::repo;

/// A fileset in a temporary directory naming the repository's `data/nano-20k.root` (20,000
/// events) twice, under two datasets.
fn two_datasets(dir: &std::path::Path) -> std::path::PathBuf {
    let nano = repo().join("data/nano-20k.root");
    std::fs::copy(&nano, dir.join("a.root")).unwrap();
    let path = dir.join("fileset.json");
    let json = format!(
        r#"{{
          "ttbar": {{"files": {{"a.root": "Events"}},
                     "metadata": {{"process": "ttbar", "xsec": 729.84, "nevts": 20000}}}},
          "data":  {{"files": ["{}"], "metadata": {{"process": "data", "is_data": true}}}}
        }}"#,
        nano.display()
    );
    std::fs::write(&path, json).unwrap();
    path
}

#[test]
fn the_three_forms_parse_and_relative_paths_follow_the_fileset() {
    let fs = Fileset::parse(
        r#"{"z": ["z1.root", "z2.root"],
            "y": {"files": ["y.root"], "treename": "Tree"},
            "x": {"files": {"x2.root": "T", "x1.root": "T"}, "metadata": {"k": "v", "a": 1.5}}}"#,
        "sets/f.json".as_ref(),
    )
    .unwrap();
    let names: Vec<&str> = fs.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["x", "y", "z"], "sorted by name");
    let x = &fs.datasets[0];
    assert_eq!(
        x.files,
        ["sets/x1.root", "sets/x2.root"].map(std::path::PathBuf::from)
    );
    assert_eq!(x.tree, "T");
    assert_eq!(
        x.metadata,
        vec![
            ("a".to_string(), MetaValue::Number(1.5)),
            ("k".to_string(), MetaValue::Str("v".into()))
        ]
    );
    assert_eq!(fs.datasets[1].tree, "Tree");
    assert_eq!(fs.datasets[2].tree, "Events");
    assert_eq!(
        fs.datasets[2].files,
        ["sets/z1.root", "sets/z2.root"].map(std::path::PathBuf::from)
    );
}

#[test]
fn bad_filesets_are_errors_naming_the_dataset() {
    let cases = [
        ("[1, 2]", "expected an object of datasets"),
        ("{}", "no datasets"),
        (
            r#"{"d": {"metadata": {}}}"#,
            "dataset 'd': has no \"files\"",
        ),
        (r#"{"d": {"files": []}}"#, "dataset 'd': has no files"),
        (
            r#"{"d": {"files": [3]}}"#,
            "dataset 'd': files must be strings",
        ),
        (
            r#"{"d": {"files": ["a"], "meta": {}}}"#,
            "dataset 'd': unknown key \"meta\"",
        ),
        (
            r#"{"d": {"files": {"a": "T", "b": "U"}}}"#,
            "dataset 'd': all files of a dataset must name one tree",
        ),
        (
            r#"{"d": {"files": ["a"], "metadata": {"x": [1]}}}"#,
            "dataset 'd': metadata 'x' must be a number, string or boolean",
        ),
        ("{\"d\": ", "not JSON"),
    ];
    for (json, want) in cases {
        let err = Fileset::parse(json, "f.json".as_ref())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("fileset f.json: "), "{err}");
        assert!(err.contains(want), "{json}: {err}");
    }
}

#[test]
fn a_missing_file_fails_before_any_work_naming_dataset_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = two_datasets(dir.path());
    std::fs::remove_file(dir.path().join("a.root")).unwrap();
    let err = Fileset::open(&path).unwrap_err();
    assert!(matches!(err, FilesetError::MissingFile { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("dataset 'ttbar'"), "{msg}");
    assert!(msg.contains("a.root does not exist"), "{msg}");
}

#[test]
fn a_fileset_reads_as_one_source_with_dataset_and_metadata_columns() {
    let dir = tempfile::tempdir().unwrap();
    let fs = Fileset::open(two_datasets(dir.path())).unwrap();
    let src = EventSource::open_fileset(&fs).unwrap();
    assert_eq!(src.num_files(), 2);
    assert_eq!(src.entries(), 40_000);
    let schema = src.schema();
    for (name, ty) in [
        ("dataset", "Int32"),
        ("is_data", "Boolean"),
        ("nevts", "Float64"),
        ("process", "Int32"),
        ("xsec", "Float64"),
    ] {
        let f = schema.field_with_name(name).unwrap();
        assert_eq!(f.data_type().to_string(), ty, "{name}");
    }
    let cats = |n: &str| {
        rask_core::file_columns::FileColumns::categories(schema.field_with_name(n).unwrap())
    };
    assert_eq!(cats("dataset").unwrap(), ["data", "ttbar"]);
    assert_eq!(cats("process").unwrap(), ["data", "ttbar"]);
    assert_eq!(cats("xsec"), None);
    // Cut where the branches allow; per-file columns take no part in the cut.
    let cols = ["MET_pt", "dataset", "xsec", "process", "is_data"];
    let parts = src.partitions(&cols, 7_000).unwrap();
    assert_eq!(
        parts,
        src.partitions(&["MET_pt"], 7_000).unwrap(),
        "per-file columns do not change the partitions"
    );
    let mut seen = Vec::new();
    for p in &parts {
        let b = src.read(p, &cols).unwrap();
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, cols, "columns in the order asked");
        let n = b.num_rows();
        assert_eq!(n as u64, p.entries.end - p.entries.start);
        let ds = b.column(1).as_primitive::<Int32Type>();
        let xsec = b.column(2).as_primitive::<Float64Type>();
        let is_data = b.column(4).as_boolean();
        // Datasets by name: file 0 is `data` (the absolute path), file 1 `ttbar` (a.root).
        let (code, x, d) = if p.file == 0 {
            (0, f64::NAN, true)
        } else {
            (1, 729.84, false)
        };
        assert!(ds.values().iter().all(|v| *v == code));
        assert!(xsec.values().iter().all(|v| v.to_bits() == x.to_bits()));
        assert!((0..n).all(|i| is_data.value(i) == d));
        seen.push((p.file, n));
    }
    let per_file = |f| {
        seen.iter()
            .filter(|(g, _)| *g == f)
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    assert_eq!((per_file(0), per_file(1)), (20_000, 20_000));
}

#[test]
fn a_metadata_key_that_shadows_a_branch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let nano = repo().join("data/nano-20k.root");
    let path = dir.path().join("f.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"d": {{"files": ["{}"], "metadata": {{"MET_pt": 1.0}}}}}}"#,
            nano.display()
        ),
    )
    .unwrap();
    let fs = Fileset::open(&path).unwrap();
    let err = EventSource::open_fileset(&fs).unwrap_err().to_string();
    assert!(err.contains("'MET_pt' has the name of a branch"), "{err}");
}

#[test]
fn hostile_filesets_are_refused_before_reading_them_whole() {
    // A device that never ends, and a name with the separator of the categories.
    let err = Fileset::open("/dev/zero").unwrap_err().to_string();
    assert!(err.contains("/dev/zero"), "{err}");
    let fs = Fileset::parse(
        "{\"a\\u001fb\": [\"x.root\"], \"c\": [\"y.root\"]}",
        "f.json".as_ref(),
    )
    .unwrap();
    let err = rask_io_root::fileset::file_columns(&fs)
        .unwrap_err()
        .to_string();
    assert!(err.contains("U+001F"), "{err}");
}

#[test]
fn per_file_columns_alone_are_read_in_partitions_of_the_target_size() {
    let dir = tempfile::tempdir().unwrap();
    let fs = Fileset::open(two_datasets(dir.path())).unwrap();
    let src = EventSource::open_fileset(&fs).unwrap();
    let parts = src.partitions(&["xsec"], 7_000).unwrap();
    assert_eq!(
        parts.len(),
        2 * 3,
        "20,000 entries per file in ranges of 7,000"
    );
    assert!(
        parts
            .iter()
            .all(|p| p.entries.end - p.entries.start <= 7_000)
    );
    let total: u64 = parts.iter().map(|p| p.entries.end - p.entries.start).sum();
    assert_eq!(total, 40_000);
}

#[test]
fn a_toml_fileset_is_the_json_one() {
    let json = Fileset::parse(
        r#"{"z": ["z1.root", "z2.root"],
            "y": {"files": ["y.root"], "treename": "Tree"},
            "x": {"files": {"x2.root": "T", "x1.root": "T"},
                  "metadata": {"k": "v", "a": 1.5, "n": 20000, "is_data": true}}}"#,
        "sets/f.json".as_ref(),
    )
    .unwrap();
    let toml = Fileset::parse(
        r#"
        z = ["z1.root", "z2.root"]

        [y]
        files = ["y.root"]
        treename = "Tree"

        [x.files]
        "x2.root" = "T"
        "x1.root" = "T"

        [x.metadata]
        k = "v"
        a = 1.5
        n = 20000
        is_data = true
        "#,
        "sets/f.toml".as_ref(),
    )
    .unwrap();
    assert_eq!(toml.datasets, json.datasets);
    assert_eq!(toml.datasets.len(), 3);

    // Not TOML: the error names the file and says what it expected.
    let err = Fileset::parse("[x\nfiles = 1", "sets/bad.toml".as_ref()).unwrap_err();
    assert!(matches!(err, FilesetError::Toml { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("sets/bad.toml") && msg.contains("not TOML"),
        "{msg}"
    );
    // TOML, but not a fileset: the same errors as JSON, naming the dataset.
    let err = Fileset::parse("x = 3", "f.toml".as_ref()).unwrap_err();
    assert!(
        matches!(&err, FilesetError::Dataset { dataset, .. } if dataset == "x"),
        "{err:?}"
    );
}
