//! `sort`/`argsort` from SQL on the shipped sample: the engine equals the reference
//! interpreter (both schedulers, several partition sizes), and each sorted list is a
//! permutation of its event's list in order, ties in their original order.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Expr};
use rask_reference::{Data, Reference, Value};
use rask_sql::SqlSession;

use crate::common::{FileReader, nano, source};

fn lists(d: &Data) -> Vec<Vec<f64>> {
    let Data::Events(evs) = d else { panic!() };
    evs.iter()
        .map(|ev| match ev {
            Value::List(items) => items.iter().map(|x| x.as_f64().unwrap()).collect(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn engine_lists(o: &Output) -> Vec<Vec<f64>> {
    let Output::Events(a) = o else { panic!() };
    let l = a.as_list::<i32>();
    (0..l.len())
        .map(|e| {
            let v = l.value(e);
            match v.data_type() {
                arrow_schema::DataType::Int64 => v
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .map(|&x| x as f64)
                    .collect(),
                _ => v.as_primitive::<Float64Type>().values().to_vec(),
            }
        })
        .collect()
}

#[test]
fn sorts_on_the_engine_equal_the_reference() {
    let ctx = Context::new();
    let mut s = SqlSession::new(&ctx);
    s.register("events", source(&ctx, &nano()));
    let sql = "SELECT sort(Jet.pt, 'desc') AS a, list_sort(Muon.eta) AS b, \
               argsort(Jet.eta, 'desc') AS c, (argsort(Muon.charge)) AS d, \
               Jet.pt AS pt, Jet.eta AS eta, Muon.charge AS q FROM events WHERE nJet > 1";
    let outs = s.query(sql).unwrap();
    let exprs: Vec<&Expr> = outs.iter().map(|(_, e)| e).collect();
    let reference: Vec<Vec<Vec<f64>>> = outs
        .iter()
        .map(|(_, e)| lists(&e.compute(&FileReader).unwrap()))
        .collect();
    for engine in [
        Engine::new(Scheduler::Sync),
        Engine::new(Scheduler::Threads(2)).with_partition_entries(777),
    ] {
        let got = engine.compute_many(&exprs).unwrap();
        for ((name, _), (g, r)) in outs.iter().zip(got.iter().zip(&reference)) {
            assert_eq!(&engine_lists(g), r, "{name}");
        }
    }
    // Independent checks of the reference's answers, event by event.
    let [a, _, c, d, pt, eta, q] = &reference[..] else {
        panic!()
    };
    assert!(a.len() > 1000);
    let mut ties = 0;
    for e in 0..a.len() {
        let mut want = pt[e].clone();
        want.sort_by(|x, y| y.total_cmp(x));
        assert_eq!(a[e], want, "event {e}");
        let order: Vec<f64> = c[e].iter().map(|&i| eta[e][i as usize]).collect();
        assert!(order.windows(2).all(|w| w[0] >= w[1]), "event {e}");
        // Stable: equal charges keep increasing positions.
        let idx: Vec<usize> = d[e].iter().map(|&i| i as usize).collect();
        for w in idx.windows(2) {
            assert!(q[e][w[0]] <= q[e][w[1]], "event {e}");
            if q[e][w[0]] == q[e][w[1]] {
                assert!(w[0] < w[1], "event {e}: ties keep their order");
                ties += 1;
            }
        }
    }
    assert!(ties > 100, "{ties} ties checked");
}
