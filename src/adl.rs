//! The ADL batch job behind `rask adl`: the eight benchmark queries over ROOT or Parquet files in
//! one pass, histograms written as UHI JSON (and plots), with a run summary.

use std::path::{Path, PathBuf};

/// The eight queries written with the builder API (the `rask-adl` crate), and the NanoAOD
/// schema the tests and examples declare sources with.
pub use rask_adl::{QUERIES, nano_schema, q1, q2, q3, q4, q5, q6, q7, q8, query};
use rask_core::hist::Histogram;
use rask_exec::{Engine, Output, RunStats, Scheduler};

use crate::output_dir::OutputDir;
use crate::plot::PlotFormat;
#[cfg(feature = "plot")]
use crate::plot::write_plot;

/// What to run.
#[derive(Debug, Clone)]
pub struct AdlJob {
    /// Query names (`q1` … `q8`); `all` means every query.
    pub queries: Vec<String>,
    pub inputs: Vec<PathBuf>,
    pub tree: String,
    pub out: PathBuf,
    /// Worker threads (`None`: all cores; `Some(1)`: the sync scheduler); at most
    /// [`Scheduler::max_threads`], and 0 is an error.
    pub threads: Option<usize>,
    /// Also draw every histogram (`DIR/<name>.png` or `.svg`); without the `plot` feature a job
    /// that asks for plots fails with [`PlotsNotBuilt`] before anything is read.
    pub plot: Option<PlotFormat>,
    /// UHI JSON files (`DIR/<name>.json`) or one ROOT file (`DIR/hists.root`).
    pub format: crate::outputs::HistFormat,
    /// Target events per partition.
    pub partition_entries: u64,
    /// Draw a progress bar on stderr (when it is a terminal; ignored without the `progress`
    /// feature, as the bar changes no output).
    pub progress: bool,
    /// Bytes the run may hold in DataFusion's memory pool (`None`: unbounded); a run that needs
    /// more fails with an error naming the limit.
    pub memory_limit: Option<usize>,
    /// Cluster workers (`HOST:PORT`) that run the partitions, merged here; empty: this machine.
    /// Needs the `cluster` feature.
    pub workers: Vec<String>,
}

/// What a run produced.
#[derive(Debug)]
pub struct AdlReport {
    /// Histograms by name (`q6` gives `q6a` and `q6b`), with the files written.
    pub hists: Vec<(String, Histogram, Vec<PathBuf>)>,
    /// Outputs that are not histograms, as text.
    pub values: Vec<(String, String)>,
    pub stats: RunStats,
    pub threads: usize,
}

/// A `--query` name that is not one of the benchmark's queries.
///
/// ```
/// let e = rask::adl::expand_queries(&["q9".to_string()]).unwrap_err();
/// assert_eq!(e.to_string(), "unknown query 'q9' (the queries are q1 … q8, or all)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown query '{name}' (the queries are q1 … q8, or all)")]
pub struct UnknownQuery {
    /// The name as given, trimmed and lowercased.
    pub name: String,
}

/// The query names of `--query`: `all`, or names separated by commas; each query once, in the
/// order first named (`q1,q2,q1` and `all,q1` run q1 once).
///
/// ```
/// let names = rask::adl::expand_queries(&["q2,q1,Q2".to_string()])?;
/// assert_eq!(names, ["q2", "q1"]);
/// # Ok::<(), rask::adl::UnknownQuery>(())
/// ```
pub fn expand_queries(names: &[String]) -> Result<Vec<String>, UnknownQuery> {
    let mut out = Vec::new();
    for n in names.iter().flat_map(|n| n.split(',')) {
        let n = n.trim().to_lowercase();
        let found: Vec<String> = if n == "all" {
            rask_adl::QUERIES.iter().map(|q| q.to_string()).collect()
        } else if rask_adl::QUERIES.contains(&n.as_str()) {
            vec![n]
        } else {
            return Err(UnknownQuery { name: n });
        };
        for q in found {
            if !out.contains(&q) {
                out.push(q);
            }
        }
    }
    Ok(out)
}

/// The job's inputs as the plan source `events`.
fn open_events(
    ctx: &rask_plan::Context,
    job: &AdlJob,
) -> Result<rask_plan::Expr, Box<dyn std::error::Error>> {
    let paths: Vec<&str> = job
        .inputs
        .iter()
        .map(|p| {
            p.to_str()
                .ok_or_else(|| format!("{}: not UTF-8", p.display()))
        })
        .collect::<Result<_, _>>()?;
    Ok(crate::sources::open(ctx, "events", &paths, &job.tree)?)
}

/// A query that does not build, rendered as compilers print errors (`FILE:LINE:COL: error: …`,
/// the line, a caret under the culprit): printed as it is, without another `error:` prefix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// Runs a `.sql` file (see `rask_sql`) over the job's inputs, registered as the table
/// `events`; histograms are named by their `AS` alias.
pub fn run_sql(
    job: &AdlJob,
    sql: &str,
    origin: &str,
) -> Result<AdlReport, Box<dyn std::error::Error>> {
    check_plot(job)?;
    scheduler(job)?;
    let out = OutputDir::open(&job.out)?;
    in_dir(out, |out| {
        let ctx = rask_plan::Context::new();
        let events = open_events(&ctx, job)?;
        let mut session =
            rask_sql::SqlSession::new(&ctx).with_opener(crate::sources::table_opener(&ctx));
        session.register("events", events);
        let named = session
            .query(sql)
            .map_err(|e| QueryError(e.render_in(origin, sql)))?;
        execute(job, out, named)
    })
}

/// Runs `f` with the locked output directory; a run that fails before writing anything leaves
/// no directory it created.
fn in_dir(
    out: OutputDir,
    f: impl FnOnce(&OutputDir) -> Result<AdlReport, Box<dyn std::error::Error>>,
) -> Result<AdlReport, Box<dyn std::error::Error>> {
    let result = f(&out);
    if result.is_err() {
        out.discard();
    }
    result
}

/// A job asked for plots from a library built without its `plot` feature.
///
/// ```
/// let e = rask::adl::PlotsNotBuilt(rask::plot::PlotFormat::Png);
/// assert!(e.to_string().contains("`plot` feature"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot draw {} plots: rask was built without its `plot` feature (enable it, or ask for no plots)",
    .0.extension()
)]
pub struct PlotsNotBuilt(pub PlotFormat);

/// The job's plots can be drawn: always with the `plot` feature, never without it.
fn check_plot(job: &AdlJob) -> Result<(), PlotsNotBuilt> {
    match job.plot {
        Some(f) if !cfg!(feature = "plot") => Err(PlotsNotBuilt(f)),
        _ => Ok(()),
    }
}

/// The scheduler of the job's `threads`, checked before anything is read.
fn scheduler(job: &AdlJob) -> Result<(Scheduler, usize), rask_exec::ExecError> {
    Scheduler::for_threads(job.threads)
}

/// Runs the job. The thread count and the output directory (created if missing, then locked:
/// see [`OutputDir`]) are checked before any input is read.
///
/// ```no_run
/// let job = rask::adl::AdlJob {
///     queries: vec!["all".into()],
///     inputs: vec!["data/nano-20k.root".into()],
///     tree: "Events".into(),
///     out: "out".into(),
///     threads: None,
///     plot: None,
///     format: rask::outputs::HistFormat::Json,
///     partition_entries: 100_000,
///     progress: false,
///     memory_limit: None,
///     workers: Vec::new(),
/// };
/// let report = rask::adl::run(&job)?;
/// println!("{}", rask::adl::summary(&report));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(job: &AdlJob) -> Result<AdlReport, Box<dyn std::error::Error>> {
    let queries = expand_queries(&job.queries)?;
    if queries.is_empty() {
        return Err("no query to run".into());
    }
    check_plot(job)?;
    scheduler(job)?;
    let out = OutputDir::open(&job.out)?;
    in_dir(out, |out| {
        let ctx = rask_plan::Context::new();
        let events = open_events(&ctx, job)?;
        let mut named = Vec::new();
        for q in &queries {
            named.extend(rask_adl::query(&ctx, &events, q)?);
        }
        execute(job, out, named)
    })
}

/// Runs named outputs (histograms are written as `<name>.json` in `out` and plotted; other
/// outputs are reported in the summary) with the job's inputs and threads.
pub fn execute(
    job: &AdlJob,
    out: &OutputDir,
    named: Vec<(String, rask_plan::Expr)>,
) -> Result<AdlReport, Box<dyn std::error::Error>> {
    // Every name must be a file name inside `out` before anything runs (`out.file` checks again).
    for (name, _) in &named {
        crate::outputs::check_output_name(name)?;
    }
    check_plot(job)?;
    let (scheduler, threads) = scheduler(job)?;
    let mut engine = Engine::new(scheduler).with_partition_entries(job.partition_entries);
    if let Some(bytes) = job.memory_limit {
        engine = engine.with_memory_limit(bytes);
    }
    #[cfg(feature = "progress")]
    let bar = if job.progress {
        let total = rask_io_root::EventSource::open(&job.inputs, &job.tree)?.entries();
        let bar = crate::progress::bar(total).map_err(|e| e.to_string())?;
        let b = bar.clone();
        engine = engine.with_progress(move |n| b.inc(n));
        Some(bar)
    } else {
        None
    };
    let exprs: Vec<&rask_plan::Expr> = named.iter().map(|(_, e)| e).collect();
    let (outputs, stats) = crate::cluster::compute_with_stats(&engine, &job.workers, &exprs)?;
    #[cfg(feature = "progress")]
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut hists = Vec::new();
    let mut values = Vec::new();
    for ((name, _), result) in named.iter().zip(outputs) {
        let h = match result {
            Output::Hist(h) => h,
            Output::Int(i) => {
                values.push((name.clone(), i.to_string()));
                continue;
            }
            Output::Float(x) => {
                values.push((name.clone(), x.to_string()));
                continue;
            }
            Output::Bool(b) => {
                values.push((name.clone(), b.to_string()));
                continue;
            }
            Output::Events(a) | Output::Array { data: a, .. } => {
                values.push((name.clone(), format!("{} values", a.len())));
                continue;
            }
        };
        let mut files = Vec::new();
        if job.format == crate::outputs::HistFormat::Json {
            let json = out.file(name, "json")?;
            rask_core::hist::write_uhi_json(&h, &json)
                .map_err(|e| format!("{}: {e}", json.display()))?;
            files.push(json);
        }
        #[cfg(feature = "plot")]
        if let Some(f) = job.plot {
            let p = out.file(name, f.extension())?;
            write_plot(&h, name, &p, f)?;
            files.push(p);
        }
        hists.push((name.clone(), h, files));
    }
    if job.format == crate::outputs::HistFormat::Root && !hists.is_empty() {
        let all: Vec<(&str, &Histogram)> = hists.iter().map(|(n, h, _)| (n.as_str(), h)).collect();
        let root = crate::outputs::write_root(out.path(), &all)?;
        for (_, _, files) in &mut hists {
            files.insert(0, root.clone());
        }
    }
    Ok(AdlReport {
        hists,
        values,
        stats,
        threads,
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

/// The human summary of a run: one line per histogram, then events, rate and bytes read.
pub fn summary(r: &AdlReport) -> String {
    let mut s = String::new();
    for (name, h, files) in &r.hists {
        let values = h.values();
        let entries: f64 = values.iter().sum();
        let inner: f64 = values[1..values.len().saturating_sub(1)].iter().sum();
        let shown: Vec<String> = files.iter().map(|f| display(f)).collect();
        s.push_str(&format!(
            "{name:<4} entries {entries:>10}  in range {inner:>10}  -> {}\n",
            shown.join(", ")
        ));
    }
    for (name, v) in &r.values {
        s.push_str(&format!("{name:<4} = {v}\n"));
    }
    let st = &r.stats;
    let rate = if st.seconds > 0.0 {
        st.events as f64 / st.seconds
    } else {
        0.0
    };
    s.push_str(&format!(
        "events: {} in {:.3} s ({}), {} thread{}, {} partition{}\n",
        st.events,
        st.seconds,
        crate::progress::rate(rate),
        r.threads,
        if r.threads == 1 { "" } else { "s" },
        st.partitions,
        if st.partitions == 1 { "" } else { "s" },
    ));
    s.push_str(&format!(
        "read: {} of {} in the files (the {} branches needed take {})\n",
        mb(st.bytes_read),
        mb(st.file_bytes),
        st.columns.len(),
        mb(st.column_bytes),
    ));
    s.push_str(&format!("branches: {}\n", st.columns.join(" ")));
    s
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// Without the `plot` feature (`cargo test -p rask --lib --no-default-features`).
#[cfg(all(test, not(feature = "plot")))]
mod no_plot_tests {
    use super::*;

    /// A job asking for plots fails before its output directory is made or any input is read
    /// (the input does not exist, so reading it would fail with another error).
    #[test]
    fn plots_without_the_feature_fail_first() {
        let dir = std::env::temp_dir().join(format!("rask-no-plot-{}", std::process::id()));
        let job = AdlJob {
            queries: vec!["q1".into()],
            inputs: vec![dir.join("missing.root")],
            tree: "Events".into(),
            out: dir.join("out"),
            threads: Some(1),
            plot: Some(PlotFormat::Svg),
            format: crate::outputs::HistFormat::Json,
            partition_entries: 100_000,
            progress: true,
            memory_limit: None,
            workers: Vec::new(),
        };
        for result in [run(&job), run_sql(&job, "SELECT 1", "q.sql")] {
            let err = result.expect_err("plots cannot be drawn");
            let e = err
                .downcast_ref::<PlotsNotBuilt>()
                .unwrap_or_else(|| panic!("not PlotsNotBuilt: {err}"));
            assert_eq!(e.0, PlotFormat::Svg);
            assert_eq!(
                err.to_string(),
                "cannot draw svg plots: rask was built without its `plot` feature (enable it, or ask for no plots)"
            );
        }
        assert!(!dir.join("out").exists());
    }
}
