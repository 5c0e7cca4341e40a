//! Deterministic random numbers for generated arrays: each chunk has its own stream, seeded from
//! `(seed, chunk index)`, so values do not depend on how chunks are scheduled.
//!
//! Normals come from the 256-layer ziggurat (Marsaglia & Tsang 2000, in the symmetric form
//! rand_distr uses), generated a block at a time so the common case runs as straight-line,
//! vectorisable code:
//! 1. [`LANES`] interleaved xoshiro256++ generators give one 64-bit draw per value (value `k` of
//!    a block comes from lane `k % LANES`); the lanes step together, which SIMD does in one go.
//! 2. Each draw becomes `x = u · X[i]` (layer `i` from 8 bits, `u` in [-1, 1) from 52 bits); about
//!    99% of values are inside their layer's rectangle (`|x| < X[i+1]`) and are done.
//! 3. The rest are finished in order by the classic rejection loop (wedge test, tail beyond `R`,
//!    retries) on a separate scalar xoshiro256++ stream.
//!
//! The values depend only on `(seed, chunk)`, never on how the caller splits its requests
//! ([`Normals`] buffers a block) or on which instruction set ran: step 2 is exact IEEE arithmetic,
//! so the AVX-512 and AVX2 builds of the block loop (chosen at run time) and the portable one
//! agree bit for bit. The reference interpreter, the execution engine and the hand-written benchmark loop all
//! call [`fill_normal`] or [`Normals`], so they produce the same numbers.

use crate::isa::Isa;

/// xoshiro256++ (Blackman & Vigna), a small fast generator with 256 bits of state.
#[derive(Debug, Clone)]
pub struct Xoshiro256pp {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Xoshiro256pp {
    /// The stream of chunk `stream` of seed `seed`.
    ///
    /// ```
    /// let mut a = rask_core::random::Xoshiro256pp::new(1, 0);
    /// let mut b = rask_core::random::Xoshiro256pp::new(1, 0);
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut state = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Self::from_splitmix(&mut state)
    }

    fn from_splitmix(state: &mut u64) -> Self {
        let s = [
            splitmix64(state),
            splitmix64(state),
            splitmix64(state),
            splitmix64(state),
        ];
        Xoshiro256pp { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1]: never 0, so `ln` is finite.
    #[inline]
    pub fn next_f64_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Interleaved generators of a block; value `k` of a block comes from lane `k % LANES`.
pub const LANES: usize = 8;
/// Values generated at a time.
const BLOCK: usize = 512;

/// [`LANES`] xoshiro256++ generators stored state word by state word, so one step of all lanes
/// is a handful of vector instructions.
#[derive(Debug, Clone)]
struct Lanes {
    s: [[u64; LANES]; 4],
}

impl Lanes {
    fn new(state: &mut u64) -> Lanes {
        let mut s = [[0u64; LANES]; 4];
        for lane in 0..LANES {
            let g = Xoshiro256pp::from_splitmix(state);
            for (words, word) in s.iter_mut().zip(g.s) {
                words[lane] = word;
            }
        }
        Lanes { s }
    }

    /// The next draw of every lane.
    #[inline(always)]
    fn step(&mut self, out: &mut [u64; LANES]) {
        let [s0, s1, s2, s3] = &mut self.s;
        for l in 0..LANES {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
    }
}

/// Fills `out` with standard normal values of chunk `chunk` of seed `seed`: the first
/// `out.len()` values of `Normals::new(seed, chunk)`.
///
/// ```
/// let mut a = vec![0.0; 5];
/// rask_core::random::fill_normal(7, 3, &mut a);
/// let mut b = vec![0.0; 5];
/// rask_core::random::fill_normal(7, 3, &mut b);
/// assert_eq!(a, b);
/// ```
pub fn fill_normal(seed: u64, chunk: u64, out: &mut [f64]) {
    Normals::new(seed, chunk).fill(out);
}

/// A stream of standard normals, filled block by block: the values of `fill_normal(seed, chunk,
/// out)` in order, for loops that never hold the whole chunk. How the requests are split does
/// not change the values.
///
/// ```
/// let mut whole = vec![0.0; 1000];
/// rask_core::random::fill_normal(3, 1, &mut whole);
/// let mut s = rask_core::random::Normals::new(3, 1);
/// let (mut a, mut b) = ([0.0; 4], [0.0; 996]);
/// s.fill(&mut a);
/// s.fill(&mut b);
/// assert_eq!((&whole[..4], &whole[4..]), (&a[..], &b[..]));
/// ```
#[derive(Debug, Clone)]
pub struct Normals {
    lanes: Lanes,
    /// The stream that finishes the values outside their layer's rectangle.
    slow: Xoshiro256pp,
    /// A generated block and how much of it was handed out.
    buf: Box<[f64; BLOCK]>,
    used: usize,
    isa: Isa,
}

impl Normals {
    pub fn new(seed: u64, chunk: u64) -> Self {
        let mut state = seed ^ chunk.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let lanes = Lanes::new(&mut state);
        let slow = Xoshiro256pp::from_splitmix(&mut state);
        Normals {
            lanes,
            slow,
            buf: Box::new([0.0; BLOCK]),
            used: BLOCK,
            isa: Isa::detect(),
        }
    }

    /// The next `out.len()` values.
    pub fn fill(&mut self, mut out: &mut [f64]) {
        // What is left of the buffered block first, then whole blocks straight into `out`, then
        // a buffered block for the tail.
        let take = (BLOCK - self.used).min(out.len());
        out[..take].copy_from_slice(&self.buf[self.used..self.used + take]);
        self.used += take;
        out = &mut out[take..];
        let (blocks, rest) = out.as_chunks_mut::<BLOCK>();
        for b in blocks {
            self.block(b);
        }
        if !rest.is_empty() {
            // The tail: a block into the buffer, its start handed out, the rest kept.
            let Normals {
                lanes,
                slow,
                buf,
                isa,
                ..
            } = self;
            block(lanes, slow, *isa, buf);
            rest.copy_from_slice(&buf[..rest.len()]);
            self.used = rest.len();
        }
    }

    fn block(&mut self, out: &mut [f64; BLOCK]) {
        block(&mut self.lanes, &mut self.slow, self.isa, out);
    }
}

/// One block of values: the fast path for all of them with `isa`, then the values outside
/// their layer's rectangle finished in order from the scalar stream `slow`.
fn block(lanes: &mut Lanes, slow: &mut Xoshiro256pp, isa: Isa, out: &mut [f64; BLOCK]) {
    let t = tables();
    // Per value: its layer, and 1 when it fell outside the layer's rectangle.
    let (mut layer, mut outside) = ([0u8; BLOCK], [0u8; BLOCK]);
    match isa {
        Isa::Portable => block_fast(lanes, t, out, &mut layer, &mut outside),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it, which is what
        // `block_fast_avx2` is compiled for.
        Isa::Avx2 => unsafe { block_fast_avx2(lanes, t, out, &mut layer, &mut outside) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, for the AVX-512 subsets `block_fast_avx512` is compiled for.
        Isa::Avx512 => unsafe { block_fast_avx512(lanes, t, out, &mut layer, &mut outside) },
    }
    // Eight flags (0 or 1) as the bytes of a word; visit its set bytes in order.
    let (words, _) = outside.as_chunks::<8>();
    for (k, flags) in words.iter().enumerate() {
        let mut word = u64::from_le_bytes(*flags);
        while word != 0 {
            let j = k * 8 + (word.trailing_zeros() / 8) as usize;
            word &= word - 1;
            out[j] = finish(slow, t, usize::from(layer[j]), out[j]);
        }
    }
}

/// Step 2 of the block: `out[k] = u · X[i]`, `layer[k] = i`, `outside[k] = 1` where
/// `|x| >= X[i+1]`.
#[inline(always)]
fn block_fast_body(
    lanes: &mut Lanes,
    t: &Tables,
    out: &mut [f64; BLOCK],
    layer: &mut [u8; BLOCK],
    outside: &mut [u8; BLOCK],
) {
    let mut bits = [0u64; LANES];
    let chunks = out
        .chunks_exact_mut(LANES)
        .zip(layer.chunks_exact_mut(LANES))
        .zip(outside.chunks_exact_mut(LANES));
    for ((o, ly), f) in chunks {
        lanes.step(&mut bits);
        for l in 0..LANES {
            let b = bits[l];
            let i = (b & 0xff) as usize;
            // u uniform in [-1, 1) from the 52 high bits.
            let u = f64::from_bits((b >> 12) | 0x4000_0000_0000_0000) - 3.0;
            let x = u * t.x[i];
            o[l] = x;
            ly[l] = i as u8;
            f[l] = u8::from(x.abs() >= t.x_next[i]);
        }
    }
}

/// `block_fast_body` compiled for a set of target features (`$features` empty: the portable
/// build); callers choose one with `Isa::detect`.
macro_rules! block_fast_for {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        fn $name(
            lanes: &mut Lanes,
            t: &Tables,
            out: &mut [f64; BLOCK],
            layer: &mut [u8; BLOCK],
            outside: &mut [u8; BLOCK],
        ) {
            block_fast_body(lanes, t, out, layer, outside);
        }
    };
}

block_fast_for!(block_fast);
block_fast_for!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
    block_fast_avx512
);
block_fast_for!(
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    block_fast_avx2
);

/// Finishes a value `x = u · X[i]` of layer `i` that fell outside the layer's rectangle: the
/// wedge test or the tail, and on rejection a fresh value, all from `rng`.
fn finish(rng: &mut Xoshiro256pp, t: &Tables, i: usize, x: f64) -> f64 {
    if i == 0 {
        // The tail beyond R (Marsaglia 1964).
        loop {
            let e = -rng.next_f64_open().ln() / R;
            let b = -rng.next_f64_open().ln();
            if 2.0 * b >= e * e {
                return if x < 0.0 { -(R + e) } else { R + e };
            }
        }
    }
    let y = t.f[i + 1] + (t.f[i] - t.f[i + 1]) * rng.next_f64_open();
    if y < pdf(x) {
        return x;
    }
    ziggurat(rng, t)
}
/// The layers of the ziggurat: `x[i]` the right edges (x[0] the base's virtual edge, x[256] = 0),
/// `f[i]` = exp(-x[i]^2 / 2).
struct Tables {
    x: [f64; 257],
    /// `x[i + 1]`, indexed like `x` (one lookup per value with the same index).
    x_next: [f64; 256],
    f: [f64; 257],
}

/// The tail start and the area of each layer for 256 layers.
const R: f64 = 3.654_152_885_361_009;
const V: f64 = 0.004_928_673_233_99;

fn pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp()
}

fn tables() -> &'static Tables {
    static T: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut x = [0.0; 257];
        x[0] = V / pdf(R);
        x[1] = R;
        for i in 1..256 {
            let arg = V / x[i] + pdf(x[i]);
            x[i + 1] = if arg >= 1.0 {
                0.0
            } else {
                (-2.0 * arg.ln()).sqrt()
            };
        }
        x[256] = 0.0;
        let mut x_next = [0.0; 256];
        x_next.copy_from_slice(&x[1..]);
        let mut f = [0.0; 257];
        for i in 0..257 {
            f[i] = pdf(x[i]);
        }
        Tables { x, x_next, f }
    })
}

/// One standard normal value.
#[inline]
fn ziggurat(rng: &mut Xoshiro256pp, t: &Tables) -> f64 {
    loop {
        let bits = rng.next_u64();
        let i = (bits & 0xff) as usize;
        // u uniform in [-1, 1) from the 52 high bits.
        let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
        let x = u * t.x[i];
        if x.abs() < t.x[i + 1] {
            return x;
        }
        if i == 0 {
            // The tail beyond R (Marsaglia 1964).
            loop {
                let a = -rng.next_f64_open().ln() / R;
                let b = -rng.next_f64_open().ln();
                if 2.0 * b >= a * a {
                    return if u < 0.0 { -(R + a) } else { R + a };
                }
            }
        }
        let y = t.f[i + 1] + (t.f[i] - t.f[i + 1]) * rng.next_f64_open();
        if y < pdf(x) {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_of_any_size_give_the_same_values() {
        let mut whole = vec![0.0; 5 * BLOCK + 37];
        fill_normal(11, 4, &mut whole);
        for sizes in [
            &[1usize, 511, 512, 513, 7][..],
            &[BLOCK * 5 + 37],
            &[3, 2000, 600],
        ] {
            let mut s = Normals::new(11, 4);
            let mut got = Vec::new();
            let mut left = whole.len();
            for &n in sizes.iter().cycle() {
                let n = n.min(left);
                let mut part = vec![0.0; n];
                s.fill(&mut part);
                got.extend(part);
                left -= n;
                if left == 0 {
                    break;
                }
            }
            assert_eq!(got, whole, "{sizes:?}");
        }
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let bits = |isa: Isa| {
            let mut s = Normals::new(5, 9);
            s.isa = isa;
            let mut v = vec![0.0; 100_000];
            s.fill(&mut v);
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        let portable = bits(Isa::Portable);
        let detected = Isa::detect();
        assert_eq!(bits(detected), portable, "{detected:?}");
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert_eq!(bits(Isa::Avx2), portable);
        }
    }

    #[test]
    fn normals_look_normal_and_streams_differ() {
        let mut v = vec![0.0; 100_001];
        fill_normal(1, 0, &mut v);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        assert!(v.iter().all(|x| x.is_finite()));
        // Tails: P(|x| > 2) = 4.55%, P(|x| > 3) = 0.27%, P(x > 3.7) (beyond the base) = 1.08e-4.
        let frac = |c: f64| v.iter().filter(|x| x.abs() > c).count() as f64 / n;
        assert!((frac(2.0) - 0.0455).abs() < 0.003, "{}", frac(2.0));
        assert!((frac(3.0) - 0.0027).abs() < 0.0007, "{}", frac(3.0));
        let skew = v
            .iter()
            .map(|x| ((x - mean) / var.sqrt()).powi(3))
            .sum::<f64>()
            / n;
        let kurt = v
            .iter()
            .map(|x| ((x - mean) / var.sqrt()).powi(4))
            .sum::<f64>()
            / n;
        assert!(
            skew.abs() < 0.03 && (kurt - 3.0).abs() < 0.06,
            "{skew} {kurt}"
        );
        let mut big = vec![0.0; 2_000_000];
        fill_normal(9, 0, &mut big);
        let beyond = big.iter().filter(|x| x.abs() > R).count();
        // Expected 2 * 1.29e-4 * 2e6 = 516; the tail sampler must produce them.
        assert!((400..650).contains(&beyond), "{beyond}");
        let mut w = vec![0.0; 10];
        fill_normal(1, 1, &mut w);
        assert_ne!(&v[..10], &w[..]);
    }
}
