//! The facade's table functions and `--query` names fail with typed errors: an unknown
//! function, a call without files and a file that cannot be opened are `TableError`s (the last
//! one carrying the source's `OpenError`), an unknown query is an `UnknownQuery`.

use rask::sources::{OpenError, table_opener};
use rask_sql::TableError;

#[test]
fn table_functions_fail_with_typed_errors() {
    let ctx = rask::Context::new();
    let open = table_opener(&ctx);
    match open("read_csv", &["a.csv".to_string()]) {
        Err(TableError::UnknownFunction { function, .. }) => assert_eq!(function, "read_csv"),
        other => panic!("an unknown function, got {other:?}"),
    }
    let e = open("read_root", &[]).unwrap_err();
    assert!(
        matches!(&e, TableError::NoFiles { function } if function == "read_root"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "read_root('file', ...) needs at least one file"
    );
    // A missing file: the reader's error, kept as the source's typed error.
    let e = open("read_root", &["/no/such/input.root".to_string()]).unwrap_err();
    let TableError::Open(inner) = &e else {
        panic!("an error opening the file, got {e:?}")
    };
    assert!(
        matches!(inner.downcast_ref::<OpenError>(), Some(OpenError::Read(_))),
        "{inner:?}"
    );
    assert!(e.to_string().contains("/no/such/input.root"), "{e}");
    // A device is refused before it is opened.
    #[cfg(unix)]
    {
        let e = open("read_parquet", &["/dev/null".to_string()]).unwrap_err();
        let TableError::Open(inner) = &e else {
            panic!("an error opening the file, got {e:?}")
        };
        assert!(
            matches!(inner.downcast_ref::<OpenError>(), Some(OpenError::Input(_))),
            "{inner:?}"
        );
    }
    // And a file that opens gives the source.
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nano-20k.root");
    assert!(
        open(
            "read_root",
            &[data.to_str().unwrap().to_string(), "Events".into()]
        )
        .is_ok()
    );
}

#[test]
fn an_unknown_query_is_a_typed_error() {
    let e = rask::adl::expand_queries(&["q1,Q9 ".to_string()]).unwrap_err();
    assert_eq!(e, rask::adl::UnknownQuery { name: "q9".into() });
    assert_eq!(
        e.to_string(),
        "unknown query 'q9' (the queries are q1 … q8, or all)"
    );
    assert_eq!(
        rask::adl::expand_queries(&["q3, all".to_string()]).unwrap(),
        ["q3", "q1", "q2", "q4", "q5", "q6", "q7", "q8"]
    );
}
