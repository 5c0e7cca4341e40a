//! Benchmark: single-threaded read of a NanoAOD file's Jet_*, Muon_*, Electron_*, MET_* branches.
//!
//! Prints events/s and uncompressed MB/s for rask, the time of decompression alone on the same
//! baskets (the floor no reader can beat), and, when Python with uproot is available, uproot
//! reading the same branches in the same run. Ratios, not absolute times, are the targets:
//! rask ≥ 2× uproot, rask ≤ 1.1× the decompression floor (#21).
//!
//! Input: `$RASK_BENCH_ROOT`, else `target/bench-data/nano-1M.root` (made by
//! `benches/compare/setup.sh`, which also makes the Python venv `target/bench-venv`).
//! Run: `cargo bench --bench read_root` (`RASK_BENCH_RUNS=N` for best of N, default 3).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask::io::cursor::Cursor;
use rask::io::{BasketBuffers, EventSource, Key, RootTree, compression};

/// The allocator of the `rask` binary, so that the benchmark measures what users run.
#[global_allocator]
static GLOBAL: rask::allocator::MiMalloc = rask::allocator::MiMalloc;

const PREFIXES: [&str; 4] = ["Jet_", "Muon_", "Electron_", "MET_"];

fn main() {
    rask::allocator::keep_freed_pages();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = std::env::var_os("RASK_BENCH_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/bench-data/nano-1M.root"));
    if !file.exists() {
        eprintln!(
            "no input {}: run benches/compare/setup.sh (or set RASK_BENCH_ROOT)",
            file.display()
        );
        return;
    }
    let runs: usize = std::env::var("RASK_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let tree = RootTree::open(&file, "Events").expect("benchmark file opens");
    let branches: Vec<&str> = tree
        .readable_branches()
        .into_iter()
        .filter(|b| PREFIXES.iter().any(|p| b.starts_with(p)))
        .collect();
    let events = tree.entries();
    let uncompressed: u64 = branches
        .iter()
        .map(|b| tree.branch(b).map_or(0, |b| b.uncompressed_bytes))
        .sum();
    let compressed: u64 = branches
        .iter()
        .map(|b| tree.branch(b).map_or(0, |b| b.compressed_bytes))
        .sum();
    println!(
        "read_root: {} — {events} events, {} branches, {:.1} MB compressed, {:.1} MB uncompressed, best of {runs}, 1 thread",
        file.display(),
        branches.len(),
        compressed as f64 / 1e6,
        uncompressed as f64 / 1e6
    );

    let floor = best_of(runs, || decompress_only(&tree, &branches));
    let rask = best_of(runs, || read_rask(&file, &branches));
    let uproot = uproot_seconds(&repo, &file, runs, &branches);

    let row = |name: &str, s: f64| {
        println!(
            "  {name:<28} {s:>9.3} s {:>12.0} events/s {:>9.1} MB/s",
            events as f64 / s,
            uncompressed as f64 / 1e6 / s
        )
    };
    row("decompression only (floor)", floor);
    row("rask", rask);
    if let Some(u) = uproot {
        row("uproot (awkward arrays)", u);
    }
    println!("  rask / floor  = {:.2}   (target <= 1.1)", rask / floor);
    match uproot {
        Some(u) => println!("  uproot / rask = {:.2}   (target >= 2)", u / rask),
        None => println!("  uproot: not available (run benches/compare/setup.sh)"),
    }
}

fn best_of(runs: usize, mut f: impl FnMut() -> u64) -> f64 {
    let mut best = f64::INFINITY;
    let mut check = None;
    for _ in 0..runs.max(1) {
        let t0 = Instant::now();
        let n = f();
        best = best.min(t0.elapsed().as_secs_f64());
        assert!(check.is_none_or(|c| c == n), "runs disagree");
        check = Some(n);
    }
    best
}

/// Reads and decompresses every basket of the branches, decoding nothing.
fn decompress_only(tree: &RootTree, branches: &[&str]) -> u64 {
    let mut buffers = BasketBuffers::default();
    let mut out = Vec::new();
    let mut total = 0u64;
    for name in branches {
        let Ok(branch) = tree.branch(name) else {
            continue;
        };
        for loc in &branch.baskets {
            buffers.read_raw(tree.file(), loc).expect("basket reads");
            let raw = buffers.raw();
            let key = Key::parse(&mut Cursor::new(raw, 0)).expect("basket key parses");
            compression::decompress(&raw[key.key_len as usize..], key.obj_len as usize, &mut out)
                .expect("basket decompresses");
            total += out.len() as u64;
        }
    }
    total
}

/// Opens the file and reads all branches into Arrow, partition by partition.
fn read_rask(file: &Path, branches: &[&str]) -> u64 {
    let src = EventSource::open(&[file], "Events").expect("opens");
    let mut rows = 0u64;
    for p in src.partitions(branches, 100_000).expect("partitions") {
        let batch = src.read(&p, branches).expect("reads");
        rows += batch.num_rows() as u64;
    }
    rows
}

fn uproot_seconds(repo: &Path, file: &Path, runs: usize, branches: &[&str]) -> Option<f64> {
    let python = std::env::var_os("RASK_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target/bench-venv/bin/python"));
    let out = Command::new(&python)
        .arg(repo.join("benches/compare/read_uproot.py"))
        .arg(file)
        .arg("Events")
        .arg(runs.to_string())
        .args(branches)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "uproot run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("seconds: ")?.trim().parse().ok())
}
