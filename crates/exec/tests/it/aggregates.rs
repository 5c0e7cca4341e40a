//! Event-level SQL aggregates (`sum`, `min`, `max`, `mean`, `count_if` beside `count(*)`) on
//! the shipped NanoAOD sample: the engine (both schedulers, several partition sizes) equals the
//! reference interpreter, and both equal sums computed here by hand from the raw Arrow columns.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type};
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Expr};
use rask_reference::{Data, Reference, Value};
use rask_sql::SqlSession;

use crate::common::{FileReader, nano, source};

const SQL: &str = "SELECT sum(Muon.pt) AS mu_pt, min(Jet.pt) AS jet_lo, max(Jet.pt) AS jet_hi, \
     mean(MET.pt) AS met_mean, count_if(nMuon >= 2) AS n2, sum(nJet) AS njet, \
     sum(Muon.charge) AS charge, count(*) AS n, count_if(Jet.pt > 40) AS hard_jets, \
     max(list_max(Muon.pt)) AS lead_hi, mean(Jet.eta) AS jet_eta \
     FROM events WHERE MET.pt > 20";

/// What the aggregates of [`SQL`] are, computed from the branches with plain loops.
#[derive(Debug)]
struct ByHand {
    mu_pt: f64,
    jet_lo: f64,
    jet_hi: f64,
    met_mean: f64,
    n2: i64,
    njet: i64,
    charge: i64,
    n: i64,
    hard_jets: i64,
    lead_hi: f64,
    jet_eta: f64,
}

fn by_hand() -> ByHand {
    let cols = [
        "MET_pt",
        "nMuon",
        "Muon_pt",
        "Muon_charge",
        "nJet",
        "Jet_pt",
        "Jet_eta",
    ];
    let src = rask_io_root::EventSource::open(&[nano()], "Events").unwrap();
    let mut batches: Vec<RecordBatch> = Vec::new();
    for p in src.partitions(&cols, 100_000).unwrap() {
        batches.push(src.read(&p, &cols).unwrap());
    }
    let mut h = ByHand {
        mu_pt: 0.0,
        jet_lo: f64::INFINITY,
        jet_hi: f64::NEG_INFINITY,
        met_mean: 0.0,
        n2: 0,
        njet: 0,
        charge: 0,
        n: 0,
        hard_jets: 0,
        lead_hi: f64::NEG_INFINITY,
        jet_eta: 0.0,
    };
    let (mut met_sum, mut eta_sum, mut eta_n) = (0.0, 0.0, 0usize);
    for b in &batches {
        let col = |name: &str| b.column(b.schema().index_of(name).unwrap()).clone();
        let met = col("MET_pt");
        let met = met.as_primitive::<Float32Type>();
        let nmu = col("nMuon");
        let nmu = nmu.as_primitive::<Int32Type>();
        let njet = col("nJet");
        let njet = njet.as_primitive::<Int32Type>();
        let (mu_pt, mu_q, jet_pt, jet_eta) = (
            col("Muon_pt"),
            col("Muon_charge"),
            col("Jet_pt"),
            col("Jet_eta"),
        );
        let (mu_pt, mu_q, jet_pt, jet_eta) = (
            mu_pt.as_list::<i32>(),
            mu_q.as_list::<i32>(),
            jet_pt.as_list::<i32>(),
            jet_eta.as_list::<i32>(),
        );
        for e in 0..b.num_rows() {
            if f64::from(met.value(e)) <= 20.0 {
                continue;
            }
            h.n += 1;
            met_sum += f64::from(met.value(e));
            h.n2 += i64::from(nmu.value(e) >= 2);
            h.njet += i64::from(njet.value(e));
            let mu = mu_pt.value(e);
            let mu = mu.as_primitive::<Float32Type>();
            for &x in mu.values() {
                h.mu_pt += f64::from(x);
                h.lead_hi = h.lead_hi.max(f64::from(x));
            }
            let q = mu_q.value(e);
            for &x in q.as_primitive::<Int32Type>().values() {
                h.charge += i64::from(x);
            }
            let jets = jet_pt.value(e);
            for &x in jets.as_primitive::<Float32Type>().values() {
                let x = f64::from(x);
                h.jet_lo = h.jet_lo.min(x);
                h.jet_hi = h.jet_hi.max(x);
                h.hard_jets += i64::from(x > 40.0);
            }
            let etas = jet_eta.value(e);
            for &x in etas.as_primitive::<Float32Type>().values() {
                eta_sum += f64::from(x);
                eta_n += 1;
            }
        }
    }
    h.met_mean = met_sum / h.n as f64;
    h.jet_eta = eta_sum / eta_n as f64;
    h
}

fn query(ctx: &Context, sql: &str) -> Vec<(String, Expr)> {
    let mut s = SqlSession::new(ctx);
    s.register("events", source(ctx, &nano()));
    s.query(sql).unwrap_or_else(|e| panic!("{}", e.render(sql)))
}

fn scalar(d: &Data) -> Output {
    match d {
        Data::Scalar(Value::I64(i)) => Output::Int(*i),
        Data::Scalar(Value::F64(x)) => Output::Float(*x),
        Data::Scalar(Value::Bool(b)) => Output::Bool(*b),
        other => panic!("the reference gave {other:?}, not a number"),
    }
}

/// Floats summed in another order (per partition, then the partials) may differ in the last
/// bits; everything else is exact.
fn close(name: &str, got: &Output, want: &Output) {
    match (got, want) {
        (Output::Float(a), Output::Float(b)) if name == "mu_pt" || name.contains("mean") => {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs(),
                "{name}: engine {a} vs reference {b}"
            );
        }
        (Output::Float(a), Output::Float(b)) if name == "jet_eta" => {
            assert!(
                (a - b).abs() <= 1e-12,
                "{name}: engine {a} vs reference {b}"
            );
        }
        _ => assert_eq!(got, want, "{name}"),
    }
}

#[test]
fn aggregates_on_the_engine_equal_the_reference_and_a_hand_computation() {
    let ctx = Context::new();
    let outs = query(&ctx, SQL);
    let exprs: Vec<&Expr> = outs.iter().map(|(_, e)| e).collect();
    let reference: Vec<Output> = outs
        .iter()
        .map(|(_, e)| scalar(&e.compute(&FileReader).unwrap()))
        .collect();
    let engines = [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Sync).with_partition_entries(1_000),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000),
        Engine::new(Scheduler::Threads(3)).with_partition_entries(7),
    ];
    for engine in &engines {
        let got = engine.compute_many(&exprs).unwrap();
        for ((name, _), (g, r)) in outs.iter().zip(got.iter().zip(&reference)) {
            close(name, g, r);
        }
    }
    // An independent computation from the branches.
    let h = by_hand();
    assert!(h.n > 1000 && h.n2 > 0 && h.hard_jets > 0, "{h:?}");
    let want = [
        ("mu_pt", Output::Float(h.mu_pt)),
        ("jet_lo", Output::Float(h.jet_lo)),
        ("jet_hi", Output::Float(h.jet_hi)),
        ("met_mean", Output::Float(h.met_mean)),
        ("n2", Output::Int(h.n2)),
        ("njet", Output::Int(h.njet)),
        ("charge", Output::Int(h.charge)),
        ("n", Output::Int(h.n)),
        ("hard_jets", Output::Int(h.hard_jets)),
        ("lead_hi", Output::Float(h.lead_hi)),
        ("jet_eta", Output::Float(h.jet_eta)),
    ];
    for ((name, r), (want_name, w)) in outs.iter().map(|(n, _)| n).zip(&reference).zip(&want) {
        assert_eq!(name, want_name);
        close(name, r, w);
    }
}

#[test]
fn aggregates_of_an_empty_selection() {
    let ctx = Context::new();
    let outs = query(
        &ctx,
        "SELECT sum(Muon.pt) AS s, sum(nJet) AS si, count_if(nMuon > 0) AS c, count(*) AS n, \
         mean(MET.pt) AS m, min(Jet.pt) AS lo, max(Jet.pt) AS hi FROM events WHERE MET.pt < 0",
    );
    let exprs: Vec<&Expr> = outs.iter().map(|(_, e)| e).collect();
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(5_000),
    ] {
        let got = engine.compute_many(&exprs).unwrap();
        assert_eq!(got[0], Output::Float(0.0));
        assert_eq!(got[1..4], [Output::Int(0), Output::Int(0), Output::Int(0)]);
        assert!(
            matches!(got[4], Output::Float(m) if m.is_nan()),
            "{:?}",
            got[4]
        );
        assert_eq!(
            got[5..],
            [
                Output::Float(f64::INFINITY),
                Output::Float(f64::NEG_INFINITY)
            ]
        );
        for ((_, e), g) in outs.iter().zip(&got) {
            let r = scalar(&e.compute(&FileReader).unwrap());
            match (g, &r) {
                (Output::Float(a), Output::Float(b)) if a.is_nan() => assert!(b.is_nan()),
                _ => assert_eq!(g, &r),
            }
        }
    }
}

#[test]
fn integer_aggregates_overflow_as_an_error_in_the_engine_and_the_reference() {
    let ctx = Context::new();
    // 2^62 for every event with a muon: the sum passes 2^63 - 1 after two such events.
    let outs = query(
        &ctx,
        "SELECT sum(if(nMuon > 0, 4611686018427387904, 0)) AS s FROM events",
    );
    let e = &outs[0].1;
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(1),
    ] {
        let err = engine.compute(e).unwrap_err().to_string();
        assert!(err.contains("integer overflow"), "{err}");
    }
    let err = e.compute(&FileReader).unwrap_err().to_string();
    assert!(err.contains("integer overflow"), "{err}");
}

/// `MET.pt - mean(MET.pt)` per event, and histograms weighted by `1 / count`: a reduction over
/// all events read per event, computed first by the engine; equal to the same by hand.
#[test]
fn values_of_all_events_read_per_event_equal_the_same_by_hand() {
    let src = rask_io_root::EventSource::open(&[nano()], "Events").unwrap();
    let part = &src.partitions(&["MET_pt"], u64::MAX).unwrap()[0];
    let batch = src.read(part, &["MET_pt"]).unwrap();
    let met: Vec<f64> = batch
        .column(0)
        .as_primitive::<Float32Type>()
        .values()
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    let mean = met.iter().sum::<f64>() / met.len() as f64;
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let pt = events.field("MET").unwrap().field("pt").unwrap();
    let centred = (&pt - &pt.mean(None).unwrap()).unwrap();
    let n = pt.count(None).unwrap();
    let axis = rask_plan::Axis::Regular {
        bins: 1,
        lo: -1e9,
        hi: 1e9,
        label: "x".into(),
    };
    let weight = (&(&pt * 0.0).unwrap() + &(&ctx.literal(1.0).unwrap() / &n).unwrap()).unwrap();
    let h = ctx
        .hist(
            vec![axis],
            rask_plan::Storage::Weight,
            &[&pt],
            Some(&weight),
        )
        .unwrap();
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000),
    ] {
        let out = engine.compute_many(&[&centred, &h]).unwrap();
        let Output::Events(a) = &out[0] else {
            panic!("per-event values: {:?}", out[0])
        };
        let got = a.as_primitive::<arrow_array::types::Float64Type>().values();
        assert_eq!(got.len(), met.len());
        for (g, x) in got.iter().zip(&met) {
            assert!((g - (x - mean)).abs() < 1e-9, "{g} vs {}", x - mean);
        }
        // Every event weighs 1/n: the histogram sums to 1.
        let Output::Hist(h) = &out[1] else {
            panic!("a histogram: {:?}", out[1])
        };
        let total: f64 = h.values().iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}

/// A float sum over no values is +0, as numpy's `sum([])` and the per-event sums (Rust's own
/// float `Sum` starts at -0.0): on the engine with either scheduler and in the reference.
#[test]
fn a_sum_over_no_events_is_plus_zero() {
    let ctx = Context::new();
    let outs = query(
        &ctx,
        "SELECT sum(MET.pt) AS s FROM events WHERE MET.pt > 1e9",
    );
    for scheduler in [Scheduler::Sync, Scheduler::Threads(2)] {
        match Engine::new(scheduler).compute(&outs[0].1).unwrap() {
            Output::Float(x) => assert_eq!(x.to_bits(), 0.0f64.to_bits(), "{x}"),
            other => panic!("a float sum, not {other:?}"),
        }
    }
    let reference = outs[0].1.compute(&FileReader).unwrap();
    assert!(matches!(scalar(&reference), Output::Float(x) if x.to_bits() == 0));
}
