//! rask-plan: the lazy expression plan.
//!
//! Users build expressions with the [`Context`]/[`Expr`] builder API; each operation adds a
//! typed, hash-consed node to an arena ([`Graph`]) and nothing runs. [`rules::optimize`] rewrites
//! the plan (cull, CSE, projection pushdown to a fixed point, then fusion); [`explain`] and
//! [`explain::visualize`] show it. Plans are run by the engine (crate `rask-exec`) and, slowly and
//! obviously, by the reference interpreter that is its oracle (crate `rask-reference`).
//!
//! ```
//! use rask_plan::Context;
//! let ctx = Context::new();
//! let x = ctx.random_normal(&[10_000], &[1_000], 1)?;
//! let y = ctx.random_normal(&[10_000], &[1_000], 2)?;
//! let z = ctx.random_normal(&[10_000], &[1_000], 3)?;
//! let a = (&y.mask(&x.gt(0.0)?)? + &z.mask(&x.gt(0.0)?)?)?; // `x > 0` is one node
//! let pos = x.gt(0.0)?;
//! let b = (&y.mask(&pos)? + &z.mask(&pos)?)?;
//! assert_eq!(a.key(), b.key());
//! # Ok::<(), rask_plan::PlanError>(())
//! ```
//!
//! This crate knows nothing of DataFusion.

pub mod arith;
pub mod correction;
pub mod error;
pub mod explain;
pub mod expr;
mod fileset;
mod float_fns;
pub mod graph;
pub mod key;
pub mod limits;
pub mod names;
pub mod op;
pub mod rules;
mod slice;
pub mod types;
pub mod typing;
mod verbs;

pub use error::PlanError;
pub use expr::{Context, Expr, Operand};
pub use graph::{Graph, Node, NodeId};
pub use key::Key;
pub use op::{BinaryOp, LorentzOp, Op, ReduceOp, Scalar, SourceSpec, UnaryOp};
pub use rules::{Optimized, Plan, optimize};
pub use slice::{RowSlice, rows_range};
pub use types::{Axis, DType, Layout, Storage, Ty};
