//! `--format root`: every histogram of a run in one ROOT file, `DIR/hists.root`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rask::io::RootFile;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn adl(out: &Path, format: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["adl", "--query", "q1,q6", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(out)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if format == "root" {
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("hists.root"),
            "the summary names the file: {text}"
        );
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The bin contents (flow bins included) at the end of a `TH1D`/`TH1I` payload: the object
/// ends with its `TArrayD`/`TArrayI` of `n` cells.
fn tail_values(class: &str, payload: &[u8], n: usize) -> Vec<f64> {
    match class {
        "TH1D" => payload[payload.len() - 8 * n..]
            .chunks(8)
            .map(|c| f64::from_be_bytes(c.try_into().unwrap()))
            .collect(),
        "TH1I" => payload[payload.len() - 4 * n..]
            .chunks(4)
            .map(|c| f64::from(i32::from_be_bytes(c.try_into().unwrap())))
            .collect(),
        other => panic!("unexpected class {other}"),
    }
}

#[test]
fn adl_format_root_writes_one_file_with_every_histogram() {
    let dir = tempfile::tempdir().unwrap();
    adl(dir.path(), "root");
    assert_eq!(files(dir.path()), [".rask.lock", "hists.root"]);
    let f = RootFile::open(dir.path().join("hists.root")).unwrap();
    let names: Vec<&str> = f.keys().iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["q1", "q6a", "q6b"]);
    // The contents against the benchmark's expected histograms (../shared/adl/expected).
    for k in f.keys() {
        let want = crate::cli::expected_values(&k.name);
        let mut payload = Vec::new();
        f.read_object(k, &mut payload).unwrap();
        assert_eq!(
            tail_values(&k.class_name, &payload, want.len()),
            want,
            "{}",
            k.name
        );
    }
}

#[test]
fn unknown_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rask"))
        .args(["adl", "--query", "q1", "--input"])
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path())
        .args(["--format", "yaml"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("yaml"));
}

/// ROOT and uproot read `hists.root` and find what the JSON of the same run holds (when
/// `RASK_ROOT_PYTHON` names a Python with ROOT, uproot and hist; `.ci/run` makes one).
#[test]
fn root_and_uproot_agree_with_the_json_of_the_same_run() {
    let Ok(python) = std::env::var("RASK_ROOT_PYTHON") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide a Python with ROOT, uproot and hist (RASK_ROOT_PYTHON)");
        }
        eprintln!("skipped: RASK_ROOT_PYTHON is not set (a Python with ROOT, uproot and hist)");
        return;
    };
    let (root_dir, json_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    adl(root_dir.path(), "root");
    adl(json_dir.path(), "json");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/io-root/tests/it/root_check.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(root_dir.path().join("hists.root"))
        .arg(json_dir.path())
        .args(["q1", "q6a", "q6b"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        3,
        "{text}"
    );
}
