//! One-shot zlib inflate with libdeflate, one decompressor per thread, and no panic when the
//! decompressor cannot be allocated (the `libdeflater` wrapper panics there, which a run under
//! `ulimit -v` hit): that is an error like any other.

use std::cell::RefCell;

use crate::compression::DecompressFault;
use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
    libdeflate_result_LIBDEFLATE_BAD_DATA, libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE,
    libdeflate_result_LIBDEFLATE_SHORT_OUTPUT, libdeflate_result_LIBDEFLATE_SUCCESS,
    libdeflate_zlib_decompress,
};

/// An owned libdeflate decompressor.
struct Decompressor(NonNull<libdeflate_decompressor>);

impl Decompressor {
    fn new() -> Result<Self, DecompressFault> {
        // SAFETY: no preconditions; the result is either NULL or a decompressor we now own.
        let raw = unsafe { libdeflate_alloc_decompressor() };
        NonNull::new(raw)
            .map(Decompressor)
            .ok_or(DecompressFault::ZlibAlloc)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `libdeflate_alloc_decompressor` and is freed once, here.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

thread_local! {
    /// Allocated at the first zlib block a thread inflates, reused for the next ones.
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
}

/// Inflates the zlib stream `body` into exactly `dst` (its Adler-32 checksum is checked).
pub(crate) fn zlib(body: &[u8], dst: &mut [u8]) -> Result<(), DecompressFault> {
    DECOMPRESSOR.with(|slot| {
        let mut slot = slot
            .try_borrow_mut()
            .map_err(|_| DecompressFault::ZlibReentered)?;
        let d = match &mut *slot {
            Some(d) => d,
            empty => empty.insert(Decompressor::new()?),
        };
        let mut written = 0usize;
        // SAFETY: `d` is a live decompressor used by this thread only; `body` and `dst` are valid
        // for their lengths, do not overlap (one is borrowed shared, the other exclusively), and
        // libdeflate writes at most `dst.len()` bytes and the count into `written`.
        let result = unsafe {
            libdeflate_zlib_decompress(
                d.0.as_ptr(),
                body.as_ptr().cast(),
                body.len(),
                dst.as_mut_ptr().cast(),
                dst.len(),
                &mut written,
            )
        };
        #[allow(non_upper_case_globals)]
        match result {
            libdeflate_result_LIBDEFLATE_SUCCESS if written == dst.len() => Ok(()),
            libdeflate_result_LIBDEFLATE_SUCCESS | libdeflate_result_LIBDEFLATE_SHORT_OUTPUT => {
                Err(DecompressFault::ShortStream {
                    got: written,
                    declared: dst.len(),
                })
            }
            libdeflate_result_LIBDEFLATE_BAD_DATA => Err(DecompressFault::ZlibBadData),
            libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Err(DecompressFault::LongStream {
                declared: dst.len(),
            }),
            other => Err(DecompressFault::Libdeflate(other)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn inflates_and_rejects() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&data).unwrap();
        let z = e.finish().unwrap();
        let mut out = vec![0u8; data.len()];
        zlib(&z, &mut out).unwrap();
        assert_eq!(out, data);
        assert!(zlib(&z, &mut vec![0u8; data.len() - 1]).is_err());
        assert!(zlib(&z, &mut vec![0u8; data.len() + 1]).is_err());
        let mut bad = z.clone();
        bad[10] ^= 0x55;
        assert!(zlib(&bad, &mut out).is_err());
    }
}
