//! The public value types: a correction's variables and the arguments it is evaluated on.

use std::fmt;

/// The type of a correction input or output, as correctionlib names it (`"real"`, `"int"`,
/// `"string"`).
///
/// ```
/// use rask_correction::VarType;
/// assert_eq!(VarType::Real.to_string(), "real");
/// assert_eq!(VarType::Int.to_string(), "int");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarType {
    /// A double-precision floating point value.
    Real,
    /// A 64-bit signed integer.
    Int,
    /// A string.
    String,
}

impl VarType {
    /// correctionlib's name of the type: `"real"`, `"int"` or `"string"`.
    ///
    /// ```
    /// assert_eq!(rask_correction::VarType::String.name(), "string");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            VarType::Real => "real",
            VarType::Int => "int",
            VarType::String => "string",
        }
    }

    /// The type named `name` in a correction file, if it is one.
    pub(crate) fn parse(name: &str) -> Option<VarType> {
        match name {
            "real" => Some(VarType::Real),
            "int" => Some(VarType::Int),
            "string" => Some(VarType::String),
            _ => None,
        }
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An input or output variable of a correction.
///
/// ```
/// let set = rask_correction::CorrectionSet::from_json(r#"{"schema_version": 2, "corrections": [
///   {"name": "sf", "version": 1, "inputs": [{"name": "pt", "type": "real", "description": "jet pt"}],
///    "output": {"name": "w", "type": "real"}, "data": 1.0}]}"#)?;
/// let ev = set.get("sf")?;
/// assert_eq!(ev.inputs()[0].name, "pt");
/// assert_eq!(ev.inputs()[0].ty, rask_correction::VarType::Real);
/// assert_eq!(ev.inputs()[0].description, "jet pt");
/// # Ok::<(), rask_correction::CorrectionError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The variable's name.
    pub name: String,
    /// Its type.
    pub ty: VarType,
    /// Its description (empty when the file gives none).
    pub description: String,
}

/// One argument of [`Evaluator::evaluate`](crate::Evaluator::evaluate): a column with one value
/// per row, or a constant for every row.
///
/// A real input takes `Real`/`RealConst` and also `Int`/`IntConst` (converted to f64, as
/// correctionlib's vectorised call converts integer arrays); an int input takes only
/// `Int`/`IntConst`; a string input only `Str`/`StrConst`.
///
/// ```
/// use rask_correction::Arg;
/// let pt = [25.0, 40.0];
/// let args = [Arg::Real(&pt), Arg::StrConst("nominal")];
/// # let _ = args;
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    /// One real value per row.
    Real(&'a [f64]),
    /// One integer per row.
    Int(&'a [i64]),
    /// One string per row.
    Str(&'a [&'a str]),
    /// The same real value for every row.
    RealConst(f64),
    /// The same integer for every row.
    IntConst(i64),
    /// The same string for every row.
    StrConst(&'a str),
}

impl Arg<'_> {
    /// How the argument reads in messages: `"real column"`, `"string constant"`, ...
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Arg::Real(_) => "a real column",
            Arg::Int(_) => "an int column",
            Arg::Str(_) => "a string column",
            Arg::RealConst(_) => "a real constant",
            Arg::IntConst(_) => "an int constant",
            Arg::StrConst(_) => "a string constant",
        }
    }
}

/// One input value of [`Evaluator::evaluate_one`](crate::Evaluator::evaluate_one).
///
/// A real input takes `Real` and `Int` (converted to f64); an int input only `Int`; a string
/// input only `Str`.
///
/// ```
/// use rask_correction::Value;
/// let row = [Value::Real(31.5), Value::Int(5), Value::Str("nominal")];
/// # let _ = row;
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A real value.
    Real(f64),
    /// An integer.
    Int(i64),
    /// A string.
    Str(&'a str),
}

impl Value<'_> {
    /// How the value's type reads in messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Value::Real(_) => "a real value",
            Value::Int(_) => "an int value",
            Value::Str(_) => "a string",
        }
    }

    /// The value as a real number (ints converted as C++ `static_cast<double>` does); strings
    /// give NaN (never asked for: inputs are type-checked first).
    pub(crate) fn as_real(&self) -> f64 {
        match self {
            Value::Real(v) => *v,
            Value::Int(i) => *i as f64,
            Value::Str(_) => f64::NAN,
        }
    }
}
