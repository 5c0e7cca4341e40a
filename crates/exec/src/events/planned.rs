//! What the evaluation of a fused body plans from the body and its input types alone (its types,
//! chains of sums, best picks, ΔR tests, demands and element-wise chains), made once per body
//! and thread instead of once per morsel: with 2,048-event morsels that planning was about a
//! tenth of Q8's time (2–3% with the default 32,768).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use rask_plan::op::FusedBody;
use rask_plan::types::Ty;

use super::best::{self, Bests};
use super::chain::{self, Chains};
use super::demand::{self, Demand};
use super::error::EventError;
use super::nearby::{self, Nearby};
use super::pairs::{self, Pairs};
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
    pub pairs: Pairs,
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
            pairs: Pairs::default(),
        };
        planned.pairs = pairs::plan(body, &planned.types, tys, |i| {
            planned.special(i) || planned.bests.guards(i)
        });
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
            || self.pairs.skips(i)
    }

    /// Operation `i` is computed by a chain of sums, a best pick or a ΔR test.
    pub fn special(&self, i: usize) -> bool {
        self.placeholder(i)
            || self.sums.stashes(i)
            || self.sums.chains.contains_key(&i)
            || self.nearby.chains.contains_key(&i)
            || self.bests.picks.contains_key(&i)
            || self.bests.takes.contains_key(&i)
            || self.bests.enumerated.contains(&i)
            || self.bests.members.contains_key(&i)
            || self.pairs.seconds.contains_key(&i)
    }
}

/// Bodies planned on this thread, by the address of their `Arc`. Each entry holds a `Weak` of
/// its body: the allocation stays (so no later body can get that address while the entry
/// exists) but the body itself, and whatever it holds (loaded corrections), goes with its plan.
type Cache = HashMap<usize, (Weak<FusedBody>, Vec<Ty>, Arc<Planned>)>;

/// Entries kept per thread before the dead ones (bodies of finished plans) are dropped.
const KEPT: usize = 256;

thread_local! {
    static PLANNED: RefCell<Option<Cache>> = const { RefCell::new(None) };
}

/// The plans of `body` for inputs typed `tys`, made on first use on this thread.
pub(super) fn planned(body: &Arc<FusedBody>, tys: &[&Ty]) -> Result<Arc<Planned>, EventError> {
    let key = Arc::as_ptr(body) as usize;
    let hit = PLANNED.with(|c| {
        let c = c.borrow();
        let (weak, t, p) = c.as_ref()?.get(&key)?;
        let same_types = t.len() == tys.len() && t.iter().zip(tys).all(|(a, b)| a == *b);
        (Weak::as_ptr(weak) == Arc::as_ptr(body) && same_types).then(|| p.clone())
    });
    if let Some(p) = hit {
        return Ok(p);
    }
    let p = Arc::new(Planned::new(body, tys)?);
    PLANNED.with(|c| {
        let mut c = c.borrow_mut();
        let c = c.get_or_insert_with(HashMap::new);
        if c.len() >= KEPT {
            c.retain(|_, (weak, _, _)| weak.strong_count() > 0);
            if c.len() >= KEPT {
                c.clear();
            }
        }
        let types = tys.iter().map(|t| (*t).clone()).collect();
        c.insert(key, (Arc::downgrade(body), types, p.clone()));
    });
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rask_plan::op::{FusedRef, Op};
    use rask_plan::types::DType;
    use rask_plan::{Key, UnaryOp};

    #[test]
    fn a_body_is_planned_once_and_not_kept_alive() {
        let body = Arc::new(FusedBody {
            ops: vec![(Op::Unary(UnaryOp::Sqrt), vec![FusedRef::Input(0)])],
            output: 0,
            keys: vec![Key(1)],
            input_keys: vec![Key(2)],
        });
        let (f, i) = (Ty::Scalar(DType::F64), Ty::Scalar(DType::I64));
        let first = planned(&body, &[&f]).unwrap();
        assert!(Arc::ptr_eq(&first, &planned(&body, &[&f]).unwrap()));
        // Other input types: planned anew.
        assert!(!Arc::ptr_eq(&first, &planned(&body, &[&i]).unwrap()));
        let weak = Arc::downgrade(&body);
        drop(body);
        assert_eq!(weak.strong_count(), 0);
    }
}
