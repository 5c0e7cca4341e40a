//! Integration tests of rask-agc, linked into one binary.

mod plan;
