//! Events held in memory: Arrow record batches registered under a name (`memory:events-1`)
//! that [`EventSource::open`](crate::EventSource::open) opens as it opens a file, so awkward
//! arrays from a notebook reach the engine without a file in between.
//!
//! The columns are NanoAOD's flat form, as in a Parquet file written by awkward or pyarrow: a
//! list column `X_y` is counted by the integer column `nX` when there is one, and is then part of
//! the collection `X`. Registration checks the data once (buffers consistent, every counted list
//! as long as its counter), so reads are zero-copy slices.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::{Array, RecordBatch};
use arrow_schema::{Schema, SchemaRef};

use crate::error::{Result, RootError};

/// How the name of a registered table starts; a path that starts so is looked up here, never
/// opened as a file.
pub const MEMORY_PREFIX: &str = "memory:";

static TABLES: LazyLock<Mutex<HashMap<String, Arc<MemoryTable>>>> = LazyLock::new(Default::default);
static NEXT: AtomicU64 = AtomicU64::new(1);

/// One registered table: its rows as one record batch.
#[derive(Debug)]
pub struct MemoryTable {
    name: PathBuf,
    schema: SchemaRef,
    batch: RecordBatch,
}

/// Registers `batches` (one schema) as a table of events and returns its name
/// (`memory:LABEL-N`), which [`EventSource::open`](crate::EventSource::open) opens. The table
/// stays until [`unregister`]ed.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Float32Array, Int32Array, ListArray, RecordBatch};
/// use arrow_array::types::Float32Type;
/// let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
///     Some(vec![Some(10.0), Some(20.0)]),
///     Some(vec![]),
/// ]);
/// let batch = RecordBatch::try_from_iter([
///     ("nMuon", Arc::new(Int32Array::from(vec![2, 0])) as _),
///     ("Muon_pt", Arc::new(pt) as _),
/// ])?;
/// let name = rask_io_root::memory::register("events", vec![batch])?;
/// let source = rask_io_root::EventSource::open(&[&name], "Events")?;
/// assert_eq!(source.entries(), 2);
/// assert!(rask_io_root::memory::unregister(&name));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn register(label: &str, batches: Vec<RecordBatch>) -> Result<String> {
    let name = format!(
        "{MEMORY_PREFIX}{label}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let fail = |detail: String| RootError::InMemory {
        name: name.clone(),
        detail,
    };
    let Some(first) = batches.first() else {
        return Err(fail("no record batch to register".to_string()));
    };
    let batch = arrow_select::concat::concat_batches(&first.schema(), &batches)
        .map_err(|e| fail(format!("the batches do not share one schema: {e}")))?;
    // The types the engine reads, as for Parquet: large lists and strings made standard; nulls
    // and unsupported types refused, naming the column.
    let layout = |e: rask_core::LayoutError| fail(e.to_string());
    let fields = batch
        .schema()
        .fields()
        .iter()
        .map(|f| rask_core::canonical_field(f))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(layout)?;
    let columns = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| rask_core::canonical_array(f.name(), c))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(layout)?;
    let schema = Arc::new(Schema::new_with_metadata(
        crate::parquet::with_counters(fields),
        batch.schema().metadata().clone(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| fail(format!("internal error: {e}")))?;
    crate::parquet::check_batch(&batch, &schema, 0, |_| 0).map_err(|d| {
        fail(format!(
            "column '{}': {}",
            d.column.as_deref().unwrap_or("?"),
            d.detail
        ))
    })?;
    let table = MemoryTable {
        name: PathBuf::from(&name),
        schema,
        batch,
    };
    tables().insert(name.clone(), Arc::new(table));
    Ok(name)
}

/// Forgets the table `name`; sources opened before keep their rows. Whether it was registered.
pub fn unregister(name: &str) -> bool {
    tables().remove(name).is_some()
}

/// Whether `path` names a table in memory (it starts with [`MEMORY_PREFIX`]).
pub fn is_memory(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p.starts_with(MEMORY_PREFIX))
}

/// The table registered as `path`.
pub(crate) fn open(path: &Path) -> Result<Arc<MemoryTable>> {
    let name = path.to_string_lossy();
    tables()
        .get(name.as_ref())
        .cloned()
        .ok_or_else(|| RootError::InMemory {
            name: name.to_string(),
            detail: "no table of events in memory has this name (it is registered in the \
                     process that made it, and only there)"
                .to_string(),
        })
}

fn tables() -> std::sync::MutexGuard<'static, HashMap<String, Arc<MemoryTable>>> {
    TABLES.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryTable {
    /// Its name, as a path of the source.
    pub fn path(&self) -> &Path {
        &self.name
    }

    /// The columns, with `rask.counter` metadata on counted lists.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn entries(&self) -> u64 {
        self.batch.num_rows() as u64
    }

    /// The bytes its `columns` hold.
    pub fn column_bytes(&self, columns: &[&str]) -> u64 {
        columns
            .iter()
            .filter_map(|c| self.batch.column_by_name(c))
            .map(|a| a.get_array_memory_size() as u64)
            .sum()
    }

    /// The names of every column.
    pub fn all_columns(&self) -> Vec<&str> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }

    /// `columns` of the rows `range`: slices of the registered arrays, copied nowhere.
    pub fn read(&self, range: Range<u64>, columns: &[&str]) -> Result<RecordBatch> {
        let indices = crate::error::checked_columns(
            &self.name,
            "(memory)",
            &self.schema,
            self.entries(),
            &range,
            columns,
        )?;
        let projected = self
            .batch
            .project(&indices)
            .map_err(|source| RootError::Arrow {
                path: self.name.clone(),
                location: "projection".to_string(),
                source,
            })?;
        Ok(projected.slice(range.start as usize, (range.end - range.start) as usize))
    }
}
