//! Event sources of a plan, backed by the ROOT and Parquet readers.

use std::path::{Path, PathBuf};

use rask_io_root::EventSource;
use rask_plan::{Context, Expr};
use rask_sql::TableError;

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

/// An input given again: the same file as an earlier one (the same canonical path, or on Unix
/// the same inode, so `./f.root`, `dir/../f.root`, a symbolic link and a hard link to `f.root`
/// all count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The input as first given.
    pub first: PathBuf,
    /// The same file given again.
    pub again: PathBuf,
}

impl std::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.again {
            write!(f, "input {} is given twice", self.first.display())?;
        } else {
            write!(
                f,
                "input {} is given twice (also as {})",
                self.first.display(),
                self.again.display()
            )?;
        }
        write!(f, "; it is read once")
    }
}

/// Who a file is: its device and inode (Unix, when it exists) and its canonical path.
type Identity = (Option<(u64, u64)>, PathBuf);

/// The identity of a file: its inode on Unix (when it exists), else its canonical path, else
/// the path as given (a missing file is left to the readers' errors).
fn identity(path: &Path) -> Identity {
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    };
    #[cfg(not(unix))]
    let inode = None;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    (inode, canonical)
}

/// The inputs with every file once, in the order first given, and the ones given again: a
/// file named twice is most likely a mistake, and reading it twice would count its events
/// twice.
///
/// ```
/// let (once, again) = rask::sources::unique_inputs(&["data/HZZ.root", "./data/HZZ.root"]);
/// assert_eq!(once, [std::path::PathBuf::from("data/HZZ.root")]);
/// assert_eq!(again[0].to_string(), "input data/HZZ.root is given twice (also as ./data/HZZ.root); it is read once");
/// ```
pub fn unique_inputs<P: AsRef<Path>>(paths: &[P]) -> (Vec<PathBuf>, Vec<Duplicate>) {
    let mut seen: Vec<(Identity, PathBuf)> = Vec::new();
    let mut once = Vec::new();
    let mut again = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let id = identity(path);
        let earlier = seen
            .iter()
            .find(|((inode, canonical), _)| match (inode, id.0) {
                (Some(a), Some(b)) => *a == b,
                _ => *canonical == id.1,
            });
        match earlier {
            Some((_, first)) => again.push(Duplicate {
                first: first.clone(),
                again: path.to_path_buf(),
            }),
            None => {
                seen.push((id, path.to_path_buf()));
                once.push(path.to_path_buf());
            }
        }
    }
    (once, again)
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
pub fn open(ctx: &Context, label: &str, paths: &[&str], tree: &str) -> Result<Expr, OpenError> {
    open_counted(ctx, label, paths, tree).map(|(events, _)| events)
}

/// [`open`], with the number of entries in the files (what `events[-n:]` counts back from).
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let (events, n) = rask::sources::open_counted(&ctx, "events", &["data/nano-20k.root"], "Events")?;
/// assert_eq!(n, 20_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_counted(
    ctx: &Context,
    label: &str,
    paths: &[&str],
    tree: &str,
) -> Result<(Expr, u64), OpenError> {
    check_inputs(paths)?;
    let src = EventSource::open(paths, tree)?;
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    let events = ctx.source(label, &paths, tree, src.schema().clone())?;
    Ok((events, src.entries()))
}

/// Why [`open`] could not give a source.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// An input that is not a regular file.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file that cannot be read (missing, neither ROOT nor Parquet, no such tree...).
    #[error(transparent)]
    Read(#[from] rask_io_root::RootError),
    /// The files' schema does not make a source (a plan error).
    #[error(transparent)]
    Plan(#[from] rask_plan::PlanError),
    /// A fileset that cannot be read, or names a file that does not exist.
    #[error(transparent)]
    Fileset(#[from] rask_io_root::FilesetError),
}

/// Opens a fileset (coffea's JSON form, see [`rask_io_root::Fileset`]) as one source labelled
/// `label`: every file of every dataset, with the per-file columns `dataset` (a category
/// code: the datasets sorted by name) and one per metadata key (`xsec`, `nevts`, `process`, ...).
/// Every file is checked to exist before anything is read.
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let (events, fileset) = rask::sources::open_fileset(&ctx, "events", "data/agc/fileset.json")?;
/// let norm = (&(&events.field("xsec")? * 3378.0)? / &events.field("nevts")?)?;
/// println!("{} datasets", fileset.datasets.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_fileset(
    ctx: &Context,
    label: &str,
    path: impl AsRef<std::path::Path>,
) -> Result<(Expr, rask_io_root::Fileset), OpenError> {
    open_fileset_counted(ctx, label, path).map(|(events, fileset, _)| (events, fileset))
}

/// [`open_fileset`], with the number of entries in all its files.
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let (events, fileset, n) =
///     rask::sources::open_fileset_counted(&ctx, "events", "data/agc/fileset.json")?;
/// println!("{n} events in {} datasets", fileset.datasets.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_fileset_counted(
    ctx: &Context,
    label: &str,
    path: impl AsRef<std::path::Path>,
) -> Result<(Expr, rask_io_root::Fileset, u64), OpenError> {
    let fileset = rask_io_root::Fileset::open(path)?;
    let src = EventSource::open_fileset(&fileset)?;
    let paths: Vec<String> = fileset
        .datasets
        .iter()
        .flat_map(|d| d.files.iter().map(|f| f.display().to_string()))
        .collect();
    let tree = fileset
        .datasets
        .first()
        .map_or(rask_io_root::fileset::DEFAULT_TREE, |d| d.tree.as_str());
    // `open_fileset` always adds them (at least `dataset`).
    let file_columns = src
        .file_columns()
        .map(|fc| fc.as_ref().clone())
        .unwrap_or_else(|| rask_core::file_columns::FileColumns {
            fields: Vec::new(),
            values: vec![Vec::new(); paths.len()],
        });
    let events =
        ctx.source_with_file_columns(label, &paths, tree, src.schema().clone(), file_columns)?;
    Ok((events, fileset, src.entries()))
}

/// The table functions of SQL's `FROM` for a session in `ctx`: `read_root('f.root' [, 'f2.root',
/// ...] [, tree])` (tree `Events` unless a last argument without `.root` names it),
/// `read_parquet('f.parquet', ...)` and `read_fileset('fileset.json')` (every dataset, with
/// the per-file columns `dataset`, `xsec`, ...: see [`open_fileset`]).
///
/// ```no_run
/// let ctx = rask::Context::new();
/// let session = rask::SqlSession::new(&ctx).with_opener(rask::sources::table_opener(&ctx));
/// let outs = session.query("SELECT count(*) FROM read_root('data/nano-20k.root', 'Events')")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn table_opener(ctx: &Context) -> rask_sql::TableOpener {
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
            "read_fileset" => {
                let [path] = args else {
                    return Err(TableError::NoFiles {
                        function: function.to_string(),
                    });
                };
                return open_fileset(&ctx, function, path)
                    .map(|(events, _)| events)
                    .map_err(|e| TableError::Open(Box::new(e)));
            }
            other => {
                return Err(TableError::UnknownFunction {
                    function: other.to_string(),
                    known: "read_root, read_parquet, read_fileset".to_string(),
                });
            }
        };
        if paths.is_empty() {
            return Err(TableError::NoFiles {
                function: function.to_string(),
            });
        }
        open(&ctx, function, &paths, tree).map_err(|e| TableError::Open(Box::new(e)))
    })
}

/// Reads whole sources for the reference interpreter (every file, concatenated).
pub use rask_reference::FileReader;
