//! Cluster workers from Python: `rask.configure(workers=[...])` and
//! `rask.compute(..., workers=[...])` run on `rask worker` processes, and `rask.LocalCluster`
//! starts workers inside this process (as dask's `LocalCluster` does). With the `cluster`
//! feature only; without it, asking for workers raises an error saying how to build it.

use std::sync::Mutex;

use pyo3::prelude::*;
use rask_exec::{Engine, Output};
use rask_plan::Expr;

use crate::errors;

/// Whether this module was built with the `cluster` feature.
pub const BUILT: bool = cfg!(feature = "cluster");

/// The workers computations go to unless a call names its own (`configure(workers=...)`).
static DEFAULT_WORKERS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Sets the workers later computations go to (none: this machine).
pub fn set_default_workers(workers: Vec<String>) -> PyResult<()> {
    if !workers.is_empty() {
        ensure_built()?;
    }
    *DEFAULT_WORKERS.lock().unwrap_or_else(|e| e.into_inner()) = workers;
    Ok(())
}

/// The workers set by [`set_default_workers`].
pub fn default_workers() -> Vec<String> {
    DEFAULT_WORKERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn ensure_built() -> PyResult<()> {
    if BUILT { Ok(()) } else { Err(not_built()) }
}

fn not_built() -> PyErr {
    errors::ExecError::new_err(
        "this rask was built without cluster support: install it with \
         MATURIN_PEP517_ARGS=\"--features cluster\" pip install ./crates/python",
    )
}

/// Computes `exprs` on `workers` with `engine`'s options and cancel flag.
pub fn compute(engine: &Engine, workers: &[String], exprs: &[&Expr]) -> PyResult<Vec<Output>> {
    #[cfg(feature = "cluster")]
    {
        enabled::compute(engine, workers, exprs)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = (engine, workers, exprs);
        Err(not_built())
    }
}

#[cfg(feature = "cluster")]
mod enabled {
    use std::sync::{Arc, Mutex};

    use pyo3::exceptions::PyKeyboardInterrupt;
    use pyo3::prelude::*;
    use rask_cluster::{Cluster, ClusterError};
    use rask_exec::{Engine, ExecError, Output};
    use rask_plan::Expr;

    use crate::errors;

    /// The cluster of the last workers asked for: its channels and the check that every worker
    /// answers are made once, not per computation.
    static CLUSTER: Mutex<Option<(Vec<String>, Arc<Cluster>)>> = Mutex::new(None);

    fn cluster_for(workers: &[String]) -> PyResult<Arc<Cluster>> {
        let mut slot = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((addresses, cluster)) = slot.as_ref()
            && addresses == workers
        {
            return Ok(Arc::clone(cluster));
        }
        let cluster = Arc::new(Cluster::new(workers).map_err(cluster_err)?);
        *slot = Some((workers.to_vec(), Arc::clone(&cluster)));
        Ok(cluster)
    }

    pub fn compute(engine: &Engine, workers: &[String], exprs: &[&Expr]) -> PyResult<Vec<Output>> {
        cluster_for(workers)?
            .compute_many(engine, exprs)
            .map_err(cluster_err)
    }

    fn cluster_err(e: ClusterError) -> PyErr {
        match e {
            ClusterError::Plan(ExecError::Cancelled) => PyKeyboardInterrupt::new_err("cancelled"),
            ClusterError::Plan(e) => errors::exec_err(e),
            e => errors::ExecError::new_err(e.to_string()),
        }
    }

    pub fn start(
        threads: usize,
        memory_limit: Option<usize>,
    ) -> PyResult<rask_cluster::LocalWorker> {
        let options = rask_cluster::WorkerOptions {
            threads: threads.max(1),
            memory_limit,
            on_task: None,
        };
        rask_cluster::LocalWorker::start(&options).map_err(cluster_err)
    }
}

/// Workers in this process, each on its own threads and a free port of 127.0.0.1 (dask's
/// `LocalCluster`): give it to `compute(workers=...)` or `configure(workers=...)`; `close()`
/// (or leaving a `with` block) stops them.
#[pyclass(module = "rask._rask")]
pub struct LocalCluster {
    #[cfg(feature = "cluster")]
    workers: Vec<rask_cluster::LocalWorker>,
    addresses: Vec<String>,
}

#[pymethods]
impl LocalCluster {
    #[new]
    #[pyo3(signature = (n_workers = 2, threads_per_worker = 1, memory_limit = None))]
    fn new(
        n_workers: usize,
        threads_per_worker: usize,
        memory_limit: Option<usize>,
    ) -> PyResult<LocalCluster> {
        if n_workers == 0 {
            return Err(errors::ExecError::new_err(
                "a LocalCluster needs n_workers >= 1",
            ));
        }
        #[cfg(feature = "cluster")]
        {
            let workers = (0..n_workers)
                .map(|_| enabled::start(threads_per_worker, memory_limit))
                .collect::<PyResult<Vec<_>>>()?;
            let addresses = workers.iter().map(|w| w.address()).collect();
            Ok(LocalCluster { workers, addresses })
        }
        #[cfg(not(feature = "cluster"))]
        {
            let _ = (threads_per_worker, memory_limit);
            Err(not_built())
        }
    }

    /// `HOST:PORT` of every worker.
    #[getter]
    fn addresses(&self) -> Vec<String> {
        self.addresses.clone()
    }

    /// Stops the workers (computations sent to them afterwards fail, naming them).
    fn close(&mut self, py: Python<'_>) {
        #[cfg(feature = "cluster")]
        {
            let workers = std::mem::take(&mut self.workers);
            py.detach(move || drop(workers));
        }
        #[cfg(not(feature = "cluster"))]
        let _ = py;
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("LocalCluster({})", self.addresses.join(", "))
    }
}
