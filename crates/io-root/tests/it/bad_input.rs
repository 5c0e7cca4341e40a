//! Bad input gives typed errors naming the file (and tree, branch, basket where known), never a
//! panic, an abort or a hang; and never different numbers from the intact file.

use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use rask_io_root::{ByteSource, EventSource, InMemory, RootError, RootFile, RootTree};

use crate::common::{data, shared};

/// Opens `bytes` as a file and reads every readable branch of every tree.
fn read_everything(name: &str, bytes: Vec<u8>) -> Result<Vec<RecordBatch>, RootError> {
    let file = RootFile::from_source(Arc::new(InMemory::new(name, bytes)))?;
    let mut out = Vec::new();
    for tree in file.tree_names()? {
        let t = RootTree::new(file.clone(), &tree)?;
        let names = t.readable_branches();
        out.push(t.read(0..t.entries(), &names)?);
    }
    Ok(out)
}

fn hzz() -> Vec<u8> {
    std::fs::read(data("HZZ.root")).unwrap()
}

/// A tiny deterministic generator (xorshift64*), so failures are reproducible from the seed.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Runs `f` and turns a panic into a test failure that names the case.
pub fn no_panic<T>(case: &str, f: impl FnOnce() -> T + std::panic::UnwindSafe) -> T {
    match std::panic::catch_unwind(f) {
        Ok(v) => v,
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{case}: the reader panicked: {msg:?}")
        }
    }
}

#[test]
fn missing_file_and_directory_are_named() {
    let err = RootFile::open("/no/such/file.root").unwrap_err();
    assert!(
        matches!(err, RootError::Io { .. }) && err.to_string().contains("/no/such/file.root"),
        "{err}"
    );
    let err = RootFile::open(data("")).unwrap_err();
    assert!(matches!(err, RootError::IsDirectory { .. }), "{err}");
    let err = EventSource::open(&[Path::new("/no/such.parquet")], "Events").unwrap_err();
    assert!(err.to_string().contains("/no/such.parquet"), "{err}");
}

#[test]
fn files_that_are_not_root_are_refused() {
    for (name, bytes) in [
        ("empty", vec![]),
        ("text", b"hello world, not ROOT".to_vec()),
        ("rootish", b"roo".to_vec()),
    ] {
        let err = no_panic(name, || read_everything(name, bytes)).unwrap_err();
        assert!(
            matches!(err, RootError::NotRoot { .. } | RootError::Corrupt { .. }),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
    let readme = data("README.md");
    let err = EventSource::open(&[&readme], "Events").unwrap_err();
    assert!(matches!(err, RootError::NotRoot { .. }), "{err}");
}

#[test]
fn random_bytes_give_errors() {
    let mut rng = Rng(7);
    for case in 0..300 {
        let len = rng.below(4096);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if case % 2 == 0 && len >= 4 {
            bytes[..4].copy_from_slice(b"root");
        }
        let r = no_panic(&format!("random case {case}"), || {
            read_everything("random.root", bytes)
        });
        assert!(
            r.is_err() || r.as_ref().is_ok_and(|t| t.is_empty()),
            "random case {case} read as a ROOT file"
        );
    }
}

#[test]
fn truncated_files_fail_cleanly_at_every_cut() {
    let full = hzz();
    let intact = read_everything("HZZ.root", full.clone()).unwrap();
    let len = full.len();
    let mut cuts: Vec<usize> = (0..4096.min(len)).collect(); // the header and first baskets
    cuts.extend(len.saturating_sub(4096)..len); // the tree record, streamers and key list
    cuts.extend((0..len).step_by(97)); // through the baskets
    for cut in cuts {
        let r = no_panic(&format!("cut at {cut}"), || {
            read_everything("HZZ.root", full[..cut].to_vec())
        });
        match r {
            Err(e) => assert!(e.to_string().contains("HZZ.root"), "cut at {cut}: {e}"),
            // Cutting only bytes the reader never needs (the free-segments record) is harmless.
            Ok(batches) => assert_eq!(batches, intact, "cut at {cut} read different values"),
        }
    }
}

#[test]
fn damaged_compressed_data_is_detected() {
    for name in ["HZZ-zlib.root", "HZZ-lz4.root"] {
        let full = std::fs::read(shared().join("data/root").join(name)).unwrap();
        let tree = RootTree::open(shared().join("data/root").join(name), "events").unwrap();
        let branch = tree.branch("Jet_Px").unwrap();
        let basket = branch.baskets[0];
        // Flip a byte in the middle of the basket's compressed payload.
        let mut bytes = full.clone();
        let at = basket.seek as usize + basket.bytes as usize / 2 + 20;
        bytes[at] ^= 0x5a;
        let file = RootFile::from_source(Arc::new(InMemory::new(name, bytes))).unwrap();
        let t = RootTree::new(file, "events").unwrap();
        let err = t.read(0..t.entries(), &["Jet_Px"]).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(
                err,
                RootError::Decompression { .. } | RootError::Corrupt { .. }
            ),
            "{msg}"
        );
        assert!(
            msg.contains(name) && msg.contains("Jet_Px") && msg.contains("basket 0"),
            "{msg}"
        );
    }
}

#[test]
fn unknown_branch_and_tree_names_suggest_close_ones() {
    let t = RootTree::open(data("HZZ.root"), "events").unwrap();
    let err = t.read(0..10, &["jet_px"]).unwrap_err();
    assert!(
        matches!(&err, RootError::NoSuchBranch { suggestions, .. } if suggestions.first().map(String::as_str) == Some("Jet_Px")),
        "{err}"
    );
    assert!(err.to_string().contains("did you mean Jet_Px"), "{err}");
    let err = RootTree::open(data("HZZ.root"), "Events").unwrap_err();
    assert!(
        err.to_string().contains("no TTree named 'Events'") && err.to_string().contains("events"),
        "{err}"
    );
    let err = t.read(0..1_000_000, &["NJet"]).unwrap_err();
    assert!(matches!(err, RootError::EntryRange { .. }), "{err}");
}

/// Mutates HZZ.root 10,000 times (seeded): one to eight bytes set to random values, half of the
/// time inside the metadata at the end of the file. Every read must end in a value or an error.
#[test]
fn ten_thousand_mutations_never_panic() {
    let full = hzz();
    let intact = read_everything("HZZ.root", full.clone()).unwrap();
    let len = full.len();
    let tree_at = RootFile::from_source(Arc::new(InMemory::new("HZZ.root", full.clone())))
        .unwrap()
        .tree_key("events")
        .unwrap()
        .seek_key as usize;
    let mut rng = Rng(0x5eed_1234);
    let (mut errors, mut same) = (0, 0);
    for case in 0..10_000 {
        let mut bytes = full.clone();
        for _ in 0..1 + rng.below(8) {
            let at = if case % 2 == 0 {
                tree_at + rng.below(len - tree_at)
            } else {
                rng.below(len)
            };
            bytes[at] = rng.next() as u8;
        }
        let r = no_panic(&format!("mutation case {case}"), || {
            read_everything("HZZ.root", bytes)
        });
        match r {
            Err(e) => {
                assert!(
                    e.to_string().starts_with("HZZ.root"),
                    "case {case}: error without the file name: {e}"
                );
                errors += 1;
            }
            Ok(b) if b == intact => same += 1,
            Ok(_) => {} // a damaged float or count in an uncompressed spot: undetectable without checksums
        }
    }
    assert!(
        errors > 1000,
        "only {errors} of 10000 mutations were detected ({same} harmless)"
    );
}

#[test]
fn in_memory_sources_report_their_length() {
    let m = InMemory::new("x", vec![1, 2, 3]);
    assert_eq!(m.len(), 3);
    let mut buf = [0u8; 2];
    assert!(m.read_at(2, &mut buf).is_err());
}

/// A source that can only copy bytes out (like a file that is not mapped): baskets go through
/// `read_at` into a buffer instead of being decompressed from memory.
#[derive(Debug)]
struct CopyOnly(InMemory);

impl ByteSource for CopyOnly {
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn len(&self) -> u64 {
        self.0.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> rask_io_root::Result<()> {
        self.0.read_at(offset, buf)
    }
}

#[test]
fn copied_and_in_memory_baskets_read_the_same() {
    for name in ["HZZ.root", "nano-20k.root"] {
        let bytes = std::fs::read(data(name)).unwrap();
        let mapped = read_everything(name, bytes.clone()).unwrap();
        let file = RootFile::from_source(Arc::new(CopyOnly(InMemory::new(name, bytes)))).unwrap();
        for (tree, want) in file.tree_names().unwrap().into_iter().zip(&mapped) {
            let t = RootTree::new(file.clone(), &tree).unwrap();
            let got = t.read(0..t.entries(), &t.readable_branches()).unwrap();
            crate::common::assert_batches_identical(&got, want);
        }
    }
}
