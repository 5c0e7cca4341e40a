//! What the evaluation of a fused body plans from the body and its input types alone (its types,
//! chains of sums, best picks, ΔR tests, demands and element-wise chains), made once per body
//! and thread instead of once per morsel: over a run of 2,048-event morsels that planning was a
//! sixth of Q8's time.

use std::cell::RefCell;
use std::sync::Arc;

use rask_plan::op::FusedBody;
use rask_plan::types::Ty;

use super::best::{self, Bests};
use super::chain::{self, Chains};
use super::demand::{self, Demand};
use super::error::EventError;
use super::nearby::{self, Nearby};
use super::sums::{self, Sums};

/// The plans of one fused body for given input types.
#[derive(Debug)]
pub(super) struct Planned {
    pub types: Vec<Ty>,
    pub sums: Sums,
    pub bests: Bests,
    pub nearby: Nearby,
    pub reads: Vec<Demand>,
    pub chains: Chains,
}

impl Planned {
    fn new(body: &FusedBody, tys: &[&Ty]) -> Result<Planned, EventError> {
        let types = rask_plan::typing::fused_types(body, tys)?;
        let sums = sums::plan(body, &types, tys);
        let bests = best::plan(body, &types, &sums);
        let nearby = nearby::plan(body, &types, tys);
        let reads = demand::demands(body, &sums);
        let mut planned = Planned {
            types,
            sums,
            bests,
            nearby,
            reads,
            chains: Chains::default(),
        };
        planned.chains = chain::plan(
            body,
            &planned.types,
            tys,
            |i| planned.special(i),
            |i| planned.placeholder(i),
        );
        Ok(planned)
    }

    /// Operation `i` has no value of its own: only its chain's top reads it.
    pub fn placeholder(&self, i: usize) -> bool {
        self.nearby.stashes(i)
            || self.sums.skipped[i]
            || self.nearby.skipped[i]
            || self.bests.skipped[i]
    }

    /// Operation `i` is computed by a chain of sums, a best pick or a ΔR test.
    pub fn special(&self, i: usize) -> bool {
        self.placeholder(i)
            || self.sums.stashes(i)
            || self.sums.chains.contains_key(&i)
            || self.nearby.chains.contains_key(&i)
            || self.bests.picks.contains_key(&i)
            || self.bests.takes.contains_key(&i)
    }
}

/// Bodies planned on this thread, most recent last (each entry holds its body, so a pointer
/// compared equal is that body, never a later one at a reused address).
type Cache = Vec<(Arc<FusedBody>, Vec<Ty>, Arc<Planned>)>;

/// Bodies kept planned per thread (a plan has a few dozen fused nodes).
const KEPT: usize = 64;

thread_local! {
    static PLANNED: RefCell<Cache> = const { RefCell::new(Vec::new()) };
}

/// The plans of `body` for inputs typed `tys`, made on first use on this thread.
pub(super) fn planned(body: &Arc<FusedBody>, tys: &[&Ty]) -> Result<Arc<Planned>, EventError> {
    let same = |(b, t, _): &(Arc<FusedBody>, Vec<Ty>, Arc<Planned>)| {
        Arc::ptr_eq(b, body) && t.len() == tys.len() && t.iter().zip(tys).all(|(a, b)| a == *b)
    };
    if let Some(p) = PLANNED.with(|c| c.borrow().iter().find(|e| same(e)).map(|e| e.2.clone())) {
        return Ok(p);
    }
    let p = Arc::new(Planned::new(body, tys)?);
    PLANNED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEPT {
            c.remove(0);
        }
        c.push((
            body.clone(),
            tys.iter().map(|t| (*t).clone()).collect(),
            p.clone(),
        ));
    });
    Ok(p)
}
