//! The operations of the expression IR.

use std::fmt;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::SchemaRef;

use crate::key::Key;
use crate::types::{Axis, DType, Storage};

/// A literal value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Scalar {
    Bool(bool),
    I64(i64),
    F64(f64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I64(_) => DType::I64,
            Scalar::F64(_) => DType::F64,
        }
    }
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::I64(i) => i as f64,
            Scalar::F64(f) => f,
        }
    }
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::F64(v)
    }
}
impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Scalar::I64(v)
    }
}
impl From<i32> for Scalar {
    fn from(v: i32) -> Self {
        Scalar::I64(v as i64)
    }
}
impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

/// Element-wise functions of one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum UnaryOp {
    Neg,
    Not,
    Abs,
    Sqrt,
    Exp,
    Log,
    Sin,
    Cos,
    Tan,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Floor,
    Ceil,
    Log10,
    Log2,
    Log1p,
    Expm1,
    Arcsin,
    Arccos,
    Arcsinh,
    Arccosh,
    Arctanh,
    Rint,
    Trunc,
    Exp2,
    Cbrt,
    Square,
    Deg2rad,
    Rad2deg,
    /// -1, 0 or 1 by the sign (0 for ±0, NaN for NaN), as numpy's `sign`.
    Sign,
}

impl UnaryOp {
    /// The float function of this operation (`Not`, which is boolean, is the identity here).
    ///
    /// ```
    /// assert_eq!(rask_plan::UnaryOp::Sqrt.float_fn()(4.0), 2.0);
    /// ```
    pub fn float_fn(self) -> fn(f64) -> f64 {
        crate::with_unary_float_fn!(self, |f| f as fn(f64) -> f64)
    }
}

/// Element-wise functions of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// The remainder of `a / b` with the sign of `a` (C's `fmod`), computed in f64.
    Mod,
    Pow,
    Arctan2,
    Hypot,
    Minimum,
    Maximum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinaryOp {
    /// Whether `a op b == b op a`.
    pub fn is_commutative(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Add | Mul | Hypot | Minimum | Maximum | Eq | Ne | And | Or
        )
    }
    /// The comparison with swapped operands (`a < b` ⇔ `b > a`).
    pub fn swapped(self) -> Option<BinaryOp> {
        use BinaryOp::*;
        Some(match self {
            Lt => Gt,
            Le => Ge,
            Gt => Lt,
            Ge => Le,
            _ => return None,
        })
    }
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
    /// The operation on floats, for arithmetic (`None` for comparisons and logic): the one
    /// definition every evaluator uses. `minimum`/`maximum` propagate NaN (as numpy's do);
    /// `%` is C's `fmod` (the sign of `a`).
    ///
    /// ```
    /// use rask_plan::BinaryOp;
    /// assert_eq!(BinaryOp::Hypot.float_fn().map(|f| f(3.0, 4.0)), Some(5.0));
    /// assert!(BinaryOp::Minimum.float_fn().is_some_and(|f| f(1.0, f64::NAN).is_nan()));
    /// assert_eq!(BinaryOp::Mod.float_fn().map(|f| f(-7.0, 2.0)), Some(-1.0));
    /// assert!(BinaryOp::Lt.float_fn().is_none());
    /// ```
    pub fn float_fn(self) -> Option<fn(f64, f64) -> f64> {
        crate::with_binary_float_fn!(self, |f| Some(f as fn(f64, f64) -> f64), None)
    }
    pub fn symbol(self) -> Option<&'static str> {
        use BinaryOp::*;
        Some(match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Pow => "**",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "&",
            Or => "|",
            _ => return None,
        })
    }
}

/// Reductions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ReduceOp {
    Sum,
    Mean,
    Min,
    Max,
    Count,
    Any,
    All,
}

/// Lorentz-vector operations on records with `pt, eta, phi, mass` or with Cartesian
/// `px, py, pz, E` (`rask_core::kernels::vector_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LorentzOp {
    /// Sum of two vectors (a record `pt, eta, phi, mass`).
    Add,
    Mass,
    Pt,
    Eta,
    Phi,
    /// Δφ wrapped into [-π, π).
    DeltaPhi,
    DeltaR,
    /// Transverse mass of two objects with `pt, phi`: sqrt(2 pt₁ pt₂ (1 − cos Δφ)).
    Mt,
}

/// A source of events: files, tree and schema. Partitions are resolved at execution: the plan
/// never grows with the number of files.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceSpec {
    /// The name users see (`events`).
    pub label: String,
    pub paths: Vec<String>,
    pub tree: String,
    /// The branches (columns) of the files, with `rask.counter` metadata for jagged ones.
    pub schema: SchemaRef,
    /// The columns to read, set by projection pushdown (`None`: not decided yet).
    pub columns: Option<Vec<String>>,
    /// Columns constant within each file (a fileset's `dataset` and metadata), also in
    /// `schema` after the branches.
    pub file_columns: Option<Arc<rask_core::file_columns::FileColumns>>,
    /// Only these entries, numbered across the files in order (`events[a:b]`); `None`: all.
    pub entries: Option<std::ops::Range<u64>>,
}

impl SourceSpec {
    /// The name users see, with the entries it is sliced to: `events`, `events[10:20]`,
    /// `events[5:]`.
    pub fn display_name(&self) -> String {
        match &self.entries {
            Some(r) if r.end == u64::MAX => format!("{}[{}:]", self.label, r.start),
            Some(r) => format!("{}[{}:{}]", self.label, r.start, r.end),
            None => self.label.clone(),
        }
    }
}

/// An Arrow array embedded in the plan, identified by a digest of its contents.
#[derive(Clone)]
pub struct Embedded {
    pub array: ArrayRef,
    pub digest: Key,
}

impl fmt::Debug for Embedded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arrow({}, {})", self.array.len(), self.digest.token())
    }
}

impl PartialEq for Embedded {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}

/// The body of a fused node: a sub-plan over the fused node's inputs, run in one pass per partition.
#[derive(Clone, Debug, PartialEq)]
pub struct FusedBody {
    /// Operations in topological order; `inputs` index `FusedRef`s.
    pub ops: Vec<(Op, Vec<FusedRef>)>,
    /// Which body operation is the result.
    pub output: usize,
    /// The key each body operation had in the plan, and the keys of the fused node's inputs:
    /// evaluators type the body with them, so lineages inside the body are the plan's own (a
    /// persisted input and a value recomputed in the body line up).
    pub keys: Vec<Key>,
    pub input_keys: Vec<Key>,
}

impl FusedBody {
    /// The plan key of the body's operand `r`.
    pub fn key_of(&self, r: FusedRef) -> Key {
        match r {
            FusedRef::Input(k) => self.input_keys.get(k).copied().unwrap_or(Key(0)),
            FusedRef::Op(j) => self.keys.get(j).copied().unwrap_or(Key(0)),
        }
    }
}

/// An operand inside a fused body: one of the fused node's inputs, or an earlier body operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FusedRef {
    Input(usize),
    Op(usize),
}

/// Operations that stay in their process (arrays, corrections, persisted, fused) do not serialise.
mod unsent {
    use serde::{Deserializer, Serializer, de, ser};
    pub fn serialize<T, S: Serializer>(_: &T, _: S) -> Result<S::Ok, S::Error> {
        Err(ser::Error::custom("this operation is not sent to workers"))
    }
    pub fn deserialize<'de, T, D: Deserializer<'de>>(_: D) -> Result<T, D::Error> {
        Err(de::Error::custom("this operation is not sent to workers"))
    }
}

/// One operation of the IR.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    // Array sources (chunked like dask.array; each chunk generated inside its partition).
    RandomNormal {
        shape: Vec<u64>,
        chunks: Vec<u64>,
        seed: u64,
    },
    Full {
        shape: Vec<u64>,
        chunks: Vec<u64>,
        value: Scalar,
    },
    Arange {
        n: u64,
        chunks: u64,
    },
    FromArrow {
        #[serde(with = "unsent")]
        data: Embedded,
        chunks: u64,
    },
    Reshape {
        shape: Vec<u64>,
        chunks: Vec<u64>,
    },
    Transpose,
    // Event sources.
    Source(Arc<SourceSpec>),
    // Element-wise.
    Literal(Scalar),
    Unary(UnaryOp),
    Binary(BinaryOp),
    Where,
    Cast(DType),
    // Selection: `data[mask]` (array mask, event mask or jagged mask, by the mask's type).
    Mask,
    /// Events by position among those a cut kept (`events[mask][start:stop]`, Python's slice
    /// rules: negative positions count from the end, `stop` `None` to the end). Positions are
    /// known only when every partition has run, so the engine slices the computed result:
    /// everything after it must keep its events (fields, arithmetic, per-event reductions;
    /// see `rask_exec::Engine::compute_many`).
    Rows {
        start: i64,
        stop: Option<i64>,
    },
    // Reductions: arrays over all or one axis; events over everything (`None`) or per event (`Some(1)`).
    Reduce {
        op: ReduceOp,
        axis: Option<u8>,
    },
    // Records and jagged lists.
    Field(String),
    Zip(Vec<String>),
    WithField(String),
    Num,
    Combinations {
        n: u8,
        names: Vec<String>,
    },
    ArgCombinations {
        n: u8,
        names: Vec<String>,
    },
    Cartesian {
        names: Vec<String>,
    },
    /// For every element of the first list, the list of its pairs with the second
    /// (`ak.cartesian(nested=True)`): per event, a list per element of the first list.
    CartesianNested {
        names: Vec<String>,
    },
    ArgMin {
        keepdims: bool,
    },
    ArgMax {
        keepdims: bool,
    },
    Firsts,
    /// Per event, a missing value as an empty list and a value as a list of one
    /// (`ak.singletons`).
    Singletons,
    /// Missing optional values replaced by a default (`ak.fill_none`).
    FillNone(Scalar),
    LocalIndex,
    /// Items `start..stop` of every list (clipped to its length; no `stop`: to its end), as
    /// awkward's `x[:, start:stop]`. Made by the `list_slice` rule from masks on local indices
    /// (`x[local_index(x) == k]`); one run of items per list instead of a test per item.
    ListSlice {
        start: u32,
        stop: Option<u32>,
    },
    Concatenate,
    Flatten,
    Take,
    Sort {
        ascending: bool,
    },
    ArgSort {
        ascending: bool,
    },
    Lorentz(LorentzOp),
    /// A correction of a correctionlib file, element by element (f64 out).
    Correction(#[serde(with = "unsent")] Arc<crate::correction::CorrectionSpec>),
    /// A value computed by `persist()`, read from memory instead of recomputed.
    Cached(#[serde(with = "unsent")] Key),
    // Outputs.
    Hist {
        axes: Vec<Axis>,
        storage: Storage,
    },
    /// Histograms of the same axes side by side on one more axis, a string category per input
    /// (the `variation` axis of an analysis's systematics), appended after their axes.
    Stack {
        axis: Axis,
    },
    // Made by the fusion rule.
    Fused(#[serde(with = "unsent")] Arc<FusedBody>),
}

impl Op {
    /// The name part of keys (`greater`, `add`, `random_normal`, ...).
    pub fn name(&self) -> &'static str {
        use BinaryOp as B;
        match self {
            Op::RandomNormal { .. } => "random_normal",
            Op::Full { .. } => "full",
            Op::Arange { .. } => "arange",
            Op::FromArrow { .. } => "from_arrow",
            Op::Reshape { .. } => "reshape",
            Op::Transpose => "transpose",
            Op::Source(_) => "source",
            Op::Literal(_) => "literal",
            Op::Unary(u) => match u {
                UnaryOp::Neg => "negative",
                UnaryOp::Not => "invert",
                UnaryOp::Abs => "absolute",
                UnaryOp::Sqrt => "sqrt",
                UnaryOp::Exp => "exp",
                UnaryOp::Log => "log",
                UnaryOp::Sin => "sin",
                UnaryOp::Cos => "cos",
                UnaryOp::Tan => "tan",
                UnaryOp::Arctan => "arctan",
                UnaryOp::Sinh => "sinh",
                UnaryOp::Cosh => "cosh",
                UnaryOp::Tanh => "tanh",
                UnaryOp::Floor => "floor",
                UnaryOp::Ceil => "ceil",
                UnaryOp::Log10 => "log10",
                UnaryOp::Log2 => "log2",
                UnaryOp::Log1p => "log1p",
                UnaryOp::Expm1 => "expm1",
                UnaryOp::Arcsin => "arcsin",
                UnaryOp::Arccos => "arccos",
                UnaryOp::Arcsinh => "arcsinh",
                UnaryOp::Arccosh => "arccosh",
                UnaryOp::Arctanh => "arctanh",
                UnaryOp::Rint => "rint",
                UnaryOp::Trunc => "trunc",
                UnaryOp::Exp2 => "exp2",
                UnaryOp::Cbrt => "cbrt",
                UnaryOp::Square => "square",
                UnaryOp::Deg2rad => "deg2rad",
                UnaryOp::Rad2deg => "rad2deg",
                UnaryOp::Sign => "sign",
            },
            Op::Binary(b) => match b {
                B::Add => "add",
                B::Sub => "subtract",
                B::Mul => "multiply",
                B::Div => "divide",
                B::Mod => "fmod",
                B::Pow => "power",
                B::Arctan2 => "arctan2",
                B::Hypot => "hypot",
                B::Minimum => "minimum",
                B::Maximum => "maximum",
                B::Eq => "equal",
                B::Ne => "not_equal",
                B::Lt => "less",
                B::Le => "less_equal",
                B::Gt => "greater",
                B::Ge => "greater_equal",
                B::And => "and",
                B::Or => "or",
            },
            Op::Where => "where",
            Op::Cast(_) => "astype",
            Op::Mask => "getitem",
            Op::Reduce { op, .. } => match op {
                ReduceOp::Sum => "sum",
                ReduceOp::Mean => "mean",
                ReduceOp::Min => "min",
                ReduceOp::Max => "max",
                ReduceOp::Count => "count",
                ReduceOp::Any => "any",
                ReduceOp::All => "all",
            },
            Op::Field(_) => "field",
            Op::Zip(_) => "zip",
            Op::WithField(_) => "with_field",
            Op::Num => "num",
            Op::Combinations { .. } => "combinations",
            Op::ArgCombinations { .. } => "argcombinations",
            Op::Cartesian { .. } => "cartesian",
            Op::CartesianNested { .. } => "cartesian_nested",
            Op::ArgMin { .. } => "argmin",
            Op::ArgMax { .. } => "argmax",
            Op::Firsts => "firsts",
            Op::Singletons => "singletons",
            Op::FillNone(_) => "fill_none",
            Op::LocalIndex => "local_index",
            Op::ListSlice { .. } => "list_slice",
            Op::Concatenate => "concatenate",
            Op::Flatten => "flatten",
            Op::Take => "take",
            Op::Rows { .. } => "rows",
            Op::Sort { .. } => "sort",
            Op::ArgSort { .. } => "argsort",
            Op::Lorentz(l) => match l {
                LorentzOp::Add => "p4_add",
                LorentzOp::Mass => "p4_mass",
                LorentzOp::Pt => "p4_pt",
                LorentzOp::Eta => "p4_eta",
                LorentzOp::Phi => "p4_phi",
                LorentzOp::DeltaPhi => "delta_phi",
                LorentzOp::DeltaR => "delta_r",
                LorentzOp::Mt => "transverse_mass",
            },
            Op::Correction(_) => "correction",
            Op::Cached(_) => "persisted",
            Op::Hist { .. } => "histogram",
            Op::Stack { .. } => "stack",
            Op::Fused(_) => "fused",
        }
    }

    /// The parameters, as stable text for hashing into keys. A source's `columns` are left out:
    /// they are a physical detail set by projection pushdown, and leaving them out keeps every
    /// key (and so every lineage and persisted value) the same before and after optimisation.
    pub fn fingerprint(&self) -> String {
        match self {
            Op::Source(spec) => {
                let fields: Vec<String> = spec
                    .schema
                    .fields()
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}:{:?}",
                            f.name(),
                            f.data_type(),
                            f.metadata().get(rask_core::COUNTER_METADATA_KEY)
                        )
                    })
                    .collect();
                // Per-file values (a fileset's metadata: `xsec`) are part of what the source
                // means: a changed cross-section is another plan. Categories are in the fields.
                let per_file = spec.file_columns.as_ref().map(|fc| {
                    let cats: Vec<_> = fc.fields.iter().map(|f| f.metadata()).collect();
                    format!("|{:?}|{cats:?}", fc.values)
                });
                let entries = spec.entries.as_ref().map(|r| format!("|entries {r:?}"));
                format!(
                    "source|{}|{:?}|{}|{}{}{}",
                    spec.label,
                    spec.paths,
                    spec.tree,
                    fields.join(","),
                    per_file.unwrap_or_default(),
                    entries.unwrap_or_default(),
                )
            }
            other => format!("{other:?}"),
        }
    }

    /// Operations that work on each partition independently, element by element or event by
    /// event: the ones fusion may merge.
    pub fn is_per_partition(&self) -> bool {
        !matches!(
            self,
            Op::RandomNormal { .. }
                | Op::Full { .. }
                | Op::Arange { .. }
                | Op::FromArrow { .. }
                | Op::Source(_)
                | Op::Cached(_)
                | Op::Hist { .. }
                | Op::Stack { .. }
                | Op::Reshape { .. }
                | Op::Transpose
                | Op::Flatten
                | Op::Rows { .. }
        ) && !matches!(self, Op::Reduce { axis, .. } if !matches!(axis, Some(1) | Some(2)))
    }

    /// Whether the operation is a source (no inputs).
    pub fn is_source(&self) -> bool {
        matches!(
            self,
            Op::RandomNormal { .. }
                | Op::Full { .. }
                | Op::Arange { .. }
                | Op::FromArrow { .. }
                | Op::Source(_)
                | Op::Literal(_)
                | Op::Cached(_)
        )
    }
}
