//! Formulas: the TFormula grammar as correctionlib parses it (precedence, unary minus,
//! literals, whitespace), its functions (values of correctionlib 2.9, which calls the same
//! libm), parameters, FormulaRef.

use rask_correction::{Arg, CorrectionError, Value};

use crate::util::{corr, eval, load, reals, same};

/// A formula over variables v0.. with parameters [1.5, -0.3, 0.02, 4.0] (or `params`).
fn formula(expr: &str, nvars: usize, params: &str) -> Result<f64, CorrectionError> {
    let names: Vec<String> = (0..nvars.max(1)).map(|i| format!("v{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let vars: Vec<String> = names[..nvars].iter().map(|n| format!("\"{n}\"")).collect();
    let data = format!(
        r#"{{"nodetype": "formula", "expression": {}, "parser": "TFormula",
            "variables": [{}], "parameters": {params}}}"#,
        serde_json::to_string(expr).unwrap_or_default(),
        vars.join(", ")
    );
    let set = load(&reals(&names), &data)?;
    set.get("c")?;
    Ok(f64::NAN)
}

fn value(expr: &str, args: &[f64], params: &str) -> f64 {
    let names: Vec<String> = (0..args.len().max(1)).map(|i| format!("v{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let vars: Vec<String> = names[..args.len()]
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect();
    let data = format!(
        r#"{{"nodetype": "formula", "expression": {}, "parser": "TFormula",
            "variables": [{}], "parameters": {params}}}"#,
        serde_json::to_string(expr).unwrap_or_default(),
        vars.join(", ")
    );
    let ev = corr(&reals(&names), &data);
    let mut row: Vec<Value<'_>> = args.iter().map(|&x| Value::Real(x)).collect();
    if args.is_empty() {
        row.push(Value::Real(0.0));
    }
    eval(&ev, &row).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

#[test]
fn grammar_and_precedence() {
    let p = "[10.0, 20.0]";
    for (expr, args, want) in [
        ("x>=1", &[2.0][..], 1.0),
        ("x<=1", &[2.0], 0.0),
        ("-x^2", &[3.0], 9.0), // the minus binds first
        ("-2^2", &[], 4.0),    // so does a literal's
        ("2^3^2", &[], 512.0), // right associative
        ("2-3-4", &[], -5.0),
        ("8/2/2", &[], 2.0),
        ("-(2)", &[], -2.0),
        ("1.", &[], 1.0),
        ("1.e2", &[], 100.0),
        ("exp (x)", &[0.0], 1.0),
        ("[ 0 ]", &[], 10.0),
        ("x[0]", &[2.0], 2.0),
        (" x ", &[1.0], 1.0),
        ("2*-3", &[], -6.0),
        ("2*-x", &[1.0], -2.0),
        ("x==1", &[1.0], 1.0),
        ("x!=1", &[1.0], 0.0),
        ("1||0", &[], 1.0),
        ("0&&1", &[], 0.0),
        ("1+2*3^2", &[], 19.0),
        ("1 + 2 > 2", &[], 1.0),
        ("1 < 2 == 1", &[], 1.0),
        ("-x*2", &[3.0], -6.0),
        ("2^-1", &[], 0.5),
        ("2^-x", &[1.0], 0.5),
        ("1-x^2", &[3.0], -8.0),
        ("x>y", &[1.0, 2.0], 0.0),
        ("1e-3", &[], 0.001),
        ("1.5e2", &[], 150.0),
        ("-1e-3", &[], -0.001),
        ("x*-1e-3", &[1.0], -0.001),
        ("t", &[1.0, 2.0, 3.0, 4.0], 4.0),
        ("z", &[1.0, 2.0, 3.0], 3.0),
        ("x[1]", &[1.0, 2.0], 2.0),
        ("- x", &[1.0], -1.0),
        ("-exp(x)", &[0.0], -1.0),
        ("-[0]", &[], -10.0),
        ("1-2+3", &[], 2.0),
        ("1 - -2", &[], 3.0),
        ("1--2", &[], 3.0),
        ("1+-2", &[], -1.0),
        ("2 ^ 2", &[], 4.0),
        ("2^2^-1", &[], std::f64::consts::SQRT_2),
        ("00012", &[], 12.0),
        ("x>=1&&x<=2", &[1.5], 1.0),
        ("x>=1 && x<=2||x>5", &[6.0], 1.0),
        ("0.1+0.2", &[], 0.30000000000000004),
        ("1/3", &[], 0.3333333333333333),
        ("0^0", &[], 1.0),
        ("1e400", &[], f64::MAX), // C++ istream overflow gives DBL_MAX
        ("-1e400", &[], -f64::MAX),
        ("1e-400", &[], 0.0),
        ("[1]*x+[0]", &[2.0], 50.0),
    ] {
        let got = value(expr, args, p);
        assert!(same(got, want), "{expr}: got {got}, want {want}");
    }
}

#[test]
fn functions_match_correctionlib() {
    let p = "[1.5, -0.3, 0.02, 4.0]";
    for (expr, args, want) in [
        ("cos(x)", &[0.7][..], 0.7648421872844885),
        ("sin(x)", &[0.7], 0.644217687237691),
        ("tan(x)", &[0.7], 0.8422883804630794),
        ("acos(x)", &[0.7], 0.7953988301841436),
        ("asin(x)", &[0.7], 0.775397496610753),
        ("atan(x)", &[0.7], 0.6107259643892086),
        ("cosh(x)", &[0.7], 1.255169005630943),
        ("sinh(x)", &[0.7], 0.7585837018395334),
        ("tanh(x)", &[0.7], 0.6043677771171636),
        ("acosh(x)", &[1.7], 1.123230982587296),
        ("asinh(x)", &[0.7], 0.6526665660823557),
        ("atanh(x)", &[0.7], 0.8673005276940531),
        ("log10(x)", &[0.7], -0.1549019599857432),
        ("exp(x)", &[0.7], 2.0137527074704766),
        ("log(x)", &[0.7], -0.35667494393873245),
        ("erf(x)", &[0.7], 0.6778011938374184),
        ("erf(x)", &[0.5], 0.5204998778130465),
        ("sqrt(x)", &[0.7], 0.8366600265340756),
        ("abs(x)", &[-0.7], 0.7),
        ("pow(x,y)", &[0.7, 2.3], 0.44027648647741346),
        ("atan2(x,y)", &[0.7, -2.3], 2.8461518164460733),
        ("x^y", &[1.1, 30.5], 18.301087494888428),
        ("max(1,2)", &[], 2.0),
        ("pow(2,10)", &[], 1024.0),
        ("abs(-2)", &[], 2.0),
        ("asinh(x)", &[123.456], 5.509048400149605),
        ("acosh(x)", &[1e10], 23.7189981105004),
        ("atanh(x)", &[-0.999], -3.8002011672501994),
        (
            "[0]+[1]*log10(x)+[2]*pow(log10(x),2)",
            &[35.0],
            1.084462509206591,
        ),
        (
            "max(0.0001,[0]+[1]*log10(x)+[2]*pow(log10(x),2)+[3]/x)",
            &[35.0],
            1.1987482234923053,
        ),
        ("exp(-0.5*x*x)", &[1.3], 0.4295573582107391),
        ("tanh(x)", &[1.0], 0.7615941559557649),
        ("sqrt(-1)", &[], f64::NAN),
        ("log(0)", &[], f64::NEG_INFINITY),
        ("1/0", &[], f64::INFINITY),
        ("0/0", &[], f64::NAN),
        ("(-8)^(1/3)", &[], f64::NAN),
        // std::max(a, b) = a < b ? b : a; std::min(a, b) = b < a ? b : a.
        ("min(x, 1)", &[f64::NAN], f64::NAN),
        ("max(x,1)", &[f64::NAN], f64::NAN),
        ("max(1,x)", &[f64::NAN], 1.0),
        ("min(1,x)", &[f64::NAN], 1.0),
    ] {
        let got = value(expr, args, p);
        assert!(
            same(got, want),
            "{expr} {args:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn parse_errors_like_correctionlib() {
    for (expr, nvars) in [
        ("- 2", 1),
        ("--x", 1),
        ("1E5", 1),
        ("1e+5", 1),
        (".5", 1),
        ("x [0]", 1),
        ("x**2", 1),
        ("2 * - 3", 1),
        ("TMath::Exp(x)", 1),
        ("abs(- 2)", 1),
        ("xx", 1),
        ("e", 1),
        ("pi", 1),
        ("(x)(x)", 1),
        ("exp(x)(", 1),
        ("", 1),
        ("  ", 1),
        ("x[2]", 2),
        ("y", 1),
        ("2*3%2", 1),
        ("1.5.5", 1),
        ("1e5.5", 1),
        ("a", 1),
        ("exp(x", 1),
        ("max(1)", 1),
        ("log10", 1),
        ("[5]", 1),
        ("x = 1", 1),
    ] {
        let r = formula(expr, nvars, "[1.0, 2.0]");
        assert!(
            matches!(&r, Err(CorrectionError::FormulaParse { expression, position, .. })
                if expression == expr && *position >= 1),
            "{expr:?}: {r:?}"
        );
    }
    let err = formula("1 + * 2", 1, "[]");
    assert!(
        matches!(&err, Err(CorrectionError::FormulaParse { position: 5, .. })),
        "{err:?}"
    );
}

#[test]
fn deep_formulas_are_bounded() {
    // Within the limits: nesting (parentheses, '^') up to MAX_FORMULA_NESTING, trees up to
    // MAX_FORMULA_DEPTH.
    let n = rask_correction::MAX_FORMULA_NESTING - 1;
    let ok = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(value(&ok, &[2.0], "[]"), 2.0);
    let ok = format!("{}x{}", "-(".repeat(n / 2), ")".repeat(n / 2));
    assert_eq!(
        value(&ok, &[2.0], "[]"),
        if (n / 2).is_multiple_of(2) { 2.0 } else { -2.0 }
    );
    let pow = vec!["x"; n].join("^");
    assert_eq!(value(&pow, &[1.0], "[]"), 1.0);
    let long = vec!["x"; rask_correction::MAX_FORMULA_DEPTH].join("+");
    assert_eq!(value(&long, &[1.0], "[]"), 1000.0);
    // Beyond them: a parse error, not a stack overflow.
    for bad in [
        format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("{}x", "-(".repeat(100_000)),
        format!("{}x", "exp(".repeat(100_000)),
        vec!["x"; 100_000].join("^"),
        vec!["x"; 100_000].join("-"),
        vec!["x"; 1001].join("*"),
    ] {
        let r = formula(&bad, 1, "[]");
        assert!(
            matches!(r, Err(CorrectionError::FormulaParse { .. })),
            "{r:?}"
        );
    }
}

#[test]
fn formula_inputs_are_checked() {
    let int = crate::util::vars(&[("i", "int")]);
    let r = load(
        &int,
        r#"{"nodetype": "formula", "expression": "x", "parser": "TFormula", "variables": ["i"]}"#,
    );
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    let r = load(
        &reals(&["x"]),
        r#"{"nodetype": "formula", "expression": "x", "parser": "TFormula", "variables": ["nope"]}"#,
    );
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
    let r = load(
        &reals(&["x"]),
        r#"{"nodetype": "formula", "expression": "x", "parser": "numexpr", "variables": ["x"]}"#,
    );
    assert!(
        matches!(r, Err(CorrectionError::InvalidStructure { .. })),
        "{r:?}"
    );
}

fn generic_set(data: &str) -> Result<rask_correction::CorrectionSet, CorrectionError> {
    rask_correction::CorrectionSet::from_json(&format!(
        r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
          "inputs": [{{"name": "x", "type": "real"}}, {{"name": "y", "type": "real"}}],
          "output": {{"name": "out", "type": "real"}},
          "generic_formulas": [
            {{"nodetype": "formula", "expression": "[0]+[1]*x", "parser": "TFormula", "variables": ["x"]}},
            {{"nodetype": "formula", "expression": "[2]*y", "parser": "TFormula", "variables": ["x", "y"]}}],
          "data": {data}}}]}}"#
    ))
}

#[test]
fn formularef_parameters_per_reference() {
    let set = generic_set(
        r#"{"nodetype": "binning", "input": "y", "edges": [0.0, 1.0, 2.0, 3.0], "content": [
            {"nodetype": "formularef", "index": 0, "parameters": [1.0, 2.0]},
            {"nodetype": "formularef", "index": 0, "parameters": [-1.0, 0.5]},
            {"nodetype": "formularef", "index": 1, "parameters": [0.0, 0.0, 10.0]}], "flow": "clamp"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ev = set.get("c").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        eval(&ev, &[Value::Real(3.0), Value::Real(0.5)]).ok(),
        Some(7.0)
    );
    let x = [3.0, 3.0, 3.0, 4.0];
    let y = [0.5, 1.5, 2.5, 0.0];
    let out = ev.evaluate(&[Arg::Real(&x), Arg::Real(&y)], 4).ok();
    assert_eq!(out, Some(vec![7.0, 0.5, 25.0, 9.0]));
    // Index out of range, too few parameters.
    for bad in [
        r#"{"nodetype": "formularef", "index": 2, "parameters": [1.0, 2.0]}"#,
        r#"{"nodetype": "formularef", "index": -1, "parameters": [1.0, 2.0]}"#,
        r#"{"nodetype": "formularef", "index": 1, "parameters": [1.0, 2.0]}"#,
    ] {
        assert!(
            matches!(
                generic_set(bad),
                Err(CorrectionError::InvalidStructure { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn formula_columns_over_many_morsels() {
    // More rows than a morsel, through a formula with several registers.
    let data = r#"{"nodetype": "formula", "expression": "(x+1)*(y-2) - (x*y)/(1+abs(x)) + max(x,y)^2",
        "parser": "TFormula", "variables": ["x", "y"]}"#;
    let ev = corr(&reals(&["x", "y"]), data);
    let n = 5000;
    let x: Vec<f64> = (0..n).map(|i| (i as f64) * 0.01 - 20.0).collect();
    let y: Vec<f64> = (0..n).map(|i| ((i * 7) % 13) as f64 - 6.0).collect();
    let out = ev
        .evaluate(&[Arg::Real(&x), Arg::Real(&y)], n)
        .unwrap_or_default();
    for i in 0..n {
        let (a, b) = (x[i], y[i]);
        let m = if a < b { b } else { a };
        let want = (a + 1.0) * (b - 2.0) - (a * b) / (1.0 + a.abs()) + m.powf(2.0);
        assert!(same(out[i], want), "row {i}: {} vs {want}", out[i]);
    }
    // A constant argument.
    let out = ev
        .evaluate(&[Arg::RealConst(2.0), Arg::Real(&y[..3])], 3)
        .unwrap_or_default();
    assert_eq!(out.len(), 3);
}
