//! Errors of execution.

pub use crate::events::error::EventError;

/// An error of the execution engine.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Building or optimising the plan failed.
    #[error(transparent)]
    Plan(#[from] rask_plan::PlanError),
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// DataFusion's executor failed (including a memory limit that was exceeded).
    #[error("datafusion: {0}")]
    DataFusion(#[from] datafusion_common::DataFusionError),
    /// Reading a source failed.
    #[error(transparent)]
    Read(#[from] rask_io_root::RootError),
    /// An operation the engine does not execute yet.
    #[error("not supported by the execution engine yet: {0}")]
    Unsupported(String),
    /// The operating system refused the runtime's threads (an internal or resource error, not
    /// the query's fault).
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The computation was cancelled (its cancel flag was set, e.g. by Ctrl-C): nothing of it
    /// is returned.
    #[error("cancelled")]
    Cancelled,
    /// A broken invariant between lowering and execution (a bug in rask, reported, not a panic).
    #[error("internal error: {0}")]
    Internal(String),
    /// Evaluating an operation on a partition failed (bad data, mismatched lists, ...).
    #[error("{0}")]
    Eval(String),
    /// Evaluating an event plan on a partition failed (see [`EventError`]; its internal
    /// errors become [`ExecError::Internal`]).
    #[error(transparent)]
    Event(EventError),
    /// Integer arithmetic without an exact 64-bit result (array plans, merged sums).
    #[error(transparent)]
    Integer(#[from] rask_plan::arith::IntegerError),
    /// An output column that does not have the structure of its type.
    #[error("output: {0}")]
    Output(#[source] EventError),
    /// The memory limit set with `Engine::with_memory_limit` was exceeded.
    #[error(
        "memory limit of {limit} bytes exceeded ({detail}); raise the limit or use smaller partitions (with_partition_entries)"
    )]
    MemoryLimit { limit: usize, detail: String },
    /// `Scheduler::Threads(n)` with no threads or more than `Scheduler::max_threads()`.
    #[error("{requested} worker threads: the number of threads must be between 1 and {max}")]
    Threads { requested: usize, max: usize },
    /// An error while evaluating an expression, with the expression.
    #[error("evaluating {expr}: {source}")]
    In {
        expr: String,
        source: Box<ExecError>,
    },
}

impl ExecError {
    /// The error, naming the expression being evaluated.
    pub fn context(self, expr: &str) -> ExecError {
        match self {
            e @ ExecError::In { .. } => e,
            e => ExecError::In {
                expr: expr.to_string(),
                source: Box::new(e),
            },
        }
    }
}
