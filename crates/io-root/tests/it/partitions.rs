//! Reading in many partitions, in any order, gives the same events as reading in one.

use arrow_array::RecordBatch;
use proptest::prelude::*;
use rask_io_root::{EventSource, Partition};

use crate::common::{assert_batches_identical, data, shared};

fn all_columns(src: &EventSource) -> Vec<String> {
    src.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

fn concat(src: &EventSource, parts: &[Partition], columns: &[&str]) -> RecordBatch {
    let batches: Vec<RecordBatch> = parts
        .iter()
        .map(|p| src.read(p, columns).unwrap())
        .collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// Reads the partitions in a scrambled order, then puts the batches back in entry order.
fn read_scrambled(
    src: &EventSource,
    parts: &[Partition],
    columns: &[&str],
    seed: u64,
) -> RecordBatch {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    let mut state = seed | 1;
    for i in (1..order.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let mut batches: Vec<(usize, RecordBatch)> = order
        .iter()
        .map(|&i| (i, src.read(&parts[i], columns).unwrap()))
        .collect();
    batches.sort_by_key(|(i, _)| *i);
    let batches: Vec<RecordBatch> = batches.into_iter().map(|(_, b)| b).collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn seven_odd_partitions_in_any_order_equal_one_read() {
    for (path, tree) in [
        (data("nano-20k.root"), "Events"),
        (data("HZZ.root"), "events"),
        (shared().join("adl/data/nano-20k.parquet"), ""),
    ] {
        let src = EventSource::open(&[&path], tree).unwrap();
        let names = all_columns(&src);
        let columns: Vec<&str> = names.iter().map(String::as_str).collect();
        let whole = src
            .read(
                &Partition {
                    file: 0,
                    entries: 0..src.entries(),
                },
                &columns,
            )
            .unwrap();
        let parts = src.split_evenly(7);
        assert_eq!(parts.len(), 7);
        assert_batches_identical(&read_scrambled(&src, &parts, &columns, 42), &whole);
        assert_batches_identical(&concat(&src, &parts, &columns), &whole);
    }
}

#[test]
fn aligned_partitions_follow_baskets_and_row_groups() {
    let root = EventSource::open(&[data("nano-20k.root")], "Events").unwrap();
    let parts = root.partitions(&["Muon_pt", "MET_pt"], 1).unwrap();
    // 7 baskets of 3000 entries, the last partial.
    let starts: Vec<u64> = parts.iter().map(|p| p.entries.start).collect();
    assert_eq!(starts, vec![0, 3000, 6000, 9000, 12000, 15000, 18000]);
    assert_eq!(root.partitions(&["Muon_pt"], 7000).unwrap().len(), 3);
    assert_eq!(root.partitions(&["Muon_pt"], u64::MAX).unwrap().len(), 1);
    let pq = EventSource::open(&[shared().join("adl/data/nano-20k.parquet")], "").unwrap();
    assert_eq!(pq.partitions(&["Muon_pt"], 1).unwrap(), parts);
}

#[test]
fn several_files_form_one_source() {
    let one = EventSource::open(&[data("HZZ.root")], "events").unwrap();
    let dir = shared().join("data/root");
    let three = EventSource::open(
        &[
            data("HZZ.root"),
            dir.join("HZZ-lz4.root"),
            dir.join("HZZ-zstd.root"),
        ],
        "events",
    )
    .unwrap();
    assert_eq!(three.entries(), 3 * one.entries());
    let parts = three.partitions(&["Jet_Px"], 1000).unwrap();
    assert_eq!(parts.iter().map(|p| p.file).max(), Some(2));
    let a = one
        .read(
            &Partition {
                file: 0,
                entries: 0..one.entries(),
            },
            &["Jet_Px", "NJet"],
        )
        .unwrap();
    let c = three
        .read(
            &Partition {
                file: 2,
                entries: 0..one.entries(),
            },
            &["Jet_Px", "NJet"],
        )
        .unwrap();
    assert_batches_identical(&c, &a);
    let zmumu =
        EventSource::open(&[data("HZZ.root"), dir.join("Zmumu.root")], "events").unwrap_err();
    assert!(zmumu.to_string().contains("Zmumu.root"), "{zmumu}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_partitioning_reads_the_same_events(cuts in proptest::collection::btree_set(1u64..20_000, 0..12), seed in any::<u64>()) {
        let src = EventSource::open(&[data("nano-20k.root")], "Events").unwrap();
        let columns = ["nJet", "Jet_pt", "Jet_btag", "MET_pt", "HLT_IsoMu24", "event"];
        let mut bounds = vec![0u64];
        bounds.extend(cuts);
        bounds.push(src.entries());
        let parts: Vec<Partition> = bounds.windows(2).map(|w| Partition { file: 0, entries: w[0]..w[1] }).collect();
        let whole = src.read(&Partition { file: 0, entries: 0..src.entries() }, &columns).unwrap();
        assert_batches_identical(&read_scrambled(&src, &parts, &columns, seed), &whole);
    }
}

/// A file with thousands of baskets per branch and its Parquet twin, both from
/// `gen_nanoaod.py --events 200000 --chunk 100` (too large to ship; run with
/// `RASK_MANY_BASKETS=/tmp/nano-200k-chunk100 cargo test -- --ignored many_baskets`).
#[test]
#[ignore = "needs a generated file: set RASK_MANY_BASKETS to its path without extension"]
fn many_baskets_equal_the_parquet_twin() {
    let stem = std::env::var("RASK_MANY_BASKETS").expect("RASK_MANY_BASKETS is set");
    let root = EventSource::open(&[format!("{stem}.root")], "Events").unwrap();
    let pq = EventSource::open(&[format!("{stem}.parquet")], "Events").unwrap();
    let names = all_columns(&root);
    let columns: Vec<&str> = names.iter().map(String::as_str).collect();
    let tree = &root.root_trees().unwrap()[0];
    assert!(tree.branch("Muon_pt").unwrap().baskets.len() >= 1000);
    let parts = root.partitions(&columns, 25_000).unwrap();
    assert_eq!(parts, pq.partitions(&columns, 25_000).unwrap());
    for p in &parts {
        assert_batches_identical(
            &root.read(p, &columns).unwrap(),
            &pq.read(p, &columns).unwrap(),
        );
    }
}
