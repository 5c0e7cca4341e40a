//! ΔR flags over all of a morsel's `a` particles at once, in vector lanes.
//!
//! Each event has few `b` particles (leptons, for jets): looping over them per `a` particle
//! leaves one or two iterations per loop and a branch on each. Here the loop runs the other
//! way: for the `k`-th `b` particle of each event, over every `a` particle of the morsel, so
//! the inner loop is as long as the morsel and compiles to vector lanes (the `b` particle's
//! `eta` and `phi` are gathered per lane through its event; lanes whose event has fewer than
//! `k + 1` keep their flag). Every flag is the one [`Sides::flags`] gives, bit for bit:
//! - ΔR² is [`rask_core::kernels::delta_r_squared`]'s arithmetic, in the same order (no fused
//!   multiply-add: none of the instruction sets compiled for contracts);
//! - its square root is compared with the threshold as the chain compares ΔR (NaN passes no
//!   comparison);
//! - an angle difference outside `delta_phi`'s branch-free range (an infinite or huge `phi`;
//!   NaN gives NaN either way) sends the whole morsel to [`Sides::flags`], which uses [`rask_core::kernels::delta_r_squared`].

use std::f64::consts::{PI, TAU};

use arrow_buffer::BooleanBuffer;
use rask_core::isa::Isa;

use super::{Sides, Threshold};
use rask_plan::op::BinaryOp;

/// Which outcomes of comparing ΔR with the threshold pass.
#[derive(Clone, Copy)]
struct Wants {
    less: bool,
    equal: bool,
    greater: bool,
    t: f64,
}

impl Sides<'_> {
    /// [`Sides::flags`], computed across particles in vector lanes.
    pub(super) fn flags_in_lanes<const SWAPPED: bool, const ALL: bool>(
        &self,
        test: &Threshold,
    ) -> BooleanBuffer {
        let total = self.oa.last().map_or(0, |&n| n.max(0) as usize);
        let events = self.oa.len().saturating_sub(1);
        if self.ob.len() != events + 1 {
            return self.flags::<SWAPPED, ALL>(test);
        }
        let dense = dense_passes(self.oa, self.ob, total);
        let mut acc = vec![u8::from(ALL); total];
        let lanes = Lanes {
            sides: self,
            parent: &parents(self.oa, total),
            dense,
            wants: Wants {
                less: matches!(test.op, BinaryOp::Lt | BinaryOp::Le),
                equal: matches!(test.op, BinaryOp::Le | BinaryOp::Ge),
                greater: matches!(test.op, BinaryOp::Gt | BinaryOp::Ge),
                t: test.t,
            },
        };
        // The caller checked that `ob` starts at 0 and ends within `eb` and `pb` (`fits`);
        // Arrow offsets never decrease; `parents` gives each particle an event below `events`.
        let unwrapped = match Isa::detect() {
            // SAFETY (all three): as above.
            Isa::Portable => unsafe { lanes.run::<SWAPPED, ALL>(&mut acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, and `Isa::detect` chose AVX2 only on a CPU that has it.
            Isa::Avx2 => unsafe { run_avx2::<SWAPPED, ALL>(&lanes, &mut acc) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for the AVX-512 subsets.
            Isa::Avx512 => unsafe { run_avx512::<SWAPPED, ALL>(&lanes, &mut acc) },
        };
        if unwrapped {
            // An angle difference outside `delta_phi`'s branch-free range (an infinite or huge
            // `phi`): the pairwise loop, with `kernels::delta_phi` itself.
            return self.flags::<SWAPPED, ALL>(test);
        }
        BooleanBuffer::collect_bool(total, |j| acc[j] != 0)
    }
}

/// A pass over every `a` particle of the morsel (vector lanes) is worth it while at least one
/// in `DENSE` of them has a `k`-th `b` particle; the rest are paired event by event. One event
/// with seven leptons would otherwise make seven passes over every jet of its morsel (ADL Q7's
/// file: 81 % of the events have a lepton, 24 % a second, 5 % a third; 5 to 7 at most in a
/// morsel).
const DENSE: usize = 4;

/// How many of the first `b` positions (`k = 0, 1, …`) are paired in passes over every `a`
/// particle: those where at least `total / DENSE` particles have a `k`-th `b` particle (their
/// number falls as `k` grows). Never more than the longest `b` run of an event with `a`
/// particles, so a pass's lanes without a `k`-th particle read inside some run.
fn dense_passes(oa: &[i32], ob: &[i32], total: usize) -> u32 {
    // `having[c]`: the `a` particles of events with `c` `b` particles.
    let mut having: Vec<usize> = Vec::new();
    for (wa, wb) in oa.windows(2).zip(ob.windows(2)) {
        let na = (wa[1] - wa[0]).max(0) as usize;
        if na == 0 {
            continue;
        }
        let nb = (wb[1] - wb[0]).max(0) as usize;
        if having.len() <= nb {
            having.resize(nb + 1, 0);
        }
        having[nb] += na;
    }
    // Particles with a `k`-th `b` particle: those of events with more than `k`.
    let mut beyond = total.saturating_sub(having.first().copied().unwrap_or(0));
    let mut k = 0;
    while k + 1 < having.len() && beyond * DENSE >= total && beyond > 0 {
        k += 1;
        beyond = beyond.saturating_sub(having[k]);
    }
    k as u32
}

/// The event of each of the `total` particles of lists with offsets `o` (starting at 0): the
/// number of lists that end at or before it, by one count per list end and a running sum.
fn parents(o: &[i32], total: usize) -> Vec<u32> {
    let mut ends = vec![0u32; total + 1];
    for &end in &o[1.min(o.len())..] {
        if let Some(e) = ends.get_mut(end.max(0) as usize) {
            *e += 1;
        }
    }
    let mut sum = 0u32;
    ends.truncate(total);
    for e in &mut ends {
        sum += *e;
        *e = sum;
    }
    ends
}

/// The inputs of the lane loops.
struct Lanes<'a> {
    sides: &'a Sides<'a>,
    /// Each `a` particle's event.
    parent: &'a [u32],
    /// The `b` positions paired in passes over every `a` particle (the others event by event).
    dense: u32,
    wants: Wants,
}

impl Lanes<'_> {
    /// Combines into `acc` the outcome with each `a` particle's `k`-th `b` particle, for every
    /// `k`: the first `dense` in passes over every particle, the rest event by event; whether
    /// some pair's angle difference is outside `delta_phi`'s branch-free range.
    ///
    /// # Safety
    /// `ob` starts at 0, never decreases and ends within `eb` and `pb`; every `parent` is
    /// below `ob.len() - 1`.
    #[inline(always)]
    unsafe fn run<const SWAPPED: bool, const ALL: bool>(&self, acc: &mut [u8]) -> bool {
        let Sides {
            ea, pa, eb, pb, ob, ..
        } = *self.sides;
        let n = acc.len().min(ea.len()).min(pa.len()).min(self.parent.len());
        let mut unwrapped = false;
        for k in 0..self.dense {
            for j in 0..n {
                let e = self.parent[j] as usize;
                // SAFETY: `e + 1 < ob.len()` by the caller's promise.
                let (start, end) = unsafe { (*ob.get_unchecked(e), *ob.get_unchecked(e + 1)) };
                let valid = (k as i32) < end - start;
                // An index in bounds for lanes without a `k`-th particle too (their outcome is
                // dropped): 0, inside `eb` as some run is not empty (`dense_passes`).
                let i = if valid {
                    (start + k as i32) as usize
                } else {
                    0
                };
                // SAFETY: `i` is in a run of `ob`, or 0 while some run is not empty; runs lie
                // within `eb` and `pb` by the caller's promise.
                let (e2, p2) = unsafe { (*eb.get_unchecked(i), *pb.get_unchecked(i)) };
                let (passes, unwrapped_lane) = self.wants.pair::<SWAPPED>((ea[j], pa[j]), (e2, p2));
                let flag = if ALL {
                    acc[j] & u8::from(passes)
                } else {
                    acc[j] | u8::from(passes)
                };
                acc[j] = if valid { flag } else { acc[j] };
                unwrapped |= valid & unwrapped_lane;
            }
        }
        // The events with more `b` particles than the passes covered, pair by pair.
        let oa = self.sides.oa;
        for (wa, wb) in oa.windows(2).zip(ob.windows(2)) {
            let from = wb[0].saturating_add(self.dense as i32).max(0) as usize;
            let to = wb[1].max(0) as usize;
            if from >= to {
                continue;
            }
            let (Some(eb), Some(pb)) = (eb.get(from..to), pb.get(from..to)) else {
                continue;
            };
            let (ja, jb) = (wa[0].max(0) as usize, (wa[1].max(0) as usize).min(n));
            for j in ja..jb {
                let mut flag = acc[j];
                for (&e2, &p2) in eb.iter().zip(pb) {
                    let (passes, unwrapped_pair) =
                        self.wants.pair::<SWAPPED>((ea[j], pa[j]), (e2, p2));
                    flag = if ALL {
                        flag & u8::from(passes)
                    } else {
                        flag | u8::from(passes)
                    };
                    unwrapped |= unwrapped_pair;
                }
                acc[j] = flag;
            }
        }
        unwrapped
    }
}

impl Wants {
    /// Whether ΔR between the `a` particle `(e1, p1)` and the `b` particle `(e2, p2)` (read
    /// in the other order when `SWAPPED`) passes, and whether their angle difference is outside
    /// `delta_phi`'s branch-free range.
    #[inline(always)]
    fn pair<const SWAPPED: bool>(self, a: (f64, f64), b: (f64, f64)) -> (bool, bool) {
        let ((e1, p1), (e2, p2)) = if SWAPPED { (b, a) } else { (a, b) };
        // `kernels::delta_phi`'s branch-free path, the same operations in the same order.
        let x = p1 - p2 + PI;
        let above = f64::from(u8::from(x >= TAU));
        let below = f64::from(u8::from(x < 0.0));
        let dphi = ((x - above * TAU) + below * TAU) - PI;
        // Outside the branch-free range, `delta_phi` divides; NaN is NaN either way.
        let unwrapped = x <= -TAU || x >= 2.0 * TAU;
        let deta = e1 - e2;
        let d = (deta * deta + dphi * dphi).sqrt();
        let t = self.t;
        let passes = (self.less & (d < t)) | (self.equal & (d == t)) | (self.greater & (d > t));
        (passes, unwrapped)
    }
}

/// # Safety
/// As [`Lanes::run`], on a CPU with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<const SWAPPED: bool, const ALL: bool>(
    lanes: &Lanes<'_>,
    acc: &mut [u8],
) -> bool {
    // SAFETY: passed on from the caller.
    unsafe { lanes.run::<SWAPPED, ALL>(acc) }
}

/// # Safety
/// As [`Lanes::run`], on a CPU with the AVX-512 subsets.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq")]
unsafe fn run_avx512<const SWAPPED: bool, const ALL: bool>(
    lanes: &Lanes<'_>,
    acc: &mut [u8],
) -> bool {
    // SAFETY: passed on from the caller.
    unsafe { lanes.run::<SWAPPED, ALL>(acc) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Angles `delta_phi` wraps without a division: the lanes' own path.
    fn usual_angle() -> impl Strategy<Value = f64> + Clone {
        prop_oneof![
            8 => -3.2..3.2f64,
            1 => Just(std::f64::consts::PI),
            1 => Just(-std::f64::consts::PI),
        ]
    }

    /// Angles of every kind: NaN (the lanes' path too), and rarely enough that some cases keep
    /// to the lanes, infinite and huge ones (the fallback).
    fn angle() -> impl Strategy<Value = f64> + Clone {
        prop_oneof![
            40 => -3.2..3.2f64,
            4 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(-f64::INFINITY),
            1 => -1e6..1e6f64,
            2 => Just(std::f64::consts::PI),
            2 => Just(-std::f64::consts::PI),
        ]
    }

    /// Events of 0–12 `a` particles and 0–4 `b` particles: offsets, then (eta, phi) pairs.
    fn side(counts: &[usize], values: &[(f64, f64)]) -> (Vec<i32>, Vec<f64>, Vec<f64>) {
        let mut o = vec![0i32];
        for &c in counts {
            o.push(o.last().copied().unwrap_or(0) + c as i32);
        }
        let n = *o.last().unwrap_or(&0) as usize;
        let (e, p) = values.iter().cycle().take(n).copied().unzip();
        (o, e, p)
    }

    type Particles = Vec<(f64, f64)>;

    /// The lanes' flags equal the pairwise loop's, for every order and reduction.
    fn check(
        events: &[(usize, usize)],
        a: &[(f64, f64)],
        b: &[(f64, f64)],
        t: f64,
        op: BinaryOp,
    ) -> Result<(), TestCaseError> {
        let na: Vec<usize> = events.iter().map(|e| e.0).collect();
        let nb: Vec<usize> = events.iter().map(|e| e.1).collect();
        let (oa, ea, pa) = side(&na, a);
        let (ob, eb, pb) = side(&nb, b);
        let sides = Sides::new((&oa, &ea, &pa), (&ob, &eb, &pb));
        let test = Threshold::new(op, t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            sides.flags_in_lanes::<false, false>(&test),
            sides.flags::<false, false>(&test)
        );
        prop_assert_eq!(
            sides.flags_in_lanes::<false, true>(&test),
            sides.flags::<false, true>(&test)
        );
        prop_assert_eq!(
            sides.flags_in_lanes::<true, false>(&test),
            sides.flags::<true, false>(&test)
        );
        prop_assert_eq!(
            sides.flags_in_lanes::<true, true>(&test),
            sides.flags::<true, true>(&test)
        );
        Ok(())
    }

    /// Events of 0–11 `a` and 0–4 `b` particles, the particles (cycled), a threshold and an op.
    fn cases(
        angle: impl Strategy<Value = f64> + Clone,
    ) -> impl Strategy<Value = (Vec<(usize, usize)>, Particles, Particles, f64, BinaryOp)> {
        (
            prop::collection::vec((0usize..12, 0usize..5), 0..40),
            prop::collection::vec((-3.0..3.0f64, angle.clone()), 1..64),
            prop::collection::vec((prop_oneof![-3.0..3.0f64, Just(f64::NAN)], angle), 1..16),
            prop_oneof![
                0.0..2.0f64,
                Just(0.4),
                Just(0.0),
                Just(f64::NAN),
                Just(f64::INFINITY)
            ],
            prop_oneof![
                Just(BinaryOp::Lt),
                Just(BinaryOp::Le),
                Just(BinaryOp::Gt),
                Just(BinaryOp::Ge)
            ],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn lanes_give_the_flags_of_the_pairwise_loop_for_usual_angles(
            (events, a, b, t, op) in cases(usual_angle()),
        ) {
            check(&events, &a, &b, t, op)?;
        }

        #[test]
        fn lanes_give_the_flags_of_the_pairwise_loop_for_any_angles(
            (events, a, b, t, op) in cases(angle()),
        ) {
            check(&events, &a, &b, t, op)?;
        }
    }
}
