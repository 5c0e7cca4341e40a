//! Four-vectors from Cartesian components: HZZ.root's muons (`Muon_Px, Muon_Py, Muon_Pz,
//! Muon_E`, counter `NMuon`) in `mass`, `pt4`, `delta_r`, `delta_phi` and `mt` from SQL. The
//! engine equals the reference interpreter to the bit; dimuon masses equal numpy's
//! m² = (E1 + E2)² − |p1 + p2|² (values below from uproot 5.7 + numpy) and a loop over the raw
//! branches here.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef};
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Expr};
use rask_reference::{Data, Reference, Value};
use rask_sql::SqlSession;

use crate::common::{FileReader, repo};

fn hzz(ctx: &Context) -> SqlSession {
    let path = repo().join("data/HZZ.root");
    let src = rask_io_root::EventSource::open(&[&path], "events").unwrap();
    let events = ctx
        .source(
            "events",
            &[path.to_str().unwrap().to_string()],
            "events",
            src.schema().clone(),
        )
        .unwrap();
    let mut s = SqlSession::new(ctx);
    s.register("events", events);
    s
}

/// Per event, the f64 values of a list (missing values as NaN).
fn engine_lists(a: &ArrayRef) -> Vec<Vec<f64>> {
    let l = a.as_list::<i32>();
    (0..l.len())
        .map(|e| {
            let v = l.value(e);
            let v = v.as_primitive::<Float64Type>();
            (0..v.len())
                .map(|i| if v.is_null(i) { f64::NAN } else { v.value(i) })
                .collect()
        })
        .collect()
}

fn reference_lists(d: &Data) -> Vec<Vec<f64>> {
    let Data::Events(evs) = d else {
        panic!("not per-event values: {d:?}")
    };
    evs.iter()
        .map(|ev| match ev {
            Value::List(items) => items
                .iter()
                .map(|x| match x {
                    Value::F64(x) => *x,
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        })
        .collect()
}

const SQL: &str = "SELECT list_transform(combinations(Muon, 2), p -> mass(p.\"0\", p.\"1\")) AS m, \
     list_transform(combinations(Muon, 2), p -> pt4(p.\"0\", p.\"1\")) AS pt, \
     list_transform(combinations(Muon, 2), p -> delta_r(p.\"0\", p.\"1\")) AS dr, \
     list_transform(combinations(Muon, 2), p -> delta_phi(p.\"0\", p.\"1\")) AS dphi, \
     list_transform(combinations(Muon, 2), p -> mt(p.\"0\", p.\"1\")) AS mt \
     FROM events";

#[test]
fn hzz_dimuon_masses_from_px_py_pz_e() {
    let ctx = Context::new();
    let outs = hzz(&ctx).query(SQL).unwrap();
    let exprs: Vec<&Expr> = outs.iter().map(|(_, e)| e).collect();
    // Only the four Cartesian branches of the muons are read.
    let mut needed: Vec<String> = outs[0]
        .1
        .necessary_columns()
        .unwrap()
        .into_values()
        .flatten()
        .collect();
    needed.sort();
    assert_eq!(needed, ["Muon_E", "Muon_Px", "Muon_Py", "Muon_Pz"]);
    let reference: Vec<Vec<Vec<f64>>> = outs
        .iter()
        .map(|(_, e)| reference_lists(&e.compute(&FileReader).unwrap()))
        .collect();
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(500),
    ] {
        let got = engine.compute_many(&exprs).unwrap();
        for ((name, _), (g, r)) in outs.iter().zip(got.iter().zip(&reference)) {
            let Output::Events(a) = g else {
                panic!("{name}: {g:?}")
            };
            let g = engine_lists(a);
            assert_eq!(g.len(), 2421, "{name}");
            let bits = |v: &Vec<Vec<f64>>| -> Vec<Vec<u64>> {
                v.iter()
                    .map(|l| l.iter().map(|x| x.to_bits()).collect())
                    .collect()
            };
            assert_eq!(bits(&g), bits(r), "{name}: engine vs reference");
        }
    }
    // numpy (uproot 5.7 reading data/HZZ.root), the first ten events' pairs.
    let numpy: [&[f64]; 10] = [
        &[90.22779776988638],
        &[],
        &[74.74654928040661],
        &[89.75736375665977],
        &[94.85521728415152],
        &[92.11672152709482],
        &[53.36427793158392],
        &[],
        &[89.84969494859244],
        &[96.03694205062722],
    ];
    for (e, want) in numpy.iter().enumerate() {
        assert_eq!(reference[0][e].len(), want.len(), "event {e}");
        for (g, w) in reference[0][e].iter().zip(*want) {
            assert!((g - w).abs() <= 1e-12 * w, "event {e}: {g} vs numpy {w}");
        }
    }
    // Every pair of every event, by the formula on the raw branches.
    let by_hand = masses_by_hand();
    assert_eq!(by_hand.len(), reference[0].len());
    let pairs: usize = by_hand.iter().map(Vec::len).sum();
    assert!(pairs > 1400, "{pairs} pairs");
    for (e, (g, w)) in reference[0].iter().zip(&by_hand).enumerate() {
        assert_eq!(g.len(), w.len(), "event {e}");
        for (g, w) in g.iter().zip(w) {
            assert!((g - w).abs() <= 1e-9 * w.max(1.0), "event {e}: {g} vs {w}");
        }
    }
    // pt4, delta_phi and delta_r of event 0's pair by hand from its components.
    let [px, py, pz, _] = components(0);
    let pt = (px[0] + px[1]).hypot(py[0] + py[1]);
    assert!((reference[1][0][0] - pt).abs() < 1e-9 * pt);
    let phi = |i: usize| py[i].atan2(px[i]);
    let eta = |i: usize| (pz[i] / px[i].hypot(py[i])).asinh();
    let dphi = rask_core::kernels::delta_phi(phi(0), phi(1));
    assert!((reference[3][0][0] - dphi).abs() < 1e-12);
    let dr = ((eta(0) - eta(1)).powi(2) + dphi * dphi).sqrt();
    assert!((reference[2][0][0] - dr).abs() < 1e-12);
}

/// The four components of event `e`'s muons, read from the branches.
fn components(e: usize) -> [Vec<f64>; 4] {
    let path = repo().join("data/HZZ.root");
    let src = rask_io_root::EventSource::open(&[&path], "events").unwrap();
    let cols = ["Muon_Px", "Muon_Py", "Muon_Pz", "Muon_E"];
    let p = src.partitions(&cols, 10_000).unwrap();
    let b = src.read(&p[0], &cols).unwrap();
    std::array::from_fn(|k| {
        let l = b.column(k).as_list::<i32>().value(e);
        l.as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&x| f64::from(x))
            .collect()
    })
}

fn masses_by_hand() -> Vec<Vec<f64>> {
    let path = repo().join("data/HZZ.root");
    let src = rask_io_root::EventSource::open(&[&path], "events").unwrap();
    let cols = ["Muon_Px", "Muon_Py", "Muon_Pz", "Muon_E"];
    let mut out = Vec::new();
    for p in src.partitions(&cols, 10_000).unwrap() {
        let b = src.read(&p, &cols).unwrap();
        for e in 0..b.num_rows() {
            let c: Vec<Vec<f64>> = (0..4)
                .map(|k| {
                    let l = b.column(k).as_list::<i32>().value(e);
                    l.as_primitive::<Float32Type>()
                        .values()
                        .iter()
                        .map(|&x| f64::from(x))
                        .collect()
                })
                .collect();
            let n = c[0].len();
            let mut m = Vec::new();
            for i in 0..n {
                for j in i + 1..n {
                    let s: Vec<f64> = (0..4).map(|k| c[k][i] + c[k][j]).collect();
                    m.push(
                        (s[3] * s[3] - s[0] * s[0] - s[1] * s[1] - s[2] * s[2])
                            .max(0.0)
                            .sqrt(),
                    );
                }
            }
            out.push(m);
        }
    }
    out
}

#[test]
fn cartesian_and_pt_eta_phi_mass_vectors_mix() {
    // Each HZZ muon (px, py, pz, E) plus a massless 10 GeV vector along x given as
    // pt, eta, phi, mass, i.e. (10, 0, 0, 10): m² = (E + 10)² − (px + 10)² − py² − pz².
    let ctx = Context::new();
    let sql = "SELECT mass(Muon, zip(pt => Muon.Px * 0.0 + 10.0, eta => Muon.Px * 0.0, \
               phi => Muon.Px * 0.0, mass => Muon.Px * 0.0)) AS m FROM events";
    let outs = hzz(&ctx).query(sql).unwrap();
    let e = &outs[0].1;
    let want = reference_lists(&e.compute(&FileReader).unwrap());
    let Output::Events(a) = Engine::new(Scheduler::Sync).compute(e).unwrap() else {
        panic!()
    };
    let got = engine_lists(&a);
    assert_eq!(got, want);
    let [px, py, pz, en] = components(0);
    assert_eq!(got[0].len(), px.len());
    for i in 0..px.len() {
        let m2 = (en[i] + 10.0).powi(2) - (px[i] + 10.0).powi(2) - py[i].powi(2) - pz[i].powi(2);
        let m = m2.max(0.0).sqrt();
        assert!(
            (got[0][i] - m).abs() < 1e-9 * m.max(1.0),
            "{} vs {m}",
            got[0][i]
        );
    }
}
