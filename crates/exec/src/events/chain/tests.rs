//! Multi-block chains against loops per item.

use super::*;
use arrow_buffer::OffsetBuffer;
use rask_plan::Key;
use rask_plan::types::Layout;
use std::sync::Arc;

fn jagged(d: DType) -> Ty {
    let item = Box::new(Layout::Prim(d));
    Ty::Events {
        layout: Layout::List {
            item,
            lineage: Key(7),
        },
        rows: Key(1),
    }
}

/// 500 events of 0–6 items (about three blocks): floats with NaN and ±inf, integers.
fn data() -> (OffsetBuffer<i32>, Vec<f64>, Vec<i64>) {
    let offsets = OffsetBuffer::from_lengths((0..500).map(|e| e % 7));
    let n = *offsets.last().unwrap() as usize;
    let x = (0..n)
        .map(|i| match i % 97 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            k => k as f64 / 10.0 - 5.0,
        })
        .collect();
    let id = (0..n).map(|i| (i * 13 % 17) as i64 - 3).collect();
    (offsets, x, id)
}

/// Flags of the items (a third input).
fn flags(n: usize) -> Vec<bool> {
    (0..n).map(|i| i % 3 == 0 || i % 7 == 1).collect()
}

/// Runs `ops` (inputs: the floats, the integers, the flags) as one chain; its items.
fn run_chain(ops: Vec<(Op, Vec<FusedRef>)>) -> Col {
    let body = FusedBody {
        output: ops.len() - 1,
        keys: (0..ops.len() as u128).map(|k| Key(100 + k)).collect(),
        ops,
        input_keys: vec![Key(2), Key(3), Key(4)],
    };
    let tys = [jagged(DType::F64), jagged(DType::I64), jagged(DType::Bool)];
    let tys: Vec<&Ty> = tys.iter().collect();
    let types = rask_plan::typing::fused_types(&body, &tys).unwrap();
    let chains = plan(&body, &types, &tys, |_| false, |_| false);
    let chain = &chains.roots[&body.output];
    let (o, x, id) = data();
    let x = EvValue::Col(Col::List(o.clone(), Arc::new(Col::F64(x.into()))));
    let flags = Col::Bool(flags(id.len()).into_iter().collect());
    let flags = EvValue::Col(Col::List(o.clone(), Arc::new(flags)));
    let id = EvValue::Col(Col::List(o, Arc::new(Col::I64(id.into()))));
    let leaves: Vec<&EvValue> = chain
        .leaves
        .iter()
        .map(|r| match r {
            FusedRef::Input(0) => &x,
            FusedRef::Input(1) => &id,
            _ => &flags,
        })
        .collect();
    let Ok(EvValue::Col(Col::List(_, items))) = evaluate(chain, &leaves) else {
        panic!("a chain of lists gives lists");
    };
    Arc::unwrap_or_clone(items)
}

#[test]
fn a_selection_over_several_blocks_equals_a_loop_per_item() {
    use BinaryOp::*;
    use FusedRef::{Input, Op as O};
    // abs(x) < 2.4 & !(id % 8 >= 4) | id == -3 & flag
    let items = run_chain(vec![
        (Op::Unary(UnaryOp::Abs), vec![Input(0)]),
        (Op::Literal(Scalar::F64(2.4)), vec![]),
        (Op::Binary(Lt), vec![O(0), O(1)]),
        (Op::Literal(Scalar::I64(8)), vec![]),
        (Op::Binary(Mod), vec![Input(1), O(3)]),
        (Op::Literal(Scalar::I64(4)), vec![]),
        (Op::Binary(Ge), vec![O(4), O(5)]),
        (Op::Unary(UnaryOp::Not), vec![O(6)]),
        (Op::Binary(And), vec![O(2), O(7)]),
        (Op::Literal(Scalar::I64(-3)), vec![]),
        (Op::Binary(Eq), vec![Input(1), O(9)]),
        (Op::Binary(And), vec![O(10), Input(2)]),
        (Op::Binary(Or), vec![O(8), O(11)]),
    ]);
    let (_, x, id) = data();
    let expected: Vec<bool> = x
        .iter()
        .zip(&id)
        .zip(flags(id.len()))
        .map(|((&x, &id), flag)| x.abs() < 2.4 && !((id as f64) % 8.0 >= 4.0) || id == -3 && flag)
        .collect();
    let Col::Bool(got) = items else {
        panic!("a selection gives booleans")
    };
    assert!(expected.len() > 2 * BLOCK);
    assert_eq!(got.iter().collect::<Vec<_>>(), expected);
}

#[test]
fn arithmetic_over_several_blocks_equals_a_loop_per_item() {
    use BinaryOp::*;
    use FusedRef::{Input, Op as O};
    // hypot(x * 1.5 + id, x) - sqrt(x)
    let items = run_chain(vec![
        (Op::Literal(Scalar::F64(1.5)), vec![]),
        (Op::Binary(Mul), vec![Input(0), O(0)]),
        (Op::Binary(Add), vec![O(1), Input(1)]),
        (Op::Binary(Hypot), vec![O(2), Input(0)]),
        (Op::Unary(UnaryOp::Sqrt), vec![Input(0)]),
        (Op::Binary(Sub), vec![O(3), O(4)]),
    ]);
    let (_, x, id) = data();
    let expected: Vec<f64> = x
        .iter()
        .zip(&id)
        .map(|(&x, &id)| (x * 1.5 + id as f64).hypot(x) - x.sqrt())
        .collect();
    let Col::F64(got) = items else {
        panic!("arithmetic gives floats")
    };
    let same = |a: f64, b: f64| a == b || a.is_nan() && b.is_nan();
    assert_eq!(got.len(), expected.len());
    assert!(got.iter().zip(&expected).all(|(a, b)| same(*a, *b)));
}

/// Comparisons by whole words (AVX-512) and the items past them equal Rust's operators item by
/// item: floats with NaN, ±inf and ±0 (NaN unequal to everything, -0 == +0), integers at their
/// extremes, against items and against constants, for lengths around word boundaries.
#[test]
fn comparisons_by_words_are_the_operators_per_item() {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1.5,
        -1.5,
        2.0,
    ];
    let floats: Vec<f64> = (0..200).map(|i| specials[(i * 7 + i / 9) % 8]).collect();
    let others: Vec<f64> = (0..200).map(|i| specials[(i * 5 + 3) % 8]).collect();
    let ints: Vec<i64> = (0..200)
        .map(|i| [i64::MIN, i64::MAX, 0, -1, 1, 7][(i * 7 + i / 9) % 6])
        .collect();
    let int_others: Vec<i64> = (0..200)
        .map(|i| [i64::MIN, i64::MAX, 0, -1, 1, 7][(i * 5 + 3) % 6])
        .collect();
    let ops = [
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
    ];
    fn per_item<T: PartialOrd + Copy>(op: BinaryOp, p: T, q: T) -> bool {
        match op {
            BinaryOp::Eq => p == q,
            BinaryOp::Ne => p != q,
            BinaryOp::Lt => p < q,
            BinaryOp::Le => p <= q,
            BinaryOp::Gt => p > q,
            _ => p >= q,
        }
    }
    for m in [0, 1, 63, 64, 65, 128, 130, 200] {
        for op in ops {
            let got = compare_items(op, &floats[..m], Rhs::Items(&others[..m]));
            let want: Vec<bool> = (0..m).map(|i| per_item(op, floats[i], others[i])).collect();
            assert_eq!(got.iter().collect::<Vec<_>>(), want, "{op:?} floats, m {m}");
            for c in [f64::NAN, -0.0, 1.5] {
                let got = compare_items(op, &floats[..m], Rhs::Const(c));
                let want: Vec<bool> = (0..m).map(|i| per_item(op, floats[i], c)).collect();
                assert_eq!(got.iter().collect::<Vec<_>>(), want, "{op:?} {c}, m {m}");
            }
            let got = compare_items(op, &ints[..m], Rhs::Items(&int_others[..m]));
            let want: Vec<bool> = (0..m)
                .map(|i| per_item(op, ints[i], int_others[i]))
                .collect();
            assert_eq!(
                got.iter().collect::<Vec<_>>(),
                want,
                "{op:?} integers, m {m}"
            );
            let got = compare_items(op, &ints[..m], Rhs::Const(-1));
            let want: Vec<bool> = (0..m).map(|i| per_item(op, ints[i], -1)).collect();
            assert_eq!(
                got.iter().collect::<Vec<_>>(),
                want,
                "{op:?} integers -1, m {m}"
            );
        }
    }
}
