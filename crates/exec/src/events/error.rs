//! Errors of evaluating an event plan on a partition ([`super::eval`], [`super::broadcast`],
//! [`super::vector`], [`super::correction`]).
//!
//! The split is DataFusion's (`plan_err!` / `internal_err!`): [`EventError::Data`] and the
//! typed variants are the input's fault (lists of different lengths, an index out of range, an
//! integer overflow, a correction refusing its inputs), [`EventError::Internal`] is what typing
//! should have excluded (a bug of rask, reported instead of a panic). Every variant converts
//! into [`ExecError`], where the evaluator names the expression (`evaluating {expr}: ...`).
//!
//! Building an error allocates; the kernels build one only when they fail.

use rask_core::column::ColumnError;
use rask_core::hist::HistError;
use rask_core::kernels::KernelError;
use rask_correction::CorrectionError;
use rask_plan::arith::IntegerError;
use rask_plan::typing::FusedError;

use crate::error::ExecError;

/// An error of evaluating an event plan on one partition.
///
/// ```
/// use rask_exec::{ExecError, events::error::EventError};
/// let e = EventError::Data("a mask of 3 events for 2 events".into());
/// let named = ExecError::from(e).context("events.Muon[m]");
/// assert_eq!(named.to_string(), "evaluating events.Muon[m]: a mask of 3 events for 2 events");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// A jagged kernel refused its input (index out of range, lists of different lengths...).
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// Integer arithmetic without an exact 64-bit result.
    #[error(transparent)]
    Integer(#[from] IntegerError),
    /// The sum of the integers of one event's list does not fit in 64 bits.
    #[error("integer overflow: the sum of a list does not fit in a 64-bit integer")]
    SumOverflow {
        /// The event (partition row) whose list overflows.
        event: usize,
    },
    /// A column read as numbers or appended to another of a different structure (what the
    /// typing guarantees: an internal error in practice).
    #[error(transparent)]
    Column(#[from] ColumnError),
    /// A fused body that no longer types (an internal error).
    #[error(transparent)]
    Fused(#[from] FusedError),
    /// An Arrow conversion failed.
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Filling a histogram failed.
    #[error(transparent)]
    Hist(#[from] HistError),
    /// A correction refused its inputs (a value outside its bins with flow `error`, ...).
    #[error("{name} ({path}): {source}")]
    Correction {
        /// The correction's name.
        name: String,
        /// The correction file.
        path: String,
        /// Boxed: the error is large, and `EventError` is the error of every kernel.
        source: Box<CorrectionError>,
    },
    /// A correction input given a value of the wrong kind.
    #[error("correction '{name}': input '{input}' got {got}")]
    CorrectionInput {
        name: String,
        input: String,
        got: String,
    },
    /// A correction given fewer values than it has inputs.
    #[error("correction '{name}': no value for input '{input}'")]
    CorrectionArity { name: String, input: String },
    /// Data that do not fit together (a mask of other events, a new field with other list
    /// lengths than its records, ...): the input's fault.
    #[error("{0}")]
    Data(String),
    /// An operation the engine does not evaluate in event plans.
    #[error("{0}")]
    Unsupported(String),
    /// What typing should have excluded (a literal where per-event values are needed, lists
    /// where numbers are...): a bug of rask.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error of the engine's shared block code (whole-column reductions).
    #[error(transparent)]
    Exec(Box<ExecError>),
}

impl EventError {
    /// An internal error (see [`EventError::Internal`]).
    pub(crate) fn internal(message: impl Into<String>) -> EventError {
        EventError::Internal(message.into())
    }
}

impl From<ExecError> for EventError {
    fn from(e: ExecError) -> EventError {
        EventError::Exec(Box::new(e))
    }
}

impl From<EventError> for ExecError {
    /// Internal errors become [`ExecError::Internal`], errors of the engine stay what they
    /// were, the others are [`ExecError::Event`].
    fn from(e: EventError) -> ExecError {
        match e {
            EventError::Internal(m) => ExecError::Internal(m),
            EventError::Exec(e) => *e,
            e => ExecError::Event(e),
        }
    }
}
