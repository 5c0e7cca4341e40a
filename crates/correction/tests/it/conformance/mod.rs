//! Conformance with Python correctionlib (the reference implementation).
//!
//! Every correction (and compound correction) of every file under `tests/data` is evaluated
//! on ROWS deterministic pseudo-random input rows, by rask and by correctionlib through
//! `tests/reference.py`, and the outputs are compared row by row: bit-equal (any NaN equals
//! any NaN) unless the correction involves a formula, then within 1e-12 relative (1e-14
//! absolute near zero). Rows where correctionlib raises (category miss without default,
//! flow "error" out of range) must make rask fail too: `evaluate_one` on the row, and
//! `evaluate` on a column that contains the row.
//!
//! Inputs come from the file itself: reals at and next to every bin edge, inside and
//! outside the binning range, wide log-uniform magnitudes and specials (±0, ±inf, NaNs,
//! subnormals, ±MAX); ints from the category keys, their neighbours and the full i64
//! range; strings from the category keys plus misses.
//!
//! Python is `RASK_PYTHON` (CI sets it), else `python3`; without correctionlib >= 2.9
//! the comparison is skipped, unless `CI` is set, then it fails.
//! `cargo test -p rask-correction --test it conformance -- --nocapture` prints the
//! per-correction row counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use rask_correction::{Arg, CorrectionSet, Evaluator, Value, VarType};
use serde_json::Value as Json;

mod inputs;
mod spec;

use inputs::*;
use spec::*;

/// Rows per correction.
const ROWS: usize = 10_000;
/// Mismatches kept per correction (all are counted).
const KEEP: usize = 5;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every `*.json` / `*.json.gz` under tests/data, sorted.
fn correction_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read tests/data") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.ends_with(".json") || name.ends_with(".json.gz") {
                    out.push(path);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&data_dir(), &mut out);
    out.sort();
    assert!(
        !out.is_empty(),
        "no correction files under {}",
        data_dir().display()
    );
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(data_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn read_text(path: &Path) -> String {
    let raw = std::fs::read(path).expect("read correction file");
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .expect("gunzip correction file");
        text
    } else {
        String::from_utf8(raw).expect("utf-8 correction file")
    }
}

// ------------------------------------------------------------------ Python

/// RASK_PYTHON (else python3) when it has correctionlib >= 2.9 and numpy.
fn reference_python() -> Option<String> {
    let python = std::env::var("RASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python)
        .args([
            "-c",
            "import numpy, correctionlib; v = tuple(int(x) for x in correctionlib.__version__.split('.')[:2]); \
             assert v >= (2, 9), correctionlib.__version__; print(correctionlib.__version__)",
        ])
        .output();
    match probe {
        Ok(o) if o.status.success() => Some(python),
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr)
                    .trim()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .to_string(),
                Err(e) => e.to_string(),
            };
            if std::env::var_os("CI").is_some() {
                panic!(
                    "CI must provide a Python with correctionlib 2.9 and numpy (RASK_PYTHON={python}): {why}"
                );
            }
            eprintln!("skipped: no Python with correctionlib >= 2.9 and numpy ({python}: {why})");
            None
        }
    }
}

// ------------------------------------------------------------------ the tests

struct Mismatch {
    where_: String,
    what: String,
}

#[derive(Default)]
struct Report {
    mismatches: Vec<Mismatch>,
    counted: BTreeMap<String, usize>,
}

impl Report {
    /// Counts a mismatch; `what` is only formatted for the first KEEP of a correction.
    fn add(&mut self, file: &str, corr: &str, what: impl FnOnce() -> String) {
        let key = format!("{file} :: {corr}");
        let n = self.counted.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n <= KEEP {
            self.mismatches.push(Mismatch {
                where_: key,
                what: what(),
            });
        }
    }
}

struct Task {
    file: PathBuf,
    spec: Spec,
    cols: Vec<Column>,
}

/// Every file loads, from its path and (plain JSON) from its text, with the names, input
/// names and input types the JSON declares. Needs no Python.
#[test]
fn conformance_files_load_with_declared_signatures() {
    for file in correction_files() {
        let text = read_text(&file);
        let doc = parse_json(&text);
        let specs = specs_of(&doc);
        let set = CorrectionSet::from_path(&file).unwrap_or_else(|e| panic!("{}: {e}", rel(&file)));
        let mut want: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        want.sort_unstable();
        let mut got = set.names();
        got.sort_unstable();
        assert_eq!(got, want, "{}: names", rel(&file));
        let again = CorrectionSet::from_json(&text)
            .unwrap_or_else(|e| panic!("{} from_json: {e}", rel(&file)));
        let mut got2 = again.names();
        got2.sort_unstable();
        assert_eq!(got2, want, "{}: names via from_json", rel(&file));
        for spec in &specs {
            let ev = set
                .get(&spec.name)
                .unwrap_or_else(|e| panic!("{} {}: {e}", rel(&file), spec.name));
            assert_eq!(ev.name(), spec.name);
            let inputs: Vec<(String, &str)> = ev
                .inputs()
                .iter()
                .map(|v| (v.name.clone(), type_name(&v.ty)))
                .collect();
            let declared: Vec<(String, &str)> = spec
                .inputs
                .iter()
                .map(|(n, t)| (n.clone(), type_name(t)))
                .collect();
            assert_eq!(inputs, declared, "{} {}: inputs", rel(&file), spec.name);
            assert!(
                matches!(ev.output().ty, VarType::Real),
                "{} {}: output",
                rel(&file),
                spec.name
            );
        }
        assert!(set.get("no such correction, surely").is_err());
    }
}

#[test]
fn conformance_with_correctionlib() {
    let Some(python) = reference_python() else {
        return;
    };
    let started = Instant::now();
    let files = correction_files();
    let mut tasks: Vec<Task> = Vec::new();
    for file in &files {
        let doc = parse_json(&read_text(file));
        for spec in specs_of(&doc) {
            let mut rng = Rng::seeded(&format!("{}/{}", rel(file), spec.name));
            let cols = gen_columns(&mut rng, &spec, ROWS);
            tasks.push(Task {
                file: file.clone(),
                spec,
                cols,
            });
        }
    }

    // The job for tests/reference.py: one blob with every column, one JSON description.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut blob: Vec<u8> = Vec::new();
    let mut jtasks = Vec::new();
    for t in &tasks {
        let mut inputs = Vec::new();
        for c in &t.cols {
            let offset = blob.len();
            match c {
                Column::Real(v) => {
                    v.iter()
                        .for_each(|x| blob.extend_from_slice(&x.to_le_bytes()));
                    inputs.push(serde_json::json!({"type": "real", "offset": offset}));
                }
                Column::Int(v) => {
                    v.iter()
                        .for_each(|x| blob.extend_from_slice(&x.to_le_bytes()));
                    inputs.push(serde_json::json!({"type": "int", "offset": offset}));
                }
                Column::Str(idx, table) => {
                    idx.iter()
                        .for_each(|x| blob.extend_from_slice(&x.to_le_bytes()));
                    inputs.push(
                        serde_json::json!({"type": "string", "offset": offset, "strings": table}),
                    );
                }
            }
            // Keep every column 8-byte aligned for numpy views.
            while !blob.len().is_multiple_of(8) {
                blob.push(0);
            }
        }
        jtasks.push(serde_json::json!({
            "file": t.file, "correction": t.spec.name, "rows": ROWS, "inputs": inputs,
        }));
    }
    let inputs_path = dir.path().join("inputs.bin");
    let outputs_path = dir.path().join("outputs.bin");
    let result_path = dir.path().join("result.json");
    let job_path = dir.path().join("job.json");
    std::fs::write(&inputs_path, &blob).expect("write inputs");
    let job = serde_json::json!({
        "inputs": inputs_path, "outputs": outputs_path, "result": result_path,
        "files": files, "tasks": jtasks,
    });
    std::fs::write(&job_path, serde_json::to_vec(&job).expect("job json")).expect("write job");
    let generated = started.elapsed();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&job_path)
        .output()
        .expect("run reference.py");
    assert!(
        out.status.success(),
        "reference.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Json = serde_json::from_slice(&std::fs::read(&result_path).expect("read result"))
        .expect("result json");
    let outputs = std::fs::read(&outputs_path).expect("read outputs");
    let python_time = result["seconds"].as_f64().unwrap_or(f64::NAN);
    let after_python = Instant::now();

    let mut report = Report::default();
    if let Some(Json::Object(errs)) = result.get("load_errors") {
        for (f, e) in errs {
            report.add(f, "(load)", || format!("correctionlib failed to load: {e}"));
        }
    }

    // Names and signatures: rask vs correctionlib, per file.
    let mut sets: HashMap<PathBuf, Option<CorrectionSet>> = HashMap::new();
    for file in &files {
        let key = file.to_str().expect("utf-8 path");
        let set = match CorrectionSet::from_path(file) {
            Ok(s) => Some(s),
            Err(e) => {
                report.add(&rel(file), "(load)", || format!("rask failed to load: {e}"));
                None
            }
        };
        if let (Some(set), Some(Json::Array(names))) = (&set, result["names"].get(key)) {
            let mut want: Vec<&str> = names.iter().filter_map(Json::as_str).collect();
            want.sort_unstable();
            let mut got = set.names();
            got.sort_unstable();
            if got != want {
                report.add(&rel(file), "(names)", || {
                    format!("rask names {got:?}\ncorrectionlib names {want:?}")
                });
            }
            for name in &got {
                let Some(Json::Array(sig)) = result["signatures"][key].get(*name) else {
                    continue;
                };
                let want_sig: Vec<(String, String)> = sig
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap_or("").to_string(),
                            p[1].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect();
                if let Ok(ev) = set.get(name) {
                    let got_sig: Vec<(String, String)> = ev
                        .inputs()
                        .iter()
                        .map(|v| (v.name.clone(), type_name(&v.ty).to_string()))
                        .collect();
                    if got_sig != want_sig {
                        report.add(&rel(file), name, || {
                            format!("inputs: rask {got_sig:?}, correctionlib {want_sig:?}")
                        });
                    }
                }
            }
        }
        sets.insert(file.clone(), set);
    }

    let mut lines = Vec::new();
    // Rows of formula corrections within the tolerance but not bit-identical.
    let mut total_inexact = 0usize;
    let mut per_file: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (t, tres) in tasks.iter().zip(result["tasks"].as_array().expect("tasks")) {
        let file = rel(&t.file);
        let name = t.spec.name.as_str();
        let offset = tres["offset"].as_u64().expect("offset") as usize;
        let want: Vec<f64> = outputs[offset..offset + 8 * ROWS]
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let want_err: Vec<bool> = outputs[offset + 8 * ROWS..offset + 9 * ROWS]
            .iter()
            .map(|&b| b != 0)
            .collect();
        let ok_rows: Vec<usize> = (0..ROWS).filter(|&r| !want_err[r]).collect();
        let err_rows: Vec<usize> = (0..ROWS).filter(|&r| want_err[r]).collect();
        let exact = !t.spec.formula;
        let entry = per_file.entry(file.clone()).or_default();
        entry.0 += 1;
        entry.1 += ROWS;
        entry.2 += err_rows.len();
        lines.push(format!(
            "{file} :: {name}: {ROWS} rows compared ({} with values, {} correctionlib errors), {} [{}]",
            ok_rows.len(),
            err_rows.len(),
            if exact { "bit-exact" } else { "1e-12 relative" },
            t.spec.nodetypes.iter().cloned().collect::<Vec<_>>().join(","),
        ));

        let Some(Some(set)) = sets.get(&t.file) else {
            continue;
        };
        let ev: Arc<Evaluator> = match set.get(name) {
            Ok(ev) => ev,
            Err(e) => {
                report.add(&file, name, || format!("rask has no evaluator: {e}"));
                continue;
            }
        };
        let n_before = report
            .counted
            .get(&format!("{file} :: {name}"))
            .copied()
            .unwrap_or(0);

        // 1. One column evaluation over every row correctionlib evaluates.
        let mut bit_identical = 0usize;
        let g = gather(&t.cols, &ok_rows);
        let args = args_of(&g);
        match ev.evaluate(&args, ok_rows.len()) {
            Ok(got) => {
                if got.len() != ok_rows.len() {
                    report.add(&file, name, || {
                        format!(
                            "evaluate returned {} values for {} rows",
                            got.len(),
                            ok_rows.len()
                        )
                    });
                }
                for (&r, &v) in ok_rows.iter().zip(&got) {
                    if !exact && same(true, want[r], v) {
                        bit_identical += 1;
                    }
                    if !same(exact, want[r], v) {
                        report.add(&file, name, || {
                            format!(
                                "row {r}: {}\n    correctionlib {}\n    rask (evaluate) {}",
                                describe_row(&t.spec, &t.cols, r),
                                show(want[r]),
                                show(v)
                            )
                        });
                    }
                }
            }
            Err(e) => {
                report.add(&file, name, || {
                    format!(
                        "evaluate failed on {} rows correctionlib evaluates: {e}",
                        ok_rows.len()
                    )
                });
                for &r in &ok_rows {
                    if let Err(e) = ev.evaluate_one(&values_of(&t.cols, r)) {
                        report.add(
                            &file,
                            name,
                            || format!("row {r}: {}\n    correctionlib {}\n    rask (evaluate_one) error: {e}", describe_row(&t.spec, &t.cols, r), show(want[r])),
                        );
                    }
                }
            }
        }

        // 2. evaluate_one on a sample of the good rows, and on every error row.
        for &r in ok_rows.iter().step_by(37) {
            match ev.evaluate_one(&values_of(&t.cols, r)) {
                Ok(v) if same(exact, want[r], v) => {}
                Ok(v) => report.add(&file, name, || {
                    format!(
                        "row {r}: {}\n    correctionlib {}\n    rask (evaluate_one) {}",
                        describe_row(&t.spec, &t.cols, r),
                        show(want[r]),
                        show(v)
                    )
                }),
                Err(e) => report.add(&file, name, || {
                    format!(
                        "row {r}: {}\n    correctionlib {}\n    rask (evaluate_one) error: {e}",
                        describe_row(&t.spec, &t.cols, r),
                        show(want[r])
                    )
                }),
            }
        }
        for &r in &err_rows {
            if let Ok(v) = ev.evaluate_one(&values_of(&t.cols, r)) {
                report.add(&file, name, || {
                    format!(
                        "row {r}: {}\n    correctionlib raises\n    rask (evaluate_one) {}",
                        describe_row(&t.spec, &t.cols, r),
                        show(v)
                    )
                });
            }
        }

        // 3. A column holding one error row fails as a whole.
        if let Some(&bad) = err_rows.first() {
            let mut rows: Vec<usize> = ok_rows.iter().copied().take(50).collect();
            let at = rows.len() / 2;
            rows.insert(at, bad);
            let g = gather(&t.cols, &rows);
            if let Ok(v) = ev.evaluate(&args_of(&g), rows.len()) {
                report.add(&file, name, || {
                    format!(
                        "evaluate succeeded on a column holding error row {bad} ({}): got {} there",
                        describe_row(&t.spec, &t.cols, bad),
                        v.get(at)
                            .map_or_else(|| "nothing".to_string(), |&x| show(x))
                    )
                });
            }
        }

        // 4. Constant arguments broadcast to the length asked for.
        for &r in ok_rows.iter().step_by(ok_rows.len().div_ceil(16).max(1)) {
            match ev.evaluate(&consts_of(&t.cols, r), 3) {
                Ok(v) if v.len() == 3 && v.iter().all(|&x| same(exact, want[r], x)) => {}
                other => report.add(
                    &file,
                    name,
                    || format!(
                        "row {r} as constants: {}\n    correctionlib {}\n    rask (evaluate, consts, len 3) {:?}",
                        describe_row(&t.spec, &t.cols, r),
                        show(want[r]),
                        other.map_err(|e| e.to_string())
                    ),
                ),
            }
        }
        let n_after = report
            .counted
            .get(&format!("{file} :: {name}"))
            .copied()
            .unwrap_or(0);
        let last = lines.last_mut().expect("line");
        if !exact {
            write!(last, "; {bit_identical} of {} bit-identical", ok_rows.len()).expect("write");
            total_inexact += ok_rows.len() - bit_identical;
        }
        if n_after > n_before {
            write!(last, "  <-- {} MISMATCHES", n_after - n_before).expect("write");
        }
    }

    println!(
        "correctionlib {} via {python}",
        result["correctionlib"].as_str().unwrap_or("?")
    );
    for l in &lines {
        println!("{l}");
    }
    println!("per file:");
    let mut total = (0, 0, 0);
    for (f, (c, r, e)) in &per_file {
        println!("  {f}: {c} corrections, {r} rows, {e} correctionlib error rows");
        total = (total.0 + c, total.1 + r, total.2 + e);
    }
    println!(
        "total: {} files, {} corrections, {} rows ({} error rows); inputs {:.2?}, correctionlib {python_time:.2}s, rask + compare {:.2?}",
        per_file.len(),
        total.0,
        total.1,
        total.2,
        generated,
        after_python.elapsed()
    );
    println!("formula rows within 1e-12 but not bit-identical to correctionlib: {total_inexact}");

    if !report.counted.is_empty() {
        let mut msg = String::from("rask differs from correctionlib:\n");
        for (k, n) in &report.counted {
            writeln!(msg, "  {k}: {n}").expect("write");
        }
        msg.push_str("first mismatches:\n");
        for m in report.mismatches.iter().take(60) {
            writeln!(msg, "- {}: {}", m.where_, m.what).expect("write");
        }
        panic!("{msg}");
    }
}
