//! Unit tests.

use super::tests::*;
use super::*;
use rask_core::kernels::P4;
use std::f64::consts::{PI, TAU};
// ---- zip, take -------------------------------------------------------------------

#[test]
fn zip_broadcasts_scalars_and_checks_lengths() {
    let pts = [il(&[1, 2]), l(vec![])];
    let ws = [f(0.5), f(0.25)];
    check(
        zip(&[("pt", &pts), ("w", &ws)]),
        &[
            l(vec![
                rec(&[("pt", i(1)), ("w", f(0.5))]),
                rec(&[("pt", i(2)), ("w", f(0.5))]),
            ]),
            l(vec![]),
        ],
    );
    check(
        zip(&[("a", &[i(1)]), ("b", &[f(2.0)])]),
        &[rec(&[("a", i(1)), ("b", f(2.0))])],
    );
    let etas = [il(&[3, 4]), il(&[5])];
    let e = check_err(
        zip(&[("pt", &pts), ("eta", &etas)]),
        "zip",
        Some(1),
        RefErrorKind::LengthMismatch,
    );
    assert!(e.to_string().contains("event 1"), "{e}");
    check_err(zip(&[]), "zip", None, RefErrorKind::InvalidArgument);
    check_err(
        zip(&[("a", &pts), ("a", &pts)]),
        "zip",
        None,
        RefErrorKind::InvalidArgument,
    );
    check_err(
        zip(&[("a", &pts), ("b", &ws[..1])]),
        "zip",
        None,
        RefErrorKind::LengthMismatch,
    );
}

#[test]
fn take_with_lists_scalars_and_negative_indices() {
    let x = [il(&[10, 20, 30]), il(&[40])];
    check(
        take(&x, &[il(&[2, -1, 0, -3]), l(vec![])]),
        &[il(&[30, 30, 10, 10]), l(vec![])],
    );
    check(take(&x, &[i(-3), i(0)]), &[i(10), i(40)]);
    check(take(&x, &[i(-1), i(-1)]), &[i(30), i(40)]);
    for bad in [3, -4, i64::MIN, i64::MAX] {
        check_err(
            take(&x, &[il(&[0, bad]), l(vec![])]),
            "take",
            Some(0),
            RefErrorKind::IndexOutOfRange,
        );
    }
    check_err(
        take(&[il(&[1]), l(vec![])], &[i(0), i(0)]),
        "take",
        Some(1),
        RefErrorKind::IndexOutOfRange,
    );
    check_err(
        take(&x, &[f(0.0), i(0)]),
        "take",
        Some(0),
        RefErrorKind::TypeMismatch,
    );
    check_err(
        take(&x, &[il(&[0]), l(vec![b(true)])]),
        "take",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
}

// ---- sort, argsort ---------------------------------------------------------------

#[test]
fn sort_puts_nan_last_in_both_orders() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let x = [
        fl(&[3.0, nan, 1.0, 2.0]),
        fl(&[inf, -inf, nan, 0.0]),
        l(vec![]),
    ];
    check(
        sort(&x, true),
        &[
            fl(&[1.0, 2.0, 3.0, nan]),
            fl(&[-inf, 0.0, inf, nan]),
            l(vec![]),
        ],
    );
    check(
        sort(&x, false),
        &[
            fl(&[3.0, 2.0, 1.0, nan]),
            fl(&[inf, 0.0, -inf, nan]),
            l(vec![]),
        ],
    );
    check(sort(&[il(&[3, 1, 2])], true), &[il(&[1, 2, 3])]);
}

#[test]
fn argsort_is_stable_and_consistent_with_sort() {
    let x = [fl(&[3.0, f64::NAN, 1.0, 1.0])];
    check(argsort(&x, true), &[il(&[2, 3, 0, 1])]);
    check(argsort(&x, false), &[il(&[0, 2, 3, 1])]);
    // 0.0 and -0.0 tie: original order kept in both directions.
    check(sort(&[fl(&[0.0, -0.0])], true), &[fl(&[0.0, -0.0])]);
    check(sort(&[fl(&[0.0, -0.0])], false), &[fl(&[0.0, -0.0])]);
    check(sort(&[fl(&[-0.0, 0.0])], true), &[fl(&[-0.0, 0.0])]);
    let y = [
        fl(&[2.0, f64::NAN, -1.0, 2.0, f64::NEG_INFINITY]),
        l(vec![i(3), b(true), f(0.5)]),
    ];
    for ascending in [true, false] {
        let idx = argsort(&y, ascending).unwrap();
        assert!(super::super::value::bits_eq_all(
            &take(&y, &idx).unwrap(),
            &sort(&y, ascending).unwrap()
        ));
    }
    check_err(
        sort(&[l(vec![rec(&[])])], true),
        "sort",
        Some(0),
        RefErrorKind::TypeMismatch,
    );
}

// ---- reductions ------------------------------------------------------------------

#[test]
fn sum_prod_identities_and_ieee() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    check(
        sum(&[
            l(vec![i(1), f(2.5)]),
            l(vec![]),
            l(vec![b(true), b(true)]),
            fl(&[-0.0]),
            fl(&[nan, 1.0]),
            fl(&[inf, -inf]),
            fl(&[inf, 1.0]),
        ]),
        &[f(3.5), f(0.0), f(2.0), f(0.0), f(nan), f(nan), f(inf)],
    );
    check(
        prod(&[il(&[2, 3]), l(vec![]), fl(&[0.0, inf])]),
        &[f(6.0), f(1.0), f(nan)],
    );
    check_err(
        sum(&[il(&[1]), l(vec![il(&[1])])]),
        "sum",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
}

#[test]
fn counts_any_all_mean() {
    let nan = f64::NAN;
    check(
        count(&[il(&[1, 2]), l(vec![]), l(vec![il(&[1]), il(&[2])])]),
        &[i(2), i(0), i(2)],
    );
    check(
        count_nonzero(&[
            l(vec![i(0), f(1.5), f(nan), b(false), b(true), f(-0.0)]),
            l(vec![]),
        ]),
        &[i(3), i(0)],
    );
    let x = [il(&[0, 2]), il(&[0]), l(vec![]), fl(&[nan]), il(&[1, 2])];
    check(any(&x), &[b(true), b(false), b(false), b(true), b(true)]);
    check(all(&x), &[b(false), b(false), b(true), b(true), b(true)]);
    check(
        mean(&[
            il(&[1, 2]),
            l(vec![]),
            fl(&[nan, 1.0]),
            l(vec![b(true), b(false)]),
        ]),
        &[fl(&[1.5]), l(vec![]), fl(&[nan]), fl(&[0.5])],
    );
}

// ---- broadcasting ----------------------------------------------------------------

#[test]
fn broadcast_binary_scalars_lists_and_nesting() {
    let a = [
        il(&[1, 2]),
        i(10),
        l(vec![il(&[1, 2]), il(&[3])]),
        l(vec![]),
    ];
    let bb = [f(100.0), il(&[1, 2]), il(&[10, 20]), f(1.0)];
    check(
        broadcast_binary(&a, &bb, &add),
        &[
            fl(&[101.0, 102.0]),
            fl(&[11.0, 12.0]),
            l(vec![fl(&[11.0, 12.0]), fl(&[23.0])]),
            l(vec![]),
        ],
    );
    check(
        broadcast_binary(&[f(1.0)], &[f(f64::INFINITY)], &add),
        &[f(f64::INFINITY)],
    );
}

#[test]
fn broadcast_binary_errors() {
    let e = check_err(
        broadcast_binary(
            &[il(&[1, 2]), il(&[1, 2, 3])],
            &[il(&[1, 2]), il(&[1, 2])],
            &add,
        ),
        "broadcast_binary",
        Some(1),
        RefErrorKind::LengthMismatch,
    );
    assert!(e.to_string().contains("event 1"), "{e}");
    check_err(
        broadcast_binary(&[i(1)], &[i(1), i(2)], &add),
        "broadcast_binary",
        None,
        RefErrorKind::LengthMismatch,
    );
    check_err(
        broadcast_binary(&[i(1), l(vec![rec(&[("x", i(1))])])], &[i(1), i(1)], &add),
        "broadcast_binary",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
    // An error raised by `op` keeps its name and gets the event index.
    let div = |a: &Value, b: &Value| -> Result<Value, RefError> {
        let y = b
            .as_f64()
            .map_err(|e| RefError::from_value("div", None, e))?;
        if y == 0.0 {
            return Err(RefError::new(
                "div",
                None,
                RefErrorKind::InvalidArgument,
                "division by zero",
            ));
        }
        Ok(Value::F64(
            a.as_f64()
                .map_err(|e| RefError::from_value("div", None, e))?
                / y,
        ))
    };
    check_err(
        broadcast_binary(&[i(1), i(1), il(&[1, 2])], &[i(1), i(2), il(&[1, 0])], &div),
        "div",
        Some(2),
        RefErrorKind::InvalidArgument,
    );
}

#[test]
fn broadcast_unary_maps_leaves() {
    let neg = |v: &Value| -> Result<Value, RefError> {
        Ok(Value::F64(
            -v.as_f64()
                .map_err(|e| RefError::from_value("neg", None, e))?,
        ))
    };
    check(
        broadcast_unary(&[l(vec![i(1), il(&[2])]), i(3), l(vec![])], &neg),
        &[l(vec![f(-1.0), fl(&[-2.0])]), f(-3.0), l(vec![])],
    );
    check_err(
        broadcast_unary(&[i(1), rec(&[])], &neg),
        "broadcast_unary",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
}

// ---- Lorentz vectors -------------------------------------------------------------

#[test]
fn back_to_back_massless_vectors_have_mass_20() {
    let a = vec4(10.0, 0.0, 0.0, 0.0);
    let c = vec4(10.0, 0.0, PI, 0.0);
    let sum = lorentz_add(&a, &c).unwrap();
    close(
        f64_of(
            sum.field("mass")
                .cloned()
                .map_err(|e| RefError::from_value("t", None, e)),
        ),
        20.0,
        1e-12,
    );
    close(f64_of(mass(&sum)), 20.0, 1e-12);
    close(f64_of(pt(&sum)), 0.0, 1e-14); // 10·sin π ≈ 1.2e-15
    close(f64_of(Ok(sum.field("eta").unwrap().clone())), 0.0, 0.0);
    // Field order of the result.
    let names: Vec<&str> = sum
        .as_record()
        .unwrap()
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        ["pt", "eta", "phi", "mass", "__px", "__py", "__pz", "__e"]
    );
}

#[test]
fn lorentz_add_collinear_and_perpendicular() {
    let s = lorentz_add(&vec4(3.0, 0.0, 0.0, 0.0), &vec4(4.0, 0.0, 0.0, 0.0)).unwrap();
    for (name, want) in [("pt", 7.0), ("eta", 0.0), ("phi", 0.0), ("mass", 0.0)] {
        assert_eq!(s.field(name).unwrap(), &f(want), "{name} of {s}");
    }
    let s = lorentz_add(&vec4(3.0, 0.0, 0.0, 0.0), &vec4(4.0, 0.0, PI / 2.0, 0.0)).unwrap();
    let get = |name: &str| s.field(name).unwrap().as_f64().unwrap();
    close(get("pt"), 5.0, 1e-12);
    close(get("phi"), 4.0_f64.atan2(3.0), 1e-12);
    close(get("mass"), 24.0_f64.sqrt(), 1e-12);
    close(get("eta"), 0.0, 0.0);
    // A massive vector at rest keeps its mass; eta of the forward boost is asinh(pz/pt).
    close(f64_of(mass(&vec4(0.0, 0.0, 0.0, 5.0))), 5.0, 1e-12);
    let s = lorentz_add(&vec4(0.0, 0.0, 0.0, 5.0), &vec4(3.0, 1.0, 0.0, 0.0)).unwrap();
    close(s.field("eta").unwrap().as_f64().unwrap(), 1.0, 1e-12);
    close(s.field("pt").unwrap().as_f64().unwrap(), 3.0, 1e-12);
}

#[test]
fn eta_convention_at_zero_pt() {
    let eta_of = |px, py, pz| P4 { px, py, pz, e: 0.0 }.eta();
    assert_eq!(eta_of(0.0, 0.0, 0.0), 0.0);
    assert_eq!(eta_of(0.0, 0.0, 5.0), f64::INFINITY);
    assert_eq!(eta_of(0.0, 0.0, -5.0), f64::NEG_INFINITY);
    assert!(eta_of(0.0, 0.0, f64::NAN).is_nan());
    close(eta_of(3.0, 4.0, 5.0), 1.0_f64.asinh(), 1e-15);
}

#[test]
fn delta_phi_wraps_around() {
    let a = rec(&[("phi", f(3.1))]);
    let c = rec(&[("phi", f(-3.1))]);
    close(f64_of(delta_phi(&a, &c)), 6.2 - TAU, 1e-12); // ≈ -0.0832
    close(f64_of(delta_phi(&c, &a)), TAU - 6.2, 1e-12);
    // Exactly π maps to -π: the range is [-π, π).
    assert_eq!(
        f64_of(delta_phi(&rec(&[("phi", f(PI))]), &rec(&[("phi", f(0.0))]))),
        -PI
    );
    assert_eq!(wrap_angle(-PI), -PI);
    close(wrap_angle(3.1), 3.1, 1e-15); // numpy's formula may round in range
    close(wrap_angle(-7.0), TAU - 7.0, 1e-12);
    assert_eq!(wrap_angle(0.0), 0.0);
    assert!(wrap_angle(f64::INFINITY).is_nan());
    assert!(wrap_angle(f64::NAN).is_nan());
    for k in -2000..2000 {
        let w = wrap_angle(k as f64 * 0.01);
        assert!(
            (-PI..=PI).contains(&w),
            "wrap_angle({}) = {w}",
            k as f64 * 0.01
        );
    }
}

#[test]
fn delta_r_and_transverse_mass() {
    let a = rec(&[("eta", f(0.0)), ("phi", f(0.0))]);
    let c = rec(&[("eta", f(3.0)), ("phi", f(4.0))]);
    // Δη = -3, Δφ = -4 + 2π ≈ 2.28319: ΔR = sqrt(9 + 5.21294) ≈ 3.7700047.
    close(
        f64_of(delta_r(&a, &c)),
        (9.0 + (TAU - 4.0).powi(2)).sqrt(),
        1e-12,
    );
    close(f64_of(delta_r(&a, &c)), 3.7700047, 1e-6);
    assert_eq!(
        f64_of(transverse_mass(&f(10.0), &f(0.0), &f(10.0), &f(PI))),
        20.0
    );
    assert_eq!(f64_of(transverse_mass(&i(10), &i(0), &i(10), &i(0))), 0.0);
    let e = transverse_mass(&f(1.0), &il(&[]), &f(1.0), &f(0.0)).unwrap_err();
    assert_eq!(
        (e.op, e.kind),
        ("transverse_mass", RefErrorKind::TypeMismatch)
    );
    let e = delta_r(&a, &rec(&[("phi", f(0.0))])).unwrap_err();
    assert!(e.message.contains("eta"), "{e}");
}

#[test]
fn map_records_and_pairs_over_collections() {
    let jets = [
        l(vec![vec4(10.0, 0.0, 0.0, 3.0), vec4(5.0, 1.0, 2.0, 4.0)]),
        l(vec![]),
        vec4(1.0, 0.0, 0.0, 0.0),
    ];
    let masses = map_records(&jets, &mass).unwrap();
    let expected = [3.0, 4.0];
    match masses.first() {
        Some(Value::List(ms)) => {
            assert_eq!(ms.len(), 2);
            for (m, want) in ms.iter().zip(expected) {
                close(m.as_f64().unwrap(), want, 1e-12);
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(masses.get(1).unwrap().bits_eq(&l(vec![])));
    check(
        map_records(&jets, &pt),
        &[fl(&[10.0, 5.0]), l(vec![]), f(1.0)],
    );
    check_err(
        map_records(&[l(vec![]), il(&[1])], &mass),
        "map_records",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
    // Errors from the per-record function get the event index.
    check_err(
        map_records(&[l(vec![]), l(vec![rec(&[("pt", f(1.0))])])], &mass),
        "mass",
        Some(1),
        RefErrorKind::TypeMismatch,
    );
    // Pairs: a list against one record broadcasts the record.
    let phis = |p: &[f64]| l(p.iter().map(|x| rec(&[("phi", f(*x))])).collect());
    check(
        map_record_pairs(
            &[phis(&[0.5, 3.1]), l(vec![])],
            &[rec(&[("phi", f(0.0))]), phis(&[])],
            &delta_phi,
        ),
        // numpy's ((x + π) mod 2π) − π rounds 3.1 to 3.0999999999999996.
        &[
            fl(&[
                rask_core::kernels::delta_phi(0.5, 0.0),
                rask_core::kernels::delta_phi(3.1, 0.0),
            ]),
            l(vec![]),
        ],
    );
    check_err(
        map_record_pairs(
            &[phis(&[0.5]), phis(&[1.0])],
            &[phis(&[0.5]), phis(&[1.0, 2.0])],
            &delta_phi,
        ),
        "map_record_pairs",
        Some(1),
        RefErrorKind::LengthMismatch,
    );
    check_err(
        map_record_pairs(&[f(1.0)], &[phis(&[1.0])], &delta_phi),
        "map_record_pairs",
        Some(0),
        RefErrorKind::TypeMismatch,
    );
}

// ---- no panics on odd input -------------------------------------------------------

#[test]
fn no_function_panics_on_odd_inputs() {
    let odd: Vec<Vec<Value>> = vec![
        vec![],
        vec![f(f64::NAN)],
        vec![i(i64::MIN)],
        vec![b(true)],
        vec![l(vec![])],
        vec![rec(&[])],
        vec![l(vec![
            l(vec![]),
            rec(&[("pt", f(1.0))]),
            f(f64::NAN),
            i(i64::MAX),
        ])],
        vec![
            il(&[i64::MIN, -1, 0, i64::MAX]),
            fl(&[f64::NAN, f64::INFINITY]),
        ],
        vec![l(vec![b(true), b(false)]), l(vec![b(false)])],
        vec![l(vec![
            vec4(1.0, 2.0, 3.0, 4.0),
            vec4(f64::NAN, f64::INFINITY, 0.0, -1.0),
        ])],
        vec![l(vec![rec(&[("pt", i(1))]), rec(&[("eta", i(1))])])],
    ];
    let mut calls = 0;
    for x in &odd {
        let _ = (
            num(x),
            firsts(x),
            local_index(x),
            flatten(x),
            flatten_all(x),
        );
        let _ = (
            argmin(x, true),
            argmax(x, false),
            sort(x, true),
            argsort(x, false),
        );
        let _ = (sum(x), prod(x), min(x), max(x), count(x), count_nonzero(x));
        let _ = (
            any(x),
            all(x),
            mean(x),
            map_records(x, &mass),
            broadcast_unary(x, &|v: &Value| Ok(v.clone())),
        );
        for n in 0..5 {
            let _ = (combinations(x, n, None), argcombinations(x, n));
            let _ = combinations(x, n, Some(&["a", "b", "c"]));
        }
        for y in &odd {
            let _ = (mask_events(x, y), mask_jagged(x, y), cartesian(x, y, None));
            let _ = (concatenate(x, y), take(x, y), zip(&[("a", x), ("b", y)]));
            let _ = broadcast_binary(x, y, &add);
            let _ = (
                map_record_pairs(x, y, &lorentz_add),
                map_record_pairs(x, y, &delta_r),
            );
            calls += 1;
        }
    }
    assert_eq!(calls, odd.len() * odd.len());
}
