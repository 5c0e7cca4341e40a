//! The offsets a jagged branch is expected to have: those of a branch of the same counter read
//! before it over the same entries (`Muon_eta` after `Muon_pt`, both counted by `nMuon`).
//!
//! Built branch by branch, each of a collection's fields writes the same offsets (one `i32` per
//! entry) and the reader then compares them to the first's to share one buffer: a write and a
//! read of every offset per field, 2–3 % of ADL Q8. [`Expected`] checks each basket's entry
//! offsets against the first branch's as they are decoded instead, writing nothing: equal to
//! the end, the branch takes the first's buffer; on the first difference the offsets verified
//! so far are copied and the builder goes on as without one.

use arrow_buffer::OffsetBuffer;

/// Offsets expected for the entries appended, and how many of them are verified.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    offsets: OffsetBuffer<i32>,
    /// Offsets `..verified` matched the entries appended (the first, 0, always does).
    verified: usize,
}

/// What a basket's entries are against the expected offsets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Check {
    /// The same offsets, now verified.
    Same,
    /// An entry is not a whole number of values (the basket is damaged).
    Misaligned,
    /// Other offsets (or more entries than expected): nothing was verified.
    Differs,
}

impl Expected {
    /// Expecting `offsets` from the first entry on.
    pub(crate) fn new(offsets: OffsetBuffer<i32>) -> Expected {
        Expected {
            offsets,
            verified: 1,
        }
    }

    /// The offset the next entries start from (the last verified one).
    pub(crate) fn last(&self) -> i32 {
        self.offsets[self.verified - 1]
    }

    /// Checks the entries whose basket byte offsets are `offs` (one more than the entries;
    /// values of `item` bytes, a power of two) against the next expected offsets, and marks
    /// them verified when they are the same.
    pub(crate) fn check(&mut self, offs: &[u32], item: usize) -> Check {
        let Some((&base, rest)) = offs.split_first() else {
            return Check::Same;
        };
        let Some(expected) = self.offsets.get(self.verified..self.verified + rest.len()) else {
            return Check::Differs;
        };
        if !item.is_power_of_two() {
            return Check::Differs;
        }
        let (shift, mask) = (item.trailing_zeros(), item as u32 - 1);
        let start = self.last() as u32;
        // Branch-free over the whole basket (it vectorises): any difference or misalignment
        // is or-ed into one flag each.
        let (mut differs, mut misaligned) = (0u32, 0u32);
        for (&want, &o) in expected.iter().zip(rest) {
            let rel = o.wrapping_sub(base);
            misaligned |= rel & mask;
            differs |= start.wrapping_add(rel >> shift) ^ want as u32;
        }
        if misaligned != 0 {
            Check::Misaligned
        } else if differs != 0 {
            Check::Differs
        } else {
            self.verified += rest.len();
            Check::Same
        }
    }

    /// The expected offsets when every one of them was verified (the branch shares them);
    /// else the verified ones, to build on.
    pub(crate) fn finish(self) -> Result<OffsetBuffer<i32>, Vec<i32>> {
        if self.verified == self.offsets.len() {
            Ok(self.offsets)
        } else {
            Err(self.verified_prefix())
        }
    }

    /// The offsets verified so far, as a builder's own.
    pub(crate) fn verified_prefix(&self) -> Vec<i32> {
        self.offsets[..self.verified].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(o: &[i32]) -> Expected {
        Expected::new(OffsetBuffer::new(o.to_vec().into()))
    }

    #[test]
    fn baskets_with_the_same_entries_are_verified_and_share_the_offsets() {
        // Entries of 0, 2 and 1 four-byte values, in two baskets (byte offsets from 100, 8).
        let mut e = expected(&[0, 0, 2, 3]);
        assert_eq!(e.check(&[100, 100, 108], 4), Check::Same);
        assert_eq!(e.last(), 2);
        assert_eq!(e.check(&[8, 12], 4), Check::Same);
        assert_eq!(e.finish().map(|o| o.to_vec()), Ok(vec![0, 0, 2, 3]));
    }

    #[test]
    fn a_different_entry_verifies_nothing_of_its_basket() {
        let mut e = expected(&[0, 1, 3]);
        assert_eq!(e.check(&[0, 4], 4), Check::Same);
        assert_eq!(e.check(&[0, 4], 4), Check::Differs);
        assert_eq!(e.verified_prefix(), vec![0, 1]);
        assert_eq!(e.finish().map(|o| o.to_vec()), Err(vec![0, 1]));
    }

    #[test]
    fn misaligned_entries_and_extra_entries_are_told_apart() {
        assert_eq!(expected(&[0, 1]).check(&[0, 6], 4), Check::Misaligned);
        assert_eq!(expected(&[0, 1]).check(&[0, 4, 8], 4), Check::Differs);
        assert_eq!(expected(&[0, 1]).check(&[0, 3], 3), Check::Differs);
        assert_eq!(expected(&[0, 1]).check(&[7], 4), Check::Same);
    }
}
