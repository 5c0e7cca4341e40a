//! rask: columnar high-energy-physics analysis in Rust.
//!
//! This facade re-exports the public API of the workspace crates and hosts the batch tools behind
//! the `rask` command line ([`inspect`], [`convert`], [`adl`]).
//!
//! Features: `plot` (PNG/SVG plots: plotters, ab_glyph), `progress` (the terminal progress bar:
//! indicatif) and `cli` (both, plus the `rask` binary, the SQL prompt [`repl`] and the Ctrl-C
//! handlers [`interrupt`]: clap, rustyline, ctrlc, libc). `cli` is the default; a library user
//! who needs none of it depends on `rask = { ..., default-features = false }`.
//!
//! ```no_run
//! let src = rask::io::EventSource::open(&["data/HZZ.root"], "events")?;
//! println!("{} events", src.entries());
//! # Ok::<(), rask::io::RootError>(())
//! ```

pub mod adl;
pub mod agc;
pub mod allocator;
/// Value parsers of the command line's options (`--threads`, `--memory-limit`).
#[cfg(feature = "cli")]
pub mod cli_args;
pub mod cluster;
pub mod convert;
pub mod corrections;
pub mod inspect;
#[cfg(feature = "cli")]
pub mod interrupt;
pub mod output_dir;
pub mod outputs;
#[cfg(feature = "plot")]
pub mod plot;
/// Plots (without the `plot` feature only [`plot::PlotFormat`], the format a job may ask for:
/// [`adl::run`] then fails with [`adl::PlotsNotBuilt`] before reading anything).
#[cfg(not(feature = "plot"))]
pub mod plot {
    mod format;
    pub use format::PlotFormat;
}
pub mod progress;
#[cfg(feature = "cli")]
pub mod repl;
pub mod skim;
pub mod sources;

/// Systematic variations, event weights and cut-flows.
pub use rask_analysis as analysis;
/// Arrow layout conventions (jagged lists, metadata keys).
pub use rask_core as core;
/// Execution on DataFusion.
pub use rask_exec as exec;
pub use rask_exec::{Engine, Scheduler};
/// ROOT and Parquet readers.
pub use rask_io_root as io;
/// The lazy expression plan: builder API, rewrite rules, explain.
pub use rask_plan as plan;
pub use rask_plan::{Context, Expr};
/// The reference interpreter: slow, obvious, the oracle of the engine (`use rask::reference::Reference`
/// for `expr.compute(&reader)`).
pub use rask_reference as reference;
pub use rask_sql as sql;
pub use rask_sql::SqlSession;
