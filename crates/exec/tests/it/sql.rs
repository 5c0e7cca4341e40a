//! The SQL front end: `queries/adl/*.sql` give the expected histograms and the same optimised
//! plans as the Rust API; errors point at the statement.

use rask_adl as adl;
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::{Context, Expr};
use rask_sql::SqlSession;

use crate::common::{expected, nano, repo, source};

fn session(ctx: &Context) -> (SqlSession, Expr) {
    let events = source(ctx, &nano());
    let mut s = SqlSession::new(ctx);
    s.register("events", events.clone());
    (s, events)
}

fn optimised_key(e: &Expr) -> String {
    let opt = e.optimize().unwrap();
    let g = &opt.fused.graph;
    g.name_of(opt.fused.outputs[0])
}

#[test]
fn adl_sql_queries_match_the_expected_histograms_and_the_api_plans() {
    let ctx = Context::new();
    let (s, events) = session(&ctx);
    for q in ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"] {
        let sql = std::fs::read_to_string(repo().join(format!("queries/adl/{q}.sql"))).unwrap();
        let outs = s
            .query(&sql)
            .unwrap_or_else(|e| panic!("{q}:\n{}", e.render(&sql)));
        let api = adl::query(&ctx, &events, q).unwrap();
        assert_eq!(outs.len(), api.len(), "{q}");
        for ((name, e), (api_name, api_e)) in outs.iter().zip(&api) {
            assert_eq!(name, api_name);
            assert_eq!(
                optimised_key(e),
                optimised_key(api_e),
                "{q}: SQL and API plans"
            );
            let Output::Hist(h) = Engine::new(Scheduler::Sync).compute(e).unwrap() else {
                panic!("{name}: not a histogram")
            };
            assert_eq!(h.values(), expected(name), "{name}");
        }
    }
}

#[test]
fn sql_errors_point_at_the_statement() {
    let ctx = Context::new();
    let (s, _) = session(&ctx);
    let bad = [
        (
            "SELECT hist(MET.ptt, 10, 0, 1) FROM events",
            "no field 'ptt'",
            17,
        ),
        (
            "SELECT hist(MET.pt, 10, 0, 1) FROM jets",
            "no table 'jets'",
            36,
        ),
        ("SELECT lenn(Jet) FROM events", "unknown function 'lenn'", 8),
        ("SELECT Muon.pt + Jet.pt FROM events", "different", 8),
        (
            "SELECT hist(MET.pt, 10, 1, 0) FROM events",
            "histogram 'col1': the lower edge 1 must be below the upper edge 0",
            21,
        ),
    ];
    for (sql, want, column) in bad {
        let err = s.query(sql).unwrap_err();
        assert!(err.message.contains(want), "{sql}: {err}");
        eprintln!("{sql} -> {err}");
        assert_eq!((err.line, err.column), (1, column), "{sql}: {err}");
        assert!(err.render(sql).contains('^'));
    }
    let err = s.query("SELEC 1").unwrap_err();
    assert!(err.message.contains("Expected"), "{err}");
    // Suggestions for misspelt names.
    let err = s.query("SELECT list_summ(Jet.pt) FROM events").unwrap_err();
    assert!(err.message.contains("did you mean"), "{err}");
}

#[test]
fn sql_lists_lambdas_and_several_outputs() {
    let ctx = Context::new();
    let (s, events) = session(&ctx);
    let outs = s
        .query(
            "SELECT count(*) AS n, \
                    hist(len(list_filter(Jet, j -> j.pt > 30.0)), 10, 0, 10) AS njets, \
                    list_max(Jet.pt) AS lead \
             FROM events WHERE len(Muon) >= 1",
        )
        .unwrap();
    let names: Vec<&str> = outs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["n", "njets", "lead"]);
    let exprs: Vec<&Expr> = outs.iter().map(|(_, e)| e).collect();
    let got = Engine::new(Scheduler::Threads(2))
        .compute_many(&exprs)
        .unwrap();
    // The same with the API.
    let keep = events.field("Muon").unwrap().num().unwrap().ge(1).unwrap();
    let jets = events.field("Jet").unwrap();
    let n = events
        .field("run")
        .unwrap()
        .mask(&keep)
        .unwrap()
        .count(None)
        .unwrap();
    let Output::Int(count) = Engine::new(Scheduler::Sync).compute(&n).unwrap() else {
        panic!()
    };
    assert_eq!(got[0], Output::Int(count));
    let nj = jets
        .mask(&jets.field("pt").unwrap().gt(30.0).unwrap())
        .unwrap()
        .num()
        .unwrap();
    let h = ctx
        .hist(
            vec![rask_plan::Axis::Regular {
                bins: 10,
                lo: 0.0,
                hi: 10.0,
                label: String::new(),
            }],
            rask_plan::Storage::Int,
            &[&nj.mask(&keep).unwrap()],
            None,
        )
        .unwrap();
    assert_eq!(got[1], Engine::new(Scheduler::Sync).compute(&h).unwrap());
    let Output::Events(lead) = &got[2] else {
        panic!()
    };
    assert_eq!(lead.len() as i64, count);
}
