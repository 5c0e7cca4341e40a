//! [`Evaluator`]: one correction or compound correction, its arguments checked and evaluated
//! on whole columns (or one row).

use std::borrow::Cow;

use crate::columns::{Column, Sel};
use crate::compound::Compound;
use crate::error::CorrectionError;
use crate::eval::{EvalError, eval_node, eval_one};
use crate::node::Node;
use crate::types::{Arg, Value, VarType, Variable};

/// One correction or compound correction, ready to evaluate. Cheap to share across threads
/// (it is `Send + Sync`; [`CorrectionSet::get`](crate::CorrectionSet::get) hands out `Arc`s).
///
/// ```
/// use rask_correction::{Arg, CorrectionSet, Value};
/// let set = CorrectionSet::from_json(r#"{"schema_version": 2, "corrections": [{
///   "name": "sf", "version": 1,
///   "inputs": [{"name": "pt", "type": "real"}], "output": {"name": "w", "type": "real"},
///   "data": {"nodetype": "binning", "input": "pt", "edges": [0, 20, 50],
///            "content": [1.1, 0.9], "flow": "clamp"}}]}"#)?;
/// let sf = set.get("sf")?;
/// assert_eq!(sf.evaluate(&[Arg::Real(&[10.0, 20.0, 70.0])], 3)?, vec![1.1, 0.9, 0.9]);
/// assert_eq!(sf.evaluate_one(&[Value::Real(5.0)])?, 1.1);
/// # Ok::<(), rask_correction::CorrectionError>(())
/// ```
#[derive(Debug)]
pub struct Evaluator {
    name: String,
    description: String,
    version: i64,
    inputs: Vec<Variable>,
    output: Variable,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Correction(Node),
    Compound(Compound),
}

impl Evaluator {
    pub(crate) fn correction(
        name: String,
        description: String,
        version: i64,
        inputs: Vec<Variable>,
        output: Variable,
        root: Node,
    ) -> Evaluator {
        Evaluator {
            name,
            description,
            version,
            inputs,
            output,
            kind: Kind::Correction(root),
        }
    }

    pub(crate) fn compound(
        name: String,
        description: String,
        inputs: Vec<Variable>,
        output: Variable,
        compound: Compound,
    ) -> Evaluator {
        Evaluator {
            name,
            description,
            version: 0,
            inputs,
            output,
            kind: Kind::Compound(compound),
        }
    }

    /// The correction's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its description (empty when the file gives none).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Its version; 0 for a compound correction (which has none in correctionlib).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Its inputs, in argument order.
    pub fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    /// Its output (always real).
    pub fn output(&self) -> &Variable {
        &self.output
    }

    /// Whether this is a compound correction.
    pub fn is_compound(&self) -> bool {
        matches!(self.kind, Kind::Compound(_))
    }

    /// `pt (real), syst (string)`.
    fn signature(&self) -> String {
        self.inputs
            .iter()
            .map(|v| format!("{} ({})", v.name, v.ty))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn check_count(&self, given: usize) -> Result<(), CorrectionError> {
        if given == self.inputs.len() {
            return Ok(());
        }
        Err(CorrectionError::ArgCount {
            correction: self.name.clone(),
            expected: self.inputs.len(),
            given,
            signature: self.signature(),
        })
    }

    fn type_error(&self, var: &Variable, given: &str) -> CorrectionError {
        CorrectionError::ArgType {
            correction: self.name.clone(),
            input: var.name.clone(),
            expected: var.ty,
            given: given.to_string(),
        }
    }

    /// The arguments as columns, type- and length-checked.
    fn columns<'a>(
        &self,
        args: &[Arg<'a>],
        len: usize,
    ) -> Result<Vec<Column<'a>>, CorrectionError> {
        self.check_count(args.len())?;
        let mut cols = Vec::with_capacity(args.len());
        for (arg, var) in args.iter().zip(&self.inputs) {
            let n = match arg {
                Arg::Real(v) => Some(v.len()),
                Arg::Int(v) => Some(v.len()),
                Arg::Str(v) => Some(v.len()),
                _ => None,
            };
            if let Some(n) = n.filter(|&n| n != len) {
                return Err(CorrectionError::ArgLength {
                    correction: self.name.clone(),
                    input: var.name.clone(),
                    expected: len,
                    given: n,
                });
            }
            cols.push(match (var.ty, *arg) {
                (VarType::Real, Arg::Real(v)) => Column::Real(Cow::Borrowed(v)),
                (VarType::Real, Arg::RealConst(x)) => Column::RealConst(x),
                (VarType::Real, Arg::Int(v)) => {
                    Column::Real(Cow::Owned(v.iter().map(|&i| i as f64).collect()))
                }
                (VarType::Real, Arg::IntConst(i)) => Column::RealConst(i as f64),
                (VarType::Int, Arg::Int(v)) => Column::Int(Cow::Borrowed(v)),
                (VarType::Int, Arg::IntConst(i)) => Column::IntConst(i),
                (VarType::String, Arg::Str(v)) => Column::Str(Cow::Borrowed(v)),
                (VarType::String, Arg::StrConst(s)) => Column::StrConst(s),
                (_, other) => return Err(self.type_error(var, other.describe())),
            });
        }
        Ok(cols)
    }

    /// The values, type-checked (ints given to real inputs converted).
    fn row<'a>(&self, values: &[Value<'a>]) -> Result<Vec<Value<'a>>, CorrectionError> {
        self.check_count(values.len())?;
        values
            .iter()
            .zip(&self.inputs)
            .map(|(v, var)| match (var.ty, *v) {
                (VarType::Real, Value::Real(x)) => Ok(Value::Real(x)),
                (VarType::Real, Value::Int(i)) => Ok(Value::Real(i as f64)),
                (VarType::Int, Value::Int(i)) => Ok(Value::Int(i)),
                (VarType::String, Value::Str(s)) => Ok(Value::Str(s)),
                (_, other) => Err(self.type_error(var, other.describe())),
            })
            .collect()
    }

    /// Evaluates `len` rows; each argument is a column of `len` values or a constant for every
    /// row. An error names the first row (0-based) that fails, as correctionlib's vectorised
    /// call fails on it.
    ///
    /// ```
    /// use rask_correction::{Arg, CorrectionSet};
    /// let set = CorrectionSet::from_json(r#"{"schema_version": 2, "corrections": [{
    ///   "name": "sf", "version": 1,
    ///   "inputs": [{"name": "pt", "type": "real"}, {"name": "syst", "type": "string"}],
    ///   "output": {"name": "w", "type": "real"},
    ///   "data": {"nodetype": "category", "input": "syst", "content": [
    ///     {"key": "nominal", "value": {"nodetype": "formula", "expression": "1 + 0.01*x",
    ///      "parser": "TFormula", "variables": ["pt"]}},
    ///     {"key": "up", "value": 1.5}]}}]}"#)?;
    /// let sf = set.get("sf")?;
    /// let out = sf.evaluate(&[Arg::Real(&[10.0, 30.0]), Arg::StrConst("nominal")], 2)?;
    /// assert_eq!(out, vec![1.1, 1.3]);
    /// assert!(sf.evaluate(&[Arg::Real(&[10.0]), Arg::StrConst("down")], 1).is_err());
    /// # Ok::<(), rask_correction::CorrectionError>(())
    /// ```
    pub fn evaluate(&self, args: &[Arg<'_>], len: usize) -> Result<Vec<f64>, CorrectionError> {
        let cols = self.columns(args, len)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        match self.run_columns(&cols, len) {
            Ok(v) => Ok(v),
            Err(err) => {
                // The first failing row, by the scalar path (the column path groups rows).
                let mut vals = Vec::with_capacity(cols.len());
                for row in 0..len {
                    vals.clear();
                    vals.extend(cols.iter().map(|c| c.value_at(row)));
                    self.run_one(&vals, row)?;
                }
                Err(err)
            }
        }
    }

    /// Evaluates one row.
    ///
    /// ```
    /// use rask_correction::{CorrectionSet, Value};
    /// let set = CorrectionSet::from_json(r#"{"schema_version": 2, "corrections": [{
    ///   "name": "f", "version": 1, "inputs": [{"name": "x", "type": "real"}],
    ///   "output": {"name": "y", "type": "real"},
    ///   "data": {"nodetype": "formula", "expression": "2^x", "parser": "TFormula",
    ///            "variables": ["x"]}}]}"#)?;
    /// assert_eq!(set.get("f")?.evaluate_one(&[Value::Real(3.0)])?, 8.0);
    /// # Ok::<(), rask_correction::CorrectionError>(())
    /// ```
    pub fn evaluate_one(&self, values: &[Value<'_>]) -> Result<f64, CorrectionError> {
        let vals = self.row(values)?;
        self.run_one(&vals, 0)
    }

    /// The column path on checked columns (an error's row is not necessarily the first).
    pub(crate) fn run_columns(
        &self,
        cols: &[Column<'_>],
        len: usize,
    ) -> Result<Vec<f64>, CorrectionError> {
        match &self.kind {
            Kind::Correction(root) => {
                let mut out = crate::buffer::zeroed(len);
                eval_node(root, cols, Sel::Range(0, len), &mut out)
                    .map_err(|e| self.eval_error(e, 0))?;
                Ok(out)
            }
            Kind::Compound(c) => c.run_columns(cols, len),
        }
    }

    /// The scalar path on checked values of row `row`.
    pub(crate) fn run_one(&self, vals: &[Value<'_>], row: usize) -> Result<f64, CorrectionError> {
        match &self.kind {
            Kind::Correction(root) => eval_one(root, vals).map_err(|e| self.eval_error(e, row)),
            Kind::Compound(c) => c.run_one(vals, row),
        }
    }

    fn input_name(&self, i: usize) -> String {
        self.inputs
            .get(i)
            .map_or_else(String::new, |v| v.name.clone())
    }

    fn eval_error(&self, e: EvalError, row: usize) -> CorrectionError {
        match e {
            EvalError::OutOfRange {
                input,
                value,
                above,
            } => CorrectionError::OutOfRange {
                correction: self.name.clone(),
                input: self.input_name(input),
                value,
                above,
                row,
            },
            EvalError::CategoryMiss { input, value } => CorrectionError::CategoryMiss {
                correction: self.name.clone(),
                input: self.input_name(input),
                value,
                row,
            },
            EvalError::Unevaluable { input, value, what } => CorrectionError::Evaluation {
                correction: self.name.clone(),
                input: self.input_name(input),
                value,
                what: what.to_string(),
                row,
            },
        }
    }
}
