//! The reference interpreter: values, jagged operations and the plan evaluator; slow, obvious, the test oracle.

pub mod interp;
pub mod jagged;
pub mod value;
