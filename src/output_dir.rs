//! The output directory of a batch run (`rask adl`, `rask query`): created if missing, checked
//! writable and locked before any input is read, so a run that cannot write its results fails
//! at once, and two runs cannot mix their files in one directory.
//!
//! The lock is an advisory lock (`flock` on Unix, `LockFileEx` on Windows, through
//! [`std::fs::File::try_lock`]) on the empty file `.rask.lock` in the directory. It is released
//! when the [`OutputDir`] is dropped or the process ends, however it ends; the file itself stays
//! (removing it could let two runs lock two different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside the output directory.
pub const LOCK_FILE: &str = ".rask.lock";

/// Why the output directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// The path exists and is not a directory.
    #[error(
        "output directory {path}: it exists and is not a directory (--out names the directory the results are written to)"
    )]
    NotADirectory { path: PathBuf },
    /// The directory is missing and cannot be created.
    #[error("output directory {path}: cannot create it: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No file can be created in the directory.
    #[error("output directory {path}: cannot write in it: {source}")]
    NotWritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another run holds the directory's lock.
    #[error(
        "output directory {path}: another rask run is writing to it (it holds the lock {}); wait for it to finish or choose another directory",
        .path.join(LOCK_FILE).display()
    )]
    Locked { path: PathBuf },
    /// Locking failed for another reason (a file system without locks).
    #[error("output directory {path}: cannot lock {LOCK_FILE}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A checked, locked output directory; the lock is held until it is dropped.
///
/// ```
/// let tmp = tempfile::tempdir()?;
/// let out = rask::output_dir::OutputDir::open(&tmp.path().join("results"))?;
/// assert_eq!(out.file("q1", "json")?, tmp.path().join("results").join("q1.json"));
/// assert!(out.file("../q1", "json").is_err());
/// // A second run on the same directory is refused while `out` lives.
/// assert!(rask::output_dir::OutputDir::open(&tmp.path().join("results")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    lock: File,
    created: bool,
}

impl OutputDir {
    /// Creates `path` (and its parents) if missing, checks that it is a directory one can write
    /// in, and takes its lock without waiting.
    pub fn open(path: &Path) -> Result<OutputDir, OutputDirError> {
        let created = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => false,
            Ok(_) => {
                return Err(OutputDirError::NotADirectory {
                    path: path.to_path_buf(),
                });
            }
            Err(_) => {
                std::fs::create_dir_all(path).map_err(|source| OutputDirError::Create {
                    path: path.to_path_buf(),
                    source,
                })?;
                true
            }
        };
        // Creating the lock file is the writability check.
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK_FILE))
            .map_err(|source| OutputDirError::NotWritable {
                path: path.to_path_buf(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(OutputDirError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(OutputDirError::Lock {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
            lock,
            created,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of the output `name` with extension `ext` in the directory, or an error when
    /// `name` could name a file elsewhere (see [`crate::outputs::output_path`]).
    pub fn file(&self, name: &str, ext: &str) -> Result<PathBuf, crate::outputs::BadOutputName> {
        crate::outputs::output_path(&self.path, name, ext)
    }

    /// Gives the directory up after a failed run: if this run created it and wrote nothing in
    /// it, the lock file and the directory are removed, as if the run had not started.
    pub fn discard(self) {
        if !self.created {
            return;
        }
        let only_lock = std::fs::read_dir(&self.path).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .all(|e| e.file_name() == LOCK_FILE)
        });
        if only_lock {
            // Still locked while removing: a run starting now gets `Locked` or a fresh directory.
            let _ = std::fs::remove_file(self.path.join(LOCK_FILE));
            let _ = std::fs::remove_dir(&self.path);
        }
        drop(self.lock);
    }
}
