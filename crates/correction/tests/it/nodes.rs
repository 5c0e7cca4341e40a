//! Category, Transform and HashPRNG nodes, values as correctionlib 2.9 gives them.

use rask_correction::{Arg, CorrectionError, Value};

use crate::util::{corr, eval, load, reals, same, vars};

#[test]
fn category_int_keys_first_duplicate_wins() {
    let data = r#"{"nodetype": "category", "input": "i", "content": [
        {"key": 1, "value": 10.0}, {"key": 1, "value": 11.0}, {"key": -3, "value": 30.0}]}"#;
    let ev = corr(&vars(&[("i", "int")]), data);
    assert_eq!(eval(&ev, &[Value::Int(1)]).ok(), Some(10.0));
    assert_eq!(eval(&ev, &[Value::Int(-3)]).ok(), Some(30.0));
    let miss = eval(&ev, &[Value::Int(2)]);
    assert!(
        matches!(&miss, Err(CorrectionError::CategoryMiss { input, value, row: 0, .. })
            if input == "i" && value == "2"),
        "{miss:?}"
    );
    let out = ev.evaluate(&[Arg::Int(&[-3, 1, -3, 1])], 4).ok();
    assert_eq!(out, Some(vec![30.0, 10.0, 30.0, 10.0]));
}

#[test]
fn category_string_default_and_null_default() {
    let data = r#"{"nodetype": "category", "input": "s", "content": [{"key": "a", "value": 10.0}],
        "default": 5.0}"#;
    let ev = corr(&vars(&[("s", "string")]), data);
    assert_eq!(eval(&ev, &[Value::Str("a")]).ok(), Some(10.0));
    assert_eq!(eval(&ev, &[Value::Str("b")]).ok(), Some(5.0));
    assert_eq!(eval(&ev, &[Value::Str("")]).ok(), Some(5.0));
    let s = ["a", "zz", "a"];
    assert_eq!(
        ev.evaluate(&[Arg::Str(&s)], 3).ok(),
        Some(vec![10.0, 5.0, 10.0])
    );

    let data = r#"{"nodetype": "category", "input": "s", "content": [{"key": "a", "value": 10.0}],
        "default": null}"#;
    let ev = corr(&vars(&[("s", "string")]), data);
    let miss = eval(&ev, &[Value::Str("b")]);
    assert!(matches!(&miss, Err(CorrectionError::CategoryMiss { value, .. }) if value == "\"b\""));
}

#[test]
fn category_children_and_sparse_keys() {
    // Children that are nodes (rows grouped by key), keys too sparse for a table.
    let data = r#"{"nodetype": "category", "input": "i", "content": [
        {"key": -2000000000, "value": {"nodetype": "formula", "expression": "x*10", "parser": "TFormula", "variables": ["x"]}},
        {"key": 0, "value": 1.5},
        {"key": 2000000000, "value": {"nodetype": "category", "input": "s", "content": [{"key": "up", "value": 2.0}], "default": 3.0}}
      ], "default": {"nodetype": "formula", "expression": "-x", "parser": "TFormula", "variables": ["x"]}}"#;
    let ev = corr(&vars(&[("i", "int"), ("x", "real"), ("s", "string")]), data);
    let i = [
        0,
        -2_000_000_000,
        2_000_000_000,
        7,
        2_000_000_000,
        -2_000_000_000,
    ];
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let s = ["up", "up", "up", "up", "down", "down"];
    let out = ev
        .evaluate(&[Arg::Int(&i), Arg::Real(&x), Arg::Str(&s)], 6)
        .ok();
    assert_eq!(out, Some(vec![1.5, 20.0, 2.0, -4.0, 3.0, 60.0]));
    // The same through evaluate_one.
    for r in 0..6 {
        let v = eval(
            &ev,
            &[Value::Int(i[r]), Value::Real(x[r]), Value::Str(s[r])],
        )
        .ok();
        assert_eq!(v, out.as_ref().map(|o| o[r]));
    }
}

#[test]
fn category_keys_are_checked() {
    let int = vars(&[("i", "int")]);
    for (inputs, content) in [
        (&int, r#"[{"key": 5000000000, "value": 1.0}]"#), // not a 32-bit int
        (&int, r#"[{"key": 1.0, "value": 1.0}]"#),        // not an int
        (&int, r#"[{"key": "a", "value": 1.0}]"#),        // string key, int input
        (&vars(&[("i", "string")]), r#"[{"key": 1, "value": 1.0}]"#),
        (&int, r#"[{"value": 1.0}]"#),
    ] {
        let data = format!(r#"{{"nodetype": "category", "input": "i", "content": {content}}}"#);
        let r = load(inputs, &data);
        assert!(
            matches!(r, Err(CorrectionError::InvalidStructure { .. })),
            "{content}: {r:?}"
        );
    }
    // A category of a real input loads (with no keys) but cannot be evaluated.
    let ev = corr(
        &reals(&["x"]),
        r#"{"nodetype": "category", "input": "x", "content": []}"#,
    );
    assert!(matches!(
        eval(&ev, &[Value::Real(1.0)]),
        Err(CorrectionError::Evaluation { .. })
    ));
}

fn transform_int() -> std::sync::Arc<rask_correction::Evaluator> {
    let data = r#"{"nodetype": "transform", "input": "i",
        "rule": {"nodetype": "formula", "expression": "x*2", "parser": "TFormula", "variables": ["x"]},
        "content": {"nodetype": "category", "input": "i", "content": [
            {"key": 2, "value": 1.0}, {"key": 3, "value": 2.0}, {"key": 4, "value": 3.0}], "default": -1.0}}"#;
    corr(&vars(&[("i", "int"), ("x", "real")]), data)
}

#[test]
fn transform_rounds_for_int_inputs() {
    // The rule's value is rounded half away from zero (std::round); NaN and values out of
    // int64 become INT64_MIN (x86-64 conversion), here the default.
    let ev = transform_int();
    for (x, want) in [
        (1.0, 1.0),
        (1.25, 2.0),
        (1.5, 2.0),
        (1.75, 3.0),
        (-1.25, -1.0),
        (0.75, 1.0),
        (1e30, -1.0),
        (f64::NAN, -1.0),
    ] {
        assert_eq!(
            eval(&ev, &[Value::Int(0), Value::Real(x)]).ok(),
            Some(want),
            "x={x}"
        );
    }
    let x = [1.0, 1.25, 1.75, 0.75, -1.25];
    let out = ev.evaluate(&[Arg::IntConst(0), Arg::Real(&x)], 5).ok();
    assert_eq!(out, Some(vec![1.0, 2.0, 3.0, 1.0, -1.0]));
}

#[test]
fn transform_real_and_nested() {
    let data = r#"{"nodetype": "transform", "input": "x",
        "rule": {"nodetype": "formula", "expression": "x*2", "parser": "TFormula", "variables": ["x"]},
        "content": {"nodetype": "transform", "input": "x",
            "rule": {"nodetype": "formula", "expression": "x+1", "parser": "TFormula", "variables": ["x"]},
            "content": {"nodetype": "binning", "input": "x", "edges": [0.0, 5.0, 10.0],
                        "content": [{"nodetype": "formula", "expression": "x", "parser": "TFormula", "variables": ["x"]}, -5.0],
                        "flow": "clamp"}}}"#;
    let ev = corr(&reals(&["x"]), data);
    assert_eq!(eval(&ev, &[Value::Real(1.0)]).ok(), Some(3.0));
    let out = ev.evaluate(&[Arg::Real(&[1.0, 3.0, 0.5, 2.5])], 4).ok();
    assert_eq!(out, Some(vec![3.0, -5.0, 2.0, -5.0]));
    // A string input cannot be transformed.
    let bad = r#"{"nodetype": "transform", "input": "s", "rule": 1.0, "content": 1.0}"#;
    assert!(load(&vars(&[("s", "string")]), bad).is_err());
}

/// pcg32 as published (pcg_basic.c `pcg32_random_r`), seeded as pcg-cpp's
/// `engine(state)` does: `state = (seed + inc) * mult + inc`.
fn pcg32_stream(seed: u64) -> impl FnMut() -> u32 {
    const MULT: u64 = 6364136223846793005;
    const INC: u64 = 1442695040888963407;
    let mut state = seed.wrapping_add(INC).wrapping_mul(MULT).wrapping_add(INC);
    move || {
        let old = state;
        state = old.wrapping_mul(MULT).wrapping_add(INC);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        (xorshifted >> rot) | (xorshifted << (rot.wrapping_neg() & 31))
    }
}

/// correctionlib's HashPRNG from its definition: XXH64 (seed 0) of the inputs' 64-bit words,
/// pcg32 seeded with it, then libstdc++'s generate_canonical (stdflat) or correctionlib's
/// polar method (normal).
fn reference(words: &[u64], normal: bool) -> f64 {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut g = pcg32_stream(xxhash_rust::xxh64::xxh64(&bytes, 0));
    if normal {
        loop {
            let u = g() as f64 / 2147483648.0 - 1.0;
            let v = g() as f64 / 2147483648.0 - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s != 0.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }
    let lo = g() as f64;
    let hi = g() as f64;
    ((lo + hi * 4294967296.0) / 18446744073709551616.0).min(1.0 - f64::EPSILON / 2.0)
}

fn prng(dist: &str) -> std::sync::Arc<rask_correction::Evaluator> {
    let data =
        format!(r#"{{"nodetype": "hashprng", "inputs": ["i", "x"], "distribution": "{dist}"}}"#);
    corr(&vars(&[("i", "int"), ("x", "real")]), &data)
}

#[test]
fn hashprng_values_of_correctionlib() {
    // Values of correctionlib 2.9 (Python, x86-64 Linux).
    let rows: [(i64, f64); 5] = [
        (0, 0.0),
        (1, 1.0),
        (5, 2.3),
        (-7, -0.0),
        (123456789, f64::NAN),
    ];
    let want = [
        (
            "stdflat",
            [
                0.04124251800846092,
                0.5577292093782874,
                0.08301564182384669,
                0.32592756005958345,
                0.08057265215263912,
            ],
        ),
        (
            "stdnormal",
            [
                -0.9538658782007152,
                0.4571700489998319,
                1.1165961152199375,
                -1.0402421319139818,
                0.1607133198144869,
            ],
        ),
        (
            "normal",
            [
                -0.23080266632530058,
                -1.813610577371987,
                0.24495566405614208,
                -1.1948240919057564,
                0.5618942052419127,
            ],
        ),
    ];
    for (dist, values) in want {
        let ev = prng(dist);
        for ((i, x), w) in rows.iter().zip(values) {
            let got = eval(&ev, &[Value::Int(*i), Value::Real(*x)]).ok();
            assert_eq!(got, Some(w), "{dist} ({i}, {x})");
        }
        let i: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let x: Vec<f64> = rows.iter().map(|r| r.1).collect();
        assert_eq!(
            ev.evaluate(&[Arg::Int(&i), Arg::Real(&x)], 5).ok(),
            Some(values.to_vec())
        );
    }
    // correctionlib's own test (tests/test_hashprng.py).
    let data =
        r#"{"nodetype": "hashprng", "inputs": ["var1", "var2", "var3"], "distribution": "DIST"}"#;
    let inputs = vars(&[("var1", "real"), ("var2", "real"), ("var3", "int")]);
    for (dist, want) in [
        ("normal", -1.263776278956304),
        ("stdflat", 0.5312947726732237),
        ("stdnormal", 2.227655564267796),
    ] {
        let ev = corr(&inputs, &data.replace("DIST", dist));
        let got = eval(&ev, &[Value::Real(1.2), Value::Real(2.3), Value::Int(5)]).ok();
        assert_eq!(got, Some(want), "{dist}");
    }
    // No inputs: the hash of nothing.
    let ev = corr(
        &reals(&["x"]),
        r#"{"nodetype": "hashprng", "inputs": [], "distribution": "stdflat"}"#,
    );
    assert_eq!(
        eval(&ev, &[Value::Real(3.0)]).ok(),
        Some(0.2967258811608697)
    );
}

#[test]
fn hashprng_matches_its_definition() {
    let flat = prng("stdflat");
    let normal = prng("normal");
    let n = 5000;
    let i: Vec<i64> = (0..n).map(|k| (k as i64 - 2500) * 7919).collect();
    let x: Vec<f64> = (0..n).map(|k| (k as f64).sin() * 1e3).collect();
    let a = flat
        .evaluate(&[Arg::Int(&i), Arg::Real(&x)], n)
        .unwrap_or_default();
    let b = normal
        .evaluate(&[Arg::Int(&i), Arg::Real(&x)], n)
        .unwrap_or_default();
    for k in 0..n {
        let words = [i[k] as u64, x[k].to_bits()];
        assert!(same(a[k], reference(&words, false)), "stdflat row {k}");
        assert!(same(b[k], reference(&words, true)), "normal row {k}");
        assert!((0.0..1.0).contains(&a[k]));
    }
    // Deterministic: the same inputs give the same numbers.
    let again = flat
        .evaluate(&[Arg::Int(&i), Arg::Real(&x)], n)
        .unwrap_or_default();
    assert_eq!(a, again);
    let mean = a.iter().sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
}

#[test]
fn hashprng_rejects_string_inputs_and_bad_distributions() {
    let s = vars(&[("s", "string")]);
    assert!(
        load(
            &s,
            r#"{"nodetype": "hashprng", "inputs": ["s"], "distribution": "normal"}"#
        )
        .is_err()
    );
    let r = load(
        &reals(&["x"]),
        r#"{"nodetype": "hashprng", "inputs": ["x"], "distribution": "gauss"}"#,
    );
    assert!(matches!(r, Err(CorrectionError::InvalidStructure { .. })));
}
