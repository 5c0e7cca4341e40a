//! Skims (`rask skim`, SQL `COPY (SELECT ...) TO 'dir/'`): the selected events' chosen and
//! computed columns, written to a directory of Parquet files.
//!
//! The select items of the query are per-event columns (numbers, lists as Arrow lists, records
//! as structs; a fileset's string columns such as `dataset` as strings), its `WHERE` keeps
//! events. One engine pass computes every column; the rows, in file and entry order, are cut
//! into files of at most `rows_per_file` rows, `DIR/part-00000.parquet`, `part-00001.parquet`,
//! ... (partitioned by row count, not by input file), ZSTD-compressed like `rask convert`.
//! Every file is written to a hidden temporary file first and all are renamed into place only
//! when all are complete, so a failed skim leaves no part file of its own; parts of an earlier
//! skim in the directory that this one did not rewrite are removed after it succeeds (a reader
//! of `DIR/*.parquet` sees this skim only). The directory is an [`OutputDir`] (checked, locked).

#[cfg(feature = "cli")]
pub mod cli;
mod write;

use std::path::{Component, Path, PathBuf};

use rask_exec::{Engine, Scheduler};
use rask_plan::Expr;

use crate::output_dir::{OutputDir, OutputDirError};
pub use write::write_skim;

/// Rows per Parquet file when a job does not say.
pub const DEFAULT_ROWS_PER_FILE: usize = 1_000_000;

/// Where a skim reads its events: registered as the SQL table `events`.
#[derive(Debug, Clone)]
pub enum SkimInput {
    /// ROOT files (the tree `tree`) or Parquet files.
    Files { paths: Vec<PathBuf>, tree: String },
    /// A fileset in coffea's JSON form: every dataset, with the per-file columns `dataset`,
    /// `xsec`, ... (see [`crate::sources::open_fileset`]).
    Fileset(PathBuf),
}

/// What to skim.
#[derive(Debug, Clone)]
pub struct SkimJob {
    pub input: SkimInput,
    /// A `SELECT` whose items are per-event columns (named by their aliases) and whose `WHERE`
    /// keeps events, over the table `events`.
    pub sql: String,
    /// Where the SQL came from, for error messages (`q.sql`, `--sql`).
    pub origin: String,
    /// The output directory (created if missing, locked).
    pub out: PathBuf,
    /// Worker threads (`None`: all cores; `Some(1)`: the sync scheduler).
    pub threads: Option<usize>,
    /// At most this many rows per Parquet file (at least 1).
    pub rows_per_file: usize,
    /// Target events per partition of the engine.
    pub partition_entries: u64,
}

/// What a skim wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkimReport {
    /// Rows (selected events) written.
    pub rows: u64,
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The Parquet files written, in row order.
    pub files: Vec<PathBuf>,
}

/// Why a skim failed; every variant names the column, file or directory at fault.
#[derive(Debug, thiserror::Error)]
pub enum SkimError {
    #[error(transparent)]
    OutputDir(#[from] OutputDirError),
    #[error(transparent)]
    Open(#[from] crate::sources::OpenError),
    /// The query does not build (rendered with a caret under the culprit).
    #[error("{0}")]
    Query(String),
    #[error(transparent)]
    Exec(#[from] rask_exec::ExecError),
    #[error("rows per file must be at least 1")]
    RowsPerFile,
    #[error("a skim needs at least one column (SELECT x AS name, ... FROM events)")]
    NoColumns,
    /// A select item that is not one value per event.
    #[error(
        "column '{name}': a skim writes one value per event, but this is {what} (select per-event values such as MET.pt or Jet.pt; histograms and aggregates belong in `rask query`)"
    )]
    NotPerEvent { name: String, what: String },
    /// Two columns that do not keep the same events.
    #[error(
        "column '{name}' does not keep the same events as column '{first}' (select both in one query, under one WHERE)"
    )]
    Misaligned { name: String, first: String },
    #[error("two COPY statements write to '{target}': give each its own directory")]
    SameTarget { target: String },
    #[error("two columns are named '{0}'")]
    DuplicateColumn(String),
    /// A category code without a category (a damaged fileset column).
    #[error("column '{name}': code {code} is not one of its {count} categories")]
    Category {
        name: String,
        code: i64,
        count: usize,
    },
    #[error("column '{name}': {source}")]
    Arrow {
        name: String,
        source: arrow_schema::ArrowError,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: Parquet writer failed: {source}")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    /// A `COPY ... TO` target that is not a relative path inside the output directory.
    #[error(
        "COPY target '{target}': {reason} (rask query writes COPY skims inside --out: TO 'name/')"
    )]
    Target {
        target: String,
        reason: &'static str,
    },
    #[error("{0}: not UTF-8")]
    NotUtf8(PathBuf),
}

/// The engine of `threads` worker threads (checked: 1 ..= [`Scheduler::max_threads`]).
fn engine(threads: Option<usize>, partition_entries: u64) -> Result<Engine, SkimError> {
    let (scheduler, _) = Scheduler::for_threads(threads)?;
    Ok(Engine::new(scheduler).with_partition_entries(partition_entries))
}

/// The job's input as the source `events`.
fn open_input(ctx: &rask_plan::Context, input: &SkimInput) -> Result<Expr, SkimError> {
    match input {
        SkimInput::Files { paths, tree } => {
            let paths: Vec<&str> = paths
                .iter()
                .map(|p| p.to_str().ok_or_else(|| SkimError::NotUtf8(p.clone())))
                .collect::<Result<_, _>>()?;
            Ok(crate::sources::open(ctx, "events", &paths, tree)?)
        }
        SkimInput::Fileset(path) => Ok(crate::sources::open_fileset(ctx, "events", path)?.0),
    }
}

/// Runs a skim: checks the threads, the rows per file and the output directory before reading
/// anything, then computes every column in one pass and writes the Parquet files.
///
/// ```no_run
/// let job = rask::skim::SkimJob {
///     input: rask::skim::SkimInput::Files {
///         paths: vec!["data/nano-20k.root".into()],
///         tree: "Events".into(),
///     },
///     sql: "SELECT MET.pt AS met, Jet.pt AS jet_pt FROM events WHERE nJet >= 2".into(),
///     origin: "--sql".into(),
///     out: "skim".into(),
///     threads: None,
///     rows_per_file: rask::skim::DEFAULT_ROWS_PER_FILE,
///     partition_entries: 100_000,
/// };
/// let report = rask::skim::run(&job)?;
/// println!("{}", rask::skim::summary(&report));
/// # Ok::<(), rask::skim::SkimError>(())
/// ```
pub fn run(job: &SkimJob) -> Result<SkimReport, SkimError> {
    if job.rows_per_file == 0 {
        return Err(SkimError::RowsPerFile);
    }
    let engine = engine(job.threads, job.partition_entries)?;
    let out = OutputDir::open(&job.out)?;
    let result = (|| {
        let ctx = rask_plan::Context::new();
        let events = open_input(&ctx, &job.input)?;
        let mut session =
            rask_sql::SqlSession::new(&ctx).with_opener(crate::sources::table_opener(&ctx));
        session.register("events", events);
        let columns = session
            .skim_columns(&job.sql)
            .map_err(|e| SkimError::Query(e.render_in(&job.origin, &job.sql)))?;
        write_skim(&engine, &out, &columns, job.rows_per_file)
    })();
    if result.is_err() {
        out.discard();
    }
    result
}

/// What `rask query` did with a script: the histogram run (when the script has outputs besides
/// its `COPY` statements) and each skim.
#[derive(Debug)]
pub struct QueryRun {
    pub hists: Option<crate::adl::AdlReport>,
    pub skims: Vec<SkimReport>,
}

/// `rask query`: a script without `COPY` runs as [`crate::adl::run_sql`]; with `COPY (SELECT
/// ...) TO 'name/'` statements, each is a skim written to `--out`/`name/` (a relative path
/// without `..`: a script writes only inside `--out`), and the other statements' outputs go
/// to `--out` as `run_sql` writes them.
pub fn run_sql(
    job: &crate::adl::AdlJob,
    sql: &str,
    origin: &str,
) -> Result<QueryRun, Box<dyn std::error::Error>> {
    if !rask_sql::has_copy(sql) {
        return Ok(QueryRun {
            hists: Some(crate::adl::run_sql(job, sql, origin)?),
            skims: Vec::new(),
        });
    }
    let engine = engine(job.threads, job.partition_entries)?;
    let out = OutputDir::open(&job.out)?;
    let result = (|| -> Result<QueryRun, Box<dyn std::error::Error>> {
        let ctx = rask_plan::Context::new();
        let paths: Vec<PathBuf> = job.inputs.clone();
        let events = open_input(
            &ctx,
            &SkimInput::Files {
                paths,
                tree: job.tree.clone(),
            },
        )?;
        let mut session =
            rask_sql::SqlSession::new(&ctx).with_opener(crate::sources::table_opener(&ctx));
        session.register("events", events);
        let statements = session
            .statements(sql)
            .map_err(|e| crate::adl::QueryError(e.render_in(origin, sql)))?;
        // Every target is checked before anything runs.
        let mut skims = Vec::new();
        let mut outputs = Vec::new();
        for st in statements {
            match st {
                rask_sql::SqlStatement::Copy(c) => {
                    let dir = copy_target(out.path(), &c.target)?;
                    // Two COPYs to one directory: the second would replace the first's parts.
                    let same = |d: &PathBuf| {
                        d.to_string_lossy().to_lowercase() == dir.to_string_lossy().to_lowercase()
                    };
                    if skims.iter().any(|(d, _)| same(d)) {
                        return Err(SkimError::SameTarget { target: c.target }.into());
                    }
                    skims.push((dir, c.columns));
                }
                rask_sql::SqlStatement::Query(o) => outputs.extend(o),
            }
        }
        let mut reports = Vec::new();
        for (dir, columns) in skims {
            let skim_dir = OutputDir::open(&dir)?;
            match write_skim(&engine, &skim_dir, &columns, DEFAULT_ROWS_PER_FILE) {
                Ok(r) => reports.push(r),
                Err(e) => {
                    skim_dir.discard();
                    return Err(e.into());
                }
            }
        }
        let hists = if outputs.is_empty() {
            None
        } else {
            Some(crate::adl::execute(job, &out, outputs)?)
        };
        Ok(QueryRun {
            hists,
            skims: reports,
        })
    })();
    if result.is_err() {
        out.discard();
    }
    result
}

/// The directory of `COPY ... TO 'target'` inside `out`: a relative path of plain names.
///
/// ```
/// use std::path::Path;
/// let d = rask::skim::copy_target(Path::new("out"), "skims/two_jets/")?;
/// assert_eq!(d, Path::new("out/skims/two_jets"));
/// assert!(rask::skim::copy_target(Path::new("out"), "../elsewhere").is_err());
/// assert!(rask::skim::copy_target(Path::new("out"), "/tmp/x").is_err());
/// # Ok::<(), rask::skim::SkimError>(())
/// ```
pub fn copy_target(out: &Path, target: &str) -> Result<PathBuf, SkimError> {
    let bad = |reason| SkimError::Target {
        target: target.to_string(),
        reason,
    };
    let mut dir = out.to_path_buf();
    let mut any = false;
    for c in Path::new(target).components() {
        match c {
            Component::Normal(name) => {
                if name.to_string_lossy().starts_with('.') {
                    return Err(bad("a hidden directory"));
                }
                dir.push(name);
                any = true;
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(bad("`..` would leave the output directory")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(bad("an absolute path would leave the output directory"));
            }
        }
    }
    if !any {
        return Err(bad(
            "it names the output directory itself, not one inside it",
        ));
    }
    Ok(dir)
}

/// A one-line summary: rows, columns and files.
///
/// ```
/// let r = rask::skim::SkimReport { rows: 3, columns: vec!["met".into()], files: vec!["d/part-00000.parquet".into()] };
/// assert_eq!(rask::skim::summary(&r), "wrote 3 rows, 1 column (met) to 1 file: d/part-00000.parquet\n");
/// ```
pub fn summary(r: &SkimReport) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let files: Vec<String> = r.files.iter().map(|f| f.display().to_string()).collect();
    format!(
        "wrote {} rows, {} ({}) to {}: {}\n",
        r.rows,
        plural(r.columns.len(), "column"),
        r.columns.join(", "),
        plural(r.files.len(), "file"),
        files.join(", ")
    )
}
