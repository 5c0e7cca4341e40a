//! The eight ADL queries on a 2-worker cluster equal the expected histograms and the local
//! engine's (sync and threads) bit for bit.

use rask_adl as adl;
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::Context;

use crate::common::{expected, nano, source};

#[test]
fn adl_queries_on_two_workers_equal_sync_threads_and_the_expected_histograms() {
    let cluster = crate::cluster();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    // Partitions of about 3,000 events: several per worker, and a last task with fewer.
    let sync = Engine::new(Scheduler::Sync).with_partition_entries(3_000);
    let threads = Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000);
    assert!(sync.partitions(&events).unwrap().len() >= 5);
    let mut named = Vec::new();
    for q in adl::QUERIES {
        named.extend(adl::query(&ctx, &events, q).unwrap());
    }
    let exprs: Vec<&rask_plan::Expr> = named.iter().map(|(_, e)| e).collect();
    let on_cluster = cluster.compute_many(&sync, &exprs).unwrap();
    let on_sync = sync.compute_many(&exprs).unwrap();
    let on_threads = threads.compute_many(&exprs).unwrap();
    for (i, (name, _)) in named.iter().enumerate() {
        let Output::Hist(h) = &on_cluster[i] else {
            panic!("{name}: not a histogram")
        };
        assert_eq!(h.values(), expected(name), "{name} on the cluster");
        assert_eq!(on_cluster[i], on_sync[i], "{name}: cluster vs sync");
        assert_eq!(on_cluster[i], on_threads[i], "{name}: cluster vs threads");
    }
}

#[test]
fn float_sums_and_per_event_values_are_bit_identical_to_a_local_run() {
    let cluster = crate::cluster();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let engine = Engine::new(Scheduler::Sync).with_partition_entries(2_000);
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let jets = events.field("Jet").unwrap();
    // A float sum depends on the order of its partials: equal bits mean the same order.
    let sum = met.sum(None).unwrap();
    let mean = jets.field("pt").unwrap().mean(None).unwrap();
    let per_event = jets.field("pt").unwrap().max(Some(1)).unwrap();
    let exprs = [&sum, &mean, &per_event];
    let local = engine.compute_many(&exprs).unwrap();
    let remote = cluster.compute_many(&engine, &exprs).unwrap();
    let (Output::Float(a), Output::Float(b)) = (&local[0], &remote[0]) else {
        panic!("{local:?}")
    };
    assert_eq!(a.to_bits(), b.to_bits());
    assert_eq!(local, remote);
    let Output::Events(values) = &remote[2] else {
        panic!()
    };
    assert_eq!(values.len(), 20_000);
}

#[test]
fn the_distributed_plan_shows_its_stages_and_tasks() {
    let cluster = crate::cluster();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let engine = Engine::new(Scheduler::Sync).with_partition_entries(5_000);
    let h = rask_adl::q1(&ctx, &events).unwrap();
    let shown = cluster.physical_plan(&engine, &[&h]).unwrap();
    for part in [
        "MergeExec",
        "NetworkCoalesceExec",
        "PartialExec",
        "EvalExec",
        "ScanExec",
        "tasks=2",
        "reading partitions 0..2",
    ] {
        assert!(shown.contains(part), "{part} in\n{shown}");
    }
}

#[test]
fn a_scan_round_trips_through_its_wire_form() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let engine = Engine::new(Scheduler::Sync).with_partition_entries(5_000);
    let h = rask_adl::q1(&ctx, &events).unwrap();
    let plan = engine.distributed(&[&h]).unwrap();
    for variant in plan.split_scan(2) {
        let bytes = rask_exec::distributed::encode_operator(variant.as_ref())
            .unwrap()
            .unwrap();
        let back = rask_exec::distributed::decode_operator(&bytes, &[], 1).unwrap();
        assert_eq!(
            back.properties().partitioning.partition_count(),
            variant.properties().partitioning.partition_count()
        );
    }
}
