//! The task's plan builds and shares what the systematics do not change.

use rask_plan::Context;

#[test]
fn the_plan_builds() {
    let ctx = Context::new();
    let events = rask_agc::source(&ctx, &["data__nominal", "ttbar__nominal"]).unwrap();
    let names = vec!["data__nominal".to_string(), "ttbar__nominal".to_string()];
    let plan = rask_agc::build(&ctx, &events, &names, 0).unwrap();
    assert_eq!(plan.hists.len(), 26);
}

#[test]
fn the_plan_optimizes() {
    let ctx = Context::new();
    let events = rask_agc::source(&ctx, &["data__nominal", "ttbar__nominal"]).unwrap();
    let names = vec!["data__nominal".to_string(), "ttbar__nominal".to_string()];
    let plan = rask_agc::build(&ctx, &events, &names, 0).unwrap();
    for h in &plan.hists {
        h.optimize()
            .unwrap_or_else(|e| panic!("{}: {e}", h.describe()));
    }
}

#[test]
fn the_plan_optimizes_as_one() {
    let ctx = Context::new();
    let events = rask_agc::source(&ctx, &["data__nominal", "ttbar__nominal"]).unwrap();
    let names = vec!["data__nominal".to_string(), "ttbar__nominal".to_string()];
    let plan = rask_agc::build(&ctx, &events, &names, 0).unwrap();
    let all = rask_plan::Plan {
        graph: ctx.graph(),
        outputs: plan.hists.iter().map(|h| h.node_id()).collect(),
    };
    rask_plan::optimize(&all).unwrap();
}
