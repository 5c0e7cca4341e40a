//! Each rule on a small plan, before and after, as snapshots (`tests/it/snapshots/`), including
//! cases where a rule must not fire.

use rask_plan::explain::render_plan;
use rask_plan::rules::{
    Plan, Rule, cse::Cse, cull::Cull, fusion::Fusion, list_slice::ListSlice,
    mask_pushdown::MaskPushdown, pushdown::ProjectionPushdown, simplify_num::SimplifyNum,
    take_pushdown::TakePushdown,
};
use rask_plan::{Context, Expr, NodeId};

use crate::common::nano;

fn plan(outputs: &[&Expr]) -> Plan {
    Plan {
        graph: outputs[0].context().graph(),
        outputs: outputs.iter().map(|e| e.node_id()).collect(),
    }
}

fn before_after(rule: &dyn Rule, before: &Plan) -> String {
    let after = rule.rewrite(before).unwrap();
    format!(
        "before ({} nodes):\n{}after {} ({} nodes):\n{}",
        before.node_count(),
        render_plan(before),
        rule.name(),
        after.node_count(),
        render_plan(&after)
    )
}

#[test]
fn cull_drops_what_no_output_needs() {
    let ctx = Context::new();
    let a = ctx.random_normal(&[100], &[10], 1).unwrap();
    let b = (&a + 1.0).unwrap();
    let _c = (&a * 2.0).unwrap();
    let all = Plan {
        graph: ctx.graph(),
        outputs: (0..ctx.graph().len() as u32).map(NodeId).collect(),
    };
    let after = Cull.rewrite(&plan(&[&b])).unwrap();
    insta::assert_snapshot!(
        "cull",
        format!(
            "arena ({} nodes):\n{}after cull, output b ({} nodes):\n{}",
            all.node_count(),
            render_plan(&all),
            after.node_count(),
            render_plan(&after)
        )
    );
}

#[test]
fn cse_folds_constants_and_cancels_double_negation() {
    let ctx = Context::new();
    let x = ctx.random_normal(&[100], &[10], 1).unwrap();
    let two = (&ctx.literal(1.0).unwrap() + 1.0).unwrap();
    let a = x.gt(&two).unwrap();
    let b = x.gt(2.0).unwrap().not().unwrap().not().unwrap();
    let both = (&a & &b).unwrap();
    insta::assert_snapshot!("cse", before_after(&Cse, &plan(&[&both])));
    // Must not fire: nothing to fold in `x > y`.
    let y = ctx.random_normal(&[100], &[10], 2).unwrap();
    let plain = plan(&[&x.gt(&y).unwrap()]);
    assert_eq!(
        Cse.rewrite(&plain).unwrap().output_keys(),
        plain.output_keys()
    );
}

#[test]
fn pushdown_reads_only_the_branches_used() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let two_muons = events.field("Muon").unwrap().num().unwrap().ge(2).unwrap();
    let met = events
        .field("MET")
        .unwrap()
        .mask(&two_muons)
        .unwrap()
        .field("pt")
        .unwrap();
    insta::assert_snapshot!(
        "pushdown",
        before_after(&ProjectionPushdown, &plan(&[&met]))
    );
    // A whole collection used as such needs all its branches.
    let all_muons = events
        .field("Muon")
        .unwrap()
        .mask(&two_muons)
        .unwrap()
        .num()
        .unwrap();
    let cols = all_muons.necessary_columns().unwrap();
    assert_eq!(cols["events"], ["nMuon"], "num needs the counter only");
    let leptons = events
        .field("Muon")
        .unwrap()
        .concatenate(&events.field("Electron").unwrap())
        .unwrap();
    let cols = leptons.num().unwrap().necessary_columns().unwrap();
    assert_eq!(
        cols["events"],
        ["nElectron", "nMuon"],
        "list lengths pass through concatenate"
    );
    let cols = events
        .field("Muon")
        .unwrap()
        .combinations(2)
        .unwrap()
        .necessary_columns()
        .unwrap();
    assert_eq!(cols["events"].len(), 8, "all Muon branches: {cols:?}");
    // Positions and index tuples of a whole collection need only its lengths: the seed's Q8
    // (argcombinations and local_index of all leptons) read every lepton branch before.
    for e in [
        leptons.local_index().unwrap(),
        leptons.argcombinations(2).unwrap(),
    ] {
        let cols = e.necessary_columns().unwrap();
        assert_eq!(cols["events"], ["nElectron", "nMuon"], "{}", e.describe());
    }
    // A collection's lengths come from a branch of it read anyway, not from its counter too
    // (the seed's Q8 cuts on num(leptons) and reads every lepton's pt).
    let pts = leptons.field("pt").unwrap();
    let kept = pts.mask(&leptons.num().unwrap().ge(3).unwrap()).unwrap();
    let cols = kept.necessary_columns().unwrap();
    assert_eq!(cols["events"], ["Electron_pt", "Muon_pt"]);
    // A counter read as a value stays.
    let mu = events.field("Muon").unwrap();
    let counted = (&events.field("nMuon").unwrap() + &mu.num().unwrap()).unwrap();
    let e = (&counted + &mu.field("pt").unwrap().sum(Some(1)).unwrap()).unwrap();
    assert_eq!(
        e.necessary_columns().unwrap()["events"],
        ["Muon_pt", "nMuon"]
    );
}

#[test]
fn fusion_merges_per_event_chains_but_not_reductions() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let jets = events.field("Jet").unwrap();
    let pt = jets.field("pt").unwrap();
    let good = (&pt.gt(30.0).unwrap()
        & &jets.field("eta").unwrap().abs().unwrap().lt(2.4).unwrap())
        .unwrap();
    let ht = pt.mask(&good).unwrap().sum(Some(1)).unwrap();
    let total = ht.sum(None).unwrap(); // a whole-collection reduction: not fused
    insta::assert_snapshot!(
        "fusion",
        before_after(
            &Fusion,
            &rask_plan::optimize(&plan(&[&total])).unwrap().logical
        )
    );
    let opt = total.optimize().unwrap();
    assert_eq!(opt.fused.node_count(), 3, "source → fused → sum");
}

#[test]
fn fused_values_keep_their_lineage_for_consumers_outside_the_group() {
    // A cut `m` computed in a fused group of its own (it has consumers in several groups)
    // masks a value fused with other work (`sum(pt)[m]`) and values that are not (`met[m]`,
    // `w[m]`): after fusion they must still belong to the same events, or the histogram that
    // takes all three no longer types (this failed for the AGC's regions).
    let ctx = Context::new();
    let events = nano(&ctx);
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let pt = events.field("Jet").unwrap().field("pt").unwrap();
    let n = pt.gt(30.0).unwrap().sum(Some(1)).unwrap();
    let m = (&n.ge(2).unwrap() & &met.gt(10.0).unwrap()).unwrap();
    let w = (&met * 2.0).unwrap();
    let axes = |k: usize| -> Vec<rask_plan::Axis> {
        (0..k)
            .map(|_| rask_plan::Axis::Regular {
                bins: 10,
                lo: 0.0,
                hi: 100.0,
                label: String::new(),
            })
            .collect()
    };
    let ht = pt.sum(Some(1)).unwrap().mask(&m).unwrap();
    let h1 = ctx
        .hist(
            axes(2),
            rask_plan::Storage::Weight,
            &[&ht, &met.mask(&m).unwrap()],
            Some(&w.mask(&m).unwrap()),
        )
        .unwrap();
    let h2 = ctx
        .hist(
            axes(1),
            rask_plan::Storage::Int,
            &[&w.mask(&m).unwrap()],
            None,
        )
        .unwrap();
    let opt = rask_plan::optimize(&plan(&[&h1, &h2])).unwrap();
    for (before, after) in opt.logical.outputs.iter().zip(&opt.fused.outputs) {
        assert_eq!(
            opt.logical.graph.node(*before).key,
            opt.fused.graph.node(*after).key,
            "fusion keeps every output's key"
        );
    }
}

#[test]
fn simplify_num_counts_lists_where_they_come_from() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let mu = events.field("Muon").unwrap();
    let el = events.field("Electron").unwrap();
    let flavoured = mu
        .with_field("flavour", &mu.field("charge").unwrap())
        .unwrap();
    let n = flavoured.concatenate(&el).unwrap().num().unwrap();
    insta::assert_snapshot!("simplify_num", before_after(&SimplifyNum, &plan(&[&n])));
    let after = SimplifyNum.rewrite(&plan(&[&n])).unwrap();
    let rendered = render_plan(&after);
    assert!(!rendered.contains("concatenate"), "{rendered}");
    // Must not fire: `num` of a list that is not built from others.
    let plain = plan(&[&mu.num().unwrap()]);
    assert_eq!(
        SimplifyNum.rewrite(&plain).unwrap().output_keys(),
        plain.output_keys()
    );
}

#[test]
fn list_slice_makes_masks_on_local_indices_runs_of_items() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let jets = events.field("Jet").unwrap();
    let pt = jets.field("pt").unwrap();
    let i = pt.local_index().unwrap();
    // The second jet's pT (the AGC's b-tag weights), jets 1..3 (`jets[:, 1:3]` from Python).
    let second = pt.mask(&i.eq(1).unwrap()).unwrap().firsts().unwrap();
    let window = (&i.ge(1).unwrap() & &i.lt(3).unwrap()).unwrap();
    let eta = jets.mask(&window).unwrap().field("eta").unwrap();
    // Must not fire: `!=` keeps no run of items.
    let not_first = pt.mask(&i.ne(0).unwrap()).unwrap();
    // The indices of a collection slice its fields: the first muon's pT.
    let mu_i = events.field("Muon").unwrap().local_index().unwrap();
    let mu_pt = events.field("Muon").unwrap().field("pt").unwrap();
    let first_muon = mu_pt.mask(&mu_i.lt(1).unwrap()).unwrap();
    let all = plan(&[&second, &eta, &not_first, &first_muon]);
    insta::assert_snapshot!("list_slice", before_after(&ListSlice, &all));
    let after = render_plan(&ListSlice.rewrite(&all).unwrap());
    for slice in ["list_slice[1:2]", "list_slice[1:3]", "list_slice[0:1]"] {
        assert!(after.contains(slice), "{slice} in\n{after}");
    }
    assert_eq!(after.matches("getitem").count(), 1, "{after}");
}

#[test]
fn pushdown_reads_through_a_slice_after_a_cut_only_what_follows_it_needs() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let two_muons = events.field("Muon").unwrap().num().unwrap().ge(2).unwrap();
    let first = events
        .field("MET")
        .unwrap()
        .mask(&two_muons)
        .unwrap()
        .rows(0, Some(10))
        .unwrap()
        .field("pt")
        .unwrap();
    let cols = first.necessary_columns().unwrap();
    assert_eq!(cols["events"], ["MET_pt", "nMuon"]);
}

#[test]
fn mask_pushdown_cuts_before_the_work() {
    let ctx = Context::new();
    let events = nano(&ctx);
    let mu = events.field("Muon").unwrap();
    let el = events.field("Electron").unwrap();
    let leps = mu.concatenate(&el).unwrap();
    let keep = (&mu.num().unwrap() + &el.num().unwrap())
        .unwrap()
        .ge(3)
        .unwrap();
    let cut = leps.mask(&keep).unwrap();
    insta::assert_snapshot!("mask_pushdown", before_after(&MaskPushdown, &plan(&[&cut])));
    let after = MaskPushdown.rewrite(&plan(&[&cut])).unwrap();
    let out = after.graph.node(after.outputs[0]);
    assert_eq!(out.op.name(), "concatenate", "the cut went below");

    // Must not fire: the concatenation is also used uncut (it would be built twice).
    let both =
        (&leps.num().unwrap().sum(None).unwrap() + &cut.num().unwrap().sum(None).unwrap()).unwrap();
    let shared = plan(&[&both]);
    let kept = MaskPushdown.rewrite(&shared).unwrap();
    assert_eq!(kept.output_keys(), shared.output_keys());

    // Must not fire: a pair sum has more columns below it than above (two vectors, one sum).
    let pairs = mu.combinations(2).unwrap();
    let sum = pairs
        .field("0")
        .unwrap()
        .p4_add(&pairs.field("1").unwrap())
        .unwrap();
    let has_two = mu.num().unwrap().ge(2).unwrap();
    let cut_sum = plan(&[&sum.mask(&has_two).unwrap()]);
    let after = MaskPushdown.rewrite(&cut_sum).unwrap();
    assert_eq!(after.output_keys(), cut_sum.output_keys());
}

#[test]
fn mask_pushdown_copies_work_used_by_two_cuts_below_each() {
    // A per-event weight filled into two regions: each region computes it for its events.
    let ctx = Context::new();
    let events = nano(&ctx);
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let weight = (&(&met * 0.5).unwrap() + 1.0).unwrap();
    let n_mu = events.field("Muon").unwrap().num().unwrap();
    let region_a = n_mu.eq(1).unwrap();
    let region_b = n_mu.ge(2).unwrap();
    let a = weight.mask(&region_a).unwrap();
    let b = weight.mask(&region_b).unwrap();
    let two = plan(&[&a, &b]);
    insta::assert_snapshot!("mask_pushdown_two_cuts", before_after(&MaskPushdown, &two));
    let output_ops = |p: &Plan| -> Vec<&'static str> {
        let after = MaskPushdown.rewrite(p).unwrap();
        after
            .outputs
            .iter()
            .map(|o| after.graph.node(*o).op.name())
            .collect()
    };
    assert_eq!(
        output_ops(&two),
        ["add", "add"],
        "each cut went below the weight"
    );

    // Must not fire: a third cut (three copies could cost three times the work), or the weight
    // also used uncut.
    let c = weight.mask(&n_mu.eq(0).unwrap()).unwrap();
    let three = plan(&[&a, &b, &c]);
    assert_eq!(output_ops(&three), ["getitem"; 3], "the cuts stayed above");
    let with_uncut = plan(&[&a, &b, &weight]);
    let after = MaskPushdown.rewrite(&with_uncut).unwrap();
    assert_eq!(after.output_keys(), with_uncut.output_keys());
}

#[test]
fn take_pushdown_picks_before_the_work() {
    // ADL Q6: the pT of the trijet whose mass is closest to 172.5.
    let ctx = Context::new();
    let events = nano(&ctx);
    let jets = events.field("Jet").unwrap();
    let tri = jets.combinations(3).unwrap();
    let field = |k: &str| tri.field(k).unwrap();
    let p4 = field("0")
        .p4_add(&field("1"))
        .unwrap()
        .p4_add(&field("2"))
        .unwrap();
    let best = (&p4.p4_mass().unwrap() - 172.5)
        .unwrap()
        .abs()
        .unwrap()
        .argmin(true)
        .unwrap();
    let pt = p4.p4_pt().unwrap().take(&best).unwrap();
    let btag = |k: &str| field(k).field("btag").unwrap();
    let max_btag = btag("0")
        .maximum(&btag("1"))
        .unwrap()
        .maximum(&btag("2"))
        .unwrap()
        .take(&best)
        .unwrap();
    let q6 = plan(&[&pt, &max_btag]);
    insta::assert_snapshot!("take_pushdown", before_after(&TakePushdown, &q6));
    let after = TakePushdown.rewrite(&q6).unwrap();
    let op = |o: usize| after.graph.node(after.outputs[o]).op.name();
    assert_eq!(op(0), "p4_pt", "the pT of one trijet per event");
    assert_eq!(op(1), "maximum", "the b-tags of one trijet per event");

    // Must not fire: the pT of every trijet is used too (it would be computed twice).
    let all_pt = p4.p4_pt().unwrap().sum(Some(1)).unwrap();
    let shared = plan(&[&pt, &all_pt]);
    let kept = TakePushdown.rewrite(&shared).unwrap();
    assert_eq!(kept.output_keys(), shared.output_keys());

    // Must not fire: an index list that may pick every element (a sort).
    let order = p4.p4_mass().unwrap().argsort(true).unwrap();
    let sorted = plan(&[&p4.p4_pt().unwrap().take(&order).unwrap()]);
    let kept = TakePushdown.rewrite(&sorted).unwrap();
    assert_eq!(kept.output_keys(), sorted.output_keys());
}

#[test]
fn mask_pushdown_converges_on_deep_chains_of_cuts() {
    // Twenty levels of "work, then cut": each cut moves below its work in the same pass, so the
    // optimiser reaches its fixed point in a few passes, not one per level.
    let ctx = Context::new();
    let events = nano(&ctx);
    let mut x = events.field("Muon").unwrap().field("pt").unwrap();
    let mut met = events.field("MET").unwrap().field("pt").unwrap();
    for level in 0..20 {
        let keep = met.gt(level as f64).unwrap();
        x = (&x * 2.0).unwrap().mask(&keep).unwrap();
        met = met.mask(&keep).unwrap();
    }
    let opt = x.optimize().unwrap();
    assert!(opt.passes <= 4, "{} passes", opt.passes);
}

#[test]
fn fusion_copies_a_combination_read_through_its_slots_into_each_group() {
    // ADL Q6's two histograms both read the trijets: the combination and its slot fields are
    // copied into each group (like literals) instead of ending a group of their own, so each
    // group holds its whole `combinations → field → p4_add` chain.
    let ctx = Context::new();
    let events = nano(&ctx);
    let jets = events.field("Jet").unwrap();
    let tri = jets.combinations(3).unwrap();
    let (j1, j2, j3) = (
        tri.field("0").unwrap(),
        tri.field("1").unwrap(),
        tri.field("2").unwrap(),
    );
    let sum = j1.p4_add(&j2).unwrap().p4_add(&j3).unwrap();
    let mass = sum.p4_mass().unwrap().max(Some(1)).unwrap();
    let btag = j1
        .field("btag")
        .unwrap()
        .maximum(&j3.field("btag").unwrap())
        .unwrap()
        .sum(Some(1))
        .unwrap();
    let logical = rask_plan::optimize(&plan(&[&mass, &btag])).unwrap().logical;
    insta::assert_snapshot!(
        "fusion_copies_combinations",
        before_after(&Fusion, &logical)
    );
    let fused = Fusion.rewrite(&logical).unwrap();
    let bodies_with_combinations = fused
        .graph
        .nodes()
        .iter()
        .filter(|n| match &n.op {
            rask_plan::Op::Fused(body) => body
                .ops
                .iter()
                .any(|(op, _)| matches!(op, rask_plan::Op::Combinations { .. })),
            _ => false,
        })
        .count();
    assert_eq!(bodies_with_combinations, 2, "one copy per group");
    let standalone = fused
        .graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.op, rask_plan::Op::Combinations { .. }))
        .count();
    assert_eq!(standalone, 0, "no combination outside the groups");
}
