//! A big-endian byte buffer with ROOT's framing: length-prefixed strings, byte-count and
//! version headers, class tags.

/// ROOT's flag on a byte count (`kByteCountMask`).
const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// ROOT's tag before a class name written for the first time (`kNewClassTag`).
const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;

/// Bytes being serialized, big-endian as ROOT writes them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Buf {
    pub(crate) bytes: Vec<u8>,
}

impl Buf {
    pub(crate) fn new() -> Buf {
        Buf::default()
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub(crate) fn i16(&mut self, v: i16) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn i32(&mut self, v: i32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn f32(&mut self, v: f32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn f64(&mut self, v: f64) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    /// A string as ROOT writes a `TString` or a key's name: one length byte, or 255 and a
    /// 4-byte length when it is 255 bytes or longer, then the bytes.
    pub(crate) fn string(&mut self, s: &str) {
        match u8::try_from(s.len()) {
            Ok(n) if n < 255 => self.u8(n),
            _ => {
                self.u8(255);
                // Names and titles are checked to fit in 4 bytes before serialization.
                self.u32(u32::try_from(s.len()).unwrap_or(u32::MAX));
            }
        }
        self.raw(s.as_bytes());
    }

    /// The bytes of [`Buf::string`] for `s`.
    pub(crate) fn string_len(s: &str) -> usize {
        if s.len() < 255 {
            1 + s.len()
        } else {
            5 + s.len()
        }
    }

    /// A versioned record: a byte count (of what follows it) and `version`, then `body`.
    pub(crate) fn versioned(&mut self, version: i16, body: impl FnOnce(&mut Buf)) {
        let start = self.len();
        self.u32(0);
        self.i16(version);
        body(self);
        self.patch_count(start);
    }

    /// An object behind a pointer, as `WriteObjectAny` writes it: a byte count, the new-class
    /// tag and the class name, then the object's own (versioned) record.
    pub(crate) fn object(&mut self, class: &str, body: impl FnOnce(&mut Buf)) {
        let start = self.len();
        self.u32(0);
        self.u32(NEW_CLASS_TAG);
        self.raw(class.as_bytes());
        self.u8(0);
        body(self);
        self.patch_count(start);
    }

    /// A null pointer.
    pub(crate) fn null(&mut self) {
        self.u32(0);
    }

    /// Writes the byte count at `start`: the bytes after the 4-byte count, with the mask.
    fn patch_count(&mut self, start: usize) {
        let n = self.len() - start - 4;
        // Objects are checked to stay far below 1 GB before serialization.
        let n = u32::try_from(n).unwrap_or(0) | BYTE_COUNT_MASK;
        self.bytes[start..start + 4].copy_from_slice(&n.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_counts_the_version_and_body() {
        let mut b = Buf::new();
        b.versioned(3, |b| b.i32(7));
        // 0x40000006: 2 bytes of version + 4 of body.
        assert_eq!(b.bytes, [0x40, 0, 0, 6, 0, 3, 0, 0, 0, 7]);
    }

    #[test]
    fn object_has_tag_and_class_name() {
        let mut b = Buf::new();
        b.object("TL", |b| b.u8(9));
        assert_eq!(
            b.bytes,
            [0x40, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, b'T', b'L', 0, 9]
        );
    }

    #[test]
    fn long_strings_take_a_four_byte_length() {
        let s = "x".repeat(300);
        let mut b = Buf::new();
        b.string(&s);
        assert_eq!(&b.bytes[..5], &[255, 0, 0, 1, 44]);
        assert_eq!(b.len(), 305);
        assert_eq!(Buf::string_len(&s), 305);
        let mut b = Buf::new();
        b.string("ab");
        assert_eq!(b.bytes, [2, b'a', b'b']);
    }
}
