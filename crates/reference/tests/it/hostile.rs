//! Hostile plans: chains deeper than any analysis, histograms too big or with edges that are not
//! numbers and integers that overflow (hostile SQL: rask-sql's tests). Each gets an error naming the
//! culprit at build time (or a result), never a crash. Tests run on 2 MiB thread stacks.

use rask_reference::{Data, MemoryReader, Reference, Value};
use std::time::Instant;

use crate::common::{nano, small, small_batch};
use rask_plan::limits::{Limits, MAX_DEPTH};
use rask_plan::{Axis, Context, Expr, PlanError, Storage};

fn regular(bins: u32, lo: f64, hi: f64) -> Axis {
    Axis::Regular {
        bins,
        lo,
        hi,
        label: String::new(),
    }
}

/// `x + 1 + 1 + ...` (`n` additions) or, with `and`, `x > 0 & x > 1 & ...`: the first error.
fn chain(ctx: &Context, n: usize, and: bool) -> Result<Expr, PlanError> {
    let met = small(ctx).field("MET_pt")?;
    let mut e = if and { met.gt(-1.0)? } else { met.clone() };
    for i in 0..n {
        e = if and {
            e.and(&met.gt(i as f64)?)?
        } else {
            (&e + 1.0)?
        };
    }
    Ok(e)
}

#[test]
fn builder_chains_past_the_depth_limit_are_typed_errors() {
    for and in [false, true] {
        let ctx = Context::new();
        let err = chain(&ctx, 100_000, and).unwrap_err();
        assert!(matches!(err, PlanError::TooDeep { .. }), "{err}");
        assert!(
            err.to_string().contains("more than 10000 operations deep"),
            "{err}"
        );
    }
}

#[test]
fn chains_at_the_depth_limit_go_through_every_pass() {
    let t0 = Instant::now();
    let depth = MAX_DEPTH as usize - 8;
    for (and, masked) in [(false, false), (false, true), (true, false)] {
        let ctx = Context::new();
        let met = small(&ctx).field("MET_pt").unwrap();
        let e = chain(&ctx, depth, and).unwrap();
        let e = match (and, masked) {
            (true, _) => met.mask(&e).unwrap(),
            (false, true) => e.mask(&met.gt(3.0).unwrap()).unwrap(),
            (false, false) => e,
        };
        let h = ctx
            .hist(vec![regular(10, 0.0, 100.0)], Storage::Int, &[&e], None)
            .unwrap();
        let explained = h.explain().unwrap();
        assert!(explained.contains("histogram"), "{explained}");
        let svg = std::env::temp_dir().join(format!("rask-deep-{}.svg", std::process::id()));
        h.visualize(&svg).unwrap();
        let _ = std::fs::remove_file(&svg);
        let _ = std::fs::remove_file(svg.with_extension("dot"));
        let Data::Hist(fast) = h.compute(&MemoryReader(small_batch())).unwrap() else {
            panic!("a histogram")
        };
        let Data::Hist(slow) = h.compute_unoptimized(&MemoryReader(small_batch())).unwrap() else {
            panic!("a histogram")
        };
        assert_eq!(fast.values, slow.values);
    }
    eprintln!("three chains of {depth}: {:?}", t0.elapsed());
}

#[test]
fn zips_nesting_records_too_deep_are_typed_errors() {
    let ctx = Context::new();
    let mut e = nano(&ctx).field("Muon").unwrap().field("pt").unwrap();
    let mut err = None;
    for _ in 0..1000 {
        match ctx.zip(&[("a", &e)]) {
            Ok(z) => e = z,
            Err(x) => {
                err = Some(x);
                break;
            }
        }
    }
    let err = err.expect("a limit on nesting");
    assert!(matches!(err, PlanError::TooDeep { .. }), "{err}");
}

fn hist_error(ctx: &Context, axes: Vec<Axis>) -> String {
    let met = nano(ctx).field("MET").unwrap().field("pt").unwrap();
    let values: Vec<&Expr> = axes.iter().map(|_| &met).collect();
    match ctx.hist(axes, Storage::Int, &values, None) {
        Ok(_) => String::new(),
        Err(e) => {
            assert!(matches!(e, PlanError::Hist { .. }), "{e}");
            e.to_string()
        }
    }
}

#[test]
fn histograms_are_capped_and_their_edges_checked_when_built() {
    let ctx = Context::new();
    let e = hist_error(&ctx, vec![regular(2_000_000_000, 0.0, 1.0)]);
    assert!(e.contains("hist(events.MET.pt)"), "{e}");
    assert!(
        e.contains("2000000000 bins, more than the limit of 10000000"),
        "{e}"
    );
    let e = hist_error(
        &ctx,
        vec![regular(5_000, 0.0, 1.0), regular(5_000, 0.0, 1.0)],
    );
    assert!(
        e.contains("25000000 bins (the product over the axes)"),
        "{e}"
    );
    assert_eq!(hist_error(&ctx, vec![regular(10_000_000, 0.0, 1.0)]), "");
    // The cap is the context's.
    let small_cap = Context::with_limits(Limits {
        max_hist_cells: 99,
        ..Limits::default()
    });
    assert!(hist_error(&small_cap, vec![regular(100, 0.0, 1.0)]).contains("limit of 99"));
    for (axis, why) in [
        (regular(10, 0.0, f64::INFINITY), "must be finite"),
        (regular(10, f64::NAN, 1.0), "must be finite"),
        (regular(10, 1.0, 1.0), "must be below"),
        (regular(10, 2.0, 1.0), "must be below"),
        (regular(0, 0.0, 1.0), "at least 1"),
        (regular(10, 1e16, 1e16 + 2.0), "precision"),
        (
            Axis::Variable {
                edges: vec![0.0, 2.0, 1.0],
                label: "pt".into(),
            },
            "increase strictly (2 then 1)",
        ),
        (
            Axis::Variable {
                edges: vec![0.0, 1.0, 1.0],
                label: String::new(),
            },
            "increase strictly",
        ),
        (
            Axis::Variable {
                edges: vec![0.0, f64::NAN],
                label: String::new(),
            },
            "finite",
        ),
        (
            Axis::Variable {
                edges: vec![0.0],
                label: String::new(),
            },
            "two edges",
        ),
        (
            Axis::Integer {
                lo: i64::MIN,
                hi: i64::MAX,
                label: String::new(),
            },
            "bins, more than the limit",
        ),
        (
            Axis::IntCategory {
                categories: vec![1, 2, 1],
                label: String::new(),
            },
            "listed twice",
        ),
    ] {
        let e = hist_error(&ctx, vec![axis]);
        assert!(e.contains(why), "{why}: {e}");
    }
    // The label names the histogram too.
    let e = hist_error(
        &ctx,
        vec![Axis::Variable {
            edges: vec![0.0, 2.0, 1.0],
            label: "pt".into(),
        }],
    );
    assert!(
        e.starts_with("histogram hist(events.MET.pt) [\"pt\"]"),
        "{e}"
    );
}

fn ints(d: &Data) -> Vec<Value> {
    match d {
        Data::Events(v) => v.clone(),
        other => panic!("per-event values, not {other:?}"),
    }
}

#[test]
fn integer_overflow_is_an_error_and_division_by_zero_a_float() {
    let ctx = Context::new();
    let n = small(&ctx).field("nMuon").unwrap();
    let big = ctx.literal(i64::MAX).unwrap();
    let reader = MemoryReader(small_batch());
    let product = (&(&n * &big).unwrap() * &big).unwrap();
    let err = product.compute(&reader).unwrap_err().to_string();
    assert!(err.contains("integer overflow"), "{err}");
    assert!(err.contains("9223372036854775807"), "{err}");
    let neg = (&n - &big).unwrap().sub(&big).unwrap();
    assert!(neg.compute(&reader).is_err());
    // Small enough: exact.
    let ok = n.mul(1000).unwrap();
    assert_eq!(
        ints(&ok.compute(&reader).unwrap()),
        [2000, 0, 3000, 1000].map(Value::I64).to_vec()
    );
    // `/` and `%` are float operations: by zero they give inf and NaN, in every event.
    let zero = ctx.literal(0i64).unwrap();
    let div = (&n / &zero).unwrap();
    let rem = (&n % &zero).unwrap();
    let seven = n.rem(2).unwrap();
    let f = |e: &Expr| -> Vec<f64> {
        ints(&e.compute(&reader).unwrap())
            .iter()
            .map(|v| match v {
                Value::F64(x) => *x,
                other => panic!("a float, not {other:?}"),
            })
            .collect()
    };
    let d = f(&div);
    assert_eq!(d[0], f64::INFINITY);
    assert!(d[1].is_nan(), "0 / 0 is NaN");
    assert!(f(&rem).iter().all(|x| x.is_nan()));
    assert_eq!(f(&seven), vec![0.0, 0.0, 1.0, 1.0]);
}
