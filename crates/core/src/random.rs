//! Deterministic random numbers for generated arrays: each chunk has its own stream, seeded from
//! `(seed, chunk index)`, so values do not depend on how chunks are scheduled.
//!
//! Generator: xoshiro256++ seeded through splitmix64; normals by the 256-layer ziggurat method
//! (Marsaglia & Tsang 2000, in the symmetric form rand_distr uses): one 64-bit draw, a table
//! lookup and a comparison for about 99% of the values, instead of Box–Muller's logarithm, square
//! root and sine/cosine. The reference interpreter, the execution engine and the hand-written
//! benchmark loop all call [`fill_normal`], so they produce the same numbers bit for bit.

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
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
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

/// Fills `out` with standard normal values of chunk `chunk` of seed `seed`.
///
/// ```
/// let mut a = vec![0.0; 5];
/// rask_core::random::fill_normal(7, 3, &mut a);
/// let mut b = vec![0.0; 5];
/// rask_core::random::fill_normal(7, 3, &mut b);
/// assert_eq!(a, b);
/// ```
pub fn fill_normal(seed: u64, chunk: u64, out: &mut [f64]) {
    let mut rng = Xoshiro256pp::new(seed, chunk);
    let t = tables();
    for x in out {
        *x = ziggurat(&mut rng, t);
    }
}

/// A stream of standard normals, filled block by block: the values of `fill_normal(seed, chunk,
/// out)` in order, for loops that never hold the whole chunk.
///
/// ```
/// let mut whole = vec![0.0; 10];
/// rask_core::random::fill_normal(3, 1, &mut whole);
/// let mut s = rask_core::random::Normals::new(3, 1);
/// let (mut a, mut b) = ([0.0; 4], [0.0; 6]);
/// s.fill(&mut a);
/// s.fill(&mut b);
/// assert_eq!((&whole[..4], &whole[4..]), (&a[..], &b[..]));
/// ```
#[derive(Debug, Clone)]
pub struct Normals {
    rng: Xoshiro256pp,
}

impl Normals {
    pub fn new(seed: u64, chunk: u64) -> Self {
        Normals {
            rng: Xoshiro256pp::new(seed, chunk),
        }
    }

    /// The next `out.len()` values.
    pub fn fill(&mut self, out: &mut [f64]) {
        let t = tables();
        for x in out {
            *x = ziggurat(&mut self.rng, t);
        }
    }
}

/// The layers of the ziggurat: `x[i]` the right edges (x[0] the base's virtual edge, x[256] = 0),
/// `f[i]` = exp(-x[i]^2 / 2).
struct Tables {
    x: [f64; 257],
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
        let mut f = [0.0; 257];
        for i in 0..257 {
            f[i] = pdf(x[i]);
        }
        Tables { x, f }
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
