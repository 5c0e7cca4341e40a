//! The errors of the reference interpreter: what a plan's values or a reader got wrong.

use rask_plan::arith::IntegerError;

use crate::jagged::RefError;
use crate::value::ValueError;

/// Why evaluating one node failed. [`crate::interp::evaluate`] wraps it into
/// `PlanError::Eval`, naming the expression.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// An integer result that does not fit in 64 bits (a user error: the data overflowed).
    #[error(transparent)]
    Integer(#[from] IntegerError),
    /// A jagged operation on collections that do not fit it (lengths, indices, fields).
    #[error(transparent)]
    Jagged(#[from] RefError),
    /// A value of the wrong kind where a number, boolean or list was needed.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A fused body that no longer runs (internal).
    #[error(transparent)]
    Fused(#[from] rask_plan::typing::FusedError),
    /// A source could not be read (boxed: a ROOT error is large).
    #[error(transparent)]
    Read(Box<ReadError>),
    /// A correction refused its inputs (out of range with flow `error`, an unknown category).
    #[error("correction {name} ({path}): {source}")]
    Correction {
        name: String,
        path: String,
        source: Box<rask_correction::CorrectionError>,
    },
    /// An error in one event of element-wise work.
    #[error("event {event}: {source}")]
    InEvent {
        event: usize,
        source: Box<EvalError>,
    },
    /// A NanoAOD collection whose branches do not zip (lists of different lengths).
    #[error("group '{name}': {source}")]
    Group { name: String, source: RefError },
    /// Values whose shape the data decides (lists of different lengths in one event, operands
    /// with different numbers of events): bad input, not a bug.
    #[error("{0}")]
    Data(String),
    /// Values the typing rules should have excluded: a bug of rask, not of the query.
    #[error("internal error of the reference interpreter: {0}")]
    Internal(String),
}

impl From<ReadError> for EvalError {
    fn from(e: ReadError) -> Self {
        EvalError::Read(Box::new(e))
    }
}

/// Why a [`crate::SourceReader`] could not serve the columns of a source.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The reader has no column of this name.
    #[error("no column '{column}' in the batch: {source}")]
    MissingColumn {
        column: String,
        source: arrow_schema::ArrowError,
    },
    /// Arrow refused to project or concatenate the batches.
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// A ROOT or Parquet file could not be read.
    #[error(transparent)]
    Root(#[from] rask_io_root::RootError),
    /// The plan reads a source, but no reader was given.
    #[error("no reader was given for source '{label}'")]
    NoReader { label: String },
    /// A source without files.
    #[error("the source '{label}' has no files")]
    NoFiles { label: String },
}
