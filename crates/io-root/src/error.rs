//! Errors of the readers: every one names the file and, where known, the tree, branch and basket.

use std::path::PathBuf;

/// Where in a file something went wrong: `tree 'events', branch 'Jet_Px', basket 3 (byte 12345)`.
///
/// Kept as text: it is only ever shown to a person.
pub type Location = String;

/// An error of the ROOT or Parquet readers.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// The operating system refused to open or read the file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The path is a directory, not a file.
    #[error("{path}: is a directory, not a ROOT or Parquet file")]
    IsDirectory { path: PathBuf },
    /// The path is a FIFO, a socket or a device: inputs are read at offsets, more than once.
    #[error(
        "{path}: is {kind}, not a regular file; rask reads ROOT and Parquet files at random offsets (save a stream to a file first)"
    )]
    NotRegular { path: PathBuf, kind: &'static str },
    /// Another process changed the file while rask was reading it (truncated, rewritten,
    /// replaced).
    #[error("{path}: the file changed while it was being read: {detail}")]
    Changed { path: PathBuf, detail: String },
    /// The file does not start with ROOT's magic bytes `root`.
    #[error("{path}: not a ROOT file (it does not start with the bytes \"root\")")]
    NotRoot { path: PathBuf },
    /// The bytes do not decode: a truncated or damaged file.
    #[error("{path}: {location}: {detail}")]
    Corrupt {
        path: PathBuf,
        location: Location,
        detail: String,
    },
    /// A compressed block does not decompress.
    #[error("{path}: {location}: {algorithm} decompression failed: {detail}")]
    Decompression {
        path: PathBuf,
        location: Location,
        algorithm: &'static str,
        detail: String,
    },
    /// The file uses a ROOT class version or feature this reader does not know.
    #[error("{path}: {location}: unsupported {what}")]
    Unsupported {
        path: PathBuf,
        location: Location,
        what: String,
    },
    /// No tree of that name.
    #[error(
        "{path}: no TTree named '{name}'; the file has: {}",
        list_or_none(available)
    )]
    NoSuchTree {
        path: PathBuf,
        name: String,
        available: Vec<String>,
    },
    /// No branch of that name.
    #[error(
        "{path}: tree '{tree}' has no branch '{name}'{}",
        rask_core::suggest::did_you_mean(suggestions)
    )]
    NoSuchBranch {
        path: PathBuf,
        tree: String,
        name: String,
        suggestions: Vec<String>,
    },
    /// The branch exists but its type cannot be read into Arrow.
    #[error(
        "{path}: tree '{tree}', branch '{branch}': cannot read ROOT type '{root_type}' ({reason})"
    )]
    UnreadableBranch {
        path: PathBuf,
        tree: String,
        branch: String,
        root_type: String,
        reason: String,
    },
    /// Files of one source disagree on their schema.
    #[error("{path}: {detail} (the first file of the source has a different schema)")]
    SchemaMismatch { path: PathBuf, detail: String },
    /// The entry range asked for is outside the tree.
    #[error("{path}: tree '{tree}': entries {start}..{stop} are outside 0..{entries}")]
    EntryRange {
        path: PathBuf,
        tree: String,
        start: u64,
        stop: u64,
        entries: u64,
    },
    /// The Parquet reader failed.
    #[error("{path}: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A column chunk of a Parquet file does not decode into consistent data (damaged levels,
    /// pages or values): the reader refuses it rather than return different numbers.
    #[error("{path}: column '{column}', row group {row_group}: damaged Parquet data: {detail}")]
    ParquetDamage {
        path: PathBuf,
        column: String,
        row_group: usize,
        detail: String,
    },
    /// A column does not fit rask's Arrow layout.
    #[error("{path}: {source}")]
    Layout {
        path: PathBuf,
        #[source]
        source: rask_core::LayoutError,
    },
    /// Arrow refused to build an array (an internal error: the reader produced inconsistent buffers).
    #[error("{path}: {location}: internal error building Arrow data: {source}")]
    Arrow {
        path: PathBuf,
        location: Location,
        #[source]
        source: arrow_schema::ArrowError,
    },
}

/// Results of the readers.
pub type Result<T, E = RootError> = std::result::Result<T, E>;

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "no trees".to_string()
    } else {
        names.join(", ")
    }
}

/// Names among `candidates` close to `name`, best first (the workspace's one rule:
/// [`rask_core::suggest::closest`]).
pub fn close_matches<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    rask_core::suggest::closest(name, candidates)
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_matches_finds_typos_and_case() {
        let names = ["Muon_pt", "Muon_eta", "Jet_pt", "nMuon"];
        assert_eq!(close_matches("muon_pt", names)[0], "Muon_pt");
        assert_eq!(close_matches("Muon_ptt", names)[0], "Muon_pt");
        assert!(close_matches("zzzzzzzz", names).is_empty());
    }
}
