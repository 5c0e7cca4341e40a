//! Local files: opened and mapped only while a lease holds them, checked against what they were
//! when opened.

use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

use super::fault_guard::Registration;
use super::{ByteSource, Held, Lease, check_range};
use crate::error::{Result, RootError};

/// A local file, read during a partition straight from a read-only mapping of it (by default), or
/// with positional reads (`pread`). Shareable by threads.
///
/// **Only while a lease holds it** is the file open (and mapped): a source of a thousand files
/// has none open and none mapped between partitions, so descriptors, address space and resident
/// memory stay flat in the number of inputs. The first lease opens the file, the last one to be
/// dropped closes it.
///
/// **A file changed under us is an error, never a signal.** At open the file's identity, length
/// and modification time are recorded; every reopening and every lease checks them again
/// (`fstat`), and a short `pread` is reported the same way (`RootError::Changed`).
///
/// **Mapped by default** on local filesystems (`RASK_MMAP=0` turns it off, [`LocalFile::with_mapping`]
/// per file): a basket stored uncompressed is then decoded where it lies, and a compressed one
/// inflated from there, without the copy `pread` makes (2M uncompressed events, one thread: ADL
/// Q2, Q3 and Q8 up to 18 % faster than with `pread`; see ARCHITECTURE.md's invariants). A mapped file truncated by another process while a
/// basket is read would fault (SIGBUS); the guard of `fault_guard` turns that into zeros and a
/// mark, and the reader reports the file as changed after the basket. Files on network and FUSE
/// filesystems (NFS, EOS and CVMFS mounts, AFS, CIFS, Ceph, Lustre, GPFS), where a failed read of
/// a mapped page would be a signal for other reasons, are never mapped; nor are files elsewhere
/// than on Linux.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    len: u64,
    stamp: Stamp,
    /// Whether leases map the file.
    mapping: bool,
    /// The file while some lease (or read) holds it open.
    open: Mutex<Weak<Opened>>,
    /// Bytes read so far (for run summaries: the bytes a query really took from the file).
    read: Arc<AtomicU64>,
}

/// The open file (and its mapping) shared by the leases of a [`LocalFile`].
#[derive(Debug)]
struct Opened {
    path: PathBuf,
    stamp: Stamp,
    file: File,
    /// The mapping's registration with the `SIGBUS` guard: declared before `map`, so it is
    /// dropped (unregistered) before the mapping is unmapped.
    guard: Option<Registration>,
    map: Option<memmap2::Mmap>,
}

impl LocalFile {
    /// Opens `path`; a missing file, a directory, a FIFO, a socket or a device is an error naming
    /// the path. The file is closed again when this returns (see the type's notes).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let (file, meta) = open_regular(&path)?;
        let mapping = meta.len() > 0 && mapping_allowed(&file);
        Ok(Self {
            len: meta.len(),
            stamp: Stamp::of(&meta),
            path,
            mapping,
            open: Mutex::new(Weak::new()),
            read: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Whether leases on this file map it.
    pub fn is_mapped(&self) -> bool {
        self.mapping
    }

    /// Turns mapping on or off for this file (on only where it is allowed: a non-empty file on a
    /// local filesystem, on Linux). Takes effect at the next opening (the next first lease).
    pub fn with_mapping(mut self, on: bool) -> Self {
        self.mapping = on
            && self.len > 0
            && open_regular(&self.path).is_ok_and(|(file, _)| on_local_filesystem(&file));
        self
    }

    /// Whether the file is open now (some lease holds it).
    pub fn is_open(&self) -> bool {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .strong_count()
            > 0
    }

    /// The open file: the one some lease holds (checked unchanged), or the file opened anew
    /// (checked to be the one first opened, unchanged) and mapped if mapping is on.
    fn opened(&self) -> Result<Arc<Opened>> {
        let mut slot = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = slot.upgrade() {
            open.check()?;
            return Ok(open);
        }
        let file = reopen_unchanged(&self.path, &self.stamp)?;
        let map = match usize::try_from(self.len) {
            // SAFETY: the map is read-only and rask never writes its inputs. Its length is the
            // file's length when first opened, just checked again; another process truncating the
            // file later is checked for before every use of the map (`Held::check`), with the
            // remaining window documented on `LocalFile` (mapping is opt-in for that reason).
            // A failed map falls back to `pread`.
            Ok(len) if self.mapping => unsafe { memmap2::MmapOptions::new().len(len).map(&file) }
                .ok()
                .filter(|m| m.len() == len),
            _ => None,
        };
        // A mapping is used only under the guard (see `fault_guard`); unguarded, it is dropped
        // and the file read with `pread`.
        let guard = map
            .as_ref()
            .and_then(|m| Registration::new(m.as_ptr(), m.len()));
        let map = map.filter(|_| guard.is_some());
        let open = Arc::new(Opened {
            path: self.path.clone(),
            stamp: self.stamp.clone(),
            file,
            guard,
            map,
        });
        *slot = Arc::downgrade(&open);
        Ok(open)
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
        check_range(&self.path, self.len, offset, buf.len())?;
        let open = self.opened()?;
        read_exact_at(&open.file, buf, offset).map_err(|source| {
            if source.kind() == std::io::ErrorKind::UnexpectedEof {
                changed(
                    &self.path,
                    &format!(
                        "it ends before byte {} although it had {} bytes when opened",
                        offset + buf.len() as u64,
                        self.len
                    ),
                )
            } else {
                RootError::Io {
                    path: self.path.clone(),
                    source,
                }
            }
        })?;
        self.read.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }
    fn lease(&self) -> Result<Lease> {
        Ok(Lease::new(self.opened()?, Some(self.read.clone())))
    }
    fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

impl Held for Opened {
    fn bytes(&self) -> Option<&[u8]> {
        self.map.as_deref()
    }
    fn check(&self) -> Result<()> {
        let meta = self.file.metadata().map_err(|source| RootError::Io {
            path: self.path.clone(),
            source,
        })?;
        match self.stamp.change_to(&meta) {
            Some(change) => Err(changed(&self.path, &change)),
            None => Ok(()),
        }
    }
    fn check_read(&self) -> Result<()> {
        match &self.guard {
            Some(guard) if guard.was_hit() => Err(changed(
                &self.path,
                "it shrank while it was read (pages of its mapping vanished)",
            )),
            _ => Ok(()),
        }
    }
}

/// Opens `path` again, checked to be the file of `stamp`, unchanged.
pub(crate) fn reopen_unchanged(path: &Path, stamp: &Stamp) -> Result<File> {
    let (file, meta) = open_regular(path)?;
    match stamp.change_to(&meta) {
        Some(change) => Err(changed(path, &change)),
        None => Ok(file),
    }
}

fn changed(path: &Path, detail: &str) -> RootError {
    RootError::Changed {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// What identifies a file's contents cheaply: which file it is, its length and its modification
/// time. Input files are written once; any difference means another process changed the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device and inode (Unix), so a file replaced under the same name is noticed.
    id: Option<(u64, u64)>,
}

impl Stamp {
    /// The stamp of the file described by `meta`.
    pub(crate) fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let id = {
            use std::os::unix::fs::MetadataExt;
            Some((meta.dev(), meta.ino()))
        };
        #[cfg(not(unix))]
        let id = None;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            id,
        }
    }

    /// The file's length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// How the file described by `meta` differs from this stamp, in words; `None` if it does not.
    fn change_to(&self, meta: &Metadata) -> Option<String> {
        let now = Stamp::of(meta);
        if now.id != self.id {
            Some("it was replaced by another file since it was opened".to_string())
        } else if now.len != self.len {
            Some(format!(
                "it has {} bytes now, {} when it was opened",
                now.len, self.len
            ))
        } else if now.modified != self.modified {
            Some("it was modified since it was opened".to_string())
        } else {
            None
        }
    }
}

/// Opens `path` for reading, refusing anything but a regular file (after following symbolic
/// links) with an error naming it: a directory, a FIFO, a socket or a device. FIFOs are opened
/// without blocking, so a pipe with no writer cannot hang the open.
pub fn open_regular(path: &Path) -> Result<(File, Metadata)> {
    let io = |source| RootError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Refuse special files before opening them: opening some devices has side effects.
    check_regular(path, &std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    // The path may have been swapped since the check: what counts is what was opened.
    let meta = file.metadata().map_err(io)?;
    check_regular(path, &meta)?;
    Ok((file, meta))
}

fn check_regular(path: &Path, meta: &Metadata) -> Result<()> {
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(RootError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if kind.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let what = "not a regular file";
    Err(RootError::NotRegular {
        path: path.to_path_buf(),
        kind: what,
    })
}

/// Whether a file is mapped: on a local filesystem, unless `RASK_MMAP=0`.
fn mapping_allowed(file: &File) -> bool {
    std::env::var_os("RASK_MMAP").is_none_or(|v| v != "0") && on_local_filesystem(file)
}

/// Whether `file` is on a local filesystem (not a network or FUSE one), by its `statfs` magic.
#[cfg(target_os = "linux")]
fn on_local_filesystem(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // Magic numbers of `statfs(2)` that libc does not name.
    const CIFS_MAGIC_NUMBER: u32 = 0xFF53_4D42;
    const SMB2_MAGIC_NUMBER: u32 = 0xFE53_4D42;
    const CEPH_SUPER_MAGIC: u32 = 0x00C3_6400;
    const KAFS_SUPER_MAGIC: u32 = 0x6B41_4653;
    const V9FS_MAGIC: u32 = 0x0102_1997;
    const GFS2_MAGIC: u32 = 0x0116_1970;
    const LUSTRE_SUPER_MAGIC: u32 = 0x0BD0_0BD0;
    const GPFS_SUPER_MAGIC: u32 = 0x4750_4653;
    const NCP_SUPER_MAGIC: u32 = 0x0000_564C;
    // Network, cluster and FUSE filesystems (FUSE covers EOS, CVMFS and sshfs mounts).
    const REMOTE: [u32; 15] = [
        libc::NFS_SUPER_MAGIC as u32,
        libc::SMB_SUPER_MAGIC as u32,
        CIFS_MAGIC_NUMBER,
        SMB2_MAGIC_NUMBER,
        libc::FUSE_SUPER_MAGIC as u32,
        CEPH_SUPER_MAGIC,
        libc::AFS_SUPER_MAGIC as u32,
        KAFS_SUPER_MAGIC,
        libc::CODA_SUPER_MAGIC as u32,
        V9FS_MAGIC,
        GFS2_MAGIC,
        LUSTRE_SUPER_MAGIC,
        GPFS_SUPER_MAGIC,
        libc::OCFS2_SUPER_MAGIC as u32,
        NCP_SUPER_MAGIC,
    ];
    let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: `fstatfs` fills the struct for an open descriptor and returns 0 when it did.
    if unsafe { libc::fstatfs(file.as_raw_fd(), st.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: initialised by the successful call above.
    let st = unsafe { st.assume_init() };
    // The magic is 32 bits; `f_type` is a signed word of the platform.
    !REMOTE.contains(&(st.f_type as u32))
}

#[cfg(not(target_os = "linux"))]
fn on_local_filesystem(_: &File) -> bool {
    false
}

/// Fills `buf` from `file` at `offset` (positional: no seek, shareable by threads).
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset` (positional: no seek, shareable by threads).
#[cfg(windows)]
pub(crate) fn read_exact_at(
    file: &File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
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
