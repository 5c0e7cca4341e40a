//! [`Col`]: a column of per-event values with awkward-like structure over Arrow buffers.
//!
//! Numbers are `f64`, `i64` or booleans (inputs are widened once when read: kinematics are
//! computed in f64); lists are offsets plus one flat child; optional values are a validity
//! bitmap over a child of the same length (the child's content at missing slots is unspecified
//! and never read); records are named children of equal length. Clones share buffers.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, StructArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields};

/// Why two columns cannot be appended or a column read as numbers.
///
/// ```
/// use rask_core::column::{Col, ColumnError};
/// let list = Col::list(vec![0, 1], Col::F64(vec![1.0].into()));
/// assert_eq!(list.to_f64(), Err(ColumnError::NotNumbers { found: "list" }));
/// assert_eq!(list.to_f64().unwrap_err().to_string(), "expected numbers, found list");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    /// Numbers wanted from lists, options or records.
    #[error("expected numbers, found {found}")]
    NotNumbers { found: &'static str },
    /// Rows of one structure appended to rows of another (the [`Col::kind`]s).
    #[error("cannot append {appended} rows to {to} rows")]
    Append {
        appended: &'static str,
        to: &'static str,
    },
    /// Records appended to records without one of their fields.
    #[error("the second records lack field '{name}'")]
    MissingField { name: String },
}

/// One column of values (see the module documentation).
#[derive(Debug, Clone)]
pub enum Col {
    F64(ScalarBuffer<f64>),
    I64(ScalarBuffer<i64>),
    Bool(BooleanBuffer),
    /// Offsets starting at 0, and the flat elements.
    List(OffsetBuffer<i32>, Arc<Col>),
    /// Validity and the values (same length).
    Opt(BooleanBuffer, Arc<Col>),
    /// Length and named fields.
    Record(usize, Arc<[(String, Col)]>),
}

/// List offsets counted from 0 (those of a sliced Arrow list start where the slice does); the
/// buffer itself when it already starts at 0.
///
/// ```
/// use arrow_buffer::OffsetBuffer;
/// let o = OffsetBuffer::new(vec![3, 5, 5, 9].into());
/// assert_eq!(&rask_core::column::rebased_offsets(&o)[..], &[0, 2, 2, 6]);
/// ```
pub fn rebased_offsets(o: &OffsetBuffer<i32>) -> OffsetBuffer<i32> {
    let first = o[0];
    if first == 0 {
        return o.clone();
    }
    let shifted: Vec<i32> = o.iter().map(|x| x - first).collect();
    // SAFETY: `o` is a valid offset buffer (non-empty, non-negative, non-decreasing); subtracting
    // its first value keeps it non-decreasing and makes it start at 0, so it stays valid.
    unsafe { OffsetBuffer::new_unchecked(shifted.into()) }
}

/// Optional row indices as the validity of what they pick and flat indices (row 0 where nothing
/// is picked, whose value is never read): how [`Col::take_opt`] and the engine's takes by
/// optional index gather.
///
/// ```
/// let (valid, flat) = rask_core::column::opt_picks(&[Some(2), None]);
/// assert_eq!((valid.iter().collect::<Vec<_>>(), flat), (vec![true, false], vec![2, 0]));
/// ```
pub fn opt_picks(idx: &[Option<u32>]) -> (BooleanBuffer, Vec<u32>) {
    let valid = idx.iter().map(Option::is_some).collect();
    let flat = idx.iter().map(|i| i.unwrap_or(0)).collect();
    (valid, flat)
}

/// Whole lists picked by row: their new offsets and the runs of items they cover. Made once,
/// it takes every column with the same offsets (the fields of one collection).
///
/// ```
/// use arrow_buffer::OffsetBuffer;
/// use rask_core::column::{Col, ListSelection};
/// let o = OffsetBuffer::new(vec![0, 2, 2, 5].into());
/// let picked = ListSelection::new(&o, &[2, 0]);
/// assert_eq!((&picked.offsets()[..], picked.ranges()), (&[0, 3, 5][..], &[2..5, 0..2][..]));
/// let Col::List(_, items) = picked.apply(&Col::I64((0..5).collect())) else { unreachable!() };
/// assert_eq!(items.len(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct ListSelection {
    /// The offsets of the picked lists.
    offsets: OffsetBuffer<i32>,
    /// Each picked list's items, in order.
    ranges: Vec<Range<u32>>,
    /// Every picked item's index, made on first use when the lists are short (a gather per
    /// item is cheaper than a copy per list of a few items).
    items: std::sync::OnceLock<Vec<u32>>,
    /// The picked items as bits over the items, made on first use when the lists are short,
    /// picked in order (an event cut) and cover at least a quarter of the items up to the last
    /// one: packing the set bits' items ([`Col::compress`]) beats a gather by index there.
    packed: std::sync::OnceLock<Option<BooleanBuffer>>,
}

impl ListSelection {
    /// The lists at `idx` of lists with offsets `o`.
    pub fn new(o: &OffsetBuffer<i32>, idx: &[u32]) -> ListSelection {
        let mut offsets = Vec::with_capacity(idx.len() + 1);
        offsets.push(0i32);
        let mut total = 0i32;
        let ranges = idx
            .iter()
            .map(|&i| {
                let (a, b) = (o[i as usize], o[i as usize + 1]);
                total += b - a;
                offsets.push(total);
                a as u32..b as u32
            })
            .collect();
        ListSelection {
            offsets: OffsetBuffer::new(ScalarBuffer::from(offsets)),
            ranges,
            items: std::sync::OnceLock::new(),
            packed: std::sync::OnceLock::new(),
        }
    }

    /// Items `start..stop` of every list with offsets `o` (clipped to its length; `None`: to
    /// its end), awkward's `x[:, start:stop]`.
    ///
    /// ```
    /// use arrow_buffer::OffsetBuffer;
    /// use rask_core::column::ListSelection;
    /// let o = OffsetBuffer::new(vec![0, 3, 3, 4].into());
    /// let sliced = ListSelection::slice(&o, 1, Some(3));
    /// assert_eq!((&sliced.offsets()[..], sliced.ranges()), (&[0, 2, 2, 2][..], &[1..3, 3..3, 4..4][..]));
    /// ```
    pub fn slice(o: &OffsetBuffer<i32>, start: u32, stop: Option<u32>) -> ListSelection {
        let mut offsets = Vec::with_capacity(o.len());
        offsets.push(0i32);
        let mut total = 0i32;
        let ranges = o
            .windows(2)
            .map(|w| {
                let kept = crate::kernels::window((w[1] - w[0]).max(0) as u32, start, stop);
                total += kept.len() as i32;
                offsets.push(total);
                w[0] as u32 + kept.start..w[0] as u32 + kept.end
            })
            .collect();
        ListSelection {
            offsets: OffsetBuffer::new(ScalarBuffer::from(offsets)),
            ranges,
            items: std::sync::OnceLock::new(),
            packed: std::sync::OnceLock::new(),
        }
    }

    /// The offsets of the picked lists.
    pub fn offsets(&self) -> &OffsetBuffer<i32> {
        &self.offsets
    }

    /// Each picked list's run of items, in order.
    pub fn ranges(&self) -> &[Range<u32>] {
        &self.ranges
    }

    /// The picked lists of `items` (the items of lists with the offsets this was made from).
    pub fn apply(&self, items: &Col) -> Col {
        let total = self.offsets.last().copied().unwrap_or(0) as usize;
        let short = total <= 8 * self.ranges.len();
        let picked = if short && !matches!(items, Col::List(..)) {
            match self
                .packed_bits(total)
                .and_then(|bits| items.compress(bits))
            {
                Some(packed) => packed,
                None => items.take(self.items.get_or_init(|| {
                    crate::kernels::indices_of_runs(self.ranges.iter().cloned(), total)
                })),
            }
        } else {
            items.take_ranges(&self.ranges, total)
        };
        Col::List(self.offsets.clone(), Arc::new(picked))
    }
}

impl ListSelection {
    /// The picked items' bits (see the `packed` field), `total` of them set.
    fn packed_bits(&self, total: usize) -> Option<&BooleanBuffer> {
        self.packed
            .get_or_init(|| {
                let in_order = self.ranges.windows(2).all(|w| w[0].end <= w[1].start);
                let end = self.ranges.last().map_or(0, |r| r.end as usize);
                if !in_order || !worth_packing(total, end) {
                    return None;
                }
                let runs = self.ranges.iter().map(|r| r.start as usize..r.end as usize);
                Some(crate::kernels::compress::bits_of_runs(runs, end))
            })
            .as_ref()
    }
}

/// Whether `kept` rows of `len` are many enough for packing by bits ([`Col::compress`], which
/// reads all `len`) to beat a gather by index (which reads the `kept`, and needs their indices).
///
/// ```
/// assert!(rask_core::column::worth_packing(30, 100));
/// assert!(!rask_core::column::worth_packing(3, 100));
/// ```
pub fn worth_packing(kept: usize, len: usize) -> bool {
    4 * kept >= len
}

impl Col {
    /// A list column from offsets (starting at 0) and its elements.
    ///
    /// ```
    /// use rask_core::column::Col;
    /// let c = Col::list(vec![0, 2, 2], Col::F64(vec![1.0, 2.0].into()));
    /// assert_eq!(c.len(), 2);
    /// ```
    pub fn list(offsets: Vec<i32>, items: Col) -> Col {
        Col::List(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Arc::new(items),
        )
    }

    /// A record column.
    pub fn record(len: usize, fields: Vec<(String, Col)>) -> Col {
        Col::Record(len, fields.into())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Col::F64(v) => v.len(),
            Col::I64(v) => v.len(),
            Col::Bool(v) => v.len(),
            Col::List(o, _) => o.len() - 1,
            Col::Opt(v, _) => v.len(),
            Col::Record(n, _) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short name of the variant, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Col::F64(_) => "f64",
            Col::I64(_) => "i64",
            Col::Bool(_) => "bool",
            Col::List(..) => "list",
            Col::Opt(..) => "option",
            Col::Record(..) => "record",
        }
    }

    /// The field `name` of a record column.
    pub fn field(&self, name: &str) -> Option<&Col> {
        match self {
            Col::Record(_, fields) => fields.iter().find(|(n, _)| n == name).map(|(_, c)| c),
            _ => None,
        }
    }

    /// The rows at `idx`, in that order.
    ///
    /// ```
    /// use rask_core::column::Col;
    /// let c = Col::list(vec![0, 2, 3], Col::I64(vec![1, 2, 3].into()));
    /// let Col::List(o, items) = c.take(&[1, 0]) else { unreachable!() };
    /// assert_eq!((o.to_vec(), items.take(&[0, 1, 2]).len()), (vec![0, 1, 3], 3));
    /// ```
    pub fn take(&self, idx: &[u32]) -> Col {
        use crate::kernels::gather::gather;
        match self {
            // A position past the end (a caller's broken invariant) takes the indexing loop,
            // which stops there as indexing a slice does.
            Col::F64(v) => Col::F64(gather(v, idx).unwrap_or_else(|| by_index(v, idx)).into()),
            Col::I64(v) => Col::I64(gather(v, idx).unwrap_or_else(|| by_index(v, idx)).into()),
            Col::Bool(v) => Col::Bool(idx.iter().map(|&i| v.value(i as usize)).collect()),
            Col::List(o, items) => ListSelection::new(o, idx).apply(items),
            Col::Opt(v, inner) => Col::Opt(
                idx.iter().map(|&i| v.value(i as usize)).collect(),
                Arc::new(inner.take(idx)),
            ),
            Col::Record(_, fields) => Col::Record(
                idx.len(),
                fields
                    .iter()
                    .map(|(n, c)| (n.clone(), c.take(idx)))
                    .collect(),
            ),
        }
    }

    /// `self.append(other)?.take(idx)` without the appended column, for numbers and records of
    /// numbers (the items of two lists concatenated per event, gathered from both buffers);
    /// `None` for other kinds, records of other fields, or a position past both (the caller
    /// appends and takes).
    ///
    /// ```
    /// use rask_core::column::Col;
    /// let (a, b) = (Col::F64(vec![1.0].into()), Col::F64(vec![2.0, 3.0].into()));
    /// let Some(Col::F64(v)) = a.take_concat(&b, &[2, 0]) else { unreachable!() };
    /// assert_eq!(&v[..], &[3.0, 1.0]);
    /// ```
    pub fn take_concat(&self, other: &Col, idx: &[u32]) -> Option<Col> {
        use crate::kernels::gather::gather_two;
        Some(match (self, other) {
            (Col::F64(a), Col::F64(b)) => Col::F64(gather_two(a, b, idx)?.into()),
            (Col::I64(a), Col::I64(b)) => Col::I64(gather_two(a, b, idx)?.into()),
            (Col::Record(_, fa), Col::Record(_, fb)) => {
                let mut fields = Vec::with_capacity(fa.len());
                for (name, c) in fa.iter() {
                    let d = fb.iter().find(|(m, _)| m == name).map(|(_, d)| d)?;
                    fields.push((name.clone(), c.take_concat(d, idx)?));
                }
                Col::Record(idx.len(), fields.into())
            }
            _ => return None,
        })
    }

    /// The rows whose bit in `keep` is set, in order (an event cut), packed without an index
    /// per row ([`crate::kernels::compress`]); `None` when `keep` is longer than the column.
    ///
    /// ```
    /// use arrow_buffer::BooleanBuffer;
    /// use rask_core::column::Col;
    /// let lists = Col::list(vec![0, 2, 2, 3], Col::I64(vec![1, 2, 3].into()));
    /// let keep = BooleanBuffer::from_iter([true, false, true]);
    /// let Some(Col::List(o, items)) = lists.compress(&keep) else { return Err("mask too long") };
    /// let Col::I64(v) = items.as_ref() else { return Err("not numbers") };
    /// assert_eq!((&o[..], &v[..]), (&[0, 2, 3][..], &[1, 2, 3][..]));
    /// # Ok::<(), &str>(())
    /// ```
    pub fn compress(&self, keep: &BooleanBuffer) -> Option<Col> {
        use crate::kernels::compress::compress;
        if keep.len() > self.len() {
            return None;
        }
        Some(match self {
            Col::F64(v) => Col::F64(compress(v, keep)?.into()),
            Col::I64(v) => Col::I64(compress(v, keep)?.into()),
            Col::Bool(v) => Col::Bool(keep.set_indices().map(|i| v.value(i)).collect()),
            Col::Opt(valid, inner) => Col::Opt(
                keep.set_indices().map(|i| valid.value(i)).collect(),
                Arc::new(inner.compress(keep)?),
            ),
            Col::Record(_, fields) => Col::Record(
                keep.count_set_bits(),
                fields
                    .iter()
                    .map(|(n, c)| Some((n.clone(), c.compress(keep)?)))
                    .collect::<Option<_>>()?,
            ),
            Col::List(o, items) => {
                // The kept lists' runs of items (offsets are non-decreasing: runs in order).
                let runs = || {
                    keep.set_indices()
                        .map(|e| o[e].max(0) as usize..o[e + 1].max(0) as usize)
                };
                let offsets = crate::kernels::offsets_from_lengths(runs().map(|r| r.len())).ok()?;
                let end = o[keep.len()].max(0) as usize;
                let bits = crate::kernels::compress::bits_of_runs(runs(), end);
                Col::list(offsets, items.compress(&bits)?)
            }
        })
    }

    /// The rows of `ranges`, one after another (`total` rows in all): what a list's items
    /// become when whole lists are taken. Runs are copied as runs, and the ranges of nested
    /// lists are runs again, so no index per item is made.
    ///
    /// ```
    /// use rask_core::column::Col;
    /// let c = Col::I64(vec![10, 11, 12, 13].into());
    /// let Col::I64(v) = c.take_ranges(&[2..4, 0..1], 3) else { unreachable!() };
    /// assert_eq!(&v[..], &[12, 13, 10]);
    /// ```
    pub fn take_ranges(&self, ranges: &[Range<u32>], total: usize) -> Col {
        fn runs<T: Copy>(v: &[T], ranges: &[Range<u32>], total: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(total);
            for r in ranges {
                out.extend_from_slice(&v[r.start as usize..r.end as usize]);
            }
            out
        }
        fn bits(v: &BooleanBuffer, ranges: &[Range<u32>], total: usize) -> BooleanBuffer {
            let mut out = arrow_buffer::BooleanBufferBuilder::new(total);
            for r in ranges {
                let start = v.offset() + r.start as usize;
                out.append_packed_range(start..start + r.len(), v.values());
            }
            out.finish()
        }
        match self {
            Col::F64(v) => Col::F64(runs(v, ranges, total).into()),
            Col::I64(v) => Col::I64(runs(v, ranges, total).into()),
            Col::Bool(v) => Col::Bool(bits(v, ranges, total)),
            Col::List(o, items) => {
                let mut offsets = Vec::with_capacity(total + 1);
                offsets.push(0i32);
                let mut end = 0i32;
                let mut inner_total = 0usize;
                let inner: Vec<Range<u32>> = ranges
                    .iter()
                    .map(|r| {
                        let (a, b) = (r.start as usize, r.end as usize);
                        for w in o[a..=b].windows(2) {
                            end += w[1] - w[0];
                            offsets.push(end);
                        }
                        inner_total += (o[b] - o[a]) as usize;
                        o[a] as u32..o[b] as u32
                    })
                    .collect();
                Col::list(offsets, items.take_ranges(&inner, inner_total))
            }
            Col::Opt(v, inner) => Col::Opt(
                bits(v, ranges, total),
                Arc::new(inner.take_ranges(ranges, total)),
            ),
            Col::Record(_, fields) => Col::Record(
                total,
                fields
                    .iter()
                    .map(|(n, c)| (n.clone(), c.take_ranges(ranges, total)))
                    .collect(),
            ),
        }
    }

    /// The rows at `idx` as an optional column: `None` gives a missing value.
    pub fn take_opt(&self, idx: &[Option<u32>]) -> Col {
        let (valid, inner) = self.take_opt_parts(idx);
        Col::Opt(valid, Arc::new(inner))
    }

    /// [`Col::take_opt`] as its validity and values (missing rows hold defaults).
    pub fn take_opt_parts(&self, idx: &[Option<u32>]) -> (BooleanBuffer, Col) {
        let (valid, flat) = opt_picks(idx);
        let inner = if self.is_empty() {
            self.defaults(idx.len())
        } else {
            self.take(&flat)
        };
        (valid, inner)
    }

    /// `n` rows of the same structure holding zeros, `false`, empty lists and missing values.
    pub fn defaults(&self, n: usize) -> Col {
        match self {
            Col::F64(_) => Col::F64(vec![0.0; n].into()),
            Col::I64(_) => Col::I64(vec![0; n].into()),
            Col::Bool(_) => Col::Bool(BooleanBuffer::new_unset(n)),
            Col::List(_, items) => Col::list(vec![0; n + 1], items.defaults(0)),
            Col::Opt(_, inner) => {
                Col::Opt(BooleanBuffer::new_unset(n), Arc::new(inner.defaults(n)))
            }
            Col::Record(_, fields) => Col::Record(
                n,
                fields
                    .iter()
                    .map(|(name, c)| (name.clone(), c.defaults(n)))
                    .collect(),
            ),
        }
    }

    /// The rows of `self` followed by those of `other`, which must have the same structure
    /// (numbers of different kinds are widened to f64; records keep the fields of `self`).
    ///
    /// ```
    /// use rask_core::column::{Col, ColumnError};
    /// let a = Col::I64(vec![1, 2].into());
    /// let b = Col::F64(vec![0.5].into());
    /// assert_eq!(a.append(&b)?.to_f64()?, vec![1.0, 2.0, 0.5]);
    /// let list = Col::list(vec![0, 1], b.clone());
    /// assert_eq!(
    ///     a.append(&list).unwrap_err(),
    ///     ColumnError::Append { appended: "list", to: "i64" }
    /// );
    /// # Ok::<(), ColumnError>(())
    /// ```
    pub fn append(&self, other: &Col) -> Result<Col, ColumnError> {
        Ok(match (self, other) {
            (Col::F64(a), Col::F64(b)) => Col::F64([&a[..], &b[..]].concat().into()),
            (Col::I64(a), Col::I64(b)) => Col::I64([&a[..], &b[..]].concat().into()),
            (Col::Bool(a), Col::Bool(b)) => Col::Bool(a.iter().chain(b.iter()).collect()),
            (a, b) if a.is_number() && b.is_number() => {
                Col::F64(a.to_f64()?.into_iter().chain(b.to_f64()?).collect())
            }
            (Col::List(oa, ia), Col::List(ob, ib)) => {
                let base = *oa.last().unwrap_or(&0);
                let offsets: Vec<i32> = oa
                    .iter()
                    .copied()
                    .chain(ob.iter().skip(1).map(|o| o + base))
                    .collect();
                Col::list(offsets, ia.append(ib)?)
            }
            (Col::Opt(va, a), Col::Opt(vb, b)) => {
                Col::Opt(va.iter().chain(vb.iter()).collect(), Arc::new(a.append(b)?))
            }
            (Col::Record(na, fa), Col::Record(nb, fb)) => {
                let mut fields = Vec::with_capacity(fa.len());
                for (name, c) in fa.iter() {
                    let d = fb
                        .iter()
                        .find(|(m, _)| m == name)
                        .map(|(_, d)| d)
                        .ok_or_else(|| ColumnError::MissingField { name: name.clone() })?;
                    fields.push((name.clone(), c.append(d)?));
                }
                Col::Record(na + nb, fields.into())
            }
            (a, b) => {
                return Err(ColumnError::Append {
                    appended: b.kind(),
                    to: a.kind(),
                });
            }
        })
    }

    /// True for `F64`, `I64` and `Bool`.
    pub fn is_number(&self) -> bool {
        matches!(self, Col::F64(_) | Col::I64(_) | Col::Bool(_))
    }

    /// The numbers as an f64 buffer: shared (no copy) for `F64`, converted otherwise.
    ///
    /// ```
    /// use rask_core::column::Col;
    /// let b = Col::Bool([true, false].into_iter().collect()).f64_buffer()?;
    /// assert_eq!(&b[..], &[1.0, 0.0]);
    /// # Ok::<(), rask_core::column::ColumnError>(())
    /// ```
    pub fn f64_buffer(&self) -> Result<ScalarBuffer<f64>, ColumnError> {
        match self {
            Col::F64(v) => Ok(v.clone()),
            other => Ok(other.to_f64()?.into()),
        }
    }

    /// The numbers as f64 (integers rounded to nearest, booleans 0 or 1).
    ///
    /// ```
    /// use rask_core::column::Col;
    /// assert_eq!(Col::I64(vec![-3, 7].into()).to_f64()?, vec![-3.0, 7.0]);
    /// # Ok::<(), rask_core::column::ColumnError>(())
    /// ```
    pub fn to_f64(&self) -> Result<Vec<f64>, ColumnError> {
        Ok(match self {
            Col::F64(v) => v.to_vec(),
            Col::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Col::Bool(v) => v.iter().map(|b| b as u8 as f64).collect(),
            other => {
                return Err(ColumnError::NotNumbers {
                    found: other.kind(),
                });
            }
        })
    }

    /// Reads an Arrow array: floats become f64, integers i64, lists and structs keep their
    /// structure, nulls become optional values.
    pub fn from_arrow(a: &dyn Array) -> Result<Col, ArrowError> {
        let base = match a.data_type() {
            DataType::Float64 => Col::F64(a.as_primitive::<Float64Type>().values().clone()),
            DataType::Float32 => Col::F64(
                a.as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|&x| x as f64)
                    .collect(),
            ),
            DataType::Int64 => Col::I64(a.as_primitive::<Int64Type>().values().clone()),
            DataType::Int32 => Col::I64(widen(a.as_primitive::<Int32Type>().values())),
            DataType::Int16 => Col::I64(widen(a.as_primitive::<Int16Type>().values())),
            DataType::Int8 => Col::I64(widen(a.as_primitive::<Int8Type>().values())),
            DataType::UInt32 => Col::I64(widen(a.as_primitive::<UInt32Type>().values())),
            DataType::UInt16 => Col::I64(widen(a.as_primitive::<UInt16Type>().values())),
            DataType::UInt8 => Col::I64(widen(a.as_primitive::<UInt8Type>().values())),
            DataType::UInt64 => Col::I64(
                a.as_primitive::<UInt64Type>()
                    .values()
                    .iter()
                    .map(|&x| x as i64)
                    .collect(),
            ),
            DataType::Boolean => Col::Bool(a.as_boolean().values().clone()),
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                Col::from_arrow_list(l, rebased_offsets(l.offsets()))?
            }
            DataType::Struct(_) => {
                let s = a.as_struct();
                let fields = s
                    .fields()
                    .iter()
                    .zip(s.columns())
                    .map(|(f, c)| Ok((f.name().clone(), Col::from_arrow(c.as_ref())?)))
                    .collect::<Result<Vec<_>, ArrowError>>()?;
                Col::record(a.len(), fields)
            }
            other => {
                return Err(ArrowError::NotYetImplemented(format!(
                    "columns of type {other}"
                )));
            }
        };
        Ok(match a.logical_nulls() {
            Some(n) if n.null_count() > 0 => Col::Opt(n.inner().clone(), Arc::new(base)),
            _ => base,
        })
    }

    /// The list column of an Arrow list (its validity aside), with `offsets` its offsets already
    /// rebased to 0 ([`rebased_offsets`]; callers may share one rebased buffer between lists).
    pub fn from_arrow_list(
        l: &arrow_array::ListArray,
        offsets: OffsetBuffer<i32>,
    ) -> Result<Col, ArrowError> {
        let o = l.value_offsets();
        let (first, last) = (o[0] as usize, o[o.len() - 1] as usize);
        let items = l.values().slice(first, last - first);
        Ok(Col::List(
            offsets,
            Arc::new(Col::from_arrow(items.as_ref())?),
        ))
    }

    /// The Arrow type [`Col::to_arrow`] gives.
    pub fn arrow_type(&self) -> DataType {
        match self {
            Col::F64(_) => DataType::Float64,
            Col::I64(_) => DataType::Int64,
            Col::Bool(_) => DataType::Boolean,
            Col::List(_, items) => DataType::List(Arc::new(items.arrow_field("item"))),
            Col::Opt(_, inner) => inner.arrow_type(),
            Col::Record(_, fields) => DataType::Struct(Self::struct_fields(fields)),
        }
    }

    fn struct_fields(fields: &[(String, Col)]) -> Fields {
        Fields::from(
            fields
                .iter()
                .map(|(n, c)| c.arrow_field(n))
                .collect::<Vec<_>>(),
        )
    }

    fn arrow_field(&self, name: &str) -> Field {
        Field::new(name, self.arrow_type(), matches!(self, Col::Opt(..)))
    }

    /// The column as an Arrow array (optional values as nulls).
    pub fn to_arrow(&self) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            Col::F64(v) => Arc::new(Float64Array::new(v.clone(), None)),
            Col::I64(v) => Arc::new(Int64Array::new(v.clone(), None)),
            Col::Bool(v) => Arc::new(BooleanArray::new(v.clone(), None)),
            Col::List(o, items) => Arc::new(ListArray::try_new(
                Arc::new(items.arrow_field("item")),
                o.clone(),
                items.to_arrow()?,
                None,
            )?),
            Col::Opt(valid, inner) => {
                let data = inner
                    .to_arrow()?
                    .to_data()
                    .into_builder()
                    .nulls(Some(NullBuffer::new(valid.clone())))
                    .build()?;
                arrow_array::make_array(data)
            }
            Col::Record(n, fields) => {
                if fields.is_empty() {
                    Arc::new(StructArray::new_empty_fields(*n, None))
                } else {
                    let arrays = fields
                        .iter()
                        .map(|(_, c)| c.to_arrow())
                        .collect::<Result<Vec<_>, _>>()?;
                    Arc::new(StructArray::try_new(
                        Self::struct_fields(fields),
                        arrays,
                        None,
                    )?)
                }
            }
        })
    }
}

fn widen<T: Copy + Into<i64>>(v: &[T]) -> ScalarBuffer<i64> {
    v.iter().map(|&x| x.into()).collect()
}

/// The values at `idx`, one indexing per position.
#[cold]
#[inline(never)]
fn by_index<T: Copy>(values: &[T], idx: &[u32]) -> Vec<T> {
    idx.iter().map(|&i| values[i as usize]).collect()
}
