//! Reading speed of Q8's branches from 20 files (a measurement, not a check): run in release mode
//! once as is (partitions decompressed from a mapping) and once with `RASK_MMAP=0` (`pread`).

use rask_io_root::EventSource;

use crate::common::data;

#[test]
#[ignore = "a measurement: cargo test --release -p rask-io-root --test it read_speed -- --ignored --nocapture"]
fn read_speed() {
    let cols = [
        "Electron_charge",
        "Electron_eta",
        "Electron_mass",
        "Electron_phi",
        "Electron_pt",
        "MET_phi",
        "MET_pt",
        "Muon_charge",
        "Muon_eta",
        "Muon_mass",
        "Muon_phi",
        "Muon_pt",
    ];
    let files: Vec<std::path::PathBuf> = (0..20).map(|_| data("nano-20k.root")).collect();
    let src = EventSource::open(&files, "Events").unwrap();
    let parts = src.partitions(&cols, 100_000).unwrap();
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = std::time::Instant::now();
        for p in &parts {
            std::hint::black_box(src.read(p, &cols).unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "RASK_MMAP={:?}: {} partitions of 20k events, best of 15: {:.1} ms ({:.0} Mevents/s)",
        std::env::var("RASK_MMAP").ok(),
        parts.len(),
        best * 1e3,
        20.0 * 20_000.0 / best / 1e6
    );
}

/// The checked Parquet read ([`rask_io_root::ParquetFile::read`]: page headers walked, levels and
/// hybrid runs checked, lists checked against their counters) against the `parquet` crate's plain
/// reader (what `ParquetFile::read` was before those checks), on Q8's columns of nano-20k.parquet.
#[test]
#[ignore = "a measurement: cargo test --release -p rask-io-root --test it parquet_read_speed -- --ignored --nocapture"]
fn parquet_read_speed() {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
    let path = crate::parquet_damage::nano_parquet();
    let cols = [
        "nElectron",
        "Electron_charge",
        "Electron_eta",
        "Electron_mass",
        "Electron_phi",
        "Electron_pt",
        "MET_phi",
        "MET_pt",
        "nMuon",
        "Muon_charge",
        "Muon_eta",
        "Muon_mass",
        "Muon_phi",
        "Muon_pt",
    ];
    let f = rask_io_root::ParquetFile::open(&path).unwrap();
    let starts = f.row_group_starts().to_vec();
    let metadata =
        ArrowReaderMetadata::load(&std::fs::File::open(&path).unwrap(), Default::default())
            .unwrap();
    let (mut checked, mut plain) = (f64::MAX, f64::MAX);
    for _ in 0..15 {
        let t = std::time::Instant::now();
        for w in starts.windows(2) {
            std::hint::black_box(f.read(w[0]..w[1], &cols).unwrap());
        }
        checked = checked.min(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        for g in 0..starts.len() - 1 {
            let file = std::fs::File::open(&path).unwrap();
            let b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone());
            let mask = ProjectionMask::columns(b.parquet_schema(), cols.iter().copied());
            let r = b
                .with_projection(mask)
                .with_row_groups(vec![g])
                .with_batch_size(1 << 20)
                .build()
                .unwrap();
            for batch in r {
                std::hint::black_box(batch.unwrap());
            }
        }
        plain = plain.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "nano-20k.parquet, Q8's 14 columns by row group, best of 15: checked {:.2} ms, plain parquet reader {:.2} ms",
        checked * 1e3,
        plain * 1e3
    );
}
