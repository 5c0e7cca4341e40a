//! Filesets: many datasets (data, signal, backgrounds), each with its files and metadata, in
//! coffea's own JSON form.
//!
//! ```json
//! {
//!   "ttbar__nominal": {
//!     "files": {"ttbar/nominal_0.root": "Events"},
//!     "metadata": {"process": "ttbar", "xsec": 729.84, "nevts": 2000}
//!   },
//!   "wjets": {"files": ["wjets_0.root"], "treename": "Events"},
//!   "data": ["data_0.root", "data_1.root"]
//! }
//! ```
//!
//! `files` is a map from path to tree name, or a list of paths (tree from `treename`, else
//! `Events`); a dataset may also be just the list. Relative paths are relative to the fileset
//! file's directory, so a fileset and its files move together. Metadata values are numbers,
//! strings or booleans; `null` is a value the dataset does not have. Datasets are sorted by name and metadata by key, whatever the JSON
//! object order (so a plan's key does not depend on how the JSON was written); files keep
//! their order in a list and are sorted by path in a map.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::Schema;
use rask_core::file_columns::{FileColumns, FileColumnsError, FileValue};
use serde_json::{Map, Value};

use crate::error::RootError;
use crate::events::{EventSource, Partition};

/// The largest fileset file read (64 MiB: some hundred thousand files).
pub const MAX_FILESET_BYTES: u64 = 64 << 20;

/// The tree read when a fileset names none.
pub const DEFAULT_TREE: &str = "Events";

/// What a fileset says, checked: every dataset has files, every file exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Fileset {
    /// Where the fileset was read from.
    pub path: PathBuf,
    /// The datasets, sorted by name.
    pub datasets: Vec<Dataset>,
}

/// One dataset of a fileset.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Its name (the key in the fileset).
    pub name: String,
    /// Its files, resolved against the fileset's directory.
    pub files: Vec<PathBuf>,
    /// The tree read in every file.
    pub tree: String,
    /// Metadata (`xsec`, `nevts`, `process`, ...), sorted by key.
    pub metadata: Vec<(String, MetaValue)>,
}

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// A JSON number.
    Number(f64),
    /// A JSON string.
    Str(String),
    /// A JSON boolean.
    Bool(bool),
}

/// Why a fileset cannot be used. Every variant names the fileset file; the ones about a
/// dataset name it too.
#[derive(Debug, thiserror::Error)]
pub enum FilesetError {
    /// The file could not be read.
    #[error("fileset {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("fileset {path}: not JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// A `.toml` fileset that is not TOML.
    #[error("fileset {path}: not TOML: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    /// JSON (or TOML), but not a fileset.
    #[error("fileset {path}: {detail}")]
    Shape { path: PathBuf, detail: String },
    /// A dataset of the wrong form.
    #[error("fileset {path}: dataset '{dataset}': {detail}")]
    Dataset {
        path: PathBuf,
        dataset: String,
        detail: String,
    },
    /// A file the fileset names does not exist (checked before any work).
    #[error("fileset {path}: dataset '{dataset}': file {file} does not exist")]
    MissingFile {
        path: PathBuf,
        dataset: String,
        file: PathBuf,
    },
    /// A file the fileset names is a directory, a FIFO or a device, not a file.
    #[error("fileset {path}: dataset '{dataset}': {file} is not a regular file")]
    NotAFile {
        path: PathBuf,
        dataset: String,
        file: PathBuf,
    },
}

impl Fileset {
    /// Reads and checks a fileset file: its shape, and that every file exists.
    ///
    /// ```no_run
    /// let fs = rask_io_root::Fileset::open("data/agc/fileset.json")?;
    /// for d in &fs.datasets {
    ///     println!("{}: {} files", d.name, d.files.len());
    /// }
    /// # Ok::<(), rask_io_root::FilesetError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Fileset, FilesetError> {
        use std::io::Read;
        let path = path.as_ref().to_path_buf();
        let io = |source| FilesetError::Io {
            path: path.clone(),
            source,
        };
        // A regular file (not a FIFO or a device), and at most MAX_FILESET_BYTES of it.
        let (file, meta) = crate::source::open_regular(&path).map_err(|e| FilesetError::Shape {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if meta.len() > MAX_FILESET_BYTES {
            return Err(FilesetError::Shape {
                path,
                detail: format!(
                    "{} bytes: a fileset is at most {MAX_FILESET_BYTES} bytes",
                    meta.len()
                ),
            });
        }
        let mut text = String::new();
        file.take(MAX_FILESET_BYTES)
            .read_to_string(&mut text)
            .map_err(io)?;
        let fs = Fileset::parse(&text, &path)?;
        fs.check_files()?;
        Ok(fs)
    }

    /// Parses fileset JSON, or the same structure in TOML when `path` ends in `.toml`
    /// (`[ttbar.files]` then `"a.root" = "Events"`, `[ttbar.metadata]` then `xsec = 2.5`);
    /// `path` is where it came from (relative files are resolved against its directory). Files
    /// are not checked: see [`Fileset::check_files`].
    ///
    /// ```
    /// let fs = rask_io_root::Fileset::parse(
    ///     r#"{"tt": {"files": {"a.root": "Events"}, "metadata": {"xsec": 2.5}}}"#,
    ///     "sets/f.json".as_ref(),
    /// )?;
    /// assert_eq!(fs.datasets[0].files, vec![std::path::PathBuf::from("sets/a.root")]);
    /// # Ok::<(), rask_io_root::FilesetError>(())
    /// ```
    pub fn parse(text: &str, path: &Path) -> Result<Fileset, FilesetError> {
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let json: Value = if toml {
            toml::from_str(text).map_err(|source| FilesetError::Toml {
                path: path.to_path_buf(),
                source,
            })?
        } else {
            serde_json::from_str(text).map_err(|source| FilesetError::Json {
                path: path.to_path_buf(),
                source,
            })?
        };
        let shape = |detail: &str| FilesetError::Shape {
            path: path.to_path_buf(),
            detail: detail.to_string(),
        };
        let Value::Object(map) = json else {
            return Err(shape(
                "expected an object of datasets ({\"name\": {\"files\": ..., \"metadata\": ...}})",
            ));
        };
        if map.is_empty() {
            return Err(shape("no datasets"));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let mut datasets = map
            .iter()
            .map(|(name, v)| dataset(name, v, base, path))
            .collect::<Result<Vec<_>, _>>()?;
        datasets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Fileset {
            path: path.to_path_buf(),
            datasets,
        })
    }

    /// Fails on the first file that does not exist, naming its dataset.
    pub fn check_files(&self) -> Result<(), FilesetError> {
        for d in &self.datasets {
            for f in &d.files {
                let (path, dataset, file) = (self.path.clone(), d.name.clone(), f.clone());
                match std::fs::metadata(f) {
                    Err(_) => {
                        return Err(FilesetError::MissingFile {
                            path,
                            dataset,
                            file,
                        });
                    }
                    Ok(m) if !m.is_file() => {
                        return Err(FilesetError::NotAFile {
                            path,
                            dataset,
                            file,
                        });
                    }
                    Ok(_) => {}
                }
            }
        }
        Ok(())
    }
}

fn dataset(name: &str, v: &Value, base: &Path, path: &Path) -> Result<Dataset, FilesetError> {
    let err = |detail: String| FilesetError::Dataset {
        path: path.to_path_buf(),
        dataset: name.to_string(),
        detail,
    };
    let empty = Map::new();
    let (files, obj) = match v {
        Value::Array(_) => (v, &empty),
        Value::Object(o) => (
            o.get("files")
                .ok_or_else(|| err("has no \"files\"".to_string()))?,
            o,
        ),
        other => return Err(err(format!("expected an object or a list, got {other}"))),
    };
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "files" | "metadata" | "treename"))
    {
        return Err(err(format!(
            "unknown key \"{key}\" (files, metadata, treename)"
        )));
    }
    let default_tree = match obj.get("treename") {
        None => DEFAULT_TREE.to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(other) => return Err(err(format!("treename must be a string, got {other}"))),
    };
    let mut trees = Vec::new();
    let mut paths = Vec::new();
    match files {
        Value::Object(m) => {
            let mut m: Vec<_> = m.iter().collect();
            m.sort_by(|a, b| a.0.cmp(b.0));
            for (p, t) in m {
                let Value::String(t) = t else {
                    return Err(err(format!("the tree of {p} must be a string, got {t}")));
                };
                paths.push(p.clone());
                trees.push(t.clone());
            }
        }
        Value::Array(a) => {
            for p in a {
                let Value::String(p) = p else {
                    return Err(err(format!("files must be strings, got {p}")));
                };
                paths.push(p.clone());
                trees.push(default_tree.clone());
            }
        }
        other => {
            return Err(err(format!(
                "\"files\" must be an object (path: tree) or a list of paths, got {other}"
            )));
        }
    }
    if paths.is_empty() {
        return Err(err("has no files".to_string()));
    }
    let tree = trees[0].clone();
    if let Some(other) = trees.iter().find(|t| **t != tree) {
        return Err(err(format!(
            "all files of a dataset must name one tree ('{tree}' and '{other}')"
        )));
    }
    let mut metadata: Vec<(String, MetaValue)> = match obj.get("metadata") {
        None => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            // `null` is a value the dataset does not have (data's `xsec`).
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let value = match v {
                    Value::Number(n) => n.as_f64().map(MetaValue::Number),
                    Value::String(s) => Some(MetaValue::Str(s.clone())),
                    Value::Bool(b) => Some(MetaValue::Bool(*b)),
                    _ => None,
                }
                .ok_or_else(|| {
                    err(format!(
                        "metadata '{k}' must be a number, string or boolean, got {v}"
                    ))
                })?;
                Ok((k.clone(), value))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(err(format!("metadata must be an object, got {other}"))),
    };
    metadata.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Dataset {
        name: name.to_string(),
        files: paths.iter().map(|p| base.join(p)).collect(),
        tree,
        metadata,
    })
}

/// The per-file columns of a fileset opened as one source: `dataset` (coded, categories the
/// dataset names) and one column per metadata key. A key some datasets lack is NaN there
/// (numbers), `false` (booleans) or the empty string (strings).
///
/// ```
/// let fs = rask_io_root::Fileset::parse(
///     r#"{"b": {"files": ["b.root"], "metadata": {"xsec": 2.0, "process": "ttbar"}},
///         "a": {"files": ["a.root"], "metadata": {"process": "data"}}}"#,
///     "f.json".as_ref(),
/// )?;
/// let cols = rask_io_root::fileset::file_columns(&fs)?;
/// let names: Vec<&str> = cols.fields.iter().map(|f| f.name().as_str()).collect();
/// assert_eq!(names, ["dataset", "process", "xsec"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn file_columns(fs: &Fileset) -> Result<FileColumns, FileColumnsError> {
    let mut keys: Vec<&str> = fs
        .datasets
        .iter()
        .flat_map(|d| d.metadata.iter().map(|(k, _)| k.as_str()))
        .filter(|k| *k != "dataset")
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut names = vec!["dataset"];
    names.extend(&keys);
    // Categories of string columns: sorted distinct values.
    let mut categories: Vec<Option<Vec<String>>> =
        vec![Some(fs.datasets.iter().map(|d| d.name.clone()).collect())];
    for k in &keys {
        let strings: Vec<String> = fs
            .datasets
            .iter()
            .filter_map(|d| match meta(d, k) {
                Some(MetaValue::Str(s)) => Some(s.clone()),
                None if any_string(fs, k) => Some(String::new()),
                _ => None,
            })
            .collect();
        categories.push((!strings.is_empty()).then(|| {
            let mut s = strings;
            s.sort();
            s.dedup();
            s
        }));
    }
    let rows: Vec<Vec<FileValue>> = fs
        .datasets
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let mut row = vec![FileValue::Code(i as i32)];
            for (c, k) in keys.iter().enumerate() {
                let cats = categories[c + 1].as_deref();
                row.push(match (meta(d, k), cats) {
                    (Some(MetaValue::Number(x)), _) => FileValue::F64(*x),
                    (Some(MetaValue::Bool(b)), _) => FileValue::Bool(*b),
                    (Some(MetaValue::Str(s)), Some(cats)) => FileValue::Code(code(cats, s)),
                    (None, Some(cats)) => FileValue::Code(code(cats, "")),
                    (None, None) if any_bool(fs, k) => FileValue::Bool(false),
                    _ => FileValue::F64(f64::NAN),
                });
            }
            std::iter::repeat_n(row, d.files.len())
        })
        .collect();
    FileColumns::from_rows(&names, &rows, &categories)
}

fn meta<'a>(d: &'a Dataset, key: &str) -> Option<&'a MetaValue> {
    d.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn any_string(fs: &Fileset, key: &str) -> bool {
    fs.datasets
        .iter()
        .any(|d| matches!(meta(d, key), Some(MetaValue::Str(_))))
}

fn any_bool(fs: &Fileset, key: &str) -> bool {
    fs.datasets
        .iter()
        .any(|d| matches!(meta(d, key), Some(MetaValue::Bool(_))))
}

fn code(categories: &[String], s: &str) -> i32 {
    categories.iter().position(|c| c == s).unwrap_or(0) as i32
}

impl EventSource {
    /// Every file of every dataset of a fileset as one source (datasets in name order), with
    /// the per-file columns of [`file_columns`] after the branches. All datasets must read
    /// one tree with one schema.
    ///
    /// ```no_run
    /// let fs = rask_io_root::Fileset::open("data/agc/fileset.json")?;
    /// let src = rask_io_root::EventSource::open_fileset(&fs)?;
    /// assert!(src.schema().field_with_name("dataset").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_fileset(fs: &Fileset) -> crate::Result<EventSource> {
        let mismatch = |detail: String| RootError::SchemaMismatch {
            path: fs.path.clone(),
            detail,
        };
        let tree = fs
            .datasets
            .first()
            .map_or(DEFAULT_TREE, |d| d.tree.as_str());
        if let Some(d) = fs.datasets.iter().find(|d| d.tree != tree) {
            return Err(mismatch(format!(
                "dataset '{}' reads tree '{}', the others '{tree}': one source reads one tree",
                d.name, d.tree
            )));
        }
        let paths: Vec<&PathBuf> = fs.datasets.iter().flat_map(|d| &d.files).collect();
        let src = EventSource::open(&paths, tree)?;
        let cols = file_columns(fs).map_err(|e| mismatch(e.to_string()))?;
        src.with_file_columns(cols)
    }

    /// This source with per-file columns after its branches (one row of values per file).
    pub fn with_file_columns(mut self, cols: FileColumns) -> crate::Result<EventSource> {
        let path = self.file_path(0).map(Path::to_path_buf).unwrap_or_default();
        if cols.values.len() != self.num_files() {
            return Err(RootError::SchemaMismatch {
                path,
                detail: format!(
                    "{} rows of per-file columns for {} files",
                    cols.values.len(),
                    self.num_files()
                ),
            });
        }
        if let Some(f) = cols
            .fields
            .iter()
            .find(|f| self.schema.field_with_name(f.name()).is_ok())
        {
            return Err(RootError::SchemaMismatch {
                path,
                detail: format!(
                    "the per-file column '{}' has the name of a branch",
                    f.name()
                ),
            });
        }
        let mut fields: Vec<_> = self.schema.fields().iter().cloned().collect();
        fields.extend(cols.fields.iter().cloned());
        self.schema = Arc::new(Schema::new_with_metadata(
            fields,
            self.schema.metadata().clone(),
        ));
        self.file_columns = Some(Arc::new(cols));
        Ok(self)
    }
}

/// `batch` (the branches among `columns`) with the per-file columns added, in `columns`' order.
pub(crate) fn with_file_columns(
    batch: RecordBatch,
    fc: &FileColumns,
    partition: &Partition,
    columns: &[&str],
) -> crate::Result<RecordBatch> {
    let rows = (partition.entries.end - partition.entries.start) as usize;
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays = Vec::with_capacity(columns.len());
    let schema = batch.schema();
    for c in columns {
        let (field, array) = match fc.position(c) {
            Some(i) => (
                fc.fields[i].clone(),
                fc.array(partition.file, i, rows)
                    .map_err(|e| internal(partition, e.to_string()))?,
            ),
            None => {
                let i = schema
                    .index_of(c)
                    .map_err(|e| internal(partition, e.to_string()))?;
                (schema.fields()[i].clone(), batch.column(i).clone())
            }
        };
        fields.push(field);
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    RecordBatch::try_new_with_options(
        schema,
        arrays,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| internal(partition, e.to_string()))
}

fn internal(partition: &Partition, detail: String) -> RootError {
    RootError::SchemaMismatch {
        path: PathBuf::from(format!("(file #{})", partition.file)),
        detail,
    }
}
