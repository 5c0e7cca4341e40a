//! Event plans on the engine equal the reference interpreter on random plans over random
//! NanoAOD-like files (empty lists, NaN, ±inf), with both schedulers and many partitions.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use proptest::prelude::*;
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Ty};
use rask_reference::{Data, Reference, Value};

use crate::common::{FileReader, nano, source};
use crate::random_plans::{batch, check, events, jagged, same, shape, value, write_parquet};

proptest! {
    // 200 cases in CI; `PROPTEST_CASES=3000` for a longer local run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_event_plans_match_the_reference(evs in events(), j in jagged(), s in shape(), group in 1usize..9) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.parquet");
        write_parquet(&batch(&evs), &path, group);
        for engine in [
            Engine::new(Scheduler::Sync),
            Engine::new(Scheduler::Threads(2)).with_partition_entries(1),
        ] {
            check(&path, &evs, &j, s, &|e| engine.compute(e).unwrap())?;
        }
    }
}

#[test]
fn a_memory_limit_is_a_clear_error() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let q = rask_adl::q8(&ctx, &events).unwrap();
    let err = Engine::new(Scheduler::Sync)
        .with_memory_limit(10_000)
        .compute(&q)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("memory limit of 10000 bytes exceeded"),
        "{msg}"
    );
    // With room enough the same query runs.
    assert!(
        Engine::new(Scheduler::Sync)
            .with_memory_limit(1 << 30)
            .compute(&q)
            .is_ok()
    );
}

#[test]
fn one_partition_of_an_event_plan() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let n = events.field("Jet").unwrap().num().unwrap();
    let engine = Engine::new(Scheduler::Sync).with_partition_entries(5_000);
    let parts = engine.partitions(&n).unwrap();
    assert!(parts.len() >= 2, "{parts:?}");
    let Output::Events(all) = engine.compute(&n).unwrap() else {
        panic!()
    };
    let Output::Events(second) = engine.compute_partition(&n, 1).unwrap() else {
        panic!()
    };
    let start = parts[1].entries.start as usize;
    assert_eq!(second.as_ref(), all.slice(start, second.len()).as_ref());
}

#[test]
fn persisted_values_are_read_back_instead_of_recomputed() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let jets = events.field("Jet").unwrap();
    let central = jets
        .mask(&jets.field("eta").unwrap().abs().unwrap().lt(1.5).unwrap())
        .unwrap();
    let busy = central
        .mask(&central.num().unwrap().ge(2).unwrap())
        .unwrap();
    let axis = rask_plan::Axis::Regular {
        bins: 50,
        lo: 0.0,
        hi: 300.0,
        label: "pt".into(),
    };
    let lead = busy.field("pt").unwrap().max(Some(1)).unwrap();
    let h = ctx
        .hist(vec![axis.clone()], rask_plan::Storage::Int, &[&lead], None)
        .unwrap();
    let want = Engine::new(Scheduler::Sync).compute(&h).unwrap();

    for engine in [
        Engine::new(Scheduler::Sync)
            .with_partition_entries(3_000)
            .with_morsel_events(1_000),
        Engine::new(Scheduler::Threads(2)),
    ] {
        let busy = engine.persist(&busy).unwrap();
        // A computation on the persisted collection reads no branch.
        let n = busy.num().unwrap().sum(None).unwrap();
        let (out, stats) = engine.compute_with_stats(&[&n, &h]).unwrap();
        assert_eq!(stats.bytes_read, 0, "{stats:?}");
        assert_eq!(out[1], want);
        let Data::Scalar(Value::I64(total)) = n.compute(&FileReader).unwrap() else {
            panic!()
        };
        assert_eq!(out[0], Output::Int(total));
        // Mixing persisted values with fresh branches of the same events works too.
        let met = events.field("MET").unwrap().field("pt").unwrap();
        let met = met.mask(&central.num().unwrap().ge(2).unwrap()).unwrap();
        let ratio = (&lead / &met).unwrap();
        let Output::Events(got) = engine.compute(&ratio).unwrap() else {
            panic!()
        };
        let Data::Events(reference) = ratio.compute(&FileReader).unwrap() else {
            panic!()
        };
        assert_eq!(got.len(), reference.len());
        let Ty::Events { layout, .. } = ratio.ty() else {
            unreachable!()
        };
        for (i, w) in reference.iter().enumerate() {
            assert!(same(&value(got.as_ref(), i, &layout), w), "event {i}");
        }
    }
    // Only per-event values are persisted.
    let err = Engine::new(Scheduler::Sync).persist(&h).unwrap_err();
    assert!(
        err.to_string().contains("persist keeps per-event values"),
        "{err}"
    );
}

#[test]
fn per_event_outputs_held_for_the_merge_count_against_the_memory_limit() {
    // 20,000 MET values as f64 (160 kB) wait for the final merge; a histogram of them is a few
    // hundred bytes per partition. With 10 partitions run one at a time, each scan holds a
    // few kB: a 100 kB limit fits the histogram but not the values.
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let met = events
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
        .mul(1.0)
        .unwrap();
    let engine = || {
        Engine::new(Scheduler::Sync)
            .with_partition_entries(2_000)
            .with_memory_limit(100_000)
    };
    let h = ctx
        .hist(
            vec![rask_plan::Axis::Regular {
                bins: 100,
                lo: 0.0,
                hi: 200.0,
                label: String::new(),
            }],
            rask_plan::Storage::Int,
            &[&met],
            None,
        )
        .unwrap();
    assert!(engine().compute(&h).is_ok(), "a histogram fits");
    let err = engine().compute(&met).unwrap_err().to_string();
    assert!(
        err.contains("memory limit of 100000 bytes exceeded"),
        "{err}"
    );
    assert!(err.contains("rask merge"), "names what needed it: {err}");
}

#[test]
fn a_jagged_branch_by_its_own_name_gives_its_lengths_from_its_counter() {
    // `num(events.Muon_pt)` reads only the counter `nMuon` (projection pushdown); the source
    // must rebuild the lengths from it (it failed with "no field 'Muon_pt'").
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let n = events.field("Muon_pt").unwrap().num().unwrap();
    let read = n
        .necessary_columns()
        .unwrap()
        .into_values()
        .flatten()
        .collect::<Vec<_>>();
    assert_eq!(read, ["nMuon"]);
    // The lengths of the branch itself, read whole.
    let src = rask_io_root::EventSource::open(&[nano()], "Events").unwrap();
    let all = rask_io_root::Partition {
        file: 0,
        entries: 0..src.entries(),
    };
    let batch = src.read(&all, &["Muon_pt"]).unwrap();
    let lists = batch.column(0).as_list::<i32>();
    let want: Vec<i64> = (0..lists.len())
        .map(|i| lists.value_length(i) as i64)
        .collect();
    let Data::Events(reference) = n.compute(&FileReader).unwrap() else {
        panic!()
    };
    let reference: Vec<Value> = reference.into_iter().collect();
    assert_eq!(
        reference,
        want.iter().map(|&k| Value::I64(k)).collect::<Vec<_>>()
    );
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)),
    ] {
        let Output::Events(got) = engine.compute(&n).unwrap() else {
            panic!()
        };
        let got = got.as_primitive::<arrow_array::types::Int64Type>();
        assert_eq!(got.values().to_vec(), want);
    }
}
