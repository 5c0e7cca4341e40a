//! `rask._rask.Expr`: one node of a plan, and the operations that add nodes after it. The Python
//! classes (`rask.Array`, `rask.Events`) wrap it and give it awkward's spellings.

use pyo3::exceptions::PyNotImplementedError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rask_plan::op::{BinaryOp, LorentzOp, Op, UnaryOp};
use rask_plan::{Context, Expr, Layout, Ty};

use crate::errors::{PlanError, plan_err};

/// A node of a plan.
#[pyclass(frozen, name = "Expr", module = "rask._rask")]
pub struct PyExpr(pub Expr);

/// An operand: a node, or a Python number or boolean (a literal of the node's plan).
#[derive(FromPyObject)]
pub enum Arg<'py> {
    Expr(PyRef<'py, PyExpr>),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Arg<'_> {
    /// The operand as a node of `ctx`.
    pub fn to_expr(&self, ctx: &Context) -> PyResult<Expr> {
        match self {
            Arg::Expr(e) => Ok(e.0.clone()),
            Arg::Bool(b) => ctx.literal(*b).map_err(plan_err),
            Arg::Int(i) => ctx.literal(*i).map_err(plan_err),
            Arg::Float(x) => ctx.literal(*x).map_err(plan_err),
        }
    }
}

fn unary(name: &str) -> PyResult<UnaryOp> {
    Ok(match name {
        "neg" => UnaryOp::Neg,
        "not" => UnaryOp::Not,
        "abs" => UnaryOp::Abs,
        "sqrt" => UnaryOp::Sqrt,
        "exp" => UnaryOp::Exp,
        "log" => UnaryOp::Log,
        "sin" => UnaryOp::Sin,
        "cos" => UnaryOp::Cos,
        "tan" => UnaryOp::Tan,
        "arctan" => UnaryOp::Arctan,
        "sinh" => UnaryOp::Sinh,
        "cosh" => UnaryOp::Cosh,
        "tanh" => UnaryOp::Tanh,
        "floor" => UnaryOp::Floor,
        "ceil" => UnaryOp::Ceil,
        "log10" => UnaryOp::Log10,
        "log2" => UnaryOp::Log2,
        "log1p" => UnaryOp::Log1p,
        "expm1" => UnaryOp::Expm1,
        "arcsin" => UnaryOp::Arcsin,
        "arccos" => UnaryOp::Arccos,
        "arcsinh" => UnaryOp::Arcsinh,
        "arccosh" => UnaryOp::Arccosh,
        "arctanh" => UnaryOp::Arctanh,
        "rint" => UnaryOp::Rint,
        "trunc" => UnaryOp::Trunc,
        "exp2" => UnaryOp::Exp2,
        "cbrt" => UnaryOp::Cbrt,
        "square" => UnaryOp::Square,
        "deg2rad" => UnaryOp::Deg2rad,
        "rad2deg" => UnaryOp::Rad2deg,
        "sign" => UnaryOp::Sign,
        other => {
            return Err(PyNotImplementedError::new_err(format!(
                "no rask operation '{other}'"
            )));
        }
    })
}

fn binary(name: &str) -> PyResult<BinaryOp> {
    Ok(match name {
        "add" => BinaryOp::Add,
        "sub" => BinaryOp::Sub,
        "mul" => BinaryOp::Mul,
        "div" => BinaryOp::Div,
        "fmod" => BinaryOp::Mod,
        "pow" => BinaryOp::Pow,
        "arctan2" => BinaryOp::Arctan2,
        "hypot" => BinaryOp::Hypot,
        "minimum" => BinaryOp::Minimum,
        "maximum" => BinaryOp::Maximum,
        "eq" => BinaryOp::Eq,
        "ne" => BinaryOp::Ne,
        "lt" => BinaryOp::Lt,
        "le" => BinaryOp::Le,
        "gt" => BinaryOp::Gt,
        "ge" => BinaryOp::Ge,
        "and" => BinaryOp::And,
        "or" => BinaryOp::Or,
        other => {
            return Err(PyNotImplementedError::new_err(format!(
                "no rask operation '{other}'"
            )));
        }
    })
}

/// The names of combination fields: given, or `"0"`, `"1"`, ...
fn names(n: u8, given: Option<Vec<String>>) -> PyResult<Vec<String>> {
    match given {
        None => Ok((0..n).map(|i| i.to_string()).collect()),
        Some(v) if v.len() == n as usize => Ok(v),
        Some(v) => Err(PlanError::new_err(format!(
            "{} field names for combinations of {n}",
            v.len()
        ))),
    }
}

/// What Python needs to know of a layout to dispatch: list depth, option, record fields.
fn describe_layout(layout: &Layout, out: &Bound<'_, PyDict>) -> PyResult<()> {
    out.set_item("depth", layout.depth())?;
    let mut inner = layout;
    let mut option = false;
    loop {
        match inner {
            Layout::List { item, .. } => inner = item,
            Layout::Option(item) => {
                option = true;
                inner = item;
            }
            _ => break,
        }
    }
    out.set_item("option", option || matches!(layout, Layout::Option(_)))?;
    match inner {
        Layout::Record(fields) => {
            let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
            out.set_item("record", true)?;
            out.set_item("fields", names)?;
        }
        Layout::Prim(d) => {
            out.set_item("record", false)?;
            out.set_item("dtype", d.name())?;
            out.set_item("fields", Vec::<String>::new())?;
        }
        _ => out.set_item("record", false)?,
    }
    Ok(())
}

impl PyExpr {
    /// `op` applied to this node alone.
    fn then(&self, op: Op) -> PyResult<PyExpr> {
        self.0
            .context()
            .add_op(op, &[&self.0])
            .map(PyExpr)
            .map_err(plan_err)
    }
}

#[pymethods]
impl PyExpr {
    /// `"events"`, `"array"`, `"scalar"` or `"hist"`, with the layout's depth, option, record
    /// fields and number type.
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        match self.0.ty() {
            Ty::Events { layout, .. } => {
                out.set_item("type", "events")?;
                describe_layout(&layout, &out)?;
            }
            Ty::Array { dtype, .. } => {
                out.set_item("type", "array")?;
                out.set_item("dtype", dtype.name())?;
                out.set_item("depth", 0)?;
                out.set_item("record", false)?;
            }
            Ty::Scalar(d) => {
                out.set_item("type", "scalar")?;
                out.set_item("dtype", d.name())?;
                out.set_item("depth", 0)?;
                out.set_item("record", false)?;
            }
            Ty::Hist { .. } => {
                out.set_item("type", "hist")?;
                out.set_item("record", false)?;
            }
        }
        Ok(out)
    }

    /// The expression as text (`events.Muon.pt`...).
    fn describe(&self) -> String {
        self.0.describe()
    }

    /// The type as text (`var * float64`...).
    fn type_text(&self) -> String {
        self.0.ty().describe()
    }

    /// The node's structural key (equal keys: the same computation).
    fn key(&self) -> String {
        self.0.key()
    }

    fn field(&self, name: &str) -> PyResult<PyExpr> {
        self.0.field(name).map(PyExpr).map_err(plan_err)
    }

    fn with_field(&self, name: &str, value: Arg<'_>) -> PyResult<PyExpr> {
        let value = value.to_expr(self.0.context())?;
        self.0
            .with_field(name, &value)
            .map(PyExpr)
            .map_err(plan_err)
    }

    fn mask(&self, mask: PyRef<'_, PyExpr>) -> PyResult<PyExpr> {
        self.0.mask(&mask.0).map(PyExpr).map_err(plan_err)
    }

    fn take(&self, index: PyRef<'_, PyExpr>) -> PyResult<PyExpr> {
        self.0.take(&index.0).map(PyExpr).map_err(plan_err)
    }

    /// Item `k` of every event's list (`x[:, k]`; negative from the end).
    fn index(&self, k: i64) -> PyResult<PyExpr> {
        let at = self
            .0
            .num()
            .and_then(|n| n.mul(0))
            .and_then(|z| z.add(k))
            .map_err(plan_err)?;
        self.0.take(&at).map(PyExpr).map_err(plan_err)
    }

    fn num(&self) -> PyResult<PyExpr> {
        self.0.num().map(PyExpr).map_err(plan_err)
    }

    fn local_index(&self) -> PyResult<PyExpr> {
        self.0.local_index().map(PyExpr).map_err(plan_err)
    }

    fn firsts(&self) -> PyResult<PyExpr> {
        self.0.firsts().map(PyExpr).map_err(plan_err)
    }

    fn flatten(&self) -> PyResult<PyExpr> {
        self.0.flatten().map(PyExpr).map_err(plan_err)
    }

    fn fill_none(&self, value: Arg<'_>) -> PyResult<PyExpr> {
        let r = match value {
            Arg::Bool(b) => self.0.fill_none(b),
            Arg::Int(i) => self.0.fill_none(i),
            Arg::Float(x) => self.0.fill_none(x),
            Arg::Expr(_) => return Err(PlanError::new_err("fill_none takes a number")),
        };
        r.map(PyExpr).map_err(plan_err)
    }

    fn sort(&self, ascending: bool) -> PyResult<PyExpr> {
        self.0.sort(ascending).map(PyExpr).map_err(plan_err)
    }

    fn argsort(&self, ascending: bool) -> PyResult<PyExpr> {
        self.0.argsort(ascending).map(PyExpr).map_err(plan_err)
    }

    fn argmin(&self, keepdims: bool) -> PyResult<PyExpr> {
        self.0.argmin(keepdims).map(PyExpr).map_err(plan_err)
    }

    fn argmax(&self, keepdims: bool) -> PyResult<PyExpr> {
        self.0.argmax(keepdims).map(PyExpr).map_err(plan_err)
    }

    /// A missing value as an empty list, a value as a list of one. `singletons(argmin(x))` is
    /// `argmin(x, keepdims=True)` (the same lists, one plan node fewer).
    fn singletons(&self) -> PyResult<PyExpr> {
        let input = self.0.inputs().into_iter().next();
        match (self.0.op(), input) {
            (Op::ArgMin { keepdims: false }, Some(x)) => x.argmin(true),
            (Op::ArgMax { keepdims: false }, Some(x)) => x.argmax(true),
            _ => self.0.singletons(),
        }
        .map(PyExpr)
        .map_err(plan_err)
    }

    /// The same expression over only the entries `start..stop` of its source (`events[a:b]`).
    #[pyo3(signature = (start, stop = None))]
    fn slice_entries(&self, start: u64, stop: Option<u64>) -> PyResult<PyExpr> {
        self.0
            .slice_entries(start, stop)
            .map(PyExpr)
            .map_err(plan_err)
    }

    /// Whether `other` has the same events as this expression (one value each of the same
    /// events: the same source, cuts and slices).
    fn same_events(&self, other: PyRef<'_, PyExpr>) -> bool {
        match (self.0.ty(), other.0.ty()) {
            (Ty::Events { rows: a, .. }, Ty::Events { rows: b, .. }) => a == b,
            _ => false,
        }
    }

    /// The paths of the sources this expression reads (files, or `memory:` tables).
    fn source_paths(&self) -> Vec<String> {
        let graph = self.0.context().graph();
        let mut paths = Vec::new();
        for id in graph.topo_order(&[self.0.node_id()]) {
            if let Op::Source(spec) = &graph.node(id).op {
                paths.extend(
                    spec.paths
                        .iter()
                        .filter(|p| !paths.contains(*p))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
            }
        }
        paths
    }

    /// Why positions in the files cannot slice this expression (`None` when they can: it is
    /// per event of its source, computed from per-event values only), read without I/O.
    fn why_not_per_source_event(&self) -> Option<String> {
        match self.0.source_of_events() {
            Ok(_) => None,
            Err(rask_plan::PlanError::Type { message, .. }) => Some(message),
            Err(e) => Some(e.to_string()),
        }
    }

    /// The number of events of the source this expression has one value each of (its files'
    /// entries, within any `events[a:b]`), or `None` after a cut (the message says why): what
    /// negative positions count back from.
    fn source_entries(&self, py: Python<'_>) -> PyResult<(Option<u64>, String)> {
        let (_, spec) = match self.0.source_of_events() {
            Ok(s) => s,
            Err(rask_plan::PlanError::Type { message, .. }) => return Ok((None, message)),
            Err(e) => return Err(plan_err(e)),
        };
        let paths: Vec<&str> = spec.paths.iter().map(String::as_str).collect();
        let total = py
            .detach(|| rask::io::EventSource::open(&paths, &spec.tree).map(|s| s.entries()))
            .map_err(|e| crate::errors::OpenError::new_err(e.to_string()))?;
        let within = spec.entries.clone().unwrap_or(0..u64::MAX);
        Ok((
            Some(within.end.min(total).saturating_sub(within.start)),
            String::new(),
        ))
    }

    /// The events at positions `start:stop` among those a cut kept (Python's slice rules),
    /// sliced from the computed values (`events[mask][a:b]`).
    #[pyo3(signature = (start, stop = None))]
    fn rows(&self, start: i64, stop: Option<i64>) -> PyResult<PyExpr> {
        self.0.rows(start, stop).map(PyExpr).map_err(plan_err)
    }

    fn concatenate(&self, other: PyRef<'_, PyExpr>) -> PyResult<PyExpr> {
        self.0.concatenate(&other.0).map(PyExpr).map_err(plan_err)
    }

    fn cast(&self, dtype: &str) -> PyResult<PyExpr> {
        let d = match dtype {
            "bool" => rask_plan::DType::Bool,
            "int32" => rask_plan::DType::I32,
            "int64" => rask_plan::DType::I64,
            "float32" => rask_plan::DType::F32,
            "float64" => rask_plan::DType::F64,
            other => return Err(PlanError::new_err(format!("no rask type '{other}'"))),
        };
        self.0.cast(d).map(PyExpr).map_err(plan_err)
    }

    fn unary(&self, op: &str) -> PyResult<PyExpr> {
        self.0.unary_op(unary(op)?).map(PyExpr).map_err(plan_err)
    }

    /// `self op other`, or `other op self` when `reflected`.
    #[pyo3(signature = (op, other, reflected = false))]
    fn binary(&self, op: &str, other: Arg<'_>, reflected: bool) -> PyResult<PyExpr> {
        let op = binary(op)?;
        let other = other.to_expr(self.0.context())?;
        let (a, b) = if reflected {
            (&other, &self.0)
        } else {
            (&self.0, &other)
        };
        a.binary_op(op, b).map(PyExpr).map_err(plan_err)
    }

    /// A reduction over everything (`axis=None`), per event (1) or per inner list (2).
    #[pyo3(signature = (op, axis = None))]
    fn reduce(&self, op: &str, axis: Option<u8>) -> PyResult<PyExpr> {
        let e = &self.0;
        match op {
            "sum" => e.sum(axis),
            "mean" => e.mean(axis),
            "min" => e.min(axis),
            "max" => e.max(axis),
            "count" => e.count(axis),
            "any" => e.any(axis),
            "all" => e.all(axis),
            other => {
                return Err(PyNotImplementedError::new_err(format!(
                    "no rask reduction '{other}'"
                )));
            }
        }
        .map(PyExpr)
        .map_err(plan_err)
    }

    #[pyo3(signature = (n, names = None))]
    fn combinations(&self, n: u8, names: Option<Vec<String>>) -> PyResult<PyExpr> {
        let names = self::names(n, names)?;
        self.then(Op::Combinations { n, names })
    }

    #[pyo3(signature = (n, names = None))]
    fn argcombinations(&self, n: u8, names: Option<Vec<String>>) -> PyResult<PyExpr> {
        let names = self::names(n, names)?;
        self.then(Op::ArgCombinations { n, names })
    }

    #[pyo3(signature = (other, names = None, nested = false))]
    fn cartesian(
        &self,
        other: PyRef<'_, PyExpr>,
        names: Option<Vec<String>>,
        nested: bool,
    ) -> PyResult<PyExpr> {
        let names = self::names(2, names)?;
        let op = if nested {
            Op::CartesianNested { names }
        } else {
            Op::Cartesian { names }
        };
        self.0
            .context()
            .add_op(op, &[&self.0, &other.0])
            .map(PyExpr)
            .map_err(plan_err)
    }

    /// A Lorentz-vector operation: `add`, `mass`, `pt`, `eta`, `phi` (of one record) or
    /// `delta_phi`, `delta_r`, `mt` (of two).
    #[pyo3(signature = (op, other = None))]
    fn lorentz(&self, op: &str, other: Option<PyRef<'_, PyExpr>>) -> PyResult<PyExpr> {
        let e = &self.0;
        let two = |f: fn(&Expr, &Expr) -> Result<Expr, rask_plan::PlanError>| match &other {
            Some(o) => f(e, &o.0).map_err(plan_err),
            None => Err(PlanError::new_err(format!("{op} takes another vector"))),
        };
        let one = |l: LorentzOp| e.context().add_op(Op::Lorentz(l), &[e]).map_err(plan_err);
        match op {
            "add" => two(Expr::p4_add),
            "delta_phi" => two(Expr::delta_phi),
            "delta_r" => two(Expr::delta_r),
            "mt" => two(Expr::mt),
            "mass" => e.p4_mass().map_err(plan_err),
            "pt" => e.p4_pt().map_err(plan_err),
            "eta" => one(LorentzOp::Eta),
            "phi" => one(LorentzOp::Phi),
            other => Err(PyNotImplementedError::new_err(format!(
                "no vector operation '{other}'"
            ))),
        }
        .map(PyExpr)
    }

    /// The plan before and after optimisation, as text.
    fn explain(&self) -> PyResult<String> {
        self.0.explain().map_err(plan_err)
    }

    /// Draws the plan (SVG, or DOT for a `.dot` path), before or after optimisation.
    #[pyo3(signature = (path, optimized = false))]
    fn visualize(&self, path: &str, optimized: bool) -> PyResult<()> {
        let path = std::path::Path::new(path);
        if optimized {
            self.0.visualize_optimized(path)
        } else {
            self.0.visualize(path)
        }
        .map_err(plan_err)
    }

    /// The branches each source must read for this expression.
    fn necessary_columns(&self) -> PyResult<std::collections::BTreeMap<String, Vec<String>>> {
        self.0.necessary_columns().map_err(plan_err)
    }

    fn __repr__(&self) -> String {
        format!("<rask {} : {}>", self.0.describe(), self.0.ty().describe())
    }
}
