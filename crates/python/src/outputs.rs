//! Computed outputs as Python values: a histogram as `("hist", uhi_json)` (the Python side makes a
//! `hist.Hist`), per-event values as `("events", values)` and arrays as `("array", values,
//! shape)` (`values` an [`ArrowValues`]: one column `values` through the Arrow PyCapsule
//! interface, which pyarrow reads in place and awkward turns into arrays), reductions as numbers.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use rask_exec::Output;

use crate::arrow_stream::ArrowValues;
use crate::errors::ExecError;

/// One output as Python sees it.
pub fn to_python(py: Python<'_>, output: Output) -> PyResult<Py<PyAny>> {
    match output {
        Output::Hist(h) => ("hist", h.to_uhi_json().to_string()).into_py_any(py),
        Output::Events(a) => ("events", values(&a)?).into_py_any(py),
        Output::Array { data, shape } => ("array", values(&data)?, shape).into_py_any(py),
        Output::Float(x) => x.into_py_any(py),
        Output::Int(i) => i.into_py_any(py),
        Output::Bool(b) => b.into_py_any(py),
    }
}

/// `values` as a record batch of one column named `values`, for Python.
fn values(values: &ArrayRef) -> PyResult<ArrowValues> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "values",
        values.data_type().clone(),
        values.null_count() > 0,
    )]));
    RecordBatch::try_new(schema, vec![values.clone()])
        .map(ArrowValues::new)
        .map_err(|e| ExecError::new_err(format!("internal error: computed values: {e}")))
}
