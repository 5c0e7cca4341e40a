//! Integration tests of rask-exec, linked into one binary.

mod adl;
mod aggregates;
mod arrays;
mod cancel;
mod common;
mod corrections;
mod event_errors;
mod events;
mod hostile;
mod nearby;
mod pairs;
mod random_plans;
mod slicing;
mod sorting;
mod sql;
mod streaming;
mod sums;
mod variations;
mod vectors;
