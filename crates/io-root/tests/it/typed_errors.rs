//! Damaged input gives typed causes (`RootError::Corrupt`'s `Corruption`, `RootError::
//! Decompression`'s `DecompressFault`), each at the layer that found it, with the file, tree,
//! branch and basket in the message. The damage is made by hand at known bytes, so the expected
//! causes and numbers are worked out from the file layout, not taken from the reader.

use std::sync::Arc;

use rask_io_root::basket::BasketError;
use rask_io_root::compression::DecompressFault;
use rask_io_root::error::Corruption;
use rask_io_root::file::RecordError;
use rask_io_root::parquet::FooterError;
use rask_io_root::{InMemory, ParquetFile, RootError, RootFile, RootTree};

use crate::common::{repo, shared};

fn seek64() -> Vec<u8> {
    std::fs::read(repo().join("crates/io-root/tests/it/fixtures/seek64.root")).unwrap()
}

fn tree_of(name: &str, bytes: Vec<u8>, tree: &str) -> Result<RootTree, RootError> {
    RootTree::new(
        RootFile::from_source(Arc::new(InMemory::new(name, bytes)))?,
        tree,
    )
}

#[test]
fn a_basket_whose_entry_count_disagrees_is_a_basket_error() {
    let intact = seek64();
    let tree = tree_of("seek64.root", intact.clone(), "t").unwrap();
    let basket = tree.branch("x").unwrap().baskets[0];
    // fKeylen: after fNbytes (4), fVersion (2), fObjlen (4) and fDatime (4).
    let key_len =
        u16::from_be_bytes(intact[basket.seek as usize + 14..][..2].try_into().unwrap()) as usize;
    // A basket's fKeylen covers TBasket's own 19-byte header, which ends the key: fVersion (2),
    // fBufferSize (4), fNevBufSize (4), fNevBuf (4), fLast (4), a flag (1).
    let mut bytes = intact;
    let at = basket.seek as usize + key_len - 9;
    assert_eq!(
        i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as u64,
        basket.entries
    );
    bytes[at..at + 4].copy_from_slice(&999i32.to_be_bytes());
    let t = tree_of("seek64.root", bytes, "t").unwrap();
    let err = t.read(0..t.entries(), &["x"]).unwrap_err();
    let RootError::Corrupt { source, .. } = &err else {
        panic!("not Corrupt: {err}");
    };
    assert!(
        matches!(
            **source,
            Corruption::Basket(BasketError::Entries { basket: 999, branch }) if branch == basket.entries
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "seek64.root: tree 't', branch 'x', basket 0 (byte {}): basket holds 999 entries, the branch says {}",
            basket.seek, basket.entries
        )
    );
}

#[test]
fn a_truncated_file_is_a_record_error() {
    // The key list of the top directory starts at byte 7963 (see `make_seek64.py`'s output):
    // cut before it.
    let mut bytes = seek64();
    bytes.truncate(4000);
    let err = RootFile::from_source(Arc::new(InMemory::new("cut.root", bytes))).unwrap_err();
    let RootError::Corrupt { source, .. } = &err else {
        panic!("not Corrupt: {err}");
    };
    assert!(
        matches!(
            **source,
            Corruption::Record(RecordError::PastEnd { file_len: 4000, .. })
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("run past the end of the file (4000 bytes)"),
        "{err}"
    );
}

#[test]
fn an_unknown_compression_header_is_a_decompression_fault() {
    let name = "HZZ-zlib.root";
    let path = shared().join("data/root").join(name);
    let intact = std::fs::read(&path).unwrap();
    let tree = RootTree::open(&path, "events").unwrap();
    let basket = tree.branch("Jet_Px").unwrap().baskets[0];
    // fKeylen: after fNbytes (4), fVersion (2), fObjlen (4) and fDatime (4).
    let key_len =
        u16::from_be_bytes(intact[basket.seek as usize + 14..][..2].try_into().unwrap()) as usize;
    let mut bytes = intact;
    let at = basket.seek as usize + key_len;
    assert_eq!(&bytes[at..at + 2], b"ZL", "the basket is zlib-compressed");
    bytes[at..at + 2].copy_from_slice(b"QQ");
    let t = tree_of(name, bytes, "events").unwrap();
    let err = t.read(0..t.entries(), &["Jet_Px"]).unwrap_err();
    let RootError::Decompression { source, .. } = &err else {
        panic!("not Decompression: {err}");
    };
    assert!(
        matches!(source.fault, DecompressFault::UnknownHeader([b'Q', b'Q'])),
        "{err}"
    );
    assert!(!source.is_internal());
    assert_eq!(
        err.to_string(),
        format!(
            "{name}: tree 'events', branch 'Jet_Px', basket 0 (byte {}): ? decompression failed: unknown compression block header [51, 51]",
            basket.seek
        )
    );
}

#[test]
fn a_parquet_file_without_its_magic_is_a_footer_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    std::fs::write(&path, b"PAR1 not a parquet file at all").unwrap();
    let err = ParquetFile::open(&path).unwrap_err();
    let RootError::Corrupt { source, .. } = &err else {
        panic!("not Corrupt: {err}");
    };
    assert!(
        matches!(**source, Corruption::Footer(FooterError::NoMagic)),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: footer: it does not end with PAR1 (truncated?)",
            path.display()
        )
    );
}
