//! Hostile SQL: statements that nest without end, output names that are paths, bin counts out
//! of range. Each gets an error naming the culprit (or a result), never a crash. Tests run on
//! 2 MiB thread stacks.

use crate::common::{nano, small_batch};
use rask_plan::Context;
use rask_reference::{MemoryReader, Reference};
use rask_sql::SqlSession;

fn sql_error(session: &SqlSession, sql: &str) -> String {
    match session.query(sql) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn session(ctx: &Context) -> SqlSession {
    let mut s = SqlSession::new(ctx);
    s.register("events", nano(ctx));
    s
}

#[test]
fn sql_chains_of_100000_terms_are_refused_before_parsing() {
    let ctx = Context::new();
    let s = session(&ctx);
    let plus = format!(
        "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events;",
        " + 1.0".repeat(100_000)
    );
    let and = format!(
        "SELECT hist(MET.pt, 10, 0, 100) AS a FROM events WHERE MET.pt > 0{};",
        " AND MET.pt > 1".repeat(100_000)
    );
    for sql in [plus, and] {
        let e = sql_error(&s, &sql);
        assert!(e.contains("nests more than 1000 operations deep"), "{e}");
        assert!(e.starts_with("line 1, column "), "{e}");
    }
    // Deep parentheses stop in the parser.
    let parens = format!(
        "SELECT {}1{} AS a FROM events",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(!sql_error(&s, &parens).is_empty());
}

#[test]
fn sql_chains_just_under_the_limit_lower() {
    let ctx = Context::new();
    let s = session(&ctx);
    let sql = format!(
        "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events WHERE MET.pt > 0{}",
        " + 1.0".repeat(480),
        " AND MET.pt > 1".repeat(240)
    );
    let outs = s.query(&sql).unwrap();
    assert_eq!(outs.len(), 1);
    outs[0].1.optimize().unwrap();
}

#[test]
fn sql_output_names_are_plain_file_names() {
    let ctx = Context::new();
    let s = session(&ctx);
    for alias in [
        "\"/elsewhere/ESCAPE\"",
        "\"../../escaped\"",
        "\"\"",
        "\"a\nb\"",
        "\".hidden\"",
        "\"-rf\"",
    ] {
        let sql = format!("SELECT hist(MET.pt, 10, 0, 100) AS {alias} FROM events");
        let e = sql_error(&s, &sql);
        assert!(e.contains("output name"), "{alias}: {e}");
        assert!(e.contains("1 to 128 characters"), "{alias}: {e}");
    }
    let long = format!("SELECT count(*) AS {} FROM events", "a".repeat(129));
    assert!(sql_error(&s, &long).contains("more than 128"));
    assert_eq!(
        sql_error(&s, "SELECT count(*) AS \"q6a_v2.final-1\" FROM events"),
        ""
    );
}

#[test]
fn sql_bin_counts_are_whole_numbers_in_range() {
    let ctx = Context::new();
    let s = session(&ctx);
    for (bins, why) in [
        ("99999999999999999999999", "is too large"),
        (
            "2000000000",
            "histogram 'h': 2000000000 bins, more than the limit",
        ),
        ("-3", "must be at least 1"),
        ("0", "must be at least 1"),
        ("2.5", "must be a whole number"),
        ("1e400", "is too large"),
    ] {
        let e = sql_error(
            &s,
            &format!("SELECT hist(MET.pt, {bins}, 0, 100) AS h FROM events"),
        );
        assert!(e.contains(why), "{bins}: {e}");
    }
    let e = sql_error(&s, "SELECT hist(MET.pt, 10, 0, 1e400) AS h FROM events");
    assert!(
        e.contains("histogram 'h': the range [0, inf) must be finite"),
        "{e}"
    );
    let e = sql_error(&s, "SELECT hist_var(MET.pt, [0, 5, 5]) AS h FROM events");
    assert!(
        e.contains("histogram 'h': the edges must increase strictly"),
        "{e}"
    );
}

/// Statements as deep as the guard allows, of other shapes than a chain of one operator
/// (mixed operators, alternating AND/OR, chains inside a lambda): each lowers, optimises and
/// explains, or fails with an error, on a test thread's 2 MiB stack.
#[test]
fn sql_mixed_chains_just_under_the_limit_do_not_overflow() {
    let ctx = Context::new();
    let s = session(&ctx);
    let shapes = [
        format!(
            "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events",
            " + 1.0 - 1.0".repeat(490)
        ),
        format!(
            "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events",
            " * 1.0 + 1.0 * 1.0".repeat(320)
        ),
        format!(
            "SELECT hist(MET.pt{}, 10, 0, 100) AS a FROM events",
            " / 2.0 * 2.0 - 1.0 + 1.0".repeat(240)
        ),
        format!(
            "SELECT hist(MET.pt, 10, 0, 100) AS a FROM events WHERE MET.pt > 0{}",
            " AND MET.pt > 1 OR MET.pt < 2".repeat(160)
        ),
        format!(
            "SELECT hist(list_transform(Muon.pt, x -> x{}), 10, 0, 100) AS a FROM events",
            " + 1.0 - x".repeat(480)
        ),
    ];
    let chains = [" % 7", " * 1", " - nMuon", " / 2", " + 1.0"].map(|op| {
        format!(
            "SELECT hist(nMuon{}, 10, 0, 100) AS a FROM events",
            op.repeat(990)
        )
    });
    let where_chains = [" OR true", " AND MET.pt > 1"].map(|op| {
        format!(
            "SELECT hist(MET.pt, 10, 0, 100) AS a FROM events WHERE MET.pt > 0{}",
            op.repeat(990)
        )
    });
    // Chains in a WITH step and again on its column: the plan is twice as deep as either.
    let stacked = [
        format!(
            "WITH t AS (SELECT *, nMuon{} AS a FROM events WHERE MET.pt > 0{}) \
             SELECT hist(a{}, 10, 0, 100) AS h FROM t WHERE a > 0{}",
            " % 7".repeat(490),
            " AND MET.pt > 1".repeat(200),
            " + 1.0".repeat(490),
            " OR a > 1".repeat(200)
        ),
        format!(
            "WITH t AS (SELECT *, nMuon{} AS a FROM events), u AS (SELECT *, a{} AS b FROM t) \
             SELECT hist(b{}, 10, 0, 100) AS h FROM u",
            " * 1".repeat(490),
            " - 1".repeat(490),
            " + a".repeat(490)
        ),
    ];
    let shapes: Vec<&String> = shapes
        .iter()
        .chain(&chains)
        .chain(&where_chains)
        .chain(&stacked)
        .collect();
    let mut optimised = 0;
    for sql in shapes {
        match s.query(sql) {
            Ok(outs) => {
                for (_, e) in &outs {
                    if e.optimize().is_ok() {
                        let _ = e.explain();
                        let _ = e.compute(&MemoryReader(small_batch()));
                        let _ = e.compute_unoptimized(&MemoryReader(small_batch()));
                        optimised += 1;
                    }
                }
            }
            Err(e) => eprintln!("{}", e.message),
        }
    }
    // Most shapes are within the limits (the rest fail with an error, not a crash).
    assert!(optimised >= 11, "{optimised} of 14 optimised");
}
