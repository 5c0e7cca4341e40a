//! rask: columnar high-energy-physics analysis in Rust.
//!
//! This facade re-exports the public API of the workspace crates and hosts the batch tools behind
//! the `rask` command line ([`inspect`], [`convert`]).
//!
//! ```no_run
//! let src = rask::io::EventSource::open(&["data/HZZ.root"], "events")?;
//! println!("{} events", src.entries());
//! # Ok::<(), rask::io::RootError>(())
//! ```

pub mod adl;
pub mod bench;
pub mod convert;
pub mod corrections;
pub mod inspect;
pub mod interrupt;
pub mod output_dir;
pub mod outputs;
pub mod plot;
pub mod progress;
pub mod repl;
pub mod sources;

/// Arrow layout conventions (jagged lists, metadata keys).
pub use rask_core as core;
/// Execution on DataFusion.
pub use rask_exec as exec;
pub use rask_exec::{Engine, Scheduler};
/// ROOT and Parquet readers.
pub use rask_io_root as io;
/// The lazy expression plan: builder API, rewrite rules, explain, reference interpreter.
pub use rask_plan as plan;
pub use rask_plan::{Context, Expr};
pub use rask_sql as sql;
pub use rask_sql::SqlSession;
