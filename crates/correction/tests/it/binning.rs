//! Binning and MultiBinning: edges, flows, NaN and rounding, as correctionlib 2.9 gives them
//! (values checked against it on x86-64).

use rask_correction::{Arg, CorrectionError, Value};

use crate::util::{at, column, corr, eval, reals, same, vars};

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

fn uniform(flow: &str) -> String {
    format!(
        r#"{{"nodetype": "binning", "input": "x", "edges": {{"n": 3, "low": 0.0, "high": 3.0}},
            "content": [1.0, 2.0, 3.0], "flow": {flow}}}"#
    )
}

fn listed(flow: &str) -> String {
    format!(
        r#"{{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0, 3.0],
            "content": [1.0, 2.0, 3.0], "flow": {flow}}}"#
    )
}

/// (input, expected) where expected None is an error.
fn check(data: &str, cases: &[(f64, Option<f64>)]) {
    let ev = corr(&reals(&["x"]), data);
    for &(x, want) in cases {
        let got = eval(&ev, &[Value::Real(x)]);
        match (want, got) {
            (Some(w), Ok(g)) => assert!(same(w, g), "{data}\nx={x}: got {g}, want {w}"),
            (None, Err(_)) => {}
            (w, g) => panic!("{data}\nx={x}: got {g:?}, want {w:?}"),
        }
    }
}

#[test]
fn uniform_clamp() {
    check(
        &uniform("\"clamp\""),
        &[
            (NAN, Some(1.0)), // (size_t)NaN reads bin 0, as correctionlib does on x86-64
            (-0.5, Some(1.0)),
            (0.0, Some(1.0)),
            (-0.0, Some(1.0)),
            (0.999_999, Some(1.0)),
            (1.0, Some(2.0)),
            (2.0, Some(3.0)),
            (2.999_999, Some(3.0)),
            (3.0, Some(3.0)),
            (3.5, Some(3.0)),
            (INF, Some(3.0)),
            (-INF, Some(1.0)),
            (-1e-300, Some(1.0)),
        ],
    );
}

#[test]
fn uniform_error() {
    check(
        &uniform("\"error\""),
        &[
            (NAN, Some(1.0)),
            (-0.5, None),
            (0.0, Some(1.0)),
            (1.0, Some(2.0)),
            (2.999_999, Some(3.0)),
            (3.0, None),
            (INF, None),
            (-INF, None),
            (-1e-300, None),
        ],
    );
}

#[test]
fn uniform_flow_value() {
    check(
        &uniform("99.0"),
        &[
            (NAN, Some(1.0)),
            (-0.5, Some(99.0)),
            (0.0, Some(1.0)),
            (3.0, Some(99.0)),
            (INF, Some(99.0)),
            (-1e-300, Some(99.0)),
            (-0.0, Some(1.0)),
        ],
    );
}

#[test]
fn uniform_wrap() {
    check(
        &uniform("\"wrap\""),
        &[
            (NAN, Some(1.0)),
            (-0.5, Some(3.0)),
            (3.0, Some(1.0)),
            (3.5, Some(1.0)),
            (5.0, Some(3.0)),
            (INF, Some(1.0)),
            (-INF, Some(1.0)),
            // -1e-300 wraps to just below 3, which rounds to bin 3 = the default slot, 0.0.
            (-1e-300, Some(0.0)),
        ],
    );
}

#[test]
fn listed_edges_all_flows() {
    check(
        &listed("\"clamp\""),
        &[
            (NAN, Some(3.0)), // NaN is never below an edge: overflow
            (-0.5, Some(1.0)),
            (0.0, Some(1.0)),
            (1.0, Some(2.0)),
            (3.0, Some(3.0)),
            (INF, Some(3.0)),
            (-INF, Some(1.0)),
        ],
    );
    check(
        &listed("\"error\""),
        &[
            (NAN, None),
            (3.0, None),
            (-1e-300, None),
            (2.0, Some(3.0)),
            (-0.0, Some(1.0)),
        ],
    );
    check(
        &listed("99.0"),
        &[
            (NAN, Some(99.0)),
            (3.0, Some(99.0)),
            (-0.5, Some(99.0)),
            (0.5, Some(1.0)),
        ],
    );
    check(
        &listed("\"wrap\""),
        &[
            (NAN, None),
            (-0.5, Some(3.0)),
            (3.0, Some(1.0)),
            (3.5, Some(1.0)),
            (5.0, Some(3.0)),
            (INF, None),
            (-1e-300, None), // wraps onto the upper edge: correctionlib fails
        ],
    );
}

#[test]
fn flow_content_node_and_inf_edges() {
    let data = r#"{"nodetype": "binning", "input": "x", "edges": ["-inf", 0.0, "+inf"],
        "content": [-1.0, 1.0],
        "flow": {"nodetype": "formula", "expression": "x*2", "parser": "TFormula", "variables": ["x"]}}"#;
    let ev = corr(&reals(&["x"]), data);
    assert_eq!(at(&ev, -1e300), -1.0);
    assert_eq!(at(&ev, 0.0), 1.0);
    // +inf is on the last edge: overflow, the flow formula.
    assert_eq!(at(&ev, INF), INF);
    assert!(at(&ev, NAN).is_nan());
}

#[test]
fn uniform_edges_match_the_float_formula() {
    // correctionlib computes (size_t)(n * ((x - low) / (high - low))): with 10 bins over
    // [0.1, 1.1), x = 0.3 gives 10 * 0.19999999999999998 -> bin 1, not the bin [0.3, 0.4).
    let data = r#"{"nodetype": "binning", "input": "x", "edges": {"n": 10, "low": 0.1, "high": 1.1},
        "content": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "flow": "clamp"}"#;
    let ev = corr(&reals(&["x"]), data);
    let xs = [0.1, 0.2, 0.3, 0.35, 1.0999];
    assert_eq!(column(&ev, &xs), vec![0.0, 1.0, 1.0, 2.0, 9.0]);
}

#[test]
fn int_input_is_binned_as_double() {
    let data = r#"{"nodetype": "binning", "input": "i", "edges": [0.0, 1.0, 2.0, 3.0],
        "content": [1.0, 2.0, 3.0], "flow": "clamp"}"#;
    let ev = corr(&vars(&[("i", "int")]), data);
    assert_eq!(eval(&ev, &[Value::Int(1)]).ok(), Some(2.0));
    assert_eq!(eval(&ev, &[Value::Int(-7)]).ok(), Some(1.0));
    assert_eq!(eval(&ev, &[Value::Int(i64::MAX)]).ok(), Some(3.0));
    let out = ev.evaluate(&[Arg::Int(&[0, 1, 2, 3])], 4).ok();
    assert_eq!(out, Some(vec![1.0, 2.0, 3.0, 3.0]));
}

#[test]
fn children_are_evaluated_per_bin() {
    // Bins with formulas and nested binnings: rows grouped by bin, results in row order.
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0, 3.0],
        "content": [
          {"nodetype": "formula", "expression": "x + 100", "parser": "TFormula", "variables": ["x"]},
          5.0,
          {"nodetype": "binning", "input": "y", "edges": [0.0, 10.0, 20.0], "content": [7.0, 8.0], "flow": "clamp"}
        ], "flow": -1.0}"#;
    let ev = corr(&reals(&["x", "y"]), data);
    let x = [0.5, 2.5, 1.5, 0.25, 2.5, 9.0];
    let y = [0.0, 15.0, 0.0, 0.0, 5.0, 0.0];
    let out = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y)], 6).ok();
    assert_eq!(out, Some(vec![100.5, 8.0, 5.0, 100.25, 7.0, -1.0]));
    // A constant input picks one child for every row.
    let out = ev.evaluate(&[Arg::RealConst(0.5), Arg::Real(&y)], 6).ok();
    assert_eq!(out, Some(vec![100.5; 6]));
}

fn multi(flow: &str, e0: &str, e1: &str) -> String {
    format!(
        r#"{{"nodetype": "multibinning", "inputs": ["x", "y"], "edges": [{e0}, {e1}],
            "content": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "flow": {flow}}}"#
    )
}

fn check2(data: &str, cases: &[((f64, f64), Option<f64>)]) {
    let ev = corr(&reals(&["x", "y"]), data);
    for &((x, y), want) in cases {
        let got = eval(&ev, &[Value::Real(x), Value::Real(y)]);
        match (want, got) {
            (Some(w), Ok(g)) => assert!(same(w, g), "{data}\n({x}, {y}): got {g}, want {w}"),
            (None, Err(_)) => {}
            (w, g) => panic!("{data}\n({x}, {y}): got {g:?}, want {w:?}"),
        }
    }
}

const U2: &str = r#"{"n": 2, "low": 0.0, "high": 2.0}"#;
const U3: &str = r#"{"n": 3, "low": 0.0, "high": 3.0}"#;
const L2: &str = "[0.0, 1.0, 2.0]";
const L3: &str = "[0.0, 1.0, 2.0, 3.0]";

#[test]
fn multibinning_c_order_and_clamp() {
    let cases = [
        ((1.0, 2.0), Some(6.0)),
        ((2.0, 0.5), Some(4.0)),
        ((-1.0, 3.0), Some(3.0)),
        ((-1e-300, 0.5), Some(1.0)),
        ((0.5, -1e-300), Some(1.0)),
        ((2.0, 3.0), Some(6.0)),
    ];
    check2(&multi("\"clamp\"", U2, U3), &cases);
    check2(&multi("\"clamp\"", L2, L3), &cases);
    // NaN: an error on a uniform axis (index 2^63 * stride), overflow on listed edges.
    check2(
        &multi("\"clamp\"", U2, U3),
        &[((NAN, 0.5), None), ((0.5, NAN), None)],
    );
    check2(
        &multi("\"clamp\"", L2, L3),
        &[((NAN, 0.5), Some(4.0)), ((0.5, NAN), Some(3.0))],
    );
}

#[test]
fn multibinning_error_value_wrap() {
    check2(
        &multi("\"error\"", U2, U3),
        &[
            ((1.0, 2.0), Some(6.0)),
            ((2.0, 0.5), None),
            ((-1.0, 3.0), None),
            ((0.5, -1e-300), None),
        ],
    );
    check2(
        &multi("99.0", L2, L3),
        &[
            ((NAN, 0.5), Some(99.0)),
            ((0.5, NAN), Some(99.0)),
            ((2.0, 0.5), Some(99.0)),
            ((1.0, 2.0), Some(6.0)),
        ],
    );
    check2(
        &multi("99.0", U2, U3),
        &[((NAN, 0.5), None), ((-1.0, 3.0), Some(99.0))],
    );
    check2(
        &multi("\"wrap\"", U2, U3),
        &[
            ((2.0, 0.5), Some(1.0)),
            ((-1.0, 3.0), Some(4.0)),
            // Rounds to bin n on axis 0: content.back(), the last bin.
            ((-1e-300, 0.5), Some(6.0)),
            ((0.5, -1e-300), Some(6.0)),
        ],
    );
    check2(
        &multi("\"wrap\"", L2, L3),
        &[((-1.0, 3.0), Some(4.0)), ((NAN, 0.5), None)],
    );
}

#[test]
fn multibinning_nan_index_wraps_with_even_stride() {
    // Axis 0 has stride 2: 2^63 * 2 wraps to 0, so correctionlib reads bin (0, j).
    let data = r#"{"nodetype": "multibinning", "inputs": ["x", "y"],
        "edges": [{"n": 2, "low": 0.0, "high": 2.0}, {"n": 2, "low": 0.0, "high": 2.0}],
        "content": [1.0, 2.0, 3.0, 4.0], "flow": "clamp"}"#;
    check2(data, &[((NAN, 1.5), Some(2.0)), ((1.5, NAN), None)]);
}

#[test]
fn multibinning_flow_error_names_input_and_value() {
    let ev = corr(&reals(&["x", "y"]), &multi("\"error\"", L2, L3));
    let x = [0.5, 0.5, 1.5];
    let y = [0.5, 7.5, 9.0];
    let err = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y)], 3);
    match err {
        Err(CorrectionError::OutOfRange {
            correction,
            input,
            value,
            above,
            row,
        }) => {
            assert_eq!((correction.as_str(), input.as_str()), ("c", "y"));
            assert_eq!((value, above, row), (7.5, true, 1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_dimensional_multibinning() {
    let data = r#"{"nodetype": "multibinning", "inputs": [], "edges": [], "content": [4.5], "flow": "clamp"}"#;
    assert_eq!(at(&corr(&reals(&["x"]), data), 1.0), 4.5);
}

#[test]
fn large_binning_uses_search() {
    // 100 listed edges (binary search) against the uniform formula on exact edges.
    let edges: Vec<String> = (0..=100).map(|i| format!("{}.0", i)).collect();
    let content: Vec<String> = (0..100).map(|i| format!("{i}")).collect();
    let data = format!(
        r#"{{"nodetype": "binning", "input": "x", "edges": [{}], "content": [{}], "flow": "clamp"}}"#,
        edges.join(","),
        content.join(",")
    );
    let ev = corr(&reals(&["x"]), &data);
    let xs: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1 - 1.0).collect();
    let want: Vec<f64> = xs.iter().map(|&x| x.floor().clamp(0.0, 99.0)).collect();
    assert_eq!(column(&ev, &xs), want);
}
