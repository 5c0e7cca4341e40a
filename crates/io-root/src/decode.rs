//! Decoding basket bytes into Arrow buffers: whole ranges at a time, big-endian to native.
//!
//! A [`ColumnBuilder`] collects one branch's values for one entry range across baskets: one flat
//! values buffer, plus 32-bit list offsets for jagged, vector and string branches. Nothing is
//! allocated per entry; fixed-size and counter-indexed branches convert a whole contiguous byte
//! range per basket.

use std::sync::Arc;

use arrow_array::types::*;
use arrow_array::{
    ArrayRef, BooleanArray, FixedSizeListArray, ListArray, PrimitiveArray, StringArray,
};
use arrow_buffer::{BooleanBufferBuilder, Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};

use crate::basket::Basket;
use crate::expected_offsets::{Check, Expected};
use crate::types::{Layout, Prim};

/// Why a basket's bytes do not make a column of the branch's layout (damage), or why Arrow
/// refused what was built ([`ColumnError::is_internal`]). Nothing is allocated unless an error
/// is made: the hot path returns `Ok(())`.
///
/// ```
/// use rask_io_root::decode::ColumnError;
/// assert_eq!(
///     ColumnError::Misaligned { item: 4 }.to_string(),
///     "an entry is not a whole number of 4-byte values"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ColumnError {
    #[error("basket holds {bytes} bytes, {entries} entries of {stride} bytes need {want}")]
    FixedSize {
        bytes: usize,
        entries: usize,
        stride: usize,
        want: usize,
    },
    #[error("more than 2^31 values in one batch: use smaller partitions")]
    TooManyValues,
    #[error("an entry is not a whole number of {item}-byte values")]
    Misaligned { item: usize },
    #[error("std::vector entry of {0} bytes is shorter than its header")]
    VectorTooShort(usize),
    #[error("std::vector entry header (length {length}) does not match its {bytes} bytes")]
    VectorHeader { length: i32, bytes: usize },
    #[error("string of {string} bytes in an entry of {entry} bytes")]
    StringTooLong { string: usize, entry: usize },
    #[error("{offsets} entry offsets for {entries} entries")]
    OffsetCount { offsets: usize, entries: usize },
    #[error("basket has no entry offsets, which a variable-size branch needs")]
    NoOffsets,
    #[error("string entries are not valid UTF-8: {0}")]
    NotUtf8(#[source] arrow_schema::ArrowError),
    /// Internal: a list layout whose Arrow type is not a list.
    #[error("list layout with type {0}")]
    ListType(DataType),
    /// Internal: Arrow refused the list built.
    #[error("inconsistent list: {0}")]
    List(#[source] arrow_schema::ArrowError),
}

impl ColumnError {
    /// Whether the builder, not the file, is at fault.
    pub fn is_internal(&self) -> bool {
        matches!(self, ColumnError::ListType(_) | ColumnError::List(_))
    }
}

/// How numbers are decoded: as stored, or widened as the engine computes (every float to f64,
/// every integer to i64), so that the engine's columns are the decoded buffers themselves.
///
/// ```
/// use arrow_schema::DataType;
/// use rask_io_root::decode::{Widths, widened_type};
/// assert_eq!(widened_type(&DataType::Float32), DataType::Float64);
/// assert_eq!(widened_type(&DataType::UInt16), DataType::Int64);
/// assert_eq!(Widths::default(), Widths::Stored);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Widths {
    #[default]
    Stored,
    Widened,
}

/// The Arrow type a column of type `t` has when read [`Widths::Widened`] (lists and fixed-size
/// lists widened inside; booleans, strings and 64-bit types unchanged).
pub fn widened_type(t: &DataType) -> DataType {
    let inner = |f: &Arc<Field>| {
        Arc::new(
            Field::new(f.name(), widened_type(f.data_type()), f.is_nullable())
                .with_metadata(f.metadata().clone()),
        )
    };
    match t {
        DataType::Float16 | DataType::Float32 => DataType::Float64,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => DataType::Int64,
        DataType::List(f) => DataType::List(inner(f)),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(inner(f), *n),
        other => other.clone(),
    }
}

/// Values of one primitive type, native-endian.
#[derive(Debug)]
enum Values {
    Bool(BooleanBufferBuilder),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    /// Double32_t: f32 on disk, f64 in memory (also any float read widened).
    D32(Vec<f64>),
    /// An integer type read widened to i64.
    Wide(Prim, Vec<i64>),
}

macro_rules! extend_be {
    ($v:expr, $src:expr, $n:literal, $from:expr) => {{
        let (chunks, _) = $src.as_chunks::<$n>();
        $v.extend(chunks.iter().map($from));
    }};
}

impl Values {
    fn new(prim: Prim, capacity: usize, widths: Widths) -> Values {
        if widths == Widths::Widened {
            match prim {
                Prim::F32 | Prim::Float16 => return Values::D32(Vec::with_capacity(capacity)),
                Prim::Bool | Prim::I64 | Prim::F64 | Prim::Double32 => {}
                _ => return Values::Wide(prim, Vec::with_capacity(capacity)),
            }
        }
        match prim {
            Prim::Bool => Values::Bool(BooleanBufferBuilder::new(capacity)),
            Prim::I8 => Values::I8(Vec::with_capacity(capacity)),
            Prim::U8 => Values::U8(Vec::with_capacity(capacity)),
            Prim::I16 => Values::I16(Vec::with_capacity(capacity)),
            Prim::U16 => Values::U16(Vec::with_capacity(capacity)),
            Prim::I32 => Values::I32(Vec::with_capacity(capacity)),
            Prim::U32 => Values::U32(Vec::with_capacity(capacity)),
            Prim::I64 => Values::I64(Vec::with_capacity(capacity)),
            Prim::U64 => Values::U64(Vec::with_capacity(capacity)),
            Prim::F32 | Prim::Float16 => Values::F32(Vec::with_capacity(capacity)),
            Prim::F64 => Values::F64(Vec::with_capacity(capacity)),
            Prim::Double32 => Values::D32(Vec::with_capacity(capacity)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Values::Bool(b) => b.len(),
            Values::I8(v) => v.len(),
            Values::U8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::D32(v) => v.len(),
            Values::Wide(_, v) => v.len(),
        }
    }

    /// Reserves room for `n` more values.
    fn reserve(&mut self, n: usize) {
        match self {
            Values::Bool(b) => b.reserve(n),
            Values::I8(v) => v.reserve(n),
            Values::U8(v) => v.reserve(n),
            Values::I16(v) => v.reserve(n),
            Values::U16(v) => v.reserve(n),
            Values::I32(v) => v.reserve(n),
            Values::U32(v) => v.reserve(n),
            Values::I64(v) => v.reserve(n),
            Values::U64(v) => v.reserve(n),
            Values::F32(v) => v.reserve(n),
            Values::F64(v) => v.reserve(n),
            Values::D32(v) => v.reserve(n),
            Values::Wide(_, v) => v.reserve(n),
        }
    }

    /// Appends the big-endian values in `src` (whose length is a multiple of the value size),
    /// compiled for the widest instruction set of the CPU: a byte shuffle per vector (AVX2's
    /// `vpshufb`) where baseline x86-64 has none.
    fn extend(&mut self, src: &[u8]) {
        use rask_core::isa::Isa;
        match Isa::detect() {
            Isa::Portable => self.extend_body(src),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
            Isa::Avx2 => unsafe { extend_avx2(self, src) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for the AVX-512 subsets.
            Isa::Avx512 => unsafe { extend_avx512(self, src) },
        }
    }

    #[inline(always)]
    fn extend_body(&mut self, src: &[u8]) {
        match self {
            Values::Bool(b) => {
                let bits = arrow_buffer::BooleanBuffer::collect_bool(src.len(), |i| src[i] != 0);
                b.append_buffer(&bits);
            }
            Values::I8(v) => v.extend(src.iter().map(|&x| x as i8)),
            Values::U8(v) => v.extend_from_slice(src),
            Values::I16(v) => extend_be!(v, src, 2, |c| i16::from_be_bytes(*c)),
            Values::U16(v) => extend_be!(v, src, 2, |c| u16::from_be_bytes(*c)),
            Values::I32(v) => extend_be!(v, src, 4, |c| i32::from_be_bytes(*c)),
            Values::U32(v) => extend_be!(v, src, 4, |c| u32::from_be_bytes(*c)),
            Values::I64(v) => extend_be!(v, src, 8, |c| i64::from_be_bytes(*c)),
            Values::U64(v) => extend_be!(v, src, 8, |c| u64::from_be_bytes(*c)),
            Values::F32(v) => extend_be!(v, src, 4, |c| f32::from_be_bytes(*c)),
            Values::F64(v) => extend_be!(v, src, 8, |c| f64::from_be_bytes(*c)),
            Values::D32(v) => extend_be!(v, src, 4, |c| f32::from_be_bytes(*c) as f64),
            // The same conversions as `rask_core::column::Col::from_arrow` makes.
            Values::Wide(prim, v) => match prim {
                Prim::I8 => v.extend(src.iter().map(|&x| x as i8 as i64)),
                Prim::U8 => v.extend(src.iter().map(|&x| x as i64)),
                Prim::I16 => extend_be!(v, src, 2, |c| i16::from_be_bytes(*c) as i64),
                Prim::U16 => extend_be!(v, src, 2, |c| u16::from_be_bytes(*c) as i64),
                Prim::I32 => extend_be!(v, src, 4, |c| i32::from_be_bytes(*c) as i64),
                Prim::U32 => extend_be!(v, src, 4, |c| u32::from_be_bytes(*c) as i64),
                Prim::U64 => extend_be!(v, src, 8, |c| u64::from_be_bytes(*c) as i64),
                _ => extend_be!(v, src, 8, |c| i64::from_be_bytes(*c)),
            },
        }
    }

    fn finish(self) -> ArrayRef {
        fn prim<T: ArrowPrimitiveType>(v: Vec<T::Native>) -> ArrayRef {
            Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(v), None))
        }
        match self {
            Values::Bool(mut b) => Arc::new(BooleanArray::new(b.finish(), None)),
            Values::I8(v) => prim::<Int8Type>(v),
            Values::U8(v) => prim::<UInt8Type>(v),
            Values::I16(v) => prim::<Int16Type>(v),
            Values::U16(v) => prim::<UInt16Type>(v),
            Values::I32(v) => prim::<Int32Type>(v),
            Values::U32(v) => prim::<UInt32Type>(v),
            Values::I64(v) => prim::<Int64Type>(v),
            Values::U64(v) => prim::<UInt64Type>(v),
            Values::F32(v) => prim::<Float32Type>(v),
            Values::F64(v) => prim::<Float64Type>(v),
            Values::D32(v) => prim::<Float64Type>(v),
            Values::Wide(_, v) => prim::<Int64Type>(v),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn extend_avx2(values: &mut Values, src: &[u8]) {
    values.extend_body(src)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn extend_avx512(values: &mut Values, src: &[u8]) {
    values.extend_body(src)
}

/// Accumulates one branch's entries from consecutive basket ranges.
#[derive(Debug)]
pub struct ColumnBuilder {
    layout: Layout,
    widths: Widths,
    values: Values,
    /// List offsets (jagged, vector, string layouts), starting at 0.
    offsets: Vec<i32>,
    /// String bytes (char* layout).
    bytes: Vec<u8>,
    entries: usize,
    /// Jagged offsets expected instead of built ([`ColumnBuilder::expecting`]).
    expected: Option<Expected>,
}

impl ColumnBuilder {
    /// A builder for `layout`, sized for `entries` entries and, for variable-size layouts, about
    /// `value_bytes_hint` bytes of values on disk (so buffers grow once, not by doubling).
    pub fn new(layout: &Layout, entries: usize, value_bytes_hint: usize) -> Self {
        Self::with_widths(layout, entries, value_bytes_hint, Widths::Stored)
    }

    /// [`ColumnBuilder::new`] with numbers decoded as `widths` says.
    pub fn with_widths(
        layout: &Layout,
        entries: usize,
        value_bytes_hint: usize,
        widths: Widths,
    ) -> Self {
        let prim = match layout {
            Layout::Fixed { prim, .. } | Layout::Jagged { prim, .. } | Layout::Vector { prim } => {
                *prim
            }
            Layout::CharStar => Prim::U8,
        };
        let capacity = match layout {
            Layout::Fixed { .. } => entries * layout.multiplicity(),
            _ => value_bytes_hint / prim.size(),
        };
        let mut offsets = Vec::new();
        if !matches!(layout, Layout::Fixed { .. }) {
            offsets.reserve(entries + 1);
            offsets.push(0);
        }
        ColumnBuilder {
            layout: layout.clone(),
            widths,
            values: Values::new(prim, capacity, widths),
            offsets,
            bytes: Vec::new(),
            entries: 0,
            expected: None,
        }
    }

    /// The same builder, its entries expected to have `offsets` (those of a branch of the same
    /// counter over the same entries): they are checked as baskets are appended instead of
    /// written, and the column shares `offsets` when every entry matches
    /// ([`crate::expected_offsets`]). Only jagged layouts expect; others ignore it.
    ///
    /// ```
    /// # use rask_io_root::{ColumnBuilder, Basket, types::{Layout, Prim}};
    /// use arrow_array::{Array, cast::AsArray};
    /// let layout = Layout::Jagged { prim: Prim::I32, inner: vec![] };
    /// let first = arrow_buffer::OffsetBuffer::new(vec![0, 1, 1].into());
    /// let mut b = ColumnBuilder::new(&layout, 2, 4).expecting(first.clone());
    /// let basket = Basket { data: &[0, 0, 0, 7], entries: 2, entry_offsets: Some(&[0, 4, 4]) };
    /// b.append(basket, 0, 2)?;
    /// let column = b.finish()?;
    /// assert!(column.as_list::<i32>().offsets().inner().inner().ptr_eq(first.inner().inner()));
    /// # Ok::<(), rask_io_root::decode::ColumnError>(())
    /// ```
    pub fn expecting(mut self, offsets: OffsetBuffer<i32>) -> Self {
        if matches!(self.layout, Layout::Jagged { .. }) && self.entries == 0 {
            self.offsets = vec![0];
            self.expected = Some(Expected::new(offsets));
        }
        self
    }

    /// Appends entries `lo..hi` of `basket`. Errors describe what in the basket is inconsistent.
    pub fn append(&mut self, basket: Basket<'_>, lo: usize, hi: usize) -> Result<(), ColumnError> {
        debug_assert!(lo <= hi && hi <= basket.entries);
        match &self.layout {
            Layout::Fixed { prim, .. } => {
                let stride = prim.size() * self.layout.multiplicity();
                let want = basket.entries * stride;
                if basket.data.len() != want {
                    return Err(ColumnError::FixedSize {
                        bytes: basket.data.len(),
                        entries: basket.entries,
                        stride,
                        want,
                    });
                }
                self.values.extend(&basket.data[lo * stride..hi * stride]);
            }
            Layout::Jagged { prim, .. } => {
                let offs = entry_offsets(basket)?;
                let item = prim.size() * self.layout.multiplicity();
                let (base, end) = (offs[lo], offs[hi]);
                let start = match &self.expected {
                    Some(e) => e.last() as usize,
                    None => *self.offsets.last().unwrap_or(&0) as usize,
                };
                if start + (end - base) as usize / item > i32::MAX as usize {
                    return Err(ColumnError::TooManyValues);
                }
                // Entry offsets are checked monotone when the basket is read, so every entry is a
                // whole number of values exactly when every offset from `base` is a multiple of
                // `item`. Item sizes are powers of two for all but odd fixed inner dimensions.
                let entries = &offs[lo..=hi];
                let misaligned = match self.expected.as_mut().map(|e| e.check(entries, item)) {
                    Some(Check::Same) => false,
                    Some(Check::Misaligned) => true,
                    Some(Check::Differs) | None => {
                        if let Some(e) = self.expected.take() {
                            self.offsets = e.verified_prefix();
                        }
                        push_entry_offsets(&mut self.offsets, entries, start, item)
                    }
                };
                if misaligned {
                    return Err(ColumnError::Misaligned { item });
                }
                let bytes = &basket.data[base as usize..end as usize];
                self.values.reserve(bytes.len() / prim.size());
                self.values.extend(bytes);
            }
            Layout::Vector { prim } => {
                let offs = entry_offsets(basket)?;
                let size = prim.size();
                let mut last = *self.offsets.last().unwrap_or(&0) as i64;
                for w in offs[lo..=hi].windows(2) {
                    let entry = &basket.data[w[0] as usize..w[1] as usize];
                    let (head, body) = entry
                        .split_at_checked(10)
                        .ok_or(ColumnError::VectorTooShort(entry.len()))?;
                    let n = i32::from_be_bytes([head[6], head[7], head[8], head[9]]);
                    if head[0] & 0x40 == 0 || n < 0 || n as usize * size != body.len() {
                        return Err(ColumnError::VectorHeader {
                            length: n,
                            bytes: body.len(),
                        });
                    }
                    // Per entry: the portable body, without a per-call dispatch.
                    self.values.extend_body(body);
                    last += n as i64;
                    self.push_offset(last)?;
                }
            }
            Layout::CharStar => {
                let offs = entry_offsets(basket)?;
                for w in offs[lo..=hi].windows(2) {
                    let entry = &basket.data[w[0] as usize..w[1] as usize];
                    let (n, skip) = match entry.first() {
                        Some(255) if entry.len() >= 5 => (
                            u32::from_be_bytes([entry[1], entry[2], entry[3], entry[4]]) as usize,
                            5,
                        ),
                        Some(&n) => (n as usize, 1),
                        None => (0, 0),
                    };
                    let s = entry
                        .get(skip..skip + n)
                        .ok_or(ColumnError::StringTooLong {
                            string: n,
                            entry: entry.len(),
                        })?;
                    self.bytes.extend_from_slice(s);
                    self.push_offset(self.bytes.len() as i64)?;
                }
            }
        }
        self.entries += hi - lo;
        Ok(())
    }

    fn push_offset(&mut self, value: i64) -> Result<(), ColumnError> {
        let v = i32::try_from(value).map_err(|_| ColumnError::TooManyValues)?;
        self.offsets.push(v);
        Ok(())
    }

    /// The Arrow array of the entries appended.
    pub fn finish(self) -> Result<ArrayRef, ColumnError> {
        let data_type = match self.widths {
            Widths::Stored => self.layout.arrow_type(),
            Widths::Widened => widened_type(&self.layout.arrow_type()),
        };
        match self.layout {
            Layout::Fixed { dims, .. } => Ok(wrap_fixed(self.values.finish(), &dims)),
            Layout::Jagged { inner, .. } => {
                let values = wrap_fixed(self.values.finish(), &inner);
                match self.expected.map(Expected::finish) {
                    Some(Ok(shared)) => list_of(data_type, shared, values),
                    Some(Err(offsets)) => list(data_type, offsets, values),
                    None => list(data_type, self.offsets, values),
                }
            }
            Layout::Vector { .. } => list(data_type, self.offsets, self.values.finish()),
            Layout::CharStar => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
                StringArray::try_new(offsets, Buffer::from_vec(self.bytes), None)
                    .map(|a| Arc::new(a) as ArrayRef)
                    .map_err(ColumnError::NotUtf8)
            }
        }
    }

    /// Entries appended so far.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Values appended so far (flattened).
    pub fn values_len(&self) -> usize {
        self.values.len()
    }
}

/// Appends the list offsets of the entries whose basket byte offsets are `offs` (one more than
/// the entries; `offs[0]` is where the first starts), counting values of `item` bytes from
/// `start`; true when an entry is not a whole number of values. The caller has checked that
/// `start` plus the values fits in an `i32`, and the basket reader that `offs` never decreases.
///
/// One branch-free 32-bit pass (it vectorises): the per-entry push it replaces was 5% of ADL Q8.
/// Compiled for the widest instruction set of the CPU.
fn push_entry_offsets(offsets: &mut Vec<i32>, offs: &[u32], start: usize, item: usize) -> bool {
    use rask_core::isa::Isa;
    match Isa::detect() {
        Isa::Portable => push_entry_offsets_body(offsets, offs, start, item),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
        Isa::Avx2 => unsafe { push_entry_offsets_avx2(offsets, offs, start, item) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets.
        Isa::Avx512 => unsafe { push_entry_offsets_avx512(offsets, offs, start, item) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn push_entry_offsets_avx2(
    offsets: &mut Vec<i32>,
    offs: &[u32],
    start: usize,
    item: usize,
) -> bool {
    push_entry_offsets_body(offsets, offs, start, item)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn push_entry_offsets_avx512(
    offsets: &mut Vec<i32>,
    offs: &[u32],
    start: usize,
    item: usize,
) -> bool {
    push_entry_offsets_body(offsets, offs, start, item)
}

#[inline(always)]
fn push_entry_offsets_body(
    offsets: &mut Vec<i32>,
    offs: &[u32],
    start: usize,
    item: usize,
) -> bool {
    let Some((&base, rest)) = offs.split_first() else {
        return false;
    };
    // `start + (o - base) / item <= i32::MAX` for the last (largest) `o`, checked by the caller.
    // Written straight into the spare capacity (no zeroing first), in a loop that vectorises.
    let at = offsets.len();
    offsets.reserve(rest.len());
    let out = &mut offsets.spare_capacity_mut()[..rest.len()];
    let start = start as u32;
    let mut misaligned = 0u32;
    if item.is_power_of_two() {
        let (shift, mask) = (item.trailing_zeros(), item as u32 - 1);
        for (dst, &o) in out.iter_mut().zip(rest) {
            let rel = o.wrapping_sub(base);
            misaligned |= rel & mask;
            dst.write(start.wrapping_add(rel >> shift) as i32);
        }
    } else {
        let item = item as u32;
        for (dst, &o) in out.iter_mut().zip(rest) {
            let rel = o.wrapping_sub(base);
            misaligned |= rel % item;
            dst.write(start.wrapping_add(rel / item) as i32);
        }
    }
    // SAFETY: the loop above wrote all `rest.len()` values after `at` (`out` is that long and
    // the zip runs over `rest`), inside the reserved capacity.
    unsafe { offsets.set_len(at + rest.len()) };
    misaligned != 0
}

fn entry_offsets<'a>(basket: Basket<'a>) -> Result<&'a [u32], ColumnError> {
    match basket.entry_offsets {
        Some(o) if o.len() == basket.entries + 1 => Ok(o),
        Some(o) => Err(ColumnError::OffsetCount {
            offsets: o.len(),
            entries: basket.entries,
        }),
        None => Err(ColumnError::NoOffsets),
    }
}

fn list(data_type: DataType, offsets: Vec<i32>, values: ArrayRef) -> Result<ArrayRef, ColumnError> {
    let DataType::List(field) = data_type else {
        return Err(ColumnError::ListType(data_type));
    };
    // The builder makes offsets that start at 0 and never decrease: jagged entries from basket
    // offsets checked monotone when the basket was read (`basket::split_offsets`), vector
    // and string entries by adding non-negative lengths. So the O(n) check of
    // `OffsetBuffer::new` is skipped (it was 2% of ADL Q8); `ListArray::try_new` still checks
    // that the last offset is inside the values.
    debug_assert!(offsets.first() == Some(&0) && offsets.windows(2).all(|w| w[0] <= w[1]));
    if offsets.first() != Some(&0) {
        return Err(ColumnError::List(
            arrow_schema::ArrowError::InvalidArgumentError(
                "list offsets do not start at 0".to_string(),
            ),
        ));
    }
    // SAFETY: non-empty, starts at 0 (checked above) and non-decreasing (by construction, see
    // above), which is all `OffsetBuffer` requires.
    let offsets = unsafe { OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)) };
    list_of(DataType::List(field), offsets, values)
}

/// A list array of `values` with `offsets` (`ListArray::try_new` checks that the last offset is
/// inside the values).
fn list_of(
    data_type: DataType,
    offsets: OffsetBuffer<i32>,
    values: ArrayRef,
) -> Result<ArrayRef, ColumnError> {
    let DataType::List(field) = data_type else {
        return Err(ColumnError::ListType(data_type));
    };
    ListArray::try_new(field, offsets, values, None)
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(ColumnError::List)
}

fn wrap_fixed(values: ArrayRef, dims: &[usize]) -> ArrayRef {
    dims.iter().rev().fold(values, |inner, &n| {
        let field = Arc::new(Field::new("item", inner.data_type().clone(), false));
        Arc::new(FixedSizeListArray::new(field, n as i32, inner, None))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, cast::AsArray};

    fn basket<'a>(data: &'a [u8], offsets: Option<&'a [u32]>, entries: usize) -> Basket<'a> {
        Basket {
            data,
            entry_offsets: offsets,
            entries,
        }
    }

    #[test]
    fn expected_offsets_that_differ_midway_give_the_branch_its_own() -> Result<(), ColumnError> {
        let layout = Layout::Jagged {
            prim: Prim::I32,
            inner: vec![],
        };
        // Expected: entries of 1, 0, 2 values; read: 1, 0, then 1 in a second basket.
        let expected = OffsetBuffer::new(vec![0, 1, 1, 3].into());
        let mut b = ColumnBuilder::new(&layout, 3, 8).expecting(expected.clone());
        b.append(basket(&[0, 0, 0, 5], Some(&[0, 4, 4]), 2), 0, 2)?;
        b.append(basket(&[0, 0, 0, 6], Some(&[0, 4]), 1), 0, 1)?;
        let column = b.finish()?;
        let list = column.as_list::<i32>();
        assert_eq!(list.offsets().to_vec(), vec![0, 1, 1, 2]);
        assert!(
            !list
                .offsets()
                .inner()
                .inner()
                .ptr_eq(expected.inner().inner())
        );
        // A damaged basket is still refused while expecting.
        let mut b =
            ColumnBuilder::new(&layout, 1, 8).expecting(OffsetBuffer::new(vec![0, 1].into()));
        assert!(matches!(
            b.append(basket(&[0; 6], Some(&[0, 6]), 1), 0, 1),
            Err(ColumnError::Misaligned { .. })
        ));
        Ok(())
    }

    #[test]
    fn std_vector_entries_decode() {
        // Two entries: [1.5, 2.5] and [].
        let mut data = Vec::new();
        let mut offs = vec![0u32];
        for vals in [vec![1.5f32, 2.5], vec![]] {
            data.extend_from_slice(&(0x4000_0000u32 | (6 + 4 * vals.len() as u32)).to_be_bytes());
            data.extend_from_slice(&9u16.to_be_bytes());
            data.extend_from_slice(&(vals.len() as i32).to_be_bytes());
            for v in &vals {
                data.extend_from_slice(&v.to_be_bytes());
            }
            offs.push(data.len() as u32);
        }
        let mut b = ColumnBuilder::new(&Layout::Vector { prim: Prim::F32 }, 2, 0);
        b.append(basket(&data, Some(&offs), 2), 0, 2).unwrap();
        let a = b.finish().unwrap();
        let l = a.as_list::<i32>();
        assert_eq!(l.value_offsets(), &[0, 2, 2]);
        assert_eq!(
            l.values().as_primitive::<Float32Type>().values(),
            &[1.5, 2.5]
        );
    }

    #[test]
    fn fixed_arrays_nest() {
        let data: Vec<u8> = (0..12i16).flat_map(|v| v.to_be_bytes()).collect();
        let layout = Layout::Fixed {
            prim: Prim::I16,
            dims: vec![2, 3],
        };
        let mut b = ColumnBuilder::new(&layout, 2, 0);
        b.append(basket(&data, None, 2), 1, 2).unwrap();
        let a = b.finish().unwrap();
        assert_eq!(a.data_type(), &layout.arrow_type());
        assert_eq!(a.len(), 1);
        let inner = a
            .as_fixed_size_list()
            .values()
            .as_fixed_size_list()
            .values()
            .clone();
        assert_eq!(
            inner.as_primitive::<Int16Type>().values(),
            &[6, 7, 8, 9, 10, 11]
        );
    }

    #[test]
    fn jagged_entries_must_be_whole_values() {
        let data = [0u8; 6];
        let offs = [0u32, 6];
        let mut b = ColumnBuilder::new(
            &Layout::Jagged {
                prim: Prim::F32,
                inner: vec![],
            },
            1,
            0,
        );
        let err = b.append(basket(&data, Some(&offs), 1), 0, 1).unwrap_err();
        assert!(matches!(err, ColumnError::Misaligned { item: 4 }), "{err}");
    }

    proptest::proptest! {
        /// The one-pass offsets equal an entry-by-entry division of the byte offsets, for
        /// power-of-two and other item sizes, and report an entry that is not whole values.
        #[test]
        fn entry_offsets_in_one_pass_equal_entry_by_entry(
            item in proptest::sample::select(vec![1usize, 2, 4, 8, 12, 24]),
            lengths in proptest::collection::vec(0u32..6, 0..40),
            base in 0u32..1000,
            start in 0usize..1000,
            odd in proptest::option::of(0usize..40),
        ) {
            let mut offs = vec![base];
            for (k, n) in lengths.iter().enumerate() {
                // One entry's bytes are off by one when `odd` picks it (item sizes above 1).
                let extra = u32::from(odd == Some(k) && item > 1);
                offs.push(offs[k] + n * item as u32 + extra);
            }
            let mut got = vec![-7];
            let misaligned = push_entry_offsets(&mut got, &offs, start, item);
            let whole = offs.iter().all(|o| (o - base) as usize % item == 0);
            proptest::prop_assert_eq!(misaligned, !whole);
            if whole {
                let mut want = vec![-7];
                want.extend(offs[1..].iter().map(|o| (start + (o - base) as usize / item) as i32));
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}
