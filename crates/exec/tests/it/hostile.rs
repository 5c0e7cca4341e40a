//! Hostile plans on the engine: chains as deep as the builder allows run (iteratively, on a
//! 2 MiB test thread) and agree with the reference interpreter; integer overflow is an error
//! naming the expression, in array and event plans; division and remainder by zero are
//! floats, as in the reference.

use rask_exec::{Engine, Output, Scheduler};
use rask_plan::limits::MAX_DEPTH;
use rask_plan::{Axis, Context, Expr, Storage};
use rask_reference::{Data, Reference};

use crate::common::{FileReader, repo, source};

fn tiny(ctx: &Context) -> Expr {
    source(ctx, &repo().join("tests/slt/tiny.parquet"))
}

fn hist(ctx: &Context, x: &Expr) -> Expr {
    let axis = Axis::Regular {
        bins: 10,
        lo: 0.0,
        hi: 20_000.0,
        label: String::new(),
    };
    ctx.hist(vec![axis], Storage::Int, &[x], None).unwrap()
}

#[test]
fn event_chains_at_the_depth_limit_run_and_agree_with_the_reference() {
    let depth = MAX_DEPTH as usize - 8;
    for masked in [false, true] {
        let ctx = Context::new();
        let met = tiny(&ctx).field("MET").unwrap().field("pt").unwrap();
        let mut e = met.clone();
        for _ in 0..depth {
            e = (&e + 1.0).unwrap();
        }
        if masked {
            e = e.mask(&met.gt(6.0).unwrap()).unwrap();
        }
        let h = hist(&ctx, &e);
        let Output::Hist(got) = Engine::new(Scheduler::Threads(2)).compute(&h).unwrap() else {
            panic!("a histogram")
        };
        let Data::Hist(want) = h.compute(&FileReader).unwrap() else {
            panic!("a histogram")
        };
        assert_eq!(got.values(), want.values, "masked: {masked}");
        assert_eq!(
            got.values().iter().sum::<f64>(),
            if masked { 3.0 } else { 4.0 }
        );
    }
}

#[test]
fn array_chains_at_the_depth_limit_run() {
    let ctx = Context::new();
    let mut x = ctx.arange(1000, 100).unwrap();
    for _ in 0..MAX_DEPTH as usize - 8 {
        x = (&x + 1.0).unwrap();
    }
    let s = x.sum(None).unwrap();
    let Output::Float(total) = Engine::new(Scheduler::Sync).compute(&s).unwrap() else {
        panic!("a number")
    };
    assert_eq!(total, 499_500.0 + 1000.0 * (MAX_DEPTH as f64 - 8.0));
}

fn error_of(e: &Expr) -> String {
    match Engine::new(Scheduler::Sync).compute(e) {
        Ok(out) => panic!("expected an error, got {out:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn integer_overflow_is_an_error_naming_the_expression() {
    let ctx = Context::new();
    let n = tiny(&ctx).field("nMuon").unwrap();
    let big = ctx.literal(i64::MAX).unwrap();
    let events = (&(&n * &big).unwrap() * &big).unwrap();
    let e = error_of(&events);
    assert!(e.contains("integer overflow"), "{e}");
    assert!(e.contains("(events.nMuon * 9223372036854775807)"), "{e}");
    // The reference interpreter says the same.
    let r = events.compute(&FileReader).unwrap_err().to_string();
    assert!(r.contains("integer overflow"), "{r}");
    // Arrays: Arrow's checked kernels, and negation of i64::MIN.
    let a = ctx.arange(10, 5).unwrap();
    let e = error_of(&(&a * &big).unwrap().sum(None).unwrap());
    assert!(e.to_lowercase().contains("overflow"), "{e}");
    let min = ctx.full(&[4], &[2], i64::MIN).unwrap();
    let e = error_of(&min.neg().unwrap().sum(None).unwrap());
    assert!(e.contains("integer overflow"), "{e}");
    // Sums of lists and of whole columns.
    let charge = tiny(&ctx).field("Muon").unwrap().field("charge").unwrap();
    let e = error_of(&(&charge * &big).unwrap().sum(Some(1)).unwrap());
    assert!(e.contains("integer overflow"), "{e}");
    let e = error_of(&(&n + &big).unwrap().sum(None).unwrap());
    assert!(e.contains("integer overflow"), "{e}");
}

#[test]
fn division_and_remainder_by_zero_are_floats_as_in_the_reference() {
    let ctx = Context::new();
    let n = tiny(&ctx).field("nMuon").unwrap();
    let zero = ctx.literal(0i64).unwrap();
    for e in [
        (&n / &zero).unwrap(),
        (&n % &zero).unwrap(),
        n.rem(2).unwrap(),
    ] {
        let Output::Events(got) = Engine::new(Scheduler::Sync).compute(&e).unwrap() else {
            panic!("per-event values")
        };
        let got = arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Float64Type>(
            got.as_ref(),
        )
        .values()
        .to_vec();
        let Data::Events(want) = e.compute(&FileReader).unwrap() else {
            panic!("per-event values")
        };
        let want: Vec<f64> = want
            .iter()
            .map(|v| match v {
                rask_reference::Value::F64(x) => *x,
                other => panic!("a float, not {other:?}"),
            })
            .collect();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                "{got:?} {want:?}"
            );
        }
    }
}
