//! The engine computes what the reference interpreter computes, whatever the scheduler and the
//! chunking; and the seed's 2-D examples.

use rask_reference::{Data, NoSources, Reference, Value};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, Float64Array};
use proptest::prelude::*;
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Expr};

fn engines() -> [Engine; 3] {
    [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)),
        Engine::new(Scheduler::Threads(3)),
    ]
}

/// The engine's output as reference-interpreter data.
fn as_data(o: &Output) -> Data {
    match o {
        Output::Array { data, shape } => {
            let values = match data.data_type() {
                arrow_schema::DataType::Float64 => data
                    .as_primitive::<Float64Type>()
                    .values()
                    .iter()
                    .map(|v| Value::F64(*v))
                    .collect(),
                arrow_schema::DataType::Int64 => data
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .map(|v| Value::I64(*v))
                    .collect(),
                arrow_schema::DataType::Boolean => data
                    .as_boolean()
                    .iter()
                    .map(|v| Value::Bool(v.unwrap_or(false)))
                    .collect(),
                other => panic!("unexpected {other}"),
            };
            Data::Array {
                shape: shape.clone(),
                values,
            }
        }
        Output::Float(x) => Data::Scalar(Value::F64(*x)),
        Output::Int(x) => Data::Scalar(Value::I64(*x)),
        Output::Bool(x) => Data::Scalar(Value::Bool(*x)),
        Output::Hist(h) => panic!("histogram {h:?}"),
        Output::Events(a) => panic!("events {a:?}"),
    }
}

fn close(a: &Data, b: &Data, exact: bool) -> bool {
    match (a, b) {
        (
            Data::Array {
                shape: sa,
                values: va,
            },
            Data::Array {
                shape: sb,
                values: vb,
            },
        ) => sa == sb && va.iter().zip(vb).all(|(x, y)| x.bits_eq(y)) && va.len() == vb.len(),
        (Data::Scalar(Value::F64(x)), Data::Scalar(Value::F64(y))) => {
            if exact || x.is_nan() || y.is_nan() || x.is_infinite() {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            } else {
                (x - y).abs() <= 1e-9 * y.abs().max(1.0)
            }
        }
        _ => a == b,
    }
}

#[test]
fn the_seed_variants_agree_with_the_reference() {
    // Chunks below, at and far above the engine's morsel (16,384 elements), with partial last
    // morsels: fused bodies run morsel by morsel, random inputs generated a morsel at a time.
    for (n, chunk) in [
        (10_000, 1_000),
        (10_000, 3_333),
        (10_000, 10_000),
        (100_003, 40_000),
        (70_000, 16_384),
    ] {
        let ctx = Context::new();
        let x = ctx.random_normal(&[n], &[chunk], 1).unwrap();
        let y = ctx.random_normal(&[n], &[chunk], 2).unwrap();
        let z = ctx.random_normal(&[n], &[chunk], 3).unwrap();
        let pos = x.gt(0.0).unwrap();
        let a = (&y.mask(&pos).unwrap() + &z.mask(&pos).unwrap()).unwrap();
        let c = (&(&x + &y).unwrap() + &z).unwrap().mask(&pos).unwrap();
        // Non-f64 results of fused bodies (booleans, integers) take the concatenating path.
        let flags = y.gt(&z).unwrap().mask(&pos).unwrap();
        let ints = x.gt(1.0).unwrap().cast(rask_plan::DType::I64).unwrap();
        for w in [&a, &c, &flags, &ints] {
            let want = w.compute(&NoSources).unwrap();
            for e in engines() {
                assert!(
                    close(&as_data(&e.compute(w).unwrap()), &want, true),
                    "n {n}, chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn blocked_2d_sums_and_transposes() {
    let ctx = Context::new();
    let ones = ctx.ones(&[15, 15], &[5, 5]).unwrap();
    let x = ctx.random_normal(&[15, 15], &[5, 5], 4).unwrap();
    let s = (&ones + &x.t().unwrap()).unwrap();
    let want = s.compute(&NoSources).unwrap();
    for e in engines() {
        assert!(close(&as_data(&e.compute(&s).unwrap()), &want, true));
    }
    // arange reshaped plus its transpose, against the direct computation.
    let a = ctx
        .arange(225, 25)
        .unwrap()
        .reshape(&[15, 15], &[5, 5])
        .unwrap();
    let b = (&a + &a.t().unwrap()).unwrap();
    let Output::Array { data, shape } = Engine::new(Scheduler::threads()).compute(&b).unwrap()
    else {
        panic!()
    };
    assert_eq!(shape, vec![15, 15]);
    let v = data.as_primitive::<Int64Type>().values();
    for i in 0..15 {
        for j in 0..15 {
            assert_eq!(v[i * 15 + j], (15 * i + j + 15 * j + i) as i64);
        }
    }
}

#[test]
fn histograms_and_reductions_merge_in_partition_order() {
    let ctx = Context::new();
    let x = ctx.random_normal(&[20_000], &[1_500], 9).unwrap();
    let axis = rask_plan::Axis::Regular {
        bins: 20,
        lo: -3.0,
        hi: 3.0,
        label: "x".into(),
    };
    let h = ctx
        .hist(vec![axis], rask_plan::Storage::Int, &[&x], None)
        .unwrap();
    let Data::Hist(want) = h.compute(&NoSources).unwrap() else {
        panic!()
    };
    for e in engines() {
        let Output::Hist(got) = e.compute(&h).unwrap() else {
            panic!()
        };
        assert_eq!(got.values(), want.values);
    }
    let total = x.sum(None).unwrap();
    let sync = Engine::new(Scheduler::Sync).compute(&total).unwrap();
    let threads = Engine::new(Scheduler::Threads(3)).compute(&total).unwrap();
    assert_eq!(sync, threads, "bit for bit whatever the scheduler");
    assert!(close(
        &as_data(&sync),
        &total.compute(&NoSources).unwrap(),
        false
    ));
    let n = x.mask(&x.gt(1.0).unwrap()).unwrap().count(None).unwrap();
    assert_eq!(
        as_data(&Engine::new(Scheduler::Sync).compute(&n).unwrap()),
        n.compute(&NoSources).unwrap()
    );
    // The trues of a mask summed (counted from its bitmap) are the events it keeps.
    let trues = x.gt(1.0).unwrap().sum(None).unwrap();
    for e in engines() {
        assert_eq!(
            as_data(&e.compute(&trues).unwrap()),
            n.compute(&NoSources).unwrap()
        );
    }
}

#[test]
fn one_partition_for_debugging() {
    let ctx = Context::new();
    let x = ctx.random_normal(&[100], &[30], 1).unwrap();
    let Output::Array { data, .. } = Engine::new(Scheduler::Sync)
        .compute_partition(&x, 1)
        .unwrap()
    else {
        panic!()
    };
    let mut want = vec![0.0; 30];
    rask_core::random::fill_normal(1, 1, &mut want);
    assert_eq!(data.as_primitive::<Float64Type>().values().to_vec(), want);
    assert!(
        Engine::new(Scheduler::Sync)
            .compute_partition(&x, 4)
            .is_err()
    );
}

#[test]
fn an_event_source_without_files_is_a_clear_error() {
    let ctx = Context::new();
    let ev = ctx
        .source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))
        .unwrap();
    let met = ev
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
        .sum(None)
        .unwrap();
    let err = Engine::new(Scheduler::Sync).compute(&met).unwrap_err();
    assert!(
        err.to_string()
            .contains("event source 'events' has no files"),
        "{err}"
    );
}

#[derive(Debug, Clone)]
enum E {
    Leaf(usize),
    Lit(f64),
    Bin(u8, Box<E>, Box<E>),
    Un(u8, Box<E>),
}

fn expr() -> impl Strategy<Value = E> {
    let leaf =
        prop_oneof![3 => (0..3usize).prop_map(E::Leaf), 1 => (-2.0..2.0f64).prop_map(E::Lit)];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (0..6u8, inner.clone(), inner.clone()).prop_map(|(o, a, b)| E::Bin(
                o,
                Box::new(a),
                Box::new(b)
            )),
            (0..4u8, inner).prop_map(|(o, a)| E::Un(o, Box::new(a))),
        ]
    })
}

fn build(ctx: &Context, e: &E, leaves: &[Expr]) -> Expr {
    match e {
        E::Leaf(i) => leaves[*i].clone(),
        E::Lit(v) => ctx.literal(*v).unwrap(),
        E::Bin(o, a, b) => {
            let (a, b) = (build(ctx, a, leaves), build(ctx, b, leaves));
            match o {
                0 => (&a + &b).unwrap(),
                1 => (&a - &b).unwrap(),
                2 => (&a * &b).unwrap(),
                3 => (&a / &b).unwrap(),
                4 => a.hypot(&b).unwrap(),
                _ => a.maximum(&b).unwrap(),
            }
        }
        E::Un(o, a) => {
            let a = build(ctx, a, leaves);
            match o {
                0 => (-&a).unwrap(),
                1 => a.abs().unwrap(),
                2 => a.sqrt().unwrap(),
                _ => a.cos().unwrap(),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_plans_match_the_reference(e in expr(), m in expr(), data in proptest::collection::vec(-5.0..5.0f64, 3..90), chunks in 1u64..12, reduce in 0u8..3) {
        let n = data.len() / 3;
        let ctx = Context::new();
        let leaves: Vec<Expr> = (0..3).map(|i| ctx.from_arrow(Arc::new(Float64Array::from(data[i * n..(i + 1) * n].to_vec())), chunks).unwrap()).collect();
        let base = build(&ctx, &e, &leaves);
        prop_assume!(matches!(base.ty(), rask_plan::Ty::Array { .. }));
        let masked = base.mask(&build(&ctx, &m, &leaves).gt(0.0).unwrap());
        prop_assume!(masked.is_ok());
        let out = match reduce {
            1 => masked.unwrap().sum(None).unwrap(),
            2 => masked.unwrap().max(None).unwrap(),
            _ => masked.unwrap(),
        };
        let want = out.compute(&NoSources).unwrap();
        for engine in engines() {
            let got = as_data(&engine.compute(&out).unwrap());
            prop_assert!(close(&got, &want, reduce != 1), "{got:?} vs {want:?} for {}", out.describe());
        }
    }
}
