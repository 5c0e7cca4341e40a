//! Benchmark: the AGC CMS ttbar task (issue #20, `tests/data-gen/AGC.md`), in two parts.
//!
//! 1. **Throughput**: events/s of the whole task (`rask::agc::run`: open the fileset, fill the
//!    26 histograms in one pass, write them) with `threads(1)` and `threads(2)`, best of
//!    `RASK_BENCH_RUNS` (default 5), against the coffea reference
//!    (`benches/compare/agc_coffea.py`, coffea 2026.9) with 1 and 2 workers, best of 2 (its own
//!    "events/s" line: the processor run, without Python's start-up and imports). Every file is
//!    read once before timing (page cache). rask's histograms are then checked against coffea's,
//!    values and variances to 1e-9 relative. The inflate floor is the one-thread time to inflate
//!    the baskets of the branches the task reads (compressed bytes already in memory).
//! 2. **Build time at scale** (issue #20, point 8): the AGC with 300 variations (150 jet-pT
//!    shifts, the 8 b-tag and 2 W+jets scale weights and 70 flat up/down weights) built over
//!    `rask_agc::source` (no files) and optimised as one plan, median of 5; then the same
//!    analysis built as a dask graph by coffea + dask-awkward (`benches/compare/agc_graph.py`)
//!    on one file of the fileset: graph construction and `dask.optimize`, nothing computed.
//!
//! Input: `$RASK_BENCH_AGC`, else `target/bench-data/agc/fileset.json` (made by
//! `benches/compare/setup.sh`: `gen_agc.py --no-skim`, 2M events). Python:
//! `$RASK_BENCH_COFFEA_PYTHON` (coffea 2026.9, dask-awkward, dask-histogram; default
//! `target/bench-coffea-venv/bin/python`). Run: `cargo bench --bench agc`;
//! `RASK_BENCH_AGC_PARTS=throughput` or `=build` runs one part, `RASK_BENCH_PEERS=0` skips Python.

#[path = "support/inflate_floor.rs"]
mod floor;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rask::agc::{AgcJob, run};
use rask_agc::{Shift, Systematics};
use rask_plan::{Plan, optimize};
use serde_json::Value;

#[global_allocator]
static GLOBAL: rask::allocator::MiMalloc = rask::allocator::MiMalloc;

/// One timed configuration of the throughput part.
struct Timing {
    runner: &'static str,
    threads: usize,
    seconds: f64,
    events: u64,
    /// Where its last run wrote `4j1b.json` and `4j2b.json`.
    out: PathBuf,
}

impl Timing {
    fn rate(&self) -> f64 {
        self.events as f64 / self.seconds
    }
}

fn env_path(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

fn part_selected(part: &str) -> bool {
    std::env::var("RASK_BENCH_AGC_PARTS").map_or(true, |p| p.split(',').any(|x| x.trim() == part))
}

fn main() {
    rask::allocator::keep_freed_pages();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fileset = env_path(
        "RASK_BENCH_AGC",
        repo.join("target/bench-data/agc/fileset.json"),
    );
    let python = env_path(
        "RASK_BENCH_COFFEA_PYTHON",
        repo.join("target/bench-coffea-venv/bin/python"),
    );
    let runs: usize = std::env::var("RASK_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let peers = std::env::var("RASK_BENCH_PEERS").map_or(true, |v| v != "0");
    let python = if !peers {
        println!("coffea: skipped (RASK_BENCH_PEERS=0)");
        None
    } else if python.exists() {
        Some(python)
    } else {
        println!(
            "coffea: skipped, no Python at {} (run benches/compare/setup.sh or set \
             RASK_BENCH_COFFEA_PYTHON)",
            python.display()
        );
        None
    };
    let scratch = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            println!("no temporary directory for the outputs: {e}");
            return;
        }
    };
    let compare = repo.join("benches/compare");
    let fs = match rask::io::Fileset::open(&fileset) {
        Ok(fs) => Some(fs),
        Err(e) => {
            println!(
                "no fileset {} ({e}): run benches/compare/setup.sh (or set RASK_BENCH_AGC)",
                fileset.display()
            );
            None
        }
    };
    if part_selected("throughput")
        && let Some(fs) = &fs
    {
        throughput(
            &fileset,
            fs,
            python.as_deref(),
            &compare,
            runs,
            scratch.path(),
        );
    }
    if part_selected("build") {
        // One file of the fileset for dask-awkward's graph (its schema comes from a file).
        let file = fs
            .as_ref()
            .and_then(|fs| fs.datasets.iter().find(|d| d.name == "ttbar__nominal"))
            .and_then(|d| d.files.first().cloned());
        build_time(python.as_deref(), &compare, file.as_deref());
    }
}

// ---------------------------------------------------------------------------------------------
// Part 1: throughput.

fn throughput(
    fileset: &Path,
    fs: &rask::io::Fileset,
    python: Option<&Path>,
    compare: &Path,
    runs: usize,
    scratch: &Path,
) {
    let files: Vec<&PathBuf> = fs.datasets.iter().flat_map(|d| &d.files).collect();
    // Page cache: every tool reads the files from memory.
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::read(f).map_or(0, |b| b.len() as u64))
        .sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "agc throughput: {} — {} datasets, {} files, {:.0} MB, {cores} cores, load average {}",
        fileset.display(),
        fs.datasets.len(),
        files.len(),
        bytes as f64 / 1e6,
        load_average()
    );
    let mut timings = Vec::new();
    let mut columns = Vec::new();
    // The task from the Rust API, then as written in SQL (`queries/agc/agc.sql`) if it is there.
    let sql = compare.join("../../queries/agc/agc.sql");
    let fronts: &[(&'static str, Option<&Path>)] = if sql.exists() {
        &[("rask", None), ("rask SQL", Some(&sql))]
    } else {
        &[("rask", None)]
    };
    for (runner, sql) in fronts {
        for threads in [1, 2] {
            let out = scratch.join(format!("{}-{threads}", runner.replace(' ', "-")));
            match rask_best(runner, *sql, fileset, threads, runs, &out) {
                Ok((t, cols)) => {
                    if columns.is_empty() {
                        columns = cols;
                    }
                    timings.push(t);
                }
                Err(e) => println!("{runner} threads({threads}) failed: {e}"),
            }
        }
    }
    if let Some(python) = python {
        let script = compare.join("agc_coffea.py");
        for workers in [1, 2] {
            let out = scratch.join(format!("coffea-{workers}"));
            match coffea_best(python, &script, fileset, workers, 2, &out) {
                Ok(t) => timings.push(t),
                Err(e) => println!("coffea --workers {workers} failed: {e}"),
            }
        }
    }
    println!(
        "\n{:<8} {:>8} {:>10} {:>12} {:>14}",
        "runner", "threads", "seconds", "events/s", "rask/coffea"
    );
    for t in &timings {
        let peer = timings
            .iter()
            .find(|c| c.runner == "coffea" && c.threads == t.threads);
        let ratio = match peer {
            Some(c) if t.runner != "coffea" => format!("{:.1}x", t.rate() / c.rate()),
            _ => "-".to_string(),
        };
        println!(
            "{:<8} {:>8} {:>10.3} {:>12} {:>14}",
            t.runner,
            t.threads,
            t.seconds,
            format!("{:.2}M", t.rate() / 1e6),
            ratio
        );
    }
    let rask_events = timings
        .iter()
        .find(|t| t.runner == "rask")
        .map(|t| t.events);
    if let Some(events) = rask_events {
        let floor = inflate_floor(&files, &columns);
        match floor {
            Some(s) => println!(
                "inflate floor: {s:.3} s on 1 thread ({:.2}M events/s; 2 threads at best {:.2}M \
                 events/s) for the {} branches read",
                events as f64 / s / 1e6,
                2.0 * events as f64 / s / 1e6,
                columns.len()
            ),
            None => println!("inflate floor: not measured (a branch could not be read)"),
        }
    }
    check_agreement(&timings);
}

/// Best wall seconds of `runs` runs of the whole task with `threads`, and the branches read.
fn rask_best(
    runner: &'static str,
    sql: Option<&Path>,
    fileset: &Path,
    threads: usize,
    runs: usize,
    out: &Path,
) -> Result<(Timing, Vec<String>), String> {
    let job = AgcJob {
        fileset: fileset.to_path_buf(),
        out: out.to_path_buf(),
        threads: Some(threads),
        plot: None,
        partition_entries: 100_000,
        sql: sql.map(Path::to_path_buf),
        workers: Vec::new(),
    };
    let mut best = f64::INFINITY;
    let mut events = 0;
    let mut columns = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let report = run(&job).map_err(|e| e.to_string())?;
        best = best.min(t0.elapsed().as_secs_f64());
        events = report.stats.events;
        columns = report.stats.columns;
    }
    let timing = Timing {
        runner,
        threads,
        seconds: best,
        events,
        out: out.to_path_buf(),
    };
    Ok((timing, columns))
}

/// Best of `runs` runs of `agc_coffea.py --workers N`, from the line it prints:
/// `coffea 2026.9.0 workers=N: E events in S s = R events/s`.
fn coffea_best(
    python: &Path,
    script: &Path,
    fileset: &Path,
    workers: usize,
    runs: usize,
    out: &Path,
) -> Result<Timing, String> {
    let mut best: Option<Timing> = None;
    for _ in 0..runs {
        let output = Command::new(python)
            .arg(script)
            .arg("--fileset")
            .arg(fileset)
            .arg("--out")
            .arg(out)
            .args(["--workers", &workers.to_string()])
            .output()
            .map_err(|e| format!("{}: {e}", python.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            return Err(err.lines().last().unwrap_or("no message").to_string());
        }
        let (events, seconds) = parse_coffea_line(&stdout)
            .ok_or_else(|| format!("no 'events in S s = R events/s' line in: {stdout}"))?;
        if best.as_ref().is_none_or(|b| seconds < b.seconds) {
            best = Some(Timing {
                runner: "coffea",
                threads: workers,
                seconds,
                events,
                out: out.to_path_buf(),
            });
        }
    }
    best.ok_or_else(|| "no run".to_string())
}

/// `(events, seconds)` from `... : E events in S s = R events/s`.
fn parse_coffea_line(stdout: &str) -> Option<(u64, f64)> {
    let line = stdout.lines().find(|l| l.ends_with("events/s"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "events")?;
    let events = words.get(at.checked_sub(1)?)?.parse().ok()?;
    let seconds = match words.get(at + 1..at + 4)? {
        ["in", s, "s"] => s.parse().ok()?,
        _ => return None,
    };
    Some((events, seconds))
}

/// Checks every rask output against every coffea output: same categories, values and
/// variances equal to 1e-9 relative.
fn check_agreement(timings: &[Timing]) {
    let coffea: Vec<&Timing> = timings.iter().filter(|t| t.runner == "coffea").collect();
    if coffea.is_empty() {
        println!("histograms: not compared (no coffea run)");
        return;
    }
    for r in timings.iter().filter(|t| t.runner != "coffea") {
        for c in &coffea {
            if r.events != c.events {
                println!(
                    "histograms: {} threads({}) read {} events, coffea workers={} {}",
                    r.runner, r.threads, r.events, c.threads, c.events
                );
            }
            match compare_outputs(&r.out, &c.out) {
                Ok(bins) => println!(
                    "histograms: {} threads({}) = coffea workers={} (4j1b, 4j2b: {bins} values \
                     and as many variances, within 1e-9 relative)",
                    r.runner, r.threads, c.threads
                ),
                Err(e) => println!(
                    "histograms: {} threads({}) DIFFER from coffea workers={}: {e}",
                    r.runner, r.threads, c.threads
                ),
            }
        }
    }
}

fn compare_outputs(rask: &Path, coffea: &Path) -> Result<usize, String> {
    let read = |p: PathBuf| -> Result<Value, String> {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let mut compared = 0;
    for region in rask_agc::REGIONS {
        let (a, b) = (
            read(rask.join(format!("{region}.json")))?,
            read(coffea.join(format!("{region}.json")))?,
        );
        for i in 0..3 {
            let (x, y) = (&a["axes"][i], &b["axes"][i]);
            if x["categories"] != y["categories"] || x["bins"] != y["bins"] {
                return Err(format!("{region}: axis {i} differs"));
            }
        }
        for key in ["values", "variances"] {
            let (x, y) = (numbers(&a["storage"][key]), numbers(&b["storage"][key]));
            if x.len() != y.len() || x.is_empty() {
                return Err(format!(
                    "{region} {key}: {} and {} numbers",
                    x.len(),
                    y.len()
                ));
            }
            for (k, (p, q)) in x.iter().zip(&y).enumerate() {
                if (p - q).abs() > 1e-9 * q.abs() || p.is_nan() != q.is_nan() {
                    return Err(format!("{region} {key} [{k}]: rask {p}, coffea {q}"));
                }
            }
            compared += x.len();
        }
    }
    Ok(compared / 2)
}

/// The numbers of a nested JSON array, flattened (a non-number becomes NaN: a mismatch).
fn numbers(v: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
            _ => out.push(f64::NAN),
        }
    }
    out
}

/// Seconds to inflate the baskets of `branches` in `files` (one thread, best of 3, the
/// compressed bytes already in memory): a floor under any reader of these files. Branches
/// that are not in the trees (the fileset's per-file columns) are left out.
fn inflate_floor(files: &[&PathBuf], branches: &[String]) -> Option<f64> {
    use rask::io::{BasketBuffers, RootTree};
    let mut baskets = Vec::new();
    let mut buffers = BasketBuffers::default();
    for file in files {
        let tree = RootTree::open(file, "Events").ok()?;
        for name in branches {
            let Ok(branch) = tree.branch(name) else {
                continue;
            };
            for loc in &branch.baskets {
                buffers.read_raw(tree.file(), loc).ok()?;
                baskets.push(buffers.raw().to_vec());
            }
        }
    }
    floor::best_of_three(&baskets)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or("?".to_string(), |s| {
        s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    })
}

// ---------------------------------------------------------------------------------------------
// Part 2: build and optimise at scale.

/// Jet-pT shifts and flat weight variations (up and down) of the 300-variation analysis; with
/// the AGC's 8 b-tag and 2 W+jets scale variations: 150 + 8 + 2 + 2 × 70 = 300.
const SHIFTS: usize = 150;
const FLAT: usize = 70;

fn systematics_300() -> Systematics {
    Systematics {
        shifts: (1..=SHIFTS)
            .map(|k| (format!("jes_{k}"), Shift::Scale(1.0 + k as f64 * 1e-3)))
            .collect(),
        btag: true,
        scale_var: true,
        flat: (1..=FLAT)
            .map(|k| {
                let d = k as f64 * 1e-3;
                (format!("flat_{k}"), 1.0 + d, 1.0 - d)
            })
            .collect(),
    }
}

/// One build and optimisation.
struct Built {
    build: f64,
    optimize: f64,
    variations: usize,
    hists: usize,
    arena: usize,
    before: usize,
    logical: usize,
    fused: usize,
}

fn build_once(sys: &Systematics, datasets: &[String]) -> Result<Built, rask_plan::PlanError> {
    let t0 = Instant::now();
    let ctx = rask_plan::Context::new();
    let names: Vec<&str> = datasets.iter().map(String::as_str).collect();
    let events = rask_agc::source(&ctx, &names).map_err(|e| rask_plan::PlanError::Internal {
        rule: "bench",
        message: e.to_string(),
    })?;
    // Process `data` is code 0 of the sorted process names.
    let plan = rask_agc::build_with(&ctx, &events, datasets, 0, sys)?;
    let build = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let all = Plan {
        graph: ctx.graph(),
        outputs: plan.hists.iter().map(|h| h.node_id()).collect(),
    };
    let opt = optimize(&all)?;
    let optimize = t1.elapsed().as_secs_f64();
    Ok(Built {
        build,
        optimize,
        variations: plan.systematics.len() - 1,
        hists: plan.hists.len(),
        arena: all.graph.len(),
        before: all.node_count(),
        logical: opt.logical.node_count(),
        fused: opt.fused.node_count(),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn build_time(python: Option<&Path>, compare: &Path, file: Option<&Path>) {
    let sys = systematics_300();
    let datasets: Vec<String> = [
        "data__nominal",
        "single_top_s_chan__nominal",
        "single_top_tW__nominal",
        "single_top_t_chan__nominal",
        "ttbar__ME_var",
        "ttbar__PS_var",
        "ttbar__nominal",
        "ttbar__scaledown",
        "ttbar__scaleup",
        "wjets__nominal",
    ]
    .map(String::from)
    .to_vec();
    let mut done = Vec::new();
    for _ in 0..5 {
        match build_once(&sys, &datasets) {
            Ok(b) => done.push(b),
            Err(e) => {
                println!("rask: building the 300-variation AGC failed: {e}");
                return;
            }
        }
    }
    let b = &done[0];
    let build = median(done.iter().map(|b| b.build).collect());
    let opt = median(done.iter().map(|b| b.optimize).collect());
    let total = median(done.iter().map(|b| b.build + b.optimize).collect());
    println!(
        "\nagc build time at scale: {} variations ({SHIFTS} jet-pT shifts, 8 b-tag, 2 W+jets \
         scale, {} flat weights), {} histograms, {} datasets; load average {}",
        b.variations,
        2 * FLAT,
        b.hists,
        datasets.len(),
        load_average()
    );
    let peer = python.and_then(|py| match file {
        Some(f) => dask_graph(py, compare, f),
        None => {
            println!("coffea + dask-awkward: skipped (no fileset to take a file from)");
            None
        }
    });
    println!(
        "{:<28} {:>9} {:>11} {:>9}  graph before -> after optimisation",
        "runner", "build s", "optimise s", "total s"
    );
    println!(
        "{:<28} {:>9.4} {:>11.4} {:>9.4}  {} nodes ({} in the arena) -> {} logical, {} fused",
        "rask (median of 5)", build, opt, total, b.before, b.arena, b.logical, b.fused
    );
    if let Some(p) = peer {
        println!(
            "{:<28} {:>9.2} {:>11.2} {:>9.2}  {} layers / {} tasks -> {} layers / {} tasks",
            "coffea + dask-awkward",
            p.build,
            p.optimize,
            p.build + p.optimize,
            p.layers,
            p.tasks,
            p.layers_opt,
            p.tasks_opt
        );
        if p.variations != b.variations {
            println!(
                "note: dask graph with {} variations, rask's with {}",
                p.variations, b.variations
            );
        }
        println!(
            "build + optimise: rask {:.4} s (target < 0.1 s: {}), {:.0}x faster than \
             coffea + dask-awkward",
            total,
            if total < 0.1 { "met" } else { "NOT met" },
            (p.build + p.optimize) / total
        );
    } else {
        println!(
            "build + optimise: rask {total:.4} s (target < 0.1 s: {})",
            if total < 0.1 { "met" } else { "NOT met" }
        );
    }
}

/// What `agc_graph.py` reports.
struct DaskGraph {
    variations: usize,
    build: f64,
    optimize: f64,
    layers: usize,
    tasks: usize,
    layers_opt: usize,
    tasks_opt: usize,
}

/// Runs `agc_graph.py` on `file` and parses its `agc_graph: key=value ...` line.
fn dask_graph(python: &Path, compare: &Path, file: &Path) -> Option<DaskGraph> {
    let output = Command::new(python)
        .arg(compare.join("agc_graph.py"))
        .arg(file)
        .args(["--shifts", &SHIFTS.to_string(), "--flat", &FLAT.to_string()])
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            println!(
                "coffea + dask-awkward: agc_graph.py failed: {}",
                err.lines().last().unwrap_or("no message")
            );
            return None;
        }
        Err(e) => {
            println!(
                "coffea + dask-awkward: cannot run {}: {e}",
                python.display()
            );
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("agc_graph:"))?;
    let get = |key: &str| -> Option<&str> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
    };
    let parsed = (|| {
        Some(DaskGraph {
            variations: get("variations")?.parse().ok()?,
            build: get("build_s")?.parse().ok()?,
            optimize: get("optimize_s")?.parse().ok()?,
            layers: get("layers")?.parse().ok()?,
            tasks: get("tasks")?.parse().ok()?,
            layers_opt: get("layers_optimized")?.parse().ok()?,
            tasks_opt: get("tasks_optimized")?.parse().ok()?,
        })
    })();
    if parsed.is_none() {
        println!("coffea + dask-awkward: cannot parse agc_graph.py's line: {line}");
    }
    parsed
}
