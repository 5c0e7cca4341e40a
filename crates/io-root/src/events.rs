//! A source of events: one or many ROOT files (one tree each) or Parquet files, split into
//! partitions that can be read independently and in parallel.

use std::ops::Range;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use std::sync::Arc;

use arrow_schema::{Field, SchemaRef};
use rask_core::file_columns::FileColumns;

use crate::basket::BasketBuffers;
use crate::decode::{Widths, widened_type};
use crate::error::{Result, RootError};
use crate::memory::MemoryTable;
use crate::parquet::ParquetFile;
use crate::reader::RootTree;

/// The file format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Root,
    Parquet,
    /// Record batches registered in this process ([`crate::memory`]).
    Memory,
}

/// One independently readable piece of a source: an entry range of one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Partition {
    /// Index of the file in the source.
    pub file: usize,
    /// Entries (rows) of that file.
    pub entries: Range<u64>,
}

#[derive(Debug, Clone)]
enum Files {
    Root(Vec<RootTree>),
    Parquet(Vec<ParquetFile>),
    Memory(Vec<Arc<MemoryTable>>),
}

/// Events from ROOT or Parquet files with one schema.
///
/// ```no_run
/// use rask_io_root::EventSource;
/// let src = EventSource::open(&["data/nano-20k.root"], "Events")?;
/// let cols = ["Muon_pt", "Muon_eta"];
/// for p in src.partitions(&cols, 100_000)? {
///     let batch = src.read(&p, &cols)?;
///     println!("{} events", batch.num_rows());
/// }
/// # Ok::<(), rask_io_root::RootError>(())
/// ```
#[derive(Debug, Clone)]
pub struct EventSource {
    files: Files,
    pub(crate) schema: SchemaRef,
    /// Columns constant within each file (a fileset's `dataset` and metadata), after the
    /// branches in the schema.
    pub(crate) file_columns: Option<Arc<FileColumns>>,
}

impl EventSource {
    /// Opens `paths` (all ROOT or all Parquet, told apart by their first bytes); `tree` names the
    /// TTree in ROOT files and is ignored for Parquet.
    pub fn open(paths: &[impl AsRef<Path>], tree: &str) -> Result<Self> {
        let Some(first) = paths.first() else {
            return Err(RootError::SchemaMismatch {
                path: PathBuf::from("(no files)"),
                detail: "a source needs at least one file".to_string(),
            });
        };
        let format = if crate::memory::is_memory(first.as_ref()) {
            Format::Memory
        } else {
            detect_format(first.as_ref())?
        };
        let files = match format {
            Format::Root => Files::Root(
                paths
                    .iter()
                    .map(|p| RootTree::open(p, tree))
                    .collect::<Result<_>>()?,
            ),
            Format::Parquet => {
                Files::Parquet(paths.iter().map(ParquetFile::open).collect::<Result<_>>()?)
            }
            Format::Memory => Files::Memory(
                paths
                    .iter()
                    .map(|p| crate::memory::open(p.as_ref()))
                    .collect::<Result<_>>()?,
            ),
        };
        let schemas: Vec<(PathBuf, SchemaRef)> = match &files {
            Files::Root(t) => t
                .iter()
                .map(|t| (t.file().path().to_path_buf(), t.schema().clone()))
                .collect(),
            Files::Parquet(f) => f
                .iter()
                .map(|f| (f.path().to_path_buf(), f.schema().clone()))
                .collect(),
            Files::Memory(m) => m
                .iter()
                .map(|m| (m.path().to_path_buf(), m.schema().clone()))
                .collect(),
        };
        let schema = schemas[0].1.clone();
        for (path, other) in &schemas[1..] {
            check_same_schema(path, &schema, other)?;
        }
        Ok(EventSource {
            files,
            schema,
            file_columns: None,
        })
    }

    /// The format of the files.
    pub fn format(&self) -> Format {
        match self.files {
            Files::Root(_) => Format::Root,
            Files::Parquet(_) => Format::Parquet,
            Files::Memory(_) => Format::Memory,
        }
    }

    /// The per-file columns (a fileset's `dataset` and metadata), if any.
    pub fn file_columns(&self) -> Option<&Arc<FileColumns>> {
        self.file_columns.as_ref()
    }

    /// The schema shared by all files.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The fields of the batches [`EventSource::read_as`] gives for `columns` (in their order;
    /// names the source lacks are skipped): ROOT branches of the types `widths` reads, the
    /// per-file columns and Parquet columns as stored.
    pub fn fields_as(&self, columns: &[&str], widths: Widths) -> Vec<Field> {
        let widened = |c: &str| {
            widths == Widths::Widened
                && matches!(self.files, Files::Root(_))
                && self
                    .file_columns
                    .as_ref()
                    .is_none_or(|fc| fc.position(c).is_none())
        };
        columns
            .iter()
            .filter_map(|&c| {
                let f = self.schema.field_with_name(c).ok()?;
                Some(if widened(c) {
                    f.clone().with_data_type(widened_type(f.data_type()))
                } else {
                    f.clone()
                })
            })
            .collect()
    }

    /// Number of files.
    pub fn num_files(&self) -> usize {
        match &self.files {
            Files::Root(t) => t.len(),
            Files::Parquet(f) => f.len(),
            Files::Memory(m) => m.len(),
        }
    }

    /// Path of file `i`.
    pub fn file_path(&self, i: usize) -> Option<&Path> {
        match &self.files {
            Files::Root(t) => t.get(i).map(|t| t.file().path()),
            Files::Parquet(f) => f.get(i).map(|f| f.path()),
            Files::Memory(m) => m.get(i).map(|m| m.path()),
        }
    }

    /// The ROOT trees, for a ROOT source.
    pub fn root_trees(&self) -> Option<&[RootTree]> {
        match &self.files {
            Files::Root(t) => Some(t),
            Files::Parquet(_) | Files::Memory(_) => None,
        }
    }

    fn file_entries(&self, i: usize) -> u64 {
        match &self.files {
            Files::Root(t) => t[i].entries(),
            Files::Parquet(f) => f[i].entries(),
            Files::Memory(m) => m[i].entries(),
        }
    }

    /// Whether `p` names entries of one of the files (a partition sent from elsewhere).
    ///
    /// ```no_run
    /// # let source = rask_io_root::EventSource::open(&["f.root"], "Events")?;
    /// let all = rask_io_root::Partition { file: 0, entries: 0..source.entries() };
    /// assert!(source.has_partition(&all));
    /// # Ok::<(), rask_io_root::RootError>(())
    /// ```
    pub fn has_partition(&self, p: &Partition) -> bool {
        p.file < self.num_files()
            && p.entries.start <= p.entries.end
            && p.entries.end <= self.file_entries(p.file)
    }

    /// Entries of all files.
    pub fn entries(&self) -> u64 {
        (0..self.num_files()).map(|i| self.file_entries(i)).sum()
    }

    /// Bytes read from the files so far: counted at every read for ROOT files; for Parquet, the
    /// compressed column chunks of `partition`s read (the Parquet reader does its own I/O).
    pub fn bytes_read(&self) -> u64 {
        match &self.files {
            Files::Root(trees) => trees.iter().map(|t| t.file().source().bytes_read()).sum(),
            Files::Parquet(files) => files.iter().map(|f| f.bytes_read()).sum(),
            Files::Memory(_) => 0,
        }
    }

    /// Total size of the files in bytes.
    pub fn file_bytes(&self) -> u64 {
        match &self.files {
            Files::Root(trees) => trees.iter().map(|t| t.file().len()).sum(),
            Files::Parquet(files) => files
                .iter()
                .map(|f| std::fs::metadata(f.path()).map_or(0, |m| m.len()))
                .sum(),
            Files::Memory(tables) => tables
                .iter()
                .map(|m| m.column_bytes(&m.all_columns()))
                .sum(),
        }
    }

    /// Compressed bytes that reading `columns` of every entry takes from the files.
    pub fn column_bytes(&self, columns: &[&str]) -> Result<u64> {
        let columns = &self.branches_of(columns)[..];
        let mut total = 0;
        match &self.files {
            Files::Root(trees) => {
                for t in trees {
                    for c in columns {
                        total += t
                            .branch(c)?
                            .baskets
                            .iter()
                            .map(|b| b.bytes as u64)
                            .sum::<u64>();
                    }
                }
            }
            Files::Parquet(files) => {
                for f in files {
                    total += columns.iter().map(|c| f.column_bytes(c)).sum::<u64>();
                }
            }
            Files::Memory(tables) => {
                total += tables.iter().map(|m| m.column_bytes(columns)).sum::<u64>()
            }
        }
        Ok(total)
    }

    /// Splits the source into partitions of about `target_entries` entries, cut only where every
    /// column in `columns` starts a basket (ROOT) or at row-group boundaries (Parquet), so no
    /// basket is decompressed twice. A partition never spans two files.
    pub fn partitions(&self, columns: &[&str], target_entries: u64) -> Result<Vec<Partition>> {
        let columns = &self.branches_of(columns)[..];
        let mut out = Vec::new();
        for file in 0..self.num_files() {
            let boundaries = match &self.files {
                // Only per-file columns: no basket to align with; cut every `target_entries`.
                Files::Root(_) if columns.is_empty() => {
                    let n = self.file_entries(file);
                    let step = target_entries.max(1) as usize;
                    let mut b: Vec<u64> = (0..n).step_by(step).collect();
                    b.push(n);
                    b
                }
                Files::Root(t) => t[file].aligned_boundaries(columns)?,
                Files::Parquet(f) => f[file].row_group_starts().to_vec(),
                // Rows in memory are sliced anywhere: cut every `target_entries`.
                Files::Memory(m) => {
                    let n = m[file].entries();
                    let mut b: Vec<u64> = (0..n).step_by(target_entries.max(1) as usize).collect();
                    b.push(n);
                    b
                }
            };
            out.extend(
                group_boundaries(&boundaries, target_entries)
                    .into_iter()
                    .map(|entries| Partition { file, entries }),
            );
        }
        Ok(out)
    }

    /// The parts of `partitions` inside `entries`, numbered across the files in order
    /// (`events[a:b]`); partitions outside are dropped.
    ///
    /// ```no_run
    /// # let source = rask_io_root::EventSource::open(&["a.root", "b.root"], "Events")?;
    /// let all = source.split_evenly(1); // one partition per file
    /// let first = source.within(all, 0..100);
    /// assert_eq!(first[0].entries, 0..100);
    /// # Ok::<(), rask_io_root::RootError>(())
    /// ```
    pub fn within(
        &self,
        partitions: Vec<Partition>,
        entries: std::ops::Range<u64>,
    ) -> Vec<Partition> {
        let mut starts = Vec::with_capacity(self.num_files());
        let mut total = 0u64;
        for file in 0..self.num_files() {
            starts.push(total);
            total = total.saturating_add(self.file_entries(file));
        }
        partitions
            .into_iter()
            .filter_map(|p| {
                let first = *starts.get(p.file)?;
                let lo = entries.start.saturating_sub(first).max(p.entries.start);
                let hi = entries.end.saturating_sub(first).min(p.entries.end);
                (lo < hi).then_some(Partition {
                    file: p.file,
                    entries: lo..hi,
                })
            })
            .collect()
    }

    /// Splits every file into `n` ranges of nearly equal size, ignoring basket boundaries (for
    /// tests and debugging: any range is readable, aligned ones are cheaper).
    pub fn split_evenly(&self, n: u64) -> Vec<Partition> {
        let n = n.max(1);
        let mut out = Vec::new();
        for file in 0..self.num_files() {
            let total = self.file_entries(file);
            for k in 0..n {
                let entries = total * k / n..total * (k + 1) / n;
                out.push(Partition { file, entries });
            }
        }
        out
    }

    /// Reads `columns` of one partition.
    pub fn read(&self, partition: &Partition, columns: &[&str]) -> Result<RecordBatch> {
        self.read_as(partition, columns, Widths::Stored)
    }

    /// Reads `columns` of one partition with ROOT numbers decoded as `widths` says (Parquet
    /// columns are read as stored either way).
    ///
    /// ```no_run
    /// use rask_io_root::decode::Widths;
    /// let src = rask_io_root::EventSource::open(&[std::path::PathBuf::from("f.root")], "Events")?;
    /// let p = &src.partitions(&["Muon_pt"], 100_000)?[0];
    /// let batch = src.read_as(p, &["Muon_pt"], Widths::Widened)?; // list<f64>
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_as(
        &self,
        partition: &Partition,
        columns: &[&str],
        widths: Widths,
    ) -> Result<RecordBatch> {
        let range = partition.entries.clone();
        let branches = self.branches_of(columns);
        let batch = match &self.files {
            Files::Root(t) => {
                let tree = file_at(t, partition.file)?;
                BasketBuffers::with_thread_local(|b| {
                    tree.read_with_widths(range, &branches, b, widths)
                })?
            }
            Files::Parquet(f) => file_at(f, partition.file)?.read(range, &branches)?,
            Files::Memory(m) => file_at(m, partition.file)?.read(range, &branches)?,
        };
        match &self.file_columns {
            Some(fc) if branches.len() < columns.len() => {
                crate::fileset::with_file_columns(batch, fc, partition, columns)
            }
            _ => Ok(batch),
        }
    }

    /// `columns` without the per-file ones (which no file holds).
    fn branches_of<'a>(&self, columns: &[&'a str]) -> Vec<&'a str> {
        match &self.file_columns {
            None => columns.to_vec(),
            Some(fc) => columns
                .iter()
                .copied()
                .filter(|c| fc.position(c).is_none())
                .collect(),
        }
    }
}

fn file_at<T>(files: &[T], i: usize) -> Result<&T> {
    files.get(i).ok_or_else(|| RootError::SchemaMismatch {
        path: PathBuf::from(format!("(file #{i})")),
        detail: format!(
            "partition names file #{i} of a source of {} files",
            files.len()
        ),
    })
}

/// Groups consecutive boundaries into ranges of at least `target` entries (the last may be smaller).
fn group_boundaries(boundaries: &[u64], target: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    let Some((&last, _)) = boundaries.split_last() else {
        return out;
    };
    let mut start = boundaries[0];
    for &b in &boundaries[1..] {
        if b - start >= target.max(1) || b == last {
            if b > start {
                out.push(start..b);
            }
            start = b;
        }
    }
    out
}

/// Tells ROOT from Parquet by the first bytes of the file.
pub fn detect_format(path: &Path) -> Result<Format> {
    use std::io::Read;
    let io = |source| RootError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut head = [0u8; 4];
    // A directory, a FIFO or a device is refused here (a pipe is not waited on).
    let (mut f, _) = crate::source::open_regular(path)?;
    let n = f.read(&mut head).map_err(io)?;
    match &head[..n] {
        b"root" => Ok(Format::Root),
        b"PAR1" => Ok(Format::Parquet),
        _ => Err(RootError::NotRoot {
            path: path.to_path_buf(),
        }),
    }
}

fn check_same_schema(path: &Path, first: &SchemaRef, other: &SchemaRef) -> Result<()> {
    for field in first.fields() {
        match other.field_with_name(field.name()) {
            Ok(f) if f.data_type() == field.data_type() => {}
            Ok(f) => {
                return Err(RootError::SchemaMismatch {
                    path: path.to_path_buf(),
                    detail: format!(
                        "column '{}' has type {}, not {}",
                        field.name(),
                        f.data_type(),
                        field.data_type()
                    ),
                });
            }
            Err(_) => {
                return Err(RootError::SchemaMismatch {
                    path: path.to_path_buf(),
                    detail: format!("column '{}' is missing", field.name()),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn grouped_ranges_tile_the_boundaries(mut cuts in proptest::collection::btree_set(1u64..10_000, 0..40), target in 1u64..3000) {
            cuts.insert(10_000);
            let mut boundaries = vec![0];
            boundaries.extend(cuts);
            let ranges = group_boundaries(&boundaries, target);
            prop_assert_eq!(ranges.first().map(|r| r.start), Some(0));
            prop_assert_eq!(ranges.last().map(|r| r.end), Some(10_000));
            for w in ranges.windows(2) {
                prop_assert_eq!(w[0].end, w[1].start);
            }
            for r in &ranges {
                prop_assert!(boundaries.contains(&r.start) && boundaries.contains(&r.end));
            }
            for r in &ranges[..ranges.len() - 1] {
                prop_assert!(r.end - r.start >= target);
            }
        }
    }
}
