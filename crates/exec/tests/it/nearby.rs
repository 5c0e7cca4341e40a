//! The ΔR chain kernel (`events/nearby.rs`) is taken where its chain stands alone in a fused
//! body and left where ΔR is read by something else. Its values are checked against the
//! reference interpreter by `random_plans` (shapes `NestedAny`, `NestedAllSwapped`,
//! `NestedAnyShared`) and against the expected Q7 histogram by `adl`.

use rask_exec::events::nearby::{self, Nearby};
use rask_plan::op::BinaryOp;
use rask_plan::{Context, Expr};

use crate::common::{fused_bodies, nano, source};

/// The ΔR chains the fused bodies of `e`'s optimised plan hold.
fn chains(e: &Expr) -> Vec<Nearby> {
    fused_bodies(&[e])
        .iter()
        .map(|t| {
            let tys: Vec<_> = t.inputs.iter().collect();
            nearby::plan(&t.body, &t.types, &tys)
        })
        .collect()
}

/// Jets and muons as records of `pt, eta, phi`, and their nested product's ΔR.
fn jets_and_muons(ctx: &Context) -> (Expr, Expr) {
    let events = source(ctx, &nano());
    let zip = |name: &str| {
        let c = events.field(name).unwrap();
        let f = |m: &str| c.field(m).unwrap();
        ctx.zip(&[("pt", &f("pt")), ("eta", &f("eta")), ("phi", &f("phi"))])
            .unwrap()
    };
    let pairs = zip("Jet").cartesian_nested(&zip("Muon")).unwrap();
    let dr = pairs
        .field("0")
        .unwrap()
        .delta_r(&pairs.field("1").unwrap())
        .unwrap();
    (zip("Jet"), dr)
}

#[test]
fn a_lone_delta_r_chain_is_evaluated_from_the_particles() {
    let ctx = Context::new();
    let (jets, dr) = jets_and_muons(&ctx);
    let clean = dr.lt(0.4).unwrap().any(Some(2)).unwrap().not().unwrap();
    let sum = jets
        .field("pt")
        .unwrap()
        .mask(&clean)
        .unwrap()
        .sum(Some(1))
        .unwrap();
    let found: Vec<_> = chains(&sum)
        .into_iter()
        .flat_map(|n| n.chains.into_values())
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let near = &found[0];
    assert_eq!(
        (near.op, near.threshold, near.all, near.swapped),
        (BinaryOp::Lt, 0.4, false, false)
    );
}

#[test]
fn a_delta_r_read_elsewhere_keeps_the_pairs() {
    let ctx = Context::new();
    let (_, dr) = jets_and_muons(&ctx);
    let near = dr.lt(0.4).unwrap().any(Some(2)).unwrap();
    let closest = dr.min(Some(2)).unwrap();
    let both = ctx.zip(&[("near", &near), ("closest", &closest)]).unwrap();
    let found: usize = chains(&both).iter().map(|n| n.chains.len()).sum();
    assert_eq!(found, 0);
}

#[test]
fn every_comparison_with_a_number_qualifies_and_others_do_not() {
    let ctx = Context::new();
    let (_, dr) = jets_and_muons(&ctx);
    let count = |e: Expr| -> usize { chains(&e).iter().map(|n| n.chains.len()).sum() };
    for (e, want) in [
        (dr.le(0.3).unwrap().all(Some(2)).unwrap(), 1),
        (dr.gt(1.0).unwrap().any(Some(2)).unwrap(), 1),
        (dr.ge(2).unwrap().any(Some(2)).unwrap(), 1),
        // The literal on the left: `0.4 > dr` is `dr < 0.4`.
        (
            ctx.literal(0.4)
                .unwrap()
                .gt(&dr)
                .unwrap()
                .any(Some(2))
                .unwrap(),
            1,
        ),
        // Equality, and a reduction that is not any/all, are left to the general path.
        (dr.eq(0.0).unwrap().any(Some(2)).unwrap(), 0),
        (dr.lt(0.4).unwrap().sum(Some(2)).unwrap(), 0),
    ] {
        assert_eq!(count(e.clone()), want, "{}", e.explain().unwrap());
    }
}
