//! Jagged-array operations of the reference interpreter: slow, obvious, and the oracle that
//! fast kernels and the optimiser are tested against.
//!
//! # Conventions
//!
//! * A *collection* is a slice `&[Value]` with one [`Value`] per event. Every operation maps
//!   collections to a new collection (`Vec<Value>`), event by event, in event order.
//! * Operations taking several collections require them to have the same number of events;
//!   otherwise they fail with [`RefErrorKind::LengthMismatch`] and `event: None`.
//! * A *number* is an `F64`, `I64` or `Bool` value. Where an operation works on "numbers" it
//!   accepts all three; where it says it converts to `f64` it uses [`Value::as_f64`]
//!   (`true` → 1.0, `false` → 0.0).
//! * An *optional* value is a `List` of length 0 (missing) or 1 (present): the reference
//!   interpreter has no option type. [`argmin`], [`firsts`], [`min`], [`max`] and [`mean`]
//!   return optional values.
//! * Unless a function says otherwise it works on exactly one level of lists: an event must
//!   be a `List`, and list elements are treated as opaque values (or must be numbers, where
//!   the function says so).
//! * No function panics. Every failure is a [`RefError`] naming the operation, the event
//!   index (when one event is to blame) and what was wrong.

use std::cmp::Ordering;

use std::fmt;

use super::value::{Value, ValueError};

mod broadcast;
mod physics;
mod reduce;
mod structure;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_values;

pub use broadcast::*;
pub use physics::*;
pub use reduce::*;
pub use structure::*;

/// What kind of failure a [`RefError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefErrorKind {
    /// Two collections with different numbers of events, or two lists (in one event) whose
    /// lengths had to agree but do not.
    LengthMismatch,
    /// A value of the wrong kind (e.g. a number where a list was needed), or a record missing
    /// a needed field.
    TypeMismatch,
    /// A `take` index outside `-len..len`.
    IndexOutOfRange,
    /// A bad argument independent of the data (e.g. `combinations` with `n = 4`).
    InvalidArgument,
}

impl fmt::Display for RefErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefErrorKind::LengthMismatch => "length mismatch",
            RefErrorKind::TypeMismatch => "type mismatch",
            RefErrorKind::IndexOutOfRange => "index out of range",
            RefErrorKind::InvalidArgument => "invalid argument",
        })
    }
}

/// The error of every reference operation: which operation, which event (if one event is to
/// blame), what kind of failure, and a human-readable message.
///
/// Displays as `"mask_jagged: event 1: length mismatch: list has 3 elements but mask has 2"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError {
    /// The operation's name, e.g. `"mask_jagged"`.
    pub op: &'static str,
    /// The index of the offending event, or `None` for failures about whole collections or
    /// arguments (and for errors created by per-value functions such as [`mass`] before a
    /// collection-level helper fills the event in).
    pub event: Option<usize>,
    pub kind: RefErrorKind,
    pub message: String,
}

impl RefError {
    /// A new error.
    pub fn new(
        op: &'static str,
        event: Option<usize>,
        kind: RefErrorKind,
        message: impl Into<String>,
    ) -> Self {
        RefError {
            op,
            event,
            kind,
            message: message.into(),
        }
    }

    /// The same error with `event` set to `event` if it was `None` (used by the collection
    /// helpers to locate errors raised by per-value functions).
    pub fn at_event(mut self, event: usize) -> Self {
        if self.event.is_none() {
            self.event = Some(event);
        }
        self
    }

    /// Wraps a [`ValueError`] (wrong kind, missing field) as a `TypeMismatch`.
    fn from_value(op: &'static str, event: Option<usize>, err: ValueError) -> Self {
        RefError::new(op, event, RefErrorKind::TypeMismatch, err.to_string())
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            Some(event) => write!(
                f,
                "{}: event {}: {}: {}",
                self.op, event, self.kind, self.message
            ),
            None => write!(f, "{}: {}: {}", self.op, self.kind, self.message),
        }
    }
}

impl std::error::Error for RefError {}

type Res<T> = Result<T, RefError>;

/// A function applied to one value (a leaf, or one record), as taken by [`broadcast_unary`]
/// and [`map_records`].
pub type UnaryFn<'a> = &'a dyn Fn(&Value) -> Result<Value, RefError>;
/// A function applied to two values (two leaves, or two records), as taken by
/// [`broadcast_binary`] and [`map_record_pairs`].
pub type BinaryFn<'a> = &'a dyn Fn(&Value, &Value) -> Result<Value, RefError>;

// ---------------------------------------------------------------------------------------------
// Small private helpers
// ---------------------------------------------------------------------------------------------

/// Two collections must have the same number of events.
fn same_event_count(op: &'static str, a: &[Value], b: &[Value]) -> Res<()> {
    if a.len() == b.len() {
        Ok(())
    } else {
        Err(RefError::new(
            op,
            None,
            RefErrorKind::LengthMismatch,
            format!(
                "first argument has {} events but second has {}",
                a.len(),
                b.len()
            ),
        ))
    }
}

/// The event's list, or a type error naming the event.
fn list_at<'a>(op: &'static str, event: usize, v: &'a Value) -> Res<&'a [Value]> {
    v.as_list()
        .map_err(|e| RefError::from_value(op, Some(event), e))
}

/// A count or index as `I64`.
fn usize_to_i64(op: &'static str, event: usize, n: usize) -> Res<i64> {
    i64::try_from(n).map_err(|_| {
        RefError::new(
            op,
            Some(event),
            RefErrorKind::InvalidArgument,
            format!("{n} does not fit in i64"),
        )
    })
}

/// `[0, 1, ..., n-1]` as `I64` values.
fn index_values(op: &'static str, event: usize, n: usize) -> Res<Vec<Value>> {
    (0..n)
        .map(|k| usize_to_i64(op, event, k).map(Value::I64))
        .collect()
}

/// Checks `n` is 2 or 3 and returns the field names: `names` (which must have `n` distinct
/// entries) or `"0"`, `"1"`, `"2"`.
fn tuple_names(op: &'static str, n: usize, names: Option<&[&str]>) -> Res<Vec<String>> {
    if n != 2 && n != 3 {
        return Err(RefError::new(
            op,
            None,
            RefErrorKind::InvalidArgument,
            format!("n must be 2 or 3, got {n}"),
        ));
    }
    default_or_given_names(op, n, names)
}

/// `names` (exactly `n` distinct entries) or `"0"`, `"1"`, ... .
fn default_or_given_names(op: &'static str, n: usize, names: Option<&[&str]>) -> Res<Vec<String>> {
    let names: Vec<String> = match names {
        None => (0..n).map(|k| k.to_string()).collect(),
        Some(given) => given.iter().map(|s| s.to_string()).collect(),
    };
    if names.len() != n {
        return Err(RefError::new(
            op,
            None,
            RefErrorKind::InvalidArgument,
            format!("expected {n} field names, got {}", names.len()),
        ));
    }
    check_distinct(op, names.iter().map(String::as_str))?;
    Ok(names)
}

/// Field names must not repeat.
fn check_distinct<'a>(op: &'static str, names: impl Iterator<Item = &'a str>) -> Res<()> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            return Err(RefError::new(
                op,
                None,
                RefErrorKind::InvalidArgument,
                format!("field name {name:?} given twice"),
            ));
        }
        seen.push(name);
    }
    Ok(())
}

/// A record with the given names and values (same length by construction).
fn record(names: &[String], values: Vec<Value>) -> Value {
    Value::Record(names.iter().cloned().zip(values).collect())
}

/// All index-ordered pairs (n = 2) or triples (n = 3) of `items`, lexicographic in the
/// indices: (0,1), (0,2), ..., (1,2), ... . Any other `n` gives no tuples (callers check it).
fn choose(items: &[Value], n: usize) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for (j, b) in items.iter().enumerate().skip(i + 1) {
            match n {
                2 => out.push(vec![a.clone(), b.clone()]),
                3 => {
                    for c in items.iter().skip(j + 1) {
                        out.push(vec![a.clone(), b.clone(), c.clone()]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A comparison key for one list's numbers. A list whose numbers are all `I64` is compared
/// exactly as integers; any other list of numbers is compared after conversion to `f64`
/// (so the order is a total preorder on the non-NaN keys of one list).
#[derive(Debug, Clone, Copy)]
enum Key {
    Int(i64),
    Float(f64),
}

impl Key {
    fn is_nan(self) -> bool {
        matches!(self, Key::Float(x) if x.is_nan())
    }

    /// `None` if either is NaN (mixed Int/Float cannot occur within one list).
    fn compare(self, other: Key) -> Option<Ordering> {
        match (self, other) {
            (Key::Int(a), Key::Int(b)) => Some(a.cmp(&b)),
            (Key::Float(a), Key::Float(b)) => a.partial_cmp(&b),
            _ => None,
        }
    }
}

/// The keys of one list of numbers (see [`Key`]); non-numbers are a type error.
fn keys_at(op: &'static str, event: usize, list: &[Value]) -> Res<Vec<Key>> {
    let all_int = list.iter().all(|v| matches!(v, Value::I64(_)));
    list.iter()
        .map(|v| match v {
            Value::I64(i) if all_int => Ok(Key::Int(*i)),
            other => other
                .as_f64()
                .map(Key::Float)
                .map_err(|e| RefError::from_value(op, Some(event), e)),
        })
        .collect()
}

/// The elements of one event's list of numbers, converted to `f64`.
fn floats_at(op: &'static str, event: usize, v: &Value) -> Res<Vec<f64>> {
    list_at(op, event, v)?
        .iter()
        .map(|x| {
            x.as_f64()
                .map_err(|e| RefError::from_value(op, Some(event), e))
        })
        .collect()
}

/// The position of the first minimum (`want = Less`) or first maximum (`want = Greater`) of
/// `keys`, skipping NaN; `None` for an empty or all-NaN list.
fn first_extreme(keys: &[Key], want: Ordering) -> Option<usize> {
    let mut best: Option<(usize, Key)> = None;
    for (k, key) in keys.iter().enumerate() {
        if key.is_nan() {
            continue;
        }
        match best {
            None => best = Some((k, *key)),
            // Strictly better only: ties keep the earlier element.
            Some((_, b)) if key.compare(b) == Some(want) => best = Some((k, *key)),
            Some(_) => {}
        }
    }
    best.map(|(k, _)| k)
}

/// Per event: the optional index of the first extreme.
fn arg_extreme(op: &'static str, x: &[Value], want: Ordering) -> Res<Vec<Value>> {
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let keys = keys_at(op, i, list_at(op, i, ev)?)?;
            let found = match first_extreme(&keys, want) {
                Some(k) => vec![Value::I64(usize_to_i64(op, i, k)?)],
                None => vec![],
            };
            Ok(Value::List(found))
        })
        .collect()
}

/// Per event: the optional value (as `F64`) of the first extreme.
fn value_extreme(op: &'static str, x: &[Value], want: Ordering) -> Res<Vec<Value>> {
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let list = list_at(op, i, ev)?;
            let keys = keys_at(op, i, list)?;
            let found = match first_extreme(&keys, want).and_then(|k| list.get(k)) {
                Some(v) => vec![Value::F64(
                    v.as_f64()
                        .map_err(|e| RefError::from_value(op, Some(i), e))?,
                )],
                None => vec![],
            };
            Ok(Value::List(found))
        })
        .collect()
}

/// The order `sort`/`argsort` put a list in, written as the definition rather than with a sort
/// routine (so that it checks the engine's kernels instead of repeating them): an element's
/// place is the number of elements that go before it. Numbers go before NaN; numbers in the
/// asked order; equal numbers, and NaNs, in their original order (a stable sort).
fn sorted_positions(
    op: &'static str,
    event: usize,
    list: &[Value],
    ascending: bool,
) -> Res<Vec<usize>> {
    let keys = keys_at(op, event, list)?;
    let goes_before = |j: usize, i: usize| match (keys[j].is_nan(), keys[i].is_nan()) {
        (false, true) => true,
        (true, false) => false,
        (true, true) => j < i,
        (false, false) => match keys[j].compare(keys[i]) {
            Some(Ordering::Less) => ascending,
            Some(Ordering::Greater) => !ascending,
            _ => j < i,
        },
    };
    let mut positions = vec![0; keys.len()];
    for i in 0..keys.len() {
        let place = (0..keys.len())
            .filter(|&j| j != i && goes_before(j, i))
            .count();
        positions[place] = i;
    }
    Ok(positions)
}

/// Resolves a Python-style index (negative counts from the end) against a length.
fn resolve_index(op: &'static str, event: usize, index: i64, len: usize) -> Res<usize> {
    let out_of_range = || {
        RefError::new(
            op,
            Some(event),
            RefErrorKind::IndexOutOfRange,
            format!("index {index} out of range for a list of length {len}"),
        )
    };
    let len_i = usize_to_i64(op, event, len)?;
    let absolute = if index < 0 {
        index.checked_add(len_i).ok_or_else(out_of_range)?
    } else {
        index
    };
    if absolute < 0 || absolute >= len_i {
        return Err(out_of_range());
    }
    usize::try_from(absolute).map_err(|_| out_of_range())
}

/// One list element by a resolved index.
fn element_at(op: &'static str, event: usize, list: &[Value], index: i64) -> Res<Value> {
    let k = resolve_index(op, event, index, list.len())?;
    list.get(k).cloned().ok_or_else(|| {
        RefError::new(
            op,
            Some(event),
            RefErrorKind::IndexOutOfRange,
            format!(
                "index {index} out of range for a list of length {}",
                list.len()
            ),
        )
    })
}

/// Pushes every leaf (number) of `v`, depth first, onto `out`.
fn push_leaves(op: &'static str, event: usize, v: &Value, out: &mut Vec<Value>) -> Res<()> {
    match v {
        Value::List(items) => {
            for item in items {
                push_leaves(op, event, item, out)?;
            }
            Ok(())
        }
        Value::Record(_) => Err(RefError::new(
            op,
            Some(event),
            RefErrorKind::TypeMismatch,
            "records have no leaves to flatten",
        )),
        leaf => {
            out.push(leaf.clone());
            Ok(())
        }
    }
}
