//! Comparisons a whole word of 64 items at a time on AVX-512: eight vector compares (`vcmppd`,
//! `vpcmpq`), each giving eight bits in a mask register, put together into the word.
//!
//! The generic loop of [`super::bits`] sets one bit per item (`packed |= bit << k`), which
//! LLVM vectorises as compare, mask to vector, variable shift and OR-reduction: several
//! instructions per eight items where one compare gives the eight bits. The predicates are
//! IEEE's as Rust's operators: ordered and quiet for `==`, `<`, `<=`, `>`, `>=` (NaN compares
//! false), unordered for `!=` (NaN is unequal to everything), so the bits are the same.

use rask_plan::op::BinaryOp;

use super::V;

/// Item types whose comparisons have the word path (the chains' `f64` and `i64`).
pub(in crate::events) trait Word: Copy + PartialOrd {
    /// `a op b` (`==`, `!=`, `<`, `<=`, `>`; anything else is `>=`, as [`super::compare`]
    /// reads it) into `out` for the whole words of the first `m` items, when the CPU has
    /// AVX-512: how many items it did (a multiple of 64; 0 on other CPUs, or operands shorter
    /// than `m`).
    fn words(op: BinaryOp, a: V<'_, Self>, b: V<'_, Self>, m: usize, out: &mut [u64]) -> usize;
}

impl<'a, T: Copy> V<'a, T> {
    /// The operand from item `k` on.
    pub(super) fn from(self, k: usize) -> V<'a, T> {
        match self {
            V::S(x) => V::S(&x[k.min(x.len())..]),
            c => c,
        }
    }
}

/// The whole words of `m` items that `out` and both operands hold.
fn whole_words<T>(a: V<'_, T>, b: V<'_, T>, m: usize, out: &[u64]) -> usize {
    let held = |v: V<'_, T>| match v {
        V::S(x) => x.len(),
        V::C(_) => usize::MAX,
    };
    (m.min(held(a)).min(held(b)) / 64).min(out.len())
}

/// The [`Word`] impl of one item type: the CPU check, the operator's predicate (in the order
/// `==`, `!=`, `<`, `<=`, `>`, `>=`) and the loop of eight compares per word, written once for
/// both types.
macro_rules! word_impl {
    ($t:ty, $words:ident, $load:ident, $splat:ident, $cmp:ident, [$eq:ident, $ne:ident, $lt:ident, $le:ident, $gt:ident, $ge:ident]) => {
        impl Word for $t {
            fn words(op: BinaryOp, a: V<'_, $t>, b: V<'_, $t>, m: usize, out: &mut [u64]) -> usize {
                #[cfg(target_arch = "x86_64")]
                if rask_core::isa::Isa::detect() == rask_core::isa::Isa::Avx512 {
                    use std::arch::x86_64::*;
                    let n = whole_words(a, b, m, out);
                    // SAFETY: `Isa::detect` chose AVX-512 only on a CPU that has it; `n` words
                    // of items are inside both operands and `out`.
                    unsafe {
                        match op {
                            BinaryOp::Eq => $words::<$eq>(a, b, n, out),
                            BinaryOp::Ne => $words::<$ne>(a, b, n, out),
                            BinaryOp::Lt => $words::<$lt>(a, b, n, out),
                            BinaryOp::Le => $words::<$le>(a, b, n, out),
                            BinaryOp::Gt => $words::<$gt>(a, b, n, out),
                            _ => $words::<$ge>(a, b, n, out),
                        }
                    }
                    return n * 64;
                }
                0
            }
        }

        /// `n` words of `a P b`.
        ///
        /// # Safety
        /// The CPU has AVX-512F; both operands hold `64 n` items and `out` `n` words.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
        unsafe fn $words<const P: i32>(a: V<'_, $t>, b: V<'_, $t>, n: usize, out: &mut [u64]) {
            use std::arch::x86_64::*;
            // SAFETY: the caller's operands hold `64 n` items; `i + 8 <= 64 n`.
            let load = |v: V<'_, $t>, i: usize| match v {
                V::S(x) => unsafe { $load(x.as_ptr().add(i).cast()) },
                V::C(c) => $splat(c),
            };
            for (w, word) in out[..n].iter_mut().enumerate() {
                let mut bits = 0u64;
                for c in 0..8 {
                    let i = 64 * w + 8 * c;
                    bits |= ($cmp::<P>(load(a, i), load(b, i)) as u64) << (8 * c);
                }
                *word = bits;
            }
        }
    };
}

// IEEE ordered and quiet predicates, unordered `!=` (NaN unequal to everything).
word_impl!(
    f64,
    f64_words,
    _mm512_loadu_pd,
    _mm512_set1_pd,
    _mm512_cmp_pd_mask,
    [
        _CMP_EQ_OQ,
        _CMP_NEQ_UQ,
        _CMP_LT_OQ,
        _CMP_LE_OQ,
        _CMP_GT_OQ,
        _CMP_GE_OQ
    ]
);
word_impl!(
    i64,
    i64_words,
    _mm512_loadu_si512,
    _mm512_set1_epi64,
    _mm512_cmp_epi64_mask,
    [
        _MM_CMPINT_EQ,
        _MM_CMPINT_NE,
        _MM_CMPINT_LT,
        _MM_CMPINT_LE,
        _MM_CMPINT_NLE,
        _MM_CMPINT_NLT
    ]
);
