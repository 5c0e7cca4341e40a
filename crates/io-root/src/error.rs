//! Errors of the readers: every one names the file and, where known, the tree, branch and basket.

use std::path::PathBuf;

pub use crate::basket::BasketError;
pub use crate::compression::{DecompressError, DecompressFault};
pub use crate::cursor::DecodeError;
pub use crate::decode::ColumnError;
pub use crate::file::RecordError;
pub use crate::parquet::FooterError;
pub use crate::tree::{BranchError, Unreadable};

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
    /// The bytes do not decode: a truncated or damaged file. `source` says what is wrong.
    #[error("{path}: {location}: {source}")]
    Corrupt {
        path: PathBuf,
        location: Location,
        #[source]
        source: Box<Corruption>,
    },
    /// A compressed block does not decompress: damaged data, or an algorithm rask does not
    /// decode ([`DecompressError::is_internal`] failures are [`RootError::Internal`] instead).
    #[error("{path}: {location}: {source}")]
    Decompression {
        path: PathBuf,
        location: Location,
        #[source]
        source: DecompressError,
    },
    /// A failure inside rask, not caused by the file: a decompressor that cannot be allocated,
    /// buffers the reader built that Arrow refuses.
    #[error("{path}: {location}: internal error: {source}")]
    Internal {
        path: PathBuf,
        location: Location,
        #[source]
        source: Internal,
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
        reason: Box<Unreadable>,
    },
    /// A table of events in memory (`memory:events-1`) that is not registered, or data that
    /// cannot be registered.
    #[error("{name}: {detail}")]
    InMemory { name: String, detail: String },
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

/// What is wrong in a damaged file: the cause of [`RootError::Corrupt`], from the layer that
/// found it (its message is that layer's).
///
/// ```
/// use rask_io_root::error::{Corruption, RecordError};
/// let e = Corruption::from(RecordError::KeyHeaderTooLong);
/// assert_eq!(e.to_string(), "key header longer than the key");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Corruption {
    /// Bytes of a record that do not decode (a TKey, a directory, the tree's streamer record).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A record's size or place is impossible.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A basket's header or entry offsets disagree with the branch or with themselves.
    #[error(transparent)]
    Basket(#[from] BasketError),
    /// A basket's bytes do not fit the branch's layout.
    #[error(transparent)]
    Column(#[from] ColumnError),
    /// A branch's basket tables are impossible.
    #[error(transparent)]
    Branch(#[from] BranchError),
    /// A Parquet footer is damaged or inconsistent.
    #[error(transparent)]
    Footer(#[from] FooterError),
}

/// A failure inside rask (the cause of [`RootError::Internal`]): not the file's fault.
///
/// ```
/// use rask_io_root::error::{ColumnError, Internal};
/// let e = Internal::Column(ColumnError::ListType(arrow_schema::DataType::Int32));
/// assert_eq!(e.to_string(), "list layout with type Int32");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Internal {
    /// A decompressor could not be set up (no memory, or re-entered).
    #[error(transparent)]
    Decompressor(DecompressError),
    /// The column builder produced buffers Arrow refuses.
    #[error(transparent)]
    Column(ColumnError),
}

impl RootError {
    /// The error of a record at `location` of `path` that does not decompress: damage, or (for
    /// a decompressor that cannot be set up) an internal error.
    pub(crate) fn decompression(
        path: &std::path::Path,
        location: Location,
        e: DecompressError,
    ) -> Self {
        let path = path.to_path_buf();
        if e.is_internal() {
            RootError::Internal {
                path,
                location,
                source: Internal::Decompressor(e),
            }
        } else {
            RootError::Decompression {
                path,
                location,
                source: e,
            }
        }
    }

    /// The error of a column at `location` of `path` that does not build: damage in the basket,
    /// or (Arrow refusing what the builder made) an internal error.
    pub(crate) fn column(path: &std::path::Path, location: Location, e: ColumnError) -> Self {
        let path = path.to_path_buf();
        if e.is_internal() {
            RootError::Internal {
                path,
                location,
                source: Internal::Column(e),
            }
        } else {
            RootError::Corrupt {
                path,
                location,
                source: Box::new(Corruption::Column(e)),
            }
        }
    }
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

/// The positions in `schema` of `columns`, to read the rows `range` of a table of `entries` rows
/// (a Parquet file, a table in memory; `path` and `tree` name it): a range outside the table or
/// an unknown column (with close names) is an error naming them.
pub(crate) fn checked_columns(
    path: &std::path::Path,
    tree: &str,
    schema: &arrow_schema::Schema,
    entries: u64,
    range: &std::ops::Range<u64>,
    columns: &[&str],
) -> Result<Vec<usize>> {
    if range.start > range.end || range.end > entries {
        return Err(RootError::EntryRange {
            path: path.to_path_buf(),
            tree: tree.to_string(),
            start: range.start,
            stop: range.end,
            entries,
        });
    }
    columns
        .iter()
        .map(|&name| {
            schema.index_of(name).map_err(|_| RootError::NoSuchBranch {
                path: path.to_path_buf(),
                tree: tree.to_string(),
                name: name.to_string(),
                suggestions: close_matches(name, schema.fields().iter().map(|f| f.name().as_str())),
            })
        })
        .collect()
}
