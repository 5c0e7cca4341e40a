//! Lorentz vectors in f64 with the formulas of the ADL reference (`../shared/adl/QUERIES.md`):
//!
//! ```text
//! px = pt cos(phi); py = pt sin(phi); pz = pt sinh(eta); E = sqrt(pt^2 + pz^2 + mass^2)
//! m = sqrt(max(E^2 - px^2 - py^2 - pz^2, 0)); pT = sqrt(px^2 + py^2)
//! dphi = ((phi1 - phi2 + pi) mod 2pi) - pi     (the result of mod has the sign of 2pi)
//! ```
//!
//! `QUERIES.md` writes E as `sqrt((pt cosh(eta))^2 + mass^2)`: the same number (pt² cosh²η =
//! pt² + pz²), computed here with one hyperbolic function instead of two; the two spellings differ
//! in the last bits only (tested to 1e-12 of E²).
//!
//! The scalar functions are the single definition used by the engine's whole-buffer kernels and
//! by the reference interpreter, so both agree to the last bit.

use std::f64::consts::{PI, TAU};
use std::mem::MaybeUninit;

use super::trig;
use crate::isa::Isa;

/// The hidden fields in which a vector record carries its Cartesian components, so that sums of
/// sums stay exact (as in the reference, which sums px, py, pz, E) and masses need no
/// trigonometry: `p4_add` results hold them, and the engine adds them to records zipped from
/// `pt, eta, phi, mass` (computed once per particle, before combinations multiply the rows).
/// Setting one of `pt, eta, phi, mass` with `with_field` drops them.
pub const CARTESIAN_FIELDS: [&str; 4] = ["__px", "__py", "__pz", "__e"];

/// The fields a vector record is made from.
pub const VECTOR_FIELDS: [&str; 4] = ["pt", "eta", "phi", "mass"];

/// The names of a record's own Cartesian components, in the order px, py, pz, E: fields
/// named `px`, `py`, `pz` and `E` (or `energy`), in any case (`Px`, `PX`...), as HZZ-style files
/// write them (`Muon_Px`, `Muon_E`). `None` when one is missing. A record with all of
/// [`VECTOR_FIELDS`] is read through those instead (see [`vector_kind`]).
///
/// ```
/// let f = ["Px", "Py", "Pz", "E", "Charge"];
/// assert_eq!(rask_core::kernels::cartesian_names(f), Some(["Px", "Py", "Pz", "E"]));
/// assert_eq!(rask_core::kernels::cartesian_names(["px", "py", "energy"]), None);
/// ```
pub fn cartesian_names<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<[&'a str; 4]> {
    let mut found: [Option<&str>; 4] = [None; 4];
    for f in fields {
        let slot = match f.to_ascii_lowercase().as_str() {
            "px" => 0,
            "py" => 1,
            "pz" => 2,
            "e" | "energy" => 3,
            _ => continue,
        };
        found[slot].get_or_insert(f);
    }
    Some([found[0]?, found[1]?, found[2]?, found[3]?])
}

/// How a record with these fields is a four-vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorKind<'a> {
    /// `pt, eta, phi, mass` ([`VECTOR_FIELDS`]).
    PtEtaPhiMass,
    /// Its own Cartesian components, named as [`cartesian_names`] finds them.
    Cartesian([&'a str; 4]),
}

/// Whether a record with these field names is a four-vector, and how: `pt, eta, phi, mass`
/// first, then `px, py, pz, E` ([`cartesian_names`]). The single rule of the typing, the
/// projection pushdown, the engine and the reference interpreter.
///
/// ```
/// use rask_core::kernels::{VectorKind, vector_kind};
/// assert_eq!(vector_kind(["pt", "eta", "phi", "mass"]), Some(VectorKind::PtEtaPhiMass));
/// assert_eq!(vector_kind(["Px", "Py", "Pz", "E"]), Some(VectorKind::Cartesian(["Px", "Py", "Pz", "E"])));
/// assert_eq!(vector_kind(["pt", "phi"]), None);
/// ```
pub fn vector_kind<'a>(
    fields: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<VectorKind<'a>> {
    if VECTOR_FIELDS
        .iter()
        .all(|v| fields.clone().into_iter().any(|f| f == *v))
    {
        return Some(VectorKind::PtEtaPhiMass);
    }
    cartesian_names(fields).map(VectorKind::Cartesian)
}

/// A four-vector in Cartesian components.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct P4 {
    pub px: f64,
    pub py: f64,
    pub pz: f64,
    pub e: f64,
}

impl std::ops::Add for P4 {
    type Output = P4;

    /// The component-wise sum.
    #[inline]
    fn add(self, o: P4) -> P4 {
        P4 {
            px: self.px + o.px,
            py: self.py + o.py,
            pz: self.pz + o.pz,
            e: self.e + o.e,
        }
    }
}

impl P4 {
    /// From (pt, eta, phi, mass).
    ///
    /// ```
    /// let p = rask_core::kernels::P4::from_ptetaphim(10.0, 0.0, 0.0, 0.0);
    /// assert_eq!((p.px, p.e), (10.0, 10.0));
    /// ```
    #[inline]
    pub fn from_ptetaphim(pt: f64, eta: f64, phi: f64, mass: f64) -> P4 {
        if trig::sin_cos_in_range(phi) && trig::sinh_in_range(eta) {
            return from_ptetaphim_fast(pt, eta, phi, mass);
        }
        from_trig(pt, trig::sinh(eta), trig::sin_cos(phi), mass)
    }

    /// The invariant mass, 0 for space-like rounding.
    #[inline]
    pub fn mass(self) -> f64 {
        let m2 = self.e * self.e - self.px * self.px - self.py * self.py - self.pz * self.pz;
        m2.max(0.0).sqrt()
    }

    /// The transverse momentum.
    #[inline]
    pub fn pt(self) -> f64 {
        (self.px * self.px + self.py * self.py).sqrt()
    }

    /// The pseudorapidity (±inf along the beam, 0 at rest).
    #[inline]
    pub fn eta(self) -> f64 {
        let pt = self.pt();
        if pt == 0.0 {
            if self.pz == 0.0 {
                0.0
            } else if self.pz > 0.0 {
                f64::INFINITY
            } else if self.pz < 0.0 {
                f64::NEG_INFINITY
            } else {
                f64::NAN
            }
        } else {
            (self.pz / pt).asinh()
        }
    }

    /// The azimuth in (-pi, pi].
    #[inline]
    pub fn phi(self) -> f64 {
        self.py.atan2(self.px)
    }
}

/// `phi1 - phi2` wrapped as `((d + pi) mod 2pi) - pi`, with numpy's `mod` (sign of the divisor).
///
/// ```
/// let d = rask_core::kernels::delta_phi(3.0, -3.0);
/// assert!((d - (6.0 - std::f64::consts::TAU)).abs() < 1e-12);
/// ```
#[inline]
pub fn delta_phi(phi1: f64, phi2: f64) -> f64 {
    let x = phi1 - phi2 + PI;
    // `x % TAU` (then moved into [0, TAU)) without the division for x in (-TAU, 2 TAU), as for
    // angles in [-pi, pi]: fmod's quotient is 0 or 1 there, so the result is `x`, `x - TAU`
    // (exact there: Sterbenz) or the negative `x` moved up by `TAU`, chosen without branches
    // (which way an angle difference goes cannot be predicted).
    let (above, below) = (f64::from(u8::from(x >= TAU)), f64::from(u8::from(x < 0.0)));
    // `x - 1 * TAU` is `x - TAU`, `x - 0 * TAU` is `x`; `+ 0` only turns -0 into +0, which
    // gives the same `-PI` below.
    let r = (x - above * TAU) + below * TAU;
    let r = if x > -TAU && x < 2.0 * TAU {
        r
    } else {
        let mut r = x % TAU;
        if r != 0.0 && r < 0.0 {
            r += TAU;
        }
        r
    };
    r - PI
}

/// `sqrt(deta^2 + dphi^2)`: the square root of [`delta_r_squared`].
#[inline]
pub fn delta_r(eta1: f64, phi1: f64, eta2: f64, phi2: f64) -> f64 {
    delta_r_squared(eta1, phi1, eta2, phi2).sqrt()
}

/// `deta^2 + dphi^2`, whose square root is [`delta_r`] (for comparisons that need the root only
/// near the threshold).
///
/// ```
/// let s = rask_core::kernels::delta_r_squared(0.3, 0.0, 0.0, 0.4);
/// assert_eq!(s.sqrt(), rask_core::kernels::delta_r(0.3, 0.0, 0.0, 0.4));
/// ```
#[inline]
pub fn delta_r_squared(eta1: f64, phi1: f64, eta2: f64, phi2: f64) -> f64 {
    let deta = eta1 - eta2;
    let dphi = delta_phi(phi1, phi2);
    deta * deta + dphi * dphi
}

/// The transverse mass `sqrt(2 pt1 pt2 (1 - cos(dphi)))` of two objects (dphi as [`delta_phi`]).
///
/// ```
/// let mt = rask_core::kernels::transverse_mass(10.0, 0.0, 10.0, std::f64::consts::PI);
/// assert!((mt - 20.0).abs() < 1e-12);
/// ```
#[inline]
pub fn transverse_mass(pt1: f64, phi1: f64, pt2: f64, phi2: f64) -> f64 {
    (2.0 * pt1 * pt2 * (1.0 - delta_phi(phi1, phi2).cos())).sqrt()
}

/// The four columns of a vector collection, whole buffers.
#[derive(Debug, Clone, Copy)]
pub struct PtEtaPhiM<'a> {
    pub pt: &'a [f64],
    pub eta: &'a [f64],
    pub phi: &'a [f64],
    pub mass: &'a [f64],
}

/// [`P4::from_ptetaphim`] for `phi` and `eta` within the fast ranges of [`trig`]: the one
/// definition the scalar and the whole-buffer conversions share.
#[inline(always)]
fn from_ptetaphim_fast(pt: f64, eta: f64, phi: f64, mass: f64) -> P4 {
    from_trig(pt, trig::sinh_fast(eta), trig::sin_cos_fast(phi), mass)
}

/// The vector of `pt`, `sinh η`, `(sin φ, cos φ)` and `mass`.
#[inline(always)]
fn from_trig(pt: f64, sinh_eta: f64, (sin, cos): (f64, f64), mass: f64) -> P4 {
    // |p|² = pt² cosh²η = pt² + pz²: one hyperbolic function instead of two.
    let pz = pt * sinh_eta;
    P4 {
        px: pt * cos,
        py: pt * sin,
        pz,
        e: (pt * pt + pz * pz + mass * mass).sqrt(),
    }
}

/// The Cartesian components `[px, py, pz, E]` of every vector of a column: the values of
/// [`P4::from_ptetaphim`] to the bit, a whole buffer at a time (vectorised for the widest
/// instruction set of the CPU; the few vectors outside the fast ranges take the scalar path).
///
/// ```
/// use rask_core::kernels::{P4, PtEtaPhiM, cartesian_parts};
/// let (pt, eta, phi, mass) = ([10.0, 5.0], [0.5, -1e300], [1.0, 2.0], [0.1, 0.0]);
/// let [px, _, pz, _] = cartesian_parts(PtEtaPhiM { pt: &pt, eta: &eta, phi: &phi, mass: &mass });
/// assert_eq!(px[0], P4::from_ptetaphim(10.0, 0.5, 1.0, 0.1).px);
/// assert_eq!(pz[1], f64::NEG_INFINITY);
/// ```
pub fn cartesian_parts(a: PtEtaPhiM<'_>) -> [Vec<f64>; 4] {
    let n =
        a.pt.len()
            .min(a.eta.len())
            .min(a.phi.len())
            .min(a.mass.len());
    // Written once, by the loop, not zeroed first (a pass over 32 bytes a vector).
    let mut out: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    let all_fast;
    {
        let [px, py, pz, e] = &mut out;
        let parts = CartesianOut {
            px: &mut px.spare_capacity_mut()[..n],
            py: &mut py.spare_capacity_mut()[..n],
            pz: &mut pz.spare_capacity_mut()[..n],
            e: &mut e.spare_capacity_mut()[..n],
        };
        all_fast = match Isa::detect() {
            Isa::Portable => cartesian_body(a, parts),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::detect` chose AVX2 only on a CPU that has it.
            Isa::Avx2 => unsafe { cartesian_avx2(a, parts) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for the AVX-512 subsets.
            Isa::Avx512 => unsafe { cartesian_avx512(a, parts) },
        };
    }
    for c in &mut out {
        // SAFETY: `cartesian_body` wrote every one of the first `n` values.
        unsafe { c.set_len(n) };
    }
    if all_fast {
        return out;
    }
    // The few vectors outside the fast ranges (NaN, huge angles) take the scalar path: found
    // eight at a time without a branch per vector.
    let fast = |eta: f64, phi: f64| trig::sin_cos_in_range(phi) & trig::sinh_in_range(eta);
    let (eta, phi) = (&a.eta[..n], &a.phi[..n]);
    for (c, (eta8, phi8)) in eta.chunks(8).zip(phi.chunks(8)).enumerate() {
        let all_fast = eta8
            .iter()
            .zip(phi8)
            .fold(true, |all, (&e, &p)| all & fast(e, p));
        if all_fast {
            continue;
        }
        for i in (c * 8..c * 8 + eta8.len()).filter(|&i| !fast(eta[i], phi[i])) {
            let p = P4::from_ptetaphim(a.pt[i], a.eta[i], a.phi[i], a.mass[i]);
            [out[0][i], out[1][i], out[2][i], out[3][i]] = [p.px, p.py, p.pz, p.e];
        }
    }
    out
}

/// The output buffers of [`cartesian_parts`], all of the input's length.
struct CartesianOut<'a> {
    px: &'a mut [MaybeUninit<f64>],
    py: &'a mut [MaybeUninit<f64>],
    pz: &'a mut [MaybeUninit<f64>],
    e: &'a mut [MaybeUninit<f64>],
}

/// The fast conversion of every vector (those outside the fast ranges get unused values);
/// whether every vector was within them.
#[inline(always)]
fn cartesian_body(a: PtEtaPhiM<'_>, out: CartesianOut<'_>) -> bool {
    let n = out.px.len();
    let (pt, eta, phi, mass) = (&a.pt[..n], &a.eta[..n], &a.phi[..n], &a.mass[..n]);
    let (py, pz, e) = (&mut out.py[..n], &mut out.pz[..n], &mut out.e[..n]);
    let mut all_fast = true;
    for i in 0..n {
        let p = from_ptetaphim_fast(pt[i], eta[i], phi[i], mass[i]);
        out.px[i].write(p.px);
        py[i].write(p.py);
        pz[i].write(p.pz);
        e[i].write(p.e);
        all_fast &= trig::sin_cos_in_range(phi[i]) & trig::sinh_in_range(eta[i]);
    }
    all_fast
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn cartesian_avx2(a: PtEtaPhiM<'_>, out: CartesianOut<'_>) -> bool {
    cartesian_body(a, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
fn cartesian_avx512(a: PtEtaPhiM<'_>, out: CartesianOut<'_>) -> bool {
    cartesian_body(a, out)
}

/// Element-wise sum of two vector columns, as (pt, eta, phi, mass) columns.
///
/// ```
/// use rask_core::kernels::{PtEtaPhiM, p4_add};
/// let a = PtEtaPhiM { pt: &[10.0], eta: &[0.0], phi: &[0.0], mass: &[0.0] };
/// let [pt, _, _, m] = p4_add(a, a);
/// assert_eq!((pt[0], m[0]), (20.0, 0.0));
/// ```
pub fn p4_add(a: PtEtaPhiM<'_>, b: PtEtaPhiM<'_>) -> [Vec<f64>; 4] {
    let n = a.pt.len();
    let mut out: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    for i in 0..n {
        let p = P4::from_ptetaphim(a.pt[i], a.eta[i], a.phi[i], a.mass[i]);
        let q = P4::from_ptetaphim(b.pt[i], b.eta[i], b.phi[i], b.mass[i]);
        let s = p + q;
        out[0].push(s.pt());
        out[1].push(s.eta());
        out[2].push(s.phi());
        out[3].push(s.mass());
    }
    out
}

/// The invariant mass of every vector of a column.
pub fn p4_mass(a: PtEtaPhiM<'_>) -> Vec<f64> {
    (0..a.pt.len())
        .map(|i| P4::from_ptetaphim(a.pt[i], a.eta[i], a.phi[i], a.mass[i]).mass())
        .collect()
}
