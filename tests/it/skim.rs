//! Skims (`rask::skim`, `rask skim`, `COPY (SELECT ...) TO` in `rask query`): the Parquet files
//! read back with the parquet crate and pyarrow, against rows selected by hand from the same
//! branches read with `EventSource`.

use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rask::io::EventSource;
use rask::skim::{SkimError, SkimInput, SkimJob};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn nano_job(sql: &str, out: &Path, rows_per_file: usize) -> SkimJob {
    SkimJob {
        input: SkimInput::Files {
            paths: vec![data("nano-20k.root")],
            tree: "Events".into(),
        },
        sql: sql.into(),
        origin: "test".into(),
        out: out.to_path_buf(),
        threads: Some(2),
        rows_per_file,
        partition_entries: 3_000,
    }
}

/// MET.pt and Jet.pt of the events with at least two jets, read and selected by hand.
fn expected_two_jets() -> (Vec<f64>, Vec<Vec<f64>>) {
    let src = EventSource::open(&[data("nano-20k.root")], "Events").unwrap();
    let cols = ["nJet", "MET_pt", "Jet_pt"];
    let (mut met, mut jets) = (Vec::new(), Vec::new());
    for p in src.partitions(&cols, 7_000).unwrap() {
        let b = src.read(&p, &cols).unwrap();
        // Widened as the engine widens (exactly): counts to i64, floats to f64.
        let n = arrow_cast::cast(b.column(0), &DataType::Int64).unwrap();
        let n = n.as_primitive::<Int64Type>();
        let m = arrow_cast::cast(b.column(1), &DataType::Float64).unwrap();
        let m = m.as_primitive::<Float64Type>();
        let j = b.column(2).as_list::<i32>();
        for row in 0..b.num_rows() {
            if n.value(row) >= 2 {
                met.push(m.value(row));
                let v = arrow_cast::cast(&j.value(row), &DataType::Float64).unwrap();
                jets.push(v.as_primitive::<Float64Type>().values().to_vec());
            }
        }
    }
    (met, jets)
}

/// Every row of the part files, in order, as one batch per file.
fn read_parts(files: &[PathBuf]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for f in files {
        let file = std::fs::File::open(f).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for b in reader {
            out.push(b.unwrap());
        }
    }
    out
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const TWO_JETS: &str = "SELECT MET.pt AS met, Jet.pt AS jet_pt FROM events WHERE nJet >= 2";

#[test]
fn skim_rows_equal_the_events_selected_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skim");
    let report = rask::skim::run(&nano_job(TWO_JETS, &out, 4_000)).unwrap();
    let (met, jets) = expected_two_jets();
    assert!(met.len() > 1_000 && met.len() < 20_000, "{}", met.len());
    assert_eq!(report.rows, met.len() as u64);
    assert_eq!(report.columns, ["met", "jet_pt"]);
    let parts = met.len().div_ceil(4_000);
    let mut names: Vec<String> = (0..parts).map(|k| format!("part-{k:05}.parquet")).collect();
    assert_eq!(
        report.files,
        names.iter().map(|n| out.join(n)).collect::<Vec<_>>()
    );
    // Only the parts and the lock: no temporary file is left.
    names.insert(0, ".rask.lock".into());
    assert_eq!(listing(&out), names);

    for (k, f) in report.files.iter().enumerate() {
        let rows: usize = read_parts(std::slice::from_ref(f))
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows, 4_000.min(met.len() - k * 4_000), "{}", f.display());
    }
    let batches = read_parts(&report.files);
    let (mut got_met, mut got_jets) = (Vec::new(), Vec::new());
    for b in &batches {
        assert_eq!(b.schema().field(0).name(), "met");
        let m = b.column(0).as_primitive::<Float64Type>();
        got_met.extend(m.values().iter().copied());
        let j = b.column(1).as_list::<i32>();
        for row in 0..b.num_rows() {
            let v = j.value(row);
            got_jets.push(v.as_primitive::<Float64Type>().values().to_vec());
        }
    }
    assert_eq!(got_met, met);
    assert_eq!(got_jets, jets);
}

#[test]
fn a_limit_skims_the_selected_events_from_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skim");
    // Partitions of 3,000 entries: the slice starts in one and ends in another.
    let sql = format!("{TWO_JETS} LIMIT 2500 OFFSET 1234");
    let report = rask::skim::run(&nano_job(&sql, &out, 1_000)).unwrap();
    let (met, jets) = expected_two_jets();
    assert_eq!(report.rows, 2_500);
    assert_eq!(report.files.len(), 3);
    let batches = read_parts(&report.files);
    let (mut got_met, mut got_jets) = (Vec::new(), Vec::new());
    for b in &batches {
        got_met.extend(
            b.column(0)
                .as_primitive::<Float64Type>()
                .values()
                .iter()
                .copied(),
        );
        let j = b.column(1).as_list::<i32>();
        for row in 0..b.num_rows() {
            got_jets.push(j.value(row).as_primitive::<Float64Type>().values().to_vec());
        }
    }
    assert_eq!(got_met, met[1_234..3_734].to_vec());
    assert_eq!(got_jets, jets[1_234..3_734].to_vec());
}

#[test]
fn a_rerun_replaces_the_earlier_parts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skim");
    let first = rask::skim::run(&nano_job(TWO_JETS, &out, 4_000)).unwrap();
    assert!(first.files.len() >= 3);
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let second = rask::skim::run(&nano_job(TWO_JETS, &out, 1_000_000)).unwrap();
    assert_eq!(second.files, [out.join("part-00000.parquet")]);
    assert_eq!(
        listing(&out),
        [".rask.lock", "notes.txt", "part-00000.parquet"]
    );
    let rows: usize = read_parts(&second.files).iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows as u64, first.rows);
}

/// A Python with pyarrow (CI's `RASK_PYTHON`), or `None` (skipped) outside CI.
fn python_with_pyarrow() -> Option<String> {
    let python = std::env::var("RASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python)
        .args(["-c", "import pyarrow.dataset"])
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide a Python with pyarrow (RASK_PYTHON)"
    );
    eprintln!("skipped: no Python with pyarrow (set RASK_PYTHON)");
    None
}

#[test]
fn pyarrow_reads_the_skim_back() {
    let Some(python) = python_with_pyarrow() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skim");
    rask::skim::run(&nano_job(TWO_JETS, &out, 5_000)).unwrap();
    let script = r#"
import sys, pyarrow.dataset as ds, pyarrow.compute as pc
t = ds.dataset(sys.argv[1], format="parquet").to_table()
print(t.num_rows)
print(repr(pc.sum(t["met"]).as_py()))
print(repr(pc.sum(pc.list_flatten(t["jet_pt"])).as_py()))
print(t.schema.field("jet_pt").type)
"#;
    let run = Command::new(&python)
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (met, jets) = expected_two_jets();
    assert_eq!(lines[0].parse::<usize>().unwrap(), met.len());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
    let met_sum: f64 = met.iter().sum();
    let jet_sum: f64 = jets.iter().flatten().sum();
    assert!(close(lines[1].parse().unwrap(), met_sum), "{text}");
    assert!(close(lines[2].parse().unwrap(), jet_sum), "{text}");
    assert!(lines[3].starts_with("list<"), "{text}");
}

#[test]
fn a_fileset_skim_keeps_the_dataset_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("skim");
    let fileset = data("agc/fileset.json");
    let job = SkimJob {
        input: SkimInput::Fileset(fileset.clone()),
        sql: "SELECT dataset, xsec, Jet.pt AS jet_pt FROM events WHERE nJet >= 4".into(),
        ..nano_job("", &out, 1_000_000)
    };
    let report = rask::skim::run(&job).unwrap();
    assert_eq!(report.columns, ["dataset", "xsec", "jet_pt"]);
    // By hand: events with ≥ 4 jets per dataset, in the fileset's order (datasets by name),
    // with the dataset's cross-section.
    let fs = rask::io::Fileset::open(&fileset).unwrap();
    let mut expected: Vec<(String, u64)> = Vec::new();
    for d in &fs.datasets {
        let xsec = d
            .metadata
            .iter()
            .find_map(|(k, v)| match v {
                rask::io::MetaValue::Number(x) if k == "xsec" => Some(*x),
                _ => None,
            })
            // A dataset without one (data) reads NaN.
            .unwrap_or(f64::NAN);
        let src = EventSource::open(&d.files, &d.tree).unwrap();
        for p in src.partitions(&["nJet"], 100_000).unwrap() {
            let b = src.read(&p, &["nJet"]).unwrap();
            let n = arrow_cast::cast(b.column(0), &DataType::Int64).unwrap();
            let n = n.as_primitive::<Int64Type>();
            for row in 0..b.num_rows() {
                if n.value(row) >= 4 {
                    expected.push((d.name.clone(), xsec.to_bits()));
                }
            }
        }
    }
    let batches = read_parts(&report.files);
    let mut got = Vec::new();
    for b in &batches {
        let ds = b.column(0).as_string::<i32>();
        let xs = b.column(1).as_primitive::<Float64Type>();
        for row in 0..b.num_rows() {
            assert!(ds.is_valid(row));
            got.push((ds.value(row).to_string(), xs.value(row).to_bits()));
        }
    }
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
    let datasets: std::collections::BTreeSet<&str> = got.iter().map(|(d, _)| d.as_str()).collect();
    assert!(datasets.len() >= 5, "{datasets:?}");
}

/// `rask query SQL_FILE --input nano-20k.root --out OUT` with `text` as the query file.
fn query(sql: &Path, text: &str, out: &Path) -> std::process::Output {
    std::fs::write(sql, text).unwrap();
    Command::new(env!("CARGO_BIN_EXE_rask"))
        .arg("query")
        .arg(sql)
        .arg("--input")
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn copy_in_rask_query_writes_a_skim_inside_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sql = dir.path().join("q.sql");
    let run = query(
        &sql,
        "SELECT hist(MET.pt, 10, 0, 200) AS met_hist FROM events;\n\
         COPY (SELECT MET.pt AS met, Jet.pt AS jet_pt FROM events WHERE nJet >= 2) \
         TO 'skims/two_jets/' (FORMAT parquet);\n",
        &out,
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (met, _) = expected_two_jets();
    assert!(
        stdout.contains(&format!(
            "wrote {} rows, 2 columns (met, jet_pt)",
            met.len()
        )),
        "{stdout}"
    );
    assert!(out.join("met_hist.json").is_file());
    let part = out.join("skims/two_jets/part-00000.parquet");
    let rows: usize = read_parts(&[part]).iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, met.len());

    // A target outside --out is refused before anything is written.
    let out2 = dir.path().join("out2");
    let run = query(
        &sql,
        "COPY (SELECT MET.pt AS met FROM events) TO '../escaped'",
        &out2,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("COPY target '../escaped'"), "{stderr}");
    assert!(!dir.path().join("escaped").exists());
    assert!(
        !out2.exists(),
        "a failed run leaves no directory it created"
    );

    // Two COPYs to one directory would replace each other's parts: refused before anything runs.
    let out3 = dir.path().join("out3");
    let run = query(
        &sql,
        "COPY (SELECT MET.pt AS a FROM events) TO 'same'; COPY (SELECT MET.phi AS b FROM events) TO 'Same/'",
        &out3,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("two COPY statements write to"), "{stderr}");
    assert!(!out3.exists());
}

#[test]
fn rask_skim_prints_rows_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let run = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["skim", "--input"])
        .arg(data("nano-20k.root"))
        .args([
            "--sql",
            TWO_JETS,
            "--rows-per-file",
            "10000",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    let (met, _) = expected_two_jets();
    let files = met.len().div_ceil(10_000);
    assert!(
        stdout.starts_with(&format!(
            "wrote {} rows, 2 columns (met, jet_pt) to {files} files: ",
            met.len()
        )),
        "{stdout}"
    );
    // A SQL error is rendered with a caret, once.
    let run = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["skim", "--input"])
        .arg(data("nano-20k.root"))
        .args(["--sql", "SELECT nope FROM events", "--out"])
        .arg(dir.path().join("t"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.starts_with("--sql:1:8: error: "), "{stderr}");
    assert!(!dir.path().join("t").exists());
}

#[test]
fn hostile_skims_fail_with_errors_naming_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    // The output directory is a file.
    let file = dir.path().join("a_file");
    std::fs::write(&file, "x").unwrap();
    let e = rask::skim::run(&nano_job(TWO_JETS, &file, 10)).unwrap_err();
    assert!(
        e.to_string().contains("exists and is not a directory"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // A histogram, a count and an aggregate are not columns.
    for (sql, name, what) in [
        (
            "SELECT MET.pt AS met, hist(MET.pt, 10, 0, 100) AS h FROM events",
            "h",
            "a histogram",
        ),
        ("SELECT count(*) AS n FROM events", "n", "one number"),
        ("SELECT sum(MET.pt) AS s FROM events", "s", "one number"),
    ] {
        let out = dir.path().join(name);
        let e = rask::skim::run(&nano_job(sql, &out, 10)).unwrap_err();
        assert!(
            matches!(&e, SkimError::NotPerEvent { name: n, what: w } if n == name && w.contains(what)),
            "{sql}: {e}"
        );
        assert!(!out.exists(), "{sql}: the directory it created is removed");
    }
    // Zero rows per file.
    let e = rask::skim::run(&nano_job(TWO_JETS, &dir.path().join("z"), 0)).unwrap_err();
    assert!(matches!(e, SkimError::RowsPerFile), "{e}");
    // An alias that is a path is refused by SQL's name rule.
    let e = rask::skim::run(&nano_job(
        r#"SELECT MET.pt AS "../met" FROM events"#,
        &dir.path().join("p"),
        10,
    ))
    .unwrap_err();
    assert!(e.to_string().contains("../met"), "{e}");
}

#[test]
fn column_names_never_make_paths() {
    // Through the API any column name is allowed: it names a Parquet column, never a file.
    let dir = tempfile::tempdir().unwrap();
    let out = rask::output_dir::OutputDir::open(&dir.path().join("skim")).unwrap();
    let ctx = rask::Context::new();
    let events = rask::sources::open(
        &ctx,
        "events",
        &[data("nano-20k.root").to_str().unwrap()],
        "Events",
    )
    .unwrap();
    let keep = events.field("nJet").unwrap().ge(2).unwrap();
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let columns = [
        ("../../escape".to_string(), met.mask(&keep).unwrap()),
        ("/etc/passwd".to_string(), met.mask(&keep).unwrap()),
    ];
    let engine = rask::Engine::new(rask::Scheduler::Sync);
    let report = rask::skim::write_skim(&engine, &out, &columns, 1_000_000).unwrap();
    assert_eq!(report.files, [out.path().join("part-00000.parquet")]);
    assert_eq!(listing(dir.path()), ["skim"]);
    assert_eq!(listing(out.path()), [".rask.lock", "part-00000.parquet"]);
    let b = &read_parts(&report.files)[0];
    assert_eq!(b.schema().field(0).name(), "../../escape");
    assert_eq!(b.schema().field(1).name(), "/etc/passwd");
    // Columns of different selections cannot share rows.
    let all = events.field("nMuon").unwrap();
    let e = rask::skim::write_skim(
        &engine,
        &out,
        &[("met".into(), met.mask(&keep).unwrap()), ("n".into(), all)],
        10,
    )
    .unwrap_err();
    assert!(
        matches!(&e, SkimError::Misaligned { name, first } if name == "n" && first == "met"),
        "{e}"
    );
}
