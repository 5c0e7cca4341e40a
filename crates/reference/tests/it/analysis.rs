//! Variations, weights and cut-flows on four events whose values are worked out by hand
//! (`small_batch`: MET 25, 5, 80, 150; jets [100, 45, 20], [35], [], [60, 41]; muons 2, 0, 3, 1).

use rask_analysis::{Analysis, CutflowValues, Weights};
use rask_plan::Context;
use rask_plan::limits::Limits;
use rask_reference::{Data, MemoryReader, Value, compute_many};

use crate::common::{small, small_batch};

fn numbers(d: &Data) -> Vec<f64> {
    match d {
        Data::Events(v) => v.iter().map(|x| x.as_f64().unwrap()).collect(),
        Data::Scalar(x) => vec![x.as_f64().unwrap()],
        other => panic!("not numbers: {other:?}"),
    }
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn a_variation_rebuilds_what_depends_on_the_replaced_input_only() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let pt = ev.field("Jet").unwrap().field("pt").unwrap();
    let met = ev.field("MET").unwrap().field("pt").unwrap();
    let ht = pt
        .mask(&pt.gt(30.0).unwrap())
        .unwrap()
        .sum(Some(1))
        .unwrap();
    let out = (&ht + &met).unwrap();
    let up = pt.mul(1.1).unwrap();
    let varied = ctx.vary(&[&out], &[("jes_up", vec![(&pt, &up)])]).unwrap();
    assert_eq!(varied.names(), ["nominal", "jes_up"]);
    assert!(
        varied.nodes < varied.nodes_separately,
        "{}",
        varied.summary()
    );
    let exprs: Vec<&rask_plan::Expr> = varied.variations.iter().map(|(_, o)| &o[0]).collect();
    let got = compute_many(&exprs, &MemoryReader(small_batch())).unwrap();
    // Jets above 30: [100, 45] [35] [] [60, 41]; ×1.1: [110, 49.5] [38.5] [] [66, 45.1].
    close(&numbers(&got[0]), &[170.0, 40.0, 80.0, 251.0]);
    close(&numbers(&got[1]), &[184.5, 43.5, 80.0, 261.1]);
}

#[test]
fn variations_are_named_once_and_bounded() {
    let ctx = Context::with_limits(Limits {
        max_variations: 1,
        ..Limits::default()
    });
    let met = small(&ctx).field("MET").unwrap().field("pt").unwrap();
    let two = met.mul(2.0).unwrap();
    let err = ctx
        .vary(
            &[&two],
            &[("a", vec![(&met, &two)]), ("b", vec![(&met, &two)])],
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2 variations, more than the limit of 1"),
        "{err}"
    );
    let ctx = Context::new();
    let met = small(&ctx).field("MET").unwrap().field("pt").unwrap();
    let two = met.mul(2.0).unwrap();
    for name in ["nominal", "a"] {
        let err = ctx
            .vary(&[&two], &[("a", vec![]), (name, vec![(&met, &two)])])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("variation '{name}'")), "{err}");
        assert!(err.contains("the name is used twice"), "{err}");
    }
}

#[test]
fn weights_multiply_and_vary_one_factor_at_a_time() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let met = ev.field("MET").unwrap().field("pt").unwrap();
    let n = ev.field("nMuon").unwrap();
    let mut w = Weights::new(&ctx);
    w.add(
        "two",
        &ctx.where_(&met.gt(-1.0).unwrap(), 2.0, 0.0).unwrap(),
    )
    .unwrap();
    w.add_with_variations("mu", &n, &n.add(1).unwrap(), &n.sub(1).unwrap())
        .unwrap();
    assert_eq!(w.variations(), ["muUp", "muDown"]);
    let exprs = [
        w.weight(None).unwrap(),
        w.weight(Some("muUp")).unwrap(),
        w.weight(Some("muDown")).unwrap(),
    ];
    let refs: Vec<&rask_plan::Expr> = exprs.iter().collect();
    let got = compute_many(&refs, &MemoryReader(small_batch())).unwrap();
    close(&numbers(&got[0]), &[4.0, 0.0, 6.0, 2.0]);
    close(&numbers(&got[1]), &[6.0, 2.0, 8.0, 4.0]);
    close(&numbers(&got[2]), &[2.0, -2.0, 4.0, 0.0]);
    let err = w.weight(Some("muUpp")).unwrap_err().to_string();
    assert!(err.contains("weight variation 'muUpp'"), "{err}");
    assert!(err.contains("did you mean muUp"), "{err}");
}

#[test]
fn weights_of_the_wrong_kind_or_events_are_errors_naming_them() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let met = ev.field("MET").unwrap().field("pt").unwrap();
    let pt = ev.field("Jet").unwrap().field("pt").unwrap();
    let mut w = Weights::new(&ctx);
    w.add("met", &met).unwrap();
    let cases = [
        ("cut", met.gt(10.0).unwrap(), "is a condition, not a number"),
        ("jets", pt.clone(), "not one number per event"),
        (
            "selected",
            met.mask(&met.gt(10.0).unwrap()).unwrap(),
            "belongs to other events than weight 'met'",
        ),
    ];
    for (name, e, want) in cases {
        let err = w.add(name, &e).unwrap_err().to_string();
        assert!(err.contains(&format!("weight '{name}'")), "{err}");
        assert!(err.contains(want), "{err}");
    }
    let err = w.add("met", &met).unwrap_err().to_string();
    assert!(err.contains("the name is used twice"), "{err}");
}

#[test]
fn a_cutflow_counts_in_sequence_alone_and_n_minus_one() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let met = ev.field("MET").unwrap().field("pt").unwrap();
    let cuts = [
        ("MET > 20", met.gt(20.0).unwrap()),                    // T F T T
        ("2 muons", ev.field("nMuon").unwrap().ge(2).unwrap()), // T F T F
        ("1 jet", ev.field("nJet").unwrap().ge(1).unwrap()),    // T T F T
    ];
    let named: Vec<(&str, &rask_plan::Expr)> = cuts.iter().map(|(n, e)| (*n, e)).collect();
    let flow = ctx.cutflow(&named, Some(&met)).unwrap();
    let got = compute_many(&flow.outputs(), &MemoryReader(small_batch())).unwrap();
    let values: Vec<f64> = got.iter().flat_map(numbers).collect();
    let v = CutflowValues::from_outputs(&flow, &values).unwrap();
    assert_eq!(v.total, 4.0);
    assert_eq!(v.onecut, [3.0, 2.0, 3.0]);
    assert_eq!(v.cutflow, [3.0, 2.0, 1.0]);
    assert_eq!(v.nminusone, [1.0, 2.0, 2.0]);
    let (total, one, cum, nm1) = v.weighted.clone().unwrap();
    assert_eq!(total, 260.0);
    assert_eq!(one, [255.0, 105.0, 180.0]);
    assert_eq!(cum, [255.0, 105.0, 25.0]);
    assert_eq!(nm1, [25.0, 175.0, 105.0]);
    let table = v.table();
    assert!(table.contains("2 muons"), "{table}");
    assert!(
        matches!(got[0], Data::Scalar(Value::I64(4))),
        "{:?}",
        got[0]
    );
    let err = ctx.cutflow(&[("met", &met)], None).unwrap_err().to_string();
    assert!(
        err.contains("cut 'met'") && err.contains("not one condition per event"),
        "{err}"
    );
}

#[test]
fn foreign_replacements_and_oversized_stacks_are_errors() {
    let ctx = Context::new();
    let met = small(&ctx).field("MET").unwrap().field("pt").unwrap();
    let other = Context::new();
    let two = other.literal(2.0).unwrap();
    let err = ctx.vary(&[&met], &[("x", vec![(&met, &two)])]).unwrap_err();
    assert!(
        matches!(err, rask_plan::PlanError::ForeignExpr { .. }),
        "{err}"
    );
    // A stack is one histogram: the cap on cells holds for it.
    let capped = Context::with_limits(Limits {
        max_hist_cells: 15,
        ..Limits::default()
    });
    let met = small(&capped).field("MET").unwrap().field("pt").unwrap();
    let axis = rask_plan::Axis::Regular {
        bins: 10,
        lo: 0.0,
        hi: 100.0,
        label: String::new(),
    };
    let h = capped
        .hist(vec![axis], rask_plan::Storage::Int, &[&met], None)
        .unwrap();
    let err = capped
        .stack("variation", &[("a", &h), ("b", &h)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("stack on \"variation\""), "{err}");
}
