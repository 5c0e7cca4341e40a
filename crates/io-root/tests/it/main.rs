//! Integration tests of rask-io-root, linked into one binary.

mod bad_input;
mod big_file;
mod changing_files;
mod common;
mod expected;
mod fileset;
mod memory;
mod parquet_damage;
mod partitions;
mod read_speed;
mod seek64;
mod typed_errors;
mod types;
mod widths;
mod write;
