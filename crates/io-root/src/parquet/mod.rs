//! Parquet input: the same events as a ROOT tree, in the same Arrow layout.
//!
//! Row groups are the natural partitions; an entry range reads only the row groups it touches,
//! only the columns asked for (projection), and skips rows outside the range with a row selection.
//! Columns are brought to rask's canonical layout ([`rask_core::canonical_array`]): awkward writes
//! `list<element>`, pyarrow `large_list<item>`; both become `List<item not null>`.
//!
//! **Damaged files are refused, not read differently.** The `parquet` crate trusts a file's
//! levels, so a damaged page can decode into valid-looking but shifted values. Every page a read
//! takes is checked on its way in (`pages.rs`, `levels.rs`: levels within their maxima, as pyarrow
//! checks them), and what comes out is checked too (`validate.rs`: Arrow's full validation, and
//! each counted list as long as its counter, which is read along for that). Damage is a
//! [`RootError::ParquetDamage`] naming the file, the column and the row group.

mod footer;
mod levels;
mod pages;
mod thrift;
mod validate;
pub(crate) use validate::check_batch;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, RowSelection, RowSelector,
};
use parquet::arrow::{ProjectionMask, parquet_to_arrow_field_levels};
use parquet::file::metadata::ParquetMetaDataReader;

use crate::error::{Result, RootError};
use crate::source::{Stamp, reopen_unchanged};
pub use footer::{FieldFault, FooterError};
use pages::{CheckedRowGroups, Damage};
pub use thrift::{ThriftError, WireFault};

/// One Parquet file.
#[derive(Debug, Clone)]
pub struct ParquetFile {
    path: PathBuf,
    /// Identity, length and modification time when opened: a file changed since is an error.
    stamp: Stamp,
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
        let (file, meta) = crate::source::open_regular(&path)?;
        let stamp = Stamp::of(&meta);
        let parquet_err = |source| RootError::Parquet {
            path: path.clone(),
            source,
        };
        let corrupt = |e: FooterError| RootError::Corrupt {
            path: path.clone(),
            location: "footer".to_string(),
            source: Box::new(e.into()),
        };
        let bytes = footer_bytes(&file, stamp.len())
            .map_err(|source| RootError::Io {
                path: path.clone(),
                source,
            })?
            .map_err(corrupt)?;
        let column_types = thrift::file_meta_data(&bytes).map_err(|e| corrupt(e.into()))?;
        let footer = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .map_err(parquet_err)?;
        footer::check(&footer, stamp.len(), &column_types).map_err(corrupt)?;
        let metadata = ArrowReaderMetadata::try_new(Arc::new(footer), ArrowReaderOptions::new())
            .map_err(parquet_err)?;
        footer::check_types_agree(
            metadata.metadata().file_metadata().key_value_metadata(),
            metadata.schema(),
        )
        .map_err(corrupt)?;
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
            row_group_starts.push(last.saturating_add(rg.num_rows().max(0) as u64));
        }
        Ok(ParquetFile {
            path,
            stamp,
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
        let roots = crate::error::checked_columns(
            &self.path,
            "(parquet)",
            &self.schema,
            self.entries(),
            &range,
            columns,
        )?;
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
        // Counted lists are read with their counter, to check their lengths against it.
        let mut read_roots = roots.clone();
        for &r in &roots {
            let counter = self
                .schema
                .field(r)
                .metadata()
                .get(rask_core::COUNTER_METADATA_KEY);
            if let Some(c) = counter.and_then(|c| self.schema.index_of(c).ok())
                && !read_roots.contains(&c)
            {
                read_roots.push(c);
            }
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
                read_roots.contains(&meta.file_metadata().schema_descr().get_column_root_idx(*i))
            })
            .map(|(_, c)| c.compressed_size().max(0) as u64)
            .sum();
        let skip = (range.start - self.row_group_starts[first]) as usize;
        let selection =
            RowSelection::from(vec![RowSelector::skip(skip), RowSelector::select(rows)]);
        let batch = match self.read_groups(&groups, &read_roots, Some(selection), rows)? {
            Ok(batch) if batch.num_rows() == rows => batch,
            Ok(batch) => {
                let detail = format!(
                    "rows {}..{} read into {} rows: the row groups' sizes are damaged",
                    range.start,
                    range.end,
                    batch.num_rows()
                );
                return Err(self.locate(
                    Damage {
                        detail,
                        ..Damage::default()
                    },
                    &groups,
                    &read_roots,
                )?);
            }
            Err(damage) => return Err(self.locate(damage, &groups, &read_roots)?),
        };
        validate::check_batch(&batch, &self.schema, range.start, |row| {
            self.row_group_of(row)
        })
        .map_err(|damage| self.damage(damage, first))?;
        self.read
            .fetch_add(chunk_bytes, std::sync::atomic::Ordering::Relaxed);
        self.canonical(batch, &out_schema)
    }

    /// Reads the root columns `roots` of row groups `groups` (rows `selection` of them, or all),
    /// with every page checked. The outer error is the file's (cannot open, changed since it was
    /// opened); the inner one is damage, located as far as the pages tell.
    fn read_groups(
        &self,
        groups: &[usize],
        roots: &[usize],
        selection: Option<RowSelection>,
        rows: usize,
    ) -> Result<Result<RecordBatch, Damage>> {
        let file = reopen_unchanged(&self.path, &self.stamp)?;
        let descr = self.metadata.metadata().file_metadata().schema_descr_ptr();
        let slot = Arc::new(Mutex::new(None));
        let row_groups = CheckedRowGroups::new(
            file,
            self.metadata.metadata().clone(),
            groups.to_vec(),
            slot.clone(),
        );
        let failed = |detail: String| {
            let found = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            found.unwrap_or(Damage {
                detail,
                ..Damage::default()
            })
        };
        let levels = match parquet_to_arrow_field_levels(
            &descr,
            ProjectionMask::roots(&descr, roots.iter().copied()),
            Some(self.metadata.schema().fields()),
        ) {
            Ok(levels) => levels,
            Err(e) => return Ok(Err(failed(e.to_string()))),
        };
        let reader = match ParquetRecordBatchReader::try_new_with_row_groups(
            &levels,
            &row_groups,
            rows.max(1),
            selection,
        ) {
            Ok(reader) => reader,
            Err(e) => return Ok(Err(failed(e.to_string()))),
        };
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let mut batches = Vec::new();
        for batch in reader {
            match batch {
                Ok(b) => batches.push(b),
                Err(e) => return Ok(Err(failed(e.to_string()))),
            }
        }
        Ok(arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| failed(e.to_string())))
    }

    /// Which column and row group a failed read came from: the pages may have said; otherwise
    /// each column of each row group is read alone until one fails.
    fn locate(&self, damage: Damage, groups: &[usize], roots: &[usize]) -> Result<RootError> {
        if damage.column.is_some() && damage.row_group.is_some() {
            return Ok(self.damage(damage, groups[0]));
        }
        for &root in roots {
            for &g in groups {
                let rows = (self.row_group_starts[g + 1] - self.row_group_starts[g]) as usize;
                if let Err(found) = self.read_groups(&[g], &[root], None, rows)? {
                    return Ok(self.damage(
                        Damage {
                            column: found
                                .column
                                .or_else(|| Some(self.schema.field(root).name().clone())),
                            row_group: found.row_group.or(Some(g)),
                            detail: found.detail,
                        },
                        g,
                    ));
                }
            }
        }
        // Every column reads alone: the columns disagree with each other.
        let names: Vec<&str> = roots
            .iter()
            .map(|&r| self.schema.field(r).name().as_str())
            .collect();
        Ok(self.damage(
            Damage {
                column: Some(names.join(", ")),
                ..damage
            },
            groups[0],
        ))
    }

    /// The error for `damage`, in row group `default_group` unless it says.
    fn damage(&self, damage: Damage, default_group: usize) -> RootError {
        RootError::ParquetDamage {
            path: self.path.clone(),
            column: damage.column.unwrap_or_else(|| "?".to_string()),
            row_group: damage.row_group.unwrap_or(default_group),
            detail: damage.detail,
        }
    }

    /// The row group holding `row`.
    fn row_group_of(&self, row: u64) -> usize {
        self.row_group_starts
            .partition_point(|&s| s <= row)
            .saturating_sub(1)
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

/// The footer's Thrift bytes (before its length and the closing `PAR1`) of a file of `len` bytes.
/// The outer error is the operating system's, the inner one a damaged or truncated file.
fn footer_bytes(
    file: &File,
    len: u64,
) -> std::io::Result<std::result::Result<Vec<u8>, FooterError>> {
    let mut tail = [0u8; 8];
    if len < 12 {
        return Ok(Err(FooterError::TooShort));
    }
    crate::source::read_exact_at(file, &mut tail, len - 8)?;
    if &tail[4..] != b"PAR1" {
        return Ok(Err(FooterError::NoMagic));
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len + 12 > len {
        return Ok(Err(FooterError::Length(footer_len)));
    }
    let mut bytes = vec![0u8; footer_len as usize];
    crate::source::read_exact_at(file, &mut bytes, len - 8 - footer_len)?;
    Ok(Ok(bytes))
}

/// NanoAOD's convention for files that do not say which branch counts a list (Parquet written by
/// awkward or pyarrow): a list column `X_y` is counted by the integer column `nX` when there is
/// one. The reader records it as the `rask.counter` metadata ROOT files carry, so `X_pt` and
/// `X_eta` form the collection `X`; that their lengths agree is checked when they are read.
pub(crate) fn with_counters(fields: Vec<arrow_schema::FieldRef>) -> Vec<arrow_schema::FieldRef> {
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
