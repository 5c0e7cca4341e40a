//! The decompression floor shared by the benches: raw ROOT baskets inflated into one reused
//! buffer, best of three runs, in seconds.

use std::time::Instant;

use rask::io::Key;
use rask::io::compression;
use rask::io::cursor::Cursor;

/// Seconds to decompress every basket (`raw`: key and compressed bytes, as stored), the best
/// of three runs; `None` when a basket does not parse.
pub fn best_of_three(baskets: &[Vec<u8>]) -> Option<f64> {
    let mut out = Vec::new();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t0 = Instant::now();
        for raw in baskets {
            let key = Key::parse(&mut Cursor::new(raw, 0)).ok()?;
            let stored = raw.get(key.key_len as usize..)?;
            compression::decompress(stored, key.obj_len as usize, &mut out).ok()?;
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Some(best)
}
