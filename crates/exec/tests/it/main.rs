//! Integration tests of rask-exec, linked into one binary.

mod arrays;
mod adl;
