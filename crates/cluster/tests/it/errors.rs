//! Clear errors: an unreachable worker within seconds, plans that cannot be sent, bad
//! addresses.

use std::time::{Duration, Instant};

use rask_cluster::{Cluster, ClusterError};
use rask_exec::{Engine, Scheduler};
use rask_plan::Context;

use crate::common::{nano, source};

/// The error of running ADL Q1 on the workers at `addresses`, and how long it took to come.
fn q1_fails_on(addresses: &[String]) -> (ClusterError, Duration) {
    let cluster = Cluster::new(addresses).unwrap();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let h = rask_adl::q1(&ctx, &events).unwrap();
    let start = Instant::now();
    let err = cluster
        .compute_many(&Engine::new(Scheduler::Sync), &[&h])
        .unwrap_err();
    (err, start.elapsed())
}

#[test]
fn a_worker_that_does_not_listen_fails_the_run_within_five_seconds_naming_it() {
    // A port nothing listens on: bind one, then free it.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = free.local_addr().unwrap().to_string();
    drop(free);
    let mut addresses: Vec<String> = crate::workers().iter().map(|w| w.address()).collect();
    addresses.push(dead.clone());
    let (err, took) = q1_fails_on(&addresses);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(matches!(err, ClusterError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&dead), "{err}");
}

#[test]
fn an_unroutable_address_fails_within_five_seconds() {
    // 10.255.255.1 drops packets on most networks: the connection times out instead.
    let cluster = Cluster::new(&["10.255.255.1:50051".to_string()]).unwrap();
    let start = Instant::now();
    let err = cluster.check().unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(err.to_string().contains("10.255.255.1:50051"), "{err}");
}

#[test]
fn addresses_must_be_host_and_port() {
    for bad in ["localhost", "http://a:1/x", ""] {
        let err = Cluster::new(&[bad.to_string()]).unwrap_err();
        assert!(matches!(err, ClusterError::Address { .. }), "{bad}: {err}");
    }
    assert!(matches!(Cluster::new(&[]), Err(ClusterError::NoWorkers)));
}

#[test]
fn a_persisted_value_is_refused_before_anything_runs() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let engine = Engine::new(Scheduler::Sync);
    let jets = engine.persist(&events.field("Jet").unwrap()).unwrap();
    let n = jets.num().unwrap().sum(None).unwrap();
    let err = crate::cluster().compute_many(&engine, &[&n]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("persisted value") && msg.contains("--workers"),
        "{msg}"
    );
}

#[test]
fn events_in_memory_are_refused_before_anything_runs() {
    // The NanoAOD sample's MET, registered as a table in this process only.
    let file = rask_io_root::EventSource::open(&[nano()], "Events").unwrap();
    let part = &file.partitions(&["MET_pt"], u64::MAX).unwrap()[0];
    let batch = file.read(part, &["MET_pt", "MET_phi"]).unwrap();
    let name = rask_io_root::memory::register("events", vec![batch]).unwrap();
    let ctx = Context::new();
    let events = source(&ctx, std::path::Path::new(&name));
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let err = crate::cluster()
        .compute_many(&Engine::new(Scheduler::Sync), &[&met.sum(None).unwrap()])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("events in this process's memory") && msg.contains("--workers"),
        "{msg}"
    );
    rask_io_root::memory::unregister(&name);
}

#[test]
fn array_plans_are_refused_with_a_clear_error() {
    let ctx = Context::new();
    let x = ctx.random_normal(&[1000], &[100], 1).unwrap();
    let err = crate::cluster()
        .compute_many(&Engine::new(Scheduler::Sync), &[&x.sum(None).unwrap()])
        .unwrap_err();
    assert!(err.to_string().contains("array plans"), "{err}");
}

#[test]
fn a_worker_that_drops_its_connections_fails_the_run_naming_it() {
    // It accepts TCP connections and closes them at once: the worker check's gRPC request
    // fails, naming it, where a bare TCP connect would have passed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let broken = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    let addresses = vec![crate::workers()[0].address(), broken.clone()];
    let (err, took) = q1_fails_on(&addresses);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(err.to_string().contains(&broken), "{err}");
}

#[test]
fn damaged_operator_bytes_are_errors_not_crashes() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let h = rask_adl::q8(&ctx, &events).unwrap();
    let plan = Engine::new(Scheduler::Sync).distributed(&[&h]).unwrap();
    let bytes = rask_exec::distributed::encode_operator(plan.scan().as_ref())
        .unwrap()
        .unwrap();
    // Every prefix, and every byte flipped in turn (a sample of positions), must decode to an
    // operator or fail with an error.
    for cut in (0..bytes.len()).step_by(97) {
        assert!(rask_exec::distributed::decode_operator(&bytes[..cut], &[], 1).is_err());
    }
    for at in (0..bytes.len()).step_by(53) {
        let mut bad = bytes.clone();
        bad[at] ^= 0xff;
        let _ = rask_exec::distributed::decode_operator(&bad, &[], 1);
    }
    // A huge length prefix is refused before anything is allocated.
    let huge = [0u8, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    assert!(rask_exec::distributed::decode_operator(&huge, &[], 1).is_err());
}

#[test]
fn a_cancelled_run_stops_with_cancelled_and_the_next_run_goes_through() {
    let addresses: Vec<String> = crate::workers().iter().map(|w| w.address()).collect();
    let cluster = Cluster::new(&addresses).unwrap();
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let h = rask_adl::q8(&ctx, &events).unwrap();
    let cancel = rask_exec::Cancel::default();
    let engine = Engine::new(Scheduler::Sync).with_cancel(cancel.clone());
    // Set before the run (as Ctrl-C during it would be): the run stops at once.
    cancel.cancel();
    let err = cluster.compute_many(&engine, &[&h]).unwrap_err();
    assert!(
        matches!(err, ClusterError::Plan(rask_exec::ExecError::Cancelled)),
        "{err}"
    );
    cancel.reset();
    let out = cluster.compute_many(&engine, &[&h]).unwrap();
    let local = Engine::new(Scheduler::Sync).compute_many(&[&h]).unwrap();
    assert_eq!(format!("{out:?}"), format!("{local:?}"));
}
