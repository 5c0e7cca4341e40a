//! The reference interpreter computes what the expressions mean, before and after optimisation.

use rask_reference::{Data, MemoryReader, NoSources, Reference, Value};
use std::sync::Arc;

use arrow_array::Float64Array;
use rask_plan::{Axis, Context, Storage};

use crate::common::{small, small_batch};

fn array_f64(d: &Data) -> Vec<f64> {
    match d {
        Data::Array { values, .. } => values.iter().map(|v| v.as_f64().unwrap()).collect(),
        other => panic!("not an array: {other:?}"),
    }
}

fn events(d: &Data) -> Vec<Value> {
    match d {
        Data::Events(v) => v.clone(),
        other => panic!("not events: {other:?}"),
    }
}

#[test]
fn masks_and_sums_of_arrays() {
    let ctx = Context::new();
    let x = ctx
        .from_arrow(
            Arc::new(Float64Array::from(vec![1.0, -2.0, 3.0, -4.0, 5.0])),
            2,
        )
        .unwrap();
    let y = ctx
        .from_arrow(
            Arc::new(Float64Array::from(vec![10.0, 20.0, 30.0, 40.0, 50.0])),
            2,
        )
        .unwrap();
    let pos = x.gt(0.0).unwrap();
    let w = (&y.mask(&pos).unwrap() + &x.mask(&pos).unwrap()).unwrap();
    assert_eq!(
        array_f64(&w.compute(&NoSources).unwrap()),
        vec![11.0, 33.0, 55.0]
    );
    assert_eq!(
        w.compute(&NoSources).unwrap(),
        w.compute_unoptimized(&NoSources).unwrap()
    );
    assert_eq!(
        w.sum(None).unwrap().compute(&NoSources).unwrap(),
        Data::Scalar(Value::F64(99.0))
    );
    assert_eq!(
        x.count(None).unwrap().compute(&NoSources).unwrap(),
        Data::Scalar(Value::I64(5))
    );
    assert_eq!(
        pos.any(None).unwrap().compute(&NoSources).unwrap(),
        Data::Scalar(Value::Bool(true))
    );
    assert_eq!(
        x.mean(None).unwrap().compute(&NoSources).unwrap(),
        Data::Scalar(Value::F64(0.6))
    );
}

#[test]
fn the_seeds_blocked_2d_example() {
    let ctx = Context::new();
    let x = ctx.ones(&[15, 15], &[5, 5]).unwrap();
    let y = (&ctx.ones(&[15, 15], &[5, 5]).unwrap() + &x.t().unwrap()).unwrap();
    match y.compute(&NoSources).unwrap() {
        Data::Array { shape, values } => {
            assert_eq!(shape, vec![15, 15]);
            assert!(values.iter().all(|v| *v == Value::F64(2.0)));
        }
        other => panic!("{other:?}"),
    }
    // arange reshaped, plus its transpose: b[i][j] = (15 i + j) + (15 j + i).
    let a = ctx
        .arange(225, 25)
        .unwrap()
        .reshape(&[15, 15], &[5, 5])
        .unwrap();
    let b = (&a + &a.t().unwrap()).unwrap();
    let Data::Array { values, .. } = b.compute(&NoSources).unwrap() else {
        panic!()
    };
    for i in 0..15 {
        for j in 0..15 {
            assert_eq!(
                values[i * 15 + j],
                Value::I64((15 * i + j + 15 * j + i) as i64),
                "b[{i}][{j}]"
            );
        }
    }
    let col_sums = b.sum(Some(0)).unwrap().compute(&NoSources).unwrap();
    let row_sums = b.sum(Some(1)).unwrap().compute(&NoSources).unwrap();
    assert_eq!(col_sums, row_sums, "b is symmetric");
    assert!(a.reshape(&[15, 16], &[5, 5]).is_err());
}

#[test]
fn random_arrays_are_chunk_deterministic() {
    let ctx = Context::new();
    let x = ctx.random_normal(&[10], &[4], 7).unwrap();
    let values = array_f64(&x.compute(&NoSources).unwrap());
    let mut chunk1 = vec![0.0; 4];
    rask_core::random::fill_normal(7, 1, &mut chunk1);
    assert_eq!(&values[4..8], &chunk1[..]);
}

#[test]
fn jagged_verbs_on_events() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let reader = MemoryReader(small_batch());
    let muons = ev.field("Muon").unwrap();
    let pt = muons.field("pt").unwrap();
    let n = muons.num().unwrap();
    assert_eq!(
        events(&n.compute(&reader).unwrap()),
        vec![Value::I64(2), Value::I64(0), Value::I64(3), Value::I64(1)]
    );
    let hard = pt.mask(&pt.gt(15.0).unwrap()).unwrap();
    let as_f = |v: &[f64]| Value::List(v.iter().map(|x| Value::F64(*x)).collect());
    assert_eq!(
        events(&hard.compute(&reader).unwrap()),
        vec![as_f(&[30.0]), as_f(&[]), as_f(&[50.0, 20.0]), as_f(&[40.0])]
    );
    // Slices of every list (`x[:, a:b]`), clipped to its length.
    for ((start, stop), want) in [
        (
            (0, Some(1)),
            vec![as_f(&[30.0]), as_f(&[]), as_f(&[50.0]), as_f(&[40.0])],
        ),
        (
            (1, None),
            vec![as_f(&[]), as_f(&[]), as_f(&[20.0]), as_f(&[])],
        ),
        (
            (5, Some(2)),
            vec![as_f(&[]), as_f(&[]), as_f(&[]), as_f(&[])],
        ),
    ] {
        let sliced = hard.list_slice(start, stop).unwrap();
        assert_eq!(
            events(&sliced.compute(&reader).unwrap()),
            want,
            "{start}:{stop:?}"
        );
    }
    let best = pt.argmax(true).unwrap();
    let lead_eta = muons
        .field("eta")
        .unwrap()
        .take(&best)
        .unwrap()
        .firsts()
        .unwrap();
    let got = events(&lead_eta.compute(&reader).unwrap());
    assert_eq!(
        got,
        vec![
            as_f(&[0.5]),
            as_f(&[]),
            as_f(&[0.1f32 as f64]),
            as_f(&[1.1f32 as f64])
        ]
    );
    // Opposite-charge pairs per event.
    let pairs = muons.combinations(2).unwrap();
    let os = pairs
        .field("0")
        .unwrap()
        .field("charge")
        .unwrap()
        .ne(&pairs.field("1").unwrap().field("charge").unwrap())
        .unwrap();
    let n_os = os.sum(Some(1)).unwrap();
    assert_eq!(
        events(&n_os.compute(&reader).unwrap()),
        vec![Value::I64(1), Value::I64(0), Value::I64(2), Value::I64(0)]
    );
    // Events with a muon above 35 GeV: their MET.
    let cut = pt
        .max(Some(1))
        .unwrap()
        .fill_none(0.0)
        .unwrap()
        .gt(35.0)
        .unwrap();
    let met = ev
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
        .mask(&cut)
        .unwrap();
    assert_eq!(
        events(&met.compute(&reader).unwrap()),
        vec![Value::F64(80.0), Value::F64(150.0)]
    );
    assert_eq!(
        met.compute(&reader).unwrap(),
        met.compute_unoptimized(&reader).unwrap()
    );
    assert_eq!(
        met.necessary_columns().unwrap()["small"],
        ["MET_pt", "Muon_pt"]
    );
}

#[test]
fn histograms_fill_flattened_jagged_values() {
    let ctx = Context::new();
    let ev = small(&ctx);
    let reader = MemoryReader(small_batch());
    let jet_pt = ev.field("Jet").unwrap().field("pt").unwrap();
    let axis = Axis::Regular {
        bins: 4,
        lo: 0.0,
        hi: 80.0,
        label: "pt".into(),
    };
    let h = ctx
        .hist(vec![axis], Storage::Int, &[&jet_pt], None)
        .unwrap();
    let Data::Hist(h) = h.compute(&reader).unwrap() else {
        panic!()
    };
    // underflow, [0,20), [20,40), [40,60), [60,80), overflow; jets 100, 45, 20, 35, 60, 41.
    assert_eq!(h.values, vec![0.0, 0.0, 2.0, 2.0, 1.0, 1.0]);
    // Weighted by the per-event MET: broadcast over the jets of each event.
    let met = ev.field("MET").unwrap().field("pt").unwrap();
    let axis = Axis::Regular {
        bins: 1,
        lo: 0.0,
        hi: 1000.0,
        label: "pt".into(),
    };
    let hw = ctx
        .hist(vec![axis], Storage::Weight, &[&jet_pt], Some(&met))
        .unwrap();
    let Data::Hist(hw) = hw.compute(&reader).unwrap() else {
        panic!()
    };
    assert_eq!(hw.values[1], 3.0 * 25.0 + 5.0 + 2.0 * 150.0);
}

#[test]
fn persist_keeps_results_for_later_computes() {
    struct Once(std::cell::Cell<usize>, arrow_array::RecordBatch);
    impl rask_reference::SourceReader for Once {
        fn read(
            &self,
            spec: &rask_plan::SourceSpec,
            columns: &[String],
        ) -> Result<arrow_array::RecordBatch, rask_reference::ReadError> {
            self.0.set(self.0.get() + 1);
            MemoryReader(self.1.clone()).read(spec, columns)
        }
    }
    let ctx = Context::new();
    let ev = small(&ctx);
    let reader = Once(std::cell::Cell::new(0), small_batch());
    let pt = ev.field("Muon").unwrap().field("pt").unwrap();
    let hard = pt
        .mask(&pt.gt(15.0).unwrap())
        .unwrap()
        .persist(&reader)
        .unwrap();
    assert_eq!(reader.0.get(), 1);
    let n = hard.num().unwrap();
    let got = n.compute_unoptimized(&reader).unwrap();
    assert_eq!(
        reader.0.get(),
        1,
        "the persisted value is used, the source is not read again"
    );
    assert_eq!(
        events(&got),
        vec![Value::I64(1), Value::I64(0), Value::I64(2), Value::I64(1)]
    );
}
