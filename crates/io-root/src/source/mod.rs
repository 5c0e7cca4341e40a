//! Where the bytes of a file come from.
//!
//! The readers only ask for byte ranges at offsets ([`ByteSource::read_at`]), so remote sources
//! (XRootD, HTTP range requests) can be added behind the same trait without touching the decoding.
//! A run of reads (one partition) holds a [`Lease`]: a local file is open, and mapped, only while
//! some lease holds it, and bytes in memory are handed out only through the lease, so no slice
//! outlives its mapping.

#[cfg(target_os = "linux")]
mod fault_guard;
/// Elsewhere than on Linux files are never mapped, and nothing is guarded.
#[cfg(not(target_os = "linux"))]
mod fault_guard {
    #[derive(Debug)]
    pub(crate) struct Registration;
    impl Registration {
        pub(crate) fn new(_: *const u8, _: usize) -> Option<Registration> {
            None
        }
        pub(crate) fn was_hit(&self) -> bool {
            false
        }
    }
}
mod local;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Result, RootError};

pub use local::{LocalFile, open_regular};
pub(crate) use local::{Stamp, read_exact_at, reopen_unchanged};

/// A random-access, thread-safe source of bytes: a local file, a buffer in memory, later a remote file.
pub trait ByteSource: Send + Sync + std::fmt::Debug {
    /// The name used in error messages (a path or URL).
    fn path(&self) -> &Path;
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` with the bytes at `offset..offset + buf.len()`; fails if they are not all there.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;
    /// Begins a run of reads (a partition, or the metadata read when a file is opened): checks
    /// that the source has not changed since it was opened and keeps it ready — a local file
    /// open, and mapped where mapping is on — until the lease and its clones are dropped.
    fn lease(&self) -> Result<Lease> {
        Ok(Lease::default())
    }
    /// Bytes read so far (0 where not counted).
    fn bytes_read(&self) -> u64 {
        0
    }
}

/// What a [`Lease`] keeps alive: an open file, its mapping, or a buffer.
pub trait Held: Send + Sync + std::fmt::Debug {
    /// All the bytes of the source, when they are in memory.
    fn bytes(&self) -> Option<&[u8]>;
    /// Checks, before bytes from [`Held::bytes`] are used, that they are still all there (a
    /// mapped file has not shrunk under us: touching a page past its new end would be a signal).
    fn check(&self) -> Result<()> {
        Ok(())
    }
    /// Checks, after bytes from [`Held::bytes`] were used, that none of them vanished while
    /// they were read (a mapped file shrunk meanwhile: the pages past its new end read as zeros,
    /// see `fault_guard`).
    fn check_read(&self) -> Result<()> {
        Ok(())
    }
}

/// A source held ready for a run of reads; see [`ByteSource::lease`]. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct Lease {
    held: Option<Arc<dyn Held>>,
    read: Option<Arc<AtomicU64>>,
}

impl Lease {
    /// A lease on `held`; slices taken through it are added to `read`, when given.
    pub fn new(held: Arc<dyn Held>, read: Option<Arc<AtomicU64>>) -> Self {
        Lease {
            held: Some(held),
            read,
        }
    }

    /// The `len` bytes at `offset` without a copy, when the source holds them in memory;
    /// `Ok(None)` when they must be read with [`ByteSource::read_at`] (which also reports a range
    /// past the end). Counts as read. Fails, naming the file, when a mapped file has shrunk.
    pub fn slice_at(&self, offset: u64, len: usize) -> Result<Option<&[u8]>> {
        let Some(held) = &self.held else {
            return Ok(None);
        };
        let Some(bytes) = held.bytes() else {
            return Ok(None);
        };
        let range = usize::try_from(offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(len)?));
        let Some(slice) = range.and_then(|r| bytes.get(r)) else {
            return Ok(None);
        };
        held.check()?;
        if let Some(read) = &self.read {
            read.fetch_add(len as u64, Ordering::Relaxed);
        }
        Ok(Some(slice))
    }

    /// After slices from [`Lease::slice_at`] were read: fails, naming the file, when some of
    /// their bytes vanished meanwhile (a mapped file shrunk while it was read; what was read
    /// must then be thrown away).
    pub fn check_read(&self) -> Result<()> {
        self.held.as_ref().map_or(Ok(()), |held| held.check_read())
    }
}

/// A file held in memory (tests, fuzzing, files fetched whole).
#[derive(Debug, Clone)]
pub struct InMemory {
    path: PathBuf,
    bytes: Arc<Buffer>,
}

#[derive(Debug)]
struct Buffer(Box<[u8]>);

impl Held for Buffer {
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

impl InMemory {
    /// Wraps `bytes`, naming them `path` in error messages.
    ///
    /// ```
    /// use rask_io_root::{ByteSource, InMemory};
    /// let m = InMemory::new("mem.root", b"root".to_vec());
    /// let mut buf = [0u8; 2];
    /// m.read_at(1, &mut buf).unwrap();
    /// assert_eq!(&buf, b"oo");
    /// ```
    pub fn new(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Self {
        Self {
            path: path.into(),
            bytes: Arc::new(Buffer(bytes.into_boxed_slice())),
        }
    }
}

impl ByteSource for InMemory {
    fn path(&self) -> &Path {
        &self.path
    }
    fn len(&self) -> u64 {
        self.bytes.0.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range(&self.path, self.len(), offset, buf.len())?;
        // check_range guarantees offset + buf.len() <= len, which fits in usize (it is a Vec length).
        let start = offset as usize;
        buf.copy_from_slice(&self.bytes.0[start..start + buf.len()]);
        Ok(())
    }
    fn lease(&self) -> Result<Lease> {
        Ok(Lease::new(self.bytes.clone(), None))
    }
}

/// `offset..offset + n` must lie within a source of `len` bytes.
pub(crate) fn check_range(path: &Path, len: u64, offset: u64, n: usize) -> Result<()> {
    match offset.checked_add(n as u64) {
        Some(end) if end <= len => Ok(()),
        _ => Err(RootError::Corrupt {
            path: path.to_path_buf(),
            location: format!("bytes {offset}..{}", offset.saturating_add(n as u64)),
            source: Box::new(crate::file::RecordError::OutsideFile { file_len: len }.into()),
        }),
    }
}
