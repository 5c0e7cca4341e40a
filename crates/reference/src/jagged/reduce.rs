//! Reductions over one list of numbers per event.

use super::*;

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
