//! A bounds-checked big-endian reader over a byte slice, with ROOT's object-reference bookkeeping.
//!
//! Every read checks its bounds and returns [`DecodeError`] instead of panicking: damaged files
//! must give errors. Callers add the file, tree and branch to the error.

use std::collections::HashMap;

/// A failure to decode bytes: what was being read, and where (offset in the decoded buffer).
///
/// Built only on the error path (the text is formatted there); callers add the file, tree and
/// branch when they turn it into a [`crate::RootError::Corrupt`].
///
/// ```
/// use rask_io_root::cursor::Cursor;
/// let e = Cursor::new(&[0, 1], 0).i32().unwrap_err();
/// assert_eq!(e.offset, 0);
/// assert!(e.to_string().ends_with("(at byte 0 of the record)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail} (at byte {offset} of the record)")]
pub struct DecodeError {
    pub offset: usize,
    pub detail: String,
}

/// Result of the low-level decoders.
pub type DecodeResult<T> = Result<T, DecodeError>;

/// ROOT's flag on a 4-byte byte count.
pub const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// ROOT's tag announcing a class name that follows.
pub const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// ROOT's flag marking a class reference.
pub const CLASS_MASK: u32 = 0x8000_0000;
/// ROOT's offset added to positions in the reference map.
const MAP_OFFSET: u32 = 2;

/// What an object reference in a buffer points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// A class, by name.
    Class(String),
    /// An object already read, by the index the caller gave it.
    Object(usize),
}

/// A cursor over one decompressed record (a TKey's object).
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Added to positions to obtain ROOT's displacement (the key length: references count from the key start).
    origin: u32,
    /// Classes and objects seen so far, by displacement, for ROOT's reference tags.
    refs: HashMap<u32, Ref>,
}

/// The header of a versioned object: its version and where it ends (when it has a byte count).
#[derive(Debug, Clone, Copy)]
pub struct Versioned {
    pub version: i16,
    pub end: Option<usize>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`, whose displacement origin is `origin` (ROOT: the key length).
    pub fn new(data: &'a [u8], origin: u32) -> Self {
        Self {
            data,
            pos: 0,
            origin,
            refs: HashMap::new(),
        }
    }

    /// A fresh cursor at the current position, for reading ahead (no references carried over).
    pub fn ahead(&self) -> Cursor<'a> {
        Cursor::new(&self.data[self.pos..], 0)
    }

    /// Current position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// An error at the current position.
    pub fn error(&self, detail: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.pos,
            detail: detail.into(),
        }
    }

    /// Moves to `pos`, which must be inside the buffer.
    pub fn seek(&mut self, pos: usize) -> DecodeResult<()> {
        if pos > self.data.len() {
            return Err(self.error(format!(
                "jump to byte {pos} past the end of a {}-byte record",
                self.data.len()
            )));
        }
        self.pos = pos;
        Ok(())
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> DecodeResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(format!(
                "needs {n} more bytes but the record has only {} left",
                self.remaining()
            )));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> DecodeResult<()> {
        self.bytes(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> DecodeResult<[u8; N]> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn u8(&mut self) -> DecodeResult<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn i16(&mut self) -> DecodeResult<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    pub fn u16(&mut self) -> DecodeResult<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> DecodeResult<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> DecodeResult<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> DecodeResult<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> DecodeResult<f64> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// A count that must be non-negative and plausible for the bytes left (`item_size` bytes each).
    pub fn count(&mut self, what: &str, item_size: usize) -> DecodeResult<usize> {
        let n = self.i32()?;
        self.check_count(what, n as i64, item_size)
    }

    /// Checks a count read elsewhere against the bytes left.
    pub fn check_count(&self, what: &str, n: i64, item_size: usize) -> DecodeResult<usize> {
        if n < 0 || (n as u64).saturating_mul(item_size.max(1) as u64) > self.remaining() as u64 {
            return Err(self.error(format!(
                "{what} count {n} is impossible with {} bytes left",
                self.remaining()
            )));
        }
        Ok(n as usize)
    }

    /// A ROOT `TString`: one length byte (255 = a 4-byte length follows), then the bytes.
    pub fn string(&mut self) -> DecodeResult<String> {
        let short = self.u8()?;
        let len = if short == 255 {
            self.u32()? as usize
        } else {
            short as usize
        };
        let b = self.bytes(len)?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    /// A null-terminated C string.
    pub fn cstring(&mut self) -> DecodeResult<String> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().position(|&b| b == 0) else {
            return Err(self.error("unterminated class name"));
        };
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }

    /// A versioned header (`TBufferFile::ReadVersion`): an optional byte count, then the version.
    pub fn version(&mut self, class: &str) -> DecodeResult<Versioned> {
        let start = self.pos;
        let first = self.u32()?;
        if first & BYTE_COUNT_MASK != 0 {
            let count = (first & !BYTE_COUNT_MASK) as usize;
            let end = start + 4 + count;
            if count < 2 || end > self.data.len() {
                return Err(DecodeError {
                    offset: start,
                    detail: format!(
                        "{class}: byte count {count} runs past the end of the record ({} bytes)",
                        self.data.len()
                    ),
                });
            }
            let version = self.i16()?;
            Ok(Versioned {
                version,
                end: Some(end),
            })
        } else {
            self.pos = start;
            let version = self.i16()?;
            Ok(Versioned { version, end: None })
        }
    }

    /// Moves to the end of a versioned object, checking that the reader did not overrun it.
    pub fn finish(&mut self, v: Versioned, class: &str) -> DecodeResult<()> {
        if let Some(end) = v.end {
            if self.pos > end {
                return Err(self.error(format!(
                    "{class} v{} read past its byte count (ends at {end})",
                    v.version
                )));
            }
            self.pos = end;
        }
        Ok(())
    }

    /// `TObject`: version, unique id, bits, and the process id when the object is referenced.
    pub fn tobject(&mut self) -> DecodeResult<()> {
        let v = self.version("TObject")?;
        self.skip(4)?; // fUniqueID
        let bits = self.u32()?;
        if bits & (1 << 4) != 0 {
            self.skip(2)?; // kIsReferenced: the process id follows
        }
        self.finish(v, "TObject")
    }

    /// `TNamed`: a TObject plus name and title.
    pub fn tnamed(&mut self) -> DecodeResult<(String, String)> {
        let v = self.version("TNamed")?;
        self.tobject()?;
        let name = self.string()?;
        let title = self.string()?;
        self.finish(v, "TNamed")?;
        Ok((name, title))
    }

    /// Skips a whole versioned object that has a byte count (attribute classes and the like).
    pub fn skip_versioned(&mut self, class: &str) -> DecodeResult<i16> {
        let v = self.version(class)?;
        if v.end.is_none() {
            return Err(self.error(format!("{class} has no byte count; cannot skip it")));
        }
        self.finish(v, class)?;
        Ok(v.version)
    }

    /// An array of `n` big-endian i64 preceded by ROOT's one-byte "is an array" marker.
    pub fn marked_i64s(&mut self, n: usize) -> DecodeResult<Vec<i64>> {
        self.skip(1)?;
        let n = self.check_count("array", n as i64, 8)?;
        (0..n).map(|_| self.i64()).collect()
    }

    /// As [`Cursor::marked_i64s`] for i32.
    pub fn marked_i32s(&mut self, n: usize) -> DecodeResult<Vec<i32>> {
        self.skip(1)?;
        let n = self.check_count("array", n as i64, 4)?;
        (0..n).map(|_| self.i32()).collect()
    }

    /// `TBufferFile::ReadObjectAny`: the header of a pointer to an object.
    ///
    /// Returns what follows: nothing (null), a reference to an earlier object, or a new object of
    /// a class, for which the caller reads the body and then calls [`Cursor::register_object`]
    /// with the returned start.
    pub fn object_header(&mut self) -> DecodeResult<ObjectHeader> {
        let beg = self.pos;
        let bcnt = self.u32()?;
        let (tag, end) = if bcnt & BYTE_COUNT_MASK == 0 || bcnt == NEW_CLASS_TAG {
            (bcnt, None)
        } else {
            let count = (bcnt & !BYTE_COUNT_MASK) as usize;
            let end = beg + 4 + count;
            if end > self.data.len() {
                return Err(DecodeError {
                    offset: beg,
                    detail: format!("object byte count {count} runs past the end of the record"),
                });
            }
            (self.u32()?, Some(end))
        };
        if tag & CLASS_MASK == 0 {
            if tag == 0 {
                return Ok(ObjectHeader::Null);
            }
            return Ok(match self.refs.get(&tag) {
                Some(Ref::Object(i)) => ObjectHeader::Reference(Some(*i)),
                _ => {
                    if let Some(end) = end {
                        self.pos = end;
                    }
                    ObjectHeader::Reference(None)
                }
            });
        }
        let class = if tag == NEW_CLASS_TAG {
            let name = self.cstring()?;
            let key = match end {
                Some(_) => beg as u32 + 4 + MAP_OFFSET + self.origin,
                None => self.refs.len() as u32 + 1,
            };
            self.refs.insert(key, Ref::Class(name.clone()));
            name
        } else {
            let key = tag & !CLASS_MASK;
            match self.refs.get(&key) {
                Some(Ref::Class(name)) => name.clone(),
                _ => {
                    return Err(DecodeError {
                        offset: beg,
                        detail: format!("invalid class reference {key}"),
                    });
                }
            }
        };
        Ok(ObjectHeader::New {
            class,
            start: beg,
            end,
        })
    }

    /// Records that the object whose header started at `start` is the caller's object `index`.
    pub fn register_object(&mut self, start: usize, has_count: bool, index: usize) {
        let key = if has_count {
            start as u32 + MAP_OFFSET + self.origin
        } else {
            self.refs.len() as u32 + 1
        };
        self.refs.insert(key, Ref::Object(index));
    }
}

/// What [`Cursor::object_header`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectHeader {
    /// A null pointer.
    Null,
    /// A reference to an object read before (by the caller's index), or to one we did not keep.
    Reference(Option<usize>),
    /// A new object of `class`; it ends at `end` when it has a byte count.
    New {
        class: String,
        start: usize,
        end: Option<usize>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fail_cleanly_past_the_end() {
        let mut c = Cursor::new(&[0, 1, 2], 0);
        assert_eq!(c.u16().unwrap(), 1);
        assert!(c.i32().is_err());
        assert!(c.string().is_ok() || c.string().is_err());
    }

    #[test]
    fn strings_have_short_and_long_lengths() {
        let mut long = vec![255u8, 0, 0, 1, 0];
        long.extend(std::iter::repeat_n(b'x', 256));
        assert_eq!(Cursor::new(&long, 0).string().unwrap().len(), 256);
        assert_eq!(Cursor::new(&[2, b'h', b'i'], 0).string().unwrap(), "hi");
        assert!(Cursor::new(&[5, b'h'], 0).string().is_err());
    }

    #[test]
    fn byte_counts_past_the_end_are_errors() {
        let data = [0x40, 0, 0, 100, 0, 1];
        assert!(Cursor::new(&data, 0).version("TNamed").is_err());
    }
}
