//! Every error of loading, validating and evaluating corrections, each naming what is at fault.

use std::path::PathBuf;

use crate::types::VarType;

/// An error of reading, validating or evaluating a correction file.
///
/// Loading errors name the file (or `<JSON string>` for
/// [`CorrectionSet::from_json`](crate::CorrectionSet::from_json)) and, for JSON syntax, the
/// line and column; validation
/// errors name the correction and the place of the node (`data.content[2].value`);
/// evaluation errors name the correction, the input, the offending value and the first row
/// (0-based) whose evaluation fails.
///
/// ```
/// use rask_correction::{CorrectionError, CorrectionSet};
/// let set = CorrectionSet::from_json("{\"schema_version\": 2,");
/// assert!(matches!(set, Err(CorrectionError::Json { line: 1, .. })));
/// ```
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum CorrectionError {
    /// The file could not be read.
    #[error("cannot read correction file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file starts like gzip but does not decompress.
    #[error("cannot decompress gzip correction file {}: {source}", path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decompression error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON text is larger than [`MAX_JSON_BYTES`](crate::MAX_JSON_BYTES).
    #[error("correction file {origin} is larger than {limit} bytes of JSON")]
    TooLarge {
        /// The file.
        origin: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The text is not JSON (as correctionlib's reader, rapidjson, accepts it).
    #[error("invalid JSON in {origin} at line {line}, column {column}: {message}")]
    Json {
        /// The file, or `<JSON string>`.
        origin: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `schema_version` is missing or not 2.
    #[error(
        "{origin}: schema_version {found} is not supported (this evaluator reads schema version 2)"
    )]
    SchemaVersion {
        /// The file, or `<JSON string>`.
        origin: String,
        /// The version found (as written in the file).
        found: String,
    },
    /// The correction set itself is malformed (a missing field, a duplicate name, ...).
    #[error("{origin}: {message}")]
    Schema {
        /// The file, or `<JSON string>`.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A content node's `nodetype` is not one this evaluator knows.
    #[error("correction {correction:?}: unknown or unsupported node type {nodetype:?} at {path}")]
    UnknownNodeType {
        /// The correction.
        correction: String,
        /// Where the node is (`data.content[3]`).
        path: String,
        /// The node type found.
        nodetype: String,
    },
    /// A correction (or one of its nodes) is malformed.
    #[error("correction {correction:?}: invalid {path}: {what}")]
    InvalidStructure {
        /// The correction (or compound correction).
        correction: String,
        /// Where the problem is (`data.content[3].edges`, or `correction` for the whole).
        path: String,
        /// What is wrong.
        what: String,
    },
    /// A formula does not parse.
    #[error(
        "correction {correction:?}: cannot parse formula {expression:?} at {path}, position {position}: {message}"
    )]
    FormulaParse {
        /// The correction.
        correction: String,
        /// Where the formula node is.
        path: String,
        /// The expression.
        expression: String,
        /// 1-based character position of the error in the expression.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// A binning with `flow: "error"` got a value outside its edges.
    #[error(
        "correction {correction:?}: input {input:?} value {value} is {} the binning range and flow is \"error\" (row {row})",
        if *above { "above" } else { "below" }
    )]
    OutOfRange {
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The value.
        value: f64,
        /// Above (true) or below (false) the range.
        above: bool,
        /// The first failing row.
        row: usize,
    },
    /// A category node has no entry for the value and no default.
    #[error(
        "correction {correction:?}: input {input:?} value {value} is not a category and there is no default (row {row})"
    )]
    CategoryMiss {
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The value (an integer or a quoted string).
        value: String,
        /// The first failing row.
        row: usize,
    },
    /// A value a node cannot evaluate (NaN on a wrapping axis, a real value for a category).
    #[error("correction {correction:?}: input {input:?} value {value}: {what} (row {row})")]
    Evaluation {
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The value.
        value: String,
        /// What is wrong.
        what: String,
        /// The first failing row.
        row: usize,
    },
    /// A structural error of a file read by [`crate::CorrectionSet::from_path`] (an unknown
    /// node type, an invalid structure, a formula that does not parse), with the file's path.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        source: Box<CorrectionError>,
    },
    /// No correction of that name in the set.
    #[error(
        "no correction named {name:?}{}",
        rask_core::suggest::did_you_mean(suggestions)
    )]
    UnknownCorrection {
        /// The name asked for.
        name: String,
        /// Close names in the set, closest first.
        suggestions: Vec<String>,
    },
    /// The wrong number of arguments.
    #[error("correction {correction:?} takes {expected} inputs ({signature}), {given} given")]
    ArgCount {
        /// The correction.
        correction: String,
        /// The number of inputs.
        expected: usize,
        /// The number of arguments given.
        given: usize,
        /// The inputs with their types: `pt (real), syst (string)`.
        signature: String,
    },
    /// An argument of the wrong type.
    #[error("correction {correction:?}: input {input:?} is {expected}, given {given}")]
    ArgType {
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The input's type.
        expected: VarType,
        /// What was given (`a string column`, `an int value`, ...).
        given: String,
    },
    /// A column argument whose length is not the number of rows.
    #[error("correction {correction:?}: input {input:?} has {given} values for {expected} rows")]
    ArgLength {
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The number of rows asked for.
        expected: usize,
        /// The column's length.
        given: usize,
    },
}
