//! rask-exec: lowering of optimised plans to DataFusion, operators, compute/persist, schedulers.
//!
//! Not built yet: this crate is the home of the execution issue. It is the only library crate
//! (with the `rask` facade) allowed to depend on DataFusion. Until it does, the workspace pins
//! the Arrow/Parquet version DataFusion 55.2 uses (59.2) so that adding it changes no versions.
