//! Pairs of operations evaluated as one (`events/pairs.rs`) are found in the fused bodies that
//! hold them, and only where nothing else reads the first: selections only an event cut reads
//! (`x[selected][region]`) and item `k` of lists (`firsts(x[:, k:k+1])`). Their values are checked
//! against the reference interpreter here and by `random_plans` (shapes `SelectedInRegion`,
//! `LocalIndexSlices`), and against coffea by the AGC tests.

use rask_exec::events::pairs::{self, Pair};
use rask_plan::{Context, Expr};

use crate::common::{fused_bodies, nano, source};

/// The pairs in the bodies of `e`'s optimised plan.
fn found(e: &Expr) -> Vec<Pair> {
    let mut out = Vec::new();
    for t in fused_bodies(&[e]) {
        let tys: Vec<_> = t.inputs.iter().collect();
        let pairs = pairs::plan(&t.body, &t.types, &tys, |_| false);
        out.extend(pairs.seconds.values().map(|(_, p)| *p));
    }
    out
}

/// The number of selections cut by their one reader in the bodies of `e`'s optimised plan.
fn selected_cuts(e: &Expr) -> usize {
    found(e).iter().filter(|p| **p == Pair::SelectedCut).count()
}

#[test]
fn jets_selected_then_cut_to_a_region_are_one_selection() {
    let ctx = Context::new();
    let jet = source(&ctx, &nano()).field("Jet").unwrap();
    let pt = jet.field("pt").unwrap();
    let selected = pt.gt(30.0).unwrap();
    let region = selected.sum(Some(1)).unwrap().ge(4).unwrap();
    let fields = [("pt", &pt), ("eta", &jet.field("eta").unwrap())];
    let jets = ctx.zip(&fields).unwrap();
    let cut = jets.mask(&selected).unwrap().mask(&region).unwrap();
    let eta = cut.field("eta").unwrap().sum(Some(1)).unwrap();
    assert_eq!(selected_cuts(&eta), 1);
}

#[test]
fn a_selection_something_else_reads_is_not_cut_in_one() {
    let ctx = Context::new();
    let jet = source(&ctx, &nano()).field("Jet").unwrap();
    let pt = jet.field("pt").unwrap();
    let selected = pt.mask(&pt.gt(30.0).unwrap()).unwrap();
    let region = selected.sum(Some(1)).unwrap().gt(100.0).unwrap();
    // The selected jets' pT is read by the region's sum too: it is computed for every event.
    let ht = selected.mask(&region).unwrap().max(Some(1)).unwrap();
    assert_eq!(selected_cuts(&ht), 0);
}

/// The random-plan shape `shape` over the muons' pT.
fn random_shape(ctx: &Context, shape: crate::random_plans::Shape) -> Expr {
    use crate::random_plans::{J, build};
    build(ctx, &source(ctx, &nano()), &J::Field("pt"), shape)
}

#[test]
fn the_random_region_shape_cuts_two_selections_in_one() {
    let ctx = Context::new();
    let e = random_shape(&ctx, crate::random_plans::Shape::SelectedInRegion);
    // The one the sum reads alone is summed as it is cut.
    assert_eq!(selected_cuts(&e), 1);
    assert_eq!(selected_cut_sums(&e), 1);
}

/// The number of sums of selections cut to a region in the bodies of `e`'s optimised plan.
fn selected_cut_sums(e: &Expr) -> usize {
    found(e)
        .iter()
        .filter(|p| matches!(p, Pair::SelectedCutSum(_)))
        .count()
}

#[test]
fn the_sum_of_a_selection_cut_to_a_region_is_one_pass_unless_the_cut_is_read_elsewhere() {
    let ctx = Context::new();
    let jet = source(&ctx, &nano()).field("Jet").unwrap();
    let pt = jet.field("pt").unwrap();
    let clean = pt.gt(30.0).unwrap();
    let selected = pt.mask(&clean).unwrap();
    let region = clean.sum(Some(1)).unwrap().gt(0).unwrap();
    let ht = selected.mask(&region).unwrap().sum(Some(1)).unwrap();
    assert_eq!(selected_cut_sums(&ht), 1);
    assert_eq!(selected_cuts(&ht), 0);
    // The cut jets' largest pT reads the cut too: it is made, and the sum reads it.
    let cut = selected.mask(&region).unwrap();
    let both =
        (&cut.sum(Some(1)).unwrap() + &cut.max(Some(1)).unwrap().fill_none(0.0).unwrap()).unwrap();
    assert_eq!(selected_cut_sums(&both), 0);
}

#[test]
fn item_k_of_lists_is_one_pair_unless_the_slice_is_read_elsewhere() {
    let ctx = Context::new();
    let e = random_shape(&ctx, crate::random_plans::Shape::LocalIndexSlices);
    assert_eq!(found(&e), vec![Pair::Item(1)]);
    let pt = source(&ctx, &nano())
        .field("Jet")
        .unwrap()
        .field("pt")
        .unwrap();
    let third = pt.mask(&pt.local_index().unwrap().eq(2).unwrap()).unwrap();
    // The one-item lists are also counted: they are made.
    let both = (&third.firsts().unwrap().fill_none(0.0).unwrap()
        + &third
            .num()
            .unwrap()
            .cast(rask_plan::types::DType::F64)
            .unwrap())
        .unwrap();
    assert_eq!(found(&both), vec![]);
    let alone = third.firsts().unwrap().fill_none(0.0).unwrap();
    assert_eq!(found(&alone), vec![Pair::Item(2)]);
}

mod values {
    use proptest::prelude::*;
    use rask_exec::{Engine, Scheduler};

    use crate::random_plans::{Shape, batch, check, events, jagged, write_parquet};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// The shapes' values, over random events and any partitioning, equal the reference
        /// interpreter's (which evaluates one operation after the other).
        #[test]
        fn pairs_match_the_reference(evs in events(), j in jagged(), group in 1usize..9) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("events.parquet");
            write_parquet(&batch(&evs), &path, group);
            let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1);
            for shape in [Shape::SelectedInRegion, Shape::LocalIndexSlices] {
                check(&path, &evs, &j, shape, &|e| engine.compute(e).unwrap())?;
            }
        }
    }
}
