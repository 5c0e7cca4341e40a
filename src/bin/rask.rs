//! The `rask` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc reuses freed column buffers across partitions instead of returning them to the
/// kernel, which keeps page faults off the read path (see benches/read_root.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "rask",
    version,
    about = "Columnar HEP analysis: ROOT/Parquet events to histograms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the trees of a ROOT file (or the columns of a Parquet file): entries, and per branch
    /// its ROOT type, Arrow type, compressed and uncompressed bytes and baskets.
    Inspect {
        file: PathBuf,
        /// Only this tree.
        #[arg(long)]
        tree: Option<String>,
    },
    /// Converts ROOT files (one tree each) or Parquet files to one Parquet file.
    Convert {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The tree to read from the ROOT files.
        #[arg(long, default_value = "Events")]
        tree: String,
        /// Output Parquet file (written atomically).
        #[arg(long)]
        out: PathBuf,
        /// Comma-separated branches to write (default: all readable branches).
        #[arg(long, value_delimiter = ',')]
        branches: Option<Vec<String>>,
        /// Target entries per row group.
        #[arg(long, default_value_t = 100_000)]
        rows_per_group: u64,
    },
    /// Runs the ADL benchmark queries and writes their histograms as UHI JSON (DIR/<name>.json;
    /// q6 writes q6a and q6b), with optional plots, and prints a summary.
    Adl {
        /// Queries: q1 … q8 or all (several separated by commas).
        #[arg(long, default_value = "all", value_delimiter = ',')]
        query: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Runs a SQL query file (see `queries/adl/*.sql`) over the inputs, registered as the table
    /// `events`; writes every histogram as DIR/<alias>.json (and plots), prints a summary.
    Query {
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// The SQL prompt: the inputs are the table `events`. On a terminal: history, multi-line
    /// statements and tab completion; from a pipe: statements run one after another.
    Sql {
        #[arg(long, num_args = 1..)]
        input: Vec<PathBuf>,
        #[arg(long, default_value = "Events")]
        tree: String,
    },
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Inputs, outputs and resources of a batch run (`adl`, `query`).
#[derive(clap::Args)]
struct RunArgs {
    /// Input files (ROOT or Parquet, several of one format).
    #[arg(long, required = true, num_args = 1..)]
    input: Vec<PathBuf>,
    /// The tree of the ROOT files.
    #[arg(long, default_value = "Events")]
    tree: String,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Worker threads (default: all cores; 1 runs the sync scheduler).
    #[arg(long)]
    threads: Option<usize>,
    /// Also draw every histogram (DIR/<name>.png or .svg).
    #[arg(long, value_parser = ["png", "svg"])]
    plot: Option<String>,
    /// Target events per partition.
    #[arg(long, default_value_t = 100_000)]
    partition_entries: u64,
}

impl RunArgs {
    fn job(self, queries: Vec<String>) -> rask::adl::AdlJob {
        rask::adl::AdlJob {
            queries,
            inputs: self.input,
            tree: self.tree,
            out: self.out,
            threads: self.threads,
            plot: self.plot.map(|p| {
                if p == "png" {
                    rask::plot::PlotFormat::Png
                } else {
                    rask::plot::PlotFormat::Svg
                }
            }),
            partition_entries: self.partition_entries,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The seed's arrays: prints the length of `w` and, last, `seconds: <wall seconds of compute>`.
    Seed {
        #[arg(long, value_parser = ["A", "B", "C"], default_value = "A")]
        variant: String,
        #[arg(long, value_parser = ["sync", "threads"], default_value = "threads")]
        scheduler: String,
        #[arg(long, default_value_t = 100_000_000)]
        n: u64,
        #[arg(long, default_value_t = 5_000_000)]
        chunk: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Inspect { file, tree } => {
            print!("{}", rask::inspect::report(&file, tree.as_deref())?);
        }
        Command::Convert {
            files,
            tree,
            out,
            branches,
            rows_per_group,
        } => {
            let source = rask::io::EventSource::open(&files, &tree)?;
            let summary =
                rask::convert::convert(&source, branches.as_deref(), &out, rows_per_group)?;
            for s in &summary.skipped {
                eprintln!(
                    "warning: branch '{s}' left out: its type cannot be read (see `rask inspect`)"
                );
            }
            println!(
                "wrote {}: {} entries, {} columns, {} row groups",
                out.display(),
                summary.entries,
                summary.columns.len(),
                summary.partitions
            );
        }
        Command::Adl { query, run } => {
            let report = rask::adl::run(&run.job(query))?;
            print!("{}", rask::adl::summary(&report));
        }
        Command::Query { file, run } => {
            let sql =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let report = rask::adl::run_sql(&run.job(Vec::new()), &sql)?;
            print!("{}", rask::adl::summary(&report));
        }
        Command::Sql { input, tree } => {
            let inputs: Vec<String> = input.iter().map(|p| p.display().to_string()).collect();
            let mut repl = rask::repl::Repl::new(&inputs, &tree)?;
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                rask::repl::run_interactive(&mut repl)?;
            } else {
                rask::repl::run_piped(
                    &mut repl,
                    std::io::stdin().lock(),
                    std::io::stdout().lock(),
                )?;
            }
        }
        Command::Bench(BenchCommand::Seed {
            variant,
            scheduler,
            n,
            chunk,
        }) => {
            let variant = match variant.as_str() {
                "A" => rask::bench::Variant::A,
                "B" => rask::bench::Variant::B,
                _ => rask::bench::Variant::C,
            };
            let scheduler = if scheduler == "sync" {
                rask::Scheduler::Sync
            } else {
                rask::Scheduler::threads()
            };
            let (len, seconds) = rask::bench::run_seed(variant, scheduler, n, chunk)?;
            println!("len(w): {len}");
            println!("seconds: {seconds:.6}");
        }
    }
    Ok(())
}
