//! One value of the reference interpreter, with small accessors, awkward-like printing and
//! a bit-exact comparison for checking other engines against this one.
//!
//! A *collection* (see [`super::jagged`]) is a slice `&[Value]` holding one `Value` per event.
//! An *optional* value is written as a `List` of length 0 (missing) or 1 (present): the
//! reference interpreter has no separate option type.

use std::fmt;

/// One value of the reference interpreter: one event's field, a list element, a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    F64(f64),
    I64(i64),
    Bool(bool),
    List(Vec<Value>),
    /// Ordered named fields.
    Record(Vec<(String, Value)>),
}

/// What went wrong in a [`Value`] accessor: the value had the wrong kind, or a record lacked
/// a field. [`super::jagged`] wraps it into its own error with the operation and event index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// Expected one kind of value (e.g. `"number"`, `"list"`), found another (see [`Value::kind`]).
    WrongKind {
        expected: &'static str,
        found: &'static str,
    },
    /// A record has no field of this name.
    MissingField { name: String },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::WrongKind { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ValueError::MissingField { name } => write!(f, "record has no field {name:?}"),
        }
    }
}

impl std::error::Error for ValueError {}

impl Value {
    /// The kind's name, for error messages: `"f64"`, `"i64"`, `"bool"`, `"list"` or `"record"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::F64(_) => "f64",
            Value::I64(_) => "i64",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Record(_) => "record",
        }
    }

    /// True for the leaf kinds `F64`, `I64` and `Bool` (the "numbers").
    pub fn is_number(&self) -> bool {
        matches!(self, Value::F64(_) | Value::I64(_) | Value::Bool(_))
    }

    /// The value as `f64`: `F64(x)` → `x`, `I64(i)` → `i as f64` (rounded to nearest for
    /// |i| > 2^53), `Bool(b)` → `1.0` or `0.0`. Lists and records are an error.
    ///
    /// `Value::I64(2).as_f64() == Ok(2.0)`
    pub fn as_f64(&self) -> Result<f64, ValueError> {
        match self {
            Value::F64(x) => Ok(*x),
            Value::I64(i) => Ok(*i as f64),
            Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
            other => Err(other.wrong_kind("number")),
        }
    }

    /// The value as `i64`: only `I64` is accepted (no conversion from `F64` or `Bool`).
    pub fn as_i64(&self) -> Result<i64, ValueError> {
        match self {
            Value::I64(i) => Ok(*i),
            other => Err(other.wrong_kind("i64")),
        }
    }

    /// The value as `bool`: only `Bool` is accepted.
    pub fn as_bool(&self) -> Result<bool, ValueError> {
        match self {
            Value::Bool(b) => Ok(*b),
            other => Err(other.wrong_kind("bool")),
        }
    }

    /// The elements of a `List`; any other kind is an error.
    pub fn as_list(&self) -> Result<&[Value], ValueError> {
        match self {
            Value::List(items) => Ok(items),
            other => Err(other.wrong_kind("list")),
        }
    }

    /// The `(name, value)` pairs of a `Record`, in order; any other kind is an error.
    pub fn as_record(&self) -> Result<&[(String, Value)], ValueError> {
        match self {
            Value::Record(fields) => Ok(fields),
            other => Err(other.wrong_kind("record")),
        }
    }

    /// The field `name` of a `Record` (the first one, should a name repeat). Not a record, or
    /// no such field, is an error.
    ///
    /// `{pt: 3, eta: 1}.field("eta") == Ok(&I64(1))`
    pub fn field(&self, name: &str) -> Result<&Value, ValueError> {
        self.as_record()?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| ValueError::MissingField {
                name: name.to_string(),
            })
    }

    /// The number of elements of a `List`; any other kind is an error.
    pub fn len(&self) -> Result<usize, ValueError> {
        Ok(self.as_list()?.len())
    }

    /// Whether a `List` has no elements; any other kind is an error.
    pub fn is_empty(&self) -> Result<bool, ValueError> {
        Ok(self.as_list()?.is_empty())
    }

    /// Structural equality in which `F64` compares by `to_bits()` after every NaN is mapped
    /// to one canonical NaN: so `NaN == NaN` whatever its sign or payload (IEEE arithmetic
    /// does not pin those down: `inf - inf` and `NAN + 1.0` differ in sign bit on x86),
    /// while `0.0 != -0.0`. Kinds must match exactly (`I64(1)` is not `F64(1.0)`), and
    /// records must have the same field names in the same order.
    pub fn bits_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::F64(a), Value::F64(b)) => canonical_bits(*a) == canonical_bits(*b),
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::List(a), Value::List(b)) => bits_eq_all(a, b),
            (Value::Record(a), Value::Record(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((na, va), (nb, vb))| na == nb && va.bits_eq(vb))
            }
            _ => false,
        }
    }

    fn wrong_kind(&self, expected: &'static str) -> ValueError {
        ValueError::WrongKind {
            expected,
            found: self.kind(),
        }
    }
}

/// The bits of `x`, with every NaN replaced by `f64::NAN`.
fn canonical_bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// [`Value::bits_eq`] over two collections: same length and every pair `bits_eq`.
pub fn bits_eq_all(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.bits_eq(y))
}

/// Awkward-like text: `[1.5, 2]`, `{pt: 3, eta: 1}`, `[]`, `{}`, `true`. `F64` prints with
/// Rust's shortest round-trip form (so `2.0` prints `2`, like awkward), except `nan`, `inf`
/// and `-inf`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::F64(x) if x.is_nan() => write!(f, "nan"),
            Value::F64(x) if x.is_infinite() => {
                write!(f, "{}", if *x > 0.0 { "inf" } else { "-inf" })
            }
            Value::F64(x) => write!(f, "{x}"),
            Value::I64(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(items) => {
                write!(f, "[")?;
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Value::Record(fields) => {
                write!(f, "{{")?;
                for (k, (name, value)) in fields.iter().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{name}: {value}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[(&str, Value)]) -> Value {
        Value::Record(
            fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn display_is_awkward_like() {
        let v = Value::List(vec![Value::F64(1.5), Value::F64(2.0)]);
        assert_eq!(v.to_string(), "[1.5, 2]");
        let r = rec(&[("pt", Value::I64(3)), ("eta", Value::F64(1.0))]);
        assert_eq!(r.to_string(), "{pt: 3, eta: 1}");
        let odd = Value::List(vec![
            Value::F64(f64::NAN),
            Value::F64(f64::INFINITY),
            Value::F64(f64::NEG_INFINITY),
            Value::Bool(true),
            Value::List(vec![]),
            Value::Record(vec![]),
        ]);
        assert_eq!(odd.to_string(), "[nan, inf, -inf, true, [], {}]");
    }

    #[test]
    fn accessors_convert_and_reject() {
        assert_eq!(Value::I64(-3).as_f64(), Ok(-3.0));
        assert_eq!(Value::Bool(true).as_f64(), Ok(1.0));
        assert_eq!(
            Value::List(vec![]).as_f64(),
            Err(ValueError::WrongKind {
                expected: "number",
                found: "list"
            })
        );
        assert!(Value::F64(1.0).as_i64().is_err());
        assert_eq!(Value::List(vec![Value::I64(1)]).len(), Ok(1));
        assert_eq!(Value::List(vec![]).is_empty(), Ok(true));
        assert!(Value::I64(1).len().is_err());
        let r = rec(&[("pt", Value::I64(3))]);
        assert_eq!(r.field("pt"), Ok(&Value::I64(3)));
        assert_eq!(
            r.field("eta"),
            Err(ValueError::MissingField {
                name: "eta".to_string()
            })
        );
        assert!(Value::I64(1).field("pt").is_err());
    }

    #[test]
    fn bits_eq_treats_nan_as_equal_and_signed_zero_as_different() {
        let nan = Value::F64(f64::NAN);
        assert!(nan.bits_eq(&Value::F64(f64::NAN)));
        assert!(nan.bits_eq(&Value::F64(-f64::NAN)));
        assert!(nan.bits_eq(&Value::F64(f64::INFINITY - f64::INFINITY)));
        assert!(!nan.bits_eq(&Value::F64(f64::INFINITY)));
        assert_ne!(nan, Value::F64(f64::NAN)); // PartialEq follows IEEE
        assert!(!Value::F64(0.0).bits_eq(&Value::F64(-0.0)));
        assert!(!Value::I64(1).bits_eq(&Value::F64(1.0)));
        let a = rec(&[("x", Value::List(vec![Value::F64(f64::NAN)]))]);
        assert!(a.bits_eq(&a.clone()));
        let b = rec(&[("y", Value::List(vec![Value::F64(f64::NAN)]))]);
        assert!(!a.bits_eq(&b));
        assert!(bits_eq_all(
            &[a.clone(), b.clone()],
            &[a.clone(), b.clone()]
        ));
        assert!(!bits_eq_all(
            &[a.clone(), b.clone()],
            &[b.clone(), a.clone()]
        ));
        assert!(!bits_eq_all(&[a, b], &[]));
    }
}
