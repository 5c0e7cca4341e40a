//! Columns whose value is constant within each file of a source: a fileset's `dataset` and its
//! metadata (`xsec`, `nevts`, `process`, ...), read beside the branches as if they were ones.
//!
//! Numbers and booleans become `Float64`/`Boolean` columns. Strings become `Int32` codes into
//! the column's sorted categories (`dataset` = 0 for the first dataset by name, ...), because
//! the engine's columns are numbers; a string-category histogram axis with the same categories
//! puts code `k` in its bin `k`.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int32Array};
use arrow_schema::{DataType, Field};

/// The metadata key of a coded string column's categories (joined by `\u{1f}`).
pub const CATEGORIES_METADATA_KEY: &str = "rask.categories";

/// One value of a per-file column. Equal values are the same bits (a missing `xsec`, NaN,
/// equals itself, so one fileset opened twice is one source).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum FileValue {
    /// A number (`Float64` column).
    F64(f64),
    /// A boolean (`Boolean` column).
    Bool(bool),
    /// A string: its code (`Int32` column) into the column's categories.
    Code(i32),
}

impl PartialEq for FileValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FileValue::F64(a), FileValue::F64(b)) => a.to_bits() == b.to_bits(),
            (FileValue::Bool(a), FileValue::Bool(b)) => a == b,
            (FileValue::Code(a), FileValue::Code(b)) => a == b,
            _ => false,
        }
    }
}

/// Per-file constant columns of a source.
///
/// ```
/// use rask_core::file_columns::{FileColumns, FileValue};
/// let cols = FileColumns::from_rows(
///     &["dataset", "xsec"],
///     &[
///         vec![FileValue::Code(0), FileValue::F64(2.5)],
///         vec![FileValue::Code(1), FileValue::F64(7.0)],
///     ],
///     &[Some(vec!["data".into(), "ttbar".into()]), None],
/// )?;
/// let xsec = cols.array(1, 1, 3)?; // file 1, column `xsec`, 3 events
/// assert_eq!(xsec.len(), 3);
/// # Ok::<(), rask_core::file_columns::FileColumnsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileColumns {
    /// The columns, typed, with the categories of coded strings in their metadata.
    pub fields: Vec<Arc<Field>>,
    /// `values[file][column]`.
    pub values: Vec<Vec<FileValue>>,
}

/// Per-file columns that do not fit together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileColumnsError {
    /// A column holds values of two kinds (a number in one file, a string in another).
    #[error("per-file column '{column}': {detail}")]
    Mixed { column: String, detail: String },
    /// A file or column index past the end (an internal error).
    #[error("internal error: per-file column {column} of file {file} does not exist")]
    OutOfRange { file: usize, column: usize },
}

impl FileColumns {
    /// Builds the columns from one row of values per file; `categories[c]` are the sorted
    /// categories of a coded string column `c` (`None` for numbers and booleans).
    pub fn from_rows(
        names: &[&str],
        rows: &[Vec<FileValue>],
        categories: &[Option<Vec<String>>],
    ) -> Result<FileColumns, FileColumnsError> {
        let mut fields = Vec::with_capacity(names.len());
        for (c, name) in names.iter().enumerate() {
            let kinds: Vec<DataType> = rows
                .iter()
                .map(|r| match r.get(c) {
                    Some(FileValue::F64(_)) => DataType::Float64,
                    Some(FileValue::Bool(_)) => DataType::Boolean,
                    Some(FileValue::Code(_)) | None => DataType::Int32,
                })
                .collect();
            let first = kinds.first().cloned().unwrap_or(DataType::Int32);
            if let Some(other) = kinds.iter().find(|k| **k != first) {
                return Err(FileColumnsError::Mixed {
                    column: name.to_string(),
                    detail: format!("{first} in one file and {other} in another"),
                });
            }
            let cats = categories.get(c).cloned().flatten();
            if let Some(bad) = cats.iter().flatten().find(|s| s.contains('\u{1f}')) {
                return Err(FileColumnsError::Mixed {
                    column: name.to_string(),
                    detail: format!("the value {bad:?} holds the control character U+001F"),
                });
            }
            if (first == DataType::Int32) != cats.is_some() {
                return Err(FileColumnsError::Mixed {
                    column: name.to_string(),
                    detail: "coded strings need their categories, numbers none".to_string(),
                });
            }
            let mut field = Field::new(*name, first, false);
            if let Some(cats) = cats {
                field = field.with_metadata(
                    [(CATEGORIES_METADATA_KEY.to_string(), cats.join("\u{1f}"))].into(),
                );
            }
            fields.push(Arc::new(field));
        }
        Ok(FileColumns {
            fields,
            values: rows.to_vec(),
        })
    }

    /// The index of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name() == name)
    }

    /// Column `column` of file `file`, repeated for `rows` events.
    pub fn array(
        &self,
        file: usize,
        column: usize,
        rows: usize,
    ) -> Result<ArrayRef, FileColumnsError> {
        let v = self
            .values
            .get(file)
            .and_then(|r| r.get(column))
            .ok_or(FileColumnsError::OutOfRange { file, column })?;
        Ok(match v {
            FileValue::F64(x) => Arc::new(Float64Array::from_value(*x, rows)),
            FileValue::Bool(b) => Arc::new(BooleanArray::from(vec![*b; rows])),
            FileValue::Code(k) => Arc::new(Int32Array::from_value(*k, rows)),
        })
    }

    /// The categories of a coded string column (`None` for numbers and booleans).
    pub fn categories(field: &Field) -> Option<Vec<String>> {
        field
            .metadata()
            .get(CATEGORIES_METADATA_KEY)
            .map(|s| s.split('\u{1f}').map(str::to_string).collect())
    }
}
