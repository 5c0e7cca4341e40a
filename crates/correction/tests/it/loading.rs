//! Files: plain or gzip by magic bytes, rapidjson's numbers and literals, errors naming the
//! file; sharing evaluators across threads.

use std::io::Write;
use std::sync::Arc;

use rask_correction::{Arg, CorrectionError, CorrectionSet, Evaluator, Value};

use crate::util::{at, corr, reals, set_json};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap_or_default();
    enc.finish().unwrap_or_default()
}

#[test]
fn gzip_is_detected_by_magic_not_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = set_json(&reals(&["x"]), "3.5");
    let cases = [
        ("plain.json", text.as_bytes().to_vec()),
        ("plain.json.gz", text.as_bytes().to_vec()),
        ("packed.json", gzip(text.as_bytes())),
        ("packed", gzip(text.as_bytes())),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        let set = CorrectionSet::from_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ev = set.get("c").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ev.evaluate_one(&[Value::Real(0.0)]).ok(),
            Some(3.5),
            "{name}"
        );
    }
    // Concatenated gzip members are one stream (as zlib's gzread reads them).
    let (a, b) = text.split_at(40);
    let mut two = gzip(a.as_bytes());
    two.extend(gzip(b.as_bytes()));
    let path = dir.path().join("two.gz");
    std::fs::write(&path, two).unwrap_or_else(|e| panic!("{e}"));
    assert!(CorrectionSet::from_path(&path).is_ok());
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("nope.json");
    let r = CorrectionSet::from_path(&missing);
    assert!(
        matches!(&r, Err(CorrectionError::Io { path, .. }) if path == &missing),
        "{r:?}"
    );
    let bad = dir.path().join("bad.json.gz");
    std::fs::write(&bad, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]).unwrap_or_else(|e| panic!("{e}"));
    let r = CorrectionSet::from_path(&bad);
    assert!(
        matches!(&r, Err(CorrectionError::Gzip { path, .. }) if path == &bad),
        "{r:?}"
    );
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n\"schema_version\": 2,\n\"corrections\": [}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let r = CorrectionSet::from_path(&broken);
    let msg = r.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        matches!(
            &r,
            Err(CorrectionError::Json {
                line: 3,
                column: 17,
                ..
            })
        ),
        "{r:?}"
    );
    assert!(msg.contains("broken.json"), "{msg}");
    // Errors inside the file name the file, then the correction and node.
    let unknown = dir.path().join("unknown.json");
    std::fs::write(
        &unknown,
        r#"{"schema_version": 2, "corrections": [{"name": "c", "version": 1,
            "inputs": [{"name": "x", "type": "real"}], "output": {"name": "y", "type": "real"},
            "data": {"nodetype": "bogus"}}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let r = CorrectionSet::from_path(&unknown);
    let msg = r.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        matches!(&r, Err(CorrectionError::InFile { path, source })
            if path == &unknown && matches!(**source, CorrectionError::UnknownNodeType { .. })),
        "{r:?}"
    );
    assert!(
        msg.contains("unknown.json") && msg.contains("bogus"),
        "{msg}"
    );
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        CorrectionSet::from_path(&empty),
        Err(CorrectionError::Json { .. })
    ));
}

#[test]
fn numbers_are_read_as_rapidjson_reads_them() {
    // correctionlib's reader (rapidjson, normal precision) rounds these one ulp away from
    // the nearest double; correctionlib's results use the values it read.
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0, 3.0],
        "content": [0.15696529448667917, 9.622011251808181e-06, 1.720019672323503e+98], "flow": "clamp"}"#;
    let ev = corr(&reals(&["x"]), data);
    assert_eq!(at(&ev, 0.5), 0.15696529448667915);
    assert_eq!(at(&ev, 1.5), 9.62201125180818e-06);
    assert_eq!(at(&ev, 2.5), 1.7200196723235032e+98);
}

#[test]
fn nan_and_infinity_literals() {
    // rapidjson's kParseNanAndInfFlag: NaN, Infinity, -Infinity (and Inf) are numbers.
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [-Infinity, 0.0, 1.0, Inf],
        "content": [NaN, -Infinity, 1.0], "flow": 2.0}"#;
    let ev = corr(&reals(&["x"]), data);
    assert!(at(&ev, -1.0).is_nan());
    assert_eq!(at(&ev, 0.5), f64::NEG_INFINITY);
    assert_eq!(at(&ev, 1e308), 1.0);
    assert_eq!(at(&ev, f64::INFINITY), 2.0);
    // A literal "NaN" string is not a number.
    let data = r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "content": ["NaN"], "flow": 2.0}"#;
    assert!(matches!(
        crate::util::load(&reals(&["x"]), data),
        Err(CorrectionError::InvalidStructure { .. })
    ));
}

#[test]
fn unknown_fields_are_ignored_and_descriptions_kept() {
    let text = r#"{"$schema": "https://example/schemav2.json", "schema_version": 2, "description": "set",
      "corrections": [{"name": "a", "description": "first", "version": 7, "extra": [1, 2],
        "inputs": [{"name": "x", "type": "real", "description": "the x"}],
        "output": {"name": "o", "type": "real", "description": null}, "data": 1.0}]}"#;
    let set = CorrectionSet::from_json(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.description(), "set");
    assert_eq!(set.schema_version(), 2);
    let ev = set.get("a").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (ev.name(), ev.description(), ev.version()),
        ("a", "first", 7)
    );
    assert_eq!(ev.inputs()[0].description, "the x");
    assert_eq!(ev.output().description, "");
}

#[test]
fn evaluators_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Evaluator>();
    send_sync::<CorrectionSet>();
    let data =
        r#"{"nodetype": "formula", "expression": "x*x", "parser": "TFormula", "variables": ["x"]}"#;
    let ev: Arc<Evaluator> = corr(&reals(&["x"]), data);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let ev = Arc::clone(&ev);
            std::thread::spawn(move || {
                let xs: Vec<f64> = (0..1000).map(|i| (i + t) as f64).collect();
                let out = ev.evaluate(&[Arg::Real(&xs)], xs.len()).unwrap_or_default();
                xs.iter().zip(&out).all(|(x, y)| x * x == *y)
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap_or(false));
    }
}
