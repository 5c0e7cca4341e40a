//! A strict walk of the Thrift compact-protocol structures of a Parquet file — the footer's
//! `FileMetaData` and every page header — against the Parquet IDL, as Apache Thrift's C++ reader
//! (pyarrow's) checks them: known wire types only, lengths and sizes not negative, varints not
//! over-long, every required field present — and stricter in one place: a known field of the
//! wrong wire type is refused (Thrift's C++ code skips it, the `parquet` crate reads it as if its
//! type were right: the two would read different files).
//!
//! The `parquet` crate's decoder is lenient: a damaged header it accepts and pyarrow refuses would
//! let other damage through unnoticed. Walking the bytes first makes rask refuse what pyarrow
//! refuses.

/// A Thrift structure that does not walk: which one (`page header`, `file metadata`) and why.
///
/// ```
/// use rask_io_root::parquet::{ThriftError, WireFault};
/// let e = ThriftError { structure: "page header", fault: WireFault::Missing(3) };
/// assert_eq!(e.to_string(), "page header: required field 3 is missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{structure}: {fault}")]
pub struct ThriftError {
    pub structure: &'static str,
    #[source]
    pub fault: WireFault,
}

/// What is wrong in the Thrift compact-protocol bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireFault {
    #[error("ends at byte {0}")]
    Ends(usize),
    #[error("{n} bytes claimed at byte {at}, past the end")]
    PastEnd { n: usize, at: usize },
    #[error("a varint over {max_bytes} bytes at byte {at}")]
    LongVarint { max_bytes: u32, at: usize },
    #[error("negative or oversized size {value} at byte {at}")]
    Size { value: u64, at: usize },
    #[error("nested too deeply")]
    TooDeep,
    #[error("unknown wire type {0}")]
    UnknownWire(u8),
    #[error("unknown wire type {wire} at byte {at}")]
    UnknownWireAt { wire: u8, at: usize },
    #[error("field id out of range")]
    FieldId,
    #[error("field {id} has wire type {wire}, the format says {expected}")]
    FieldWire { id: i16, wire: u8, expected: u8 },
    #[error("a list of wire type {wire}, the format says {expected}")]
    ListWire { wire: u8, expected: u8 },
    #[error("required field {0} is missing")]
    Missing(i16),
    #[error("boolean {value} at byte {at}")]
    Bool { value: u8, at: usize },
}

type Walk<T> = Result<T, WireFault>;

/// A Thrift type of the IDL.
#[derive(Debug, Clone, Copy)]
enum Ty {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Double,
    Binary,
    List(&'static Ty),
    Struct(&'static [Field]),
    /// `ColumnMetaData.type`: an i32 collected for checking against the schema.
    ColumnType,
}

/// A field of a struct (or union): id, type, required.
#[derive(Debug, Clone, Copy)]
struct Field(i16, Ty, bool);

const REQ: bool = true;
const OPT: bool = false;
const EMPTY: &[Field] = &[];

const STATISTICS: &[Field] = &[
    Field(1, Ty::Binary, OPT),
    Field(2, Ty::Binary, OPT),
    Field(3, Ty::I64, OPT),
    Field(4, Ty::I64, OPT),
    Field(5, Ty::Binary, OPT),
    Field(6, Ty::Binary, OPT),
    Field(7, Ty::Bool, OPT),
    Field(8, Ty::Bool, OPT),
];
const DATA_PAGE_HEADER: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::I32, REQ),
    Field(3, Ty::I32, REQ),
    Field(4, Ty::I32, REQ),
    Field(5, Ty::Struct(STATISTICS), OPT),
];
const DICTIONARY_PAGE_HEADER: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::I32, REQ),
    Field(3, Ty::Bool, OPT),
];
const DATA_PAGE_HEADER_V2: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::I32, REQ),
    Field(3, Ty::I32, REQ),
    Field(4, Ty::I32, REQ),
    Field(5, Ty::I32, REQ),
    Field(6, Ty::I32, REQ),
    Field(7, Ty::Bool, OPT),
    Field(8, Ty::Struct(STATISTICS), OPT),
];
/// `PageHeader`.
const PAGE_HEADER: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::I32, REQ),
    Field(3, Ty::I32, REQ),
    Field(4, Ty::I32, OPT),
    Field(5, Ty::Struct(DATA_PAGE_HEADER), OPT),
    Field(6, Ty::Struct(EMPTY), OPT),
    Field(7, Ty::Struct(DICTIONARY_PAGE_HEADER), OPT),
    Field(8, Ty::Struct(DATA_PAGE_HEADER_V2), OPT),
];

const TIME_UNIT: &[Field] = &[
    Field(1, Ty::Struct(EMPTY), OPT),
    Field(2, Ty::Struct(EMPTY), OPT),
    Field(3, Ty::Struct(EMPTY), OPT),
];
const DECIMAL_TYPE: &[Field] = &[Field(1, Ty::I32, REQ), Field(2, Ty::I32, REQ)];
const TIMESTAMP_TYPE: &[Field] = &[
    Field(1, Ty::Bool, REQ),
    Field(2, Ty::Struct(TIME_UNIT), REQ),
];
const INT_TYPE: &[Field] = &[Field(1, Ty::I8, REQ), Field(2, Ty::Bool, REQ)];
const LOGICAL_TYPE: &[Field] = &[
    Field(1, Ty::Struct(EMPTY), OPT),
    Field(2, Ty::Struct(EMPTY), OPT),
    Field(3, Ty::Struct(EMPTY), OPT),
    Field(4, Ty::Struct(EMPTY), OPT),
    Field(5, Ty::Struct(DECIMAL_TYPE), OPT),
    Field(6, Ty::Struct(EMPTY), OPT),
    Field(7, Ty::Struct(TIMESTAMP_TYPE), OPT),
    Field(8, Ty::Struct(TIMESTAMP_TYPE), OPT),
    Field(10, Ty::Struct(INT_TYPE), OPT),
    Field(11, Ty::Struct(EMPTY), OPT),
    Field(12, Ty::Struct(EMPTY), OPT),
    Field(13, Ty::Struct(EMPTY), OPT),
    Field(14, Ty::Struct(EMPTY), OPT),
    Field(15, Ty::Struct(EMPTY), OPT),
    Field(16, Ty::Struct(&[Field(1, Ty::I8, OPT)]), OPT),
    Field(17, Ty::Struct(&[Field(1, Ty::Binary, OPT)]), OPT),
    Field(
        18,
        Ty::Struct(&[Field(1, Ty::Binary, OPT), Field(2, Ty::I32, OPT)]),
        OPT,
    ),
];
const SCHEMA_ELEMENT: &[Field] = &[
    Field(1, Ty::I32, OPT),
    Field(2, Ty::I32, OPT),
    Field(3, Ty::I32, OPT),
    Field(4, Ty::Binary, REQ),
    Field(5, Ty::I32, OPT),
    Field(6, Ty::I32, OPT),
    Field(7, Ty::I32, OPT),
    Field(8, Ty::I32, OPT),
    Field(9, Ty::I32, OPT),
    Field(10, Ty::Struct(LOGICAL_TYPE), OPT),
];
const KEY_VALUE: &[Field] = &[Field(1, Ty::Binary, REQ), Field(2, Ty::Binary, OPT)];
const PAGE_ENCODING_STATS: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::I32, REQ),
    Field(3, Ty::I32, REQ),
];
const SIZE_STATISTICS: &[Field] = &[
    Field(1, Ty::I64, OPT),
    Field(2, Ty::List(&Ty::I64), OPT),
    Field(3, Ty::List(&Ty::I64), OPT),
];
const BOUNDING_BOX: &[Field] = &[
    Field(1, Ty::Double, REQ),
    Field(2, Ty::Double, REQ),
    Field(3, Ty::Double, REQ),
    Field(4, Ty::Double, REQ),
    Field(5, Ty::Double, OPT),
    Field(6, Ty::Double, OPT),
    Field(7, Ty::Double, OPT),
    Field(8, Ty::Double, OPT),
];
const GEOSPATIAL_STATISTICS: &[Field] = &[
    Field(1, Ty::Struct(BOUNDING_BOX), OPT),
    Field(2, Ty::List(&Ty::I32), OPT),
];
const COLUMN_META_DATA: &[Field] = &[
    Field(1, Ty::ColumnType, REQ),
    Field(2, Ty::List(&Ty::I32), REQ),
    Field(3, Ty::List(&Ty::Binary), REQ),
    Field(4, Ty::I32, REQ),
    Field(5, Ty::I64, REQ),
    Field(6, Ty::I64, REQ),
    Field(7, Ty::I64, REQ),
    Field(8, Ty::List(&Ty::Struct(KEY_VALUE)), OPT),
    Field(9, Ty::I64, REQ),
    Field(10, Ty::I64, OPT),
    Field(11, Ty::I64, OPT),
    Field(12, Ty::Struct(STATISTICS), OPT),
    Field(13, Ty::List(&Ty::Struct(PAGE_ENCODING_STATS)), OPT),
    Field(14, Ty::I64, OPT),
    Field(15, Ty::I32, OPT),
    Field(16, Ty::Struct(SIZE_STATISTICS), OPT),
    Field(17, Ty::Struct(GEOSPATIAL_STATISTICS), OPT),
];
const COLUMN_CRYPTO_META_DATA: &[Field] = &[
    Field(1, Ty::Struct(EMPTY), OPT),
    Field(
        2,
        Ty::Struct(&[
            Field(1, Ty::List(&Ty::Binary), REQ),
            Field(2, Ty::Binary, OPT),
        ]),
        OPT,
    ),
];
const COLUMN_CHUNK: &[Field] = &[
    Field(1, Ty::Binary, OPT),
    Field(2, Ty::I64, REQ),
    Field(3, Ty::Struct(COLUMN_META_DATA), OPT),
    Field(4, Ty::I64, OPT),
    Field(5, Ty::I32, OPT),
    Field(6, Ty::I64, OPT),
    Field(7, Ty::I32, OPT),
    Field(8, Ty::Struct(COLUMN_CRYPTO_META_DATA), OPT),
    Field(9, Ty::Binary, OPT),
];
const SORTING_COLUMN: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::Bool, REQ),
    Field(3, Ty::Bool, REQ),
];
const ROW_GROUP: &[Field] = &[
    Field(1, Ty::List(&Ty::Struct(COLUMN_CHUNK)), REQ),
    Field(2, Ty::I64, REQ),
    Field(3, Ty::I64, REQ),
    Field(4, Ty::List(&Ty::Struct(SORTING_COLUMN)), OPT),
    Field(5, Ty::I64, OPT),
    Field(6, Ty::I64, OPT),
    Field(7, Ty::I16, OPT),
];
const AES_GCM: &[Field] = &[
    Field(1, Ty::Binary, OPT),
    Field(2, Ty::Binary, OPT),
    Field(3, Ty::Bool, OPT),
];
/// `FileMetaData`.
const FILE_META_DATA: &[Field] = &[
    Field(1, Ty::I32, REQ),
    Field(2, Ty::List(&Ty::Struct(SCHEMA_ELEMENT)), REQ),
    Field(3, Ty::I64, REQ),
    Field(4, Ty::List(&Ty::Struct(ROW_GROUP)), REQ),
    Field(5, Ty::List(&Ty::Struct(KEY_VALUE)), OPT),
    Field(6, Ty::Binary, OPT),
    Field(
        7,
        Ty::List(&Ty::Struct(&[Field(1, Ty::Struct(EMPTY), OPT)])),
        OPT,
    ),
    Field(
        8,
        Ty::Struct(&[
            Field(1, Ty::Struct(AES_GCM), OPT),
            Field(2, Ty::Struct(AES_GCM), OPT),
        ]),
        OPT,
    ),
    Field(9, Ty::Binary, OPT),
];

/// Compact-protocol wire types.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;

/// Nesting limit (Thrift's default recursion limit).
const MAX_DEPTH: usize = 64;

/// The integer fields of a walked struct and of the structs in its fields, by field ids (the
/// outer one 0 at the top level).
#[derive(Debug, Default)]
pub(super) struct TopLevel {
    ints: Vec<((i16, i16), i64)>,
}

impl TopLevel {
    /// The integer field `id` of the top level, if it was there.
    pub fn int(&self, id: i16) -> Option<i64> {
        self.nested(0, id)
    }

    /// The integer field `id` of the struct in field `outer`, if it was there.
    pub fn nested(&self, outer: i16, id: i16) -> Option<i64> {
        self.ints
            .iter()
            .find(|(k, _)| *k == (outer, id))
            .map(|(_, v)| *v)
    }
}

/// Walks the `PageHeader` at the start of `data`: its length in bytes and its integer fields.
pub(super) fn page_header(data: &[u8]) -> Result<(usize, TopLevel), ThriftError> {
    walk(data, PAGE_HEADER).map_err(|fault| ThriftError {
        structure: "page header",
        fault,
    })
}

/// Walks the footer's `FileMetaData`; returns the physical type (`Type`) each column chunk's
/// metadata states, in order.
pub(super) fn file_meta_data(data: &[u8]) -> Result<Vec<i64>, ThriftError> {
    let mut w = Walker::new(data);
    w.structure(FILE_META_DATA).map_err(|fault| ThriftError {
        structure: "file metadata",
        fault,
    })?;
    Ok(w.column_types)
}

fn walk(data: &[u8], fields: &'static [Field]) -> Walk<(usize, TopLevel)> {
    let mut w = Walker::new(data);
    w.structure(fields)?;
    Ok((w.pos, w.top))
}

struct Walker<'a> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
    top: TopLevel,
    column_types: Vec<i64>,
}

impl<'a> Walker<'a> {
    fn new(data: &'a [u8]) -> Self {
        Walker {
            data,
            pos: 0,
            depth: 0,
            top: TopLevel::default(),
            column_types: Vec::new(),
        }
    }
}

impl Walker<'_> {
    fn byte(&mut self) -> Walk<u8> {
        let b = *self.data.get(self.pos).ok_or(WireFault::Ends(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize) -> Walk<()> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                self.pos = end;
                Ok(())
            }
            _ => Err(WireFault::PastEnd { n, at: self.pos }),
        }
    }

    /// An unsigned varint of at most `max_bytes` bytes.
    fn varint(&mut self, max_bytes: u32) -> Walk<u64> {
        let mut v = 0u64;
        for i in 0..max_bytes {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireFault::LongVarint {
            max_bytes,
            at: self.pos,
        })
    }

    fn zigzag(&mut self, max_bytes: u32) -> Walk<i64> {
        let v = self.varint(max_bytes)?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A size (of a string or container): a non-negative 32-bit varint.
    fn size(&mut self) -> Walk<usize> {
        let v = self.varint(5)?;
        i32::try_from(v)
            .ok()
            .and_then(|v| usize::try_from(v).ok())
            .ok_or(WireFault::Size {
                value: v,
                at: self.pos,
            })
    }

    fn structure(&mut self, fields: &'static [Field]) -> Walk<()> {
        self.structure_in(fields, 0)
    }

    /// A struct in field `outer` of the top level (0: the top level itself, or deeper).
    fn structure_in(&mut self, fields: &'static [Field], outer: i16) -> Walk<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(WireFault::TooDeep);
        }
        let recorded = self.depth == 1 || (self.depth == 2 && outer != 0);
        let mut last = 0i16;
        let mut present: u32 = 0;
        loop {
            let header = self.byte()?;
            if header == 0 {
                break;
            }
            let wire = header & 0x0f;
            check_wire(wire).map_err(|_| WireFault::UnknownWireAt {
                wire,
                at: self.pos - 1,
            })?;
            let delta = i16::from(header >> 4);
            let id = if delta == 0 {
                i16::try_from(self.zigzag(3)?).map_err(|_| WireFault::FieldId)?
            } else {
                last.checked_add(delta).ok_or(WireFault::FieldId)?
            };
            last = id;
            let known = fields.iter().position(|f| f.0 == id);
            match known.map(|i| (i, fields[i].1)) {
                Some((i, Ty::Struct(inner))) if wire == STRUCT && self.depth == 1 => {
                    self.structure_in(inner, id)?;
                    present |= 1 << i.min(31);
                }
                Some((i, ty)) if matches_wire(ty, wire) => {
                    let value = self.value(ty, wire)?;
                    if recorded && let Some(v) = value {
                        self.top.ints.push(((outer, id), v));
                    }
                    present |= 1 << i.min(31);
                }
                // Thrift's generated C++ skips a known field of another wire type (the field is
                // then missing); the `parquet` crate reads it as its own type. They would read
                // different files: refuse it (no writer produces it).
                Some((_, ty)) => {
                    return Err(WireFault::FieldWire {
                        id,
                        wire,
                        expected: wire_of(ty),
                    });
                }
                None => self.skip(wire)?,
            }
        }
        for (i, f) in fields.iter().enumerate() {
            if f.2 && present & (1 << i.min(31)) == 0 {
                return Err(WireFault::Missing(f.0));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads a value of the IDL type `ty` (its wire type matches); integers are returned.
    fn value(&mut self, ty: Ty, wire: u8) -> Walk<Option<i64>> {
        Ok(match ty {
            Ty::Bool => None,
            Ty::I8 => Some(i64::from(self.byte()? as i8)),
            Ty::I16 => Some(self.zigzag(3)?),
            Ty::I32 => Some(self.zigzag(5)?),
            Ty::ColumnType => {
                let t = self.zigzag(5)?;
                self.column_types.push(t);
                Some(t)
            }
            Ty::I64 => Some(self.zigzag(10)?),
            Ty::Double => {
                self.bytes(8)?;
                None
            }
            Ty::Binary => {
                let n = self.size()?;
                self.bytes(n)?;
                None
            }
            Ty::List(element) => {
                let (n, elem_wire) = self.list_header()?;
                // As for fields: Thrift's C++ code reads the elements as the format's type, the
                // `parquet` crate may skip them by their wire type.
                if !matches_wire(*element, elem_wire) {
                    return Err(WireFault::ListWire {
                        wire: elem_wire,
                        expected: wire_of(*element),
                    });
                }
                for _ in 0..n {
                    self.element(*element)?;
                }
                None
            }
            Ty::Struct(fields) => {
                debug_assert_eq!(wire, STRUCT);
                self.structure(fields)?;
                None
            }
        })
    }

    /// A list element of type `ty` (booleans are one byte inside containers).
    fn element(&mut self, ty: Ty) -> Walk<()> {
        match ty {
            Ty::Bool => self.bool_byte(),
            _ => self.value(ty, wire_of(ty)).map(|_| ()),
        }
    }

    fn bool_byte(&mut self) -> Walk<()> {
        match self.byte()? {
            BOOL_TRUE | BOOL_FALSE | 0 => Ok(()),
            b => Err(WireFault::Bool {
                value: b,
                at: self.pos - 1,
            }),
        }
    }

    fn list_header(&mut self) -> Walk<(usize, u8)> {
        let h = self.byte()?;
        let short = usize::from(h >> 4);
        let n = if short == 15 { self.size()? } else { short };
        let wire = h & 0x0f;
        check_wire(wire)?;
        Ok((n, wire))
    }

    /// Skips a field value of wire type `wire`.
    fn skip(&mut self, wire: u8) -> Walk<()> {
        match wire {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            _ => self.skip_element(wire),
        }
    }

    /// Skips a value of wire type `wire` inside a container (or a non-boolean field).
    fn skip_element(&mut self, wire: u8) -> Walk<()> {
        match wire {
            BOOL_TRUE | BOOL_FALSE => self.bool_byte(),
            BYTE => self.bytes(1),
            I16 => self.zigzag(3).map(|_| ()),
            I32 => self.zigzag(5).map(|_| ()),
            I64 => self.zigzag(10).map(|_| ()),
            DOUBLE => self.bytes(8),
            BINARY => {
                let n = self.size()?;
                self.bytes(n)
            }
            LIST | SET => {
                let (n, elem) = self.list_header()?;
                self.enter()?;
                for _ in 0..n {
                    self.skip_element(elem)?;
                }
                self.depth -= 1;
                Ok(())
            }
            MAP => {
                let n = self.size()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                let (k, v) = (kv >> 4, kv & 0x0f);
                check_wire(k)?;
                check_wire(v)?;
                self.enter()?;
                for _ in 0..n {
                    self.skip_element(k)?;
                    self.skip_element(v)?;
                }
                self.depth -= 1;
                Ok(())
            }
            STRUCT => self.structure(EMPTY),
            other => Err(WireFault::UnknownWireAt {
                wire: other,
                at: self.pos,
            }),
        }
    }

    fn enter(&mut self) -> Walk<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(WireFault::TooDeep);
        }
        Ok(())
    }
}

fn check_wire(wire: u8) -> Walk<()> {
    match wire {
        BOOL_TRUE..=STRUCT => Ok(()),
        other => Err(WireFault::UnknownWire(other)),
    }
}

fn wire_of(ty: Ty) -> u8 {
    match ty {
        Ty::Bool => BOOL_TRUE,
        Ty::I8 => BYTE,
        Ty::I16 => I16,
        Ty::I32 | Ty::ColumnType => I32,
        Ty::I64 => I64,
        Ty::Double => DOUBLE,
        Ty::Binary => BINARY,
        Ty::List(_) => LIST,
        Ty::Struct(_) => STRUCT,
    }
}

fn matches_wire(ty: Ty, wire: u8) -> bool {
    match ty {
        Ty::Bool => wire == BOOL_TRUE || wire == BOOL_FALSE,
        _ => wire == wire_of(ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v1 data page header: type 0, sizes 10 and 12, data page header (5 values, encodings 0,
    /// 3, 3).
    const HEADER: [u8; 14] = [
        0x15, 0x00, 0x15, 0x14, 0x15, 0x18, 0x2c, 0x15, 0x0a, 0x15, 0x00, 0x15, 0x06, 0x15,
    ];

    #[test]
    fn page_headers_are_walked_strictly() {
        let mut ok = HEADER.to_vec();
        ok.extend([0x06, 0x00, 0x00]);
        let (len, top) = page_header(&ok).unwrap();
        assert_eq!(len, ok.len());
        assert_eq!((top.int(2), top.int(3)), (Some(10), Some(12)));
        // The first field's wire type damaged (i32 -> binary).
        let mut bad = ok.clone();
        bad[0] = 0x18;
        assert!(page_header(&bad).is_err());
        // An unknown wire type.
        bad[0] = 0x1e;
        let err = page_header(&bad).unwrap_err();
        assert_eq!(err.fault, WireFault::UnknownWireAt { wire: 14, at: 0 });
        assert!(err.to_string().contains("unknown wire type"), "{err}");
        // Truncated.
        assert!(page_header(&ok[..ok.len() - 1]).is_err());
    }
}
