//! `rask convert`: ROOT (or Parquet) files to one Parquet file, written atomically.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
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
/// The file appears at `out` only when complete (written to a temporary file in the same
/// directory, then renamed). One row group per source partition, ZSTD-compressed.
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
    let partitions = source.partitions(&names, target_entries)?;
    let tmp = temp_path(out);
    let write_err = |source| ConvertError::Write {
        path: out.to_path_buf(),
        source,
    };
    let pq_err = |source| ConvertError::Parquet {
        path: out.to_path_buf(),
        source,
    };
    let result = (|| {
        let file = File::create(&tmp).map_err(write_err)?;
        let mut writer: Option<ArrowWriter<File>> = None;
        let mut file = Some(file);
        let mut entries = 0;
        for p in &partitions {
            let batch = source.read(p, &names)?;
            entries += batch.num_rows() as u64;
            if writer.is_none() {
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq_err)?))
                    .build();
                let schema: Arc<Schema> = batch.schema();
                let f = file
                    .take()
                    .ok_or_else(|| write_err(std::io::Error::other("writer opened twice")))?;
                writer = Some(ArrowWriter::try_new(f, schema, Some(props)).map_err(pq_err)?);
            }
            if let Some(w) = writer.as_mut() {
                w.write(&batch).map_err(pq_err)?;
                w.flush().map_err(pq_err)?;
            }
        }
        match writer {
            Some(w) => {
                let f = w.into_inner().map_err(pq_err)?;
                f.sync_all().map_err(write_err)?;
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
                ArrowWriter::try_new(f, Arc::new(empty), None)
                    .map_err(pq_err)?
                    .close()
                    .map_err(pq_err)?;
            }
        }
        std::fs::rename(&tmp, out).map_err(write_err)?;
        Ok(entries)
    })();
    match result {
        Ok(entries) => Ok(ConvertSummary {
            entries,
            columns,
            skipped,
            partitions: partitions.len(),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A temporary path next to `out`, so that the final rename stays on one file system.
pub fn temp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    out.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
