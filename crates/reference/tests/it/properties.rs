//! Random expression trees over random arrays: the optimised plan computes the same values as
//! the plan as built (reference interpreter), and `optimize` is idempotent.

use rask_reference::{Data, NoSources, Reference, Value};
use std::sync::Arc;

use arrow_array::Float64Array;
use proptest::prelude::*;
use rask_plan::{Context, Expr, PlanError};

#[derive(Debug, Clone)]
enum E {
    Leaf(usize),
    Lit(f64),
    Bin(u8, Box<E>, Box<E>),
    Un(u8, Box<E>),
    /// `where(c > d, a, b)`
    Where(Box<E>, Box<E>, Box<E>, Box<E>),
}

fn expr() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![3 => (0..3usize).prop_map(E::Leaf), 1 => prop_oneof![Just(0.0), Just(1.0), Just(2.0), -3.0..3.0f64].prop_map(E::Lit)];
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            (0..7u8, inner.clone(), inner.clone()).prop_map(|(o, a, b)| E::Bin(
                o,
                Box::new(a),
                Box::new(b)
            )),
            (0..5u8, inner.clone()).prop_map(|(o, a)| E::Un(o, Box::new(a))),
            (inner.clone(), inner.clone(), inner.clone(), inner).prop_map(|(c, d, a, b)| E::Where(
                Box::new(c),
                Box::new(d),
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

fn build(ctx: &Context, e: &E, leaves: &[Expr]) -> Result<Expr, PlanError> {
    Ok(match e {
        E::Leaf(i) => leaves[*i].clone(),
        E::Lit(v) => ctx.literal(*v)?,
        E::Bin(o, a, b) => {
            let (a, b) = (build(ctx, a, leaves)?, build(ctx, b, leaves)?);
            match o {
                0 => (&a + &b)?,
                1 => (&a - &b)?,
                2 => (&a * &b)?,
                3 => (&a / &b)?,
                4 => a.minimum(&b)?,
                5 => a.hypot(&b)?,
                _ => a.arctan2(&b)?,
            }
        }
        E::Un(o, a) => {
            let a = build(ctx, a, leaves)?;
            match o {
                0 => (-&a)?,
                1 => a.abs()?,
                2 => a.sqrt()?,
                3 => a.cos()?,
                _ => a.exp()?,
            }
        }
        E::Where(c, d, a, b) => {
            let cond = build(ctx, c, leaves)?.gt(&build(ctx, d, leaves)?)?;
            ctx.where_(&cond, &build(ctx, a, leaves)?, &build(ctx, b, leaves)?)?
        }
    })
}

fn same(a: &Data, b: &Data) -> bool {
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
        ) => sa == sb && va.len() == vb.len() && va.iter().zip(vb).all(|(x, y)| x.bits_eq(y)),
        (Data::Scalar(x), Data::Scalar(y)) => x.bits_eq(y),
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn optimised_plans_compute_the_same_values(
        e in expr(),
        mask in expr(),
        data in proptest::collection::vec(prop_oneof![8 => -10.0..10.0f64, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => Just(0.0)], 3..60),
        chunks in 1u64..8,
        use_mask in any::<bool>(),
        reduce in 0u8..3,
    ) {
        let n = data.len() / 3;
        let ctx = Context::new();
        let leaves: Vec<Expr> = (0..3)
            .map(|i| ctx.from_arrow(Arc::new(Float64Array::from(data[i * n..(i + 1) * n].to_vec())), chunks).unwrap())
            .collect();
        let mut out = build(&ctx, &e, &leaves).unwrap();
        if use_mask {
            let m = build(&ctx, &mask, &leaves).unwrap().gt(0.0).unwrap();
            match out.mask(&m) {
                Ok(masked) => out = masked,
                Err(_) => prop_assume!(false), // a scalar expression (only literals) cannot be masked
            }
        }
        out = match reduce {
            1 => out.sum(None).unwrap(),
            2 => out.max(None).unwrap(),
            _ => out,
        };
        let built = out.compute_unoptimized(&NoSources).unwrap();
        let optimised = out.compute(&NoSources).unwrap();
        prop_assert!(same(&built, &optimised), "{built:?}\n!=\n{optimised:?}\nfor {}", out.describe());

        let once = out.optimize().unwrap();
        let again = rask_plan::optimize(&once.logical).unwrap();
        prop_assert_eq!(again.logical.output_keys(), once.logical.output_keys());
        let fused_again = rask_plan::optimize(&once.fused).unwrap();
        prop_assert_eq!(fused_again.fused.output_keys(), once.fused.output_keys());
        prop_assert!(once.fused.node_count() <= once.logical.node_count());
        let _ = Value::Bool(true);
    }
}
