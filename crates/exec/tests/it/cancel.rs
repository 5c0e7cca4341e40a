//! Cancellation and the reused session: a computation whose cancel flag is set stops within
//! one morsel per running partition, reports `Cancelled`, and the same engine then computes the
//! right answer again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rask_exec::{Cancel, Engine, ExecError, Output, Scheduler};
use rask_plan::Context;

use crate::common::{nano, source};

/// The number of events of the shipped sample (20,000), counted by the engine.
fn count(engine: &Engine) -> Result<Output, ExecError> {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let met = events.field("MET").unwrap().field("pt").unwrap();
    engine.compute(&met.count(None).unwrap())
}

#[test]
fn a_cancelled_run_stops_within_one_morsel_per_running_partition() {
    for (scheduler, running) in [(Scheduler::Sync, 1), (Scheduler::Threads(2), 2)] {
        let cancel = Cancel::default();
        let morsels = Arc::new(AtomicU64::new(0));
        let (c, m) = (cancel.clone(), morsels.clone());
        // The progress callback runs after every morsel: the first one asks to stop.
        let engine = Engine::new(scheduler)
            .with_partition_entries(5_000)
            .with_morsel_events(500)
            .with_cancel(cancel.clone())
            .with_progress(move |_| {
                m.fetch_add(1, Ordering::SeqCst);
                c.cancel();
            });
        let r = count(&engine);
        assert!(
            matches!(r, Err(ExecError::Cancelled)),
            "{scheduler:?}: {r:?}"
        );
        // 20,000 events in morsels of 500 are 40 morsels; each partition that was running
        // when the flag was set finishes at most the morsel it was in.
        let done = morsels.load(Ordering::SeqCst);
        assert!(
            (1..=running).contains(&done),
            "{scheduler:?}: {done} morsels ran after the first asked to stop"
        );
        // The same engine (its runtime and memory pool reused) runs the next computation.
        cancel.reset();
        let before = morsels.load(Ordering::SeqCst);
        let engine = engine.with_progress(|_| {});
        assert_eq!(
            count(&engine).unwrap(),
            Output::Int(20_000),
            "{scheduler:?}"
        );
        assert_eq!(morsels.load(Ordering::SeqCst), before);
    }
}

#[test]
fn one_engine_computes_many_times_with_the_same_answers() {
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000);
    for _ in 0..5 {
        assert_eq!(count(&engine).unwrap(), Output::Int(20_000));
    }
    let clone = engine.clone();
    assert_eq!(count(&clone).unwrap(), Output::Int(20_000));
}

#[test]
fn the_physical_plan_is_a_merge_over_an_evaluation_over_a_scan() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(5_000);
    let shown = engine.physical_plan(&[&met.sum(None).unwrap()]).unwrap();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 4, "{shown}");
    // The sample's baskets cut 20,000 events into partitions of about 5,000; one branch read.
    let parts = engine.partitions(&met).unwrap().len();
    assert!(parts >= 2, "{shown}");
    assert_eq!(
        lines[0],
        format!("MergeExec: {parts} partitions combined in partition order"),
        "{shown}"
    );
    assert_eq!(
        lines[1],
        format!("  PartialExec: each of {parts} partitions combined into one row"),
        "{shown}"
    );
    assert!(
        lines[2].starts_with("    EvalExec: 1 output(s) per morsel"),
        "{shown}"
    );
    assert!(
        lines[3].starts_with("      ScanExec: 1 file(s), "),
        "{shown}"
    );
    assert!(
        lines[3].contains(" 1 column(s), morsels of 32768 events"),
        "{shown}"
    );
    assert!(
        lines[3].contains(&format!(" {parts} partitions,")),
        "{shown}"
    );
}
