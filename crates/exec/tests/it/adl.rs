//! The eight ADL queries on the engine equal the expected histograms of `../shared/adl` bin for
//! bin, from ROOT and Parquet, with both schedulers and several partition sizes, and equal the
//! reference interpreter.

use rask_reference::Reference;
use std::path::PathBuf;

use rask_adl as adl;
use rask_exec::{Engine, Output, Scheduler};
use rask_plan::Context;

use crate::common::{FileReader, expected, repo, source};

fn run_all(path: &std::path::Path, engine: &Engine) {
    let ctx = Context::new();
    let events = source(&ctx, path);
    for q in adl::QUERIES {
        // A query's histograms in one pass, as the CLI and the bench compute them (Q6's two
        // share the trijets across fused groups).
        let outputs = adl::query(&ctx, &events, q).unwrap();
        let exprs: Vec<_> = outputs.iter().map(|(_, e)| e).collect();
        let computed = engine.compute_many(&exprs).unwrap();
        for ((name, _), out) in outputs.iter().zip(computed) {
            let Output::Hist(h) = out else {
                panic!("{name}: not a histogram")
            };
            assert_eq!(
                h.values(),
                expected(&name),
                "{name} from {} with {engine:?}",
                path.display()
            );
        }
    }
}

#[test]
fn adl_queries_from_root_match_the_expected_histograms() {
    let path = repo().join("data/nano-20k.root");
    run_all(&path, &Engine::new(Scheduler::Sync));
    run_all(
        &path,
        &Engine::new(Scheduler::Threads(2)).with_partition_entries(3_000),
    );
}

#[test]
fn adl_queries_from_the_shipped_awkward_parquet_match_the_expected_histograms() {
    // Written by gen_nanoaod.py (pyarrow): no counter metadata; `nMuon` counts `Muon_*`.
    let path = crate::common::shared().join("adl/data/nano-20k.parquet");
    run_all(
        &path,
        &Engine::new(Scheduler::Threads(2)).with_partition_entries(5_000),
    );
}

#[test]
fn adl_queries_from_parquet_match_the_expected_histograms() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("nano-20k.parquet");
    parquet_copy(&repo().join("data/nano-20k.root"), &parquet, 4_000);
    run_all(&parquet, &Engine::new(Scheduler::Threads(2)));
    run_all(
        &parquet,
        &Engine::new(Scheduler::Sync).with_partition_entries(1),
    );
}

/// Writes the ROOT file's branches to Parquet with row groups of `group` entries.
fn parquet_copy(root: &PathBuf, out: &PathBuf, group: usize) {
    let src = rask_io_root::EventSource::open(&[root], "Events").unwrap();
    let cols: Vec<String> = src
        .schema()
        .fields()
        .iter()
        .filter(|f| f.data_type() != &arrow_schema::DataType::Null)
        .map(|f| f.name().clone())
        .collect();
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let batch = src
        .read(
            &rask_io_root::Partition {
                file: 0,
                entries: 0..src.entries(),
            },
            &cols,
        )
        .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn adl_queries_on_the_engine_equal_the_reference_interpreter() {
    let path = repo().join("data/nano-20k.root");
    let ctx = Context::new();
    let events = source(&ctx, &path);
    let reader = FileReader;
    for q in adl::QUERIES {
        for (name, expr) in adl::query(&ctx, &events, q).unwrap() {
            let rask_reference::Data::Hist(want) = expr.compute(&reader).unwrap() else {
                panic!("{name}: the reference gives no histogram")
            };
            let Output::Hist(got) = Engine::new(Scheduler::Sync).compute(&expr).unwrap() else {
                panic!("{name}: not a histogram")
            };
            assert_eq!(got.values(), want.values, "{name}");
        }
    }
}
