//! A worker: datafusion-distributed's worker service with rask's codec, served over gRPC on a
//! TCP address (`rask worker --listen HOST:PORT`), or in this process for tests.

use std::net::SocketAddr;

use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion_distributed::{DistributedExt, Worker, WorkerQueryContext};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;

use crate::ClusterError;
use crate::codec::RaskCodec;

/// How a worker runs its tasks.
#[derive(Clone)]
pub struct WorkerOptions {
    /// Threads of the worker's runtime, and partitions its scans read at once.
    pub threads: usize,
    /// The worker's memory pool in bytes (`None`: unbounded): a task that does not fit fails
    /// with the limit named.
    pub memory_limit: Option<usize>,
    /// Told the partition count of every task the worker starts (`rask worker` logs it).
    pub on_task: Option<std::sync::Arc<dyn Fn(usize) + Send + Sync>>,
}

impl std::fmt::Debug for WorkerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WorkerOptions(threads {}, memory limit {:?})",
            self.threads, self.memory_limit
        )
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_limit: None,
            on_task: None,
        }
    }
}

/// The worker service: decodes rask's operators and runs the tasks it is sent.
fn service(options: &WorkerOptions) -> Result<Worker, ClusterError> {
    let codec = RaskCodec {
        concurrency: options.threads.max(1),
        on_task: options.on_task.clone(),
    };
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(limit) = options.memory_limit {
        runtime = runtime.with_memory_limit(limit, 1.0);
    }
    let runtime = runtime
        .build_arc()
        .map_err(|e| ClusterError::Worker(format!("cannot make the runtime: {e}")))?;
    Ok(
        Worker::from_session_builder(move |ctx: WorkerQueryContext| {
            let codec = codec.clone();
            async move { Ok(ctx.builder.with_distributed_user_codec(codec).build()) }
        })
        .with_runtime_env(runtime),
    )
}

/// Serves a worker on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    options: &WorkerOptions,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), ClusterError> {
    let worker = service(options)?;
    // Small messages (plans, one row per partition) must not wait for Nagle's algorithm and
    // the peer's delayed acknowledgement (40 ms each on Linux).
    let incoming = TcpListenerStream::new(listener).map(|stream| {
        stream.inspect(|s| {
            let _ = s.set_nodelay(true);
        })
    });
    tonic::transport::Server::builder()
        .add_service(worker.into_worker_server())
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(|e| ClusterError::Worker(format!("the worker's server stopped: {e}")))
}

/// Runs a worker on `address` (`HOST:PORT`; port 0 picks one) until the process ends, on a
/// runtime of `options.threads` threads; `ready` is told the address it listens on.
///
/// ```no_run
/// let options = rask_cluster::WorkerOptions::default();
/// rask_cluster::run_worker("0.0.0.0:50051", &options, |addr| eprintln!("listening on {addr}"))?;
/// # Ok::<(), rask_cluster::ClusterError>(())
/// ```
pub fn run_worker(
    address: &str,
    options: &WorkerOptions,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ClusterError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Worker(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| ClusterError::Listen {
                    address: address.to_string(),
                    source: e,
                })?;
        let local = listener.local_addr().map_err(|e| ClusterError::Listen {
            address: address.to_string(),
            source: e,
        })?;
        ready(local);
        serve(listener, options, std::future::pending()).await
    })
}

/// A worker running in this process (tests, benches, a one-machine cluster): it listens on a
/// free port of 127.0.0.1 and stops when dropped.
///
/// ```no_run
/// let a = rask_cluster::LocalWorker::start(&rask_cluster::WorkerOptions::default())?;
/// let b = rask_cluster::LocalWorker::start(&rask_cluster::WorkerOptions::default())?;
/// let cluster = rask_cluster::Cluster::new(&[a.address(), b.address()])?;
/// # Ok::<(), rask_cluster::ClusterError>(())
/// ```
pub struct LocalWorker {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalWorker {
    /// Starts a worker on its own runtime and thread.
    pub fn start(options: &WorkerOptions) -> Result<LocalWorker, ClusterError> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = std::sync::mpsc::channel();
        let options = options.clone();
        let thread = std::thread::Builder::new()
            .name("rask-local-worker".to_string())
            .spawn(move || {
                let run = || -> Result<(), ClusterError> {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(options.threads.max(1))
                        .enable_all()
                        .build()
                        .map_err(|e| ClusterError::Worker(e.to_string()))?;
                    runtime.block_on(async {
                        let listener =
                            tokio::net::TcpListener::bind("127.0.0.1:0")
                                .await
                                .map_err(|e| ClusterError::Listen {
                                    address: "127.0.0.1:0".to_string(),
                                    source: e,
                                })?;
                        let local = listener.local_addr().map_err(|e| ClusterError::Listen {
                            address: "127.0.0.1:0".to_string(),
                            source: e,
                        })?;
                        let _ = ready.send(Ok(local));
                        serve(listener, &options, async {
                            let _ = stopped.await;
                        })
                        .await
                    })
                };
                if let Err(e) = run() {
                    let _ = ready.send(Err(e));
                }
            })
            .map_err(|e| ClusterError::Worker(format!("cannot start a thread: {e}")))?;
        let address = address
            .recv()
            .map_err(|_| ClusterError::Worker("the local worker did not start".to_string()))??;
        Ok(LocalWorker {
            address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `HOST:PORT` of the worker, as `--workers` takes it.
    pub fn address(&self) -> String {
        self.address.to_string()
    }
}

impl Drop for LocalWorker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
