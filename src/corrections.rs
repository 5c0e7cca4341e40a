//! `rask corrections`: what a correctionlib file holds, and one correction evaluated on the
//! columns of a Parquet file.
//!
//! ```no_run
//! print!("{}", rask::corrections::summary("corrections.json".as_ref())?);
//! # Ok::<(), rask::corrections::CorrectionsError>(())
//! ```

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, ListArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rask_core::atomic::AtomicFile;
use rask_correction::{Arg, CorrectionError, CorrectionSet, Evaluator, VarType};
use rask_plan::correction::type_name;

/// The name of the column `rask corrections --eval` adds.
pub const OUTPUT_COLUMN: &str = "output";

/// Errors of `rask corrections`.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionsError {
    #[error(transparent)]
    Correction(#[from] CorrectionError),
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: Parquet: {source}")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    /// The output is a directory or the input itself.
    #[error(transparent)]
    Output(#[from] crate::convert::ConvertError),
}

/// A listing of the corrections of `path` (like correctionlib's `correction summary`): name,
/// version, description, inputs and output with their types.
pub fn summary(path: &Path) -> Result<String, CorrectionsError> {
    let set = CorrectionSet::from_path(path)?;
    let mut out = String::new();
    let names = set.names();
    let _ = writeln!(
        out,
        "{}: {} correction{}",
        path.display(),
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    );
    for name in names {
        let ev = set.get(name)?;
        let _ = writeln!(out, "\n{} (version {})", ev.name(), ev.version());
        if !ev.description().is_empty() {
            let _ = writeln!(out, "  {}", ev.description());
        }
        let _ = writeln!(out, "  inputs:");
        for v in ev.inputs() {
            let _ = writeln!(
                out,
                "    {:<20} {:<7} {}",
                v.name,
                type_name(&v.ty),
                v.description
            );
        }
        let o = ev.output();
        let _ = writeln!(
            out,
            "  output: {} ({}) {}",
            o.name,
            type_name(&o.ty),
            o.description
        );
    }
    Ok(out)
}

/// What [`evaluate_parquet`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalSummary {
    pub rows: usize,
    pub values: usize,
    pub columns: Vec<String>,
}

/// Evaluates correction `name` of `file` on the columns of the Parquet file `input` named after
/// its inputs, and writes those columns plus [`OUTPUT_COLUMN`] to `out` (atomically, ZSTD;
/// `out` may not be `input` under any name, nor a directory).
/// Columns may be numbers, strings, or lists of numbers (jagged: the output has their lists).
pub fn evaluate_parquet(
    file: &Path,
    name: &str,
    input: &Path,
    out: &Path,
) -> Result<EvalSummary, CorrectionsError> {
    let set = CorrectionSet::from_path(file)?;
    let ev = set.get(name)?;
    crate::convert::check_output(&[input], out)?;
    let in_err = |message: String| CorrectionsError::Input {
        path: input.to_path_buf(),
        message,
    };
    let pq_in = |source| CorrectionsError::Parquet {
        path: input.to_path_buf(),
        source,
    };
    let pq_out = |source| CorrectionsError::Parquet {
        path: out.to_path_buf(),
        source,
    };
    let f = File::open(input).map_err(|e| in_err(e.to_string()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(pq_in)?;
    let schema = builder.schema().clone();
    let mut indices = Vec::new();
    for v in ev.inputs() {
        match schema.index_of(&v.name) {
            Ok(i) => indices.push(i),
            Err(_) => {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(in_err(format!(
                    "no column '{}' for input '{}' of correction '{}' (columns: {})",
                    v.name,
                    v.name,
                    ev.name(),
                    names.join(", ")
                )));
            }
        }
    }
    let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), indices.clone());
    let reader = builder.with_projection(mask).build().map_err(pq_in)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(pq_out)?))
        .build();
    let write_err = |source| CorrectionsError::Write {
        path: out.to_path_buf(),
        source,
    };
    let mut tmp = AtomicFile::create(out).map_err(write_err)?;
    // The writer borrows the temporary file until this block ends; then it is committed.
    let (rows, values, columns) = {
        let mut writer: Option<ArrowWriter<&mut File>> = None;
        let mut file_slot = Some(tmp.file());
        let (mut rows, mut values) = (0, 0);
        let mut columns = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| in_err(e.to_string()))?;
            let (output, n) = evaluate_batch(&ev, &batch).map_err(|e| match e {
                BatchError::Correction(c) => CorrectionsError::Correction(c),
                BatchError::Input(m) => in_err(m),
            })?;
            rows += batch.num_rows();
            values += n;
            let mut fields: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.push(Field::new(OUTPUT_COLUMN, output.data_type().clone(), false));
            let mut arrays: Vec<ArrayRef> = batch.columns().to_vec();
            arrays.push(output);
            let out_batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
                .map_err(|e| in_err(e.to_string()))?;
            if writer.is_none() {
                columns = out_batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                let f = file_slot
                    .take()
                    .ok_or_else(|| write_err(std::io::Error::other("writer opened twice")))?;
                writer = Some(
                    ArrowWriter::try_new(f, out_batch.schema(), Some(props.clone()))
                        .map_err(pq_out)?,
                );
            }
            if let Some(w) = writer.as_mut() {
                w.write(&out_batch).map_err(pq_out)?;
            }
        }
        let Some(w) = writer else {
            return Err(in_err("no rows to evaluate".to_string()));
        };
        w.into_inner().map_err(pq_out)?;
        (rows, values, columns)
    };
    tmp.commit().map_err(write_err)?;
    Ok(EvalSummary {
        rows,
        values,
        columns,
    })
}

enum BatchError {
    Correction(CorrectionError),
    Input(String),
}

/// The output column for one batch (flat, or lists like the list inputs), and its value count.
fn evaluate_batch(ev: &Evaluator, batch: &RecordBatch) -> Result<(ArrayRef, usize), BatchError> {
    let lists: Vec<&ListArray> = batch
        .columns()
        .iter()
        .filter_map(|c| c.as_list_opt::<i32>())
        .collect();
    let offsets = match lists.first() {
        Some(first) => {
            let o = first.offsets();
            if lists.iter().any(|l| l.offsets() != o) {
                return Err(BatchError::Input(
                    "list columns of different lengths in one event".to_string(),
                ));
            }
            Some(o.clone())
        }
        None => None,
    };
    let len = match &offsets {
        Some(o) => (o[o.len() - 1] - o[0]) as usize,
        None => batch.num_rows(),
    };
    // Each column as the values the evaluator sees: list values, or flat values repeated per
    // element of the lists.
    let mut reals: Vec<Vec<f64>> = Vec::new();
    let mut ints: Vec<Vec<i64>> = Vec::new();
    let mut strs: Vec<Vec<String>> = Vec::new();
    enum Slot {
        Real(usize),
        Int(usize),
        Str(usize),
    }
    let mut slots = Vec::new();
    for (col, var) in batch.columns().iter().zip(ev.inputs()) {
        let (values, per_event) = match col.as_list_opt::<i32>() {
            Some(l) => {
                let o = l.offsets();
                let start = o[0] as usize;
                (l.values().slice(start, len), false)
            }
            None => (col.clone(), offsets.is_some()),
        };
        let repeat = |n: usize| -> Vec<usize> {
            match (&offsets, per_event) {
                (Some(o), true) => o
                    .windows(2)
                    .enumerate()
                    .flat_map(|(i, w)| std::iter::repeat_n(i, (w[1] - w[0]) as usize))
                    .collect(),
                _ => (0..n).collect(),
            }
        };
        let bad = |what: &str| {
            BatchError::Input(format!(
                "column '{}' is {}, input '{}' of correction '{}' is {}",
                var.name,
                what,
                var.name,
                ev.name(),
                type_name(&var.ty)
            ))
        };
        match var.ty {
            VarType::String => {
                let s = arrow_cast::cast(&values, &DataType::Utf8)
                    .map_err(|_| bad(&values.data_type().to_string()))?;
                let s = s.as_string::<i32>();
                let idx = repeat(s.len());
                strs.push(idx.iter().map(|&i| s.value(i).to_string()).collect());
                slots.push(Slot::Str(strs.len() - 1));
            }
            VarType::Int => {
                if !values.data_type().is_integer() {
                    return Err(bad(&values.data_type().to_string()));
                }
                let v = arrow_cast::cast(&values, &DataType::Int64)
                    .map_err(|e| BatchError::Input(e.to_string()))?;
                let v = v.as_primitive::<Int64Type>().values();
                let idx = repeat(v.len());
                ints.push(idx.iter().map(|&i| v[i]).collect());
                slots.push(Slot::Int(ints.len() - 1));
            }
            VarType::Real => {
                if !values.data_type().is_numeric() {
                    return Err(bad(&values.data_type().to_string()));
                }
                let v = arrow_cast::cast(&values, &DataType::Float64)
                    .map_err(|e| BatchError::Input(e.to_string()))?;
                let v = v.as_primitive::<Float64Type>().values();
                let idx = repeat(v.len());
                reals.push(idx.iter().map(|&i| v[i]).collect());
                slots.push(Slot::Real(reals.len() - 1));
            }
        }
    }
    let str_refs: Vec<Vec<&str>> = strs
        .iter()
        .map(|v| v.iter().map(String::as_str).collect())
        .collect();
    let args: Vec<Arg<'_>> = slots
        .iter()
        .map(|s| match s {
            Slot::Real(i) => Arg::Real(&reals[*i]),
            Slot::Int(i) => Arg::Int(&ints[*i]),
            Slot::Str(i) => Arg::Str(&str_refs[*i]),
        })
        .collect();
    let out = ev.evaluate(&args, len).map_err(BatchError::Correction)?;
    let n = out.len();
    let flat = Arc::new(Float64Array::from(out));
    let array: ArrayRef = match offsets {
        Some(o) => {
            let o = rask_core::column::rebased_offsets(&o);
            Arc::new(
                ListArray::try_new(
                    Arc::new(Field::new("item", DataType::Float64, false)),
                    o,
                    flat,
                    None,
                )
                .map_err(|e| BatchError::Input(e.to_string()))?,
            )
        }
        None => flat,
    };
    Ok((array, n))
}
