//! The engine: an optimised plan lowered ([`lower`]) to a DataFusion physical plan — for event
//! plans a [`scan::ScanExec`] (one partition per entry range of the files, one batch per morsel)
//! under an [`operator::EvalExec`] (the fused plan on every morsel), for array plans an `EvalExec`
//! over the blocks of the chunk grid — run on DataFusion's executor with one thread (`Sync`) or a
//! pool (`Threads(n)`) by the engine's reused [`session`]. Every row is a morsel's or block's share
//! of every output (values, or a partial reduction or histogram); [`merge`] combines the rows in
//! partition order, so results do not depend on the scheduler. Persisted values live in the
//! [`store`].

/// What every rask operator writes the same way: `Debug` as its `DisplayAs`, and in its
/// `ExecutionPlan` its name, its properties (`self.props`) and no physical expressions.
macro_rules! operator_basics {
    (display $t:ty) => {
        impl DisplayAs for $t {
            fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{self:?}")
            }
        }
    };
    // An operator with one `input` made by `$t::new(lowered, input)`.
    (one_input $t:ident, $name:literal) => {
        fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
            vec![&self.input]
        }
        fn with_new_children(
            self: Arc<Self>,
            children: Vec<Arc<dyn ExecutionPlan>>,
        ) -> datafusion_common::Result<Arc<dyn ExecutionPlan>> {
            match <[_; 1]>::try_from(children) {
                Ok([input]) => Ok(Arc::new($t::new(self.lowered.clone(), input))),
                Err(_) => datafusion_common::internal_err!(concat!($name, " takes one input")),
            }
        }
    };
    (methods $name:literal) => {
        fn name(&self) -> &str {
            $name
        }
        fn properties(&self) -> &Arc<PlanProperties> {
            &self.props
        }
        fn apply_expressions(
            &self,
            _f: &mut dyn FnMut(
                &Arc<dyn PhysicalExpr>,
            ) -> datafusion_common::Result<TreeNodeRecursion>,
        ) -> datafusion_common::Result<TreeNodeRecursion> {
            Ok(TreeNodeRecursion::Continue)
        }
    };
}

pub mod distributed;
mod final_merge;
mod inflight;
mod lower;
mod merge;
mod operator;
mod partial;
mod run;
mod scan;
mod session;
mod stack;
mod stages;
mod store;
mod stream;
mod wire;

use std::fmt;
use std::sync::{Arc, Mutex};

use arrow_array::ArrayRef;
use datafusion_physical_plan::ExecutionPlan;
use rask_core::hist::Histogram;
use rask_io_root::Partition;
use rask_plan::Expr;
use rask_plan::types::Ty;

use crate::error::ExecError;

use final_merge::MergeExec;
use lower::{Lowered, Mode, lower};
use merge::merge;
use operator::EvalExec;
use partial::PartialExec;
use session::{Session, SharedSession};
use store::{Persisted, Store};

/// How partitions are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// One thread: the partitions run one after another on a current-thread runtime.
    Sync,
    /// A pool of `n` worker threads.
    Threads(usize),
}

impl Scheduler {
    /// All cores.
    pub fn threads() -> Scheduler {
        Scheduler::Threads(cores())
    }

    /// The most worker threads [`Scheduler::Threads`] accepts: four per core, at least 256.
    /// More threads than that cannot make a run faster, and far more (100,000) cannot even be
    /// started: the operating system refuses their stacks and the process would abort.
    pub fn max_threads() -> usize {
        cores().saturating_mul(4).max(256)
    }

    /// The scheduler of a `--threads` option, checked, with its thread count: `None` is all
    /// cores, 1 the single-thread [`Scheduler::Sync`], `n` a pool of `n`.
    ///
    /// ```
    /// use rask_exec::Scheduler;
    /// assert_eq!(Scheduler::for_threads(Some(1))?, (Scheduler::Sync, 1));
    /// assert_eq!(Scheduler::for_threads(Some(2))?, (Scheduler::Threads(2), 2));
    /// assert!(Scheduler::for_threads(Some(0)).is_err());
    /// # Ok::<(), rask_exec::ExecError>(())
    /// ```
    pub fn for_threads(threads: Option<usize>) -> Result<(Scheduler, usize), ExecError> {
        let n = threads.unwrap_or_else(cores);
        let scheduler = if n == 1 {
            Scheduler::Sync
        } else {
            Scheduler::Threads(n)
        };
        Ok((scheduler.check()?, n))
    }

    /// The scheduler, if it can run: `Threads(n)` needs `1 <= n <= max_threads()`.
    ///
    /// ```
    /// use rask_exec::{ExecError, Scheduler};
    /// assert!(Scheduler::Threads(2).check().is_ok());
    /// assert!(matches!(Scheduler::Threads(0).check(), Err(ExecError::Threads { .. })));
    /// assert!(matches!(Scheduler::Threads(100_000).check(), Err(ExecError::Threads { .. })));
    /// ```
    pub fn check(self) -> Result<Scheduler, ExecError> {
        match self {
            Scheduler::Threads(n) if n == 0 || n > Scheduler::max_threads() => {
                Err(ExecError::Threads {
                    requested: n,
                    max: Scheduler::max_threads(),
                })
            }
            s => Ok(s),
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A computed output.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// One value per event (numbers, lists as Arrow lists, records as structs, missing values
    /// as nulls), in the order of the files and entries.
    Events(ArrayRef),
    /// Array values, row-major, with their shape.
    Array {
        data: ArrayRef,
        shape: Vec<usize>,
    },
    /// A whole-collection reduction.
    Float(f64),
    Int(i64),
    Bool(bool),
    /// A filled histogram.
    Hist(Histogram),
}

/// A flag that stops an engine's computations between morsels (see [`Engine::with_cancel`]).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// Asks the running computation to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    /// Whether [`Cancel::cancel`] was called since the last [`Cancel::reset`].
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
    /// Clears the flag, so that the next computation runs.
    pub fn reset(&self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A callback told the number of entries of every finished morsel (for progress bars).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(u64) + Send + Sync>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Progress")
    }
}

/// What a run read and how long it took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Events in the partitions run.
    pub events: u64,
    pub partitions: usize,
    /// The branches (columns) read.
    pub columns: Vec<String>,
    /// Bytes taken from the files by the run (counted by the readers).
    pub bytes_read: u64,
    /// Compressed bytes of `columns` in the files.
    pub column_bytes: u64,
    /// Size of the input files.
    pub file_bytes: u64,
    /// Wall time from lowering to merged outputs.
    pub seconds: f64,
}

/// Settings of an [`Engine`] besides the scheduler.
#[derive(Debug, Clone)]
pub(super) struct Options {
    /// Target entries per partition of event sources (cut at basket / row-group boundaries).
    pub(super) partition_entries: u64,
    /// DataFusion memory pool size in bytes (`None`: unbounded).
    pub(super) memory_limit: Option<usize>,
    pub(super) progress: Option<Progress>,
    /// Stops the run between morsels once set.
    pub(super) cancel: Option<Cancel>,
    /// Events per morsel inside a partition.
    pub(super) morsel_events: usize,
    /// The partitions to run instead of cutting the files (a cluster worker runs those its
    /// coordinator sent).
    pub(super) partitions: Option<Vec<Partition>>,
}

/// Events per morsel by default. Every operation of a fused plan costs a little per morsel
/// (dispatch, allocation, its demand and typing), whatever its size: over the ADL queries on
/// 2M events, 32,768 ran 3-11% faster than 8,192 (Q1 +11%, Q2 +8%, Q4 +7%, Q8 +3%; the AGC
/// unchanged) for 25-35% more peak memory (a partition's branches are decoded whole anyway).
pub const MORSEL_EVENTS: usize = 32_768;

impl Default for Options {
    fn default() -> Self {
        Options {
            partition_entries: 100_000,
            memory_limit: None,
            progress: None,
            cancel: None,
            morsel_events: std::env::var("RASK_MORSEL")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(MORSEL_EVENTS),
            partitions: None,
        }
    }
}

/// Runs plans on DataFusion.
///
/// ```no_run
/// use rask_exec::{Engine, Scheduler};
/// let ctx = rask_plan::Context::new();
/// let x = ctx.random_normal(&[1_000_000], &[100_000], 1)?;
/// let n = x.mask(&x.gt(0.0)?)?.count(None)?;
/// let out = Engine::new(Scheduler::threads()).compute(&n)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    scheduler: Scheduler,
    options: Options,
    store: Store,
    /// The runtime and DataFusion context, made once and reused by every computation.
    session: SharedSession,
}

impl Engine {
    pub fn new(scheduler: Scheduler) -> Self {
        Engine {
            scheduler,
            options: Options::default(),
            store: Store::default(),
            session: SharedSession::default(),
        }
    }

    /// The same engine (its persisted values too) with another scheduler.
    ///
    /// ```
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync);
    /// let threads = engine.with_scheduler(rask_exec::Scheduler::Threads(2));
    /// ```
    pub fn with_scheduler(mut self, scheduler: Scheduler) -> Self {
        if scheduler != self.scheduler {
            self.scheduler = scheduler;
            self.session = SharedSession::default(); // a runtime of the new size
        }
        self
    }

    /// Partitions of about `entries` events for event sources (default 100,000).
    pub fn with_partition_entries(mut self, entries: u64) -> Self {
        self.options.partition_entries = entries.max(1);
        self
    }

    /// A memory limit in bytes for DataFusion's memory pool: a partition whose data would not
    /// fit fails the computation with [`ExecError::MemoryLimit`].
    pub fn with_memory_limit(mut self, bytes: usize) -> Self {
        self.options.memory_limit = Some(bytes);
        self.session = SharedSession::default(); // a new memory pool
        self
    }

    /// Evaluates event plans on morsels of `events` events inside each partition (default
    /// [`MORSEL_EVENTS`]; the environment variable `RASK_MORSEL` sets the default).
    pub fn with_morsel_events(mut self, events: usize) -> Self {
        self.options.morsel_events = events.max(1);
        self
    }

    /// Stops computations between morsels once `cancel` is set (e.g. by a Ctrl-C handler): the
    /// computation running then fails with [`ExecError::Cancelled`] within one morsel.
    ///
    /// ```
    /// let cancel = rask_exec::Cancel::default();
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync).with_cancel(cancel.clone());
    /// cancel.cancel(); // from another thread, while a computation runs
    /// assert!(cancel.is_cancelled());
    /// cancel.reset(); // before the next one
    /// ```
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.options.cancel = Some(cancel);
        self
    }

    /// The flag given to [`Engine::with_cancel`], if any (a cluster run watches it too).
    ///
    /// ```
    /// let cancel = rask_exec::Cancel::default();
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::Sync).with_cancel(cancel.clone());
    /// cancel.cancel();
    /// assert!(engine.cancel_flag().is_some_and(|c| c.is_cancelled()));
    /// ```
    pub fn cancel_flag(&self) -> Option<&Cancel> {
        self.options.cancel.as_ref()
    }

    /// Calls `f(entries)` after every morsel of an event partition (for progress bars).
    pub fn with_progress(mut self, f: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.options.progress = Some(Progress(Arc::new(f)));
        self
    }

    /// The partitions an event plan would run: (file index, entry range) each.
    pub fn partitions(&self, expr: &Expr) -> Result<Vec<Partition>, ExecError> {
        let lowered = lower(&[expr], &self.options, &self.store)?;
        Ok(lowered
            .events()
            .map(|e| e.partitions.clone())
            .unwrap_or_default())
    }

    /// The physical plan that computing `exprs` runs, as DataFusion displays it (operators,
    /// partitions, columns scanned), without running it.
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["data/nano-20k.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let met = events.field("MET")?.field("pt")?;
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::threads());
    /// println!("{}", engine.physical_plan(&[&met.sum(None)?])?);
    /// // MergeExec: 1 partitions combined in partition order
    /// //   PartialExec: each of 1 partitions combined into one row
    /// //     EvalExec: 1 output(s) per morsel, fused plan of 4 nodes
    /// //       ScanExec: 1 file(s), 1 partitions, 1 column(s), morsels of 32768 events
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn physical_plan(&self, exprs: &[&Expr]) -> Result<String, ExecError> {
        let lowered = lower(exprs, &self.options, &self.store)?;
        let concurrency = match self.scheduler {
            Scheduler::Sync => 1,
            Scheduler::Threads(n) => n,
        };
        let plan = physical(lowered, concurrency);
        Ok(datafusion_physical_plan::displayable(plan.as_ref())
            .indent(true)
            .to_string())
    }

    /// Computes one expression.
    pub fn compute(&self, expr: &Expr) -> Result<Output, ExecError> {
        self.compute_many(&[expr])?
            .pop()
            .ok_or_else(|| ExecError::Unsupported("no output".to_string()))
    }

    /// Computes several expressions in one pass over the partitions.
    pub fn compute_many(&self, exprs: &[&Expr]) -> Result<Vec<Output>, ExecError> {
        Ok(self.compute_with_stats(exprs)?.0)
    }

    /// Computes several expressions in one pass and reports what the run read.
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let met = events.field("MET")?.field("pt")?;
    /// let (out, stats) = rask_exec::Engine::new(rask_exec::Scheduler::threads())
    ///     .compute_with_stats(&[&met])?;
    /// println!("{} events, {} bytes read", stats.events, stats.bytes_read);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute_with_stats(
        &self,
        exprs: &[&Expr],
    ) -> Result<(Vec<Output>, RunStats), ExecError> {
        let start = std::time::Instant::now();
        // Before any file is opened: an impossible thread count is the caller's mistake.
        self.scheduler.check()?;
        // Values of all events read per event (`x - mean(x)`): computed first, then literals.
        if let Some(staged) = stages::reductions_first(self, exprs)? {
            let staged: Vec<&Expr> = staged.iter().collect();
            return self.compute_with_stats(&staged);
        }
        // The first events of a cut (`events[mask][:10]`): read until they are there.
        if let Some(done) = self.compute_head(exprs)? {
            return Ok(done);
        }
        // Slices of cut events (`events[mask][a:b]`) are taken of the computed values.
        let unsliced: Vec<(Expr, Option<rask_plan::RowSlice>)> = exprs
            .iter()
            .map(|e| e.without_rows())
            .collect::<Result<_, _>>()?;
        let exprs: Vec<&Expr> = unsliced.iter().map(|(e, _)| e).collect();
        let exprs = &exprs[..];
        let (leaves, shapes) = stack::expand(exprs);
        let leaves: Vec<&Expr> = leaves.iter().collect();
        let lowered = lower(&leaves, &self.options, &self.store)?;
        let mut stats = planned_stats(&lowered)?;
        let read_before = lowered.events().map_or(0, |e| e.source.bytes_read());
        let (out, lowered) = self.run(lowered)?;
        if let Some(ev) = lowered.events() {
            stats.bytes_read = ev.source.bytes_read() - read_before;
        }
        stats.seconds = start.elapsed().as_secs_f64();
        let mut outputs = stack::assemble(out, &shapes)?;
        for (out, (_, slice)) in outputs.iter_mut().zip(&unsliced) {
            if let (Output::Events(values), Some(s)) = (out, slice) {
                let keep = rask_plan::rows_range(s.start, s.stop, values.len());
                *values = values.slice(keep.start, keep.len());
            }
        }
        Ok((outputs, stats))
    }

    /// Runs a lowered plan on DataFusion and merges the partitions' rows in order.
    fn run(&self, lowered: Lowered) -> Result<(Vec<Output>, Arc<Lowered>), ExecError> {
        let session = self.session()?;
        let eval = Arc::new(EvalExec::new(lowered, session.concurrency));
        let lowered = eval.lowered.clone();
        let parts = match &lowered.mode {
            // Event plans merge inside DataFusion: one final row.
            Mode::Events(_) => {
                let partial = Arc::new(PartialExec::new(lowered.clone(), eval));
                let plan = Arc::new(MergeExec::new(lowered.clone(), partial));
                let rows = session.runtime.block_on(datafusion_physical_plan::collect(
                    plan as Arc<dyn ExecutionPlan>,
                    session.task.clone(),
                ));
                // Morsels of dropped partitions still running finish before the run returns.
                lowered.inflight.end();
                vec![rows.map_err(|e| self.run_error(e))?]
            }
            // Array plans assemble their blocks (2-D arrays from a grid) after the run.
            Mode::Array { .. } => session
                .runtime
                .block_on(datafusion_physical_plan::collect_partitioned(
                    eval as Arc<dyn ExecutionPlan>,
                    session.task.clone(),
                ))
                .map_err(|e| self.run_error(e))?,
        };
        let out = merge(&lowered, &parts)?;
        Ok((out, lowered))
    }

    /// The engine's runtime and task context, made at its first computation.
    fn session(&self) -> Result<Arc<Session>, ExecError> {
        self.session.get(self.scheduler, self.options.memory_limit)
    }

    /// A failed run's error: the memory limit named, our own errors unwrapped.
    fn run_error(&self, e: datafusion_common::error::DataFusionError) -> ExecError {
        run_error(e, self.options.memory_limit)
    }

    /// Computes a per-event expression and keeps its values in memory, partition by partition:
    /// later computations on this engine (and its clones) that use it read them instead of
    /// recomputing it or reading its branches. Returns the expression, like dask's `persist`.
    ///
    /// ```no_run
    /// # let ctx = rask_plan::Context::new();
    /// # let events = ctx.source("events", &["f.root".into()], "Events",
    /// #     std::sync::Arc::new(rask_adl::nano_schema()))?;
    /// let engine = rask_exec::Engine::new(rask_exec::Scheduler::threads());
    /// let jets = events.field("Jet")?;
    /// let jets = engine.persist(&jets.mask(&jets.num()?.ge(2)?)?)?;
    /// let n = engine.compute(&jets.num()?.sum(None)?)?; // reads no branch again
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persist(&self, expr: &Expr) -> Result<Expr, ExecError> {
        if !matches!(expr.ty(), Ty::Events { .. }) {
            return Err(ExecError::Unsupported(format!(
                "persist keeps per-event values; {} is {}",
                expr.describe(),
                expr.ty().describe()
            )));
        }
        let mut lowered = lower(&[expr], &self.options, &self.store)?;
        let Some(ev) = lowered.events() else {
            return Err(ExecError::Unsupported(
                "persist of array plans (arrays are regenerated per chunk)".to_string(),
            ));
        };
        let (paths, tree) = (ev.source_paths.clone(), ev.source_tree.clone());
        let entries = ev.source_entries.clone();
        let partitions = ev.partitions.clone();
        let capture = Arc::new(Mutex::new(Vec::new()));
        lowered.capture = Some(capture.clone());
        let morsel = lowered.morsel;
        self.run(lowered)?;
        let values = std::mem::take(&mut *capture.lock().unwrap_or_else(|e| e.into_inner()));
        let key = expr.context().graph().node(expr.node_id()).key;
        self.store.insert(
            key,
            Persisted {
                paths,
                tree,
                entries,
                partitions,
                morsel,
                values: Arc::new(values),
            },
        );
        Ok(expr.clone())
    }

    /// Runs a single partition of the plan, for debugging (like dask's `.partitions[i]`).
    pub fn compute_partition(&self, expr: &Expr, partition: usize) -> Result<Output, ExecError> {
        let lowered = lower(&[expr], &self.options, &self.store)?;
        let session = self.session()?;
        let plan = EvalExec::new(lowered, 1);
        let n = plan.lowered.partitions();
        if partition >= n {
            return Err(ExecError::Unsupported(format!(
                "partition {partition} of a plan with {n} partitions"
            )));
        }
        let rows = session
            .runtime
            .block_on(async {
                let stream = plan.execute(partition, session.task.clone())?;
                datafusion_physical_plan::common::collect(stream).await
            })
            .map_err(|e| self.run_error(e))?;
        let mut out = merge(&plan.lowered, &[rows])?;
        out.pop()
            .ok_or_else(|| ExecError::Unsupported("no output".to_string()))
    }
}

/// The physical plan of a lowered plan: `MergeExec > PartialExec > EvalExec > ScanExec` for
/// events, an `EvalExec` over the blocks for arrays.
fn physical(lowered: Lowered, concurrency: usize) -> Arc<dyn ExecutionPlan> {
    let eval = Arc::new(EvalExec::new(lowered, concurrency));
    match &eval.lowered.mode {
        Mode::Events(_) => {
            let lowered = eval.lowered.clone();
            let partial = Arc::new(PartialExec::new(lowered.clone(), eval));
            Arc::new(MergeExec::new(lowered, partial))
        }
        Mode::Array { .. } => eval,
    }
}

/// What a run of `lowered` will read: events, partitions, columns and their bytes.
fn planned_stats(lowered: &Lowered) -> Result<RunStats, ExecError> {
    let mut stats = RunStats {
        partitions: lowered.partitions(),
        ..RunStats::default()
    };
    if let Some(ev) = lowered.events() {
        stats.events = ev
            .partitions
            .iter()
            .map(|p| p.entries.end - p.entries.start)
            .sum();
        stats.file_bytes = ev.source.file_bytes();
        stats.columns = ev.columns.clone();
        let cols: Vec<&str> = ev.columns.iter().map(String::as_str).collect();
        stats.column_bytes = ev.source.column_bytes(&cols)?;
    }
    Ok(stats)
}

/// A failed run's error: a memory pool's refusal as the limit of `limit` bytes, our own errors
/// unwrapped.
fn run_error(e: datafusion_common::error::DataFusionError, limit: Option<usize>) -> ExecError {
    match e.find_root() {
        datafusion_common::error::DataFusionError::ResourcesExhausted(m) => {
            ExecError::MemoryLimit {
                limit: limit.unwrap_or(0),
                detail: m.clone(),
            }
        }
        _ => unwrap_external(e),
    }
}

/// Our own errors come back from DataFusion wrapped as external errors: unwrap them.
fn unwrap_external(e: datafusion_common::error::DataFusionError) -> ExecError {
    match e {
        datafusion_common::error::DataFusionError::External(inner) => {
            match inner.downcast::<ExecError>() {
                Ok(ours) => *ours,
                Err(other) => ExecError::DataFusion(
                    datafusion_common::error::DataFusionError::External(other),
                ),
            }
        }
        datafusion_common::error::DataFusionError::Context(_, inner) => unwrap_external(*inner),
        other => ExecError::DataFusion(other),
    }
}
