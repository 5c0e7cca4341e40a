//! The AGC ttbar job behind `rask agc`: a fileset in, the task's two histograms (`4j1b.json`,
//! `4j2b.json`, UHI JSON: observable × process × variation) and their stacked plots out.

use std::path::PathBuf;

use rask_agc::{DatasetInfo, REGIONS};
use rask_analysis::CutflowValues;
use rask_core::file_columns::FileColumns;
use rask_core::hist::Histogram;
use rask_exec::{Engine, Output, RunStats, Scheduler};
use rask_io_root::{Fileset, MetaValue};

use crate::output_dir::OutputDir;
use crate::plot::PlotFormat;

/// What to run.
#[derive(Debug, Clone)]
pub struct AgcJob {
    /// The fileset (coffea's JSON form); every dataset needs `process` and `variation`
    /// metadata, simulation `xsec` and `nevts`.
    pub fileset: PathBuf,
    pub out: PathBuf,
    /// Worker threads (`None`: all cores; `Some(1)`: the sync scheduler).
    pub threads: Option<usize>,
    /// Also draw each region's nominal histograms, stacked by process with data on top.
    pub plot: Option<PlotFormat>,
    /// Target events per partition.
    pub partition_entries: u64,
    /// Run the task as written in this SQL file (`queries/agc/agc.sql`: outputs `4j1b` and
    /// `4j2b` by `(dataset, systematic)`, the fileset as table `events`) instead of the Rust
    /// API's plan; the histograms are the same.
    pub sql: Option<PathBuf>,
    /// Cluster workers (`HOST:PORT`) that run the partitions; empty: this machine (see
    /// [`crate::cluster`]).
    pub workers: Vec<String>,
}

/// What a run produced.
#[derive(Debug)]
pub struct AgcReport {
    /// The histograms by region, with the files written.
    pub hists: Vec<(String, Histogram, Vec<PathBuf>)>,
    pub stats: RunStats,
    pub threads: usize,
    /// Histograms the plan filled in its one pass.
    pub plan_hists: usize,
    /// The nominal selection's cut-flow, over all datasets (written as `DIR/cutflow.json`; the
    /// API's plan only).
    pub cutflow: Option<CutflowValues>,
    /// What the jet-pT variations share with the nominal plan (the API's plan only).
    pub sharing: Option<String>,
}

/// A dataset without the metadata the task needs.
#[derive(Debug, thiserror::Error)]
#[error("fileset {fileset}: dataset '{dataset}' has no string metadata '{key}'")]
pub struct MissingMetadata {
    pub fileset: PathBuf,
    pub dataset: String,
    pub key: &'static str,
}

fn info(fs: &Fileset) -> Result<Vec<DatasetInfo>, MissingMetadata> {
    fs.datasets
        .iter()
        .map(|d| {
            let text = |key: &'static str| {
                d.metadata
                    .iter()
                    .find_map(|(k, v)| match v {
                        MetaValue::Str(s) if k == key => Some(s.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| MissingMetadata {
                        fileset: fs.path.clone(),
                        dataset: d.name.clone(),
                        key,
                    })
            };
            Ok(DatasetInfo {
                name: d.name.clone(),
                process: text("process")?,
                variation: text("variation")?,
            })
        })
        .collect()
}

/// Runs the task: checks the output directory and the fileset (every file exists, every
/// dataset's metadata is the task's) before reading any event, then fills every histogram
/// of every region and systematic in one pass.
///
/// ```no_run
/// let job = rask::agc::AgcJob {
///     fileset: "data/agc/fileset.json".into(),
///     out: "agc-out".into(),
///     threads: Some(2),
///     plot: None,
///     partition_entries: 100_000,
///     sql: None,
///     workers: Vec::new(),
/// };
/// let report = rask::agc::run(&job)?;
/// println!("{}", rask::agc::summary(&report));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(job: &AgcJob) -> Result<AgcReport, Box<dyn std::error::Error>> {
    #[cfg(not(feature = "plot"))]
    if let Some(f) = job.plot {
        return Err(crate::adl::PlotsNotBuilt(f).into());
    }
    let (scheduler, threads) = Scheduler::for_threads(job.threads)?;
    let out = OutputDir::open(&job.out)?;
    let result = execute(job, &out, scheduler, threads);
    if result.is_err() {
        out.discard();
    }
    result
}

fn execute(
    job: &AgcJob,
    out: &OutputDir,
    scheduler: Scheduler,
    threads: usize,
) -> Result<AgcReport, Box<dyn std::error::Error>> {
    let ctx = rask_plan::Context::new();
    let (events, fileset) = crate::sources::open_fileset(&ctx, "events", &job.fileset)?;
    let datasets = info(&fileset)?;
    let process_categories = process_categories(&fileset)?;
    let data_code = process_categories
        .iter()
        .position(|p| p == "data")
        .map_or(-1, |i| i as i32);
    let engine = Engine::new(scheduler).with_partition_entries(job.partition_entries);
    let (regions, stats, plan_hists, cutflow, sharing) = match &job.sql {
        None => {
            let names: Vec<String> = datasets.iter().map(|d| d.name.clone()).collect();
            let plan = rask_agc::build(&ctx, &events, &names, data_code)?;
            let mut exprs: Vec<&rask_plan::Expr> = plan.hists.iter().collect();
            let flow_outputs = plan.cutflow.outputs();
            exprs.extend(&flow_outputs);
            let (mut outputs, stats) =
                crate::cluster::compute_with_stats(&engine, &job.workers, &exprs)?;
            let flow: Vec<f64> = outputs
                .split_off(plan.hists.len())
                .into_iter()
                .map(|o| match o {
                    Output::Int(i) => Ok(i as f64),
                    Output::Float(x) => Ok(x),
                    _ => Err("internal error: a cut-flow output that is not a number"),
                })
                .collect::<Result<_, _>>()?;
            let cutflow = CutflowValues::from_outputs(&plan.cutflow, &flow)?;
            let computed = histograms(outputs)?;
            let regions = rask_agc::assemble(&computed, &plan.systematics, &datasets)?;
            (
                regions,
                stats,
                plan.hists.len(),
                Some(cutflow),
                Some(plan.sharing),
            )
        }
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut session = rask_sql::SqlSession::new(&ctx);
            session.register("events", events.clone());
            let outs = session
                .query(&text)
                .map_err(|e| e.render_in(&path.display().to_string(), &text))?;
            let ordered = REGIONS
                .iter()
                .map(|r| {
                    outs.iter()
                        .find(|(n, _)| n == r)
                        .map(|(_, e)| e)
                        .ok_or_else(|| {
                            format!(
                                "{}: no output named {r} (the regions are 4j1b, 4j2b)",
                                path.display()
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (outputs, stats) =
                crate::cluster::compute_with_stats(&engine, &job.workers, &ordered)?;
            let mut systematics = Vec::new();
            let mut parts = Vec::new();
            for h in histograms(outputs)? {
                let (names, hs) = rask_agc::unstack(&h)?;
                if !systematics.is_empty() && systematics != names {
                    return Err(format!(
                        "{}: the regions have other systematics ({systematics:?} and {names:?})",
                        path.display()
                    )
                    .into());
                }
                systematics = names;
                parts.extend(hs);
            }
            let regions = rask_agc::assemble(&parts, &systematics, &datasets)?;
            (regions, stats, parts.len(), None, None)
        }
    };
    let mut hists = Vec::new();
    for (name, h) in REGIONS.iter().zip(regions) {
        let json = out.file(name, "json")?;
        rask_core::hist::write_uhi_json(&h, &json)
            .map_err(|e| format!("{}: {e}", json.display()))?;
        #[cfg_attr(not(feature = "plot"), allow(unused_mut))] // plots are pushed with `plot`
        let mut files = vec![json];
        #[cfg(feature = "plot")]
        if let Some(f) = job.plot {
            let p = out.file(name, f.extension())?;
            plot_region(&h, name, &p, f)?;
            files.push(p);
        }
        hists.push((name.to_string(), h, files));
    }
    if let Some(flow) = &cutflow {
        let json = out.file("cutflow", "json")?;
        rask_core::atomic::write(&json, flow.to_json().to_string().as_bytes())
            .map_err(|e| format!("{}: {e}", json.display()))?;
    }
    Ok(AgcReport {
        hists,
        stats,
        threads,
        plan_hists,
        cutflow,
        sharing,
    })
}

fn histograms(outputs: Vec<Output>) -> Result<Vec<Histogram>, &'static str> {
    outputs
        .into_iter()
        .map(|o| match o {
            Output::Hist(h) => Ok(h),
            _ => Err("internal error: the AGC plan computed a value that is not a histogram"),
        })
        .collect()
}

/// The categories of the fileset's `process` column (sorted), as the source codes them.
fn process_categories(fs: &Fileset) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let cols = rask_io_root::fileset::file_columns(fs)?;
    Ok(cols
        .fields
        .iter()
        .find(|f| f.name() == "process")
        .and_then(|f| FileColumns::categories(f))
        .unwrap_or_default())
}

/// The nominal histograms of a region, stacked by simulated process, data as points. The
/// pseudodata's entries are not tied to the luminosity (see `tests/data-gen/AGC.md`), so the
/// points are scaled to the simulation's total, and the legend says by how much.
#[cfg(feature = "plot")]
fn plot_region(
    h: &Histogram,
    region: &str,
    path: &std::path::Path,
    format: PlotFormat,
) -> Result<(), Box<dyn std::error::Error>> {
    use crate::plot::{Figure, PlotOptions, data, latex, one_d::OneD, write_figure};
    let one = |process: &str| -> Result<data::Bins1, Box<dyn std::error::Error>> {
        let slice = rask_agc::slice(h, process, "nominal")?;
        data::bins1(&slice).ok_or_else(|| format!("{region}: cannot draw {process}").into())
    };
    let mut series = Vec::new();
    for p in rask_agc::PROCESSES.iter().rev().filter(|p| **p != "data") {
        series.push((latex::escape(p), one(p)?));
    }
    let mc: f64 = series.iter().flat_map(|(_, b)| &b.values).sum();
    let mut points = one("data")?;
    let total: f64 = points.values.iter().sum();
    let name = if total > 0.0 && mc > 0.0 {
        let k = mc / total;
        points.values.iter_mut().for_each(|v| *v *= k);
        points.errors.iter_mut().for_each(|e| *e *= k);
        format!("pseudodata (x {k:.3})")
    } else {
        "pseudodata".to_string()
    };
    let fig = OneD {
        series,
        stack: true,
        data: Some((name, points)),
        stats: false,
    };
    let options = PlotOptions {
        label: crate::plot::style::Label {
            text: Some(format!("rask Simulation {region}")),
            lumi: Some("3.4 fb^{-1} (13 TeV)".to_string()),
        },
        ..PlotOptions::default()
    };
    write_figure(&Figure::OneD(fig), path, format, &options)?;
    Ok(())
}

/// The human summary: per region the nominal yield per process, then events and rate.
pub fn summary(r: &AgcReport) -> String {
    let mut s = String::new();
    for (name, h, files) in &r.hists {
        s.push_str(&format!("{name}:"));
        for p in rask_agc::PROCESSES {
            let y: f64 = rask_agc::slice(h, p, "nominal")
                .map(|h| h.values().iter().sum())
                .unwrap_or(f64::NAN);
            s.push_str(&format!(" {p} {y:.1}"));
        }
        for f in files {
            s.push_str(&format!("\n  wrote {}", f.display()));
        }
        s.push('\n');
    }
    if let Some(flow) = &r.cutflow {
        s.push_str("cut-flow (nominal selection, all datasets; weighted: xsec x lumi / nevts):\n");
        s.push_str(&flow.table());
    }
    if let Some(sharing) = &r.sharing {
        s.push_str(&format!("jet-pT variations: {sharing}\n"));
    }
    let secs = r.stats.seconds;
    s.push_str(&format!(
        "{} histograms in 1 pass over {} events in {:.2} s ({:.0} events/s, {} threads)\n",
        r.plan_hists,
        r.stats.events,
        secs,
        r.stats.events as f64 / secs.max(1e-9),
        r.threads
    ));
    s
}
