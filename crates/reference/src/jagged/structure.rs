//! Structure: counts, masks, combinations, cartesian products, arg-extremes, concatenation,
//! flattening, zip, take and sorting, event by event.

use super::*;

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

/// Per event, items `start..stop` of the list (clipped to its length; `None`: to its end).
///
/// `list_slice([[a, b, c], [d]], 1, Some(2)) == [[b], []]`
pub fn list_slice(x: &[Value], start: u32, stop: Option<u32>) -> Result<Vec<Value>, RefError> {
    const OP: &str = "list_slice";
    x.iter()
        .enumerate()
        .map(|(i, ev)| {
            let items = list_at(OP, i, ev)?;
            let end = stop.map_or(items.len(), |s| (s as usize).min(items.len()));
            let begin = (start as usize).min(end);
            Ok(Value::List(items[begin..end].to_vec()))
        })
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
