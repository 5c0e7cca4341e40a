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

/// The sort order: NaN after every number in both directions, NaNs equal to each other.
fn sort_order(a: Key, b: Key, ascending: bool) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let o = a.compare(b).unwrap_or(Ordering::Equal);
            if ascending { o } else { o.reverse() }
        }
    }
}

/// The positions of one list's elements in stable sorted order.
fn sorted_positions(
    op: &'static str,
    event: usize,
    list: &[Value],
    ascending: bool,
) -> Res<Vec<usize>> {
    let keys = keys_at(op, event, list)?;
    let mut pairs: Vec<(usize, Key)> = keys.into_iter().enumerate().collect();
    // `sort_by` is stable: equal keys keep their original order.
    pairs.sort_by(|(_, a), (_, b)| sort_order(*a, *b, ascending));
    Ok(pairs.into_iter().map(|(k, _)| k).collect())
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

// ---------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------

/// Per event, the length of the list, as `I64`. An event that is not a list is an error.
///
/// `num([[1, 2, 3], [], [4]]) == [3, 0, 1]`
pub fn num(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "num";
    x.iter()
        .enumerate()
        .map(|(i, ev)| Ok(Value::I64(usize_to_i64(OP, i, list_at(OP, i, ev)?.len())?)))
        .collect()
}

/// Keeps the events whose mask is `true`, in order. `mask` has one `Bool` per event (any
/// other kind is an error); the events of `x` may be any values.
///
/// `mask_events([[1], [2, 3], []], [true, false, true]) == [[1], []]`
pub fn mask_events(x: &[Value], mask: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "mask_events";
    same_event_count(OP, x, mask)?;
    let mut out = Vec::new();
    for (i, (ev, m)) in x.iter().zip(mask).enumerate() {
        let keep = m
            .as_bool()
            .map_err(|e| RefError::from_value(OP, Some(i), e))?;
        if keep {
            out.push(ev.clone());
        }
    }
    Ok(out)
}

/// Per event, keeps the list elements whose mask element is `true`. The mask's event must be
/// a list of `Bool` of the same length as the event's list.
///
/// `mask_jagged([[1, 2, 3], []], [[true, false, true], []]) == [[1, 3], []]`
pub fn mask_jagged(x: &[Value], mask: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "mask_jagged";
    same_event_count(OP, x, mask)?;
    x.iter()
        .zip(mask)
        .enumerate()
        .map(|(i, (ev, m))| {
            let items = list_at(OP, i, ev)?;
            let flags = list_at(OP, i, m)?;
            if items.len() != flags.len() {
                return Err(RefError::new(
                    OP,
                    Some(i),
                    RefErrorKind::LengthMismatch,
                    format!(
                        "list has {} elements but mask has {}",
                        items.len(),
                        flags.len()
                    ),
                ));
            }
            let mut kept = Vec::new();
            for (item, flag) in items.iter().zip(flags) {
                if flag
                    .as_bool()
                    .map_err(|e| RefError::from_value(OP, Some(i), e))?
                {
                    kept.push(item.clone());
                }
            }
            Ok(Value::List(kept))
        })
        .collect()
}

/// Per event, all combinations without repetition of `n` (2 or 3) list elements, as a list of
/// records: for n = 2 the pairs `(x[i], x[j])` with `i < j`, for n = 3 the triples with
/// `i < j < k`, in lexicographic order of the indices. The record fields are `names`
/// (exactly `n` distinct names) or `"0"`, `"1"`, `"2"` when `names` is `None`. Lists shorter
/// than `n` give `[]`.
///
/// `combinations([[a, b, c]], 2, None) == [[{0: a, 1: b}, {0: a, 1: c}, {0: b, 1: c}]]`
pub fn combinations(x: &[Value], n: usize, names: Option<&[&str]>) -> Result<Vec<Value>, RefError> {
    const OP: &str = "combinations";
    let names = tuple_names(OP, n, names)?;
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let items = list_at(OP, i, ev)?;
            Ok(Value::List(
                choose(items, n)
                    .into_iter()
                    .map(|tuple| record(&names, tuple))
                    .collect(),
            ))
        })
        .collect()
}

/// Like [`combinations`] (same order), but the record fields `"0"`, `"1"`(, `"2"`) hold the
/// `I64` indices of the elements instead of the elements.
///
/// `argcombinations([[a, b, c]], 2) == [[{0: 0, 1: 1}, {0: 0, 1: 2}, {0: 1, 1: 2}]]`
pub fn argcombinations(x: &[Value], n: usize) -> Result<Vec<Value>, RefError> {
    const OP: &str = "argcombinations";
    let names = tuple_names(OP, n, None)?;
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let indices = index_values(OP, i, list_at(OP, i, ev)?.len())?;
            Ok(Value::List(
                choose(&indices, n)
                    .into_iter()
                    .map(|tuple| record(&names, tuple))
                    .collect(),
            ))
        })
        .collect()
}

/// Per event, all pairs `(a[i], b[j])` as records, `i` the outer loop and `j` the inner:
/// `(a0,b0), (a0,b1), ..., (a1,b0), ...`. Fields are `names` (exactly 2 distinct names) or
/// `"0"`, `"1"`. An empty list on either side gives `[]`.
///
/// `cartesian([[1, 2]], [[x, y]], None) == [[{0: 1, 1: x}, {0: 1, 1: y}, {0: 2, 1: x}, {0: 2, 1: y}]]`
pub fn cartesian(a: &[Value], b: &[Value], names: Option<&[&str]>) -> Result<Vec<Value>, RefError> {
    const OP: &str = "cartesian";
    same_event_count(OP, a, b)?;
    let names = default_or_given_names(OP, 2, names)?;
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (ea, eb))| {
            let la = list_at(OP, i, ea)?;
            let lb = list_at(OP, i, eb)?;
            let mut pairs = Vec::new();
            for va in la {
                for vb in lb {
                    pairs.push(record(&names, vec![va.clone(), vb.clone()]));
                }
            }
            Ok(Value::List(pairs))
        })
        .collect()
}

/// Per event, the optional `I64` index of the FIRST minimum of a list of numbers (ties keep
/// the earliest position). NaN elements are ignored; a list that is empty or holds only NaNs
/// gives `[]`. A list of only `I64` is compared exactly; otherwise elements are compared as
/// `f64` (`-0.0 == 0.0`, so they tie).
///
/// Both values of `keepdims` return the same optional list (`[]` or `[k]`): rask has no
/// option type, so an optional value is a list of length ≤ 1. `keepdims` only matters to the
/// type system later (awkward's `keepdims=True` gives the same data).
///
/// `argmin([[3, 1, 1], [], [nan, 2]], false) == [[1], [], [1]]`
pub fn argmin(x: &[Value], keepdims: bool) -> Result<Vec<Value>, RefError> {
    let _ = keepdims; // Same data either way; see the doc comment.
    arg_extreme("argmin", x, Ordering::Less)
}

/// Like [`argmin`], for the FIRST maximum.
///
/// `argmax([[3, 5, 5], [], [nan]], true) == [[1], [], []]`
pub fn argmax(x: &[Value], keepdims: bool) -> Result<Vec<Value>, RefError> {
    let _ = keepdims; // Same data either way; see argmin.
    arg_extreme("argmax", x, Ordering::Greater)
}

/// Per event, the optional first element of the list: `[x[0]]`, or `[]` for an empty list.
///
/// `firsts([[1, 2], []]) == [[1], []]`
pub fn firsts(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "firsts";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let items = list_at(OP, i, ev)?;
            Ok(Value::List(items.first().cloned().into_iter().collect()))
        })
        .collect()
}

/// Per event, `[0, 1, ..., n-1]` (`I64`) for a list of length `n`.
///
/// `local_index([[a, b, c], []]) == [[0, 1, 2], []]`
pub fn local_index(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "local_index";
    x.iter()
        .enumerate()
        .map(|(i, ev)| Ok(Value::List(index_values(OP, i, list_at(OP, i, ev)?.len())?)))
        .collect()
}

/// Per event, the list `a` followed by the list `b`.
///
/// Element kinds: all elements of all lists of both collections must have the same kind
/// (`f64`, `i64`, `bool`, `list` or `record`; compared at the top level only, with no
/// numeric promotion), else a type error naming the first event where a second kind appears.
///
/// Records: the result keeps only the fields that *every* record element of both collections
/// has, in the field order of the first record of `a` (the first record of `b` if `a` has no
/// elements at all). Fields present on one side only are dropped.
///
/// `concatenate([[1, 2], []], [[3], [4]]) == [[1, 2, 3], [4]]`;
/// `concatenate([[{pt: 1, eta: 2}]], [[{phi: 3, pt: 4}]]) == [[{pt: 1}, {pt: 4}]]`
pub fn concatenate(a: &[Value], b: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "concatenate";
    same_event_count(OP, a, b)?;

    // 1. Every event must hold two lists, and all elements must share one kind.
    let mut lists: Vec<(&[Value], &[Value])> = Vec::new();
    let mut kind: Option<&'static str> = None;
    for (i, (ea, eb)) in a.iter().zip(b).enumerate() {
        let la = list_at(OP, i, ea)?;
        let lb = list_at(OP, i, eb)?;
        for v in la.iter().chain(lb) {
            match kind {
                None => kind = Some(v.kind()),
                Some(k) if k != v.kind() => {
                    return Err(RefError::new(
                        OP,
                        Some(i),
                        RefErrorKind::TypeMismatch,
                        format!("cannot concatenate elements of kind {k} and {}", v.kind()),
                    ));
                }
                Some(_) => {}
            }
        }
        lists.push((la, lb));
    }

    // 2. For records: the fields every record has, in the first record's order.
    let kept: Option<Vec<String>> = if kind == Some("record") {
        let all_elements = || lists.iter().flat_map(|(la, lb)| la.iter().chain(lb.iter()));
        let first_a = lists.iter().flat_map(|(la, _)| la.iter()).next();
        let first_b = lists.iter().flat_map(|(_, lb)| lb.iter()).next();
        let first = first_a.or(first_b);
        let mut names: Vec<String> = Vec::new();
        if let Some(Value::Record(fields)) = first {
            for (name, _) in fields {
                let everywhere = all_elements().all(|v| v.field(name).is_ok());
                if everywhere && !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        Some(names)
    } else {
        None
    };

    // 3. Build the concatenated lists.
    lists
        .iter()
        .enumerate()
        .map(|(i, (la, lb))| {
            let mut out = Vec::with_capacity(la.len() + lb.len());
            for v in la.iter().chain(lb.iter()) {
                match &kept {
                    None => out.push(v.clone()),
                    Some(names) => {
                        let mut fields = Vec::with_capacity(names.len());
                        for name in names {
                            let value = v
                                .field(name)
                                .map_err(|e| RefError::from_value(OP, Some(i), e))?;
                            fields.push((name.clone(), value.clone()));
                        }
                        out.push(Value::Record(fields));
                    }
                }
            }
            Ok(Value::List(out))
        })
        .collect()
}

/// Removes one level of nesting per event: each event must be a list of lists,
/// `List<List<T>>` → `List<T>`, the inner lists concatenated in order.
///
/// `flatten([[[1, 2], [], [3]], []]) == [[1, 2, 3], []]`
pub fn flatten(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "flatten";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let mut out = Vec::new();
            for inner in list_at(OP, i, ev)? {
                out.extend(list_at(OP, i, inner)?.iter().cloned());
            }
            Ok(Value::List(out))
        })
        .collect()
}

/// All leaf values (numbers) of all events, in event order and depth-first list order, as one
/// flat `Vec` (not a collection: there is no per-event structure left). An event that is a
/// number contributes itself. Records anywhere are an error. Used for histogram filling.
///
/// `flatten_all([[1, [2, 3]], 4, []]) == [1, 2, 3, 4]`
pub fn flatten_all(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "flatten_all";
    let mut out = Vec::new();
    for (i, ev) in x.iter().enumerate() {
        push_leaves(OP, i, ev, &mut out)?;
    }
    Ok(out)
}

/// Zips named collections into records, one level deep.
///
/// All collections must have the same number of events, and at least one field with distinct
/// names must be given. Per event: if any field's value is a list, all list-valued fields must
/// have the same length `n` and the result is a list of `n` records, the `k`-th holding the
/// `k`-th element of each list and a copy of each non-list (scalar or record) value
/// (broadcast). If no field's value is a list the result is one record. Fields keep the order
/// given. Lists inside the list elements are not zipped further.
///
/// `zip(&[("pt", [[1, 2]]), ("w", [0.5])]) == [[{pt: 1, w: 0.5}, {pt: 2, w: 0.5}]]`
pub fn zip(fields: &[(&str, &[Value])]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "zip";
    let Some((first_name, first)) = fields.first() else {
        return Err(RefError::new(
            OP,
            None,
            RefErrorKind::InvalidArgument,
            "zip needs at least one field",
        ));
    };
    check_distinct(OP, fields.iter().map(|(name, _)| *name))?;
    for (name, col) in fields {
        if col.len() != first.len() {
            return Err(RefError::new(
                OP,
                None,
                RefErrorKind::LengthMismatch,
                format!(
                    "field {name:?} has {} events but field {first_name:?} has {}",
                    col.len(),
                    first.len()
                ),
            ));
        }
    }

    let mut out = Vec::with_capacity(first.len());
    for i in 0..first.len() {
        // This event's value of every field.
        let mut values: Vec<(&str, &Value)> = Vec::with_capacity(fields.len());
        for (name, col) in fields {
            let v = col.get(i).ok_or_else(|| {
                RefError::new(
                    OP,
                    Some(i),
                    RefErrorKind::LengthMismatch,
                    format!("field {name:?} has no event {i}"),
                )
            })?;
            values.push((name, v));
        }

        // The common length of the list-valued fields, if any.
        let mut common: Option<(usize, &str)> = None;
        for (name, v) in &values {
            if let Value::List(items) = v {
                match common {
                    None => common = Some((items.len(), name)),
                    Some((n, other)) if n != items.len() => {
                        return Err(RefError::new(
                            OP,
                            Some(i),
                            RefErrorKind::LengthMismatch,
                            format!(
                                "field {name:?} has {} elements but field {other:?} has {n}",
                                items.len()
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }

        match common {
            None => out.push(Value::Record(
                values
                    .iter()
                    .map(|(name, v)| (name.to_string(), (*v).clone()))
                    .collect(),
            )),
            Some((n, _)) => {
                let mut records = Vec::with_capacity(n);
                for k in 0..n {
                    let mut rec = Vec::with_capacity(values.len());
                    for (name, v) in &values {
                        let element = match v {
                            Value::List(items) => items.get(k).cloned().ok_or_else(|| {
                                RefError::new(
                                    OP,
                                    Some(i),
                                    RefErrorKind::LengthMismatch,
                                    format!("field {name:?} has no element {k}"),
                                )
                            })?,
                            scalar => (*scalar).clone(),
                        };
                        rec.push((name.to_string(), element));
                    }
                    records.push(Value::Record(rec));
                }
                out.push(Value::List(records));
            }
        }
    }
    Ok(out)
}

/// Per event, picks list elements by index. The index event is either a list of `I64` (the
/// result is the list `[x[k] for k in index]`, repeats and any order allowed) or one `I64`
/// (the result is the element `x[k]` itself, not a list). Negative indices count from the end
/// as in Python (`-1` is the last element); an index outside `-len..len` is an
/// `IndexOutOfRange` error naming the event. Other index kinds are a type error.
///
/// `take([[10, 20, 30], [40]], [[2, -1, 0], []]) == [[30, 30, 10], []]`;
/// `take([[10, 20, 30]], [-3]) == [10]`
pub fn take(x: &[Value], index: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "take";
    same_event_count(OP, x, index)?;
    x.iter()
        .zip(index)
        .enumerate()
        .map(|(i, (ev, idx))| {
            let items = list_at(OP, i, ev)?;
            match idx {
                Value::I64(k) => element_at(OP, i, items, *k),
                Value::List(ks) => {
                    let mut out = Vec::with_capacity(ks.len());
                    for k in ks {
                        let k = k
                            .as_i64()
                            .map_err(|e| RefError::from_value(OP, Some(i), e))?;
                        out.push(element_at(OP, i, items, k)?);
                    }
                    Ok(Value::List(out))
                }
                other => Err(RefError::new(
                    OP,
                    Some(i),
                    RefErrorKind::TypeMismatch,
                    format!(
                        "index must be an i64 or a list of i64, found {}",
                        other.kind()
                    ),
                )),
            }
        })
        .collect()
}

/// Per event, the list of numbers sorted, ascending or descending, stably (equal elements,
/// including `-0.0` and `0.0`, keep their original order), with NaNs last in BOTH orders
/// (NaNs keep their relative order). Elements keep their kind (`I64` stays `I64`). A list of
/// only `I64` is compared exactly, any other list as `f64`. Non-numbers are an error.
///
/// `sort([[3, nan, 1, 2]], false) == [[3, 2, 1, nan]]`
pub fn sort(x: &[Value], ascending: bool) -> Result<Vec<Value>, RefError> {
    const OP: &str = "sort";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let items = list_at(OP, i, ev)?;
            let positions = sorted_positions(OP, i, items, ascending)?;
            let sorted: Option<Vec<Value>> =
                positions.iter().map(|&k| items.get(k).cloned()).collect();
            sorted.map(Value::List).ok_or_else(|| {
                RefError::new(
                    OP,
                    Some(i),
                    RefErrorKind::IndexOutOfRange,
                    "internal sort error",
                )
            })
        })
        .collect()
}

/// Per event, the `I64` positions that [`sort`] would put in order: `take(x, argsort(x))`
/// equals `sort(x)`. Same stability and NaN-last rules.
///
/// `argsort([[3, nan, 1, 1]], true) == [[2, 3, 0, 1]]`
pub fn argsort(x: &[Value], ascending: bool) -> Result<Vec<Value>, RefError> {
    const OP: &str = "argsort";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let positions = sorted_positions(OP, i, list_at(OP, i, ev)?, ascending)?;
            let indices: Res<Vec<Value>> = positions
                .into_iter()
                .map(|k| usize_to_i64(OP, i, k).map(Value::I64))
                .collect();
            Ok(Value::List(indices?))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reductions (one list of numbers per event)
// ---------------------------------------------------------------------------------------------

/// Per event, the `F64` sum of a list of numbers (converted to `f64`), added left to right
/// starting from `+0.0`: `sum([]) == 0.0`, `sum([-0.0]) == +0.0`, NaN and `inf + -inf`
/// propagate as IEEE addition does.
///
/// `sum([[1, 2.5], []]) == [3.5, 0]`
pub fn sum(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "sum";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let mut total = 0.0;
            for v in floats_at(OP, i, ev)? {
                total += v;
            }
            Ok(Value::F64(total))
        })
        .collect()
}

/// Per event, the `F64` product of a list of numbers, multiplied left to right starting from
/// `1.0`: `prod([]) == 1.0`.
///
/// `prod([[2, 3], []]) == [6, 1]`
pub fn prod(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "prod";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let mut total = 1.0;
            for v in floats_at(OP, i, ev)? {
                total *= v;
            }
            Ok(Value::F64(total))
        })
        .collect()
}

/// Per event, the optional minimum of a list of numbers, as `F64`: `[]` for an empty list,
/// otherwise `[m]`. NaNs are ignored exactly as in [`argmin`] (a list of only NaNs gives
/// `[]`), so `min(x)` is always `x[argmin(x)]` converted to `f64`.
///
/// `min([[3, 1, 2], [], [nan, 5]]) == [[1], [], [5]]`
pub fn min(x: &[Value]) -> Result<Vec<Value>, RefError> {
    value_extreme("min", x, Ordering::Less)
}

/// Per event, the optional maximum, as `F64`; the mirror image of [`min`] (`x[argmax(x)]`).
///
/// `max([[3, 1, 2], []]) == [[3], []]`
pub fn max(x: &[Value]) -> Result<Vec<Value>, RefError> {
    value_extreme("max", x, Ordering::Greater)
}

/// Per event, the number of elements of the list as `I64` (elements of any kind; for
/// one-level lists the same as [`num`]).
///
/// `count([[1, 2], []]) == [2, 0]`
pub fn count(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "count";
    x.iter()
        .enumerate()
        .map(|(i, ev)| Ok(Value::I64(usize_to_i64(OP, i, list_at(OP, i, ev)?.len())?)))
        .collect()
}

/// Per event, the number (`I64`) of list elements that are not zero, comparing as `f64`
/// (`false` is zero, `-0.0` is zero, NaN is NOT zero).
///
/// `count_nonzero([[0, 1.5, nan, false, true], []]) == [3, 0]`
pub fn count_nonzero(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "count_nonzero";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let n = floats_at(OP, i, ev)?
                .into_iter()
                .filter(|v| *v != 0.0)
                .count();
            Ok(Value::I64(usize_to_i64(OP, i, n)?))
        })
        .collect()
}

/// Per event, `Bool`: whether any list element is non-zero (as in [`count_nonzero`], so NaN
/// counts as true). `any([]) == false`.
///
/// `any([[0, 2], [0], []]) == [true, false, false]`
pub fn any(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "any";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            Ok(Value::Bool(
                floats_at(OP, i, ev)?.into_iter().any(|v| v != 0.0),
            ))
        })
        .collect()
}

/// Per event, `Bool`: whether every list element is non-zero (NaN counts as true).
/// `all([]) == true`.
///
/// `all([[1, 2], [1, 0], []]) == [true, false, true]`
pub fn all(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "all";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            Ok(Value::Bool(
                floats_at(OP, i, ev)?.into_iter().all(|v| v != 0.0),
            ))
        })
        .collect()
}

/// Per event, the optional `F64` mean: `[]` for an empty list, otherwise `[sum / n]` with
/// `sum` exactly as in [`sum`] (so, unlike [`min`], a NaN element makes the mean NaN).
///
/// `mean([[1, 2], []]) == [[1.5], []]`
pub fn mean(x: &[Value]) -> Result<Vec<Value>, RefError> {
    const OP: &str = "mean";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let values = floats_at(OP, i, ev)?;
            if values.is_empty() {
                return Ok(Value::List(vec![]));
            }
            let mut total = 0.0;
            for v in &values {
                total += v;
            }
            Ok(Value::List(vec![Value::F64(total / values.len() as f64)]))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Broadcasting
// ---------------------------------------------------------------------------------------------

fn broadcast2(
    op_name: &'static str,
    event: usize,
    a: &Value,
    b: &Value,
    op: BinaryFn,
) -> Res<Value> {
    match (a, b) {
        (Value::Record(_), _) | (_, Value::Record(_)) => Err(RefError::new(
            op_name,
            Some(event),
            RefErrorKind::TypeMismatch,
            "records cannot be broadcast (use map_records / map_record_pairs)",
        )),
        (Value::List(xs), Value::List(ys)) => {
            if xs.len() != ys.len() {
                return Err(RefError::new(
                    op_name,
                    Some(event),
                    RefErrorKind::LengthMismatch,
                    format!(
                        "cannot broadcast lists of lengths {} and {}",
                        xs.len(),
                        ys.len()
                    ),
                ));
            }
            let out: Res<Vec<Value>> = xs
                .iter()
                .zip(ys)
                .map(|(x, y)| broadcast2(op_name, event, x, y, op))
                .collect();
            Ok(Value::List(out?))
        }
        (Value::List(xs), scalar) => {
            let out: Res<Vec<Value>> = xs
                .iter()
                .map(|x| broadcast2(op_name, event, x, scalar, op))
                .collect();
            Ok(Value::List(out?))
        }
        (scalar, Value::List(ys)) => {
            let out: Res<Vec<Value>> = ys
                .iter()
                .map(|y| broadcast2(op_name, event, scalar, y, op))
                .collect();
            Ok(Value::List(out?))
        }
        (x, y) => op(x, y).map_err(|e| e.at_event(event)),
    }
}

/// Applies `op` to pairs of leaves (numbers), per event, broadcasting:
///
/// * number ⊗ number → `op(a, b)`;
/// * number ⊗ list (either side) → the number is paired with every element, recursively
///   (so it reaches every leaf of a nested list);
/// * list ⊗ list → the lists must have equal length; elementwise, recursively (so a list of
///   numbers against a list of lists pairs each number with the matching inner list);
/// * a record anywhere → type error.
///
/// Errors returned by `op` without an event index get the event's index filled in.
///
/// `broadcast_binary([[1, 2], 10], [100, [1, 2]], add) == [[101, 102], [11, 12]]`
pub fn broadcast_binary(
    a: &[Value],
    b: &[Value],
    op: &dyn Fn(&Value, &Value) -> Result<Value, RefError>,
) -> Result<Vec<Value>, RefError> {
    const OP: &str = "broadcast_binary";
    same_event_count(OP, a, b)?;
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| broadcast2(OP, i, x, y, op))
        .collect()
}

fn broadcast1(op_name: &'static str, event: usize, a: &Value, op: UnaryFn) -> Res<Value> {
    match a {
        Value::Record(_) => Err(RefError::new(
            op_name,
            Some(event),
            RefErrorKind::TypeMismatch,
            "records cannot be broadcast (use map_records)",
        )),
        Value::List(xs) => {
            let out: Res<Vec<Value>> = xs
                .iter()
                .map(|x| broadcast1(op_name, event, x, op))
                .collect();
            Ok(Value::List(out?))
        }
        leaf => op(leaf).map_err(|e| e.at_event(event)),
    }
}

/// Applies `op` to every leaf (number) of every event, keeping the list structure; a record
/// anywhere is a type error. Errors from `op` without an event index get it filled in.
///
/// `broadcast_unary([[1, [2]], 3], neg) == [[-1, [-2]], -3]`
pub fn broadcast_unary(
    a: &[Value],
    op: &dyn Fn(&Value) -> Result<Value, RefError>,
) -> Result<Vec<Value>, RefError> {
    const OP: &str = "broadcast_unary";
    a.iter()
        .enumerate()
        .map(|(i, x)| broadcast1(OP, i, x, op))
        .collect()
}

fn map_records1(event: usize, v: &Value, f: UnaryFn) -> Res<Value> {
    match v {
        Value::Record(_) => f(v).map_err(|e| e.at_event(event)),
        Value::List(items) => {
            let out: Res<Vec<Value>> = items.iter().map(|x| map_records1(event, x, f)).collect();
            Ok(Value::List(out?))
        }
        other => Err(RefError::new(
            "map_records",
            Some(event),
            RefErrorKind::TypeMismatch,
            format!("expected a record or a list, found {}", other.kind()),
        )),
    }
}

/// Applies `f` to every record of every event: an event that is a record gives `f(record)`,
/// a list is mapped element by element, recursively (so `List<List<Record>>` works); a number
/// where a record or list was expected is a type error. Errors from `f` without an event
/// index get it filled in.
///
/// `map_records([[j1, j2], []], &mass) == [[mass(j1), mass(j2)], []]`
pub fn map_records(
    x: &[Value],
    f: &dyn Fn(&Value) -> Result<Value, RefError>,
) -> Result<Vec<Value>, RefError> {
    x.iter()
        .enumerate()
        .map(|(i, v)| map_records1(i, v, f))
        .collect()
}

fn map_record_pairs2(event: usize, a: &Value, b: &Value, f: BinaryFn) -> Res<Value> {
    const OP: &str = "map_record_pairs";
    match (a, b) {
        (Value::Record(_), Value::Record(_)) => f(a, b).map_err(|e| e.at_event(event)),
        (Value::List(xs), Value::List(ys)) => {
            if xs.len() != ys.len() {
                return Err(RefError::new(
                    OP,
                    Some(event),
                    RefErrorKind::LengthMismatch,
                    format!(
                        "cannot broadcast lists of lengths {} and {}",
                        xs.len(),
                        ys.len()
                    ),
                ));
            }
            let out: Res<Vec<Value>> = xs
                .iter()
                .zip(ys)
                .map(|(x, y)| map_record_pairs2(event, x, y, f))
                .collect();
            Ok(Value::List(out?))
        }
        (Value::List(xs), r @ Value::Record(_)) => {
            let out: Res<Vec<Value>> = xs
                .iter()
                .map(|x| map_record_pairs2(event, x, r, f))
                .collect();
            Ok(Value::List(out?))
        }
        (r @ Value::Record(_), Value::List(ys)) => {
            let out: Res<Vec<Value>> = ys
                .iter()
                .map(|y| map_record_pairs2(event, r, y, f))
                .collect();
            Ok(Value::List(out?))
        }
        (x, y) => Err(RefError::new(
            OP,
            Some(event),
            RefErrorKind::TypeMismatch,
            format!(
                "expected records or lists, found {} and {}",
                x.kind(),
                y.kind()
            ),
        )),
    }
}

/// Like [`broadcast_binary`], but the leaves are records: record ⊗ record → `f(a, b)`,
/// record ⊗ list broadcasts the record over the list, list ⊗ list goes elementwise (equal
/// lengths), recursively; a number anywhere is a type error. Used to apply [`lorentz_add`],
/// [`delta_phi`] and [`delta_r`] to collections.
///
/// `map_record_pairs([[j1, j2]], [[k1, k2]], &delta_r) == [[ΔR(j1,k1), ΔR(j2,k2)]]`
pub fn map_record_pairs(
    a: &[Value],
    b: &[Value],
    f: &dyn Fn(&Value, &Value) -> Result<Value, RefError>,
) -> Result<Vec<Value>, RefError> {
    same_event_count("map_record_pairs", a, b)?;
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| map_record_pairs2(i, x, y, f))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lorentz vectors (single values; apply with map_records / map_record_pairs)
// ---------------------------------------------------------------------------------------------

use rask_core::kernels::P4;

fn number_field(op: &'static str, v: &Value, name: &str) -> Res<f64> {
    v.field(name).and_then(Value::as_f64).map_err(|e| {
        RefError::new(
            op,
            None,
            RefErrorKind::TypeMismatch,
            format!("field {name:?}: {e}"),
        )
    })
}

/// The four-vector of a record with `pt, eta, phi, mass`, by the shared formulas of
/// `rask_core::kernels::lorentz` (E = sqrt(pt^2 + pz^2 + mass^2)).
fn p4_from(op: &'static str, v: &Value) -> Res<P4> {
    let [px, py, pz, e] = rask_core::kernels::CARTESIAN_FIELDS;
    if let (Ok(px), Ok(py), Ok(pz), Ok(e)) = (v.field(px), v.field(py), v.field(pz), v.field(e)) {
        let num = |x: &Value| x.as_f64().map_err(|e| RefError::from_value(op, None, e));
        return Ok(P4 {
            px: num(px)?,
            py: num(py)?,
            pz: num(pz)?,
            e: num(e)?,
        });
    }
    Ok(P4::from_ptetaphim(
        number_field(op, v, "pt")?,
        number_field(op, v, "eta")?,
        number_field(op, v, "phi")?,
        number_field(op, v, "mass")?,
    ))
}

/// Wraps an angle into [−π, π) as ((x + π) mod 2π) − π with numpy's `mod` (the remainder has
/// the sign of 2π), exactly as the ADL reference does; this may round even for x in [−π, π).
///
/// `wrap_angle(PI) == -PI`, `wrap_angle(6.2) ≈ 6.2 − 2π`
pub fn wrap_angle(x: f64) -> f64 {
    rask_core::kernels::delta_phi(x, 0.0)
}

/// The sum of two vectors given as records with numeric fields `pt`, `eta`, `phi`, `mass`
/// (other fields ignored), as a new `Record{pt, eta, phi, mass}` of `F64`.
///
/// Computed in f64 through Cartesian components (see the private `p4_from`: E from
/// pt cosh(eta) and mass), summed, then: pt = sqrt(px² + py²); eta = asinh(pz / pt), and for pt == 0:
/// eta = 0 if pz == 0, +inf if pz > 0, −inf if pz < 0; phi = atan2(py, px), in [−π, π]
/// (not wrapped; atan2(0, 0) = 0); mass = sqrt(max(E² − p², 0)).
///
/// `lorentz_add({pt: 10, eta: 0, phi: 0, mass: 0}, {pt: 10, eta: 0, phi: π, mass: 0})`
/// has mass 20 (and pt ≈ 1.2e-15 from sin π ≠ 0 in f64).
pub fn lorentz_add(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "lorentz_add";
    let p = p4_from(OP, a)?;
    let q = p4_from(OP, b)?;
    let s = p.add(q);
    let [px, py, pz, e] = rask_core::kernels::CARTESIAN_FIELDS;
    Ok(Value::Record(vec![
        ("pt".to_string(), Value::F64(s.pt())),
        ("eta".to_string(), Value::F64(s.eta())),
        ("phi".to_string(), Value::F64(s.phi())),
        ("mass".to_string(), Value::F64(s.mass())),
        // The Cartesian sum itself, so that sums of sums are exact.
        (px.to_string(), Value::F64(s.px)),
        (py.to_string(), Value::F64(s.py)),
        (pz.to_string(), Value::F64(s.pz)),
        (e.to_string(), Value::F64(s.e)),
    ]))
}

/// The invariant mass (`F64`) of a vector record with fields `pt`, `eta`, `phi`, `mass`,
/// recomputed from its four-vector: sqrt(max(E² − p², 0)) with E = sqrt(p² + mass²). Equals
/// |mass| up to rounding.
///
/// `mass(lorentz_add(back_to_back_10_gev)) == 20`
pub fn mass(v: &Value) -> Result<Value, RefError> {
    Ok(Value::F64(p4_from("mass", v)?.mass()))
}

/// The `pt` field of a vector record, as `F64`.
///
/// `pt({pt: 3, eta: 0}) == 3.0`
pub fn pt(v: &Value) -> Result<Value, RefError> {
    Ok(Value::F64(number_field("pt", v, "pt")?))
}

/// `a.phi − b.phi` wrapped into [−π, π) by [`wrap_angle`], as `F64`. Only the `phi` fields
/// are read.
///
/// `delta_phi({phi: 3.1}, {phi: -3.1}) ≈ 6.2 − 2π ≈ −0.0832`
pub fn delta_phi(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "delta_phi";
    Ok(Value::F64(wrap_angle(
        number_field(OP, a, "phi")? - number_field(OP, b, "phi")?,
    )))
}

/// sqrt(Δη² + Δφ²) as `F64`, with Δη = a.eta − b.eta and Δφ as in [`delta_phi`]. Only the
/// `eta` and `phi` fields are read.
///
/// `delta_r({eta: 0, phi: 0}, {eta: 3, phi: 4}) == sqrt(9 + (2π − 4)²) ≈ 3.7700`
pub fn delta_r(a: &Value, b: &Value) -> Result<Value, RefError> {
    const OP: &str = "delta_r";
    let deta = number_field(OP, a, "eta")? - number_field(OP, b, "eta")?;
    let dphi = wrap_angle(number_field(OP, a, "phi")? - number_field(OP, b, "phi")?);
    Ok(Value::F64((deta * deta + dphi * dphi).sqrt()))
}

/// The transverse mass sqrt(2·pt1·pt2·(1 − cos(phi1 − phi2))) as `F64`, from four numbers
/// (converted with [`Value::as_f64`]). Not clamped: negative pt can give NaN.
///
/// `transverse_mass(10, 0, 10, π) == 20`
pub fn transverse_mass(
    pt1: &Value,
    phi1: &Value,
    pt2: &Value,
    phi2: &Value,
) -> Result<Value, RefError> {
    const OP: &str = "transverse_mass";
    let num = |v: &Value| v.as_f64().map_err(|e| RefError::from_value(OP, None, e));
    let (pt1, phi1, pt2, phi2) = (num(pt1)?, num(phi1)?, num(pt2)?, num(phi2)?);
    Ok(Value::F64(
        (2.0 * pt1 * pt2 * (1.0 - (phi1 - phi2).cos())).sqrt(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{PI, TAU};

    // ---- builders and assertions -------------------------------------------------------

    fn f(x: f64) -> Value {
        Value::F64(x)
    }
    fn i(x: i64) -> Value {
        Value::I64(x)
    }
    fn b(x: bool) -> Value {
        Value::Bool(x)
    }
    fn l(items: Vec<Value>) -> Value {
        Value::List(items)
    }
    fn fl(xs: &[f64]) -> Value {
        Value::List(xs.iter().map(|x| Value::F64(*x)).collect())
    }
    fn il(xs: &[i64]) -> Value {
        Value::List(xs.iter().map(|x| Value::I64(*x)).collect())
    }
    fn rec(fields: &[(&str, Value)]) -> Value {
        Value::Record(
            fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        )
    }
    fn vec4(pt: f64, eta: f64, phi: f64, mass: f64) -> Value {
        rec(&[
            ("pt", f(pt)),
            ("eta", f(eta)),
            ("phi", f(phi)),
            ("mass", f(mass)),
        ])
    }
    fn show(values: &[Value]) -> String {
        let parts: Vec<String> = values.iter().map(Value::to_string).collect();
        format!("[{}]", parts.join(", "))
    }

    /// Bit-exact comparison (NaN == NaN, 0.0 != -0.0, I64 != F64).
    #[track_caller]
    fn check(actual: Result<Vec<Value>, RefError>, expected: &[Value]) {
        match actual {
            Ok(values) => assert!(
                super::super::value::bits_eq_all(&values, expected),
                "got {} expected {}",
                show(&values),
                show(expected)
            ),
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[track_caller]
    fn check_err(
        actual: Result<Vec<Value>, RefError>,
        op: &str,
        event: Option<usize>,
        kind: RefErrorKind,
    ) -> RefError {
        match actual {
            Ok(values) => panic!("expected an error, got {}", show(&values)),
            Err(e) => {
                assert_eq!((e.op, e.event, e.kind), (op, event, kind), "error was: {e}");
                e
            }
        }
    }

    #[track_caller]
    fn f64_of(v: Result<Value, RefError>) -> f64 {
        match v {
            Ok(Value::F64(x)) => x,
            other => panic!("expected F64, got {other:?}"),
        }
    }

    #[track_caller]
    fn close(actual: f64, expected: f64, tol: f64) {
        assert!(
            (actual - expected).abs() <= tol,
            "got {actual:e}, expected {expected:e} ± {tol:e}"
        );
    }

    fn add(a: &Value, b: &Value) -> Result<Value, RefError> {
        let x = a
            .as_f64()
            .map_err(|e| RefError::from_value("add", None, e))?;
        let y = b
            .as_f64()
            .map_err(|e| RefError::from_value("add", None, e))?;
        Ok(Value::F64(x + y))
    }

    // ---- num, masks, firsts, local_index -------------------------------------------

    #[test]
    fn num_counts_and_handles_empty() {
        check(
            num(&[il(&[1, 2, 3]), l(vec![]), fl(&[4.0])]),
            &[i(3), i(0), i(1)],
        );
        check(num(&[]), &[]);
        let e = check_err(
            num(&[il(&[1]), i(5)]),
            "num",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        assert_eq!(
            e.to_string(),
            "num: event 1: type mismatch: expected list, found i64"
        );
    }

    #[test]
    fn mask_events_keeps_true_events() {
        let x = [il(&[1]), il(&[2, 3]), l(vec![])];
        check(
            mask_events(&x, &[b(true), b(false), b(true)]),
            &[il(&[1]), l(vec![])],
        );
        check(mask_events(&[], &[]), &[]);
        check_err(
            mask_events(&x, &[b(true)]),
            "mask_events",
            None,
            RefErrorKind::LengthMismatch,
        );
        check_err(
            mask_events(&x, &[b(true), i(1), b(true)]),
            "mask_events",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    #[test]
    fn mask_jagged_keeps_true_elements_and_names_bad_event() {
        let x = [il(&[1, 2, 3]), l(vec![]), fl(&[f64::NAN, 2.0])];
        let m = [
            l(vec![b(true), b(false), b(true)]),
            l(vec![]),
            l(vec![b(true), b(false)]),
        ];
        check(
            mask_jagged(&x, &m),
            &[il(&[1, 3]), l(vec![]), fl(&[f64::NAN])],
        );
        let bad = [
            l(vec![b(true), b(false), b(true)]),
            l(vec![b(true)]),
            l(vec![]),
        ];
        let e = check_err(
            mask_jagged(&x, &bad),
            "mask_jagged",
            Some(1),
            RefErrorKind::LengthMismatch,
        );
        assert!(e.to_string().contains("event 1"), "{e}");
        assert_eq!(
            e.to_string(),
            "mask_jagged: event 1: length mismatch: list has 0 elements but mask has 1"
        );
    }

    #[test]
    fn firsts_and_local_index() {
        check(
            firsts(&[il(&[7, 8]), l(vec![]), fl(&[f64::NAN])]),
            &[il(&[7]), l(vec![]), fl(&[f64::NAN])],
        );
        check(
            local_index(&[fl(&[5.0, 6.0, 7.0]), l(vec![])]),
            &[il(&[0, 1, 2]), l(vec![])],
        );
        check_err(
            firsts(&[f(1.0)]),
            "firsts",
            Some(0),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- combinations, cartesian -----------------------------------------------------

    fn pair(x: Value, y: Value) -> Value {
        rec(&[("0", x), ("1", y)])
    }
    fn triple(x: Value, y: Value, z: Value) -> Value {
        rec(&[("0", x), ("1", y), ("2", z)])
    }

    #[test]
    fn combinations_of_four_in_lexicographic_order() {
        let x = [il(&[10, 11, 12, 13]), l(vec![]), il(&[5])];
        check(
            combinations(&x, 2, None),
            &[
                l(vec![
                    pair(i(10), i(11)),
                    pair(i(10), i(12)),
                    pair(i(10), i(13)),
                    pair(i(11), i(12)),
                    pair(i(11), i(13)),
                    pair(i(12), i(13)),
                ]),
                l(vec![]),
                l(vec![]),
            ],
        );
        check(
            combinations(&x, 3, None),
            &[
                l(vec![
                    triple(i(10), i(11), i(12)),
                    triple(i(10), i(11), i(13)),
                    triple(i(10), i(12), i(13)),
                    triple(i(11), i(12), i(13)),
                ]),
                l(vec![]),
                l(vec![]),
            ],
        );
    }

    #[test]
    fn argcombinations_give_indices_in_the_same_order() {
        let x = [fl(&[1.0, 2.0, 3.0, 4.0])];
        check(
            argcombinations(&x, 2),
            &[l(vec![
                pair(i(0), i(1)),
                pair(i(0), i(2)),
                pair(i(0), i(3)),
                pair(i(1), i(2)),
                pair(i(1), i(3)),
                pair(i(2), i(3)),
            ])],
        );
        check(
            argcombinations(&x, 3),
            &[l(vec![
                triple(i(0), i(1), i(2)),
                triple(i(0), i(1), i(3)),
                triple(i(0), i(2), i(3)),
                triple(i(1), i(2), i(3)),
            ])],
        );
    }

    #[test]
    fn combinations_names_and_bad_arguments() {
        let x = [il(&[1, 2])];
        check(
            combinations(&x, 2, Some(&["a", "b"])),
            &[l(vec![rec(&[("a", i(1)), ("b", i(2))])])],
        );
        for n in [0, 1, 4] {
            check_err(
                combinations(&x, n, None),
                "combinations",
                None,
                RefErrorKind::InvalidArgument,
            );
        }
        check_err(
            combinations(&x, 2, Some(&["a"])),
            "combinations",
            None,
            RefErrorKind::InvalidArgument,
        );
        check_err(
            combinations(&x, 2, Some(&["a", "a"])),
            "combinations",
            None,
            RefErrorKind::InvalidArgument,
        );
        check_err(
            argcombinations(&x, 5),
            "argcombinations",
            None,
            RefErrorKind::InvalidArgument,
        );
    }

    #[test]
    fn cartesian_is_outer_a_inner_b() {
        let a = [il(&[1, 2]), il(&[3]), l(vec![])];
        let bb = [fl(&[0.5, 0.25]), l(vec![]), fl(&[9.0])];
        check(
            cartesian(&a, &bb, None),
            &[
                l(vec![
                    pair(i(1), f(0.5)),
                    pair(i(1), f(0.25)),
                    pair(i(2), f(0.5)),
                    pair(i(2), f(0.25)),
                ]),
                l(vec![]),
                l(vec![]),
            ],
        );
        check(
            cartesian(&a[..1], &bb[..1], Some(&["mu", "jet"])),
            &[l(vec![
                rec(&[("mu", i(1)), ("jet", f(0.5))]),
                rec(&[("mu", i(1)), ("jet", f(0.25))]),
                rec(&[("mu", i(2)), ("jet", f(0.5))]),
                rec(&[("mu", i(2)), ("jet", f(0.25))]),
            ])],
        );
        check_err(
            cartesian(&a, &bb[..2], None),
            "cartesian",
            None,
            RefErrorKind::LengthMismatch,
        );
    }

    // ---- argmin / argmax / min / max ------------------------------------------------

    #[test]
    fn argmin_argmax_first_on_ties_nan_ignored_optional_result() {
        let nan = f64::NAN;
        let x = [
            il(&[3, 1, 1]),
            l(vec![]),
            fl(&[nan, 2.0, nan, 1.0]),
            fl(&[nan, nan]),
            fl(&[f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY]),
            fl(&[0.0, -0.0]),
            il(&[5, 2, 5]),
        ];
        let expected_min = [
            il(&[1]),
            l(vec![]),
            il(&[3]),
            l(vec![]),
            il(&[1]),
            il(&[0]),
            il(&[1]),
        ];
        let expected_max = [
            il(&[0]),
            l(vec![]),
            il(&[1]),
            l(vec![]),
            il(&[0]),
            il(&[0]),
            il(&[0]),
        ];
        check(argmin(&x, false), &expected_min);
        check(argmin(&x, true), &expected_min);
        check(argmax(&x, false), &expected_max);
        check(argmax(&x, true), &expected_max);
    }

    #[test]
    fn argmin_compares_i64_exactly_and_rejects_non_numbers() {
        // As f64 these two are equal (both round to 2^63), which would pick index 0.
        check(argmin(&[il(&[i64::MAX, i64::MAX - 1])], false), &[il(&[1])]);
        check(
            argmax(&[l(vec![b(false), b(true), i(1)])], false),
            &[il(&[1])],
        );
        check_err(
            argmin(&[il(&[1]), l(vec![il(&[1])])], false),
            "argmin",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    #[test]
    fn min_max_are_optional_and_skip_nan() {
        let x = [
            il(&[3, 1, 2]),
            l(vec![]),
            fl(&[f64::NAN, 5.0]),
            fl(&[f64::NAN]),
            fl(&[f64::NEG_INFINITY, 1.0]),
        ];
        check(
            min(&x),
            &[
                fl(&[1.0]),
                l(vec![]),
                fl(&[5.0]),
                l(vec![]),
                fl(&[f64::NEG_INFINITY]),
            ],
        );
        check(
            max(&x),
            &[fl(&[3.0]), l(vec![]), fl(&[5.0]), l(vec![]), fl(&[1.0])],
        );
    }

    // ---- concatenate, flatten --------------------------------------------------------

    #[test]
    fn concatenate_lists_per_event() {
        check(
            concatenate(
                &[il(&[1, 2]), l(vec![]), l(vec![])],
                &[il(&[3]), il(&[4]), l(vec![])],
            ),
            &[il(&[1, 2, 3]), il(&[4]), l(vec![])],
        );
        check(concatenate(&[], &[]), &[]);
        let e = check_err(
            concatenate(&[il(&[1]), il(&[2])], &[il(&[3]), fl(&[4.0])]),
            "concatenate",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        assert!(
            e.message.contains("i64") && e.message.contains("f64"),
            "{e}"
        );
        check_err(
            concatenate(&[il(&[1])], &[il(&[1]), il(&[2])]),
            "concatenate",
            None,
            RefErrorKind::LengthMismatch,
        );
    }

    #[test]
    fn concatenate_records_keeps_common_fields_in_a_order() {
        let a = [
            l(vec![rec(&[("pt", i(1)), ("eta", i(2)), ("phi", i(3))])]),
            l(vec![]),
        ];
        let bb = [
            l(vec![rec(&[("phi", i(4)), ("pt", i(5)), ("mass", i(6))])]),
            l(vec![rec(&[("pt", i(7)), ("phi", i(8)), ("mass", i(9))])]),
        ];
        check(
            concatenate(&a, &bb),
            &[
                l(vec![
                    rec(&[("pt", i(1)), ("phi", i(3))]),
                    rec(&[("pt", i(5)), ("phi", i(4))]),
                ]),
                l(vec![rec(&[("pt", i(7)), ("phi", i(8))])]),
            ],
        );
        // `a` has no elements at all: the order comes from the first record of `b`.
        check(
            concatenate(&[l(vec![])], &[l(vec![rec(&[("y", i(1)), ("x", i(2))])])]),
            &[l(vec![rec(&[("y", i(1)), ("x", i(2))])])],
        );
        // No common field: empty records.
        check(
            concatenate(
                &[l(vec![rec(&[("a", i(1))])])],
                &[l(vec![rec(&[("b", i(2))])])],
            ),
            &[l(vec![rec(&[]), rec(&[])])],
        );
    }

    #[test]
    fn flatten_one_level_and_flatten_all() {
        check(
            flatten(&[l(vec![il(&[1, 2]), l(vec![]), il(&[3])]), l(vec![])]),
            &[il(&[1, 2, 3]), l(vec![])],
        );
        check_err(
            flatten(&[l(vec![il(&[1])]), il(&[1])]),
            "flatten",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        match flatten_all(&[l(vec![i(1), il(&[2, 3])]), f(4.0), l(vec![])]) {
            Ok(v) => assert!(super::super::value::bits_eq_all(
                &v,
                &[i(1), i(2), i(3), f(4.0)]
            )),
            Err(e) => panic!("{e}"),
        }
        check(flatten_all(&[]), &[]);
        check_err(
            flatten_all(&[il(&[1]), l(vec![rec(&[("x", i(1))])])]),
            "flatten_all",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- zip, take -------------------------------------------------------------------

    #[test]
    fn zip_broadcasts_scalars_and_checks_lengths() {
        let pts = [il(&[1, 2]), l(vec![])];
        let ws = [f(0.5), f(0.25)];
        check(
            zip(&[("pt", &pts), ("w", &ws)]),
            &[
                l(vec![
                    rec(&[("pt", i(1)), ("w", f(0.5))]),
                    rec(&[("pt", i(2)), ("w", f(0.5))]),
                ]),
                l(vec![]),
            ],
        );
        check(
            zip(&[("a", &[i(1)]), ("b", &[f(2.0)])]),
            &[rec(&[("a", i(1)), ("b", f(2.0))])],
        );
        let etas = [il(&[3, 4]), il(&[5])];
        let e = check_err(
            zip(&[("pt", &pts), ("eta", &etas)]),
            "zip",
            Some(1),
            RefErrorKind::LengthMismatch,
        );
        assert!(e.to_string().contains("event 1"), "{e}");
        check_err(zip(&[]), "zip", None, RefErrorKind::InvalidArgument);
        check_err(
            zip(&[("a", &pts), ("a", &pts)]),
            "zip",
            None,
            RefErrorKind::InvalidArgument,
        );
        check_err(
            zip(&[("a", &pts), ("b", &ws[..1])]),
            "zip",
            None,
            RefErrorKind::LengthMismatch,
        );
    }

    #[test]
    fn take_with_lists_scalars_and_negative_indices() {
        let x = [il(&[10, 20, 30]), il(&[40])];
        check(
            take(&x, &[il(&[2, -1, 0, -3]), l(vec![])]),
            &[il(&[30, 30, 10, 10]), l(vec![])],
        );
        check(take(&x, &[i(-3), i(0)]), &[i(10), i(40)]);
        check(take(&x, &[i(-1), i(-1)]), &[i(30), i(40)]);
        for bad in [3, -4, i64::MIN, i64::MAX] {
            check_err(
                take(&x, &[il(&[0, bad]), l(vec![])]),
                "take",
                Some(0),
                RefErrorKind::IndexOutOfRange,
            );
        }
        check_err(
            take(&[il(&[1]), l(vec![])], &[i(0), i(0)]),
            "take",
            Some(1),
            RefErrorKind::IndexOutOfRange,
        );
        check_err(
            take(&x, &[f(0.0), i(0)]),
            "take",
            Some(0),
            RefErrorKind::TypeMismatch,
        );
        check_err(
            take(&x, &[il(&[0]), l(vec![b(true)])]),
            "take",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- sort, argsort ---------------------------------------------------------------

    #[test]
    fn sort_puts_nan_last_in_both_orders() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let x = [
            fl(&[3.0, nan, 1.0, 2.0]),
            fl(&[inf, -inf, nan, 0.0]),
            l(vec![]),
        ];
        check(
            sort(&x, true),
            &[
                fl(&[1.0, 2.0, 3.0, nan]),
                fl(&[-inf, 0.0, inf, nan]),
                l(vec![]),
            ],
        );
        check(
            sort(&x, false),
            &[
                fl(&[3.0, 2.0, 1.0, nan]),
                fl(&[inf, 0.0, -inf, nan]),
                l(vec![]),
            ],
        );
        check(sort(&[il(&[3, 1, 2])], true), &[il(&[1, 2, 3])]);
    }

    #[test]
    fn argsort_is_stable_and_consistent_with_sort() {
        let x = [fl(&[3.0, f64::NAN, 1.0, 1.0])];
        check(argsort(&x, true), &[il(&[2, 3, 0, 1])]);
        check(argsort(&x, false), &[il(&[0, 2, 3, 1])]);
        // 0.0 and -0.0 tie: original order kept in both directions.
        check(sort(&[fl(&[0.0, -0.0])], true), &[fl(&[0.0, -0.0])]);
        check(sort(&[fl(&[0.0, -0.0])], false), &[fl(&[0.0, -0.0])]);
        check(sort(&[fl(&[-0.0, 0.0])], true), &[fl(&[-0.0, 0.0])]);
        let y = [
            fl(&[2.0, f64::NAN, -1.0, 2.0, f64::NEG_INFINITY]),
            l(vec![i(3), b(true), f(0.5)]),
        ];
        for ascending in [true, false] {
            let idx = argsort(&y, ascending).unwrap();
            assert!(super::super::value::bits_eq_all(
                &take(&y, &idx).unwrap(),
                &sort(&y, ascending).unwrap()
            ));
        }
        check_err(
            sort(&[l(vec![rec(&[])])], true),
            "sort",
            Some(0),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- reductions ------------------------------------------------------------------

    #[test]
    fn sum_prod_identities_and_ieee() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        check(
            sum(&[
                l(vec![i(1), f(2.5)]),
                l(vec![]),
                l(vec![b(true), b(true)]),
                fl(&[-0.0]),
                fl(&[nan, 1.0]),
                fl(&[inf, -inf]),
                fl(&[inf, 1.0]),
            ]),
            &[f(3.5), f(0.0), f(2.0), f(0.0), f(nan), f(nan), f(inf)],
        );
        check(
            prod(&[il(&[2, 3]), l(vec![]), fl(&[0.0, inf])]),
            &[f(6.0), f(1.0), f(nan)],
        );
        check_err(
            sum(&[il(&[1]), l(vec![il(&[1])])]),
            "sum",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    #[test]
    fn counts_any_all_mean() {
        let nan = f64::NAN;
        check(
            count(&[il(&[1, 2]), l(vec![]), l(vec![il(&[1]), il(&[2])])]),
            &[i(2), i(0), i(2)],
        );
        check(
            count_nonzero(&[
                l(vec![i(0), f(1.5), f(nan), b(false), b(true), f(-0.0)]),
                l(vec![]),
            ]),
            &[i(3), i(0)],
        );
        let x = [il(&[0, 2]), il(&[0]), l(vec![]), fl(&[nan]), il(&[1, 2])];
        check(any(&x), &[b(true), b(false), b(false), b(true), b(true)]);
        check(all(&x), &[b(false), b(false), b(true), b(true), b(true)]);
        check(
            mean(&[
                il(&[1, 2]),
                l(vec![]),
                fl(&[nan, 1.0]),
                l(vec![b(true), b(false)]),
            ]),
            &[fl(&[1.5]), l(vec![]), fl(&[nan]), fl(&[0.5])],
        );
    }

    // ---- broadcasting ----------------------------------------------------------------

    #[test]
    fn broadcast_binary_scalars_lists_and_nesting() {
        let a = [
            il(&[1, 2]),
            i(10),
            l(vec![il(&[1, 2]), il(&[3])]),
            l(vec![]),
        ];
        let bb = [f(100.0), il(&[1, 2]), il(&[10, 20]), f(1.0)];
        check(
            broadcast_binary(&a, &bb, &add),
            &[
                fl(&[101.0, 102.0]),
                fl(&[11.0, 12.0]),
                l(vec![fl(&[11.0, 12.0]), fl(&[23.0])]),
                l(vec![]),
            ],
        );
        check(
            broadcast_binary(&[f(1.0)], &[f(f64::INFINITY)], &add),
            &[f(f64::INFINITY)],
        );
    }

    #[test]
    fn broadcast_binary_errors() {
        let e = check_err(
            broadcast_binary(
                &[il(&[1, 2]), il(&[1, 2, 3])],
                &[il(&[1, 2]), il(&[1, 2])],
                &add,
            ),
            "broadcast_binary",
            Some(1),
            RefErrorKind::LengthMismatch,
        );
        assert!(e.to_string().contains("event 1"), "{e}");
        check_err(
            broadcast_binary(&[i(1)], &[i(1), i(2)], &add),
            "broadcast_binary",
            None,
            RefErrorKind::LengthMismatch,
        );
        check_err(
            broadcast_binary(&[i(1), l(vec![rec(&[("x", i(1))])])], &[i(1), i(1)], &add),
            "broadcast_binary",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        // An error raised by `op` keeps its name and gets the event index.
        let div = |a: &Value, b: &Value| -> Result<Value, RefError> {
            let y = b
                .as_f64()
                .map_err(|e| RefError::from_value("div", None, e))?;
            if y == 0.0 {
                return Err(RefError::new(
                    "div",
                    None,
                    RefErrorKind::InvalidArgument,
                    "division by zero",
                ));
            }
            Ok(Value::F64(
                a.as_f64()
                    .map_err(|e| RefError::from_value("div", None, e))?
                    / y,
            ))
        };
        check_err(
            broadcast_binary(&[i(1), i(1), il(&[1, 2])], &[i(1), i(2), il(&[1, 0])], &div),
            "div",
            Some(2),
            RefErrorKind::InvalidArgument,
        );
    }

    #[test]
    fn broadcast_unary_maps_leaves() {
        let neg = |v: &Value| -> Result<Value, RefError> {
            Ok(Value::F64(
                -v.as_f64()
                    .map_err(|e| RefError::from_value("neg", None, e))?,
            ))
        };
        check(
            broadcast_unary(&[l(vec![i(1), il(&[2])]), i(3), l(vec![])], &neg),
            &[l(vec![f(-1.0), fl(&[-2.0])]), f(-3.0), l(vec![])],
        );
        check_err(
            broadcast_unary(&[i(1), rec(&[])], &neg),
            "broadcast_unary",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- Lorentz vectors -------------------------------------------------------------

    #[test]
    fn back_to_back_massless_vectors_have_mass_20() {
        let a = vec4(10.0, 0.0, 0.0, 0.0);
        let c = vec4(10.0, 0.0, PI, 0.0);
        let sum = lorentz_add(&a, &c).unwrap();
        close(
            f64_of(
                sum.field("mass")
                    .cloned()
                    .map_err(|e| RefError::from_value("t", None, e)),
            ),
            20.0,
            1e-12,
        );
        close(f64_of(mass(&sum)), 20.0, 1e-12);
        close(f64_of(pt(&sum)), 0.0, 1e-14); // 10·sin π ≈ 1.2e-15
        close(f64_of(Ok(sum.field("eta").unwrap().clone())), 0.0, 0.0);
        // Field order of the result.
        let names: Vec<&str> = sum
            .as_record()
            .unwrap()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            names,
            ["pt", "eta", "phi", "mass", "__px", "__py", "__pz", "__e"]
        );
    }

    #[test]
    fn lorentz_add_collinear_and_perpendicular() {
        let s = lorentz_add(&vec4(3.0, 0.0, 0.0, 0.0), &vec4(4.0, 0.0, 0.0, 0.0)).unwrap();
        for (name, want) in [("pt", 7.0), ("eta", 0.0), ("phi", 0.0), ("mass", 0.0)] {
            assert_eq!(s.field(name).unwrap(), &f(want), "{name} of {s}");
        }
        let s = lorentz_add(&vec4(3.0, 0.0, 0.0, 0.0), &vec4(4.0, 0.0, PI / 2.0, 0.0)).unwrap();
        let get = |name: &str| s.field(name).unwrap().as_f64().unwrap();
        close(get("pt"), 5.0, 1e-12);
        close(get("phi"), 4.0_f64.atan2(3.0), 1e-12);
        close(get("mass"), 24.0_f64.sqrt(), 1e-12);
        close(get("eta"), 0.0, 0.0);
        // A massive vector at rest keeps its mass; eta of the forward boost is asinh(pz/pt).
        close(f64_of(mass(&vec4(0.0, 0.0, 0.0, 5.0))), 5.0, 1e-12);
        let s = lorentz_add(&vec4(0.0, 0.0, 0.0, 5.0), &vec4(3.0, 1.0, 0.0, 0.0)).unwrap();
        close(s.field("eta").unwrap().as_f64().unwrap(), 1.0, 1e-12);
        close(s.field("pt").unwrap().as_f64().unwrap(), 3.0, 1e-12);
    }

    #[test]
    fn eta_convention_at_zero_pt() {
        let eta_of = |px, py, pz| P4 { px, py, pz, e: 0.0 }.eta();
        assert_eq!(eta_of(0.0, 0.0, 0.0), 0.0);
        assert_eq!(eta_of(0.0, 0.0, 5.0), f64::INFINITY);
        assert_eq!(eta_of(0.0, 0.0, -5.0), f64::NEG_INFINITY);
        assert!(eta_of(0.0, 0.0, f64::NAN).is_nan());
        close(eta_of(3.0, 4.0, 5.0), 1.0_f64.asinh(), 1e-15);
    }

    #[test]
    fn delta_phi_wraps_around() {
        let a = rec(&[("phi", f(3.1))]);
        let c = rec(&[("phi", f(-3.1))]);
        close(f64_of(delta_phi(&a, &c)), 6.2 - TAU, 1e-12); // ≈ -0.0832
        close(f64_of(delta_phi(&c, &a)), TAU - 6.2, 1e-12);
        // Exactly π maps to -π: the range is [-π, π).
        assert_eq!(
            f64_of(delta_phi(&rec(&[("phi", f(PI))]), &rec(&[("phi", f(0.0))]))),
            -PI
        );
        assert_eq!(wrap_angle(-PI), -PI);
        close(wrap_angle(3.1), 3.1, 1e-15); // numpy's formula may round in range
        close(wrap_angle(-7.0), TAU - 7.0, 1e-12);
        assert_eq!(wrap_angle(0.0), 0.0);
        assert!(wrap_angle(f64::INFINITY).is_nan());
        assert!(wrap_angle(f64::NAN).is_nan());
        for k in -2000..2000 {
            let w = wrap_angle(k as f64 * 0.01);
            assert!(
                (-PI..=PI).contains(&w),
                "wrap_angle({}) = {w}",
                k as f64 * 0.01
            );
        }
    }

    #[test]
    fn delta_r_and_transverse_mass() {
        let a = rec(&[("eta", f(0.0)), ("phi", f(0.0))]);
        let c = rec(&[("eta", f(3.0)), ("phi", f(4.0))]);
        // Δη = -3, Δφ = -4 + 2π ≈ 2.28319: ΔR = sqrt(9 + 5.21294) ≈ 3.7700047.
        close(
            f64_of(delta_r(&a, &c)),
            (9.0 + (TAU - 4.0).powi(2)).sqrt(),
            1e-12,
        );
        close(f64_of(delta_r(&a, &c)), 3.7700047, 1e-6);
        assert_eq!(
            f64_of(transverse_mass(&f(10.0), &f(0.0), &f(10.0), &f(PI))),
            20.0
        );
        assert_eq!(f64_of(transverse_mass(&i(10), &i(0), &i(10), &i(0))), 0.0);
        let e = transverse_mass(&f(1.0), &il(&[]), &f(1.0), &f(0.0)).unwrap_err();
        assert_eq!(
            (e.op, e.kind),
            ("transverse_mass", RefErrorKind::TypeMismatch)
        );
        let e = delta_r(&a, &rec(&[("phi", f(0.0))])).unwrap_err();
        assert!(e.message.contains("eta"), "{e}");
    }

    #[test]
    fn map_records_and_pairs_over_collections() {
        let jets = [
            l(vec![vec4(10.0, 0.0, 0.0, 3.0), vec4(5.0, 1.0, 2.0, 4.0)]),
            l(vec![]),
            vec4(1.0, 0.0, 0.0, 0.0),
        ];
        let masses = map_records(&jets, &mass).unwrap();
        let expected = [3.0, 4.0];
        match masses.first() {
            Some(Value::List(ms)) => {
                assert_eq!(ms.len(), 2);
                for (m, want) in ms.iter().zip(expected) {
                    close(m.as_f64().unwrap(), want, 1e-12);
                }
            }
            other => panic!("{other:?}"),
        }
        assert!(masses.get(1).unwrap().bits_eq(&l(vec![])));
        check(
            map_records(&jets, &pt),
            &[fl(&[10.0, 5.0]), l(vec![]), f(1.0)],
        );
        check_err(
            map_records(&[l(vec![]), il(&[1])], &mass),
            "map_records",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        // Errors from the per-record function get the event index.
        check_err(
            map_records(&[l(vec![]), l(vec![rec(&[("pt", f(1.0))])])], &mass),
            "mass",
            Some(1),
            RefErrorKind::TypeMismatch,
        );
        // Pairs: a list against one record broadcasts the record.
        let phis = |p: &[f64]| l(p.iter().map(|x| rec(&[("phi", f(*x))])).collect());
        check(
            map_record_pairs(
                &[phis(&[0.5, 3.1]), l(vec![])],
                &[rec(&[("phi", f(0.0))]), phis(&[])],
                &delta_phi,
            ),
            // numpy's ((x + π) mod 2π) − π rounds 3.1 to 3.0999999999999996.
            &[
                fl(&[
                    rask_core::kernels::delta_phi(0.5, 0.0),
                    rask_core::kernels::delta_phi(3.1, 0.0),
                ]),
                l(vec![]),
            ],
        );
        check_err(
            map_record_pairs(
                &[phis(&[0.5]), phis(&[1.0])],
                &[phis(&[0.5]), phis(&[1.0, 2.0])],
                &delta_phi,
            ),
            "map_record_pairs",
            Some(1),
            RefErrorKind::LengthMismatch,
        );
        check_err(
            map_record_pairs(&[f(1.0)], &[phis(&[1.0])], &delta_phi),
            "map_record_pairs",
            Some(0),
            RefErrorKind::TypeMismatch,
        );
    }

    // ---- no panics on odd input -------------------------------------------------------

    #[test]
    fn no_function_panics_on_odd_inputs() {
        let odd: Vec<Vec<Value>> = vec![
            vec![],
            vec![f(f64::NAN)],
            vec![i(i64::MIN)],
            vec![b(true)],
            vec![l(vec![])],
            vec![rec(&[])],
            vec![l(vec![
                l(vec![]),
                rec(&[("pt", f(1.0))]),
                f(f64::NAN),
                i(i64::MAX),
            ])],
            vec![
                il(&[i64::MIN, -1, 0, i64::MAX]),
                fl(&[f64::NAN, f64::INFINITY]),
            ],
            vec![l(vec![b(true), b(false)]), l(vec![b(false)])],
            vec![l(vec![
                vec4(1.0, 2.0, 3.0, 4.0),
                vec4(f64::NAN, f64::INFINITY, 0.0, -1.0),
            ])],
            vec![l(vec![rec(&[("pt", i(1))]), rec(&[("eta", i(1))])])],
        ];
        let mut calls = 0;
        for x in &odd {
            let _ = (
                num(x),
                firsts(x),
                local_index(x),
                flatten(x),
                flatten_all(x),
            );
            let _ = (
                argmin(x, true),
                argmax(x, false),
                sort(x, true),
                argsort(x, false),
            );
            let _ = (sum(x), prod(x), min(x), max(x), count(x), count_nonzero(x));
            let _ = (
                any(x),
                all(x),
                mean(x),
                map_records(x, &mass),
                broadcast_unary(x, &|v: &Value| Ok(v.clone())),
            );
            for n in 0..5 {
                let _ = (combinations(x, n, None), argcombinations(x, n));
                let _ = combinations(x, n, Some(&["a", "b", "c"]));
            }
            for y in &odd {
                let _ = (mask_events(x, y), mask_jagged(x, y), cartesian(x, y, None));
                let _ = (concatenate(x, y), take(x, y), zip(&[("a", x), ("b", y)]));
                let _ = broadcast_binary(x, y, &add);
                let _ = (
                    map_record_pairs(x, y, &lorentz_add),
                    map_record_pairs(x, y, &delta_r),
                );
                calls += 1;
            }
        }
        assert_eq!(calls, odd.len() * odd.len());
    }
}
