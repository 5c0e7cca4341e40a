//! Integration tests of rask-reference, linked into one binary: what plans mean, before and
//! after optimisation, and hostile plans evaluated.

mod analysis;
/// The plan crate's fixtures (a NanoAOD-shaped source, four small events), shared, not copied.
#[path = "../../../plan/tests/it/common.rs"]
#[allow(dead_code)] // not every fixture is used here
mod common;
mod compute;
mod hostile;
mod properties;
