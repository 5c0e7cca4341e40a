//! The builder API: a [`Context`] owns the arena; an [`Expr`] is a handle to one node.
//!
//! Every method builds a node (nothing runs) and fails at once, with the expression in the user's
//! terms, when the operation does not fit its inputs. Operators return `Result` too:
//! `(&y + &z)?`.
//!
//! ```
//! use rask_plan::Context;
//! let ctx = Context::new();
//! let x = ctx.random_normal(&[1_000], &[100], 1)?;
//! let y = ctx.random_normal(&[1_000], &[100], 2)?;
//! let w = y.mask(&x.gt(0.0)?)?;
//! assert_eq!(w.key().split('-').next(), Some("getitem"));
//! # Ok::<(), rask_plan::PlanError>(())
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow_array::ArrayRef;
use arrow_schema::SchemaRef;

use crate::error::PlanError;
use crate::graph::{Graph, NodeId};
use crate::key::Key;
use crate::limits::Limits;
use crate::op::{BinaryOp, Embedded, Op, ReduceOp, Scalar, UnaryOp};
use crate::types::{Axis, Storage, Ty};

mod lorentz;

static NEXT_CONTEXT: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) graph: Graph,
    /// State other crates keep with this plan, one value per type.
    pub(crate) extensions: Extensions,
    /// Correction files read by `Context::correction`, by path as given.
    pub(crate) corrections: HashMap<String, crate::correction::LoadedFile>,
    /// What plans built here may ask for.
    pub(crate) limits: Limits,
}

/// State other crates keep with a context, one value per type (like DataFusion's
/// `SessionConfig` extensions): the reference interpreter keeps its persisted values here.
#[derive(Default)]
pub(crate) struct Extensions(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Extensions({} types)", self.0.len())
    }
}

/// Owns the expression arena shared by all expressions built from it.
#[derive(Clone, Debug)]
pub struct Context {
    shared: Arc<Mutex<Shared>>,
    id: u64,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

/// A lazy expression: a node of its context's plan.
#[derive(Clone, Debug)]
pub struct Expr {
    ctx: Context,
    id: NodeId,
}

/// The right operand of a binary operation: an expression or a number.
pub enum Operand<'a> {
    Expr(&'a Expr),
    Scalar(Scalar),
}

impl<'a> From<&'a Expr> for Operand<'a> {
    fn from(e: &'a Expr) -> Self {
        Operand::Expr(e)
    }
}
impl From<f64> for Operand<'_> {
    fn from(v: f64) -> Self {
        Operand::Scalar(Scalar::F64(v))
    }
}
impl From<i64> for Operand<'_> {
    fn from(v: i64) -> Self {
        Operand::Scalar(Scalar::I64(v))
    }
}
impl From<i32> for Operand<'_> {
    fn from(v: i32) -> Self {
        Operand::Scalar(Scalar::I64(v as i64))
    }
}
impl From<bool> for Operand<'_> {
    fn from(v: bool) -> Self {
        Operand::Scalar(Scalar::Bool(v))
    }
}

impl Context {
    /// A new, empty plan with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A new, empty plan whose histograms may be as large as `limits` allow.
    pub fn with_limits(limits: Limits) -> Self {
        Context {
            shared: Arc::new(Mutex::new(Shared {
                limits,
                ..Shared::default()
            })),
            id: NEXT_CONTEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The value of type `T` kept with this context, made with `T::default()` on first use.
    /// Other crates keep their per-plan state here (the reference interpreter its persisted
    /// values), so the plan crate need not know their types.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Notes(std::sync::Mutex<Vec<String>>);
    /// let ctx = rask_plan::Context::new();
    /// ctx.extension::<Notes>().0.lock().unwrap().push("seen".into());
    /// assert_eq!(ctx.extension::<Notes>().0.lock().unwrap().len(), 1);
    /// ```
    pub fn extension<T: Any + Default + Send + Sync>(&self) -> Arc<T> {
        let mut shared = self.lock();
        let slot = shared
            .extensions
            .0
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match Arc::clone(slot).downcast::<T>() {
            Ok(t) => t,
            // The map is keyed by the type id, so the value always has type `T`.
            Err(_) => Arc::new(T::default()),
        }
    }

    /// The limits checked while building.
    pub fn limits(&self) -> Limits {
        self.lock().limits
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        // A poisoned lock means a panic while building, which no code path here allows; recover the data.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the arena.
    pub fn graph(&self) -> Graph {
        self.lock().graph.clone()
    }

    pub(crate) fn add(&self, op: Op, inputs: Vec<NodeId>) -> Result<Expr, PlanError> {
        let id = self.lock().graph.add(op, inputs)?;
        Ok(self.expr_of(id))
    }

    /// The expression of node `id` of this context's arena (for who walks a plan, with
    /// [`Expr::op`] and [`Expr::inputs`]).
    pub fn expr_of(&self, id: NodeId) -> Expr {
        Expr {
            ctx: self.clone(),
            id,
        }
    }

    /// Normally distributed f64 values (mean 0, sd 1), generated chunk by chunk from `seed` and the
    /// chunk index, so results do not depend on scheduling.
    pub fn random_normal(
        &self,
        shape: &[u64],
        chunks: &[u64],
        seed: u64,
    ) -> Result<Expr, PlanError> {
        self.add(
            Op::RandomNormal {
                shape: shape.to_vec(),
                chunks: chunks.to_vec(),
                seed,
            },
            vec![],
        )
    }

    /// An array of `value`.
    pub fn full(
        &self,
        shape: &[u64],
        chunks: &[u64],
        value: impl Into<Scalar>,
    ) -> Result<Expr, PlanError> {
        self.add(
            Op::Full {
                shape: shape.to_vec(),
                chunks: chunks.to_vec(),
                value: value.into(),
            },
            vec![],
        )
    }

    /// An array of f64 ones.
    pub fn ones(&self, shape: &[u64], chunks: &[u64]) -> Result<Expr, PlanError> {
        self.full(shape, chunks, 1.0)
    }

    /// An array of f64 zeros.
    pub fn zeros(&self, shape: &[u64], chunks: &[u64]) -> Result<Expr, PlanError> {
        self.full(shape, chunks, 0.0)
    }

    /// `0, 1, ..., n-1` (int64).
    pub fn arange(&self, n: u64, chunks: u64) -> Result<Expr, PlanError> {
        self.add(Op::Arange { n, chunks }, vec![])
    }

    /// A 1-D array from Arrow data (identified by a digest of its values).
    pub fn from_arrow(&self, array: ArrayRef, chunks: u64) -> Result<Expr, PlanError> {
        let data = array.to_data();
        let mut parts: Vec<Vec<u8>> =
            vec![format!("{}:{}", array.data_type(), array.len()).into_bytes()];
        for b in data.buffers() {
            parts.push(b.as_slice().to_vec());
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let digest = Key::of(&refs);
        self.add(
            Op::FromArrow {
                data: Embedded { array, digest },
                chunks,
            },
            vec![],
        )
    }

    /// A literal number or boolean.
    pub fn literal(&self, value: impl Into<Scalar>) -> Result<Expr, PlanError> {
        self.add(Op::Literal(value.into()), vec![])
    }

    /// Events from `paths` (ROOT tree `tree`, or Parquet) with the given Arrow schema (as the
    /// readers report it, with `rask.counter` metadata). NanoAOD-style branches are grouped into
    /// collections: `events.field("Muon")?.field("pt")?` is the branch `Muon_pt`.
    pub fn source(
        &self,
        label: &str,
        paths: &[String],
        tree: &str,
        schema: SchemaRef,
    ) -> Result<Expr, PlanError> {
        self.add_source(label, paths, tree, schema, None)
    }

    /// Zips per-event lists of equal lengths (or per-event values) into records.
    pub fn zip(&self, fields: &[(&str, &Expr)]) -> Result<Expr, PlanError> {
        let names: Vec<String> = fields.iter().map(|(n, _)| n.to_string()).collect();
        let inputs = fields
            .iter()
            .map(|(_, e)| self.own(e))
            .collect::<Result<Vec<_>, _>>()?;
        self.add(Op::Zip(names), inputs)
    }

    /// `cond ? a : b`, element by element.
    pub fn where_<'a>(
        &self,
        cond: &Expr,
        a: impl Into<Operand<'a>>,
        b: impl Into<Operand<'a>>,
    ) -> Result<Expr, PlanError> {
        let c = self.own(cond)?;
        let a = self.operand(a.into())?;
        let b = self.operand(b.into())?;
        self.add(Op::Where, vec![c, a, b])
    }

    /// A histogram of `values` (one per axis, flattened if jagged), optionally weighted.
    pub fn hist(
        &self,
        axes: Vec<Axis>,
        storage: Storage,
        values: &[&Expr],
        weight: Option<&Expr>,
    ) -> Result<Expr, PlanError> {
        let mut inputs = values
            .iter()
            .map(|e| self.own(e))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(w) = weight {
            inputs.push(self.own(w)?);
        }
        let max_cells = self.limits().max_hist_cells;
        if let Err(message) = crate::limits::check_axes(&axes, max_cells) {
            let graph = &self.lock().graph;
            let values: Vec<String> = values.iter().map(|e| graph.describe(e.id)).collect();
            let labels: Vec<String> = axes
                .iter()
                .map(|a| a.label().to_string())
                .filter(|l| !l.is_empty())
                .map(|l| format!("{l:?}"))
                .collect();
            let labels = if labels.is_empty() {
                String::new()
            } else {
                format!(" [{}]", labels.join(", "))
            };
            return Err(PlanError::Hist {
                hist: format!("hist({}){labels}", values.join(", ")),
                message,
            });
        }
        // A number fills a string-category axis as a category code: only a coded column whose
        // categories are the axis's, in its order, means what the axis says.
        for (axis, value) in axes.iter().zip(values) {
            if let Axis::StrCategory { categories, label } = axis
                && value.categories().as_ref() != Some(categories)
            {
                return Err(PlanError::Type {
                    expr: value.describe(),
                    message: format!(
                        "fills the string-category axis {label:?}: it must be a coded column \
                         (a fileset's dataset or string metadata) with the axis's categories, \
                         in its order ({})",
                        value
                            .categories()
                            .map_or("it has none".to_string(), |c| format!("it has {c:?}"))
                    ),
                });
            }
        }
        self.add(Op::Hist { axes, storage }, inputs)
    }

    /// Adds `op` over `inputs` (expressions of this context), typed and hash-consed as every
    /// builder method does: the low-level way to rebuild a node with other inputs (as
    /// `rask-analysis`'s variations do).
    ///
    /// ```
    /// let ctx = rask_plan::Context::new();
    /// let x = ctx.arange(4, 2)?;
    /// let y = (&x + 1.0)?;
    /// let z = ctx.add_op(y.op(), &[&x.mul(2)?, &ctx.literal(1.0)?])?;
    /// assert_eq!(z.key(), (&x.mul(2)? + 1.0)?.key());
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn add_op(&self, op: Op, inputs: &[&Expr]) -> Result<Expr, PlanError> {
        let ids = inputs
            .iter()
            .map(|e| self.own(e))
            .collect::<Result<Vec<_>, _>>()?;
        self.add(op, ids)
    }

    pub(crate) fn own(&self, e: &Expr) -> Result<NodeId, PlanError> {
        if e.ctx.id != self.id {
            return Err(PlanError::ForeignExpr { expr: e.describe() });
        }
        Ok(e.id)
    }

    fn operand(&self, o: Operand<'_>) -> Result<NodeId, PlanError> {
        match o {
            Operand::Expr(e) => self.own(e),
            Operand::Scalar(s) => Ok(self.literal(s)?.id),
        }
    }
}

macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:expr),* $(,)?) => {
        $( $(#[$doc])* pub fn $name(&self) -> Result<Expr, PlanError> { self.unary($op) } )*
    };
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:expr),* $(,)?) => {
        $( $(#[$doc])* pub fn $name<'a>(&self, other: impl Into<Operand<'a>>) -> Result<Expr, PlanError> { self.binary($op, other.into()) } )*
    };
}

macro_rules! reduce_methods {
    ($($(#[$doc:meta])* $name:ident => $op:expr),* $(,)?) => {
        $( $(#[$doc])* pub fn $name(&self, axis: Option<u8>) -> Result<Expr, PlanError> { self.reduce($op, axis) } )*
    };
}

impl Expr {
    /// The context this expression belongs to.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The node in the context's arena.
    pub fn node_id(&self) -> NodeId {
        self.id
    }

    /// The deterministic name of this expression: `op-token`, e.g. `greater-3f2a…`.
    pub fn key(&self) -> String {
        self.ctx.lock().graph.name_of(self.id)
    }

    /// The type of the result.
    pub fn ty(&self) -> Ty {
        self.ctx.lock().graph.node(self.id).ty.clone()
    }

    /// The expression in the user's terms.
    pub fn describe(&self) -> String {
        self.ctx.lock().graph.describe(self.id)
    }

    fn then(&self, op: Op, mut inputs: Vec<NodeId>) -> Result<Expr, PlanError> {
        inputs.insert(0, self.id);
        self.ctx.add(op, inputs)
    }

    fn unary(&self, op: UnaryOp) -> Result<Expr, PlanError> {
        self.then(Op::Unary(op), vec![])
    }

    fn binary(&self, op: BinaryOp, other: Operand<'_>) -> Result<Expr, PlanError> {
        let other = self.ctx.operand(other)?;
        self.then(Op::Binary(op), vec![other])
    }

    /// An element-wise function by its operation (what the named methods call).
    pub fn unary_op(&self, op: UnaryOp) -> Result<Expr, PlanError> {
        self.unary(op)
    }

    /// An element-wise function of two operands by its operation.
    pub fn binary_op(&self, op: BinaryOp, other: &Expr) -> Result<Expr, PlanError> {
        self.binary(op, other.into())
    }

    fn reduce(&self, op: ReduceOp, axis: Option<u8>) -> Result<Expr, PlanError> {
        self.then(Op::Reduce { op, axis }, vec![])
    }

    binary_methods! {
        /// `self + other`.
        add => BinaryOp::Add,
        /// `self - other`.
        sub => BinaryOp::Sub,
        /// `self * other`.
        mul => BinaryOp::Mul,
        /// `self / other` (always f64: integers are converted, so `n / 0` is inf).
        div => BinaryOp::Div,
        /// `self % other`: the remainder with the sign of `self` (C's `fmod`), always f64
        /// (`n % 0` is NaN).
        rem => BinaryOp::Mod,
        /// `self ** other` (f64).
        pow => BinaryOp::Pow,
        /// `arctan2(self, other)`.
        arctan2 => BinaryOp::Arctan2,
        /// `hypot(self, other)`.
        hypot => BinaryOp::Hypot,
        /// Element-wise minimum.
        minimum => BinaryOp::Minimum,
        /// Element-wise maximum.
        maximum => BinaryOp::Maximum,
        /// `self == other`.
        eq => BinaryOp::Eq,
        /// `self != other`.
        ne => BinaryOp::Ne,
        /// `self < other`.
        lt => BinaryOp::Lt,
        /// `self <= other`.
        le => BinaryOp::Le,
        /// `self > other`.
        gt => BinaryOp::Gt,
        /// `self >= other`.
        ge => BinaryOp::Ge,
        /// `self & other` (booleans).
        and => BinaryOp::And,
        /// `self | other` (booleans).
        or => BinaryOp::Or,
    }

    unary_methods! {
        /// `-self`.
        neg => UnaryOp::Neg,
        /// `~self` (booleans).
        not => UnaryOp::Not,
        /// `|self|`.
        abs => UnaryOp::Abs,
        sqrt => UnaryOp::Sqrt,
        exp => UnaryOp::Exp,
        log => UnaryOp::Log,
        sin => UnaryOp::Sin,
        cos => UnaryOp::Cos,
        tan => UnaryOp::Tan,
        arctan => UnaryOp::Arctan,
        sinh => UnaryOp::Sinh,
        cosh => UnaryOp::Cosh,
        tanh => UnaryOp::Tanh,
        floor => UnaryOp::Floor,
        ceil => UnaryOp::Ceil,
        log10 => UnaryOp::Log10,
        log2 => UnaryOp::Log2,
        log1p => UnaryOp::Log1p,
        expm1 => UnaryOp::Expm1,
        arcsin => UnaryOp::Arcsin,
        arccos => UnaryOp::Arccos,
        arcsinh => UnaryOp::Arcsinh,
        arccosh => UnaryOp::Arccosh,
        arctanh => UnaryOp::Arctanh,
        rint => UnaryOp::Rint,
        trunc => UnaryOp::Trunc,
        exp2 => UnaryOp::Exp2,
        cbrt => UnaryOp::Cbrt,
        square => UnaryOp::Square,
        deg2rad => UnaryOp::Deg2rad,
        rad2deg => UnaryOp::Rad2deg,
        sign => UnaryOp::Sign,
    }

    reduce_methods! {
        /// Sum over everything (`None`), an array axis, or per event (`Some(1)`).
        sum => ReduceOp::Sum,
        /// Mean (f64).
        mean => ReduceOp::Mean,
        /// Minimum (per event: optional, missing for empty lists).
        min => ReduceOp::Min,
        /// Maximum (per event: optional, missing for empty lists).
        max => ReduceOp::Max,
        /// Number of elements.
        count => ReduceOp::Count,
        /// Whether any is true.
        any => ReduceOp::Any,
        /// Whether all are true.
        all => ReduceOp::All,
    }

    /// `self[mask]`: keeps array elements, events (a boolean per event) or list elements (a
    /// boolean per element) where `mask` is true.
    pub fn mask(&self, mask: &Expr) -> Result<Expr, PlanError> {
        let m = self.ctx.own(mask)?;
        self.then(Op::Mask, vec![m])
    }

    /// Transpose of a 2-D array.
    pub fn t(&self) -> Result<Expr, PlanError> {
        self.then(Op::Transpose, vec![])
    }

    /// The same values with another shape and chunking.
    pub fn reshape(&self, shape: &[u64], chunks: &[u64]) -> Result<Expr, PlanError> {
        self.then(
            Op::Reshape {
                shape: shape.to_vec(),
                chunks: chunks.to_vec(),
            },
            vec![],
        )
    }

    /// Converts the values to `dtype`.
    pub fn cast(&self, dtype: crate::types::DType) -> Result<Expr, PlanError> {
        self.then(Op::Cast(dtype), vec![])
    }

    /// A field of records (`events.field("Muon")`, `muons.field("pt")`).
    pub fn field(&self, name: &str) -> Result<Expr, PlanError> {
        self.then(Op::Field(name.to_string()), vec![])
            .map_err(|e| match e {
                PlanError::Type { expr, .. } => {
                    let names = match self.ty() {
                        Ty::Events { layout, .. } => layout.field_names(),
                        _ => Vec::new(),
                    };
                    let suggestions: Vec<String> =
                        rask_core::suggest::closest(name, names.iter().map(String::as_str))
                            .into_iter()
                            .map(str::to_string)
                            .collect();
                    PlanError::NoSuchField {
                        expr: expr.trim_end_matches(&format!(".{name}")).to_string(),
                        name: name.to_string(),
                        suggestions,
                    }
                }
                other => other,
            })
    }

    /// Records with one more field (`ak.with_field`).
    pub fn with_field(&self, name: &str, value: &Expr) -> Result<Expr, PlanError> {
        let v = self.ctx.own(value)?;
        self.then(Op::WithField(name.to_string()), vec![v])
    }

    /// Length of each event's list.
    pub fn num(&self) -> Result<Expr, PlanError> {
        self.then(Op::Num, vec![])
    }

    /// All i<j (<k) combinations per event, as records with fields `"0"`, `"1"` (, `"2"`).
    pub fn combinations(&self, n: u8) -> Result<Expr, PlanError> {
        self.then(
            Op::Combinations {
                n,
                names: default_names(n),
            },
            vec![],
        )
    }

    /// The indices of [`Expr::combinations`].
    pub fn argcombinations(&self, n: u8) -> Result<Expr, PlanError> {
        self.then(
            Op::ArgCombinations {
                n,
                names: default_names(n),
            },
            vec![],
        )
    }

    /// All pairs (self_i, other_j) per event.
    pub fn cartesian(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(
            Op::Cartesian {
                names: default_names(2),
            },
            vec![o],
        )
    }

    /// For every element of `self`, the list of its pairs with the elements of `other` in the same
    /// event (`ak.cartesian([self, other], nested=True)`); reduce the inner lists with
    /// `any(Some(2))` and friends.
    pub fn cartesian_nested(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(
            Op::CartesianNested {
                names: default_names(2),
            },
            vec![o],
        )
    }

    /// Index of the first minimum per event; with `keepdims` a list of 0 or 1 index.
    pub fn argmin(&self, keepdims: bool) -> Result<Expr, PlanError> {
        self.then(Op::ArgMin { keepdims }, vec![])
    }

    /// Index of the first maximum per event; with `keepdims` a list of 0 or 1 index.
    pub fn argmax(&self, keepdims: bool) -> Result<Expr, PlanError> {
        self.then(Op::ArgMax { keepdims }, vec![])
    }

    /// The first element of each list, missing for empty lists.
    pub fn firsts(&self) -> Result<Expr, PlanError> {
        self.then(Op::Firsts, vec![])
    }

    /// Per event, a missing value as an empty list and a value as a list of one item
    /// (`ak.singletons`): `singletons(firsts(x))` keeps the first item of each non-empty list.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// let item = Arc::new(Field::new("item", DataType::Float32, false));
    /// let schema = Schema::new(vec![Field::new("Jet_pt", DataType::List(item), false)]);
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &["a.root".into()], "Events", Arc::new(schema))?;
    /// let first = events.field("Jet_pt")?.firsts()?.singletons()?;
    /// assert_eq!(first.ty().describe(), "events * var * float32");
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn singletons(&self) -> Result<Expr, PlanError> {
        self.then(Op::Singletons, vec![])
    }

    /// Missing optional values replaced by `value` (`ak.fill_none`); non-optional values unchanged.
    pub fn fill_none(&self, value: impl Into<Scalar>) -> Result<Expr, PlanError> {
        self.then(Op::FillNone(value.into()), vec![])
    }

    /// `0..n` per event list.
    pub fn local_index(&self) -> Result<Expr, PlanError> {
        self.then(Op::LocalIndex, vec![])
    }

    /// Items `start..stop` of every list (`x[:, start:stop]`; clipped to each list's length, no
    /// `stop` meaning to its end): the two leading jets are `jets.list_slice(0, Some(2))`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
    /// let leading = events.field("Jet")?.field("pt")?.list_slice(0, Some(2))?;
    /// assert_eq!(leading.ty().describe(), "events * var * float32");
    /// # Ok::<(), rask_plan::PlanError>(())
    /// ```
    pub fn list_slice(&self, start: u32, stop: Option<u32>) -> Result<Expr, PlanError> {
        self.then(Op::ListSlice { start, stop }, vec![])
    }

    /// Per event, the elements of `self` then those of `other` (axis 1).
    pub fn concatenate(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(Op::Concatenate, vec![o])
    }

    /// Removes one level of lists (a flat array when there is one level).
    pub fn flatten(&self) -> Result<Expr, PlanError> {
        self.then(Op::Flatten, vec![])
    }

    /// `self[index]` per event with integer (lists of) indices.
    pub fn take(&self, index: &Expr) -> Result<Expr, PlanError> {
        let i = self.ctx.own(index)?;
        self.then(Op::Take, vec![i])
    }

    /// Each list sorted.
    pub fn sort(&self, ascending: bool) -> Result<Expr, PlanError> {
        self.then(Op::Sort { ascending }, vec![])
    }

    /// The indices that sort each list.
    pub fn argsort(&self, ascending: bool) -> Result<Expr, PlanError> {
        self.then(Op::ArgSort { ascending }, vec![])
    }
}

fn default_names(n: u8) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

macro_rules! operator {
    ($trait:ident, $method:ident, $op:expr) => {
        impl std::ops::$trait<&Expr> for &Expr {
            type Output = Result<Expr, PlanError>;
            fn $method(self, rhs: &Expr) -> Self::Output {
                self.binary($op, Operand::Expr(rhs))
            }
        }
        impl std::ops::$trait<f64> for &Expr {
            type Output = Result<Expr, PlanError>;
            fn $method(self, rhs: f64) -> Self::Output {
                self.binary($op, Operand::Scalar(Scalar::F64(rhs)))
            }
        }
        impl std::ops::$trait<&Expr> for Expr {
            type Output = Result<Expr, PlanError>;
            fn $method(self, rhs: &Expr) -> Self::Output {
                self.binary($op, Operand::Expr(rhs))
            }
        }
        impl std::ops::$trait<f64> for Expr {
            type Output = Result<Expr, PlanError>;
            fn $method(self, rhs: f64) -> Self::Output {
                self.binary($op, Operand::Scalar(Scalar::F64(rhs)))
            }
        }
    };
}

operator!(Add, add, BinaryOp::Add);
operator!(Sub, sub, BinaryOp::Sub);
operator!(Mul, mul, BinaryOp::Mul);
operator!(Div, div, BinaryOp::Div);
operator!(Rem, rem, BinaryOp::Mod);
operator!(BitAnd, bitand, BinaryOp::And);
operator!(BitOr, bitor, BinaryOp::Or);

impl std::ops::Neg for &Expr {
    type Output = Result<Expr, PlanError>;
    fn neg(self) -> Self::Output {
        self.unary(UnaryOp::Neg)
    }
}

impl std::ops::Not for &Expr {
    type Output = Result<Expr, PlanError>;
    fn not(self) -> Self::Output {
        self.unary(UnaryOp::Not)
    }
}
