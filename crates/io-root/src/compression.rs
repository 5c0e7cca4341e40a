//! ROOT's compressed records: a sequence of blocks, each with a 9-byte header.
//!
//! Header: two letters naming the algorithm (`ZL` zlib, `XZ` LZMA, `L4` LZ4, `ZS` ZSTD, `CS` old
//! ROOT deflate), one method byte, then the compressed and the uncompressed size of the block as
//! 3-byte little-endian integers. LZ4 blocks carry an 8-byte xxHash64 checksum of the compressed
//! bytes before the LZ4 data. A record is uncompressed when its stored size equals its object size.
//!
//! The decompressors come from well-kept libraries (libdeflate for zlib through `inflate.rs`,
//! liblzma, lz4_flex, zstd); this module only
//! walks the blocks, checks every size and checksum, and writes into one caller-owned buffer.

use std::io::Read;

/// Algorithms as they appear in block headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Zlib,
    Lzma,
    Lz4,
    Zstd,
    /// ROOT's pre-zlib deflate ("CS"): recognised, not decoded.
    OldRoot,
}

impl Algorithm {
    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Zlib => "zlib",
            Algorithm::Lzma => "LZMA",
            Algorithm::Lz4 => "LZ4",
            Algorithm::Zstd => "ZSTD",
            Algorithm::OldRoot => "old ROOT (CS)",
        }
    }
}

/// Why a record does not decompress: the algorithm of the block at fault (`?` before one is
/// known) and what went wrong.
///
/// ```
/// let e = rask_io_root::compression::decompress(b"ZZ\x08\x01\x00\x00\x04\x00\x00x", 4, &mut Vec::new())
///     .unwrap_err();
/// assert_eq!(e.to_string(), "? decompression failed: unknown compression block header [5a, 5a]");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{algorithm} decompression failed: {fault}")]
pub struct DecompressError {
    pub algorithm: &'static str,
    #[source]
    pub fault: DecompressFault,
}

impl DecompressError {
    /// Whether the failure is rask's (a decompressor that cannot be set up), not the data's.
    pub fn is_internal(&self) -> bool {
        self.fault.is_internal()
    }
}

/// What went wrong in a compressed record. All but the decompressor set-up failures
/// ([`DecompressFault::is_internal`]) are damaged or unsupported data.
#[derive(Debug, thiserror::Error)]
pub enum DecompressFault {
    #[error("record claims {len} bytes, more than the 1 GiB limit")]
    TooLarge { len: usize },
    #[error("compressed data ends after {filled} of {total} bytes (truncated block header)")]
    TruncatedHeader { filled: usize, total: usize },
    #[error("unknown compression block header {0:02x?}")]
    UnknownHeader([u8; 2]),
    #[error("block of {c_len} compressed bytes runs past the end of the record")]
    BlockPastEnd { c_len: usize },
    #[error("block of {u_len} bytes overflows the record's {total} bytes")]
    BlockOverflow { u_len: usize, total: usize },
    #[error("empty block")]
    EmptyBlock,
    #[error(
        "compressed blocks hold {blocks} bytes, the record says {record}: the record is damaged or truncated"
    )]
    SizesDisagree { blocks: usize, record: usize },
    #[error("LZ4 block shorter than its checksum")]
    Lz4ShortChecksum,
    #[error(
        "checksum mismatch (stored {stored:016x}, computed {computed:016x}): the data is damaged"
    )]
    Checksum { stored: u64, computed: u64 },
    #[error("{0}")]
    Lz4(#[from] lz4_flex::block::DecompressError),
    #[error("block gave {got} bytes, its header says {declared}")]
    ShortBlock { got: usize, declared: usize },
    #[error("stream gave {got} bytes, its header says {declared}")]
    ShortStream { got: usize, declared: usize },
    #[error("stream holds more than its declared {declared} bytes")]
    LongStream { declared: usize },
    #[error("stream ended or failed before its declared {declared} bytes: {source}")]
    StreamEnded {
        declared: usize,
        source: std::io::Error,
    },
    #[error("stream is damaged after its data: {0}")]
    DamagedAfter(std::io::Error),
    #[error("the zlib stream is damaged (BadData)")]
    ZlibBadData,
    #[error("libdeflate failed (code {0})")]
    Libdeflate(u32),
    #[error("ROOT's old 'CS' compression is not supported")]
    OldRoot,
    /// The LZMA decoder cannot be set up.
    #[error("{0}")]
    LzmaInit(liblzma::stream::Error),
    /// The ZSTD decoder cannot be set up.
    #[error("{0}")]
    ZstdInit(std::io::Error),
    #[error("cannot allocate a zlib decompressor (out of memory or address space)")]
    ZlibAlloc,
    #[error("zlib decompressor re-entered")]
    ZlibReentered,
}

impl DecompressFault {
    /// Whether this is rask's failure (a decompressor that cannot be set up), not the data's.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            DecompressFault::LzmaInit(_)
                | DecompressFault::ZstdInit(_)
                | DecompressFault::ZlibAlloc
                | DecompressFault::ZlibReentered
        )
    }
}

const HEADER: usize = 9;

/// Largest record we accept (ROOT's own limit on one object is 1 GiB).
pub const MAX_RECORD: usize = 1 << 30;

/// Decompresses `compressed` (one record made of blocks) into `out`, which is cleared and resized
/// to exactly `uncompressed_len` bytes. A record whose stored size equals `uncompressed_len` is
/// copied as is.
///
/// ```
/// let mut out = Vec::new();
/// rask_io_root::compression::decompress(b"abc", 3, &mut out).unwrap();
/// assert_eq!(out, b"abc");
/// ```
pub fn decompress(
    compressed: &[u8],
    uncompressed_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), DecompressError> {
    decompress_prefix(compressed, uncompressed_len, out)?;
    out.truncate(uncompressed_len);
    Ok(())
}

/// [`decompress`] into the first `uncompressed_len` bytes of `out`, which grows to at least that
/// and never shrinks: a buffer reused for records of varying sizes is zeroed only where it grows,
/// not again for every larger record after a smaller one. Bytes past the record are left as
/// they were.
///
/// ```
/// let mut out = b"xxxxx".to_vec();
/// rask_io_root::compression::decompress_prefix(b"abc", 3, &mut out).unwrap();
/// assert_eq!(out, b"abcxx");
/// ```
pub fn decompress_prefix(
    compressed: &[u8],
    uncompressed_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), DecompressError> {
    if uncompressed_len > MAX_RECORD {
        return Err(DecompressError {
            algorithm: "?",
            fault: DecompressFault::TooLarge {
                len: uncompressed_len,
            },
        });
    }
    if compressed.len() == uncompressed_len {
        grow_to(out, uncompressed_len).copy_from_slice(compressed);
        return Ok(());
    }
    check_block_sizes(compressed, uncompressed_len)?;
    let out = grow_to(out, uncompressed_len);
    let mut src = compressed;
    let mut filled = 0usize;
    while filled < uncompressed_len {
        if src.len() < HEADER {
            return Err(DecompressError {
                algorithm: "?",
                fault: DecompressFault::TruncatedHeader {
                    filled,
                    total: uncompressed_len,
                },
            });
        }
        let algorithm = match &src[..2] {
            b"ZL" => Algorithm::Zlib,
            b"XZ" => Algorithm::Lzma,
            b"L4" => Algorithm::Lz4,
            b"ZS" => Algorithm::Zstd,
            b"CS" => Algorithm::OldRoot,
            _ => {
                return Err(DecompressError {
                    algorithm: "?",
                    fault: DecompressFault::UnknownHeader([src[0], src[1]]),
                });
            }
        };
        let fail = |fault: DecompressFault| DecompressError {
            algorithm: algorithm.name(),
            fault,
        };
        let c_len = u24(&src[3..6]);
        let u_len = u24(&src[6..9]);
        let body = src
            .get(HEADER..HEADER + c_len)
            .ok_or_else(|| fail(DecompressFault::BlockPastEnd { c_len }))?;
        let dst = out.get_mut(filled..filled + u_len).ok_or_else(|| {
            fail(DecompressFault::BlockOverflow {
                u_len,
                total: uncompressed_len,
            })
        })?;
        if u_len == 0 {
            return Err(fail(DecompressFault::EmptyBlock));
        }
        decompress_block(algorithm, body, dst).map_err(fail)?;
        filled += u_len;
        src = &src[HEADER + c_len..];
    }
    Ok(())
}

/// The first `len` bytes of `buf`, grown (zeroed) to at least `len` first; it never shrinks.
pub(crate) fn grow_to(buf: &mut Vec<u8>, len: usize) -> &mut [u8] {
    if buf.len() < len {
        buf.resize(len, 0);
    }
    &mut buf[..len]
}

/// Walks the block headers before anything is allocated: their sizes must add up to the record's,
/// so a damaged size cannot make us allocate or zero a huge buffer.
fn check_block_sizes(compressed: &[u8], uncompressed_len: usize) -> Result<(), DecompressError> {
    let mut src = compressed;
    let mut total = 0usize;
    while src.len() >= HEADER && total < uncompressed_len {
        let (c_len, u_len) = (u24(&src[3..6]), u24(&src[6..9]));
        total += u_len;
        src = src.get(HEADER + c_len..).unwrap_or(&[]);
    }
    if total != uncompressed_len {
        return Err(DecompressError {
            algorithm: "?",
            fault: DecompressFault::SizesDisagree {
                blocks: total,
                record: uncompressed_len,
            },
        });
    }
    Ok(())
}

fn u24(b: &[u8]) -> usize {
    b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16
}

fn decompress_block(
    algorithm: Algorithm,
    body: &[u8],
    dst: &mut [u8],
) -> Result<(), DecompressFault> {
    match algorithm {
        Algorithm::Zlib => inflate(body, dst),
        Algorithm::Lzma => {
            let stream = liblzma::stream::Stream::new_stream_decoder(u64::MAX, 0)
                .map_err(DecompressFault::LzmaInit)?;
            read_exactly(liblzma::read::XzDecoder::new_stream(body, stream), dst)
        }
        Algorithm::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(body)
                .map_err(DecompressFault::ZstdInit)?;
            read_exactly(decoder, dst)
        }
        Algorithm::Lz4 => {
            let (checksum, data) = body
                .split_first_chunk::<8>()
                .ok_or(DecompressFault::Lz4ShortChecksum)?;
            let stored = u64::from_be_bytes(*checksum);
            let computed = xxhash_rust::xxh64::xxh64(data, 0);
            if stored != computed {
                return Err(DecompressFault::Checksum { stored, computed });
            }
            let n = lz4_flex::block::decompress_into(data, dst)?;
            if n != dst.len() {
                return Err(DecompressFault::ShortBlock {
                    got: n,
                    declared: dst.len(),
                });
            }
            Ok(())
        }
        Algorithm::OldRoot => Err(DecompressFault::OldRoot),
    }
}

/// One-shot zlib inflate straight into `dst` with libdeflate: the block's sizes are known, which
/// is exactly the case libdeflate is built for (2–3× faster than streaming zlib). It checks the
/// Adler-32 checksum of the stream.
fn inflate(body: &[u8], dst: &mut [u8]) -> Result<(), DecompressFault> {
    crate::inflate::zlib(body, dst)
}

/// Fills `dst` from `reader` and checks the stream ends exactly there.
fn read_exactly(mut reader: impl Read, dst: &mut [u8]) -> Result<(), DecompressFault> {
    reader
        .read_exact(dst)
        .map_err(|source| DecompressFault::StreamEnded {
            declared: dst.len(),
            source,
        })?;
    let mut extra = [0u8; 1];
    match reader.read(&mut extra) {
        Ok(0) => Ok(()),
        Ok(_) => Err(DecompressFault::LongStream {
            declared: dst.len(),
        }),
        Err(e) => Err(DecompressFault::DamagedAfter(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn block(tag: &[u8; 2], method: u8, body: &[u8], u_len: usize) -> Vec<u8> {
        let mut out = tag.to_vec();
        out.push(method);
        for n in [body.len(), u_len] {
            out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        }
        out.extend_from_slice(body);
        out
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn multi_block_records_concatenate() {
        let a = vec![1u8; 1000];
        let b: Vec<u8> = (0..500u32).map(|i| i as u8).collect();
        let mut rec = block(b"ZL", 8, &zlib(&a), a.len());
        let lz = lz4_flex::block::compress(&b);
        let mut body = xxhash_rust::xxh64::xxh64(&lz, 0).to_be_bytes().to_vec();
        body.extend_from_slice(&lz);
        rec.extend(block(b"L4", 4, &body, b.len()));
        let mut out = Vec::new();
        decompress(&rec, 1500, &mut out).unwrap();
        assert_eq!(&out[..1000], &a[..]);
        assert_eq!(&out[1000..], &b[..]);
    }

    #[test]
    fn damaged_lz4_fails_its_checksum() {
        let b = vec![7u8; 300];
        let lz = lz4_flex::block::compress(&b);
        let mut body = xxhash_rust::xxh64::xxh64(&lz, 0).to_be_bytes().to_vec();
        body.extend_from_slice(&lz);
        let last = body.len() - 1;
        body[last] ^= 0xff;
        let rec = block(b"L4", 4, &body, b.len());
        let err = decompress(&rec, 300, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(err.fault, DecompressFault::Checksum { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn truncated_and_oversized_records_are_errors() {
        let a = vec![3u8; 1000];
        let rec = block(b"ZL", 8, &zlib(&a), a.len());
        for cut in [0, 5, 9, rec.len() - 1] {
            assert!(decompress(&rec[..cut], 1000, &mut Vec::new()).is_err());
        }
        assert!(decompress(&rec, 2000, &mut Vec::new()).is_err());
        assert!(decompress(&rec, 999, &mut Vec::new()).is_err());
        let zs = zstd::bulk::compress(&a, 3).unwrap();
        let mut out = Vec::new();
        decompress(&block(b"ZS", 1, &zs, 1000), 1000, &mut out).unwrap();
        assert_eq!(out, a);
    }
}
