//! Checks of a data page's repetition and definition levels and of its hybrid-encoded values, as
//! pyarrow (Arrow C++) makes them.
//!
//! The `parquet` crate decodes levels without checking them against the column's maxima, and a
//! level past the maximum is read differently by its list reader (`level >= max`: an item) and by
//! its value reader (`level == max`: a value): one flipped byte in `Muon_pt`'s definition levels
//! then shifts every later value of the row group while the list lengths stay right. It also
//! accepts a run of values that ends before the page's last value (it pads), and reads a boolean
//! RLE run of 48 as true where pyarrow reads false. pyarrow refuses such pages ("Malformed
//! levels ... out of range", "Unexpected end of stream"); so do we, before the page is decoded.
//!
//! Levels, booleans (RLE encoding) and dictionary indices are RLE/bit-packed hybrid runs: a run is
//! a `uleb128` header; `header & 1` = `header >> 1` bit-packed groups of 8 values of `width` bits,
//! else an RLE run of `header >> 1` copies of one value in `ceil(width / 8)` bytes. Levels of v1
//! pages follow a 4-byte length inside the decompressed page; those of v2 pages come first,
//! uncompressed, their lengths in the header.

use parquet::basic::Encoding;
use parquet::column::page::Page;

/// A data page whose levels or hybrid-encoded values pyarrow would refuse, e.g. `definition
/// levels: level 3 at position 5 of the page is out of range (the maximum is 2)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum LevelError {
    #[error("boolean values: the page ends in their length")]
    BooleanLength,
    #[error("boolean values: {claimed} bytes claimed, {left} left")]
    BooleanBytes { claimed: usize, left: usize },
    #[error("boolean values: {0}")]
    Booleans(RunError),
    #[error("dictionary indices: the page ends before them")]
    IndicesMissing,
    #[error("dictionary indices of {0} bits")]
    IndexWidth(u8),
    #[error("dictionary indices: {0}")]
    Indices(RunError),
    #[error("{what} levels: {want} bytes claimed, {have} left in the page")]
    Short {
        what: &'static str,
        want: usize,
        have: usize,
    },
    #[error("{what} levels: the page ends in their length")]
    Length { what: &'static str },
    #[error("{what} levels: {source}")]
    Levels {
        what: &'static str,
        source: RunError,
    },
    #[error("{what} levels stored for a column that has none")]
    Unexpected { what: &'static str },
}

/// A run of hybrid-encoded levels or values that pyarrow would refuse; `unit` is `levels` or
/// `values`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum RunError {
    #[error("they end after {seen} of {n} {unit}")]
    Ends {
        seen: usize,
        n: usize,
        unit: &'static str,
    },
    #[error("empty run after {seen} of {n} {unit}")]
    Empty {
        seen: usize,
        n: usize,
        unit: &'static str,
    },
    #[error("a bit-packed run ends early after {seen} of {n} {unit}")]
    PackedEarly {
        seen: usize,
        n: usize,
        unit: &'static str,
    },
    #[error("an RLE run ends early after {seen} of {n} {unit}")]
    RleEarly {
        seen: usize,
        n: usize,
        unit: &'static str,
    },
    #[error("level {level} at position {at} of the page is out of range (the maximum is {max})")]
    OutOfRange { level: u64, at: usize, max: u64 },
    #[error("an RLE run of the value {value} (at most {max} allowed)")]
    ValueTooLarge { value: u64, max: u64 },
}

/// What the checks of a leaf column's pages need to know.
#[derive(Debug, Clone, Copy)]
pub(super) struct LeafInfo {
    /// Maximum repetition level.
    pub rep: i16,
    /// Maximum definition level.
    pub def: i16,
    /// Whether the column holds booleans.
    pub boolean: bool,
}

/// Checks the data page `page` (other pages pass): every level within its maximum and as many
/// as the header says; hybrid-encoded values (booleans, dictionary indices) within the page, as
/// many as there are defined values, booleans 0 or 1, RLE indices within the `dictionary`'s
/// length (when known).
pub(super) fn check_page(
    page: &Page,
    leaf: LeafInfo,
    dictionary: Option<usize>,
) -> Result<(), LevelError> {
    let (values_at, present) = check_levels(page, leaf)?;
    let (buf, encoding) = match page {
        Page::DataPage { buf, encoding, .. } | Page::DataPageV2 { buf, encoding, .. } => {
            (buf, *encoding)
        }
        Page::DictionaryPage { .. } => return Ok(()),
    };
    let values = buf.get(values_at..).unwrap_or_default();
    match encoding {
        Encoding::RLE if leaf.boolean => {
            let (len, runs) = values
                .split_first_chunk::<4>()
                .ok_or(LevelError::BooleanLength)?;
            let len = u32::from_le_bytes(*len) as usize;
            let runs = runs.get(..len).ok_or(LevelError::BooleanBytes {
                claimed: len,
                left: runs.len(),
            })?;
            check_value_runs(runs, 1, Some(1), present).map_err(LevelError::Booleans)
        }
        Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
            let Some((&width, runs)) = values.split_first() else {
                return if present == 0 {
                    Ok(())
                } else {
                    Err(LevelError::IndicesMissing)
                };
            };
            if width > 32 {
                return Err(LevelError::IndexWidth(width));
            }
            let max = dictionary.map(|n| n.saturating_sub(1) as u64);
            check_value_runs(runs, usize::from(width), max, present).map_err(LevelError::Indices)
        }
        _ => Ok(()),
    }
}

/// Checks the levels of `page` (see [`check_page`]); returns where its values start and how many
/// values are defined (levels at the maximum definition level).
fn check_levels(page: &Page, leaf: LeafInfo) -> Result<(usize, usize), LevelError> {
    match page {
        Page::DataPage {
            buf,
            num_values,
            def_level_encoding,
            rep_level_encoding,
            ..
        } => {
            let n = *num_values as usize;
            let mut rest: &[u8] = buf;
            let mut present = n;
            for (what, level_max, encoding) in [
                ("repetition", leaf.rep, rep_level_encoding),
                ("definition", leaf.def, def_level_encoding),
            ] {
                if level_max == 0 {
                    continue;
                }
                if *encoding != Encoding::RLE {
                    // The deprecated BIT_PACKED level encoding: no writer of the last decade
                    // uses it; its values are checked by the decoder's bit width only.
                    let bytes = (n * bit_width(level_max)).div_ceil(8);
                    rest = rest
                        .get(bytes..)
                        .ok_or_else(|| short(what, bytes, rest.len()))?;
                    continue;
                }
                let (len, body) = rest
                    .split_first_chunk::<4>()
                    .ok_or(LevelError::Length { what })?;
                let len = u32::from_le_bytes(*len) as usize;
                let levels = body
                    .get(..len)
                    .ok_or_else(|| short(what, len, body.len()))?;
                let at_max = check_runs(levels, n, level_max)
                    .map_err(|source| LevelError::Levels { what, source })?;
                if level_max == leaf.def {
                    present = at_max;
                }
                rest = &body[len..];
            }
            Ok((buf.len() - rest.len(), present))
        }
        Page::DataPageV2 {
            buf,
            num_values,
            def_levels_byte_len,
            rep_levels_byte_len,
            ..
        } => {
            let n = *num_values as usize;
            let rep_len = *rep_levels_byte_len as usize;
            let def_len = *def_levels_byte_len as usize;
            let rep = buf
                .get(..rep_len)
                .ok_or_else(|| short("repetition", rep_len, buf.len()))?;
            let def = buf
                .get(rep_len..rep_len.saturating_add(def_len))
                .ok_or_else(|| short("definition", def_len, buf.len().saturating_sub(rep_len)))?;
            let mut present = n;
            for (what, levels, level_max) in
                [("repetition", rep, leaf.rep), ("definition", def, leaf.def)]
            {
                if level_max == 0 {
                    if !levels.is_empty() {
                        return Err(LevelError::Unexpected { what });
                    }
                    continue;
                }
                let at_max = check_runs(levels, n, level_max)
                    .map_err(|source| LevelError::Levels { what, source })?;
                if what == "definition" {
                    present = at_max;
                }
            }
            Ok((rep_len + def_len, present))
        }
        Page::DictionaryPage { .. } => Ok((0, 0)),
    }
}

fn short(what: &'static str, want: usize, have: usize) -> LevelError {
    LevelError::Short { what, want, have }
}

/// Bits per level for levels up to `max` (> 0).
fn bit_width(max: i16) -> usize {
    (16 - max.leading_zeros()) as usize
}

/// Walks the hybrid runs of `n` levels in `data`, checking each level is at most `max`; every run
/// must lie whole within `data` (as Arrow C++ requires). Returns how many levels equal `max`.
fn check_runs(data: &[u8], n: usize, max: i16) -> Result<usize, RunError> {
    const UNIT: &str = "levels";
    let width = bit_width(max);
    let max = max as u64;
    let mut pos = 0usize;
    let mut seen = 0usize;
    let mut at_max = 0usize;
    while seen < n {
        let header = uleb128(data, &mut pos).ok_or(RunError::Ends {
            seen,
            n,
            unit: UNIT,
        })?;
        let count = (header >> 1) as usize;
        if count == 0 {
            return Err(RunError::Empty {
                seen,
                n,
                unit: UNIT,
            });
        }
        if header & 1 == 1 {
            // `count` groups of 8 values.
            let needed = count.saturating_mul(8).min(n - seen);
            let bytes = count.saturating_mul(width);
            let body = data
                .get(pos..pos.saturating_add(bytes))
                .ok_or(RunError::PackedEarly {
                    seen,
                    n,
                    unit: UNIT,
                })?;
            if width == 1 {
                // max is 1: every level is 0 or 1; count the ones.
                at_max += count_ones(body, needed);
            } else {
                for i in 0..needed {
                    let level = unpack(body, i * width, width);
                    if level > max {
                        return Err(out_of_range(level, max, seen + i));
                    }
                    at_max += usize::from(level == max);
                }
            }
            seen += needed;
            pos += bytes;
        } else {
            let level = rle_value(data, &mut pos, width).ok_or(RunError::RleEarly {
                seen,
                n,
                unit: UNIT,
            })?;
            if level > max {
                return Err(out_of_range(level, max, seen));
            }
            let run = count.min(n - seen);
            at_max += if level == max { run } else { 0 };
            seen += run;
        }
    }
    Ok(at_max)
}

/// Walks the hybrid runs of `present` values of `width` bits in `data`: the runs must hold them
/// all, and every RLE run's value be at most `max` (when given).
fn check_value_runs(
    data: &[u8],
    width: usize,
    max: Option<u64>,
    present: usize,
) -> Result<(), RunError> {
    const UNIT: &str = "values";
    let mut pos = 0usize;
    let mut values = 0usize;
    while values < present {
        let header = uleb128(data, &mut pos).ok_or(RunError::Ends {
            seen: values,
            n: present,
            unit: UNIT,
        })?;
        let count = (header >> 1) as usize;
        if count == 0 {
            return Err(RunError::Empty {
                seen: values,
                n: present,
                unit: UNIT,
            });
        }
        if header & 1 == 1 {
            // The whole run must be there (Arrow C++ refuses a last group cut short).
            pos = pos.saturating_add(count.saturating_mul(width));
            if pos > data.len() {
                return Err(RunError::PackedEarly {
                    seen: values,
                    n: present,
                    unit: UNIT,
                });
            }
            values = values.saturating_add(count.saturating_mul(8));
        } else {
            let value = rle_value(data, &mut pos, width).ok_or(RunError::RleEarly {
                seen: values,
                n: present,
                unit: UNIT,
            })?;
            if let Some(max) = max
                && value > max
            {
                return Err(RunError::ValueTooLarge { value, max });
            }
            values = values.saturating_add(count);
        }
    }
    Ok(())
}

/// The value of an RLE run: `ceil(width / 8)` little-endian bytes at `*pos`.
fn rle_value(data: &[u8], pos: &mut usize, width: usize) -> Option<u64> {
    let n = width.div_ceil(8);
    let raw = data.get(*pos..pos.checked_add(n)?)?;
    *pos += n;
    Some(
        raw.iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    )
}

fn out_of_range(level: u64, max: u64, at: usize) -> RunError {
    RunError::OutOfRange { level, at, max }
}

/// The number of one bits among the first `bits` bits of `data` (LSB first).
fn count_ones(data: &[u8], bits: usize) -> usize {
    let full = bits / 8;
    let mut n: usize = data[..full].iter().map(|b| b.count_ones() as usize).sum();
    if !bits.is_multiple_of(8) {
        n += (data[full] & ((1u8 << (bits % 8)) - 1)).count_ones() as usize;
    }
    n
}

/// The `width`-bit value at bit `bit` of `data` (LSB-first packing); `data` holds it.
fn unpack(data: &[u8], bit: usize, width: usize) -> u64 {
    let mut v = 0u64;
    for k in 0..width {
        let b = bit + k;
        if data.get(b / 8).is_some_and(|byte| byte >> (b % 8) & 1 == 1) {
            v |= 1 << k;
        }
    }
    v
}

/// A ULEB128 varint at `*pos` (at most 5 bytes, as run headers are 32-bit).
fn uleb128(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in 0..5 {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << (7 * shift);
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_within_range_pass_and_others_fail() {
        // RLE run of 10 ones (header 20), then a bit-packed group of 8 one-bit values.
        let ok = [20u8, 1, 3, 0b1010_1010];
        assert_eq!(check_runs(&ok, 18, 1), Ok(14));
        // The same with the RLE value damaged.
        let bad = [20u8, 95, 3, 0b1010_1010];
        assert_eq!(
            check_runs(&bad, 18, 1),
            Err(RunError::OutOfRange {
                level: 95,
                at: 0,
                max: 1
            })
        );
        assert!(
            check_runs(&bad, 18, 1)
                .unwrap_err()
                .to_string()
                .contains("level 95")
        );
        // Too few levels.
        assert!(check_runs(&ok, 30, 1).is_err());
        // Two-bit levels with maximum 2: a packed 3 is out of range.
        let packed = [3u8, 0b1110_0100, 0];
        assert!(
            check_runs(&packed, 8, 2)
                .unwrap_err()
                .to_string()
                .contains("level 3")
        );
        assert_eq!(check_runs(&[3u8, 0b1010_0100, 0], 8, 2), Ok(2));
    }

    #[test]
    fn value_runs_must_hold_every_value() {
        // 10 trues then 8 packed booleans.
        let runs = [20u8, 1, 3, 0b1010_1010];
        assert_eq!(check_value_runs(&runs, 1, Some(1), 18), Ok(()));
        assert!(check_value_runs(&runs, 1, Some(1), 30).is_err());
        assert!(check_value_runs(&[20u8, 48], 1, Some(1), 10).is_err());
        // A bit-packed run whose header claims more groups than there are bytes.
        assert!(check_value_runs(&[0x45u8, 0xef], 1, None, 40).is_err());
    }
}
