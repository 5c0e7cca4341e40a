//! Integration tests of rask-io-root, linked into one binary.

mod bad_input;
mod big_file;
mod common;
mod expected;
mod partitions;
mod types;
