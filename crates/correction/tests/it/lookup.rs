//! Property: binnings evaluated through their lookup tables (codes per axis, one table over
//! the combinations) give, row by row, what `evaluate_one` gives (bit for bit), and fail on
//! the first row `evaluate_one` fails on — for random edges (lists with infinities, uniform
//! with rounding at the edges), every flow, contents of numbers, FormulaRefs of one generic
//! formula, and other nodes, on columns longer than a morsel.

use proptest::prelude::*;
use rask_correction::{Arg, CorrectionError, CorrectionSet, Evaluator, Value};

use crate::util::same;

/// One axis: explicit edges, or uniform (n, low, high).
#[derive(Clone, Debug)]
enum AxisDoc {
    List(Vec<f64>),
    Uniform(u32, f64, f64),
}

impl AxisDoc {
    fn json(&self) -> String {
        match self {
            AxisDoc::List(e) => {
                let items: Vec<String> = e.iter().map(|&x| num(x)).collect();
                format!("[{}]", items.join(", "))
            }
            AxisDoc::Uniform(n, lo, hi) => {
                format!(r#"{{"n": {n}, "low": {}, "high": {}}}"#, num(*lo), num(*hi))
            }
        }
    }

    fn nbins(&self) -> usize {
        match self {
            AxisDoc::List(e) => e.len() - 1,
            AxisDoc::Uniform(n, ..) => *n as usize,
        }
    }

    /// Values worth evaluating: the edges and their neighbours, beyond the range, NaN.
    fn probes(&self) -> Vec<f64> {
        let mut v = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, 1e300];
        let edges: Vec<f64> = match self {
            AxisDoc::List(e) => e.clone(),
            AxisDoc::Uniform(n, lo, hi) => (0..=*n)
                .map(|i| lo + (hi - lo) * f64::from(i) / f64::from(*n))
                .collect(),
        };
        for e in edges {
            v.extend([e, e.next_up(), e.next_down(), e + 0.5, e - 0.5]);
        }
        v
    }
}

fn num(x: f64) -> String {
    if x == f64::INFINITY {
        "Infinity".to_string()
    } else if x == f64::NEG_INFINITY {
        "-Infinity".to_string()
    } else {
        format!("{x:?}")
    }
}

fn axis() -> impl Strategy<Value = AxisDoc> {
    let list = prop::collection::btree_set(-40i32..40, 2..20).prop_flat_map(|set| {
        let base: Vec<f64> = set.into_iter().map(|i| f64::from(i) * 0.1).collect();
        (Just(base), any::<bool>(), any::<bool>()).prop_map(|(mut e, lo_inf, hi_inf)| {
            if lo_inf && e.len() > 2 {
                e[0] = f64::NEG_INFINITY;
            }
            if hi_inf && e.len() > 2 {
                let last = e.len() - 1;
                e[last] = f64::INFINITY;
            }
            AxisDoc::List(e)
        })
    });
    let uniform = (1u32..7, -30i32..10, 1i32..30)
        .prop_map(|(n, lo, w)| AxisDoc::Uniform(n, f64::from(lo) * 0.1, f64::from(lo + w) * 0.1));
    prop_oneof![3 => list, 2 => uniform]
}

/// A content node: mostly numbers, else FormulaRefs of the generic formula, a bound
/// formula, or a nested binning.
fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (-100i32..100).prop_map(|i| num(f64::from(i) * 0.25)),
        3 => (-4i32..4, -4i32..4).prop_map(|(a, b)| format!(
            r#"{{"nodetype": "formularef", "index": 0, "parameters": [{}, {}]}}"#,
            num(f64::from(a) * 0.5),
            num(f64::from(b) * 0.5)
        )),
        1 => Just(r#"{"nodetype": "formula", "expression": "x-y", "parser": "TFormula", "variables": ["x", "y"]}"#.to_string()),
        1 => Just(r#"{"nodetype": "binning", "input": "z", "edges": [-1.0, 0.0, 1.0], "content": [7.0, 8.0], "flow": "clamp"}"#.to_string()),
    ]
}

fn flow() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#""clamp""#.to_string()),
        Just(r#""error""#.to_string()),
        Just(r#""wrap""#.to_string()),
        content(),
    ]
}

/// A binning or multibinning over 1 to 3 of the inputs x, y, z.
#[derive(Clone, Debug)]
struct Doc {
    axes: Vec<AxisDoc>,
    multi: bool,
    /// Numbers only (a table of values) or a mixture.
    contents: Vec<String>,
    flow: String,
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::collection::vec(axis(), 1..4),
        any::<bool>(),
        any::<bool>(),
        flow(),
    )
        .prop_flat_map(|(axes, multi, numbers, flow)| {
            let multi = multi || axes.len() > 1;
            let bins: usize = axes.iter().map(AxisDoc::nbins).product();
            let one = if numbers {
                (-100i32..100)
                    .prop_map(|i| num(f64::from(i) * 0.25))
                    .boxed()
            } else {
                content().boxed()
            };
            (
                Just(axes),
                Just(multi),
                prop::collection::vec(one, bins),
                Just(flow),
            )
        })
        .prop_map(|(axes, multi, contents, flow)| Doc {
            axes,
            multi,
            contents,
            flow,
        })
}

const NAMES: [&str; 3] = ["x", "y", "z"];

impl Doc {
    fn json(&self) -> String {
        let contents = self.contents.join(", ");
        if self.multi {
            let inputs: Vec<String> = (0..self.axes.len())
                .map(|i| format!("\"{}\"", NAMES[i]))
                .collect();
            let edges: Vec<String> = self.axes.iter().map(AxisDoc::json).collect();
            format!(
                r#"{{"nodetype": "multibinning", "inputs": [{}], "edges": [{}], "content": [{contents}], "flow": {}}}"#,
                inputs.join(", "),
                edges.join(", "),
                self.flow
            )
        } else {
            format!(
                r#"{{"nodetype": "binning", "input": "x", "edges": {}, "content": [{contents}], "flow": {}}}"#,
                self.axes[0].json(),
                self.flow
            )
        }
    }

    fn evaluator(&self) -> std::sync::Arc<Evaluator> {
        let text = format!(
            r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
              "inputs": [{{"name": "x", "type": "real"}}, {{"name": "y", "type": "real"}},
                         {{"name": "z", "type": "real"}}],
              "output": {{"name": "out", "type": "real"}},
              "generic_formulas": [{{"nodetype": "formula", "expression": "[0]*x+[1]*y",
                                    "parser": "TFormula", "variables": ["x", "z"]}}],
              "data": {}}}]}}"#,
            self.json()
        );
        let set = CorrectionSet::from_json(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        set.get("c").unwrap_or_else(|e| panic!("{e}"))
    }
}

fn row_of(e: &CorrectionError) -> Option<usize> {
    match e {
        CorrectionError::OutOfRange { row, .. }
        | CorrectionError::CategoryMiss { row, .. }
        | CorrectionError::Evaluation { row, .. } => Some(*row),
        _ => None,
    }
}

/// Columns of `len` rows for x, y, z: probes of each axis (and of the nested binning on z)
/// picked by `picks`, and values inside the range.
fn columns(doc: &Doc, picks: &[(u16, u16, u16)], len: usize) -> [Vec<f64>; 3] {
    let mut probes: Vec<Vec<f64>> = doc.axes.iter().map(AxisDoc::probes).collect();
    while probes.len() < 3 {
        probes.push(AxisDoc::List(vec![-1.0, 0.0, 1.0]).probes());
    }
    let mut cols = [Vec::new(), Vec::new(), Vec::new()];
    for r in 0..len {
        let p = picks[r % picks.len()];
        let k = [p.0, p.1, p.2];
        for (a, col) in cols.iter_mut().enumerate() {
            let pr = &probes[a];
            col.push(pr[(k[a] as usize + r / picks.len()) % pr.len()]);
        }
    }
    cols
}

fn check(ev: &Evaluator, cols: &[Vec<f64>; 3]) -> Result<(), TestCaseError> {
    let len = cols[0].len();
    let args = [
        Arg::Real(&cols[0]),
        Arg::Real(&cols[1]),
        Arg::Real(&cols[2]),
    ];
    let col = ev.evaluate(&args, len);
    let one: Vec<Result<f64, CorrectionError>> = (0..len)
        .map(|r| {
            ev.evaluate_one(&[
                Value::Real(cols[0][r]),
                Value::Real(cols[1][r]),
                Value::Real(cols[2][r]),
            ])
        })
        .collect();
    match col {
        Ok(out) => {
            for (r, o) in one.iter().enumerate() {
                match o {
                    Ok(v) => prop_assert!(
                        same(*v, out[r]),
                        "row {} ({}, {}, {}): column {} vs one {}",
                        r,
                        cols[0][r],
                        cols[1][r],
                        cols[2][r],
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lookup_equals_rows(
        doc in doc(),
        picks in prop::collection::vec((any::<u16>(), any::<u16>(), any::<u16>()), 1..64),
        len in prop_oneof![1 => 1usize..40, 1 => 1000usize..2600],
    ) {
        let ev = doc.evaluator();
        let cols = columns(&doc, &picks, len);
        check(&ev, &cols)?;
        // Rows that pass (no NaN, in range for "error"), so the whole column goes through
        // the table rather than stopping at the first failing row.
        let ok: Vec<usize> = (0..len)
            .filter(|&r| {
                ev.evaluate_one(&[
                    Value::Real(cols[0][r]),
                    Value::Real(cols[1][r]),
                    Value::Real(cols[2][r]),
                ])
                .is_ok()
            })
            .collect();
        let good = [0, 1, 2].map(|a| ok.iter().map(|&r| cols[a][r]).collect::<Vec<f64>>());
        if !ok.is_empty() {
            check(&ev, &good)?;
        }
    }
}
