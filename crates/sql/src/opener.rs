//! Table functions of `FROM` (`read_root('f.root', 'Events')`): the facade opens the files, the
//! SQL front end only calls it.

use rask_plan::expr::Expr;

/// Why a table function of `FROM` could not give its source.
///
/// ```
/// let e = rask_sql::TableError::NoFiles { function: "read_root".into() };
/// assert_eq!(e.to_string(), "read_root('file', ...) needs at least one file");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A function the opener does not know.
    #[error("unknown table function '{function}' ({known})")]
    UnknownFunction {
        /// The function as written.
        function: String,
        /// The functions the opener knows, for the message (`read_root, read_parquet`).
        known: String,
    },
    /// A function given no file.
    #[error("{function}('file', ...) needs at least one file")]
    NoFiles { function: String },
    /// The files could not be opened (missing, not ROOT or Parquet, no such tree...).
    #[error(transparent)]
    Open(Box<dyn std::error::Error + Send + Sync>),
}

/// Opens a table function of `FROM` (`read_root('f.root', 'Events')`, `read_parquet(...)`):
/// given the function name and its string arguments, the source's events. The plan crate does
/// not read files; the facade supplies this.
///
/// ```
/// let opener: rask_sql::TableOpener = std::sync::Arc::new(|function: &str, _args: &[String]| {
///     Err(rask_sql::TableError::UnknownFunction { function: function.into(), known: "none".into() })
/// });
/// assert!(opener("read_csv", &[]).is_err());
/// ```
pub type TableOpener =
    std::sync::Arc<dyn Fn(&str, &[String]) -> Result<Expr, TableError> + Send + Sync>;
