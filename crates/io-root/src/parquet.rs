//! Parquet input: the same events as a ROOT tree, in the same Arrow layout.
//!
//! Row groups are the natural partitions; an entry range reads only the row groups it touches,
//! only the columns asked for (projection), and skips rows outside the range with a row selection.
//! Columns are brought to rask's canonical layout ([`rask_core::canonical_array`]): awkward writes
//! `list<element>`, pyarrow `large_list<item>`; both become `List<item not null>`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};

use crate::error::{Result, RootError, close_matches};

/// One Parquet file.
#[derive(Debug, Clone)]
pub struct ParquetFile {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    schema: SchemaRef,
    /// First row of each row group, and the total at the end.
    row_group_starts: Vec<u64>,
    /// Compressed bytes of the column chunks read so far.
    read: Arc<std::sync::atomic::AtomicU64>,
}

impl ParquetFile {
    /// Opens `path` and reads its footer.
    ///
    /// ```no_run
    /// let f = rask_io_root::ParquetFile::open("data/nano-20k.parquet")?;
    /// let b = f.read(0..10, &["nMuon", "Muon_pt"])?;
    /// assert_eq!(b.num_rows(), 10);
    /// # Ok::<(), rask_io_root::RootError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = open_file(&path)?;
        let metadata =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|source| {
                RootError::Parquet {
                    path: path.clone(),
                    source,
                }
            })?;
        let fields = metadata
            .schema()
            .fields()
            .iter()
            .map(|f| rask_core::canonical_field(f))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| RootError::Layout {
                path: path.clone(),
                source,
            })?;
        let fields = with_counters(fields);
        let mut row_group_starts = vec![0u64];
        for rg in metadata.metadata().row_groups() {
            let last = *row_group_starts.last().unwrap_or(&0);
            row_group_starts.push(last + rg.num_rows().max(0) as u64);
        }
        Ok(ParquetFile {
            path,
            metadata,
            schema: Arc::new(Schema::new(fields)),
            row_group_starts,
            read: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        })
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The canonical Arrow schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Number of rows (events).
    pub fn entries(&self) -> u64 {
        *self.row_group_starts.last().unwrap_or(&0)
    }

    /// Row-group boundaries: the first row of each row group, and the total.
    pub fn row_group_starts(&self) -> &[u64] {
        &self.row_group_starts
    }

    /// Compressed bytes of the column chunks read so far by [`ParquetFile::read`].
    pub fn bytes_read(&self) -> u64 {
        self.read.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Compressed bytes of the column chunks of `column` (all row groups).
    pub fn column_bytes(&self, column: &str) -> u64 {
        let meta = self.metadata.metadata();
        let descr = meta.file_metadata().schema_descr();
        let Some(root) = descr
            .root_schema()
            .get_fields()
            .iter()
            .position(|f| f.name() == column)
        else {
            return 0;
        };
        meta.row_groups()
            .iter()
            .flat_map(|rg| rg.columns().iter().enumerate())
            .filter(|(i, _)| descr.get_column_root_idx(*i) == root)
            .map(|(_, c)| c.compressed_size().max(0) as u64)
            .sum()
    }

    /// Reads `columns` of rows `range` (columns in the order asked).
    pub fn read(&self, range: std::ops::Range<u64>, columns: &[&str]) -> Result<RecordBatch> {
        let parquet_err = |source| RootError::Parquet {
            path: self.path.clone(),
            source,
        };
        if range.start > range.end || range.end > self.entries() {
            return Err(RootError::EntryRange {
                path: self.path.clone(),
                tree: "(parquet)".to_string(),
                start: range.start,
                stop: range.end,
                entries: self.entries(),
            });
        }
        let mut roots = Vec::with_capacity(columns.len());
        for &name in columns {
            let index = self
                .schema
                .index_of(name)
                .map_err(|_| RootError::NoSuchBranch {
                    path: self.path.clone(),
                    tree: "(parquet)".to_string(),
                    name: name.to_string(),
                    suggestions: close_matches(
                        name,
                        self.schema.fields().iter().map(|f| f.name().as_str()),
                    ),
                })?;
            roots.push(index);
        }
        let out_schema =
            Arc::new(
                self.schema
                    .project(&roots)
                    .map_err(|source| RootError::Arrow {
                        path: self.path.clone(),
                        location: "projection".to_string(),
                        source,
                    })?,
            );
        let rows = (range.end - range.start) as usize;
        if rows == 0 {
            return Ok(RecordBatch::new_empty(out_schema));
        }
        // Row groups touched by the range, and the rows to skip/select inside them.
        let first = self.row_group_starts.partition_point(|&s| s <= range.start) - 1;
        let last = self.row_group_starts.partition_point(|&s| s < range.end) - 1;
        let groups: Vec<usize> = (first..=last).collect();
        let meta = self.metadata.metadata();
        let chunk_bytes: u64 = groups
            .iter()
            .flat_map(|&g| meta.row_group(g).columns().iter().enumerate())
            .filter(|(i, _)| {
                roots.contains(&meta.file_metadata().schema_descr().get_column_root_idx(*i))
            })
            .map(|(_, c)| c.compressed_size().max(0) as u64)
            .sum();
        let skip = (range.start - self.row_group_starts[first]) as usize;
        let selection =
            RowSelection::from(vec![RowSelector::skip(skip), RowSelector::select(rows)]);
        let file = open_file(&self.path)?;
        let descr = self.metadata.metadata().file_metadata().schema_descr_ptr();
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_projection(ProjectionMask::roots(&descr, roots.iter().copied()))
                .with_row_groups(groups)
                .with_row_selection(selection)
                .with_batch_size(rows)
                .build()
                .map_err(parquet_err)?;
        let mut batches = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|source| RootError::Arrow {
                path: self.path.clone(),
                location: format!("rows {}..{}", range.start, range.end),
                source,
            })?;
            batches.push(self.canonical(batch, &out_schema)?);
        }
        self.read
            .fetch_add(chunk_bytes, std::sync::atomic::Ordering::Relaxed);
        arrow_select::concat::concat_batches(&out_schema, &batches).map_err(|source| {
            RootError::Arrow {
                path: self.path.clone(),
                location: format!("rows {}..{}", range.start, range.end),
                source,
            }
        })
    }

    /// Reorders a batch read in file order into `schema`'s order, in the canonical layout.
    fn canonical(&self, batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
        let mut columns = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let column =
                batch
                    .column_by_name(field.name())
                    .ok_or_else(|| RootError::SchemaMismatch {
                        path: self.path.clone(),
                        detail: format!("column '{}' missing from a row group", field.name()),
                    })?;
            columns.push(
                rask_core::canonical_array(field.name(), column).map_err(|source| {
                    RootError::Layout {
                        path: self.path.clone(),
                        source,
                    }
                })?,
            );
        }
        RecordBatch::try_new(schema.clone(), columns).map_err(|source| RootError::Arrow {
            path: self.path.clone(),
            location: "batch".to_string(),
            source,
        })
    }
}

fn open_file(path: &Path) -> Result<File> {
    if path.is_dir() {
        return Err(RootError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(|source| RootError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// NanoAOD's convention for files that do not say which branch counts a list (Parquet written by
/// awkward or pyarrow): a list column `X_y` is counted by the integer column `nX` when there is
/// one. The reader records it as the `rask.counter` metadata ROOT files carry, so `X_pt` and
/// `X_eta` form the collection `X`; that their lengths agree is checked when they are read.
fn with_counters(fields: Vec<arrow_schema::FieldRef>) -> Vec<arrow_schema::FieldRef> {
    use arrow_schema::DataType;
    let is_counter = |name: &str| {
        fields.iter().any(|f| {
            f.name() == name
                && matches!(
                    f.data_type(),
                    DataType::Int8
                        | DataType::Int16
                        | DataType::Int32
                        | DataType::Int64
                        | DataType::UInt8
                        | DataType::UInt16
                        | DataType::UInt32
                        | DataType::UInt64
                )
        })
    };
    fields
        .iter()
        .map(|f| {
            let counted = matches!(f.data_type(), DataType::List(_))
                && !f.metadata().contains_key(rask_core::COUNTER_METADATA_KEY);
            match f.name().split_once('_') {
                Some((prefix, _)) if counted && is_counter(&format!("n{prefix}")) => {
                    let mut md = f.metadata().clone();
                    md.insert(
                        rask_core::COUNTER_METADATA_KEY.to_string(),
                        format!("n{prefix}"),
                    );
                    Arc::new(f.as_ref().clone().with_metadata(md))
                }
                _ => f.clone(),
            }
        })
        .collect()
}
