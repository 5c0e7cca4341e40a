//! One basket: read its bytes in one positional read, decompress, split payload and entry offsets.
//!
//! On disk a basket is a `TKey` header followed by TBasket's own header (`fVersion`, `fBufferSize`,
//! `fNevBufSize`, `fNevBuf`, `fLast`, a flag byte), then the compressed payload. Uncompressed, the
//! payload holds the entries' bytes up to `fLast - fKeylen` (the border) and, for branches whose
//! entries vary in size, a table of entry offsets after it: a count, then one offset per entry
//! counted from the key start (so `fKeylen` is subtracted).

use crate::compression;
use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use crate::file::{Key, RootFile};
use crate::source::Lease;
use crate::tree::BasketLoc;

/// A basket whose header or entry offsets disagree with its branch or with themselves.
///
/// ```
/// use rask_io_root::basket::BasketError;
/// let e = BasketError::Entries { basket: 9, branch: 10 };
/// assert_eq!(e.to_string(), "basket holds 9 entries, the branch says 10");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BasketError {
    #[error("basket key says {key} bytes, the branch says {branch}")]
    Bytes { key: u32, branch: u32 },
    #[error("basket holds {basket} entries, the branch says {branch}")]
    Entries { basket: i32, branch: u64 },
    #[error("key length {0} past the basket")]
    KeyLength(u16),
    #[error("data border {border} outside the {len}-byte basket")]
    Border { border: i64, len: usize },
    #[error("entry offset table ({bytes} bytes, count {count}) too short for {entries} entries")]
    OffsetTable {
        bytes: usize,
        count: i32,
        entries: usize,
    },
    #[error("entry offsets out of order or past the data ({0} bytes)")]
    Offsets(usize),
}

/// Buffers reused from basket to basket, so that reading allocates only when a basket is larger
/// than any before it.
#[derive(Debug, Default)]
pub struct BasketBuffers {
    raw: Vec<u8>,
    data: Vec<u8>,
    offsets: Vec<u32>,
    border: usize,
    has_offsets: bool,
}

/// A decompressed basket, borrowed from its [`BasketBuffers`].
#[derive(Debug, Clone, Copy)]
pub struct Basket<'a> {
    /// The entries' bytes.
    pub data: &'a [u8],
    /// Byte offset of each entry in `data`, plus the end (entries + 1 values), when stored.
    pub entry_offsets: Option<&'a [u32]>,
    /// Entries in the basket.
    pub entries: usize,
}

impl BasketBuffers {
    /// The basket last read.
    pub fn basket(&self, entries: usize) -> Basket<'_> {
        Basket {
            data: &self.data[..self.border],
            entry_offsets: self.has_offsets.then_some(&self.offsets[..]),
            entries,
        }
    }

    /// The raw bytes of the basket last read by [`BasketBuffers::read_raw`] (key header
    /// included; [`BasketBuffers::read`] on a mapped file leaves them in the map).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Only reads the raw bytes of a basket (for the decompression benchmark).
    pub fn read_raw(&mut self, file: &RootFile, loc: &BasketLoc) -> Result<()> {
        file.read_bytes(loc.seek, loc.bytes as usize, &mut self.raw)
    }

    /// Reads and decodes the basket at `loc`; `location` names it in errors
    /// (`tree 'events', branch 'Jet_Px', basket 3`).
    ///
    /// A file `lease` holds in memory (mapped) is decompressed straight from there; other
    /// sources are copied first.
    pub fn read(
        &mut self,
        file: &RootFile,
        lease: &Lease,
        loc: &BasketLoc,
        location: &str,
    ) -> Result<()> {
        if let Some(raw) = file.bytes_at(lease, loc.seek, loc.bytes as usize)? {
            return self.decode_from(raw, file, loc, location);
        }
        self.read_raw(file, loc)?;
        self.decode(file, loc, location)
    }

    /// Decompresses and splits the raw bytes read by [`BasketBuffers::read_raw`].
    pub fn decode(&mut self, file: &RootFile, loc: &BasketLoc, location: &str) -> Result<()> {
        let raw = std::mem::take(&mut self.raw);
        let done = self.decode_from(&raw, file, loc, location);
        self.raw = raw;
        done
    }

    /// Decompresses and splits the raw bytes `raw` of the basket at `loc` (key header included).
    fn decode_from(
        &mut self,
        raw: &[u8],
        file: &RootFile,
        loc: &BasketLoc,
        location: &str,
    ) -> Result<()> {
        let at = || format!("{location} (byte {})", loc.seek);
        let mut c = Cursor::new(raw, 0);
        let header = (|| {
            let key = Key::parse(&mut c)?;
            c.skip(2 + 4 + 4)?; // fVersion, fBufferSize, fNevBufSize
            let nev_buf = c.i32()?;
            let last = c.i32()?;
            Ok::<_, crate::cursor::DecodeError>((key, nev_buf, last))
        })();
        let (key, nev_buf, last) = header.map_err(|e| file.corrupt(at(), e))?;
        if key.n_bytes != loc.bytes {
            return Err(file.corrupt(
                at(),
                BasketError::Bytes {
                    key: key.n_bytes,
                    branch: loc.bytes,
                },
            ));
        }
        if nev_buf < 0 || nev_buf as u64 != loc.entries {
            return Err(file.corrupt(
                at(),
                BasketError::Entries {
                    basket: nev_buf,
                    branch: loc.entries,
                },
            ));
        }
        let stored = raw
            .get(key.key_len as usize..)
            .ok_or_else(|| file.corrupt(at(), BasketError::KeyLength(key.key_len)))?;
        compression::decompress(stored, key.obj_len as usize, &mut self.data)
            .map_err(|e| RootError::decompression(file.path(), at(), e))?;
        let border = last as i64 - key.key_len as i64;
        if border < 0 || border as usize > self.data.len() {
            return Err(file.corrupt(
                at(),
                BasketError::Border {
                    border,
                    len: self.data.len(),
                },
            ));
        }
        self.border = border as usize;
        self.has_offsets = self.border < self.data.len();
        if self.has_offsets {
            self.split_offsets(nev_buf as usize, key.key_len as u32)
                .map_err(|e| file.corrupt(at(), e))?;
        }
        Ok(())
    }

    fn split_offsets(&mut self, entries: usize, key_len: u32) -> Result<(), BasketError> {
        let table = &self.data[self.border..];
        let (words, _) = table.as_chunks::<4>();
        let count = words.first().map(|w| i32::from_be_bytes(*w)).unwrap_or(-1);
        if count < 0 || (count as usize) < entries || words.len() < entries + 1 {
            return Err(BasketError::OffsetTable {
                bytes: table.len(),
                count,
                entries,
            });
        }
        self.offsets.clear();
        self.offsets.reserve(entries + 1);
        self.offsets.extend(
            words[1..=entries]
                .iter()
                .map(|w| u32::from_be_bytes(*w).wrapping_sub(key_len)),
        );
        // Checked without early exits so the loop vectorises: monotone, and inside the data.
        let border = self.border as u32;
        let ordered = self
            .offsets
            .windows(2)
            .fold(true, |ok, w| ok & (w[0] <= w[1]));
        let inside = self.offsets.last().is_none_or(|&last| last <= border);
        if !ordered || !inside {
            return Err(BasketError::Offsets(self.border));
        }
        self.offsets.push(self.border as u32);
        Ok(())
    }
}
