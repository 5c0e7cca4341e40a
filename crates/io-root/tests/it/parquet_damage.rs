//! Damaged Parquet files are refused with an error naming the file, the column and the row group,
//! and are never read into different numbers where pyarrow refuses them.
//!
//! The mutated fixtures and pyarrow's verdicts come from `tests/data-gen/parquet_mutation_check.py`
//! (which also runs the full comparison with pyarrow's values, `parquet_mutations_vs_pyarrow`).

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use rask_io_root::{EventSource, ParquetFile, RootError};

use crate::bad_input::{Rng, no_panic};
use crate::common::{repo, shared};

/// The shared NanoAOD sample as Parquet (`$RASK_SHARED/adl/data`, or the repository's `data/`).
pub fn nano_parquet() -> PathBuf {
    let shared = shared().join("adl/data/nano-20k.parquet");
    if shared.is_file() {
        shared
    } else {
        repo().join("data/nano-20k.parquet")
    }
}

fn read_all(path: &Path) -> Result<RecordBatch, RootError> {
    let f = ParquetFile::open(path)?;
    let schema = f.schema().clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    f.read(0..f.entries(), &names)
}

/// Same columns, same values bit for bit.
fn same(a: &RecordBatch, b: &RecordBatch) -> bool {
    a.schema().fields().len() == b.schema().fields().len()
        && a.num_rows() == b.num_rows()
        && a.schema().fields().iter().zip(a.columns()).all(|(f, c)| {
            b.column_by_name(f.name())
                .is_some_and(|d| c.data_type() == d.data_type() && c.to_data() == d.to_data())
        })
}

/// One byte of `Muon_pt`'s definition levels flipped (offset, xor mask, row group): pyarrow
/// refuses both files ("Malformed levels ... out of range"); rask read them into shifted values.
const LEVEL_FLIPS: [(usize, u8, usize); 2] = [(1_825_900, 94, 2), (952_996, 13, 1)];

#[test]
fn flipped_level_bytes_are_refused_naming_file_column_and_row_group() {
    let intact_path = nano_parquet();
    let intact = std::fs::read(&intact_path).unwrap();
    let intact_eta = ParquetFile::open(&intact_path)
        .unwrap()
        .read(0..20_000, &["Muon_eta"])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (offset, xor, row_group) in LEVEL_FLIPS {
        let mut bytes = intact.clone();
        bytes[offset] ^= xor;
        let path = dir.path().join(format!("flipped-{offset}.parquet"));
        std::fs::write(&path, bytes).unwrap();
        let f = ParquetFile::open(&path).unwrap();
        let all: Vec<String> = f
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        for columns in [&["Muon_pt"][..], &["Muon_eta", "Muon_pt", "MET_pt"], &all] {
            let err = f.read(0..f.entries(), columns).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(&err, RootError::ParquetDamage { column, row_group: g, .. }
                    if column == "Muon_pt" && *g == row_group),
                "{offset}: {msg}"
            );
            assert!(
                msg.contains(&path.display().to_string())
                    && msg.contains("'Muon_pt'")
                    && msg.contains(&format!("row group {row_group}")),
                "{msg}"
            );
        }
        // Through the partitions of an event source: only the damaged row group fails.
        let src = EventSource::open(&[&path], "Events").unwrap();
        let parts = src.partitions(&["Muon_pt"], 1).unwrap();
        let failed: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| src.read(p, &["nMuon", "Muon_pt"]).is_err())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(failed, vec![row_group], "{offset}");
        // The other columns of the file are intact and read as such.
        let eta = f.read(0..f.entries(), &["Muon_eta"]).unwrap();
        assert!(same(&eta, &intact_eta));
    }
}

/// The mutations of `parquet_mutation_check.py`: one to four bytes set to random values, a
/// quarter of the cases in the footer.
fn mutations(full: &[u8], cases: usize) -> impl Iterator<Item = (usize, Vec<u8>)> + '_ {
    let mut rng = Rng(0x5EED_9A7C);
    let footer_len =
        u32::from_le_bytes(full[full.len() - 8..full.len() - 4].try_into().unwrap()) as usize + 8;
    let footer_at = full.len() - footer_len;
    (0..cases).map(move |case| {
        let mut b = full.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = if case % 4 == 0 {
                footer_at + rng.below(footer_len)
            } else {
                rng.below(full.len())
            };
            b[at] = rng.next() as u8;
        }
        (case, b)
    })
}

fn hostile(name: &str) -> PathBuf {
    repo().join("tests/hostile/io").join(name)
}

/// Every mutation of `stem` reads into an error naming the file, the intact values, or — only
/// where pyarrow also reads other values (verdict `D`) — other values; never a panic.
fn mutations_never_change_what_pyarrow_refuses(stem: &str) {
    let full = std::fs::read(hostile(&format!("{stem}.parquet"))).unwrap();
    let verdicts = std::fs::read_to_string(hostile(&format!("{stem}.pyarrow-verdicts.txt")))
        .unwrap()
        .trim()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{stem}.parquet"));
    std::fs::write(&path, &full).unwrap();
    let intact = read_all(&path).unwrap();
    let (mut errors, mut same_values, mut other) = (0, 0, 0);
    let mut bad = Vec::new();
    for (case, bytes) in mutations(&full, verdicts.len()) {
        std::fs::write(&path, bytes).unwrap();
        let verdict = verdicts.as_bytes()[case] as char;
        match no_panic(&format!("{stem} case {case}"), || read_all(&path)) {
            Err(e) => {
                assert!(
                    e.to_string().contains(&path.display().to_string()),
                    "{stem} case {case}: error without the file name: {e}"
                );
                errors += 1;
            }
            Ok(b) if same(&b, &intact) => same_values += 1,
            Ok(_) => {
                if verdict != 'D' {
                    bad.push(format!(
                        "case {case}: rask read other values where pyarrow {}",
                        if verdict == 'R' {
                            "refuses the file"
                        } else {
                            "reads the intact ones"
                        }
                    ));
                }
                other += 1;
            }
        }
    }
    eprintln!(
        "{stem}: {} mutations: {errors} errors, {same_values} intact values, {other} other values (pyarrow: {} refused, {} intact, {} other)",
        verdicts.len(),
        verdicts.matches('R').count(),
        verdicts.matches('S').count(),
        verdicts.matches('D').count()
    );
    assert!(bad.is_empty(), "{stem}:\n{}", bad.join("\n"));
    assert!(
        errors > verdicts.len() / 4,
        "only {errors} mutations detected"
    );
}

#[test]
fn mutations_of_a_zstd_v2_file_never_change_values_pyarrow_refuses() {
    mutations_never_change_what_pyarrow_refuses("nano-small-zstd-v2");
}

#[test]
fn mutations_of_an_uncompressed_v1_file_never_change_values_pyarrow_refuses() {
    mutations_never_change_what_pyarrow_refuses("nano-small-plain-v1");
}

/// The full comparison with pyarrow's values, over the files `parquet_mutation_check.py check`
/// wrote to `$RASK_PQ_MUTATION_DIR`: every rask read is an error, the intact values or pyarrow's.
#[test]
#[ignore = "needs the files of tests/data-gen/parquet_mutation_check.py check"]
fn parquet_mutations_vs_pyarrow() {
    let dir =
        PathBuf::from(std::env::var_os("RASK_PQ_MUTATION_DIR").expect("RASK_PQ_MUTATION_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".parquet") && !n.contains(".pyarrow.") && !n.contains(".intact."))
        .collect();
    names.sort();
    let mut tally = std::collections::BTreeMap::<&str, usize>::new();
    let mut bad = Vec::new();
    for name in &names {
        let path = dir.join(name);
        let stem = name.split('.').next().unwrap();
        let intact = read_all(&dir.join(format!("{stem}.intact.parquet"))).unwrap();
        let base = name.trim_end_matches(".parquet");
        let rejected = dir.join(format!("{base}.rejected")).exists();
        let pyarrow = (!rejected)
            .then(|| read_all(&dir.join(format!("{base}.pyarrow.parquet"))).ok())
            .flatten();
        let outcome = match no_panic(name, || read_all(&path)) {
            Err(_) if rejected => "rask error, pyarrow error",
            Err(_) => "rask error, pyarrow reads",
            Ok(b) if same(&b, &intact) => "rask intact values",
            Ok(b) if pyarrow.as_ref().is_some_and(|p| same(&b, p)) => {
                "rask = pyarrow's other values"
            }
            Ok(_) if rejected => {
                bad.push(format!("{name}: SILENT CHANGE that pyarrow refuses"));
                "SILENT CHANGE that pyarrow refuses"
            }
            Ok(_) => {
                bad.push(format!("{name}: values differ from pyarrow's"));
                "values differ from pyarrow's"
            }
        };
        *tally.entry(outcome).or_default() += 1;
    }
    eprintln!("{} mutated files:", names.len());
    for (k, v) in &tally {
        eprintln!("  {v:6}  {k}");
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
