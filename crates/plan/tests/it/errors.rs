//! Typed errors of the typing (`TypeError`), of `run_fused` (generic over the caller's error)
//! and of the histogram limits (`LimitError`, `AxisError`). Expected messages are written out by
//! hand: they are the words users see (and tests in other crates match).

use rask_plan::limits::{AxisError, LimitError, check_axes};
use rask_plan::op::{FusedBody, FusedRef};
use rask_plan::typing::{FusedError, InternalTypeError, Misaligned, TypeError, infer, run_fused};
use rask_plan::{Axis, Context, DType, Graph, Key, Op, PlanError, Storage, Ty, UnaryOp};

fn f64_scalar() -> Ty {
    Ty::Scalar(DType::F64)
}

#[test]
fn wrong_arity_is_typed_and_worded() {
    let x = f64_scalar();
    let err = infer(&Op::Where, &[(&x, Key(1))], Key(2)).unwrap_err();
    assert_eq!(
        err,
        TypeError::Arity {
            op: "where",
            expected: 3,
            got: 1
        }
    );
    assert_eq!(err.to_string(), "where takes 3 input(s), got 1");
    assert!(!err.is_internal());
}

#[test]
fn a_mask_on_a_literal_names_the_literal_not_the_mask() {
    let ctx = Context::new();
    let one = ctx.literal(1.0).unwrap();
    let keep = ctx.random_normal(&[4], &[2], 1).unwrap().gt(0.0).unwrap();
    let err = one.mask(&keep).unwrap_err().to_string();
    assert!(
        err.contains("a mask selects from per-event values or arrays, not scalar float64"),
        "{err}"
    );
}

#[test]
fn kind_mismatches_keep_their_words() {
    let x = f64_scalar();
    let b = Ty::Scalar(DType::Bool);
    let not = infer(&Op::Unary(UnaryOp::Not), &[(&x, Key(1))], Key(2)).unwrap_err();
    assert_eq!(not.to_string(), "~ needs booleans, not float64");
    let and = infer(
        &Op::Binary(rask_plan::BinaryOp::And),
        &[(&x, Key(1)), (&b, Key(3))],
        Key(2),
    )
    .unwrap_err();
    assert_eq!(and.to_string(), "& needs booleans, not float64 and bool");
    let add = infer(
        &Op::Binary(rask_plan::BinaryOp::Add),
        &[(&b, Key(1)), (&x, Key(3))],
        Key(2),
    )
    .unwrap_err();
    assert_eq!(
        add,
        TypeError::BoolArithmetic {
            left: "bool",
            right: "float64"
        }
    );
    let num = infer(&Op::Num, &[(&x, Key(1))], Key(2)).unwrap_err();
    assert_eq!(
        num.to_string(),
        "needs per-event values, not scalar float64"
    );
}

#[test]
fn arrays_that_do_not_line_up_name_the_axis() {
    let ctx = Context::new();
    let a = ctx.arange(10, 5).unwrap();
    let b = ctx.arange(4, 2).unwrap();
    // `-` keeps its operands' order (`+` may put them in a canonical one).
    let Err(PlanError::Type { message, .. }) = &a - &b else {
        panic!("shapes 10 and 4 broadcast")
    };
    assert_eq!(
        message,
        "shapes do not broadcast on axis 0: Some(10) and Some(4)"
    );
    let c = ctx.arange(10, 2).unwrap();
    let Err(PlanError::Type { message, .. }) = &a - &c else {
        panic!("chunks 5 and 2 combine")
    };
    assert_eq!(
        message,
        "axis 0 is chunked differently (Some([5, 5]) and Some([2, 2, 2, 2, 2])): rechunk one operand"
    );
    let Err(PlanError::Type { message, .. }) = ctx.arange(10, 0) else {
        panic!("chunks of 0 accepted")
    };
    assert_eq!(message, "chunk sizes must be positive");
}

#[test]
fn masked_arrays_combine_only_with_the_same_mask() {
    let ctx = Context::new();
    let a = ctx.arange(10, 5).unwrap();
    let m1 = a.mask(&a.gt(3.0).unwrap()).unwrap();
    let m2 = a.mask(&a.gt(4.0).unwrap()).unwrap();
    let Err(PlanError::Type { message, .. }) = &m1 + &m2 else {
        panic!("differently masked arrays combined")
    };
    assert_eq!(message, Misaligned::MaskedArrays.to_string());
    assert_eq!(
        message,
        "arrays of unknown length (after a mask) combine only with arrays masked the same way"
    );
}

#[test]
fn typing_a_persisted_node_is_an_internal_error() {
    let err = infer(&Op::Cached(Key(7)), &[], Key(7)).unwrap_err();
    assert_eq!(err, TypeError::Internal(InternalTypeError::TypedByMaker));
    assert!(err.is_internal());
    let mut graph = Graph::new();
    let err = graph.add(Op::Cached(Key(7)), vec![]).unwrap_err();
    assert!(matches!(err, PlanError::InternalType { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with(": fused and persisted nodes are typed by whoever makes them"),
        "{err}"
    );
}

/// The error of a caller of `run_fused`: its own failures and the fused body's.
#[derive(Debug, PartialEq)]
enum CallerError {
    Fused(FusedError),
    Own(&'static str),
}

impl From<FusedError> for CallerError {
    fn from(e: FusedError) -> Self {
        CallerError::Fused(e)
    }
}

fn body(op: Op, output: usize) -> FusedBody {
    FusedBody {
        ops: vec![(op, vec![FusedRef::Input(0)])],
        output,
        keys: vec![Key(1)],
        input_keys: vec![Key(2)],
    }
}

#[test]
fn run_fused_returns_the_callers_error_type() {
    let x = f64_scalar();
    // sqrt(4) through the loop: the evaluator sees the op's inferred type.
    let ok: Result<f64, CallerError> = run_fused(
        &body(Op::Unary(UnaryOp::Sqrt), 0),
        &[&4.0],
        &[&x],
        |op, ins, _, ty| {
            assert_eq!(op, &Op::Unary(UnaryOp::Sqrt));
            assert_eq!(ty, &Ty::Scalar(DType::F64));
            Ok(ins[0].sqrt())
        },
    );
    assert_eq!(ok, Ok(2.0));
    let own: Result<f64, CallerError> = run_fused(
        &body(Op::Unary(UnaryOp::Sqrt), 0),
        &[&4.0],
        &[&x],
        |_, _, _, _| Err(CallerError::Own("no sqrt today")),
    );
    assert_eq!(own, Err(CallerError::Own("no sqrt today")));
    let ill_typed: Result<f64, CallerError> = run_fused(
        &body(Op::Unary(UnaryOp::Not), 0),
        &[&4.0],
        &[&x],
        |_, _, _, _| Ok(0.0),
    );
    assert_eq!(
        ill_typed,
        Err(CallerError::Fused(FusedError::Type {
            op: "invert",
            source: TypeError::Expected {
                what: "~ needs".to_string(),
                wanted: "booleans",
                found: "float64".to_string(),
            },
        }))
    );
    let Err(CallerError::Fused(e)) = ill_typed else {
        unreachable!()
    };
    assert_eq!(
        e.to_string(),
        "internal error: fused op invert: ~ needs booleans, not float64"
    );
    let no_output: Result<f64, CallerError> = run_fused(
        &body(Op::Unary(UnaryOp::Sqrt), 3),
        &[&4.0],
        &[&x],
        |_, ins, _, _| Ok(*ins[0]),
    );
    assert_eq!(no_output, Err(CallerError::Fused(FusedError::NoOutput)));
}

fn regular(bins: u32, lo: f64, hi: f64) -> Axis {
    Axis::Regular {
        bins,
        lo,
        hi,
        label: String::new(),
    }
}

#[test]
fn every_invalid_axis_has_its_own_variant() {
    let one = |axis: Axis| match check_axes(&[axis], 1_000) {
        Err(LimitError::Axis { axis: None, error }) => error,
        other => panic!("{other:?}"),
    };
    assert_eq!(one(regular(0, 0.0, 1.0)), AxisError::NoBins);
    assert_eq!(
        one(regular(1, f64::NEG_INFINITY, 1.0)).to_string(),
        "the range [-inf, 1) must be finite"
    );
    assert_eq!(
        one(regular(1, 2.0, 1.0)),
        AxisError::Range { lo: 2.0, hi: 1.0 }
    );
    // 2^-52 is one ulp of 1.0: a hundred bins over it cannot have distinct edges.
    assert_eq!(
        one(regular(100, 1.0, 1.0 + f64::EPSILON)),
        AxisError::TooNarrow {
            bins: 100,
            lo: 1.0,
            hi: 1.0 + f64::EPSILON
        }
    );
    let variable = |edges: Vec<f64>| Axis::Variable {
        edges,
        label: String::new(),
    };
    assert_eq!(one(variable(vec![1.0])), AxisError::FewEdges);
    assert_eq!(
        one(variable(vec![0.0, f64::NAN])).to_string(),
        "the edges must be finite, not NaN"
    );
    assert_eq!(
        one(variable(vec![0.0, 2.0, 2.0])).to_string(),
        "the edges must increase strictly (2 then 2)"
    );
    let integer = Axis::Integer {
        lo: 3,
        hi: -1,
        label: String::new(),
    };
    assert_eq!(
        one(integer).to_string(),
        "the lower bound 3 must be below the upper bound -1"
    );
    let strings = Axis::StrCategory {
        categories: vec!["mu".to_string(), "e".to_string(), "mu".to_string()],
        label: String::new(),
    };
    assert_eq!(
        one(strings).to_string(),
        "the category \"mu\" is listed twice"
    );
    let none = Axis::IntCategory {
        categories: vec![],
        label: String::new(),
    };
    assert_eq!(one(none), AxisError::NoCategories);
    assert_eq!(check_axes(&[], 1_000), Err(LimitError::NoAxes));
}

#[test]
fn too_many_cells_counts_the_product() {
    // 40 * 30 = 1200 cells, over a limit of 1000; the first axis alone (40) is within it.
    let err = check_axes(&[regular(40, 0.0, 1.0), regular(30, 0.0, 1.0)], 1_000).unwrap_err();
    assert_eq!(
        err,
        LimitError::TooManyCells {
            cells: Some(1_200),
            max: 1_000,
            several: true
        }
    );
    assert_eq!(
        err.to_string(),
        "1200 bins (the product over the axes), more than the limit of 1000 (raise it with \
         Context::with_limits if the memory is there)"
    );
    // u32::MAX^3 overflows u64: the count saturates and says so.
    let huge = regular(u32::MAX, 0.0, 1.0);
    let err = check_axes(&[huge.clone(), huge.clone(), huge], u64::MAX - 1).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("too many bins (the product over the axes), more than"),
        "{err}"
    );
    // The second of two axes is numbered 2.
    let err = check_axes(&[regular(2, 0.0, 1.0), regular(0, 0.0, 1.0)], 1_000).unwrap_err();
    assert_eq!(
        err.to_string(),
        "axis 2: the number of bins must be at least 1"
    );
}

#[test]
fn the_builder_carries_the_limit_error() {
    let ctx = Context::new();
    let x = ctx.literal(1.0).unwrap();
    let err = ctx
        .hist(vec![regular(10, 1.0, 1.0)], Storage::Int, &[&x], None)
        .unwrap_err();
    let PlanError::Hist { message, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        message,
        &LimitError::Axis {
            axis: None,
            error: AxisError::Range { lo: 1.0, hi: 1.0 }
        }
    );
    assert!(
        err.to_string()
            .ends_with(": the lower edge 1 must be below the upper edge 1"),
        "{err}"
    );
}
