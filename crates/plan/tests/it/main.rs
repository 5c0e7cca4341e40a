//! Integration tests of rask-plan, linked into one binary.

#[allow(dead_code)] // the small batch serves rask-reference's and rask-sql's tests
mod common;
mod errors;
mod facts;
mod remainder;
mod rules;
