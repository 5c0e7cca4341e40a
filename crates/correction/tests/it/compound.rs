//! Compound corrections: each input and output operator, constituents' input mapping.

use rask_correction::{Arg, CorrectionError, CorrectionSet, Value};

use crate::util::eval;

/// c1(x) = 0.1 x; c2(syst, x) = x + 1 for "a", 2 for "b"; the compound over (x, syst).
fn set(input_op: &str, output_op: &str, update: &str) -> Result<CorrectionSet, CorrectionError> {
    CorrectionSet::from_json(&format!(
        r#"{{"schema_version": 2, "corrections": [
          {{"name": "c1", "version": 1, "inputs": [{{"name": "x", "type": "real"}}],
            "output": {{"name": "o", "type": "real"}},
            "data": {{"nodetype": "formula", "expression": "0.1*x", "parser": "TFormula", "variables": ["x"]}}}},
          {{"name": "c2", "version": 3, "inputs": [{{"name": "syst", "type": "string"}}, {{"name": "x", "type": "real"}}],
            "output": {{"name": "o", "type": "real"}},
            "data": {{"nodetype": "category", "input": "syst", "content": [
              {{"key": "a", "value": {{"nodetype": "formula", "expression": "x+1", "parser": "TFormula", "variables": ["x"]}}}},
              {{"key": "b", "value": 2.0}}]}}}}],
          "compound_corrections": [
          {{"name": "comp", "description": "c1 then c2", "inputs": [{{"name": "x", "type": "real"}}, {{"name": "syst", "type": "string"}}],
            "output": {{"name": "o", "type": "real"}}, "inputs_update": {update},
            "input_op": "{input_op}", "output_op": "{output_op}", "stack": ["c1", "c2"]}}]}}"#
    ))
}

fn comp(input_op: &str, output_op: &str) -> std::sync::Arc<rask_correction::Evaluator> {
    let s = set(input_op, output_op, r#"["x"]"#).unwrap_or_else(|e| panic!("{e}"));
    s.get("comp").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_operator() {
    // x = 10: c1 = 1; x -> 10 op 1; c2 = x' + 1.  x = 20: c1 = 2.
    for (iop, oop, at10, at20) in [
        ("*", "*", 11.0, 82.0),
        ("+", "+", 13.0, 25.0),
        ("/", "/", 1.0 / 11.0, 2.0 / 11.0),
        ("*", "last", 11.0, 41.0),
        ("+", "*", 12.0, 2.0 * 23.0),
    ] {
        let ev = comp(iop, oop);
        let one = eval(&ev, &[Value::Real(10.0), Value::Str("a")]).ok();
        assert_eq!(one, Some(at10), "{iop} {oop}");
        let out = ev
            .evaluate(&[Arg::Real(&[10.0, 20.0]), Arg::StrConst("a")], 2)
            .ok();
        assert_eq!(out, Some(vec![at10, at20]), "{iop} {oop}");
    }
    // Without updates the constituents see the original inputs.
    let s = set("*", "+", "[]").unwrap_or_else(|e| panic!("{e}"));
    let ev = s.get("comp").unwrap_or_else(|e| panic!("{e}"));
    let out = ev
        .evaluate(&[Arg::Real(&[10.0, 20.0]), Arg::Str(&["a", "b"])], 2)
        .ok();
    assert_eq!(out, Some(vec![1.0 + 11.0, 2.0 + 2.0]));
}

#[test]
fn compound_signature_and_errors() {
    let s = set("*", "*", r#"["x"]"#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.names(), vec!["c1", "c2", "comp"]);
    let ev = s.get("comp").unwrap_or_else(|e| panic!("{e}"));
    assert!(ev.is_compound());
    assert_eq!((ev.version(), ev.description()), (0, "c1 then c2"));
    assert_eq!(ev.inputs().len(), 2);
    // A constituent's error names the constituent.
    let r = ev.evaluate(&[Arg::Real(&[1.0, 2.0]), Arg::Str(&["a", "zz"])], 2);
    assert!(
        matches!(&r, Err(CorrectionError::CategoryMiss { correction, row: 1, .. }) if correction == "c2"),
        "{r:?}"
    );
    assert!(matches!(
        set("*", "*", r#"["syst"]"#),
        Err(CorrectionError::InvalidStructure { .. })
    ));
    assert!(matches!(
        set("-", "*", r#"["x"]"#),
        Err(CorrectionError::InvalidStructure { .. })
    ));
    assert!(matches!(
        set("last", "*", r#"["x"]"#),
        Err(CorrectionError::InvalidStructure { .. })
    ));
    assert!(matches!(
        set("*", "max", r#"["x"]"#),
        Err(CorrectionError::InvalidStructure { .. })
    ));
}

#[test]
fn unknown_constituent_and_missing_inputs() {
    let base = |stack: &str, inputs: &str| {
        CorrectionSet::from_json(&format!(
            r#"{{"schema_version": 2, "corrections": [
              {{"name": "c1", "version": 1, "inputs": [{{"name": "x", "type": "real"}}],
                "output": {{"name": "o", "type": "real"}}, "data": 1.0}}],
              "compound_corrections": [{{"name": "comp", "inputs": {inputs},
                "output": {{"name": "o", "type": "real"}}, "inputs_update": [],
                "input_op": "*", "output_op": "*", "stack": {stack}}}]}}"#
        ))
    };
    let x = r#"[{"name": "x", "type": "real"}]"#;
    assert!(base(r#"["c1"]"#, x).is_ok());
    let r = base(r#"["c9"]"#, x);
    assert!(
        matches!(&r, Err(CorrectionError::InvalidStructure { correction, .. }) if correction == "comp"),
        "{r:?}"
    );
    let r = base(r#"["c1"]"#, r#"[{"name": "y", "type": "real"}]"#);
    assert!(matches!(r, Err(CorrectionError::InvalidStructure { .. })));
    // An input of another type loads (as in correctionlib) but cannot be evaluated.
    let s =
        base(r#"["c1"]"#, r#"[{"name": "x", "type": "int"}]"#).unwrap_or_else(|e| panic!("{e}"));
    let ev = s.get("comp").unwrap_or_else(|e| panic!("{e}"));
    let r = ev.evaluate_one(&[Value::Int(1)]);
    assert!(
        matches!(&r, Err(CorrectionError::ArgType { correction, .. }) if correction == "c1"),
        "{r:?}"
    );
    // An empty stack gives 0.
    let s = base("[]", x).unwrap_or_else(|e| panic!("{e}"));
    let ev = s.get("comp").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ev.evaluate_one(&[Value::Real(3.0)]).ok(), Some(0.0));
}
