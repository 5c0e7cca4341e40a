//! Errors of plan building, optimisation and interpretation.

/// An error of the plan layer. User mistakes name the expression in the user's terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// An ill-typed expression, found when it was built.
    #[error("cannot build {expr}: {message}")]
    Type { expr: String, message: String },
    /// An operation that the typing cannot type for a reason of rask's own (a fused or
    /// persisted node built without its type): a bug in rask, not the user's mistake.
    #[error("internal error building {expr}: {message}")]
    InternalType { expr: String, message: String },
    /// A field or branch that does not exist.
    #[error(
        "{expr} has no field '{name}'{}",
        rask_core::suggest::did_you_mean(suggestions)
    )]
    NoSuchField {
        expr: String,
        name: String,
        suggestions: Vec<String>,
    },
    /// Expressions of two different plans (contexts) were combined.
    #[error("expressions from two different plans cannot be combined ({expr})")]
    ForeignExpr { expr: String },
    /// The reference interpreter failed on the data.
    #[error("evaluating {expr}: {message}")]
    Eval { expr: String, message: String },
    /// A rewrite rule broke an invariant (a bug in rask).
    #[error("internal error in rule '{rule}': {message}")]
    Internal { rule: &'static str, message: String },
    /// A correction that cannot be read, found, or applied to its arguments (names the file,
    /// the correction and the input at fault).
    #[error("{message}")]
    Correction { message: String },
    /// An expression nested deeper than [`crate::limits::MAX_DEPTH`] operations, or a value
    /// nested deeper than [`crate::limits::MAX_LAYOUT_NESTING`] levels.
    #[error("cannot build {expr}: {message}")]
    TooDeep { expr: String, message: String },
    /// A histogram whose axes are invalid or too big (see [`crate::limits`]); `message` is
    /// the typed reason.
    #[error("histogram {hist}: {message}")]
    Hist {
        hist: String,
        message: crate::limits::LimitError,
    },
    /// Writing an output failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}
