//! Event sources of a plan, backed by the ROOT and Parquet readers.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use rask_io_root::{EventSource, Partition};
use rask_plan::{Context, Expr, SourceReader, SourceSpec};

/// An input that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A named pipe, socket or device: the readers seek in (or map) their files.
    #[error(
        "{path}: not a regular file ({kind}); rask reads ROOT and Parquet files by seeking in them, so an input must be a regular file (save the data to a file first)"
    )]
    NotRegular { path: PathBuf, kind: &'static str },
}

/// Checks, without opening them, that the inputs that exist are regular files (or
/// directories, which the readers report): opening a named pipe would block or consume its
/// data, and the readers need to seek. Missing files are left to the readers' errors.
///
/// ```
/// assert!(rask::sources::check_inputs(&["data/HZZ.root"]).is_ok());
/// # #[cfg(unix)]
/// assert!(rask::sources::check_inputs(&["/dev/null"]).is_err());
/// ```
pub fn check_inputs<P: AsRef<Path>>(paths: &[P]) -> Result<(), InputError> {
    for path in paths {
        let path = path.as_ref();
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if meta.is_file() || meta.is_dir() {
            continue;
        }
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind: kind(&meta.file_type()),
        });
    }
    Ok(())
}

#[cfg(unix)]
fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(_t: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Whether `path` is a regular file that starts with Parquet's magic bytes (without touching
/// anything else: pipes are not read).
pub fn is_parquet(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && matches!(
            rask_io_root::detect_format(path),
            Ok(rask_io_root::Format::Parquet)
        )
}

/// Opens `paths` (ROOT tree `tree`, or Parquet) and returns the plan's source node, labelled
/// `label`, with the files' schema (NanoAOD collections grouped: `events.field("Muon")`).
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let events = rask::sources::open(&ctx, "events", &["data/nano-20k.root"], "Events")?;
/// let met = events.field("MET")?.field("pt")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(
    ctx: &Context,
    label: &str,
    paths: &[&str],
    tree: &str,
) -> Result<Expr, Box<dyn std::error::Error>> {
    check_inputs(paths)?;
    let src = EventSource::open(paths, tree)?;
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    Ok(ctx.source(label, &paths, tree, src.schema().clone())?)
}

/// The table functions of SQL's `FROM` for a session in `ctx`: `read_root('f.root' [, 'f2.root',
/// ...] [, tree])` (tree `Events` unless a last argument without `.root` names it) and
/// `read_parquet('f.parquet', ...)`.
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let session = rask::SqlSession::new(&ctx).with_opener(rask::sources::table_opener(&ctx));
/// let outs = session.query("SELECT count(*) FROM read_root('data/nano-20k.root', 'Events')")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn table_opener(ctx: &Context) -> rask_plan::sql::TableOpener {
    let ctx = ctx.clone();
    std::sync::Arc::new(move |function: &str, args: &[String]| {
        let (paths, tree): (Vec<&str>, &str) = match function {
            "read_root" => match args.split_last() {
                Some((last, rest))
                    if !rest.is_empty() && !last.to_ascii_lowercase().ends_with(".root") =>
                {
                    (rest.iter().map(String::as_str).collect(), last.as_str())
                }
                _ => (args.iter().map(String::as_str).collect(), "Events"),
            },
            "read_parquet" => (args.iter().map(String::as_str).collect(), "Events"),
            other => {
                return Err(format!(
                    "unknown table function '{other}' (read_root, read_parquet)"
                ));
            }
        };
        if paths.is_empty() {
            return Err(format!("{function}('file', ...) needs at least one file"));
        }
        open(&ctx, function, &paths, tree).map_err(|e| e.to_string())
    })
}

/// Reads whole sources for the reference interpreter (every partition, concatenated).
pub struct FileReader;

impl SourceReader for FileReader {
    fn read(&self, spec: &SourceSpec, columns: &[String]) -> Result<RecordBatch, String> {
        check_inputs(&spec.paths).map_err(|e| e.to_string())?;
        let src = EventSource::open(&spec.paths, &spec.tree).map_err(|e| e.to_string())?;
        let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut batches = Vec::new();
        for file in 0..src.num_files() {
            let n = src
                .split_evenly(1)
                .into_iter()
                .find(|p| p.file == file)
                .map_or(0, |p| p.entries.end);
            batches.push(
                src.read(
                    &Partition {
                        file,
                        entries: 0..n,
                    },
                    &cols,
                )
                .map_err(|e| e.to_string())?,
            );
        }
        let schema = batches
            .first()
            .map(|b| b.schema())
            .ok_or("a source without files")?;
        arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| e.to_string())
    }
}
