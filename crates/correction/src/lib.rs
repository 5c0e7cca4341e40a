//! correctionlib (schema v2) in Rust: correction files (scale factors, energy corrections,
//! smearings) loaded, validated and evaluated on whole columns, with the results of
//! correctionlib 2.9 (the CMS reference implementation) bit for bit.
//!
//! ```
//! use rask_correction::{Arg, CorrectionSet, Value};
//! let set = CorrectionSet::from_json(r#"{
//!   "schema_version": 2,
//!   "corrections": [{
//!     "name": "jet_sf", "version": 1,
//!     "inputs": [{"name": "pt", "type": "real"}, {"name": "eta", "type": "real"}],
//!     "output": {"name": "sf", "type": "real"},
//!     "data": {"nodetype": "multibinning", "inputs": ["pt", "eta"],
//!              "edges": [[20, 50, 1000], {"n": 2, "low": -2.5, "high": 2.5}],
//!              "content": [1.0, 1.1, 1.2, 1.3], "flow": "clamp"}}]}"#)?;
//! let sf = set.get("jet_sf")?;
//! let pt = [25.0, 60.0, 10.0];
//! let eta = [-1.0, 0.5, 3.0];
//! assert_eq!(sf.evaluate(&[Arg::Real(&pt), Arg::Real(&eta)], 3)?, vec![1.0, 1.3, 1.1]);
//! assert_eq!(sf.evaluate_one(&[Value::Real(25.0), Value::Real(0.0)])?, 1.1);
//! # Ok::<(), rask_correction::CorrectionError>(())
//! ```
//!
//! Argument types follow correctionlib's vectorised call: an int input takes ints, a real
//! input reals or ints (converted), a string input strings; an error names the correction,
//! the input and both types.
//!
//! How it is built (private modules):
//! - `json` reads the text as correctionlib's reader (rapidjson, normal precision, with
//!   `NaN`/`Infinity` literals) does — its numbers differ from correctly rounded parsing for
//!   about one 17-digit value in seven, and correctionlib's results use its numbers;
//!   `schema` is the file's model (serde for the correction set, typed node structs built
//!   with the place of every problem); `validate` checks names, types and lengths and builds
//!   the evaluator (`compound` for compound corrections);
//! - nodes are evaluated on selections of rows (`eval`): `edges` computes bin indices as
//!   correctionlib's `find_bin_idx` does, `binning` and `category` compute every row's child
//!   at once, then gather from a table (all children numbers), evaluate a generic formula
//!   shared by the children once with per-row parameters, or evaluate each child once on the
//!   rows that chose it; binnings (any flow but `wrap`) find the child through `lookup`: a
//!   code per axis (the upper bound over explicit edges, counted with AVX2 where the CPU has
//!   it) and one table over the axes' codes, worked out once by correctionlib's rules, so a
//!   morsel of rows is a code pass per axis and one gather; `formula` parses TFormula once
//!   and compiles it into a register program (shared subexpressions computed once) run over
//!   morsels of 1024 rows, calling the C library's math functions as correctionlib does;
//!   `hashprng` reproduces XXH64, pcg32 and libstdc++'s distributions bit for bit; outputs
//!   come from `buffer` (on huge pages when large, as numpy's arrays);
//! - `evaluate_one` walks the tree for one row; it also finds the first failing row when a
//!   column evaluation fails, so errors name the row correctionlib fails on.
//!
//! Untrusted files cannot make it panic, overflow the stack or allocate without bound: the
//! JSON text, its nesting, content-node nesting and formula nesting are bounded
//! ([`MAX_JSON_BYTES`], [`MAX_JSON_DEPTH`], [`MAX_NODE_DEPTH`], [`MAX_FORMULA_DEPTH`],
//! [`MAX_FORMULA_NESTING`]), and content lengths are checked against the edges before
//! anything is built from them.

#![warn(missing_docs)]

mod binning;
mod buffer;
mod category;
mod columns;
mod compound;
mod edges;
mod error;
mod eval;
mod evaluator;
mod formula;
mod hashprng;
mod json;
mod load;
mod lookup;
mod node;
mod schema;
mod set;
mod types;
mod validate;

pub use error::CorrectionError;
pub use evaluator::Evaluator;
pub use set::CorrectionSet;
pub use types::{Arg, Value, VarType, Variable};

/// The largest JSON text read (after decompression), in bytes: 1 GiB.
pub const MAX_JSON_BYTES: u64 = 1 << 30;

/// The deepest nesting of JSON objects and arrays read.
pub const MAX_JSON_DEPTH: usize = 256;

/// The deepest nesting of content nodes in a correction.
pub const MAX_NODE_DEPTH: usize = 64;

/// The deepest expression tree of a formula (`x+x+...+x` with 1000 terms is 1000 deep).
pub const MAX_FORMULA_DEPTH: usize = 1000;

/// The deepest nesting of parentheses, function calls, minus signs and `^` in a formula (the
/// parser recurses on these).
pub const MAX_FORMULA_NESTING: usize = 256;
