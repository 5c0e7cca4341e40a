//! ROOT's 64-bit record layouts (issue #14), in a file small enough to ship and run in CI.
//!
//! Files past 2 GB use long forms of three records: the file header (`fVersion` > 1000000,
//! 64-bit `fEND`, `fSeekFree`, `fSeekInfo`), every key (`TKey` version > 1000, 64-bit `fSeekKey`,
//! `fSeekPdir`) and directory records (version > 1000, 64-bit `fSeekDir`, `fSeekParent`,
//! `fSeekKeys`). `fixtures/seek64.root` (8 KB) has all three: ROOT 6.40 wrote its keys in the long
//! form and `fixtures/make_seek64.py` rewrote its header and directory record (see the script).
//! The 2.4 GB file of `big_file.rs` checks offsets that really pass 2 GiB, outside CI.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type};
use rask_io_root::cursor::Cursor;
use rask_io_root::{Key, RootFile, RootTree};

use crate::common::repo;

fn fixture() -> std::path::PathBuf {
    repo().join("crates/io-root/tests/it/fixtures/seek64.root")
}

/// The values uproot 5.7.7 reads from `seek64.root` (printed by `make_seek64.py`; ROOT 6.40
/// reads the same, which the script checks): entry `i` has `x = 7i - 100`, `y = i/4 - 3`,
/// `n = i % 4` and `v = [i + k/8 for k < n]`.
const X: [i32; 40] = [
    -100, -93, -86, -79, -72, -65, -58, -51, -44, -37, -30, -23, -16, -9, -2, 5, 12, 19, 26, 33,
    40, 47, 54, 61, 68, 75, 82, 89, 96, 103, 110, 117, 124, 131, 138, 145, 152, 159, 166, 173,
];
const Y: [f64; 40] = [
    -3.0, -2.75, -2.5, -2.25, -2.0, -1.75, -1.5, -1.25, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5,
    0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75,
    5.0, 5.25, 5.5, 5.75, 6.0, 6.25, 6.5, 6.75,
];
const N: [i32; 40] = [
    0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
    0, 1, 2, 3, 0, 1, 2, 3,
];
const V: [&[f32]; 40] = [
    &[],
    &[1.0],
    &[2.0, 2.125],
    &[3.0, 3.125, 3.25],
    &[],
    &[5.0],
    &[6.0, 6.125],
    &[7.0, 7.125, 7.25],
    &[],
    &[9.0],
    &[10.0, 10.125],
    &[11.0, 11.125, 11.25],
    &[],
    &[13.0],
    &[14.0, 14.125],
    &[15.0, 15.125, 15.25],
    &[],
    &[17.0],
    &[18.0, 18.125],
    &[19.0, 19.125, 19.25],
    &[],
    &[21.0],
    &[22.0, 22.125],
    &[23.0, 23.125, 23.25],
    &[],
    &[25.0],
    &[26.0, 26.125],
    &[27.0, 27.125, 27.25],
    &[],
    &[29.0],
    &[30.0, 30.125],
    &[31.0, 31.125, 31.25],
    &[],
    &[33.0],
    &[34.0, 34.125],
    &[35.0, 35.125, 35.25],
    &[],
    &[37.0],
    &[38.0, 38.125],
    &[39.0, 39.125, 39.25],
];

fn check(batch: &RecordBatch, start: usize) {
    let rows = batch.num_rows();
    let x = batch.column(0).as_primitive::<Int32Type>().values();
    let y = batch.column(1).as_primitive::<Float64Type>().values();
    let n = batch.column(2).as_primitive::<Int32Type>().values();
    assert_eq!(&x[..], &X[start..start + rows]);
    assert_eq!(&y[..], &Y[start..start + rows]);
    assert_eq!(&n[..], &N[start..start + rows]);
    let v = batch.column(3).as_list::<i32>();
    for i in 0..rows {
        let got = v.value(i);
        assert_eq!(
            got.as_primitive::<Float32Type>().values().as_ref(),
            V[start + i],
            "entry {}",
            start + i
        );
    }
}

#[test]
fn the_fixture_uses_the_long_record_layouts() {
    // Checked on the bytes, independently of the reader: the header's version, and the version
    // field of every key (the tree's key as an example) and of the top directory record.
    let bytes = std::fs::read(fixture()).unwrap();
    assert_eq!(&bytes[..4], b"root");
    let version = i32::from_be_bytes(bytes[4..8].try_into().unwrap());
    assert!(version > 1_000_000, "file version {version}");
    // fNbytesName follows fBEGIN, fEND (8), fSeekFree (8), fNbytesFree and nfree.
    let nbytes_name = i32::from_be_bytes(bytes[36..40].try_into().unwrap()) as usize;
    let dir_version = i16::from_be_bytes(bytes[100 + nbytes_name..][..2].try_into().unwrap());
    assert!(dir_version > 1000, "directory version {dir_version}");
    let file = RootFile::open(fixture()).unwrap();
    assert_eq!(file.version, 64000, "ROOT 6.40");
    let key = file.tree_key("t").unwrap();
    let at = key.seek_key as usize;
    let key_version = i16::from_be_bytes(bytes[at + 4..at + 6].try_into().unwrap());
    assert!(key_version > 1000, "key version {key_version}");
    // The long key header: 8 bytes more than the short one's 26 + names.
    let reparsed = Key::parse(&mut Cursor::new(&bytes[at..], 0)).unwrap();
    assert_eq!(reparsed.seek_key, key.seek_key);
    assert_eq!(reparsed.key_len, key.key_len);
}

#[test]
fn a_tree_in_the_long_layout_reads_as_uproot_reads_it() {
    let tree = RootTree::open(fixture(), "t").unwrap();
    assert_eq!(tree.entries(), 40);
    // Several baskets per branch (all with long key headers), so the basket table is walked.
    assert_eq!(tree.branch("y").unwrap().baskets.len(), 10);
    assert_eq!(tree.branch("x").unwrap().baskets.len(), 5);
    let columns = ["x", "y", "n", "v"];
    check(&tree.read(0..40, &columns).unwrap(), 0);
    // Ranges that start and stop inside baskets.
    check(&tree.read(3..29, &columns).unwrap(), 3);
    check(&tree.read(39..40, &columns).unwrap(), 39);
}
