//! Files over 2 GiB use 64-bit seek pointers (file header, keys, directories, baskets).
//!
//! The file is too large to ship: make it with ROOT (`tests/data-gen/make_big_root.py`, 2.4 GB) and
//! run `RASK_BIG_ROOT=/tmp/big.root cargo test --release -- --ignored big_file`.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt64Type};
use rask_io_root::RootTree;

#[test]
#[ignore = "needs a 2.4 GB file: set RASK_BIG_ROOT"]
fn big_file_reads_past_two_gib() {
    let path = std::env::var("RASK_BIG_ROOT").expect("RASK_BIG_ROOT is set");
    let tree = RootTree::open(&path, "t").unwrap();
    assert!(tree.file().len() > 1 << 31);
    let far = tree
        .branch("y")
        .unwrap()
        .baskets
        .iter()
        .filter(|b| b.seek > 1 << 31)
        .count();
    assert!(far > 0, "some baskets lie past 2 GiB");
    let n = tree.entries();
    for start in [0, n / 2, n - 100_000] {
        let b = tree.read(start..start + 100_000, &["x", "y"]).unwrap();
        let x = b.column(0).as_primitive::<UInt64Type>().values();
        let y = b.column(1).as_primitive::<Float64Type>().values();
        for (k, (&x, &y)) in x.iter().zip(y.iter()).enumerate() {
            let e = start + k as u64;
            let z = splitmix64(e);
            assert_eq!((x, y), (z, (z >> 11) as f64 * 2f64.powi(-53)), "entry {e}");
        }
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
