//! Tables of events in memory (`memory::register`): opened by name like files, partitioned
//! anywhere, read as zero-copy slices equal to the rows registered, and refused with an error
//! naming the table and column when a counted list disagrees with its counter.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type};
use arrow_array::{Array, ArrayRef, Float32Array, Int32Array, ListArray, RecordBatch};
use rask_io_root::{EventSource, RootError, memory};

/// `n` events: event `i` has `i % 4` muons of pt `10 i + k`, a MET of `i / 2`.
fn events(n: usize, first: usize) -> RecordBatch {
    let counts: Vec<i32> = (first..first + n).map(|i| (i % 4) as i32).collect();
    let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(
        (first..first + n).map(|i| Some((0..i % 4).map(move |k| Some((10 * i + k) as f32)))),
    );
    let met = Float32Array::from_iter_values((first..first + n).map(|i| i as f32 / 2.0));
    RecordBatch::try_from_iter([
        ("nMuon", Arc::new(Int32Array::from(counts)) as ArrayRef),
        ("Muon_pt", Arc::new(pt) as ArrayRef),
        ("MET_pt", Arc::new(met) as ArrayRef),
    ])
    .unwrap()
}

#[test]
fn a_registered_table_reads_back_the_rows_registered_in_any_partitioning() {
    // Two batches: registration joins them into one table of 23 events.
    let name = memory::register("events", vec![events(10, 0), events(13, 10)]).unwrap();
    assert!(name.starts_with("memory:events-"));
    let src = EventSource::open(&[&name], "Events").unwrap();
    assert_eq!(src.entries(), 23);
    // `Muon_pt` is counted by `nMuon`, as in NanoAOD Parquet.
    let field = src.schema().field_with_name("Muon_pt").unwrap();
    assert_eq!(
        field
            .metadata()
            .get(rask_core::COUNTER_METADATA_KEY)
            .map(String::as_str),
        Some("nMuon")
    );
    let cols = ["Muon_pt", "MET_pt"];
    let parts = src.partitions(&cols, 5).unwrap();
    let ranges: Vec<_> = parts.iter().map(|p| p.entries.clone()).collect();
    assert_eq!(ranges, vec![0..5, 5..10, 10..15, 15..20, 20..23]);
    let mut pts = Vec::new();
    let mut mets = Vec::new();
    for p in &parts {
        let batch = src.read(p, &cols).unwrap();
        assert_eq!(batch.num_rows() as u64, p.entries.end - p.entries.start);
        let list = batch.column(0).as_list::<i32>();
        for row in 0..list.len() {
            let v = list.value(row);
            pts.push(v.as_primitive::<Float32Type>().values().to_vec());
        }
        mets.extend(
            batch
                .column(1)
                .as_primitive::<Float32Type>()
                .values()
                .iter()
                .copied(),
        );
    }
    let want_pts: Vec<Vec<f32>> = (0..23)
        .map(|i| (0..i % 4).map(|k| (10 * i + k) as f32).collect())
        .collect();
    assert_eq!(pts, want_pts);
    assert_eq!(mets, (0..23).map(|i| i as f32 / 2.0).collect::<Vec<_>>());
    // The counter is readable too.
    let n = src.read(&parts[1], &["nMuon"]).unwrap();
    assert_eq!(
        n.column(0).as_primitive::<Int32Type>().values().to_vec(),
        vec![1, 2, 3, 0, 1]
    );
    assert!(memory::unregister(&name));
    assert!(!memory::unregister(&name));
}

#[test]
fn unknown_names_columns_and_ranges_are_typed_errors_naming_them() {
    let err = EventSource::open(&["memory:nothing-0"], "Events").unwrap_err();
    assert!(matches!(err, RootError::InMemory { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("memory:nothing-0: no table of events in memory")
    );

    let name = memory::register("typo", vec![events(4, 0)]).unwrap();
    let src = EventSource::open(&[&name], "Events").unwrap();
    let part = &src.partitions(&["MET_pt"], 100).unwrap()[0];
    let err = src.read(part, &["MET_ptt"]).unwrap_err();
    assert!(
        matches!(&err, RootError::NoSuchBranch { name, suggestions, .. }
        if name == "MET_ptt" && suggestions.iter().any(|s| s == "MET_pt")),
        "{err}"
    );
    let past = rask_io_root::Partition {
        file: 0,
        entries: 2..9,
    };
    assert!(matches!(
        src.read(&past, &["MET_pt"]),
        Err(RootError::EntryRange { .. })
    ));
    memory::unregister(&name);
}

#[test]
fn a_list_longer_than_its_counter_is_refused_at_registration() {
    let batch = events(6, 0);
    // Event 2 claims 3 muons but holds 2.
    let mut counts: Vec<i32> = batch
        .column(0)
        .as_primitive::<Int32Type>()
        .values()
        .to_vec();
    counts[2] = 3;
    let bad = RecordBatch::try_new(
        batch.schema(),
        vec![
            Arc::new(Int32Array::from(counts)),
            batch.column(1).clone(),
            batch.column(2).clone(),
        ],
    )
    .unwrap();
    let err = memory::register("bad", vec![bad]).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RootError::InMemory { .. }), "{text}");
    assert!(
        text.contains("memory:bad-") && text.contains("'Muon_pt'"),
        "{text}"
    );
    assert!(
        text.contains("row 2 has 2 items, its counter 'nMuon' says 3"),
        "{text}"
    );
    // Nothing to register is an error, not an empty table.
    assert!(matches!(
        memory::register("none", vec![]),
        Err(RootError::InMemory { .. })
    ));
}

#[test]
fn tables_take_the_types_parquet_files_give_and_refuse_missing_values() {
    use arrow_array::LargeListArray;
    // awkward's large lists (i64 offsets) are read as lists.
    let pt = LargeListArray::from_iter_primitive::<Float32Type, _, _>(vec![
        Some(vec![Some(1.0), Some(2.0)]),
        Some(vec![]),
    ]);
    let batch = RecordBatch::try_from_iter([
        ("nJet", Arc::new(Int32Array::from(vec![2, 0])) as ArrayRef),
        ("Jet_pt", Arc::new(pt) as ArrayRef),
    ])
    .unwrap();
    let name = memory::register("large", vec![batch]).unwrap();
    let src = EventSource::open(&[&name], "Events").unwrap();
    let part = &src.partitions(&["Jet_pt"], 10).unwrap()[0];
    let read = src.read(part, &["Jet_pt"]).unwrap();
    let list = read.column(0).as_list::<i32>();
    assert_eq!(list.value_offsets(), &[0, 2, 2]);
    memory::unregister(&name);
    // A missing value (awkward's None) has no place in event data: refused, naming the column.
    let met = Float32Array::from(vec![Some(1.0), None]);
    let batch = RecordBatch::try_from_iter([("MET_pt", Arc::new(met) as ArrayRef)]).unwrap();
    let err = memory::register("nulls", vec![batch]).unwrap_err();
    assert!(matches!(err, RootError::InMemory { .. }), "{err}");
    assert!(err.to_string().contains("MET_pt"), "{err}");
}
