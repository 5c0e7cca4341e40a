//! Arrow across the boundary without a copy or a serialisation: the Arrow PyCapsule interface
//! (`__arrow_c_stream__`), which pyarrow (14 and later), polars and others speak. Out: computed
//! values are an [`ArrowValues`] that `pyarrow.table(x)` reads in place. In: any object with
//! `__arrow_c_stream__` (a pyarrow table, a polars frame) gives its record batches.

use std::ffi::CStr;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// The name the interface gives a stream's capsule.
const STREAM: &CStr = c"arrow_array_stream";

/// Computed values as an Arrow C stream of one record batch (one column, `values`).
///
/// ```python
/// import pyarrow as pa
/// table = pa.table(values)  # reads the engine's buffers in place
/// ```
#[pyclass(module = "rask._rask", name = "ArrowValues", frozen)]
pub struct ArrowValues {
    batch: RecordBatch,
}

impl ArrowValues {
    pub fn new(batch: RecordBatch) -> Self {
        ArrowValues { batch }
    }
}

#[pymethods]
impl ArrowValues {
    /// A fresh stream of the values in a capsule; the consumer moves it out (a capsule never
    /// consumed releases it when Python drops it). A requested schema is not applied: the
    /// values keep their own types, which consumers cast if they must.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(Box::new(reader)), STREAM)
    }

    /// Rows of the values.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// The record batches of `source`, any object with `__arrow_c_stream__`; `what` names it in
/// errors.
pub fn batches(source: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<RecordBatch>> {
    let fail = |message: String| crate::errors::OpenError::new_err(message);
    if !source.hasattr("__arrow_c_stream__")? {
        return Err(fail(format!(
            "{what}: not Arrow data (no __arrow_c_stream__; pyarrow >= 14 tables have it)"
        )));
    }
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| fail(format!("{what}: __arrow_c_stream__ gave no capsule")))?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named `arrow_array_stream` holds an `ArrowArrayStream` (the interface's
    // contract); `from_raw` moves it out and marks the capsule's copy released, so the capsule's
    // own destructor does nothing.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(pointer.as_ptr().cast()) };
    let reader = ArrowArrayStreamReader::try_new(stream)
        .map_err(|e| fail(format!("{what}: a broken Arrow stream: {e}")))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("{what}: a broken Arrow stream: {e}")))
}
