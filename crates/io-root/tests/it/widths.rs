//! Branches read widened (`Widths::Widened`, as the engine reads them: floats to f64, integers
//! to i64) equal the stored read widened afterwards by `rask_core::column::Col::from_arrow`, the
//! conversion the engine made before: every branch type of `data/types.root`, and the real
//! files of every compression.

use arrow_array::{Array, ArrayRef, RecordBatch};
use rask_core::column::Col;
use rask_io_root::decode::{Widths, widened_type};
use rask_io_root::{BasketBuffers, RootTree};

use crate::common::{data, float_bits, shared};

fn both(tree: &RootTree) -> (Vec<&str>, RecordBatch, RecordBatch) {
    let names = tree.readable_branches();
    let range = 0..tree.entries();
    let stored = tree.read(range.clone(), &names).unwrap();
    let mut buffers = BasketBuffers::default();
    let wide = tree
        .read_with_widths(range, &names, &mut buffers, Widths::Widened)
        .unwrap();
    (names, stored, wide)
}

fn engine_column(a: &ArrayRef) -> Option<ArrayRef> {
    Col::from_arrow(a.as_ref()).ok()?.to_arrow().ok()
}

fn check(tree: &RootTree, what: &str) {
    let (names, stored, wide) = both(tree);
    assert_eq!(wide.num_rows(), stored.num_rows());
    let mut compared = 0;
    for name in &names {
        let (s, w) = (
            stored.column_by_name(name).unwrap(),
            wide.column_by_name(name).unwrap(),
        );
        assert_eq!(w.data_type(), &widened_type(s.data_type()), "{what} {name}");
        assert_eq!(
            wide.schema().field_with_name(name).unwrap().data_type(),
            w.data_type(),
            "{what} {name}: the schema says the type read"
        );
        match (engine_column(s), engine_column(w)) {
            (Some(want), Some(got)) => {
                assert_eq!(got.to_data(), want.to_data(), "{what} {name}");
                assert_eq!(float_bits(&got), float_bits(&want), "{what} {name}");
                compared += 1;
            }
            (None, None) => {} // strings and fixed-size arrays: not engine columns either way
            (want, got) => {
                panic!("{what} {name}: one read converts and the other not: {want:?} {got:?}")
            }
        }
    }
    assert!(compared > 0, "{what}: no branch compared");
}

#[test]
fn every_branch_type_widens_as_the_engine_widens() {
    let t = RootTree::open(data("types.root"), "types").unwrap();
    check(&t, "types.root");
}

#[test]
fn real_files_of_every_compression_widen_as_the_engine_widens() {
    for c in ["uncompressed", "zlib", "lz4", "lzma", "zstd"] {
        let path = shared().join(format!("data/root/HZZ-{c}.root"));
        let t = RootTree::open(&path, "events").unwrap();
        check(&t, &format!("HZZ-{c}"));
    }
}

#[test]
fn the_declared_fields_are_those_read() {
    let src = rask_io_root::EventSource::open(&[data("types.root")], "types").unwrap();
    let tree = RootTree::open(data("types.root"), "types").unwrap();
    let names = tree.readable_branches();
    let p = &src.partitions(&names, 1_000_000).unwrap()[0];
    for widths in [Widths::Stored, Widths::Widened] {
        let batch = src.read_as(p, &names, widths).unwrap();
        let declared = src.fields_as(&names, widths);
        let read: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        assert_eq!(declared, read, "{widths:?}");
    }
}
