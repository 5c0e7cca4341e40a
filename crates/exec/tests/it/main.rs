//! Integration tests of rask-exec, linked into one binary.

mod adl;
mod arrays;
mod common;
mod corrections;
mod events;
mod hostile;
mod sql;
