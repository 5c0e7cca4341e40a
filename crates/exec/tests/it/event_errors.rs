//! Errors of event plans are typed (`EventError` inside `ExecError`): lists of different
//! lengths and event counts are kernel errors, integer overflow keeps its operands, a
//! correction refusing a value names the correction and its file, and each error of a node
//! names the node's expression (`evaluating {expr}: ...`). Bugs of rask (what typing excludes)
//! are `ExecError::Internal`.

use rask_core::column::Col;
use rask_core::kernels::KernelError;
use rask_exec::events::broadcast::{self, Arg};
use rask_exec::events::error::EventError;
use rask_exec::{Engine, ExecError, Scheduler};
use rask_plan::arith::IntegerError;
use rask_plan::correction::CorrectionInput as C;
use rask_plan::{BinaryOp, Context, Expr};

use crate::common::{nano, repo, source};

fn add(args: &[Arg<'_>]) -> Result<Col, EventError> {
    broadcast::binary(BinaryOp::Add, args, rask_plan::types::DType::F64)
}

fn list(offsets: Vec<i32>, values: Vec<f64>) -> Col {
    Col::list(offsets, Col::F64(values.into()))
}

#[test]
fn lists_of_different_lengths_are_a_kernel_error_naming_the_event() {
    // Event 0 has 2 and 2 elements, event 1 has 1 and 2: the first that differs is event 1.
    // The lengths are the operand's, then those of the first list (the structure broadcast to).
    let a = list(vec![0, 2, 3], vec![1.0, 2.0, 3.0]);
    let b = list(vec![0, 2, 4], vec![1.0, 2.0, 3.0, 4.0]);
    let e = broadcast::broadcast(&[Arg::Col(&a), Arg::Col(&b)], &add).unwrap_err();
    assert!(
        matches!(
            e,
            EventError::Kernel(KernelError::LengthMismatch {
                event: 1,
                a: 2,
                b: 1
            })
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "event 1: lists of different lengths (2 and 1)"
    );
    // Lists over 2 events and per-event values of 3 events.
    let per_event = Col::F64(vec![1.0, 2.0, 3.0].into());
    let e = broadcast::broadcast(&[Arg::Col(&a), Arg::Col(&per_event)], &add).unwrap_err();
    assert!(
        matches!(
            e,
            EventError::Kernel(KernelError::EventCount { a: 3, b: 2 })
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "operands with 3 and 2 events");
    // Same lengths broadcast: [1, 2], [3] + 10, 20 per event.
    let tens = Col::F64(vec![10.0, 20.0].into());
    let Col::List(o, items) = broadcast::broadcast(&[Arg::Col(&a), Arg::Col(&tens)], &add).unwrap()
    else {
        panic!("lists")
    };
    assert_eq!(&o[..], &[0, 2, 3]);
    let Col::F64(v) = items.as_ref() else {
        panic!("numbers")
    };
    assert_eq!(&v[..], &[11.0, 12.0, 23.0]);
}

#[test]
fn kernels_given_the_wrong_kind_are_internal_errors() {
    // Typing never hands records to arithmetic: a bug of rask, reported as such.
    let rec = Col::record(1, vec![("x".to_string(), Col::F64(vec![1.0].into()))]);
    let e = add(&[Arg::Col(&rec), Arg::Col(&rec)]).unwrap_err();
    assert!(
        matches!(&e, EventError::Internal(m) if m == "expected numbers, found record"),
        "{e:?}"
    );
    let exec = ExecError::from(e);
    assert!(matches!(exec, ExecError::Internal(_)), "{exec:?}");
    assert_eq!(
        exec.to_string(),
        "internal error: expected numbers, found record"
    );
}

#[test]
fn conversions_into_exec_error_keep_the_kind() {
    let data = ExecError::from(EventError::Data("a mask of 3 events for 2 events".into()));
    assert!(
        matches!(data, ExecError::Event(EventError::Data(_))),
        "{data:?}"
    );
    let named = data.context("(events.x > 1)");
    assert_eq!(
        named.to_string(),
        "evaluating (events.x > 1): a mask of 3 events for 2 events"
    );
    // Naming twice keeps the innermost expression.
    assert_eq!(
        named.context("outer").to_string(),
        "evaluating (events.x > 1): a mask of 3 events for 2 events"
    );
    // An engine error passed through the evaluator comes out as it went in.
    let exec = ExecError::from(EventError::from(ExecError::Cancelled));
    assert!(matches!(exec, ExecError::Cancelled), "{exec:?}");
}

fn error_of(e: &Expr) -> ExecError {
    match Engine::new(Scheduler::Sync).compute(e) {
        Ok(out) => panic!("expected an error, got {out:?}"),
        Err(err) => err,
    }
}

#[test]
fn integer_overflow_keeps_its_operands_and_names_the_expression() {
    let ctx = Context::new();
    let events = source(&ctx, &repo().join("tests/slt/tiny.parquet"));
    let n = events.field("nMuon").unwrap();
    let big = ctx.literal(i64::MAX).unwrap();
    let product = (&n * &big).unwrap();
    let ExecError::In { expr, source } = error_of(&product) else {
        panic!("an error naming the expression")
    };
    // nMuon * MAX overflows for the first event with 2 muons or more (0 and 1 do not).
    assert_eq!(expr, "(events.nMuon * 9223372036854775807)");
    match *source {
        ExecError::Event(EventError::Integer(IntegerError::Overflow { op, a, b })) => {
            assert_eq!(op, BinaryOp::Mul);
            assert!(a >= 2, "{a}");
            assert_eq!(b, i64::MAX);
        }
        other => panic!("an integer overflow, got {other:?}"),
    }
    // The sum of a list of [MAX, MAX] (two muons of the same charge times MAX) overflows.
    let charge = events.field("Muon").unwrap().field("charge").unwrap();
    let sums = (&(&charge * &big).unwrap() * &charge)
        .unwrap()
        .sum(Some(1))
        .unwrap();
    let ExecError::In { source, .. } = error_of(&sums) else {
        panic!("an error naming the expression")
    };
    assert!(
        matches!(*source, ExecError::Event(EventError::SumOverflow { .. })),
        "{source:?}"
    );
}

/// A correction whose only bin is pt in [0, 30) and whose flow is `error`.
const STRICT: &str = r#"{
  "schema_version": 2,
  "corrections": [
    {"name": "strict_sf", "version": 1,
     "inputs": [{"name": "pt", "type": "real"}],
     "output": {"name": "sf", "type": "real"},
     "data": {"nodetype": "binning", "input": "pt", "edges": [0.0, 30.0],
              "content": [1.0], "flow": "error"}}
  ]
}"#;

#[test]
fn a_correction_refusing_a_value_names_the_correction_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strict.json");
    std::fs::write(&path, STRICT).unwrap();
    let path = path.to_str().unwrap();
    let ctx = Context::new();
    let jets = source(&ctx, &nano()).field("Jet").unwrap();
    let sf = ctx
        .correction(path, "strict_sf", &[C::Expr(&jets.field("pt").unwrap())])
        .unwrap();
    // The sample's jets have pt above 30 GeV.
    let ExecError::In { source, .. } = error_of(&sf.sum(None).unwrap()) else {
        panic!("an error naming the expression")
    };
    let ExecError::Event(EventError::Correction {
        name, path: file, ..
    }) = *source
    else {
        panic!("a correction error, got {source:?}")
    };
    assert_eq!(name, "strict_sf");
    assert_eq!(file, path);
}
