//! Output columns: zeroed vectors of f64. Large ones are advised onto transparent huge pages
//! on Linux, as numpy does for its arrays (correctionlib's outputs are numpy arrays): the
//! kernel then faults in 2 MiB at a time instead of 4 KiB, which for 10 million rows saves
//! most of the time spent in page faults of a fresh 80 MB allocation.

/// Outputs of at least this many bytes are advised onto huge pages (numpy's threshold).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
const HUGE_BYTES: usize = 4 << 20;

/// A vector of `len` zeros, ready to be filled.
pub(crate) fn zeroed(len: usize) -> Vec<f64> {
    let v = vec![0.0; len];
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    advise_huge_pages(&v);
    v
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
fn advise_huge_pages(v: &[f64]) {
    use std::ffi::{c_int, c_void};
    // SAFETY: the C library's madvise(2), with its C signature.
    unsafe extern "C" {
        fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
    }
    const MADV_HUGEPAGE: c_int = 14;
    const PAGE: usize = 4096;
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE_BYTES {
        return;
    }
    let addr = v.as_ptr() as usize;
    let start = addr.next_multiple_of(PAGE);
    let end = (addr + bytes) / PAGE * PAGE;
    if end <= start {
        return;
    }
    // SAFETY: the range is whole pages inside `v`'s allocation, and MADV_HUGEPAGE only
    // changes how the kernel backs those pages (their contents and validity are unchanged,
    // `v` is not accessed through the pointer). A failure (no transparent huge pages) leaves
    // the pages as they are, so the result is ignored.
    unsafe {
        madvise(start as *mut c_void, end - start, MADV_HUGEPAGE);
    }
}
