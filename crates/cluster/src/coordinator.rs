//! The coordinator: runs an event plan's per-partition stage on the workers and merges their
//! rows here, through datafusion-distributed.
//!
//! The physical plan is `MergeExec > NetworkCoalesceExec(T tasks → 1) > PartialExec > EvalExec >
//! DistributedLeafExec(ScanExec variants)`: each of the `T` tasks (one per worker, at most one
//! per partition) scans a contiguous block of the partitions and sends one row per partition;
//! the coordinator combines them in partition order, exactly as a local run does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, DataFusionError};
use datafusion::execution::context::{QueryPlanner, SessionState};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{EmptyRelation, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_distributed::{
    DistributedExt, DistributedLeafExec, NetworkCoalesceExec, SessionStateBuilderExt,
    WorkerResolver,
};
use rask_exec::distributed::{DistributedPlan, run_error};
use rask_exec::{Engine, Output, RunStats};
use rask_plan::Expr;
use url::Url;

use crate::ClusterError;
use crate::codec::RaskCodec;

/// How long a worker may take to accept a connection before the run fails naming it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Workers that run event plans' partitions, and the coordinator's runtime.
///
/// ```no_run
/// # let ctx = rask_plan::Context::new();
/// # let events = ctx.source("events", &["data/nano-20k.root".into()], "Events",
/// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
/// let cluster = rask_cluster::Cluster::new(&["10.0.0.1:50051".into(), "10.0.0.2:50051".into()])?;
/// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync);
/// let met = events.field("MET")?.field("pt")?.sum(None)?;
/// let out = cluster.compute_many(&engine, &[&met])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Cluster {
    workers: Vec<Url>,
    addresses: Vec<String>,
    runtime: tokio::runtime::Runtime,
    /// One DataFusion runtime for every run, so the gRPC channels to the workers are reused.
    env: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
    memory_limit: Option<usize>,
    /// Whether every worker accepted a connection once (checked before the first run).
    checked: AtomicBool,
    /// This cluster's gRPC channels to its workers, made on its runtime and dropped with it
    /// (datafusion-distributed's default keeps them in a global cache keyed by the address of
    /// the DataFusion runtime, which a later cluster may reuse after this one's runtime is gone).
    channels: datafusion_distributed::grpc::DefaultChannelResolver,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cluster({})", self.addresses.join(","))
    }
}

impl Cluster {
    /// A cluster of the workers at `addresses` (`HOST:PORT` each, as `rask worker --listen`
    /// prints them). Nothing is contacted yet.
    pub fn new(addresses: &[String]) -> Result<Cluster, ClusterError> {
        if addresses.is_empty() {
            return Err(ClusterError::NoWorkers);
        }
        let workers = addresses
            .iter()
            .map(|a| {
                let url = format!("http://{}", a.trim());
                Url::parse(&url)
                    .ok()
                    .filter(|u| u.port().is_some() && u.path() == "/")
                    .ok_or_else(|| ClusterError::Address {
                        address: a.clone(),
                        detail: "expected HOST:PORT".to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Worker(format!("cannot start the runtime: {e}")))?;
        let env = RuntimeEnvBuilder::new()
            .build_arc()
            .map_err(|e| ClusterError::Worker(format!("cannot make the runtime: {e}")))?;
        Ok(Cluster {
            workers,
            addresses: addresses.iter().map(|a| a.trim().to_string()).collect(),
            runtime,
            env,
            memory_limit: None,
            checked: AtomicBool::new(false),
            channels: datafusion_distributed::grpc::DefaultChannelResolver::default(),
        })
    }

    /// Bounds the coordinator's memory pool (the rows it merges) to `bytes`.
    pub fn with_memory_limit(mut self, bytes: usize) -> Result<Cluster, ClusterError> {
        self.env = RuntimeEnvBuilder::new()
            .with_memory_limit(bytes, 1.0)
            .build_arc()
            .map_err(|e| ClusterError::Worker(format!("cannot make the runtime: {e}")))?;
        self.memory_limit = Some(bytes);
        Ok(self)
    }

    /// The workers' addresses.
    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    /// Fails, naming the worker, if one does not answer a worker request (gRPC) within 3 s
    /// (done before a cluster's first run, and after a failed run to name a lost worker).
    pub fn check(&self) -> Result<(), ClusterError> {
        self.runtime.block_on(async {
            let mut checks = tokio::task::JoinSet::new();
            for (address, url) in self.addresses.clone().into_iter().zip(self.workers.clone()) {
                checks.spawn(async move {
                    let unreachable = |detail: String| ClusterError::Unreachable {
                        worker: address.clone(),
                        detail,
                    };
                    let ask = async {
                        let endpoint = tonic::transport::Endpoint::from_shared(url.to_string())
                            .map_err(|e| unreachable(e.to_string()))?;
                        let channel = endpoint.connect().await.map_err(|e| {
                            unreachable(
                                std::error::Error::source(&e)
                                    .map_or_else(|| e.to_string(), |s| s.to_string()),
                            )
                        })?;
                        let mut client = datafusion_distributed::grpc::create_worker_client(
                            datafusion_distributed::grpc::BoxCloneSyncChannel::new(channel),
                        );
                        client
                            .get_worker_info(datafusion_distributed::GetWorkerInfoRequest {})
                            .await
                            .map_err(|e| {
                                unreachable(format!("not answering as a rask worker: {e}"))
                            })?;
                        Ok(())
                    };
                    match tokio::time::timeout(CONNECT_TIMEOUT, ask).await {
                        Ok(answer) => answer,
                        Err(_) => Err(unreachable(format!(
                            "no answer within {} s",
                            CONNECT_TIMEOUT.as_secs()
                        ))),
                    }
                });
            }
            while let Some(done) = checks.join_next().await {
                done.map_err(|e| ClusterError::Worker(e.to_string()))??;
            }
            Ok(())
        })
    }

    /// The physical plan of running `plan` on the workers, before datafusion-distributed cuts
    /// it into stages.
    fn physical(&self, plan: &DistributedPlan) -> Result<Arc<dyn ExecutionPlan>, ClusterError> {
        // At least two tasks: datafusion-distributed runs a stage of one task on the
        // coordinator itself, and a cluster run should run on the workers (a task without
        // partitions only sends empty rows).
        let tasks = self.workers.len().min(plan.partitions()).max(2);
        // PartialExec > EvalExec > the scan as one variant per task.
        let leaf =
            DistributedLeafExec::try_new(plan.scan(), plan.split_scan(tasks)).map_err(run)?;
        let stage = plan.stage_over(Arc::new(leaf));
        let network = Arc::new(NetworkCoalesceExec::try_new(stage, tasks, 1).map_err(run)?);
        Ok(plan.final_merge(network))
    }

    /// The physical plan run on the cluster for `exprs`, as DataFusion displays it.
    pub fn physical_plan(&self, engine: &Engine, exprs: &[&Expr]) -> Result<String, ClusterError> {
        let plan = engine.distributed(exprs)?;
        let physical = self.physical(&plan)?;
        let (distributed, _) = self.runtime.block_on(self.distribute(physical))?;
        Ok(datafusion_distributed::display_plan_ascii(
            distributed.as_ref(),
            false,
        ))
    }

    /// datafusion-distributed's plan: stages, tasks and their workers.
    /// Also the task context to run it in (its configuration holds the workers and codec).
    async fn distribute(
        &self,
        physical: Arc<dyn ExecutionPlan>,
    ) -> Result<(Arc<dyn ExecutionPlan>, Arc<TaskContext>), ClusterError> {
        let state = self.state(physical);
        let empty = LogicalPlan::EmptyRelation(EmptyRelation {
            produce_one_row: false,
            schema: Arc::new(DFSchema::empty()),
        });
        let plan = state.create_physical_plan(&empty).await.map_err(run)?;
        Ok((plan, state.task_ctx()))
    }

    fn state(&self, physical: Arc<dyn ExecutionPlan>) -> SessionState {
        SessionStateBuilder::new()
            .with_runtime_env(self.env.clone())
            // Our plan is made already: the distributed planner wraps this planner, which
            // hands it over.
            .with_query_planner(Arc::new(Prebuilt(Mutex::new(Some(physical)))))
            .with_distributed_planner()
            .with_distributed_worker_resolver(Workers(self.workers.clone()))
            .with_distributed_channel_resolver(self.channels.clone())
            .with_distributed_user_codec(RaskCodec {
                concurrency: 1,
                on_task: None,
            })
            .build()
    }

    /// Computes `exprs` (an event plan) on the workers: every partition runs on one of them,
    /// the rows are merged here in partition order, bit-identical to [`Engine::compute_many`].
    pub fn compute_many(
        &self,
        engine: &Engine,
        exprs: &[&Expr],
    ) -> Result<Vec<Output>, ClusterError> {
        Ok(self.compute_with_stats(engine, exprs)?.0)
    }

    /// [`Cluster::compute_many`], and what the run read (the bytes the workers read are not
    /// counted).
    pub fn compute_with_stats(
        &self,
        engine: &Engine,
        exprs: &[&Expr],
    ) -> Result<(Vec<Output>, RunStats), ClusterError> {
        let start = std::time::Instant::now();
        // Once: later runs learn of a lost worker from the run's failure (then re-checked).
        if !self.checked.load(Ordering::Relaxed) {
            self.check()?;
            self.checked.store(true, Ordering::Relaxed);
        }
        let plan = engine.distributed(exprs)?;
        let mut stats = plan.stats()?;
        let physical = self.physical(&plan)?;
        let rows = self
            .runtime
            .block_on(async {
                let (distributed, ctx) = self.distribute(physical).await?;
                let run = datafusion::physical_plan::collect(distributed, ctx);
                // The engine's cancel flag (Ctrl-C in Python) stops the run: dropping it drops
                // the streams from the workers.
                match futures::future::select(Box::pin(run), Box::pin(cancelled(engine))).await {
                    futures::future::Either::Left((rows, _)) => rows
                        .map_err(|e| ClusterError::Run(Box::new(run_error(e, self.memory_limit)))),
                    futures::future::Either::Right(((), _)) => {
                        Err(ClusterError::Plan(rask_exec::ExecError::Cancelled))
                    }
                }
            })
            .map_err(|e| match e {
                e @ ClusterError::Plan(rask_exec::ExecError::Cancelled) => e,
                e => self.name_lost_worker(e),
            })?;
        let outputs = plan.outputs(rows)?;
        stats.seconds = start.elapsed().as_secs_f64();
        Ok((outputs, stats))
    }
}

impl Cluster {
    /// A failed run's error, naming the worker that no longer answers if one does (a worker
    /// that died mid-run).
    fn name_lost_worker(&self, e: ClusterError) -> ClusterError {
        let ClusterError::Run(run) = e else {
            return e;
        };
        // A dying worker's port may still take connections for a moment: look three times.
        for _ in 0..3 {
            if let Err(ClusterError::Unreachable { worker, .. }) = self.check() {
                return ClusterError::WorkerLost { worker, run };
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        ClusterError::Run(run)
    }
}

/// Resolves once `engine`'s cancel flag is set (looked at every 20 ms); never without one.
async fn cancelled(engine: &Engine) {
    let Some(cancel) = engine.cancel_flag().cloned() else {
        return std::future::pending().await;
    };
    while !cancel.is_cancelled() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn run(e: DataFusionError) -> ClusterError {
    ClusterError::Run(Box::new(run_error(e, None)))
}

/// The query planner that returns the plan it holds (once).
#[derive(Debug)]
struct Prebuilt(Mutex<Option<Arc<dyn ExecutionPlan>>>);

#[async_trait]
impl QueryPlanner for Prebuilt {
    async fn create_physical_plan(
        &self,
        _logical_plan: &LogicalPlan,
        _session: &dyn Session,
    ) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| DataFusionError::Internal("the plan was taken already".to_string()))
    }
}

/// The fixed list of workers.
struct Workers(Vec<Url>);

impl WorkerResolver for Workers {
    fn get_urls(&self) -> Result<Vec<Url>, DataFusionError> {
        Ok(self.0.clone())
    }
}
