//! Computed outputs as Python values: a histogram as `("hist", uhi_json)` (the Python side makes a
//! `hist.Hist`), per-event values as `("events", ipc_bytes)` and arrays as `("array", ipc_bytes,
//! shape)` (an Arrow IPC stream of one column `values`, which pyarrow reads and awkward turns into
//! arrays), reductions as numbers.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rask_exec::Output;

use crate::errors::ExecError;

/// One output as Python sees it.
pub fn to_python(py: Python<'_>, output: Output) -> PyResult<Py<PyAny>> {
    match output {
        Output::Hist(h) => ("hist", h.to_uhi_json().to_string()).into_py_any(py),
        Output::Events(a) => ("events", PyBytes::new(py, &ipc(&a)?)).into_py_any(py),
        Output::Array { data, shape } => {
            ("array", PyBytes::new(py, &ipc(&data)?), shape).into_py_any(py)
        }
        Output::Float(x) => x.into_py_any(py),
        Output::Int(i) => i.into_py_any(py),
        Output::Bool(b) => b.into_py_any(py),
    }
}

/// `values` as an Arrow IPC stream of one column named `values`.
fn ipc(values: &ArrayRef) -> PyResult<Vec<u8>> {
    let fail = |e: arrow_schema::ArrowError| ExecError::new_err(format!("arrow ipc: {e}"));
    let schema = Arc::new(Schema::new(vec![Field::new(
        "values",
        values.data_type().clone(),
        values.null_count() > 0,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![values.clone()]).map_err(fail)?;
    let mut out = Vec::new();
    {
        let mut writer =
            arrow_ipc::writer::StreamWriter::try_new(&mut out, &schema).map_err(fail)?;
        writer.write(&batch).map_err(fail)?;
        writer.finish().map_err(fail)?;
    }
    Ok(out)
}
