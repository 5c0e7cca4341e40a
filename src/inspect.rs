//! `rask inspect`: what a ROOT or Parquet file holds.

use std::fmt::Write;
use std::path::Path;

use rask_io_root::{Format, ParquetFile, RootError, RootFile, RootTree, detect_format};

/// A human-readable report of the trees (or the Parquet schema) of `path`; `tree` restricts it to one tree.
///
/// ```no_run
/// print!("{}", rask::inspect::report("data/HZZ.root".as_ref(), None)?);
/// # Ok::<(), rask::io::RootError>(())
/// ```
pub fn report(path: &Path, tree: Option<&str>) -> Result<String, RootError> {
    let mut out = String::new();
    match detect_format(path)? {
        Format::Root => {
            let file = RootFile::open(path)?;
            let names = match tree {
                Some(t) => vec![t.to_string()],
                None => file.tree_names()?,
            };
            let _ = writeln!(
                out,
                "{}: ROOT file, format {}, {} bytes, {} tree(s)",
                path.display(),
                file.version,
                file.len(),
                names.len()
            );
            for name in names {
                let t = RootTree::new(file.clone(), &name)?;
                tree_report(&mut out, &t);
            }
        }
        // `detect_format` reads files; a table in memory has no bytes to inspect.
        Format::Memory => {
            let _ = writeln!(out, "{}: a table of events in memory", path.display());
        }
        Format::Parquet => {
            let f = ParquetFile::open(path)?;
            let _ = writeln!(
                out,
                "{}: Parquet file, {} rows, {} row groups",
                path.display(),
                f.entries(),
                f.row_group_starts().len() - 1
            );
            let _ = writeln!(
                out,
                "  {:<40} {:<28} {:>12}",
                "column", "arrow type", "compressed"
            );
            for field in f.schema().fields() {
                let _ = writeln!(
                    out,
                    "  {:<40} {:<28} {:>12}",
                    field.name(),
                    field.data_type().to_string(),
                    f.column_bytes(field.name())
                );
            }
        }
    }
    Ok(out)
}

fn tree_report(out: &mut String, t: &RootTree) {
    let meta = t.meta();
    let (zip, tot): (u64, u64) = meta.branches.iter().fold((0, 0), |(z, u), b| {
        (z + b.compressed_bytes, u + b.uncompressed_bytes)
    });
    let _ = writeln!(
        out,
        "\nTTree '{}': {} entries, {} branches, {} compressed / {} uncompressed bytes",
        meta.name,
        meta.entries,
        meta.branches.len(),
        zip,
        tot
    );
    let rows: Vec<[String; 6]> = meta
        .branches
        .iter()
        .zip(t.schema().fields())
        .map(|(b, field)| {
            let arrow = match &b.layout {
                Ok(_) => field.data_type().to_string(),
                Err(_) => "(unreadable)".to_string(),
            };
            [
                b.name.clone(),
                b.root_type.clone(),
                arrow,
                b.compressed_bytes.to_string(),
                b.uncompressed_bytes.to_string(),
                b.baskets.len().to_string(),
            ]
        })
        .collect();
    let header = [
        "branch",
        "ROOT type",
        "arrow type",
        "compressed",
        "uncompressed",
        "baskets",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |out: &mut String, row: &[String; 6]| {
        let _ = writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}  {:>w5$}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
            w5 = widths[5]
        );
    };
    line(out, &header);
    for (row, b) in rows.iter().zip(&meta.branches) {
        line(out, row);
        if let Err(reason) = &b.layout {
            let _ = writeln!(out, "      unreadable: {reason}");
        }
    }
}
