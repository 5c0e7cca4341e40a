//! `rask inspect` and `rask convert`, through the library and the binary.

use std::path::PathBuf;
use std::process::Command;

use rask::io::{EventSource, Partition};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

#[test]
fn inspect_lists_types_bytes_and_baskets() {
    let out = rask()
        .arg("inspect")
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("TTree 'Events': 20000 entries"), "{text}");
    let muon_pt = text
        .lines()
        .find(|l| l.trim_start().starts_with("Muon_pt "))
        .unwrap();
    for want in ["Float_t[nMuon]", "List(non-null Float32)", " 7"] {
        assert!(muon_pt.contains(want), "{muon_pt}");
    }
}

#[test]
fn convert_writes_the_same_events_to_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hzz.parquet");
    let run = rask()
        .args([
            "convert",
            "--tree",
            "events",
            "--rows-per-group",
            "1000",
            "--out",
        ])
        .arg(&out)
        .arg(data("HZZ.root"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let root = EventSource::open(&[data("HZZ.root")], "events").unwrap();
    let pq = EventSource::open(&[&out], "").unwrap();
    assert_eq!(pq.entries(), root.entries());
    let names: Vec<String> = root
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let all = |s: &EventSource| {
        s.read(
            &Partition {
                file: 0,
                entries: 0..s.entries(),
            },
            &names,
        )
        .unwrap()
    };
    let (a, b) = (all(&root), all(&pq));
    for (x, y) in a.columns().iter().zip(b.columns()) {
        assert_eq!(x.to_data(), y.to_data());
    }
    // Only the finished file is left in the directory.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("hzz.parquet")]);
}

#[test]
fn convert_with_branches_projects_and_failures_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("muons.parquet");
    let run = rask()
        .args(["convert", "--branches", "nMuon,Muon_pt", "--out"])
        .arg(&out)
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pq = EventSource::open(&[&out], "").unwrap();
    let names: Vec<&str> = pq
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["nMuon", "Muon_pt"]);

    let bad = dir.path().join("bad.parquet");
    let run = rask()
        .args(["convert", "--branches", "Muon_ptt", "--out"])
        .arg(&bad)
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("no branch 'Muon_ptt'") && err.contains("Muon_pt"),
        "{err}"
    );
    assert!(!bad.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn errors_name_the_file_and_exit_nonzero() {
    let run = rask()
        .args(["inspect", "/no/such/file.root"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("/no/such/file.root"));
}
