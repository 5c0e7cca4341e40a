//! Systematic variations through the engine: shifts (`vary`) and weight variations stacked on
//! a `variation` axis in one pass, equal to each variation computed alone, to the expected ADL
//! histogram for the nominal, and to the reference interpreter.

use rask_analysis::{Analysis, Weights};
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Axis, Context, Expr, Storage};
use rask_reference::{Data, Reference};

use crate::common::{FileReader, expected, nano, source};

fn axis() -> Axis {
    Axis::Regular {
        bins: 100,
        lo: 0.0,
        hi: 200.0,
        label: "met".into(),
    }
}

fn hist(ctx: &Context, x: &Expr, w: Option<&Expr>) -> Expr {
    let storage = if w.is_some() {
        Storage::Weight
    } else {
        Storage::Int
    };
    ctx.hist(vec![axis()], storage, &[x], w).unwrap()
}

/// Category `k` of the last axis (`n` categories with its flow bin), for every other bin.
fn slice(values: &[f64], n: usize, k: usize) -> Vec<f64> {
    values.iter().skip(k).step_by(n).copied().collect()
}

fn values(out: Output) -> Vec<f64> {
    match out {
        Output::Hist(h) => h.values(),
        other => panic!("not a histogram: {other:?}"),
    }
}

#[test]
fn shifts_and_weight_variations_stack_on_one_axis_in_one_pass() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let h = hist(&ctx, &met, None);
    let up = met.mul(1.1).unwrap();
    let varied = ctx.vary(&[&h], &[("met_up", vec![(&met, &up)])]).unwrap();
    let stacked = varied.stacked(0, "variation").unwrap();
    let text = stacked.explain().unwrap();
    assert!(
        text.contains("== stack[variation]: 2 variations share"),
        "explain says what the variations share: {text}"
    );
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000);
    let (outs, stats) = engine.compute_with_stats(&[&stacked]).unwrap();
    assert_eq!(stats.events, 20_000, "one pass");
    let all = values(outs.into_iter().next().unwrap());
    assert_eq!(all.len(), 102 * 3, "met bins x (nominal, met_up, flow)");
    assert_eq!(slice(&all, 3, 0), expected("q1"), "nominal = ADL Q1");
    let alone = values(engine.compute(&hist(&ctx, &up, None)).unwrap());
    assert_eq!(
        slice(&all, 3, 1),
        alone,
        "met_up = the shifted histogram alone"
    );
    assert!(slice(&all, 3, 2).iter().all(|v| *v == 0.0));
    let Data::Hist(r) = stacked.compute(&FileReader).unwrap() else {
        panic!("a histogram")
    };
    assert_eq!(r.values, all, "the reference interpreter agrees");

    // Weight variations: the same selection, another weight.
    let mut w = Weights::new(&ctx);
    let njet = events.field("nJet").unwrap();
    w.add("two", &ctx.where_(&met.ge(0.0).unwrap(), 2.0, 2.0).unwrap())
        .unwrap();
    w.add_variation("jets", &njet, &ctx.literal(0.5).unwrap())
        .unwrap();
    let mut parts = vec![(
        "nominal".to_string(),
        hist(&ctx, &met, Some(&w.weight(None).unwrap())),
    )];
    for v in w.variations() {
        let wv = w.weight(Some(&v)).unwrap();
        parts.push((v, hist(&ctx, &met, Some(&wv))));
    }
    let named: Vec<(&str, &Expr)> = parts.iter().map(|(n, e)| (n.as_str(), e)).collect();
    let weighted = ctx.stack("variation", &named).unwrap();
    let all = values(engine.compute(&weighted).unwrap());
    let q1 = expected("q1");
    let twice: Vec<f64> = q1.iter().map(|v| 2.0 * v).collect();
    assert_eq!(slice(&all, 4, 0), twice, "nominal: weight 2 per event");
    assert_eq!(slice(&all, 4, 2), q1, "jetsDown: 2 x 0.5 per event");
    let by_njet = values(
        engine
            .compute(&hist(&ctx, &met, Some(&(&njet * 2.0).unwrap())))
            .unwrap(),
    );
    assert_eq!(slice(&all, 4, 1), by_njet, "jetsUp: 2 x nJet");
}

#[test]
fn sql_vary_and_by_systematic_build_the_api_plan() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let mut session = rask_sql::SqlSession::new(&ctx);
    session.register("events", events.clone());
    let outs = session
        .query(
            "SELECT hist(vary(MET.pt, met_up => MET.pt * 1.1), 100, 0, 200, 'met', \
             by => systematic) AS met FROM events",
        )
        .unwrap();
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let up = met.mul(1.1).unwrap();
    let h = hist(&ctx, &met, None);
    let api = ctx
        .vary(&[&h], &[("met_up", vec![(&met, &up)])])
        .unwrap()
        .stacked(0, "systematic")
        .unwrap();
    assert_eq!(outs[0].1.key(), api.key(), "SQL builds the API's plan");
    let engine = Engine::new(Scheduler::Threads(2));
    let all = values(engine.compute(&outs[0].1).unwrap());
    assert_eq!(slice(&all, 3, 0), expected("q1"));
    // A weight variation and a shift in one query: 3 categories and the flow bin.
    let outs = session
        .query(
            "SELECT whist(vary(MET.pt, up => MET.pt * 1.1), vary(MET.pt * 0 + 2, w_down => MET.pt * 0 + 1), \
             100, 0, 200, by => systematic) AS h FROM events",
        )
        .unwrap();
    let all = values(engine.compute(&outs[0].1).unwrap());
    assert_eq!(all.len(), 102 * 4);
    let twice: Vec<f64> = expected("q1").iter().map(|v| 2.0 * v).collect();
    assert_eq!(slice(&all, 4, 0), twice, "nominal: weight 2");
    assert_eq!(slice(&all, 4, 2), expected("q1"), "w_down: weight 1");
    for (sql, want) in [
        (
            "SELECT hist(vary(MET.pt, MET.pt), 10, 0, 1) AS h FROM events",
            "the variations are named",
        ),
        (
            "SELECT hist(vary(MET.pt, nominal => MET.pt), 10, 0, 1) AS h FROM events",
            "'nominal' is the query itself",
        ),
        (
            "SELECT hist(MET.pt, 10, 0, 1, by => (systematic, nJet)) AS h FROM events",
            "the systematic axis comes last",
        ),
    ] {
        let err = session.query(sql).unwrap_err().to_string();
        assert!(err.contains(want), "{sql}: {err}");
    }
}

#[test]
fn a_sql_cutflow_is_a_histogram_equal_to_the_api_cutflow() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let mut session = rask_sql::SqlSession::new(&ctx);
    session.register("events", events.clone());
    let outs = session
        .query(
            "SELECT cutflow('met', MET.pt > 20, '2 jets', nJet >= 2, 'muon', nMuon >= 1, \
             weight => MET.pt) AS flow FROM events WHERE nElectron = 0",
        )
        .unwrap();
    let engine = Engine::new(Scheduler::Threads(2));
    let Output::Hist(h) = engine.compute(&outs[0].1).unwrap() else {
        panic!("a histogram")
    };
    // Axes: events (1 bin + 2 flow) x cut (4 + flow) x step (3 + flow).
    assert_eq!(h.axes.len(), 3);
    let values = h.values();
    // Bin 1 of the events axis (0 is its underflow).
    let at = |cut: usize, step: usize| values[(5 + cut) * 4 + step];
    // The same cut-flow with the API, after the same WHERE.
    let keep = events.field("nElectron").unwrap().eq(0).unwrap();
    let met = events
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
        .mask(&keep)
        .unwrap();
    let cuts = [
        met.gt(20.0).unwrap(),
        events
            .field("nJet")
            .unwrap()
            .mask(&keep)
            .unwrap()
            .ge(2)
            .unwrap(),
        events
            .field("nMuon")
            .unwrap()
            .mask(&keep)
            .unwrap()
            .ge(1)
            .unwrap(),
    ];
    let named: Vec<(&str, &Expr)> = ["met", "2 jets", "muon"]
        .into_iter()
        .zip(cuts.iter())
        .collect();
    let flow = ctx.cutflow(&named, Some(&met)).unwrap();
    let outs = engine.compute_many(&flow.outputs()).unwrap();
    let nums: Vec<f64> = outs
        .into_iter()
        .map(|o| match o {
            Output::Int(i) => i as f64,
            Output::Float(x) => x,
            other => panic!("{other:?}"),
        })
        .collect();
    let v = rask_analysis::CutflowValues::from_outputs(&flow, &nums).unwrap();
    let (total, one, cum, nm1) = v.weighted.unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    for step in 0..3 {
        assert!(close(at(0, step), total), "(all events), step {step}");
    }
    for i in 0..3 {
        assert!(
            close(at(i + 1, 0), one[i]),
            "alone {i}: {} vs {}",
            at(i + 1, 0),
            one[i]
        );
        assert!(close(at(i + 1, 1), cum[i]), "cumulative {i}");
        assert!(close(at(i + 1, 2), nm1[i]), "N-1 {i}");
    }
    assert!(cum[2] < cum[0], "the cuts cut");
}

#[test]
fn sql_hist2d_of_a_value_against_itself_is_the_1d_histogram_on_its_diagonal() {
    let ctx = Context::new();
    let events = source(&ctx, &nano());
    let mut session = rask_sql::SqlSession::new(&ctx);
    session.register("events", events);
    let outs = session
        .query("SELECT hist2d(MET.pt, MET.pt, 100, 0, 200, 100, 0, 200, 'x', 'y') AS h FROM events")
        .unwrap();
    let all = values(Engine::new(Scheduler::Sync).compute(&outs[0].1).unwrap());
    assert_eq!(all.len(), 102 * 102);
    let q1 = expected("q1");
    for i in 0..102 {
        for j in 0..102 {
            let want = if i == j { q1[i] } else { 0.0 };
            assert_eq!(all[i * 102 + j], want, "bin ({i}, {j})");
        }
    }
    let err = session
        .query("SELECT hist2d(MET.pt, MET.pt, 10, 0, 200) AS h FROM events")
        .unwrap_err()
        .to_string();
    assert!(err.contains("hist2d(x, y, bins_x"), "{err}");
}
