//! rask-exec: optimised plans run on DataFusion.
//!
//! [`Engine`] lowers the fused plan of `rask-plan` to a DataFusion `ExecutionPlan` whose
//! partitions are the plan's chunks ([`engine`]), evaluates each block with Arrow's vectorised
//! kernels ([`block`]), and merges partial reductions and histograms in partition order.
//! Schedulers: [`Scheduler::Sync`] (one thread) and [`Scheduler::Threads`].
//!
//! Event plans (ROOT or Parquet sources) run one partition per basket-aligned entry range: the
//! branches are read, grouped into collections and evaluated with the whole-buffer kernels of
//! `rask-core` ([`events`]).

pub mod block;
pub mod engine;
pub mod error;
pub mod events;
pub mod hist;

pub use engine::distributed;
pub use engine::{Cancel, Engine, MORSEL_EVENTS, Output, Progress, RunStats, Scheduler};
pub use error::ExecError;
pub use rask_io_root::Partition;
