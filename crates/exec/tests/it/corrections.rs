//! Corrections in plans: `Context::correction` broadcast over jets and events on the engine
//! equals the same values written with masks and `where` (independent operations), equals the
//! reference interpreter, reads like the API from SQL, and fails at build time with errors that
//! name the correction and the input.

use rask_reference::{Data, Reference, Value};
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ListArray};
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::correction::CorrectionInput as C;
use rask_plan::{Context, Expr};
use rask_sql::SqlSession;

use crate::common::{FileReader, nano, source};

/// A small correctionlib file: a 2-D scale factor by systematic, a formula, an integer category.
const FILE: &str = r#"{
  "schema_version": 2,
  "description": "rask test corrections",
  "corrections": [
    {"name": "jet_sf", "version": 1,
     "inputs": [{"name": "pt", "type": "real"}, {"name": "eta", "type": "real"},
                {"name": "syst", "type": "string"}],
     "output": {"name": "sf", "type": "real"},
     "data": {"nodetype": "category", "input": "syst", "content": [
        {"key": "nominal", "value": {"nodetype": "multibinning", "inputs": ["pt", "eta"],
          "edges": [[0.0, 30.0, 50.0, 10000.0], [-5.0, 0.0, 5.0]],
          "content": [1.0, 1.5, 2.0, 2.5, 3.0, 3.5], "flow": "clamp"}},
        {"key": "up", "value": 2.0}]}},
    {"name": "lin", "version": 1,
     "inputs": [{"name": "x", "type": "real"}],
     "output": {"name": "y", "type": "real"},
     "data": {"nodetype": "formula", "expression": "2*x+1", "parser": "TFormula",
              "variables": ["x"]}},
    {"name": "by_count", "version": 1,
     "inputs": [{"name": "n", "type": "int"}],
     "output": {"name": "w", "type": "real"},
     "data": {"nodetype": "category", "input": "n",
              "content": [{"key": 0, "value": 0.5}, {"key": 1, "value": 1.5}],
              "default": 1.0}}
  ]
}"#;

fn file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("corrections.json");
    std::fs::write(&path, FILE).unwrap();
    (dir, path.to_str().unwrap().to_string())
}

fn flat_f64(out: Output) -> Vec<f64> {
    let Output::Events(a) = out else {
        panic!("not per-event values")
    };
    match a.as_list_opt::<i32>() {
        Some(l) => {
            let l: &ListArray = l;
            let start = l.value_offsets()[0] as usize;
            let end = l.value_offsets()[l.len()] as usize;
            l.values().as_primitive::<Float64Type>().values()[start..end].to_vec()
        }
        None => a.as_primitive::<Float64Type>().values().to_vec(),
    }
}

fn engines() -> Vec<Engine> {
    vec![
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000),
    ]
}

/// `jet_sf(Jet.pt, Jet.eta, 'nominal')` through the builder.
fn nominal_sf(ctx: &Context, path: &str, jets: &Expr) -> Expr {
    let (pt, eta) = (jets.field("pt").unwrap(), jets.field("eta").unwrap());
    ctx.correction(
        path,
        "jet_sf",
        &[C::Expr(&pt), C::Expr(&eta), C::Str("nominal")],
    )
    .unwrap()
}

/// The nominal scale factor written with comparisons and `where` instead.
fn by_hand(jets: &Expr) -> Expr {
    let ctx = jets.context();
    let pt = jets.field("pt").unwrap();
    let eta = jets.field("eta").unwrap();
    let neg = eta.lt(0.0).unwrap();
    let pick = |a: f64, b: f64| ctx.where_(&neg, a, b).unwrap();
    let (low, mid, high) = (pick(1.0, 1.5), pick(2.0, 2.5), pick(3.0, 3.5));
    let upper = ctx.where_(&pt.lt(50.0).unwrap(), &mid, &high).unwrap();
    ctx.where_(&pt.lt(30.0).unwrap(), &low, &upper).unwrap()
}

#[test]
fn a_binned_scale_factor_on_jets_equals_masks_and_where() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let jets = events.field("Jet").unwrap();
    let sf = nominal_sf(&ctx, &path, &jets);
    let want = by_hand(&jets);
    let mut n = 0;
    for engine in engines() {
        let got = flat_f64(engine.compute(&sf).unwrap());
        let expected = flat_f64(engine.compute(&want).unwrap());
        assert_eq!(got, expected);
        assert!(got.contains(&1.0) && got.contains(&3.5));
        n = got.len();
    }
    assert!(n > 10_000, "{n} jets");
    // The reference interpreter (row by row through the scalar path) agrees.
    let Data::Events(reference) = sf.compute(&FileReader).unwrap() else {
        panic!()
    };
    let flat: Vec<f64> = reference
        .iter()
        .flat_map(|v| match v {
            Value::List(items) => items
                .iter()
                .map(|x| match x {
                    Value::F64(f) => *f,
                    other => panic!("{other:?}"),
                })
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        flat,
        flat_f64(Engine::new(Scheduler::Sync).compute(&sf).unwrap())
    );
}

#[test]
fn string_inputs_choose_the_systematic_and_weights_fill_histograms() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let jets = events.field("Jet").unwrap();
    let (pt, eta) = (jets.field("pt").unwrap(), jets.field("eta").unwrap());
    let up = ctx
        .correction(
            &path,
            "jet_sf",
            &[C::Expr(&pt), C::Expr(&eta), C::Str("up")],
        )
        .unwrap();
    let total = up.sum(None).unwrap();
    let count = jets.num().unwrap().sum(None).unwrap();
    let engine = Engine::new(Scheduler::Sync);
    let (Output::Float(t), Output::Int(c)) = (
        engine.compute(&total).unwrap(),
        engine.compute(&count).unwrap(),
    ) else {
        panic!()
    };
    assert_eq!(t, 2.0 * c as f64);
    // Different systematics are different nodes; the same call is one node.
    let again = ctx
        .correction(
            &path,
            "jet_sf",
            &[C::Expr(&pt), C::Expr(&eta), C::Str("up")],
        )
        .unwrap();
    assert_eq!(again.key(), up.key());
    let nominal = ctx
        .correction(
            &path,
            "jet_sf",
            &[C::Expr(&pt), C::Expr(&eta), C::Str("nominal")],
        )
        .unwrap();
    assert_ne!(nominal.key(), up.key());
}

#[test]
fn per_event_integer_inputs_and_formulas() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let n = events.field("Jet").unwrap().num().unwrap();
    let lin = ctx.correction(&path, "lin", &[C::Expr(&n)]).unwrap();
    let by_count = ctx.correction(&path, "by_count", &[C::Expr(&n)]).unwrap();
    let engine = Engine::new(Scheduler::Threads(2));
    let Output::Events(counts) = engine.compute(&n).unwrap() else {
        panic!()
    };
    let counts = counts.as_primitive::<Int64Type>().values().to_vec();
    let lin = flat_f64(engine.compute(&lin).unwrap());
    let by_count = flat_f64(engine.compute(&by_count).unwrap());
    for ((&c, &l), &w) in counts.iter().zip(&lin).zip(&by_count) {
        assert_eq!(l, 2.0 * c as f64 + 1.0);
        assert_eq!(
            w,
            match c {
                0 => 0.5,
                1 => 1.5,
                _ => 1.0,
            }
        );
    }
    assert!(counts.contains(&0) && counts.contains(&1));
}

#[test]
fn sql_spelling_builds_the_api_plan() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let mut s = SqlSession::new(&ctx);
    s.register("events", events.clone());
    let sql = format!(
        "SELECT hist(correction('{path}', 'jet_sf', Jet.pt, Jet.eta, 'nominal'), 6, 0.5, 3.5) AS h FROM events"
    );
    let outs = s
        .query(&sql)
        .unwrap_or_else(|e| panic!("{}", e.render(&sql)));
    let jets = events.field("Jet").unwrap();
    let sf = nominal_sf(&ctx, &path, &jets);
    let axis = rask_plan::Axis::Regular {
        bins: 6,
        lo: 0.5,
        hi: 3.5,
        label: "h".into(),
    };
    let Output::Hist(from_sql) = Engine::new(Scheduler::Sync).compute(&outs[0].1).unwrap() else {
        panic!()
    };
    let api = ctx
        .hist(vec![axis], rask_plan::Storage::Int, &[&sf], None)
        .unwrap();
    let Output::Hist(from_api) = Engine::new(Scheduler::Sync).compute(&api).unwrap() else {
        panic!()
    };
    assert_eq!(from_sql.values(), from_api.values());
    // The file is named in the plan listing.
    assert!(outs[0].1.explain().unwrap().contains("jet_sf"));
    // A typo'd correction name is an error naming it, with a suggestion.
    let bad = format!(
        "SELECT hist(correction('{path}', 'jet_fs', Jet.pt, Jet.eta, 'nominal'), 6, 0.5, 3.5) AS h FROM events"
    );
    let err = s.query(&bad).unwrap_err().render(&bad);
    assert!(err.contains("jet_fs") && err.contains("jet_sf"), "{err}");
}

#[test]
fn build_time_errors_name_the_correction_and_the_input() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let jets = events.field("Jet").unwrap();
    let pt = jets.field("pt").unwrap();
    let err =
        |args: &[C<'_>], name: &str| ctx.correction(&path, name, args).unwrap_err().to_string();

    let e = err(&[C::Expr(&pt)], "jet_sf");
    assert!(
        e.contains("jet_sf") && e.contains("3 inputs") && e.contains("1 given"),
        "{e}"
    );
    let e = err(&[C::Expr(&pt), C::Str("x"), C::Str("nominal")], "jet_sf");
    assert!(
        e.contains("'eta'") && e.contains("real") && e.contains("string"),
        "{e}"
    );
    let e = err(&[C::Expr(&pt), C::Expr(&pt), C::Expr(&pt)], "jet_sf");
    assert!(e.contains("'syst'") && e.contains("string"), "{e}");
    let e = err(&[C::Expr(&pt)], "by_count");
    assert!(
        e.contains("'n'") && e.contains("int") && e.contains("Jet.pt"),
        "{e}"
    );
    let e = err(&[C::Expr(&jets)], "lin");
    assert!(e.contains("'x'"), "{e}");
    let e = err(&[C::Real(1.0)], "lin");
    assert!(e.contains("only constant inputs"), "{e}");
    let e = ctx
        .correction("/nonexistent/corr.json", "lin", &[C::Expr(&pt)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/corr.json"), "{e}");
    // Jagged inputs of different lists cannot broadcast.
    let mu = events.field("Muon").unwrap().field("eta").unwrap();
    let e = err(&[C::Expr(&pt), C::Expr(&mu), C::Str("nominal")], "jet_sf");
    assert!(e.contains("correction"), "{e}");
}

#[test]
fn arrays_are_corrected_block_by_block() {
    let (_dir, path) = file();
    let ctx = Context::new();
    let x = ctx.random_normal(&[10_000], &[1_000], 7).unwrap();
    let y = ctx.correction(&path, "lin", &[C::Expr(&x)]).unwrap();
    let engine = Engine::new(Scheduler::Sync);
    let (Output::Array { data: xs, .. }, Output::Array { data: ys, .. }) =
        (engine.compute(&x).unwrap(), engine.compute(&y).unwrap())
    else {
        panic!()
    };
    let xs = xs.as_primitive::<Float64Type>().values();
    let ys = ys.as_primitive::<Float64Type>().values();
    assert_eq!(xs.len(), ys.len());
    for (x, y) in xs.iter().zip(ys.iter()) {
        assert_eq!(*y, 2.0 * x + 1.0);
    }
}
