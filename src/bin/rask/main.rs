//! The `rask` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;

use rask::cli_args::{parse_size, parse_threads};

/// mimalloc reuses freed column buffers across partitions instead of returning them to the
/// kernel, which keeps page faults off the read path (see benches/read_root.rs).
#[global_allocator]
static GLOBAL: rask::allocator::MiMalloc = rask::allocator::MiMalloc;

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
        /// Only this tree (ROOT files; ignored, with a warning, for Parquet).
        #[arg(long)]
        tree: Option<String>,
    },
    /// Converts ROOT files (one tree each) or Parquet files to one Parquet file.
    Convert {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The tree to read from the ROOT files [default: Events] (ignored, with a warning, for
        /// Parquet inputs).
        #[arg(long)]
        tree: Option<String>,
        /// Output Parquet file (written atomically; never one of the inputs). Ctrl-C removes
        /// the unfinished file.
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
    /// Runs the Analysis Grand Challenge CMS ttbar task over a fileset (coffea's JSON form,
    /// e.g. data/agc/fileset.json): every region, process and systematic in one pass; writes
    /// DIR/4j1b.json and DIR/4j2b.json (UHI JSON: observable x process x variation), with
    /// optional stacked plots, and prints the nominal yields.
    Agc {
        #[arg(long)]
        fileset: PathBuf,
        /// Output directory (created if missing, locked; see `rask adl --help`).
        #[arg(long)]
        out: PathBuf,
        /// Worker threads [default: all cores].
        #[arg(long, value_parser = parse_threads)]
        threads: Option<usize>,
        /// Also draw each region, stacked by process with data (DIR/<region>.png or .svg).
        #[arg(long, value_parser = ["png", "svg"])]
        plot: Option<String>,
        /// Target events per partition.
        #[arg(long, default_value_t = 100_000)]
        partition_entries: u64,
        /// Run the task as written in SQL (queries/agc/agc.sql; the fileset is table `events`)
        /// instead of the Rust API's plan.
        #[arg(long)]
        sql: Option<PathBuf>,
        /// Run the partitions on these workers (see `rask adl --help`).
        #[arg(long, value_delimiter = ',')]
        workers: Vec<String>,
    },
    /// Runs a SQL query file (see `queries/adl/*.sql`) over the inputs, registered as the table
    /// `events`; writes every histogram as DIR/<alias>.json (and plots), prints a summary. The
    /// file may also come after `--input`: `--input f.root q4.sql` takes the `.sql` file out of
    /// the inputs.
    Query {
        /// The SQL file (or a `.sql` file among the inputs).
        file: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Writes the selected events' columns to Parquet (DIR/part-00000.parquet, ...): the
    /// query's SELECT items are per-event columns (lists stay lists), its WHERE keeps events.
    Skim(rask::skim::cli::SkimArgs),
    /// The SQL prompt: the inputs are the table `events` (without inputs no table is open:
    /// `.open NAME FILE... [TREE]` opens one). On a terminal: history, multi-line statements and
    /// tab completion; from a pipe: statements run one after another.
    Sql {
        #[arg(long, num_args = 1..)]
        input: Vec<PathBuf>,
        /// The tree of the ROOT files [default: Events] (ignored, with a warning, for Parquet).
        #[arg(long)]
        tree: Option<String>,
    },
    /// Lists the corrections of a correctionlib file (inputs, output, types); with --eval,
    /// evaluates one on the columns of a Parquet file named after its inputs and writes them
    /// plus `output` to a Parquet file.
    Corrections {
        file: PathBuf,
        /// The correction to evaluate.
        #[arg(long, requires_all = ["input", "out"])]
        eval: Option<String>,
        /// Parquet file with a column per input of the correction.
        #[arg(long, requires = "eval")]
        input: Option<PathBuf>,
        /// Parquet file to write (atomically).
        #[arg(long, requires = "eval")]
        out: Option<PathBuf>,
    },
    /// Draws saved UHI JSON histograms (stacked with --stack, data points and a ratio panel
    /// with --data; a 2-D histogram as a colour map) to a PNG or SVG file.
    Plot(rask::plot::cli::PlotArgs),
    /// Runs a cluster worker: serves the partitions that `rask adl|query --workers` sends it
    /// until killed (needs a rask built with `--features cluster`). Prints the address it
    /// listens on.
    Worker {
        /// HOST:PORT to listen on (port 0 picks a free port).
        #[arg(long)]
        listen: String,
        /// Threads of the worker [default: all cores].
        #[arg(long, value_parser = parse_threads)]
        threads: Option<usize>,
        /// The most memory the worker's tasks may hold at once [default: unbounded].
        #[arg(long, value_parser = parse_size)]
        memory_limit: Option<usize>,
    },
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Inputs, outputs and resources of a batch run (`adl`, `query`).
#[derive(clap::Args)]
struct RunArgs {
    /// Input files (ROOT or Parquet, several of one format; regular files, not pipes).
    #[arg(long, required = true, num_args = 1..)]
    input: Vec<PathBuf>,
    /// The tree of the ROOT files [default: Events] (ignored, with a warning, for Parquet).
    #[arg(long)]
    tree: Option<String>,
    /// Output directory: created if missing, checked writable and locked (.rask.lock) before
    /// any input is read; a second run on the same directory fails. Ctrl-C removes unfinished
    /// files.
    #[arg(long)]
    out: PathBuf,
    /// Worker threads, from 1 (the sync scheduler) to four per core (at least 256); 0 is an
    /// error [default: all cores].
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Also draw every histogram (DIR/<name>.png or .svg).
    #[arg(long, value_parser = ["png", "svg"])]
    plot: Option<String>,
    /// Histograms as UHI JSON (DIR/<name>.json) or as one ROOT file holding every histogram by
    /// name (DIR/hists.root: TH1D/TH2D with Sumw2, TH1I/TH2I).
    #[arg(long, default_value = "json", value_parser = ["json", "root"])]
    format: String,
    /// Target events per partition.
    #[arg(long, default_value_t = 100_000)]
    partition_entries: u64,
    /// The most memory the run's partitions may hold at once (bytes, or with a unit: 512M, 2G);
    /// a run that needs more fails with an error naming the limit [default: unbounded].
    #[arg(long, value_parser = parse_size)]
    memory_limit: Option<usize>,
    /// Run the partitions on these workers (`rask worker --listen HOST:PORT`; every worker
    /// must read the inputs at the same paths) and merge their results here. Needs a rask
    /// built with `--features cluster`.
    #[arg(long, value_delimiter = ',')]
    workers: Vec<String>,
}

impl RunArgs {
    fn job(self, queries: Vec<String>) -> rask::adl::AdlJob {
        let tree = tree_for(&self.input, self.tree);
        rask::adl::AdlJob {
            queries,
            inputs: unique_inputs(&self.input),
            tree,
            out: self.out,
            threads: self.threads,
            plot: self.plot.map(|p| {
                if p == "png" {
                    rask::plot::PlotFormat::Png
                } else {
                    rask::plot::PlotFormat::Svg
                }
            }),
            format: self.format.parse().unwrap_or_default(),
            partition_entries: self.partition_entries,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            memory_limit: self.memory_limit,
            workers: self.workers,
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

/// The tree to read: `--tree`, or `Events`. Parquet files have no trees: a `--tree` given with
/// Parquet inputs is ignored, with a warning.
fn tree_for(inputs: &[PathBuf], tree: Option<String>) -> String {
    if let Some(t) = &tree
        && let Some(p) = inputs.iter().find(|p| rask::sources::is_parquet(p))
    {
        eprintln!(
            "warning: --tree {t} is ignored: {} is a Parquet file, which has no trees",
            p.display()
        );
    }
    tree.unwrap_or_else(|| "Events".to_string())
}

/// The inputs with each file once; a file given twice is read once, with a warning.
fn unique_inputs(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let (once, again) = rask::sources::unique_inputs(inputs);
    for d in again {
        eprintln!("warning: {d}");
    }
    once
}

/// The command line is wrong in a way clap cannot see.
#[derive(Debug, thiserror::Error)]
enum ArgsError {
    #[error(
        "rask query needs a SQL file: `rask query FILE.sql --input FILE... --out DIR` (or a .sql file among the inputs)"
    )]
    NoSqlFile,
    #[error("rask query takes one SQL file; {0} and {1} are both .sql files")]
    TwoSqlFiles(PathBuf, PathBuf),
    #[error("rask query needs input files besides the SQL file {0}")]
    NoInputs(PathBuf),
}

/// The SQL file of `rask query`: the positional one, else the one `.sql` file among the inputs
/// (`--input f.root q4.sql` gives clap both to `--input`), taken out of them.
fn sql_file(file: Option<PathBuf>, inputs: &mut Vec<PathBuf>) -> Result<PathBuf, ArgsError> {
    if let Some(f) = file {
        return Ok(f);
    }
    let is_sql = |p: &PathBuf| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    let mut sql = inputs.iter().filter(|p| is_sql(p));
    let file = match (sql.next(), sql.next()) {
        (None, _) => return Err(ArgsError::NoSqlFile),
        (Some(a), Some(b)) => return Err(ArgsError::TwoSqlFiles(a.clone(), b.clone())),
        (Some(a), None) => a.clone(),
    };
    inputs.retain(|p| !is_sql(p));
    if inputs.is_empty() {
        return Err(ArgsError::NoInputs(file));
    }
    Ok(file)
}

/// Ctrl-C and SIGTERM remove unfinished outputs before exiting (batch commands).
fn remove_outputs_on_interrupt() {
    if let Err(e) = rask::interrupt::install() {
        eprintln!("warning: Ctrl-C will not remove unfinished output files: {e}");
    }
}

fn main() -> ExitCode {
    rask::allocator::keep_freed_pages();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<rask::adl::QueryError>() {
                Some(rendered) => eprintln!("{rendered}"),
                None => eprintln!("error: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Inspect { file, tree } => {
            rask::sources::check_inputs(&[&file])?;
            let tree = tree.filter(|t| {
                let parquet = rask::sources::is_parquet(&file);
                if parquet {
                    eprintln!(
                        "warning: --tree {t} is ignored: {} is a Parquet file, which has no trees",
                        file.display()
                    );
                }
                !parquet
            });
            print!("{}", rask::inspect::report(&file, tree.as_deref())?);
        }
        Command::Convert {
            files,
            tree,
            out,
            branches,
            rows_per_group,
        } => {
            remove_outputs_on_interrupt();
            rask::convert::check_output(&files, &out)?;
            rask::sources::check_inputs(&files)?;
            let tree = tree_for(&files, tree);
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
            remove_outputs_on_interrupt();
            let report = rask::adl::run(&run.job(query))?;
            print!("{}", rask::adl::summary(&report));
        }
        Command::Agc {
            fileset,
            out,
            threads,
            plot,
            partition_entries,
            sql,
            workers,
        } => {
            remove_outputs_on_interrupt();
            let plot = plot.map(|p| match p.as_str() {
                "png" => rask::plot::PlotFormat::Png,
                _ => rask::plot::PlotFormat::Svg,
            });
            let job = rask::agc::AgcJob {
                fileset,
                out,
                threads,
                plot,
                partition_entries,
                sql,
                workers,
            };
            print!("{}", rask::agc::summary(&rask::agc::run(&job)?));
        }
        Command::Query { file, mut run } => {
            let file = sql_file(file, &mut run.input)?;
            remove_outputs_on_interrupt();
            let sql =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            // COPY (SELECT ...) TO 'name/' statements write skims inside --out.
            let done =
                rask::skim::run_sql(&run.job(Vec::new()), &sql, &file.display().to_string())?;
            for s in &done.skims {
                print!("{}", rask::skim::summary(s));
            }
            if let Some(report) = done.hists {
                print!("{}", rask::adl::summary(&report));
            }
        }
        Command::Skim(args) => {
            remove_outputs_on_interrupt();
            rask::skim::cli::run(args)?;
        }
        Command::Worker {
            listen,
            threads,
            memory_limit,
        } => rask::cluster::run_worker(&listen, threads, memory_limit)?,
        Command::Sql { input, tree } => {
            let tree = tree_for(&input, tree);
            let inputs: Vec<String> = unique_inputs(&input)
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let mut repl = rask::repl::Repl::new(&inputs, &tree)?;
            // Ctrl-C stops the running statement, not the prompt (on a terminal, the handler
            // goes in after the line editor: see `install_cancel`).
            if let Err(e) = rask::interrupt::install_cancel(&repl.cancel()) {
                eprintln!("warning: Ctrl-C will end the prompt, not just a statement: {e}");
            }
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                rask::repl::run_interactive(&mut repl)?;
            } else {
                eprint!("{}", repl.greeting());
                rask::repl::run_piped(
                    &mut repl,
                    std::io::stdin().lock(),
                    std::io::stdout().lock(),
                )?;
            }
        }
        Command::Corrections {
            file,
            eval,
            input,
            out,
        } => match (eval, input, out) {
            (Some(name), Some(input), Some(out)) => {
                remove_outputs_on_interrupt();
                let s = rask::corrections::evaluate_parquet(&file, &name, &input, &out)?;
                println!(
                    "wrote {}: {} rows, {} values of '{name}', columns {}",
                    out.display(),
                    s.rows,
                    s.values,
                    s.columns.join(", ")
                );
            }
            _ => print!("{}", rask::corrections::summary(&file)?),
        },
        Command::Plot(args) => rask::plot::cli::run(args)?,
        Command::Bench(BenchCommand::Seed {
            variant,
            scheduler,
            n,
            chunk,
        }) => {
            let variant = match variant.as_str() {
                "A" => bench::Variant::A,
                "B" => bench::Variant::B,
                _ => bench::Variant::C,
            };
            let scheduler = if scheduler == "sync" {
                rask::Scheduler::Sync
            } else {
                rask::Scheduler::threads()
            };
            let (len, seconds) = bench::run_seed(variant, scheduler, n, chunk)?;
            println!("len(w): {len}");
            println!("seconds: {seconds:.6}");
        }
    }
    Ok(())
}
