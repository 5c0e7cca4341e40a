//! Integration tests of rask-sql, linked into one binary.

/// The plan crate's fixtures (a NanoAOD-shaped source, four small events), shared, not copied.
#[path = "../../../plan/tests/it/common.rs"]
#[allow(dead_code)] // the SQL tests use some of the fixtures
mod common;
mod count;
mod fuzz;
mod hostile;
mod opener;
