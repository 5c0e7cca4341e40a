//! Integration tests of rask-core, linked into one binary.

mod atomic;
mod column;
mod combinations;
mod kernels;
mod trig;
mod uhi_schema;
