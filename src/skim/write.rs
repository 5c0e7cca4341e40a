//! The skim writer: named per-event expressions computed in one engine pass and written as
//! `part-NNNNN.parquet` files, all committed together.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rask_core::atomic::AtomicFile;
use rask_exec::{Engine, Output};
use rask_plan::Expr;
use rask_plan::types::Ty;

use super::{SkimError, SkimReport};
use crate::output_dir::OutputDir;

/// The name of part `k` of a skim.
fn part_name(k: usize) -> String {
    format!("part-{k:05}.parquet")
}

/// Whether `name` is a part file's name (`part-` digits `.parquet`), and its number.
fn part_number(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    if digits.len() < 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Computes `columns` (per-event expressions of one selection, named) with `engine` and writes
/// them to `dir` as `part-00000.parquet`, ... of at most `rows_per_file` rows each (one file,
/// with the schema and no rows, when no event is selected). The values stream: each partition
/// is written as soon as it and those before it are computed, so the memory a skim needs does
/// not grow with the events it keeps (see [`rask_exec::Engine::for_each_partition`]). Nothing
/// of this skim appears unless every file is complete; older parts this skim did not rewrite
/// are removed after.
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let events = rask::sources::open(&ctx, "events", &["data/nano-20k.root"], "Events")?;
/// let keep = events.field("nJet")?.ge(2)?;
/// let met = events.field("MET")?.field("pt")?.mask(&keep)?;
/// let jet_pt = events.field("Jet")?.field("pt")?.mask(&keep)?;
/// let dir = rask::output_dir::OutputDir::open("skim".as_ref())?;
/// let engine = rask::Engine::new(rask::Scheduler::threads());
/// let columns = [("met".to_string(), met), ("jet_pt".to_string(), jet_pt)];
/// let report = rask::skim::write_skim(&engine, &dir, &columns, 100_000)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_skim(
    engine: &Engine,
    dir: &OutputDir,
    columns: &[(String, Expr)],
    rows_per_file: usize,
) -> Result<SkimReport, SkimError> {
    if rows_per_file == 0 {
        return Err(SkimError::RowsPerFile);
    }
    check_columns(columns)?;
    let exprs: Vec<&Expr> = columns.iter().map(|(_, e)| e).collect();
    let mut parts = Parts::new(dir, rows_per_file);
    engine.for_each_partition(&exprs, |_, outputs| {
        parts.append(&batch_of(columns, outputs)?)
    })?;
    if parts.schema.is_none() {
        // No partition at all (no events in the inputs): the types from an empty computation.
        parts.append(&batch_of(columns, engine.compute_many(&exprs)?)?)?;
    }
    let rows = parts.rows;
    let files = parts.commit()?;
    Ok(SkimReport {
        rows,
        columns: columns.iter().map(|(n, _)| n.clone()).collect(),
        files,
    })
}

/// One partition's values of the named columns as a record batch (category codes as strings).
fn batch_of(columns: &[(String, Expr)], outputs: Vec<Output>) -> Result<RecordBatch, SkimError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for ((name, expr), output) in columns.iter().zip(outputs) {
        let Output::Events(a) = output else {
            return Err(SkimError::NotPerEvent {
                name: name.clone(),
                what: "not a per-event value when computed".to_string(),
            });
        };
        let a = match expr.categories() {
            Some(categories) => category_strings(name, &a, &categories)?,
            None => a,
        };
        if let Some((first, first_array)) = columns.first().zip(arrays.first())
            && a.len() != Array::len(first_array)
        {
            return Err(SkimError::Misaligned {
                name: name.clone(),
                first: first.0.clone(),
            });
        }
        arrays.push(a);
    }
    let fields: Vec<Field> = columns
        .iter()
        .zip(&arrays)
        .map(|((name, _), a)| Field::new(name, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|source| SkimError::Arrow {
        name: column_names(columns),
        source,
    })
}

fn column_names(columns: &[(String, Expr)]) -> String {
    columns
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every column is one value per event, of one selection, under its own name.
fn check_columns(columns: &[(String, Expr)]) -> Result<(), SkimError> {
    let Some((first, first_expr)) = columns.first() else {
        return Err(SkimError::NoColumns);
    };
    let rows_of = |name: &str, e: &Expr| match e.ty() {
        Ty::Events { rows, .. } => Ok(rows),
        other => Err(SkimError::NotPerEvent {
            name: name.to_string(),
            what: match other {
                Ty::Hist { .. } => "a histogram".to_string(),
                Ty::Scalar(_) => format!(
                    "one number for all events ({}: a count or an aggregate)",
                    other.describe()
                ),
                _ => other.describe(),
            },
        }),
    };
    let rows = rows_of(first, first_expr)?;
    for (i, (name, e)) in columns.iter().enumerate() {
        if rows_of(name, e)? != rows {
            return Err(SkimError::Misaligned {
                name: name.clone(),
                first: first.clone(),
            });
        }
        if columns[..i].iter().any(|(n, _)| n == name) {
            return Err(SkimError::DuplicateColumn(name.clone()));
        }
    }
    Ok(())
}

/// A category column (integer codes into `categories`, as a fileset's `dataset`) as strings.
fn category_strings(
    name: &str,
    codes: &ArrayRef,
    categories: &[String],
) -> Result<ArrayRef, SkimError> {
    let arrow_err = |source| SkimError::Arrow {
        name: name.to_string(),
        source,
    };
    if !codes.data_type().is_integer() {
        return Ok(codes.clone());
    }
    let wide = arrow_cast::cast(codes, &DataType::Int64).map_err(arrow_err)?;
    let wide = wide
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| arrow_err(arrow_schema::ArrowError::CastError("not Int64".into())))?;
    let strings = wide
        .iter()
        .map(|code| match code {
            None => Ok(None),
            Some(c) => usize::try_from(c)
                .ok()
                .and_then(|k| categories.get(k))
                .map(|s| Some(s.as_str()))
                .ok_or(SkimError::Category {
                    name: name.to_string(),
                    code: c,
                    count: categories.len(),
                }),
        })
        .collect::<Result<StringArray, _>>()?;
    Ok(Arc::new(strings))
}

/// The part files of one skim as its rows arrive: each written to a temporary file and
/// closed at `rows_per_file` rows; all renamed together by [`Parts::commit`] (dropped
/// uncommitted, every temporary file is removed).
struct Parts<'a> {
    dir: &'a OutputDir,
    rows_per_file: usize,
    /// The first batch's schema, which every later batch must have.
    schema: Option<SchemaRef>,
    /// The part being written and its rows so far.
    open: Option<(AtomicFile, ArrowWriter<File>, usize)>,
    /// Complete parts, not yet renamed.
    done: Vec<AtomicFile>,
    rows: u64,
}

impl<'a> Parts<'a> {
    fn new(dir: &'a OutputDir, rows_per_file: usize) -> Self {
        Parts {
            dir,
            rows_per_file,
            schema: None,
            open: None,
            done: Vec::new(),
            rows: 0,
        }
    }

    /// Appends `batch`'s rows, starting and closing parts as they fill.
    fn append(&mut self, batch: &RecordBatch) -> Result<(), SkimError> {
        let schema = self.schema.get_or_insert_with(|| batch.schema()).clone();
        if schema != batch.schema() {
            return Err(SkimError::Arrow {
                name: schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                source: ArrowError::SchemaError(format!(
                    "a partition's columns have types {:?}, the first partition's {:?}",
                    batch.schema().fields(),
                    schema.fields()
                )),
            });
        }
        let mut at = 0;
        while at < batch.num_rows() {
            let (tmp, mut writer, mut filled) = match self.open.take() {
                Some(part) => part,
                None => self.start(&schema)?,
            };
            let take = (self.rows_per_file - filled).min(batch.num_rows() - at);
            writer
                .write(&batch.slice(at, take))
                .map_err(|source| SkimError::Parquet {
                    path: tmp.dest().to_path_buf(),
                    source,
                })?;
            filled += take;
            at += take;
            self.open = Some((tmp, writer, filled));
            if filled == self.rows_per_file {
                self.close()?;
            }
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// A new part, in a temporary file beside its destination.
    fn start(
        &self,
        schema: &SchemaRef,
    ) -> Result<(AtomicFile, ArrowWriter<File>, usize), SkimError> {
        let path = self.dir.path().join(part_name(self.done.len()));
        let write_err = |source| SkimError::Write {
            path: path.clone(),
            source,
        };
        let pq_err = |source| SkimError::Parquet {
            path: path.clone(),
            source,
        };
        let mut tmp = AtomicFile::create(&path).map_err(write_err)?;
        let file = tmp.file().try_clone().map_err(write_err)?;
        // `rask convert`'s settings: ZSTD level 3.
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq_err)?))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(pq_err)?;
        Ok((tmp, writer, 0))
    }

    /// Finishes the part being written, if any.
    fn close(&mut self) -> Result<(), SkimError> {
        if let Some((tmp, writer, _)) = self.open.take() {
            writer.close().map_err(|source| SkimError::Parquet {
                path: tmp.dest().to_path_buf(),
                source,
            })?;
            self.done.push(tmp);
        }
        Ok(())
    }

    /// Closes the last part (or writes an empty one when no row came), renames every part
    /// into place (on an error, those renamed so far are removed), then removes older parts.
    fn commit(mut self) -> Result<Vec<PathBuf>, SkimError> {
        self.close()?;
        if self.done.is_empty()
            && let Some(schema) = self.schema.clone()
        {
            self.open = Some(self.start(&schema)?);
            self.close()?;
        }
        let count = self.done.len();
        let mut renamed = Vec::with_capacity(count);
        for tmp in std::mem::take(&mut self.done) {
            let path = tmp.dest().to_path_buf();
            if let Err(source) = tmp.commit() {
                for p in &renamed {
                    let _ = std::fs::remove_file(p);
                }
                return Err(SkimError::Write { path, source });
            }
            renamed.push(path);
        }
        remove_older_parts(self.dir, count);
        Ok(renamed)
    }
}

/// Removes the parts numbered `from` and above (an earlier, longer skim's); failures are
/// ignored (the parts this skim wrote are complete either way).
fn remove_older_parts(dir: &OutputDir, from: usize) {
    let Ok(entries) = std::fs::read_dir(dir.path()) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        if part_number(&name.to_string_lossy()).is_some_and(|k| k >= from) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_round_trip() {
        assert_eq!(part_name(0), "part-00000.parquet");
        assert_eq!(part_name(123_456), "part-123456.parquet");
        assert_eq!(part_number("part-00012.parquet"), Some(12));
        assert_eq!(part_number("part-123456.parquet"), Some(123_456));
        for other in [
            "part-1.parquet",
            "part-0000a.parquet",
            ".part-00000.parquet.x.tmp.parquet",
            "part-00000.parquet.bak",
            "keep.parquet",
        ] {
            assert_eq!(part_number(other), None, "{other}");
        }
    }
}
