//! Helpers: one-correction sets from inline JSON, evaluation through both paths.

use std::sync::Arc;

use rask_correction::{Arg, CorrectionError, CorrectionSet, Evaluator, Value};

/// The JSON of a set with one correction `c` (`inputs` a JSON list, `data` a content node).
pub fn set_json(inputs: &str, data: &str) -> String {
    format!(
        r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
            "inputs": {inputs}, "output": {{"name": "out", "type": "real"}}, "data": {data}}}]}}"#
    )
}

/// The set with one correction `c`.
pub fn load(inputs: &str, data: &str) -> Result<CorrectionSet, CorrectionError> {
    CorrectionSet::from_json(&set_json(inputs, data))
}

/// Correction `c` of a one-correction set (the JSON must be valid).
pub fn corr(inputs: &str, data: &str) -> Arc<Evaluator> {
    let set = load(inputs, data).unwrap_or_else(|e| panic!("{e}"));
    set.get("c").unwrap_or_else(|e| panic!("{e}"))
}

/// Inputs JSON: real variables of these names.
pub fn reals(names: &[&str]) -> String {
    let items: Vec<String> = names
        .iter()
        .map(|n| format!(r#"{{"name": "{n}", "type": "real"}}"#))
        .collect();
    format!("[{}]", items.join(", "))
}

/// Inputs JSON from (name, type) pairs.
pub fn vars(items: &[(&str, &str)]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|(n, t)| format!(r#"{{"name": "{n}", "type": "{t}"}}"#))
        .collect();
    format!("[{}]", items.join(", "))
}

/// One row, by `evaluate_one` and by `evaluate` on a one-row column; both must agree (bit for
/// bit, NaN equal to NaN) or both fail.
pub fn eval(ev: &Evaluator, row: &[Value<'_>]) -> Result<f64, CorrectionError> {
    let one = ev.evaluate_one(row);
    let reals: Vec<[f64; 1]> = row
        .iter()
        .map(|v| [if let Value::Real(x) = v { *x } else { 0.0 }])
        .collect();
    let ints: Vec<[i64; 1]> = row
        .iter()
        .map(|v| [if let Value::Int(i) = v { *i } else { 0 }])
        .collect();
    let strs: Vec<[&str; 1]> = row
        .iter()
        .map(|v| [if let Value::Str(s) = v { *s } else { "" }])
        .collect();
    let args: Vec<Arg<'_>> = row
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Real(_) => Arg::Real(&reals[i]),
            Value::Int(_) => Arg::Int(&ints[i]),
            Value::Str(_) => Arg::Str(&strs[i]),
        })
        .collect();
    let col = ev.evaluate(&args, 1);
    match (&one, &col) {
        (Ok(a), Ok(b)) => assert!(
            a.to_bits() == b[0].to_bits() || (a.is_nan() && b[0].is_nan()),
            "evaluate_one {a} != evaluate {}",
            b[0]
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("evaluate_one {one:?} but evaluate {col:?}"),
    }
    one
}

/// One real input's value.
pub fn at(ev: &Evaluator, x: f64) -> f64 {
    eval(ev, &[Value::Real(x)]).unwrap_or_else(|e| panic!("{e}"))
}

/// A column of one real input.
pub fn column(ev: &Evaluator, xs: &[f64]) -> Vec<f64> {
    ev.evaluate(&[Arg::Real(xs)], xs.len())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Bit-equality of floats (NaN equal to NaN).
pub fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}
