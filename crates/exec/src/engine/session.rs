//! The runtime and DataFusion task context of an [`super::Engine`]: built at its first
//! computation and reused by every later one (and by the engine's clones).

use std::sync::{Arc, Mutex};

use datafusion_execution::TaskContext;
use datafusion_execution::config::SessionConfig;
use datafusion_execution::runtime_env::RuntimeEnvBuilder;

use crate::error::ExecError;

use super::Scheduler;

/// A tokio runtime (one thread or a pool) and the DataFusion task context (configuration and
/// memory pool) the engine's plans run with.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) task: Arc<TaskContext>,
    /// Partitions that may run at once: the worker threads (one for `Sync`).
    pub(super) concurrency: usize,
}

impl Session {
    fn new(scheduler: Scheduler, memory_limit: Option<usize>) -> Result<Session, ExecError> {
        let (runtime, concurrency) = match scheduler.check()? {
            Scheduler::Sync => (tokio::runtime::Builder::new_current_thread().build(), 1),
            Scheduler::Threads(n) => (
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(n)
                    .build(),
                n,
            ),
        };
        let runtime = runtime.map_err(ExecError::Runtime)?;
        let config = SessionConfig::new().with_target_partitions(concurrency);
        let mut env = RuntimeEnvBuilder::new();
        if let Some(bytes) = memory_limit {
            env = env.with_memory_limit(bytes, 1.0);
        }
        let task = Arc::new(
            TaskContext::default()
                .with_session_config(config)
                .with_runtime(env.build_arc()?),
        );
        Ok(Session {
            runtime,
            task,
            concurrency,
        })
    }
}

/// The session of an engine, made on first use and shared by its clones.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedSession(Arc<Mutex<Option<Arc<Session>>>>);

impl SharedSession {
    /// The session, made now if this is the first computation.
    pub(super) fn get(
        &self,
        scheduler: Scheduler,
        memory_limit: Option<usize>,
    ) -> Result<Arc<Session>, ExecError> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let s = Arc::new(Session::new(scheduler, memory_limit)?);
        *slot = Some(s.clone());
        Ok(s)
    }
}
