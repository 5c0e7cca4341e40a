//! Broadcasting element-wise functions over jagged values and records.

use super::*;

// ---------------------------------------------------------------------------------------------
// Broadcasting
// ---------------------------------------------------------------------------------------------

pub(super) fn broadcast2(
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
        (Value::List(xs), Value::List(ys)) => pairwise(op_name, event, xs, ys, |x, y| {
            broadcast2(op_name, event, x, y, op)
        }),
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

pub(super) fn broadcast1(
    op_name: &'static str,
    event: usize,
    a: &Value,
    op: UnaryFn,
) -> Res<Value> {
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

pub(super) fn map_records1(event: usize, v: &Value, f: UnaryFn) -> Res<Value> {
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

pub(super) fn map_record_pairs2(event: usize, a: &Value, b: &Value, f: BinaryFn) -> Res<Value> {
    const OP: &str = "map_record_pairs";
    match (a, b) {
        (Value::Record(_), Value::Record(_)) => f(a, b).map_err(|e| e.at_event(event)),
        (Value::List(xs), Value::List(ys)) => {
            pairwise(OP, event, xs, ys, |x, y| map_record_pairs2(event, x, y, f))
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

/// `f` on the elements of two lists of one event pair by pair; lists of other lengths are an
/// error of `op_name`.
fn pairwise(
    op_name: &'static str,
    event: usize,
    xs: &[Value],
    ys: &[Value],
    f: impl Fn(&Value, &Value) -> Res<Value>,
) -> Res<Value> {
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
    let out: Res<Vec<Value>> = xs.iter().zip(ys).map(|(x, y)| f(x, y)).collect();
    Ok(Value::List(out?))
}
