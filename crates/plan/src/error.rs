//! Errors of plan building, optimisation and interpretation.

/// An error of the plan layer. User mistakes name the expression in the user's terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// An ill-typed expression, found when it was built.
    #[error("cannot build {expr}: {message}")]
    Type { expr: String, message: String },
    /// A field or branch that does not exist.
    #[error("{expr} has no field '{name}'{}", suggest(suggestions))]
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
    /// Writing an output failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

fn suggest(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", names.join(", "))
    }
}
