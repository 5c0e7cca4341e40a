//! Selections only an event cut reads (`x[selected][region]`) are found in the fused bodies
//! that hold them (`events/selected_cut.rs`), and only those. Their values are checked against
//! the reference interpreter by `random_plans` (shape `SelectedInRegion`) and against coffea by
//! the AGC tests.

use rask_exec::events::selected_cut;
use rask_plan::{Context, Expr};

use crate::common::{fused_bodies, nano, source};

/// The number of selections cut by their one reader in the bodies of `e`'s optimised plan.
fn selected_cuts(e: &Expr) -> usize {
    fused_bodies(&[e])
        .iter()
        .map(|t| {
            let tys: Vec<_> = t.inputs.iter().collect();
            selected_cut::plan(&t.body, &t.types, &tys, |_| false)
                .cuts
                .len()
        })
        .sum()
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

#[test]
fn the_random_region_shape_cuts_two_selections_in_one() {
    use crate::random_plans::{J, Shape, build};
    let ctx = Context::new();
    let e = build(
        &ctx,
        &source(&ctx, &nano()),
        &J::Field("pt"),
        Shape::SelectedInRegion,
    );
    assert_eq!(selected_cuts(&e), 2);
}

mod values {
    use proptest::prelude::*;
    use rask_exec::{Engine, Scheduler};

    use crate::random_plans::{Shape, batch, check, events, jagged, write_parquet};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// The shape's values, over random events and any partitioning, equal the reference
        /// interpreter's (which masks one mask after the other).
        #[test]
        fn selections_cut_in_one_match_the_reference(evs in events(), j in jagged(), group in 1usize..9) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("events.parquet");
            write_parquet(&batch(&evs), &path, group);
            let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1);
            check(&path, &evs, &j, Shape::SelectedInRegion, &|e| engine.compute(e).unwrap())?;
        }
    }
}
