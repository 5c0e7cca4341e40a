//! `rask worker` and `--workers`: two worker processes on 127.0.0.1 run every ADL query to the
//! expected histograms; a worker killed mid-run fails the run naming it and leaves no
//! histogram; without the `cluster` feature, `--workers` is a clear error.
#![cfg_attr(not(feature = "cluster"), allow(dead_code, unused_imports))]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{data, expected_values, json_values, rask};

/// A `rask worker` process on a free port of 127.0.0.1, killed when dropped.
struct WorkerProcess {
    child: Child,
    address: String,
    /// Its stderr (one line per task), when asked for.
    stderr: Option<BufReader<std::process::ChildStderr>>,
}

impl WorkerProcess {
    fn start() -> WorkerProcess {
        Self::spawn(Stdio::null())
    }

    fn start_with_stderr() -> WorkerProcess {
        let mut w = Self::spawn(Stdio::piped());
        w.stderr = w.child.stderr.take().map(BufReader::new);
        w
    }

    fn spawn(stderr: Stdio) -> WorkerProcess {
        let mut child = rask()
            .args(["worker", "--listen", "127.0.0.1:0", "--threads", "1"])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("rask worker listening on ")
            .unwrap_or_else(|| panic!("worker said: {line:?}"))
            .to_string();
        WorkerProcess {
            child,
            address,
            stderr: None,
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn histograms_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(feature = "cluster")]
#[test]
fn adl_on_two_worker_processes_gives_the_expected_histograms() {
    let (a, b) = (WorkerProcess::start(), WorkerProcess::start());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = rask()
        .args([
            "adl",
            "--query",
            "all",
            "--threads",
            "1",
            "--partition-entries",
            "4000",
        ])
        .arg("--input")
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(&out)
        .arg("--workers")
        .arg(format!("{},{}", a.address, b.address))
        .output()
        .unwrap();
    crate::cli::stdout_of_success(run);
    for name in ["q1", "q2", "q3", "q4", "q5", "q6a", "q6b", "q7", "q8"] {
        let got = json_values(&out.join(format!("{name}.json")));
        assert_eq!(got, expected_values(name), "{name}");
    }
}

#[cfg(feature = "cluster")]
#[test]
fn a_worker_killed_mid_run_fails_the_run_naming_it_and_writes_nothing() {
    let a = WorkerProcess::start();
    // The second worker's stderr tells when its task starts: it is killed then.
    let mut b = WorkerProcess::start_with_stderr();
    let dir = tempfile::tempdir().unwrap();
    // 60 copies of q8's branches of the sample in row groups of 1,000: 1.2M events, 1,200
    // partitions, about a second of work for each worker.
    let small = dir.path().join("small.parquet");
    let convert = rask()
        .args(["convert", "--rows-per-group", "1000", "--branches"])
        .arg(Q8_BRANCHES)
        .arg("--out")
        .arg(&small)
        .arg(data("nano-20k.root"))
        .output()
        .unwrap();
    assert!(convert.status.success(), "{convert:?}");
    let mut inputs = Vec::new();
    for i in 0..60 {
        let p = dir.path().join(format!("copy-{i}.parquet"));
        std::fs::copy(&small, &p).unwrap();
        inputs.push(p);
    }
    let out = dir.path().join("out");
    let run = rask()
        .args(["adl", "--query", "q8", "--threads", "1"])
        .arg("--input")
        .args(&inputs)
        .arg("--out")
        .arg(&out)
        .arg("--workers")
        .arg(format!("{},{}", a.address, b.address))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    b.stderr.take().unwrap().read_line(&mut line).unwrap();
    assert!(line.contains("task of"), "{line}");
    b.child.kill().unwrap();
    let killed = Instant::now();
    let done = run.wait_with_output().unwrap();
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "{:?}",
        killed.elapsed()
    );
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(!done.status.success(), "{stderr}");
    assert!(stderr.contains(&b.address), "{stderr}");
    assert_eq!(histograms_in(&out), Vec::<String>::new());
}

/// The branches q8 reads.
const Q8_BRANCHES: &str = "Electron_charge,Electron_eta,Electron_mass,Electron_phi,Electron_pt,\
MET_phi,MET_pt,Muon_charge,Muon_eta,Muon_mass,Muon_phi,Muon_pt,nElectron,nMuon";

#[cfg(not(feature = "cluster"))]
#[test]
fn workers_without_the_cluster_feature_are_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = rask()
        .args(["adl", "--query", "q1", "--workers", "127.0.0.1:1"])
        .arg("--input")
        .arg(data("nano-20k.root"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("--features cluster"), "{stderr}");
    let worker = rask()
        .args(["worker", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&worker.stderr).contains("--features cluster"));
}
