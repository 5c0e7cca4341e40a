//! Property: evaluating a column gives, row by row, what `evaluate_one` gives (bit for bit),
//! and a failing column fails on the first row `evaluate_one` fails on.

use proptest::prelude::*;
use rask_correction::{Arg, CorrectionError, Evaluator, Value};

use crate::util::{same, vars};

/// Every node type, nested: grouping by child, tables, transforms, formulas with registers,
/// flows that fail.
const DATA: &str = r#"{"nodetype": "category", "input": "s", "content": [
  {"key": "a", "value": {"nodetype": "multibinning", "inputs": ["x", "y"],
     "edges": [[0.0, 1.0, 2.0, 5.0], {"n": 4, "low": 0.0, "high": 4.0}],
     "content": [1, 2, 3, 4,
                 {"nodetype": "formula", "expression": "x*y+[0]", "parser": "TFormula", "variables": ["x", "y"], "parameters": [0.5]},
                 6, 7, {"nodetype": "hashprng", "inputs": ["x", "i"], "distribution": "stdflat"},
                 9, {"nodetype": "formularef", "index": 0, "parameters": [2.0, -1.0]}, 11, 12],
     "flow": "clamp"}},
  {"key": "b", "value": {"nodetype": "transform", "input": "i",
     "rule": {"nodetype": "formula", "expression": "x*3", "parser": "TFormula", "variables": ["x"]},
     "content": {"nodetype": "category", "input": "i", "content": [
        {"key": 0, "value": {"nodetype": "binning", "input": "y", "edges": {"n": 3, "low": -1.0, "high": 2.0}, "content": [0.1, 0.2, 0.3], "flow": -9.0}},
        {"key": 3, "value": 33.0},
        {"key": 6, "value": {"nodetype": "binning", "input": "y", "edges": [-1.0, 0.0, 1.0], "content": [0.6, {"nodetype": "formula", "expression": "-x", "parser": "TFormula", "variables": ["y"]}], "flow": "wrap"}}],
       "default": {"nodetype": "formula", "expression": "max(x,y)^2 - min(x, y)", "parser": "TFormula", "variables": ["x", "y"]}}}},
  {"key": "c", "value": {"nodetype": "binning", "input": "x", "edges": [-2.0, 0.0, 2.0], "content": [
       {"nodetype": "hashprng", "inputs": ["i", "y"], "distribution": "normal"}, 5.5], "flow": "error"}}],
  "default": {"nodetype": "category", "input": "i", "content": [{"key": -1, "value": -1.0},
     {"key": 0, "value": 0.0}, {"key": 1, "value": 1.0}, {"key": 2, "value": 2.0}, {"key": 3, "value": 3.0},
     {"key": 4, "value": 4.0}, {"key": 5, "value": 5.0}, {"key": 6, "value": 6.0}]}}"#;

fn evaluator() -> std::sync::Arc<Evaluator> {
    let inputs = vars(&[("x", "real"), ("y", "real"), ("i", "int"), ("s", "string")]);
    let text = format!(
        r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
          "inputs": {inputs}, "output": {{"name": "out", "type": "real"}},
          "generic_formulas": [{{"nodetype": "formula", "expression": "[0]*x+[1]", "parser": "TFormula", "variables": ["y"]}}],
          "data": {DATA}}}]}}"#
    );
    let set = rask_correction::CorrectionSet::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
    set.get("c").unwrap_or_else(|e| panic!("{e}"))
}

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -3.0..6.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        2 => prop::sample::select(vec![-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        1 => any::<f64>(),
    ]
}

fn row_of(e: &CorrectionError) -> Option<usize> {
    match e {
        CorrectionError::OutOfRange { row, .. }
        | CorrectionError::CategoryMiss { row, .. }
        | CorrectionError::Evaluation { row, .. } => Some(*row),
        _ => None,
    }
}

type Row = (f64, f64, i64, &'static str);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            real(),
            real(),
            prop_oneof![4 => -1i64..8, 1 => any::<i64>()],
            prop_oneof![6 => Just("a"), 6 => Just("b"), 1 => Just("c"), 2 => Just("d")],
        ),
        1..120,
    )
}

fn check(ev: &Evaluator, rows: &[Row], const_s: bool) -> Result<(), TestCaseError> {
    let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let i: Vec<i64> = rows.iter().map(|r| r.2).collect();
    let s: Vec<&str> = rows
        .iter()
        .map(|r| if const_s { rows[0].3 } else { r.3 })
        .collect();
    let s_arg = if const_s {
        Arg::StrConst(s[0])
    } else {
        Arg::Str(&s)
    };
    let col = ev.evaluate(
        &[Arg::Real(&x), Arg::Real(&y), Arg::Int(&i), s_arg],
        rows.len(),
    );
    let one: Vec<Result<f64, CorrectionError>> = (0..rows.len())
        .map(|r| {
            ev.evaluate_one(&[
                Value::Real(x[r]),
                Value::Real(y[r]),
                Value::Int(i[r]),
                Value::Str(s[r]),
            ])
        })
        .collect();
    match col {
        Ok(out) => {
            for (r, o) in one.iter().enumerate() {
                match o {
                    Ok(v) => prop_assert!(
                        same(*v, out[r]),
                        "row {}: column {} vs one {}",
                        r,
                        out[r],
                        v
                    ),
                    Err(e) => prop_assert!(false, "row {}: column ok, evaluate_one {}", r, e),
                }
            }
        }
        Err(e) => {
            let first = one.iter().position(Result::is_err);
            prop_assert_eq!(row_of(&e), first, "column error {}", e);
        }
    }
    Ok(())
}

/// Rows that evaluate without error: no NaN, y finite (a wrapping axis), categories "a" and
/// "b" only.
fn good_rows() -> impl Strategy<Value = Vec<Row>> {
    let finite = prop_oneof![
        3 => -3.0..6.0f64,
        1 => prop::sample::select(vec![-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
    ];
    let x =
        prop_oneof![6 => finite.clone(), 1 => Just(f64::INFINITY), 1 => Just(f64::NEG_INFINITY)];
    prop::collection::vec(
        (
            x,
            finite,
            prop_oneof![4 => -1i64..8, 1 => any::<i64>()],
            prop::sample::select(vec!["a", "b"]),
        ),
        1..600,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn column_equals_rows(rows in rows()) {
        let ev = evaluator();
        check(&ev, &rows, false)?;
        check(&ev, &rows, true)?;
    }

    #[test]
    fn column_equals_rows_without_errors(rows in good_rows()) {
        let ev = evaluator();
        let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let i: Vec<i64> = rows.iter().map(|r| r.2).collect();
        let s: Vec<&str> = rows.iter().map(|r| r.3).collect();
        let col = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y), Arg::Int(&i), Arg::Str(&s)], rows.len());
        prop_assert!(col.is_ok(), "{:?}", col);
        check(&ev, &rows, false)?;
        check(&ev, &rows, true)?;
    }
}
