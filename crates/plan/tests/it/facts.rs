//! The facts the design promises: CSE of the seed's example, Q8's columns and node counts,
//! type errors at build time, deterministic keys.

use rask_plan::{Context, PlanError, Ty};

use crate::common::nano;

fn seed_arrays(ctx: &Context) -> (rask_plan::Expr, rask_plan::Expr, rask_plan::Expr) {
    let n = 100_000_000;
    let c = 5_000_000;
    (
        ctx.random_normal(&[n], &[c], 1).unwrap(),
        ctx.random_normal(&[n], &[c], 2).unwrap(),
        ctx.random_normal(&[n], &[c], 3).unwrap(),
    )
}

#[test]
fn the_literal_example_optimises_to_the_plan_with_one_mask() {
    let ctx = Context::new();
    let (x, y, z) = seed_arrays(&ctx);
    // A: pos = x > 0; w = y[pos] + z[pos]
    let pos = x.gt(0.0).unwrap();
    let a = (&y.mask(&pos).unwrap() + &z.mask(&pos).unwrap()).unwrap();
    // B: w = y[x > 0] + z[x > 0]
    let b =
        (&y.mask(&x.gt(0.0).unwrap()).unwrap() + &z.mask(&x.gt(0.0).unwrap()).unwrap()).unwrap();
    // B again in a plan of its own: keys are structural (no context or process in them), so the
    // optimised plans of two contexts have the same keys.
    let ctx2 = Context::new();
    let (x2, y2, z2) = seed_arrays(&ctx2);
    let b2 = (&y2.mask(&x2.gt(0.0).unwrap()).unwrap() + &z2.mask(&x2.gt(0.0).unwrap()).unwrap())
        .unwrap();
    let (oa, ob) = (a.optimize().unwrap(), b2.optimize().unwrap());
    assert_eq!(oa.logical.output_keys(), ob.logical.output_keys());
    assert_eq!(oa.fused.output_keys(), ob.fused.output_keys());
    let greater = ob
        .logical
        .graph
        .topo_order(&ob.logical.outputs)
        .into_iter()
        .filter(|id| ob.logical.graph.node(*id).op.name() == "greater")
        .count();
    assert_eq!(greater, 1);
    assert_eq!(
        a.key(),
        b.key(),
        "hash-consing makes them one expression as soon as they are built"
    );
    // Written the other way round, `0 < x` is canonicalised to `x > 0` when it is built.
    let c = (&y.mask(&ctx.literal(0.0).unwrap().lt(&x).unwrap()).unwrap()
        + &z.mask(&x.gt(0.0).unwrap()).unwrap())
        .unwrap();
    assert_eq!(c.key(), a.key());
}

#[test]
fn keys_are_deterministic_names() {
    let make = || {
        let ctx = Context::new();
        let (x, y, _) = seed_arrays(&ctx);
        (&x + &y).unwrap().gt(0.0).unwrap().key()
    };
    let k = make();
    assert_eq!(k, make());
    assert!(
        k.starts_with("greater-") && k.len() == "greater-".len() + 32,
        "{k}"
    );
}

#[test]
fn q8_reads_exactly_its_twelve_branches() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let q8 = rask_adl::q8(&ctx, &events).unwrap();
    let cols = q8.necessary_columns().unwrap();
    let want = [
        "Electron_charge",
        "Electron_eta",
        "Electron_mass",
        "Electron_phi",
        "Electron_pt",
        "MET_phi",
        "MET_pt",
        "Muon_charge",
        "Muon_eta",
        "Muon_mass",
        "Muon_phi",
        "Muon_pt",
    ];
    assert_eq!(cols["events"], want);
    let opt = q8.optimize().unwrap();
    let (before, after) = (opt.before.node_count(), opt.fused.node_count());
    assert!(before > 60, "Q8 is a plan of many operations ({before})");
    assert_eq!(
        after,
        3,
        "source → fused → histogram\n{}",
        rask_plan::explain::render_plan(&opt.fused)
    );
}

#[test]
fn optimize_is_idempotent_on_q8() {
    let ctx = Context::new();
    let q8 = rask_adl::q8(&ctx, &nano(&ctx)).unwrap();
    let once = q8.optimize().unwrap();
    let twice = rask_plan::optimize(&once.fused).unwrap();
    assert_eq!(twice.fused.output_keys(), once.fused.output_keys());
    let logical_twice = rask_plan::optimize(&once.logical).unwrap();
    assert_eq!(
        logical_twice.logical.output_keys(),
        once.logical.output_keys()
    );
}

#[test]
fn ill_typed_expressions_fail_when_built() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let muon_pt = events.field("Muon").unwrap().field("pt").unwrap();
    let jet_pt = events.field("Jet").unwrap().field("pt").unwrap();
    let err = (&muon_pt + &jet_pt).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PlanError::Type { .. }), "{msg}");
    assert!(
        msg.contains("events.Muon.pt")
            && msg.contains("events.Jet.pt")
            && msg.contains("different lengths"),
        "{msg}"
    );

    let err = events.field("Muon").unwrap().field("ptt").unwrap_err();
    assert!(
        matches!(&err, PlanError::NoSuchField { name, suggestions, .. } if name == "ptt" && suggestions.contains(&"pt".to_string())),
        "{err}"
    );

    // A mask made after a cut does not fit the uncut events.
    let cut = events.field("nMuon").unwrap().ge(2).unwrap();
    let muons_cut = events.field("Muon").unwrap().mask(&cut).unwrap();
    let err = muon_pt
        .mask(&muons_cut.field("pt").unwrap().gt(10.0).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("other events"), "{err}");

    let x = ctx.random_normal(&[10], &[5], 1).unwrap();
    let y = ctx.random_normal(&[12], &[6], 1).unwrap();
    assert!((&x + &y).is_err());
    assert!(x.mask(&y.gt(0.0).unwrap()).is_err());
    assert!(
        events.field("Muon").unwrap().sqrt().is_err(),
        "records are not numbers"
    );
}

#[test]
fn types_are_known_at_build_time() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let pairs = events.field("Muon").unwrap().combinations(2).unwrap();
    let mass = pairs
        .field("0")
        .unwrap()
        .p4_add(&pairs.field("1").unwrap())
        .unwrap()
        .p4_mass()
        .unwrap();
    match mass.ty() {
        Ty::Events { layout, .. } => assert_eq!(layout.to_string(), "var * float64"),
        other => panic!("{other:?}"),
    }
    let best = mass.argmin(true).unwrap();
    assert_eq!(best.ty().describe(), "events * var * int64");
    assert_eq!(
        mass.argmin(false).unwrap().ty().describe(),
        "events * ?int64"
    );
}

#[test]
fn the_plan_does_not_grow_with_files() {
    let build = |files: usize| {
        let ctx = Context::new();
        let paths: Vec<String> = (0..files).map(|i| format!("f{i}.root")).collect();
        let events = ctx
            .source(
                "events",
                &paths,
                "Events",
                std::sync::Arc::new(rask_adl::nano_schema()),
            )
            .unwrap();
        rask_adl::q8(&ctx, &events)
            .unwrap()
            .optimize()
            .unwrap()
            .before
            .node_count()
    };
    assert_eq!(build(1), build(1000));
}
