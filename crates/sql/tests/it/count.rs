//! `count(*)` under a WHERE counts the events the WHERE keeps: it reads no branch of its own.

use crate::common::nano;
use rask_plan::Context;
use rask_sql::SqlSession;

fn branches(session: &SqlSession, sql: &str) -> Vec<String> {
    let outs = session.query(sql).unwrap();
    let cols = outs[0].1.necessary_columns().unwrap();
    cols.into_values().flatten().collect()
}

#[test]
fn a_count_under_a_where_reads_only_what_the_where_reads() {
    let ctx = Context::new();
    let mut session = SqlSession::new(&ctx);
    session.register("events", nano(&ctx));
    assert_eq!(
        branches(
            &session,
            "SELECT count(*) AS n FROM events WHERE nJet > 2 AND nMuon > 0"
        ),
        ["nJet", "nMuon"]
    );
    // Without a WHERE, one per-event branch gives the number of events.
    assert_eq!(
        branches(&session, "SELECT count(*) AS n FROM events").len(),
        1
    );
}
