//! rask-exec: optimised plans run on DataFusion.
//!
//! [`Engine`] lowers the fused plan of `rask-plan` to a DataFusion `ExecutionPlan` whose
//! partitions are the plan's chunks ([`engine`]), evaluates each block with Arrow's vectorised
//! kernels ([`block`]), and merges partial reductions and histograms in partition order.
//! Schedulers: [`Scheduler::Sync`] (one thread) and [`Scheduler::Threads`].
//!
//! Today the engine runs array plans (the seed's examples); event plans are evaluated by the
//! reference interpreter of `rask-plan` until their jagged kernels are lowered here.

pub mod block;
pub mod engine;
pub mod error;
pub mod hist;

pub use engine::{Engine, Output, Scheduler};
pub use error::ExecError;
