//! The allocator of rask's programs (the `rask` binary, the Python module, the benches):
//! mimalloc, told to keep the pages it frees.
//!
//! The engine allocates a morsel's columns, frees them, and allocates the next morsel's of
//! the same sizes. By default mimalloc v3 returns freed pages to the kernel after a delay, so
//! the next morsel faults them in again, each fault zeroing a 2 MiB transparent huge page: on
//! the AGC (2M events, one thread) that was 6,000 page faults and about 5% of the run. Kept,
//! it is 1,200. Peak memory is unchanged: pages are reused, not added.

use std::ffi::{c_int, c_long};

/// The allocator type to declare as `#[global_allocator]`.
pub use mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in v3's `mi_option_e`; the test below checks
/// it against the option's documented default).
const PURGE_DELAY: c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_get(option: c_int) -> c_long;
}

/// Tells mimalloc never to return freed pages to the kernel (a purge delay of -1). Call it
/// first thing in `main`.
///
/// ```
/// rask::allocator::keep_freed_pages();
/// ```
pub fn keep_freed_pages() {
    // SAFETY: `mi_option_set` only stores an option value; any value is valid for this option.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

/// The purge delay in force (milliseconds; -1 = never).
pub fn purge_delay() -> c_long {
    // SAFETY: reading an option has no preconditions.
    unsafe { mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_is_the_purge_delay() {
        // mimalloc v3's default purge delay is 1000 ms (src/options.c); no other option
        // at this index has that default, so a moved index fails here.
        assert_eq!(super::purge_delay(), 1000);
        super::keep_freed_pages();
        assert_eq!(super::purge_delay(), -1);
    }
}
