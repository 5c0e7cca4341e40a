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
/// than any before it. They never shrink, so a basket larger than the one before is not zeroed
/// again; the lengths of the last basket's bytes are kept beside them.
#[derive(Debug, Default)]
pub struct BasketBuffers {
    raw: Vec<u8>,
    /// Bytes of the basket last read into `raw`.
    raw_len: usize,
    data: Vec<u8>,
    /// Where the last basket's uncompressed payload is.
    payload: Payload,
    offsets: Vec<u32>,
    border: usize,
    has_offsets: bool,
}

/// Where a basket's uncompressed payload is held.
#[derive(Debug, Clone, Copy)]
enum Payload {
    /// Decompressed (or copied) into `data`, this many bytes.
    Data(usize),
    /// In `raw` from this byte on: an uncompressed basket read with `pread` is decoded where it
    /// was read, without a copy.
    Raw(usize),
}

impl Default for Payload {
    fn default() -> Self {
        Payload::Data(0)
    }
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

thread_local! {
    /// The buffers of the partitions this thread reads, one after another.
    static THREAD_BUFFERS: std::cell::RefCell<BasketBuffers> =
        std::cell::RefCell::new(BasketBuffers::default());
}

impl BasketBuffers {
    /// Buffers that hold more than this after a partition are dropped rather than kept for the
    /// thread's next one (a file with huge baskets does not pin their memory for the run).
    const KEPT_BYTES: usize = 64 << 20;

    /// Runs `f` with this thread's buffers, reused from partition to partition: the buffers of
    /// a fresh partition are already as large as its baskets, so reading does not allocate,
    /// zero and fault in new memory for every partition. (Nested use gets fresh buffers.)
    ///
    /// ```
    /// use rask_io_root::basket::BasketBuffers;
    /// let raw = BasketBuffers::with_thread_local(|b| b.raw().len());
    /// assert_eq!(raw, 0);
    /// ```
    pub fn with_thread_local<T>(f: impl FnOnce(&mut BasketBuffers) -> T) -> T {
        THREAD_BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buffers) => {
                let out = f(&mut buffers);
                if buffers.capacity() > Self::KEPT_BYTES {
                    *buffers = BasketBuffers::default();
                }
                out
            }
            Err(_) => f(&mut BasketBuffers::default()),
        })
    }

    /// Bytes held by the buffers.
    fn capacity(&self) -> usize {
        self.raw.capacity() + self.data.capacity() + 4 * self.offsets.capacity()
    }

    /// The basket last decoded by [`BasketBuffers::decode`].
    pub fn basket(&self, entries: usize) -> Basket<'_> {
        self.basket_over(&self.raw[..self.raw_len], entries)
    }

    /// The basket last decoded, its payload in `raw` when it stayed there (stored
    /// uncompressed).
    fn basket_over<'a>(&'a self, raw: &'a [u8], entries: usize) -> Basket<'a> {
        let payload = match self.payload {
            Payload::Data(len) => &self.data[..len],
            Payload::Raw(start) => &raw[start..],
        };
        Basket {
            data: &payload[..self.border],
            entry_offsets: self.has_offsets.then_some(&self.offsets[..]),
            entries,
        }
    }

    /// The raw bytes of the basket last read by [`BasketBuffers::read_raw`] (key header
    /// included; [`BasketBuffers::read`] on a mapped file leaves them in the map).
    pub fn raw(&self) -> &[u8] {
        &self.raw[..self.raw_len]
    }

    /// Only reads the raw bytes of a basket (for the decompression benchmark).
    pub fn read_raw(&mut self, file: &RootFile, loc: &BasketLoc) -> Result<()> {
        self.raw_len = 0;
        file.read_prefix(loc.seek, loc.bytes as usize, &mut self.raw)?;
        self.raw_len = loc.bytes as usize;
        Ok(())
    }

    /// Reads and decodes the basket at `loc`; `location` names it in errors
    /// (`tree 'events', branch 'Jet_Px', basket 3`).
    ///
    /// A file `lease` holds in memory (mapped) is decompressed straight from there, and a
    /// basket stored uncompressed is not copied at all: its payload is read where it lies (the
    /// returned basket borrows the lease). Other sources are copied first.
    pub fn read<'a>(
        &'a mut self,
        file: &RootFile,
        lease: &'a Lease,
        loc: &BasketLoc,
        location: &str,
    ) -> Result<Basket<'a>> {
        let entries = loc.entries as usize;
        if let Some(raw) = file.bytes_at(lease, loc.seek, loc.bytes as usize)? {
            self.decode_from(raw, file, loc, location)?;
            return Ok(self.basket_over(raw, entries));
        }
        self.read_raw(file, loc)?;
        self.decode(file, loc, location)?;
        Ok(self.basket(entries))
    }

    /// Decompresses and splits the raw bytes read by [`BasketBuffers::read_raw`].
    pub fn decode(&mut self, file: &RootFile, loc: &BasketLoc, location: &str) -> Result<()> {
        let raw = std::mem::take(&mut self.raw);
        let done = self.decode_from(&raw[..self.raw_len], file, loc, location);
        self.raw = raw;
        done
    }

    /// Decompresses and splits the raw bytes `raw` of the basket at `loc` (key header included);
    /// an uncompressed payload stays in `raw` (read back by [`BasketBuffers::basket_over`] with
    /// the same `raw`).
    fn decode_from(
        &mut self,
        raw: &[u8],
        file: &RootFile,
        loc: &BasketLoc,
        location: &str,
    ) -> Result<()> {
        let at = || format!("{location} (byte {})", loc.seek);
        // Nothing of an earlier basket is offered as this one's if this one fails.
        self.payload = Payload::Data(0);
        self.border = 0;
        self.has_offsets = false;
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
        let len = key.obj_len as usize;
        let payload = if stored.len() == len {
            self.payload = Payload::Raw(key.key_len as usize);
            stored
        } else {
            compression::decompress_prefix(stored, len, &mut self.data)
                .map_err(|e| RootError::decompression(file.path(), at(), e))?;
            self.payload = Payload::Data(len);
            &self.data[..len]
        };
        let border = last as i64 - key.key_len as i64;
        if border < 0 || border as usize > payload.len() {
            return Err(file.corrupt(
                at(),
                BasketError::Border {
                    border,
                    len: payload.len(),
                },
            ));
        }
        let border = border as usize;
        let has_offsets = border < payload.len();
        if has_offsets {
            split_offsets(
                &mut self.offsets,
                &payload[border..],
                nev_buf as usize,
                key.key_len as u32,
                border,
            )
            .map_err(|e| file.corrupt(at(), e))?;
        }
        self.border = border;
        self.has_offsets = has_offsets;
        Ok(())
    }
}

/// The entry offsets of a basket whose data are `border` bytes long, from the offset `table`
/// after them (a count, then one offset per entry counted from the key start, so `key_len` is
/// subtracted), checked in order and inside the data, with the border appended.
fn split_offsets(
    offsets: &mut Vec<u32>,
    table: &[u8],
    entries: usize,
    key_len: u32,
    border: usize,
) -> Result<(), BasketError> {
    let (words, _) = table.as_chunks::<4>();
    let count = words.first().map(|w| i32::from_be_bytes(*w)).unwrap_or(-1);
    if count < 0 || (count as usize) < entries || words.len() < entries + 1 {
        return Err(BasketError::OffsetTable {
            bytes: table.len(),
            count,
            entries,
        });
    }
    offsets.clear();
    offsets.reserve(entries + 1);
    let ordered = convert_offsets(offsets, &words[1..=entries], key_len);
    let inside = offsets.last().is_none_or(|&last| last as usize <= border);
    if !ordered || !inside {
        return Err(BasketError::Offsets(border));
    }
    offsets.push(border as u32);
    Ok(())
}

/// Appends the big-endian `words` less `key_len` to `offsets`; whether they never decrease.
/// Compiled for the widest instruction set of the CPU (a byte shuffle per vector).
fn convert_offsets(offsets: &mut Vec<u32>, words: &[[u8; 4]], key_len: u32) -> bool {
    use rask_core::isa::Isa;
    match Isa::detect() {
        Isa::Portable => convert_offsets_body(offsets, words, key_len),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { convert_offsets_avx2(offsets, words, key_len) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { convert_offsets_avx512(offsets, words, key_len) },
    }
}

#[inline(always)]
fn convert_offsets_body(offsets: &mut Vec<u32>, words: &[[u8; 4]], key_len: u32) -> bool {
    let at = offsets.len();
    offsets.extend(
        words
            .iter()
            .map(|w| u32::from_be_bytes(*w).wrapping_sub(key_len)),
    );
    // Checked without early exits so the loop vectorises.
    offsets[at.saturating_sub(1)..]
        .windows(2)
        .fold(true, |ok, w| ok & (w[0] <= w[1]))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn convert_offsets_avx2(offsets: &mut Vec<u32>, words: &[[u8; 4]], key_len: u32) -> bool {
    convert_offsets_body(offsets, words, key_len)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn convert_offsets_avx512(offsets: &mut Vec<u32>, words: &[[u8; 4]], key_len: u32) -> bool {
    convert_offsets_body(offsets, words, key_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(count: i32, offsets: &[u32]) -> Vec<u8> {
        let mut t = count.to_be_bytes().to_vec();
        for o in offsets {
            t.extend_from_slice(&o.to_be_bytes());
        }
        t
    }

    #[test]
    fn entry_offsets_are_converted_and_checked() {
        // 70 entries (past one vector of any width), offsets from the key start (key 100 bytes).
        let offsets: Vec<u32> = (0..70).map(|i| 100 + 3 * i).collect();
        let mut out = vec![7; 3];
        split_offsets(&mut out, &table(71, &offsets), 70, 100, 300).unwrap();
        let want: Vec<u32> = (0..70).map(|i| 3 * i).chain([300]).collect();
        assert_eq!(out, want);

        // One offset smaller than the one before, at each position in turn: always caught.
        for at in 1..70 {
            let mut bad = offsets.clone();
            bad[at] = bad[at - 1] - 1;
            let e = split_offsets(&mut out, &table(70, &bad), 70, 100, 300).unwrap_err();
            assert_eq!(e, BasketError::Offsets(300), "decrease at {at}");
        }
        // Past the data, and a table too short for its entries.
        let e = split_offsets(&mut out, &table(70, &offsets), 70, 100, 200).unwrap_err();
        assert_eq!(e, BasketError::Offsets(200));
        let e = split_offsets(&mut out, &table(70, &offsets[..60]), 70, 100, 300).unwrap_err();
        assert!(matches!(e, BasketError::OffsetTable { entries: 70, .. }));
    }
}
