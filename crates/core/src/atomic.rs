//! Output files that appear whole or not at all.
//!
//! Every file rask writes (UHI JSON, plots, plan drawings, Parquet) is first written to a
//! temporary file in the destination's directory ([`tempfile::NamedTempFile`]) and renamed over
//! the destination when complete, so a reader never sees half a file and a failed write (a full
//! disk, a writer error) leaves nothing behind: the temporary file is deleted when an
//! [`AtomicFile`] is dropped without [`AtomicFile::commit`].
//!
//! Temporary files in flight are also kept in a process-wide list, so that a Ctrl-C handler can
//! remove them with [`interrupt`] before the process exits (the `rask` command line does). A
//! process killed with SIGKILL (or by a power loss) cannot clean up: a hidden temporary file
//! named `.<name>.<random>.tmp.<ext>` may then stay in the output directory.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

/// Temporary files in flight, by id.
static PENDING: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// Set by [`interrupt`]: no temporary file is created or committed afterwards.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn pending() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    // The list stays consistent even if a holder panicked: every update is one push or retain.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

fn interrupted_error() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

/// A file being written to a temporary path beside its destination.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let dest = dir.path().join("q1.json");
/// let mut f = rask_core::atomic::AtomicFile::create(&dest)?;
/// f.file().write_all(b"{}")?;
/// assert!(!dest.exists()); // not before the commit
/// f.commit()?;
/// assert_eq!(std::fs::read(&dest)?, b"{}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    // Dropped first: removes the temporary file while holding the list's lock.
    reg: Registration,
    tmp: NamedTempFile,
    dest: PathBuf,
}

/// A temporary file's entry in the process-wide list; dropping it (without a commit) deletes
/// the file under the list's lock, so [`interrupt`] sees it listed or gone, never lost.
#[derive(Debug)]
struct Registration {
    id: u64,
    path: PathBuf,
    committed: bool,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let mut list = pending();
        let _ = std::fs::remove_file(&self.path);
        list.retain(|(id, _)| *id != self.id);
    }
}

impl AtomicFile {
    /// Creates a temporary file in `dest`'s directory, named `.<name>.<random>.tmp.<ext>`: it
    /// keeps `dest`'s extension, for writers that choose a format by extension (image encoders).
    ///
    /// Fails if the directory does not exist or is not writable, or after [`interrupt`].
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name")
            })?;
        let suffix = match dest.extension() {
            Some(ext) => format!(".tmp.{}", ext.to_string_lossy()),
            None => ".tmp".to_string(),
        };
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(&suffix);
        // Outputs get the usual permissions (0666 less the umask), not tempfile's private 0600.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        // Created and listed under the lock, so that `interrupt` cannot miss it.
        let mut list = pending();
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(interrupted_error());
        }
        let tmp = builder.tempfile_in(dir)?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let path = tmp.path().to_path_buf();
        list.push((id, path.clone()));
        Ok(AtomicFile {
            reg: Registration {
                id,
                path,
                committed: false,
            },
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The temporary file, for writing.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// The temporary file's path, for writers that open a path themselves (plotters' backends).
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flushes the data to disk and renames the temporary file over the destination. On an
    /// error the temporary file is removed and the destination is unchanged.
    pub fn commit(self) -> io::Result<()> {
        let AtomicFile { mut reg, tmp, dest } = self;
        // On any error below, `tmp` and `reg` are dropped: the temporary file is deleted.
        tmp.as_file().sync_all()?;
        let mut list = pending();
        if INTERRUPTED.load(Ordering::SeqCst) {
            drop(list);
            return Err(interrupted_error());
        }
        tmp.persist(&dest).map_err(|e| e.error)?;
        list.retain(|(id, _)| *id != reg.id);
        reg.committed = true;
        Ok(())
    }
}

/// Writes `dest` through `write`: the closure gets the open temporary file; the destination
/// appears only if it returns `Ok` and the commit succeeds. On any error no temporary file is
/// left.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let dest = dir.path().join("out.txt");
/// rask_core::atomic::write_with(&dest, |f| f.file().write_all(b"hello"))?;
/// assert_eq!(std::fs::read_to_string(&dest)?, "hello");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_with<T, E: From<io::Error>>(
    dest: &Path,
    write: impl FnOnce(&mut AtomicFile) -> Result<T, E>,
) -> Result<T, E> {
    let mut f = AtomicFile::create(dest)?;
    let value = write(&mut f)?;
    f.commit()?;
    Ok(value)
}

/// Writes `bytes` to `dest` atomically.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let dest = dir.path().join("plan.dot");
/// rask_core::atomic::write(&dest, b"digraph {}")?;
/// assert_eq!(std::fs::read(&dest)?, b"digraph {}");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(dest, |f| f.file().write_all(bytes))
}

/// Removes every temporary file in flight and makes later [`AtomicFile::create`] and
/// [`AtomicFile::commit`] calls fail with [`io::ErrorKind::Interrupted`]: for a Ctrl-C handler
/// that is about to exit. Returns the number of files removed.
///
/// ```no_run
/// // In a signal handler thread (e.g. the `ctrlc` crate's):
/// rask_core::atomic::interrupt();
/// std::process::exit(130);
/// ```
pub fn interrupt() -> usize {
    let mut list = pending();
    INTERRUPTED.store(true, Ordering::SeqCst);
    let mut removed = 0;
    for (_, path) in list.drain(..) {
        if std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether [`interrupt`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
