//! Integration tests of rask-core, linked into one binary.

mod atomic;
mod column;
mod kernels;
mod trig;
mod uhi_schema;
