//! How a branch's values are laid out in baskets, and the Arrow type they become.

use std::sync::Arc;

use arrow_schema::{DataType, Field};
use rask_core::list_of;

/// A ROOT number type as stored in baskets (big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prim {
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    /// `Double32_t` without a range: a float on disk, a double in memory.
    Double32,
    /// `Float16_t`: recognised, not decoded yet.
    Float16,
}

impl Prim {
    /// Bytes per value on disk.
    pub fn size(self) -> usize {
        match self {
            Prim::Bool | Prim::I8 | Prim::U8 => 1,
            Prim::I16 | Prim::U16 => 2,
            Prim::I32 | Prim::U32 | Prim::F32 | Prim::Double32 => 4,
            Prim::I64 | Prim::U64 | Prim::F64 => 8,
            Prim::Float16 => 4,
        }
    }

    /// The Arrow type of one value.
    pub fn arrow_type(self) -> DataType {
        match self {
            Prim::Bool => DataType::Boolean,
            Prim::I8 => DataType::Int8,
            Prim::U8 => DataType::UInt8,
            Prim::I16 => DataType::Int16,
            Prim::U16 => DataType::UInt16,
            Prim::I32 => DataType::Int32,
            Prim::U32 => DataType::UInt32,
            Prim::I64 => DataType::Int64,
            Prim::U64 => DataType::UInt64,
            Prim::F32 | Prim::Float16 => DataType::Float32,
            Prim::F64 | Prim::Double32 => DataType::Float64,
        }
    }
}

/// The layout of a branch's entries in its baskets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A fixed number of values per entry: a scalar (`dims` empty) or an array `x[3][4]`.
    Fixed { prim: Prim, dims: Vec<usize> },
    /// Counter-indexed `x[n]` (optionally `x[n][3]`): entries of varying length, values contiguous.
    Jagged { prim: Prim, inner: Vec<usize> },
    /// `std::vector<T>`: each entry starts with a 6-byte object header and a 4-byte length.
    Vector { prim: Prim },
    /// `char*` (TLeafC): a length byte (255: a 4-byte length follows), then the bytes.
    CharStar,
}

impl Layout {
    /// The Arrow type of one entry.
    ///
    /// ```
    /// use rask_io_root::{Layout, Prim};
    /// let t = Layout::Jagged { prim: Prim::F32, inner: vec![] }.arrow_type();
    /// assert_eq!(t, rask_core::list_of(arrow_schema::DataType::Float32));
    /// ```
    pub fn arrow_type(&self) -> DataType {
        match self {
            Layout::Fixed { prim, dims } => fixed_type(prim.arrow_type(), dims),
            Layout::Jagged { prim, inner } => list_of(fixed_type(prim.arrow_type(), inner)),
            Layout::Vector { prim } => list_of(prim.arrow_type()),
            Layout::CharStar => DataType::Utf8,
        }
    }

    /// Values per entry for fixed layouts (1 for scalars), per list element for jagged ones.
    pub fn multiplicity(&self) -> usize {
        match self {
            Layout::Fixed { dims, .. } | Layout::Jagged { inner: dims, .. } => {
                dims.iter().product()
            }
            Layout::Vector { .. } | Layout::CharStar => 1,
        }
    }
}

fn fixed_type(item: DataType, dims: &[usize]) -> DataType {
    dims.iter().rev().fold(item, |inner, &n| {
        DataType::FixedSizeList(Arc::new(Field::new("item", inner, false)), n as i32)
    })
}
