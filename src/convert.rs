//! `rask convert`: ROOT (or Parquet) files to one Parquet file, written atomically.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rask_core::atomic::AtomicFile;
use rask_io_root::{EventSource, RootError};

/// Errors of the conversion.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Read(#[from] RootError),
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: Parquet writer failed: {source}")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("{path}: the output is a directory; --out names the Parquet file to write")]
    OutputIsDirectory { path: PathBuf },
    #[error(
        "{path}: the output is the input file {input}; converting a file onto itself would destroy it"
    )]
    OutputIsInput { path: PathBuf, input: PathBuf },
    #[error("no branch to write: every branch of the input is unreadable ({0})")]
    NothingToWrite(String),
}

/// What a conversion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertSummary {
    pub entries: u64,
    pub columns: Vec<String>,
    /// Branches left out because rask cannot read their type (only when no branch list was given).
    pub skipped: Vec<String>,
    pub partitions: usize,
}

/// Converts `source` to Parquet at `out`: the given `branches`, or all readable ones.
///
/// The file appears at `out` only when complete (`rask_core::atomic`: written to a temporary
/// file in the same directory, then renamed; the temporary file is removed on any error). One
/// row group per source partition, ZSTD-compressed. Callers check `out` against the inputs
/// first with [`check_output`].
pub fn convert(
    source: &EventSource,
    branches: Option<&[String]>,
    out: &Path,
    target_entries: u64,
) -> Result<ConvertSummary, ConvertError> {
    let schema = source.schema();
    let (columns, skipped): (Vec<String>, Vec<String>) = match branches {
        Some(list) => (list.to_vec(), Vec::new()),
        None => schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .partition(|name| {
                schema.field_with_name(name).is_ok_and(|f| {
                    !f.metadata()
                        .contains_key(rask_io_root::UNREADABLE_METADATA_KEY)
                })
            }),
    };
    if columns.is_empty() {
        return Err(ConvertError::NothingToWrite(skipped.join(", ")));
    }
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let write_err = |source| ConvertError::Write {
        path: out.to_path_buf(),
        source,
    };
    let pq_err = |source| ConvertError::Parquet {
        path: out.to_path_buf(),
        source,
    };
    // Created before reading, so an unwritable destination fails first; dropped (and removed)
    // on every error below.
    let mut tmp = AtomicFile::create(out).map_err(write_err)?;
    let partitions = source.partitions(&names, target_entries)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq_err)?))
        .build();
    // The writer borrows the temporary file until the block ends.
    let entries = {
        let mut writer: Option<ArrowWriter<&mut File>> = None;
        let mut file = Some(tmp.file());
        let mut entries = 0;
        for p in &partitions {
            let batch = source.read(p, &names)?;
            entries += batch.num_rows() as u64;
            if writer.is_none() {
                let schema: Arc<Schema> = batch.schema();
                let f = file
                    .take()
                    .ok_or_else(|| write_err(std::io::Error::other("writer opened twice")))?;
                writer =
                    Some(ArrowWriter::try_new(f, schema, Some(props.clone())).map_err(pq_err)?);
            }
            if let Some(w) = writer.as_mut() {
                w.write(&batch).map_err(pq_err)?;
                w.flush().map_err(pq_err)?;
            }
        }
        match writer {
            Some(w) => {
                w.into_inner().map_err(pq_err)?;
            }
            None => {
                // An empty source: still write a valid (empty) Parquet file with the schema.
                let empty = source
                    .schema()
                    .project(
                        &columns
                            .iter()
                            .filter_map(|c| source.schema().index_of(c).ok())
                            .collect::<Vec<_>>(),
                    )
                    .map_err(|e| pq_err(e.into()))?;
                let f = file
                    .take()
                    .ok_or_else(|| write_err(std::io::Error::other("writer opened twice")))?;
                ArrowWriter::try_new(f, Arc::new(empty), Some(props))
                    .map_err(pq_err)?
                    .close()
                    .map_err(pq_err)?;
            }
        }
        entries
    };
    tmp.commit().map_err(write_err)?;
    Ok(ConvertSummary {
        entries,
        columns,
        skipped,
        partitions: partitions.len(),
    })
}

/// Checks `out` before a conversion reads anything: it must not be a directory, nor one of
/// the `inputs` (the same file under any name: canonical paths, and on Unix the same inode).
///
/// ```
/// let err = rask::convert::check_output(&["data/HZZ.root"], "data/HZZ.root".as_ref());
/// assert!(matches!(err, Err(rask::convert::ConvertError::OutputIsInput { .. })));
/// ```
pub fn check_output<P: AsRef<Path>>(inputs: &[P], out: &Path) -> Result<(), ConvertError> {
    let Ok(meta) = std::fs::metadata(out) else {
        // Not there yet (or not reachable): it cannot be an input; the write reports the rest.
        return Ok(());
    };
    if meta.is_dir() {
        return Err(ConvertError::OutputIsDirectory {
            path: out.to_path_buf(),
        });
    }
    let out_canon = std::fs::canonicalize(out).ok();
    for input in inputs {
        let input = input.as_ref();
        let same_path = out_canon.is_some() && std::fs::canonicalize(input).ok() == out_canon;
        if same_path || same_inode(&meta, input) {
            return Err(ConvertError::OutputIsInput {
                path: out.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(out: &std::fs::Metadata, input: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino())
}

#[cfg(not(unix))]
fn same_inode(_out: &std::fs::Metadata, _input: &Path) -> bool {
    false
}
