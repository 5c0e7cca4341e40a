//! HashPRNG: a pseudorandom number that is a deterministic function of some inputs, bit for
//! bit as correctionlib computes it (`src/correction.cc`, `HashPRNG::evaluate`):
//!
//! 1. each input becomes a 64-bit word — an int as `static_cast<uint64_t>`, a real as its
//!    IEEE bits — and the words' little-endian bytes are hashed with `XXH64(seed = 0)`;
//! 2. the hash seeds `pcg32_oneseq` (pcg-cpp: `state = bump(seed + increment)`, XSH-RR
//!    output of the state before each step);
//! 3. the distribution:
//!    - `stdflat`: `std::uniform_real_distribution<double>()` of libstdc++, i.e.
//!      `generate_canonical<double, 53>`: two 32-bit draws `(g1 + g2 * 2^32) / 2^64`, with
//!      1.0 replaced by the largest double below 1;
//!    - `stdnormal`: libstdc++'s `std::normal_distribution<double>()`, the Marsaglia polar
//!      method on two canonical draws, returning `y * sqrt(-2 ln r2 / r2)` (deprecated in
//!      correctionlib because it depends on the C++ standard library);
//!    - `normal`: correctionlib's own polar method on `ldexp(g, -31) - 1` draws, returning
//!      `u * sqrt(-2 ln s / s)`.

use xxhash_rust::xxh64::xxh64;

use crate::columns::{Column, Sel};
use crate::formula::CHUNK;
use crate::types::Value;

/// The output distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Distribution {
    StdFlat,
    StdNormal,
    Normal,
}

impl Distribution {
    pub(crate) fn parse(name: &str) -> Option<Distribution> {
        match name {
            "stdflat" => Some(Distribution::StdFlat),
            "stdnormal" => Some(Distribution::StdNormal),
            "normal" => Some(Distribution::Normal),
            _ => None,
        }
    }
}

/// pcg-cpp's `pcg32_oneseq` (`oneseq_xsh_rr_64_32`).
struct Pcg32 {
    state: u64,
}

const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
const INCREMENT: u64 = 1_442_695_040_888_963_407;
/// `ldexp(1, -31)`.
const TWO_POW_M31: f64 = 1.0 / 2_147_483_648.0;

impl Pcg32 {
    fn new(seed: u64) -> Pcg32 {
        Pcg32 {
            state: seed
                .wrapping_add(INCREMENT)
                .wrapping_mul(MULTIPLIER)
                .wrapping_add(INCREMENT),
        }
    }

    fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
        let rot = (old >> 59) as u32;
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right(rot)
    }

    /// libstdc++ `std::generate_canonical<double, 53>` with a 32-bit generator.
    fn canonical(&mut self) -> f64 {
        let mut sum = 0.0f64;
        let mut tmp = 1.0f64;
        for _ in 0..2 {
            sum += f64::from(self.next_u32()) * tmp;
            tmp *= 4_294_967_296.0;
        }
        let r = sum / tmp;
        if r >= 1.0 {
            1.0 - f64::EPSILON / 2.0
        } else {
            r
        }
    }
}

/// The distribution's value for the input words.
#[allow(clippy::identity_op)]
pub(crate) fn sample(words: &[u64], dist: Distribution) -> f64 {
    let mut stack = [0u8; 8 * 16];
    let mut heap = Vec::new();
    let bytes: &mut [u8] = if words.len() <= 16 {
        &mut stack[..8 * words.len()]
    } else {
        heap.resize(8 * words.len(), 0);
        &mut heap
    };
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    let mut g = Pcg32::new(xxh64(bytes, 0));
    match dist {
        Distribution::StdFlat => g.canonical(),
        Distribution::StdNormal => loop {
            let x = 2.0 * g.canonical() - 1.0;
            let y = 2.0 * g.canonical() - 1.0;
            let r2 = x * x + y * y;
            if r2 > 1.0 || r2 == 0.0 {
                continue;
            }
            let mult = (-2.0 * r2.ln() / r2).sqrt();
            // `ret * stddev() + mean()` with the defaults 1 and 0.
            break y * mult * 1.0 + 0.0;
        },
        Distribution::Normal => loop {
            let u = f64::from(g.next_u32()) * TWO_POW_M31 - 1.0;
            let v = f64::from(g.next_u32()) * TWO_POW_M31 - 1.0;
            let s = u * u + v * v;
            if s >= 1.0 || s == 0.0 {
                continue;
            }
            break u * (-2.0 * s.ln() / s).sqrt();
        },
    }
}

/// An input's word: an int's two's-complement bits, a real's IEEE bits.
fn word(v: Value<'_>) -> u64 {
    match v {
        Value::Int(i) => i as u64,
        Value::Real(x) => x.to_bits(),
        Value::Str(_) => 0,
    }
}

/// A HashPRNG node.
#[derive(Debug)]
pub(crate) struct HashPrng {
    pub inputs: Vec<usize>,
    pub dist: Distribution,
}

impl HashPrng {
    pub(crate) fn eval_one(&self, vals: &[Value<'_>]) -> f64 {
        let words: Vec<u64> = self
            .inputs
            .iter()
            .map(|&i| vals.get(i).map_or(0, |v| word(*v)))
            .collect();
        sample(&words, self.dist)
    }

    pub(crate) fn eval_columns(&self, cols: &[Column<'_>], sel: Sel<'_>, out: &mut [f64]) {
        let n = sel.len();
        let m = self.inputs.len();
        let mut words = vec![0u64; m * CHUNK.min(n.max(1))];
        let mut rbuf = Vec::new();
        let mut ibuf = Vec::new();
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let part = sel.sub(start, end);
            let len = end - start;
            // Row-major words: row k's inputs are words[k*m..(k+1)*m].
            for (j, &input) in self.inputs.iter().enumerate() {
                let Some(col) = cols.get(input) else { continue };
                match col {
                    Column::Int(_) | Column::IntConst(_) => {
                        for (k, &v) in col.ints(part, &mut ibuf).iter().enumerate() {
                            words[k * m + j] = v as u64;
                        }
                    }
                    _ => {
                        for (k, &v) in col.reals(part, &mut rbuf).iter().enumerate() {
                            words[k * m + j] = v.to_bits();
                        }
                    }
                }
            }
            for (k, o) in out[start..end].iter_mut().enumerate().take(len) {
                *o = sample(&words[k * m..(k + 1) * m], self.dist);
            }
            start = end;
        }
    }
}
