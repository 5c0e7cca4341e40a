//! A fileset opened as one source: histograms by dataset and weighted by metadata, from the
//! engine and the reference interpreter, against the expected ADL histograms of
//! `$RASK_SHARED/adl` (two datasets that both hold the shipped 20k-event sample).

use std::path::{Path, PathBuf};

use rask::exec::Output;
use rask::plan::{Axis, Storage};
use rask::reference::{Data, Reference};
use rask::sources::{FileReader, open_fileset};
use rask::{Engine, Scheduler};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Datasets `data` (the sample by absolute path, no cross-section) and `ttbar` (a copy beside
/// the fileset, by relative path, `xsec` 729.84 and `nevts` 20000).
fn fileset(dir: &Path) -> PathBuf {
    let nano = repo().join("data/nano-20k.root");
    std::fs::copy(&nano, dir.join("tt.root")).unwrap();
    let path = dir.join("fileset.json");
    let json = format!(
        r#"{{"ttbar": {{"files": {{"tt.root": "Events"}},
                       "metadata": {{"process": "ttbar", "xsec": 729.84, "nevts": 20000}}}},
            "data": {{"files": ["{}"], "metadata": {{"process": "data", "is_data": true}}}}}}"#,
        nano.display()
    );
    std::fs::write(&path, json).unwrap();
    path
}

/// Bin `k` of the category axis, for every bin of the first axis (row-major, flow bins included).
fn slice(values: &[f64], categories: usize, k: usize) -> Vec<f64> {
    values.iter().skip(k).step_by(categories).copied().collect()
}

#[test]
fn histograms_by_dataset_and_weighted_by_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = rask::Context::new();
    let (events, fs) = open_fileset(&ctx, "events", fileset(dir.path())).unwrap();
    let names: Vec<String> = fs.datasets.iter().map(|d| d.name.clone()).collect();
    assert_eq!(names, ["data", "ttbar"]);
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let dataset = events.field("dataset").unwrap();
    let axes = vec![
        Axis::Regular {
            bins: 100,
            lo: 0.0,
            hi: 200.0,
            label: "met".into(),
        },
        Axis::StrCategory {
            categories: names.clone(),
            label: "dataset".into(),
        },
    ];
    // Events per dataset.
    let counts = ctx
        .hist(axes.clone(), Storage::Int, &[&met, &dataset], None)
        .unwrap();
    // The AGC's normalisation: xsec * lumi / nevts for simulation, 1 for data.
    let norm = (&(&events.field("xsec").unwrap() * 3378.0).unwrap()
        / &events.field("nevts").unwrap())
        .unwrap();
    let w = ctx
        .where_(&events.field("is_data").unwrap(), 1.0, &norm)
        .unwrap();
    let weighted = ctx
        .hist(axes, Storage::Weight, &[&met, &dataset], Some(&w))
        .unwrap();
    let q1 = crate::cli::expected_values("q1");
    let engine = Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000);
    let Output::Hist(h) = engine.compute(&counts).unwrap() else {
        panic!("a histogram")
    };
    let values = h.values();
    assert_eq!(values.len(), 102 * 3, "MET bins x (2 datasets + flow)");
    assert_eq!(slice(&values, 3, 0), q1, "data = the sample");
    assert_eq!(slice(&values, 3, 1), q1, "ttbar = the sample");
    assert!(
        slice(&values, 3, 2).iter().all(|v| *v == 0.0),
        "no other dataset"
    );
    let Data::Hist(r) = counts.compute(&FileReader).unwrap() else {
        panic!("a histogram")
    };
    assert_eq!(r.values, values, "the reference interpreter agrees");

    let Output::Hist(hw) = engine.compute(&weighted).unwrap() else {
        panic!("a histogram")
    };
    let wv = hw.values();
    assert_eq!(slice(&wv, 3, 0), q1, "data has weight 1");
    let scale = 729.84 * 3378.0 / 20000.0;
    for (got, n) in slice(&wv, 3, 1).iter().zip(&q1) {
        let want = n * scale;
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "ttbar: {got} vs {n} x {scale}"
        );
    }
    let Data::Hist(rw) = weighted.compute(&FileReader).unwrap() else {
        panic!("a histogram")
    };
    for (a, b) in rw.values.iter().zip(&wv) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }
}

#[test]
fn a_string_category_axis_takes_only_codes_of_its_own_categories() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = rask::Context::new();
    let (events, _) = open_fileset(&ctx, "events", fileset(dir.path())).unwrap();
    let met = events.field("MET").unwrap().field("pt").unwrap();
    let axis = |categories: &[&str]| {
        vec![
            Axis::Regular {
                bins: 10,
                lo: 0.0,
                hi: 200.0,
                label: "met".into(),
            },
            Axis::StrCategory {
                categories: categories.iter().map(|c| c.to_string()).collect(),
                label: "dataset".into(),
            },
        ]
    };
    let dataset = events.field("dataset").unwrap();
    let njet = events.field("nJet").unwrap();
    // The codes are the datasets sorted by name: (data, ttbar); another order would swap them.
    assert!(
        ctx.hist(
            axis(&["data", "ttbar"]),
            Storage::Int,
            &[&met, &dataset],
            None
        )
        .is_ok()
    );
    for (values, categories) in [(&dataset, ["ttbar", "data"]), (&njet, ["data", "ttbar"])] {
        let err = ctx
            .hist(axis(&categories), Storage::Int, &[&met, values], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fills the string-category axis \"dataset\""),
            "{err}"
        );
    }
}

#[test]
fn a_fileset_with_a_missing_file_fails_naming_dataset_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = fileset(dir.path());
    std::fs::remove_file(dir.path().join("tt.root")).unwrap();
    let ctx = rask::Context::new();
    let err = open_fileset(&ctx, "events", &path).unwrap_err().to_string();
    assert!(err.contains("dataset 'ttbar'"), "{err}");
    assert!(err.contains("tt.root does not exist"), "{err}");
}

#[test]
fn sql_reads_a_fileset_and_fills_by_dataset_as_the_api_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = fileset(dir.path());
    let ctx = rask::Context::new();
    let session = rask::SqlSession::new(&ctx).with_opener(rask::sources::table_opener(&ctx));
    let sql = format!(
        "SELECT hist(MET.pt, 100, 0, 200, 'met', by => dataset) AS met, \
         whist(MET.pt, xsec, 100, 0, 200, by => (dataset, process)) AS w \
         FROM read_fileset('{}') WHERE nJet >= 2",
        path.display()
    );
    let outs = session.query(&sql).unwrap();
    let (events, fs) = open_fileset(&ctx, "read_fileset", &path).unwrap();
    let names: Vec<String> = fs.datasets.iter().map(|d| d.name.clone()).collect();
    let keep = events.field("nJet").unwrap().ge(2).unwrap();
    let met = events
        .field("MET")
        .unwrap()
        .field("pt")
        .unwrap()
        .mask(&keep)
        .unwrap();
    let dataset = events.field("dataset").unwrap().mask(&keep).unwrap();
    let api = ctx
        .hist(
            vec![
                Axis::Regular {
                    bins: 100,
                    lo: 0.0,
                    hi: 200.0,
                    label: "met".into(),
                },
                Axis::StrCategory {
                    categories: names,
                    label: "dataset".into(),
                },
            ],
            Storage::Int,
            &[&met, &dataset],
            None,
        )
        .unwrap();
    assert_eq!(outs[0].1.key(), api.key(), "the SQL builds the API's plan");
    let engine = Engine::new(Scheduler::Threads(2));
    let Output::Hist(h) = engine.compute(&outs[0].1).unwrap() else {
        panic!("a histogram")
    };
    let v = h.values();
    assert_eq!(
        slice(&v, 3, 0),
        slice(&v, 3, 1),
        "both datasets hold the sample"
    );
    let Output::Hist(w) = engine.compute(&outs[1].1).unwrap() else {
        panic!("a histogram")
    };
    assert_eq!(w.axes.len(), 3, "met x dataset x process");
    // `by =>` needs a category column.
    let err = session
        .query(&format!(
            "SELECT hist(MET.pt, 10, 0, 200, by => nJet) AS h FROM read_fileset('{}')",
            path.display()
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("by => nJet: not a category column"), "{err}");
    // A coded column compares with its names: only the ttbar copy is counted.
    let outs = session
        .query(&format!(
            "SELECT count(*) AS n FROM read_fileset('{}') WHERE process = 'ttbar'",
            path.display()
        ))
        .unwrap();
    assert_eq!(engine.compute(&outs[0].1).unwrap(), Output::Int(20_000));
    let err = session
        .query(&format!(
            "SELECT count(*) AS n FROM read_fileset('{}') WHERE process = 'ttbr'",
            path.display()
        ))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'ttbr' is not one of the column's values (data, ttbar); did you mean ttbar?"),
        "{err}"
    );
}
