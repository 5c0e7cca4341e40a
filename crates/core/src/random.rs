//! Deterministic random numbers for generated arrays: each chunk has its own stream, seeded from
//! `(seed, chunk index)`, so values do not depend on how chunks are scheduled.
//!
//! Generator: xoshiro256++ seeded through splitmix64; normals by the Box–Muller transform. The
//! reference interpreter, the execution engine and the hand-written benchmark loop all call
//! [`fill_normal`], so they produce the same numbers bit for bit.

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
    let mut pairs = out.chunks_exact_mut(2);
    for pair in &mut pairs {
        let (a, b) = box_muller(&mut rng);
        pair[0] = a;
        pair[1] = b;
    }
    if let [last] = pairs.into_remainder() {
        *last = box_muller(&mut rng).0;
    }
}

#[inline]
fn box_muller(rng: &mut Xoshiro256pp) -> (f64, f64) {
    let u1 = rng.next_f64_open();
    let u2 = rng.next_f64_open();
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
    (r * c, r * s)
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
        let mut w = vec![0.0; 10];
        fill_normal(1, 1, &mut w);
        assert_ne!(&v[..10], &w[..]);
    }
}
