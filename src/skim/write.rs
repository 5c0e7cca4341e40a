//! The skim writer: named per-event expressions computed in one engine pass and written as
//! `part-NNNNN.parquet` files, all committed together.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
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
/// with the schema and no rows, when no event is selected). Nothing of this skim appears
/// unless every file is complete; older parts this skim did not rewrite are removed after.
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
    let outputs = engine.compute_many(&exprs)?;
    let mut arrays = Vec::with_capacity(columns.len());
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
    let schema = Arc::new(Schema::new(fields));
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let batch =
        RecordBatch::try_new(schema.clone(), arrays).map_err(|source| SkimError::Arrow {
            name: names.join(", "),
            source,
        })?;
    let files = write_parts(dir, &batch, rows_per_file)?;
    Ok(SkimReport {
        rows: batch.num_rows() as u64,
        columns: names,
        files,
    })
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

/// Writes `batch` as parts of at most `rows_per_file` rows: all to temporary files, then all
/// renamed (on an error, the parts renamed so far are removed), then older parts removed.
fn write_parts(
    dir: &OutputDir,
    batch: &RecordBatch,
    rows_per_file: usize,
) -> Result<Vec<PathBuf>, SkimError> {
    let rows = batch.num_rows();
    let parts = rows.div_ceil(rows_per_file).max(1);
    let mut pending = Vec::with_capacity(parts);
    for k in 0..parts {
        let path = dir.path().join(part_name(k));
        let start = k * rows_per_file;
        let slice = batch.slice(start, rows_per_file.min(rows - start));
        pending.push(write_part(&path, &slice)?);
    }
    let mut done = Vec::with_capacity(parts);
    for tmp in pending {
        let path = tmp.dest().to_path_buf();
        if let Err(source) = tmp.commit() {
            for p in &done {
                let _ = std::fs::remove_file(p);
            }
            return Err(SkimError::Write { path, source });
        }
        done.push(path);
    }
    remove_older_parts(dir, parts);
    Ok(done)
}

/// One part in a temporary file beside `path`, complete but not yet renamed.
fn write_part(path: &std::path::Path, batch: &RecordBatch) -> Result<AtomicFile, SkimError> {
    let pq_err = |source| SkimError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = AtomicFile::create(path).map_err(|source| SkimError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    // `rask convert`'s settings: ZSTD level 3.
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq_err)?))
        .build();
    let mut writer =
        ArrowWriter::try_new(tmp.file(), batch.schema(), Some(props)).map_err(pq_err)?;
    writer.write(batch).map_err(pq_err)?;
    writer.close().map_err(pq_err)?;
    Ok(tmp)
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
