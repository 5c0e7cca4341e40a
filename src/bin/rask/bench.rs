//! The seed's array benchmark behind `rask bench seed`; `benches/seed_arrays.rs` includes this
//! file as a module of its own (`#[path]`), so it is no part of the library's API.

use std::time::Instant;

use rask_exec::{Engine, ExecError, Output, Scheduler};
use rask_plan::Context;

/// One of the seed's variants: A `pos = x > 0; w = y[pos] + z[pos]`, B `w = y[x > 0] + z[x > 0]`,
/// C `w = (x + y + z)[x > 0]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    A,
    B,
    C,
}

/// Builds the variant's `w` over `n` normals in chunks of `chunk`.
pub fn seed_expr(
    ctx: &Context,
    variant: Variant,
    n: u64,
    chunk: u64,
) -> Result<rask_plan::Expr, rask_plan::PlanError> {
    let x = ctx.random_normal(&[n], &[chunk], 1)?;
    let y = ctx.random_normal(&[n], &[chunk], 2)?;
    let z = ctx.random_normal(&[n], &[chunk], 3)?;
    match variant {
        Variant::A => {
            let pos = x.gt(0.0)?;
            &y.mask(&pos)? + &z.mask(&pos)?
        }
        Variant::B => &y.mask(&x.gt(0.0)?)? + &z.mask(&x.gt(0.0)?)?,
        Variant::C => (&(&x + &y)? + &z)?.mask(&x.gt(0.0)?),
    }
}

/// Computes the variant; returns the length of `w` and the wall seconds of the compute.
pub fn run_seed(
    variant: Variant,
    scheduler: Scheduler,
    n: u64,
    chunk: u64,
) -> Result<(usize, f64), ExecError> {
    let ctx = Context::new();
    let w = seed_expr(&ctx, variant, n, chunk)?;
    let t0 = Instant::now();
    let out = Engine::new(scheduler).compute(&w)?;
    let seconds = t0.elapsed().as_secs_f64();
    let len = match out {
        Output::Array { data, .. } => data.len(),
        _ => 0,
    };
    Ok((len, seconds))
}

/// The floor: a hand-written fused loop over the same random streams (one thread per chunk
/// group), producing the same `w` as variant A/B.
// Only `benches/seed_arrays.rs` calls it; the binary does not.
#[allow(dead_code)]
pub fn hand_loop(n: u64, chunk: u64, threads: usize) -> (usize, f64) {
    let t0 = Instant::now();
    let chunks: Vec<(u64, usize)> = rask_plan::typing::split_chunks(n, chunk)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as u64, c as usize))
        .collect();
    // Fused: blocks of the three streams in cache, `w` written once, no temporaries.
    let work = |(i, len): (u64, usize)| -> Vec<f64> {
        use rask_core::random::Normals;
        const BLOCK: usize = 4096;
        let (mut sx, mut sy, mut sz) = (Normals::new(1, i), Normals::new(2, i), Normals::new(3, i));
        let (mut x, mut y, mut z) = ([0.0; BLOCK], [0.0; BLOCK], [0.0; BLOCK]);
        let mut w = Vec::with_capacity(len / 2 + len / 64 + 64);
        let mut left = len;
        while left > 0 {
            let k = left.min(BLOCK);
            sx.fill(&mut x[..k]);
            sy.fill(&mut y[..k]);
            sz.fill(&mut z[..k]);
            for j in 0..k {
                if x[j] > 0.0 {
                    w.push(y[j] + z[j]);
                }
            }
            left -= k;
        }
        w
    };
    let parts: Vec<Vec<f64>> = if threads <= 1 {
        chunks.into_iter().map(work).collect()
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(vec![Vec::new(); chunks.len()]);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&c) = chunks.get(i) else { break };
                        let w = work(c);
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = w;
                    }
                });
            }
        });
        results.into_inner().unwrap_or_else(|e| e.into_inner())
    };
    let mut w = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        w.extend_from_slice(&p);
    }
    (w.len(), t0.elapsed().as_secs_f64())
}
