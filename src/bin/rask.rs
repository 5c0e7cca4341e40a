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
    about = "Columnar HEP analysis: inspect and convert ROOT/Parquet event files"
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
    }
    Ok(())
}
