//! Benchmark: rask-correction vs Python correctionlib on one column of jets.
//!
//! The corrections are `tests/data/synthetic/bench.json`: `bench_binned2d` (a 10 x 10
//! pt x eta MultiBinning with list edges, clamp), `bench_formula` (a JEC-like
//! `[0]+[1]*log10(x)+[2]*pow(log10(x),2)+[3]*y*y` over pt and eta) and `bench_jec_l2`
//! (10 eta bins, each a FormulaRef to `max(0.0001,[0]+[1]*log10(x)+[2]*pow(log10(x),2)+[3]/x)`).
//! Both sides get the same N pt/eta values (written to a temporary file), evaluate single
//! threaded, and report the median of RUNS timed calls after a warm-up; per correction rask
//! is timed, then correctionlib (so both see the same machine load, printed before and
//! after). rask's outputs are checked against correctionlib's (bit-equal for the binned one,
//! 1e-12 relative for formulas).
//! Times are medians; the ratio in parentheses is that of the fastest calls (less affected
//! by other work on the machine). Target: rask >= 5x correctionlib's vectorised numpy call.
//!
//! Run: `cargo bench -p rask-correction --bench eval`
//! (`RASK_BENCH_N`, default 10,000,000; `RASK_BENCH_RUNS`, default 5; Python with
//! correctionlib from `RASK_BENCH_PYTHON`, else `RASK_PYTHON`, else `python3` — without it
//! only rask is timed).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask_correction::{Arg, CorrectionSet};

const NAMES: [&str; 3] = ["bench_binned2d", "bench_formula", "bench_jec_l2"];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The median and the smallest of `v`.
fn median_min(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    };
    (median, v[0])
}

fn write_f64(path: &Path, v: &[f64]) {
    let mut bytes = Vec::with_capacity(v.len() * 8);
    v.iter()
        .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
    std::fs::write(path, bytes).expect("write array");
}

fn read_f64(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .expect("read array")
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

fn python() -> Option<String> {
    let python = std::env::var("RASK_BENCH_PYTHON")
        .or_else(|_| std::env::var("RASK_PYTHON"))
        .unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&python)
        .args(["-c", "import numpy, correctionlib"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

fn main() {
    let n = env("RASK_BENCH_N", 10_000_000);
    let runs = env("RASK_BENCH_RUNS", 5).max(1);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = manifest.join("tests/data/synthetic/bench.json");
    let set = CorrectionSet::from_path(&file).expect("load bench.json");

    // Jet-like inputs: pt log-uniform over 10 .. 1500 GeV (partly outside the 15 .. 1000
    // binning), eta uniform over -3 .. 3 (partly outside -2.5 .. 2.5).
    let mut rng = Rng(0x5eed_0fc0_77ec);
    let pt: Vec<f64> = (0..n).map(|_| 10.0 * 150f64.powf(rng.unit())).collect();
    let eta: Vec<f64> = (0..n).map(|_| -3.0 + 6.0 * rng.unit()).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let (pt_path, eta_path) = (dir.path().join("pt.f64"), dir.path().join("eta.f64"));
    write_f64(&pt_path, &pt);
    write_f64(&eta_path, &eta);

    let py = python();
    println!(
        "correction eval: {n} jets (pt, eta), single thread, median of {runs} runs after a warm-up; {}",
        load()
    );
    // Per correction, rask then correctionlib (one Python process per correction), so that
    // both run under the same machine load.
    // Median and fastest seconds of each correction.
    let mut rask_s: Vec<(f64, f64)> = Vec::new();
    let mut outputs = Vec::new();
    let mut theirs: Vec<Option<(f64, f64)>> = Vec::new();
    for name in NAMES {
        let ev = set.get(name).expect("bench correction");
        let args = [Arg::Real(&pt), Arg::Real(&eta)];
        let mut out = ev.evaluate(&args, n).expect("evaluate");
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            out = black_box(ev.evaluate(black_box(&args), n).expect("evaluate"));
            times.push(start.elapsed().as_secs_f64());
        }
        rask_s.push(median_min(times));
        outputs.push(out);
        let files = (
            file.as_path(),
            pt_path.as_path(),
            eta_path.as_path(),
            dir.path(),
        );
        theirs.push(
            py.as_ref()
                .and_then(|py| correctionlib(py, &manifest, files, runs, name)),
        );
    }
    let peer = py.filter(|_| theirs.iter().all(Option::is_some)).map(|py| {
        let times: Vec<(f64, f64)> = theirs
            .iter()
            .map(|t| t.unwrap_or((f64::NAN, f64::NAN)))
            .collect();
        (py, times)
    });
    if peer.is_none() {
        println!(
            "correctionlib: skipped (no Python with correctionlib; set RASK_BENCH_PYTHON or RASK_PYTHON)"
        );
    }

    println!(
        "  {:<16} {:>10} {:>14} {:>16} {:>14} {:>10}",
        "correction", "rask ms", "correctionlib", "ratio (fastest)", "rask Mjets/s", "agree"
    );
    for (i, name) in NAMES.iter().enumerate() {
        let (theirs, ratio, agree) = match &peer {
            Some((_, times)) => {
                let want = read_f64(&dir.path().join(format!("{name}.f64")));
                let exact = *name == "bench_binned2d";
                let bad = want
                    .iter()
                    .zip(&outputs[i])
                    .filter(|&(&w, &g)| {
                        if exact {
                            w.to_bits() != g.to_bits()
                        } else {
                            !(w == g || (w - g).abs() <= 1e-12 * w.abs().max(g.abs()))
                        }
                    })
                    .count();
                let agree = if want.len() != n {
                    format!("len {}", want.len())
                } else if bad == 0 {
                    "yes".to_string()
                } else {
                    format!("{bad} differ")
                };
                (
                    format!("{:.1} ms", times[i].0 * 1e3),
                    format!(
                        "{:.1}x ({:.1}x)",
                        times[i].0 / rask_s[i].0,
                        times[i].1 / rask_s[i].1
                    ),
                    agree,
                )
            }
            None => ("-".to_string(), "-".to_string(), "-".to_string()),
        };
        println!(
            "  {:<16} {:>10.1} {:>14} {:>16} {:>14.0} {:>10}",
            name,
            rask_s[i].0 * 1e3,
            theirs,
            ratio,
            n as f64 / rask_s[i].0 / 1e6,
            agree
        );
    }
    if let Some((py, _)) = &peer {
        println!("  (correctionlib: `corr.evaluate(pt, eta)` on numpy arrays via {py})");
    }
    println!("  after: {}", load());
}

/// The median and fastest of correctionlib's timed calls of correction `name` (`files`: the JSON, the
/// pt and eta arrays, the directory its output goes to), or `None` when Python fails.
fn correctionlib(
    py: &str,
    manifest: &Path,
    files: (&Path, &Path, &Path, &Path),
    runs: usize,
    name: &str,
) -> Option<(f64, f64)> {
    let script = manifest.join("benches/correctionlib_timing.py");
    let (file, pt, eta, dir) = files;
    let out = Command::new(py)
        .arg(&script)
        .arg(file)
        .arg(pt)
        .arg(eta)
        .arg(runs.to_string())
        .arg(dir)
        .arg(name)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} seconds=")))
                .expect("timing line");
            Some(median_min(
                line.split(',')
                    .map(|s| s.parse().expect("seconds"))
                    .collect(),
            ))
        }
        Ok(o) => {
            println!(
                "correctionlib: skipped, {py} failed:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            println!("correctionlib: skipped, {py}: {e}");
            None
        }
    }
}

/// The machine's load average (1, 5, 15 minutes), where the system tells it.
fn load() -> String {
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(s) => {
            let avg: Vec<&str> = s.split_whitespace().take(3).collect();
            format!("load average {}", avg.join(" "))
        }
        Err(_) => "load average unknown".to_string(),
    }
}
