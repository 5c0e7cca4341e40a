//! `rask._rask`, the native half of the Python package `rask`: plan nodes ([`expr::PyExpr`]),
//! sources, histograms, SQL and the engine that computes them. The Python half
//! (`python/rask/`) gives them awkward's and hist's spellings; every call here adds one node to
//! the plan or runs it — nothing runs per event in Python.

mod arrow_stream;
mod cluster;
mod errors;
mod expr;
mod outputs;
mod run;

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rask_exec::{Engine, Scheduler};
use rask_plan::{Axis, Storage};

use errors::{open_err, plan_err};
use expr::{Arg, PyExpr};

// The allocator the `rask` binary uses: the engine's many short-lived buffers are its hot path
// (glibc's malloc made Q8 about 8% slower than the command line).
#[global_allocator]
static GLOBAL: rask::allocator::MiMalloc = rask::allocator::MiMalloc;

/// The engine every computation of this process uses (its persisted values live in it).
static ENGINE: Mutex<Option<Engine>> = Mutex::new(None);

fn engine() -> Engine {
    let mut slot = ENGINE.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert_with(|| Engine::new(Scheduler::threads()))
        .clone()
}

/// Sets the engine's threads (1: the sync scheduler), partition size and memory limit, and the
/// workers computations go to (`[]`: this machine).
#[pyfunction]
#[pyo3(signature = (threads = None, partition_entries = None, memory_limit = None, workers = None))]
fn configure(
    threads: Option<usize>,
    partition_entries: Option<u64>,
    memory_limit: Option<usize>,
    workers: Option<Vec<String>>,
) -> PyResult<()> {
    let only_workers = workers.is_some()
        && threads.is_none()
        && partition_entries.is_none()
        && memory_limit.is_none();
    if let Some(workers) = workers {
        cluster::set_default_workers(workers)?;
    }
    if only_workers {
        return Ok(()); // the engine (its options and persisted values) stays as it is
    }
    let (scheduler, _) = Scheduler::for_threads(threads).map_err(errors::exec_err)?;
    let mut engine = Engine::new(scheduler);
    if let Some(n) = partition_entries {
        engine = engine.with_partition_entries(n);
    }
    if let Some(bytes) = memory_limit {
        engine = engine.with_memory_limit(bytes);
    }
    *ENGINE.lock().unwrap_or_else(|e| e.into_inner()) = Some(engine);
    Ok(())
}

/// The events of ROOT or Parquet files as a plan source (a new plan per call), and the number
/// of entries in the files.
#[pyfunction]
#[pyo3(signature = (paths, tree = "Events", label = "events"))]
fn open(py: Python<'_>, paths: Vec<String>, tree: &str, label: &str) -> PyResult<(PyExpr, u64)> {
    let ctx = rask_plan::Context::new();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    // Reading the files' metadata takes a moment: without the GIL.
    py.detach(|| rask::sources::open_counted(&ctx, label, &refs, tree))
        .map(|(e, n)| (PyExpr(e), n))
        .map_err(open_err)
}

/// Registers the record batches of `table` (any object with `__arrow_c_stream__`, such as a
/// pyarrow table; NanoAOD's flat columns: `nMuon`, `Muon_pt`, ...) as a table of events in
/// memory, and returns the name `open` takes for it.
#[pyfunction]
#[pyo3(signature = (table, label = "events"))]
fn register_arrow(py: Python<'_>, table: &Bound<'_, PyAny>, label: &str) -> PyResult<String> {
    let batches = arrow_stream::batches(table, label)?;
    py.detach(|| rask::io::memory::register(label, batches))
        .map_err(|e| errors::OpenError::new_err(e.to_string()))
}

/// Forgets a table registered by `register_arrow`; whether it was there.
#[pyfunction]
fn unregister(name: &str) -> bool {
    rask::io::memory::unregister(name)
}

/// A fileset (coffea's JSON form) as one source with `dataset` and metadata columns, and the
/// number of entries in its files.
#[pyfunction]
#[pyo3(signature = (path, label = "events"))]
fn open_fileset(py: Python<'_>, path: String, label: &str) -> PyResult<(PyExpr, u64)> {
    let ctx = rask_plan::Context::new();
    py.detach(|| rask::sources::open_fileset_counted(&ctx, label, std::path::Path::new(&path)))
        .map(|(e, _, n)| (PyExpr(e), n))
        .map_err(open_err)
}

/// A record of `exprs` named `names` (`ak.zip`).
#[pyfunction]
fn zip(names: Vec<String>, exprs: Vec<PyRef<'_, PyExpr>>) -> PyResult<PyExpr> {
    let first = exprs
        .first()
        .ok_or_else(|| errors::PlanError::new_err("zip of nothing"))?;
    let fields: Vec<(&str, &rask_plan::Expr)> = names
        .iter()
        .map(String::as_str)
        .zip(exprs.iter().map(|e| &e.0))
        .collect();
    first.0.context().zip(&fields).map(PyExpr).map_err(plan_err)
}

/// `where(cond, a, b)` element by element.
#[pyfunction]
#[pyo3(name = "where")]
fn where_(cond: PyRef<'_, PyExpr>, a: Arg<'_>, b: Arg<'_>) -> PyResult<PyExpr> {
    let ctx = cond.0.context();
    let (a, b) = (a.to_expr(ctx)?, b.to_expr(ctx)?);
    ctx.where_(&cond.0, &a, &b).map(PyExpr).map_err(plan_err)
}

/// One axis from its Python description: `("regular", bins, lo, hi, label)`,
/// `("variable", edges, label)`, `("integer", lo, hi, label)`, `("intcat", [ints], label)`,
/// `("strcat", [strings], label)`, `("boolean", label)`.
fn axis(spec: &Bound<'_, PyAny>) -> PyResult<Axis> {
    let kind: String = spec.get_item(0)?.extract()?;
    let label = |i: usize| -> PyResult<String> { spec.get_item(i)?.extract() };
    Ok(match kind.as_str() {
        "regular" => Axis::Regular {
            bins: spec.get_item(1)?.extract()?,
            lo: spec.get_item(2)?.extract()?,
            hi: spec.get_item(3)?.extract()?,
            label: label(4)?,
        },
        "variable" => Axis::Variable {
            edges: spec.get_item(1)?.extract()?,
            label: label(2)?,
        },
        "integer" => Axis::Integer {
            lo: spec.get_item(1)?.extract()?,
            hi: spec.get_item(2)?.extract()?,
            label: label(3)?,
        },
        "intcat" => Axis::IntCategory {
            categories: spec.get_item(1)?.extract()?,
            label: label(2)?,
        },
        "strcat" => Axis::StrCategory {
            categories: spec.get_item(1)?.extract()?,
            label: label(2)?,
        },
        "boolean" => Axis::Boolean { label: label(1)? },
        other => {
            return Err(errors::PlanError::new_err(format!(
                "unknown axis kind '{other}'"
            )));
        }
    })
}

/// A histogram of `values` (one per axis) with `storage` ("double", "int" or "weight").
#[pyfunction]
#[pyo3(signature = (axes, storage, values, weight = None))]
fn hist(
    axes: Vec<Bound<'_, PyAny>>,
    storage: &str,
    values: Vec<PyRef<'_, PyExpr>>,
    weight: Option<Arg<'_>>,
) -> PyResult<PyExpr> {
    let first = values
        .first()
        .ok_or_else(|| errors::PlanError::new_err("a histogram of no value"))?;
    let ctx = first.0.context().clone();
    let axes = axes.iter().map(axis).collect::<PyResult<Vec<_>>>()?;
    let storage = match storage {
        "double" => Storage::Double,
        "int" => Storage::Int,
        "weight" => Storage::Weight,
        other => {
            return Err(errors::PlanError::new_err(format!(
                "unknown storage '{other}' (double, int or weight)"
            )));
        }
    };
    let weight = weight.map(|w| w.to_expr(&ctx)).transpose()?;
    let refs: Vec<&rask_plan::Expr> = values.iter().map(|v| &v.0).collect();
    ctx.hist(axes, storage, &refs, weight.as_ref())
        .map(PyExpr)
        .map_err(plan_err)
}

/// Computes `exprs` in one pass over their files; returns one value per expression (see
/// `outputs.rs`). The GIL is released while the engine runs; Ctrl-C cancels it. `workers`
/// (else those of `configure`) run it on cluster workers; a `scheduler` runs it here.
#[pyfunction]
#[pyo3(signature = (exprs, scheduler = None, workers = None))]
fn compute(
    py: Python<'_>,
    exprs: Vec<PyRef<'_, PyExpr>>,
    scheduler: Option<&str>,
    workers: Option<Vec<String>>,
) -> PyResult<Vec<Py<PyAny>>> {
    let exprs: Vec<rask_plan::Expr> = exprs.iter().map(|e| e.0.clone()).collect();
    let workers = match (scheduler, workers) {
        (Some(s), Some(w)) if !w.is_empty() => {
            return Err(errors::ExecError::new_err(format!(
                "compute: give workers or scheduler='{s}', not both"
            )));
        }
        (_, Some(w)) => w,
        (Some(_), None) => Vec::new(),
        (None, None) => cluster::default_workers(),
    };
    let engine = match scheduler {
        None => engine(),
        Some("threads") => engine().with_scheduler(Scheduler::threads()),
        Some("sync") | Some("single-threaded") => engine().with_scheduler(Scheduler::Sync),
        Some(other) => {
            return Err(errors::ExecError::new_err(format!(
                "unknown scheduler '{other}' (sync or threads)"
            )));
        }
    };
    let outputs = run::interruptible(py, move |cancel| {
        let refs: Vec<&rask_plan::Expr> = exprs.iter().collect();
        let engine = engine.with_cancel(cancel.clone());
        if workers.is_empty() {
            engine.compute_many(&refs).map_err(errors::exec_err)
        } else {
            cluster::compute(&engine, &workers, &refs)
        }
    })?;
    outputs
        .into_iter()
        .map(|o| outputs::to_python(py, o))
        .collect()
}

/// Computes a per-event expression once and keeps it: later computations read it back.
#[pyfunction]
fn persist(py: Python<'_>, expr: PyRef<'_, PyExpr>) -> PyResult<PyExpr> {
    let e = expr.0.clone();
    let engine = engine();
    run::interruptible(py, move |cancel| {
        engine
            .with_cancel(cancel.clone())
            .persist(&e)
            .map_err(errors::exec_err)
    })
    .map(PyExpr)
}

/// The physical plan (DataFusion's operators) that computing `exprs` runs.
#[pyfunction]
fn physical_plan(exprs: Vec<PyRef<'_, PyExpr>>) -> PyResult<String> {
    let refs: Vec<&rask_plan::Expr> = exprs.iter().map(|e| &e.0).collect();
    engine().physical_plan(&refs).map_err(errors::exec_err)
}

/// Runs SQL (`rask query`'s dialect) over the named sources; returns its outputs by name.
#[pyfunction]
#[pyo3(signature = (query, **tables))]
fn sql(query: &str, tables: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, PyExpr)>> {
    let tables = tables.ok_or_else(|| {
        errors::PlanError::new_err("sql needs its tables: rask.sql(query, events=events)")
    })?;
    let mut ctx = None;
    let mut named = Vec::new();
    for (name, value) in tables.iter() {
        let name: String = name.extract()?;
        let expr: PyRef<'_, PyExpr> = value.extract()?;
        ctx.get_or_insert_with(|| expr.0.context().clone());
        named.push((name, expr.0.clone()));
    }
    let ctx = ctx.ok_or_else(|| errors::PlanError::new_err("sql needs at least one table"))?;
    let mut session = rask_sql::SqlSession::new(&ctx);
    for (name, expr) in named {
        session.register(&name, expr);
    }
    let outputs = session
        .query(query)
        .map_err(|e| errors::PlanError::new_err(e.render_in("query", query)))?;
    Ok(outputs.into_iter().map(|(n, e)| (n, PyExpr(e))).collect())
}

#[pymodule]
fn _rask(m: &Bound<'_, PyModule>) -> PyResult<()> {
    rask::allocator::keep_freed_pages();
    m.add_class::<PyExpr>()?;
    m.add_class::<arrow_stream::ArrowValues>()?;
    m.add_class::<cluster::LocalCluster>()?;
    m.add("HAS_CLUSTER", cluster::BUILT)?;
    for f in [
        wrap_pyfunction!(configure, m)?,
        wrap_pyfunction!(open, m)?,
        wrap_pyfunction!(open_fileset, m)?,
        wrap_pyfunction!(register_arrow, m)?,
        wrap_pyfunction!(unregister, m)?,
        wrap_pyfunction!(zip, m)?,
        wrap_pyfunction!(where_, m)?,
        wrap_pyfunction!(hist, m)?,
        wrap_pyfunction!(compute, m)?,
        wrap_pyfunction!(persist, m)?,
        wrap_pyfunction!(physical_plan, m)?,
        wrap_pyfunction!(sql, m)?,
    ] {
        m.add_function(f)?;
    }
    errors::register(m)
}
