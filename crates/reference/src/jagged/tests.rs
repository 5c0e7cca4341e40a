//! Unit tests.

use super::*;

// ---- builders and assertions -------------------------------------------------------

pub(super) fn f(x: f64) -> Value {
    Value::F64(x)
}
pub(super) fn i(x: i64) -> Value {
    Value::I64(x)
}
pub(super) fn b(x: bool) -> Value {
    Value::Bool(x)
}
pub(super) fn l(items: Vec<Value>) -> Value {
    Value::List(items)
}
pub(super) fn fl(xs: &[f64]) -> Value {
    Value::List(xs.iter().map(|x| Value::F64(*x)).collect())
}
pub(super) fn il(xs: &[i64]) -> Value {
    Value::List(xs.iter().map(|x| Value::I64(*x)).collect())
}
pub(super) fn rec(fields: &[(&str, Value)]) -> Value {
    Value::Record(
        fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect(),
    )
}
pub(super) fn vec4(pt: f64, eta: f64, phi: f64, mass: f64) -> Value {
    rec(&[
        ("pt", f(pt)),
        ("eta", f(eta)),
        ("phi", f(phi)),
        ("mass", f(mass)),
    ])
}
pub(super) fn show(values: &[Value]) -> String {
    let parts: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Bit-exact comparison (NaN == NaN, 0.0 != -0.0, I64 != F64).
#[track_caller]
pub(super) fn check(actual: Result<Vec<Value>, RefError>, expected: &[Value]) {
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
pub(super) fn check_err(
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
pub(super) fn f64_of(v: Result<Value, RefError>) -> f64 {
    match v {
        Ok(Value::F64(x)) => x,
        other => panic!("expected F64, got {other:?}"),
    }
}

#[track_caller]
pub(super) fn close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "got {actual:e}, expected {expected:e} ± {tol:e}"
    );
}

pub(super) fn add(a: &Value, b: &Value) -> Result<Value, RefError> {
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
pub(super) fn num_counts_and_handles_empty() {
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
pub(super) fn mask_events_keeps_true_events() {
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
pub(super) fn mask_jagged_keeps_true_elements_and_names_bad_event() {
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
pub(super) fn firsts_and_local_index() {
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

pub(super) fn pair(x: Value, y: Value) -> Value {
    rec(&[("0", x), ("1", y)])
}
pub(super) fn triple(x: Value, y: Value, z: Value) -> Value {
    rec(&[("0", x), ("1", y), ("2", z)])
}

#[test]
pub(super) fn combinations_of_four_in_lexicographic_order() {
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
pub(super) fn argcombinations_give_indices_in_the_same_order() {
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
pub(super) fn combinations_names_and_bad_arguments() {
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
pub(super) fn cartesian_is_outer_a_inner_b() {
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
pub(super) fn argmin_argmax_first_on_ties_nan_ignored_optional_result() {
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
pub(super) fn argmin_compares_i64_exactly_and_rejects_non_numbers() {
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
pub(super) fn min_max_are_optional_and_skip_nan() {
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
pub(super) fn concatenate_lists_per_event() {
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
pub(super) fn concatenate_records_keeps_common_fields_in_a_order() {
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
pub(super) fn flatten_one_level_and_flatten_all() {
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
