//! `rask skim`: the command line's arguments and their run (the `cli` feature).

use std::path::PathBuf;

use super::{DEFAULT_ROWS_PER_FILE, SkimInput, SkimJob, SkimReport};

/// `rask skim --input FILE... [--tree T] | --fileset F.json, --sql 'SELECT ...' | --sql-file
/// Q.sql, --out DIR [--threads N] [--rows-per-file N]`.
#[derive(Debug, clap::Args)]
pub struct SkimArgs {
    /// Input files (ROOT or Parquet, several of one format).
    #[arg(long, num_args = 1.., required_unless_present = "fileset", conflicts_with = "fileset")]
    pub input: Vec<PathBuf>,
    /// The tree of the ROOT files [default: Events] (ignored, with a warning, for Parquet).
    #[arg(long, conflicts_with = "fileset")]
    pub tree: Option<String>,
    /// A fileset (coffea's JSON form): every dataset, with the columns `dataset`, `xsec`, ...
    #[arg(long)]
    pub fileset: Option<PathBuf>,
    /// The query: SELECT items are the columns (named by AS), WHERE keeps events; the table
    /// is `events`.
    #[arg(
        long,
        required_unless_present = "sql_file",
        conflicts_with = "sql_file"
    )]
    pub sql: Option<String>,
    /// A file holding the query.
    #[arg(long)]
    pub sql_file: Option<PathBuf>,
    /// Output directory (created if missing, locked): DIR/part-00000.parquet, ...
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = crate::cli_args::parse_threads)]
    pub threads: Option<usize>,
    /// At most this many rows per Parquet file.
    #[arg(long, default_value_t = DEFAULT_ROWS_PER_FILE as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub rows_per_file: u64,
    /// Target events per partition.
    #[arg(long, default_value_t = 100_000)]
    pub partition_entries: u64,
}

/// The job of the arguments (reading `--sql-file`), with warnings for inputs given twice and
/// a `--tree` given with Parquet inputs.
///
/// ```
/// use clap::Parser;
/// #[derive(clap::Parser)]
/// struct Cli { #[command(flatten)] skim: rask::skim::cli::SkimArgs }
/// let cli = Cli::parse_from(["rask", "--input", "data/nano-20k.root", "--sql", "SELECT MET.pt AS met FROM events", "--out", "d"]);
/// let job = rask::skim::cli::job(cli.skim)?;
/// assert_eq!(job.origin, "--sql");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn job(args: SkimArgs) -> Result<SkimJob, Box<dyn std::error::Error>> {
    let (sql, origin) = match (args.sql, args.sql_file) {
        (Some(sql), _) => (sql, "--sql".to_string()),
        (None, Some(f)) => (
            std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?,
            f.display().to_string(),
        ),
        (None, None) => return Err("rask skim needs --sql 'SELECT ...' or --sql-file".into()),
    };
    let input = match args.fileset {
        Some(f) => SkimInput::Fileset(f),
        None => {
            let (paths, again) = crate::sources::unique_inputs(&args.input);
            for d in again {
                eprintln!("warning: {d}");
            }
            if let Some(t) = &args.tree
                && let Some(p) = paths.iter().find(|p| crate::sources::is_parquet(p))
            {
                eprintln!(
                    "warning: --tree {t} is ignored: {} is a Parquet file, which has no trees",
                    p.display()
                );
            }
            crate::sources::check_inputs(&paths)?;
            SkimInput::Files {
                paths,
                tree: args.tree.unwrap_or_else(|| "Events".to_string()),
            }
        }
    };
    Ok(SkimJob {
        input,
        sql,
        origin,
        out: args.out,
        threads: args.threads,
        rows_per_file: usize::try_from(args.rows_per_file)?,
        partition_entries: args.partition_entries,
    })
}

/// Runs `rask skim` and prints what it wrote.
pub fn run(args: SkimArgs) -> Result<SkimReport, Box<dyn std::error::Error>> {
    let report = super::run(&job(args)?).map_err(|e| match e {
        // Already rendered as compilers print errors: printed as it is.
        super::SkimError::Query(text) => Box::new(crate::adl::QueryError(text)) as Box<_>,
        other => Box::new(other) as Box<dyn std::error::Error>,
    })?;
    print!("{}", super::summary(&report));
    Ok(report)
}
