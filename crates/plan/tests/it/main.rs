//! Integration tests of rask-plan, linked into one binary.

mod common;
mod compute;
mod facts;
mod hostile;
mod properties;
mod rules;
