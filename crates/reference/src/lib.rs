//! rask-reference: the reference interpreter, slow and obvious on purpose.
//!
//! It evaluates a plan of `rask-plan` on whole collections, one [`Value`] per event, with the
//! plainest algorithms ([`jagged`]), and is kept forever as the oracle of the rewrite rules (the
//! optimised plan must compute what the plan as built computes) and of the execution engine
//! (`rask-exec`, whose tests compare every kernel against it). Nothing here is fast, and nothing
//! fast depends on it: `rask-exec` uses it in tests only.
//!
//! The verbs come from the [`Reference`] trait on [`rask_plan::Expr`]:
//!
//! ```
//! use rask_plan::Context;
//! use rask_reference::{Data, NoSources, Reference, Value};
//! let ctx = Context::new();
//! let x = ctx.arange(5, 5)?;
//! let total = x.sum(None)?;
//! assert_eq!(total.compute(&NoSources)?, Data::Scalar(Value::I64(10)));
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

mod correction;
mod error;
mod file_reader;
pub mod interp;
pub mod jagged;
pub mod value;
mod verbs;

pub use error::{EvalError, ReadError};
pub use file_reader::FileReader;
pub use interp::{Data, MemoryReader, NoSources, RefHist, SourceReader};
pub use value::Value;
pub use verbs::{Reference, compute_many};
