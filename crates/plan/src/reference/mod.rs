//! The reference interpreter: values, jagged operations and the plan evaluator; slow, obvious, the test oracle.

mod arith;
mod correction;
pub mod interp;
pub mod jagged;
pub mod value;

pub use arith::{checked_integer, integer_overflow, integer_overflow_unary};
