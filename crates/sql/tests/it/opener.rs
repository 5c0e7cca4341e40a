//! Table functions of `FROM` go through the session's opener: its typed error
//! (`TableError`) becomes a `SqlError` at the function call, and the arguments reach it as
//! written.

use std::sync::{Arc, Mutex};

use crate::common::nano;
use rask_plan::Context;
use rask_sql::{SqlSession, TableError, TableOpener};

#[test]
fn an_openers_error_is_reported_at_the_table_function() {
    let ctx = Context::new();
    let opener: TableOpener = Arc::new(|function: &str, args: &[String]| {
        Err(if args.is_empty() {
            TableError::NoFiles {
                function: function.to_string(),
            }
        } else {
            TableError::UnknownFunction {
                function: function.to_string(),
                known: "read_root".to_string(),
            }
        })
    });
    let session = SqlSession::new(&ctx).with_opener(opener);
    // "SELECT count(*) FROM " is 21 characters: the call starts in column 22.
    let e = session
        .query("SELECT count(*) FROM read_root()")
        .unwrap_err();
    assert_eq!((e.line, e.column), (1, 22), "{e}");
    assert_eq!(e.message, "read_root('file', ...) needs at least one file");
    let e = session
        .query("SELECT count(*)\nFROM read_csv('a.csv')")
        .unwrap_err();
    assert_eq!((e.line, e.column), (2, 6), "{e}");
    assert_eq!(e.message, "unknown table function 'read_csv' (read_root)");
}

/// A call of the opener: the function and its arguments.
type Call = (String, Vec<String>);

#[test]
fn an_opener_gets_the_function_and_its_arguments() {
    let ctx = Context::new();
    let seen: Arc<Mutex<Vec<Call>>> = Arc::default();
    let events = nano(&ctx);
    let log = seen.clone();
    let opener: TableOpener = Arc::new(move |function: &str, args: &[String]| {
        log.lock()
            .map_err(|_| TableError::Open("poisoned".into()))?
            .push((function.to_string(), args.to_vec()));
        Ok(events.clone())
    });
    let session = SqlSession::new(&ctx).with_opener(opener);
    let outs = session
        .query("SELECT count(*) AS n FROM read_root('a.root', 'b.root', 'Events')")
        .unwrap();
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].0, "n");
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        [(
            "read_root".to_string(),
            vec![
                "a.root".to_string(),
                "b.root".to_string(),
                "Events".to_string()
            ]
        )]
    );
}
