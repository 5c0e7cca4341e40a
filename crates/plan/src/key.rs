//! Deterministic node keys: `name-token`, like dask's, stable across runs and processes.

use std::fmt;

use xxhash_rust::xxh3::Xxh3;

/// A 128-bit structural hash. Equal keys mean equal expressions (same operation, parameters and
/// inputs, recursively).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub u128);

impl Key {
    /// The key of `parts`, hashed in order with a fixed seed (no per-process randomness).
    ///
    /// ```
    /// use rask_plan::Key;
    /// assert_eq!(Key::of(&[b"add", b"x"]), Key::of(&[b"add", b"x"]));
    /// assert_ne!(Key::of(&[b"add", b"x"]), Key::of(&[b"addx"]));
    /// ```
    pub fn of(parts: &[&[u8]]) -> Key {
        let mut h = Xxh3::new();
        for p in parts {
            h.update(&(p.len() as u64).to_le_bytes());
            h.update(p);
        }
        Key(h.digest128())
    }

    /// The 32-hex-digit token.
    pub fn token(self) -> String {
        format!("{:032x}", self.0)
    }

    /// Bytes for hashing into other keys.
    pub fn bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", &self.token()[..12])
    }
}
