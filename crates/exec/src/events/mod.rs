//! Event plans on the engine: a partition's branches become [`rask_core::column::Col`]
//! columns ([`source`]), every node is evaluated once on them ([`eval`]) with element-wise work
//! broadcast by structure ([`broadcast`]) and jagged work done by `rask_core::kernels`; what
//! fails is an [`error::EventError`].

pub mod best;
pub mod broadcast;
mod chain;
pub mod correction;
mod cut;
pub mod demand;
pub mod error;
pub mod eval;
mod gather;
pub mod nearby;
pub mod pairs;
mod pick;
mod planned;
pub mod source;
pub mod sums;
pub mod vector;
