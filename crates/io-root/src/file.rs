//! A ROOT file: its header, directories and keys, and the objects the keys point at.
//!
//! Layout (all big-endian): the file starts with `root`, the format version and the header; the
//! top directory's record follows the first key; each directory lists its keys in one record at
//! `fSeekKeys`. A key (`TKey`) is a header plus an object record, compressed as in
//! [`crate::compression`]. Pointers are 32-bit, or 64-bit in files and keys over 2 GiB
//! (version > 1000000 for the file, > 1000 for keys and directories).

use std::path::Path;
use std::sync::Arc;

use crate::compression::{self, MAX_RECORD};
use crate::cursor::{Cursor, DecodeError};
use crate::error::{Corruption, Result, RootError};
use crate::source::{ByteSource, Lease, LocalFile};
use crate::tree::TreeMeta;

/// A record whose size or place is impossible.
///
/// ```
/// use rask_io_root::file::RecordError;
/// let e = RecordError::PastEnd { len: 10, file_len: 5 };
/// assert!(e.to_string().starts_with("10 bytes run past the end of the file (5 bytes)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("claims {len} bytes, more than the 1 GiB limit")]
    TooLarge { len: usize },
    #[error(
        "{len} bytes run past the end of the file ({file_len} bytes): the file is truncated or damaged"
    )]
    PastEnd { len: usize, file_len: u64 },
    /// A read the file cannot satisfy (from [`crate::ByteSource::read_at`]).
    #[error(
        "past the end of the file ({file_len} bytes): the file is truncated or a pointer in it is damaged"
    )]
    OutsideFile { file_len: u64 },
    #[error("key header longer than the key")]
    KeyHeaderTooLong,
}

/// The header of a `TKey`.
#[derive(Debug, Clone)]
pub struct Key {
    /// Total bytes on disk, key header included.
    pub n_bytes: u32,
    /// Uncompressed size of the object.
    pub obj_len: u32,
    /// Size of the key header.
    pub key_len: u16,
    pub cycle: i16,
    /// Where the key starts in the file.
    pub seek_key: u64,
    pub class_name: String,
    pub name: String,
    pub title: String,
}

impl Key {
    /// Parses a key header at the cursor.
    pub fn parse(c: &mut Cursor<'_>) -> Result<Key, DecodeError> {
        let n_bytes = c.i32()?;
        let version = c.i16()?;
        let obj_len = c.i32()?;
        c.skip(4)?; // fDatime
        let key_len = c.i16()?;
        let cycle = c.i16()?;
        let (seek_key, _seek_pdir) = if version > 1000 {
            (c.i64()?, c.i64()?)
        } else {
            (c.i32()? as i64, c.i32()? as i64)
        };
        let class_name = c.string()?;
        let name = c.string()?;
        let title = c.string()?;
        if n_bytes < 0 || obj_len < 0 || key_len < 0 || seek_key < 0 {
            return Err(c.error(format!(
                "key '{name}' has negative sizes (fNbytes {n_bytes}, fObjlen {obj_len}, fKeylen {key_len}, fSeekKey {seek_key})"
            )));
        }
        if (key_len as i32) > n_bytes {
            return Err(c.error(format!(
                "key '{name}': header length {key_len} exceeds its total length {n_bytes}"
            )));
        }
        Ok(Key {
            n_bytes: n_bytes as u32,
            obj_len: obj_len as u32,
            key_len: key_len as u16,
            cycle,
            seek_key: seek_key as u64,
            class_name,
            name,
            title,
        })
    }
}

/// An open ROOT file.
///
/// ```no_run
/// let f = rask_io_root::RootFile::open("data/HZZ.root")?;
/// for name in f.tree_names()? { println!("{name}"); }
/// # Ok::<(), rask_io_root::RootError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RootFile {
    source: Arc<dyn ByteSource>,
    /// ROOT format version (e.g. 62400 for 6.24).
    pub version: i32,
    /// The compression setting of the file (algorithm * 100 + level).
    pub compress: i32,
    keys: Vec<Key>,
}

impl RootFile {
    /// Opens a local file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_source(Arc::new(LocalFile::open(path)?))
    }

    /// Opens any byte source.
    pub fn from_source(source: Arc<dyn ByteSource>) -> Result<Self> {
        // One open of the file for the header and the directory.
        let _lease = source.lease()?;
        let head_len = source.len().min(128) as usize;
        let mut head = vec![0u8; head_len];
        source.read_at(0, &mut head)?;
        if !head.starts_with(b"root") {
            return Err(RootError::NotRoot {
                path: source.path().to_path_buf(),
            });
        }
        let corrupt = |e: DecodeError| RootError::Corrupt {
            path: source.path().to_path_buf(),
            location: "file header".to_string(),
            source: Box::new(e.into()),
        };
        let mut c = Cursor::new(&head, 0);
        c.skip(4).map_err(corrupt)?;
        let version = c.i32().map_err(corrupt)?;
        let begin = c.i32().map_err(corrupt)?;
        let big = version > 1_000_000;
        let _end = if big { c.i64() } else { c.i32().map(i64::from) }.map_err(corrupt)?;
        let _seek_free = if big { c.i64() } else { c.i32().map(i64::from) }.map_err(corrupt)?;
        c.skip(8).map_err(corrupt)?; // fNbytesFree, nfree
        let n_bytes_name = c.i32().map_err(corrupt)?;
        c.skip(1).map_err(corrupt)?; // fUnits
        let compress = c.i32().map_err(corrupt)?;
        if begin <= 0 || n_bytes_name <= 0 {
            return Err(corrupt(c.error(format!(
                "impossible header: fBEGIN {begin}, fNbytesName {n_bytes_name}"
            ))));
        }
        let mut file = RootFile {
            source,
            version: version % 1_000_000,
            compress,
            keys: Vec::new(),
        };
        let dir_at = begin as u64 + n_bytes_name as u64;
        file.keys = file.read_directory(dir_at, "top directory")?;
        Ok(file)
    }

    /// The path or name of the file, for messages.
    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// The byte source behind this file.
    pub fn source(&self) -> &Arc<dyn ByteSource> {
        &self.source
    }

    /// Size of the file in bytes.
    pub fn len(&self) -> u64 {
        self.source.len()
    }

    /// Whether the file is empty (never true for a file that opened).
    pub fn is_empty(&self) -> bool {
        self.source.len() == 0
    }

    /// The keys of the top directory.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The error for damage `e` found at `location` of this file.
    pub(crate) fn corrupt(
        &self,
        location: impl Into<String>,
        e: impl Into<Corruption>,
    ) -> RootError {
        RootError::Corrupt {
            path: self.path().to_path_buf(),
            location: location.into(),
            source: Box::new(e.into()),
        }
    }

    /// Reads `len` bytes at `offset`.
    pub(crate) fn read_bytes(&self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<()> {
        self.read_prefix(offset, len, buf)?;
        buf.truncate(len);
        Ok(())
    }

    /// Reads `len` bytes at `offset` into the first `len` bytes of `buf`, which grows to at
    /// least that and never shrinks (so a reused buffer is zeroed only where it grows).
    pub(crate) fn read_prefix(&self, offset: u64, len: usize, buf: &mut Vec<u8>) -> Result<()> {
        self.check_record(offset, len)?;
        self.source.read_at(offset, compression::grow_to(buf, len))
    }

    /// Holds the file ready for a run of reads (see [`ByteSource::lease`]).
    pub fn lease(&self) -> Result<Lease> {
        self.source.lease()
    }

    /// The `len` bytes at `offset` without a copy when `lease` holds them in memory (a mapped
    /// file); `None` when they must be read with [`RootFile::read_bytes`].
    pub(crate) fn bytes_at<'a>(
        &self,
        lease: &'a Lease,
        offset: u64,
        len: usize,
    ) -> Result<Option<&'a [u8]>> {
        self.check_record(offset, len)?;
        lease.slice_at(offset, len)
    }

    /// A record of `len` bytes at `offset` must fit the limit and the file.
    fn check_record(&self, offset: u64, len: usize) -> Result<()> {
        if len > MAX_RECORD {
            return Err(self.corrupt(
                format!("record at byte {offset}"),
                RecordError::TooLarge { len },
            ));
        }
        if offset.saturating_add(len as u64) > self.len() {
            return Err(self.corrupt(
                format!("record at byte {offset}"),
                RecordError::PastEnd {
                    len,
                    file_len: self.len(),
                },
            ));
        }
        Ok(())
    }

    /// Reads the directory record at `at` and the keys it lists.
    fn read_directory(&self, at: u64, what: &str) -> Result<Vec<Key>> {
        let mut rec = Vec::new();
        let len = (self.len().saturating_sub(at)).min(64) as usize;
        self.read_bytes(at, len, &mut rec)?;
        let loc = format!("{what} (byte {at})");
        let mut c = Cursor::new(&rec, 0);
        let parse = |c: &mut Cursor<'_>| -> Result<(u64, i32), DecodeError> {
            let version = c.i16()?;
            c.skip(8)?; // fDatimeC, fDatimeM
            let n_bytes_keys = c.i32()?;
            c.skip(4)?; // fNbytesName
            let seek_keys = if version > 1000 {
                c.skip(16)?; // fSeekDir, fSeekParent
                c.i64()?
            } else {
                c.skip(8)?;
                c.i32()? as i64
            };
            if seek_keys < 0 || n_bytes_keys < 0 {
                return Err(c.error(format!(
                    "negative keys pointer ({seek_keys}) or size ({n_bytes_keys})"
                )));
            }
            Ok((seek_keys as u64, n_bytes_keys))
        };
        let (seek_keys, n_bytes_keys) = parse(&mut c).map_err(|e| self.corrupt(&loc, e))?;
        if seek_keys == 0 {
            return Ok(Vec::new());
        }
        self.read_bytes(seek_keys, n_bytes_keys as usize, &mut rec)?;
        let loc = format!("{what}: key list (byte {seek_keys})");
        let mut c = Cursor::new(&rec, 0);
        let parse_keys = |c: &mut Cursor<'_>| -> Result<Vec<Key>, DecodeError> {
            let own = Key::parse(c)?;
            c.seek(own.key_len as usize)?;
            let n = c.count("key", 20)?;
            (0..n).map(|_| Key::parse(c)).collect()
        };
        parse_keys(&mut c).map_err(|e| self.corrupt(loc, e))
    }

    /// Reads and decompresses the object record of `key` into `out`.
    pub fn read_object(&self, key: &Key, out: &mut Vec<u8>) -> Result<()> {
        let mut raw = Vec::new();
        self.read_bytes(key.seek_key, key.n_bytes as usize, &mut raw)?;
        let loc = format!("key '{}' (byte {})", key.name, key.seek_key);
        let stored = raw
            .get(key.key_len as usize..)
            .ok_or_else(|| self.corrupt(&loc, RecordError::KeyHeaderTooLong))?;
        compression::decompress(stored, key.obj_len as usize, out)
            .map_err(|e| RootError::decompression(self.path(), loc, e))
    }

    /// All TTree names in the file, subdirectories included (`dir/tree`), highest cycle only.
    pub fn tree_names(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        self.collect_trees(&self.keys, "", 0, &mut out)?;
        Ok(out)
    }

    fn collect_trees(
        &self,
        keys: &[Key],
        prefix: &str,
        depth: usize,
        out: &mut Vec<String>,
    ) -> Result<()> {
        for key in latest_cycles(keys) {
            let name = format!("{prefix}{}", key.name);
            if is_tree_class(&key.class_name) {
                out.push(name);
            } else if is_directory_class(&key.class_name) && depth < 32 {
                let sub = self.subdirectory_keys(key)?;
                self.collect_trees(&sub, &format!("{name}/"), depth + 1, out)?;
            }
        }
        Ok(())
    }

    fn subdirectory_keys(&self, key: &Key) -> Result<Vec<Key>> {
        // A TDirectory's record sits right after its key header and is never compressed.
        self.read_directory(
            key.seek_key + key.key_len as u64,
            &format!("directory '{}'", key.name),
        )
    }

    /// Finds the key of the tree `name` (`dir/tree` for trees in subdirectories).
    pub fn tree_key(&self, name: &str) -> Result<Key> {
        let mut keys = self.keys.clone();
        let mut parts = name.trim_matches('/').split('/').peekable();
        while let Some(part) = parts.next() {
            let (part, cycle) = match part.rsplit_once(';') {
                Some((p, c)) => (p, c.parse::<i16>().ok()),
                None => (part, None),
            };
            let found = latest_cycles(&keys)
                .into_iter()
                .chain(keys.iter())
                .find(|k| k.name == part && cycle.is_none_or(|c| k.cycle == c))
                .cloned();
            match found {
                Some(k) if parts.peek().is_none() && is_tree_class(&k.class_name) => return Ok(k),
                Some(k) if parts.peek().is_some() && is_directory_class(&k.class_name) => {
                    keys = self.subdirectory_keys(&k)?;
                }
                _ => break,
            }
        }
        Err(RootError::NoSuchTree {
            path: self.path().to_path_buf(),
            name: name.to_string(),
            available: self.tree_names()?,
        })
    }

    /// Reads the metadata of the tree `name`: entries, branches, leaves and basket locations.
    pub fn tree(&self, name: &str) -> Result<TreeMeta> {
        // One open of the file for the few records read here.
        let _lease = self.lease()?;
        let key = self.tree_key(name)?;
        let mut record = Vec::new();
        self.read_object(&key, &mut record)?;
        TreeMeta::parse(self, name, &key, &record)
    }
}

fn is_tree_class(class: &str) -> bool {
    matches!(class, "TTree" | "TNtuple" | "TNtupleD")
}

fn is_directory_class(class: &str) -> bool {
    matches!(class, "TDirectory" | "TDirectoryFile")
}

/// The keys with the highest cycle of each name, in the order of first appearance.
fn latest_cycles(keys: &[Key]) -> Vec<&Key> {
    let mut out: Vec<&Key> = Vec::new();
    for k in keys {
        match out.iter_mut().find(|o| o.name == k.name) {
            Some(o) if o.cycle < k.cycle => *o = k,
            Some(_) => {}
            None => out.push(k),
        }
    }
    out
}
