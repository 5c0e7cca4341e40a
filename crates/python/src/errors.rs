//! Python exceptions of rask: `RaskError` and, below it, `PlanError` (a mistake in building,
//! raised at once and naming the expression; `NoSuchFieldError` also derives from
//! `AttributeError`, so `hasattr` works and its message lists close names), `OpenError` (files)
//! and `ExecError` (running).

use pyo3::create_exception;
use pyo3::exceptions::{PyAttributeError, PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;

create_exception!(rask, RaskError, PyException, "Every error of rask.");
create_exception!(
    rask,
    PlanError,
    RaskError,
    "A plan that cannot be built (named in the message)."
);
create_exception!(
    rask,
    OpenError,
    RaskError,
    "Files that cannot be opened as events."
);
create_exception!(
    rask,
    ExecError,
    RaskError,
    "A computation that failed while running."
);
create_exception!(
    rask,
    NoSuchFieldError,
    PyAttributeError,
    "A field that does not exist (the message suggests close names)."
);

/// A plan error as Python's.
pub fn plan_err(e: rask_plan::PlanError) -> PyErr {
    match e {
        e @ rask_plan::PlanError::NoSuchField { .. } => NoSuchFieldError::new_err(e.to_string()),
        e => PlanError::new_err(e.to_string()),
    }
}

/// An engine error as Python's (a cancelled run is a `KeyboardInterrupt`).
pub fn exec_err(e: rask_exec::ExecError) -> PyErr {
    match e {
        rask_exec::ExecError::Cancelled => PyKeyboardInterrupt::new_err("cancelled"),
        rask_exec::ExecError::Plan(p) => plan_err(p),
        e => ExecError::new_err(e.to_string()),
    }
}

/// A source that could not be opened as Python's.
pub fn open_err(e: rask::sources::OpenError) -> PyErr {
    match e {
        rask::sources::OpenError::Plan(p) => plan_err(p),
        e => OpenError::new_err(e.to_string()),
    }
}

/// Adds the exceptions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RaskError", py.get_type::<RaskError>())?;
    m.add("PlanError", py.get_type::<PlanError>())?;
    m.add("OpenError", py.get_type::<OpenError>())?;
    m.add("ExecError", py.get_type::<ExecError>())?;
    m.add("NoSuchFieldError", py.get_type::<NoSuchFieldError>())?;
    Ok(())
}
