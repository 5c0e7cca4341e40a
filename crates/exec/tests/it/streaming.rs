//! `Engine::for_each_partition`: per-event values partition by partition, in order, equal to
//! the whole computation, within a memory limit the whole computation exceeds.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use rask_exec::{Engine, ExecError, Output, Scheduler};
use rask_plan::Context;

use crate::common::{nano, source};

fn met_over(ctx: &Context, cut: f64) -> rask_plan::Expr {
    let events = source(ctx, &nano());
    let met = events.field("MET").unwrap().field("pt").unwrap();
    met.mask(&met.gt(cut).unwrap()).unwrap()
}

fn values(o: &Output) -> Vec<f64> {
    let Output::Events(a) = o else {
        panic!("not per-event values: {o:?}")
    };
    a.as_primitive::<Float64Type>().values().to_vec()
}

#[test]
fn partitions_arrive_in_order_and_concatenate_to_the_whole() {
    let ctx = Context::new();
    let met = met_over(&ctx, 20.0);
    let whole = values(&Engine::new(Scheduler::Sync).compute(&met).unwrap());
    assert!(whole.len() > 1_000, "a selection worth streaming");
    for engine in [
        Engine::new(Scheduler::Sync).with_partition_entries(3_000),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000),
    ] {
        let mut seen = Vec::new();
        let mut streamed = Vec::new();
        let stats = engine
            .for_each_partition::<ExecError>(&[&met], |p, out| {
                seen.push(p);
                streamed.extend(values(&out[0]));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, (0..stats.partitions).collect::<Vec<_>>());
        assert!(stats.partitions > 1);
        assert_eq!(streamed.len(), whole.len());
        assert!(
            streamed
                .iter()
                .zip(&whole)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}

#[test]
fn streaming_fits_a_memory_limit_the_whole_result_does_not() {
    // 20,000 MET values (160 kB) held for the final merge exceed 100 kB; streamed, only a
    // partition's (16 kB) is held at a time.
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let engine = || {
        Engine::new(Scheduler::Sync)
            .with_partition_entries(2_000)
            .with_memory_limit(100_000)
    };
    let err = engine().compute(&met).unwrap_err().to_string();
    assert!(err.contains("memory limit"), "{err}");
    let mut rows = 0;
    engine()
        .for_each_partition::<ExecError>(&[&met], |_, out| {
            rows += values(&out[0]).len();
            Ok(())
        })
        .unwrap();
    assert_eq!(rows, 20_000);
}

#[test]
fn a_consumer_error_stops_the_run() {
    let ctx = Context::new();
    let met = met_over(&ctx, 0.0);
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000);
    let mut calls = 0;
    let err = engine
        .for_each_partition(&[&met], |p, _| {
            calls += 1;
            if p == 2 {
                Err(ExecError::Unsupported("disk full".to_string()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert_eq!(calls, 3);
    assert!(err.to_string().contains("disk full"), "{err}");
}

#[test]
fn only_per_event_values_stream() {
    let ctx = Context::new();
    let met = met_over(&ctx, 0.0);
    let total = met.sum(None).unwrap();
    let err = Engine::new(Scheduler::Sync)
        .for_each_partition::<ExecError>(&[&met, &total], |_, _| Ok(()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("streaming gives per-event values"), "{err}");
}

#[test]
fn a_slice_after_a_cut_streams_its_events_and_stops_when_complete() {
    let ctx = Context::new();
    let met = met_over(&ctx, 20.0);
    let whole = values(&Engine::new(Scheduler::Sync).compute(&met).unwrap());
    assert!(whole.len() > 3_000);
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(1_000);
    let all_partitions = engine.partitions(&met).unwrap().len();
    for (start, stop) in [(5, Some(1_205)), (0, Some(3)), (1_500, None), (0, Some(0))] {
        let sliced = met.rows(start, stop).unwrap();
        let mut calls = 0;
        let mut streamed = Vec::new();
        engine
            .for_each_partition::<ExecError>(&[&sliced], |_, out| {
                calls += 1;
                streamed.extend(values(&out[0]));
                Ok(())
            })
            .unwrap();
        let r = rask_plan::rows_range(start, stop, whole.len());
        assert_eq!(streamed, whole[r].to_vec(), "[{start}:{stop:?}]");
        // A slice from the start reads no partition past its last event.
        if stop.is_some() {
            assert!(
                calls < all_partitions,
                "[{start}:{stop:?}]: {calls} partitions"
            );
        }
    }
    // From the end, the count is known only when every partition has run: compute instead.
    let err = engine
        .for_each_partition::<ExecError>(&[&met.rows(-5, None).unwrap()], |_, _| Ok(()))
        .unwrap_err();
    assert!(err.to_string().contains("counted from the end"), "{err}");
}
