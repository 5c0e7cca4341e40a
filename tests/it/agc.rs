//! The AGC ttbar task (`rask agc`) on the shipped fileset equals the coffea reference
//! (`benches/compare/agc_coffea.py`, coffea 2026.9, stored in `data/agc/expected/`) bin for bin:
//! the pseudodata's counts exactly, the weighted sums and sums of squares to 1e-9; and its
//! cut-flow equals numpy's (`tests/data-gen/agc_cutflow.py`). The task written in SQL
//! (`queries/agc/agc.sql`) gives the same histograms.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flat(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
        other => panic!("not a number: {other}"),
    }
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn numbers(h: &Value, key: &str) -> Vec<f64> {
    let mut out = Vec::new();
    flat(&h["storage"][key], &mut out);
    out
}

/// Runs `rask agc` on the shipped fileset (`extra` arguments after the common ones).
fn run_agc(out: &Path, extra: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["agc", "--fileset"])
        .arg(repo().join("data/agc/fileset.json"))
        .arg("--out")
        .arg(out)
        .args(["--threads", "2", "--partition-entries", "250"])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("26 histograms in 1 pass over 12000 events"),
        "{stdout}"
    );
    stdout
}

/// The two regions in `out` equal coffea's.
fn equals_coffea(out: &Path) {
    for region in ["4j1b", "4j2b"] {
        let got = read(&out.join(format!("{region}.json")));
        let want = read(&repo().join(format!("data/agc/expected/{region}.json")));
        for (i, axis) in ["observable", "process", "variation"].iter().enumerate() {
            assert_eq!(got["axes"][i]["metadata"]["name"], *axis);
            assert_eq!(got["axes"][i]["categories"], want["axes"][i]["categories"]);
        }
        for key in ["values", "variances"] {
            let (g, w) = (numbers(&got, key), numbers(&want, key));
            assert_eq!(g.len(), 27 * 6 * 17, "{region} {key}");
            assert_eq!(g.len(), w.len(), "{region} {key}");
            for (k, (a, b)) in g.iter().zip(&w).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs(),
                    "{region} {key} bin {k}: rask {a}, coffea {b}"
                );
            }
        }
        // The pseudodata (process 5, variation nominal) is counted, with weight 1: exactly.
        let (g, w) = (numbers(&got, "values"), numbers(&want, "values"));
        let data: Vec<usize> = (0..27).map(|b| (b * 6 + 5) * 17).collect();
        assert!(data.iter().all(|&k| g[k] == w[k] && g[k].fract() == 0.0));
        assert!(
            data.iter().map(|&k| g[k]).sum::<f64>() > 400.0,
            "{region}: data filled"
        );
    }
}

#[test]
fn the_agc_task_equals_coffea_bin_for_bin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("agc");
    let stdout = run_agc(&out, &["--plot", "png"]);
    equals_coffea(&out);
    for region in ["4j1b", "4j2b"] {
        let png = std::fs::read(out.join(format!("{region}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
    // The cut-flow, against numpy's (`tests/data-gen/agc_cutflow.py`): counts exactly.
    let got = read(&out.join("cutflow.json"));
    let want = read(&repo().join("data/agc/expected/cutflow.json"));
    assert_eq!(got["cuts"], want["cuts"]);
    for key in ["total", "onecut", "cutflow", "nminusone"] {
        assert_eq!(got[key], want[key], "{key}");
        let (mut g, mut w) = (Vec::new(), Vec::new());
        flat(&got["weighted"][key], &mut g);
        flat(&want["weighted"][key], &mut w);
        assert_eq!(g.len(), w.len());
        for (a, b) in g.iter().zip(&w) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs(),
                "weighted {key}: {a} vs {b}"
            );
        }
    }
    assert!(stdout.contains("cut-flow"), "{stdout}");
}

#[test]
fn the_agc_task_in_sql_equals_coffea_bin_for_bin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("agc-sql");
    let sql = repo().join("queries/agc/agc.sql");
    run_agc(&out, &["--sql", sql.to_str().unwrap()]);
    equals_coffea(&out);
}

#[test]
fn a_fileset_without_the_task_metadata_is_an_error_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let nano = repo().join("data/nano-20k.root");
    let fileset = dir.path().join("f.json");
    std::fs::write(
        &fileset,
        format!(
            r#"{{"d": {{"files": ["{}"], "metadata": {{"process": "ttbar"}}}}}}"#,
            nano.display()
        ),
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["agc", "--fileset"])
        .arg(&fileset)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        err.contains("dataset 'd' has no string metadata 'variation'"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");
}
