//! Bad files and bad arguments give typed errors naming what is at fault.

use rask_correction::{Arg, CorrectionError, CorrectionSet, MAX_NODE_DEPTH, Value, VarType};

use crate::util::{corr, load, reals, set_json, vars};

#[test]
fn malformed_json_has_line_and_column() {
    let r = CorrectionSet::from_json("{\"schema_version\": 2,\n  \"corrections\": [1,]}");
    assert!(
        matches!(&r, Err(CorrectionError::Json { origin, line: 2, column: 21, .. }) if origin == "<JSON string>"),
        "{r:?}"
    );
    for bad in [
        "",
        "[",
        "{\"a\": tru}",
        "{} {}",
        "{\"a\": 01}",
        "{\"a\": \"\\x\"}",
    ] {
        assert!(
            matches!(
                CorrectionSet::from_json(bad),
                Err(CorrectionError::Json { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        CorrectionSet::from_json("[]"),
        Err(CorrectionError::Schema { .. })
    ));
    let r = CorrectionSet::from_json(r#"{"schema_version": 1, "corrections": []}"#);
    assert!(matches!(&r, Err(CorrectionError::SchemaVersion { found, .. }) if found == "1"));
    let r = CorrectionSet::from_json(r#"{"corrections": []}"#);
    assert!(matches!(r, Err(CorrectionError::SchemaVersion { .. })));
    let r = CorrectionSet::from_json(r#"{"schema_version": 2}"#);
    assert!(matches!(r, Err(CorrectionError::Schema { .. })));
}

#[test]
fn unknown_node_type_names_correction_and_place() {
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0],
        "content": [1.0, {"nodetype": "binnning"}], "flow": "clamp"}"#;
    let r = load(&reals(&["x"]), data);
    assert!(
        matches!(&r, Err(CorrectionError::UnknownNodeType { correction, nodetype, path })
            if correction == "c" && nodetype == "binnning" && path == "data.content[1]"),
        "{r:?}"
    );
    let r = load(
        &reals(&["x"]),
        r#"{"nodetype": "lwtnn", "opaque": {}, "finalizer": {}}"#,
    );
    assert!(matches!(r, Err(CorrectionError::UnknownNodeType { .. })));
}

#[test]
fn invalid_structures() {
    let x = reals(&["x"]);
    for data in [
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 1.0], "content": [1, 2], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1, 2], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0], "content": [], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, "NaN", 2.0], "content": [1, 2], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, NaN, 2.0], "content": [1, 2], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": {"n": 0, "low": 0.0, "high": 1.0}, "content": [], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": {"n": 1, "low": 1.0, "high": 1.0}, "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": {"n": 2.0, "low": 0.0, "high": 1.0}, "content": [1, 2], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": {"n": 1000000000, "low": 0.0, "high": 1.0}, "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1], "flow": "clip"}"#,
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1]}"#,
        r#"{"nodetype": "binning", "input": "y", "edges": [0.0, 1.0], "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "multibinning", "inputs": ["x"], "edges": [[0.0, 1.0], [0.0, 1.0]], "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "multibinning", "inputs": ["x", "x"], "edges": [[0.0, 1.0], [0.0, 1.0, 2.0]], "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "multibinning", "inputs": ["x", "x", "x"], "edges": [{"n": 4000000000, "low": 0, "high": 1}, {"n": 4000000000, "low": 0, "high": 1}, {"n": 4000000000, "low": 0, "high": 1}], "content": [1], "flow": "clamp"}"#,
        r#"{"nodetype": "formularef", "index": 0, "parameters": []}"#,
        r#"{"content": 1.0}"#,
        r#""clamp""#,
        r#"[1.0]"#,
        r#"null"#,
        r#"true"#,
    ] {
        let r = load(&x, data);
        assert!(
            matches!(r, Err(CorrectionError::InvalidStructure { .. })),
            "{data}: {r:?}"
        );
    }
    // Output types other than real, bad input types, a bad version, duplicates.
    let bad_output = r#"{"schema_version": 2, "corrections": [{"name": "c", "version": 1, "inputs": [],
        "output": {"name": "o", "type": "int"}, "data": 1.0}]}"#;
    assert!(matches!(
        CorrectionSet::from_json(bad_output),
        Err(CorrectionError::InvalidStructure { .. })
    ));
    let r = load(r#"[{"name": "x", "type": "float"}]"#, "1.0");
    assert!(matches!(r, Err(CorrectionError::InvalidStructure { .. })));
    let r = CorrectionSet::from_json(
        &set_json("[]", "1.0").replace("\"version\": 1", "\"version\": 1.5"),
    );
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    let dup = r#"{"schema_version": 2, "corrections": [
        {"name": "c", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0},
        {"name": "c", "version": 2, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 2.0}]}"#;
    assert!(matches!(
        CorrectionSet::from_json(dup),
        Err(CorrectionError::Schema { .. })
    ));
}

#[test]
fn invalid_structure_names_the_place() {
    let data = r#"{"nodetype": "category", "input": "i", "content": [
        {"key": 1, "value": {"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": [1.0, 2.0], "flow": "clamp"}}]}"#;
    let r = load(&vars(&[("i", "int"), ("x", "real")]), data);
    assert!(
        matches!(&r, Err(CorrectionError::InvalidStructure { path, .. }) if path == "data.content[0].value"),
        "{r:?}"
    );
    let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("\"c\"") && msg.contains("content nodes"),
        "{msg}"
    );
}

#[test]
fn deep_nesting_is_refused() {
    // Nodes nested deeper than MAX_NODE_DEPTH.
    let mut data = "1.0".to_string();
    for _ in 0..MAX_NODE_DEPTH + 1 {
        data =
            format!(r#"{{"nodetype": "transform", "input": "x", "rule": 1.0, "content": {data}}}"#);
    }
    let r = load(&reals(&["x"]), &data);
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    // Exactly at the limit it loads and evaluates.
    let mut data = "2.5".to_string();
    for _ in 0..MAX_NODE_DEPTH - 1 {
        data =
            format!(r#"{{"nodetype": "transform", "input": "x", "rule": 1.0, "content": {data}}}"#);
    }
    let ev = corr(&reals(&["x"]), &data);
    assert_eq!(
        ev.evaluate(&[Arg::Real(&[1.0, 2.0])], 2).ok(),
        Some(vec![2.5, 2.5])
    );
    // Nesting just within the JSON limit, inside a correction's data: an error, no overflow.
    let n = rask_correction::MAX_JSON_DEPTH - 5;
    let data = format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let r = load(&reals(&["x"]), &data);
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    let edges = format!("{}0.0{}", "[".repeat(n - 3), "]".repeat(n - 3));
    let data = format!(
        r#"{{"nodetype": "binning", "input": "x", "edges": {edges}, "content": [], "flow": 1.0}}"#
    );
    let r = load(&reals(&["x"]), &data);
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    // JSON nested beyond any reason.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        CorrectionSet::from_json(&deep),
        Err(CorrectionError::Json { .. })
    ));
    let deep = format!(
        r#"{{"schema_version": 2, "corrections": [{}1{}]}}"#,
        "{\"a\": ".repeat(5000),
        "}".repeat(5000)
    );
    assert!(matches!(
        CorrectionSet::from_json(&deep),
        Err(CorrectionError::Json { .. })
    ));
}

#[test]
fn out_of_range_and_category_miss_name_the_first_row() {
    // Rows reach the failing nodes in an order other than row order (grouped by bin): the
    // error is still the first failing row's.
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0], "content": [
        {"nodetype": "binning", "input": "y", "edges": [0.0, 1.0], "content": [1.0], "flow": "error"},
        {"nodetype": "category", "input": "s", "content": [{"key": "a", "value": 1.0}]}], "flow": "clamp"}"#;
    let ev = corr(
        &vars(&[("x", "real"), ("y", "real"), ("s", "string")]),
        data,
    );
    let x = [0.5, 1.5, 1.5, 0.5];
    let y = [0.5, 0.5, 0.5, 7.0];
    let s = ["a", "a", "b", "a"];
    let r = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y), Arg::Str(&s)], 4);
    assert!(
        matches!(&r, Err(CorrectionError::CategoryMiss { input, value, row: 2, .. })
            if input == "s" && value == "\"b\""),
        "{r:?}"
    );
    let s = ["a", "a", "a", "a"];
    let r = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y), Arg::Str(&s)], 4);
    assert!(
        matches!(&r, Err(CorrectionError::OutOfRange { input, value: 7.0, above: true, row: 3, .. }) if input == "y"),
        "{r:?}"
    );
    let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        msg.contains("\"c\"")
            && msg.contains("\"y\"")
            && msg.contains('7')
            && msg.contains("row 3"),
        "{msg}"
    );
}

#[test]
fn argument_count_type_and_length() {
    let ev = corr(
        &vars(&[("x", "real"), ("i", "int"), ("s", "string")]),
        "1.0",
    );
    let r = ev.evaluate(&[Arg::RealConst(1.0)], 1);
    assert!(
        matches!(
            &r,
            Err(CorrectionError::ArgCount {
                expected: 3,
                given: 1,
                ..
            })
        ),
        "{r:?}"
    );
    let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("x (real), i (int), s (string)"), "{msg}");
    let r = ev.evaluate(
        &[Arg::StrConst("a"), Arg::IntConst(1), Arg::StrConst("a")],
        1,
    );
    assert!(
        matches!(&r, Err(CorrectionError::ArgType { input, expected: VarType::Real, .. }) if input == "x"),
        "{r:?}"
    );
    let r = ev.evaluate(
        &[Arg::RealConst(1.0), Arg::RealConst(1.0), Arg::StrConst("a")],
        1,
    );
    assert!(
        matches!(&r, Err(CorrectionError::ArgType { input, expected: VarType::Int, given, .. })
            if input == "i" && given == "a real constant"),
        "{r:?}"
    );
    let r = ev.evaluate(
        &[Arg::Real(&[1.0, 2.0]), Arg::IntConst(1), Arg::StrConst("a")],
        3,
    );
    assert!(
        matches!(
            &r,
            Err(CorrectionError::ArgLength {
                expected: 3,
                given: 2,
                ..
            })
        ),
        "{r:?}"
    );
    // Ints are accepted for real inputs (converted), as correctionlib's vectorised call does.
    let ok = ev.evaluate(
        &[Arg::Int(&[1, 2]), Arg::Int(&[1, 2]), Arg::StrConst("a")],
        2,
    );
    assert_eq!(ok.ok(), Some(vec![1.0, 1.0]));
    assert_eq!(
        ev.evaluate(&[Arg::IntConst(1), Arg::IntConst(1), Arg::StrConst("a")], 0)
            .ok(),
        Some(vec![])
    );
    let r = ev.evaluate_one(&[Value::Real(1.0), Value::Int(1)]);
    assert!(matches!(r, Err(CorrectionError::ArgCount { .. })));
    let r = ev.evaluate_one(&[Value::Real(1.0), Value::Int(1), Value::Real(1.0)]);
    assert!(matches!(&r, Err(CorrectionError::ArgType { input, .. }) if input == "s"));
    assert_eq!(
        ev.evaluate_one(&[Value::Int(3), Value::Int(1), Value::Str("a")])
            .ok(),
        Some(1.0)
    );
}

#[test]
fn unknown_correction_suggests_names() {
    let set = CorrectionSet::from_json(
        r#"{"schema_version": 2, "corrections": [
          {"name": "muon_id_sf", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0},
          {"name": "muon_iso_sf", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0},
          {"name": "electron_sf", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let r = set.get("muon_id_SF");
    assert!(
        matches!(&r, Err(CorrectionError::UnknownCorrection { name, suggestions })
            if name == "muon_id_SF" && suggestions.first().map(String::as_str) == Some("muon_id_sf")),
        "{r:?}"
    );
    let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("did you mean muon_id_sf?"), "{msg}");
    let r = set.get("muon");
    assert!(
        matches!(&r, Err(CorrectionError::UnknownCorrection { suggestions, .. }) if suggestions.len() == 2),
        "{r:?}"
    );
    let r = set.get("zzzzzzzzzzzzzz");
    assert!(
        matches!(&r, Err(CorrectionError::UnknownCorrection { suggestions, .. }) if suggestions.is_empty())
    );
}
