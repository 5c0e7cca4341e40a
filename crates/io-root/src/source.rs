//! Where the bytes of a file come from.
//!
//! The readers only ask for byte ranges at offsets ([`ByteSource::read_at`]), so remote sources
//! (XRootD, HTTP range requests) can be added behind the same trait without touching the decoding.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Result, RootError};

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
    /// The bytes at `offset..offset + len` without a copy, when the source holds them in memory
    /// (a mapped file, a buffer); `Ok(None)` when they must be read with [`ByteSource::read_at`].
    /// Counts as read, like `read_at`.
    fn slice_at(&self, offset: u64, len: usize) -> Result<Option<&[u8]>> {
        let _ = (offset, len);
        Ok(None)
    }
    /// Bytes read so far through [`ByteSource::read_at`] (0 where not counted).
    fn bytes_read(&self) -> u64 {
        0
    }
}

/// A local file, mapped into memory read-only so that baskets are decompressed straight from the
/// page cache (no copy into a buffer); read with positional reads (`pread`) where it cannot be
/// mapped. No seeking, no reopening, shareable by threads.
///
/// A mapped file must not be truncated by another process while it is read (the reads would
/// fault): input files are treated as immutable, as ROOT and Parquet files are. Only files on
/// local filesystems are mapped (on Linux; elsewhere none): on network and FUSE filesystems (NFS,
/// EOS and CVMFS mounts, AFS, CIFS, Ceph, Lustre, GPFS) a failed read of a mapped page would stop
/// the process instead of giving an error, so those are read with `pread`. `RASK_MMAP=0` turns
/// mapping off.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    file: File,
    map: Option<memmap2::Mmap>,
    len: u64,
    /// Bytes read so far (for run summaries: the bytes a query really took from the file).
    read: std::sync::atomic::AtomicU64,
}

impl LocalFile {
    /// Opens `path`; a directory or a missing file is an error naming the path.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let io = |source| RootError::Io {
            path: path.clone(),
            source,
        };
        let meta = std::fs::metadata(&path).map_err(io)?;
        if meta.is_dir() {
            return Err(RootError::IsDirectory { path });
        }
        let file = File::open(&path).map_err(io)?;
        // SAFETY: the map is read-only and rask never writes its inputs; the remaining hazard,
        // another process truncating the file while it is read, is documented on the type.
        // Empty files are not mapped (a zero-length map is an error on some systems).
        let map = (meta.len() > 0 && mapping_allowed(&file))
            .then(|| unsafe { memmap2::Mmap::map(&file) }.ok())
            .flatten()
            .filter(|m| m.len() as u64 == meta.len());
        Ok(Self {
            len: meta.len(),
            path,
            file,
            map,
            read: std::sync::atomic::AtomicU64::new(0),
        })
    }
}

impl ByteSource for LocalFile {
    fn path(&self) -> &Path {
        &self.path
    }
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if let Some(bytes) = self.slice_at(offset, buf.len())? {
            buf.copy_from_slice(bytes);
            return Ok(());
        }
        check_range(&self.path, self.len, offset, buf.len())?;
        read_exact_at(&self.file, buf, offset).map_err(|source| RootError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.read
            .fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
    fn slice_at(&self, offset: u64, len: usize) -> Result<Option<&[u8]>> {
        let Some(map) = &self.map else {
            return Ok(None);
        };
        check_range(&self.path, self.len, offset, len)?;
        self.read
            .fetch_add(len as u64, std::sync::atomic::Ordering::Relaxed);
        // check_range guarantees offset + len <= the file's (= the map's) length.
        let start = offset as usize;
        Ok(Some(&map[start..start + len]))
    }
    fn bytes_read(&self) -> u64 {
        self.read.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Whether a file may be mapped: not with `RASK_MMAP=0`, and only on a local filesystem.
fn mapping_allowed(file: &File) -> bool {
    std::env::var_os("RASK_MMAP").is_none_or(|v| v != "0") && on_local_filesystem(file)
}

/// Whether `file` is on a local filesystem (not a network or FUSE one), by its `statfs` magic.
#[cfg(target_os = "linux")]
fn on_local_filesystem(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // NFS, SMB, CIFS, SMB2, FUSE (EOS, CVMFS, sshfs), Ceph, OpenAFS, kAFS, Coda, 9P, GFS2, Lustre,
    // GPFS, OCFS2.
    const REMOTE: [u64; 15] = [
        0x6969,
        0x517B,
        0xFF53_4D42,
        0xFE53_4D42,
        0x6573_5546,
        0x00C3_6400,
        0x5346_414F,
        0x6B41_4653,
        0x7375_7245,
        0x0102_1997,
        0x0116_1970,
        0x0BD0_0BD0,
        0x4750_4653,
        0x7461_636F,
        0x0000_564C,
    ];
    let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: `fstatfs` fills the struct for an open descriptor and returns 0 when it did.
    if unsafe { libc::fstatfs(file.as_raw_fd(), st.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: initialised by the successful call above.
    let st = unsafe { st.assume_init() };
    !REMOTE.contains(&((st.f_type as u64) & 0xFFFF_FFFF))
}

#[cfg(not(target_os = "linux"))]
fn on_local_filesystem(_: &File) -> bool {
    false
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

/// A file held in memory (tests, fuzzing, files fetched whole).
#[derive(Debug, Clone)]
pub struct InMemory {
    path: PathBuf,
    bytes: std::sync::Arc<[u8]>,
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
            bytes: bytes.into(),
        }
    }
}

impl ByteSource for InMemory {
    fn path(&self) -> &Path {
        &self.path
    }
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range(&self.path, self.len(), offset, buf.len())?;
        // check_range guarantees offset + buf.len() <= len, which fits in usize (it is a Vec length).
        let start = offset as usize;
        buf.copy_from_slice(&self.bytes[start..start + buf.len()]);
        Ok(())
    }
    fn slice_at(&self, offset: u64, len: usize) -> Result<Option<&[u8]>> {
        check_range(&self.path, self.len(), offset, len)?;
        let start = offset as usize;
        Ok(Some(&self.bytes[start..start + len]))
    }
}

fn check_range(path: &Path, len: u64, offset: u64, n: usize) -> Result<()> {
    match offset.checked_add(n as u64) {
        Some(end) if end <= len => Ok(()),
        _ => Err(RootError::Corrupt {
            path: path.to_path_buf(),
            location: format!("bytes {offset}..{}", offset.saturating_add(n as u64)),
            detail: format!(
                "past the end of the file ({len} bytes): the file is truncated or a pointer in it is damaged"
            ),
        }),
    }
}
