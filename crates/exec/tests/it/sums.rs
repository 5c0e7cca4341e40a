//! Chains of `p4_add` over combination members (`events/sums.rs`) are found in the fused bodies
//! that hold them: members read as `field(combinations(x))` (ADL Q6) or as
//! `take(x, field(argcombinations(x)))` (ADL Q8); so are the picks of the best tuple by a measure
//! of such a sum (`events/best.rs`). Their values are checked against the reference interpreter
//! by `random_plans` (shapes `PairMass`, `GatherFewFields`, `TakenMemberSums`, `BestPairByPt`)
//! and against the expected histograms by `adl`.

use rask_exec::events::best::{self, Best, Step};
use rask_exec::events::sums::{self, Chain};
use rask_plan::op::{BinaryOp, LorentzOp, Op, UnaryOp};
use rask_plan::{Context, Expr};

use crate::common::{fused_bodies, nano, source};

/// The chains the fused bodies of `e`'s optimised plan hold, with the combination operation
/// each sums over.
fn chains(e: &Expr) -> Vec<(Chain, Op)> {
    let mut found = Vec::new();
    for t in fused_bodies(&[e]) {
        let tys: Vec<_> = t.inputs.iter().collect();
        for chain in sums::plan(&t.body, &t.types, &tys).chains.into_values() {
            let op = t.body.ops[chain.combination].0.clone();
            found.push((chain, op));
        }
    }
    found
}

fn events(ctx: &Context) -> Expr {
    source(ctx, &nano())
}

#[test]
fn q8_pair_sums_over_taken_members_are_chains_of_its_argcombinations() {
    let ctx = Context::new();
    let q8 = rask_adl::q8(&ctx, &events(&ctx)).unwrap();
    let found = chains(&q8);
    assert_eq!(found.len(), 1, "{found:?}");
    let (chain, op) = &found[0];
    assert!(matches!(op, Op::ArgCombinations { n: 2, .. }), "{op:?}");
    assert_eq!(chain.slots, vec![0, 1]);
}

#[test]
fn q6_trijet_sums_are_chains_of_its_combinations() {
    let ctx = Context::new();
    let (q6a, _) = rask_adl::q6(&ctx, &events(&ctx)).unwrap();
    let found = chains(&q6a);
    assert!(!found.is_empty());
    for (chain, op) in &found {
        assert!(matches!(op, Op::Combinations { n: 3, .. }), "{op:?}");
        assert_eq!(chain.slots, vec![0, 1, 2]);
    }
}

#[test]
fn members_taken_from_another_list_are_not_chains() {
    let ctx = Context::new();
    let events = events(&ctx);
    let muons = events.field("Muon").unwrap();
    let jets = events.field("Jet").unwrap();
    let vector = |c: &Expr| {
        let f = |m: &str| c.field(m).unwrap();
        ctx.zip(&[
            ("pt", &f("pt")),
            ("eta", &f("eta")),
            ("phi", &f("phi")),
            ("mass", &f("mass")),
        ])
        .unwrap()
    };
    let (mu, jet) = (vector(&muons), vector(&jets));
    let pairs = mu.argcombinations(2).unwrap();
    let (i1, i2) = (pairs.field("0").unwrap(), pairs.field("1").unwrap());
    // Jets taken by the muon pairs' indices: not members of the muons' argcombinations.
    let mixed = jet
        .take(&i1)
        .unwrap()
        .p4_add(&mu.take(&i2).unwrap())
        .unwrap();
    assert!(chains(&mixed.p4_mass().unwrap()).is_empty());
    // The same muons on both sides: a chain, slots in the sum's order.
    let same = mu
        .take(&i2)
        .unwrap()
        .p4_add(&mu.take(&i1).unwrap())
        .unwrap();
    let found = chains(&same.p4_mass().unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0.slots, vec![1, 0]);
}

/// The best-tuple picks the fused bodies of `e`'s optimised plan hold.
fn picks(e: &Expr) -> Vec<Best> {
    picks_and_takes(&[e]).0
}

/// The best-tuple picks, the takes of sums and the sums still evaluated (read some other way)
/// of the plan computing `exprs` in one pass.
fn picks_and_takes(exprs: &[&Expr]) -> (Vec<Best>, usize, usize) {
    let (mut found, mut takes, mut evaluated) = (Vec::new(), 0, 0);
    for t in fused_bodies(exprs) {
        let tys: Vec<_> = t.inputs.iter().collect();
        let sums = sums::plan(&t.body, &t.types, &tys);
        let bests = best::plan(&t.body, &t.types, &sums);
        takes += bests.takes.len();
        evaluated += sums.chains.keys().filter(|s| !bests.skipped[**s]).count();
        found.extend(bests.picks.into_values());
    }
    (found, takes, evaluated)
}

#[test]
fn q6_in_one_pass_copies_the_sums_into_the_pick_and_the_take() {
    let ctx = Context::new();
    let (q6a, q6b) = rask_adl::q6(&ctx, &events(&ctx)).unwrap();
    let (found, takes, evaluated) = picks_and_takes(&[&q6a, &q6b]);
    // The best trijet is picked in one group; its pT is taken from the sums in another; no
    // group computes every trijet's sum.
    assert_eq!((found.len(), takes, evaluated), (1, 1, 0), "{found:?}");
}

#[test]
fn q6_picks_the_trijet_by_its_mass_in_one_pass() {
    let ctx = Context::new();
    let (q6a, q6b) = rask_adl::q6(&ctx, &events(&ctx)).unwrap();
    for q in [q6a, q6b] {
        let found = picks(&q);
        assert_eq!(found.len(), 1, "{found:?}");
        let pick = &found[0];
        assert_eq!(
            (pick.measure, pick.steps.clone(), pick.max, pick.keepdims),
            (
                LorentzOp::Mass,
                vec![Step::Right(BinaryOp::Sub, 172.5), Step::Unary(UnaryOp::Abs)],
                false,
                true
            )
        );
    }
}

#[test]
fn a_measure_read_elsewhere_is_not_a_pick() {
    let ctx = Context::new();
    let (q6a, _) = rask_adl::q6(&ctx, &events(&ctx)).unwrap();
    let jets = events(&ctx).field("Jet").unwrap();
    let f = |m: &str| jets.field(m).unwrap();
    let p4 = ctx
        .zip(&[
            ("pt", &f("pt")),
            ("eta", &f("eta")),
            ("phi", &f("phi")),
            ("mass", &f("mass")),
        ])
        .unwrap();
    let t = p4.combinations(2).unwrap();
    let mass = t
        .field("0")
        .unwrap()
        .p4_add(&t.field("1").unwrap())
        .unwrap()
        .p4_mass()
        .unwrap();
    // The masses are also summed: they are computed, and the argmin reads them.
    let k = mass.argmin(true).unwrap();
    let both = ctx
        .zip(&[("k", &k), ("total", &mass.sum(Some(1)).unwrap())])
        .unwrap();
    assert!(picks(&both).is_empty());
    assert_eq!(picks_and_takes(&[&both]).2, 1, "the sums are computed");
    assert!(!picks(&q6a).is_empty());
}

#[test]
fn the_random_best_pair_shape_is_a_pick_with_a_take() {
    use crate::random_plans::{J, Shape, build};
    let ctx = Context::new();
    let e = build(&ctx, &events(&ctx), &J::Field("pt"), Shape::BestPairByPt);
    let (found, takes, evaluated) = picks_and_takes(&[&e]);
    assert_eq!((found.len(), takes, evaluated), (1, 1, 0), "{found:?}");
    assert_eq!(enumerated(&[&e]).1, 1, "the pairs' member take");
    assert_eq!(
        (
            found[0].measure,
            found[0].steps.clone(),
            found[0].max,
            found[0].keepdims
        ),
        (
            LorentzOp::Pt,
            vec![
                Step::Left(BinaryOp::Sub, 40.0),
                Step::Unary(UnaryOp::Abs),
                Step::Unary(UnaryOp::Sqrt)
            ],
            true,
            false
        )
    );
}

#[test]
fn pairs_cut_by_a_mask_are_summed_and_picked_from_the_particles() {
    use crate::random_plans::{J, Shape, build};
    let ctx = Context::new();
    let e = build(
        &ctx,
        &events(&ctx),
        &J::Field("pt"),
        Shape::CutPairsBestMass,
    );
    let found = chains(&e);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(found[0].1, Op::Mask), "{:?}", found[0].1);
    let (picks, _, evaluated) = picks_and_takes(&[&e]);
    assert_eq!((picks.len(), evaluated), (1, 0));
    assert_eq!(
        picks[0].steps,
        vec![Step::Right(BinaryOp::Sub, 1.0), Step::Unary(UnaryOp::Abs)]
    );
}

#[test]
fn picks_guarded_by_a_condition_are_picks_over_the_sums() {
    use crate::random_plans::{J, Shape, build};
    let ctx = Context::new();
    // ADL Q8: argmin(where(sfos, abs(mass - 91.2), inf)).
    let q8 = rask_adl::q8(&ctx, &events(&ctx)).unwrap();
    let (found, _, evaluated) = picks_and_takes(&[&q8]);
    assert_eq!((found.len(), evaluated), (1, 0), "{found:?}");
    let guard = found[0]
        .guard
        .expect("Q8's pick is guarded by its SFOS flags");
    assert_eq!(
        (guard.otherwise, guard.takes_value_when),
        (f64::INFINITY, true)
    );
    assert_eq!(
        found[0].steps,
        vec![Step::Right(BinaryOp::Sub, 91.2), Step::Unary(UnaryOp::Abs)]
    );
    // The literal on either side of the `where`.
    let e = build(&ctx, &events(&ctx), &J::Field("pt"), Shape::GuardedBestMass);
    let (mut found, _, evaluated) = picks_and_takes(&[&e]);
    found.sort_by_key(|b| b.max);
    let guards: Vec<_> = found
        .iter()
        .map(|b| b.guard.map(|g| (g.otherwise, g.takes_value_when, b.max)))
        .collect();
    assert_eq!(
        (guards, evaluated),
        (
            vec![
                Some((f64::INFINITY, true, false)),
                Some((f64::NEG_INFINITY, false, true))
            ],
            0
        )
    );
}

/// The enumerated combinations and member takes of the plan computing `exprs` in one pass.
fn enumerated(exprs: &[&Expr]) -> (usize, usize) {
    let (mut enumerated, mut members) = (0, 0);
    for t in fused_bodies(exprs) {
        let tys: Vec<_> = t.inputs.iter().collect();
        let sums = sums::plan(&t.body, &t.types, &tys);
        let bests = best::plan(&t.body, &t.types, &sums);
        enumerated += bests.enumerated.len();
        members += bests.members.len();
    }
    (enumerated, members)
}

#[test]
fn q6_trijets_are_enumerated_not_made() {
    let ctx = Context::new();
    let (q6a, q6b) = rask_adl::q6(&ctx, &events(&ctx)).unwrap();
    // The pick, the pT's take and the b-tags' takes each have their copy of the combination;
    // none makes the tuples, and the b-tags are taken of the three picked members alone.
    assert_eq!(enumerated(&[&q6a, &q6b]), (3, 3));
    // The random plans' best trijet: its member take is enumerated too.
    use crate::random_plans::{J, Shape, build};
    let e = build(&ctx, &events(&ctx), &J::Field("pt"), Shape::BestTrijet);
    let (found, members) = enumerated(&[&e]);
    assert!(
        found >= 1 && members == 1,
        "{found} enumerated, {members} member takes"
    );
    // A combination also read whole (its count) is made.
    let jets = events(&ctx).field("Jet").unwrap();
    let t = jets.combinations(3).unwrap();
    let member = |k: &str| t.field(k).unwrap();
    let pair = member("0").p4_add(&member("1")).unwrap();
    let sum = pair.p4_add(&member("2")).unwrap();
    let k = sum.p4_pt().unwrap().argmax(true).unwrap();
    let both = (&sum.take(&k).unwrap().p4_pt().unwrap().sum(Some(1)).unwrap()
        + &t.num().unwrap().cast(rask_plan::types::DType::F64).unwrap())
        .unwrap();
    assert_eq!(enumerated(&[&both]), (0, 0));
}
